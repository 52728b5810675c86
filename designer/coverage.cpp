#include "designer/coverage.h"

#include "engine/model/value.h"

namespace docket::designer {
namespace {

std::string position_key(CoverageKind kind, const engine::RulePosition& position) {
  return std::to_string(static_cast<int>(kind)) + "@" + position.where + ":" + std::to_string(position.column);
}

// Where a transition or timer is written: its state, or "group open" for
// one a group copies into each of its states.
std::string written_in(const engine::Workflow& flow, engine::StateIndex state, engine::GroupIndex group) {
  if (group == engine::kNoIndex) return flow.states()[state].name;
  return "group " + flow.groups()[group].name;
}

}  // namespace

const char* to_string(CoverageKind kind) {
  switch (kind) {
    case CoverageKind::kState:
      return "state";
    case CoverageKind::kTransition:
      return "transition";
    case CoverageKind::kTimer:
      return "timer";
    case CoverageKind::kApprovalLevel:
      return "approval level";
  }
  return "?";
}

Coverage::Coverage(std::shared_ptr<const engine::Workflow> workflow) : workflow_(std::move(workflow)) {
  const engine::Workflow& flow = *workflow_;
  for (const engine::State& state : flow.states()) {
    states_[state.name] = items_.size();
    items_.push_back({CoverageKind::kState, state.name, state.position, 0});
  }
  // A group's transition or timer is one item, as written: the same rule
  // whichever of its states it fires in.
  auto add = [&](CoverageKind kind, const engine::RulePosition& position, std::string description) {
    auto [it, added] = by_position_.emplace(position_key(kind, position), items_.size());
    if (added) items_.push_back({kind, std::move(description), position, 0});
  };
  for (const engine::Transition& transition : flow.transitions()) {
    std::string event = transition.automatic() ? std::string("auto") : flow.events()[transition.event];
    std::string text = event + ": " + written_in(flow, transition.from, transition.group);
    text += transition.stays() ? " (stays)" : " -> " + flow.states()[transition.to].name;
    add(CoverageKind::kTransition, transition.position, std::move(text));
  }
  for (const engine::Timer& timer : flow.timers()) {
    std::string text = std::string(timer.recurring ? "every " : "after ") + flow.describe(timer.length) + " in " +
                       written_in(flow, timer.state, timer.group);
    if (timer.target != engine::kNoIndex) text += " -> " + flow.states()[timer.target].name;
    add(CoverageKind::kTimer, timer.position, std::move(text));
  }
  for (const engine::Chain& chain : flow.chains()) {
    for (const engine::ApprovalLevel& level : chain.levels) {
      by_position_[position_key(CoverageKind::kApprovalLevel, level.position)] = items_.size();
      items_.push_back({CoverageKind::kApprovalLevel, chain.name + "." + level.name, level.position, 0});
    }
  }
}

void Coverage::hit(const engine::RulePosition& position, CoverageKind kind) {
  auto found = by_position_.find(position_key(kind, position));
  if (found != by_position_.end()) ++items_[found->second].hits;
}

void Coverage::add(const std::vector<engine::Record>& records) {
  for (const engine::Record& record : records) {
    if (record.rejected || record.version != workflow_->version_id()) continue;
    for (const std::string* state : {&record.from, &record.to}) {
      auto found = states_.find(*state);
      if (found != states_.end() && !state->empty()) ++items_[found->second].hits;
    }
    if (record.kind == engine::RecordKind::kTransition) hit(record.rule, CoverageKind::kTransition);
    if (record.kind == engine::RecordKind::kTimer) hit(record.rule, CoverageKind::kTimer);
    for (const engine::Effect& effect : record.effects) {
      if (effect.kind == engine::EffectKind::kApprovalVote) hit(effect.rule, CoverageKind::kApprovalLevel);
    }
  }
}

CoverageCount Coverage::count(CoverageKind kind) const {
  CoverageCount count;
  for (const CoverageItem& item : items_) {
    if (item.kind != kind) continue;
    ++count.total;
    if (item.hits > 0) ++count.reached;
  }
  return count;
}

bool Coverage::complete() const {
  for (const CoverageItem& item : items_) {
    if (item.hits == 0) return false;
  }
  return true;
}

}  // namespace docket::designer
