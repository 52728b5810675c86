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

// Whom the level keeps out: the proposer always, then those its `not` names.
std::optional<Rejection> check_excluded(const Workflow& workflow, const ApprovalProgress& progress, const Actor& actor,
                                        const PlanPeople& people, const char* what) {
  const ApprovalLevel& level = workflow.chains()[progress.chain].levels[progress.level];
  if (actor.id == progress.requester) {
    return Rejection{RejectionCode::kFourEyes,
                     "`" + actor.id + "` proposed what awaits approval and may not " + what + " it (four-eyes rule)"};
  }
  if (level.excludes_participants &&
      std::find(people.participants.begin(), people.participants.end(), actor.id) != people.participants.end()) {
    return Rejection{RejectionCode::kParticipant, "`" + actor.id + "` already acted on the plan and may not " + what +
                                                      " it (four-eyes rule: approval level " +
                                                      level_name(workflow, progress) + " excludes its participants)"};
  }
  if (level.excludes_assignee && !people.assignee_role.empty() && actor.holds(people.assignee_role)) {
    return Rejection{RejectionCode::kAssignee, "`" + actor.id + "` holds `" + std::string(people.assignee_role) +
                                                   "`, the role the ticket is assigned to, and may not " + what +
                                                   " it (four-eyes rule: approval level " +
                                                   level_name(workflow, progress) + " excludes the assignee)"};
  }
  return std::nullopt;
}

// The checks shared by votes and rejections.
std::optional<Rejection> check_person(const Workflow& workflow, const ApprovalProgress& progress, const Actor& actor,
                                      const PlanPeople& people, const char* what) {
  const ApprovalLevel& level = workflow.chains()[progress.chain].levels[progress.level];
  if (actor.id.empty())
    return Rejection{RejectionCode::kActorRequired, std::string("an actor id is needed to ") + what};
  if (std::optional<Rejection> excluded = check_excluded(workflow, progress, actor, people, what)) return excluded;
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

PlanPeople plan_people(const Ticket& ticket) {
  PlanPeople people;
  if (ticket.proposal) {
    people.participants = ticket.proposal->participants;
  } else {
    people.participants = std::span<const std::string>(&ticket.approval->requester, 1);
  }
  if (ticket.assignee.role < ticket.workflow->roles().size()) {
    people.assignee_role = ticket.workflow->roles()[ticket.assignee.role].name;
  }
  return people;
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
                                              const Actor& actor, const PlanPeople& people) {
  const ApprovalLevel& level = workflow.chains()[progress.chain].levels[progress.level];
  // An approver of this level voting again is refused as a second vote,
  // before `not participants` could name the first vote as acting on the plan.
  bool approver_here =
      std::any_of(level.roles.begin(), level.roles.end(), [&](RoleIndex role) { return holds(workflow, actor, role); });
  for (const ApprovalVote& vote : progress.votes) {
    if (approver_here && !actor.id.empty() && vote.approver == actor.id) {
      return Rejection{RejectionCode::kAlreadyVoted, "`" + actor.id + "` has already approved in this chain"};
    }
  }
  if (std::optional<Rejection> person = check_person(workflow, progress, actor, people, "approve")) {
    return std::move(*person);
  }
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

std::optional<Rejection> check_rejection(const Workflow& workflow, const ApprovalProgress& progress, const Actor& actor,
                                         const PlanPeople& people) {
  return check_person(workflow, progress, actor, people, "reject");
}

std::string level_name(const Workflow& workflow, const ApprovalProgress& progress) {
  if (progress.chain >= workflow.chains().size()) return "none";
  const Chain& chain = workflow.chains()[progress.chain];
  if (progress.level >= chain.levels.size()) return chain.name;
  return chain.name + "." + chain.levels[progress.level].name;
}

std::string approval_rule_text(const Workflow& workflow, std::uint32_t choice) {
  if (choice >= workflow.approvals().size()) return "no `approval` rule applies";
  const ApprovalChoice& rule = workflow.approvals()[choice];
  std::string text = "approval ";
  if (rule.priority < workflow.priorities().size()) {
    text += "by priority " + workflow.priorities()[rule.priority].name;
  } else if (rule.condition) {
    text += "when " + rule.condition->text();
  } else {
    text += "otherwise";
  }
  return text + ": " + (rule.chain < workflow.chains().size() ? workflow.chains()[rule.chain].name : "none");
}

}  // namespace docket::engine
