// Facts about a workflow's state graph: which states can be reached at
// all, and from which a ticket can still finish. Migration uses it so that
// no ticket is moved into a state it can never leave.

#pragma once

#include <vector>

#include "engine/model/workflow.h"

namespace docket::engine {

// Which states the initial state can reach, and which can reach a final
// state, following every edge (transitions and timers).
struct Reachability {
  std::vector<bool> reachable;   // by StateIndex
  std::vector<bool> can_finish;  // by StateIndex

  std::vector<StateIndex> unreachable() const;
  std::vector<StateIndex> dead_ends() const;  // reachable states that cannot finish
};
Reachability analyze_reachability(const Workflow& workflow);

}  // namespace docket::engine
