// The engine with enum values written as numbers, decision tables over bool
// and int fields, `is set`, and priorities without time limits.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/engine_harness.h"

namespace docket::engine::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr const char* kIncident = R"(workflow incident
field impact "影响": enum(1 "高", 2 "中", 3 "低") required
field urgency "紧急度": enum(1 "高", 2 "中", 3 "低") = 3
field level "等级": int range 1..5
field vip "大客户": bool = false
field code "解决代码": enum(solved, workaround)
department desk { roles agent }
category general -> desk
priority P1 { first_response 1h resolve 4h warn at 50% }
priority P2 {}
priority P3 {}
classify priority by impact x urgency {
  1: P1 P1 P2
  2: P1 P2 P3
  3: P2 P3 P3
}
classify category by level x vip {
  columns true, false
  1: general general
  2: general general
}
require code is set when state == done "a resolved incident needs its code"
initial state open {
  on enter do classify priority
  on reassessed -> open
  on sorted -> open do classify category
  on solve when code is set -> done do stop first_response, stop resolve
  on solve when code is not set -> waiting
}
state waiting { on solve -> done do stop first_response, stop resolve }
final state done
)";

Actor agent() { return actor("li", {"agent"}); }

std::string change_text(const Record& record, const std::string& field) {
  for (const Change& change : record.changes) {
    if (change.field == field) return change.after_text;
  }
  return "<none>";
}

TEST(NumericEnumValues, ComeAsNumbersOrTextAndAreWrittenAsTheRulesWriteThem) {
  Harness h(compile_rules(kIncident));
  Outcome created = h.create(kMonday, "INC-1", agent(), {number("impact", 1), text("urgency", "2")});
  ASSERT_TRUE(created.accepted) << created.reason;
  const Ticket& ticket = h.ticket("INC-1");
  EXPECT_EQ(h.workflow().format_value(ticket.fields[0]), "1");
  EXPECT_EQ(h.workflow().format_value(ticket.fields[1]), "2");
  EXPECT_EQ(change_text(h.records().front(), "impact"), "1");
  EXPECT_EQ(change_text(h.records().front(), "priority"), "P1");

  // A number with decimals that is a whole number is that number.
  Outcome decimal = h.send(kMonday + kMinute, "INC-1", "reassessed", agent(), {money("impact", "3.00")});
  ASSERT_TRUE(decimal.accepted) << decimal.reason;
  EXPECT_EQ(h.workflow().format_value(h.ticket("INC-1").fields[0]), "3");

  Outcome unknown = h.send(kMonday + 2 * kMinute, "INC-1", "reassessed", agent(), {number("impact", 4)});
  EXPECT_FALSE(unknown.accepted);
  EXPECT_EQ(unknown.code, RejectionCode::kInvalidData);
  EXPECT_THAT(unknown.reason, HasSubstr("expects one of 1, 2, 3, got 4"));
  Outcome fraction = h.send(kMonday + 3 * kMinute, "INC-1", "reassessed", agent(), {money("impact", "1.5")});
  EXPECT_FALSE(fraction.accepted);
}

TEST(NumericEnumValues, DecideTheImpactUrgencyTable) {
  Harness h(compile_rules(kIncident));
  ASSERT_TRUE(h.create(kMonday, "A", agent(), {number("impact", 2), number("urgency", 3)}).accepted);
  ASSERT_TRUE(h.create(kMonday, "B", agent(), {text("impact", "1"), text("urgency", "1")}).accepted);
  auto priority = [&](const std::string& id) { return h.workflow().priorities()[*h.ticket(id).priority()].name; };
  EXPECT_EQ(priority("A"), "P3");
  EXPECT_EQ(priority("B"), "P1");
}

