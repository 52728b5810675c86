#include "dsl/compiler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "dsl/checker.h"
#include "dsl/loader.h"
#include "engine/model/expr.h"
#include "engine/model/workflow.h"
#include "tests/support/rules_harness.h"

namespace docket::dsl {
namespace {

using engine::Fixed;
using engine::kNoIndex;
using engine::Value;
using testing::compile_text;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

// Compiles text the checker may reject, without checking: what compile()
// reports when its precondition is broken. It must not crash.
std::vector<Diagnostic> compile_errors(std::string text) {
  SourceSet sources;
  Diagnostics load_diagnostics;
  std::optional<RuleFile> file = load_text("rules.docket", std::move(text), sources, load_diagnostics);
  if (!file) {
    ADD_FAILURE() << "does not parse:\n" << render_text(load_diagnostics, sources);
    return {};
  }
  Diagnostics diagnostics;
  EXPECT_FALSE(compile(*file, sources, diagnostics));
  EXPECT_TRUE(diagnostics.has_errors());
  return diagnostics.items();
}

MATCHER_P(Code, code, "") { return arg.code == code; }

Value money(const char* text) { return Value::number(*Fixed::parse(text)); }

constexpr const char* kRefunds = R"(workflow refunds "退款" version 7
field impact: enum(core, function, minor)
field urgency: enum(high, medium, low)
field mood: enum(calm, unhappy, angry) = calm
field order_amount: money = 0
field compensation: money range 0..100000
field note: text
department tech "技术部" { roles engineer, supervisor }
department legal { roles counsel, supervisor }
category fault "故障" { route tech  route legal when order_amount > 10000 }
category other -> tech, legal
priority P0 { first_response 1h  resolve 4h  warn at 50%, 80%  at 80% of resolve do escalate to supervisor }
priority P1 { resolve 24h in office }
priority P2 { resolve 72h }
calendar office {
  zone "Asia/Shanghai"
  hours mon-fri 13:00-18:00, 09:00-12:00
  hours sat 10:00-12:00
  holidays 2026-10-01..2026-10-07
  workdays 2026-10-10
}
classify priority by impact x urgency {
  columns low, high, medium
  core:     P1 P0 P0
  function: P2 P0 P1
  minor:    P2 P1 P2
}
chain head { level one: any of supervisor within 8h in office on timeout do escalate to counsel
  level two: 2 of engineer, supervisor, counsel }
approval by priority { P0: head  P1: supervisor  P2: none }
approval when order_amount > 1000: head
approval otherwise: none
require compensation <= order_amount * 30% when category == fault "too much"
initial state open {
  on enter do classify priority, route, assign tech.engineer
  on submit when angry == mood -> review do set priority = P0, set mood = calm, emit escalated
  on submit when urgency not in (high, medium) and (order_amount + 1) * 2 > 10 - (3 - 1) -> review
  on submit -> review do set compensation = order_amount * 30%, stop first_response
}
state review { await approval
  on approved -> done
  on rejected -> open }
final state done
)";

class RefundsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    workflow_ = compile_text(kRefunds);
    ASSERT_TRUE(workflow_);
  }
  const engine::Workflow& w() const { return *workflow_; }
  std::shared_ptr<const engine::Workflow> workflow_;
};

TEST_F(RefundsTest, Header) {
  EXPECT_EQ(w().name(), "refunds");
  EXPECT_EQ(w().label(), "退款");
  EXPECT_EQ(w().version(), "7");
}

TEST_F(RefundsTest, FieldsWithDefaultsAndRanges) {
  const engine::Field& mood = w().fields()[*w().find_field("mood")];
  EXPECT_EQ(mood.type, engine::FieldType::kEnum);
  EXPECT_THAT(mood.enum_values, ElementsAre("calm", "unhappy", "angry"));
  ASSERT_TRUE(mood.default_value);
  engine::EvalResult calm = engine::evaluate(*mood.default_value, {}, 0);
  ASSERT_TRUE(calm.ok());
  EXPECT_EQ(calm.value(), Value::enumerator(*w().find_field("mood"), 0));

  const engine::Field& compensation = w().fields()[*w().find_field("compensation")];
  EXPECT_EQ(compensation.type, engine::FieldType::kMoney);
  EXPECT_EQ(compensation.range_min, money("0"));
  EXPECT_EQ(compensation.range_max, money("100000"));
  EXPECT_FALSE(compensation.default_value);
}

