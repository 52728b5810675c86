// Scenario tests for section B of the process spec (客户投诉处理): each example
// in examples/complaint_handling/ is replayed against
// rules/complaint_handling.docket and its whole journal is compared with the
// one expected here. The times in the comments are worked out by hand from
// the rules (Beijing time, UTC+8): first reply within 2 h for `urgent`
// (warnings at 50% and 75%), 24 h for `serious` (50%, 80%) and `general`
// (80%), wall-clock from receipt.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/scenarios/scenario.h"

namespace docket::engine::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const char* const kRules = "rules/complaint_handling.docket";

const RuleLines& rules() {
  static const RuleLines lines({kRules});
  return lines;
}

// The departments a ticket is routed to, as the journal writes them.
std::string departments(const Replay& replay, const std::string& ticket) {
  std::string text;
  for (DepartmentIndex d : replay.engine.find(ticket)->departments) {
    text += (text.empty() ? "" : ", ") + replay.workflow->departments()[d].name;
  }
  return text;
}

// ---------------------------------------------------------------- 01: batch defect, recall

// Received 09:00, major -> serious (24 h): recorded at 10:00, met (1 h).
TEST(ComplaintHandlingScenarioTest, BatchDefectStartsARecall) {
  Replay replay(kRules);
  std::vector<Outcome> outcomes = replay.play("complaint_handling/01_quality_batch_defect_recall.jsonl");
  ASSERT_EQ(outcomes.size(), 10u);

  const std::vector<std::string> journal = {
      "11-23 09:00 CP-101 transition create - -> received @{initial state received}"
      " | assign customer_service.receptionist; classify priority serious",
      "11-23 10:00 CP-101 transition recorded received -> analysing @{on recorded when customer_grade != important}"
      " | classify category quality; classify priority serious; clock first_response stopped: met, 1h of 24h; notify "
      "customer first_reply; assign customer_service.complaint_supervisor",
      "11-23 14:00 CP-101 rejection analysed analysing @{require root_cause == systemic} ! "
      "批次性缺陷应认定为系统性原因",
      "11-23 14:30 CP-101 transition analysed analysing -> proposing @{on analysed when batch_defect}"
      " | route quality quality; emit recall_requested",
      "11-24 10:00 CP-101 transition proposed proposing -> approving @{on proposed when solution}"
      " | approval_chain leader_signoff proposed by sun; level leader_signoff.leader",
      "11-24 11:00 CP-101 approval approving @{chain leader_signoff>>level leader}"
      " | approval_vote leader_signoff.leader 1 of 1; approval_level leader_signoff.leader approved",
      "11-24 11:00 CP-101 transition approved approving -> negotiating @{on approved -> negotiating}"
      " | notify customer solution_proposal",
      "11-24 15:00 CP-101 transition customer_agreed negotiating -> implementing @{on customer_agreed}",
      "11-25 10:00 CP-101 transition implemented implementing -> return_visit @{on implemented}"
      " | notify customer result_notice",
      "11-26 10:00 CP-101 transition visited return_visit -> summarising @{on visited when satisfied}"
      " | notify customer thank_you",
      "11-26 16:00 CP-101 transition summarised summarising -> archived @{on summarised} | emit complaint_archived",
  };
  replay.expect_journal(rules(), journal);

  // A batch defect judged a one-off: refused, nothing of the analysis kept
  // (the record shows the event's data, in the order it was sent).
  EXPECT_FALSE(outcomes[2].accepted);
  EXPECT_EQ(outcomes[2].reason, "批次性缺陷应认定为系统性原因");
  EXPECT_EQ(render_changes(replay.records(RecordKind::kRejection).at(0)),
            "batch_defect: false -> true; root_cause: - -> one_off; responsibility: - -> supplier; "
            "affected_customers: 1 -> 120");
  Record analysed = replay.transition("CP-101", "analysed");
  EXPECT_EQ(analysed.effects.at(1).kind, EffectKind::kEmit);
  EXPECT_EQ(analysed.effects.at(1).target, "recall_requested");
  EXPECT_EQ(render_changes(analysed),
            "batch_defect: false -> true; root_cause: - -> systemic; responsibility: - -> supplier; "
            "affected_customers: 1 -> 120; reputational_risk: low -> high; financial_risk: 0 -> 60000; "
            "departments: - -> \"quality\"; assignee: \"customer_service.complaint_supervisor\" -> \"quality\"");
  EXPECT_EQ(replay.state("CP-101"), "archived");
  EXPECT_EQ(replay.engine.next_due(), kNever);
}

