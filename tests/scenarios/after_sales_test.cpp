// Scenario tests for section A of the process spec (售后服务标准化流程): each
// example in examples/after_sales/ is replayed against rules/after_sales.docket
// and its whole journal is compared with the one expected here, record by
// record: time, kind, states, rule line and effects. The times in the
// comments are worked out by hand from the rules (Beijing time, UTC+8).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/scenarios/scenario.h"

namespace docket::engine::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const char* const kRules = "rules/after_sales.docket";

const RuleLines& rules() {
  static const RuleLines lines({kRules});
  return lines;
}

const SlaClock& clock_of(const Replay& replay, const std::string& ticket, const std::string& metric) {
  return replay.engine.find(ticket)->clocks[*replay.workflow->find_metric(metric)];
}

// ---------------------------------------------------------------- 01: P0 product fault

// Created 09:00. P0: first response 1 h -> 50% at 09:30, met at 09:40 (40 m).
// Resolve 4 h -> 50% at 11:00; at 12:00 (3 h) the clock pauses for the
// customer's check, so 80% (3 h 12 m) never comes; stopped at 14:00: 3 h.
// Survey 24 h after entering follow_up: 11-24 14:00.
TEST(AfterSalesScenarioTest, ProductFaultP0FromAnAngryCaller) {
  Replay replay(kRules);
  std::vector<Outcome> outcomes = replay.play("after_sales/01_product_fault_p0.jsonl");
  ASSERT_EQ(outcomes.size(), 9u);
  for (const Outcome& outcome : outcomes) EXPECT_TRUE(outcome.accepted) << outcome.reason;

  const std::vector<std::string> journal = {
      "11-23 09:00 AS-101 transition create - -> received @{initial state received}",
      "11-23 09:00 AS-101 transition create received -> registering @{auto when mood == angry}"
      " | notify customer empathy_script; assign customer_service.intake_specialist",
      "11-23 09:10 AS-101 transition registered registering -> classifying @{on registered when problem_confirmed}",
      "11-23 09:25 AS-101 transition classified classifying -> dispatched @{on classified by intake_specialist}"
      " | classify category product_fault; classify priority P0; route product_fault tech",
      "11-23 09:30 AS-101 warning dispatched @{priority P0>>first_response} first_response 50%",
      "11-23 09:40 AS-101 transition accepted dispatched -> proposing @{on accepted by}"
      " | clock first_response stopped: met, 40m of 1h; notify customer case_accepted",
      "11-23 10:00 AS-101 transition proposed proposing -> approving @{on proposed when category == product_fault}"
      " | approval_chain head_signoff proposed by liu; level head_signoff.head",
      "11-23 10:15 AS-101 approval approving @{level head: any of dept_head}"
      " | approval_vote head_signoff.head 1 of 1; approval_level head_signoff.head approved",
      "11-23 10:15 AS-101 transition approved approving -> executing @{on approved -> executing}"
      " | notify customer plan_notice",
      "11-23 11:00 AS-101 warning executing @{priority P0>>resolve} resolve 50%",
      "11-23 12:00 AS-101 transition resolved executing -> awaiting_confirmation @{on resolved -> "
      "awaiting_confirmation}"
      " | notify customer confirmation_request; clock resolve paused",
      "11-23 14:00 AS-101 transition confirmed awaiting_confirmation -> follow_up @{on confirmed when confirmation != "
      "none}"
      " | clock resolve resumed; clock resolve stopped: met, 3h of 4h",
      "11-24 14:00 AS-101 timer follow_up @{after 24h do notify customer} | notify customer satisfaction_survey",
      "11-24 16:00 AS-101 transition survey follow_up -> closed @{on survey when overall >= 4}"
      " | notify customer thank_you; emit case_closed",
  };
  replay.expect_journal(rules(), journal);

  // The registration form as recorded, then the defaults.
  EXPECT_EQ(render_changes(replay.transition("AS-101", "create")),
            "customer: - -> \"C-1001 王女士\"; contact: - -> \"138-0000-1001\"; channel: - -> phone; "
            "purchase_date: - -> 2026-11-01T02:00:00Z; problem: - -> \"洗衣机插头冒烟 (the washing machine's plug "
            "smokes)\"; expected_resolution: - -> 2026-11-23T10:00:00Z; mood: - -> angry; order_amount: - -> 3999; "
            "problem_confirmed: - -> false; compensation: - -> 0; stage: - -> inspecting; confirmation: - -> none");
  // The empathy script is taken automatically, before the specialist is assigned.
  Record empathy = replay.journal.records()[1];
  EXPECT_EQ(empathy.cause, Cause::kAutomatic);
  EXPECT_EQ(empathy.actor.id, "zhang");

  Record classified = replay.transition("AS-101", "classified");
  EXPECT_EQ(render_changes(classified),
            "problem_type: - -> fault; impact: - -> core; urgency: - -> high; category: - -> product_fault; "
            "priority: - -> P0; departments: - -> \"tech\"; assignee: \"customer_service.intake_specialist\" -> "
            "\"tech\"");
  EXPECT_EQ(classified.effects[0].detail, "when problem_type == fault -> product_fault");
  EXPECT_EQ(classified.effects[0].rule.line, rules().line("product_fault when problem_type == fault"));
  EXPECT_EQ(classified.effects[1].detail, "impact x urgency: core, high -> P0");

  // P0: the department head signs; `tech.dept_head` holds because the case is tech's.
  EXPECT_EQ(replay.records(RecordKind::kApproval).at(0).actor.id, "sun");
  EXPECT_EQ(replay.transition("AS-101", "approved").cause, Cause::kApproval);

  const Ticket& ticket = *replay.engine.find("AS-101");
  EXPECT_EQ(ticket.state_name(), "closed");
  EXPECT_EQ(ticket.format("overall"), "5");
  EXPECT_EQ(ticket.format("confirmation"), "signature");
  EXPECT_EQ(clock_of(replay, "AS-101", "first_response").status, SlaClock::Status::kStopped);
  EXPECT_FALSE(clock_of(replay, "AS-101", "first_response").breached);
  EXPECT_FALSE(clock_of(replay, "AS-101", "resolve").breached);
  EXPECT_THAT(ticket.timers, IsEmpty());
  EXPECT_EQ(replay.engine.next_due(), kNever);
}

// ---------------------------------------------------------------- 02: service error, 30% cap, four-eyes

