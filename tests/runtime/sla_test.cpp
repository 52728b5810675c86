#include "engine/runtime/sla.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/engine_harness.h"

namespace docket::engine::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct Mark {
  RecordKind kind;
  std::int64_t at;
  double percent;
  friend bool operator==(const Mark&, const Mark&) = default;
  friend std::ostream& operator<<(std::ostream& os, const Mark& m) {
    return os << to_string(m.kind) << "@" << m.at << "/" << m.percent;
  }
};

// The SLA records of `metric`, relative to `origin`.
std::vector<Mark> marks(const Harness& h, const std::string& metric, std::int64_t origin) {
  std::vector<Mark> found;
  for (const Record& record : h.records()) {
    if (record.sla && record.sla->metric == metric)
      found.push_back({record.kind, record.at - origin, record.sla->percent});
  }
  return found;
}

// Timer records that notify `message`, relative to `origin`.
std::vector<std::int64_t> notices(const Harness& h, const std::string& message, std::int64_t origin) {
  std::vector<std::int64_t> times;
  for (const Record& record : h.records()) {
    if (record.kind != RecordKind::kTimer) continue;
    for (const Effect& effect : record.effects) {
      if (effect.kind == EffectKind::kNotify && effect.value == message) times.push_back(record.at - origin);
    }
  }
  return times;
}

// An after_sales ticket created at kMonday and classified ten minutes later.
void classified(Harness& h, const char* impact, const char* urgency, std::int64_t delay = 10 * kMinute) {
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form()).accepted);
  ASSERT_TRUE(
      h.send(kMonday + delay / 2, "T-1", "registered", intake(), {boolean("problem_confirmed", true)}).accepted);
  Outcome outcome = h.send(kMonday + delay, "T-1", "classified", intake(),
                           {text("problem_type", "fault"), text("impact", impact), text("urgency", urgency)});
  ASSERT_TRUE(outcome.accepted) << outcome.reason;
}

// Continues a classified after_sales fault to `executing` at `at` (P1/P2 only: no approval vote).
void executing(Harness& h, std::int64_t at) {
  ASSERT_TRUE(h.send(at - 1, "T-1", "accepted", engineer()).accepted);
  ASSERT_TRUE(h.send(at, "T-1", "proposed", engineer(), {text("remedy", "repair")}).accepted);
  if (h.state("T-1") == "approving") {
    ASSERT_TRUE(h.send(at, "T-1", "approve", actor("wang", {"supervisor"})).accepted);
  }
  ASSERT_EQ(h.state("T-1"), "executing");
}

// ---------------------------------------------------------------- limits, warnings, breaches

TEST(SlaTest, FirstResponseMetWithWarningsAtTheExactTimes) {
  Harness h(shipped_rules("after_sales.docket"));
  classified(h, "function", "medium");  // P1: first response 4 h, warnings at 50% and 80%
  Outcome accepted = h.send(kMonday + 3 * kHour + 30 * kMinute, "T-1", "accepted", engineer());
  ASSERT_TRUE(accepted.accepted) << accepted.reason;

  EXPECT_THAT(
      marks(h, "first_response", kMonday),
      ElementsAre(Mark{RecordKind::kWarning, 2 * kHour, 50}, Mark{RecordKind::kWarning, 3 * kHour + 12 * kMinute, 80}));
  Record warning = h.records_of(RecordKind::kWarning).front();
  EXPECT_EQ(warning.sla->priority, "P1");
  EXPECT_EQ(warning.sla->limit_seconds, 4 * kHour);
  EXPECT_EQ(warning.sla->due, kMonday + 2 * kHour);
  EXPECT_EQ(warning.rule.where, shipped_line("after_sales.docket", "first_response 4h"));
  EXPECT_EQ(warning.cause, Cause::kSla);
  EXPECT_EQ(warning.from, "dispatched");

  const Record& stop = h.records().back();
  ASSERT_FALSE(stop.effects.empty());
  EXPECT_EQ(stop.effects[0].kind, EffectKind::kClock);
  EXPECT_EQ(stop.effects[0].value, "stopped: met, 3h30m of 4h");
  EXPECT_EQ(h.ticket("T-1").clocks[*h.workflow().find_metric("first_response")].status, SlaClock::Status::kStopped);

  // Nothing more for the stopped clock.
  h.advance_to(kMonday + 5 * kHour);
  EXPECT_EQ(marks(h, "first_response", kMonday).size(), 2u);
}

