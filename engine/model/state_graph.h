// The states of a workflow as a Boost.Graph, for analyses and drawings.
//
// Vertex v is state v (vertices are added in state order and never removed);
// each edge is one transition or one timer with a target, added in
// declaration order (transitions first, then timers). Transitions and timers
// that stay in their state (no target) are not edges. The graph is built once
// by Workflow::build() and only read afterwards: Workflow::graph() gives
// const access. The engine's per-event lookups use Workflow's flat tables
// instead; walking adjacency lists per event would be slower.
//
// This header pulls in Boost.Graph's adjacency_list (about a second of
// compile time): include it only where the graph is walked.

#pragma once

#include <cstdint>

#include <boost/graph/adjacency_list.hpp>

#include "engine/model/workflow.h"

namespace docket::engine {

struct StateVertex {
  StateIndex state = kNoIndex;
};

enum class EdgeKind : std::uint8_t {
  kEvent,      // `on EVENT -> target`: index is a TransitionIndex (a group's too, once per state)
  kAutomatic,  // `auto -> target`: index is a TransitionIndex
  kTimer,      // `after D -> target`: index is a TimerIndex
};

struct TransitionEdge {
  EdgeKind kind = EdgeKind::kEvent;
  std::uint32_t index = kNoIndex;
};

using StateGraphBase =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, StateVertex, TransitionEdge>;

// A distinct type so that workflow.h can name it without including Boost;
// every Boost.Graph algorithm accepts it as the adjacency_list it is.
class StateGraph final : public StateGraphBase {
 public:
  using StateGraphBase::StateGraphBase;
};

}  // namespace docket::engine
