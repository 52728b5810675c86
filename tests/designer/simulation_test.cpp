// Simulation through the shipped after-sales rules: reproducible, queues that
// show in the figures, a stricter rule that shows in --compare, and figures
// that agree with the journal they were read from.

#include "designer/simulation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "designer/report.h"
#include "designer/simulation_report.h"
#include "embed/docket.h"
#include "engine/runtime/journal.h"

namespace docket::designer {
namespace {

using ::testing::HasSubstr;

std::string rules_path() { return std::string(DOCKET_SOURCE_DIR) + "/rules/after_sales.docket"; }

std::shared_ptr<const engine::Workflow> after_sales() {
  static std::shared_ptr<const engine::Workflow> workflow = [] {
    engine::Result<LoadedRules> rules = load_rules(rules_path());
    EXPECT_TRUE(rules.ok()) << rules.error();
    return rules.ok() ? rules->workflow : nullptr;
  }();
  return workflow;
}

// Two days of product faults, about 50 a day in office hours, every one of
// them driven to `closed`. `intake` is the number of intake specialists.
std::string profile_text(int intake) {
  return R"([simulation]
start = 2026-11-02T00:00:00+08:00
days = 2
drain = "3d"
seed = 11

[[arrivals]]
category = "product_fault"
per_hour = [0,0,0,0,0,0,0,0,5,5,5,5,5,5,5,5,5,5,0,0,0,0,0,0]
created_by = "intake_specialist"
channel = { values = ["phone", "email"], weights = [3, 1] }
[arrivals.fields]
customer = "C-{ticket}"
contact = "138"
purchase_date = { offset = "-10d" }
problem = "broken"
expected_resolution = { offset = "3d" }
order_amount = { distribution = "uniform", min = 100, max = 900 }
[arrivals.traits]
problem_type = "fault"
impact = { values = ["core", "function", "minor"], weights = [1, 6, 3] }
urgency = { values = ["high", "medium", "low"], weights = [2, 5, 3] }
remedy = "repair"

[states.registering]
handling = { distribution = "exponential", mean = "12m" }
[[states.registering.outcomes]]
event = "registered"
data = { problem_confirmed = true }
[states.classifying]
handling = { distribution = "exponential", mean = "10m" }
[[states.classifying.outcomes]]
event = "classified"
traits = ["problem_type", "impact", "urgency"]
[states.dispatched]
handling = "10m"
[[states.dispatched.outcomes]]
event = "accepted"
[states.proposing]
handling = { distribution = "uniform", min = "20m", max = "40m" }
[[states.proposing.outcomes]]
event = "proposed"
traits = ["remedy"]
[states.executing]
handling = { distribution = "lognormal", median = "2h", sigma = 0.5 }
[[states.executing.outcomes]]
event = "resolved"
[states.awaiting_confirmation]
customer_response = "4h"
[[states.awaiting_confirmation.outcomes]]
event = "confirmed"
data = { confirmation = "signature" }
[states.follow_up]
customer_response = { distribution = "uniform", min = "24h", max = "30h" }
[[states.follow_up.outcomes]]
event = "survey"
data = { overall = { values = [2, 5], weights = [1, 3] } }
[states.supervisor_review]
handling = "1h"
[[states.supervisor_review.outcomes]]
event = "improvement_planned"
data = { improvement_plan = "call back" }

[staff.customer_service]
intake_specialist = )" +
         std::to_string(intake) + R"(

[approval]
delay = { distribution = "exponential", mean = "30m" }
)";
}

Profile profile_of(const std::string& text) {
  engine::Result<Profile> profile = parse_profile(text, "test.toml");
  EXPECT_TRUE(profile.ok()) << profile.error();
  return profile.ok() ? profile.value() : Profile{};
}

SimulationReport run(const Profile& profile, SimulationOptions options = {},
                     std::shared_ptr<const engine::Workflow> workflow = after_sales()) {
  engine::Result<SimulationReport> report = simulate(workflow, profile, options);
  EXPECT_TRUE(report.ok()) << report.error();
  return report.ok() ? report.value() : SimulationReport{};
}

const TimeFigure* time_of(const SimulationReport& report, const std::string& metric, const std::string& priority) {
  for (const TimeFigure& t : report.times) {
    if (t.metric == metric && t.priority == priority) return &t;
  }
  return nullptr;
}