TEST(SlaTest, FirstResponseBreachedEscalatesOnTheLadder) {
  Harness h(shipped_rules("after_sales.docket"));
  classified(h, "core", "high");  // P0: first response 1 h
  h.advance_to(kMonday + 90 * kMinute);
  EXPECT_THAT(marks(h, "first_response", kMonday),
              ElementsAre(Mark{RecordKind::kWarning, 30 * kMinute, 50}, Mark{RecordKind::kWarning, 48 * kMinute, 80},
                          Mark{RecordKind::kEscalation, 48 * kMinute, 80}, Mark{RecordKind::kBreach, kHour, 100},
                          Mark{RecordKind::kEscalation, kHour, 100}));
  std::vector<Record> escalations = h.records_of(RecordKind::kEscalation);
  ASSERT_EQ(escalations.size(), 2u);
  EXPECT_EQ(escalations[0].effects.at(0).kind, EffectKind::kEscalate);
  EXPECT_EQ(escalations[0].effects.at(0).target, "supervisor");
  EXPECT_EQ(escalations[0].rule.where, shipped_line("after_sales.docket", "at 80% of first_response"));
  EXPECT_EQ(escalations[1].effects.at(0).target, "dept_head");
  EXPECT_EQ(escalations[1].rule.where, shipped_line("after_sales.docket", "on breach of first_response"));

  Outcome late = h.send(kMonday + 2 * kHour, "T-1", "accepted", engineer());
  ASSERT_TRUE(late.accepted);
  EXPECT_THAT(h.records().back().effects.at(0).value, HasSubstr("stopped: breached, 2h of 1h"));
}

TEST(SlaTest, ThresholdsPassedBeforeClassificationFireAtOnceInOrder) {
  Harness h(shipped_rules("after_sales.docket"));
  classified(h, "core", "high", 50 * kMinute);  // P0 known only after 50 minutes
  EXPECT_THAT(marks(h, "first_response", kMonday),
              ElementsAre(Mark{RecordKind::kWarning, 50 * kMinute, 50}, Mark{RecordKind::kWarning, 50 * kMinute, 80},
                          Mark{RecordKind::kEscalation, 50 * kMinute, 80}));
  // Right after the classification, each with the time it was really due.
  std::vector<Record> warnings = h.records_of(RecordKind::kWarning);
  EXPECT_EQ(warnings[0].sla->due, kMonday + 30 * kMinute);
  EXPECT_EQ(warnings[1].sla->due, kMonday + 48 * kMinute);
  EXPECT_EQ(warnings[0].seq, h.records_of(RecordKind::kTransition).back().seq + 1);
}

TEST(SlaTest, ClocksCanStartWithTheFirstPriorityInstead) {
  Harness h(shipped_rules("after_sales.docket"),
            EngineOptions{.max_steps = 100, .sla_start = EngineOptions::SlaStart::kFirstPriority});
  classified(h, "core", "high", 50 * kMinute);
  h.advance_to(kMonday + 2 * kHour);
  EXPECT_THAT(marks(h, "first_response", kMonday + 50 * kMinute),
              ElementsAre(Mark{RecordKind::kWarning, 30 * kMinute, 50}, Mark{RecordKind::kWarning, 48 * kMinute, 80},
                          Mark{RecordKind::kEscalation, 48 * kMinute, 80}, Mark{RecordKind::kBreach, kHour, 100},
                          Mark{RecordKind::kEscalation, kHour, 100}));
}

// ---------------------------------------------------------------- business time

constexpr const char* kOffice = R"(workflow biz version "1"
department desk { roles agent }
calendar office {
  zone "Asia/Shanghai"
  hours mon-fri 09:00-12:00, 13:00-18:00
}
priority normal {
  resolve 5h in office
  warn at 50%
}
classify priority { normal otherwise }
initial state open {
  on enter do classify priority
  after 1h30m in office do notify agent "look_at_it"
  on done -> closed
}
final state closed
)";

