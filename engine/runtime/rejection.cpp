#include "engine/runtime/rejection.h"

#include <array>
#include <utility>

namespace docket::engine {
namespace {

constexpr std::array<std::pair<RejectionCode, const char*>, 27> kNames = {{
    {RejectionCode::kUnknownTicket, "unknown_ticket"},
    {RejectionCode::kTicketExists, "ticket_exists"},
    {RejectionCode::kNoTicketId, "no_ticket_id"},
    {RejectionCode::kUnknownWorkflow, "unknown_workflow"},
    {RejectionCode::kOutOfOrder, "out_of_order"},
    {RejectionCode::kEventLimit, "event_limit"},
    {RejectionCode::kUnknownEvent, "unknown_event"},
    {RejectionCode::kNoTransition, "no_transition"},
    {RejectionCode::kGuard, "guard"},
    {RejectionCode::kRole, "role"},
    {RejectionCode::kApprovalOnly, "approval_only"},
    {RejectionCode::kNotAwaitingApproval, "not_awaiting_approval"},
    {RejectionCode::kActorRequired, "actor_required"},
    {RejectionCode::kFourEyes, "four_eyes"},
    {RejectionCode::kNotApprover, "not_approver"},
    {RejectionCode::kAlreadyVoted, "already_voted"},
    {RejectionCode::kRolesCovered, "roles_covered"},
    {RejectionCode::kParticipant, "participant"},
    {RejectionCode::kAssignee, "assignee"},
    {RejectionCode::kInvalidData, "invalid_data"},
    {RejectionCode::kMissingField, "missing_field"},
    {RejectionCode::kConstraint, "constraint"},
    {RejectionCode::kActionFailed, "action_failed"},
    {RejectionCode::kStepLimit, "step_limit"},
    {RejectionCode::kClockFromFuture, "clock_from_future"},
    {RejectionCode::kExtension, "extension"},
    {RejectionCode::kNone, ""},
}};

}  // namespace

const char* to_string(RejectionCode code) {
  for (const auto& [known, name] : kNames) {
    if (known == code) return name;
  }
  return "";
}

std::optional<RejectionCode> parse_rejection_code(std::string_view text) {
  for (const auto& [code, name] : kNames) {
    if (code != RejectionCode::kNone && text == name) return code;
  }
  return std::nullopt;
}

}  // namespace docket::engine
