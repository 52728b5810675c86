#include "designer/report_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "designer/report_render.h"
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

std::string number(double value) { return fixed(value, 1); }

std::string hours_text(std::int64_t seconds) { return engine::format_duration(seconds, engine::LargestUnit::kHour); }

// One chart: groups along the x axis, one bar per series in each group.
struct BarChart {
  std::string title;  // plain text, escaped when drawn
  std::string unit;   // the y axis' unit, shown at its top
  std::vector<std::string> groups;
  std::vector<std::string> series;  // one name per bar in a group; a single unnamed series has no legend
  // values[group][series]; nullopt draws no bar (no ticket in that cell).
  std::vector<std::vector<std::optional<double>>> values;
  std::vector<std::vector<std::string>> labels;  // shown above each bar
  std::optional<double> fixed_max;               // 100 for percentages
};

std::string draw(const BarChart& chart) {
  constexpr int kBar = 22;
  constexpr int kGap = 26;
  constexpr int kLeft = 56;
  constexpr int kTop = 34;
  constexpr int kPlot = 180;
  constexpr int kBottom = 48;
  const int bars = static_cast<int>(std::max<std::size_t>(chart.series.size(), 1)) * kBar;
  // Wide enough for its label at about 7 px a character, so that labels do not overlap.
  std::size_t widest = 0;
  for (const std::string& group : chart.groups) widest = std::max(widest, group.size());
  const int per_group = std::max(bars, static_cast<int>(std::min<std::size_t>(widest, 40)) * 7);
  const int plot_width = static_cast<int>(chart.groups.size()) * (per_group + kGap) + kGap;
  const bool legend = chart.series.size() > 1;
  const int legend_height = legend ? 22 : 0;
  const int width = std::max(kLeft + plot_width + 16, 320);
  const int height = kTop + kPlot + kBottom + legend_height;

  double max = 0;
  for (const auto& row : chart.values) {
    for (const std::optional<double>& value : row) max = std::max(max, value.value_or(0));
  }
  if (chart.fixed_max) max = *chart.fixed_max;
  if (max <= 0) max = 1;

  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) + "\" height=\"" +
                    std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) + " " +
                    std::to_string(height) + "\" role=\"img\" aria-label=\"" + html_escape(chart.title) + "\">\n";
  svg += "<title>" + html_escape(chart.title) + "</title>\n";
  const int base = kTop + kPlot;
  // Axes, the top value and the unit.
  svg += "<line x1=\"" + std::to_string(kLeft) + "\" y1=\"" + std::to_string(kTop) + "\" x2=\"" +
         std::to_string(kLeft) + "\" y2=\"" + std::to_string(base) + "\" class=\"axis\"/>\n";
  svg += "<line x1=\"" + std::to_string(kLeft) + "\" y1=\"" + std::to_string(base) + "\" x2=\"" +
         std::to_string(kLeft + plot_width) + "\" y2=\"" + std::to_string(base) + "\" class=\"axis\"/>\n";
  svg += "<text x=\"" + std::to_string(kLeft - 6) + "\" y=\"" + std::to_string(kTop + 4) +
         "\" text-anchor=\"end\" class=\"tick\">" + number(max) + "</text>\n";
  svg += "<text x=\"" + std::to_string(kLeft - 6) + "\" y=\"" + std::to_string(base + 4) +
         "\" text-anchor=\"end\" class=\"tick\">0</text>\n";
  svg +=
      "<text x=\"4\" y=\"" + std::to_string(kTop - 16) + "\" class=\"tick\">" + html_escape(chart.unit) + "</text>\n";

  for (std::size_t g = 0; g < chart.groups.size(); ++g) {
    const int group_x = kLeft + kGap + static_cast<int>(g) * (per_group + kGap);
    const int bars_x = group_x + (per_group - bars) / 2;
    for (std::size_t s = 0; s < chart.values[g].size(); ++s) {
      const std::optional<double>& value = chart.values[g][s];
      if (!value) continue;
      const int bar_height = static_cast<int>(std::lround(std::min(*value, max) / max * kPlot));
      const int x = bars_x + static_cast<int>(s) * kBar;
      svg += "<rect x=\"" + std::to_string(x + 2) + "\" y=\"" + std::to_string(base - bar_height) + "\" width=\"" +
             std::to_string(kBar - 4) + "\" height=\"" + std::to_string(bar_height) + "\" fill=\"" +
             kColors[s % kColorCount] + "\"><title>" + html_escape(chart.groups[g]) +
             (chart.series.size() > 1 ? " / " + html_escape(chart.series[s]) : std::string()) + ": " +
             html_escape(chart.labels[g][s]) + "</title></rect>\n";
      svg += "<text x=\"" + std::to_string(x + kBar / 2) + "\" y=\"" + std::to_string(base - bar_height - 4) +
             "\" text-anchor=\"middle\" class=\"value\">" + html_escape(chart.labels[g][s]) + "</text>\n";
    }
    svg += "<text x=\"" + std::to_string(group_x + per_group / 2) + "\" y=\"" + std::to_string(base + 18) +
           "\" text-anchor=\"middle\" class=\"group\">" + html_escape(chart.groups[g]) + "</text>\n";
  }
  if (legend) {
    int x = kLeft;
    const int y = base + kBottom;
    for (std::size_t s = 0; s < chart.series.size(); ++s) {
      svg += "<rect x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y - 10) +
             "\" width=\"12\" height=\"12\" fill=\"" + kColors[s % kColorCount] + "\"/>\n";
      svg += "<text x=\"" + std::to_string(x + 16) + "\" y=\"" + std::to_string(y) + "\" class=\"group\">" +
             html_escape(chart.series[s]) + "</text>\n";
      x += 28 + static_cast<int>(chart.series[s].size()) * 8;
    }
  }
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

