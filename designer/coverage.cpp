#include "designer/coverage.h"

#include "engine/model/value.h"

namespace docket::designer {
namespace {

std::string position_key(CoverageKind kind, const engine::RulePosition& position) {
  return std::to_string(static_cast<int>(kind)) + "@" + position.where + ":" + std::to_string(position.column);
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
  for (const engine::Transition& transition : flow.transitions()) {
    std::string event = transition.automatic() ? std::string("auto") : flow.events()[transition.event];
    std::string to =
        transition.to == engine::kNoIndex ? flow.states()[transition.from].name : flow.states()[transition.to].name;
    by_position_[position_key(CoverageKind::kTransition, transition.position)] = items_.size();
    items_.push_back({CoverageKind::kTransition, event + ": " + flow.states()[transition.from].name + " -> " + to,
                      transition.position, 0});
  }
  for (const engine::Timer& timer : flow.timers()) {
    std::string text = std::string(timer.recurring ? "every " : "after ") + flow.describe(timer.length) + " in " +
                       flow.states()[timer.state].name;
    if (timer.target != engine::kNoIndex) text += " -> " + flow.states()[timer.target].name;
    by_position_[position_key(CoverageKind::kTimer, timer.position)] = items_.size();
    items_.push_back({CoverageKind::kTimer, text, timer.position, 0});
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
