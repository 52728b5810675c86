#include "engine/runtime/approval.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/codec/journal_text.h"
#include "tests/support/engine_harness.h"

namespace docket::engine::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Brings an after_sales ticket to `approving` with a plan proposed by `proposer`.
Outcome propose(Harness& h, const std::string& id, const char* problem_type, const char* impact, const char* urgency,
                const Actor& proposer, std::vector<DataItem> plan) {
  EXPECT_TRUE(h.create(kMonday, id, intake(), after_sales_form()).accepted);
  EXPECT_TRUE(h.send(kMonday + 60, id, "registered", intake(), {boolean("problem_confirmed", true)}).accepted);
  EXPECT_TRUE(h.send(kMonday + 120, id, "classified", intake(),
                     {text("problem_type", problem_type), text("impact", impact), text("urgency", urgency)})
                  .accepted);
  EXPECT_TRUE(h.send(kMonday + 180, id, "accepted", proposer).accepted);
  return h.send(kMonday + 240, id, "proposed", proposer, std::move(plan));
}

Outcome propose_repair(Harness& h, const char* impact, const char* urgency) {
  return propose(h, "T-1", "fault", impact, urgency, engineer(), {text("remedy", "repair")});
}

// ---------------------------------------------------------------- the shipped chains

TEST(ApprovalTest, P0NeedsTheDepartmentHead) {
  Harness h(shipped_rules("after_sales.docket"));
  Outcome proposed = propose_repair(h, "core", "high");
  ASSERT_TRUE(proposed.accepted) << proposed.reason;
  EXPECT_EQ(proposed.state, "approving");
  const Record& entry = h.records().back();
  ASSERT_FALSE(entry.effects.empty());
  EXPECT_EQ(entry.effects.back().kind, EffectKind::kApprovalChain);
  EXPECT_EQ(entry.effects.back().target, "head_signoff");
  EXPECT_EQ(entry.effects.back().rule.where, shipped_line("after_sales.docket", "P0: head_signoff"));

  Outcome supervisor = h.send(kMonday + kHour, "T-1", "approve", actor("wang", {"supervisor"}));
  EXPECT_FALSE(supervisor.accepted);
  EXPECT_THAT(supervisor.reason, HasSubstr("holds none of the roles of approval level head_signoff.head: dept_head"));
  EXPECT_EQ(h.state("T-1"), "approving");

  Outcome head = h.send(kMonday + kHour, "T-1", "approve", actor("boss", {"dept_head"}));
  ASSERT_TRUE(head.accepted) << head.reason;
  EXPECT_EQ(head.state, "executing");
  // The vote, then `approved` fired by the engine.
  const Record& vote = h.records()[h.records().size() - 2];
  EXPECT_EQ(vote.kind, RecordKind::kApproval);
  EXPECT_EQ(vote.event, "approve");
  const Record& decision = h.records().back();
  EXPECT_EQ(decision.kind, RecordKind::kTransition);
  EXPECT_EQ(decision.cause, Cause::kApproval);
  EXPECT_EQ(decision.event, "approved");
  EXPECT_EQ(decision.actor.id, "boss");
  EXPECT_EQ(decision.to, "executing");
  EXPECT_EQ(decision.rule.where, shipped_line("after_sales.docket", "on approved -> executing"));
}

// `approved` is the chain's decision: sent as an event, even by someone who
// could approve, it would skip the votes and the four-eyes rule.
TEST(ApprovalTest, ApprovedAndRejectedCannotBeSentFromOutside) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(propose_repair(h, "core", "high").accepted);
  for (const char* decision : {"approved", "rejected"}) {
    Outcome sent = h.send(kMonday + kHour, "T-1", decision, actor("boss", {"dept_head"}));
    EXPECT_FALSE(sent.accepted) << decision;
    EXPECT_THAT(sent.reason, HasSubstr("is decided by the approval chain in `approving`: send `approve` or `reject`"));
    EXPECT_EQ(sent.code, RejectionCode::kApprovalOnly);
    EXPECT_EQ(h.state("T-1"), "approving");
  }
}

