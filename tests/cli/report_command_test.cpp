// `docket report` as a department head runs it: on a store written by
// `docket run --store` and on the --log journal of the same run, as CSV, text
// and HTML; with a period; and on damaged input and bad options.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "tests/cli/command_harness.h"
#include "tests/support/event_streams.h"

namespace docket::cli::testing {
namespace {

using docket::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kRules = "rules/after_sales.docket";
const std::string kEvents = "examples/after_sales/walkthrough.jsonl";

// The ids of the tickets the events file creates, read from its text.
std::set<std::string> created_tickets() {
  std::set<std::string> ids;
  const std::regex create("\"ticket\":\"([^\"]+)\",\"event\":\"create\"");
  for (const std::string& line : lines_of(read_text(std::string(DOCKET_SOURCE_DIR) + "/" + kEvents))) {
    std::smatch match;
    if (std::regex_search(line, match, create)) ids.insert(match[1]);
  }
  return ids;
}

// The CSV row of `figure` (with the given breakdown prefix), or "".
std::string csv_row(const std::string& csv, const std::string& prefix) {
  for (const std::string& line : lines_of(csv)) {
    if (line.rfind(prefix, 0) == 0) return line;
  }
  return {};
}

TEST(ReportCommandTest, StoreAndLogOfOneRunGiveTheSameCsv) {
  TempDir dir;
  CommandRun run = run_docket("run " + kRules + " --events " + kEvents + " --until 2026-11-30 --store " +
                              dir.file("t.db") + " --sync normal --log " + dir.file("t.jsonl") + " -q");
  ASSERT_EQ(run.exit_code, 0) << run.err;

  CommandRun from_store = run_docket("report " + dir.file("t.db") + " --format csv");
  ASSERT_EQ(from_store.exit_code, 0) << from_store.err;
  EXPECT_EQ(from_store.err, "");
  std::vector<std::string> lines = lines_of(from_store.out);
  ASSERT_GT(lines.size(), 10u);
  EXPECT_EQ(lines[0], "figure,metric,type,priority,score,value,count,total");
  for (const std::string& line : lines) EXPECT_EQ(std::count(line.begin(), line.end(), ','), 7) << line;

  std::set<std::string> tickets = created_tickets();
  ASSERT_FALSE(tickets.empty());
  EXPECT_EQ(csv_row(from_store.out, "tickets_created,"),
            "tickets_created,,,,," + std::to_string(tickets.size()) + ",,");
  EXPECT_THAT(csv_row(from_store.out, "acceptance_timeliness,first_response,"), StartsWith("acceptance_timeliness"));

  CommandRun from_log = run_docket("report " + dir.file("t.jsonl") + " --format csv");
  ASSERT_EQ(from_log.exit_code, 0) << from_log.err;
  EXPECT_EQ(from_log.out, from_store.out);

  // Twice the same: byte-identical.
  EXPECT_EQ(run_docket("report " + dir.file("t.db") + " --format csv").out, from_store.out);
}

TEST(ReportCommandTest, APeriodBeforeEveryTicketIsEmptyAndHtmlGoesToAFile) {
  TempDir dir;
  ASSERT_EQ(run_docket("run " + kRules + " --events " + kEvents + " --store " + dir.file("t.db") + " --sync normal -q")
                .exit_code,
            0);
  CommandRun empty =
      run_docket("report " + dir.file("t.db") + " --from 2020-01-01 --to 2020-02-01 --zone Asia/Shanghai");
  ASSERT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_THAT(empty.out, HasSubstr("tickets created from 2020-01-01 before 2020-02-01 (Asia/Shanghai)"));
  EXPECT_THAT(empty.out, HasSubstr("no tickets"));

  CommandRun html = run_docket("report " + dir.file("t.db") + " --format html --output " + dir.file("r.html"));
  ASSERT_EQ(html.exit_code, 0) << html.err;
  EXPECT_EQ(html.out, "");
  std::string page = read_text(dir.file("r.html"));
  EXPECT_THAT(page, StartsWith("<!DOCTYPE html>"));
  EXPECT_THAT(page, HasSubstr("<svg"));
}

TEST(ReportCommandTest, ADamagedJournalNamesTheLineAndBadOptionsAreUsageErrors) {
  TempDir dir;
  ASSERT_EQ(run_docket("run " + kRules + " --events " + kEvents + " --log " + dir.file("t.jsonl") + " -q").exit_code,
            0);
  std::vector<std::string> lines = lines_of(read_text(dir.file("t.jsonl")));
  ASSERT_GT(lines.size(), 5u);
  lines[4] = "{\"seq\":5,\"at\":";
  docket::testing::write_lines(dir.file("bad.jsonl"), lines);
  CommandRun bad = run_docket("report " + dir.file("bad.jsonl"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr(dir.file("bad.jsonl") + ":5: not a journal record"));
  EXPECT_EQ(bad.out, "");

  CommandRun missing = run_docket("report " + dir.file("none.db"));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("none.db: no such file"));

  EXPECT_EQ(run_docket("report " + dir.file("t.jsonl") + " --from 2026-13-01").exit_code, 2);
  EXPECT_EQ(run_docket("report " + dir.file("t.jsonl") + " --zone Mars/Base").exit_code, 2);
  EXPECT_EQ(run_docket("report " + dir.file("t.jsonl") + " --from 2026-12-01 --to 2026-11-01").exit_code, 2);
  EXPECT_EQ(run_docket("report " + dir.file("t.jsonl") + " --format pdf").exit_code, 2);
}

}  // namespace
}  // namespace docket::cli::testing
