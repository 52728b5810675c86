// `docket simulate`: the shipped profiles through the shipped rules, as a
// designer runs them (one day of arrivals to keep the test fast), the
// journal of a simulated run kept with --log and --store, and its events kept
// with --events-out for `docket run` and `docket explain`.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "tests/cli/command_harness.h"
#include "tests/support/event_streams.h"

namespace docket::cli::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kAfterSales =
    "simulate rules/after_sales.docket --profile examples/profiles/after_sales_november.toml --days 1";

TEST(SimulateCommandTest, PrintsTheReportAndRepeatsItExactly) {
  CommandRun first = run_docket(kAfterSales);
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, StartsWith("simulation  after_sales 1.0, seed 20261102, 1 days of arrivals"));
  EXPECT_THAT(first.out, HasSubstr("SLA compliance"));
  EXPECT_THAT(first.out, HasSubstr("follow_up: survey -> supervisor_review"));
  EXPECT_THAT(first.out, HasSubstr("events      sent "));
  // stderr is not a terminal here: no progress bar, nothing at all.
  EXPECT_EQ(first.err, "");
  CommandRun second = run_docket(kAfterSales);
  EXPECT_EQ(first.out, second.out);
}

TEST(SimulateCommandTest, JsonReport) {
  CommandRun run = run_docket(
      "simulate rules/complaint_handling.docket --profile examples/profiles/complaint_handling.toml --days 1 "
      "--format json");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, StartsWith("{\n  \"workflow\": \"complaint_handling\""));
  EXPECT_THAT(run.out, HasSubstr("\"compliance_percent\""));
  EXPECT_THAT(run.out, HasSubstr("\"top_rejections\": []"));
}

TEST(SimulateCommandTest, CompareShowsBothColumnsAndTheDifference) {
  std::string strict = read_text(std::string(DOCKET_SOURCE_DIR) + "/rules/after_sales.docket");
  std::size_t p2 = strict.find("priority P2");
  std::size_t limit = strict.find("first_response 24h", p2);
  ASSERT_NE(limit, std::string::npos);
  strict.replace(limit, 18, "first_response 1h");
  std::string path = write_temp("strict_after_sales.docket", strict);
  CommandRun run = run_docket(kAfterSales + " --compare " + path);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("B - A"));
  EXPECT_THAT(run.out, ::testing::ContainsRegex("\nSLA first_response P2 +[0-9.]+% +[0-9.]+% +-[0-9.]+ pt\n"));
  // The same arrivals for both rule files.
  EXPECT_THAT(run.out, ::testing::ContainsRegex("\ntickets created +[0-9]+ +[0-9]+ +0\n"));
}

// Every shipped profile says in its header the command that runs it
// ("docket simulate RULES --profile THIS"); run so, a day of its arrivals
// goes through with no event refused and every state the load reaches
// described: a profile that drifts from its rules fails here.
TEST(SimulateCommandTest, EveryShippedProfileRunsCleanlyAgainstItsRules) {
  std::string root = std::string(DOCKET_SOURCE_DIR) + "/";
  std::vector<std::string> profiles;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root + "examples/profiles")) {
    if (entry.is_regular_file() && entry.path().extension() == ".toml") {
      profiles.push_back(entry.path().lexically_relative(root).generic_string());
    }
  }
  std::sort(profiles.begin(), profiles.end());
  EXPECT_GE(profiles.size(), 7u);  // after-sales, complaints, five industries
  const std::regex usage(R"(docket simulate (\S+) --profile (\S+))");
  for (const std::string& profile : profiles) {
    SCOPED_TRACE(profile);
    std::string text = read_text(root + profile);
    std::smatch match;
    ASSERT_TRUE(std::regex_search(text, match, usage)) << "no `docket simulate RULES --profile` line in the header";
    EXPECT_EQ(match[2].str(), profile);
    CommandRun run = run_docket("simulate " + match[1].str() + " --profile " + profile + " --days 1");
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_THAT(run.out, ::testing::ContainsRegex("\nevents +sent [1-9][0-9]*, rejected 0 "));
    EXPECT_THAT(run.out, ::testing::Not(HasSubstr("warning:")));
  }
}

TEST(SimulateCommandTest, ProfileErrorsNameTheirPosition) {
  std::string path = write_temp("bad_profile.toml", "[simulation]\nstart = 2026-11-02\ndays = 1\nseeds = 3\n");
  CommandRun run = run_docket("simulate rules/after_sales.docket --profile " + path);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr(path + ":4:1: unknown key `seeds` in [simulation]"));
  EXPECT_EQ(run.out, "");
}

// ------------------------------------------------------------ --log and --store

using docket::testing::TempDir;

// Two days of the November load, with a seed of the test's own.
const std::string kTwoDays =
    "simulate rules/after_sales.docket --profile examples/profiles/after_sales_november.toml --days 2";
const std::string kKept = kTwoDays + " --seed 7";

// N of "tickets     created N, closed ..." in the simulation's report; "" when missing.
std::string created(const std::string& report) {
  std::smatch match;
  if (!std::regex_search(report, match, std::regex("\ntickets +created ([0-9]+),"))) return {};
  return match[1];
}