TEST_F(RefundsTest, OrganisationAndRoutes) {
  ASSERT_EQ(w().roles().size(), 3u);  // engineer, supervisor, counsel: one role each
  const engine::Role& supervisor = w().roles()[*w().find_role("supervisor")];
  EXPECT_THAT(supervisor.departments, ElementsAre(0u, 1u));
  const engine::Category& fault = w().categories()[*w().find_category("fault")];
  EXPECT_EQ(fault.label, "故障");
  ASSERT_EQ(fault.routes.size(), 2u);
  EXPECT_FALSE(fault.routes[0].condition);
  EXPECT_EQ(fault.routes[1].department, *w().find_department("legal"));
  EXPECT_EQ(fault.routes[1].condition->text(), "order_amount > 10000");
  const engine::Category& other = w().categories()[*w().find_category("other")];
  ASSERT_EQ(other.routes.size(), 2u);
  EXPECT_EQ(other.routes[1].department, *w().find_department("legal"));
}

TEST_F(RefundsTest, PrioritiesInOrderWithLimits) {
  ASSERT_EQ(w().priorities().size(), 3u);
  EXPECT_EQ(w().priorities()[0].name, "P0");  // most urgent first, as written
  const engine::Priority& p0 = w().priorities()[0];
  ASSERT_EQ(p0.limits.size(), 2u);
  EXPECT_EQ(w().metrics()[p0.limits[0].metric], "first_response");
  EXPECT_EQ(p0.limits[0].length.seconds, 3600);
  EXPECT_EQ(p0.limits[0].length.calendar, kNoIndex);
  ASSERT_EQ(p0.warnings.size(), 2u);
  EXPECT_EQ(p0.warnings[0].percent, 50.0);
  EXPECT_EQ(p0.warnings[1].percent, 80.0);
  ASSERT_EQ(p0.escalations.size(), 1u);
  EXPECT_EQ(p0.escalations[0].percent, 80.0);
  EXPECT_EQ(w().metrics()[p0.escalations[0].metric], "resolve");
  EXPECT_EQ(p0.escalations[0].actions[0].kind, engine::ActionKind::kEscalate);
  EXPECT_EQ(w().priorities()[1].limits[0].length.calendar, *w().find_calendar("office"));
}

TEST_F(RefundsTest, CalendarHoursPerWeekday) {
  const engine::Calendar& office = w().calendars()[0];
  EXPECT_EQ(office.zone, "Asia/Shanghai");
  // Monday: both spans, sorted; Saturday: its own; Sunday: none.
  EXPECT_THAT(office.weekly[0], ElementsAre(engine::MinuteSpan{540, 720}, engine::MinuteSpan{780, 1080}));
  EXPECT_THAT(office.weekly[5], ElementsAre(engine::MinuteSpan{600, 720}));
  EXPECT_TRUE(office.weekly[6].empty());
  ASSERT_EQ(office.holidays.size(), 1u);
  EXPECT_EQ(office.holidays[0].first, (engine::CivilDate{2026, 10, 1}));
  EXPECT_EQ(office.holidays[0].last, (engine::CivilDate{2026, 10, 7}));
  ASSERT_EQ(office.workdays.size(), 1u);
  EXPECT_EQ(office.workdays[0].first, (engine::CivilDate{2026, 10, 10}));
}

