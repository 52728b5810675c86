// The one table from the engine's rejection codes to the API's statuses:
// the status follows the code, whatever the reason's wording.

#include "server/rejection_status.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace docket::server {
namespace {

using engine::RejectionCode;

TEST(RejectionStatus, EachCodeHasItsStatus) {
  struct Case {
    RejectionCode code;
    int status;
    std::string error;
  };
  const Case cases[] = {
      {RejectionCode::kUnknownTicket, 404, "not_found"}, {RejectionCode::kTicketExists, 409, "conflict"},
      {RejectionCode::kOutOfOrder, 409, "conflict"},     {RejectionCode::kRole, 403, "forbidden"},
      {RejectionCode::kActorRequired, 403, "forbidden"}, {RejectionCode::kFourEyes, 403, "forbidden"},
      {RejectionCode::kNotApprover, 403, "forbidden"},   {RejectionCode::kAlreadyVoted, 403, "forbidden"},
      {RejectionCode::kRolesCovered, 403, "forbidden"},  {RejectionCode::kGuard, 422, "rejected"},
      {RejectionCode::kNoTransition, 422, "rejected"},   {RejectionCode::kUnknownEvent, 422, "rejected"},
      {RejectionCode::kConstraint, 422, "rejected"},     {RejectionCode::kMissingField, 422, "rejected"},
      {RejectionCode::kInvalidData, 422, "rejected"},    {RejectionCode::kEventLimit, 422, "rejected"},
      {RejectionCode::kApprovalOnly, 422, "rejected"},   {RejectionCode::kNotAwaitingApproval, 422, "rejected"},
      {RejectionCode::kActionFailed, 422, "rejected"},   {RejectionCode::kStepLimit, 422, "rejected"},
      {RejectionCode::kNoTicketId, 422, "rejected"},     {RejectionCode::kUnknownWorkflow, 422, "rejected"},
      {RejectionCode::kParticipant, 403, "forbidden"},   {RejectionCode::kAssignee, 403, "forbidden"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(engine::to_string(c.code));
    RejectionStatus status = rejection_status(c.code);
    EXPECT_EQ(status.status, c.status);
    EXPECT_EQ(status.error, c.error);
  }
}

// Codes are written in journals and API bodies: each has one name, and the
// name reads back as the code.
TEST(RejectionStatus, EveryCodeHasADistinctNameThatReadsBack) {
  std::set<std::string> names;
  for (int raw = 1; raw <= static_cast<int>(RejectionCode::kAssignee); ++raw) {
    auto code = static_cast<RejectionCode>(raw);
    std::string name = engine::to_string(code);
    EXPECT_FALSE(name.empty()) << raw;
    EXPECT_TRUE(names.insert(name).second) << name;
    EXPECT_EQ(engine::parse_rejection_code(name), code) << name;
  }
  EXPECT_FALSE(engine::parse_rejection_code("").has_value());
  EXPECT_FALSE(engine::parse_rejection_code("Four_Eyes").has_value());
}

}  // namespace
}  // namespace docket::server