// `docket report SOURCE --format csv`'s row of the tickets created; "" when missing.
std::string reported_tickets(const std::string& source) {
  CommandRun report = run_docket("report " + source + " --format csv");
  EXPECT_EQ(report.exit_code, 0) << report.err;
  for (const std::string& line : lines_of(report.out)) {
    if (line.rfind("tickets_created,", 0) == 0) return line;
  }
  return {};
}

TEST(SimulateCommandTest, StoreOfASimulationVerifiesAndHoldsTheTicketsItCreated) {
  TempDir dir;
  ASSERT_EQ(run_docket("keys new --out " + dir.file("audit")).exit_code, 0);
  std::string store = dir.file("sim.db");
  CommandRun run = run_docket(kKept + " --store " + store + " --key " + dir.file("audit.key") +
                              " --checkpoint-every 500 --sync normal --log " + dir.file("sim.jsonl"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  std::string tickets = created(run.out);
  ASSERT_NE(tickets, "") << run.out;
  ASSERT_NE(tickets, "0");

  CommandRun verified = run_docket("audit verify " + store + " --key " + dir.file("audit.pub"));
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_THAT(verified.out, HasSubstr("hash chain intact"));
  EXPECT_THAT(verified.out, ::testing::ContainsRegex("checkpoints +[1-9][0-9]* signed checkpoints verified"));
  EXPECT_THAT(verified.out,
              HasSubstr("every record legal under its pinned version (1 version, " + tickets + " tickets)"));

  EXPECT_EQ(reported_tickets(store), "tickets_created,,,,," + tickets + ",,");
  // The log written behind the store is the same journal, as a log written alone.
  std::string from_log =
      run_docket("report " + dir.file("sim.jsonl") + " --rules rules/after_sales.docket --format csv").out;
  std::string from_store = run_docket("report " + store + " --format csv").out;
  auto figures = [](const std::string& csv) { return csv.substr(csv.find("\ntickets_created,")); };
  EXPECT_EQ(figures(from_log), figures(from_store));
  ASSERT_EQ(run_docket(kKept + " --log " + dir.file("alone.jsonl")).exit_code, 0);
  EXPECT_EQ(read_text(dir.file("sim.jsonl")), read_text(dir.file("alone.jsonl")));
}

TEST(SimulateCommandTest, LogIsTheSameByteForByteForTheSameSeedAndReportReadsIt) {
  TempDir dir;
  CommandRun first = run_docket(kKept + " --log " + dir.file("first.jsonl"));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  CommandRun second = run_docket(kKept + " --log " + dir.file("second.jsonl"));
  ASSERT_EQ(second.exit_code, 0) << second.err;
  std::string log = read_text(dir.file("first.jsonl"));
  std::vector<std::string> lines = lines_of(log);
  ASSERT_GT(lines.size(), 1000u);
  EXPECT_THAT(lines.front(), StartsWith("{\"seq\":1,"));
  EXPECT_EQ(log, read_text(dir.file("second.jsonl")));
  // The report is what it is without a log.
  EXPECT_EQ(first.out, run_docket(kKept).out);

  std::string tickets = created(first.out);
  ASSERT_NE(tickets, "");
  EXPECT_EQ(reported_tickets(dir.file("first.jsonl")), "tickets_created,,,,," + tickets + ",,");

  // Another seed, another journal.
  ASSERT_EQ(run_docket(kTwoDays + " --seed 8 --log " + dir.file("other.jsonl")).exit_code, 0);
  EXPECT_NE(log, read_text(dir.file("other.jsonl")));
}

TEST(SimulateCommandTest, LogOrStoreWithCompareIsAUsageError) {
  TempDir dir;
  for (const std::string option : {"--store", "--log", "--events-out"}) {
    SCOPED_TRACE(option);
    std::string file = dir.file("kept");
    CommandRun run = run_docket(kAfterSales + " --compare rules/after_sales.docket " + option + " " + file);
    EXPECT_EQ(run.exit_code, 2);
    EXPECT_THAT(run.err, HasSubstr("docket: error: " + option + " cannot be used with --compare"));
    EXPECT_EQ(run.out, "");
    EXPECT_FALSE(std::filesystem::exists(file));
  }
}

// ------------------------------------------------------------ --events-out

// One day of the November load, with a seed of the test's own.
const std::string kOneDay = kAfterSales + " --seed 5";

// The end of the run, "until TIME" in the report's first line; "" when missing.
std::string until(const std::string& report) {
  std::smatch match;
  if (!std::regex_search(report, match, std::regex("until ([0-9TZ:-]+)\n"))) return {};
  return match[1];
}

// N of "events      sent N, ..." in the simulation's report; 0 when missing.
std::size_t events_sent(const std::string& report) {
  std::smatch match;
  if (!std::regex_search(report, match, std::regex("\nevents +sent ([0-9]+),"))) return 0;
  return std::stoul(match[1]);
}

TEST(SimulateCommandTest, EventsOutReplayedByRunGiveTheSameJournalByteForByte) {
  TempDir dir;
  CommandRun simulated =
      run_docket(kOneDay + " --events-out " + dir.file("events.jsonl") + " --log " + dir.file("simulated.jsonl"));
  ASSERT_EQ(simulated.exit_code, 0) << simulated.err;
  EXPECT_EQ(simulated.err, "");
  std::string end = until(simulated.out);
  ASSERT_NE(end, "") << simulated.out;

  // Every event sent, one line each: creations, the outcomes and the votes.
  std::string events = read_text(dir.file("events.jsonl"));
  std::vector<std::string> lines = lines_of(events);
  ASSERT_GT(lines.size(), 100u);
  EXPECT_EQ(lines.size(), events_sent(simulated.out));
  EXPECT_THAT(lines.front(), StartsWith(R"({"at":")"));
  EXPECT_THAT(lines.front(), HasSubstr(R"("ticket":"AS-000001","event":"create",)"));
  EXPECT_THAT(events, HasSubstr(R"("event":"approve","actor":{"id":"approver.)"));
  // The report is what it is without the events kept.
  EXPECT_EQ(simulated.out, run_docket(kOneDay).out);

  CommandRun replayed = run_docket("run rules/after_sales.docket --events " + dir.file("events.jsonl") + " --until " +
                                   end + " --log " + dir.file("replayed.jsonl") + " --quiet");
  ASSERT_EQ(replayed.exit_code, 0) << replayed.err;
  EXPECT_THAT(replayed.out, HasSubstr(" to " + end + "\n"));
  std::string journal = read_text(dir.file("simulated.jsonl"));
  ASSERT_GT(lines_of(journal).size(), lines.size());
  EXPECT_TRUE(journal == read_text(dir.file("replayed.jsonl")))
      << "the replayed journal differs from the simulated one";
}

TEST(SimulateCommandTest, EventsOutLetExplainShowATicketsDeadlines) {
  TempDir dir;
  ASSERT_EQ(run_docket(kOneDay + " --events-out " + dir.file("events.jsonl")).exit_code, 0);
  // When the first ticket was classified: it has a priority, and its clocks run.
  std::string events = read_text(dir.file("events.jsonl"));
  std::smatch classified;
  ASSERT_TRUE(std::regex_search(events, classified,
                                std::regex(R"re(\{"at":"([^"]+)","ticket":"AS-000001","event":"classified")re")));
  CommandRun explained = run_docket("explain rules/after_sales.docket --events " + dir.file("events.jsonl") +
                                    " --ticket AS-000001 --at " + classified[1].str());
  EXPECT_EQ(explained.exit_code, 0) << explained.err;
  EXPECT_THAT(explained.out, HasSubstr("AS-000001"));
  EXPECT_THAT(explained.out, ::testing::ContainsRegex("\n[a-z_]+: due 2026-11-[0-9]{2}T[0-9:]{8}Z\n"));
}

TEST(SimulateCommandTest, EventsOutThatIsAnInputOrTheLogIsRefused) {
  TempDir dir;
  std::string profile = dir.file("profile.toml");
  std::string text = read_text(std::string(DOCKET_SOURCE_DIR) + "/examples/profiles/after_sales_november.toml");
  docket::testing::write_lines(profile, {text});
  std::string before = read_text(profile);
  CommandRun run =
      run_docket("simulate rules/after_sales.docket --profile " + profile + " --days 1 --events-out " + profile);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("docket: error: --events-out " + profile + " would overwrite the input " + profile));
  EXPECT_EQ(read_text(profile), before);

  // The same file, named another way, before either exists.
  std::string kept = dir.file("kept.jsonl");
  run = run_docket(kAfterSales + " --log " + kept + " --events-out " + dir.file("./kept.jsonl"));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr(" is also the --log: give each a file of its own"));
  EXPECT_EQ(run.out, "");
  EXPECT_FALSE(std::filesystem::exists(kept));
}

TEST(SimulateCommandTest, StoreThatHoldsAJournalIsRefusedUntouched) {
  TempDir dir;
  std::string store = dir.file("sim.db");
  ASSERT_EQ(run_docket(kAfterSales + " --store " + store + " --sync normal").exit_code, 0);
  std::string before = run_docket("audit verify " + store).out;
  ASSERT_THAT(before, HasSubstr("hash chain intact"));

  CommandRun again = run_docket(kAfterSales + " --store " + store);
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_THAT(again.err, HasSubstr("docket: error: --store " + store + " already holds a journal ("));
  EXPECT_EQ(again.out, "");
  EXPECT_EQ(run_docket("audit verify " + store).out, before);
}

TEST(SimulateCommandTest, StoreOptionsNeedAStore) {
  CommandRun run = run_docket(kAfterSales + " --checkpoint-every 10");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("docket: error: --checkpoint-every works only with --store"));
}

TEST(SimulateCommandTest, MissingProfileIsAUsageError) {
  CommandRun run = run_docket("simulate rules/after_sales.docket");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("--profile is required"));
}

}  // namespace
}  // namespace docket::cli::testing