TEST_F(RefundsTest, DecisionTableIsIndexedByOrdinalsNotWrittenOrder) {
  const engine::Classification& table = w().classifications()[0];
  ASSERT_TRUE(table.is_table());
  EXPECT_EQ(table.target, engine::ClassifyTarget::kPriority);
  EXPECT_EQ(table.row.index, *w().find_field("impact"));
  EXPECT_EQ(table.column.index, *w().find_field("urgency"));
  ASSERT_EQ(table.row_count, 3u);
  ASSERT_EQ(table.column_count, 3u);
  // Written columns are low, high, medium; urgency's ordinals are high 0, medium 1, low 2.
  auto cell = [&](std::uint32_t impact, std::uint32_t urgency) {
    return w().priorities()[table.table[impact * 3 + urgency]].name;
  };
  EXPECT_EQ(cell(0, 0), "P0");  // core, high
  EXPECT_EQ(cell(0, 2), "P1");  // core, low
  EXPECT_EQ(cell(1, 1), "P1");  // function, medium
  EXPECT_EQ(cell(1, 2), "P2");  // function, low
  EXPECT_EQ(cell(2, 0), "P1");  // minor, high
}

TEST_F(RefundsTest, ApprovalChoicesAndChains) {
  ASSERT_EQ(w().approvals().size(), 5u);
  const engine::ApprovalChoice& p0 = w().approvals()[0];
  EXPECT_EQ(p0.priority, 0u);
  EXPECT_EQ(w().chains()[p0.chain].name, "head");
  // A role named directly becomes a one-level chain: any supervisor.
  const engine::Chain& implicit = w().chains()[w().approvals()[1].chain];
  EXPECT_TRUE(implicit.implicit);
  ASSERT_EQ(implicit.levels.size(), 1u);
  EXPECT_EQ(implicit.levels[0].quorum, engine::Quorum::kAny);
  EXPECT_THAT(implicit.levels[0].roles, ElementsAre(*w().find_role("supervisor")));
  EXPECT_EQ(w().approvals()[2].chain, kNoIndex);  // P2: none
  EXPECT_EQ(w().approvals()[3].condition->text(), "order_amount > 1000");
  EXPECT_EQ(w().approvals()[4].chain, kNoIndex);
  EXPECT_FALSE(w().approvals()[4].condition);

  const engine::Chain& head = w().chains()[*w().find_chain("head")];
  ASSERT_EQ(head.levels.size(), 2u);
  EXPECT_EQ(head.levels[0].within.seconds, 8 * 3600);
  EXPECT_EQ(head.levels[0].within.calendar, *w().find_calendar("office"));
  EXPECT_EQ(head.levels[0].on_timeout[0].role, *w().find_role("counsel"));
  EXPECT_EQ(head.levels[1].quorum, engine::Quorum::kCount);
  EXPECT_EQ(head.levels[1].count, 2);
  EXPECT_EQ(head.levels[1].roles.size(), 3u);
}

// "rules.docket:8:37": the position's `where` and its column; a line that
// disagrees with `where` shows up too.
std::string at(const engine::RulePosition& position) {
  std::string text = position.where + ":" + std::to_string(position.column);
  if (!position.where.ends_with(":" + std::to_string(position.line))) {
    text += " (line " + std::to_string(position.line) + ")";
  }
  return text;
}

