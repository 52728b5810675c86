// Internal to the engine: runs one unit of work on a working copy of a
// ticket. Include engine/runtime/engine.h instead.
//
// A unit is a `create`, an event, or one due item (a timer, an approval
// level's time limit, an SLA threshold), followed by whatever it sets off
// (actions, automatic transitions, an approval decided at once) until the
// ticket rests, and the check of every `require`. The Runner writes into the
// copy and into a list of records; the Engine keeps both only if the unit
// succeeds and the journal accepts the records, so a failure needs no undo.
//
// The records are built in UnitBuffers that the Engine keeps from one unit
// to the next: a record, its effects and changes and their strings are
// cleared and assigned into, not constructed afresh, so a steady step (the
// same kind of event again) reuses their capacity and allocates nothing.

#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/model/event.h"
#include "engine/model/result.h"
#include "engine/model/workflow.h"
#include "engine/runtime/calendar.h"
#include "engine/runtime/engine_options.h"
#include "engine/runtime/journal.h"
#include "engine/runtime/rejection.h"
#include "engine/runtime/sla.h"
#include "engine/runtime/ticket.h"

namespace docket::engine {

// What the engine derives once per installed workflow version.
struct Version {
  std::shared_ptr<const Workflow> workflow;
  CalendarSet calendars;
  SlaPlan sla;
  EventId approved = kNoIndex;  // the `approved` / `rejected` events, if the rules handle them
  EventId rejected = kNoIndex;
  std::vector<bool> explicit_start;  // by metric: some action says `start M`
  // By metric: the timestamp field its limits count from (`from F`), or kNoIndex.
  std::vector<FieldIndex> start_from;
  // By metric: every field a clock of it can start from, in the order first
  // written: `from F` on its limits and `start M from F` actions.
  std::vector<std::vector<FieldIndex>> origin_fields;
  // Workflow::describe() of every action the rules hold, computed once: the
  // journal quotes the action with each effect it has.
  std::unordered_map<const Action*, std::string> action_texts;

  static Result<std::unique_ptr<Version>> build(std::shared_ptr<const Workflow> workflow);

  // Assigns Workflow::describe(action) to `out` (reusing its capacity).
  void describe(const Action& action, std::string& out) const;
};

// Records one unit of work builds, kept by the Engine across units. Slots
// are never destroyed: clearing a list keeps its records, which the next
// unit resets and assigns into.
class UnitBuffers {
 public:
  // Forgets the previous unit's records (keeping their storage).
  void begin_unit();

  // A reset record at the end of the unit's list.
  Record& append();
  // A reset record to build before it is known where it goes; valid until
  // begin_unit(). Place it with finish() or defer().
  Record& open();
  // Moves `record` (from open()) to the end of the unit's list.
  void finish(Record& record);
  // Moves `record` (from open()) to the end of the deferred list.
  void defer(Record& record);
  // Moves the deferred records, in order, to the end of the unit's list.
  void flush_deferred();

  // Appends a cleared effect / change to `record` / `changes`.
  Effect& add_effect(Record& record);
  Change& add_change(std::vector<Change>& changes);

  std::span<Record> records() { return {records_.data(), used_}; }
  // Effects and changes kept for reuse: at most kMaxSpares of each, however
  // many units ran.
  static constexpr std::size_t kMaxSpares = 64;
  std::size_t spare_effects() const { return spare_effects_.size(); }
  std::size_t spare_changes() const { return spare_changes_.size(); }
  // The event data as applied by the current unit (see Runner).
  std::vector<Change>& data_changes() { return data_changes_; }

 private:
  void reset(Record& record);
  // Moves the elements of `from` into `spare` for later reuse, then clears it.
  template <typename T>
  static void recycle(std::vector<T>& from, std::vector<T>& spare);

  std::vector<Record> records_;  // [0, used_) belong to the unit
  std::size_t used_ = 0;
  std::vector<Record> deferred_;  // [0, deferred_used_): SLA records found while another is open
  std::size_t deferred_used_ = 0;
  std::deque<Record> open_;  // stable addresses: records open at once nest
  std::size_t open_used_ = 0;
  std::vector<Effect> spare_effects_;
  std::vector<Change> spare_changes_;
  std::vector<Change> data_changes_;
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

// The actor's roles as they count on `ticket` now: its plain roles, plus
// each `department.role` whose department the ticket is routed or assigned
// to (Actor::scoped_to).
Actor scoped_actor(const Workflow& workflow, const Ticket& ticket, const Actor& actor);

class Runner {
 public:
  // Starts a unit in `buffers` (UnitBuffers::begin_unit()).
  Runner(const Version& version, const EngineOptions& options, Ticket& ticket, UnitBuffers& buffers);