// ---------------------------------------------------------------- 02: urgent, escalation ladder

// Received 09:00, critical -> urgent (2 h) at once: 50% at 10:00, 75% at
// 10:30 (escalated to the complaint supervisor), breach at 11:00 (escalated
// to the department head); recorded 11:20: 2 h 20 m of 2 h.
TEST(ComplaintHandlingScenarioTest, UrgentComplaintClimbsTheEscalationLadderWhileWaiting) {
  Replay replay(kRules);
  std::vector<Outcome> outcomes = replay.play("complaint_handling/02_logistics_urgent_escalation.jsonl");
  ASSERT_EQ(outcomes.size(), 11u);
  for (const Outcome& outcome : outcomes) EXPECT_TRUE(outcome.accepted) << outcome.reason;

  const std::vector<std::string> journal = {
      "11-24 09:00 CP-201 transition create - -> received @{initial state received}"
      " | assign customer_service.receptionist; classify priority urgent",
      "11-24 10:00 CP-201 warning received @{priority urgent>>first_response} first_response 50%",
      "11-24 10:30 CP-201 warning received @{priority urgent>>first_response} first_response 75%",
      "11-24 10:30 CP-201 escalation received @{at 75% of first_response} first_response 75%"
      " | escalate complaint_supervisor",
      "11-24 11:00 CP-201 breach received @{priority urgent>>first_response} first_response 100%",
      "11-24 11:00 CP-201 escalation received @{priority urgent>>on breach of first_response} first_response 100%"
      " | escalate dept_head",
      "11-24 11:20 CP-201 transition recorded received -> analysing @{on recorded when customer_grade != important}"
      " | classify category logistics; classify priority urgent; clock first_response stopped: breached, 2h20m of 2h; "
      "notify customer first_reply; assign customer_service.complaint_supervisor",
      "11-24 11:40 CP-201 transition analysed analysing -> proposing @{on analysed when not batch_defect}"
      " | route logistics logistics",
      "11-24 13:00 CP-201 transition proposed proposing -> approving @{on proposed when solution}"
      " | approval_chain leader_signoff proposed by lin; level leader_signoff.leader",
      "11-24 13:30 CP-201 transition rejected approving -> proposing @{on rejected -> proposing}"
      " | approval_vote leader_signoff.leader rejected by deng; notify assignee solution_rejected",
      "11-24 14:00 CP-201 transition proposed proposing -> approving @{on proposed when solution}"
      " | approval_chain leader_signoff proposed by lin; level leader_signoff.leader",
      "11-24 14:30 CP-201 approval approving @{chain leader_signoff>>level leader}"
      " | approval_vote leader_signoff.leader 1 of 1; approval_level leader_signoff.leader approved",
      "11-24 14:30 CP-201 transition approved approving -> negotiating @{on approved -> negotiating}"
      " | notify customer solution_proposal",
      "11-24 15:00 CP-201 transition customer_agreed negotiating -> implementing @{on customer_agreed}",
      "11-24 17:00 CP-201 transition implemented implementing -> return_visit @{on implemented}"
      " | notify customer result_notice",
      "11-25 10:00 CP-201 transition visited return_visit -> summarising @{on visited when satisfied}"
      " | notify customer thank_you",
      "11-25 11:00 CP-201 transition summarised summarising -> archived @{on summarised} | emit complaint_archived",
  };
  replay.expect_journal(rules(), journal);

  Record created = replay.transition("CP-201", "create");
  EXPECT_EQ(created.effects.at(1).detail, "when severity == critical -> urgent");
  EXPECT_EQ(created.effects.at(1).rule.line, rules().line("urgent when severity == critical"));
  std::vector<Record> escalations = replay.records(RecordKind::kEscalation);
  ASSERT_EQ(escalations.size(), 2u);
  EXPECT_EQ(escalations[0].sla->due, at("2026-11-24T10:30:00+08:00"));
  EXPECT_EQ(escalations[0].sla->percent, 75);
  EXPECT_EQ(escalations[1].sla->due, at("2026-11-24T11:00:00+08:00"));
  EXPECT_EQ(escalations[1].effects.at(0).target, "dept_head");
  EXPECT_EQ(replay.transition("CP-201", "rejected").effects.at(1).detail, "logistics");
  EXPECT_EQ(replay.state("CP-201"), "archived");
}

// ---------------------------------------------------------------- 03: declined, reopened

