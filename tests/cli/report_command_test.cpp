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
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;
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

  // The log keeps no rules: with the same rule file, the same figures and
  // settings; only where the rules came from differs.
  CommandRun from_log = run_docket("report " + dir.file("t.jsonl") + " --rules " + kRules + " --format csv");
  ASSERT_EQ(from_log.exit_code, 0) << from_log.err;
  std::string store_rules = csv_row(from_store.out, "about,rules,");
  std::string log_rules = csv_row(from_log.out, "about,rules,");
  EXPECT_EQ(store_rules.substr(0, store_rules.rfind(',', store_rules.size() - 3)),
            log_rules.substr(0, log_rules.rfind(',', log_rules.size() - 3)));
  auto without_rules_row = [](std::string csv, const std::string& row) { return csv.erase(csv.find(row), row.size()); };
  EXPECT_EQ(without_rules_row(from_log.out, log_rules), without_rules_row(from_store.out, store_rules));

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

// Every example of `folder` run into one store, the clock on to 10 December.
std::string store_of(TempDir& dir, const std::string& rules, const std::vector<std::string>& examples) {
  std::string store = dir.file("examples.db");
  for (const std::string& example : examples) {
    CommandRun run = run_docket("run " + rules + " --events examples/" + example + " --store " + store +
                                " --until 2026-12-10 --sync normal -q");
    EXPECT_EQ(run.exit_code, 0) << run.err;
  }
  return store;
}

TEST(ReportCommandTest, ComplaintHandlingWithNoOptionsCountsItsResolutionAndVisits) {
  TempDir dir;
  std::string store =
      store_of(dir, "rules/complaint_handling.docket",
               {"complaint_handling/01_quality_batch_defect_recall.jsonl",
                "complaint_handling/03_attitude_reopened.jsonl", "complaint_handling/walkthrough.jsonl"});
  CommandRun report = run_docket("report " + store);
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_THAT(report.out, HasSubstr("rules: complaint_handling version "));
  // Each complaint was implemented and then visited; the reopened one was
  // visited twice, the customer dissatisfied the first time.
  std::smatch resolved;
  ASSERT_TRUE(std::regex_search(report.out, resolved, std::regex("resolved +([0-9]+)  entered return_visit")))
      << report.out;
  EXPECT_GT(std::stoi(resolved[1]), 0);
  EXPECT_THAT(report.out, HasSubstr("follow-up rate         100.0%  " + resolved[1].str() + " of " + resolved[1].str() +
                                    " resolved surveyed"));
  EXPECT_THAT(report.out, ContainsRegex("  false +[1-9]"));
  EXPECT_THAT(report.out, HasSubstr("satisfaction (satisfied, every answer)"));
  EXPECT_THAT(report.out, Not(HasSubstr("0 of 0")));

  CommandRun csv = run_docket("report " + store + " --format csv");
  EXPECT_THAT(csv.out, HasSubstr("setting,resolution,rules/complaint_handling.docket:209,,,return_visit,,"));
  EXPECT_THAT(csv.out, HasSubstr("type_share,category,quality,"));
}

TEST(ReportCommandTest, ABundleAndItsJournalFileCarryTheirRules) {
  TempDir dir;
  std::string store = store_of(dir, "rules/complaint_handling.docket", {"complaint_handling/walkthrough.jsonl"});
  ASSERT_EQ(run_docket("audit export " + store + " --out " + dir.file("bundle")).exit_code, 0);
  CommandRun of_store = run_docket("report " + store);
  CommandRun of_bundle = run_docket("report " + dir.file("bundle"));
  CommandRun of_file = run_docket("report " + dir.file("bundle/journal.jsonl"));
  ASSERT_EQ(of_bundle.exit_code, 0) << of_bundle.err;
  ASSERT_EQ(of_file.exit_code, 0) << of_file.err;
  EXPECT_THAT(of_file.out, HasSubstr("rules: complaint_handling version "));
  EXPECT_THAT(of_file.out, HasSubstr("entered return_visit"));
  auto figures = [](const std::string& text) { return text.substr(text.find("\nfigure")); };
  EXPECT_EQ(figures(of_bundle.out), figures(of_store.out));
  EXPECT_EQ(figures(of_file.out), figures(of_store.out));
}

