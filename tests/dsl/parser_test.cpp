// The parser: each construct of the language becomes the expected syntax
// tree, and each syntax error is reported where it is, with the message a
// designer reads.

#include "dsl/parser.h"

#include <gtest/gtest.h>

#include <string>

namespace docket::dsl {
namespace {

RuleFile parse_ok(const std::string& text) {
  Diagnostics diagnostics;
  auto file = parse(0, text, diagnostics);
  SourceSet sources;
  sources.add("test.docket", text);
  EXPECT_TRUE(file.has_value()) << render_text(diagnostics, sources);
  EXPECT_EQ(diagnostics.items().size(), 0u) << render_text(diagnostics, sources);
  return file.value_or(RuleFile{});
}

// The rendered diagnostics of a file that must not parse.
std::string parse_error(const std::string& text) {
  Diagnostics diagnostics;
  SourceSet sources;
  std::uint32_t id = sources.add("bad.docket", text);
  auto file = parse(id, text, diagnostics);
  EXPECT_FALSE(file.has_value());
  return render_text(diagnostics, sources);
}

TEST(ParserTest, WorkflowWithLabelAndVersion) {
  RuleFile f = parse_ok("workflow after_sales \"售后服务标准流程\" version \"2.1\"\n");
  ASSERT_TRUE(f.workflow.has_value());
  EXPECT_EQ(f.workflow->name.text, "after_sales");
  EXPECT_EQ(f.workflow->label, "售后服务标准流程");
  EXPECT_EQ(f.workflow->version, "2.1");
  EXPECT_EQ(f.workflow->name.loc, (SourceLoc{0, 1, 10}));

  EXPECT_EQ(parse_ok("workflow w version 3.0.1").workflow->version, "3.0.1");
}

TEST(ParserTest, ExtendsKeepsThePathAsWritten) {
  RuleFile f = parse_ok("extends \"../after_sales.docket\"\nworkflow shop");
  EXPECT_EQ(f.extends_path, "../after_sales.docket");
  EXPECT_EQ(f.extends_loc.line, 1u);
}

TEST(ParserTest, FieldsOfEveryType) {
  RuleFile f = parse_ok(
      "field mood \"情绪\": enum(calm, unhappy, angry) = calm\n"
      "field order_amount: money required range 0..1000000\n"
      "field note: text\n"
      "field count: int = 3\n"
      "field rate: decimal\n"
      "field vip: bool = false\n"
      "field wait: duration = 1h30m\n"
      "field bought: timestamp required\n");
  ASSERT_EQ(f.fields.size(), 8u);
  EXPECT_EQ(f.fields[0].label, "情绪");
  EXPECT_EQ(f.fields[0].type, FieldType::kEnum);
  ASSERT_EQ(f.fields[0].enum_values.size(), 3u);
  EXPECT_EQ(f.fields[0].enum_values[2].text, "angry");
  ASSERT_TRUE(f.fields[0].default_value);
  EXPECT_EQ(f.fields[0].default_value->kind, Expr::Kind::kName);
  EXPECT_EQ(f.fields[1].type, FieldType::kMoney);
  EXPECT_TRUE(f.fields[1].required);
  ASSERT_TRUE(f.fields[1].range_min && f.fields[1].range_max);
  EXPECT_EQ(f.fields[1].range_max->number, 1000000);
  EXPECT_EQ(f.fields[2].type, FieldType::kText);
  EXPECT_EQ(f.fields[3].type, FieldType::kInt);
  EXPECT_EQ(f.fields[4].type, FieldType::kDecimal);
  EXPECT_EQ(f.fields[5].type, FieldType::kBool);
  EXPECT_FALSE(f.fields[5].default_value->boolean);
  EXPECT_EQ(f.fields[6].type, FieldType::kDuration);
  EXPECT_EQ(f.fields[6].default_value->seconds, 5400);
  EXPECT_EQ(f.fields[7].type, FieldType::kTimestamp);
  EXPECT_TRUE(f.fields[7].required);
}

TEST(ParserTest, CalendarWithHoursHolidaysAndMakeUpDays) {
  RuleFile f = parse_ok(
      "calendar office \"办公时间\" {\n"
      "  zone \"Asia/Shanghai\"\n"
      "  hours mon-fri 09:00-12:00, 13:00-18:00\n"
      "  hours sat, sun 10:00-16:00\n"
      "  holidays 2026-10-01..2026-10-07, 2027-01-01\n"
      "  workdays 2026-10-10\n"
      "}\n");
  ASSERT_EQ(f.calendars.size(), 1u);
  const CalendarDecl& c = f.calendars[0];
  EXPECT_EQ(c.zone, "Asia/Shanghai");
  ASSERT_EQ(c.hours.size(), 2u);
  EXPECT_EQ(c.hours[0].weekdays, (std::array<bool, 7>{true, true, true, true, true, false, false}));
  ASSERT_EQ(c.hours[0].spans.size(), 2u);
  EXPECT_EQ(c.hours[0].spans[1].start_minute, 13 * 60);
  EXPECT_EQ(c.hours[0].spans[1].end_minute, 18 * 60);
  EXPECT_EQ(c.hours[1].weekdays, (std::array<bool, 7>{false, false, false, false, false, true, true}));
  ASSERT_EQ(c.holidays.size(), 2u);
  EXPECT_EQ(c.holidays[0].first.day, 1);
  EXPECT_EQ(c.holidays[0].last.day, 7);
  EXPECT_EQ(c.holidays[1].first.year, 2027);
  EXPECT_EQ(c.holidays[1].last.month, 1);
  ASSERT_EQ(c.workdays.size(), 1u);
  EXPECT_EQ(c.workdays[0].first.day, 10);
}

TEST(ParserTest, DepartmentsAndCategoriesWithRouting) {
  RuleFile f = parse_ok(
      "department tech \"技术部\" { roles engineer, dept_head }\n"
      "department legal\n"
      "category product_fault \"产品故障\" -> tech\n"
      "category complaint -> tech, legal\n"
      "category service_error { route tech; route legal when order_amount > 10000 }\n"
      "category unrouted \"无\"\n");
  ASSERT_EQ(f.departments.size(), 2u);
  EXPECT_EQ(f.departments[0].roles.size(), 2u);
  EXPECT_EQ(f.departments[0].roles[1].text, "dept_head");
  EXPECT_TRUE(f.departments[1].roles.empty());
  ASSERT_EQ(f.categories.size(), 4u);
  EXPECT_EQ(f.categories[0].label, "产品故障");
  ASSERT_EQ(f.categories[0].routes.size(), 1u);
  EXPECT_EQ(f.categories[0].routes[0].department.text, "tech");
  EXPECT_EQ(f.categories[1].routes.size(), 2u);
  ASSERT_EQ(f.categories[2].routes.size(), 2u);
  EXPECT_FALSE(f.categories[2].routes[0].condition);
  ASSERT_TRUE(f.categories[2].routes[1].condition);
  EXPECT_EQ(f.categories[2].routes[1].condition->binary, BinaryOp::kGt);
  EXPECT_TRUE(f.categories[3].routes.empty());
}

TEST(ParserTest, PriorityWithLimitsWarningsAndLadder) {
  RuleFile f = parse_ok(
      "priority P0 \"紧急\" {\n"
      "  first_response 1h\n"
      "  resolve 24h in office\n"
      "  warn at 50%, 80%\n"
      "  at 80% of resolve do escalate to dept_head, assign tech.dept_head\n"
      "  on breach of resolve do notify dept_head \"p0_breach\", raise priority\n"
      "}\n");
  ASSERT_EQ(f.priorities.size(), 1u);
  const PriorityDecl& p = f.priorities[0];
  ASSERT_EQ(p.limits.size(), 2u);
  EXPECT_EQ(p.limits[0].metric.text, "first_response");
  EXPECT_EQ(p.limits[0].length.seconds, 3600);
  EXPECT_TRUE(p.limits[0].length.calendar.empty());
  EXPECT_EQ(p.limits[1].length.calendar.text, "office");
  ASSERT_EQ(p.warnings.size(), 2u);
  EXPECT_EQ(p.warnings[1].percent, 80);
  ASSERT_EQ(p.escalations.size(), 2u);
  EXPECT_EQ(p.escalations[0].percent, 80);
  EXPECT_EQ(p.escalations[0].metric.text, "resolve");
  ASSERT_EQ(p.escalations[0].actions.size(), 2u);
  EXPECT_EQ(p.escalations[0].actions[0].kind, ActionKind::kEscalate);
  EXPECT_EQ(p.escalations[0].actions[1].kind, ActionKind::kAssign);
  EXPECT_EQ(p.escalations[0].actions[1].target.text, "tech");
  EXPECT_EQ(p.escalations[0].actions[1].role.text, "dept_head");
  EXPECT_FALSE(p.escalations[1].percent.has_value());
  EXPECT_EQ(p.escalations[1].actions[0].kind, ActionKind::kNotify);
  EXPECT_EQ(p.escalations[1].actions[0].text, "p0_breach");
  EXPECT_EQ(p.escalations[1].actions[1].kind, ActionKind::kRaisePriority);
}

// `at most 1 time` reads as English; `times` is accepted for any count,
// as it always was.
TEST(ParserTest, ExtensionCapsCountTimesInEitherNumber) {
  RuleFile f = parse_ok(
      "priority p {\n"
      "  decide 15 workdays in office\n"
      "  extend decide at most 1 time, up to 30 workdays in office\n"
      "  extend answer at most 1 times\n"
      "  extend review at most 3 times\n"
      "}\n");
  ASSERT_EQ(f.priorities.size(), 1u);
  const std::vector<ExtensionRule>& rules = f.priorities[0].extension_rules;
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules[0].metric.text, "decide");
  EXPECT_EQ(rules[0].max_times, 1);
  EXPECT_EQ(rules[0].up_to.workdays, 30);
  EXPECT_EQ(rules[1].max_times, 1);
  EXPECT_EQ(rules[2].max_times, 3);
  EXPECT_EQ(parse_error("priority p {\n  extend decide at most 1 tim\n}\n"),
            "bad.docket:2:27: error[E001]: expected `time` or `times` after the number of extensions, got `tim`\n"
            " 2 |   extend decide at most 1 tim\n"
            "   |                           ^~~\n"
            "help: did you mean `time`?\n");
}

TEST(ParserTest, DecisionTableAndOrderedRules) {
  RuleFile f = parse_ok(
      "classify priority by impact x urgency {\n"
      "  columns high, medium, low\n"
      "  high:   P0 P0 P1\n"
      "  medium: P0 P1 P2\n"
      "  low:    P1 P2 P2\n"
      "}\n"
      "classify category { product_fault when channel == phone and impact == high; inquiry otherwise }\n");
  ASSERT_EQ(f.classifications.size(), 2u);
  const ClassifyDecl& table = f.classifications[0];
  EXPECT_TRUE(table.is_table());
  EXPECT_EQ(table.target.text, "priority");
  EXPECT_EQ(table.row_field.text, "impact");
  EXPECT_EQ(table.column_field.text, "urgency");
  EXPECT_EQ(table.columns.size(), 3u);
  ASSERT_EQ(table.rows.size(), 3u);
  EXPECT_EQ(table.rows[1].row_value.text, "medium");
  ASSERT_EQ(table.rows[1].cells.size(), 3u);
  EXPECT_EQ(table.rows[1].cells[2].text, "P2");
  const ClassifyDecl& rules = f.classifications[1];
  EXPECT_FALSE(rules.is_table());
  ASSERT_EQ(rules.rules.size(), 2u);
  EXPECT_EQ(rules.rules[0].result.text, "product_fault");
  ASSERT_TRUE(rules.rules[0].condition);
  EXPECT_EQ(rules.rules[0].condition->binary, BinaryOp::kAnd);
  EXPECT_FALSE(rules.rules[1].condition);
}

TEST(ParserTest, ChainsAndApprovalChoices) {
  RuleFile f = parse_ok(
      "chain big_refund \"大额退款\" {\n"
      "  level head: any of dept_head within 8h in office on timeout do escalate to director\n"
      "  level finance: all of finance_manager, controller\n"
      "  level board: 2 of board_member\n"
      "}\n"
      "approval when compensation > 5000: big_refund\n"
      "approval by priority { P0: big_refund; P1: supervisor; P2: none }\n"
      "approval otherwise: none\n");
  ASSERT_EQ(f.chains.size(), 1u);
  const ChainDecl& c = f.chains[0];
  ASSERT_EQ(c.levels.size(), 3u);
  EXPECT_EQ(c.levels[0].quorum, Quorum::kAny);
  EXPECT_EQ(c.levels[0].within.seconds, 8 * 3600);
  EXPECT_EQ(c.levels[0].within.calendar.text, "office");
  ASSERT_EQ(c.levels[0].on_timeout.size(), 1u);
  EXPECT_EQ(c.levels[0].on_timeout[0].target.text, "director");
  EXPECT_EQ(c.levels[1].quorum, Quorum::kAll);
  EXPECT_EQ(c.levels[1].roles.size(), 2u);
  EXPECT_EQ(c.levels[2].quorum, Quorum::kCount);
  EXPECT_EQ(c.levels[2].count, 2);
  ASSERT_EQ(f.approvals.size(), 5u);
  EXPECT_TRUE(f.approvals[0].condition);
  EXPECT_EQ(f.approvals[0].chain.text, "big_refund");
  EXPECT_EQ(f.approvals[1].priority.text, "P0");
  EXPECT_EQ(f.approvals[3].chain.text, "none");
  EXPECT_TRUE(f.approvals[4].priority.empty());
  EXPECT_FALSE(f.approvals[4].condition);
}

// `not` ends the roles of a level; `as proposer` sits between `by` and the arrow.
TEST(ParserTest, ExclusionsAndProposers) {
  RuleFile f = parse_ok(
      "chain dual { level heads: 2 of dept_head, director not proposer, participants within 8h }\n"
      "state drafting {\n"
      "  on drafted when amount > 0 by clerk as proposer -> approving do notify customer \"draft\"\n"
      "  on sent as proposer -> approving\n"
      "  on checked by clerk -> approving\n"
      "}\n");
  const ApprovalLevel& level = f.chains.at(0).levels.at(0);
  ASSERT_EQ(level.roles.size(), 2u);
  EXPECT_EQ(level.roles[1].text, "director");
  ASSERT_EQ(level.excluded.size(), 2u);
  EXPECT_EQ(level.excluded[0].text, "proposer");
  EXPECT_EQ(level.excluded[1].text, "participants");
  EXPECT_EQ(level.excluded[1].loc.column, 66u);
  EXPECT_EQ(level.within.seconds, 8 * 3600);
  const std::vector<Transition>& transitions = f.states.at(0).transitions;
  ASSERT_EQ(transitions.size(), 3u);
  EXPECT_TRUE(transitions[0].proposer_loc.known());
  EXPECT_EQ(transitions[0].proposer_loc.column, 39u);
  EXPECT_EQ(transitions[0].roles.size(), 1u);
  EXPECT_EQ(transitions[0].actions.size(), 1u);
  EXPECT_TRUE(transitions[1].proposer_loc.known());
  EXPECT_FALSE(transitions[2].proposer_loc.known());
}

TEST(ParserErrorTest, ExclusionsAndProposersNeedTheirWords) {
  EXPECT_EQ(parse_error("chain c { level l: any of a not }\n"),
            "bad.docket:1:33: error[E001]: expected who may not approve: proposer, participants or assignee, got `}`\n"
            " 1 | chain c { level l: any of a not }\n"
            "   |                                 ^\n");
  EXPECT_EQ(parse_error("state a {\n  on go by b as boss -> c\n}\n"),
            "bad.docket:2:17: error[E001]: expected `proposer` after `as`, got `boss`\n"
            " 2 |   on go by b as boss -> c\n"
            "   |                 ^~~~\n");
}

TEST(ParserTest, ConstraintWithPercentage) {
  RuleFile f = parse_ok(
      "require compensation <= order_amount * 30% when category == service_error\n"
      "    \"补偿不得超过订单金额的30%\"\n");
  ASSERT_EQ(f.constraints.size(), 1u);
  const Constraint& c = f.constraints[0];
  EXPECT_EQ(c.message, "补偿不得超过订单金额的30%");
  ASSERT_TRUE(c.condition && c.when);
  EXPECT_EQ(c.condition->binary, BinaryOp::kLe);
  const Expr& product = *c.condition->operands[1];
  EXPECT_EQ(product.binary, BinaryOp::kMul);
  EXPECT_EQ(product.operands[1]->kind, Expr::Kind::kPercent);
  EXPECT_EQ(product.operands[1]->number, 30);
}

TEST(ParserTest, StatesWithEveryKindOfItem) {
  RuleFile f = parse_ok(
      "initial state intake \"受理登记\" {\n"
      "  on enter do notify customer \"ack\", start first_response\n"
      "  on exit do stop first_response\n"
      "  on register when mood == angry by agent, lead -> triage do notify customer \"empathy\"\n"
      "  auto when vip -> triage\n"
      "  after 2h in office -> triage do escalate to lead\n"
      "  every 24h do notify customer \"progress_update\"\n"
      "}\n"
      "state waiting { pause resolve, first_response; await approval; on approved -> done }\n"
      "final state done \"已关闭\"\n");
  ASSERT_EQ(f.states.size(), 3u);
  const StateDecl& s = f.states[0];
  EXPECT_TRUE(s.initial);
  EXPECT_FALSE(s.final);
  EXPECT_EQ(s.label, "受理登记");
  ASSERT_EQ(s.on_enter.size(), 2u);
  EXPECT_EQ(s.on_enter[1].kind, ActionKind::kStartClock);
  ASSERT_EQ(s.on_exit.size(), 1u);
  EXPECT_EQ(s.on_exit[0].kind, ActionKind::kStopClock);
  ASSERT_EQ(s.transitions.size(), 2u);
  const Transition& t = s.transitions[0];
  EXPECT_EQ(t.event.text, "register");
  EXPECT_FALSE(t.automatic);
  ASSERT_TRUE(t.guard);
  ASSERT_EQ(t.roles.size(), 2u);
  EXPECT_EQ(t.roles[1].text, "lead");
  EXPECT_EQ(t.target.text, "triage");
  EXPECT_EQ(t.actions.size(), 1u);
  EXPECT_EQ(t.loc.line, 4u);
  EXPECT_TRUE(s.transitions[1].automatic);
  EXPECT_EQ(s.transitions[1].guard->kind, Expr::Kind::kName);
  ASSERT_EQ(s.timers.size(), 2u);
  EXPECT_FALSE(s.timers[0].recurring);
  EXPECT_EQ(s.timers[0].length.seconds, 7200);
  EXPECT_EQ(s.timers[0].length.calendar.text, "office");
  EXPECT_EQ(s.timers[0].target.text, "triage");
  EXPECT_TRUE(s.timers[1].recurring);
  EXPECT_TRUE(s.timers[1].target.empty());
  EXPECT_EQ(s.timers[1].actions[0].text, "progress_update");
  EXPECT_TRUE(f.states[1].awaits_approval);
  ASSERT_EQ(f.states[1].paused_clocks.size(), 2u);
  EXPECT_TRUE(f.states[2].final);
  EXPECT_EQ(f.states[2].label, "已关闭");
}

TEST(ParserTest, EveryActionKind) {
  RuleFile f = parse_ok(
      "state s { on go -> s do set compensation = order_amount * 10%, assign ops, notify assignee \"t\",\n"
      "  escalate to lead, raise priority, emit reopened, route, classify priority, start resolve,\n"
      "  stop resolve, pause resolve, resume resolve }\n");
  const auto& actions = f.states[0].transitions[0].actions;
  std::vector<ActionKind> kinds;
  for (const Action& a : actions) kinds.push_back(a.kind);
  EXPECT_EQ(kinds,
            (std::vector<ActionKind>{ActionKind::kSet, ActionKind::kAssign, ActionKind::kNotify, ActionKind::kEscalate,
                                     ActionKind::kRaisePriority, ActionKind::kEmit, ActionKind::kRoute,
                                     ActionKind::kClassify, ActionKind::kStartClock, ActionKind::kStopClock,
                                     ActionKind::kPauseClock, ActionKind::kResumeClock}));
  EXPECT_EQ(actions[0].target.text, "compensation");
  EXPECT_EQ(actions[0].value->binary, BinaryOp::kMul);
  EXPECT_TRUE(actions[1].role.empty());
  EXPECT_EQ(actions[5].target.text, "reopened");
  EXPECT_EQ(actions[7].target.text, "priority");
}

TEST(ParserTest, OverridesAreMarked) {
  RuleFile f = parse_ok(
      "extends \"base.docket\"\n"
      "override priority P0 { resolve 12h }\n"
      "override state closed { }\n"
      "override approval by priority { P0: none }\n"
      "field extra: text\n");
  EXPECT_TRUE(f.priorities[0].is_override);
  EXPECT_TRUE(f.states[0].is_override);
  EXPECT_TRUE(f.approvals_override);
  EXPECT_FALSE(f.fields[0].is_override);
}

// Expressions: precedence, associativity and every literal.
class ExpressionTest : public ::testing::Test {
 protected:
  // A fully parenthesised rendering, to compare trees as text.
  static std::string show(const ExprPtr& e) {
    if (!e) return "<null>";
    switch (e->kind) {
      case Expr::Kind::kNumber:
      case Expr::Kind::kPercent:
      case Expr::Kind::kDuration:
      case Expr::Kind::kName:
        return e->text;
      case Expr::Kind::kString:
        return "\"" + e->text + "\"";
      case Expr::Kind::kBool:
        return e->boolean ? "true" : "false";
      case Expr::Kind::kNow:
        return "now";
      case Expr::Kind::kUnary:
        return std::string(e->unary == UnaryOp::kNot ? "(not " : "(- ") + show(e->operands[0]) + ")";
      case Expr::Kind::kBinary:
        return "(" + show(e->operands[0]) + " " + to_string(e->binary) + " " + show(e->operands[1]) + ")";
      case Expr::Kind::kIn: {
        std::string out = "(" + show(e->operands[0]) + " in";
        for (std::size_t i = 1; i < e->operands.size(); ++i) out += " " + show(e->operands[i]);
        return out + ")";
      }
      case Expr::Kind::kIsSet:
        return "(" + show(e->operands[0]) + " is set)";
    }
    return "?";
  }

