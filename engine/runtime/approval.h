// Approval chains: which chain a ticket needs and whether a vote counts.
//
// A state with `await approval` picks its chain on entry from the workflow's
// `approval` rules (the first that matches, in order). Votes arrive as
// `approve` events; a level is complete when its quorum is met by distinct
// approvers holding the level's roles:
//   any of R1, R2   one approval by a holder of any of them
//   all of R1, R2   one approval per role, each by a different person
//   N of R1, R2     N approvals by different holders of any of them
// Levels run in order. Nobody approves twice in one chain (a person holding
// the roles of two levels still signs only one of them), and the proposer
// never approves (four-eyes, see engine/runtime/engine.h for who the proposer
// is). A level may exclude more people: `not participants` (whoever acted on
// the plan since it was proposed), `not assignee` (whoever holds, on the
// ticket, the role it is assigned to). The Engine applies these rules and
// fires `approved` / `rejected`.

#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "engine/model/event.h"
#include "engine/model/result.h"
#include "engine/model/workflow.h"
#include "engine/runtime/rejection.h"
#include "engine/runtime/ticket.h"

namespace docket::engine {

struct ChainChoice {
  std::uint32_t choice = kNoIndex;  // index into Workflow::approvals(); kNoIndex: no rule matched
  ChainIndex chain = kNoIndex;      // kNoIndex: `none`
};

// The first `approval` rule that matches the ticket (a `by priority` row for
// its priority, a `when` condition that holds, or `otherwise`; a condition
// that cannot be evaluated does not match). When none matches the ticket
// needs no approval, as if `none` had been written (the checker warns about
// priorities a `by priority` table leaves out, W004).
ChainChoice choose_chain(const Workflow& workflow, const Ticket& ticket, std::int64_t now);

// Whom a level may exclude from voting, besides the proposer.
struct PlanPeople {
  // Who acted on the plan since it was proposed, the proposer among them.
  std::span<const std::string> participants;
  // The role the ticket is assigned to; "" when the assignment names none.
  std::string_view assignee_role;
};

// The people of the plan `ticket` awaits approval of: its proposal's
// participants (the approval's requester alone when no transition proposed
// it) and its assignee's role. Valid while `ticket` is unchanged.
// REQUIRES: ticket.approval.
PlanPeople plan_people(const Ticket& ticket);

// Votes (in `progress.level`) so far and needed to complete the level.
std::uint32_t votes_at_level(const ApprovalProgress& progress);
std::uint32_t votes_needed(const ApprovalLevel& level);

// The level role a vote by `actor` (as scoped to the ticket) counts for, or
// why it does not count: no actor id (kActorRequired), the proposer
// (kFourEyes), one of `people.participants` at a level that excludes them
// (kParticipant), a holder of `people.assignee_role` at a level that
// excludes the assignee (kAssignee), already voted in this chain
// (kAlreadyVoted), holds none of the level's roles (kNotApprover), or (for
// `all of`) every role they hold is already covered (kRolesCovered).
// REQUIRES: progress.chain is a chain with progress.level among its levels.
std::variant<RoleIndex, Rejection> check_vote(const Workflow& workflow, const ApprovalProgress& progress,
                                              const Actor& actor, const PlanPeople& people);

// Why `actor` may not turn the request down at this level, or nullopt when
// they may: the same rules as a vote, except that the roles already covered
// do not matter.
std::optional<Rejection> check_rejection(const Workflow& workflow, const ApprovalProgress& progress, const Actor& actor,
                                         const PlanPeople& people);

// "head_signoff.head".
std::string level_name(const Workflow& workflow, const ApprovalProgress& progress);

// The `approval` rule at `choice` as written: "approval by priority P2:
// none", "approval when amount < 100: none", "approval otherwise:
// leader_signoff"; "no `approval` rule applies" for kNoIndex.
std::string approval_rule_text(const Workflow& workflow, std::uint32_t choice);

}  // namespace docket::engine
