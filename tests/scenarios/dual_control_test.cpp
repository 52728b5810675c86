// tests/scenarios/dual_control.test.toml, run as `docket test` runs it: two
// different department heads complete `2 of dept_head`, one head twice does
// not, and the head who submitted is not one of them.

#include <gtest/gtest.h>

#include "designer/scenario.h"
#include "designer/scenario_file.h"
#include "tests/scenarios/scenario.h"
#include "tests/support/engine_harness.h"

namespace docket::engine::testing {
namespace {

TEST(DualControlScenario, TwoOfDeptHeadNeedsTwoDifferentHeads) {
  Result<designer::ScenarioFile> file =
      designer::read_scenario_file(source_path("tests/scenarios/dual_control.test.toml"));
  ASSERT_TRUE(file.ok()) << file.error();
  Result<LoadedRules> rules = load_rules(file->rules_path);
  ASSERT_TRUE(rules.ok()) << rules.error();
  EXPECT_EQ(rules->warnings, "");
  ASSERT_EQ(file->scenarios.size(), 3u);
  for (const designer::Scenario& scenario : file->scenarios) {
    SCOPED_TRACE(scenario.name);
    designer::ScenarioResult result = designer::run_scenario(rules->workflow, scenario);
    for (const designer::Failure& failure : result.failures) {
      ADD_FAILURE() << "line " << failure.line << ": " << failure.message;
    }
  }
}

}  // namespace
}  // namespace docket::engine::testing
