// Conformance checking: does another system's log follow a rule file, and
// where not (`docket conform`, docs/conformance.md).
//
// The log is cut into traces, one per case id. Each trace is checked on its
// own: its rows ordered by time, then by the order column (then by their
// place in the file), and replayed against the compiled workflow from its
// first row on, its own clock being the rows' times.
//
// A state log is read as moves between states: a row whose state differs
// from the previous row's is a move, and the rules allow it when a
// transition (an event, an `auto`, or a timer whose time has come) leads
// from the one to the other, with a guard that holds on the row's fields and
// a `by` the row's actor's roles satisfy (when the log carries them). An
// activity log is read as events: the row's event fires the first
// transition of the current state whose guard holds, as the engine fires it;
// timers due before the row fire first, and `auto` transitions follow.
//
// Every deviation is found, not only the first: after a move the rules do
// not allow, a state log re-synchronises to the logged state and goes on;
// an activity log stays where it was. Fields are those the log carries: the
// rules' actions (`set`, `classify`) are not run, so a guard sees what the
// other system recorded, and the priority and category the rules classify
// from it. A guard that reads a field the row lacks cannot be judged: it
// passes, and DataQuality::unjudged_guards counts it.
//
// Where the log carries the fields the rules classify the priority by, the
// rules' SLA clocks are run over each trace's times (SlaCheck), and a clock
// that runs past its limit is a deviation of kind `sla`.
//
// Figures (ConformanceResult): log fitness (traces without a deviation of
// the control flow, out of all), move fitness (moves allowed, out of all
// moves), deviations by kind and by state pair, variants (distinct state
// sequences, most frequent first), classifications checked against a
// recorded column, and the data quality of the log: rows whose order
// column and time disagree, order keys used twice, naive times, unknown
// states and activities, rows without a case or a readable time, and the
// traces whose verdict would change if the log were ordered by the order
// column alone.

#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "conform/log_mapping.h"
#include "engine/model/result.h"
#include "engine/model/workflow.h"

