#include "engine/runtime/approval.h"

#include <algorithm>

namespace docket::engine {
namespace {

std::string role_list(const Workflow& workflow, const ApprovalLevel& level) {
  std::string text;
  for (RoleIndex role : level.roles) {
    if (!text.empty()) text += ", ";
    text += role < workflow.roles().size() ? workflow.roles()[role].name : std::string("?");
  }
  return text;
}

bool holds(const Workflow& workflow, const Actor& actor, RoleIndex role) {
  return role < workflow.roles().size() && actor.holds(workflow.roles()[role].name);
}

// The checks shared by votes and rejections.
std::optional<Rejection> check_person(const Workflow& workflow, const ApprovalProgress& progress, const Actor& actor,
                                      const char* what) {
  const ApprovalLevel& level = workflow.chains()[progress.chain].levels[progress.level];
  if (actor.id.empty())
    return Rejection{RejectionCode::kActorRequired, std::string("an actor id is needed to ") + what};
  if (actor.id == progress.requester) {
    return Rejection{RejectionCode::kFourEyes,
                     "`" + actor.id + "` requested this approval and may not " + what + " it (four-eyes rule)"};
  }
  bool any =
      std::any_of(level.roles.begin(), level.roles.end(), [&](RoleIndex role) { return holds(workflow, actor, role); });
  if (!any) {
    return Rejection{RejectionCode::kNotApprover, "`" + actor.id + "` holds none of the roles of approval level " +
                                                      level_name(workflow, progress) + ": " +
                                                      role_list(workflow, level)};
  }
  return std::nullopt;
}

}  // namespace

ChainChoice choose_chain(const Workflow& workflow, const Ticket& ticket, std::int64_t now) {
  const std::vector<ApprovalChoice>& choices = workflow.approvals();
  std::optional<PriorityIndex> priority = ticket.priority();
  for (std::uint32_t i = 0; i < choices.size(); ++i) {
    const ApprovalChoice& choice = choices[i];
    bool matches = true;
    if (choice.priority != kNoIndex) matches = priority && *priority == choice.priority;
    if (matches && choice.condition) {
      matches = evaluate_condition(*choice.condition, ticket.view(), now).value_or(false);
    }
    if (matches) return ChainChoice{i, choice.chain};
  }
  return ChainChoice{};
}

std::uint32_t votes_at_level(const ApprovalProgress& progress) {
  return static_cast<std::uint32_t>(
      std::count_if(progress.votes.begin(), progress.votes.end(),
                    [&](const ApprovalVote& vote) { return vote.level == progress.level; }));
}

std::uint32_t votes_needed(const ApprovalLevel& level) {
  switch (level.quorum) {
    case Quorum::kAny:
      return 1;
    case Quorum::kAll:
      return static_cast<std::uint32_t>(std::max<std::size_t>(level.roles.size(), 1));
    case Quorum::kCount:
      return static_cast<std::uint32_t>(std::max(level.count, 1));
  }
  return 1;
}

std::variant<RoleIndex, Rejection> check_vote(const Workflow& workflow, const ApprovalProgress& progress,
                                              const Actor& actor) {
  if (std::optional<Rejection> person = check_person(workflow, progress, actor, "approve")) return std::move(*person);
  for (const ApprovalVote& vote : progress.votes) {
    if (vote.approver == actor.id) {
      return Rejection{RejectionCode::kAlreadyVoted, "`" + actor.id + "` has already approved in this chain"};
    }
  }
  const ApprovalLevel& level = workflow.chains()[progress.chain].levels[progress.level];
  for (RoleIndex role : level.roles) {
    if (!holds(workflow, actor, role)) continue;
    if (level.quorum != Quorum::kAll) return role;
    bool covered = std::any_of(progress.votes.begin(), progress.votes.end(), [&](const ApprovalVote& vote) {
      return vote.level == progress.level && vote.role == role;
    });
    if (!covered) return role;
  }
  return Rejection{RejectionCode::kRolesCovered, "every role `" + actor.id + "` holds at approval level " +
                                                     level_name(workflow, progress) + " has approved already"};
}

std::optional<Rejection> check_rejection(const Workflow& workflow, const ApprovalProgress& progress,
                                         const Actor& actor) {
  return check_person(workflow, progress, actor, "reject");
}

std::string level_name(const Workflow& workflow, const ApprovalProgress& progress) {
  if (progress.chain >= workflow.chains().size()) return "none";
  const Chain& chain = workflow.chains()[progress.chain];
  if (progress.level >= chain.levels.size()) return chain.name;
  return chain.name + "." + chain.levels[progress.level].name;
}

}  // namespace docket::engine