// Created 10:00. P1: first response 4 h, met at 11:30 (1 h 30 m: before the
// 50% mark at 12:00). Resolve 24 h: 50% at 22:00, 80% (19 h 12 m) at
// 11-24 05:12 with the escalation to a supervisor; paused at 11-24 09:00
// (23 h), stopped at 11:00: met, 23 h of 24 h. 30% of 1299.00 is 389.70.
TEST(AfterSalesScenarioTest, ServiceErrorCompensationCapAndFourEyes) {
  Replay replay(kRules);
  std::vector<Outcome> outcomes = replay.play("after_sales/02_service_error_compensation.jsonl");
  ASSERT_EQ(outcomes.size(), 13u);

  const std::vector<std::string> journal = {
      "11-23 10:00 AS-201 transition create - -> received @{initial state received}",
      "11-23 10:00 AS-201 transition create received -> registering @{auto when mood != angry}"
      " | assign customer_service.intake_specialist",
      "11-23 10:30 AS-201 transition registered registering -> classifying @{on registered when problem_confirmed}",
      "11-23 11:00 AS-201 transition classified classifying -> dispatched @{on classified by intake_specialist}"
      " | classify category service_error; classify priority P1; route service_error ops",
      "11-23 11:30 AS-201 transition accepted dispatched -> proposing @{on accepted by}"
      " | clock first_response stopped: met, 1h30m of 4h; notify customer case_accepted",
      "11-23 13:00 AS-201 rejection proposed proposing @{require compensation <= order_amount * 30%} ! "
      "服务失误补偿不得超过该笔订单金额的 30%",
      "11-23 13:10 AS-201 transition proposed proposing -> approving @{on proposed when category == service_error}"
      " | approval_chain supervisor_approval proposed by wang; level supervisor_approval.supervisor",
      "11-23 13:20 AS-201 rejection approve approving @{level supervisor: any of supervisor} ! `wang` proposed what "
      "awaits approval and may not approve it (four-eyes rule)",
      "11-23 14:00 AS-201 approval approving @{level supervisor: any of supervisor}"
      " | approval_vote supervisor_approval.supervisor 1 of 1; approval_level supervisor_approval.supervisor approved",
      "11-23 14:00 AS-201 transition approved approving -> executing @{on approved -> executing}"
      " | notify customer plan_notice",
      "11-23 16:00 AS-201 transition stage_changed executing -> executing @{on stage_changed}"
      " | notify customer progress_update",
      "11-23 22:00 AS-201 warning executing @{priority P1>>resolve 24h} resolve 50%",
      "11-24 05:12 AS-201 warning executing @{priority P1>>resolve 24h} resolve 80%",
      "11-24 05:12 AS-201 escalation executing @{priority P1>>at 80% of resolve} resolve 80% | escalate supervisor",
      "11-24 09:00 AS-201 transition resolved executing -> awaiting_confirmation @{on resolved -> "
      "awaiting_confirmation}"
      " | notify customer confirmation_request; clock resolve paused",
      "11-24 11:00 AS-201 transition confirmed awaiting_confirmation -> follow_up @{on confirmed when confirmation != "
      "none}"
      " | clock resolve resumed; clock resolve stopped: met, 23h of 24h",
      "11-25 11:00 AS-201 timer follow_up @{after 24h do notify customer} | notify customer satisfaction_survey",
      "11-25 12:00 AS-201 transition survey follow_up -> supervisor_review @{on survey when overall <= 3}"
      " | assign customer_service.complaint_supervisor; notify complaint_supervisor low_satisfaction",
      "11-25 15:00 AS-201 transition improvement_planned supervisor_review -> closed @{on improvement_planned}"
      " | emit case_closed",
  };
  replay.expect_journal(rules(), journal);

  // 400.00 > 389.70: refused with the rule's message; nothing of the event was kept.
  const Outcome& too_much = outcomes[4];
  EXPECT_FALSE(too_much.accepted);
  EXPECT_EQ(too_much.reason, "服务失误补偿不得超过该笔订单金额的 30%");
  EXPECT_EQ(too_much.state, "proposing");
  Record refused = replay.records(RecordKind::kRejection).at(0);
  EXPECT_EQ(render_changes(refused), "remedy: - -> compensation; compensation: 0 -> 400");
  // 389.70 is exactly the cap: accepted.
  EXPECT_TRUE(outcomes[5].accepted);
  EXPECT_EQ(outcomes[5].state, "approving");
  EXPECT_EQ(render_changes(replay.transition("AS-201", "proposed")),
            "remedy: - -> compensation; compensation: 0 -> 389.7");

  // The proposer cannot approve his own plan; a second supervisor can.
  EXPECT_FALSE(outcomes[6].accepted);
  EXPECT_EQ(outcomes[6].reason, "`wang` proposed what awaits approval and may not approve it (four-eyes rule)");
  EXPECT_TRUE(outcomes[7].accepted);
  EXPECT_EQ(outcomes[7].state, "executing");

  // Overall 2: the complaint supervisor owns the case until the improvement plan.
  EXPECT_EQ(outcomes[11].state, "supervisor_review");
  EXPECT_THAT(render_changes(replay.transition("AS-201", "survey")),
              HasSubstr("overall: - -> 2; suggestion: - -> \"预约了就要准时上门 (keep the appointment)\"; "
                        "assignee: \"ops\" -> \"customer_service.complaint_supervisor\""));
  const Ticket& ticket = *replay.engine.find("AS-201");
  EXPECT_EQ(ticket.state_name(), "closed");
  EXPECT_EQ(ticket.format("compensation"), "389.7");
  EXPECT_EQ(ticket.format("stage"), "executing_plan");
  EXPECT_THAT(ticket.format("improvement_plan"), HasSubstr("安装预约前一天电话确认"));
}

// ---------------------------------------------------------------- 03: obstacle, paused clock, breaches

