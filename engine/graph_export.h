// Drawings and facts about a workflow's state graph (`docket graph`).
//
// Every format shows the same thing: one node per state, one edge per
// transition and per timer with a target. Edge labels read like the rules:
// `event [guard] / roles`, `auto [guard]`, `after 2h in office [guard]`.
// Labels are UTF-8 and come out intact, escaped as each format requires.

#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/workflow.h"

namespace docket::engine {

enum class GraphFormat { kDot, kMermaid, kJson };

// "dot", "mermaid", "json"; nullopt otherwise.
std::optional<GraphFormat> parse_graph_format(std::string_view name);

// Graphviz DOT, for `dot -Tsvg`. Nodes show the state's label (its name when
// it has none) with its timers and paused clocks; the initial state is bold
// with an arrow from a point, final states are double circles; automatic
// edges are dashed, timer edges dotted.
std::string export_dot(const Workflow& workflow);

// Mermaid stateDiagram-v2: `[*] --> initial`, `final --> [*]`.
std::string export_mermaid(const Workflow& workflow);

// One JSON document for tools: {"workflow":{...},"nodes":[...],"edges":[...]},
// every attribute of states, transitions and timers, with rule positions.
std::string export_json(const Workflow& workflow);

std::string export_graph(const Workflow& workflow, GraphFormat format);

// The label of a transition's edge: "resolve [score >= 4] / engineer".
std::string transition_label(const Workflow& workflow, TransitionIndex transition);
// The label of a timer: "after 2h in office [guard]" or
// "every 24h in office: notify customer".
std::string timer_label(const Workflow& workflow, TimerIndex timer);

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
