// `docket test` as a designer and a CI job use it: results, coverage, exit
// codes, JUnit XML, and the suites shipped beside every rule file.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/cli/command_harness.h"

namespace docket::cli::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kRules = R"(workflow desk version "1"
department support { roles agent }
initial state open {
  on take by agent -> working
  on drop -> closed
}
state working {
  on done -> closed
}
final state closed
)";

constexpr const char* kScenario = R"(
[actors]
ann = ["agent"]
[[scenario]]
name = "taken and done"
[[scenario.step]]
at = "2026-11-23T09:00:00Z"
event = "create"
actor = "ann"
[[scenario.step]]
at = "+1m"
event = "take"
actor = "ann"
expect = { state = "working" }
[[scenario.step]]
at = "+1m"
event = "done"
actor = "ann"
expect = { state = "closed" }
)";

// A folder with desk.docket and desk.test.toml (scenario text given).
std::string suite_folder(const std::string& name, const std::string& scenario) {
  std::string folder = ::testing::TempDir() + std::to_string(getpid()) + "_" + name;
  std::filesystem::create_directories(folder + "/nested");
  std::ofstream(folder + "/nested/desk.docket") << kRules;
  std::ofstream(folder + "/nested/desk.test.toml") << scenario;
  return folder;
}

TEST(TestCommandTest, PassingScenariosExitZeroAndShowCoverage) {
  CommandRun run = run_docket("test " + suite_folder("pass", kScenario));
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("states 3/3, transitions 2/3, timers 0/0, approval levels 0/0"));
  EXPECT_THAT(run.out, HasSubstr("desk.docket:5:3: transition drop: open -> closed never fired"));
  EXPECT_THAT(run.out, HasSubstr("1 passed, 0 failed\n"));
}

TEST(TestCommandTest, StrictCoverageFailsOnWhatNoScenarioReached) {
  CommandRun run = run_docket("test --strict-coverage " + suite_folder("strict", kScenario));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.out, HasSubstr("1 passed, 0 failed; 1 not reached (--strict-coverage)"));
}

TEST(TestCommandTest, AFailureNamesTheFileLineStepAndBothValues) {
  std::string scenario = kScenario;
  scenario.replace(scenario.find("state = \"closed\""), 16, "state = \"working\"");
  std::string folder = suite_folder("fail", scenario);
  std::string junit = folder + "/results.xml";
  CommandRun run = run_docket("test " + folder + " --junit " + junit);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.out, HasSubstr("FAIL " + folder + "/nested/desk.test.toml: taken and done"));
  EXPECT_THAT(run.out, HasSubstr("desk.test.toml:15: scenario \"taken and done\", step 3 (done on T-1 at "
                                 "2026-11-23T09:02:00Z): state: expected working, got closed"));
  EXPECT_THAT(run.out, HasSubstr("0 passed, 1 failed"));
  std::string xml = read_text(junit);
  EXPECT_THAT(xml, HasSubstr("tests=\"1\" failures=\"1\""));
  EXPECT_THAT(xml, HasSubstr("state: expected working, got closed"));
}

TEST(TestCommandTest, BrokenScenarioFilesAndRuleFilesAreReported) {
  std::string folder = suite_folder("broken", "[[scenario]]\nname = \"x\"\n[[scenario.step]]\nat = \"soon\"\n");
  CommandRun run = run_docket("test " + folder);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.out, HasSubstr("desk.test.toml:4:6: at: \"soon\" is not a time"));

  std::ofstream(folder + "/nested/desk.docket")
      << "workflow desk version \"1\"\ninitial state open {\n  on x -> nowhere\n}\n";
  std::ofstream(folder + "/nested/desk.test.toml") << kScenario;
  run = run_docket("test " + folder);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("desk.docket:3:"));
  EXPECT_THAT(run.out, HasSubstr("the rules " + folder + "/nested/desk.docket have errors"));
}

TEST(TestCommandTest, UsageErrorsExitTwo) {
  EXPECT_EQ(run_docket("test /nonexistent/folder").exit_code, 2);
  std::string empty = ::testing::TempDir() + std::to_string(getpid()) + "_empty";
  std::filesystem::create_directories(empty);
  CommandRun run = run_docket("test " + empty);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("no scenario files"));
}

// The contract for everything shipped: every rule file under rules/ has a
// suite, every suite passes, and nothing in any rule file goes unreached.
TEST(TestCommandTest, ShippedRuleFilesHaveSuitesWithFullCoverage) {
  CommandRun run = run_docket("test rules --strict-coverage");
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(run.out, Not(HasSubstr("never")));
  for (const auto& entry : std::filesystem::recursive_directory_iterator(std::string(DOCKET_SOURCE_DIR) + "/rules")) {
    if (entry.path().extension() != ".docket") continue;
    // rules/calendars/ holds holiday notices that workflows extend, not workflows.
    if (entry.path().parent_path().filename() == "calendars") continue;
    std::string relative = std::filesystem::relative(entry.path(), DOCKET_SOURCE_DIR).string();
    EXPECT_THAT(run.out, HasSubstr("coverage of " + relative + ":")) << relative << " has no suite";
  }
}

}  // namespace
}  // namespace docket::cli::testing