// Created 11-24 09:00. P1 first response 4 h: 50% 11:00, 80% 12:12, breach
// 13:00 (escalated to a supervisor); accepted 13:30: 4 h 30 m of 4 h.
// Resolve 24 h: 7 h run by the obstacle at 16:00; paused until 11-26 11:00;
// then 50% (12 h) at 11-26 16:00, 80% (19 h 12 m) at 23:12, breach (24 h)
// at 11-27 04:00. Measured at the signature: 7 h + 30 h (11-26 11:00 to
// 11-27 17:00) + 16 h (11-27 19:00 to 11-28 11:00) = 53 h. Progress updates
// every 24 h from entering each state: obstacle 11-24 16:00 -> 11-25 16:00;
// executing 11-26 11:00 -> 11-27 11:00. Follow-up from 11-28 12:00: survey
// 11-29 12:00, return-visit call 11-30 12:00.
TEST(AfterSalesScenarioTest, ObstaclePausesTheResolveClockAndTheLimitsAreBreached) {
  Replay replay(kRules);
  std::vector<Outcome> outcomes = replay.play("after_sales/03_obstacle_progress_breach.jsonl");
  ASSERT_EQ(outcomes.size(), 14u);
  for (const Outcome& outcome : outcomes) EXPECT_TRUE(outcome.accepted) << outcome.reason;

  const std::vector<std::string> journal = {
      "11-24 09:00 AS-301 transition create - -> received @{initial state received}",
      "11-24 09:00 AS-301 transition create received -> registering @{auto when mood != angry}"
      " | assign customer_service.intake_specialist",
      "11-24 09:30 AS-301 transition registered registering -> classifying @{on registered when problem_confirmed}",
      "11-24 10:00 AS-301 transition classified classifying -> dispatched @{on classified by intake_specialist}"
      " | classify category product_fault; classify priority P1; route product_fault tech",
      "11-24 11:00 AS-301 warning dispatched @{priority P1>>first_response} first_response 50%",
      "11-24 12:12 AS-301 warning dispatched @{priority P1>>first_response} first_response 80%",
      "11-24 13:00 AS-301 breach dispatched @{priority P1>>first_response} first_response 100%",
      "11-24 13:00 AS-301 escalation dispatched @{priority P1>>on breach of first_response} first_response 100%"
      " | escalate supervisor",
      "11-24 13:30 AS-301 transition accepted dispatched -> proposing @{on accepted by}"
      " | clock first_response stopped: breached, 4h30m of 4h; notify customer case_accepted",
      "11-24 14:00 AS-301 transition proposed proposing -> approving @{on proposed when category == product_fault}"
      " | approval_chain supervisor_approval proposed by liu; level supervisor_approval.supervisor",
      "11-24 14:30 AS-301 approval approving @{level supervisor: any of supervisor}"
      " | approval_vote supervisor_approval.supervisor 1 of 1; approval_level supervisor_approval.supervisor approved",
      "11-24 14:30 AS-301 transition approved approving -> executing @{on approved -> executing}"
      " | notify customer plan_notice",
      "11-24 16:00 AS-301 transition obstacle_found executing -> obstacle @{on obstacle_found}"
      " | set stage procuring_parts; notify customer obstacle_notice; clock resolve paused; notify customer "
      "alternative_offer",
      "11-25 16:00 AS-301 timer obstacle @{state obstacle>>every 24h} | notify customer progress_update",
      "11-26 11:00 AS-301 transition alternative_chosen obstacle -> executing @{alternative == loaner}"
      " | clock resolve resumed; notify assignee arrange_loaner",
      "11-26 16:00 AS-301 warning executing @{priority P1>>resolve 24h} resolve 50%",
      "11-26 23:12 AS-301 warning executing @{priority P1>>resolve 24h} resolve 80%",
      "11-26 23:12 AS-301 escalation executing @{priority P1>>at 80% of resolve} resolve 80% | escalate supervisor",
      "11-27 04:00 AS-301 breach executing @{priority P1>>resolve 24h} resolve 100%",
      "11-27 04:00 AS-301 escalation executing @{priority P1>>on breach of resolve} resolve 100%"
      " | escalate dept_head; notify customer delay_apology",
      "11-27 11:00 AS-301 timer executing @{state executing>>every 24h} | notify customer progress_update",
      "11-27 14:00 AS-301 transition stage_changed executing -> executing @{on stage_changed}"
      " | notify customer progress_update",
      "11-27 17:00 AS-301 transition resolved executing -> awaiting_confirmation @{on resolved -> "
      "awaiting_confirmation}"
      " | notify customer confirmation_request; clock resolve paused",
      "11-27 19:00 AS-301 transition not_solved awaiting_confirmation -> executing @{on not_solved}"
      " | clock resolve resumed; notify assignee customer_not_satisfied",
      "11-28 11:00 AS-301 transition resolved executing -> awaiting_confirmation @{on resolved -> "
      "awaiting_confirmation}"
      " | notify customer confirmation_request; clock resolve paused",
      "11-28 12:00 AS-301 transition confirmed awaiting_confirmation -> follow_up @{on confirmed when confirmation != "
      "none}"
      " | clock resolve resumed; clock resolve stopped: breached, 53h of 24h",
      "11-29 12:00 AS-301 timer follow_up @{after 24h do notify customer} | notify customer satisfaction_survey",
      "11-30 12:00 AS-301 timer follow_up @{after 48h} | notify intake_specialist return_visit_call",
      "11-30 13:00 AS-301 transition survey follow_up -> closed @{on survey when overall >= 4}"
      " | notify customer thank_you; emit case_closed",
  };
  replay.expect_journal(rules(), journal);

  std::vector<Record> breaches = replay.records(RecordKind::kBreach, "AS-301");
  ASSERT_EQ(breaches.size(), 2u);
  EXPECT_EQ(breaches[0].sla->metric, "first_response");
  EXPECT_EQ(breaches[0].sla->limit_seconds, 4 * 3600);
  EXPECT_EQ(breaches[0].sla->due, at("2026-11-24T13:00:00+08:00"));
  EXPECT_EQ(breaches[1].sla->metric, "resolve");
  EXPECT_EQ(breaches[1].sla->priority, "P1");
  EXPECT_EQ(breaches[1].sla->due, at("2026-11-27T04:00:00+08:00"));
  EXPECT_EQ(render_changes(replay.transition("AS-301", "obstacle_found")), "stage: inspecting -> procuring_parts");

  const Ticket& ticket = *replay.engine.find("AS-301");
  EXPECT_EQ(ticket.state_name(), "closed");
  EXPECT_EQ(ticket.format("alternative"), "loaner");
  EXPECT_EQ(ticket.format("stage"), "executing_plan");
  EXPECT_TRUE(clock_of(replay, "AS-301", "first_response").breached);
  EXPECT_TRUE(clock_of(replay, "AS-301", "resolve").breached);
}

TEST(AfterSalesScenarioTest, ExplainTellsHowLongThePausedClockHasRun) {
  Replay replay(kRules);
  replay.play("after_sales/03_obstacle_progress_breach.jsonl", at("2026-11-25T12:00:00+08:00"));
  replay.advance_to(at("2026-11-25T12:00:00+08:00"));
  EXPECT_EQ(replay.state("AS-301"), "obstacle");
  Result<std::string> paused = replay.engine.explain("AS-301", "resolve");
  ASSERT_TRUE(paused.ok()) << paused.error();
  EXPECT_EQ(paused.value(),
            "`resolve` under P1, limit 24h: paused since 2026-11-24T08:00:00Z, 7h of 24h used; the due time moves on "
            "while it is paused");
}

// ---------------------------------------------------------------- 04: P2 inquiry, no approval

