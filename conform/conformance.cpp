#include "conform/conformance.h"

#include <algorithm>

#include "conform/log_table.h"
#include "conform/trace_replay.h"
#include "engine/runtime/calendar.h"
#include "engine/runtime/sla.h"

namespace docket::conform {

using engine::Result;
using engine::StateIndex;
using engine::Value;
using engine::Workflow;

const char* to_string(DeviationKind kind) {
  switch (kind) {
    case DeviationKind::kStart:
      return "start";
    case DeviationKind::kMove:
      return "move";
    case DeviationKind::kGuard:
      return "guard";
    case DeviationKind::kRole:
      return "role";
    case DeviationKind::kEarly:
      return "early";
    case DeviationKind::kUnknownState:
      return "unknown_state";
    case DeviationKind::kUnknownActivity:
      return "unknown_activity";
    case DeviationKind::kClassification:
      return "classification";
    case DeviationKind::kSla:
      return "sla";
  }
  return "?";
}

bool breaks_fitness(DeviationKind kind) {
  return kind != DeviationKind::kClassification && kind != DeviationKind::kSla;
}

namespace {

// Figures of the log as a whole, trace by trace.
class Tally {
 public:
  Tally(const Workflow& workflow, ConformanceResult& result) : workflow_(workflow), result_(result) {}

  void add(const TraceResult& trace, const std::vector<TraceMove>& edges) {
    ++result_.traces;
    if (trace.fits) ++result_.fitting_traces;
    result_.quality.unjudged_guards += trace.unjudged_guards;
    result_.moves += trace.moves;
    result_.allowed_moves += trace.allowed_moves;
    for (const Deviation& d : trace.deviations) ++result_.deviations_by_kind[static_cast<std::size_t>(d.kind)];
    for (const auto& [from, to, allowed] : edges) ++edges_[{from, to, allowed}];
    Variant& variant = variants_[trace.path];
    if (variant.traces++ == 0) variant.example = trace.case_id;
    if (trace.fits) ++variant.fitting;
  }

  void finish() {
    for (const auto& [key, count] : edges_) {
      const auto& [from, to, allowed] = key;
      result_.edges.push_back(Edge{workflow_.states()[from].name, workflow_.states()[to].name, count, allowed});
    }
    std::stable_sort(result_.edges.begin(), result_.edges.end(),
                     [](const Edge& a, const Edge& b) { return a.count > b.count; });
    for (auto& [path, variant] : variants_) {
      variant.path = path;
      result_.variants.push_back(std::move(variant));
    }
    std::stable_sort(result_.variants.begin(), result_.variants.end(),
                     [](const Variant& a, const Variant& b) { return a.traces > b.traces; });
  }

 private:
  const Workflow& workflow_;
  ConformanceResult& result_;
  std::map<std::tuple<StateIndex, StateIndex, bool>, std::size_t> edges_;
  std::map<std::vector<std::string>, Variant> variants_;
};

// Data quality of one trace's ordering: ties, and order keys that run
// against time or repeat.
void count_ordering(const LogTable& table, const std::vector<std::uint32_t>& rows, DataQuality& quality) {
  std::vector<std::int64_t> keys;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const LoggedRow& row = table.rows[rows[i]];
    if (row.has_order) keys.push_back(row.order);
    if (i == 0) continue;
    const LoggedRow& before = table.rows[rows[i - 1]];
    if (row.at == before.at) ++quality.time_ties;
    if (row.has_order && before.has_order && row.order < before.order) ++quality.order_disagreements;
  }
  std::sort(keys.begin(), keys.end());
  for (std::size_t i = 1; i < keys.size(); ++i) {
    if (keys[i] == keys[i - 1]) ++quality.duplicate_order_keys;
  }
}

// Rows naming a state or an activity the rules lack, by name.
void count_unknown_names(const LogTable& table, const LogMapping& mapping, const Vocabulary& words,
                         DataQuality& quality) {
  std::vector<std::size_t> rows(table.names.size(), 0);
  for (const LoggedRow& row : table.rows) ++rows[row.logged];
  for (std::uint32_t id = 0; id < rows.size(); ++id) {
    const std::string& name = table.names.text(id);
    if (rows[id] == 0) continue;
    if (mapping.logs_states()) {
      if (resolve_name(name, mapping.states, words.state_names, words.state_labels) == engine::kNoIndex) {
        quality.unknown_states[name] += rows[id];
      }
    } else if (resolve_name(name, mapping.activities, words.event_names, {}) == engine::kNoIndex && name != "create" &&
               mapping.activities.count(name) == 0) {
      quality.unknown_activities[name] += rows[id];
    }
  }
}

// Traces an auditor looks at row by row: those with a deviation, and those
// whose verdict depends on the ordering.
bool keeps_rows(const TraceResult& trace) { return !trace.deviations.empty() || trace.order_sensitive; }

}  // namespace

