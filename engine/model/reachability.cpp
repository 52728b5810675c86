#include "engine/model/reachability.h"

#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/reverse_graph.hpp>

#include "engine/model/state_graph.h"

namespace docket::engine {

std::vector<StateIndex> Reachability::unreachable() const {
  std::vector<StateIndex> states;
  for (StateIndex s = 0; s < reachable.size(); ++s) {
    if (!reachable[s]) states.push_back(s);
  }
  return states;
}

std::vector<StateIndex> Reachability::dead_ends() const {
  std::vector<StateIndex> states;
  for (StateIndex s = 0; s < reachable.size() && s < can_finish.size(); ++s) {
    if (reachable[s] && !can_finish[s]) states.push_back(s);
  }
  return states;
}

Reachability analyze_reachability(const Workflow& workflow) {
  const StateGraph& graph = workflow.graph();
  std::size_t count = boost::num_vertices(graph);
  Reachability facts;
  facts.reachable.assign(count, false);
  facts.can_finish.assign(count, false);
  auto index = boost::get(boost::vertex_index, graph);

  using Colors = std::vector<boost::default_color_type>;
  auto reached = [](const Colors& colors, std::size_t v) { return colors[v] != boost::white_color; };
  if (workflow.initial_state() != kNoIndex) {
    Colors colors(count, boost::white_color);
    boost::breadth_first_search(graph, boost::vertex(workflow.initial_state(), graph),
                                boost::color_map(boost::make_iterator_property_map(colors.begin(), index)));
    for (std::size_t v = 0; v < count; ++v) facts.reachable[v] = reached(colors, v);
  }

  // Backwards from every final state at once: one search over the reversed
  // graph with all finals as sources.
  std::vector<StateGraph::vertex_descriptor> finals;
  for (StateIndex s = 0; s < count; ++s) {
    if (workflow.is_final(s)) finals.push_back(boost::vertex(s, graph));
  }
  if (!finals.empty()) {
    auto reversed = boost::make_reverse_graph(graph);
    Colors colors(count, boost::white_color);
    boost::queue<StateGraph::vertex_descriptor> queue;
    boost::breadth_first_search(reversed, finals.begin(), finals.end(), queue, boost::default_bfs_visitor(),
                                boost::make_iterator_property_map(colors.begin(), index));
    for (std::size_t v = 0; v < count; ++v) facts.can_finish[v] = reached(colors, v);
  }
  return facts;
}

}  // namespace docket::engine