// Every declaration keeps where it was written, columns in bytes (the labels
// before some of them are UTF-8): diff and coverage cite these, never the text.
TEST_F(RefundsTest, EveryDeclarationKeepsItsLineAndColumn) {
  EXPECT_EQ(at(w().position()), "rules.docket:1:1");
  EXPECT_EQ(at(w().fields()[*w().find_field("impact")].position), "rules.docket:2:1");
  EXPECT_EQ(at(w().fields()[*w().find_field("mood")].position), "rules.docket:4:1");
  EXPECT_EQ(at(w().departments()[*w().find_department("tech")].position), "rules.docket:8:1");
  EXPECT_EQ(at(w().departments()[*w().find_department("legal")].position), "rules.docket:9:1");
  // A role is where a department first names it.
  EXPECT_EQ(at(w().roles()[*w().find_role("engineer")].position), "rules.docket:8:37");
  EXPECT_EQ(at(w().roles()[*w().find_role("supervisor")].position), "rules.docket:8:47");
  EXPECT_EQ(at(w().roles()[*w().find_role("counsel")].position), "rules.docket:9:26");

  const engine::Category& fault = w().categories()[*w().find_category("fault")];
  EXPECT_EQ(at(fault.position), "rules.docket:10:1");
  ASSERT_EQ(fault.routes.size(), 2u);
  EXPECT_EQ(at(fault.routes[0].position), "rules.docket:10:27");
  EXPECT_EQ(at(fault.routes[1].position), "rules.docket:10:39");
  const engine::Category& other = w().categories()[*w().find_category("other")];
  EXPECT_EQ(at(other.position), "rules.docket:11:1");
  ASSERT_EQ(other.routes.size(), 2u);
  EXPECT_EQ(at(other.routes[0].position), "rules.docket:11:19");
  EXPECT_EQ(at(other.routes[1].position), "rules.docket:11:25");

  EXPECT_EQ(at(w().priorities()[*w().find_priority("P0")].position), "rules.docket:12:1");
  EXPECT_EQ(at(w().priorities()[*w().find_priority("P2")].position), "rules.docket:14:1");
  EXPECT_EQ(at(w().calendars()[*w().find_calendar("office")].position), "rules.docket:15:1");
  EXPECT_EQ(at(w().classifications()[*w().find_classification("priority")].position), "rules.docket:22:1");
  EXPECT_EQ(at(w().chains()[*w().find_chain("head")].position), "rules.docket:28:1");
  // The compiler's one-level chain for a role: where the approval rule names it.
  const engine::Chain& implicit = w().chains()[w().approvals()[1].chain];
  ASSERT_TRUE(implicit.implicit);
  EXPECT_EQ(at(implicit.position), "rules.docket:30:38");
  EXPECT_EQ(at(w().states()[*w().find_state("open")].position), "rules.docket:34:1");
}

// In a workflow that extends another, a declaration cites the file it comes
// from: an `override` the derived file, the rest the base, under the path the
// base was loaded by (`..` applied), as transitions and timers do.
TEST(CompilerTest, PositionsInAnExtendsChainNameTheirOwnFile) {
  std::vector<engine::WorkflowSource> files = {
      {"derived.docket",
       "# a variant\nextends \"../base.docket\"\noverride priority low { resolve 24h }\n"
       "department field_service { roles technician }; field visits: int\n"},
      {"../base.docket",
       "workflow ticket \"工单\" version \"1\"\nfield score: int\n"
       "department support { roles agent }\npriority high { resolve 8h }\n"
       "priority low { resolve 72h }\ninitial state open {\n  on start by agent -> done\n}\n"
       "final state done\n"},
  };
  SourceSet sources;
  Diagnostics diagnostics;
  std::optional<RuleFile> file = load_sources(files, "rules/variants", sources, diagnostics);
  ASSERT_TRUE(file) << render_text(diagnostics, sources);
  check(*file, diagnostics);
  std::shared_ptr<const engine::Workflow> workflow = compile(*file, sources, diagnostics);
  ASSERT_TRUE(workflow) << render_text(diagnostics, sources);
  const engine::Workflow& w = *workflow;
  EXPECT_EQ(at(w.position()), "rules/base.docket:1:1");
  EXPECT_EQ(at(w.fields()[*w.find_field("score")].position), "rules/base.docket:2:1");
  EXPECT_EQ(at(w.fields()[*w.find_field("visits")].position), "rules/variants/derived.docket:4:48");
  EXPECT_EQ(at(w.departments()[*w.find_department("support")].position), "rules/base.docket:3:1");
  EXPECT_EQ(at(w.departments()[*w.find_department("field_service")].position), "rules/variants/derived.docket:4:1");
  EXPECT_EQ(at(w.priorities()[*w.find_priority("high")].position), "rules/base.docket:4:1");
  // `override` replaced the base's declaration: the position is the override's keyword after `override`.
  EXPECT_EQ(at(w.priorities()[*w.find_priority("low")].position), "rules/variants/derived.docket:3:10");
  EXPECT_EQ(at(w.priorities()[*w.find_priority("low")].limits[0].position), "rules/variants/derived.docket:3:25");
  EXPECT_EQ(at(w.transitions()[0].position), "rules/base.docket:7:3");
  // The version is that of the sources: the positions take no part in it.
  std::vector<engine::SourceText> texts = {{"derived.docket", files[0].text}, {"../base.docket", files[1].text}};
  EXPECT_EQ(w.version_id(), engine::compute_version_id(texts));
}

