// Internal to conform: one trace replayed against the rules. Include
// conform/conformance.h instead.
//
// The rules' names as the log may write them (Vocabulary), the log's cells as
// field values (ValueCache), and the replay of one trace's rows
// (TraceReplay), which check_log runs for every trace of the log.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "conform/conformance.h"
#include "conform/log_table.h"
#include "engine/model/result.h"
#include "engine/model/value.h"
#include "engine/model/workflow.h"

namespace docket::engine {
class CalendarSet;
class SlaPlan;
}  // namespace docket::engine

namespace docket::conform {

// The rules' vocabulary as the checker needs it, checked against the mapping.
struct Vocabulary {
  std::vector<std::string> state_names, state_labels, event_names;
  std::vector<engine::FieldIndex> fields;             // by mapping.fields
  std::vector<const engine::Classification*> checks;  // by mapping.checks
  std::vector<bool> start_allowed;                    // by state
  std::vector<bool> explicit_start;                   // by metric: some `start M` action starts it
  const engine::Classification* priority = nullptr;   // how the rules classify the priority, if they do
  const engine::Classification* category = nullptr;   // and the category
};

// Checks the mapping's names against the rules; every problem, one a line:
// "[fields] `impakt`: the rules have no field `impakt` (did you mean `impact`?)".
engine::Result<Vocabulary> vocabulary(const engine::Workflow& workflow, const LogMapping& mapping);

// The index of a logged name among `names`: by the mapping's `table`, then
// as a name, then as one of `labels`, then normalised ("Awaiting User Info"
// -> awaiting_user_info); engine::kNoIndex when none.
std::uint32_t resolve_name(const std::string& logged, const std::map<std::string, std::string>& table,
                           const std::vector<std::string>& names, const std::vector<std::string>& labels);

// Values of field cells, converted once per distinct text. A cell that does
// not fit its field is no value, and is named once in
// DataQuality::unreadable_values.
class ValueCache {
 public:
  ValueCache(const engine::Workflow& workflow, const LogTable& table, DataQuality& quality)
      : workflow_(workflow), table_(table), quality_(quality) {}

  // A cell that is absent (a JSON line without the member, or null) or
  // missing ("?") is no value.
  engine::Value value(engine::FieldIndex field, std::uint32_t cell);

 private:
  engine::Value convert(engine::FieldIndex index, const std::string& text);

  const engine::Workflow& workflow_;
  const LogTable& table_;
  DataQuality& quality_;
  std::unordered_map<std::uint64_t, engine::Value> cache_;
};

// A move a trace made: from, to, and whether the rules allow it.
using TraceMove = std::tuple<engine::StateIndex, engine::StateIndex, bool>;

// Replays traces of one log, one at a time (conformance.h says how).
class TraceReplay {
 public:
  TraceReplay(const engine::Workflow& workflow, const engine::CalendarSet& calendars, const engine::SlaPlan& plans,
              const LogMapping& mapping, const Vocabulary& words, const LogTable& table, ValueCache& values);
  ~TraceReplay();
  TraceReplay(const TraceReplay&) = delete;
  TraceReplay& operator=(const TraceReplay&) = delete;

  // Replays `rows` (indices into the table, in replay order). With
  // `keep_rows` the result lists them; `checks` and `slas`, when given,
  // gather the classification and SLA figures (one run per trace should).
  TraceResult run(const std::vector<std::uint32_t>& rows, bool keep_rows,
                  std::vector<ClassificationCheck>* checks = nullptr, std::vector<SlaCheck>* slas = nullptr);
  // The moves of the last run, in order.
  const std::vector<TraceMove>& moves() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace docket::conform
