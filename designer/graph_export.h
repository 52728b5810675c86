// Drawings and facts about a workflow's state graph (`docket graph`).
//
// Every format shows the same thing: one node per state, one edge per
// transition and per timer with a target. Edge labels read like the rules:
// `event [guard] / roles`, `auto [guard]`, `after 2h in office [guard]`.
// A transition without a target (a stay) is a self-loop marked `(stays)`.
// A group's transitions and timers are drawn once, from the group (DOT: its
// frame, or its box; Mermaid: its box), its stays and timers that do not
// leave are listed in it; JSON and XState list them in every state of the
// group, as the engine runs them, naming the group.
// Labels are UTF-8 and come out intact, escaped as each format requires.
//
// SVG is not made here: `docket graph --format svg` runs Graphviz's `dot` on
// export_dot()'s text (cli/graph.cpp), so the engine never starts processes.

#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/workflow.h"

namespace docket::designer {

using engine::StateIndex;
using engine::TimerIndex;
using engine::TransitionIndex;
using engine::Workflow;

enum class GraphFormat { kDot, kMermaid, kJson, kXState };

// "dot", "mermaid", "json", "xstate"; nullopt otherwise.
std::optional<GraphFormat> parse_graph_format(std::string_view name);

// Graphviz DOT, for `dot -Tsvg`. Nodes are filled by the kind of state (see
// StateStyle); each shows the state's label (its name when it has none) and
// what happens while a ticket is there: the approval it waits for (choice by
// choice: `P0: head_signoff = head (any of dept_head)`), the clocks it pauses
// and its timers without a target. The initial state has an arrow from a
// point. Edges: transitions solid, `auto` dashed, timers dotted, stays
// self-loops with a hollow dot for a head; guards longer than kShortGuard
// characters are cut with `…`. A group is a dashed frame around its states
// (the cluster `cluster_group_NAME`) when Graphviz can nest it, else a
// dashed box `group:NAME` that names its states. A legend (the cluster
// `cluster_legend`) explains the fills and the edge styles and lists each
// priority's time limits.
std::string export_dot(const Workflow& workflow);

// Mermaid stateDiagram-v2: `[*] --> initial`, `final --> [*]`; a group is a
// box `group_NAME` that names its states.
std::string export_mermaid(const Workflow& workflow);

// One JSON document for tools:
// {"workflow":{...},"nodes":[...],"edges":[...],"groups":[...]}, every
// attribute of states, transitions (stays under their node's "stays"),
// timers and groups, with rule positions.
std::string export_json(const Workflow& workflow);

// An XState v5 machine definition (JSON) for simulators and visual tools:
// {"id":..,"initial":..,"states":{S:{"on":{EVENT:[{"target":..,"guard":..}]}}}}.
// `auto` transitions become `always`; timers become `after` in milliseconds
// (`every` too, marked "meta":{"every":true}: XState fires it once per
// entry); final states get "type":"final"; a transition back into its own
// state has "reenter":true because docket leaves and re-enters it, and a
// stay has no target (an XState targetless transition: its actions run, the
// state is not left). Groups are not XState parent states (a state may be
// in several): their transitions and timers are listed in each of their
// states, "meta":{"group":NAME}. Guards
// and actions are names only: a guard is named by the rule that holds it
// ("after_sales.docket:198", the transition's position relative to the
// rules folder) and stands for its `when` and `by` together; actions are
// named as Workflow::describe writes them. The consumer supplies their
// implementations. Business-time timers are exported in wall-clock
// milliseconds with their calendar in "meta".
std::string export_xstate(const Workflow& workflow);

std::string export_graph(const Workflow& workflow, GraphFormat format);

// How export_dot draws a kind of state, and its legend entry. When a state is
// several of these, the first in this order wins: initial, final, awaits
// approval, pauses clocks, normal.
enum class StateStyle { kInitial, kNormal, kAwaitsApproval, kPausesClocks, kFinal };
StateStyle state_style(const Workflow& workflow, StateIndex state);
// The fill colour ("#c8e6c9") and legend text ("initial state") of a style.
const char* fill_color(StateStyle style);
const char* legend_text(StateStyle style);

// Guards longer than this many characters are shortened on DOT edges.
inline constexpr std::size_t kShortGuard = 40;

// `text` as a DOT double-quoted string, the quotes included: quotes and
// backslashes escaped, a line break as Graphviz's centred `\n`, other
// control characters as spaces and ill-formed UTF-8 as U+FFFD, so that any
// text is one valid DOT string that draws as written.
std::string dot_quoted(std::string_view text);

// The label of a transition's edge: "resolve [score >= 4] / engineer".
std::string transition_label(const Workflow& workflow, TransitionIndex transition);
// The label of a timer: "after 2h in office [guard]" or
// "every 24h in office: notify customer".
std::string timer_label(const Workflow& workflow, TimerIndex timer);

}  // namespace docket::designer
