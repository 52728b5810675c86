// Running scenarios: every kind of expectation holds when the rules do what
// it says and fails, naming the step, when they do not.

#include "designer/scenario.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "designer/scenario_file.h"
#include "tests/support/engine_harness.h"

namespace docket::designer {
namespace {

using engine::testing::compile_rules;
using ::testing::HasSubstr;

constexpr const char* kRules = R"(workflow desk version "1"
field amount: money
field score: int range 1..5
department support { roles agent, lead }
priority urgent {
  answer 1h
  warn at 50%
  on breach of answer do escalate to lead
}
chain lead_ok {
  level lead: any of lead
}
approval when amount > 100: lead_ok
require amount <= 500 "at most 500"
initial state open {
  on enter do assign support.agent
  on take by agent -> working do set priority = urgent
}
state working {
  every 2h do notify customer "still_working"
  on plan -> deciding
}
state deciding {
  await approval
  on approved -> done do stop answer
  on rejected -> working
}
final state done
)";

std::shared_ptr<const engine::Workflow> rules() {
  static std::shared_ptr<const engine::Workflow> workflow = compile_rules(kRules, "desk.docket");
  return workflow;
}

// `text` with its first `from` replaced by `to`.
std::string edited(std::string text, const std::string& from, const std::string& to) {
  std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

Scenario parse(const std::string& steps) {
  std::string text = R"(
[actors]
ann = ["agent"]
lee = ["lead"]
max = ["lead"]
[[scenario]]
name = "one"
)" + steps;
  engine::Result<ScenarioFile> file = parse_scenario_file("desk.test.toml", text);
  EXPECT_TRUE(file.ok()) << file.error();
  if (!file || file->scenarios.empty()) return {};
  return file->scenarios.front();
}

// The failure messages of a run, one per line.
std::string failures_of(const Scenario& scenario) {
  std::string text;
  for (const Failure& failure : run_scenario(rules(), scenario).failures) {
    text += "line " + std::to_string(failure.line) + " step " + std::to_string(failure.step) + ": " + failure.message +
            "\n";
  }
  return text;
}

const std::string kHappyPath = R"(
[[scenario.step]]
at = "2026-11-23T09:00:00Z"
event = "create"
actor = "ann"
data = { amount = 120.0 }
expect = { state = "open", assignee = "support.agent", department = "support", sla = { answer = "running" } }
[[scenario.step]]
at = "+20m"
event = "take"
actor = "ann"
expect = { state = "working", priority = "urgent", fields = { amount = 120 } }
[[scenario.step]]
at = "+20m"
expect = { actions = ["warning answer 50%"], no_actions = ["breach"] }
[[scenario.step]]
at = "+1h40m"
expect = { actions = ["timer working", "notify customer still_working", "breach answer", "escalate lead"] }
[[scenario.step]]
at = "+1m"
event = "plan"
actor = "ann"
expect = { state = "deciding", actions = ["approval_chain lead_ok"] }
[[scenario.step]]
at = "+1m"
event = "approve"
actor = "lee"
expect = { state = "done", sla = { answer = "breached" } }
)";

TEST(ScenarioTest, EveryExpectationHoldsOnTheRulesItDescribes) { EXPECT_EQ(failures_of(parse(kHappyPath)), ""); }

TEST(ScenarioTest, AWrongStateNamesTheStepAndBothStates) {
  std::string steps = kHappyPath;
  steps = edited(steps, "state = \"working\"", "state = \"deciding\"");
  std::string failures = failures_of(parse(steps));
  EXPECT_THAT(failures, HasSubstr("step 2: state: expected deciding, got working"));
  EXPECT_THAT(failures, HasSubstr("line 15 "));  // the second [[scenario.step]]
}

TEST(ScenarioTest, AnUnexpectedRejectionIsAFailureWithItsReason) {
  std::string failures = failures_of(parse(R"(
[[scenario.step]]
at = "2026-11-23T09:00:00Z"
event = "create"
actor = "ann"
data = { amount = 900.0 }
)"));
  EXPECT_THAT(failures, HasSubstr("step 1: rejected: "));
  EXPECT_THAT(failures, HasSubstr("at most 500"));
}

TEST(ScenarioTest, ExpectedRejectionsAreCheckedForTheirReason) {
  std::string steps = R"(
[[scenario.step]]
at = "2026-11-23T09:00:00Z"
event = "create"
actor = "ann"
data = { amount = 120.0 }
[[scenario.step]]
at = "+1m"
event = "take"
actor = "lee"
expect = { rejected = true, state = "open" }
[[scenario.step]]
at = "+1m"
event = "take"
actor = "ann"
expect = { rejected = "some other reason" }
)";
  std::string failures = failures_of(parse(steps));
  EXPECT_THAT(failures, Not(HasSubstr("step 2")));
  EXPECT_THAT(failures, HasSubstr("step 3: expected a rejection mentioning \"some other reason\", but the event was "
                                  "accepted"));
}