// A role written `department.role` holds only on tickets of that department:
// the head of operations cannot sign off a product fault routed to tech.
TEST(ApprovalTest, DepartmentScopedRolesHoldOnlyInTheirDepartment) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(propose_repair(h, "core", "high").accepted);
  Outcome other_head = h.send(kMonday + kHour, "T-1", "approve", actor("ops_head", {"ops.dept_head"}));
  EXPECT_FALSE(other_head.accepted);
  EXPECT_THAT(other_head.reason, HasSubstr("holds none of the roles of approval level head_signoff.head"));
  EXPECT_EQ(other_head.code, RejectionCode::kNotApprover);
  EXPECT_EQ(h.state("T-1"), "approving");

  Outcome own_head = h.send(kMonday + kHour, "T-1", "approve", actor("tech_head", {"ops.dept_head", "tech.dept_head"}));
  ASSERT_TRUE(own_head.accepted) << own_head.reason;
  EXPECT_EQ(own_head.state, "executing");
}

TEST(ApprovalTest, DepartmentScopedRolesAlsoGuardTransitions) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form()).accepted);
  ASSERT_TRUE(h.send(kMonday + 60, "T-1", "registered", intake(), {boolean("problem_confirmed", true)}).accepted);
  ASSERT_TRUE(h.send(kMonday + 120, "T-1", "classified", intake(),
                     {text("problem_type", "fault"), text("impact", "minor"), text("urgency", "low")})
                  .accepted);
  // Routed to tech: an engineer of product may not accept it, one of tech may.
  EXPECT_FALSE(h.send(kMonday + 180, "T-1", "accepted", actor("li", {"product.engineer"})).accepted);
  EXPECT_TRUE(h.send(kMonday + 180, "T-1", "accepted", actor("zhao", {"tech.engineer"})).accepted);
}

TEST(ApprovalTest, P1NeedsASupervisor) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(propose_repair(h, "function", "medium").accepted);
  EXPECT_FALSE(h.send(kMonday + kHour, "T-1", "approve", actor("boss", {"dept_head"})).accepted);
  EXPECT_EQ(h.send(kMonday + kHour, "T-1", "approve", actor("wang", {"supervisor"})).state, "executing");
}

// Nobody approved a P2 plan: the journal must not show the proposer as its
// approver, and says which rule required no approval.
TEST(ApprovalTest, P2NeedsNoApprovalAndNobodyIsShownApproving) {
  Harness h(shipped_rules("after_sales.docket"));
  Outcome proposed = propose_repair(h, "minor", "low");
  ASSERT_TRUE(proposed.accepted) << proposed.reason;
  EXPECT_EQ(proposed.state, "executing");
  const Record& decision = h.records().back();
  EXPECT_EQ(decision.cause, Cause::kApproval);
  EXPECT_EQ(decision.event, "approved");
  EXPECT_EQ(decision.from, "approving");
  EXPECT_EQ(decision.actor, Actor{});
  ASSERT_FALSE(decision.effects.empty());
  EXPECT_EQ(decision.effects.front().kind, EffectKind::kApprovalChain);
  EXPECT_EQ(decision.effects.front().value, "no approval required");
  EXPECT_EQ(decision.effects.front().detail, "approval by priority P2: none");
  EXPECT_EQ(decision.effects.front().rule.where, shipped_line("after_sales.docket", "P2: none"));
  const Record& entry = h.records()[h.records().size() - 2];
  EXPECT_EQ(entry.actor.id, "liu");
  EXPECT_EQ(entry.effects.back().target, "none");
  EXPECT_EQ(entry.effects.back().value, "no approval required");
  EXPECT_EQ(entry.effects.back().detail, "approval by priority P2: none");
  // The line people read names no approver.
  std::string line = format_record_line(decision);
  EXPECT_THAT(line, HasSubstr(" approving -> executing on approved ("));
  EXPECT_THAT(line, HasSubstr(") approval chain none: no approval required (approval by priority P2: none); notify"));
  EXPECT_THAT(line, Not(HasSubstr("liu")));
}

