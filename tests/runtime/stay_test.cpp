// Stays (an `on EVENT` without a target) and group transitions in the
// engine: a stay changes fields without leaving the state, also in a final
// state; a group's transition runs in each of its states and cites the
// group's line.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/runtime/migration.h"
#include "tests/support/engine_harness.h"

namespace docket::engine::testing {
namespace {

constexpr const char* kDesk = R"(workflow desk
field impact: enum(low, high) = low
field note: text
department desk { roles handler }
category general -> desk
priority normal { resolve 24h }
group open (investigating, extended) {
  on reassessed by handler do set impact = high
  on withdrawn -> withdrawn
}
initial state investigating {
  on enter do notify handler "entered"
  on exit do notify handler "left"
  after 2h do notify handler "two_hours"
  on recheck -> investigating
  on extend -> extended
  on decided -> closed
}
state extended { on decided -> closed }
final state closed { on noted by handler do set note = "late" }
final state withdrawn
)";

Actor handler() { return actor("wu", {"handler"}); }

class StayTest : public ::testing::Test {
 protected:
  StayTest() : h(compile_rules(kDesk, "desk.docket")) {}

  void SetUp() override { ASSERT_TRUE(h.create(kMonday, "T-1", handler(), {}).accepted); }

  // The actions of the last record, as the journal quotes them.
  std::vector<std::string> last_actions() const {
    std::vector<std::string> out;
    for (const Effect& effect : h.records().back().effects) out.push_back(effect.action);
    return out;
  }