// The version id is that of the sources as the docs say it, whichever way
// the main file's folder is written (`./rules/variants`, `rules//variants`).
TEST(CompilerTest, TheVersionIdDoesNotDependOnHowTheFolderIsWritten) {
  std::vector<engine::WorkflowSource> files = {
      {"derived.docket", "extends \"../base.docket\"\nfield visits: int\n"},
      {"../base.docket",
       "workflow ticket version \"1\"\ndepartment support { roles agent }\npriority high { resolve 8h }\n"
       "initial state open {\n  on start by agent -> done\n}\nfinal state done\n"},
  };
  std::vector<engine::SourceText> texts = {{"derived.docket", files[0].text}, {"../base.docket", files[1].text}};
  for (const char* root : {"rules/variants", "./rules/variants", "rules//variants", "rules/x/../variants"}) {
    SourceSet sources;
    Diagnostics diagnostics;
    std::optional<RuleFile> file = load_sources(files, root, sources, diagnostics);
    ASSERT_TRUE(file) << render_text(diagnostics, sources);
    check(*file, diagnostics);
    std::shared_ptr<const engine::Workflow> workflow = compile(*file, sources, diagnostics);
    ASSERT_TRUE(workflow) << root << ": " << render_text(diagnostics, sources);
    EXPECT_EQ(workflow->version_id(), engine::compute_version_id(texts)) << root;
    EXPECT_EQ(workflow->sources()[1].path, "../base.docket") << root;
  }
}

TEST_F(RefundsTest, ConstraintOnMoneyIsExact) {
  ASSERT_EQ(w().constraints().size(), 1u);
  const engine::Constraint& constraint = w().constraints()[0];
  EXPECT_EQ(constraint.condition.text(), "compensation <= order_amount * 30%");
  EXPECT_EQ(constraint.message, "too much");
  EXPECT_EQ(constraint.position.where, "rules.docket:33");

  std::vector<Value> fields(w().fields().size());
  fields[*w().find_field("order_amount")] = money("12345.67");
  auto holds = [&](const char* compensation) {
    fields[*w().find_field("compensation")] = money(compensation);
    return engine::evaluate_condition(constraint.condition, {fields, {}}, 0);
  };
  EXPECT_EQ(holds("3703.70"), true);
  EXPECT_EQ(holds("3703.701"), true);    // exactly 30%
  EXPECT_EQ(holds("3703.7011"), false);  // a ten-thousandth more

  std::vector<Value> attributes(engine::kAttributeCount);
  attributes[static_cast<std::size_t>(engine::Attribute::kCategory)] = Value::category(*w().find_category("fault"));
  EXPECT_EQ(engine::evaluate_condition(*constraint.when, {fields, attributes}, 0), true);
}

TEST_F(RefundsTest, BareValueOnTheLeftIsResolvedAgainstTheRight) {
  const engine::Transition& angry = w().transitions()[0];
  EXPECT_EQ(angry.guard->text(), "angry == mood");
  std::vector<Value> fields(w().fields().size());
  engine::FieldIndex mood = *w().find_field("mood");
  fields[mood] = Value::enumerator(mood, 2);
  EXPECT_EQ(engine::evaluate_condition(*angry.guard, {fields, {}}, 0), true);
  fields[mood] = Value::enumerator(mood, 0);
  EXPECT_EQ(engine::evaluate_condition(*angry.guard, {fields, {}}, 0), false);
}