TEST(ScenarioTest, FourEyesRejectionIsVisibleToTheDesigner) {
  std::string steps = kHappyPath;
  // The lead who approves also made the plan.
  steps = edited(steps, "event = \"plan\"\nactor = \"ann\"", "event = \"plan\"\nactor = \"lee\"");
  std::string failures = failures_of(parse(steps));
  EXPECT_THAT(failures, HasSubstr("step 6: rejected: "));
  EXPECT_THAT(failures, HasSubstr("step 6: state: expected done, got deciding"));
}

TEST(ScenarioTest, MissingActionsListWhatTheStepDidInstead) {
  std::string steps = kHappyPath;
  steps = edited(steps, "\"warning answer 50%\"", "\"escalate lead\"");
  std::string failures = failures_of(parse(steps));
  EXPECT_THAT(failures, HasSubstr("step 3: actions: expected `escalate lead`, the step did `warning answer 50%`"));
}

TEST(ScenarioTest, UnwantedActionsAreReported) {
  std::string steps = kHappyPath;
  steps = edited(steps, "no_actions = [\"breach\"]", "no_actions = [\"warning\"]");
  EXPECT_THAT(failures_of(parse(steps)), HasSubstr("step 3: no_actions: the step did `warning answer 50%`"));
}

TEST(ScenarioTest, FieldsCompareAsTheEngineStoresThem) {
  std::string steps = kHappyPath;
  steps = edited(steps, "fields = { amount = 120 }", "fields = { amount = 99.5, score = 3 }");
  std::string failures = failures_of(parse(steps));
  EXPECT_THAT(failures, HasSubstr("fields.amount: expected 99.5, got 120"));
  EXPECT_THAT(failures, HasSubstr("fields.score: expected 3, got (none)"));
}

TEST(ScenarioTest, NamesTheRulesDoNotKnowAreFailuresNotSilentPasses) {
  std::string steps = kHappyPath;
  steps = edited(steps, "sla = { answer = \"running\" }", "sla = { anwser = \"running\" }, fields = { x = 1 }");
  std::string failures = failures_of(parse(steps));
  EXPECT_THAT(failures, HasSubstr("sla.anwser: the rules have no metric `anwser`"));
  EXPECT_THAT(failures, HasSubstr("fields.x: the rules have no field `x`"));
}

TEST(ScenarioTest, ExpectationsOnATicketThatDoesNotExistFail) {
  std::string failures = failures_of(parse(R"(
[[scenario.step]]
at = "2026-11-23T09:00:00Z"
expect = { state = "open" }
)"));
  EXPECT_THAT(failures, HasSubstr("ticket T-1 does not exist"));
}

TEST(ScenarioTest, RunsAreDeterministic) {
  Scenario scenario = parse(kHappyPath);
  std::vector<engine::Record> first = run_scenario(rules(), scenario).records;
  std::vector<engine::Record> second = run_scenario(rules(), scenario).records;
  EXPECT_EQ(first, second);
  EXPECT_GT(first.size(), 6u);
}

TEST(ScenarioTest, MatchingIsByLeadingWords) {
  EXPECT_TRUE(matches("notify customer", "notify customer empathy_script"));
  EXPECT_TRUE(matches("notify  customer empathy_script", "notify customer empathy_script"));
  EXPECT_FALSE(matches("notify cust", "notify customer empathy_script"));
  EXPECT_FALSE(matches("notify customer empathy_script extra", "notify customer empathy_script"));
  EXPECT_FALSE(matches("", "notify customer"));
  // Commas and colons in what the engine wrote separate words.
  EXPECT_TRUE(matches("route rights_claim complaints", "route rights_claim complaints, legal"));
  EXPECT_TRUE(matches("clock resolve stopped", "clock resolve stopped: met, 1h of 4h"));
  EXPECT_FALSE(matches("clock resolve stopped breached", "clock resolve stopped: met, 1h of 4h"));
}

TEST(ScenarioTest, FailuresShowTimesInTheOffsetTheFileUsed) {
  Scenario scenario = parse(R"(
[[scenario.step]]
at = "2026-11-23T09:00:00+08:00"
event = "create"
actor = "ann"
data = { amount = 10.0 }
expect = { state = "working" }
[[scenario.step]]
at = "+1h30m"
expect = { state = "working" }
)");
  ScenarioResult result = run_scenario(rules(), scenario);
  ASSERT_EQ(result.failures.size(), 2u);
  EXPECT_EQ(result.failures[0].at, "2026-11-23T09:00:00+08:00");
  EXPECT_EQ(result.failures[0].what, "create on T-1");
  EXPECT_EQ(result.failures[1].at, "2026-11-23T10:30:00+08:00");
  EXPECT_EQ(result.failures[1].what, "advance");
}

}  // namespace
}  // namespace docket::designer
