#include "conform/process_map.h"

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "designer/graph_export.h"
#include "engine/model/text.h"

namespace docket::conform {
namespace {

using designer::dot_quoted;
using engine::kNoIndex;
using engine::StateIndex;
using engine::Workflow;

// The map's colours: the log's traffic dark, what it never did light grey,
// what the rules do not allow red.
constexpr const char* kTaken = "#37474f";
constexpr const char* kTakenText = "#263238";
constexpr const char* kIdle = "#bdbdbd";
constexpr const char* kIdleText = "#9e9e9e";
constexpr const char* kIdleFill = "#f5f5f5";
constexpr const char* kRefused = "#d32f2f";
constexpr const char* kStartElsewhere = "#78909c";

// Rule labels longer than this many characters are cut with `…`, so that a
// long guard does not push the map apart.
constexpr std::size_t kLabelCharacters = 48;

std::string shortened(std::string_view text) {
  std::string out;
  std::size_t count = 0;
  engine::for_each_character(text, [&](std::string_view c) {
    if (count < kLabelCharacters) out += c;
    ++count;
  });
  if (count > kLabelCharacters) out += "\xE2\x80\xA6";
  return out;
}

// Everything the rules draw from one state to another, as one edge: the
// traffic the log records is per pair of states, not per transition.
struct RuleEdge {
  StateIndex from = kNoIndex;
  StateIndex to = kNoIndex;
  std::vector<std::string> labels;  // each transition and timer, in the order written
  bool on_event = false;
  bool automatic = false;
};

// Transitions (stays left out: they draw no move) and timers with a target,
// merged by pair of states in the order first written.
std::vector<RuleEdge> rule_edges(const Workflow& workflow) {
  std::vector<RuleEdge> edges;
  std::map<std::pair<StateIndex, StateIndex>, std::size_t> index;
  auto edge_for = [&](StateIndex from, StateIndex to) -> RuleEdge& {
    auto [it, added] = index.try_emplace({from, to}, edges.size());
    if (added) edges.push_back(RuleEdge{from, to, {}, false, false});
    return edges[it->second];
  };
  for (engine::TransitionIndex t = 0; t < workflow.transitions().size(); ++t) {
    const engine::Transition& transition = workflow.transitions()[t];
    if (transition.stays()) continue;
    RuleEdge& edge = edge_for(transition.from, transition.to);
    edge.labels.push_back(shortened(designer::transition_label(workflow, t)));
    (transition.automatic() ? edge.automatic : edge.on_event) = true;
  }
  for (engine::TimerIndex t = 0; t < workflow.timers().size(); ++t) {
    const engine::Timer& timer = workflow.timers()[t];
    if (timer.target == kNoIndex) continue;
    edge_for(timer.state, timer.target).labels.push_back(shortened(designer::timer_label(workflow, t)));
  }
  return edges;
}

// The log's moves between two rule states.
struct Traffic {
  std::size_t allowed = 0;
  std::size_t refused = 0;
};
using TrafficMap = std::map<std::pair<StateIndex, StateIndex>, Traffic>;

// Moves from or to a state the rules lack are left out: the page lists
// those states.
TrafficMap traffic_of(const Workflow& workflow, const ConformanceResult& result) {
  TrafficMap traffic;
  for (const Edge& edge : result.edges) {
    std::optional<StateIndex> from = workflow.find_state(edge.from);
    std::optional<StateIndex> to = workflow.find_state(edge.to);
    if (!from || !to) continue;
    Traffic& pair = traffic[{*from, *to}];
    (edge.allowed ? pair.allowed : pair.refused) += edge.count;
  }
  return traffic;
}

// Traces through each state: a variant's traces count once for each state
// its path visits, however often it returns there.
std::vector<std::size_t> visits_of(const Workflow& workflow, const ConformanceResult& result) {
  std::vector<std::size_t> visits(workflow.states().size(), 0);
  for (const Variant& variant : result.variants) {
    std::set<StateIndex> seen;
    for (const std::string& name : variant.path) {
      if (std::optional<StateIndex> state = workflow.find_state(name)) seen.insert(*state);
    }
    for (StateIndex state : seen) visits[state] += variant.traces;
  }
  return visits;
}

// Traces by the state their path begins in.
std::map<StateIndex, std::size_t> starts_of(const Workflow& workflow, const ConformanceResult& result) {
  std::map<StateIndex, std::size_t> starts;
  for (const Variant& variant : result.variants) {
    if (variant.path.empty()) continue;
    if (std::optional<StateIndex> state = workflow.find_state(variant.path.front())) {
      starts[*state] += variant.traces;
    }
  }
  return starts;
}

// SVG ids must be unique; two pairs of names can join to the same id
// (`a_b`+`c`, `a`+`b_c`), and the later one gets a suffix.
class Ids {
 public:
  std::string take(const std::string& wanted) {
    std::string id = wanted;
    for (int n = 2; !taken_.insert(id).second; ++n) id = wanted + "_" + std::to_string(n);
    return id;
  }

