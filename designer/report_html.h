// A Report (designer/report.h) as one self-contained HTML page: the figures
// in tables, and charts drawn here as inline SVG (resolution time by type x
// priority, the satisfaction distribution, SLA compliance per metric x
// priority, the share of each complaint type). Inline CSS; no script, font,
// image or style sheet from anywhere else, so the page opens offline and in a
// mail client. Every text that came from the journal (type, priority, metric
// and score names) is HTML-escaped. Deterministic: the same report gives the
// same bytes.

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