  Harness h;
};

TEST_F(StayTest, AStayRunsItsActionsWithoutLeaving) {
  Outcome stayed = h.send(kMonday + kHour, "T-1", "reassessed", handler(), {text("note", "call back")});
  ASSERT_TRUE(stayed.accepted) << stayed.reason;
  EXPECT_EQ(stayed.state, "investigating");
  const Record& record = h.records().back();
  EXPECT_EQ(record.kind, RecordKind::kTransition);
  EXPECT_EQ(record.cause, Cause::kEvent);
  EXPECT_EQ(record.from, "investigating");
  EXPECT_EQ(record.to, "investigating");
  EXPECT_EQ(record.rule.where, "desk.docket:8");  // where the group writes it
  ASSERT_EQ(record.changes.size(), 2u);           // the event's data, then the action
  EXPECT_EQ(record.changes[0].field, "note");
  EXPECT_EQ(record.changes[1].field, "impact");
  EXPECT_EQ(record.changes[1].after_text, "high");
  EXPECT_THAT(last_actions(), ::testing::ElementsAre("set impact = high"));  // no exit, no entry
  EXPECT_EQ(h.ticket("T-1").entered_at, kMonday);
}

// The timer of `after 2h` counts from the entry, which a stay is not.
TEST_F(StayTest, TimersKeepRunningThroughAStay) {
  ASSERT_TRUE(h.send(kMonday + kHour, "T-1", "reassessed", handler()).accepted);
  h.advance_to(kMonday + 2 * kHour);
  std::vector<Record> timers = h.records_of(RecordKind::kTimer);
  ASSERT_EQ(timers.size(), 1u);
  EXPECT_EQ(timers[0].at, kMonday + 2 * kHour);
}

// For contrast: `-> investigating` leaves and enters again, and the timer restarts.
TEST_F(StayTest, ATransitionBackIntoTheStateReentersIt) {
  ASSERT_TRUE(h.send(kMonday + kHour, "T-1", "recheck", handler()).accepted);
  EXPECT_THAT(last_actions(), ::testing::ElementsAre("notify handler \"left\"", "notify handler \"entered\""));
  h.advance_to(kMonday + 2 * kHour);
  EXPECT_TRUE(h.records_of(RecordKind::kTimer).empty());
  h.advance_to(kMonday + 3 * kHour);
  EXPECT_EQ(h.records_of(RecordKind::kTimer).size(), 1u);
}

TEST_F(StayTest, AFinalStateMayRecordAStay) {
  ASSERT_EQ(h.send(kMonday + kHour, "T-1", "decided", handler()).state, "closed");
  Outcome noted = h.send(kMonday + 2 * kHour, "T-1", "noted", handler());
  ASSERT_TRUE(noted.accepted) << noted.reason;
  EXPECT_EQ(noted.state, "closed");
  EXPECT_EQ(h.records().back().from, "closed");
  EXPECT_EQ(h.records().back().to, "closed");
  EXPECT_EQ(h.ticket("T-1").clocks[0].status, SlaClock::Status::kStopped);  // stopped on closing, and still
  // Only what the final state's rules say: nothing leaves it.
  Outcome reopened = h.send(kMonday + 3 * kHour, "T-1", "withdrawn", handler());
  EXPECT_FALSE(reopened.accepted);
  EXPECT_EQ(reopened.code, RejectionCode::kNoTransition);
}

TEST_F(StayTest, AStayChecksItsRoles) {
  Outcome refused = h.send(kMonday + kHour, "T-1", "reassessed", actor("li", {"customer"}));
  EXPECT_FALSE(refused.accepted);
  EXPECT_EQ(refused.code, RejectionCode::kRole);
  EXPECT_EQ(h.records().back().rule.where, "desk.docket:8");
}

TEST_F(StayTest, AGroupTransitionRunsInEachOfItsStates) {
  ASSERT_EQ(h.send(kMonday + kHour, "T-1", "extend", handler()).state, "extended");
  ASSERT_TRUE(h.create(kMonday, "T-2", handler(), {}).accepted);
  EXPECT_EQ(h.send(kMonday + 2 * kHour, "T-1", "withdrawn", handler()).state, "withdrawn");
  EXPECT_EQ(h.send(kMonday + 2 * kHour, "T-2", "withdrawn", handler()).state, "withdrawn");
  std::vector<Record> withdrawals;
  for (const Record& record : h.records()) {
    if (record.event == "withdrawn") withdrawals.push_back(record);
  }
  ASSERT_EQ(withdrawals.size(), 2u);
  EXPECT_EQ(withdrawals[0].from, "extended");
  EXPECT_EQ(withdrawals[1].from, "investigating");
  EXPECT_EQ(withdrawals[0].rule.where, "desk.docket:9");
  EXPECT_EQ(withdrawals[1].rule.where, "desk.docket:9");
}

// A migration refuses to strand a ticket; a group's transition is a way out
// like any other.
TEST_F(StayTest, MigrationCountsAGroupsWayOut) {
  ASSERT_EQ(h.send(kMonday + kHour, "T-1", "extend", handler()).state, "extended");
  std::string text = kDesk;
  text.replace(text.find("state extended { on decided -> closed }"), 39, "state extended { }");
  std::shared_ptr<const Workflow> only_the_group = compile_rules(text, "desk.docket");
  ASSERT_TRUE(only_the_group);
  Result<Ticket> moved = migrate_ticket(h.ticket("T-1"), only_the_group, {});
  ASSERT_TRUE(moved.ok()) << moved.error();
  EXPECT_EQ(moved->state_name(), "extended");

  // Without the group's copies in `extended` (the checker would say E030), the ticket would be stranded.
  WorkflowDefinition definition = only_the_group->definition();
  StateIndex extended = *only_the_group->find_state("extended");
  std::erase_if(definition.transitions, [extended](const Transition& t) { return t.from == extended; });
  Workflow::BuildResult no_way_out = Workflow::build(std::move(definition));
  ASSERT_TRUE(no_way_out.workflow) << no_way_out.error;
  Result<Ticket> stranded = migrate_ticket(h.ticket("T-1"), no_way_out.workflow, {});
  EXPECT_THAT(stranded.error(), ::testing::HasSubstr("would be stranded in state `extended`"));
}

}  // namespace
}  // namespace docket::engine::testing