// Received 11-25 18:00, general (24 h): 80% at 11-26 13:12; recorded 14:00 (20 h).
TEST(ComplaintHandlingScenarioTest, DeclinedSolutionAndUnsatisfiedReturnVisitReopenTheCase) {
  Replay replay(kRules);
  std::vector<Outcome> outcomes = replay.play("complaint_handling/03_attitude_reopened.jsonl");
  ASSERT_EQ(outcomes.size(), 17u);
  for (const Outcome& outcome : outcomes) EXPECT_TRUE(outcome.accepted) << outcome.reason;

  const std::vector<std::string> journal = {
      "11-25 18:00 CP-301 transition create - -> received @{initial state received}"
      " | assign customer_service.receptionist; classify priority general",
      "11-26 13:12 CP-301 warning received @{priority general>>first_response} first_response 80%",
      "11-26 14:00 CP-301 transition recorded received -> analysing @{on recorded when customer_grade != important}"
      " | classify category attitude; classify priority general; clock first_response stopped: met, 20h of 24h; notify "
      "customer first_reply; assign customer_service.complaint_supervisor",
      "11-26 15:00 CP-301 transition analysed analysing -> proposing @{on analysed when not batch_defect}"
      " | route attitude customer_service",
      "11-26 16:00 CP-301 transition proposed proposing -> approving @{on proposed when solution}"
      " | approval_chain leader_signoff proposed by tang; level leader_signoff.leader",
      "11-26 16:30 CP-301 approval approving @{chain leader_signoff>>level leader}"
      " | approval_vote leader_signoff.leader 1 of 1; approval_level leader_signoff.leader approved",
      "11-26 16:30 CP-301 transition approved approving -> negotiating @{on approved -> negotiating}"
      " | notify customer solution_proposal",
      "11-26 17:00 CP-301 transition customer_declined negotiating -> proposing @{on customer_declined}"
      " | notify assignee customer_declined",
      "11-27 10:00 CP-301 transition proposed proposing -> approving @{on proposed when solution}"
      " | approval_chain leader_signoff proposed by tang; level leader_signoff.leader",
      "11-27 10:30 CP-301 approval approving @{chain leader_signoff>>level leader}"
      " | approval_vote leader_signoff.leader 1 of 1; approval_level leader_signoff.leader approved",
      "11-27 10:30 CP-301 transition approved approving -> negotiating @{on approved -> negotiating}"
      " | notify customer solution_proposal",
      "11-27 11:00 CP-301 transition customer_agreed negotiating -> implementing @{on customer_agreed}",
      "11-27 15:00 CP-301 transition implemented implementing -> return_visit @{on implemented}"
      " | notify customer result_notice",
      "11-30 10:00 CP-301 transition visited return_visit -> proposing @{on visited when not satisfied}"
      " | notify complaint_supervisor complaint_reopened",
      "11-30 14:00 CP-301 transition proposed proposing -> approving @{on proposed when solution}"
      " | approval_chain leader_signoff proposed by tang; level leader_signoff.leader",
      "11-30 15:00 CP-301 approval approving @{chain leader_signoff>>level leader}"
      " | approval_vote leader_signoff.leader 1 of 1; approval_level leader_signoff.leader approved",
      "11-30 15:00 CP-301 transition approved approving -> negotiating @{on approved -> negotiating}"
      " | notify customer solution_proposal",
      "11-30 16:00 CP-301 transition customer_agreed negotiating -> implementing @{on customer_agreed}",
      "12-01 10:00 CP-301 transition implemented implementing -> return_visit @{on implemented}"
      " | notify customer result_notice",
      "12-01 16:00 CP-301 transition visited return_visit -> summarising @{on visited when satisfied}"
      " | notify customer thank_you",
      "12-02 10:00 CP-301 transition summarised summarising -> archived @{on summarised} | emit complaint_archived",
  };
  replay.expect_journal(rules(), journal);

  EXPECT_EQ(outcomes[5].state, "proposing");   // declined by the customer
  EXPECT_EQ(outcomes[10].state, "proposing");  // not satisfied at the return visit
  EXPECT_EQ(replay.transition("CP-301", "visited", 1).to, "summarising");
  EXPECT_EQ(replay.field("CP-301", "satisfied"), "true");
  EXPECT_EQ(replay.state("CP-301"), "archived");
}

// ---------------------------------------------------------------- 04: important customer, two levels