// Created 11-25 08:30. P2: first response 24 h, met at 14:00 (5 h 30 m);
// resolve 72 h, paused at 16:00 (7 h 30 m). `approval by priority` says
// `none` for P2: `approved` fires at once, in the same second.
TEST(AfterSalesScenarioTest, InquiryP2IsExecutedWithoutApproval) {
  Replay replay(kRules);
  std::vector<Outcome> outcomes = replay.play("after_sales/04_inquiry_p2_no_approval.jsonl");
  ASSERT_EQ(outcomes.size(), 8u);
  for (const Outcome& outcome : outcomes) EXPECT_TRUE(outcome.accepted) << outcome.reason;

  const std::vector<std::string> journal = {
      "11-25 08:30 AS-401 transition create - -> received @{initial state received}",
      "11-25 08:30 AS-401 transition create received -> registering @{auto when mood != angry}"
      " | assign customer_service.intake_specialist",
      "11-25 09:00 AS-401 transition registered registering -> classifying @{on registered when problem_confirmed}",
      "11-25 10:00 AS-401 transition classified classifying -> dispatched @{on classified by intake_specialist}"
      " | classify category inquiry; classify priority P2; route inquiry product",
      "11-25 14:00 AS-401 transition accepted dispatched -> proposing @{on accepted by}"
      " | clock first_response stopped: met, 5h30m of 24h; notify customer case_accepted",
      "11-25 15:00 AS-401 transition proposed proposing -> approving @{on proposed when category == inquiry}"
      " | approval_chain none no approval required",
      "11-25 15:00 AS-401 transition approved approving -> executing @{on approved -> executing}"
      " | approval_chain none no approval required; notify customer plan_notice",
      "11-25 16:00 AS-401 transition resolved executing -> awaiting_confirmation @{on resolved -> "
      "awaiting_confirmation}"
      " | notify customer confirmation_request; clock resolve paused",
      "11-25 17:00 AS-401 transition confirmed awaiting_confirmation -> follow_up @{on confirmed when confirmation != "
      "none}"
      " | clock resolve resumed; clock resolve stopped: met, 7h30m of 72h",
      "11-26 10:00 AS-401 transition survey_declined follow_up -> closed @{on survey_declined} | emit case_closed",
  };
  replay.expect_journal(rules(), journal);

  EXPECT_EQ(outcomes[4].state, "executing");
  Record chain = replay.transition("AS-401", "proposed");
  ASSERT_EQ(chain.effects.size(), 1u);
  EXPECT_EQ(chain.effects[0].kind, EffectKind::kApprovalChain);
  EXPECT_EQ(chain.effects[0].target, "none");
  EXPECT_EQ(chain.effects[0].rule.line, rules().line("P2: none"));
  EXPECT_EQ(replay.transition("AS-401", "approved").cause, Cause::kApproval);
  EXPECT_EQ(replay.state("AS-401"), "closed");
  EXPECT_EQ(replay.field("AS-401", "overall"), "");
}

// ---------------------------------------------------------------- 05: rights claim, legal review

// Created 14:00. P1 (minor x high). Resolve 24 h: 50% at 11-24 02:00, 80% at
// 09:12 (escalated), paused at 13:00 (23 h). The plan's proposer is the
// specialist who proposed it (`as proposer`), not counsel, who brings the case
// into `approving` after `compliant`.
TEST(AfterSalesScenarioTest, RightsClaimGoesThroughLegalReview) {
  Replay replay(kRules);
  std::vector<Outcome> outcomes = replay.play("after_sales/05_rights_claim_legal_review.jsonl");
  ASSERT_EQ(outcomes.size(), 16u);
  for (const Outcome& outcome : outcomes) EXPECT_TRUE(outcome.accepted) << outcome.reason;

  const std::vector<std::string> journal = {
      "11-23 14:00 AS-501 transition create - -> received @{initial state received}",
      "11-23 14:00 AS-501 transition create received -> registering @{auto when mood != angry}"
      " | assign customer_service.intake_specialist",
      "11-23 14:20 AS-501 transition registered registering -> classifying @{on registered when problem_confirmed}",
      "11-23 14:40 AS-501 transition classified classifying -> dispatched @{on classified by intake_specialist}"
      " | classify category rights_claim; classify priority P1; route rights_claim complaints, legal",
      "11-23 15:00 AS-501 transition accepted dispatched -> proposing @{on accepted by}"
      " | clock first_response stopped: met, 1h of 4h; notify customer case_accepted",
      "11-23 15:30 AS-501 transition proposed proposing -> legal_review @{on proposed when category == rights_claim}",
      "11-23 16:00 AS-501 transition revise legal_review -> proposing @{on revise by counsel}",
      "11-23 16:30 AS-501 transition proposed proposing -> legal_review @{on proposed when category == rights_claim}",
      "11-23 17:00 AS-501 transition compliant legal_review -> approving @{on compliant by counsel}"
      " | approval_chain supervisor_approval proposed by he; level supervisor_approval.supervisor",
      "11-23 17:30 AS-501 transition rejected approving -> proposing @{on rejected -> proposing}"
      " | approval_vote supervisor_approval.supervisor rejected by zhao; notify assignee plan_rejected",
      "11-24 02:00 AS-501 warning proposing @{priority P1>>resolve 24h} resolve 50%",
      "11-24 09:12 AS-501 warning proposing @{priority P1>>resolve 24h} resolve 80%",
      "11-24 09:12 AS-501 escalation proposing @{priority P1>>at 80% of resolve} resolve 80% | escalate supervisor",
      "11-24 10:00 AS-501 transition proposed proposing -> legal_review @{on proposed when category == rights_claim}",
      "11-24 10:30 AS-501 transition compliant legal_review -> approving @{on compliant by counsel}"
      " | approval_chain supervisor_approval proposed by he; level supervisor_approval.supervisor",
      "11-24 11:00 AS-501 approval approving @{level supervisor: any of supervisor}"
      " | approval_vote supervisor_approval.supervisor 1 of 1; approval_level supervisor_approval.supervisor approved",
      "11-24 11:00 AS-501 transition approved approving -> executing @{on approved -> executing}"
      " | notify customer plan_notice",
      "11-24 13:00 AS-501 transition resolved executing -> awaiting_confirmation @{on resolved -> "
      "awaiting_confirmation}"
      " | notify customer confirmation_request; clock resolve paused",
      "11-24 15:00 AS-501 transition confirmed awaiting_confirmation -> follow_up @{on confirmed when confirmation != "
      "none}"
      " | clock resolve resumed; clock resolve stopped: met, 23h of 24h",
      "11-25 15:00 AS-501 timer follow_up @{after 24h do notify customer} | notify customer satisfaction_survey",
      "11-25 16:00 AS-501 transition survey follow_up -> supervisor_review @{on survey when overall <= 3}"
      " | assign customer_service.complaint_supervisor; notify complaint_supervisor low_satisfaction",
      "11-25 17:00 AS-501 transition improvement_planned supervisor_review -> closed @{on improvement_planned}"
      " | emit case_closed",
  };
  replay.expect_journal(rules(), journal);

  Record rejected = replay.transition("AS-501", "rejected");
  EXPECT_EQ(rejected.cause, Cause::kApproval);
  EXPECT_EQ(rejected.actor.id, "zhao");
  EXPECT_EQ(rejected.effects[1].detail, "complaints");  // the assignee told: the complaint-handling group
  EXPECT_EQ(replay.state("AS-501"), "closed");
  EXPECT_EQ(replay.field("AS-501", "overall"), "3");
}