TEST(SlaTest, LimitsInBusinessTimeSkipClosedHours) {
  Harness h(compile_rules(kOffice));
  // Monday 17:00 in Shanghai: one working hour left today, then lunch tomorrow.
  std::int64_t created = kMonday + 9 * kHour;
  ASSERT_TRUE(h.create(created, "B-1", actor("a", {"agent"}), {}).accepted);
  std::int64_t tuesday = kMonday + kDay;  // 08:00 in Shanghai
  // The timer: 17:00 + 1h30m of office time is Tuesday 09:30.
  EXPECT_EQ(h.engine.next_due(), tuesday + 90 * kMinute);
  h.advance_to(kMonday + 3 * kDay);
  // Warning after 2h30m business time (Tue 10:30), breach after 5h: 1h on
  // Monday, 3h on Tuesday morning, lunch, 1h in the afternoon (Tue 14:00).
  EXPECT_THAT(marks(h, "resolve", tuesday), ElementsAre(Mark{RecordKind::kWarning, 2 * kHour + 30 * kMinute, 50},
                                                        Mark{RecordKind::kBreach, 6 * kHour, 100}));
  EXPECT_EQ(h.records_of(RecordKind::kBreach)[0].sla->calendar, "office");
  EXPECT_THAT(notices(h, "look_at_it", tuesday), ElementsAre(90 * kMinute));

  Result<std::string> explained = h.engine.explain("B-1", "resolve");
  ASSERT_TRUE(explained.ok()) << explained.error();
  EXPECT_THAT(explained.value(), HasSubstr("`resolve` under normal, limit 5h in office"));
  EXPECT_THAT(explained.value(), HasSubstr("Asia/Shanghai"));
  EXPECT_THAT(explained.value(), HasSubstr("due Tue 2026-11-24 14:00"));
}

TEST(SlaTest, ShippedIntakeTimersCountOfficeHours) {
  Harness h(shipped_rules("after_sales.docket"));
  // Monday 08:00 in Shanghai, an hour before the office opens.
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form()).accepted);
  h.advance_to(kMonday + kDay);
  EXPECT_THAT(notices(h, "intake_due", kMonday), ElementsAre(2 * kHour + 30 * kMinute));  // 10:30
  std::vector<Record> timers = h.records_of(RecordKind::kTimer);
  ASSERT_EQ(timers.size(), 2u);
  EXPECT_EQ(timers[1].at, kMonday + 3 * kHour);  // 11:00: escalate to the complaint supervisor
  EXPECT_EQ(timers[1].effects.at(0).kind, EffectKind::kEscalate);
  EXPECT_EQ(timers[1].rule.where, shipped_line("after_sales.docket", "after 2h in office do escalate"));
  EXPECT_EQ(timers[1].cause, Cause::kTimer);
  EXPECT_EQ(timers[1].from, "registering");
  EXPECT_EQ(timers[1].to, "registering");
}

// ---------------------------------------------------------------- pauses

TEST(SlaTest, ResolveClockPausesWhileAwaitingTheCustomer) {
  Harness h(shipped_rules("after_sales.docket"));
  classified(h, "minor", "low");  // P2: resolve 72 h, warning at 80% (57h36m)
  executing(h, kMonday + kHour);
  ASSERT_TRUE(h.send(kMonday + 10 * kHour, "T-1", "resolved", engineer()).accepted);
  EXPECT_EQ(h.state("T-1"), "awaiting_confirmation");
  // The transition's notice first, then the pause on entering the state.
  const Record& paused = h.records().back();
  ASSERT_EQ(paused.effects.size(), 2u);
  EXPECT_EQ(paused.effects[0].value, "confirmation_request");
  EXPECT_EQ(paused.effects[1].action, "pause resolve on entering awaiting_confirmation");
  EXPECT_EQ(paused.effects[1].value, "paused");

  Result<std::string> explained = h.engine.explain("T-1", "resolve");
  ASSERT_TRUE(explained.ok());
  EXPECT_THAT(explained.value(), HasSubstr("paused since 2026-11-23T10:00:00Z, 10h of 72h used"));

  // Twenty hours later the customer says it is not solved: the clock runs again.
  ASSERT_TRUE(h.send(kMonday + 30 * kHour, "T-1", "not_solved", engineer()).accepted);
  EXPECT_EQ(h.records().back().effects.at(0).value, "resumed");
  h.advance_to(kMonday + 5 * kDay);
  std::vector<Mark> resolve = marks(h, "resolve", kMonday);
  ASSERT_GE(resolve.size(), 2u);
  EXPECT_EQ(resolve[0], (Mark{RecordKind::kWarning, 30 * kHour + 47 * kHour + 36 * kMinute, 80}));
  EXPECT_EQ(resolve[1], (Mark{RecordKind::kBreach, 30 * kHour + 62 * kHour, 100}));
}