TEST(ComplaintHandlingScenarioTest, ImportantCustomerNeedsTheLeaderThenTheKeyAccountManager) {
  Replay replay(kRules);
  std::vector<Outcome> outcomes = replay.play("complaint_handling/04_pricing_important_customer.jsonl");
  ASSERT_EQ(outcomes.size(), 12u);

  const std::vector<std::string> journal = {
      "11-26 09:00 CP-401 transition create - -> received @{initial state received}"
      " | assign customer_service.receptionist; classify priority serious",
      "11-26 09:30 CP-401 transition recorded received -> analysing @{on recorded when customer_grade == important}"
      " | classify category pricing; classify priority serious; clock first_response stopped: met, 30m of 24h; notify "
      "customer first_reply; notify key_account_manager important_customer_complaint; assign "
      "customer_service.complaint_supervisor",
      "11-26 10:00 CP-401 transition analysed analysing -> proposing @{on analysed when not batch_defect}"
      " | route pricing sales, legal, key_accounts",
      "11-26 11:00 CP-401 transition proposed proposing -> approving @{on proposed when solution}"
      " | approval_chain key_account_signoff proposed by gao; level key_account_signoff.leader",
      "11-26 11:10 CP-401 rejection approve approving @{chain key_account_signoff>>level leader} ! `yang` holds none "
      "of the roles of approval level key_account_signoff.leader: dept_head",
      "11-26 11:20 CP-401 rejection approve approving @{chain key_account_signoff>>level leader} ! `gao` proposed "
      "what awaits approval and may not approve it (four-eyes rule)",
      "11-26 11:30 CP-401 approval approving @{chain key_account_signoff>>level leader}"
      " | approval_vote key_account_signoff.leader 1 of 1; approval_level key_account_signoff.leader approved; "
      "approval_level key_account_signoff.account open",
      "11-26 12:00 CP-401 approval approving @{level account}"
      " | approval_vote key_account_signoff.account 1 of 1; approval_level key_account_signoff.account approved",
      "11-26 12:00 CP-401 transition approved approving -> negotiating @{on approved -> negotiating}"
      " | notify customer solution_proposal",
      "11-26 14:00 CP-401 transition customer_agreed negotiating -> implementing @{on customer_agreed}",
      "11-27 10:00 CP-401 transition implemented implementing -> return_visit @{on implemented}"
      " | notify customer result_notice",
      "11-27 15:00 CP-401 transition visited return_visit -> summarising @{on visited when satisfied}"
      " | notify customer thank_you",
      "11-27 16:00 CP-401 transition summarised summarising -> archived @{on summarised} | emit complaint_archived",
  };
  replay.expect_journal(rules(), journal);

  EXPECT_EQ(outcomes[4].reason,
            "`yang` holds none of the roles of approval level key_account_signoff.leader: dept_head");
  EXPECT_EQ(outcomes[5].reason, "`gao` proposed what awaits approval and may not approve it (four-eyes rule)");
  EXPECT_EQ(outcomes[6].state, "approving");  // level 1 signed, level 2 open
  EXPECT_EQ(outcomes[7].state, "negotiating");
  EXPECT_EQ(departments(replay, "CP-401"), "sales, legal, key_accounts");
  EXPECT_EQ(replay.state("CP-401"), "archived");
}

// ---------------------------------------------------------------- 05: every issue and grade