  static std::string parsed(const std::string& text) {
    Diagnostics diagnostics;
    ExprPtr e = parse_expression(0, text, diagnostics);
    SourceSet sources;
    sources.add("expr", text);
    EXPECT_FALSE(diagnostics.has_errors()) << render_text(diagnostics, sources);
    return show(e);
  }
};

TEST_F(ExpressionTest, Precedence) {
  EXPECT_EQ(parsed("a or b and c"), "(a or (b and c))");
  EXPECT_EQ(parsed("not a and b"), "((not a) and b)");
  EXPECT_EQ(parsed("a + b * c >= d - 1"), "((a + (b * c)) >= (d - 1))");
  EXPECT_EQ(parsed("(a + b) * c"), "((a + b) * c)");
  EXPECT_EQ(parsed("a - b - c"), "((a - b) - c)");
  EXPECT_EQ(parsed("-a * -2"), "((- a) * (- 2))");
  EXPECT_EQ(parsed("x == y and not z"), "((x == y) and (not z))");
}

TEST_F(ExpressionTest, LiteralsAndMembership) {
  EXPECT_EQ(parsed("order_amount * 30%"), "(order_amount * 30%)");
  EXPECT_EQ(parsed("now - created_at > 1h30m"), "((now - created_at) > 1h30m)");
  EXPECT_EQ(parsed("channel in (phone, email)"), "(channel in phone email)");
  EXPECT_EQ(parsed("channel not in (phone)"), "(not (channel in phone))");
  EXPECT_EQ(parsed("note != \"a\\\"b\" or vip == true"), "((note != \"a\"b\") or (vip == true))");
  EXPECT_EQ(parsed("12.50 <= 3"), "(12.50 <= 3)");
}

TEST_F(ExpressionTest, DurationUnitsAddUp) {
  Diagnostics diagnostics;
  EXPECT_EQ(parse_expression(0, "1w2d3h4m5s", diagnostics)->seconds, 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
}

// Errors: `file:line:col`, the line, a caret, and what was found instead.
TEST(ParserErrorTest, ExpectedTokenWithWhatWasFound) {
  EXPECT_EQ(parse_error("state a {\n  on go b\n}\n"),
            "bad.docket:2:9: error[E001]: expected `->` and the state to go to, or `do` and the actions of a stay, got "
            "`b`\n"
            " 2 |   on go b\n"
            "   |         ^\n");
}

TEST(ParserErrorTest, UnknownKeywordSuggestsTheClosestOne) {
  EXPECT_EQ(
      parse_error("stat intake\n"),
      "bad.docket:1:1: error[E001]: expected a declaration: workflow, extends, field, holidays, calendar, department, "
      "category, priority, classify, chain, approval, require, state, group, extend or report, got `stat`\n"
      " 1 | stat intake\n"
      "   | ^~~~\n"
      "help: did you mean `state`?\n");
  EXPECT_NE(parse_error("state s { on x -> y do notfy customer \"a\" }").find("help: did you mean `notify`?"),
            std::string::npos);
}

TEST(ParserErrorTest, CaretLinesUpUnderWideCharacters) {
  // Each Chinese character takes two terminal cells.
  EXPECT_EQ(
      parse_error("category c \"产品故障\" => tech\n"),
      "bad.docket:1:27: error[E001]: expected a declaration: workflow, extends, field, holidays, calendar, department, "
      "category, priority, classify, chain, approval, require, state, group, extend or report, got `=>`\n"
      " 1 | category c \"产品故障\" => tech\n"
      "   | " +
          std::string(22, ' ') +
          "^\n"
          "help: did you mean `->`?\n");
}

TEST(ParserErrorTest, NamesAreAscii) {
  EXPECT_EQ(parse_error("category 产品 -> tech\n"),
            "bad.docket:1:10: error[E058]: names are ASCII letters, digits and `_`, got `产品`\n"
            " 1 | category 产品 -> tech\n"
            "   |          ^\n"
            "help: write an ASCII name with the text as its label: `category NAME \"产品\"`\n");
}

// The keyword before the name is found even where the grammar gives no
// message of its own (`initial state` takes any name that follows).
TEST(ParserErrorTest, ChineseStateNameGetsTheLabelForm) {
  EXPECT_EQ(parse_error("initial state 已接收 {\n}\n"),
            "bad.docket:1:15: error[E058]: names are ASCII letters, digits and `_`, got `已接收`\n"
            " 1 | initial state 已接收 {\n"
            "   |               ^\n"
            "help: write an ASCII name with the text as its label: `state NAME \"已接收\"`\n");
}

TEST(ParserErrorTest, ChineseNameInAnExpression) {
  EXPECT_EQ(parse_error("initial state s { on go when kind == 普通 -> t }\n"),
            "bad.docket:1:38: error[E058]: names are ASCII letters, digits and `_`, got `普通`\n"
            " 1 | initial state s { on go when kind == 普通 -> t }\n"
            "   |                                      ^\n"
            "help: declare it under an ASCII name with the text as its label (`NAME \"普通\"`) and write the name "
            "here\n");
}

// Events have no label: the systems that send them name them.
TEST(ParserErrorTest, ChineseEventName) {
  EXPECT_EQ(parse_error("initial state s { on 提交 -> t }\n"),
            "bad.docket:1:22: error[E058]: names are ASCII letters, digits and `_`, got `提交`\n"
            " 1 | initial state s { on 提交 -> t }\n"
            "   |                      ^\n"
            "help: an event is named as the systems that send it write it: in ASCII, such as `submitted`\n");
}

TEST(ParserErrorTest, FullWidthPunctuation) {
  EXPECT_EQ(parse_error("field amount：int\n"),
            "bad.docket:1:13: error[E001]: expected `:`, got full-width `：`\n"
            " 1 | field amount：int\n"
            "   |             ^\n"
            "help: did you mean `:`?\n");
  EXPECT_EQ(
      parse_error("initial state s “待处理”\n"),
      "bad.docket:1:17: error[E001]: expected a declaration: workflow, extends, field, holidays, calendar, "
      "department, category, priority, classify, chain, approval, require, state, group, extend or report, got full-width "
      "`“`\n"
      " 1 | initial state s “待处理”\n"
      "   |                 ^\n"
      "help: did you mean `\"`?\n");
}

TEST(ParserErrorTest, UnterminatedString) {
  EXPECT_EQ(parse_error("workflow w \"售后\nfield a: int\n"),
            "bad.docket:1:19: error[E006]: unterminated string; close it with `\"` on the same line\n"
            " 1 | workflow w \"售后\n"
            "   |                 ^\n");
}

TEST(ParserErrorTest, InvalidLiterals) {
  EXPECT_NE(parse_error("calendar c { hours mon-fri 09:00-24:30 }").find("error[E009]: `24:30` is not a valid time"),
            std::string::npos);
  EXPECT_NE(parse_error("calendar c { holidays 2026-02-30 }").find("error[E009]: `2026-02-30` is not a valid date"),
            std::string::npos);
  EXPECT_NE(parse_error("field a: int = 99999999999999999999").find("error[E009]"), std::string::npos);
  EXPECT_NE(parse_error("priority P { resolve 99999999w }").find("error[E009]"), std::string::npos);
  EXPECT_NE(
      parse_error("field a: money = 0.00001").find("error[E009]: number `0.00001` has more than 4 decimal places"),
      std::string::npos);
  EXPECT_NE(parse_error("require a <= b * 12.345% \"cap\"").find("error[E009]: percentage `12.345%` has more"),
            std::string::npos);
  parse_ok("field a: money = 0.0001\nrequire a <= b * 12.34% \"cap\"");
}

TEST(ParserErrorTest, StrayBytesAndControlCharacters) {
  EXPECT_NE(parse_error(std::string("field a: int\n\x01")).find("bad.docket:2:1: error[E002]: control character 0x01"),
            std::string::npos);
  EXPECT_NE(parse_error(std::string("field \xff: int")).find("bad.docket:1:7: error[E002]: invalid UTF-8 byte 0xFF"),
            std::string::npos);
}

TEST(ParserErrorTest, NamesHaveALengthLimit) {
  std::string long_name(65, 'a');
  EXPECT_NE(parse_error("field " + long_name + ": int").find("error[E005]: name is 65 bytes long (limit 64)"),
            std::string::npos);
  parse_ok("field " + std::string(64, 'a') + ": int");
}

TEST(ParserErrorTest, FileSizeLimit) {
  Diagnostics diagnostics;
  ParseLimits limits;
  limits.max_file_bytes = 100;
  EXPECT_FALSE(parse(0, std::string(101, ' '), diagnostics, limits).has_value());
  ASSERT_EQ(diagnostics.items().size(), 1u);
  EXPECT_EQ(diagnostics.items()[0].code, "E003");
  EXPECT_TRUE(parse(0, std::string(100, ' '), diagnostics, limits).has_value());
}

// Deep nesting must be an error, not a stack overflow, at any depth.
TEST(ParserErrorTest, NestingIsLimitedAtEveryDepth) {
  parse_ok("field a: int = " + std::string(63, '(') + "1" + std::string(63, ')'));
  for (std::size_t depth : {65u, 1000u, 100000u, 1000000u}) {
    for (const std::string& opener : {std::string("("), std::string("not "), std::string("-")}) {
      std::string text = "field a: int = ";
      for (std::size_t i = 0; i < depth; ++i) text += opener;
      std::string rendered = parse_error(text + "1");
      EXPECT_NE(rendered.find("error[E004]: expressions nest too deeply (limit 64 levels)"), std::string::npos)
          << "depth " << depth << " of `" << opener << "`";
    }
  }
}

TEST(ParserErrorTest, HugeFlatExpressionsStopEarly) {
  // 3 MB of `or`: rejected while parsing, at the operand past the limit.
  std::string text = "require a";
  for (int i = 0; i < 600000; ++i) text += " or a";
  text += " \"m\"";
  std::string rendered = parse_error(text);
  EXPECT_NE(rendered.find("bad.docket:1:5009: error[E004]: expression is too long (limit 1000 parts)"),
            std::string::npos)
      << rendered.substr(0, 200);
}

TEST(ParserErrorTest, LongExpressionsAreLimited) {
  std::string text = "field a: int = 1";
  for (int i = 0; i < 2000; ++i) text += " + 1";
  EXPECT_NE(parse_error(text).find("error[E004]: expression is too long"), std::string::npos);
}

}  // namespace
}  // namespace docket::dsl
