// What `docket conform` prints: a text summary, JSON and CSV for programs,
// and a self-contained HTML page (conform/conformance_html.h).
#pragma once

#include <string>

#include "conform/conformance.h"

namespace docket::conform {

// The summary for a terminal: fitness, deviations by kind and state pair,
// the deviating traces with their rows (at most `max_traces`), the
// classification agreement, the variants (at most `max_variants`) and the
// data-quality warnings, the ordering warning among them.
std::string render_text(const ConformanceResult& result, std::size_t max_traces = 20, std::size_t max_variants = 10);

// One JSON document: {"workflow", "log_fitness", "move_fitness", "traces",
// "deviations_by_kind", "edges", "variants", "classifications", "quality",
// "trace_results": [{case, fits, moves, allowed_moves, deviations: [...]}]}.
std::string render_json(const ConformanceResult& result);

// CSV, one row per trace (case,fits,moves,allowed_moves,deviations,
// order_sensitive,path) or one per deviation (case,line,at,kind,from,logged,
// to,allowed,rule,detail).
enum class CsvRows { kTraces, kDeviations };
std::string render_csv(const ConformanceResult& result, CsvRows rows);

}  // namespace docket::conform
