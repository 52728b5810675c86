#include "conform/conformance_html.h"

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "designer/graph_export.h"
#include "designer/report_html.h"
#include "engine/model/text.h"

namespace docket::conform {
namespace {

// The variant table stops here: a log of many thousand cases can have
// thousands of variants, and the tail says little one by one.
constexpr std::size_t kMaxVariants = 200;
// Deviating traces shown open; the rest start folded.
constexpr std::size_t kOpenTraces = 10;

// Text from the log or the rules as HTML: ill-formed UTF-8 as U+FFFD and
// control characters (but tab and line breaks) as U+FFFD too, then escaped.
std::string e(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  engine::for_each_character(text, [&clean](std::string_view c) {
    bool control = c.size() == 1 && (static_cast<unsigned char>(c[0]) < 0x20 || c[0] == 0x7f) && c[0] != '\t' &&
                   c[0] != '\n' && c[0] != '\r';
    clean += control ? std::string_view("\xEF\xBF\xBD") : c;
  });
  return designer::html_escape(clean);
}

std::string count(std::size_t n) { return std::to_string(n); }

std::string plural(std::size_t n, const char* one, const char* many) { return count(n) + " " + (n == 1 ? one : many); }

// A share with one decimal, as HTML. A share that is not whole never shows
// as 100.0% (nor a non-zero one as 0.0%): one deviating trace in thousands
// still shows.
std::string percent(std::size_t part, std::size_t whole) {
  if (whole == 0) return "n/a";
  if (part != 0 && part * 1000 < whole) return "&lt;0.1%";
  if (part != whole && (whole - part) * 1000 < whole) return "&gt;99.9%";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return text;
}

// The width of a meter's bar, in percent of the meter.
std::string meter_width(std::size_t part, std::size_t whole) {
  char text[32];
  double share = whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
  std::snprintf(text, sizeof text, "%.1f%%", 100.0 * share);
  return text;
}

bool deviates(const TraceResult& trace) {
  return !trace.fits || trace.classifications_agreeing < trace.classifications_checked || !trace.deviations.empty();
}

// The traces the page lists row by row: those that deviate, and those whose
// verdict depends on the ordering.
bool listed(const TraceResult& trace) { return deviates(trace) || trace.order_sensitive; }

// Traces with a deviation (kept or not); at
// least those that do not fit, should the result list no trace.
std::size_t deviating_traces(const ConformanceResult& result) {
  auto listed =
      static_cast<std::size_t>(std::count_if(result.traces_checked.begin(), result.traces_checked.end(), deviates));
  return std::max(listed, result.traces - std::min(result.fitting_traces, result.traces));
}

const char* moves_word(const ConformanceResult& result) { return result.state_log ? "moves" : "events"; }

// ---------------------------------------------------------------- the page's frame

constexpr const char* kStyle =
    R"(body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:72em;color:#222;padding:0 1em;line-height:1.45}
h1{font-size:1.5em;margin-bottom:.2em}
h2{font-size:1.15em;margin-top:2.2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
h3{font-size:1em;margin:1.4em 0 .3em}
code{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:.92em}
a{color:#1565c0;text-decoration:none}
a:hover{text-decoration:underline}
.meta{color:#666;margin:.2em 0}
nav{margin:1em 0;font-size:.9em;color:#666}
nav a{margin-right:1.1em}
.verdict{font-size:1.05em;padding:.6em .9em;border-radius:6px;margin:1.2em 0 0}
.verdict.good{background:#edf7ed;border-left:4px solid #2e7d32}
.verdict.bad{background:#fdeded;border-left:4px solid #c62828}
.cards{display:flex;flex-wrap:wrap;gap:1em;margin:1.2em 0}
.card{border:1px solid #ddd;border-radius:6px;padding:.8em 1.2em;min-width:12em;flex:1}
.card .big{font-size:1.8em;font-weight:600;font-variant-numeric:tabular-nums}
.card .small{color:#666;font-size:.85em}
.meter{height:6px;background:#f3d6d6;border-radius:3px;overflow:hidden;margin:.35em 0 .3em}
.meter span{display:block;height:100%;background:#43a047}
table{border-collapse:collapse;margin:.8em 0}
th,td{border:1px solid #ddd;padding:.3em .7em;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f5f5f5;font-weight:600}
p.none{color:#666;font-style:italic}
p.ok{background:#edf7ed;border-left:4px solid #2e7d32;padding:6px 10px}
p.warning{background:#fff4e5;border-left:4px solid #e8a33d;padding:6px 10px;margin:.6em 0}
p.warning.first{background:#fdeded;border-left-color:#c62828}
ul.notes{background:#fff8ec;border-left:4px solid #e8a33d;margin:.6em 0;padding:.5em 1em .5em 2.2em}
ul.notes>li{margin:.3em 0}
ul.notes table{margin:.4em 0 .6em;background:#fff}
ul.reasons{margin:.2em 0 .4em;padding-left:1.4em;color:#444;font-size:.9em}
.legend{display:flex;flex-wrap:wrap;gap:.4em 1.2em;font-size:.85em;color:#444;margin:.6em 0}
.legend span{display:inline-flex;align-items:center;gap:.4em}
.swatch{width:1.1em;height:.8em;border:1px solid #455a64;border-radius:3px;display:inline-block}
.swatch.idle{border-color:#bdbdbd}
.line{width:2.4em;height:0;border-top:2px solid #37474f;display:inline-block}
.line.thick{border-top-width:5px}
.line.idle{border-top-color:#bdbdbd}
.line.auto{border-top-style:dashed}
.line.timer{border-top-style:dotted}
.line.refused{border-top:2px dashed #d32f2f}
.map{overflow:auto;border:1px solid #ddd;border-radius:6px;padding:.6em;background:#fcfcfc}
.map svg{display:block;margin:0 auto;max-width:100%;height:auto}
.map g:target>path,.map g:target>polygon,.map g:target>ellipse{stroke:#1565c0;stroke-width:3px}
.kind{display:inline-block;padding:0 .45em;border-radius:3px;background:#c62828;color:#fff;font-size:.78em;font-weight:600;letter-spacing:.02em;vertical-align:1px}
.kind.classification{background:#6a1b9a}
.badge{display:inline-block;padding:0 .45em;border-radius:3px;font-size:.78em;font-weight:600;vertical-align:1px}
.badge.fits{background:#e8f5e9;color:#1b5e20}
.badge.deviates{background:#fdecea;color:#b71c1c}
.badge.order{background:#fff4e5;color:#8a5300}
.path{line-height:1.9}
.path a{display:inline-block;padding:0 .4em;border:1px solid #cfd8dc;border-radius:3px;background:#f7f9fa;color:#263238;font-size:.88em;line-height:1.5}
.path .arrow{color:#90a4ae;margin:0 .2em}
tr.deviates td:first-child{box-shadow:inset 3px 0 #c62828}
.filter{margin:.6em 0;display:flex;gap:.6em}
.filter input{padding:.25em .5em;min-width:18em}
details.trace{border:1px solid #ddd;border-radius:6px;margin:.8em 0;padding:0 1em}
details.trace[open]{padding-bottom:.6em}
details.trace summary{cursor:pointer;padding:.6em 0}
details.trace summary code{font-weight:600;font-size:1em}
.counts{color:#666;font-size:.9em;margin-left:.4em}
table.rows{width:100%}
tr.dev td{background:#fdecea}
tr.dev td:first-child{box-shadow:inset 3px 0 #c62828}
tr.why td{background:#fff8f7;font-size:.9em;color:#333}
tr.why .sep{color:#bbb;margin:0 .4em}
a.rule{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em}
@media print{details.trace{break-inside:avoid}.filter{display:none}}
)";

// Filters the variant table as one types; the filter is hidden until this
// runs, so the page without scripts shows every row and no dead control.
constexpr const char* kScript =
    R"((function(){var f=document.getElementById('variant-filter');if(!f)return;f.hidden=false;
var q=f.querySelector('input'),k=f.querySelector('select'),rows=document.querySelectorAll('#variant-table tbody tr');
function apply(){var t=q.value.toLowerCase(),c=k.value;rows.forEach(function(r){
r.hidden=!((c==='all'||r.classList.contains(c))&&r.textContent.toLowerCase().indexOf(t)>=0);});}
q.addEventListener('input',apply);k.addEventListener('change',apply);})();
)";

std::string head_html(const ConformanceResult& result, const HtmlPage& page) {
  std::string title = page.title.empty() ? "Conformance check" : page.title;
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html += "<title>docket conform: " + e(title) + "</title>\n<style>\n" + kStyle + "</style>\n</head>\n<body>\n";
  html += "<h1>" + e(title) + "</h1>\n";
  html += "<p class=\"meta\">Rules <code>" + e(page.rules) + "</code>" +
          (result.workflow.empty() ? std::string() : " (" + e(result.workflow) + ")") + "; log <code>" + e(page.log) +
          "</code>, read as a log of " + (result.state_log ? "states" : "activities") + ".</p>\n";
  html +=
      "<nav><a href=\"#verdict\">Verdict</a><a href=\"#quality\">Data quality</a><a href=\"#map\">Process map</a>"
      "<a href=\"#deviations\">Deviations</a><a href=\"#classifications\">Classifications</a>" +
      std::string(result.slas.empty() ? "" : "<a href=\"#slas\">Service levels</a>") +
      "<a href=\"#variants\">Variants</a><a href=\"#traces\">Deviating traces</a></nav>\n";
  return html;
}

std::string foot_html() { return std::string("<script>\n") + kScript + "</script>\n</body>\n</html>\n"; }

// ---------------------------------------------------------------- the verdict

std::string card(const std::string& title, const std::string& big, const std::string& meter, const std::string& small) {
  return "<div class=\"card\"><div>" + title + "</div><div class=\"big\">" + big + "</div>" + meter +
         "<div class=\"small\">" + small + "</div></div>\n";
}

std::string meter(std::size_t part, std::size_t whole) {
  return "<div class=\"meter\"><span style=\"width:" + meter_width(part, whole) + "\"></span></div>";
}

std::string verdict_sentence(const ConformanceResult& result) {
  if (result.traces == 0) return "<p class=\"verdict bad\">The log holds no trace to check.</p>\n";
  std::size_t unfit = result.traces - std::min(result.fitting_traces, result.traces);
  if (unfit == 0) {
    return "<p class=\"verdict good\">Every trace of the log follows the rules (" +
           plural(result.traces, "trace", "traces") + ").</p>\n";
  }
  return "<p class=\"verdict bad\">" + count(unfit) + " of " + plural(result.traces, "trace", "traces") +
         (unfit == 1 ? " does" : " do") + " not follow the rules.</p>\n";
}

std::string verdict_html(const ConformanceResult& result) {
  std::string html = "<h2 id=\"verdict\">Verdict</h2>\n" + verdict_sentence(result) + "<div class=\"cards\">\n";
  html +=
      card("Log fitness", percent(result.fitting_traces, result.traces), meter(result.fitting_traces, result.traces),
           count(result.fitting_traces) + " of " + plural(result.traces, "trace", "traces") + " fit");
  html += card("Move fitness", percent(result.allowed_moves, result.moves), meter(result.allowed_moves, result.moves),
               count(result.allowed_moves) + " of " + count(result.moves) + " " + moves_word(result) + " allowed");
  html +=
      card("Traces", count(result.traces), "",
           count(deviating_traces(result)) + " deviating; " + plural(result.variants.size(), "variant", "variants"));
  const DataQuality& quality = result.quality;
  html += card("Rows", count(quality.rows), "",
               quality.skipped_rows == 0 ? std::string("none skipped") : count(quality.skipped_rows) + " skipped");
  return html + "</div>\n";
}

// ---------------------------------------------------------------- data quality

std::string warning(const std::string& html, bool first = false) {
  return std::string("<p class=\"warning") + (first ? " first" : "") + "\">" + html + "</p>\n";
}

// "as logged -> rows" as a table.
std::string names_table(const std::string& header, const std::map<std::string, std::size_t>& rows) {
  std::string html = "<table>\n<tr><th>" + header + "</th><th class=\"n\">rows</th></tr>\n";
  for (const auto& [name, n] : rows) html += "<tr><td>" + e(name) + "</td><td class=\"n\">" + count(n) + "</td></tr>\n";
  return html + "</table>\n";
}

std::string ordering_warning(const DataQuality& quality) {
  return warning("<strong>Ordering:</strong> " + plural(quality.order_sensitive_traces, "trace gets", "traces get") +
                     " another verdict when the log is ordered by its order column instead of by time. Their times "
                     "and order keys disagree: find out which of the two the other system records faithfully before "
                     "relying on " +
                     (quality.order_sensitive_traces == 1 ? "its verdict" : "their verdicts") +
                     " (marked <span class=\"badge order\">order-sensitive</span> below).",
                 true);
}

// One item of the list of notes on the log.
std::string note(const std::string& html) { return "<li>" + html + "</li>\n"; }

std::string ordering_notes(const DataQuality& quality) {
  std::string html;
  if (quality.order_disagreements > 0) {
    html += note(plural(quality.order_disagreements, "row is", "rows are") +
                 " placed differently by the order column than by the time.");
  }
  if (quality.duplicate_order_keys > 0) {
    html += note(plural(quality.duplicate_order_keys, "row repeats", "rows repeat") +
                 " an order key already used in its trace.");
  }
  if (quality.time_ties > 0) {
    html += note(plural(quality.time_ties, "row has", "rows have") +
                 " the same time as the row before it in its trace; the order column, or else the place in the "
                 "file, decides which came first.");
  }
  if (quality.naive_times > 0) {
    html += note(plural(quality.naive_times, "row has a time", "rows have times") + " without a UTC offset, read as " +
                 e(quality.time_zone.empty() ? "UTC" : quality.time_zone) + " time (`time_zone` in the mapping).");
  }
  return html;
}

std::string skipped_note(const DataQuality& quality) {
  if (quality.skipped_rows == 0) return {};
  std::string html = plural(quality.skipped_rows, "row was", "rows were") +
                     " skipped: without a case id or a readable time" + (quality.skipped.empty() ? "." : ":");
  if (!quality.skipped.empty()) {
    html += "\n<ul class=\"reasons\">\n";
    for (const std::string& reason : quality.skipped) html += "<li><code>" + e(reason) + "</code></li>\n";
    if (quality.skipped.size() < quality.skipped_rows) {
      html += "<li>and " + count(quality.skipped_rows - quality.skipped.size()) + " more</li>\n";
    }
    html += "</ul>";
  }
  return note(html);
}

std::string unknown_notes(const DataQuality& quality) {
  std::string html;
  if (!quality.unknown_states.empty()) {
    html += note("Logged states the rules do not have (their moves are deviations; the map leaves them out):\n" +
                 names_table("state as logged", quality.unknown_states));
  }
  if (!quality.unknown_activities.empty()) {
    html += note("Logged activities that name no event of the rules:\n" +
                 names_table("activity as logged", quality.unknown_activities));
  }
  if (quality.unjudged_guards > 0) {
    html += note(plural(quality.unjudged_guards, "guard reads a field the row does not carry; it",
                        "guards read a field the row does not carry; they") +
                 " could not be judged and let the move pass.");
  }
  if (!quality.unreadable_values.empty()) {
    html += note("Values the rules' fields cannot read (guards and classifications saw no value there):\n" +
                 names_table("field: value", quality.unreadable_values));
  }
  return html;
}

// The ordering warning on its own, first: it decides whether verdicts can
// be trusted at all. The other notes follow as one list.
std::string quality_html(const ConformanceResult& result) {
  const DataQuality& quality = result.quality;
  std::string html = "<h2 id=\"quality\">Data quality</h2>\n";
  std::string notes = ordering_notes(quality) + skipped_note(quality) + unknown_notes(quality);
  if (quality.order_sensitive_traces == 0 && notes.empty()) {
    return html +
           "<p class=\"ok\">No problem found: every row was read, time and order agree, and every logged name is "
           "known to the rules.</p>\n";
  }
  if (quality.order_sensitive_traces > 0) html += ordering_warning(quality);
  if (!notes.empty()) html += "<ul class=\"notes\">\n" + notes + "</ul>\n";
  return html;
}

// ---------------------------------------------------------------- the process map

std::string legend_html() {
  using designer::StateStyle;
  std::string html = "<div class=\"legend\">\n";
  for (StateStyle style : {StateStyle::kInitial, StateStyle::kNormal, StateStyle::kAwaitsApproval,
                           StateStyle::kPausesClocks, StateStyle::kFinal}) {
    html += std::string("<span><i class=\"swatch\" style=\"background:") + designer::fill_color(style) + "\"></i>" +
            designer::legend_text(style) + "</span>\n";
  }
  html += "<span><i class=\"swatch idle\" style=\"background:#f5f5f5\"></i>no trace came by</span>\n";
  html += "<span><i class=\"line thick\"></i>taken (thicker: more often; labelled with the count)</span>\n";
  html += "<span><i class=\"line idle\"></i>never taken</span>\n";
  html += "<span><i class=\"line auto\"></i>auto</span>\n";
  html += "<span><i class=\"line timer\"></i>timer</span>\n";
  html += "<span><i class=\"line refused\"></i>not allowed by the rules</span>\n";
  return html + "</div>\n";
}

// Graphviz's SVG without the XML declaration and doctype before its root,
// which have no place inside an HTML page.
std::string inline_svg(const std::string& svg) {
  std::size_t root = svg.find("<svg");
  return root == std::string::npos ? std::string() : svg.substr(root);
}

std::string map_html(const HtmlPage& page) {
  std::string html = "<h2 id=\"map\">Process map</h2>\n";
  std::string svg = inline_svg(page.svg);
  if (svg.empty()) {
    std::string why = page.svg_note.empty() ? std::string("no drawing was made") : page.svg_note;
    return html + "<p class=\"none\">The process map could not be drawn: " + e(why) + "</p>\n";
  }
  html +=
      "<p class=\"meta\">The rules' state graph with the log's traffic: each state counts the traces that "
      "passed through it, each edge the moves the log made along it.</p>\n";
  // The SVG is Graphviz's drawing of process_map_dot(): its texts are the
  // rules' names and numbers, escaped by Graphviz.
  return html + legend_html() + "<div class=\"map\">\n" + svg + "</div>\n";
}

// ---------------------------------------------------------------- deviations

const char* kind_meaning(DeviationKind kind) {
  switch (kind) {
    case DeviationKind::kStart:
      return "the trace begins in a state where the mapping does not let a trace begin";
    case DeviationKind::kMove:
      return "no transition leads from the state to the logged one, or the event is not handled there";
    case DeviationKind::kGuard:
      return "transitions lead there, but no guard holds on the row's fields";
    case DeviationKind::kRole:
      return "the actor holds none of the roles the transition needs";
    case DeviationKind::kEarly:
      return "only a timer leads there, and its time had not come";
    case DeviationKind::kUnknownState:
      return "the logged state names no state of the rules";
    case DeviationKind::kUnknownActivity:
      return "the logged activity names no event of the rules";
    case DeviationKind::kClassification:
      return "the recorded value differs from what the rules classify";
    case DeviationKind::kSla:
      return "a clock of the rules ran past its priority's limit";
  }
  return "";
}

std::string kind_badge(DeviationKind kind) {
  // Findings about outcomes, which do not break fitness, in their own colour.
  bool classification = !breaks_fitness(kind);
  return std::string("<span class=\"kind") + (classification ? " classification" : "") + "\">" + to_string(kind) +
         "</span>";
}

std::string by_kind_html(const ConformanceResult& result) {
  std::string html = "<table>\n<tr><th>kind</th><th class=\"n\">deviations</th><th>meaning</th></tr>\n";
  for (std::size_t k = 0; k < kDeviationKinds; ++k) {
    if (result.deviations_by_kind[k] == 0) continue;
    auto kind = static_cast<DeviationKind>(k);
    html += "<tr><td>" + kind_badge(kind) + "</td><td class=\"n\">" + count(result.deviations_by_kind[k]) +
            "</td><td>" + kind_meaning(kind) + "</td></tr>\n";
  }
  return html + "</table>\n";
}

std::string by_pair_html(const ConformanceResult& result) {
  std::string rows;
  for (const Edge& edge : result.edges) {
    if (edge.allowed) continue;
    rows += "<tr><td><code>" + e(edge.from) + "</code></td><td><code>" + e(edge.to) + "</code></td><td class=\"n\">" +
            count(edge.count) + "</td></tr>\n";
  }
  if (rows.empty()) return {};
  return "<h3>Moves the rules do not allow, by pair of states</h3>\n<table>\n<tr><th>from</th><th>to</th><th "
         "class=\"n\">" +
         std::string(moves_word(result)) + "</th></tr>\n" + rows + "</table>\n";
}

std::string deviations_html(const ConformanceResult& result) {
  std::string html = "<h2 id=\"deviations\">Deviations</h2>\n";
  bool any = std::any_of(result.deviations_by_kind.begin(), result.deviations_by_kind.end(),
                         [](std::size_t n) { return n > 0; });
  if (!any) return html + "<p class=\"ok\">No deviation: the log does everything the way the rules allow.</p>\n";
  return html + "<h3>By kind</h3>\n" + by_kind_html(result) + by_pair_html(result);
}

// ---------------------------------------------------------------- classifications

std::string classification_html(const ClassificationCheck& check) {
  std::string html =
      "<h3><code>" + e(check.target) + "</code> against the column <code>" + e(check.column) + "</code></h3>\n";
  html += "<p>" + count(check.agreeing) + " of " + plural(check.checked, "row", "rows") + " agree (" +
          percent(check.agreeing, check.checked) + ")" +
          (check.unclassified > 0 ? "; " + plural(check.unclassified, "row", "rows") +
                                        " could not be classified (a field the rules need was missing)"
                                  : std::string()) +
          ".</p>\n";
  if (check.disagreements.empty()) return html;
  html += "<table>\n<tr><th>recorded</th><th>the rules give</th><th class=\"n\">rows</th></tr>\n";
  for (const auto& [values, rows] : check.disagreements) {
    html += "<tr><td>" + e(values.first) + "</td><td>" + e(values.second) + "</td><td class=\"n\">" + count(rows) +
            "</td></tr>\n";
  }
  return html + "</table>\n";
}

std::string classifications_html(const ConformanceResult& result) {
  std::string html = "<h2 id=\"classifications\">Classifications</h2>\n";
  if (result.classifications.empty()) {
    return html + "<p class=\"none\">The mapping names no recorded classification to check ([check]).</p>\n";
  }
  for (const ClassificationCheck& check : result.classifications) html += classification_html(check);
  return html;
}

// ---------------------------------------------------------------- service levels

std::string slas_html(const ConformanceResult& result) {
  if (result.slas.empty()) return "";
  std::string html = "<h2 id=\"slas\">Service levels</h2>\n";
  html +=
      "<p class=\"meta\">The rules' clocks run over each trace's times, against the limit of the priority the "
      "rules give the trace's fields; a breach does not break fitness.</p>\n";
  html +=
      "<table>\n<tr><th>clock</th><th class=\"n\">traces measured</th><th class=\"n\">breached</th>"
      "<th class=\"n\">share</th><th class=\"n\">still running at the last row</th></tr>\n";
  for (const SlaCheck& check : result.slas) {
    html += "<tr><td><code>" + e(check.metric) + "</code></td><td class=\"n\">" + count(check.measured) +
            "</td><td class=\"n\">" + count(check.breached) + "</td><td class=\"n\">" +
            percent(check.breached, check.measured) + "</td><td class=\"n\">" + count(check.open) + "</td></tr>\n";
  }
  return html + "</table>\n";
}

// ---------------------------------------------------------------- variants

// A path of states, each a link to its node on the map.
std::string path_html(const std::vector<std::string>& path) {
  std::string html = "<span class=\"path\">";
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (i > 0) html += "<span class=\"arrow\">\xE2\x86\x92</span>";
    html += "<a href=\"#state_" + e(path[i]) + "\">" + e(path[i]) + "</a>";
  }
  return html + "</span>";
}

std::string fit_cell(const Variant& variant) {
  if (variant.fitting == variant.traces) return "<span class=\"badge fits\">fits</span>";
  if (variant.fitting == 0) return "<span class=\"badge deviates\">deviates</span>";
  return "<span class=\"badge deviates\">" + count(variant.fitting) + " of " + count(variant.traces) + " fit</span>";
}

std::string variant_row(const ConformanceResult& result, std::size_t rank, const Variant& variant) {
  const char* kind = variant.fitting == variant.traces ? "fits" : "deviates";
  return std::string("<tr class=\"") + kind + "\"><td class=\"n\">" + count(rank) + "</td><td class=\"n\">" +
         count(variant.traces) + "</td><td class=\"n\">" + percent(variant.traces, result.traces) + "</td><td>" +
         fit_cell(variant) + "</td><td>" + path_html(variant.path) + "</td><td><code>" + e(variant.example) +
         "</code></td></tr>\n";
}

std::string variants_html(const ConformanceResult& result) {
  std::string html = "<h2 id=\"variants\">Variants</h2>\n";
  if (result.variants.empty()) return html + "<p class=\"none\">No trace, so no variant.</p>\n";
  html +=
      "<p class=\"meta\">Each distinct sequence of the rules' states, the most frequent first. A state links to "
      "its place on the map.</p>\n";
  html +=
      "<div class=\"filter\" id=\"variant-filter\" hidden><input type=\"search\" placeholder=\"Filter by state or "
      "case id\" aria-label=\"Filter variants\"><select aria-label=\"Which variants\"><option value=\"all\">all "
      "variants</option><option value=\"fits\">fitting</option><option value=\"deviates\">deviating</option></select>"
      "</div>\n";
  html +=
      "<table id=\"variant-table\">\n<thead><tr><th class=\"n\">#</th><th class=\"n\">traces</th><th "
      "class=\"n\">share</th><th>fit</th><th>path</th><th>example</th></tr></thead>\n<tbody>\n";
  std::size_t shown = std::min(result.variants.size(), kMaxVariants);
  for (std::size_t i = 0; i < shown; ++i) html += variant_row(result, i + 1, result.variants[i]);
  html += "</tbody>\n</table>\n";
  if (shown < result.variants.size()) {
    std::size_t rest = 0;
    for (std::size_t i = shown; i < result.variants.size(); ++i) rest += result.variants[i].traces;
    html += "<p class=\"meta\">And " + plural(result.variants.size() - shown, "more variant", "more variants") +
            " of " + plural(rest, "trace", "traces") + " in all (the JSON output lists every one).</p>\n";
  }
  return html;
}

// ---------------------------------------------------------------- deviating traces

// A path as the path of a URL: bytes other than letters, digits, `-._~/`
// percent-encoded, so that a space, `#` or `?` stays part of the name.
std::string url_path(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : path) {
    auto byte = static_cast<unsigned char>(c);
    bool plain = (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') || (byte >= '0' && byte <= '9') ||
                 std::string_view("-._~/").find(c) != std::string_view::npos;
    if (plain) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

// A link to where the rule is written, "rules/incident.docket:57": the
// file's path as the href (a local page opens it), its line in the text.
std::string rule_link(const engine::RulePosition& rule) {
  if (rule.where.empty()) return {};
  std::string file = rule.where;
  std::size_t colon = file.rfind(':');
  if (colon != std::string::npos && colon + 1 < file.size() &&
      file.find_first_not_of("0123456789", colon + 1) == std::string::npos) {
    file.resize(colon);
  }
  // Encoded, a path cannot read as a URL with a scheme ("javascript:").
  return "<a class=\"rule\" href=\"" + url_path(file) + "\" title=\"where the rules say so\">" + e(rule.where) + "</a>";
}

// What the log did, in the rules' words: "from `new` to `Resolved`
// (`resolved`)" for a state log, "in `new`: `Close` (event `confirmed`)"
// for an activity log; a recorded classification as recorded.
std::string logged_text(const ConformanceResult& result, const Deviation& deviation) {
  std::string logged = "<code>" + e(deviation.logged) + "</code>";
  // The detail of a classification says what was recorded and why it differs.
  if (deviation.kind == DeviationKind::kClassification) return deviation.detail.empty() ? "recorded " + logged : "";
  // An SLA breach's detail names the clock, its priority and the times.
  if (deviation.kind == DeviationKind::kSla) return "";
  std::string mapped;
  if (!deviation.to.empty() && deviation.to != deviation.logged) {
    mapped = std::string(" (") + (result.state_log ? "" : "event ") + "<code>" + e(deviation.to) + "</code>)";
  }
  if (deviation.kind == DeviationKind::kStart) return "begins at " + logged + mapped;
  std::string from = deviation.from.empty() ? std::string() : "<code>" + e(deviation.from) + "</code>";
  if (result.state_log) return (from.empty() ? "to " : "from " + from + " to ") + logged + mapped;
  return (from.empty() ? std::string() : "in " + from + ": ") + logged + mapped;
}

std::string allowed_text(const ConformanceResult& result, const Deviation& deviation) {
  const char* what = deviation.kind == DeviationKind::kStart ? "a trace may begin at"
                     : result.state_log                      ? "the rules lead on to"
                                                             : "the rules handle";
  std::string names;
  for (const std::string& name : deviation.allowed) {
    names += (names.empty() ? "" : ", ") + ("<code>" + e(name) + "</code>");
  }
  return std::string(what) + " " + names;
}

std::string deviation_text(const ConformanceResult& result, const Deviation& deviation) {
  const std::string sep = "<span class=\"sep\">\xC2\xB7</span>";
  std::string logged = logged_text(result, deviation);
  std::string html = kind_badge(deviation.kind) + " " + logged;
  if (!deviation.detail.empty()) html += (logged.empty() ? "" : sep) + e(deviation.detail);
  if (!deviation.allowed.empty()) html += sep + allowed_text(result, deviation);
  std::string link = rule_link(deviation.rule);
  if (!link.empty()) html += sep + link;
  return html;
}

struct Columns {
  bool order = false;
  bool actor = false;
  std::size_t span() const { return 3 + (order ? 1 : 0) + (actor ? 1 : 0); }
};

// Columns no row fills are left out.
Columns columns_of(const TraceResult& trace) {
  Columns columns;
  for (const TraceRow& row : trace.rows) {
    columns.order = columns.order || !row.order.empty();
    columns.actor = columns.actor || !row.actor.empty();
  }
  return columns;
}

std::string trace_row(const TraceRow& row, const Columns& columns, bool deviating) {
  std::string html = deviating ? "<tr class=\"dev\">" : "<tr>";
  html += "<td class=\"n\">" + count(row.line) + "</td><td>" + e(row.time) + "</td>";
  if (columns.order) html += "<td class=\"n\">" + e(row.order) + "</td>";
  html += "<td>" + e(row.logged) + "</td>";
  if (columns.actor) html += "<td>" + e(row.actor) + "</td>";
  return html + "</tr>\n";
}

std::string why_row(const ConformanceResult& result, const Deviation& deviation, const Columns& columns) {
  return "<tr class=\"why\"><td colspan=\"" + count(columns.span()) + "\">" + deviation_text(result, deviation) +
         "</td></tr>\n";
}

std::string rows_table(const ConformanceResult& result, const TraceResult& trace) {
  Columns columns = columns_of(trace);
  std::map<std::size_t, std::vector<const Deviation*>> at_row;
  for (const Deviation& deviation : trace.deviations) at_row[deviation.row].push_back(&deviation);
  std::string html = "<table class=\"rows\">\n<tr><th class=\"n\">line</th><th>time</th>";
  if (columns.order) html += "<th class=\"n\">order</th>";
  html += std::string("<th>") + (result.state_log ? "state" : "activity") + " as logged</th>";
  if (columns.actor) html += "<th>actor</th>";
  html += "</tr>\n";
  for (std::size_t i = 0; i < trace.rows.size(); ++i) {
    auto found = at_row.find(i);
    html += trace_row(trace.rows[i], columns, found != at_row.end());
    if (found == at_row.end()) continue;
    for (const Deviation* deviation : found->second) html += why_row(result, *deviation, columns);
  }
  // Deviations whose row the trace did not keep still show.
  for (auto it = at_row.lower_bound(trace.rows.size()); it != at_row.end(); ++it) {
    for (const Deviation* deviation : it->second) html += why_row(result, *deviation, columns);
  }
  return html + "</table>\n";
}

std::string trace_summary(const ConformanceResult& result, const TraceResult& trace) {
  std::string html = "<summary><code>" + e(trace.case_id) + "</code> ";
  html += trace.fits ? "<span class=\"badge fits\">fits</span>" : "<span class=\"badge deviates\">does not fit</span>";
  if (trace.classifications_agreeing < trace.classifications_checked) {
    html += " <span class=\"badge deviates\">classification</span>";
  }
  if (std::any_of(trace.deviations.begin(), trace.deviations.end(),
                  [](const Deviation& d) { return d.kind == DeviationKind::kSla; })) {
    html += " <span class=\"badge deviates\">SLA</span>";
  }
  if (trace.order_sensitive) html += " <span class=\"badge order\">order-sensitive</span>";
  html += "<span class=\"counts\">" + plural(trace.deviations.size(), "deviation", "deviations") + "; " +
          count(trace.allowed_moves) + " of " + count(trace.moves) + " " + moves_word(result) + " allowed; " +
          plural(trace.rows.size(), "row", "rows") + "</span></summary>\n";
  return html;
}

std::string trace_html(const ConformanceResult& result, const TraceResult& trace, std::size_t shown) {
  std::string html = std::string("<details class=\"trace\"") + (shown < kOpenTraces ? " open" : "") + ">\n";
  html += trace_summary(result, trace);
  if (!trace.path.empty()) html += "<p class=\"meta\">Path: " + path_html(trace.path) + "</p>\n";
  return html + rows_table(result, trace) + "</details>\n";
}

std::string traces_html(const ConformanceResult& result) {
  std::string html = "<h2 id=\"traces\">Deviating traces</h2>\n";
  std::size_t deviating = deviating_traces(result);
  if (deviating == 0) return html + "<p class=\"ok\">No trace deviates.</p>\n";
  std::size_t kept = std::min(result.traces_kept, deviating);
  html += "<p class=\"meta\">" + plural(deviating, "trace deviates", "traces deviate") +
          " from the rules' flow, from a recorded classification or from a service level. Each row is one row of the "
          "log, in the order the "
          "check replayed it; the rows that deviate are marked, with what the rules allow there.</p>\n";
  if (kept == 0) {
    html +=
        warning("The check kept the rows of no deviating trace; the figures above count all " + count(deviating) + ".");
  } else if (kept < deviating) {
    html += warning("This page shows the rows of the first " + count(kept) + " of " + count(deviating) +
                    " deviating traces, by case id; the figures above count them all.");
  }
  std::size_t shown = 0;
  for (const TraceResult& trace : result.traces_checked) {
    if (!listed(trace) || (trace.rows.empty() && trace.deviations.empty())) continue;
    html += trace_html(result, trace, shown++);
  }
  return html;
}

}  // namespace

std::string render_html(const ConformanceResult& result, const HtmlPage& page) {
  return head_html(result, page) + verdict_html(result) + quality_html(result) + map_html(page) +
         deviations_html(result) + classifications_html(result) + slas_html(result) + variants_html(result) +
         traces_html(result) + foot_html();
}

}  // namespace docket::conform