// ---------------------------------------------------------------- 06: intake channels and office-hour timers

// Office hours Mon-Fri 09:00-12:00, 13:00-18:00 (Asia/Shanghai).
// Intake (from creation): 1 h 30 m -> intake_due, 2 h -> escalation.
//   AS-604 created Mon 11:00: 1 h to 12:00, lunch, 13:00 + 30 m = 13:30; 14:00.
//   AS-605 created Mon 21:40: counts from Tue 09:00: 10:30; registered 10:45.
//   AS-606 created Fri 11-27 17:00: 1 h to 18:00, weekend, Mon 09:00 + 30 m
//          = 09:30; 10:00.
// Classification (from registration): 2 h -> classification_due, 4 h -> escalation.
//   AS-601 09:30: 11:30; 2 h 30 m to 12:00 + 1 h 30 m = 14:30.
//   AS-602 09:40: 11:40; 14:40.   AS-603 09:45: 11:45; 14:45.
//   AS-604 Mon 14:30: 16:30; 3 h 30 m to 18:00, night, Tue 09:30.
//   AS-605 Tue 10:45: 1 h 15 m to 12:00 + 45 m = 13:45; + 2 h 45 m = 15:45.
//   AS-606 Mon 11-30 10:15: 13:15; 15:15 (after the last event: advanced).
TEST(AfterSalesScenarioTest, IntakeFromEveryChannelWithOfficeHourTimers) {
  Replay replay(kRules);
  std::vector<Outcome> outcomes = replay.play("after_sales/06_intake_channels_and_timers.jsonl");
  ASSERT_EQ(outcomes.size(), 13u);
  // After the last event AS-606's classification timers are armed, due in office time.
  std::vector<std::int64_t> armed;
  for (const ArmedTimer& timer : replay.engine.find("AS-606")->timers) armed.push_back(timer.due);
  EXPECT_THAT(armed, ElementsAre(at("2026-11-30T13:15:00+08:00"), at("2026-11-30T15:15:00+08:00")));
  EXPECT_EQ(replay.engine.next_due(), at("2026-11-30T13:15:00+08:00"));
  EXPECT_EQ(replay.advance_to(at("2026-11-30T18:00:00+08:00")), 2u);

  const std::vector<std::string> journal = {
      "11-23 09:00 AS-601 transition create - -> received @{initial state received}",
      "11-23 09:00 AS-601 transition create received -> registering @{auto when mood != angry}"
      " | assign customer_service.intake_specialist",
      "11-23 09:05 AS-602 transition create - -> received @{initial state received}",
      "11-23 09:05 AS-602 transition create received -> registering @{auto when mood != angry}"
      " | assign customer_service.intake_specialist",
      "11-23 09:10 AS-603 transition create - -> received @{initial state received}",
      "11-23 09:10 AS-603 transition create received -> registering @{auto when mood == angry}"
      " | notify customer empathy_script; assign customer_service.intake_specialist",
      "11-23 09:30 AS-601 transition registered registering -> classifying @{on registered when problem_confirmed}",
      "11-23 09:40 AS-602 transition registered registering -> classifying @{on registered when problem_confirmed}",
      "11-23 09:45 AS-603 transition registered registering -> classifying @{on registered when problem_confirmed}",
      "11-23 11:00 AS-604 transition create - -> received @{initial state received}",
      "11-23 11:00 AS-604 transition create received -> registering @{auto when mood != angry}"
      " | assign customer_service.intake_specialist",
      "11-23 11:20 AS-604 rejection registered registering @{on registered when problem_confirmed} ! no transition on "
      "`registered` from `registering`: `problem_confirmed` is false",
      "11-23 11:30 AS-601 timer classifying @{state classifying>>after 2h in office}"
      " | notify intake_specialist classification_due",
      "11-23 11:40 AS-602 timer classifying @{state classifying>>after 2h in office}"
      " | notify intake_specialist classification_due",
      "11-23 11:45 AS-603 timer classifying @{state classifying>>after 2h in office}"
      " | notify intake_specialist classification_due",
      "11-23 13:30 AS-604 timer registering @{after 1h30m in office} | notify intake_specialist intake_due",
      "11-23 14:00 AS-604 timer registering @{state registering>>after 2h in office} | escalate complaint_supervisor",
      "11-23 14:30 AS-601 timer classifying @{after 4h in office} | escalate complaint_supervisor",
      "11-23 14:30 AS-604 transition registered registering -> classifying @{on registered when problem_confirmed}",
      "11-23 14:40 AS-602 timer classifying @{after 4h in office} | escalate complaint_supervisor",
      "11-23 14:45 AS-603 timer classifying @{after 4h in office} | escalate complaint_supervisor",
      "11-23 16:30 AS-604 timer classifying @{state classifying>>after 2h in office}"
      " | notify intake_specialist classification_due",
      "11-23 21:40 AS-605 transition create - -> received @{initial state received}",
      "11-23 21:40 AS-605 transition create received -> registering @{auto when mood != angry}"
      " | assign customer_service.intake_specialist",
      "11-24 09:30 AS-604 timer classifying @{after 4h in office} | escalate complaint_supervisor",
      "11-24 10:30 AS-605 timer registering @{after 1h30m in office} | notify intake_specialist intake_due",
      "11-24 10:45 AS-605 transition registered registering -> classifying @{on registered when problem_confirmed}",
      "11-24 13:45 AS-605 timer classifying @{state classifying>>after 2h in office}"
      " | notify intake_specialist classification_due",
      "11-24 15:45 AS-605 timer classifying @{after 4h in office} | escalate complaint_supervisor",
      "11-27 17:00 AS-606 transition create - -> received @{initial state received}",
      "11-27 17:00 AS-606 transition create received -> registering @{auto when mood == angry}"
      " | notify customer empathy_script; assign customer_service.intake_specialist",
      "11-30 09:30 AS-606 timer registering @{after 1h30m in office} | notify intake_specialist intake_due",
      "11-30 10:00 AS-606 timer registering @{state registering>>after 2h in office} | escalate complaint_supervisor",
      "11-30 10:15 AS-606 transition registered registering -> classifying @{on registered when problem_confirmed}",
      "11-30 13:15 AS-606 timer classifying @{state classifying>>after 2h in office}"
      " | notify intake_specialist classification_due",
      "11-30 15:15 AS-606 timer classifying @{after 4h in office} | escalate complaint_supervisor",
  };
  replay.expect_journal(rules(), journal);

  // Not confirmed with the customer: refused, and the guard says why.
  EXPECT_FALSE(outcomes[7].accepted);
  EXPECT_EQ(outcomes[7].reason, "no transition on `registered` from `registering`: `problem_confirmed` is false");
  std::vector<std::string> channels;
  for (const char* id : {"AS-601", "AS-602", "AS-603", "AS-604", "AS-605", "AS-606"}) {
    EXPECT_EQ(replay.state(id), "classifying") << id;
    channels.push_back(replay.field(id, "channel"));
  }
  EXPECT_THAT(channels, ElementsAre("phone", "web_chat", "app_chat", "wechat", "email", "social"));
  EXPECT_EQ(replay.engine.next_due(), kNever);
}

