// Priorities without time limits in the designer's figures: a ticket of such
// a priority is neither met nor breached, in the department's report and in
// simulation; and numeric enums with labels in diff and graphs.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "designer/diff.h"
#include "designer/graph_export.h"
#include "designer/report.h"
#include "designer/report_render.h"
#include "designer/simulation.h"
#include "designer/simulation_report.h"
#include "embed/docket.h"
#include "tests/support/engine_harness.h"

namespace docket::designer {
namespace {

using engine::testing::actor;
using engine::testing::Harness;
using engine::testing::kHour;
using engine::testing::kMonday;
using engine::testing::text;
using ::testing::HasSubstr;
using ::testing::Not;

// P1 measures first_response and resolve; P2 measures nothing.
constexpr const char* kDesk = R"(workflow desk
field impact "影响": enum(1 "高", 2 "低") required
department service_desk { roles agent }
category incident -> service_desk
priority P1 { first_response 1h resolve 2h }
priority P2 {}
classify priority { P1 when impact == 1  P2 otherwise }
initial state new {
  on enter do classify priority
  on accepted by agent -> working do stop first_response
}
state working { on resolved by agent -> closed do stop resolve }
final state closed
)";

std::shared_ptr<const engine::Workflow> desk() {
  engine::Result<LoadedRules> rules = load_rules_text("desk.docket", kDesk);
  EXPECT_TRUE(rules.ok()) << rules.error();
  return rules.ok() ? rules->workflow : nullptr;
}

const SlaCell* cell(const Report& report, const std::string& metric, const std::string& priority) {
  for (const SlaCell& c : report.sla) {
    if (c.metric == metric && c.priority == priority) return &c;
  }
  return nullptr;
}

TEST(NoLimitsTest, TheReportCountsTicketsWithoutALimitNeitherMetNorBreached) {
  Harness h(desk());
  engine::Actor agent = actor("li", {"agent"});
  for (const char* id : {"A", "B"}) {
    ASSERT_TRUE(h.create(kMonday, id, agent, {text("impact", "2")}).accepted);
    ASSERT_TRUE(h.send(kMonday + 5 * kHour, id, "accepted", agent).accepted);
    ASSERT_TRUE(h.send(kMonday + 9 * kHour, id, "resolved", agent).accepted);
  }
  ASSERT_TRUE(h.create(kMonday, "C", agent, {text("impact", "1")}).accepted);
  ASSERT_TRUE(h.send(kMonday + kHour / 2, "C", "accepted", agent).accepted);
  ASSERT_TRUE(h.send(kMonday + 3 * kHour, "C", "resolved", agent).accepted);

  Report report = compute_report(h.records(), {});
  EXPECT_EQ(report.tickets, 3u);
  EXPECT_EQ(report.acceptance_timeliness.numerator, 1u);
  EXPECT_EQ(report.acceptance_timeliness.denominator, 1u);
  EXPECT_EQ(report.acceptance_pending, 0u);
  EXPECT_EQ(report.acceptance_unmeasured, 2u);
  EXPECT_EQ(cell(report, "resolve", "P2"), nullptr);
  EXPECT_EQ(cell(report, "first_response", "P2"), nullptr);
  ASSERT_NE(cell(report, "resolve", "P1"), nullptr);
  EXPECT_EQ(cell(report, "resolve", "P1")->met.denominator, 1u);
  EXPECT_EQ(cell(report, "resolve", "P1")->met.numerator, 0u);
  // Still resolved: the resolve clock stopped.
  EXPECT_EQ(report.resolved, 3u);
  EXPECT_THAT(render_report_text(report), HasSubstr("1 of 1 first_response met; 2 without a limit"));
  EXPECT_THAT(render_report_csv(report), HasSubstr("acceptance_unmeasured"));
}

TEST(NoLimitsTest, SimulationCountsOnlyTheClocksOfPrioritiesWithALimit) {
  engine::Result<Profile> profile = parse_profile(R"([simulation]
start = 2026-11-02T00:00:00+08:00
days = 1
drain = "1d"
seed = 7

[[arrivals]]
category = "incident"
rate = 4
created_by = "agent"
[arrivals.fields]
impact = { values = ["1", "2"], weights = [1, 1] }

[states.new]
handling = { distribution = "uniform", min = "10m", max = "2h" }
[[states.new.outcomes]]
event = "accepted"
[states.working]
handling = { distribution = "uniform", min = "30m", max = "3h" }
[[states.working.outcomes]]
event = "resolved"
)",
                                                  "desk.toml");
  ASSERT_TRUE(profile.ok()) << profile.error();
  engine::Result<SimulationReport> report = simulate(desk(), profile.value(), {});
  ASSERT_TRUE(report.ok()) << report.error();
  std::size_t p1 = 0;
  for (const SlaFigure& figure : report->sla) {
    EXPECT_EQ(figure.priority, "P1") << figure.metric;
    p1 += figure.met + figure.breached;
  }
  EXPECT_GT(p1, 0u);
  EXPECT_EQ(report->closed, report->created);
}

TEST(NoLimitsTest, GraphLegendSaysWhichPriorityHasNone) {
  std::string dot = export_dot(*desk());
  EXPECT_THAT(dot, HasSubstr("\\nP2: none"));

  engine::Result<LoadedRules> unmeasured = load_rules_text("w.docket", R"(workflow w
department d { roles r }
category c -> d
priority P1 {}
initial state a { on go -> b }
final state b
)");
  ASSERT_TRUE(unmeasured.ok()) << unmeasured.error();
  EXPECT_THAT(export_dot(*unmeasured->workflow), Not(HasSubstr("time limits")));
}

TEST(NoLimitsTest, DiffShowsARenamedLabelOfANumericValue) {
  std::string renamed = kDesk;
  renamed.replace(renamed.find("2 \"低\""), std::string("2 \"低\"").size(), "2 \"中\"");
  engine::Result<LoadedRules> after = load_rules_text("desk.docket", renamed);
  ASSERT_TRUE(after.ok()) << after.error();
  std::vector<Change> changes = diff_workflows(*desk(), *after->workflow);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].subject, "field impact");
  EXPECT_EQ(changes[0].aspect, "value 2 label");
  EXPECT_EQ(changes[0].before, "\"低\"");
  EXPECT_EQ(changes[0].after, "\"中\"");
}

}  // namespace
}  // namespace docket::designer
