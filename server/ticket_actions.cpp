#include "server/ticket_actions.h"

#include <algorithm>
#include <variant>

#include "engine/runtime/approval.h"
#include "engine/runtime/runner.h"

namespace docket::server {
namespace {

using engine::kNoIndex;

std::string position_text(const engine::RulePosition& position) {
  if (position.where.empty()) return "";
  return position.column == 0 ? position.where : position.where + ":" + std::to_string(position.column);
}

bool may_fire(const engine::Workflow& workflow, const engine::Ticket& ticket, const engine::Transition& transition,
              const engine::Actor& scoped) {
  if (!transition.restricted()) return true;
  for (engine::RoleIndex role : workflow.roles_allowed(transition, ticket.category())) {
    if (role != kNoIndex && scoped.holds(workflow.roles()[role].name)) return true;
  }
  return false;
}

void suggest(std::vector<engine::FieldIndex>& fields, engine::FieldIndex field) {
  if (std::find(fields.begin(), fields.end(), field) == fields.end()) fields.push_back(field);
}

void suggest_read(std::vector<engine::FieldIndex>& fields, const engine::CompiledExpr& expr) {
  for (const engine::Instruction& instruction : expr.code()) {
    if (instruction.op == engine::OpCode::kField) suggest(fields, instruction.arg);
  }
}

// What the transition's actions read: the fields of the classifications it
// runs (table axes, rule conditions) and of the values it sets.
void suggest_action_reads(const engine::Workflow& workflow, const engine::Transition& transition,
                          std::vector<engine::FieldIndex>& fields) {
  for (const engine::Action& action : transition.actions) {
    if (action.value) suggest_read(fields, *action.value);
    if (action.kind != engine::ActionKind::kClassify || action.target >= workflow.classifications().size()) continue;
    const engine::Classification& classification = workflow.classifications()[action.target];
    for (const engine::TableAxis* axis : {&classification.row, &classification.column}) {
      if (axis->index != kNoIndex && !axis->is_attribute) suggest(fields, axis->index);
    }
    for (const engine::ClassifyRule& rule : classification.rules) {
      if (rule.condition) suggest_read(fields, *rule.condition);
    }
  }
}

std::vector<engine::FieldIndex> required_unset(const engine::Workflow& workflow, const engine::Ticket& ticket) {
  std::vector<engine::FieldIndex> fields;
  for (engine::FieldIndex f = 0; f < workflow.fields().size() && f < ticket.fields.size(); ++f) {
    if (workflow.fields()[f].required && ticket.fields[f].type() == engine::ValueType::kUnset) fields.push_back(f);
  }
  return fields;
}

OfferedEvent& offer(std::vector<OfferedEvent>& offered, const engine::Workflow& workflow,
                    const engine::Transition& transition) {
  const std::string& name = workflow.events()[transition.event];
  auto found = std::find_if(offered.begin(), offered.end(), [&](const OfferedEvent& e) { return e.event == name; });
  if (found != offered.end()) return *found;
  OfferedEvent event;
  event.event = name;
  if (!transition.stays()) {
    event.to = workflow.states()[transition.to].name;
    event.to_label = workflow.states()[transition.to].label;
  }
  event.rule = position_text(transition.position);
  offered.push_back(std::move(event));
  return offered.back();
}

void offer_votes(const engine::Workflow& workflow, const engine::Ticket& ticket, const engine::Actor& scoped,
                 std::vector<OfferedEvent>& offered) {
  if (!ticket.approval || ticket.approval->chain >= workflow.chains().size()) return;
  const engine::ApprovalProgress& progress = *ticket.approval;
  if (progress.level >= workflow.chains()[progress.chain].levels.size()) return;
  engine::PlanPeople people = engine::plan_people(ticket);
  std::string rule = position_text(workflow.chains()[progress.chain].levels[progress.level].position);
  if (std::holds_alternative<engine::RoleIndex>(engine::check_vote(workflow, progress, scoped, people)))
    offered.push_back({std::string(engine::kApproveEvent), "", "", {}, rule, {}});
  if (!engine::check_rejection(workflow, progress, scoped, people))
    offered.push_back({std::string(engine::kRejectEvent), "", "", {}, rule, {}});
}

}  // namespace

std::vector<OfferedEvent> offered_events(const engine::Workflow& workflow, const engine::Ticket& ticket,
                                         const engine::Actor& actor) {
  std::vector<OfferedEvent> offered;
  if (ticket.state >= workflow.states().size()) return offered;
  engine::Actor scoped = engine::scoped_actor(workflow, ticket, actor);
  std::vector<engine::FieldIndex> unset = required_unset(workflow, ticket);
  for (engine::TransitionIndex index : workflow.transitions_from(ticket.state)) {
    const engine::Transition& transition = workflow.transitions()[index];
    if (transition.automatic() || !may_fire(workflow, ticket, transition, scoped)) continue;
    const std::string& name = workflow.events()[transition.event];
    bool chain_decides = workflow.states()[ticket.state].awaits_approval &&
                         (name == engine::kApprovedEvent || name == engine::kRejectedEvent);
    if (chain_decides) continue;
    OfferedEvent& event = offer(offered, workflow, transition);
    if (transition.guard) {
      event.guards.push_back(transition.guard->text());
      suggest_read(event.suggested, *transition.guard);
    }
    suggest_action_reads(workflow, transition, event.suggested);
  }
  for (OfferedEvent& event : offered) {
    for (engine::FieldIndex field : unset) suggest(event.suggested, field);
  }
  offer_votes(workflow, ticket, scoped, offered);
  return offered;
}

std::vector<std::string> eligible_voters(const engine::Workflow& workflow, const engine::Ticket& ticket,
                                         const std::vector<engine::Actor>& people) {
  std::vector<std::string> voters;
  if (!ticket.approval || ticket.approval->chain >= workflow.chains().size()) return voters;
  const engine::ApprovalProgress& progress = *ticket.approval;
  if (progress.level >= workflow.chains()[progress.chain].levels.size()) return voters;
  engine::PlanPeople plan = engine::plan_people(ticket);
  for (const engine::Actor& person : people) {
    engine::Actor scoped = engine::scoped_actor(workflow, ticket, person);
    if (std::holds_alternative<engine::RoleIndex>(engine::check_vote(workflow, progress, scoped, plan)))
      voters.push_back(person.id);
  }
  return voters;
}

}  // namespace docket::server