// ---------------------------------------------------------------- 07: the impact x urgency table

TEST(AfterSalesScenarioTest, PriorityFromEveryCellOfTheImpactUrgencyTable) {
  Replay replay(kRules);
  std::vector<Outcome> outcomes = replay.play("after_sales/07_priority_table.jsonl");
  ASSERT_EQ(outcomes.size(), 28u);

  const std::vector<std::string> journal = {
      "11-23 09:00 AS-701 transition create - -> received @{initial state received}",
      "11-23 09:00 AS-701 transition create received -> registering @{auto when mood != angry}"
      " | assign customer_service.intake_specialist",
      "11-23 09:01 AS-702 transition create - -> received @{initial state received}",
      "11-23 09:01 AS-702 transition create received -> registering @{auto when mood != angry}"
      " | assign customer_service.intake_specialist",
      "11-23 09:02 AS-703 transition create - -> received @{initial state received}",
      "11-23 09:02 AS-703 transition create received -> registering @{auto when mood != angry}"
      " | assign customer_service.intake_specialist",
      "11-23 09:03 AS-704 transition create - -> received @{initial state received}",
      "11-23 09:03 AS-704 transition create received -> registering @{auto when mood != angry}"
      " | assign customer_service.intake_specialist",
      "11-23 09:04 AS-705 transition create - -> received @{initial state received}",
      "11-23 09:04 AS-705 transition create received -> registering @{auto when mood != angry}"
      " | assign customer_service.intake_specialist",
      "11-23 09:05 AS-706 transition create - -> received @{initial state received}",
      "11-23 09:05 AS-706 transition create received -> registering @{auto when mood != angry}"
      " | assign customer_service.intake_specialist",
      "11-23 09:06 AS-707 transition create - -> received @{initial state received}",
      "11-23 09:06 AS-707 transition create received -> registering @{auto when mood != angry}"
      " | assign customer_service.intake_specialist",
      "11-23 09:07 AS-708 transition create - -> received @{initial state received}",
      "11-23 09:07 AS-708 transition create received -> registering @{auto when mood != angry}"
      " | assign customer_service.intake_specialist",
      "11-23 09:08 AS-709 transition create - -> received @{initial state received}",
      "11-23 09:08 AS-709 transition create received -> registering @{auto when mood != angry}"
      " | assign customer_service.intake_specialist",
      "11-23 09:10 AS-701 transition registered registering -> classifying @{on registered when problem_confirmed}",
      "11-23 09:11 AS-702 transition registered registering -> classifying @{on registered when problem_confirmed}",
      "11-23 09:12 AS-703 transition registered registering -> classifying @{on registered when problem_confirmed}",
      "11-23 09:13 AS-704 transition registered registering -> classifying @{on registered when problem_confirmed}",
      "11-23 09:14 AS-705 transition registered registering -> classifying @{on registered when problem_confirmed}",
      "11-23 09:15 AS-706 transition registered registering -> classifying @{on registered when problem_confirmed}",
      "11-23 09:16 AS-707 transition registered registering -> classifying @{on registered when problem_confirmed}",
      "11-23 09:17 AS-708 transition registered registering -> classifying @{on registered when problem_confirmed}",
      "11-23 09:18 AS-709 transition registered registering -> classifying @{on registered when problem_confirmed}",
      "11-23 09:19 AS-701 rejection classified classifying @{do classify category, classify priority, route} ! "
      "classify priority: `urgency` has no value",
      "11-23 09:20 AS-701 transition classified classifying -> dispatched @{on classified by intake_specialist}"
      " | classify category product_fault; classify priority P0; route product_fault tech",
      "11-23 09:21 AS-702 transition classified classifying -> dispatched @{on classified by intake_specialist}"
      " | classify category service_error; classify priority P0; route service_error ops",
      "11-23 09:22 AS-703 transition classified classifying -> dispatched @{on classified by intake_specialist}"
      " | classify category rights_claim; classify priority P0; route rights_claim complaints, legal",
      "11-23 09:23 AS-704 transition classified classifying -> dispatched @{on classified by intake_specialist}"
      " | classify category product_fault; classify priority P0; route product_fault tech",
      "11-23 09:24 AS-705 transition classified classifying -> dispatched @{on classified by intake_specialist}"
      " | classify category inquiry; classify priority P1; route inquiry product",
      "11-23 09:25 AS-706 transition classified classifying -> dispatched @{on classified by intake_specialist}"
      " | classify category service_error; classify priority P1; route service_error ops",
      "11-23 09:26 AS-707 transition classified classifying -> dispatched @{on classified by intake_specialist}"
      " | classify category rights_claim; classify priority P1; route rights_claim complaints, legal",
      "11-23 09:27 AS-708 transition classified classifying -> dispatched @{on classified by intake_specialist}"
      " | classify category inquiry; classify priority P2; route inquiry product",
      "11-23 09:28 AS-709 transition classified classifying -> dispatched @{on classified by intake_specialist}"
      " | classify category product_fault; classify priority P2; route product_fault tech",
  };
  replay.expect_journal(rules(), journal);

  // What decided, cell by cell, and the rule that holds the table.
  std::vector<std::string> decisions;
  for (const Record& record : replay.records(RecordKind::kTransition)) {
    if (record.event != "classified") continue;
    decisions.push_back(record.ticket + " " + record.effects.at(1).detail);
    EXPECT_EQ(record.effects.at(1).rule.line, rules().line("do classify category, classify priority, route"));
  }
  EXPECT_THAT(decisions,
              ElementsAre("AS-701 impact x urgency: core, high -> P0", "AS-702 impact x urgency: core, medium -> P0",
                          "AS-703 impact x urgency: core, low -> P0", "AS-704 impact x urgency: function, high -> P0",
                          "AS-705 impact x urgency: function, medium -> P1",
                          "AS-706 impact x urgency: function, low -> P1", "AS-707 impact x urgency: minor, high -> P1",
                          "AS-708 impact x urgency: minor, medium -> P2", "AS-709 impact x urgency: minor, low -> P2"));
  EXPECT_EQ(assignment_text(*replay.workflow, replay.engine.find("AS-703")->assignee), "complaints");
}

