// A Report (designer/report.h) as one self-contained HTML page: the figures
// in tables, and charts drawn here as inline SVG (resolution time by type x
// priority, the satisfaction distribution, SLA compliance per metric x
// priority, the share of each complaint type). Inline CSS; no script, font,
// image or style sheet from anywhere else, so the page opens offline and in a
// mail client. Every text that came from the journal or the rules (type,
// priority, metric and score names, their labels) is HTML-escaped.
// Deterministic: the same report gives the same bytes.
//
// A type, priority or score the rules label (Report::labels) shows as its
// label, with its name on hover: a `title` attribute in a table, an SVG
// <title> in a chart; one without a label shows as its name. The charts are
// horizontal bars, one row per bar: the category's label in a column sized
// to the longest label (estimated, CJK characters 1em wide; a label over
// 200 px is cut with "…" and shown whole in its <title>), then the bar, then
// its value in a column of its own, so that no two texts overlap.

#pragma once

#include <string>
#include <string_view>

#include "designer/report.h"

namespace docket::designer {

// `source`: where the journal came from, shown in the page's heading.
std::string render_report_html(const Report& report, const std::string& source);

// `text` with & < > " ' replaced by character references.
std::string html_escape(std::string_view text);

}  // namespace docket::designer
