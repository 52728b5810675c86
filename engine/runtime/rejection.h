// Why the engine refused an event: a code for programs, a reason for people.
//
// Every refusal carries both. The code is what other layers act on (the
// HTTP status of `docket serve`, the reports); the reason is one line of
// English for the person who sent the event and may be reworded at any
// time. Codes are part of the journal format (`reason_code` of a rejection
// record, docs/audit-log.md) and of the HTTP API: never renumber or rename
// one, only add.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace docket::engine {

enum class RejectionCode : std::uint8_t {
  kNone,  // not a rejection

  // The ticket or the event cannot be placed.
  kUnknownTicket,    // "unknown_ticket": no ticket has that id
  kTicketExists,     // "ticket_exists": `create` for an id already taken
  kNoTicketId,       // "no_ticket_id": `create` without an id
  kUnknownWorkflow,  // "unknown_workflow": no such workflow is installed
  kOutOfOrder,       // "out_of_order": earlier than the ticket's last change
  kEventLimit,       // "event_limit": the ticket took EngineOptions::max_events_per_ticket
  kUnknownEvent,     // "unknown_event": the workflow does not handle the event

  // The rules refuse it.
  kNoTransition,         // "no_transition": no transition on it from this state
  kGuard,                // "guard": transitions exist but every guard refused
  kRole,                 // "role": the actor lacks the transition's role
  kApprovalOnly,         // "approval_only": `approved`/`rejected` sent while a chain decides
  kNotAwaitingApproval,  // "not_awaiting_approval": a vote while no approval is pending
  kActorRequired,        // "actor_required": a vote without an actor id
  kFourEyes,             // "four_eyes": the proposer voted on their own proposal
  kNotApprover,          // "not_approver": holds none of the level's roles
  kAlreadyVoted,         // "already_voted": a second vote by one person in a chain
  kRolesCovered,         // "roles_covered": `all of`: every role they hold has voted

  // The ticket's data.
  kInvalidData,      // "invalid_data": an unknown field, a field twice, a value that does not fit
  kMissingField,     // "missing_field": a required field left unset
  kConstraint,       // "constraint": a `require` would not hold afterwards
  kClockFromFuture,  // "clock_from_future": a clock would start from a time after the event's

  // What the rules asked for cannot be done.
  kActionFailed,  // "action_failed": an action or default could not be evaluated or applied
  kStepLimit,     // "step_limit": automatic steps or escalations did not come to rest
  kExtension,     // "extension": `extend` refused (clock not running, breached, over the rules' cap)

  // Votes a level's `not` refuses (after the codes above, which keep their numbers).
  kParticipant,  // "participant": acted on the plan, at a level with `not participants`
  kAssignee,     // "assignee": holds the ticket's assigned role, at a level with `not assignee`
};

// The code as the journal and the API write it: "four_eyes".
const char* to_string(RejectionCode code);
// The code written as to_string() writes it; nullopt for anything else
// (kNone has no text: "none" is not a code).
std::optional<RejectionCode> parse_rejection_code(std::string_view text);

// A refused event, or step of one.
struct Rejection {
  RejectionCode code = RejectionCode::kNone;
  std::string reason;  // one line, for people
};

}  // namespace docket::engine
