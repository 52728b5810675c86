// `docket simulate`: the shipped profiles through the shipped rules, as a
// designer runs them (one day of arrivals to keep the test fast).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "tests/cli/command_harness.h"

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

TEST(SimulateCommandTest, MissingProfileIsAUsageError) {
  CommandRun run = run_docket("simulate rules/after_sales.docket");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("--profile is required"));
}

}  // namespace
}  // namespace docket::cli::testing
