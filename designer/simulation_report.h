// The figures of a simulation, read from the journal as it is written, and
// their rendering (a text table, JSON, or two runs side by side).
//
// ReportBuilder is a JournalSink: the engine hands it every record and it
// keeps counters and a few numbers per ticket, never the records themselves,
// so memory grows with the tickets, not with the journal. The simulation
// (designer/simulation.h) adds what the journal cannot know: the end of the
// run, the daily backlog samples and the staff pools' figures.
//
// What each figure means (docs/simulation.md explains them for designers):
// - SLA compliance per priority and metric: of the clocks that ended (stopped,
//   or breached), the share that met the limit. A clock's priority is the
//   ticket's priority when its outcome was decided.
// - Extensions per metric: tickets whose clock ran, those of them extended
//   (`extend M by D`) and the extensions in all.
// - Times per metric: from the ticket's creation to the record that stopped
//   the clock, wall-clock; `to final state`: creation to the final state.
// - Backlog: open tickets assigned to each department at every day boundary.
// - Approval waits: entering an `await approval` state to leaving it.
// - Branches: which transitions left the chosen states, as "event -> target".

#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/model/workflow.h"
#include "engine/runtime/journal.h"

namespace docket::designer {

// Nearest-rank percentiles of a sample of durations (seconds).
struct Percentiles {
  std::size_t count = 0;
  std::int64_t p50 = 0;
  std::int64_t p90 = 0;
  std::int64_t p99 = 0;
};
Percentiles percentiles(std::vector<std::int64_t> sample);

struct SlaFigure {
  std::string priority;
  std::string metric;
  std::size_t met = 0;
  std::size_t breached = 0;
};

// The extensions (`extend M by D`) of one metric's clocks. Compliance counts
// an extended clock against its extended limit (the engine stops it `met`
// within the limit as extended).
struct ExtensionFigure {
  std::string metric;
  std::size_t ran = 0;         // tickets whose clock started (or was extended, or decided)
  std::size_t extended = 0;    // of them, tickets whose clock was extended at least once
  std::size_t extensions = 0;  // extensions in all: a ticket extended twice counts twice
};

struct TimeFigure {
  std::string metric;    // a metric, or "to final state"
  std::string priority;  // "" for all priorities together
  Percentiles times;
};

struct BacklogSeries {
  std::string department;
  std::vector<std::size_t> per_day;  // at the end of day 1, 2, ...
};

struct ApprovalFigure {
  std::string chain;  // "" for every chain together
  Percentiles wait;
};

// A counted thing: `key` ("first_response -> supervisor", a reason, ...).
struct Count {
  std::string key;
  std::size_t count = 0;
};

struct BranchFigure {
  std::string state;
  std::vector<Count> exits;  // "survey -> closed"
};

// Open tickets at the end of the run in a non-final state the profile does
// not describe (no `[states.NAME]`, or no outcome for their arrival stream):
// nothing in the load moves them, so they stay there, or wait for the
// state's timers. A gap in the profile (a variant's new state), not a
// problem of the rules.
struct UndrivenState {
  std::string state;
  std::size_t tickets = 0;
  // False: no event leaves the state in the rules, only timers or automatic
  // transitions could, and a profile entry cannot help.
  bool has_events = true;
  // Not empty: the profile describes the state, but none of its outcomes is
  // for the tickets of this arrival stream (OutcomeSpec::streams).
  std::string stream;
};

// The warning a designer reads for `undriven` ("585 tickets stopped in
// incident: the profile has no [states.incident]"), without a "warning: " prefix.
std::string undriven_warning(const UndrivenState& undriven);

struct PoolFigure {
  std::string pool;  // "tech.engineer"
  int people = 0;
  double utilisation = 0;  // percent of the people's time spent working
  Percentiles wait;        // in the queue before work started
  std::size_t longest_queue = 0;
};

struct SimulationReport {
  std::string workflow;
  std::string version;  // the workflow's `version` as written
  std::uint64_t seed = 0;
  std::int64_t start = 0;
  std::int64_t end = 0;
  int days = 0;