// CP-505 (general) received 09:04: 80% (19 h 12 m) at 11-24 04:16, breach at
// 09:04 (escalated to the complaint supervisor). CP-506 (serious) received
// 09:05: 50% at 21:05, 80% at 11-24 04:17 (escalated to the complaint
// supervisor), breach at 09:05 (escalated to the department head).
TEST(ComplaintHandlingScenarioTest, EveryIssueGradeAndRoute) {
  Replay replay(kRules);
  std::vector<Outcome> outcomes = replay.play("complaint_handling/05_issues_and_grades.jsonl");
  ASSERT_EQ(outcomes.size(), 37u);

  const std::vector<std::string> journal = {
      "11-23 09:00 CP-501 transition create - -> received @{initial state received}"
      " | assign customer_service.receptionist; classify priority general",
      "11-23 09:01 CP-502 transition create - -> received @{initial state received}"
      " | assign customer_service.receptionist; classify priority serious",
      "11-23 09:02 CP-503 transition create - -> received @{initial state received}"
      " | assign customer_service.receptionist; classify priority urgent",
      "11-23 09:03 CP-504 transition create - -> received @{initial state received}"
      " | assign customer_service.receptionist; classify priority serious",
      "11-23 09:04 CP-505 transition create - -> received @{initial state received}"
      " | assign customer_service.receptionist; classify priority general",
      "11-23 09:05 CP-506 transition create - -> received @{initial state received}"
      " | assign customer_service.receptionist; classify priority serious",
      "11-23 09:06 CP-507 transition create - -> received @{initial state received}"
      " | assign customer_service.receptionist; classify priority general",
      "11-23 09:07 CP-508 transition create - -> received @{initial state received}"
      " | assign customer_service.receptionist; classify priority general",
      "11-23 09:08 CP-509 transition create - -> received @{initial state received}"
      " | assign customer_service.receptionist; classify priority serious",
      "11-23 09:09 CP-510 transition create - -> received @{initial state received}"
      " | assign customer_service.receptionist; classify priority general",
      "11-23 09:10 CP-511 transition create - -> received @{initial state received}"
      " | assign customer_service.receptionist; classify priority serious",
      "11-23 09:11 CP-512 transition create - -> received @{initial state received}"
      " | assign customer_service.receptionist; classify priority urgent",
      "11-23 09:20 CP-501 transition recorded received -> analysing @{on recorded when customer_grade != important}"
      " | classify category quality; classify priority general; clock first_response stopped: met, 20m of 24h; notify "
      "customer first_reply; assign customer_service.complaint_supervisor",
      "11-23 09:21 CP-502 transition recorded received -> analysing @{on recorded when customer_grade != important}"
      " | classify category quality; classify priority serious; clock first_response stopped: met, 20m of 24h; notify "
      "customer first_reply; assign customer_service.complaint_supervisor",
      "11-23 09:22 CP-503 transition recorded received -> analysing @{on recorded when customer_grade != important}"
      " | classify category quality; classify priority urgent; clock first_response stopped: met, 20m of 2h; notify "
      "customer first_reply; assign customer_service.complaint_supervisor",
      "11-23 09:23 CP-504 transition recorded received -> analysing @{on recorded when customer_grade == important}"
      " | classify category logistics; classify priority serious; clock first_response stopped: met, 20m of 24h; "
      "notify customer first_reply; notify key_account_manager important_customer_complaint; assign "
      "customer_service.complaint_supervisor",
      "11-23 09:26 CP-507 transition recorded received -> analysing @{on recorded when customer_grade != important}"
      " | classify category attitude; classify priority general; clock first_response stopped: met, 20m of 24h; notify "
      "customer first_reply; assign customer_service.complaint_supervisor",
      "11-23 09:27 CP-508 transition recorded received -> analysing @{on recorded when customer_grade != important}"
      " | classify category attitude; classify priority general; clock first_response stopped: met, 20m of 24h; notify "
      "customer first_reply; assign customer_service.complaint_supervisor",
      "11-23 09:28 CP-509 transition recorded received -> analysing @{on recorded when customer_grade != important}"
      " | classify category attitude; classify priority serious; clock first_response stopped: met, 20m of 24h; notify "
      "customer first_reply; assign customer_service.complaint_supervisor",
      "11-23 09:29 CP-510 transition recorded received -> analysing @{on recorded when customer_grade != important}"
      " | classify category pricing; classify priority general; clock first_response stopped: met, 20m of 24h; notify "
      "customer first_reply; assign customer_service.complaint_supervisor",
      "11-23 09:30 CP-511 transition recorded received -> analysing @{on recorded when customer_grade == important}"
      " | classify category pricing; classify priority serious; clock first_response stopped: met, 20m of 24h; notify "
      "customer first_reply; notify key_account_manager important_customer_complaint; assign "
      "customer_service.complaint_supervisor",
      "11-23 09:31 CP-512 transition recorded received -> analysing @{on recorded when customer_grade != important}"
      " | classify category pricing; classify priority urgent; clock first_response stopped: met, 20m of 2h; notify "
      "customer first_reply; assign customer_service.complaint_supervisor",
      "11-23 21:05 CP-506 warning received @{priority serious>>first_response} first_response 50%",
      "11-24 04:16 CP-505 warning received @{priority general>>first_response} first_response 80%",
      "11-24 04:17 CP-506 warning received @{priority serious>>first_response} first_response 80%",
      "11-24 04:17 CP-506 escalation received @{priority serious>>at 80% of first_response} first_response 80%"
      " | escalate complaint_supervisor",
      "11-24 09:04 CP-505 breach received @{priority general>>first_response} first_response 100%",
      "11-24 09:04 CP-505 escalation received @{priority general>>on breach of first_response} first_response 100%"
      " | escalate complaint_supervisor",
      "11-24 09:05 CP-506 breach received @{priority serious>>first_response} first_response 100%",
      "11-24 09:05 CP-506 escalation received @{priority serious>>on breach of first_response} first_response 100%"
      " | escalate dept_head",
      "11-24 10:00 CP-505 transition recorded received -> analysing @{on recorded when customer_grade != important}"
      " | classify category logistics; classify priority general; clock first_response stopped: breached, 24h56m of "
      "24h; notify customer first_reply; assign customer_service.complaint_supervisor",
      "11-24 10:01 CP-506 transition recorded received -> analysing @{on recorded when customer_grade != important}"
      " | classify category logistics; classify priority serious; clock first_response stopped: breached, 24h56m of "
      "24h; notify customer first_reply; assign customer_service.complaint_supervisor",
      "11-24 14:00 CP-501 rejection analysed analysing @{require affected_customers >= 1} ! 受影响客户数至少为 1",
      "11-24 14:10 CP-501 transition analysed analysing -> proposing @{on analysed when not batch_defect}"
      " | route quality quality",
      "11-24 14:11 CP-502 transition analysed analysing -> proposing @{on analysed when not batch_defect}"
      " | route quality quality",
      "11-24 14:12 CP-503 transition analysed analysing -> proposing @{on analysed when not batch_defect}"
      " | route quality quality",
      "11-24 14:13 CP-504 transition analysed analysing -> proposing @{on analysed when not batch_defect}"
      " | route logistics logistics, key_accounts",
      "11-24 14:14 CP-505 transition analysed analysing -> proposing @{on analysed when not batch_defect}"
      " | route logistics logistics",
      "11-24 14:15 CP-506 transition analysed analysing -> proposing @{on analysed when not batch_defect}"
      " | route logistics logistics",
      "11-24 14:16 CP-507 transition analysed analysing -> proposing @{on analysed when not batch_defect}"
      " | route attitude customer_service",
      "11-24 14:17 CP-508 transition analysed analysing -> proposing @{on analysed when not batch_defect}"
      " | route attitude customer_service",
      "11-24 14:18 CP-509 transition analysed analysing -> proposing @{on analysed when not batch_defect}"
      " | route attitude customer_service",
      "11-24 14:19 CP-510 transition analysed analysing -> proposing @{on analysed when not batch_defect}"
      " | route pricing sales",
      "11-24 14:20 CP-511 transition analysed analysing -> proposing @{on analysed when not batch_defect}"
      " | route pricing sales, key_accounts",
      "11-24 14:21 CP-512 transition analysed analysing -> proposing @{on analysed when not batch_defect}"
      " | route pricing sales, legal",
  };
  replay.expect_journal(rules(), journal);

  EXPECT_EQ(outcomes[24].reason, "受影响客户数至少为 1");
  std::vector<std::string> summary;
  for (int i = 1; i <= 12; ++i) {
    char id[8];
    std::snprintf(id, sizeof id, "CP-5%02d", i);
    const Ticket& ticket = *replay.engine.find(id);
    summary.push_back(std::string(id) + " " + ticket.format("issue") + " " + ticket.format("channel") + ": " +
                      replay.workflow->categories()[*ticket.category()].name + "/" +
                      replay.workflow->priorities()[*ticket.priority()].name + " -> " + departments(replay, id));
  }
  EXPECT_THAT(summary, ElementsAre("CP-501 defect phone: quality/general -> quality",
                                   "CP-502 mismatch on_site: quality/serious -> quality",
                                   "CP-503 damaged_packaging email: quality/urgent -> quality",
                                   "CP-504 late_delivery online_form: logistics/serious -> logistics, key_accounts",
                                   "CP-505 lost_parcel social: logistics/general -> logistics",
                                   "CP-506 wrong_item phone: logistics/serious -> logistics",
                                   "CP-507 rude on_site: attitude/general -> customer_service",
                                   "CP-508 slow_service email: attitude/general -> customer_service",
                                   "CP-509 unprofessional online_form: attitude/serious -> customer_service",
                                   "CP-510 promotion_rules social: pricing/general -> sales",
                                   "CP-511 hidden_fees phone: pricing/serious -> sales, key_accounts",
                                   "CP-512 contract_terms email: pricing/urgent -> sales, legal"));
}