TEST(ReportCommandTest, TicketsOfAVersionWithAnotherReportBlockAreCountedByTheNewestAndSaidSo) {
  TempDir dir;
  std::string rules = read_text(std::string(DOCKET_SOURCE_DIR) + "/rules/complaint_handling.docket");
  std::size_t types = rules.find("  types by category");
  ASSERT_NE(types, std::string::npos);
  docket::testing::write_lines(dir.file("v2.docket"), {rules.replace(types, 19, "  types by issue")});
  std::string store =
      store_of(dir, "rules/complaint_handling.docket", {"complaint_handling/01_quality_batch_defect_recall.jsonl"});
  ASSERT_EQ(run_docket("run " + dir.file("v2.docket") +
                       " --events examples/complaint_handling/02_logistics_urgent_escalation.jsonl --store " + store +
                       " --sync normal -q")
                .exit_code,
            0);
  CommandRun report = run_docket("report " + store);
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_THAT(report.out, HasSubstr("complaint types (issue)"));
  EXPECT_THAT(report.out, ContainsRegex("warning: version [0-9a-f]{12}, which tickets of this journal ran on, has "
                                        "another `report` block: every ticket was counted by version [0-9a-f]{12}'s"));
  EXPECT_THAT(run_docket("report " + store + " --format csv").out, HasSubstr("about,rules_not_counted_by,"));
  EXPECT_THAT(run_docket("report " + store + " --format json").out, HasSubstr(R"("counted_by":false)"));

  // Another version with the same block: nothing to say.
  std::string relabelled = read_text(std::string(DOCKET_SOURCE_DIR) + "/rules/complaint_handling.docket");
  relabelled.replace(relabelled.find("\"客户投诉处理\""), 20, "\"客户投诉处理（二）\"");
  docket::testing::write_lines(dir.file("v3.docket"), {relabelled});
  std::string other = dir.file("other.db");
  for (const auto& [file, example] :
       {std::pair{std::string("rules/complaint_handling.docket"), std::string("01_quality_batch_defect_recall")},
        std::pair{dir.file("v3.docket"), std::string("02_logistics_urgent_escalation")}}) {
    ASSERT_EQ(run_docket("run " + file + " --events examples/complaint_handling/" + example + ".jsonl --store " +
                         other + " --sync normal -q")
                  .exit_code,
              0);
  }
  CommandRun same = run_docket("report " + other);
  ASSERT_EQ(same.exit_code, 0) << same.err;
  EXPECT_THAT(same.out, Not(HasSubstr("another `report` block")));
}

TEST(ReportCommandTest, AfterSalesSplitsWhatIsNotDecidedYet) {
  TempDir dir;
  std::string store = store_of(dir, kRules, {"after_sales/06_intake_channels_and_timers.jsonl"});
  CommandRun report = run_docket("report " + store);
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_THAT(report.out, ContainsRegex("first_response met; not decided: [0-9]+ clock never started \\(oldest "));
  EXPECT_THAT(report.out, Not(HasSubstr("pending")));
}

TEST(ReportCommandTest, AMisspelledNameIsAUsageErrorListingTheKnownOnes) {
  TempDir dir;
  std::string store = store_of(dir, kRules, {"after_sales/walkthrough.jsonl"});
  CommandRun bad = run_docket("report " + store + " --resolve-metric resolv");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--resolve-metric `resolv` is not a metric of after_sales "));
  EXPECT_THAT(bad.err, HasSubstr("(known: first_response, resolve)"));
  EXPECT_EQ(bad.out, "");

  // A --log journal keeps no rules: --rules checks against them, without it the journal's names.
  ASSERT_EQ(run_docket("run " + kRules + " --events " + kEvents + " --log " + dir.file("t.jsonl") + " -q").exit_code,
            0);
  CommandRun with_rules = run_docket("report " + dir.file("t.jsonl") + " --rules " + kRules + " --survey-field nosuch");
  EXPECT_EQ(with_rules.exit_code, 2);
  EXPECT_THAT(with_rules.err, HasSubstr("--survey-field `nosuch` is not a field of " + kRules));
  CommandRun other = run_docket("report " + dir.file("t.jsonl") + " --rules rules/complaint_handling.docket");
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_THAT(other.err, HasSubstr("--rules rules/complaint_handling.docket declares workflow `complaint_handling`, "
                                   "but the journal's tickets run `after_sales`"));
  CommandRun without = run_docket("report " + dir.file("t.jsonl") + " --first-response-metric first");
  EXPECT_EQ(without.exit_code, 2);
  EXPECT_THAT(without.err, HasSubstr("is not a metric of the journal (known: "));
}

TEST(ReportCommandTest, SeveralWorkflowsNeedAChoiceAndJsonSaysWhatItCovers) {
  TempDir dir;
  std::string store = dir.file("both.db");
  for (const auto& [rules, events] :
       {std::pair{kRules, kEvents}, std::pair{std::string("rules/complaint_handling.docket"),
                                              std::string("examples/complaint_handling/walkthrough.jsonl")}}) {
    ASSERT_EQ(run_docket("run " + rules + " --events " + events + " --store " + store + " --sync normal -q").exit_code,
              0);
  }
  CommandRun mixed = run_docket("report " + store);
  EXPECT_EQ(mixed.exit_code, 2);
  EXPECT_THAT(mixed.err, HasSubstr("the journal holds tickets of 2 workflows (after_sales, complaint_handling): "
                                   "choose one with --workflow"));

  CommandRun json = run_docket("report " + store +
                               " --workflow complaint_handling --format json --from 2026-01-01 "
                               "--zone Asia/Shanghai");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_THAT(json.out, HasSubstr(R"("period":{"from":"2026-01-01","to":"","zone":"Asia/Shanghai"})"));
  EXPECT_THAT(json.out, HasSubstr(R"("workflow":"complaint_handling","rules":[{"workflow":"complaint_handling",)"));
  EXPECT_THAT(json.out, HasSubstr(R"("resolution":{"name":"return_visit","origin":"rules/complaint_handling.docket:)"));
  EXPECT_THAT(json.out, HasSubstr(R"("follow_up":{"rate":{)"));
  EXPECT_THAT(json.out, HasSubstr(R"("type":"quality","label":"产品质量")"));
}

}  // namespace
}  // namespace docket::cli::testing
