// Coverage: which parts of a workflow some scenario reached.
//
// Four kinds of items, each with the rule position it was written at:
// states (entered), transitions (fired, `on` and `auto`, stays included),
// timers (fired) and approval levels (voted on, approve or reject). A
// transition or timer of a group is one item, reached when it fired in any
// of the group's states: it is one rule, and each state it is copied into is
// an item of its own already. Records of any number of runs of the same
// workflow version are added; what none reached is what the scenarios do not
// test.

#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/model/workflow.h"
#include "engine/runtime/journal.h"

namespace docket::designer {

enum class CoverageKind { kState, kTransition, kTimer, kApprovalLevel };
const char* to_string(CoverageKind kind);  // "state", "transition", "timer", "approval level"

struct CoverageItem {
  CoverageKind kind = CoverageKind::kState;
  // "received", "registered: classifying -> dispatched", "auto: received ->
  // registering", "reassessed: verifying (stays)", "withdrawn: group open ->
  // withdrawn", "after 24h in follow_up", "approval supervisor_chain.supervisor".
  std::string description;
  engine::RulePosition position;
  std::size_t hits = 0;
};

struct CoverageCount {
  std::size_t reached = 0;
  std::size_t total = 0;
};

class Coverage {
 public:
  explicit Coverage(std::shared_ptr<const engine::Workflow> workflow);

  // Counts what `records` show was reached. Records of other workflow
  // versions are ignored.
  void add(const std::vector<engine::Record>& records);

  // Every item, in declaration order by kind: states, transitions, timers,
  // approval levels.
  const std::vector<CoverageItem>& items() const { return items_; }
  CoverageCount count(CoverageKind kind) const;
  bool complete() const;

 private:
  void hit(const engine::RulePosition& position, CoverageKind kind);

  std::shared_ptr<const engine::Workflow> workflow_;
  std::vector<CoverageItem> items_;
  std::map<std::string, std::size_t> states_;       // state name -> item
  std::map<std::string, std::size_t> by_position_;  // "kind@file:line:column" -> item
};

}  // namespace docket::designer
