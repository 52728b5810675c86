// How `docket serve` answers an event the engine refused: one table from
// the engine's rejection code (engine/runtime/rejection.h) to the HTTP
// status and the `error.code` of the JSON body. The reason text never
// decides a status, so rewording a message cannot change the API.

#pragma once

#include "engine/runtime/rejection.h"

namespace docket::server {

struct RejectionStatus {
  int status = 422;
  const char* error = "rejected";  // the body's error.code
};

// 404 not_found for an unknown ticket; 409 conflict for a ticket that
// exists already or an event out of order; 403 forbidden when the actor may
// not do it (role, four-eyes, approvers); 422 rejected for the rest.
RejectionStatus rejection_status(engine::RejectionCode code);

}  // namespace docket::server