namespace docket::conform {

enum class DeviationKind : std::uint8_t {
  kStart,            // "start": the trace begins in a state the mapping does not allow as a start
  kMove,             // "move": no transition leads from the state to the logged one / the event is not handled there
  kGuard,            // "guard": transitions lead there, but no guard holds on the row's fields
  kRole,             // "role": the actor holds none of the roles the transition needs
  kEarly,            // "early": only a timer leads there, and its time had not come
  kUnknownState,     // "unknown_state": the logged state names no state of the rules
  kUnknownActivity,  // "unknown_activity": the logged activity names no event of the rules
  kClassification,   // "classification": the recorded value differs from what the rules classify
  kSla,              // "sla": a clock of the rules ran past its priority's limit
};
inline constexpr std::size_t kDeviationKinds = 9;
// "start", "move", ... as above.
const char* to_string(DeviationKind kind);
// Whether the kind is one of the control flow (all but kClassification and
// kSla, which judge outcomes): a trace with one does not fit.
bool breaks_fitness(DeviationKind kind);

// One row of a trace, as the replay read it.
struct TraceRow {
  std::uint64_t line = 0;  // in the log file
  std::int64_t at = 0;     // epoch seconds UTC
  std::string time;        // the time as logged
  std::string order;       // the order key as logged; "" when none
  std::string logged;      // the state or activity as logged
  std::string actor;       // "" when none
};

struct Deviation {
  DeviationKind kind = DeviationKind::kMove;
  std::size_t row = 0;     // index into the trace's rows
  std::uint64_t line = 0;  // in the log file
  std::int64_t at = 0;
  std::string from;    // the rule state the trace was in ("" at the start)
  std::string logged;  // what the log says, as written
  std::string to;      // the rule state or event it maps to; "" when none
  // What the rules allow from `from`: its target states (state logs) or its
  // events (activity logs), in the order written; start states for kStart.
  std::vector<std::string> allowed;
  engine::RulePosition rule;  // where `from` (or the refusing transition) is written
  // Why, in a few words: the guard that failed, the roles needed, "after 7d
  // (5d 2h had passed)", "recorded `2 - High`, the rules give P3 (impact x
  // urgency: 2, 2)".
  std::string detail;
};

struct TraceResult {
  std::string case_id;
  std::vector<TraceRow> rows;     // in replay order
  std::vector<std::string> path;  // the rule states visited, in order (a state log's variant)
  std::size_t moves = 0;          // logged moves (state logs) or events (activity logs)
  std::size_t allowed_moves = 0;
  std::vector<Deviation> deviations;  // in row order
  bool fits = true;                   // no deviation that breaks fitness
  // The verdict differs when the trace is ordered by the order column alone.
  bool order_sensitive = false;
  std::size_t classifications_checked = 0;
  std::size_t classifications_agreeing = 0;
  // Guards that read a field the row does not carry: they cannot be judged
  // and let the move pass.
  std::size_t unjudged_guards = 0;
};

struct Variant {
  std::vector<std::string> path;
  std::size_t traces = 0;
  std::size_t fitting = 0;
  std::string example;  // the first trace of the variant, by case id order
};

// Moves between two states (state logs) or events fired (activity logs),
// counted for the process map.
struct Edge {
  std::string from;
  std::string to;
  std::size_t count = 0;
  bool allowed = true;  // a move the rules allow
};

struct DataQuality {
  std::size_t rows = 0;
  std::size_t skipped_rows = 0;          // without a case id or a readable time (see skipped)
  std::vector<std::string> skipped;      // the first few reasons, "log.csv:7: no time in `sys_updated_at`"
  std::size_t naive_times = 0;           // rows whose time had no offset
  std::string time_zone;                 // the zone they were read in
  std::size_t order_disagreements = 0;   // rows the order column puts elsewhere than their time does
  std::size_t duplicate_order_keys = 0;  // rows whose trace has their order key already
  std::size_t time_ties = 0;             // rows with the time of the row before, in their trace
  std::size_t order_sensitive_traces = 0;
  std::size_t unjudged_guards = 0;                        // guards that passed because a field they read had no value
  std::map<std::string, std::size_t> unknown_states;      // as logged -> rows
  std::map<std::string, std::size_t> unknown_activities;  // as logged -> rows
  // Cells that do not fit their field or the order column, as "impact:
  // \"x\"", each distinct text once; they count as no value.
  std::map<std::string, std::size_t> unreadable_values;
};

struct ClassificationCheck {
  std::string target;  // "priority"
  std::string column;
  std::size_t checked = 0;  // rows with a recorded value and enough fields to classify
  std::size_t agreeing = 0;
  std::size_t unclassified = 0;  // rows where the rules cannot classify (a field missing)
  // (recorded, classified by the rules) -> rows, disagreements only
  std::map<std::pair<std::string, std::string>, std::size_t> disagreements;
};

// A metric's clock measured over the traces, as the rules run it: from the
// trace's first row (or a `start` action), paused in the states that pause
// it, stopped by a `stop` action or a final state, against the limit of the
// priority the rules classify from the row's fields. Actions come from the
// transitions the log's moves took; a move the rules do not allow runs none.
struct SlaCheck {
  std::string metric;
  std::size_t measured = 0;  // traces with a priority that sets a limit for it
  std::size_t breached = 0;  // of which the clock ran past the limit
  std::size_t open = 0;      // of which the clock still ran at the trace's last row
};

struct ConformanceResult {
  std::string workflow;  // name and version, "incident 1.0"
  bool state_log = true;
  std::size_t traces = 0;
  std::size_t fitting_traces = 0;
  std::size_t moves = 0;
  std::size_t allowed_moves = 0;
  std::array<std::size_t, kDeviationKinds> deviations_by_kind{};
  std::vector<Edge> edges;        // every logged move, allowed or not, most frequent first
  std::vector<Variant> variants;  // most frequent first, then by path
  std::vector<ClassificationCheck> classifications;
  std::vector<SlaCheck> slas;  // by metric, when some priority sets a limit for it
  DataQuality quality;
  // Every trace in case id order with its counts and deviations; rows only
  // for the first ConformOptions::keep_traces traces with a deviation or a
  // verdict that depends on the ordering.
  std::vector<TraceResult> traces_checked;
  std::size_t traces_kept = 0;  // how many of traces_checked carry their rows

  double log_fitness() const { return traces == 0 ? 1.0 : double(fitting_traces) / double(traces); }
  double move_fitness() const { return moves == 0 ? 1.0 : double(allowed_moves) / double(moves); }
};

struct ConformOptions {
  LogLimits limits;  // for reading the log
  std::size_t keep_traces = 1000;
  std::size_t max_skipped_reasons = 20;
  // Called now and then with the rows and the bytes of the log read so far,
  // for a progress bar (may be empty).
  std::function<void(std::uint64_t rows, std::uint64_t bytes)> progress;
};

// Reads `log_path` with `mapping` and checks it against `workflow`. Errors
// are for what stops the check as a whole: an unreadable log, a mapping
// naming a column the log lacks, a state or field the rules do not have
// ("map.toml: [fields] `impact`: the rules have no field `impact`").
// Deviations and data quality are results.
engine::Result<ConformanceResult> check_log(const engine::Workflow& workflow, const LogMapping& mapping,
                                            const std::string& log_path, const ConformOptions& options = {});

}  // namespace docket::conform
