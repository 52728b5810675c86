// Reading scenario files: what a designer writes becomes steps with the
// right times, actors and data, and every mistake is reported with its
// position instead of silently checking nothing.

#include "designer/scenario_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace docket::designer {
namespace {

using ::testing::HasSubstr;

constexpr std::int64_t kNine = 1795395600;  // 2026-11-23T09:00:00+08:00 is 01:00Z

ScenarioFile parse_ok(const std::string& text) {
  engine::Result<ScenarioFile> file = parse_scenario_file("rules/desk.test.toml", text);
  EXPECT_TRUE(file.ok()) << file.error();
  return file ? file.value() : ScenarioFile{};
}

std::string parse_error(const std::string& text) {
  engine::Result<ScenarioFile> file = parse_scenario_file("rules/desk.test.toml", text);
  EXPECT_FALSE(file.ok());
  return file ? std::string() : file.error();
}

TEST(ScenarioFileTest, StepsGetTimesActorsTicketsAndData) {
  ScenarioFile file = parse_ok(R"(
[actors]
zhang = ["intake_specialist", "agent"]
[defaults.create]
channel = "phone"
mood = "calm"
[[scenario]]
name = "angry caller"
ticket = "AS-1"
[[scenario.step]]
at = "2026-11-23T09:00:00+08:00"
event = "create"
actor = "zhang"
data = { mood = "angry", amount = 12.5, count = 3, ok = true, when = 2026-11-24T10:00:00+08:00 }
[[scenario.step]]
at = "+1h30m"
event = "registered"
actor = "guest"
roles = []
ticket = "AS-2"
key = "k-1"
[[scenario.step]]
at = "+1d"
)");
  EXPECT_EQ(file.rules_path, "rules/desk.docket");
  ASSERT_EQ(file.scenarios.size(), 1u);
  const Scenario& scenario = file.scenarios[0];
  EXPECT_EQ(scenario.name, "angry caller");
  ASSERT_EQ(scenario.steps.size(), 3u);

  const Step& create = scenario.steps[0];
  EXPECT_EQ(create.at, kNine);
  EXPECT_EQ(create.ticket, "AS-1");
  EXPECT_EQ(create.actor.roles, (std::vector<std::string>{"intake_specialist", "agent"}));
  // Defaults first (in key order), the step's own values over them.
  ASSERT_EQ(create.data.size(), 6u);
  EXPECT_EQ(create.data[0].field, "channel");
  EXPECT_EQ(create.data[1].field, "mood");
  EXPECT_EQ(create.data[1].value, engine::FieldInput::text("angry"));
  auto find = [&](const std::string& name) {
    for (const engine::DataItem& item : create.data) {
      if (item.field == name) return item.value;
    }
    return engine::FieldInput::null();
  };
  EXPECT_EQ(find("amount"), engine::FieldInput::number(*engine::Fixed::parse("12.5")));
  EXPECT_EQ(find("count"), engine::FieldInput::integer(3));
  EXPECT_EQ(find("ok"), engine::FieldInput::boolean(true));
  EXPECT_EQ(find("when"), engine::FieldInput::text("2026-11-24T10:00:00+08:00"));

  const Step& registered = scenario.steps[1];
  EXPECT_EQ(registered.at, kNine + 5400);
  EXPECT_EQ(registered.ticket, "AS-2");
  EXPECT_TRUE(registered.actor.roles.empty());
  EXPECT_TRUE(registered.data.empty());  // defaults are for `create` only
  EXPECT_EQ(registered.idempotency_key, "k-1");

  EXPECT_EQ(scenario.steps[2].event, "");
  EXPECT_EQ(scenario.steps[2].at, kNine + 5400 + 86400);
}

TEST(ScenarioFileTest, ExpectationsAreRead) {
  ScenarioFile file = parse_ok(R"(
[[scenario]]
name = "x"
[[scenario.step]]
at = "2026-11-23T09:00:00Z"
event = "e"
roles = []
[scenario.step.expect]
state = "s"
rejected = "too late"
fields = { a = 1, b = "" }
priority = "P0"
category = "c"
department = "d"
departments = ["d", "e"]
assignee = "d.r"
sla = { resolve = "breached" }
actions = ["notify customer"]
no_actions = ["escalate"]
)");
  const Expectation& expect = file.scenarios.at(0).steps.at(0).expect;
  EXPECT_EQ(expect.state, "s");
  EXPECT_EQ(expect.rejected, "too late");
  ASSERT_EQ(expect.fields.size(), 2u);
  EXPECT_EQ(expect.fields[1].second, engine::FieldInput::null());  // "" expects no value
  EXPECT_EQ(expect.departments, (std::vector<std::string>{"d", "e"}));
  EXPECT_EQ(expect.sla.at(0), (std::pair<std::string, std::string>{"resolve", "breached"}));
  EXPECT_EQ(expect.actions, std::vector<std::string>{"notify customer"});
  EXPECT_EQ(expect.no_actions, std::vector<std::string>{"escalate"});
}

TEST(ScenarioFileTest, TheRulesPathIsRelativeToTheScenarioFile) {
  ScenarioFile file = parse_ok(
      "rules = \"../other/x.docket\"\n[[scenario]]\nname = \"x\"\n[[scenario.step]]\nat = "
      "\"2026-11-23T09:00:00Z\"\n");
  EXPECT_EQ(file.rules_path, "rules/../other/x.docket");
  EXPECT_EQ(default_rules_path("a/b/after_sales.test.toml"), "a/b/after_sales.docket");
}

TEST(ScenarioFileTest, TomlSyntaxErrorsHaveTheirPosition) {
  EXPECT_THAT(parse_error("[[scenario]]\nname = \"x\n"), HasSubstr("rules/desk.test.toml:2:"));
}

TEST(ScenarioFileTest, EveryMistakeIsReportedWithItsPosition) {
  std::string errors = parse_error(R"([actors]
ann = ["agent"]
[[scenario]]
name = "x"
[[scenario.step]]
at = "2026-11-23T09:00:00Z"
event = "e"
actor = "bob"
expect = { stat = "s", sla = { resolve = "late" } }
[[scenario]]
name = "y"
[[scenario.step]]
at = "+1h"
[[scenario]]
name = "z"
[[scenario.step]]
at = "2026-11-23T09:00:00Z"
[[scenario.step]]
at = "2026-11-23T08:00:00Z"
[[scenario.step]]
at = "tomorrow"
)");
  EXPECT_THAT(errors, HasSubstr("rules/desk.test.toml:8:9: actor `bob` is not in [actors]"));
  EXPECT_THAT(errors, HasSubstr("rules/desk.test.toml:9:12: unknown key `stat` in expect"));
  EXPECT_THAT(errors, HasSubstr(":9:42: expect.sla.resolve: \"late\" is not one of"));
  EXPECT_THAT(errors, HasSubstr(":13:6: at: the first step needs an absolute time"));
  EXPECT_THAT(errors, HasSubstr(":19:6: at: 2026-11-23T08:00:00Z is earlier than the previous step"));
}

TEST(ScenarioFileTest, MisspelledKeysAreNotIgnored) {
  EXPECT_THAT(parse_error("[[scenario]]\nname = \"x\"\n[[scenario.step]]\nat = \"2026-11-23T09:00:00Z\"\nevnet = "
                          "\"e\"\n"),
              HasSubstr(":5:1: unknown key `evnet` in a step"));
  EXPECT_THAT(parse_error("rule = \"x.docket\"\n[[scenario]]\nname = \"x\"\n[[scenario.step]]\nat = "
                          "\"2026-11-23T09:00:00Z\"\n"),
              HasSubstr(":1:1: unknown key `rule` in the file"));
}

TEST(ScenarioFileTest, AFileWithoutScenariosOrStepsIsAnError) {
  EXPECT_THAT(parse_error("[actors]\n"), HasSubstr("the file has no scenarios"));
  EXPECT_THAT(parse_error("[[scenario]]\nname = \"x\"\n"), HasSubstr("the scenario needs steps"));
}

TEST(ScenarioFileTest, DataOfTheWrongShapeIsNamed) {
  EXPECT_THAT(parse_error("[[scenario]]\nname = \"x\"\n[[scenario.step]]\nat = \"2026-11-23T09:00:00Z\"\nroles = "
                          "[]\ndata = { tags = [1, 2] }\n"),
              HasSubstr(":6:17: data.tags must be a string, a number, a boolean or a date-time"));
}

TEST(ScenarioFileTest, AnUnreadableFileIsNamed) {
  engine::Result<ScenarioFile> file = read_scenario_file("/nonexistent/x.test.toml");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error(), "/nonexistent/x.test.toml: cannot read the file");
}

}  // namespace
}  // namespace docket::designer