TEST_F(RefundsTest, ExpressionTextKeepsTheMeaning) {
  const engine::CompiledExpr& guard = *w().transitions()[1].guard;
  EXPECT_EQ(guard.text(), "urgency not in (high, medium) and (order_amount + 1) * 2 > 10 - (3 - 1)");
  std::vector<Value> fields(w().fields().size());
  engine::FieldIndex urgency = *w().find_field("urgency");
  fields[urgency] = Value::enumerator(urgency, 2);       // low
  fields[*w().find_field("order_amount")] = money("3");  // (3 + 1) * 2 = 8 > 8 is false
  EXPECT_EQ(engine::evaluate_condition(guard, {fields, {}}, 0), false);
  fields[*w().find_field("order_amount")] = money("3.5");  // 9 > 8
  EXPECT_EQ(engine::evaluate_condition(guard, {fields, {}}, 0), true);
  fields[urgency] = Value::enumerator(urgency, 0);  // high
  EXPECT_EQ(engine::evaluate_condition(guard, {fields, {}}, 0), false);
}

TEST_F(RefundsTest, ActionsResolveToIndices) {
  const engine::State& open = w().states()[w().initial_state()];
  ASSERT_EQ(open.on_enter.size(), 3u);
  EXPECT_EQ(open.on_enter[0].kind, engine::ActionKind::kClassify);
  EXPECT_EQ(open.on_enter[0].target, *w().find_classification("priority"));
  EXPECT_EQ(open.on_enter[1].kind, engine::ActionKind::kRoute);
  EXPECT_EQ(open.on_enter[2].kind, engine::ActionKind::kAssign);
  EXPECT_EQ(open.on_enter[2].target, *w().find_department("tech"));
  EXPECT_EQ(open.on_enter[2].role, *w().find_role("engineer"));

  const std::vector<engine::Action>& angry = w().transitions()[0].actions;
  ASSERT_EQ(angry.size(), 3u);
  EXPECT_EQ(angry[0].kind, engine::ActionKind::kSetPriority);
  EXPECT_EQ(engine::evaluate(*angry[0].value, {}, 0).value(), Value::priority(0));
  EXPECT_EQ(angry[1].kind, engine::ActionKind::kSet);
  EXPECT_EQ(angry[1].target, *w().find_field("mood"));
  EXPECT_EQ(angry[2].kind, engine::ActionKind::kEmit);
  EXPECT_EQ(w().events()[angry[2].target], "escalated");

  const std::vector<engine::Action>& plain = w().transitions()[2].actions;
  EXPECT_EQ(w().describe(plain[0]), "set compensation = order_amount * 30%");
  EXPECT_EQ(plain[1].kind, engine::ActionKind::kStopClock);
  EXPECT_EQ(w().metrics()[plain[1].target], "first_response");
}

TEST_F(RefundsTest, StatesAndApprovalEvents) {
  const engine::State& review = w().states()[*w().find_state("review")];
  EXPECT_TRUE(review.awaits_approval);
  EXPECT_EQ(review.kind, engine::StateKind::kNormal);
  engine::EventId approved = *w().find_event("approved");
  auto candidates = w().candidates(*w().find_state("review"), approved);
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_EQ(w().transitions()[candidates[0]].to, *w().find_state("done"));
}

TEST(CompilerTest, TableOverCategoryAttribute) {
  auto workflow = compile_text(R"(workflow w
field urgency: enum(high, low)
department d { roles r }
category a -> d
category b -> d
priority P0 { resolve 1h }
priority P1 { resolve 8h }
classify priority by category x urgency {
  a: P0 P1
  b: P1 P1
}
initial state s { on go -> t do classify priority }
final state t
)");
  ASSERT_TRUE(workflow);
  const engine::Classification& table = workflow->classifications()[0];
  EXPECT_TRUE(table.row.is_attribute);
  EXPECT_EQ(table.row.index, static_cast<std::uint32_t>(engine::Attribute::kCategory));
  EXPECT_FALSE(table.column.is_attribute);
  EXPECT_THAT(table.table, ElementsAre(0u, 1u, 1u, 1u));
}

