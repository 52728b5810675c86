// Values the language holds beyond names: enum values that are numbers or
// carry labels, decision tables over bool and int fields, `is set`, and
// priorities without time limits. Parsed, checked and compiled.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dsl/checker.h"
#include "dsl/compiler.h"
#include "dsl/loader.h"
#include "engine/model/expr.h"
#include "engine/model/workflow.h"
#include "tests/support/rules_harness.h"

namespace docket::dsl {
namespace {

using engine::Fixed;
using engine::kNoIndex;
using engine::Value;
using ::testing::AllOf;
using testing::check_text;
using testing::compile_text;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

MATCHER_P3(Diag, code, line, column, "") {
  return arg.code == code && arg.loc.line == static_cast<std::uint32_t>(line) &&
         arg.loc.column == static_cast<std::uint32_t>(column);
}

auto Message(const std::string& text) { return Field(&Diagnostic::message, HasSubstr(text)); }
auto Help(const std::string& text) { return Field(&Diagnostic::help, HasSubstr(text)); }

// Lines 1-6; the tests add declarations and states.
constexpr const char* kIncident = R"(workflow incident
field impact "影响": enum(1 "高", 2 "中", 3 "低") required
field urgency "紧急度": enum(1, 2, 3) = 3
department desk { roles agent }
category general -> desk
priority P1 {}
)";

std::string incident(const std::string& rest) { return kIncident + rest; }

// ---------------------------------------------------------------- enum values

TEST(NumericEnum, ValuesAndLabelsAreParsedInOrder) {
  SourceSet sources;
  Diagnostics diagnostics;
  auto file = load_text("t.docket", incident("initial state open { on done -> closed }\nfinal state closed\n"), sources,
                        diagnostics);
  ASSERT_TRUE(file);
  const FieldDecl& impact = file->fields[0];
  ASSERT_EQ(impact.enum_values.size(), 3u);
  EXPECT_EQ(impact.enum_values[0].text, "1");
  EXPECT_EQ(impact.enum_values[2].text, "3");
  EXPECT_THAT(impact.enum_labels, ElementsAre("高", "中", "低"));
  EXPECT_THAT(file->fields[1].enum_labels, ElementsAre("", "", ""));
}

TEST(NumericEnum, NumbersCompareAsValuesAndOrderAsNumbers) {
  auto diagnostics = check_text(incident(R"(field mood: enum(calm "平静", angry "愤怒") = calm
require impact in (1, 2) or 3 == impact or impact >= 2 or mood == angry "typed"
initial state open {
  on go when impact <= 2 -> closed do set urgency = 1
  on go when impact == 3 -> closed
}
final state closed
)"));
  EXPECT_THAT(diagnostics, IsEmpty());
}

TEST(NumericEnum, ANumberThatIsNoValueOrArithmeticIsReported) {
  auto diagnostics = check_text(incident(R"(require impact == 4 "no such value" require impact + 1 > 2 "no arithmetic"
require impact == urgency "two enums"
initial state open { on done -> closed }
final state closed
)"));
  EXPECT_THAT(diagnostics,
              UnorderedElementsAre(AllOf(Diag("E010", 7, 19), Message("undefined value `4` of `impact`"),
                                         Help("expected one of: `1` `2` `3`")),
                                   AllOf(Diag("E012", 7, 45), Message("cannot apply `+` to `impact` (enum)")),
                                   AllOf(Diag("E012", 8, 9), Message("cannot compare `impact` (enum)"))));
}

TEST(NumericEnum, NamedEnumsStayUnordered) {
  auto diagnostics = check_text(incident(R"(field mood: enum(calm, angry) = calm
require mood < angry "no order"
initial state open { on done -> closed }
final state closed
)"));
  EXPECT_THAT(diagnostics, ElementsAre(AllOf(Diag("E012", 8, 9), Message("`<` needs numbers"))));
}

TEST(NumericEnum, ValuesMustBeWholeNumbersOfOneKindInIncreasingOrder) {
  auto diagnostics = check_text(incident(R"(field a: enum(1, high) required
field b: enum(3, 2, 1) required
field c: enum(1, 1.5, 02) required
initial state open { on done -> closed }
final state closed
)"));
  EXPECT_THAT(diagnostics,
              UnorderedElementsAre(
                  AllOf(Diag("E045", 7, 18), Message("enum `a` mixes names and numbers: `1` and `high`")),
                  AllOf(Diag("E045", 8, 18), Message("enum values of `b` must increase: `2` follows `3`")),
                  AllOf(Diag("E045", 8, 21), Message("`1` follows `2`")),
                  AllOf(Diag("E045", 9, 18), Message("enum value `1.5` of `c` is not a whole number")),
                  AllOf(Diag("E045", 9, 23), Message("enum value `02` of `c` has a leading zero"), Help("`2`"))));
}

TEST(NumericEnum, CompiledValuesKeepTheirTextAndLabels) {
  auto w = compile_text(incident(R"(initial state open {
  on go when 1 == impact -> closed do set urgency = 2
  on go when impact >= 2 -> closed
}
final state closed
)"));
  ASSERT_TRUE(w);
  const engine::Field& impact = w->fields()[0];
  EXPECT_THAT(impact.enum_values, ElementsAre("1", "2", "3"));
  EXPECT_THAT(impact.enum_labels, ElementsAre("高", "中", "低"));
  EXPECT_THAT(w->fields()[1].enum_labels, ElementsAre("", "", ""));
  // The default is the enum value `3`, not the number 3.
  ASSERT_TRUE(w->fields()[1].default_value);
  engine::EvalResult urgency = engine::evaluate(*w->fields()[1].default_value, {}, 0);
  ASSERT_TRUE(urgency.ok());
  EXPECT_EQ(urgency.value(), Value::enumerator(1, 2));

  const engine::Transition& first = w->transitions()[0];
  ASSERT_TRUE(first.guard);
  EXPECT_EQ(first.guard->text(), "1 == impact");
  std::vector<Value> fields = {Value::enumerator(0, 0), Value()};
  EXPECT_EQ(engine::evaluate_condition(*first.guard, {fields, {}}, 0), true);
  fields[0] = Value::enumerator(0, 1);
  EXPECT_EQ(engine::evaluate_condition(*first.guard, {fields, {}}, 0), false);
  EXPECT_EQ(engine::evaluate_condition(*w->transitions()[1].guard, {fields, {}}, 0), true);
}

TEST(NumericEnum, GuardsOrderedByNumberAreCheckedForOverlapExactly) {
  auto exclusive = check_text(incident(R"(initial state open {
  on go when impact <= 2 -> closed
  on go when impact == 3 -> closed
  on stop when impact > 1 and urgency in (1, 2) -> closed
  on stop when impact == 1 -> closed
}
final state closed
)"));
  EXPECT_THAT(exclusive, IsEmpty());

  auto overlapping = check_text(incident(R"(initial state open {
  on go when impact <= 2 -> closed
  on go when impact >= 2 -> closed
}
final state closed
)"));
  EXPECT_THAT(overlapping, ElementsAre(AllOf(Diag("E018", 9, 6), Message("can both fire"))));
}

TEST(NumericEnum, RulesNamingEveryNumberCoverTheEnum) {
  auto diagnostics = check_text(incident(R"(priority P2 {}
classify priority { P1 when impact == 1  P2 when impact in (2, 3) }
initial state open { on done -> closed do classify priority }
final state closed
)"));
  EXPECT_THAT(diagnostics, IsEmpty());
}

// ---------------------------------------------------------------- decision tables

TEST(DecisionTable, NumericEnumAxesAndResults) {
  auto w = compile_text(incident(R"(priority P2 {}
priority P3 {}
field band: enum(10, 20, 30)
classify priority by impact x urgency {
  columns 1, 2, 3
  1: P1 P1 P2
  2: P1 P2 P3
  3: P2 P3 P3
}
classify band by urgency x impact {
  1: 10 10 20
  2: 10 20 30
  3: 20 30 30
}
initial state open { on done -> closed do classify priority, classify band }
final state closed
)"));
  ASSERT_TRUE(w);
  const engine::Classification& priority = w->classifications()[0];
  ASSERT_EQ(priority.row_count, 3u);
  EXPECT_EQ(w->priorities()[priority.table[1 * 3 + 2]].name, "P3");
  const engine::Classification& band = w->classifications()[1];
  EXPECT_EQ(w->fields()[band.field].enum_values[band.table[0 * 3 + 2]], "20");
}

TEST(DecisionTable, BoolAndIntAxes) {
  auto w = compile_text(incident(R"(priority P2 {}
field vip: bool = false
field level: int range 1..3 required
classify priority by level x vip {
  columns true, false
  3: P2 P2
  1: P1 P1
  2: P1 P2
}
initial state open { on done -> closed do classify priority }
final state closed
)"));
  ASSERT_TRUE(w);
  const engine::Classification& table = w->classifications()[0];
  ASSERT_TRUE(table.is_table());
  EXPECT_EQ(table.row_count, 3u);
  EXPECT_EQ(table.column_count, 2u);
  // Rows of an int field are in the order written; false and true are 0 and 1.
  EXPECT_EQ(table.row.numbers,
            (std::vector<Fixed>{*Fixed::from_integer(3), *Fixed::from_integer(1), *Fixed::from_integer(2)}));
  auto result = [&](int level, bool vip) {
    auto r = engine::table_position(table.row, Value::number(*Fixed::from_integer(level)));
    auto c = engine::table_position(table.column, Value::boolean(vip));
    EXPECT_TRUE(r && c);
    return w->priorities()[table.table[*r * table.column_count + *c]].name;
  };
  EXPECT_EQ(result(2, true), "P1");
  EXPECT_EQ(result(2, false), "P2");
  EXPECT_EQ(result(3, true), "P2");
  EXPECT_FALSE(engine::table_position(table.row, Value::number(*Fixed::from_integer(4))));
}

TEST(DecisionTable, HeadersAreCheckedAgainstTheFieldType) {
  auto diagnostics = check_text(incident(R"(field vip: bool = false
field level: int range 1..3 required
field note: text
classify priority by vip x level {
  columns 1, 2, high
  true: P1 P1 P1
  yes: P1 P1 P1
}
classify category by level x impact {
  1: general general general
  4: general general general
}
initial state open { on done -> closed do classify priority, set note = "x" }
final state closed
)"));
  EXPECT_THAT(diagnostics,
              UnorderedElementsAre(
                  AllOf(Diag("E028", 11, 17), Message("unknown column `high`: `level` is int")),
                  AllOf(Diag("W010", 11, 11), Message("has no column for `level` `3`")),
                  AllOf(Diag("E028", 13, 3), Message("unknown row `yes`: `vip` is bool"), Help("`true` or `false`")),
                  AllOf(Diag("E021", 10, 10), Message("no row for `vip` `false`")),
                  AllOf(Diag("E028", 17, 3), Message("row `4` is outside the range of `level` (1..3)")),
                  AllOf(Diag("W010", 15, 10), Message("has no row for `level` `2`, `3`"))));
}

TEST(DecisionTable, OtherFieldTypesAndUnlistedColumnsAreRefused) {
  auto diagnostics = check_text(incident(R"(field level: int
field note: text
classify priority by note x level {
  x: P1
}
initial state open { on done -> closed do classify priority, set note = "x", set level = 1 }
final state closed
)"));
  EXPECT_THAT(
      diagnostics,
      UnorderedElementsAre(AllOf(Diag("E028", 9, 22), Message("row field `note` is text, not an enum, bool or int")),
                           AllOf(Diag("E028", 9, 29), Message("needs a `columns` line: `level` is int"))));
}

TEST(DecisionTable, AnIntAxisWithoutARangeIsWarnedAbout) {
  auto diagnostics = check_text(incident(R"(field level: int required
classify priority by level x impact {
  1: P1 P1 P1
}
initial state open { on done -> closed do classify priority }
final state closed
)"));
  EXPECT_THAT(diagnostics, ElementsAre(AllOf(Diag("W010", 8, 10), Message("`level`, which has no range"),
                                             Help("refused when `priority` is classified"))));
}

// ---------------------------------------------------------------- is set

TEST(IsSet, ParsesAfterAnyOperandAndRendersAsWritten) {
  auto w = compile_text(incident(R"(field code: enum(solved, workaround)
field note: text
category other { route desk when note is not set }
require code is set when state == closed "a code"
chain lead { level one: any of agent }
approval when priority is not set: lead
approval otherwise: none
priority P2 {}
classify priority { P2 when assignee is set  P1 otherwise }
initial state open {
  on done when code is set and not (note is set) -> closed
  on done when code is not set -> open
  after 1h when urgency is set do classify priority
}
final state closed
)"));
  ASSERT_TRUE(w);
  // `not (note is set)` and `note is not set` are one and the same.
  EXPECT_EQ(w->transitions()[0].guard->text(), "code is set and note is not set");
  EXPECT_EQ(w->transitions()[1].guard->text(), "code is not set");
  EXPECT_EQ(w->constraints()[0].condition.text(), "code is set");
  EXPECT_EQ(w->categories()[1].routes[0].condition->text(), "note is not set");
  EXPECT_EQ(w->approvals()[0].condition->text(), "priority is not set");
  EXPECT_EQ(w->classifications()[0].rules[0].condition->text(), "assignee is set");
  EXPECT_EQ(w->timers()[0].guard->text(), "urgency is set");
  EXPECT_EQ(w->transitions()[0].guard->type(), engine::ValueType::kBool);
}

TEST(IsSet, NeedsAnOptionalFieldOrAnAttributeThatMayBeUnset) {
  auto diagnostics = check_text(incident(R"(field amount: money
require impact is set and state is set and amount + 1 is set and nothing is set "x"
initial state open { on done -> closed }
final state closed
)"));
  EXPECT_THAT(diagnostics,
              UnorderedElementsAre(AllOf(Diag("E046", 8, 9), Message("`impact` is required, so it is always set")),
                                   AllOf(Diag("E046", 8, 27), Message("`state` is kept by the engine")),
                                   AllOf(Diag("E046", 8, 44), Message("`is set` tests a field, not number")),
                                   AllOf(Diag("E010", 8, 66), Message("undefined field `nothing`"))));
}

TEST(IsSet, AMissingSetIsASyntaxError) {
  SourceSet sources;
  Diagnostics diagnostics;
  EXPECT_FALSE(load_text("t.docket", incident("require impact is sett \"x\"\n"), sources, diagnostics));
  ASSERT_EQ(diagnostics.items().size(), 1u);
  EXPECT_EQ(diagnostics.items()[0].code, "E001");
  EXPECT_THAT(diagnostics.items()[0].message, HasSubstr("expected `set` or `not set` after `is`, got `sett`"));
}

// ---------------------------------------------------------------- priorities

TEST(PriorityWithoutLimits, IsAllowedAlongsideOthersAndInAWorkflowWithoutAny) {
  auto none_anywhere = check_text(incident("initial state open { on done -> closed }\nfinal state closed\n"));
  EXPECT_THAT(none_anywhere, IsEmpty());

  auto mixed = check_text(incident(R"(priority P2 { first_response 1h resolve 4h warn at 80% }
initial state open { on done -> closed do stop resolve }
final state closed
)"));
  EXPECT_THAT(mixed, IsEmpty());
}

TEST(PriorityWithoutLimits, WarningsWithNothingToWarnOnAndForgottenMetricsAreReported) {
  auto diagnostics = check_text(incident(R"(priority P2 { warn at 50%, 80% }
priority P3 { first_response 1h resolve 4h }
priority P4 { first_response 4h }
initial state open { on done -> closed do stop resolve }
final state closed
)"));
  EXPECT_THAT(diagnostics, UnorderedElementsAre(
                               AllOf(Diag("W009", 7, 23), Message("`warn at` of priority `P2` has no time limit"),
                                     Help("or remove `warn at`")),
                               AllOf(Diag("W009", 9, 10), Message("priority `P4` has no `resolve` limit, unlike `P3`"),
                                     Help("`stop resolve` at 10:48 does nothing for its tickets"))));

  // A metric no rule starts, stops, pauses, resumes or extends is only the
  // priorities' business: measuring it under some of them is no mistake.
  auto unnamed = check_text(incident(R"(priority P3 { first_response 1h resolve 4h }
priority P4 { first_response 4h }
initial state open { on done -> closed do stop first_response }
final state closed
)"));
  EXPECT_THAT(unnamed, IsEmpty());
}

}  // namespace
}  // namespace docket::dsl