const SlaFigure* sla_of(const SimulationReport& report, const std::string& metric, const std::string& priority) {
  for (const SlaFigure& s : report.sla) {
    if (s.metric == metric && s.priority == priority) return &s;
  }
  return nullptr;
}

TEST(SimulationTest, DrivesTicketsToTheirFinalState) {
  SimulationReport report = run(profile_of(profile_text(3)));
  EXPECT_GT(report.created, 60u);
  EXPECT_EQ(report.closed, report.created);
  EXPECT_EQ(report.rejections, 0u);
  // overall 2 in a quarter of the surveys: the supervisor branch is taken, and not only it.
  std::map<std::string, std::size_t> exits;
  for (const BranchFigure& b : report.branches) {
    if (b.state == "follow_up") {
      for (const Count& c : b.exits) exits[c.key] = c.count;
    }
  }
  EXPECT_GT(exits["survey -> supervisor_review"], 0u);
  EXPECT_GT(exits["survey -> closed"], exits["survey -> supervisor_review"]);
}

TEST(SimulationTest, SameSeedSameReportOtherSeedOtherReport) {
  Profile profile = profile_of(profile_text(3));
  std::string first = render_text(run(profile));
  EXPECT_EQ(first, render_text(run(profile)));
  EXPECT_EQ(render_json(run(profile)), render_json(run(profile)));
  SimulationOptions other;
  other.seed = 12;
  std::string second = render_text(run(profile, other));
  EXPECT_NE(first, second);
  EXPECT_THAT(second, HasSubstr("seed 12"));
}

TEST(SimulationTest, OnePersonMakesTicketsQueue) {
  SimulationReport one = run(profile_of(profile_text(1)));
  SimulationReport fifty = run(profile_of(profile_text(50)));
  // The same arrivals either way.
  EXPECT_EQ(one.created, fifty.created);
  const TimeFigure* slow = time_of(one, "first_response", "");
  const TimeFigure* fast = time_of(fifty, "first_response", "");
  ASSERT_NE(slow, nullptr);
  ASSERT_NE(fast, nullptr);
  EXPECT_GT(slow->times.p90, fast->times.p90 + 3600);
  ASSERT_EQ(one.pools.size(), 1u);
  ASSERT_EQ(fifty.pools.size(), 1u);
  EXPECT_EQ(one.pools[0].pool, "customer_service.intake_specialist");
  EXPECT_GT(one.pools[0].wait.p90, 0);
  EXPECT_GT(one.pools[0].longest_queue, 1u);
  EXPECT_EQ(fifty.pools[0].wait.p90, 0);
  EXPECT_GT(one.pools[0].utilisation, fifty.pools[0].utilisation);
}

TEST(SimulationTest, StricterLimitLowersComplianceInComparison) {
  std::ifstream in(rules_path());
  std::stringstream text;
  text << in.rdbuf();
  std::string strict = text.str();
  // P1 first_response 4h -> 30m.
  std::size_t p1 = strict.find("priority P1");
  ASSERT_NE(p1, std::string::npos);
  std::size_t limit = strict.find("first_response 4h", p1);
  ASSERT_NE(limit, std::string::npos);
  strict.replace(limit, 17, "first_response 30m");
  engine::Result<LoadedRules> rules = load_rules_text(rules_path(), strict);
  ASSERT_TRUE(rules.ok()) << rules.error();

  Profile profile = profile_of(profile_text(3));
  SimulationReport a = run(profile);
  SimulationReport b = run(profile, {}, rules->workflow);
  EXPECT_EQ(a.created, b.created);
  const SlaFigure* before = sla_of(a, "first_response", "P1");
  const SlaFigure* after = sla_of(b, "first_response", "P1");
  ASSERT_NE(before, nullptr);
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(before->met + before->breached, after->met + after->breached);
  EXPECT_LT(after->met, before->met);

  std::string side_by_side = render_comparison_text(a, b, "after_sales", "strict");
  std::string row;
  for (std::istringstream lines(side_by_side); std::getline(lines, row);) {
    if (row.rfind("SLA first_response P1 ", 0) == 0) break;
  }
  EXPECT_THAT(row, ::testing::MatchesRegex("SLA first_response P1 +[0-9.]+% +[0-9.]+% +-[0-9.]+ pt"));
}