  // Each returns false when the unit must be rejected; reason() and rule()
  // say why. REQUIRES: a fresh Runner per unit.
  bool create(const Event& event, std::int64_t at);  // REQUIRES: ticket default-constructed
  bool handle(const Event& event, std::int64_t at);
  bool fire_due(std::int64_t at);  // REQUIRES: earliest_due(ticket) is set
  // Consumes the earliest due item without running it (after fire_due
  // failed on a fresh copy): a timer is disarmed or re-armed, a threshold
  // counts as passed, an approval limit as expired.
  void skip_due();

  RejectionCode code() const { return code_; }
  const std::string& reason() const { return reason_; }
  const RulePosition& rule() const { return rule_; }
  // The event data as it was (or would have been) applied.
  const std::vector<Change>& data_changes() const { return buffers_.data_changes(); }

 private:
  void begin(std::int64_t at, const Actor* actor, const std::vector<DataItem>* data, std::string_view event,
             Cause cause);
  bool fail(RejectionCode code, std::string reason, const RulePosition& rule = {});

  // Event data and fields.
  bool apply_data(const std::vector<DataItem>& data);
  void set_field(FieldIndex field, Value value, std::vector<Change>& changes);
  void change(std::vector<Change>& changes, std::string_view name, const Value& before, const Value& after);

  // Transitions.
  std::optional<TransitionIndex> select(std::span<const TransitionIndex> candidates, std::string_view event);
  // A record opened in the buffers (UnitBuffers::open()).
  Record& new_record(RecordKind kind, Cause cause, StateIndex to, const RulePosition& rule, std::string_view event);
  bool take(RecordKind kind, Cause cause, StateIndex target, const std::vector<Action>& actions,
            const RulePosition& rule, std::string_view event, std::vector<Effect> leading = {});
  bool take_transition(TransitionIndex transition, Cause cause, std::string_view event,
                       std::vector<Effect> leading = {});
  bool exit_state(StateIndex to, Record& record);
  bool enter_state(StateIndex from, StateIndex to, Record& record);
  bool settle();
  bool decide(bool approved, std::vector<Effect> leading);
  bool approve_unrequired();
  // The kApprovalChain effect of a `none` approval chosen by `choice`.
  Effect unrequired_approval(std::uint32_t choice) const;
  void note_proposal(const Transition& transition);
  void note_participant(std::string_view actor);
  bool vote(const Event& event);
  // The actor's roles as they count on this ticket now (see Actor::scoped_to).
  Actor scoped_actor(const Actor& actor) const;
  // Whether the event's actor may fire `transition` (its `by`, with `by
  // owner` read against the ticket's category).
  bool may_send(const Transition& transition) const;
  // "needs one of engineer, ...": the reason a refused sender is given.
  std::string needed_roles(const Transition& transition) const;
  std::string elsewhere_note(const Transition& transition) const;
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
  bool start_clock(MetricIndex metric, Record& record, std::string_view action, FieldIndex from);
  // Starts an idle clock from `from`'s time (in the past, or now when unset).
  bool start_clock_from(MetricIndex metric, FieldIndex from, Record& record, std::string_view action);
  bool extend_clock(const Action& action, Record& record, std::string_view text);
  bool set_clock_running(MetricIndex metric, Record& record, std::string_view action, SlaClock::Status from,
                         const char* done, const char* unchanged);
  bool pause_clock(MetricIndex metric, Record& record, std::string_view action);
  bool resume_clock(MetricIndex metric, Record& record, std::string_view action);
  bool stop_clock(MetricIndex metric, Record& record, std::string_view action);
  // Counts the thresholds a clock about to stop has reached as passed, with no record.
  void pass_reached_marks(MetricIndex metric);
  // `deferred`: into the deferred list (a record is open), else the unit's.
  bool fire_mark(MetricIndex metric, bool deferred);

  // Timers and approvals.
  void arm_timers(StateIndex state);
  bool start_approval(Record& record);
  std::int64_t level_deadline(const ApprovalProgress& progress) const;

  const Version& version_;
  const Workflow& workflow_;
  const EngineOptions& options_;
  Ticket& ticket_;
  UnitBuffers& buffers_;

  std::int64_t at_ = 0;
  const Actor* actor_ = nullptr;
  const std::vector<DataItem>* data_ = nullptr;  // what the event sent; null for timers
  std::string_view event_;                       // the handled event's name (outlives the unit), or a literal
  Cause cause_ = Cause::kEvent;
  int steps_ = 0;
  bool approved_pending_ = false;
  bool failed_ = false;
  bool first_record_ = true;
  RejectionCode code_ = RejectionCode::kNone;
  std::string reason_;
  RulePosition rule_;
};

}  // namespace docket::engine