// ---------------------------------------------------------------- the walkthrough

// T-1001 P0, created 09:00: first response 50% at 09:30, met at 09:40.
//   Resolve 4 h: paused by the obstacle at 10:50 (1 h 50 m); the obstacle's
//   24 h progress update at 11-24 10:50; resumed at 11:00: 50% (2 h) at
//   11:10, 80% (3 h 12 m) at 12:22 (escalated); resolved at 12:40: 3 h 30 m.
// T-1002 P1, created 09:30: first response 50% 11:30, 80% 12:42, breach
//   13:30 (escalated); accepted 14:00: 4 h 30 m. Resolve 24 h: 50% 21:30,
//   80% 11-24 04:42, breach 09:30; executing from 15:00, so the progress
//   update at 11-24 15:00; resolved 16:00: 30 h 30 m.
// T-1003 P2, created 16:00: first response met at 11-24 09:00 (17 h); resolve
//   paused at 11-24 17:30 (25 h 30 m).
// T-1004 P1, created 16:30: resolve 50% 11-24 04:30, 80% 11:42; paused at
//   15:00 (22 h 30 m).
TEST(AfterSalesScenarioTest, Walkthrough) {
  Replay replay(kRules);
  std::vector<Outcome> outcomes = replay.play("after_sales/walkthrough.jsonl");
  ASSERT_EQ(outcomes.size(), 44u);

  const std::vector<std::string> journal = {
      "11-23 09:00 T-1001 transition create - -> received @{initial state received}",
      "11-23 09:00 T-1001 transition create received -> registering @{auto when mood == angry}"
      " | notify customer empathy_script; assign customer_service.intake_specialist",
      "11-23 09:10 T-1001 transition registered registering -> classifying @{on registered when problem_confirmed}",
      "11-23 09:25 T-1001 transition classified classifying -> dispatched @{on classified by intake_specialist}"
      " | classify category product_fault; classify priority P0; route product_fault tech",
      "11-23 09:30 T-1001 warning dispatched @{priority P0>>first_response} first_response 50%",
      "11-23 09:30 T-1002 transition create - -> received @{initial state received}",
      "11-23 09:30 T-1002 transition create received -> registering @{auto when mood != angry}"
      " | assign customer_service.intake_specialist",
      "11-23 09:40 T-1001 transition accepted dispatched -> proposing @{on accepted by}"
      " | clock first_response stopped: met, 40m of 1h; notify customer case_accepted",
      "11-23 09:45 T-1002 transition registered registering -> classifying @{on registered when problem_confirmed}",
      "11-23 10:00 T-1001 transition proposed proposing -> approving @{on proposed when category == product_fault}"
      " | approval_chain head_signoff proposed by liu; level head_signoff.head",
      "11-23 10:00 T-1002 transition classified classifying -> dispatched @{on classified by intake_specialist}"
      " | classify category service_error; classify priority P1; route service_error ops",
      "11-23 10:15 T-1001 approval approving @{level head: any of dept_head}"
      " | approval_vote head_signoff.head 1 of 1; approval_level head_signoff.head approved",
      "11-23 10:15 T-1001 transition approved approving -> executing @{on approved -> executing}"
      " | notify customer plan_notice",
      "11-23 10:50 T-1001 transition obstacle_found executing -> obstacle @{on obstacle_found}"
      " | set stage procuring_parts; notify customer obstacle_notice; clock resolve paused; notify customer "
      "alternative_offer",
      "11-23 11:30 T-1002 warning dispatched @{priority P1>>first_response} first_response 50%",
      "11-23 12:42 T-1002 warning dispatched @{priority P1>>first_response} first_response 80%",
      "11-23 13:30 T-1002 breach dispatched @{priority P1>>first_response} first_response 100%",
      "11-23 13:30 T-1002 escalation dispatched @{priority P1>>on breach of first_response} first_response 100%"
      " | escalate supervisor",
      "11-23 14:00 T-1002 transition accepted dispatched -> proposing @{on accepted by}"
      " | clock first_response stopped: breached, 4h30m of 4h; notify customer case_accepted",
      "11-23 14:20 T-1002 rejection proposed proposing @{require compensation <= order_amount * 30%} ! "
      "服务失误补偿不得超过该笔订单金额的 30%",
      "11-23 14:30 T-1002 transition proposed proposing -> approving @{on proposed when category == service_error}"
      " | approval_chain supervisor_approval proposed by wang; level supervisor_approval.supervisor",
      "11-23 14:40 T-1002 rejection approve approving @{level supervisor: any of supervisor} ! `wang` proposed what "
      "awaits approval and may not approve it (four-eyes rule)",
      "11-23 15:00 T-1002 approval approving @{level supervisor: any of supervisor}"
      " | approval_vote supervisor_approval.supervisor 1 of 1; approval_level supervisor_approval.supervisor approved",
      "11-23 15:00 T-1002 transition approved approving -> executing @{on approved -> executing}"
      " | notify customer plan_notice",
      "11-23 16:00 T-1003 transition create - -> received @{initial state received}",
      "11-23 16:00 T-1003 transition create received -> registering @{auto when mood != angry}"
      " | assign customer_service.intake_specialist",
      "11-23 16:10 T-1003 transition registered registering -> classifying @{on registered when problem_confirmed}",
      "11-23 16:20 T-1003 transition classified classifying -> dispatched @{on classified by intake_specialist}"
      " | classify category inquiry; classify priority P2; route inquiry product",
      "11-23 16:30 T-1004 transition create - -> received @{initial state received}",
      "11-23 16:30 T-1004 transition create received -> registering @{auto when mood != angry}"
      " | assign customer_service.intake_specialist",
      "11-23 16:40 T-1004 transition registered registering -> classifying @{on registered when problem_confirmed}",
      "11-23 16:50 T-1004 transition classified classifying -> dispatched @{on classified by intake_specialist}"
      " | classify category rights_claim; classify priority P1; route rights_claim complaints, legal",
      "11-23 17:00 T-1004 transition accepted dispatched -> proposing @{on accepted by}"
      " | clock first_response stopped: met, 30m of 4h; notify customer case_accepted",
      "11-23 17:20 T-1004 transition proposed proposing -> legal_review @{on proposed when category == rights_claim}",
      "11-23 17:40 T-1004 transition revise legal_review -> proposing @{on revise by counsel}",
      "11-23 21:30 T-1002 warning executing @{priority P1>>resolve 24h} resolve 50%",
      "11-24 04:30 T-1004 warning proposing @{priority P1>>resolve 24h} resolve 50%",
      "11-24 04:42 T-1002 warning executing @{priority P1>>resolve 24h} resolve 80%",
      "11-24 04:42 T-1002 escalation executing @{priority P1>>at 80% of resolve} resolve 80% | escalate supervisor",
      "11-24 09:00 T-1003 transition accepted dispatched -> proposing @{on accepted by}"
      " | clock first_response stopped: met, 17h of 24h; notify customer case_accepted",
      "11-24 09:30 T-1002 breach executing @{priority P1>>resolve 24h} resolve 100%",
      "11-24 09:30 T-1002 escalation executing @{priority P1>>on breach of resolve} resolve 100%"
      " | escalate dept_head; notify customer delay_apology",
      "11-24 09:30 T-1003 transition proposed proposing -> approving @{on proposed when category == inquiry}"
      " | approval_chain none no approval required",
      "11-24 09:30 T-1003 transition approved approving -> executing @{on approved -> executing}"
      " | approval_chain none no approval required; notify customer plan_notice",
      "11-24 09:40 T-1004 transition proposed proposing -> legal_review @{on proposed when category == rights_claim}",
      "11-24 10:00 T-1004 transition compliant legal_review -> approving @{on compliant by counsel}"
      " | approval_chain supervisor_approval proposed by he; level supervisor_approval.supervisor",
      "11-24 10:30 T-1004 approval approving @{level supervisor: any of supervisor}"
      " | approval_vote supervisor_approval.supervisor 1 of 1; approval_level supervisor_approval.supervisor approved",
      "11-24 10:30 T-1004 transition approved approving -> executing @{on approved -> executing}"
      " | notify customer plan_notice",
      "11-24 10:50 T-1001 timer obstacle @{state obstacle>>every 24h} | notify customer progress_update",
      "11-24 11:00 T-1001 transition parts_arrived obstacle -> executing @{on parts_arrived}"
      " | clock resolve resumed; set stage executing_plan; notify customer parts_arrived",
      "11-24 11:10 T-1001 warning executing @{priority P0>>resolve} resolve 50%",
      "11-24 11:42 T-1004 warning executing @{priority P1>>resolve 24h} resolve 80%",
      "11-24 11:42 T-1004 escalation executing @{priority P1>>at 80% of resolve} resolve 80% | escalate supervisor",
      "11-24 12:22 T-1001 warning executing @{priority P0>>resolve} resolve 80%",
      "11-24 12:22 T-1001 escalation executing @{priority P0>>at 80% of resolve} resolve 80% | escalate dept_head",
      "11-24 12:40 T-1001 transition resolved executing -> awaiting_confirmation @{on resolved -> "
      "awaiting_confirmation}"
      " | notify customer confirmation_request; clock resolve paused",
      "11-24 14:00 T-1001 transition confirmed awaiting_confirmation -> follow_up @{on confirmed when confirmation != "
      "none}"
      " | clock resolve resumed; clock resolve stopped: met, 3h30m of 4h",
      "11-24 15:00 T-1002 timer executing @{state executing>>every 24h} | notify customer progress_update",
      "11-24 15:00 T-1004 transition resolved executing -> awaiting_confirmation @{on resolved -> "
      "awaiting_confirmation}"
      " | notify customer confirmation_request; clock resolve paused",
      "11-24 16:00 T-1002 transition resolved executing -> awaiting_confirmation @{on resolved -> "
      "awaiting_confirmation}"
      " | notify customer confirmation_request; clock resolve paused",
      "11-24 16:30 T-1004 transition confirmed awaiting_confirmation -> follow_up @{on confirmed when confirmation != "
      "none}"
      " | clock resolve resumed; clock resolve stopped: met, 22h30m of 24h",
      "11-24 17:00 T-1002 transition confirmed awaiting_confirmation -> follow_up @{on confirmed when confirmation != "
      "none}"
      " | clock resolve resumed; clock resolve stopped: breached, 30h30m of 24h",
      "11-24 17:30 T-1003 transition resolved executing -> awaiting_confirmation @{on resolved -> "
      "awaiting_confirmation}"
      " | notify customer confirmation_request; clock resolve paused",
      "11-24 17:45 T-1003 transition confirmed awaiting_confirmation -> follow_up @{on confirmed when confirmation != "
      "none}"
      " | clock resolve resumed; clock resolve stopped: met, 25h30m of 72h",
      "11-25 14:00 T-1001 timer follow_up @{after 24h do notify customer} | notify customer satisfaction_survey",
      "11-25 15:00 T-1001 transition survey follow_up -> closed @{on survey when overall >= 4}"
      " | notify customer thank_you; emit case_closed",
      "11-25 16:30 T-1004 timer follow_up @{after 24h do notify customer} | notify customer satisfaction_survey",
      "11-25 17:00 T-1002 timer follow_up @{after 24h do notify customer} | notify customer satisfaction_survey",
      "11-25 17:30 T-1004 transition survey follow_up -> closed @{on survey when overall >= 4}"
      " | notify customer thank_you; emit case_closed",
      "11-25 17:45 T-1003 timer follow_up @{after 24h do notify customer} | notify customer satisfaction_survey",
      "11-25 18:00 T-1002 transition survey follow_up -> supervisor_review @{on survey when overall <= 3}"
      " | assign customer_service.complaint_supervisor; notify complaint_supervisor low_satisfaction",
      "11-26 10:00 T-1002 transition improvement_planned supervisor_review -> closed @{on improvement_planned}"
      " | emit case_closed",
      "11-26 11:00 T-1003 transition survey_declined follow_up -> closed @{on survey_declined} | emit case_closed",
  };
  replay.expect_journal(rules(), journal);

  for (const char* id : {"T-1001", "T-1002", "T-1003", "T-1004"}) EXPECT_EQ(replay.state(id), "closed") << id;
  // The survey delivered twice: the second delivery is answered with the first outcome.
  const Outcome& again = outcomes[41];
  EXPECT_TRUE(again.duplicate);
  EXPECT_TRUE(again.accepted);
  EXPECT_EQ(again.first_seq, outcomes[40].first_seq);
  EXPECT_EQ(replay.transition("T-1002", "survey").idempotency_key, "survey-T-1002");
  EXPECT_EQ(replay.engine.next_due(), kNever);
}

}  // namespace
}  // namespace docket::engine::testing