TEST(SimulationTest, FiguresAgreeWithTheJournal) {
  engine::MemoryJournal journal;
  SimulationOptions options;
  options.journal = &journal;
  SimulationReport report = run(profile_of(profile_text(2)), options);

  std::set<std::string> created;
  std::set<std::string> closed;
  std::map<std::string, std::size_t> breaches;
  std::size_t warnings = 0;
  std::size_t rejections = 0;
  std::size_t met = 0;
  for (const engine::Record& r : journal.records()) {
    if (r.kind == engine::RecordKind::kTransition && r.from.empty()) created.insert(r.ticket);
    if (r.kind == engine::RecordKind::kTransition && r.to == "closed") closed.insert(r.ticket);
    if (r.kind == engine::RecordKind::kBreach) ++breaches[r.sla->metric];
    if (r.kind == engine::RecordKind::kWarning) ++warnings;
    if (r.kind == engine::RecordKind::kRejection) ++rejections;
    for (const engine::Effect& e : r.effects) {
      if (e.kind == engine::EffectKind::kClock && e.value.rfind("stopped: met", 0) == 0) ++met;
    }
  }
  EXPECT_EQ(report.created, created.size());
  EXPECT_EQ(report.closed, closed.size());
  EXPECT_EQ(report.rejections, rejections);
  std::size_t report_warnings = 0;
  for (const Count& c : report.warnings) report_warnings += c.count;
  EXPECT_EQ(report_warnings, warnings);
  std::map<std::string, std::size_t> report_breaches;
  for (const Count& c : report.breaches) report_breaches[c.key] = c.count;
  EXPECT_EQ(report_breaches, breaches);
  std::size_t report_met = 0;
  for (const SlaFigure& s : report.sla) report_met += s.met;
  EXPECT_EQ(report_met, met);
}

std::size_t open_in(const SimulationReport& report, const std::string& state) {
  for (const Count& c : report.open_by_state) {
    if (c.key == state) return c.count;
  }
  return 0;
}

// The profile without [states.executing]: every ticket stops there.
std::string without_executing() {
  std::string text = profile_text(3);
  std::size_t begin = text.find("[states.executing]");
  std::size_t end = text.find("[states.awaiting_confirmation]");
  return text.erase(begin, end - begin);
}

TEST(SimulationTest, TicketsInAStateTheProfileLacksAreCountedAndWarnedAbout) {
  SimulationReport report = run(profile_of(without_executing()));
  EXPECT_EQ(report.closed, 0u);
  EXPECT_EQ(open_in(report, "executing"), report.open);
  ASSERT_EQ(report.undriven.size(), 1u);
  EXPECT_EQ(report.undriven[0].state, "executing");
  EXPECT_EQ(report.undriven[0].tickets, report.open);
  std::string count = std::to_string(report.open);
  std::string warning = "warning: " + count + " tickets stopped in executing: the profile has no [states.executing]\n";
  EXPECT_THAT(render_text(report), HasSubstr("  open by state: executing " + count + "\n"));
  EXPECT_THAT(render_text(report), HasSubstr(warning));
  EXPECT_THAT(render_json(report), HasSubstr("\"warning\": \"" + count + " tickets stopped in executing"));
  // The complete profile leaves nothing behind, and says nothing.
  SimulationReport complete = run(profile_of(profile_text(3)));
  EXPECT_TRUE(complete.undriven.empty());
  EXPECT_THAT(render_text(complete), ::testing::Not(HasSubstr("warning:")));
}

TEST(SimulationTest, ComparisonWarnsAboutTheVariantsNewStateAndCountsItsOpenTickets) {
  engine::Result<LoadedRules> saas = load_rules(std::string(DOCKET_SOURCE_DIR) + "/rules/industries/saas.docket");
  ASSERT_TRUE(saas.ok()) << saas.error();
  Profile profile = profile_of(profile_text(3));  // knows nothing of `incident`
  SimulationReport a = run(profile);
  SimulationReport b = run(profile, {}, saas->workflow);
  EXPECT_TRUE(a.undriven.empty());
  std::size_t stuck = open_in(b, "incident");
  ASSERT_GT(stuck, 0u);
  std::string side_by_side = render_comparison_text(a, b, "after_sales", "saas");
  EXPECT_THAT(side_by_side, HasSubstr("warning: B: " + std::to_string(stuck) +
                                      " tickets stopped in incident: the profile has no [states.incident]\n"));
  EXPECT_THAT(side_by_side, ::testing::ContainsRegex("\nopen in incident +0 +" + std::to_string(stuck) + " +\\+" +
                                                     std::to_string(stuck) + "\n"));
  EXPECT_THAT(render_comparison_json(a, b, "after_sales", "saas"), HasSubstr("\"B: " + std::to_string(stuck)));
}