 private:
  std::set<std::string> taken_;
};

std::string traces_text(std::size_t count) {
  if (count == 0) return "no trace";
  return std::to_string(count) + (count == 1 ? " trace" : " traces");
}

// Line widths 1..6 by the share of the busiest edge. Graphviz grows an
// arrowhead with its line: a thick line gets a smaller one, so that the
// head does not hide the state it points at.
std::string weight(std::size_t count, std::size_t busiest) {
  double share = busiest == 0 ? 0.0 : static_cast<double>(count) / static_cast<double>(busiest);
  double width = 1.0 + 5.0 * share;
  char text[48];
  std::snprintf(text, sizeof text, ", penwidth=%.1f%s", width, width >= 3.0 ? ", arrowsize=0.6" : "");
  return text;
}

std::string quoted_name(const Workflow& workflow, StateIndex state) {
  return dot_quoted(workflow.states()[state].name);
}

// A state: its label, its name when the label differs, and its traffic;
// filled as `docket graph` fills it, grey when no trace came by.
std::string state_node(const Workflow& workflow, StateIndex s, std::size_t visits, Ids& ids) {
  const engine::State& state = workflow.states()[s];
  bool labelled = !state.label.empty() && state.label != state.name;
  std::string label = labelled ? state.label + "\n" + state.name : state.name;
  label += "\n" + traces_text(visits);
  designer::StateStyle style = designer::state_style(workflow, s);
  std::string out = "  " + quoted_name(workflow, s) + " [id=" + dot_quoted(ids.take("state_" + state.name)) +
                    ", label=" + dot_quoted(label);
  if (visits == 0) {
    out += std::string(", fillcolor=\"") + kIdleFill + "\", color=\"" + kIdle + "\", fontcolor=\"" + kIdleText + "\"";
  } else {
    out += std::string(", fillcolor=\"") + designer::fill_color(style) + "\"";
    if (style == designer::StateStyle::kInitial) out += ", style=\"rounded,filled,bold\"";
  }
  if (style == designer::StateStyle::kFinal) out += ", peripheries=2";
  return out + "];\n";
}

// Where traces begin: the initial state's arrow carries its count; a state
// elsewhere that traces begin in gets an arrow of its own (whether the
// mapping allows it there is the checker's to say, as a `start` deviation).
std::string start_edges(const Workflow& workflow, const std::map<StateIndex, std::size_t>& starts, Ids& ids) {
  std::string out = "  \"[*]\" [id=\"start\", shape=point, width=0.15, label=\"\"];\n";
  StateIndex initial = workflow.initial_state();
  if (initial != kNoIndex) {
    auto found = starts.find(initial);
    out += "  \"[*]\" -> " + quoted_name(workflow, initial) +
           " [id=" + dot_quoted(ids.take("start_" + workflow.states()[initial].name));
    if (found != starts.end()) out += ", label=" + dot_quoted(std::to_string(found->second));
    out += "];\n";
  }
  for (const auto& [state, count] : starts) {
    if (state == initial) continue;
    out += "  \"[*]\" -> " + quoted_name(workflow, state) +
           " [id=" + dot_quoted(ids.take("start_" + workflow.states()[state].name)) +
           ", label=" + dot_quoted(std::to_string(count) + " start here") + ", style=dashed, color=\"" +
           kStartElsewhere + "\", fontcolor=\"" + kStartElsewhere + "\", constraint=false];\n";
  }
  return out;
}

std::string edge_id(const Workflow& workflow, StateIndex from, StateIndex to) {
  return "edge_" + workflow.states()[from].name + "_" + workflow.states()[to].name;
}

// A pair of states the rules connect: dark, thick and counted when the log
// took it, thin and grey when not; dashed when only `auto` leads there,
// dotted when only a timer does.
std::string rule_edge(const Workflow& workflow, const RuleEdge& edge, std::size_t taken, std::size_t busiest,
                      Ids& ids) {
  std::string label = engine::join(edge.labels, "\n");
  if (taken > 0) label = std::to_string(taken) + "\n" + label;
  std::string out = "  " + quoted_name(workflow, edge.from) + " -> " + quoted_name(workflow, edge.to) +
                    " [id=" + dot_quoted(ids.take(edge_id(workflow, edge.from, edge.to))) +
                    ", label=" + dot_quoted(label);
  if (taken > 0) {
    out += weight(taken, busiest) + ", color=\"" + kTaken + "\", fontcolor=\"" + kTakenText + "\"";
  } else {
    out += std::string(", color=\"") + kIdle + "\", fontcolor=\"" + kIdleText + "\"";
  }
  if (!edge.on_event) out += edge.automatic ? ", style=dashed" : ", style=dotted";
  return out + "];\n";
}

// A move the log made that the rules do not allow. It does not take part in
// the layout (constraint=false), so that the map keeps the rules' shape.
// Beside a rule edge of the same pair (its guard or roles refused the
// move), it gets an id of its own.
std::string refused_edge(const Workflow& workflow, StateIndex from, StateIndex to, std::size_t count,
                         std::size_t busiest, bool beside_rule, Ids& ids) {
  std::string id = edge_id(workflow, from, to) + (beside_rule ? "_refused" : "");
  return "  " + quoted_name(workflow, from) + " -> " + quoted_name(workflow, to) + " [id=" + dot_quoted(ids.take(id)) +
         ", label=" + dot_quoted(std::to_string(count) + " not allowed") + ", style=dashed" + weight(count, busiest) +
         ", color=\"" + kRefused + "\", fontcolor=\"" + kRefused + "\", constraint=false];\n";
}

// A move the checker allowed between states no rule edge joins: drawn
// plainly rather than lost.
std::string unmatched_edge(const Workflow& workflow, StateIndex from, StateIndex to, std::size_t count,
                           std::size_t busiest, Ids& ids) {
  return "  " + quoted_name(workflow, from) + " -> " + quoted_name(workflow, to) +
         " [id=" + dot_quoted(ids.take(edge_id(workflow, from, to))) + ", label=" + dot_quoted(std::to_string(count)) +
         weight(count, busiest) + ", color=\"" + kTaken + "\", fontcolor=\"" + kTakenText + "\", constraint=false];\n";
}

std::size_t busiest_of(const TrafficMap& traffic) {
  std::size_t busiest = 0;
  for (const auto& [pair, counts] : traffic) busiest = std::max({busiest, counts.allowed, counts.refused});
  return busiest;
}

// Rule edges the map leaves out: those the log never took, when there are
// more than kMaxUntakenEdges of them; 0 otherwise.
std::size_t hidden_edges(const Workflow& workflow, const TrafficMap& traffic) {
  std::size_t untaken = 0;
  for (const RuleEdge& edge : rule_edges(workflow)) {
    auto found = traffic.find({edge.from, edge.to});
    if (found == traffic.end() || found->second.allowed == 0) ++untaken;
  }
  return untaken > kMaxUntakenEdges ? untaken : 0;
}

std::string title_of(const Workflow& workflow, const ConformanceResult& result) {
  std::string title = workflow.label().empty() ? workflow.name() : workflow.label();
  if (!workflow.version().empty()) title += " v" + workflow.version();
  return title + ": " + traces_text(result.traces);
}

}  // namespace

std::string process_map_dot(const Workflow& workflow, const ConformanceResult& result) {
  const TrafficMap traffic = traffic_of(workflow, result);
  const std::size_t busiest = busiest_of(traffic);
  const std::vector<std::size_t> visits = visits_of(workflow, result);
  Ids ids;

  std::string out = "digraph " + dot_quoted(workflow.name()) + " {\n";
  std::string title = title_of(workflow, result);
  std::size_t hidden = hidden_edges(workflow, traffic);
  if (hidden > 0)
    title += "\n(" + std::to_string(hidden) + " transitions of the rules the log never took are not drawn)";
  out += "  graph [label=" + dot_quoted(title) +
         ", labelloc=t, fontname=\"Helvetica\", fontsize=14, nodesep=0.5, ranksep=0.55, bgcolor=\"transparent\"];\n";
  out += "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=12, color=\"#455a64\"];\n";
  out += "  edge [fontname=\"Helvetica\", fontsize=10, arrowsize=0.8];\n";
  for (StateIndex s = 0; s < workflow.states().size(); ++s) out += state_node(workflow, s, visits[s], ids);
  out += start_edges(workflow, starts_of(workflow, result), ids);

  std::set<std::pair<StateIndex, StateIndex>> ruled;
  const std::vector<RuleEdge> edges = rule_edges(workflow);
  // On a large graph the edges the log never took hide those it took: past
  // kMaxUntakenEdges they are left out, and the title says how many.
  const bool draw_untaken = hidden == 0;
  for (const RuleEdge& edge : edges) {
    auto found = traffic.find({edge.from, edge.to});
    std::size_t taken = found == traffic.end() ? 0 : found->second.allowed;
    ruled.insert({edge.from, edge.to});
    if (taken == 0 && !draw_untaken) continue;
    out += rule_edge(workflow, edge, taken, busiest, ids);
  }
  for (const auto& [pair, counts] : traffic) {
    bool beside_rule = ruled.count(pair) != 0;
    if (counts.refused > 0) {
      out += refused_edge(workflow, pair.first, pair.second, counts.refused, busiest, beside_rule, ids);
    }
    if (counts.allowed > 0 && !beside_rule) {
      out += unmatched_edge(workflow, pair.first, pair.second, counts.allowed, busiest, ids);
    }
  }
  out += "}\n";
  return out;
}

}  // namespace docket::conform