TEST(ApprovalTest, NoMatchingApprovalRuleIsJournaledAsNoApprovalRequired) {
  Harness h(compile_rules(R"(workflow desk version "1"
field amount: money required
department office { roles clerk, manager }
chain sign "sign" { level sign: any of manager }
approval when amount > 100: sign
initial state open { on submit by clerk -> deciding }
state deciding {
  await approval
  on approved -> done
  on rejected -> open
}
final state done
)"));
  ASSERT_TRUE(h.create(kMonday, "D", actor("c", {"clerk"}), {money("amount", "20")}).accepted);
  EXPECT_EQ(h.send(kMonday + 1, "D", "submit", actor("c", {"clerk"})).state, "done");
  const Record& decision = h.records().back();
  EXPECT_EQ(decision.actor, Actor{});
  EXPECT_EQ(decision.effects.front().value, "no approval required");
  EXPECT_EQ(decision.effects.front().detail, "no `approval` rule applies");
  EXPECT_TRUE(decision.effects.front().rule.where.empty());
}

TEST(ApprovalTest, TheRequesterCannotApproveTheirOwnRequest) {
  Harness h(shipped_rules("after_sales.docket"));
  // A service error: the ops supervisor proposes the remedy, and P1 needs a supervisor.
  Actor wang = actor("wang", {"supervisor"});
  ASSERT_TRUE(
      propose(h, "T-1", "service_error", "function", "medium", wang, {text("remedy", "apology_coupon")}).accepted);
  EXPECT_EQ(h.ticket("T-1").approval->requester, "wang");

  Outcome own = h.send(kMonday + kHour, "T-1", "approve", wang);
  EXPECT_FALSE(own.accepted);
  EXPECT_THAT(own.reason, HasSubstr("`wang` proposed what awaits approval and may not approve it (four-eyes rule)"));
  EXPECT_EQ(own.code, RejectionCode::kFourEyes);
  EXPECT_EQ(h.records().back().kind, RecordKind::kRejection);
  EXPECT_EQ(h.records().back().reason_code, RejectionCode::kFourEyes);
  EXPECT_EQ(h.records().back().rule.where, shipped_line("after_sales.docket", "level supervisor: any of supervisor"));
  EXPECT_FALSE(h.send(kMonday + kHour, "T-1", "reject", wang).accepted);
  EXPECT_EQ(h.state("T-1"), "approving");

  EXPECT_EQ(h.send(kMonday + kHour, "T-1", "approve", actor("li", {"supervisor"})).state, "executing");
}

TEST(ApprovalTest, RejectionSendsThePlanBack) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(propose_repair(h, "function", "medium").accepted);
  Outcome rejected = h.send(kMonday + kHour, "T-1", "reject", actor("wang", {"supervisor"}));
  ASSERT_TRUE(rejected.accepted) << rejected.reason;
  EXPECT_EQ(rejected.state, "proposing");
  const Record& decision = h.records().back();
  EXPECT_EQ(decision.cause, Cause::kApproval);
  EXPECT_EQ(decision.event, "rejected");
  EXPECT_EQ(decision.effects.front().kind, EffectKind::kApprovalVote);
  EXPECT_EQ(h.with_effect(EffectKind::kNotify, "plan_rejected").size(), 1u);
  EXPECT_FALSE(h.ticket("T-1").approval.has_value());
}

TEST(ApprovalTest, ApproveOutsideAnApprovalStateIsRejected) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form()).accepted);
  Outcome outcome = h.send(kMonday + 1, "T-1", "approve", actor("boss", {"dept_head"}));
  EXPECT_FALSE(outcome.accepted);
  EXPECT_THAT(outcome.reason, HasSubstr("only while the ticket awaits approval"));
}

TEST(ApprovalTest, ImportantCustomersNeedTheLeaderThenTheKeyAccountManager) {
  Harness h(shipped_rules("complaint_handling.docket"));
  Actor receptionist = actor("zhou", {"receptionist"});
  Actor supervisor = actor("qian", {"complaint_supervisor"});
  Actor handler = actor("sun", {"handler"});
  ASSERT_TRUE(
      h.create(kMonday, "C-1", receptionist,
               {text("customer", "C-7"), text("contact", "wx:c7"), text("customer_grade", "important"),
                text("channel", "email"), text("complaint_time", "2026-11-23T08:00:00Z"),
                text("content", "parcel lost"), text("requested_outcome", "resend"), text("issue", "lost_parcel")})
          .accepted);
  ASSERT_TRUE(h.send(kMonday + kHour, "C-1", "recorded", receptionist).accepted);
  ASSERT_TRUE(h.send(kMonday + 2 * kHour, "C-1", "analysed", supervisor).accepted);
  ASSERT_EQ(h.send(kMonday + 3 * kHour, "C-1", "proposed", handler, {text("solution", "resend today")}).state,
            "approving");

  // The key account manager cannot sign before the leader.
  EXPECT_FALSE(h.send(kMonday + 4 * kHour, "C-1", "approve", actor("kam", {"key_account_manager"})).accepted);
  Actor both = actor("ma", {"dept_head", "key_account_manager"});
  Outcome leader = h.send(kMonday + 4 * kHour, "C-1", "approve", both);
  ASSERT_TRUE(leader.accepted) << leader.reason;
  EXPECT_EQ(leader.state, "approving");
  EXPECT_EQ(h.ticket("C-1").approval->level, 1u);
  // Nobody signs two levels of one chain.
  Outcome twice = h.send(kMonday + 5 * kHour, "C-1", "approve", both);
  EXPECT_FALSE(twice.accepted);
  EXPECT_THAT(twice.reason, HasSubstr("already approved"));
  EXPECT_EQ(twice.code, RejectionCode::kAlreadyVoted);
  EXPECT_EQ(h.send(kMonday + 5 * kHour, "C-1", "approve", actor("kam", {"key_account_manager"})).state, "negotiating");
}