TEST(SimulationTest, OutcomesForSomeStreamsAndOnce) {
  // A second stream of inquiries that the executing outcome is not for, and a
  // progress update every product fault sends exactly once.
  std::string text = profile_text(3);
  std::size_t executing = text.find("[[states.executing.outcomes]]\nevent = \"resolved\"\n");
  ASSERT_NE(executing, std::string::npos);
  text.insert(executing + std::string("[[states.executing.outcomes]]\nevent = \"resolved\"\n").size(),
              "streams = [\"product_fault\"]\nweight = 1\n"
              "[[states.executing.outcomes]]\nevent = \"stage_changed\"\nonce = true\nweight = 1000000\n"
              "data = { stage = \"executing_plan\" }\n");
  text += R"(
[[arrivals]]
category = "inquiry"
per_hour = [0,0,0,0,0,0,0,0,1,1,1,1,1,1,1,1,1,1,0,0,0,0,0,0]
created_by = "intake_specialist"
channel = "email"
[arrivals.fields]
customer = "C-{ticket}"
contact = "138"
purchase_date = { offset = "-10d" }
problem = "a question"
expected_resolution = { offset = "3d" }
[arrivals.traits]
problem_type = "inquiry"
impact = "minor"
urgency = "low"
remedy = "answer"
)";
  SimulationReport report = run(profile_of(text));
  EXPECT_EQ(report.rejections, 0u);
  std::size_t inquiries = open_in(report, "executing");
  ASSERT_GT(inquiries, 0u);
  EXPECT_EQ(report.closed + inquiries, report.created);
  ASSERT_EQ(report.undriven.size(), 1u);
  EXPECT_EQ(report.undriven[0].stream, "inquiry");
  EXPECT_THAT(render_text(report), HasSubstr("warning: " + std::to_string(inquiries) +
                                             " tickets stopped in executing: no outcome of "
                                             "[states.executing] is for the arrivals `inquiry`\n"));
  // Once each, though its weight makes it all but certain at every stay.
  std::size_t updates = 0;
  for (const BranchFigure& b : report.branches) {
    for (const Count& c : b.exits) {
      if (b.state == "executing" && c.key == "stage_changed -> executing") updates = c.count;
    }
  }
  EXPECT_EQ(updates, report.created);

  std::string unknown = text;
  unknown.replace(unknown.find("streams = [\"product_fault\"]"), 27, "streams = [\"product_faults\"]");
  engine::Status checked = check_profile(profile_of(unknown), *after_sales());
  ASSERT_FALSE(checked.ok());
  EXPECT_THAT(checked.error(), HasSubstr("no arrival stream has the category `product_faults`"));
}