  std::size_t created = 0;
  std::size_t closed = 0;  // in a final state at the end
  std::size_t open = 0;
  std::vector<Count> open_by_state;     // in state order
  std::vector<UndrivenState> undriven;  // in state order; filled by the simulation
  std::size_t events_sent = 0;          // by the simulation, `create` included
  std::size_t rejections = 0;           // kRejection records
  std::size_t left_alone = 0;           // tickets whose outcome was rejected max_attempts times

  std::vector<SlaFigure> sla;  // by priority (most urgent first), then metric
  // Every metric a ticket ran, in rule order; shown when any clock was
  // extended (extensions_shown()).
  std::vector<ExtensionFigure> extensions;
  std::vector<TimeFigure> times;
  std::vector<BacklogSeries> backlog;
  std::vector<ApprovalFigure> approvals;
  std::vector<Count> escalations;  // "metric -> role", "timer in STATE -> role"
  std::vector<Count> warnings;     // by metric
  std::vector<Count> breaches;     // by metric
  std::vector<BranchFigure> branches;
  std::vector<Count> top_rejections;  // at most five, most frequent first
  std::vector<PoolFigure> pools;

  bool extensions_shown() const;
};

// Reads records as the engine writes them. Not thread-safe.
class ReportBuilder final : public engine::JournalSink {
 public:
  // `branch_states`: states whose exits are counted; empty: every state with
  // transitions to two or more different (event, target) pairs.
  ReportBuilder(std::shared_ptr<const engine::Workflow> workflow, std::vector<std::string> branch_states);
  ~ReportBuilder() override;

  engine::Status write(std::span<const engine::Record> records) override;

  // Records the open tickets per department now (one backlog column).
  void sample_backlog();
  // The figures as of the end of the run.
  SimulationReport finish(std::int64_t start, std::int64_t end) const;

 private:
  struct TicketFigures;
  void record(const engine::Record& record);
  TicketFigures& ticket(const std::string& id);
  void set_department(TicketFigures& ticket, int department);
  void decide(TicketFigures& ticket, const std::string& metric, bool met, const std::string& priority, std::int64_t at);
  void ran(TicketFigures& ticket, engine::MetricIndex metric);

  std::shared_ptr<const engine::Workflow> workflow_;
  std::vector<bool> branch_state_;  // by StateIndex
  // Where the transitions without a target are written (file:line, column):
  // their records leave no state.
  std::set<std::pair<std::string, std::uint32_t>> stay_rules_;
  std::vector<TicketFigures> tickets_;
  std::unordered_map<std::string, std::uint32_t> by_id_;
  std::vector<std::int64_t> open_per_department_;
  std::vector<std::vector<std::size_t>> backlog_;  // per department, per sample
  std::map<std::pair<std::string, std::string>, std::pair<std::size_t, std::size_t>> sla_;  // (priority, metric)
  std::map<std::pair<std::string, std::string>, std::vector<std::int64_t>> times_;          // (metric, priority)
  std::map<std::string, std::vector<std::int64_t>> approval_waits_;                         // by chain
  std::vector<std::size_t> ran_;         // by metric: tickets whose clock ran
  std::vector<std::size_t> extended_;    // by metric: tickets whose clock was extended
  std::vector<std::size_t> extensions_;  // by metric: extensions in all
  std::map<std::string, std::size_t> escalations_;
  std::map<std::string, std::size_t> warnings_;
  std::map<std::string, std::size_t> breaches_;
  std::map<std::string, std::map<std::string, std::size_t>> branches_;
  std::map<std::string, std::size_t> rejections_;
  std::size_t rejection_count_ = 0;
};

// A text report: sections of aligned tables, the backlog as sparklines.
std::string render_text(const SimulationReport& report);
// The same figures as one JSON document (durations in seconds).
std::string render_json(const SimulationReport& report);

// Two runs on the same load side by side: every figure of either, with the
// difference (percentage points for shares). `a_name` / `b_name` head the columns.
std::string render_comparison_text(const SimulationReport& a, const SimulationReport& b, const std::string& a_name,
                                   const std::string& b_name);
std::string render_comparison_json(const SimulationReport& a, const SimulationReport& b, const std::string& a_name,
                                   const std::string& b_name);

}  // namespace docket::designer