// ---------------------------------------------------------------- who proposed

// Brings a rights claim (P1: a supervisor approves) through legal review to
// `approving`: `specialist` proposes, `counsel` finds the plan compliant.
void propose_rights_claim(Harness& h, const Actor& specialist, const Actor& counsel) {
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form()).accepted);
  ASSERT_TRUE(h.send(kMonday + 60, "T-1", "registered", intake(), {boolean("problem_confirmed", true)}).accepted);
  ASSERT_TRUE(h.send(kMonday + 120, "T-1", "classified", intake(),
                     {text("problem_type", "rights_claim"), text("impact", "minor"), text("urgency", "high")})
                  .accepted);
  ASSERT_TRUE(h.send(kMonday + 180, "T-1", "accepted", specialist).accepted);
  ASSERT_EQ(h.send(kMonday + 240, "T-1", "proposed", specialist, {text("remedy", "legal_settlement")}).state,
            "legal_review");
  ASSERT_EQ(h.send(kMonday + 300, "T-1", "compliant", counsel).state, "approving");
}

// Counsel moves the plan into `approving`, but the specialist proposed it:
// holding the supervisor role too, they still may not approve their own plan.
TEST(ApprovalTest, TheProposerOfARightsClaimCannotApproveItAfterLegalReview) {
  Harness h(shipped_rules("after_sales.docket"));
  Actor he = actor("he", {"complaints.specialist", "complaints.supervisor"});
  propose_rights_claim(h, he, actor("lu", {"legal.counsel"}));
  ASSERT_TRUE(h.ticket("T-1").proposal.has_value());
  EXPECT_EQ(h.ticket("T-1").proposal->proposer, "he");
  EXPECT_EQ(h.ticket("T-1").proposal->participants, (std::vector<std::string>{"he", "lu"}));
  EXPECT_EQ(h.ticket("T-1").approval->requester, "he");
  EXPECT_THAT(h.records().back().effects.back().value, HasSubstr("proposed by he"));

  for (const char* vote : {"approve", "reject"}) {
    Outcome own = h.send(kMonday + kHour, "T-1", vote, he);
    EXPECT_FALSE(own.accepted) << vote;
    EXPECT_EQ(own.code, RejectionCode::kFourEyes) << vote;
    EXPECT_THAT(own.reason, HasSubstr("`he` proposed what awaits approval"));
  }
  EXPECT_EQ(h.state("T-1"), "approving");
  EXPECT_EQ(h.send(kMonday + kHour, "T-1", "approve", actor("xu", {"complaints.supervisor"})).state, "executing");
}

// `not participants`: counsel reviewed the plan, and holding the supervisor
// role does not let them approve it.
TEST(ApprovalTest, WhoeverActedOnThePlanCannotApproveAtALevelThatExcludesParticipants) {
  Harness h(shipped_rules("after_sales.docket"));
  Actor lu = actor("lu", {"legal.counsel", "supervisor"});
  propose_rights_claim(h, actor("he", {"complaints.specialist"}), lu);
  Outcome reviewer = h.send(kMonday + kHour, "T-1", "approve", lu);
  EXPECT_FALSE(reviewer.accepted);
  EXPECT_EQ(reviewer.code, RejectionCode::kParticipant);
  EXPECT_THAT(reviewer.reason, HasSubstr("`lu` already acted on the plan and may not approve it (four-eyes rule: "
                                         "approval level supervisor_approval.supervisor excludes its participants)"));
  EXPECT_EQ(h.records().back().reason_code, RejectionCode::kParticipant);
  EXPECT_EQ(h.send(kMonday + kHour, "T-1", "reject", lu).code, RejectionCode::kParticipant);
  EXPECT_EQ(h.state("T-1"), "approving");
}

