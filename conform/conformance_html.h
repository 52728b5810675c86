// `docket conform --format html`: one self-contained page for an auditor,
// readable offline (no script, font or style from elsewhere).
//
// Top to bottom: the verdict (log fitness, move fitness, traces, rows), the
// data-quality warnings (the ordering warning first), the process map (the
// SVG of process_map_dot(), or a note when Graphviz was not there to draw
// it), deviations by kind and by state pair, the classification checks, the
// variant table (most frequent first, fitting or not), and each deviating
// trace with its rows, the deviating rows marked and explained.
#pragma once

#include <string>

#include "conform/conformance.h"

namespace docket::conform {

struct HtmlPage {
  std::string title;     // "incident 1.0 against servicenow.csv"
  std::string rules;     // the rule file, as given
  std::string log;       // the log file, as given
  std::string svg;       // the process map; empty when it could not be drawn
  std::string svg_note;  // why not, when empty
};

std::string render_html(const ConformanceResult& result, const HtmlPage& page);

}  // namespace docket::conform
