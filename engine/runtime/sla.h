// SLA clocks: how a ticket's time is measured against its priority's limits.
//
// A priority declares limits per metric (`first_response 1h`, `resolve 24h
// in office`), warnings (`warn at 50%, 80%`, applying to every limit),
// escalation steps (`at 80% of resolve do ...`) and breach actions (`on
// breach of resolve do ...`). SlaPlan turns them, once per workflow version,
// into one ordered list of thresholds (marks) per priority and metric; a
// ticket's SlaClock (engine/runtime/ticket.h) remembers how many marks it has passed.
//
// Measured time is the sum of the stretches the clock ran, each measured in
// the limit's time basis: business seconds when the limit names a calendar,
// wall-clock seconds otherwise. A mark at p% of a limit L is reached after
// round(L * p / 100) measured seconds.
//
// A clock's limit L in measured seconds (clock_limit()) is the declared
// limit plus the clock's extensions (`extend M by ...`). A limit in working
// days (`15 workdays in office`) becomes the working seconds from the clock's
// start to the close of the 15th working day after the day it started (plus
// its extensions in working days), so a clock that runs without a pause is
// due exactly then, and a pause pushes the due time back by the working time
// it lasted. The conversion is made whenever it is needed, from the clock's
// start and the calendar, never stored: a calendar with a new holiday notice
// moves the due time of every clock that runs in it.

#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/model/workflow.h"
#include "engine/runtime/calendar.h"
#include "engine/runtime/ticket.h"

namespace docket::engine {

enum class MarkKind : std::uint8_t {
  kWarning,     // `warn at N%`
  kEscalation,  // `at N% of M do ...` or, at 100%, `on breach of M do ...`
  kBreach,      // the limit itself
};

struct Mark {
  MarkKind kind = MarkKind::kWarning;
  double percent = 0;
  std::uint32_t escalation = kNoIndex;  // kEscalation: index into Priority::escalations
  std::uint32_t warning = kNoIndex;     // kWarning: index into Priority::warnings
};

// The measured seconds at which `mark` is reached under a limit of
// `limit_seconds`: round(limit * percent / 100); the limit itself for a breach.
std::int64_t mark_threshold(const Mark& mark, std::int64_t limit_seconds);

// The limit of one priority for one metric, and its marks in the order they
// are reached. At one threshold the order is: warnings, `at N%` escalations,
// the breach, `on breach` escalations; each group in the order written.
struct LimitPlan {
  std::uint32_t limit = kNoIndex;  // index into Priority::limits; kNoIndex: no limit
  Duration length;                 // as declared
  CalendarIndex calendar = kNoIndex;
  std::vector<Mark> marks;

  bool has_limit() const { return limit != kNoIndex; }
};

class SlaPlan {
 public:
  explicit SlaPlan(const Workflow& workflow);

  // The plan for `metric` under `priority`; one without a limit when the
  // ticket has no priority yet, the priority sets no limit for the metric, or
  // either index is out of range.
  const LimitPlan& plan(std::optional<PriorityIndex> priority, MetricIndex metric) const;

 private:
  std::size_t metric_count_ = 0;
  std::vector<LimitPlan> plans_;  // [priority * metric_count_ + metric]
  LimitPlan none_;
};

// The changes of a clock's status, as the runner makes them on events and
// transitions and migration makes them when a ticket moves to new rules.
// Each stamps changed_at; the stretch a running clock ran up to `at` is
// kept in `counted`. None touches next_mark, breached or due: the caller
// recomputes the due time for the clock's plan.
//
// Runs the clock from `at` (from idle or paused).
void run_clock(SlaClock& clock, std::int64_t at);
// Pauses a running clock at `at`.
void pause_clock(SlaClock& clock, std::int64_t at);
// Stops the clock at `at` for good (from any status but stopped).
void stop_clock(SlaClock& clock, std::int64_t at);

// The clock's limit in measured seconds: the plan's limit and the clock's
// extensions, working days converted from the clock's start (see above). 0
// when the plan has no limit or the clock never started.
std::int64_t clock_limit(const SlaClock& clock, const LimitPlan& plan, const TimeBasis& basis);

// "15 workdays in office", "24h", "15 workdays + 15 workdays in office" (a
// limit in working days and its extensions), for records and explanations.
std::string limit_text(const Workflow& workflow, const LimitPlan& plan, const SlaClock& clock);
// The same without the calendar: "15 workdays + 15 workdays", "15d".
std::string limit_amount_text(const Workflow& workflow, const LimitPlan& plan, const SlaClock& clock);

// When the clock started counting: the start of its first stretch; kNever
// when it never ran.
std::int64_t clock_origin(const SlaClock& clock);

// Seconds the clock has run up to `now`, in `basis`.
std::int64_t measured_seconds(const SlaClock& clock, const TimeBasis& basis, std::int64_t now);

// When a running clock reaches (or reached, if it already has) `threshold`
// measured seconds. kNever unless running.
std::int64_t due_at(const SlaClock& clock, const TimeBasis& basis, std::int64_t threshold);

// "status of metric M under priority P": for Engine::explain(). A limit
// counted from a field reads as written ("limit 15d from received_at"); the
// running clock's explanation names the field and its value when the clock
// counts from it (`origin_fields`: the fields the metric's clock can start
// from, Version::origin_fields), or says that it does not (the field was
// unset when the clock started, or has changed since). While the clock has
// run without a pause, the limit is laid out as written: working days day by
// day (explain_add_workdays), other durations by their written amount
// ("15d"), in the calendar's local time when the limit has one, otherwise
// in `wall_zone` (UTC when null).
std::string explain_clock(const Workflow& workflow, const Ticket& ticket, const SlaPlan& plans,
                          const CalendarSet& calendars, MetricIndex metric, std::int64_t now,
                          std::span<const FieldIndex> origin_fields = {}, const ZoneRules* wall_zone = nullptr);

}  // namespace docket::engine