BarChart resolution_chart(const Report& report) {
  BarChart chart;
  chart.title = "Mean resolution time by " + report.options.type_field + " and priority";
  chart.unit = "hours";
  const auto& cells = report.resolution_by_type_priority;
  chart.groups = distinct(cells, [](const ResolutionCell& cell) -> const std::string& { return cell.type; });
  chart.series = distinct(cells, [](const ResolutionCell& cell) -> const std::string& { return cell.priority; });
  std::sort(chart.series.begin(), chart.series.end());
  chart.values.assign(chart.groups.size(), std::vector<std::optional<double>>(chart.series.size()));
  chart.labels.assign(chart.groups.size(), std::vector<std::string>(chart.series.size()));
  for (const ResolutionCell& cell : cells) {
    std::size_t g = index_of(chart.groups, cell.type);
    std::size_t s = index_of(chart.series, cell.priority);
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
  chart.groups = distinct(report.sla, [](const SlaCell& cell) -> const std::string& { return cell.metric; });
  chart.series = distinct(report.sla, [](const SlaCell& cell) -> const std::string& { return cell.priority; });
  std::sort(chart.series.begin(), chart.series.end());
  chart.values.assign(chart.groups.size(), std::vector<std::optional<double>>(chart.series.size()));
  chart.labels.assign(chart.groups.size(), std::vector<std::string>(chart.series.size()));
  for (const SlaCell& cell : report.sla) {
    std::size_t g = index_of(chart.groups, cell.metric);
    std::size_t s = index_of(chart.series, cell.priority);
    chart.values[g][s] = cell.met.value().value_or(0) * 100;
    chart.labels[g][s] = percent_text(cell.met);
  }
  return chart;
}

// One series: a bar per group.
BarChart single_series(std::string title, std::string unit, std::vector<std::string> groups, std::vector<double> values,
                       std::vector<std::string> labels) {
  BarChart chart;
  chart.title = std::move(title);
  chart.unit = std::move(unit);
  chart.groups = std::move(groups);
  chart.series = {""};
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
svg .tick,svg .group,svg .value{font:11px sans-serif;fill:#333}
p.none{color:#666;font-style:italic}
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

std::string render_report_html(const Report& report, const std::string& source) {
  const ReportOptions& options = report.options;
  auto e = [](const std::string& text) { return html_escape(text); };
  auto count = [](std::size_t n) { return std::to_string(n); };

  std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html += "<title>docket report: " + e(period_text(options)) + "</title>\n<style>\n" + kStyle + "</style>\n</head>\n";
  html += "<body>\n<h1>Department figures</h1>\n<p class=\"meta\">" + e(period_text(options)) + "; journal " +
          e(source) + " (" + count(report.records) + " records, " + count(report.tickets_in_journal) +
          " tickets)</p>\n";

  html += "<div class=\"cards\">\n";
  html += card("Tickets created", count(report.tickets), "in the period");
  html +=
      card("Acceptance timeliness", e(percent_text(report.acceptance_timeliness)),
           count(report.acceptance_timeliness.numerator) + " of " + count(report.acceptance_timeliness.denominator) +
               " " + e(options.first_response_metric) + " met; " + count(report.acceptance_pending) + " pending" +
               (report.acceptance_unmeasured > 0 ? "; " + count(report.acceptance_unmeasured) + " without a limit"
                                                 : std::string()));
  html += card("Follow-up rate", e(percent_text(report.follow_up)),
               count(report.follow_up.numerator) + " of " + count(report.follow_up.denominator) +
                   " resolved surveyed; " + count(report.declined) + " declined");
  html += card("Return visits", count(report.return_visits), "surveys after resolution");
  html += card("Mean satisfaction", report.mean_score ? fixed(*report.mean_score, 2) : std::string("n/a"),
               e(options.survey_field) + ", " + count(report.surveyed) + " tickets surveyed");
  html += "</div>\n";

  // Complaint types.
  html += "<h2>Share of each complaint type (" + e(options.type_field) + ")</h2>\n";
  if (report.types.empty()) {
    html += "<p class=\"none\">No ticket was created in the period.</p>\n";
  } else {
    std::vector<std::string> groups;
    std::vector<double> values;
    std::vector<std::string> labels;
    for (const TypeShare& type : report.types) {
      groups.push_back(type.type);
      values.push_back(type.share.value().value_or(0) * 100);
      labels.push_back(percent_text(type.share));
    }
    BarChart chart = single_series("Share of each complaint type", "% of tickets", groups, values, labels);
    chart.fixed_max = 100;
    html += draw(chart);
    html += "<table>\n" + row({"type", "tickets", "share"}, true);
    for (const TypeShare& type : report.types) {
      html += "<tr><td>" + e(type.type) + "</td>" + num_cell(count(type.share.numerator)) +
              num_cell(e(percent_text(type.share))) + "</tr>\n";
    }
    html += "</table>\n";
  }

  // Resolution time.
  html += "<h2>Resolution time by " + e(options.type_field) + " and priority</h2>\n";
  html +=
      "<p class=\"meta\">From the ticket's creation to the stop of its " + e(options.resolve_metric) + " clock.</p>\n";
  if (report.resolution.count == 0) {
    html += "<p class=\"none\">No ticket of the period was resolved.</p>\n";
  } else {
    html += draw(resolution_chart(report));
    html += "<table>\n" + row({e(options.type_field), "priority", "tickets", "mean", "median", "min", "max"}, true);
    auto line = [&](const std::string& type, const std::string& priority, const DurationStats& stats) {
      html += "<tr><td>" + e(type) + "</td><td>" + e(priority) + "</td>" + num_cell(count(stats.count)) +
              num_cell(hours_text(stats.mean)) + num_cell(hours_text(stats.median)) + num_cell(hours_text(stats.min)) +
              num_cell(hours_text(stats.max)) + "</tr>\n";
    };
    for (const ResolutionCell& cell : report.resolution_by_type_priority) line(cell.type, cell.priority, cell.time);
    line("all", "", report.resolution);
    html += "</table>\n";
  }

  // Satisfaction.
  html += "<h2>Satisfaction (" + e(options.survey_field) + ")</h2>\n";
  if (report.surveyed == 0) {
    html += "<p class=\"none\">No ticket of the period was surveyed.</p>\n";
  } else {
    std::vector<std::string> groups;
    std::vector<double> values;
    std::vector<std::string> labels;
    for (const ScoreCount& score : report.satisfaction) {
      groups.push_back(score.score);
      values.push_back(static_cast<double>(score.share.numerator));
      labels.push_back(count(score.share.numerator));
    }
    html += draw(single_series("Satisfaction distribution", "tickets", groups, values, labels));
    html += "<table>\n" + row({"score", "tickets", "share"}, true);
    for (const ScoreCount& score : report.satisfaction) {
      html += "<tr><td>" + e(score.score) + "</td>" + num_cell(count(score.share.numerator)) +
              num_cell(e(percent_text(score.share))) + "</tr>\n";
    }
    html += "</table>\n";
  }

  // SLA compliance.
  html += "<h2>SLA compliance</h2>\n";
  if (report.sla.empty()) {
    html += "<p class=\"none\">No SLA clock of the period's tickets was decided.</p>\n";
  } else {
    html += draw(sla_chart(report));
    html += "<table>\n" + row({"metric", "priority", "met", "decided", "rate"}, true);
    for (const SlaCell& cell : report.sla) {
      html += "<tr><td>" + e(cell.metric) + "</td><td>" + e(cell.priority) + "</td>" +
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
  html += "</body>\n</html>\n";
  return html;
}

}  // namespace docket::designer