constexpr const char* kPlan = R"(workflow plan version "1"
field amount: money required
department ops { roles clerk, reviewer, supervisor }
chain checked "checked" { level sign: any of supervisor not participants }
chain owned "owned" { level sign: any of supervisor not assignee }
chain plain "plain" { level sign: any of supervisor }
approval when amount >= 100: checked
approval when amount >= 10: owned
approval otherwise: plain
initial state drafting {
  on enter do assign ops.clerk
  on drafted by clerk as proposer -> reviewing
  on submitted by clerk -> approving
}
state reviewing {
  on checked by reviewer -> approving
  on revise by reviewer -> drafting
}
state approving {
  await approval
  on approved -> done
  on rejected -> drafting
}
final state done
)";

// Drafted by `ann`, checked by `bob`: the plan is in `approving`.
void draft_and_check(Harness& h, const char* amount, const Actor& ann, const Actor& bob) {
  ASSERT_TRUE(h.create(kMonday, "P", ann, {money("amount", amount)}).accepted);
  ASSERT_EQ(h.send(kMonday + 1, "P", "drafted", ann).state, "reviewing");
  ASSERT_EQ(h.send(kMonday + 2, "P", "checked", bob).state, "approving");
}

TEST(ApprovalTest, ParticipantsAreEveryoneWhoActedSinceTheProposal) {
  Harness h(compile_rules(kPlan));
  Actor ann = actor("ann", {"clerk", "supervisor"});
  Actor bob = actor("bob", {"reviewer", "supervisor"});
  draft_and_check(h, "500", ann, bob);
  EXPECT_EQ(h.send(kMonday + 3, "P", "approve", ann).code, RejectionCode::kFourEyes);
  EXPECT_EQ(h.send(kMonday + 3, "P", "approve", bob).code, RejectionCode::kParticipant);
  EXPECT_EQ(h.send(kMonday + 3, "P", "approve", actor("cy", {"supervisor"})).state, "done");
}

// The level without `not participants` keeps out the proposer only.
TEST(ApprovalTest, ByDefaultOnlyTheProposerIsExcluded) {
  Harness h(compile_rules(kPlan));
  Actor ann = actor("ann", {"clerk", "supervisor"});
  Actor bob = actor("bob", {"reviewer", "supervisor"});
  draft_and_check(h, "1", ann, bob);
  EXPECT_EQ(h.send(kMonday + 3, "P", "approve", ann).code, RejectionCode::kFourEyes);
  EXPECT_EQ(h.send(kMonday + 3, "P", "approve", bob).state, "done");
}

// Without a transition marked `as proposer`, whoever moved the ticket into
// the approval state proposed.
TEST(ApprovalTest, WithoutAProposalWhoeverEnteredTheApprovalStateProposed) {
  Harness h(compile_rules(kPlan));
  Actor ann = actor("ann", {"clerk", "supervisor"});
  ASSERT_TRUE(h.create(kMonday, "P", actor("zoe", {"clerk"}), {money("amount", "500")}).accepted);
  ASSERT_EQ(h.send(kMonday + 1, "P", "submitted", ann).state, "approving");
  EXPECT_FALSE(h.ticket("P").proposal.has_value());
  EXPECT_EQ(h.ticket("P").approval->requester, "ann");
  EXPECT_EQ(h.send(kMonday + 2, "P", "approve", ann).code, RejectionCode::kFourEyes);
  // The creator did not act on this plan.
  EXPECT_EQ(h.send(kMonday + 2, "P", "approve", actor("zoe", {"supervisor"})).state, "done");
}

// A plan sent back and proposed again by someone else is a new proposal:
// its participants start over.
TEST(ApprovalTest, ANewProposalStartsOver) {
  Harness h(compile_rules(kPlan));
  Actor ann = actor("ann", {"clerk", "supervisor"});
  Actor bob = actor("bob", {"reviewer"});
  Actor fay = actor("fay", {"clerk"});
  ASSERT_TRUE(h.create(kMonday, "P", ann, {money("amount", "500")}).accepted);
  ASSERT_EQ(h.send(kMonday + 1, "P", "drafted", ann).state, "reviewing");
  ASSERT_EQ(h.send(kMonday + 2, "P", "revise", bob).state, "drafting");
  ASSERT_EQ(h.send(kMonday + 3, "P", "drafted", fay).state, "reviewing");
  ASSERT_EQ(h.send(kMonday + 4, "P", "checked", bob).state, "approving");
  EXPECT_EQ(h.ticket("P").proposal->participants, (std::vector<std::string>{"fay", "bob"}));
  EXPECT_EQ(h.send(kMonday + 5, "P", "approve", ann).state, "done");
}