TEST(IntTable, AValueTheTableDoesNotListRefusesTheEvent) {
  Harness h(compile_rules(kIncident));
  ASSERT_TRUE(h.create(kMonday, "T", agent(), {number("impact", 3), number("level", 2)}).accepted);
  Outcome listed = h.send(kMonday + kMinute, "T", "sorted", agent(), {boolean("vip", true)});
  EXPECT_TRUE(listed.accepted) << listed.reason;

  Outcome unlisted = h.send(kMonday + 2 * kMinute, "T", "sorted", agent(), {number("level", 4)});
  EXPECT_FALSE(unlisted.accepted);
  EXPECT_EQ(unlisted.code, RejectionCode::kActionFailed);
  EXPECT_THAT(unlisted.reason, HasSubstr("classify category: no table cell for level x vip: 4, true"));
  // Nothing of the refused event was applied.
  EXPECT_EQ(h.workflow().format_value(h.ticket("T").fields[2]), "2");

  Outcome unset = h.send(kMonday + 3 * kMinute, "T", "sorted", agent(), {{"level", FieldInput::null()}});
  EXPECT_FALSE(unset.accepted);
  EXPECT_THAT(unset.reason, HasSubstr("`level` has no value"));
}

TEST(IsSet, TestsOptionalFieldsWithoutFailingOnTheMissingValue) {
  Harness h(compile_rules(kIncident));
  ASSERT_TRUE(h.create(kMonday, "W", agent(), {number("impact", 3)}).accepted);
  Outcome without = h.send(kMonday + kMinute, "W", "solve", agent());
  ASSERT_TRUE(without.accepted) << without.reason;
  EXPECT_EQ(without.state, "waiting");

  ASSERT_TRUE(h.create(kMonday, "D", agent(), {number("impact", 3)}).accepted);
  Outcome with = h.send(kMonday + kMinute, "D", "solve", agent(), {text("code", "solved")});
  ASSERT_TRUE(with.accepted) << with.reason;
  EXPECT_EQ(with.state, "done");
}

TEST(IsSet, RequireRefusesAStateWithoutTheOptionalField) {
  Harness h(compile_rules(kIncident));
  ASSERT_TRUE(h.create(kMonday, "W", agent(), {number("impact", 3)}).accepted);
  ASSERT_TRUE(h.send(kMonday + kMinute, "W", "solve", agent()).accepted);
  Outcome refused = h.send(kMonday + 2 * kMinute, "W", "solve", agent());
  EXPECT_FALSE(refused.accepted);
  EXPECT_EQ(refused.code, RejectionCode::kConstraint);
  EXPECT_EQ(refused.reason, "a resolved incident needs its code");
  Outcome accepted = h.send(kMonday + 3 * kMinute, "W", "solve", agent(), {text("code", "workaround")});
  EXPECT_TRUE(accepted.accepted) << accepted.reason;
}

TEST(PriorityWithoutLimits, ItsTicketsAreNeitherMetNorBreached) {
  Harness h(compile_rules(kIncident));
  ASSERT_TRUE(h.create(kMonday, "P3", agent(), {number("impact", 3), number("urgency", 3)}).accepted);
  ASSERT_TRUE(h.create(kMonday, "P1", agent(), {number("impact", 1), number("urgency", 1)}).accepted);
  h.advance_to(kMonday + 2 * kDay);
  EXPECT_THAT(h.records_of(RecordKind::kWarning, "P3"), IsEmpty());
  EXPECT_THAT(h.records_of(RecordKind::kBreach, "P3"), IsEmpty());
  EXPECT_FALSE(h.records_of(RecordKind::kBreach, "P1").empty());

  ASSERT_TRUE(h.send(kMonday + 2 * kDay, "P3", "solve", agent(), {text("code", "solved")}).accepted);
  const Record& solved = h.records().back();
  ASSERT_EQ(solved.ticket, "P3");
  int stopped = 0;
  for (const Effect& effect : solved.effects) {
    if (effect.kind != EffectKind::kClock) continue;
    EXPECT_EQ(effect.clock, ClockChange::kStopped) << effect.target;
    EXPECT_EQ(effect.value, "stopped");
    ++stopped;
  }
  EXPECT_EQ(stopped, 2);
}

}  // namespace
}  // namespace docket::engine::testing
