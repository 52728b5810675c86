#include "designer/report_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "designer/report_render.h"
#include "engine/model/text.h"
#include "engine/model/value.h"

namespace docket::designer {
namespace {

// Series colours, in order (distinguishable in print and for most colour vision).
constexpr const char* kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                   "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
constexpr std::size_t kColorCount = sizeof kColors / sizeof kColors[0];

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

// A tick value as short as it reads: "50", "2.5".
std::string number(double value) {
  std::string text = fixed(value, 1);
  return text.size() > 2 && text.compare(text.size() - 2, 2, ".0") == 0 ? text.substr(0, text.size() - 2) : text;
}

// The smallest 1, 2 or 5 times a power of ten at least `value`, so that the
// axis ends, and its middle tick falls, on round numbers (99 -> 100, 7 -> 10).
double round_up(double value) {
  double power = std::pow(10.0, std::floor(std::log10(value)));
  for (double step : {1.0, 2.0, 5.0, 10.0}) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

std::string hours_text(std::int64_t seconds) { return engine::format_duration(seconds, engine::LargestUnit::kHour); }

// A name the report groups by (a type, a priority, a score) as the page shows
// it: the rules' label, with the name on hover; the name alone when the rules
// give it no label.
struct Shown {
  std::string name;
  std::string label;  // empty: none

  const std::string& text() const { return label.empty() ? name : label; }
  // "信用卡 (card)", or the name: all there is to say, for a tooltip.
  std::string full() const { return label.empty() ? name : label + " (" + name + ")"; }
};

Shown shown(const std::map<std::string, std::string>& labels, const std::string& name) {
  auto found = labels.find(name);
  if (found == labels.end() || found->second == name) return {name, ""};
  return {name, found->second};
}

// A table cell of a name: the label, the name in its title (shown on hover).
std::string name_cell(const std::map<std::string, std::string>& labels, const std::string& name) {
  Shown cell = shown(labels, name);
  if (cell.label.empty()) return "<td>" + html_escape(name) + "</td>";
  return "<td title=\"" + html_escape(name) + "\">" + html_escape(cell.label) + "</td>";
}

// Chart text is drawn at kFontPx (the style sheet's `svg text`). A page
// without a script cannot measure text, so its width is estimated, at least
// as wide as common sans-serif fonts draw it: a CJK character (two terminal
// columns) and any other non-ASCII character 1em, an ASCII capital (and m, w,
// %, @) 0.8em, the rest of ASCII 0.6em. Widths are in tenths of a pixel, so
// that the layout is integer arithmetic and the same bytes on every machine.
constexpr int kFontPx = 12;

int character_width(std::string_view character) {
  if (character.size() == 1) {
    char c = character[0];
    bool wide = (c >= 'A' && c <= 'Z') || c == 'm' || c == 'w' || c == '%' || c == '@';
    return kFontPx * (wide ? 8 : 6);
  }
  return engine::display_width(character) == 0 ? 0 : kFontPx * 10;
}

int text_width(std::string_view text) {
  int width = 0;
  engine::for_each_character(text, [&width](std::string_view character) { width += character_width(character); });
  return width;
}

int pixels(int tenths) { return (tenths + 9) / 10; }

constexpr const char* kEllipsis = "\xE2\x80\xA6";  // …

struct Fitted {
  std::string text;
  bool cut = false;  // whether `text` is a beginning and "…"
};

// `text` whole when it is at most `max` (tenths of a pixel) wide, else its
// beginning with "…" at the end, within `max`.
Fitted fit(std::string_view text, int max) {
  if (text_width(text) <= max) return {std::string(text), false};
  const int budget = max - character_width(kEllipsis);
  Fitted fitted{"", true};
  int width = 0;
  bool full = false;
  engine::for_each_character(text, [&](std::string_view character) {
    if (full || width + character_width(character) > budget) {
      full = true;
      return;
    }
    fitted.text += character;
    width += character_width(character);
  });
  fitted.text += kEllipsis;
  return fitted;
}

// One chart: a horizontal bar per value, one row each, grouped. From left to
// right: the group's label, the series' label (when there are several
// series), the bar, its value. The label columns are as wide as their
// longest label, up to kLabelMax (a longer label is cut, with the whole in
// its <title>); the values have a column of their own after the plot; each
// text has a row or a band of its own, so no two texts overlap.
struct BarChart {
  std::string title;  // plain text, escaped when drawn
  std::string unit;   // the value axis' unit, shown above it
  std::vector<Shown> groups;
  std::vector<Shown> series;  // empty: one series, whose bars need no name
  // values[group][series] (a single series: values[group][0]); nullopt
  // draws no bar (no ticket in that cell).
  std::vector<std::vector<std::optional<double>>> values;
  std::vector<std::vector<std::string>> labels;  // drawn after each bar
  std::optional<double> fixed_max;               // 100 for percentages
};

std::string text_element(int x, int y, const char* anchor, const char* css_class, const std::string& text,
                         const std::string& hover) {
  std::string svg = "<text x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y) + "\"";
  if (std::string_view(anchor) != "start") svg += std::string(" text-anchor=\"") + anchor + "\"";
  svg += std::string(" class=\"") + css_class + "\">";
  if (!hover.empty()) svg += "<title>" + html_escape(hover) + "</title>";
  return svg + html_escape(text) + "</text>\n";
}

// A group's or a series' label, cut to `max`: the name on hover when it is
// labelled, the whole text when it was cut.
std::string category_label(int x, int y, const Shown& category, int max) {
  Fitted fitted = fit(category.text(), max);
  std::string hover = fitted.cut ? category.full() : category.label.empty() ? std::string() : category.name;
  return text_element(x, y, "start", "label", fitted.text, hover);
}

std::string line(int x1, int y1, int x2, int y2, const char* css_class) {
  return "<line x1=\"" + std::to_string(x1) + "\" y1=\"" + std::to_string(y1) + "\" x2=\"" + std::to_string(x2) +
         "\" y2=\"" + std::to_string(y2) + "\" class=\"" + css_class + "\"/>\n";
}

std::string draw(const BarChart& chart) {
  constexpr int kMargin = 8;
  constexpr int kColumnGap = 12;
  constexpr int kLabelMax = 200 * 10;  // 200 px: 15 CJK characters and an ellipsis
  constexpr int kPlot = 320;           // the bar of the largest value
  constexpr int kValueGap = 6;         // between a bar's end and its value
  constexpr int kTop = 28;             // the unit's band above the rows
  constexpr int kRow = 22;
  constexpr int kBar = 14;
  constexpr int kBaseline = 15;  // of a row's texts, from the row's top
  constexpr int kGroupGap = 8;   // between the groups of a chart with several series
  constexpr int kAxisBand = 24;  // below the rows: the axis and its ticks
  const bool named_series = !chart.series.empty();

  double max = 0;
  for (const auto& row : chart.values) {
    for (const std::optional<double>& value : row) max = std::max(max, value.value_or(0));
  }
  if (max <= 0) max = 1;
  max = chart.fixed_max ? *chart.fixed_max : round_up(max);

  int group_width = 0;
  for (const Shown& group : chart.groups) {
    group_width = std::max(group_width, std::min(text_width(group.text()), kLabelMax));
  }
  int series_width = 0;
  for (const Shown& series : chart.series) {
    series_width = std::max(series_width, std::min(text_width(series.text()), kLabelMax));
  }
  int value_width = 0;
  for (const auto& row : chart.labels) {
    for (const std::string& label : row) value_width = std::max(value_width, text_width(label));
  }
  const std::string ticks[] = {"0", number(max / 2), number(max)};
  const int series_x = kMargin + pixels(group_width) + kColumnGap;
  const int plot_x = named_series ? series_x + pixels(series_width) + kColumnGap : series_x;
  const int right =
      std::max(kPlot + kValueGap + pixels(value_width), kPlot + pixels(text_width(ticks[2])) / 2 + kMargin);
  const int width = plot_x + right + kMargin;

  std::string rows;
  int y = kTop;
  for (std::size_t g = 0; g < chart.groups.size(); ++g) {
    std::vector<std::size_t> present;
    for (std::size_t s = 0; s < chart.values[g].size(); ++s) {
      if (chart.values[g][s]) present.push_back(s);
    }
    if (present.empty()) continue;
    if (named_series && y > kTop) {
      y += kGroupGap;
      rows += line(kMargin, y - kGroupGap / 2, width - kMargin, y - kGroupGap / 2, "rule");
    }
    const int group_top = y;
    for (std::size_t s : present) {
      const double value = std::max(0.0, std::min(*chart.values[g][s], max));
      const int bar = static_cast<int>(std::lround(value / max * kPlot));
      std::string hover = chart.groups[g].full() + (named_series ? " / " + chart.series[s].full() : std::string()) +
                          ": " + chart.labels[g][s];
      rows += "<rect x=\"" + std::to_string(plot_x) + "\" y=\"" + std::to_string(y + (kRow - kBar) / 2) +
              "\" width=\"" + std::to_string(bar) + "\" height=\"" + std::to_string(kBar) + "\" fill=\"" +
              kColors[s % kColorCount] + "\"><title>" + html_escape(hover) + "</title></rect>\n";
      if (named_series) rows += category_label(series_x, y + kBaseline, chart.series[s], kLabelMax);
      rows += text_element(plot_x + bar + kValueGap, y + kBaseline, "start", "value", chart.labels[g][s], "");
      y += kRow;
    }
    // The group's label in the middle of its rows.
    rows += category_label(kMargin, group_top + (y - group_top) / 2 + kBaseline - kRow / 2, chart.groups[g], kLabelMax);
  }
  const int axis_y = y + 4;
  const int height = axis_y + kAxisBand;

  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) + "\" height=\"" +
                    std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) + " " +
                    std::to_string(height) + "\" role=\"img\" aria-label=\"" + html_escape(chart.title) + "\">\n";
  svg += "<title>" + html_escape(chart.title) + "</title>\n";
  svg += text_element(plot_x, kTop - 10, "start", "tick", chart.unit, "");
  for (int i = 1; i <= 2; ++i) svg += line(plot_x + kPlot * i / 2, kTop - 4, plot_x + kPlot * i / 2, axis_y, "grid");
  svg += rows;
  svg += line(plot_x, kTop - 4, plot_x, axis_y, "axis");
  svg += line(plot_x, axis_y, plot_x + kPlot, axis_y, "axis");
  for (int i = 0; i <= 2; ++i) svg += text_element(plot_x + kPlot * i / 2, axis_y + 15, "middle", "tick", ticks[i], "");
  svg += "</svg>\n";
  return svg;
}

// The distinct values of `key` over `items`, in first-seen order.
template <typename T, typename Key>
std::vector<std::string> distinct(const std::vector<T>& items, Key key) {
  std::vector<std::string> found;
  for (const T& item : items) {
    const std::string& value = key(item);
    if (std::find(found.begin(), found.end(), value) == found.end()) found.push_back(value);
  }
  return found;
}

std::size_t index_of(const std::vector<std::string>& names, const std::string& name) {
  return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
}

std::vector<Shown> shown_all(const std::map<std::string, std::string>& labels, const std::vector<std::string>& names) {
  std::vector<Shown> all;
  for (const std::string& name : names) all.push_back(shown(labels, name));
  return all;
}

BarChart resolution_chart(const Report& report) {
  BarChart chart;
  chart.title = report.options.measures_types()
                    ? "Mean resolution time by " + report.options.type_field + " and priority"
                    : "Mean resolution time by priority";
  chart.unit = "hours";
  const auto& cells = report.resolution_by_type_priority;
  std::vector<std::string> types =
      distinct(cells, [](const ResolutionCell& cell) -> const std::string& { return cell.type; });
  std::vector<std::string> priorities =
      distinct(cells, [](const ResolutionCell& cell) -> const std::string& { return cell.priority; });
  std::sort(priorities.begin(), priorities.end(), PriorityOrder{report.options.priority_order});
  chart.groups = shown_all(report.labels.types, types);
  chart.series = shown_all(report.labels.priorities, priorities);
  chart.values.assign(types.size(), std::vector<std::optional<double>>(priorities.size()));
  chart.labels.assign(types.size(), std::vector<std::string>(priorities.size()));
  for (const ResolutionCell& cell : cells) {
    std::size_t g = index_of(types, cell.type);
    std::size_t s = index_of(priorities, cell.priority);
    chart.values[g][s] = static_cast<double>(cell.time.mean) / 3600.0;
    chart.labels[g][s] = hours_text(cell.time.mean);
  }
  return chart;
}

BarChart sla_chart(const Report& report) {
  BarChart chart;
  chart.title = "SLA compliance by metric and priority";
  chart.unit = "% met";
  chart.fixed_max = 100;
  std::vector<std::string> metrics =
      distinct(report.sla, [](const SlaCell& cell) -> const std::string& { return cell.metric; });
  std::vector<std::string> priorities =
      distinct(report.sla, [](const SlaCell& cell) -> const std::string& { return cell.priority; });
  std::sort(priorities.begin(), priorities.end(), PriorityOrder{report.options.priority_order});
  chart.groups = shown_all({}, metrics);
  chart.series = shown_all(report.labels.priorities, priorities);
  chart.values.assign(metrics.size(), std::vector<std::optional<double>>(priorities.size()));
  chart.labels.assign(metrics.size(), std::vector<std::string>(priorities.size()));
  for (const SlaCell& cell : report.sla) {
    std::size_t g = index_of(metrics, cell.metric);
    std::size_t s = index_of(priorities, cell.priority);
    chart.values[g][s] = cell.met.value().value_or(0) * 100;
    chart.labels[g][s] = percent_text(cell.met);
  }
  return chart;
}

// One series: a bar per group.
BarChart single_series(std::string title, std::string unit, std::vector<Shown> groups, std::vector<double> values,
                       std::vector<std::string> labels) {
  BarChart chart;
  chart.title = std::move(title);
  chart.unit = std::move(unit);
  chart.groups = std::move(groups);
  for (std::size_t i = 0; i < values.size(); ++i) {
    chart.values.push_back({values[i]});
    chart.labels.push_back({labels[i]});
  }
  return chart;
}

std::string row(std::initializer_list<std::string> cells, bool header = false) {
  std::string html = "<tr>";
  for (const std::string& cell : cells) html += (header ? "<th>" : "<td>") + cell + (header ? "</th>" : "</td>");
  return html + "</tr>\n";
}

constexpr const char* kStyle =
    R"(body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:60em;color:#222;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.2em}
h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
.meta{color:#666;margin-top:0}
.cards{display:flex;flex-wrap:wrap;gap:1em;margin:1.5em 0}
.card{border:1px solid #ddd;border-radius:6px;padding:.8em 1.2em;min-width:11em}
.card .big{font-size:1.8em;font-weight:600}
.card .small{color:#666;font-size:.85em}
table{border-collapse:collapse;margin:.8em 0}
th,td{border:1px solid #ddd;padding:.3em .7em;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f5f5f5}
svg{display:block;margin:.8em 0;max-width:100%;height:auto}
svg .axis{stroke:#444;stroke-width:1}
svg .grid{stroke:#ddd;stroke-width:1}
svg .rule{stroke:#eee;stroke-width:1}
p.none{color:#666;font-style:italic}
p.warning{background:#fff4e5;border-left:4px solid #e8a33d;padding:6px 10px}
)";

std::string num_cell(const std::string& text) { return "<td class=\"n\">" + text + "</td>"; }

std::string card(const std::string& title, const std::string& big, const std::string& small) {
  return "<div class=\"card\"><div>" + title + "</div><div class=\"big\">" + big + "</div><div class=\"small\">" +
         small + "</div></div>\n";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&#39;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

namespace {

std::string e(const std::string& text) { return html_escape(text); }
std::string count(std::size_t n) { return std::to_string(n); }
std::string not_measured(const ReportOptions& options, const std::string& setting) {
  std::string text = not_measured_text(options, setting);
  text[0] = 'N';  // a sentence of its own
  return "<p class=\"none\">" + e(text) + ".</p>\n";
}

// The heading: the period, the journal, the rules, and what the journal lacked.
std::string head_html(const Report& report, const std::string& source) {
  const ReportOptions& options = report.options;
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html += "<title>docket report: " + e(period_text(options)) + "</title>\n<style>\n" + kStyle +
          "svg text{font:" + std::to_string(kFontPx) + "px sans-serif;fill:#333}\n</style>\n</head>\n";
  html += "<body>\n<h1>Department figures</h1>\n<p class=\"meta\">" + e(period_text(options)) + "; journal " +
          e(source) + " (" + count(report.records) + " records, " + count(report.tickets_in_journal) +
          " tickets)</p>\n<p class=\"meta\">Rules: " + e(rules_text(options)) + "</p>\n";
  for (const std::string& other : other_settings_texts(options)) {
    html += "<p class=\"warning\">Warning: " + e(other) + "</p>\n";
  }
  for (const JournalNote& note : report.journal_notes) {
    html += "<p class=\"warning\">Warning: " + e(journal_note_text(note)) + "</p>\n";
  }
  return html;
}

std::string cards_html(const Report& report) {
  const ReportOptions& options = report.options;
  std::string html = "<div class=\"cards\">\n";
  html += card("Tickets created", count(report.tickets), "in the period");
  if (options.measures_acceptance()) {
    std::string undecided = undecided_text(report.acceptance_undecided);
    html +=
        card("Acceptance timeliness", e(percent_text(report.acceptance_timeliness)),
             count(report.acceptance_timeliness.numerator) + " of " + count(report.acceptance_timeliness.denominator) +
                 " " + e(options.first_response_metric) + " met" + (undecided.empty() ? "" : "; " + e(undecided)) +
                 (report.acceptance_unmeasured > 0 ? "; " + count(report.acceptance_unmeasured) + " without a limit"
                                                   : std::string()));
  } else {
    html += card("Acceptance timeliness", "n/a", e(not_measured_text(options, "acceptance")));
  }
  if (options.measures_resolution() && options.measures_survey()) {
    html +=
        card("Follow-up rate", e(percent_text(report.follow_up)),
             count(report.follow_up.numerator) + " of " + count(report.follow_up.denominator) + " resolved surveyed" +
                 (options.declined_event.empty() ? "" : "; " + count(report.declined) + " declined"));
    html += card("Return visits", count(report.return_visits), "surveys in the resolving record or later");
  } else {
    html += card("Follow-up rate", "n/a",
                 e(not_measured_text(options, options.measures_resolution() ? "survey" : "resolution")));
  }
  std::string answered =
      e(options.survey_field) + ", " + count(report.answers) + " answers from " + count(report.surveyed) + " tickets";
  if (options.measures_survey() && report.mean_score) {
    html += card("Mean satisfaction", fixed(*report.mean_score, 2), answered);
  } else if (options.measures_survey()) {
    html += card("Survey answers", count(report.answers), answered);  // not numbers: no mean
  }
  return html + "</div>\n";
}

std::string types_html(const Report& report) {
  const ReportOptions& options = report.options;
  std::string html = options.measures_types()
                         ? "<h2>Share of each complaint type (" + e(options.type_field) + ")</h2>\n"
                         : std::string("<h2>Share of each complaint type</h2>\n");
  if (!options.measures_types()) {
    html += not_measured(options, "types");
  } else if (report.types.empty()) {
    html += "<p class=\"none\">No ticket was created in the period.</p>\n";
  } else {
    std::vector<Shown> groups;
    std::vector<double> values;
    std::vector<std::string> labels;
    for (const TypeShare& type : report.types) {
      groups.push_back(shown(report.labels.types, type.type));
      values.push_back(type.share.value().value_or(0) * 100);
      labels.push_back(percent_text(type.share));
    }
    BarChart chart = single_series("Share of each complaint type", "% of tickets", groups, values, labels);
    chart.fixed_max = 100;
    html += draw(chart);
    html += "<table>\n" + row({"type", "tickets", "share"}, true);
    for (const TypeShare& type : report.types) {
      html += "<tr>" + name_cell(report.labels.types, type.type) + num_cell(count(type.share.numerator)) +
              num_cell(e(percent_text(type.share))) + "</tr>\n";
    }
    html += "</table>\n";
  }

  return html;
}

std::string resolution_html(const Report& report) {
  const ReportOptions& options = report.options;
  std::string html = options.measures_types()
                         ? "<h2>Resolution time by " + e(options.type_field) + " and priority</h2>\n"
                         : std::string("<h2>Resolution time by priority</h2>\n");
  if (!options.measures_resolution()) return html + not_measured(options, "resolution");
  html += "<p class=\"meta\">From the ticket's creation to its resolution: " + e(resolution_text(options)) + ".</p>\n";
  if (report.resolution.count == 0) {
    html += "<p class=\"none\">No ticket of the period was resolved.</p>\n";
  } else {
    html += draw(resolution_chart(report));
    std::string type_header = options.measures_types() ? e(options.type_field) : "type";
    html += "<table>\n" + row({type_header, "priority", "tickets", "mean", "median", "min", "max"}, true);
    auto time_row = [&](const std::string& type_cell, const std::string& priority_cell, const DurationStats& stats) {
      html += "<tr>" + type_cell + priority_cell + num_cell(count(stats.count)) + num_cell(hours_text(stats.mean)) +
              num_cell(hours_text(stats.median)) + num_cell(hours_text(stats.min)) + num_cell(hours_text(stats.max)) +
              "</tr>\n";
    };
    for (const ResolutionCell& cell : report.resolution_by_type_priority) {
      time_row(name_cell(report.labels.types, cell.type), name_cell(report.labels.priorities, cell.priority),
               cell.time);
    }
    time_row("<td>all</td>", "<td></td>", report.resolution);
    html += "</table>\n";
  }

  return html;
}

std::string satisfaction_html(const Report& report) {
  const ReportOptions& options = report.options;
  std::string html = options.measures_survey()
                         ? "<h2>Satisfaction (" + e(options.survey_field) + ", every answer)</h2>\n"
                         : std::string("<h2>Satisfaction</h2>\n");
  if (!options.measures_survey()) return html + not_measured(options, "survey");
  if (report.surveyed == 0) {
    html += "<p class=\"none\">No ticket of the period was surveyed.</p>\n";
  } else {
    std::vector<Shown> groups;
    std::vector<double> values;
    std::vector<std::string> labels;
    for (const ScoreCount& score : report.satisfaction) {
      groups.push_back(shown(report.labels.scores, score.score));
      values.push_back(static_cast<double>(score.share.numerator));
      labels.push_back(count(score.share.numerator));
    }
    html += draw(single_series("Satisfaction distribution", "answers", groups, values, labels));
    html += "<table>\n" + row({"score", "answers", "share"}, true);
    for (const ScoreCount& score : report.satisfaction) {
      html += "<tr>" + name_cell(report.labels.scores, score.score) + num_cell(count(score.share.numerator)) +
              num_cell(e(percent_text(score.share))) + "</tr>\n";
    }
    html += "</table>\n";
  }

  return html;
}

std::string sla_html(const Report& report) {
  std::string html = "<h2>SLA compliance</h2>\n";
  if (report.sla.empty()) {
    html += "<p class=\"none\">No SLA clock of the period's tickets was decided.</p>\n";
  } else {
    html += draw(sla_chart(report));
    html += "<table>\n" + row({"metric", "priority", "met", "decided", "rate"}, true);
    for (const SlaCell& cell : report.sla) {
      html += "<tr><td>" + e(cell.metric) + "</td>" + name_cell(report.labels.priorities, cell.priority) +
              num_cell(count(cell.met.numerator)) + num_cell(count(cell.met.denominator)) +
              num_cell(e(percent_text(cell.met))) + "</tr>\n";
    }
    html += "</table>\n";
  }
  if (report.extensions_shown()) {
    html += "<h2>SLA extensions</h2>\n";
    html +=
        "<p class=\"meta\">Clocks extended by <code>extend</code>. Compliance counts an extended clock against its "
        "extended limit: met when it stopped within the limit as extended.</p>\n";
    html += "<table>\n" +
            row({"metric", "ran", "extended", "rate", "extensions", "extended met", "extended decided"}, true);
    for (const SlaExtensions& figure : report.sla_extensions) {
      html += "<tr><td>" + e(figure.metric) + "</td>" + num_cell(count(figure.extended.denominator)) +
              num_cell(count(figure.extended.numerator)) + num_cell(e(percent_text(figure.extended))) +
              num_cell(count(figure.extensions)) + num_cell(count(figure.extended_met.numerator)) +
              num_cell(count(figure.extended_met.denominator)) + "</tr>\n";
    }
    html += "</table>\n";
  }
  return html;
}

}  // namespace

std::string render_report_html(const Report& report, const std::string& source) {
  return head_html(report, source) + cards_html(report) + types_html(report) + resolution_html(report) +
         satisfaction_html(report) + sla_html(report) + "</body>\n</html>\n";
}

}  // namespace docket::designer
