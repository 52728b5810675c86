// render_report_json (designer/report_render.h): the figures as one JSON
// document, for programs. A figure the rules do not measure is null; a ratio
// is {"count", "total", "value"}, value null when nothing was counted.

#include "designer/report_render.h"
#include "engine/codec/json_writer.h"
#include "engine/model/value.h"

namespace docket::designer {
namespace {

using engine::JsonWriter;

void write_ratio(JsonWriter& json, const Ratio& ratio) {
  json.begin_object();
  json.key("count").number(ratio.numerator);
  json.key("total").number(ratio.denominator);
  json.key("value");
  if (std::optional<double> value = ratio.value()) {
    json.number(*value);
  } else {
    json.null();
  }
  json.end_object();
}

void write_optional(JsonWriter& json, const std::optional<std::int64_t>& value) {
  if (value) {
    json.number(*value);
  } else {
    json.null();
  }
}

// A name with the rules' label for it (null when they give none) under
// `label_key`.
void write_named(JsonWriter& json, JsonWriter::Literal key, const std::string& name,
                 const std::map<std::string, std::string>& labels, JsonWriter::Literal label_key = "label") {
  json.key(key).string(name);
  auto label = labels.find(name);
  json.key(label_key);
  if (label != labels.end()) {
    json.string(label->second);
  } else {
    json.null();
  }
}

void write_stats(JsonWriter& json, const DurationStats& stats) {
  json.begin_object();
  json.key("tickets").number(stats.count);
  for (auto [key, seconds] : {std::pair{"mean_seconds", stats.mean}, std::pair{"median_seconds", stats.median},
                              std::pair{"min_seconds", stats.min}, std::pair{"max_seconds", stats.max}}) {
    json.key(key);
    if (stats.count > 0) {
      json.number(seconds);
    } else {
      json.null();
    }
  }
  json.end_object();
}

void write_about(JsonWriter& json, const Report& report) {
  const ReportOptions& options = report.options;
  json.key("about").begin_object();
  json.key("period").begin_object();
  json.key("from").string(options.from_label);
  json.key("to").string(options.to_label);
  json.key("zone").string(options.zone);
  json.end_object();
  json.key("as_of").string(report.records > 0 ? engine::format_timestamp(report.as_of) : "");
  json.key("records").number(report.records);
  json.key("workflow").string(options.workflow);
  json.key("rules").begin_array();
  for (const ReportRules& rules : options.rules) {
    json.begin_object();
    json.key("workflow").string(rules.workflow);
    json.key("version_id").string(rules.version_id);
    json.key("source").string(rules.source);
    json.key("counted_by").boolean(rules.counted_by);
    json.end_object();
  }
  json.end_array();
  json.key("settings").begin_object();
  for (const auto& [setting, name] : report_settings(options)) {
    json.key(setting).begin_object();
    json.key("name").string(name);
    auto origin = options.origins.find(setting);
    json.key("origin").string(origin == options.origins.end() ? "" : origin->second);
    json.end_object();
  }
  json.end_object();
  json.key("journal_notes").begin_array();
  for (const JournalNote& note : report.journal_notes) {
    json.begin_object();
    json.key("kind").string(journal_note_kind(note.kind));
    json.key("first").number(note.first);
    json.key("last").number(note.last);
    json.key("count").number(note.count);
    json.key("text").string(journal_note_text(note));
    json.end_object();
  }
  json.end_array();
  json.end_object();
}

void write_acceptance(JsonWriter& json, const Report& report) {
  json.key("acceptance");
  if (!report.options.measures_acceptance()) {
    json.null();
    return;
  }
  const Undecided& undecided = report.acceptance_undecided;
  json.begin_object();
  json.key("metric").string(report.options.first_response_metric);
  json.key("timeliness");
  write_ratio(json, report.acceptance_timeliness);
  json.key("pending").number(report.acceptance_pending);
  json.key("running").number(undecided.running);
  json.key("oldest_running_seconds");
  write_optional(json, undecided.oldest_running);
  json.key("not_started").number(undecided.not_started);
  json.key("oldest_not_started_seconds");
  write_optional(json, undecided.oldest_not_started);
  json.key("closed_undecided").number(undecided.closed);
  json.key("without_limit").number(report.acceptance_unmeasured);
  json.end_object();
}

void write_resolution(JsonWriter& json, const Report& report) {
  const ReportOptions& options = report.options;
  json.key("resolution");
  if (!options.measures_resolution()) {
    json.null();
    return;
  }
  json.begin_object();
  json.key("metric").string(options.resolve_metric);
  json.key("states").begin_array();
  for (const std::string& state : options.resolution_states) json.string(state);
  json.end_array();
  json.key("resolved").number(report.resolved);
  json.key("time");
  write_stats(json, report.resolution);
  json.key("by_type_priority").begin_array();
  for (const ResolutionCell& cell : report.resolution_by_type_priority) {
    json.begin_object();
    write_named(json, "type", cell.type, report.labels.types, "type_label");
    write_named(json, "priority", cell.priority, report.labels.priorities, "priority_label");
    json.key("time");
    write_stats(json, cell.time);
    json.end_object();
  }
  json.end_array();
  json.end_object();
}

void write_follow_up(JsonWriter& json, const Report& report) {
  const ReportOptions& options = report.options;
  json.key("follow_up");
  if (!options.measures_resolution() || !options.measures_survey()) {
    json.null();
    return;
  }
  json.begin_object();
  json.key("rate");
  write_ratio(json, report.follow_up);
  json.key("return_visits").number(report.return_visits);
  json.key("declined");
  if (options.declined_event.empty()) {
    json.null();
  } else {
    json.number(report.declined);
  }
  json.end_object();
}

void write_types(JsonWriter& json, const Report& report) {
  json.key("types");
  if (!report.options.measures_types()) {
    json.null();
    return;
  }
  json.begin_object();
  json.key("field").string(report.options.type_field);
  json.key("shares").begin_array();
  for (const TypeShare& type : report.types) {
    json.begin_object();
    write_named(json, "type", type.type, report.labels.types);
    json.key("share");
    write_ratio(json, type.share);
    json.end_object();
  }
  json.end_array();
  json.end_object();
}

void write_satisfaction(JsonWriter& json, const Report& report) {
  json.key("satisfaction");
  if (!report.options.measures_survey()) {
    json.null();
    return;
  }
  json.begin_object();
  json.key("field").string(report.options.survey_field);
  json.key("surveyed").number(report.surveyed);
  json.key("answers").number(report.answers);
  json.key("mean");
  if (report.mean_score) {
    json.number(*report.mean_score);
  } else {
    json.null();
  }
  json.key("scores").begin_array();
  for (const ScoreCount& score : report.satisfaction) {
    json.begin_object();
    write_named(json, "score", score.score, report.labels.scores);
    json.key("share");
    write_ratio(json, score.share);
    json.end_object();
  }
  json.end_array();
  json.end_object();
}

void write_sla(JsonWriter& json, const Report& report) {
  json.key("sla").begin_array();
  for (const SlaCell& cell : report.sla) {
    json.begin_object();
    json.key("metric").string(cell.metric);
    write_named(json, "priority", cell.priority, report.labels.priorities, "priority_label");
    json.key("met");
    write_ratio(json, cell.met);
    json.end_object();
  }
  json.end_array();
  json.key("sla_extensions").begin_array();
  for (const SlaExtensions& figure : report.extensions_shown() ? report.sla_extensions : std::vector<SlaExtensions>{}) {
    json.begin_object();
    json.key("metric").string(figure.metric);
    json.key("extended");
    write_ratio(json, figure.extended);
    json.key("extensions").number(figure.extensions);
    json.key("extended_met");
    write_ratio(json, figure.extended_met);
    json.end_object();
  }
  json.end_array();
}

}  // namespace

std::string render_report_json(const Report& report) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  write_about(json, report);
  json.key("tickets").begin_object();
  json.key("created").number(report.tickets);
  json.key("in_journal").number(report.tickets_in_journal);
  json.end_object();
  write_acceptance(json, report);
  write_resolution(json, report);
  write_follow_up(json, report);
  write_types(json, report);
  write_satisfaction(json, report);
  write_sla(json, report);
  json.end_object();
  return out + "\n";
}

}  // namespace docket::designer
