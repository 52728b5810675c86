// Regressions of SLA clocks: a step that moves a ticket to a stricter
// priority makes the thresholds the measured time has already passed due at
// once. A clock the same step stops must get no warning, escalation or breach
// record after the record that stopped it (the stop's effect says whether the
// limit was met or breached); one it pauses gets them only once it runs again.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/engine_harness.h"

namespace docket::engine::testing {
namespace {

using ::testing::ElementsAre;

// "transition answered | classify priority urgent; clock first_response
// stopped: breached, 3h of 2h", "warning first_response 50%": a record as
// these tests compare it.
std::string render(const Record& record) {
  std::string text = to_string(record.kind);
  if (!record.event.empty()) text += " " + record.event;
  if (record.sla) text += " " + record.sla->metric + " " + std::to_string(static_cast<int>(record.sla->percent)) + "%";
  for (std::size_t i = 0; i < record.effects.size(); ++i) {
    const Effect& effect = record.effects[i];
    text += (i == 0 ? " | " : "; ") + std::string(to_string(effect.kind));
    if (!effect.target.empty()) text += " " + effect.target;
    if (!effect.value.empty()) text += " " + effect.value;
  }
  return text;
}

// The records from seq `first` on, rendered.
std::vector<std::string> since(const Harness& h, std::uint64_t first) {
  std::vector<std::string> lines;
  for (const Record& record : h.records()) {
    if (record.seq >= first) lines.push_back(render(record));
  }
  return lines;
}

// The urgent limit is 2h, the normal one 24h: a ticket reclassified as
// urgent after 3h has passed every urgent threshold.
constexpr const char* kRules = R"(workflow reclassify version "1"
department desk { roles agent, lead }
field severity: enum(critical, minor) = minor
priority urgent {
  first_response 2h
  warn at 50%, 75%
  at 75% of first_response do notify lead "late"
}
priority normal { first_response 24h }
classify priority {
  urgent when severity == critical
  normal otherwise
}
initial state open {
  on enter do classify priority
  on answered -> working do classify priority, stop first_response
  on answered_urgent -> working do set priority = urgent, stop first_response
  on answered_first -> working do stop first_response, classify priority
  on held -> waiting do classify priority, pause first_response
  on withdrawn -> closed do classify priority
  on triaged -> triage do classify priority
  on reviewed -> working do classify priority
}
state triage {
  auto -> working do stop first_response
}
state waiting {
  on back -> working do resume first_response
}
state working {
  on done -> closed
}
final state closed
)";

constexpr std::int64_t kStep = kMonday + 3 * kHour;

// A ticket of kRules, normal since kMonday, gets `event` at kStep; the
// seq of the step's first record.
std::uint64_t step(Harness& h, const std::string& event, std::vector<DataItem> data = {text("severity", "critical")}) {
  EXPECT_TRUE(h.create(kMonday, "R-1", actor("a", {"agent"}), {}).accepted);
  Outcome outcome = h.send(kStep, "R-1", event, actor("a", {"agent"}), std::move(data));
  EXPECT_TRUE(outcome.accepted) << outcome.reason;
  return outcome.first_seq;
}

TEST(SlaRegression, ReclassifyAndStopInOneStepFiresNoMarkOfTheStoppedClock) {
  // As reported: the shipped complaint rules, a `general` complaint (24h)
  // found critical (`urgent`, 2h) when it is recorded 3h after receipt.
  Harness h(shipped_rules("complaint_handling.docket"));
  Actor receptionist = actor("zhou", {"receptionist"});
  ASSERT_TRUE(h.create(kMonday, "C-1", receptionist,
                       {text("customer", "C-7"), text("contact", "wx:c7"), text("channel", "phone"),
                        text("complaint_time", "2026-11-23T08:00:00Z"), text("content", "it broke"),
                        text("requested_outcome", "refund"), text("issue", "defect")})
                  .accepted);
  Outcome recorded = h.send(kMonday + 3 * kHour, "C-1", "recorded", receptionist, {text("severity", "critical")});
  ASSERT_TRUE(recorded.accepted) << recorded.reason;
  h.advance_to(kMonday + 2 * kDay);

  EXPECT_THAT(since(h, recorded.first_seq),
              ElementsAre("transition recorded | classify category quality; classify priority urgent; clock "
                          "first_response stopped: breached, 3h of 2h; notify customer first_reply; assign "
                          "customer_service.complaint_supervisor"));
  EXPECT_TRUE(h.ticket("C-1").clocks[*h.workflow().find_metric("first_response")].breached);
}

TEST(SlaRegression, SetPriorityThenStopInOneStepFiresNoMark) {
  Harness h(compile_rules(kRules));
  std::uint64_t first = step(h, "answered_urgent", {});
  h.advance_to(kMonday + 2 * kDay);
  EXPECT_THAT(since(h, first), ElementsAre("transition answered_urgent | set priority urgent; clock first_response "
                                           "stopped: breached, 3h of 2h"));
}

TEST(SlaRegression, StopThenReclassifyInOneStepFiresNoMark) {
  // Stopped under the old limit: met; the new one does not apply to it.
  Harness h(compile_rules(kRules));
  std::uint64_t first = step(h, "answered_first");
  h.advance_to(kMonday + 2 * kDay);
  EXPECT_THAT(since(h, first), ElementsAre("transition answered_first | clock first_response stopped: met, 3h of "
                                           "24h; classify priority urgent"));
}

TEST(SlaRegression, ReclassifyThenStopInAnAutomaticTransitionOfTheSameUnitFiresNoMark) {
  Harness h(compile_rules(kRules));
  std::uint64_t first = step(h, "triaged");
  h.advance_to(kMonday + 2 * kDay);
  EXPECT_THAT(since(h, first), ElementsAre("transition triaged | classify priority urgent",
                                           "transition triaged | clock first_response stopped: breached, 3h of 2h"));
}

TEST(SlaRegression, ReclassifyIntoAFinalStateFiresNoMarkOfTheClockItStops) {
  Harness h(compile_rules(kRules));
  std::uint64_t first = step(h, "withdrawn");
  h.advance_to(kMonday + 2 * kDay);
  EXPECT_THAT(since(h, first), ElementsAre("transition withdrawn | classify priority urgent; clock first_response "
                                           "stopped: breached, 3h of 2h"));
}

TEST(SlaRegression, ReclassifyAndPauseInOneStepFiresTheMarksOnlyWhenTheClockRunsAgain) {
  Harness h(compile_rules(kRules));
  std::uint64_t first = step(h, "held");
  h.advance_to(kMonday + 2 * kDay);
  EXPECT_THAT(since(h, first), ElementsAre("transition held | classify priority urgent; clock first_response paused"));

  // Resumed, the clock has used 3h of its 2h: every threshold is past, and
  // each record says when it was due.
  std::int64_t back = kMonday + 2 * kDay + kHour;
  Outcome resumed = h.send(back, "R-1", "back", actor("a", {"agent"}));
  ASSERT_TRUE(resumed.accepted) << resumed.reason;
  EXPECT_THAT(since(h, resumed.first_seq),
              ElementsAre("transition back | clock first_response resumed", "warning first_response 50%",
                          "warning first_response 75%", "escalation first_response 75% | notify lead late",
                          "breach first_response 100%"));
  std::vector<Record> breach = h.records_of(RecordKind::kBreach);
  ASSERT_EQ(breach.size(), 1u);
  EXPECT_EQ(breach[0].at, back);
  EXPECT_EQ(breach[0].sla->due, kMonday + 2 * kHour);
}

TEST(SlaRegression, ReclassifyWithoutStoppingFiresThePassedMarksRightAfterTheStep) {
  // The clock still runs: the thresholds the new limit puts in the past are
  // due now, after the record that set the priority.
  Harness h(compile_rules(kRules));
  std::uint64_t first = step(h, "reviewed");
  EXPECT_THAT(since(h, first),
              ElementsAre("transition reviewed | classify priority urgent", "warning first_response 50%",
                          "warning first_response 75%", "escalation first_response 75% | notify lead late",
                          "breach first_response 100%"));
}

}  // namespace
}  // namespace docket::engine::testing
