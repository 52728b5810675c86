#include "designer/report_settings.h"

#include <algorithm>

#include "engine/model/text.h"

namespace docket::designer {
namespace {

using engine::Status;

// How a message names a set of names: "first_response, resolve", or "none".
std::string listed(const std::set<std::string>& names) {
  return names.empty() ? "none" : engine::join({names.begin(), names.end()}, ", ");
}

Status check_known(const std::string& value, const std::set<std::string>& names, const char* noun,
                   const std::string& option, const KnownNames& known) {
  if (value.empty() || names.count(value) != 0) return Status::success();
  std::string message = option + " `" + value + "` is not " + noun + " of " + known.source;
  std::string close = engine::closest_match(value, {names.begin(), names.end()});
  if (!close.empty()) message += "; did you mean `" + close + "`?";
  return Status::failure(message + " (known: " + listed(names) + ")");
}

// Without a `report` block: the shipped rules' name, where it is known.
std::string default_if_known(const std::string& name, const std::set<std::string>& names) {
  return names.count(name) != 0 ? name : std::string();
}

void take_defaults(const KnownNames& known, ReportOptions& options) {
  const ReportOptions shipped;
  options.first_response_metric = default_if_known(shipped.first_response_metric, known.metrics);
  options.resolve_metric = default_if_known(shipped.resolve_metric, known.metrics);
  options.resolution_states.clear();
  options.survey_field = default_if_known(shipped.survey_field, known.fields);
  options.declined_event = default_if_known(shipped.declined_event, known.events);
  options.type_field = default_if_known(shipped.type_field, known.type_fields);
  for (const char* setting : {"acceptance", "resolution", "survey", "declined", "types"}) {
    options.origins[setting] = "default";
  }
}

void take_block(const engine::ReportSettings& block, ReportOptions& options) {
  options.first_response_metric = block.acceptance_metric;
  options.resolve_metric = block.resolution_metric;
  options.resolution_states = block.resolution_states;
  options.survey_field = block.survey_field;
  options.declined_event = block.declined_event;
  options.type_field = block.type_field;
  for (const char* setting : {"acceptance", "resolution", "survey", "declined", "types"}) {
    options.origins[setting] = block.position.where;
  }
}

// One override: checked against `names`, then taken.
Status take(const std::optional<std::string>& given, const char* option, const char* setting,
            const std::set<std::string>& names, const char* noun, const KnownNames& known, std::string& into,
            ReportOptions& options) {
  if (!given) return Status::success();
  if (Status ok = check_known(*given, names, noun, option, known); !ok) return ok;
  into = *given;
  options.origins[setting] = option;
  return Status::success();
}

Status take_resolution(const ReportOverrides& overrides, const KnownNames& known, ReportOptions& options) {
  if (overrides.resolve_metric) {
    Status ok = take(overrides.resolve_metric, "--resolve-metric", "resolution", known.metrics, "a metric", known,
                     options.resolve_metric, options);
    if (!ok) return ok;
    options.resolution_states.clear();
  }
  if (!overrides.resolution_states) return Status::success();
  for (const std::string& state : *overrides.resolution_states) {
    if (Status ok = check_known(state, known.states, "a state", "--resolution-state", known); !ok) return ok;
  }
  options.resolution_states = *overrides.resolution_states;
  std::erase(options.resolution_states, std::string());
  options.resolve_metric.clear();
  options.origins["resolution"] = "--resolution-state";
  return Status::success();
}

Status take_overrides(const ReportOverrides& overrides, const KnownNames& known, ReportOptions& options) {
  Status ok = take(overrides.first_response_metric, "--first-response-metric", "acceptance", known.metrics, "a metric",
                   known, options.first_response_metric, options);
  if (ok) ok = take_resolution(overrides, known, options);
  if (ok) {
    ok = take(overrides.survey_field, "--survey-field", "survey", known.fields, "a field", known, options.survey_field,
              options);
  }
  if (ok) {
    ok = take(overrides.declined_event, "--declined-event", "declined", known.events, "an event", known,
              options.declined_event, options);
  }
  if (ok) {
    ok = take(overrides.type_field, "--type-field", "types", known.type_fields, "category, priority or an enum field",
              known, options.type_field, options);
  }
  return ok;
}

void add_labels(std::map<std::string, std::string>& into, const std::vector<std::string>& names,
                const std::vector<std::string>& labels) {
  for (std::size_t i = 0; i < names.size() && i < labels.size(); ++i) {
    if (!labels[i].empty()) into[names[i]] = labels[i];
  }
}

// An enum field's value labels, by value.
std::map<std::string, std::string> value_labels(const engine::Workflow& rules, const std::string& field) {
  std::map<std::string, std::string> labels;
  std::optional<engine::FieldIndex> index = rules.find_field(field);
  if (!index) return labels;
  const engine::Field& decl = rules.fields()[*index];
  add_labels(labels, decl.enum_values, decl.enum_labels);
  return labels;
}

template <typename Declared>
std::map<std::string, std::string> name_labels(const std::vector<Declared>& declared) {
  std::map<std::string, std::string> labels;
  for (const Declared& item : declared) {
    if (!item.label.empty()) labels[item.name] = item.label;
  }
  return labels;
}

}  // namespace

KnownNames names_of_rules(const engine::Workflow& rules, const std::string& source) {
  KnownNames known;
  known.source = source;
  known.metrics.insert(rules.metrics().begin(), rules.metrics().end());
  known.type_fields.insert({"category", "priority"});
  for (const engine::Field& field : rules.fields()) {
    known.fields.insert(field.name);
    if (field.type == engine::FieldType::kEnum || field.type == engine::FieldType::kBool) {
      known.type_fields.insert(field.name);
    }
  }
  known.events.insert(rules.events().begin(), rules.events().end());
  for (const engine::State& state : rules.states()) known.states.insert(state.name);
  return known;
}

KnownNames names_in_journal(std::span<const engine::Record> records) {
  KnownNames known;
  known.source = "the journal";
  known.type_fields.insert({"category", "priority"});
  for (const engine::Record& record : records) {
    for (const engine::Effect& effect : record.effects) {
      if (effect.clock != engine::ClockChange::kNone) known.metrics.insert(effect.target);
    }
    if (record.sla) known.metrics.insert(record.sla->metric);
    for (const engine::Change& change : record.changes) known.fields.insert(change.field);
    for (const engine::DataItem& item : record.data) known.fields.insert(item.field);
    if (record.kind == engine::RecordKind::kTransition && !record.event.empty()) known.events.insert(record.event);
    if (!record.to.empty()) known.states.insert(record.to);
  }
  known.type_fields.insert(known.fields.begin(), known.fields.end());
  return known;
}

Status settle_report_settings(const engine::Workflow* rules, const ReportOverrides& overrides, const KnownNames& known,
                              ReportOptions& options) {
  if (rules != nullptr && rules->report()) {
    take_block(*rules->report(), options);
  } else {
    take_defaults(known, options);
  }
  if (Status ok = take_overrides(overrides, known, options); !ok) return ok;
  if (rules == nullptr) return Status::success();
  for (const engine::Priority& priority : rules->priorities()) options.priority_order.push_back(priority.name);
  for (const engine::State& state : rules->states()) {
    if (state.kind == engine::StateKind::kFinal) options.final_states.insert(state.name);
  }
  options.labels = labels_of(*rules, options);
  return Status::success();
}

bool same_report_settings(const engine::Workflow& a, const engine::Workflow& b) {
  const auto& x = a.report();
  const auto& y = b.report();
  if (!x || !y) return !x && !y;
  return x->acceptance_metric == y->acceptance_metric && x->resolution_metric == y->resolution_metric &&
         x->resolution_states == y->resolution_states && x->survey_field == y->survey_field &&
         x->declined_event == y->declined_event && x->type_field == y->type_field;
}

ReportLabels labels_of(const engine::Workflow& rules, const ReportOptions& options) {
  ReportLabels labels;
  if (options.type_field == "category") {
    labels.types = name_labels(rules.categories());
  } else if (options.type_field == "priority") {
    labels.types = name_labels(rules.priorities());
  } else {
    labels.types = value_labels(rules, options.type_field);
  }
  labels.priorities = name_labels(rules.priorities());
  labels.scores = value_labels(rules, options.survey_field);
  return labels;
}

}  // namespace docket::designer