TEST(CompilerTest, OrderedRulesKeepTheirOrder) {
  auto workflow = compile_text(R"(workflow w
field safety: bool = false
field vip: bool = false
department d { roles r }
category c -> d
priority P0 { resolve 1h }
priority P1 { resolve 8h }
priority P2 { resolve 24h }
classify priority {
  P0 when safety
  P1 when vip
  P2 otherwise
}
initial state s { on go -> t }
final state t
)");
  ASSERT_TRUE(workflow);
  const engine::Classification& rules = workflow->classifications()[0];
  ASSERT_FALSE(rules.is_table());
  ASSERT_EQ(rules.rules.size(), 3u);
  EXPECT_EQ(rules.rules[0].result, 0u);
  EXPECT_EQ(rules.rules[0].condition->text(), "safety");
  EXPECT_EQ(rules.rules[1].result, 1u);
  EXPECT_FALSE(rules.rules[2].condition);
  EXPECT_EQ(rules.rules[2].position.where, "rules.docket:12");
}

// ---------------------------------------------------------------- refusals

constexpr const char* kHead = R"(workflow w
field amount: money = 0
department d { roles r }
category c -> d
priority normal { resolve 8h }
)";

// The parser refuses such literals (E009) in rule text; a tree built by a
// program can still carry one, and the compiler must not round it silently.
TEST(CompilerErrorTest, NumbersThatCannotBeExact) {
  for (const char* literal : {"0.00001", "12.345%"}) {
    SourceSet sources;
    Diagnostics load_diagnostics;
    std::optional<RuleFile> file = load_text(
        "rules.docket", std::string(kHead) + "initial state s { on go when amount > amount * 1 -> t }\nfinal state t\n",
        sources, load_diagnostics);
    ASSERT_TRUE(file) << render_text(load_diagnostics, sources);
    Transition& transition = file->states[0].transitions[0];
    auto guard = std::make_shared<Expr>(*transition.guard);
    auto product = std::make_shared<Expr>(*guard->operands[1]);
    auto inexact = std::make_shared<Expr>(*product->operands[1]);
    bool percent = std::string(literal).back() == '%';
    inexact->kind = percent ? Expr::Kind::kPercent : Expr::Kind::kNumber;
    inexact->text = literal;
    inexact->number = percent ? 12.345 : 0.00001;
    product->operands[1] = inexact;
    guard->operands[1] = product;
    transition.guard = guard;
    Diagnostics diagnostics;
    EXPECT_FALSE(compile(*file, sources, diagnostics)) << literal;
    EXPECT_THAT(diagnostics.items(), ElementsAre(Code("E009"))) << literal;
  }
}

TEST(CompilerErrorTest, UnresolvedNamesAreReportedNotCrashedOn) {
  std::vector<Diagnostic> errors = compile_errors(std::string(kHead) +
                                                  "initial state s { on go when nope > 1 -> nowhere "
                                                  "do assign ghost, notify phantom \"x\" }\n"
                                                  "final state t\n");
  // The target state, the guard's name, the department; the role.
  EXPECT_THAT(errors, UnorderedElementsAre(Code("E010"), Code("E010"), Code("E010"), Code("E022")));
  EXPECT_THAT(errors, Contains(Field(&Diagnostic::message, HasSubstr("`nope`"))));
  EXPECT_THAT(errors, Contains(Field(&Diagnostic::message, HasSubstr("`nowhere`"))));
}