// ---------------------------------------------------------------- raise priority

TEST(SlaTest, RaisingThePriorityKeepsTheTimeUsedAndAppliesTheNewLimits) {
  Harness h(compile_rules(R"(workflow raise version "1"
department desk { roles agent, lead }
priority urgent { resolve 2h }
priority normal {
  resolve 8h
  at 50% of resolve do raise priority, notify lead "raised"
}
classify priority { normal otherwise }
initial state open {
  on enter do classify priority
  on done -> closed
}
final state closed
)"));
  ASSERT_TRUE(h.create(kMonday, "R-1", actor("a", {"agent"}), {}).accepted);
  h.advance_to(kMonday + kDay);
  EXPECT_THAT(marks(h, "resolve", kMonday),
              ElementsAre(Mark{RecordKind::kEscalation, 4 * kHour, 50}, Mark{RecordKind::kBreach, 4 * kHour, 100}));
  Record escalation = h.records_of(RecordKind::kEscalation)[0];
  EXPECT_EQ(escalation.effects.at(0).kind, EffectKind::kRaisePriority);
  EXPECT_EQ(escalation.effects.at(0).value, "urgent");
  ASSERT_EQ(escalation.changes.size(), 1u);
  EXPECT_EQ(escalation.changes[0].before_text, "normal");
  EXPECT_EQ(escalation.changes[0].after_text, "urgent");
  Record breach = h.records_of(RecordKind::kBreach)[0];
  EXPECT_EQ(breach.sla->priority, "urgent");
  EXPECT_EQ(breach.sla->due, kMonday + 2 * kHour);
  EXPECT_EQ(h.workflow().priorities()[*h.ticket("R-1").priority()].name, "urgent");
}

// ---------------------------------------------------------------- timers

TEST(SlaTest, ProgressUpdatesEvery24HoursWhileExecutingOnly) {
  Harness h(shipped_rules("after_sales.docket"));
  classified(h, "minor", "low");
  std::int64_t entered = kMonday + kHour;
  executing(h, entered);
  h.advance_to(entered + 3 * kDay - 1);
  EXPECT_THAT(notices(h, "progress_update", entered), ElementsAre(kDay, 2 * kDay));
  ASSERT_TRUE(h.send(entered + 3 * kDay - 1, "T-1", "resolved", engineer()).accepted);
  h.advance_to(entered + 10 * kDay);
  EXPECT_THAT(notices(h, "progress_update", entered), ElementsAre(kDay, 2 * kDay));
}

TEST(SlaTest, SurveyGoesOut24HoursAfterResolution) {
  Harness h(shipped_rules("after_sales.docket"));
  classified(h, "minor", "low");
  executing(h, kMonday + kHour);
  ASSERT_TRUE(h.send(kMonday + 5 * kHour, "T-1", "resolved", engineer()).accepted);
  std::int64_t confirmed = kMonday + 6 * kHour;
  ASSERT_TRUE(h.send(confirmed, "T-1", "confirmed", engineer(), {text("confirmation", "signature")}).accepted);
  EXPECT_EQ(h.state("T-1"), "follow_up");
  // Resumed on leaving awaiting_confirmation, then stopped: 5 hours counted, the paused hour not.
  const Record& closing = h.records().back();
  ASSERT_EQ(closing.effects.size(), 2u);
  EXPECT_EQ(closing.effects[0].value, "resumed");
  EXPECT_EQ(closing.effects[1].action, "stop resolve");
  EXPECT_EQ(closing.effects[1].value, "stopped: met, 5h of 72h");
  h.advance_to(confirmed + 30 * kHour);
  EXPECT_THAT(notices(h, "satisfaction_survey", confirmed), ElementsAre(kDay));
  EXPECT_THAT(notices(h, "return_visit_call", confirmed), IsEmpty());
  h.advance_to(confirmed + 48 * kHour);
  EXPECT_THAT(notices(h, "return_visit_call", confirmed), ElementsAre(2 * kDay));
}

std::vector<DataItem> survey(int overall) {
  return {number("response_speed", 5), number("resolution_effect", 4), number("attitude", 5),
          number("overall", overall)};
}

TEST(SlaTest, HighScoreClosesWithThanks) {
  Harness h(shipped_rules("after_sales.docket"));
  classified(h, "minor", "low");
  executing(h, kMonday + kHour);
  ASSERT_TRUE(h.send(kMonday + 5 * kHour, "T-1", "resolved", engineer()).accepted);
  ASSERT_TRUE(h.send(kMonday + 6 * kHour, "T-1", "confirmed", engineer(), {text("confirmation", "written")}).accepted);
  Outcome answered = h.send(kMonday + 40 * kHour, "T-1", "survey", intake(), survey(4));
  ASSERT_TRUE(answered.accepted) << answered.reason;
  EXPECT_EQ(answered.state, "closed");
  EXPECT_EQ(h.with_effect(EffectKind::kNotify, "thank_you").size(), 1u);
  EXPECT_EQ(h.ticket("T-1").format("overall"), "4");
}

TEST(SlaTest, LowScoreGoesToTheComplaintSupervisor) {
  Harness h(shipped_rules("after_sales.docket"));
  classified(h, "minor", "low");
  executing(h, kMonday + kHour);
  ASSERT_TRUE(h.send(kMonday + 5 * kHour, "T-1", "resolved", engineer()).accepted);
  ASSERT_TRUE(h.send(kMonday + 6 * kHour, "T-1", "confirmed", engineer(), {text("confirmation", "written")}).accepted);
  Outcome answered = h.send(kMonday + 40 * kHour, "T-1", "survey", intake(), survey(3));
  ASSERT_TRUE(answered.accepted) << answered.reason;
  EXPECT_EQ(answered.state, "supervisor_review");
  EXPECT_EQ(assignment_text(h.workflow(), h.ticket("T-1").assignee), "customer_service.complaint_supervisor");
  EXPECT_EQ(h.with_effect(EffectKind::kNotify, "low_satisfaction").size(), 1u);
  EXPECT_TRUE(h.with_effect(EffectKind::kNotify, "thank_you").empty());

  Actor supervisor = actor("he", {"complaint_supervisor"});
  EXPECT_FALSE(h.send(kMonday + 50 * kHour, "T-1", "improvement_planned", supervisor).accepted);
  EXPECT_EQ(h.send(kMonday + 50 * kHour, "T-1", "improvement_planned", supervisor,
                   {text("improvement_plan", "call back within 2h")})
                .state,
            "closed");
}

TEST(SlaTest, TimersDueAtOneInstantFireByTicketId) {
  Harness h(shipped_rules("after_sales.docket"));
  for (const char* id : {"T-9", "T-10", "T-1"})
    ASSERT_TRUE(h.create(kMonday, id, intake(), after_sales_form()).accepted);
  h.advance_to(kMonday + kDay);
  std::vector<Record> timers = h.records_of(RecordKind::kTimer);
  ASSERT_EQ(timers.size(), 6u);
  std::vector<std::string> order;
  for (const Record& record : timers) order.push_back(record.ticket);
  EXPECT_THAT(order, ElementsAre("T-1", "T-10", "T-9", "T-1", "T-10", "T-9"));
}

}  // namespace
}  // namespace docket::engine::testing
