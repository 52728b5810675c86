// The process map of a conformance check: the rule file's state graph with
// the log's traffic on it (`docket conform --format html`).
//
// Graphviz DOT, one node per state of the rules and one edge per transition
// or timer with a target, as `docket graph` draws them, and:
// - each node shows how many traces passed through it; states no trace
//   visited are grey;
// - an edge the log took is labelled with its count and drawn thicker the
//   more it was taken (penwidth 1..6, by the share of the busiest edge);
//   edges the log never took stay thin and grey, or, when there are more
//   than kMaxUntakenEdges of them (a large graph), are left out, and the
//   title says how many;
// - a move the log made that the rules do not allow is a red dashed edge
//   with its count; one between rule states the log named but the rules do
//   not have (unknown states) is not drawn (the page lists them).
// - the start point's arrows carry how many traces began in each state.
// Node and edge ids are stable (`state_NAME`, `edge_FROM_TO`), so that the
// page can link the variant table to the map; a refused move beside a rule
// edge of the same pair (a guard or a role refused it) is
// `edge_FROM_TO_refused`, the start arrows `start_NAME`.
#pragma once

#include <cstddef>
#include <string>

#include "conform/conformance.h"
#include "engine/model/workflow.h"

namespace docket::conform {

inline constexpr std::size_t kMaxUntakenEdges = 6;

std::string process_map_dot(const engine::Workflow& workflow, const ConformanceResult& result);

}  // namespace docket::conform
