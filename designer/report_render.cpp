#include "designer/report_render.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "designer/text_table.h"
#include "engine/model/text.h"
#include "engine/model/value.h"

namespace docket::designer {
namespace {

std::string count_text(std::size_t count) { return std::to_string(count); }

std::string duration_text(std::int64_t seconds) { return engine::format_duration(seconds, engine::LargestUnit::kHour); }

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

// A name the report groups by as a text cell: "信用卡 (card)" when the rules
// give `name` a label, else `name`.
std::string labelled(const std::map<std::string, std::string>& labels, const std::string& name) {
  auto found = labels.find(name);
  if (found == labels.end() || found->second.empty() || found->second == name) return name;
  return found->second + " (" + name + ")";
}

struct CsvRow {
  std::string figure;
  std::string metric;
  std::string type;
  std::string priority;
  std::string score;
  std::string value;
  std::string count;
  std::string total;
};

std::string ratio_value(const Ratio& ratio) {
  std::optional<double> value = ratio.value();
  return value ? fixed(*value, 4) : std::string();
}

CsvRow ratio_row(std::string figure, const Ratio& ratio) {
  CsvRow row;
  row.figure = std::move(figure);
  row.value = ratio_value(ratio);
  row.count = count_text(ratio.numerator);
  row.total = count_text(ratio.denominator);
  return row;
}

CsvRow count_row(std::string figure, std::size_t count) {
  CsvRow row;
  row.figure = std::move(figure);
  row.value = count_text(count);
  return row;
}

CsvRow of_metric(CsvRow row, const std::string& metric) {
  row.metric = metric;
  return row;
}

void add_duration_rows(std::vector<CsvRow>& rows, const std::string& metric, const std::string& type,
                       const std::string& priority, const DurationStats& stats) {
  const std::pair<const char*, std::int64_t> parts[] = {{"resolution_time_mean", stats.mean},
                                                        {"resolution_time_median", stats.median},
                                                        {"resolution_time_min", stats.min},
                                                        {"resolution_time_max", stats.max}};
  for (const auto& [figure, seconds] : parts) {
    CsvRow row;
    row.figure = figure;
    row.metric = metric;
    row.type = type;
    row.priority = priority;
    row.value = stats.count > 0 ? std::to_string(seconds) : std::string();
    row.count = count_text(stats.count);
    rows.push_back(std::move(row));
  }
}

// The name a CSV row gives the resolution: its metric, or its states
// joined by `|` ("return_visit").
std::string resolution_name(const ReportOptions& options) {
  return options.resolve_metric.empty() ? engine::join(options.resolution_states, "|") : options.resolve_metric;
}

CsvRow about_row(const char* figure, const std::string& key, const std::string& value) {
  CsvRow row;
  row.figure = figure;
  row.metric = key;
  row.value = value;
  return row;
}

// What the file covers and how it was counted: the period, the zone, the
// rules and their settings, and what the journal itself lacked.
std::vector<CsvRow> about_rows(const Report& report) {
  const ReportOptions& options = report.options;
  std::vector<CsvRow> rows;
  rows.push_back(about_row("about", "period_from", options.from_label));
  rows.push_back(about_row("about", "period_to", options.to_label));
  rows.push_back(about_row("about", "zone", options.zone));
  rows.push_back(about_row("about", "as_of", report.records > 0 ? engine::format_timestamp(report.as_of) : ""));
  rows.push_back(about_row("about", "workflow", options.workflow));
  for (const ReportRules& rules : options.rules) {
    CsvRow row = about_row("about", rules.counted_by ? "rules" : "rules_not_counted_by", rules.source);
    row.type = rules.workflow;
    row.score = rules.version_id;
    rows.push_back(row);
  }
  for (const auto& [setting, value] : report_settings(options)) {
    CsvRow row = about_row("setting", setting, value);
    auto origin = options.origins.find(setting);
    if (origin != options.origins.end()) row.type = origin->second;
    rows.push_back(row);
  }
  for (const JournalNote& note : report.journal_notes) {
    CsvRow row = about_row("journal_note", journal_note_kind(note.kind), journal_note_text(note));
    row.count = count_text(note.count);
    rows.push_back(row);
  }
  return rows;
}

void add_undecided_rows(std::vector<CsvRow>& rows, const std::string& metric, const Undecided& undecided) {
  rows.push_back(of_metric(count_row("acceptance_running", undecided.running), metric));
  rows.push_back(of_metric(count_row("acceptance_not_started", undecided.not_started), metric));
  rows.push_back(of_metric(count_row("acceptance_closed_undecided", undecided.closed), metric));
  auto age = [](const std::optional<std::int64_t>& seconds) { return seconds ? std::to_string(*seconds) : ""; };
  rows.push_back(about_row("acceptance_oldest_running", metric, age(undecided.oldest_running)));
  rows.push_back(about_row("acceptance_oldest_not_started", metric, age(undecided.oldest_not_started)));
}

// "; 3 without a limit": tickets whose priority sets no first-response
// limit, shown only when there are some.
std::string unmeasured_text(const Report& report) {
  if (report.acceptance_unmeasured == 0) return {};
  return "; " + count_text(report.acceptance_unmeasured) + " without a limit";
}

std::string age_text(const std::optional<std::int64_t>& age) {
  return age ? " (oldest " + engine::format_duration(*age, engine::LargestUnit::kDay) + ")" : std::string();
}

// The head table's row of a figure not measured, and why.
std::vector<std::string> not_measured(const char* figure, const ReportOptions& options, const char* setting) {
  return {figure, "n/a", not_measured_text(options, setting)};
}

// The setting a follow-up figure lacks: resolution first, then the survey.
const char* follow_up_setting(const ReportOptions& options) {
  return options.measures_resolution() ? "survey" : "resolution";
}

void add_acceptance_row(const Report& report, Table& head) {
  const ReportOptions& options = report.options;
  if (!options.measures_acceptance()) {
    head.add(not_measured("acceptance timeliness", options, "acceptance"));
    return;
  }
  std::string counted = count_text(report.acceptance_timeliness.numerator) + " of " +
                        count_text(report.acceptance_timeliness.denominator) + " " + options.first_response_metric +
                        " met";
  std::string undecided = undecided_text(report.acceptance_undecided);
  if (!undecided.empty()) counted += "; " + undecided;
  head.add({"acceptance timeliness", percent_text(report.acceptance_timeliness), counted + unmeasured_text(report)});
}

void add_resolution_rows(const Report& report, Table& head) {
  const ReportOptions& options = report.options;
  if (!options.measures_resolution()) {
    head.add(not_measured("resolved", options, "resolution"));
  } else {
    head.add({"resolved", count_text(report.resolved), resolution_text(options)});
  }
  if (!options.measures_resolution() || !options.measures_survey()) {
    head.add(not_measured("follow-up rate", options, follow_up_setting(options)));
    head.add(not_measured("return visits", options, follow_up_setting(options)));
    return;
  }
  std::string declined = options.declined_event.empty() ? "" : "; " + count_text(report.declined) + " declined";
  head.add({"follow-up rate", percent_text(report.follow_up),
            count_text(report.follow_up.numerator) + " of " + count_text(report.follow_up.denominator) +
                " resolved surveyed" + declined});
  head.add({"return visits", count_text(report.return_visits), "surveys in the resolving record or later"});
}

}  // namespace

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string not_measured_text(const ReportOptions& options, const std::string& setting) {
  struct Names {
    const char* setting;
    const char* noun;     // what the rules name
    const char* shipped;  // the shipped rules' name, used without a `report` block
  };
  static constexpr Names kNames[] = {{"acceptance", "acceptance clock", "first_response"},
                                     {"resolution", "resolution", "resolve"},
                                     {"survey", "survey field", "overall"},
                                     {"types", "types", "category"}};
  const Names* names = &kNames[0];
  for (const Names& candidate : kNames) {
    if (setting == candidate.setting) names = &candidate;
  }
  auto origin = options.origins.find(setting);
  std::string from = origin == options.origins.end() ? std::string() : origin->second;
  if (from.rfind("--", 0) == 0) return "not measured: turned off by " + from;
  if (from != "default") return std::string("not measured: the rules name no ") + names->noun;
  std::string shipped = std::string("`") + names->shipped + "`";
  if (options.rules.empty()) return "not measured: no rule file, and the journal shows no " + shipped;
  return "not measured: the rules have no `report` block, and no " + shipped;
}

std::string undecided_text(const Undecided& undecided) {
  std::vector<std::string> parts;
  if (undecided.running > 0) {
    parts.push_back(count_text(undecided.running) + " within the limit" + age_text(undecided.oldest_running));
  }
  if (undecided.not_started > 0) {
    parts.push_back(count_text(undecided.not_started) + " clock never started" +
                    age_text(undecided.oldest_not_started));
  }
  if (undecided.closed > 0) parts.push_back(count_text(undecided.closed) + " closed without a decision");
  return parts.empty() ? std::string() : "not decided: " + engine::join(parts, ", ");
}

std::string resolution_text(const ReportOptions& options) {
  if (!options.resolve_metric.empty()) return options.resolve_metric + " clock stopped";
  return "entered " + engine::join(options.resolution_states, " or ");
}

std::string journal_note_text(const JournalNote& note) {
  auto range = [&note] {
    return note.first == note.last ? "seq " + std::to_string(note.first)
                                   : "seq " + std::to_string(note.first) + "-" + std::to_string(note.last);
  };
  switch (note.kind) {
    case JournalNoteKind::kStartsLate:
      return "the journal starts at seq " + std::to_string(note.last + 1) + ": " + range() +
             " are not in it, and tickets created there are not counted";
    case JournalNoteKind::kGap:
      return range() + " missing: the tickets they touched may be counted short";
    case JournalNoteKind::kRestart:
      return "seq goes back to " + std::to_string(note.first) + " after " + std::to_string(note.last) +
             ": another journal follows, and its records were counted too";
    case JournalNoteKind::kRepeat:
      return count_text(note.count) +
             (note.count == 1 ? " record repeats an earlier one" : " records repeat earlier ones") +
             " word for word (" + range() + "): each was counted once";
    case JournalNoteKind::kNoCreation:
      return count_text(note.count) + (note.count == 1 ? " ticket has" : " tickets have") +
             " records but no creation record in the journal: not counted";
    case JournalNoteKind::kMore:
      return count_text(note.count) + " more notes like these";
  }
  return {};
}

std::vector<std::pair<std::string, std::string>> report_settings(const ReportOptions& options) {
  return {{"acceptance", options.first_response_metric},
          {"resolution", resolution_name(options)},
          {"survey", options.survey_field},
          {"declined", options.declined_event},
          {"types", options.type_field}};
}

const char* journal_note_kind(JournalNoteKind kind) {
  switch (kind) {
    case JournalNoteKind::kStartsLate:
      return "starts_late";
    case JournalNoteKind::kGap:
      return "gap";
    case JournalNoteKind::kRestart:
      return "restart";
    case JournalNoteKind::kRepeat:
      return "repeat";
    case JournalNoteKind::kNoCreation:
      return "no_creation";
    case JournalNoteKind::kMore:
      return "more";
  }
  return "";
}

std::string rules_text(const ReportOptions& options) {
  if (options.rules.empty()) return "none: names taken from the journal (give --rules to check them)";
  std::vector<std::string> parts;
  for (const ReportRules& rules : options.rules) {
    if (!rules.counted_by) continue;
    parts.push_back(rules.workflow + " version " + rules.version_id.substr(0, 12) + " (" + rules.source + ")");
  }
  return engine::join(parts, "; ");
}

std::vector<std::string> other_settings_texts(const ReportOptions& options) {
  std::vector<std::string> texts;
  if (options.rules.empty()) return texts;
  const ReportRules& counted = options.rules.front();
  for (const ReportRules& rules : options.rules) {
    if (rules.counted_by) continue;
    texts.push_back("version " + rules.version_id.substr(0, 12) + ", which tickets of this journal ran on, has " +
                    "another `report` block: every ticket was counted by version " + counted.version_id.substr(0, 12) +
                    "'s");
  }
  return texts;
}

std::string percent_text(const Ratio& ratio) {
  std::optional<double> value = ratio.value();
  return value ? fixed(*value * 100, 1) + "%" : std::string("n/a");
}

std::string extension_counted_text(const SlaExtensions& figure) {
  std::string text = count_text(figure.extended.numerator) + " of " + count_text(figure.extended.denominator) +
                     " extended (" + percent_text(figure.extended) + ")";
  if (figure.extensions == 0) return text;
  text += ", " + count_text(figure.extensions) + (figure.extensions == 1 ? " extension" : " extensions") + "; " +
          count_text(figure.extended_met.numerator) + " of " + count_text(figure.extended_met.denominator) +
          " decided met the extended limit";
  return text;
}

std::string period_text(const ReportOptions& options) {
  if (options.from_label.empty() && options.to_label.empty()) return "every ticket created";
  std::string text = "tickets created";
  if (!options.from_label.empty()) text += " from " + options.from_label;
  if (!options.to_label.empty()) text += " before " + options.to_label;
  return text + " (" + options.zone + ")";
}

std::string render_report_text(const Report& report) {
  const ReportOptions& options = report.options;
  std::string text = "report of " + period_text(options) + "\n";
  text += "rules: " + rules_text(options) + "\n";
  for (const std::string& other : other_settings_texts(options)) text += "warning: " + other + "\n";
  for (const JournalNote& note : report.journal_notes) text += "warning: " + journal_note_text(note) + "\n";
  Table head({"figure", "value", "counted"});
  head.add({"tickets", count_text(report.tickets),
            "created in the period, of " + count_text(report.tickets_in_journal) + " in the journal"});
  add_acceptance_row(report, head);
  add_resolution_rows(report, head);
  text += "\n" + head.render("");

  text += options.measures_types() ? "\ncomplaint types (" + options.type_field + ")\n"
                                   : "\ncomplaint types: " + not_measured_text(options, "types") + "\n";
  Table types({"type", "tickets", "share"});
  for (const TypeShare& type : report.types) {
    types.add({labelled(report.labels.types, type.type), count_text(type.share.numerator), percent_text(type.share)});
  }
  if (options.measures_types()) text += report.types.empty() ? "  no tickets\n" : types.render("  ");

  text += options.measures_resolution() ? "\nresolution time (creation to " + resolution_text(options) + ")\n"
                                        : "\nresolution time: " + not_measured_text(options, "resolution") + "\n";
  if (options.measures_resolution() && report.resolution.count == 0) {
    text += "  no ticket resolved\n";
  } else if (options.measures_resolution()) {
    Table times({options.measures_types() ? options.type_field : "type", "priority", "tickets", "mean", "median", "min",
                 "max"});
    auto add = [&times](const std::string& type, const std::string& priority, const DurationStats& stats) {
      times.add({type, priority, count_text(stats.count), duration_text(stats.mean), duration_text(stats.median),
                 duration_text(stats.min), duration_text(stats.max)});
    };
    for (const ResolutionCell& cell : report.resolution_by_type_priority) {
      add(labelled(report.labels.types, cell.type), labelled(report.labels.priorities, cell.priority), cell.time);
    }
    add("all", "", report.resolution);
    text += times.render("  ");
  }

  text += options.measures_survey() ? "\nsatisfaction (" + options.survey_field + ", every answer)\n"
                                    : "\nsatisfaction: " + not_measured_text(options, "survey") + "\n";
  if (options.measures_survey() && report.surveyed == 0) {
    text += "  no ticket surveyed\n";
  } else if (options.measures_survey()) {
    Table scores({"score", "answers", "share"});
    for (const ScoreCount& score : report.satisfaction) {
      scores.add(
          {labelled(report.labels.scores, score.score), count_text(score.share.numerator), percent_text(score.share)});
    }
    text += scores.render("  ");
    if (report.mean_score) {
      text += "  mean " + fixed(*report.mean_score, 2) + " over " + count_text(report.answers) + " answers\n";
    }
  }

  text += "\nSLA compliance (first decision of each clock)\n";
  if (report.sla.empty()) {
    text += "  no clock decided\n";
  } else {
    Table sla({"metric", "priority", "met", "decided", "rate"});
    for (const SlaCell& cell : report.sla) {
      sla.add({cell.metric, labelled(report.labels.priorities, cell.priority), count_text(cell.met.numerator),
               count_text(cell.met.denominator), percent_text(cell.met)});
    }
    text += sla.render("  ");
  }

  if (report.extensions_shown()) {
    text += "\nSLA extensions (compliance counts an extended clock against its extended limit)\n";
    Table extensions({"metric", "extended", "rate", "counted"});
    for (const SlaExtensions& figure : report.sla_extensions) {
      extensions.add({figure.metric, count_text(figure.extended.numerator), percent_text(figure.extended),
                      extension_counted_text(figure)});
    }
    text += extensions.render("  ");
  }
  return text;
}

namespace {

// The rows of the figures a report measures: one it does not measure has
// none (its `setting` row has an empty name).
void add_acceptance_rows(const Report& report, std::vector<CsvRow>& rows) {
  const ReportOptions& options = report.options;
  if (!options.measures_acceptance()) return;
  const std::string& metric = options.first_response_metric;
  rows.push_back(of_metric(ratio_row("acceptance_timeliness", report.acceptance_timeliness), metric));
  rows.push_back(of_metric(count_row("acceptance_pending", report.acceptance_pending), metric));
  add_undecided_rows(rows, metric, report.acceptance_undecided);
  if (report.acceptance_unmeasured > 0) {
    rows.push_back(of_metric(count_row("acceptance_unmeasured", report.acceptance_unmeasured), metric));
  }
}

void add_resolution_rows(const Report& report, std::vector<CsvRow>& rows) {
  const ReportOptions& options = report.options;
  if (!options.measures_resolution()) return;
  const std::string resolution = resolution_name(options);
  rows.push_back(of_metric(count_row("tickets_resolved", report.resolved), resolution));
  if (options.measures_survey()) {
    rows.push_back(of_metric(ratio_row("follow_up_rate", report.follow_up), options.survey_field));
    rows.push_back(of_metric(count_row("return_visits", report.return_visits), options.survey_field));
    if (!options.declined_event.empty()) {
      rows.push_back(of_metric(count_row("survey_declined", report.declined), options.declined_event));
    }
  }
}

void add_resolution_time_rows(const Report& report, std::vector<CsvRow>& rows) {
  if (!report.options.measures_resolution()) return;
  const std::string resolution = resolution_name(report.options);
  add_duration_rows(rows, resolution, "", "", report.resolution);
  for (const ResolutionCell& cell : report.resolution_by_type_priority) {
    add_duration_rows(rows, resolution, cell.type, cell.priority, cell.time);
  }
}

void add_satisfaction_rows(const Report& report, std::vector<CsvRow>& rows) {
  const ReportOptions& options = report.options;
  if (!options.measures_survey()) return;
  for (const ScoreCount& score : report.satisfaction) {
    CsvRow row = ratio_row("satisfaction", score.share);
    row.metric = options.survey_field;
    row.score = score.score;
    rows.push_back(row);
  }
  CsvRow mean;
  mean.figure = "satisfaction_mean";
  mean.metric = options.survey_field;
  mean.value = report.mean_score ? fixed(*report.mean_score, 4) : std::string();
  mean.count = count_text(report.answers);
  rows.push_back(mean);
}

}  // namespace

std::string render_report_csv(const Report& report) {
  const ReportOptions& options = report.options;
  std::vector<CsvRow> rows = about_rows(report);
  rows.push_back(count_row("tickets_created", report.tickets));
  rows.push_back(count_row("tickets_in_journal", report.tickets_in_journal));
  add_acceptance_rows(report, rows);
  add_resolution_rows(report, rows);
  for (const TypeShare& type : report.types) {
    CsvRow row = of_metric(ratio_row("type_share", type.share), options.type_field);
    row.type = type.type;
    rows.push_back(row);
  }
  add_resolution_time_rows(report, rows);
  add_satisfaction_rows(report, rows);

  for (const SlaCell& cell : report.sla) {
    CsvRow row = ratio_row("sla_compliance", cell.met);
    row.metric = cell.metric;
    row.priority = cell.priority;
    rows.push_back(row);
  }

  if (report.extensions_shown()) {
    for (const SlaExtensions& figure : report.sla_extensions) {
      rows.push_back(of_metric(ratio_row("sla_extended", figure.extended), figure.metric));
      rows.push_back(of_metric(count_row("sla_extensions", figure.extensions), figure.metric));
      rows.push_back(of_metric(ratio_row("sla_extended_compliance", figure.extended_met), figure.metric));
    }
  }

  std::string text = "figure,metric,type,priority,score,value,count,total\n";
  for (const CsvRow& row : rows) {
    text += csv_field(row.figure) + "," + csv_field(row.metric) + "," + csv_field(row.type) + "," +
            csv_field(row.priority) + "," + csv_field(row.score) + "," + csv_field(row.value) + "," +
            csv_field(row.count) + "," + csv_field(row.total) + "\n";
  }
  return text;
}

}  // namespace docket::designer
