// Internal to the engine: runs one unit of work on a working copy of a
// ticket. Include engine/engine.h instead.
//
// A unit is a `create`, an event, or one due item (a timer, an approval
// level's time limit, an SLA threshold), followed by whatever it sets off
// (actions, automatic transitions, an approval decided at once) until the
// ticket rests, and the check of every `require`. The Runner writes into the
// copy and into a list of records; the Engine keeps both only if the unit
// succeeds and the journal accepts the records, so a failure needs no undo.

#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/calendar.h"
#include "engine/event.h"
#include "engine/journal.h"
#include "engine/result.h"
#include "engine/sla.h"
#include "engine/ticket.h"
#include "engine/workflow.h"

namespace docket::engine {

struct EngineOptions;

// What the engine derives once per installed workflow version.
struct Version {
  std::shared_ptr<const Workflow> workflow;
  CalendarSet calendars;
  SlaPlan sla;
  EventId approved = kNoIndex;  // the `approved` / `rejected` events, if the rules handle them
  EventId rejected = kNoIndex;
  std::vector<bool> explicit_start;  // by metric: some action says `start M`

  static Result<std::unique_ptr<Version>> build(std::shared_ptr<const Workflow> workflow);
};

// Something of a ticket that falls due. Items of one ticket are taken by
// due time, then kind (SLA thresholds, then approval limits, then timers),
// then index (metric, or timer in declaration order).
struct DueItem {
  enum class Kind : std::uint8_t { kSla, kApprovalDeadline, kTimer };
  std::int64_t due = kNever;
  Kind kind = Kind::kTimer;
  std::uint32_t index = 0;  // kSla: metric; kTimer: TimerIndex
};

// The ticket's earliest due item; nullopt when nothing is scheduled.
std::optional<DueItem> earliest_due(const Ticket& ticket);

class Runner {
 public:
  Runner(const Version& version, const EngineOptions& options, Ticket& ticket, std::vector<Record>& records);

  // Each returns false when the unit must be rejected; reason() and rule()
  // say why. REQUIRES: a fresh Runner per unit.
  bool create(const Event& event, std::int64_t at);  // REQUIRES: ticket default-constructed
  bool handle(const Event& event, std::int64_t at);
  bool fire_due(std::int64_t at);  // REQUIRES: earliest_due(ticket) is set
  // Consumes the earliest due item without running it (after fire_due
  // failed on a fresh copy): a timer is disarmed or re-armed, a threshold
  // counts as passed, an approval limit as expired.
  void skip_due();

  const std::string& reason() const { return reason_; }
  const RulePosition& rule() const { return rule_; }
  // The event data as it was (or would have been) applied.
  const std::vector<Change>& data_changes() const { return data_changes_; }

 private:
  void begin(std::int64_t at, const Actor* actor, std::string_view event, Cause cause);
  bool fail(std::string reason, const RulePosition& rule = {});

  // Event data and fields.
  bool apply_data(const std::vector<DataItem>& data);
  void set_field(FieldIndex field, Value value, std::vector<Change>& changes);
  void change(std::vector<Change>& changes, std::string name, Value before, Value after);

  // Transitions.
  std::optional<TransitionIndex> select(std::span<const TransitionIndex> candidates, std::string_view event);
  Record new_record(RecordKind kind, Cause cause, StateIndex to, const RulePosition& rule, std::string_view event);
  bool take(RecordKind kind, Cause cause, StateIndex target, const std::vector<Action>& actions,
            const RulePosition& rule, std::string_view event, std::vector<Effect> leading = {});
  bool take_transition(TransitionIndex transition, Cause cause, std::string_view event,
                       std::vector<Effect> leading = {});
  bool exit_state(StateIndex to, Record& record);
  bool enter_state(StateIndex from, StateIndex to, Record& record);
  bool settle();
  bool decide(bool approved, std::vector<Effect> leading);
  bool vote(const Event& event);
  // The actor's roles as they count on this ticket now (see Actor::scoped_to).
  Actor scoped_actor(const Actor& actor) const;
  bool check_constraints();
  void flush(Record& record);

  // Actions.
  bool run_actions(const std::vector<Action>& actions, Record& record);
  bool run_action(const Action& action, Record& record);
  bool classify(const Action& action, Record& record);
  bool route(const Action& action, Record& record);
  void set_priority(PriorityIndex priority, Record& record);
  void set_category(CategoryIndex category, Record& record);
  void set_assignee(Assignment assignee, Record& record);

  // SLA clocks.
  TimeBasis basis(MetricIndex metric) const;
  void refresh(MetricIndex metric);
  bool start_clock(MetricIndex metric, Record& record, std::string action);
  bool set_clock_running(MetricIndex metric, Record& record, std::string action, SlaClock::Status from,
                         const char* done, const char* unchanged);
  bool pause_clock(MetricIndex metric, Record& record, std::string action);
  bool resume_clock(MetricIndex metric, Record& record, std::string action);
  bool stop_clock(MetricIndex metric, Record& record, std::string action);
  bool catch_up(MetricIndex metric);
  bool fire_mark(MetricIndex metric, std::vector<Record>& into);

  // Timers and approvals.
  void arm_timers(StateIndex state);
  bool start_approval(Record& record);
  std::int64_t level_deadline(const ApprovalProgress& progress) const;

  const Version& version_;
  const Workflow& workflow_;
  const EngineOptions& options_;
  Ticket& ticket_;
  std::vector<Record>& records_;

  std::int64_t at_ = 0;
  const Actor* actor_ = nullptr;
  std::string event_;
  Cause cause_ = Cause::kEvent;
  int steps_ = 0;
  int depth_ = 0;  // nested SLA catch-ups
  bool approved_pending_ = false;
  bool failed_ = false;
  bool first_record_ = true;
  std::string reason_;
  RulePosition rule_;
  std::vector<Change> data_changes_;
  std::vector<Record> deferred_;  // SLA records found while a transition's record is open
};

}  // namespace docket::engine