TEST(CompilerErrorTest, TypeMismatches) {
  EXPECT_THAT(compile_errors(std::string(kHead) + "initial state s { on go when amount + \"x\" > 1 -> t }\n"
                                                  "final state t\n"),
              ElementsAre(Code("E012")));
  EXPECT_THAT(compile_errors(std::string(kHead) + "initial state s { on go when amount -> t }\n"
                                                  "final state t\n"),
              ElementsAre(Code("E012")));
  EXPECT_THAT(compile_errors(std::string(kHead) + "initial state s { on go -> t do set amount = 2h }\n"
                                                  "final state t\n"),
              ElementsAre(Code("E012")));
}

TEST(CompilerErrorTest, ShapeOfTheWorkflow) {
  EXPECT_THAT(compile_errors("state s\n"), ElementsAre(Code("E015"), Code("E016")));
  EXPECT_THAT(compile_errors(std::string(kHead) + "initial state s { on go -> t }\ninitial state u { on go -> t }\n"
                                                  "final state t\n"),
              ElementsAre(Code("E016")));
  EXPECT_THAT(compile_errors(std::string(kHead) + "initial state s { on go -> t }\nfinal state t\nstate s\n"),
              ElementsAre(Code("E011")));
}

TEST(CompilerErrorTest, HandBuiltTreesWithHoles) {
  RuleFile file;
  file.workflow = WorkflowDecl{Name{"w", {}}, "", "", {}};
  StateDecl state;
  state.name = Name{"s", {}};
  state.initial = true;
  Transition transition;
  transition.event = Name{"go", {}};
  transition.target = Name{"s", {}};
  auto broken = std::make_shared<Expr>();
  broken->kind = Expr::Kind::kBinary;
  broken->binary = BinaryOp::kAnd;
  broken->operands = {nullptr};  // one operand missing, the other absent
  transition.guard = broken;
  state.transitions.push_back(transition);

  // A tower of negations deeper than any parser output.
  ExprPtr deep;
  {
    auto leaf = std::make_shared<Expr>();
    leaf->kind = Expr::Kind::kNumber;
    leaf->text = "1";
    deep = leaf;
    for (int i = 0; i < 5000; ++i) {
      auto negate = std::make_shared<Expr>();
      negate->kind = Expr::Kind::kUnary;
      negate->unary = UnaryOp::kNegate;
      negate->operands = {deep};
      deep = negate;
    }
  }
  Timer timer;
  timer.length.seconds = 60;
  timer.length.written = "1m";
  timer.guard = deep;
  state.timers.push_back(timer);
  file.states.push_back(state);

  SourceSet sources;
  Diagnostics diagnostics;
  EXPECT_FALSE(compile(file, sources, diagnostics));
  std::vector<std::string> codes;
  for (const Diagnostic& d : diagnostics.items()) codes.push_back(d.code);
  EXPECT_THAT(codes, ElementsAre("E001", "E004"));
  EXPECT_FALSE(compile(file, sources));  // the variant without diagnostics
}

// ---------------------------------------------------------------- shipped rules

TEST(CompilerTest, EveryShippedRuleFileCompiles) {
  std::filesystem::path rules = std::filesystem::path(DOCKET_SOURCE_DIR) / "rules";
  ASSERT_TRUE(std::filesystem::is_directory(rules)) << rules;
  int compiled = 0;
  for (const auto& entry : std::filesystem::directory_iterator(rules)) {
    if (entry.path().extension() != ".docket") continue;
    SourceSet sources;
    Diagnostics diagnostics;
    std::optional<RuleFile> file = load(entry.path().string(), sources, diagnostics);
    ASSERT_TRUE(file) << render_text(diagnostics, sources);
    check(*file, diagnostics);
    ASSERT_FALSE(diagnostics.has_errors()) << render_text(diagnostics, sources);
    std::shared_ptr<const engine::Workflow> workflow = compile(*file, sources, diagnostics);
    ASSERT_TRUE(workflow) << render_text(diagnostics, sources);
    EXPECT_EQ(workflow->version_id().size(), 64u);
    EXPECT_NE(workflow->initial_state(), kNoIndex);
    ++compiled;
  }
  EXPECT_GT(compiled, 0);
}

}  // namespace
}  // namespace docket::dsl
