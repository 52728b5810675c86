#include "server/rejection_status.h"

namespace docket::server {

RejectionStatus rejection_status(engine::RejectionCode code) {
  using engine::RejectionCode;
  switch (code) {
    case RejectionCode::kUnknownTicket:
      return {404, "not_found"};
    case RejectionCode::kTicketExists:
    case RejectionCode::kOutOfOrder:
      return {409, "conflict"};
    case RejectionCode::kRole:
    case RejectionCode::kActorRequired:
    case RejectionCode::kFourEyes:
    case RejectionCode::kNotApprover:
    case RejectionCode::kAlreadyVoted:
    case RejectionCode::kRolesCovered:
    case RejectionCode::kParticipant:
    case RejectionCode::kAssignee:
      return {403, "forbidden"};
    case RejectionCode::kNone:
    case RejectionCode::kNoTicketId:
    case RejectionCode::kUnknownWorkflow:
    case RejectionCode::kEventLimit:
    case RejectionCode::kUnknownEvent:
    case RejectionCode::kNoTransition:
    case RejectionCode::kGuard:
    case RejectionCode::kApprovalOnly:
    case RejectionCode::kNotAwaitingApproval:
    case RejectionCode::kInvalidData:
    case RejectionCode::kMissingField:
    case RejectionCode::kConstraint:
    case RejectionCode::kActionFailed:
    case RejectionCode::kStepLimit:
    case RejectionCode::kClockFromFuture:
    case RejectionCode::kExtension:
      break;
  }
  return {422, "rejected"};
}

}  // namespace docket::server
