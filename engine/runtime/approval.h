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
// the roles of two levels still signs only one of them), and the requester
// never approves (four-eyes, see engine/runtime/engine.h for who the requester is).
// The Engine applies these rules and fires `approved` / `rejected`.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
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

// Votes (in `progress.level`) so far and needed to complete the level.
std::uint32_t votes_at_level(const ApprovalProgress& progress);
std::uint32_t votes_needed(const ApprovalLevel& level);

// The level role a vote by `actor` counts for, or why it does not count:
// no actor id (kActorRequired), the requester (kFourEyes), already voted in
// this chain (kAlreadyVoted), holds none of the level's roles
// (kNotApprover), or (for `all of`) every role they hold is already covered
// (kRolesCovered).
// REQUIRES: progress.chain is a chain with progress.level among its levels.
std::variant<RoleIndex, Rejection> check_vote(const Workflow& workflow, const ApprovalProgress& progress,
                                              const Actor& actor);

// Why `actor` may not turn the request down at this level, or nullopt when
// they may: the same rules as a vote, except that the roles already covered
// do not matter.
std::optional<Rejection> check_rejection(const Workflow& workflow, const ApprovalProgress& progress,
                                         const Actor& actor);

// "head_signoff.head".
std::string level_name(const Workflow& workflow, const ApprovalProgress& progress);

}  // namespace docket::engine
