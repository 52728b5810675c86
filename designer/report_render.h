// A Report (designer/report.h) as a terminal table or as CSV. The HTML page
// is designer/report_html.h.
//
// Text: one section per figure, aligned columns, percentages to one decimal,
// durations as the rules write them ("5h30m"); a figure with nothing to count
// shows "n/a". A type, priority or score the rules label
// (Report::labels) shows as "信用卡 (card)", one without a label as its
// name; columns are padded by display width (engine::display_width), so
// Chinese labels line up on a terminal.
//
// CSV (RFC 4180, "\n" line ends): a header row, then one row per figure or
// breakdown cell:
//
//   figure,metric,type,priority,score,value,count,total
//   acceptance_timeliness,first_response,,,,0.8571,6,7
//   type_share,,product_fault,,,0.3333,3,9
//   resolution_time_mean,resolve,product_fault,P0,,18000,1,
//   satisfaction,overall,,,5,0.5000,2,4
//   sla_compliance,resolve,,P1,,1.0000,2,2
//   sla_extended,decide,,,,0.0750,3,40
//   sla_extensions,decide,,,,4,,
//   sla_extended_compliance,decide,,,,0.6667,2,3
//
// The sla_extended* rows (and the text's "SLA extensions" section) are there
// only when a clock of the period was extended (Report::extensions_shown()).
//
// `value` is a ratio (0..1, four decimals; empty when `total` is 0), a count,
// a number of seconds (resolution_time_*) or a mean score; `count` and
// `total` are the ratio's numerator and denominator, or how many tickets a
// duration or mean is of. docs/reports.md lists every figure name.

#pragma once

#include <string>
#include <utility>
#include <vector>

#include "designer/report.h"

namespace docket::designer {

std::string render_report_text(const Report& report);
std::string render_report_csv(const Report& report);
// One JSON document (designer/report_json.cpp; docs/reports.md lists its keys).
std::string render_report_json(const Report& report);

// A CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line
// break, quotes doubled.
std::string csv_field(const std::string& text);

// "85.7%", or "n/a" when the ratio has no denominator.
std::string percent_text(const Ratio& ratio);

// One metric's extensions in words: "3 of 40 extended (7.5%), 4 extensions;
// 2 of 3 decided met the extended limit"; "0 of 5 extended (0.0%)".
std::string extension_counted_text(const SlaExtensions& figure);

// Why the figure of `setting` ("acceptance", "resolution", "survey",
// "types") is not measured, by where its setting came from: "not measured:
// the rules name no resolution", "not measured: turned off by
// --survey-field", "not measured: no rule file, and the journal shows no
// `resolve`".
std::string not_measured_text(const ReportOptions& options, const std::string& setting);

// Why acceptance clocks are not decided: "not decided: 3 within the limit
// (oldest 5h), 66 clock never started (oldest 44d2h), 2 closed without a
// decision"; "" when every clock was decided.
std::string undecided_text(const Undecided& undecided);

// What resolves a ticket: "resolve clock stopped", "entered return_visit".
std::string resolution_text(const ReportOptions& options);

// A note on the journal in words: "seq 41-57 missing: ...".
std::string journal_note_text(const JournalNote& note);

// The rules a report used: "after_sales version 04a9832f1c2b
// (rules/after_sales.docket)", or that it had none.
std::string rules_text(const ReportOptions& options);

// The settings a report counted by, as (setting, name) in a fixed order:
// acceptance, resolution (a metric, or states joined by `|`), survey,
// declined, types; "" for a figure not measured.
std::vector<std::pair<std::string, std::string>> report_settings(const ReportOptions& options);

// A JournalNoteKind's name in exports: "starts_late", "gap", "restart",
// "repeat", "no_creation", "more".
const char* journal_note_kind(JournalNoteKind kind);

// One warning per other version of the rules that tickets of the journal
// ran on with another `report` block (ReportRules::counted_by false).
std::vector<std::string> other_settings_texts(const ReportOptions& options);

// The period in words: "tickets created from 2026-11-01 to 2026-12-01 (UTC)",
// "tickets created from 2026-11-01 (UTC)", "every ticket created".
std::string period_text(const ReportOptions& options);

}  // namespace docket::designer