Result<ConformanceResult> check_log(const Workflow& workflow, const LogMapping& mapping, const std::string& log_path,
                                    const ConformOptions& options) {
  if (std::string missing = mapping.incomplete(); !missing.empty()) {
    return Result<ConformanceResult>::failure(missing);
  }
  Result<Vocabulary> words = vocabulary(workflow, mapping);
  if (!words) return Result<ConformanceResult>::failure(words.error());
  engine::CalendarSet::BuildResult calendars = engine::CalendarSet::build(workflow.calendars());
  if (!calendars.set) return Result<ConformanceResult>::failure(calendars.error);
  Result<LogTable> table = read_log_table(mapping, log_path, options);
  if (!table) return Result<ConformanceResult>::failure(table.error());

  ConformanceResult result;
  result.workflow = workflow.name() + (workflow.version().empty() ? "" : " " + workflow.version());
  result.state_log = mapping.logs_states();
  result.quality = std::move(table->quality);
  result.quality.time_zone = mapping.time_zone.empty() ? "UTC" : mapping.time_zone;
  for (const auto& [target, column] : mapping.checks) {
    ClassificationCheck check;
    check.target = target;
    check.column = column;
    result.classifications.push_back(std::move(check));
  }
  count_unknown_names(table.value(), mapping, words.value(), result.quality);
  ValueCache values(workflow, table.value(), result.quality);
  engine::SlaPlan plans(workflow);
  result.slas.resize(workflow.metrics().size());
  for (std::size_t metric = 0; metric < result.slas.size(); ++metric)
    result.slas[metric].metric = workflow.metrics()[metric];
  TraceReplay replay(workflow, *calendars.set, plans, mapping, words.value(), table.value(), values);
  Tally tally(workflow, result);
  std::vector<std::vector<std::uint32_t>> traces = cut_traces(table.value(), false);
  // The same traces ordered by the order column first: where the verdict
  // differs, it depends on the ordering chosen.
  std::vector<std::vector<std::uint32_t>> by_order;
  if (!mapping.order_column.empty()) by_order = cut_traces(table.value(), true);
  result.traces_checked.reserve(traces.size());
  for (std::size_t index = 0; index < traces.size(); ++index) {
    const std::vector<std::uint32_t>& rows = traces[index];
    count_ordering(table.value(), rows, result.quality);
    TraceResult trace = replay.run(rows, false, &result.classifications, &result.slas);
    trace.case_id = table->case_ids[table->rows[rows.front()].trace];
    tally.add(trace, replay.moves());
    if (!by_order.empty() && by_order[index] != rows && replay.run(by_order[index], false).fits != trace.fits) {
      trace.order_sensitive = true;
      ++result.quality.order_sensitive_traces;
    }
    if (keeps_rows(trace) && result.traces_kept < options.keep_traces) {
      TraceResult full = replay.run(rows, true);
      full.case_id = std::move(trace.case_id);
      full.order_sensitive = trace.order_sensitive;
      trace = std::move(full);
      ++result.traces_kept;
    }
    result.traces_checked.push_back(std::move(trace));
  }
  tally.finish();
  // Metrics no priority limits are not checks.
  std::erase_if(result.slas, [&](const SlaCheck& check) {
    auto metric = workflow.find_metric(check.metric);
    for (const engine::Priority& priority : workflow.priorities()) {
      for (const engine::TimeLimit& limit : priority.limits) {
        if (metric && limit.metric == *metric) return false;
      }
    }
    return true;
  });
  return Result<ConformanceResult>::success(std::move(result));
}

}  // namespace docket::conform
