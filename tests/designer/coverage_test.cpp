// Coverage: what the scenarios reached, item by item, with the rule
// position a designer jumps to.

#include "designer/coverage.h"

#include <gtest/gtest.h>

#include "designer/scenario.h"
#include "designer/scenario_file.h"
#include "tests/support/engine_harness.h"

namespace docket::designer {
namespace {

using engine::testing::compile_rules;

constexpr const char* kRules = R"(workflow desk version "1"
department support { roles agent, lead }
chain two_step {
  level first: any of agent
  level second: any of lead
}
approval when true: two_step
initial state open {
  on take -> deciding
  on drop -> closed
}
state deciding {
  await approval
  after 1h do notify customer "waiting"
  on approved -> closed
  on rejected -> open
}
final state closed
)";

std::vector<engine::Record> run(const std::shared_ptr<const engine::Workflow>& workflow, const std::string& steps) {
  engine::Result<ScenarioFile> file = parse_scenario_file("desk.test.toml", R"(
[actors]
ann = ["agent"]
lee = ["lead"]
[[scenario]]
name = "x"
)" + steps);
  EXPECT_TRUE(file.ok()) << file.error();
  if (!file) return {};
  ScenarioResult result = run_scenario(workflow, file->scenarios.at(0));
  EXPECT_TRUE(result.passed()) << result.failures.at(0).message;
  return result.records;
}

const CoverageItem* item(const Coverage& coverage, const std::string& description) {
  for (const CoverageItem& item : coverage.items()) {
    if (item.description == description) return &item;
  }
  ADD_FAILURE() << "no item " << description;
  return nullptr;
}

TEST(CoverageTest, ListsEveryItemWithItsRulePosition) {
  std::shared_ptr<const engine::Workflow> workflow = compile_rules(kRules, "desk.docket");
  Coverage coverage(workflow);
  EXPECT_EQ(coverage.count(CoverageKind::kState).total, 3u);
  EXPECT_EQ(coverage.count(CoverageKind::kTransition).total, 4u);
  EXPECT_EQ(coverage.count(CoverageKind::kTimer).total, 1u);
  EXPECT_EQ(coverage.count(CoverageKind::kApprovalLevel).total, 2u);
  const CoverageItem* reject = item(coverage, "rejected: deciding -> open");
  ASSERT_NE(reject, nullptr);
  EXPECT_EQ(reject->position.where, "desk.docket:16");
  EXPECT_EQ(reject->position.column, 3u);
  ASSERT_NE(item(coverage, "after 1h in deciding"), nullptr);
  ASSERT_NE(item(coverage, "two_step.second"), nullptr);
  EXPECT_FALSE(coverage.complete());
}

TEST(CoverageTest, CountsWhatRunsReachedAcrossScenarios) {
  std::shared_ptr<const engine::Workflow> workflow = compile_rules(kRules, "desk.docket");
  Coverage coverage(workflow);
  // First level rejects: the second level is never voted on.
  coverage.add(run(workflow, R"(
[[scenario.step]]
at = "2026-11-23T09:00:00Z"
event = "create"
roles = []
[[scenario.step]]
at = "+1m"
event = "take"
roles = []
[[scenario.step]]
at = "+2h"
event = "reject"
actor = "ann"
expect = { state = "open" }
)"));
  EXPECT_EQ(item(coverage, "two_step.first")->hits, 1u);
  EXPECT_EQ(item(coverage, "two_step.second")->hits, 0u);
  EXPECT_EQ(item(coverage, "after 1h in deciding")->hits, 1u);
  EXPECT_EQ(item(coverage, "closed")->hits, 0u);
  EXPECT_EQ(coverage.count(CoverageKind::kTransition).reached, 2u);

  coverage.add(run(workflow, R"(
[[scenario.step]]
at = "2026-11-23T09:00:00Z"
event = "create"
roles = []
[[scenario.step]]
at = "+1m"
event = "take"
roles = []
[[scenario.step]]
at = "+1m"
event = "approve"
actor = "ann"
[[scenario.step]]
at = "+1m"
event = "approve"
actor = "lee"
expect = { state = "closed" }
[[scenario.step]]
at = "+1m"
event = "create"
ticket = "T-2"
roles = []
[[scenario.step]]
at = "+1m"
event = "drop"
ticket = "T-2"
roles = []
)"));
  EXPECT_EQ(item(coverage, "two_step.second")->hits, 1u);
  EXPECT_TRUE(coverage.complete());
}

TEST(CoverageTest, RecordsOfAnotherVersionAreIgnored) {
  std::shared_ptr<const engine::Workflow> workflow = compile_rules(kRules, "desk.docket");
  std::shared_ptr<const engine::Workflow> other = compile_rules(std::string(kRules) + "\n# v2\n", "desk.docket");
  Coverage coverage(workflow);
  coverage.add(run(other, R"(
[[scenario.step]]
at = "2026-11-23T09:00:00Z"
event = "create"
roles = []
)"));
  EXPECT_EQ(coverage.count(CoverageKind::kState).reached, 0u);
}

}  // namespace
}  // namespace docket::designer