// `not assignee`: the ticket is assigned to the clerks of ops; a supervisor
// who is also a clerk there may neither approve nor reject.
TEST(ApprovalTest, TheAssigneeCannotApproveAtALevelThatExcludesIt) {
  Harness h(compile_rules(kPlan));
  ASSERT_TRUE(h.create(kMonday, "P", actor("zoe", {"clerk"}), {money("amount", "50")}).accepted);
  ASSERT_EQ(h.send(kMonday + 1, "P", "submitted", actor("zoe", {"clerk"})).state, "approving");
  Actor dan = actor("dan", {"ops.clerk", "supervisor"});
  for (const char* vote : {"approve", "reject"}) {
    Outcome assignee = h.send(kMonday + 2, "P", vote, dan);
    EXPECT_FALSE(assignee.accepted) << vote;
    EXPECT_EQ(assignee.code, RejectionCode::kAssignee) << vote;
    EXPECT_THAT(assignee.reason, HasSubstr("`dan` holds `clerk`, the role the ticket is assigned to"));
  }
  // A clerk of another department is not one of the ticket's clerks.
  EXPECT_EQ(h.send(kMonday + 3, "P", "approve", actor("eve", {"sales.clerk", "supervisor"})).state, "done");
}

// ---------------------------------------------------------------- quorum

constexpr const char* kQuorum = R"(workflow board version "1"
field kind: enum(small, large, huge) required
department office { roles clerk, manager, finance, legal }
chain one "one" { level sign: any of manager, finance }
chain every "every" { level sign: all of manager, finance, legal }
chain two "two" { level sign: 2 of manager, finance, legal }
approval when kind == small: one
approval when kind == large: every
approval otherwise: two
initial state open { on submit by clerk -> deciding }
state deciding {
  await approval
  on approved -> done
  on rejected -> open
}
final state done
)";

struct QuorumCase {
  const char* kind;
  std::vector<Actor> voters;  // in order; the last completes the quorum
};

TEST(ApprovalTest, QuorumAnyAllAndTwoOf) {
  const QuorumCase cases[] = {
      {"small", {actor("m1", {"finance"})}},
      {"large", {actor("m1", {"manager"}), actor("f1", {"finance"}), actor("l1", {"legal"})}},
      {"huge", {actor("m1", {"manager"}), actor("m2", {"manager"})}},
  };
  for (const QuorumCase& c : cases) {
    SCOPED_TRACE(c.kind);
    Harness h(compile_rules(kQuorum));
    ASSERT_TRUE(h.create(kMonday, "Q", actor("c", {"clerk"}), {text("kind", c.kind)}).accepted);
    ASSERT_EQ(h.send(kMonday + 1, "Q", "submit", actor("c", {"clerk"})).state, "deciding");
    for (std::size_t i = 0; i < c.voters.size(); ++i) {
      Outcome vote = h.send(kMonday + 2 + static_cast<std::int64_t>(i), "Q", "approve", c.voters[i]);
      ASSERT_TRUE(vote.accepted) << vote.reason;
      EXPECT_EQ(vote.state, i + 1 == c.voters.size() ? "done" : "deciding");
    }
  }
}

TEST(ApprovalTest, AllOfNeedsADifferentPersonForEachRole) {
  Harness h(compile_rules(kQuorum));
  ASSERT_TRUE(h.create(kMonday, "Q", actor("c", {"clerk"}), {text("kind", "large")}).accepted);
  ASSERT_TRUE(h.send(kMonday + 1, "Q", "submit", actor("c", {"clerk"})).accepted);
  ASSERT_TRUE(h.send(kMonday + 2, "Q", "approve", actor("m1", {"manager"})).accepted);
  Outcome second_manager = h.send(kMonday + 3, "Q", "approve", actor("m2", {"manager"}));
  EXPECT_FALSE(second_manager.accepted);
  EXPECT_THAT(second_manager.reason, HasSubstr("has approved already"));
  // One person holding two roles still counts once.
  ASSERT_TRUE(h.send(kMonday + 4, "Q", "approve", actor("fl", {"finance", "legal"})).accepted);
  EXPECT_EQ(h.state("Q"), "deciding");
  const Record& vote = h.records().back();
  EXPECT_EQ(vote.effects.front().value, "2 of 3");
  EXPECT_EQ(h.send(kMonday + 5, "Q", "approve", actor("l1", {"legal"})).state, "done");
}