// ---------------------------------------------------------------- the walkthrough

// C-2001 urgent, received 09:00: 50% 10:00, 75% 10:30 (escalated); recorded
//   10:40 (1 h 40 m, met).
// C-2002 serious, received 09:20: 50% 21:20, 80% 11-24 04:32 (escalated);
//   recorded 11-24 09:00 (23 h 40 m, met).
// C-2003 serious (important customer), recorded after 30 m.
TEST(ComplaintHandlingScenarioTest, Walkthrough) {
  Replay replay(kRules);
  std::vector<Outcome> outcomes = replay.play("complaint_handling/walkthrough.jsonl");
  ASSERT_EQ(outcomes.size(), 40u);

  const std::vector<std::string> journal = {
      "11-23 09:00 C-2001 transition create - -> received @{initial state received}"
      " | assign customer_service.receptionist; classify priority urgent",
      "11-23 09:20 C-2002 transition create - -> received @{initial state received}"
      " | assign customer_service.receptionist; classify priority serious",
      "11-23 10:00 C-2001 warning received @{priority urgent>>first_response} first_response 50%",
      "11-23 10:00 C-2003 transition create - -> received @{initial state received}"
      " | assign customer_service.receptionist; classify priority serious",
      "11-23 10:30 C-2001 warning received @{priority urgent>>first_response} first_response 75%",
      "11-23 10:30 C-2001 escalation received @{at 75% of first_response} first_response 75%"
      " | escalate complaint_supervisor",
      "11-23 10:30 C-2003 transition recorded received -> analysing @{on recorded when customer_grade == important}"
      " | classify category pricing; classify priority serious; clock first_response stopped: met, 30m of 24h; notify "
      "customer first_reply; notify key_account_manager important_customer_complaint; assign "
      "customer_service.complaint_supervisor",
      "11-23 10:40 C-2001 transition recorded received -> analysing @{on recorded when customer_grade != important}"
      " | classify category logistics; classify priority urgent; clock first_response stopped: met, 1h40m of 2h; "
      "notify customer first_reply; assign customer_service.complaint_supervisor",
      "11-23 11:00 C-2001 transition analysed analysing -> proposing @{on analysed when not batch_defect}"
      " | route logistics logistics",
      "11-23 11:10 C-2003 transition analysed analysing -> proposing @{on analysed when not batch_defect}"
      " | route pricing sales, key_accounts",
      "11-23 13:00 C-2001 transition proposed proposing -> approving @{on proposed when solution}"
      " | approval_chain leader_signoff proposed by lin; level leader_signoff.leader",
      "11-23 13:30 C-2001 approval approving @{chain leader_signoff>>level leader}"
      " | approval_vote leader_signoff.leader 1 of 1; approval_level leader_signoff.leader approved",
      "11-23 13:30 C-2001 transition approved approving -> negotiating @{on approved -> negotiating}"
      " | notify customer solution_proposal",
      "11-23 14:00 C-2001 transition customer_declined negotiating -> proposing @{on customer_declined}"
      " | notify assignee customer_declined",
      "11-23 14:30 C-2003 transition proposed proposing -> approving @{on proposed when solution}"
      " | approval_chain key_account_signoff proposed by gao; level key_account_signoff.leader",
      "11-23 14:40 C-2003 rejection approve approving @{chain key_account_signoff>>level leader} ! `gao` proposed "
      "what awaits approval and may not approve it (four-eyes rule)",
      "11-23 14:50 C-2003 rejection approve approving @{chain key_account_signoff>>level leader} ! `yang` holds none "
      "of the roles of approval level key_account_signoff.leader: dept_head",
      "11-23 15:00 C-2003 transition rejected approving -> proposing @{on rejected -> proposing}"
      " | approval_vote key_account_signoff.leader rejected by bai; notify assignee solution_rejected",
      "11-23 15:30 C-2001 transition proposed proposing -> approving @{on proposed when solution}"
      " | approval_chain leader_signoff proposed by lin; level leader_signoff.leader",
      "11-23 16:00 C-2001 approval approving @{chain leader_signoff>>level leader}"
      " | approval_vote leader_signoff.leader 1 of 1; approval_level leader_signoff.leader approved",
      "11-23 16:00 C-2001 transition approved approving -> negotiating @{on approved -> negotiating}"
      " | notify customer solution_proposal",
      "11-23 16:10 C-2001 transition customer_agreed negotiating -> implementing @{on customer_agreed}",
      "11-23 16:30 C-2003 transition proposed proposing -> approving @{on proposed when solution}"
      " | approval_chain key_account_signoff proposed by ma; level key_account_signoff.leader",
      "11-23 17:00 C-2003 approval approving @{chain key_account_signoff>>level leader}"
      " | approval_vote key_account_signoff.leader 1 of 1; approval_level key_account_signoff.leader approved; "
      "approval_level key_account_signoff.account open",
      "11-23 17:10 C-2003 approval approving @{level account}"
      " | approval_vote key_account_signoff.account 1 of 1; approval_level key_account_signoff.account approved",
      "11-23 17:10 C-2003 transition approved approving -> negotiating @{on approved -> negotiating}"
      " | notify customer solution_proposal",
      "11-23 21:20 C-2002 warning received @{priority serious>>first_response} first_response 50%",
      "11-24 04:32 C-2002 warning received @{priority serious>>first_response} first_response 80%",
      "11-24 04:32 C-2002 escalation received @{priority serious>>at 80% of first_response} first_response 80%"
      " | escalate complaint_supervisor",
      "11-24 09:00 C-2002 transition recorded received -> analysing @{on recorded when customer_grade != important}"
      " | classify category quality; classify priority serious; clock first_response stopped: met, 23h40m of 24h; "
      "notify customer first_reply; assign customer_service.complaint_supervisor",
      "11-24 09:30 C-2002 transition analysed analysing -> proposing @{on analysed when batch_defect}"
      " | route quality quality; emit recall_requested",
      "11-24 10:00 C-2001 transition implemented implementing -> return_visit @{on implemented}"
      " | notify customer result_notice",
      "11-24 10:30 C-2003 transition customer_agreed negotiating -> implementing @{on customer_agreed}",
      "11-24 11:00 C-2002 transition proposed proposing -> approving @{on proposed when solution}"
      " | approval_chain leader_signoff proposed by sun; level leader_signoff.leader",
      "11-24 11:30 C-2002 approval approving @{chain leader_signoff>>level leader}"
      " | approval_vote leader_signoff.leader 1 of 1; approval_level leader_signoff.leader approved",
      "11-24 11:30 C-2002 transition approved approving -> negotiating @{on approved -> negotiating}"
      " | notify customer solution_proposal",
      "11-24 14:00 C-2002 transition customer_agreed negotiating -> implementing @{on customer_agreed}",
      "11-24 15:00 C-2003 transition implemented implementing -> return_visit @{on implemented}"
      " | notify customer result_notice",
      "11-25 10:00 C-2001 transition visited return_visit -> proposing @{on visited when not satisfied}"
      " | notify complaint_supervisor complaint_reopened",
      "11-25 10:30 C-2003 transition visited return_visit -> summarising @{on visited when satisfied}"
      " | notify customer thank_you",
      "11-25 11:00 C-2001 transition proposed proposing -> approving @{on proposed when solution}"
      " | approval_chain leader_signoff proposed by lin; level leader_signoff.leader",
      "11-25 11:15 C-2003 transition summarised summarising -> archived @{on summarised} | emit complaint_archived",
      "11-25 11:30 C-2001 approval approving @{chain leader_signoff>>level leader}"
      " | approval_vote leader_signoff.leader 1 of 1; approval_level leader_signoff.leader approved",
      "11-25 11:30 C-2001 transition approved approving -> negotiating @{on approved -> negotiating}"
      " | notify customer solution_proposal",
      "11-25 12:00 C-2001 transition customer_agreed negotiating -> implementing @{on customer_agreed}",
      "11-25 15:00 C-2001 transition implemented implementing -> return_visit @{on implemented}"
      " | notify customer result_notice",
      "11-25 16:00 C-2002 transition implemented implementing -> return_visit @{on implemented}"
      " | notify customer result_notice",
      "11-26 10:00 C-2001 transition visited return_visit -> summarising @{on visited when satisfied}"
      " | notify customer thank_you",
      "11-26 10:10 C-2002 transition visited return_visit -> summarising @{on visited when satisfied}"
      " | notify customer thank_you",
      "11-26 14:00 C-2001 transition summarised summarising -> archived @{on summarised} | emit complaint_archived",
      "11-26 14:10 C-2002 transition summarised summarising -> archived @{on summarised} | emit complaint_archived",
  };
  replay.expect_journal(rules(), journal);

  for (const char* id : {"C-2001", "C-2002", "C-2003"}) EXPECT_EQ(replay.state(id), "archived") << id;
  EXPECT_THAT(replay.transition("C-2003", "recorded").effects.at(4).value, HasSubstr("important_customer_complaint"));
  EXPECT_EQ(replay.engine.next_due(), kNever);
}

}  // namespace
}  // namespace docket::engine::testing