// The bank's complaint profile extends complex cases: its `extended` outcome
// runs `extend decide by 15d`, the approved second extension `extend decide by
// 30d`. Four days of arrivals (and the profile's drain) give enough of them.
TEST(SimulationTest, ExtensionsPerMetricAgreeWithTheJournal) {
  engine::Result<LoadedRules> bank =
      load_rules(std::string(DOCKET_SOURCE_DIR) + "/rules/industries/bank_complaints.docket");
  ASSERT_TRUE(bank.ok()) << bank.error();
  engine::Result<Profile> profile =
      load_profile(std::string(DOCKET_SOURCE_DIR) + "/examples/profiles/industries/bank_complaints.toml");
  ASSERT_TRUE(profile.ok()) << profile.error();
  engine::MemoryJournal journal;
  SimulationOptions options;
  options.days = 4;
  options.journal = &journal;
  SimulationReport report = run(profile.value(), options, bank->workflow);

  // Counted over the journal directly: per metric, the tickets whose clock
  // started, those extended, and the extensions.
  std::map<std::string, std::set<std::string>> started;
  std::map<std::string, std::set<std::string>> extended;
  std::map<std::string, std::size_t> extensions;
  for (const engine::Record& record : journal.records()) {
    if (record.kind == engine::RecordKind::kRejection) continue;
    for (const engine::Effect& effect : record.effects) {
      if (effect.clock == engine::ClockChange::kStarted) started[effect.target].insert(record.ticket);
      if (effect.clock == engine::ClockChange::kExtended) {
        extended[effect.target].insert(record.ticket);
        ++extensions[effect.target];
      }
    }
  }
  ASSERT_GT(extensions["decide"], extended["decide"].size());  // some extended twice
  ASSERT_GT(extended["decide"].size(), 0u);
  EXPECT_LT(extended["decide"].size(), started["decide"].size());

  ASSERT_TRUE(report.extensions_shown());
  std::map<std::string, ExtensionFigure> by_metric;
  for (const ExtensionFigure& figure : report.extensions) by_metric[figure.metric] = figure;
  EXPECT_EQ(by_metric.size(), started.size());
  for (const auto& [metric, tickets] : started) {
    EXPECT_EQ(by_metric[metric].ran, tickets.size()) << metric;
    EXPECT_EQ(by_metric[metric].extended, extended[metric].size()) << metric;
    EXPECT_EQ(by_metric[metric].extensions, extensions[metric]) << metric;
  }

  const ExtensionFigure& decide = by_metric["decide"];
  char share[32];
  std::snprintf(share, sizeof share, "%.1f%%",
                100.0 * static_cast<double>(decide.extended) / static_cast<double>(decide.ran));
  EXPECT_THAT(render_text(report),
              HasSubstr("\nSLA extensions (compliance above counts an extended clock against its extended limit)\n"));
  EXPECT_THAT(render_text(report), ::testing::ContainsRegex("\n  decide +" + std::to_string(decide.ran) + " +" +
                                                            std::to_string(decide.extended) + " +" + share + " +" +
                                                            std::to_string(decide.extensions) + "\n"));
  EXPECT_THAT(render_json(report), HasSubstr("\"metric\": \"decide\",\n      \"ran\": " + std::to_string(decide.ran) +
                                             ",\n      \"extended\": " + std::to_string(decide.extended)));
  SimulationOptions again = options;
  again.journal = nullptr;
  SimulationReport same = run(profile.value(), again, bank->workflow);
  EXPECT_THAT(render_comparison_text(report, same, "a", "b"),
              ::testing::ContainsRegex("\nextensions decide +" + std::to_string(decide.extensions) + " +" +
                                       std::to_string(decide.extensions) + " +0\n"));

  // The department's report of the same journal counts the same extensions.
  Report department = compute_report(journal.records(), {});
  for (const SlaExtensions& figure : department.sla_extensions) {
    EXPECT_EQ(figure.extended.numerator, by_metric[figure.metric].extended) << figure.metric;
    EXPECT_EQ(figure.extensions, by_metric[figure.metric].extensions) << figure.metric;
  }
}

// Without an extension the report reads as before.
TEST(SimulationTest, NoExtensionNoExtensionSection) {
  SimulationReport report = run(profile_of(profile_text(3)));
  EXPECT_FALSE(report.extensions_shown());
  EXPECT_THAT(render_text(report), ::testing::Not(HasSubstr("extension")));
}

TEST(SimulationTest, ProfileNamesAreCheckedAgainstTheRules) {
  Profile typo = profile_of(profile_text(3) + R"(
[states.clasifying]
handling = "1h"
[[states.clasifying.outcomes]]
event = "classified"
[states.obstacle]
customer_response = "1h"
[[states.obstacle.outcomes]]
event = "resolved"
)");
  engine::Status checked = check_profile(typo, *after_sales());
  ASSERT_FALSE(checked.ok());
  EXPECT_THAT(checked.error(), HasSubstr("test.toml:70:9: `clasifying` is not a state of after_sales"));
  EXPECT_THAT(checked.error(), HasSubstr("test.toml:77:9: state `obstacle` has no transition on `resolved` (it handles "
                                         "`alternative_chosen`, `parts_arrived`)"));
}

}  // namespace
}  // namespace docket::designer