TEST(ApprovalTest, TwoOfNeedsTwoDifferentPeople) {
  Harness h(compile_rules(kQuorum));
  ASSERT_TRUE(h.create(kMonday, "Q", actor("c", {"clerk"}), {text("kind", "huge")}).accepted);
  ASSERT_TRUE(h.send(kMonday + 1, "Q", "submit", actor("c", {"clerk"})).accepted);
  ASSERT_TRUE(h.send(kMonday + 2, "Q", "approve", actor("m1", {"manager"})).accepted);
  EXPECT_FALSE(h.send(kMonday + 3, "Q", "approve", actor("m1", {"manager"})).accepted);
  EXPECT_FALSE(h.send(kMonday + 3, "Q", "approve", actor("", {"manager"})).accepted);
  EXPECT_EQ(h.state("Q"), "deciding");
  EXPECT_EQ(h.send(kMonday + 4, "Q", "approve", actor("f1", {"finance"})).state, "done");
}

// Dual control: `2 of dept_head` is two different department heads, and the
// journal shows each vote.
TEST(ApprovalTest, TwoOfOneRoleNeedsTwoDifferentHoldersOfIt) {
  Harness h(compile_rules(R"(workflow dual version "1"
department office { roles clerk, dept_head }
chain dual_control "dual" { level heads: 2 of dept_head }
approval otherwise: dual_control
initial state open { on submit by clerk -> deciding }
state deciding {
  await approval
  on approved -> done
  on rejected -> open
}
final state done
)"));
  ASSERT_TRUE(h.create(kMonday, "Q", actor("c", {"clerk"}), {}).accepted);
  ASSERT_EQ(h.send(kMonday + 1, "Q", "submit", actor("c", {"clerk"})).state, "deciding");
  ASSERT_TRUE(h.send(kMonday + 2, "Q", "approve", actor("h1", {"dept_head"})).accepted);
  Outcome again = h.send(kMonday + 3, "Q", "approve", actor("h1", {"dept_head"}));
  EXPECT_EQ(again.code, RejectionCode::kAlreadyVoted);
  EXPECT_EQ(h.state("Q"), "deciding");
  EXPECT_EQ(h.send(kMonday + 4, "Q", "approve", actor("h2", {"dept_head"})).state, "done");

  std::vector<Record> votes = h.records_of(RecordKind::kApproval);
  ASSERT_EQ(votes.size(), 2u);
  EXPECT_EQ(votes[0].actor.id, "h1");
  EXPECT_EQ(votes[0].effects.front().value, "1 of 2");
  EXPECT_EQ(votes[1].actor.id, "h2");
  EXPECT_EQ(votes[1].effects.front().value, "2 of 2");
  EXPECT_EQ(votes[1].effects.back().value, "approved");
}

// At a level that keeps out participants, a voter has acted on the plan by
// voting; a second vote is still refused as a second vote, which is what
// happened.
TEST(ApprovalTest, ASecondVoteIsOneEvenWhereParticipantsAreKeptOut) {
  Harness h(compile_rules(R"(workflow dual version "1"
department office { roles clerk, dept_head }
chain dual_control "dual" { level heads: 2 of dept_head not participants }
approval otherwise: dual_control
initial state open { on submit by clerk -> deciding }
state deciding {
  await approval
  on approved -> done
  on rejected -> open
}
final state done
)"));
  ASSERT_TRUE(h.create(kMonday, "Q", actor("c", {"clerk"}), {}).accepted);
  ASSERT_EQ(h.send(kMonday + 1, "Q", "submit", actor("c", {"clerk"})).state, "deciding");
  ASSERT_TRUE(h.send(kMonday + 2, "Q", "approve", actor("h1", {"dept_head"})).accepted);
  Outcome again = h.send(kMonday + 3, "Q", "approve", actor("h1", {"dept_head"}));
  EXPECT_EQ(again.code, RejectionCode::kAlreadyVoted);
  EXPECT_EQ(again.reason, "`h1` has already approved in this chain");
}

TEST(ApprovalTest, TheClerkWhoSubmittedCannotSign) {
  Harness h(compile_rules(kQuorum));
  ASSERT_TRUE(h.create(kMonday, "Q", actor("c", {"clerk"}), {text("kind", "small")}).accepted);
  Actor clerk_and_manager = actor("cm", {"clerk", "manager"});
  ASSERT_TRUE(h.send(kMonday + 1, "Q", "submit", clerk_and_manager).accepted);
  EXPECT_FALSE(h.send(kMonday + 2, "Q", "approve", clerk_and_manager).accepted);
  EXPECT_EQ(h.send(kMonday + 2, "Q", "approve", actor("c", {"manager"})).state, "done");
}

// ---------------------------------------------------------------- time limits

constexpr const char* kTimeout = R"(workflow refund version "1"
department finance { roles clerk, controller, director }
calendar office {
  zone "UTC"
  hours mon-fri 09:00-17:00
}
chain refund_signoff "退款审批" {
  level controller: any of controller within 4h on timeout do escalate to director, notify director "refund_waiting"
  level director: any of director within 2h in office on timeout do notify clerk "director_late"
}
approval otherwise: refund_signoff
initial state open { on submit by clerk -> deciding }
state deciding {
  await approval
  on approved -> paid
  on rejected -> open
}
final state paid
)";

TEST(ApprovalTest, LevelTimeLimitRunsItsTimeoutActionsOnce) {
  Harness h(compile_rules(kTimeout));
  Actor clerk = actor("c", {"clerk"});
  std::int64_t submitted = kMonday + 10 * kHour;  // Monday 10:00 UTC
  ASSERT_TRUE(h.create(kMonday, "R", clerk, {}).accepted);
  ASSERT_TRUE(h.send(submitted, "R", "submit", clerk).accepted);
  EXPECT_EQ(h.engine.next_due(), submitted + 4 * kHour);

  EXPECT_EQ(h.advance_to(submitted + 4 * kHour - 1), 0u);
  EXPECT_EQ(h.advance_to(submitted + 4 * kHour), 1u);
  std::vector<Record> timeouts = h.records_of(RecordKind::kApprovalTimeout);
  ASSERT_EQ(timeouts.size(), 1u);
  EXPECT_EQ(timeouts[0].at, submitted + 4 * kHour);
  EXPECT_EQ(timeouts[0].cause, Cause::kTimer);
  EXPECT_EQ(timeouts[0].rule.where, "rules.docket:8");
  ASSERT_EQ(timeouts[0].effects.size(), 3u);
  EXPECT_EQ(timeouts[0].effects[1].kind, EffectKind::kEscalate);
  EXPECT_EQ(timeouts[0].effects[1].target, "director");
  EXPECT_EQ(timeouts[0].effects[2].value, "refund_waiting");
  // Once only; the level stays open.
  EXPECT_EQ(h.advance_to(submitted + 3 * kDay), 0u);
  EXPECT_EQ(h.state("R"), "deciding");

  // The director's level counts office hours: approved by the controller
  // Thursday 16:00, due Friday 10:00.
  std::int64_t thursday_four = kMonday + 3 * kDay + 16 * kHour;
  ASSERT_TRUE(h.send(thursday_four, "R", "approve", actor("k", {"controller"})).accepted);
  EXPECT_EQ(h.engine.next_due(), kMonday + 4 * kDay + 10 * kHour);
  h.advance_to(kMonday + 5 * kDay);
  ASSERT_EQ(h.records_of(RecordKind::kApprovalTimeout).size(), 2u);
  EXPECT_EQ(h.records_of(RecordKind::kApprovalTimeout)[1].at, kMonday + 4 * kDay + 10 * kHour);
  EXPECT_EQ(h.send(kMonday + 5 * kDay, "R", "approve", actor("d", {"director"})).state, "paid");
}

TEST(ApprovalTest, LeavingTheStateCancelsTheTimeLimit) {
  Harness h(compile_rules(kTimeout));
  Actor clerk = actor("c", {"clerk"});
  ASSERT_TRUE(h.create(kMonday, "R", clerk, {}).accepted);
  ASSERT_TRUE(h.send(kMonday + kHour, "R", "submit", clerk).accepted);
  ASSERT_TRUE(h.send(kMonday + 2 * kHour, "R", "reject", actor("k", {"controller"})).accepted);
  EXPECT_EQ(h.state("R"), "open");
  EXPECT_EQ(h.advance_to(kMonday + kDay), 0u);
  EXPECT_TRUE(h.records_of(RecordKind::kApprovalTimeout).empty());
}

}  // namespace
}  // namespace docket::engine::testing
