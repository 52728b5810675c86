// The engine: tickets moving through compiled workflows.
//
//   VirtualClock clock(start);
//   MemoryJournal journal;
//   Engine engine(clock, journal);
//   engine.install(workflow);                  // from the dsl, or embed/docket.h
//   engine.apply({.at = t, .ticket = "T-1", .event = "create", .actor = {...}, .data = {...}});
//   engine.apply({.at = t + 60, .ticket = "T-1", .event = "registered", ...});
//   engine.advance_to(t + 86400);              // fires every timer due by then
//
// Units of work. Each `create`, each event and each due item (timer,
// approval time limit, SLA threshold) runs to completion on its own: the
// transition fires, its actions run, then automatic transitions are followed
// until the ticket rests, then every `require` is checked. If anything
// fails, the unit is rejected as a whole: the ticket is exactly as before and
// the journal gets one kRejection record saying why. A unit may take at most
// EngineOptions::max_steps transitions; a loop of automatic transitions is
// rejected, not run forever.
//
// Events. `data` is applied to the ticket tentatively before guards run, so
// `on survey when overall >= 4` sees the survey's score; it stays only if a
// transition fires. The candidates for (state, event) are tried in the order
// written: the first whose guard holds and whose roles the actor holds fires.
// Before an event runs, every item due at or before its time fires (all
// tickets, in time order; at one instant by ticket id, then per ticket: SLA
// thresholds by metric, approval limits, timers in declaration order). So a
// limit that runs out at the very second of an event is breached before the
// event is seen. An event earlier than its ticket's last change is rejected
// as out of order.
//
// Decisions documented here because rules cannot say them:
// - Proposer (four-eyes). A transition marked `as proposer` records its
//   actor as the proposer of a plan (Ticket::proposal; who created the
//   ticket when the event names nobody), and the actor of every later
//   transition or counted vote as one who acted on the plan (its
//   participants), until another
//   `as proposer` transition starts a new proposal. The requester of an
//   approval (ApprovalProgress::requester) is that proposer; without a
//   proposal, the actor of the event that brought the ticket into the
//   `await approval` state, or, when a timer brought it there, the ticket's
//   `requester` attribute (the actor id of `create`). That person can
//   neither approve nor reject; a level's `not participants` / `not
//   assignee` keeps out the participants (the requester alone without a
//   proposal) and the holders of the ticket's assigned role as well.
// - No approval required. When the chain is `none` (or no `approval` rule
//   matches), `approved` fires at once with no actor on its record, which
//   says "no approval required" and names the rule (engine/runtime/journal.h).
// - Order of work in a transition: the source's `on exit` actions (and the
//   resumption of clocks it paused), the transition's actions, then entering
//   the target: clocks it pauses, its `on enter` actions, its timers armed,
//   its approval chain chosen (`none`, or no `approval` rule matching, fires
//   `approved` at once), then its automatic transitions.
// - Chains. Nobody approves twice in one chain, across levels too. An
//   `approve` vote that does not complete the chain writes a kApproval
//   record; the one that completes it also fires `approved` (cause
//   kApproval). `reject` by an eligible approver fires `rejected` at once.
//   A level's `within` limit runs its `on timeout` actions once; the level
//   stays open.
// - SLA start. With SlaStart::kTicketCreation (the default) every metric's
//   clock runs from the ticket's creation, priority or not; the priority,
//   once set, supplies the limits, so a ticket classified two hours after
//   creation has already used two hours, and thresholds it has passed fire at
//   once, in order. Metrics named by a `start M` action anywhere in the rules
//   start only there. With SlaStart::kFirstPriority clocks start when the
//   priority is first set.
// - Priority changes (`raise priority`, `classify priority`, `set priority`)
//   re-base the clocks: the time measured so far is kept and compared with
//   the new priority's limits; every threshold of the new priority that it
//   has already passed fires at once, in order. Stopped clocks keep their
//   outcome. `raise priority` at the most urgent priority changes nothing.
// - A clock reaching its limit at the instant it is stopped is breached.
// - Pauses. Entering a state that `pause`s a metric pauses its clock; leaving
//   it for a state that does not resumes it. A final state stops every clock.
// - `route` sets the routed departments (all routes whose condition holds, in
//   order) and assigns the ticket to the first of them (no role).
// - `emit E` is an output for other systems (an effect in the journal); it is
//   not fed back into the ticket.
// - A transition to its own state (`on stage_changed -> executing`) leaves
//   and re-enters it: exit and entry actions run and its timers re-arm.
// - Timers: `after D` is due D after entering the state, `every D` every D
//   from entering; a timer whose `when` is false at its time does nothing
//   (an `every` timer stays armed). In business time with `in calendar`.
//
// Not thread-safe: one thread drives an Engine.

#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/event.h"
#include "engine/model/result.h"
#include "engine/model/workflow.h"
#include "engine/runtime/clock.h"
#include "engine/runtime/engine_options.h"
#include "engine/runtime/journal.h"
#include "engine/runtime/rejection.h"
#include "engine/runtime/ticket.h"

namespace docket::engine {

struct Version;
class UnitBuffers;
class ZoneRules;  // engine/runtime/zone_rules.h

// What became of one event.
struct Outcome {
  bool accepted = false;
  // The event's idempotency key was seen before for this ticket: nothing was
  // applied now; the other fields are those of the first delivery.
  bool duplicate = false;
  // Rejected: why, as a code for programs and a line for people (as in the
  // kRejection record); kNone and "" when accepted.
  RejectionCode code = RejectionCode::kNone;
  std::string reason;
  // The records this event wrote: [first_seq, last_seq]; 0 when none.
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  std::string state;  // the ticket's state afterwards; "" for an unknown ticket
  // Thresholds the event made due at once (a priority set late) fire right
  // after it; if the journal refused those, why (they stay due and fire on
  // the next event or advance).
  std::string follow_up_error;
};

class Engine {
 public:
  // `clock` gives the time of events without `at` and of advance(); both
  // must outlive the engine.
  Engine(const Clock& clock, JournalSink& journal, EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Makes `workflow` the version that new tickets of its name start on
  // (tickets already open keep theirs). A workflow with the version id of
  // one already installed or restored runs as that one. The first workflow name installed is
  // the default for `create` events that name none (its current version). Fails when a calendar
  // cannot be interpreted (unknown time zone, no tzdata).
  Status install(std::shared_ptr<const Workflow> workflow);
  // The current version of `name` (the default when empty); null if none.
  std::shared_ptr<const Workflow> workflow(std::string_view name = {}) const;

  // Applies an event (a `create` opens a ticket). A rejection is an Outcome,
  // not an error; an error means the journal refused to write, and nothing
  // was applied.
  Result<Outcome> apply(const Event& event);

  // Fires, in order, every item due at or before `instant`; returns how many
  // units ran. Stops at the first unit the journal refuses.
  Result<std::size_t> advance_to(std::int64_t instant);
  // advance_to(clock.now()).
  Result<std::size_t> advance();
  // When the next item of any ticket is due; kNever when none is.
  std::int64_t next_due();
  // Entries in the queue of due times, stale ones included: at most twice
  // the tickets plus kScheduleSlack (and the one just added), however often
  // due times move.
  std::size_t schedule_entries() const;
  static constexpr std::size_t kScheduleSlack = 1024;

  // Null when there is no such ticket. Valid until the next apply/advance.
  const Ticket* find(std::string_view id) const;
  std::size_t ticket_count() const { return slots_.size(); }
  // Tickets in creation order. REQUIRES: index < ticket_count().
  const Ticket& ticket_at(std::size_t index) const;

  // How the due time of `metric` for `ticket` is computed, in the words of
  // the calendar module: "`resolve` under P1, limit 24h in office: running
  // since ...: 4 business hours from Mon 2026-11-23 17:30 (Asia/Shanghai):
  // ...; due Tue 2026-11-24 12:30". Measured up to the engine's latest time.
  // A limit without a calendar is shown in `wall_zone`'s local time (UTC
  // when null).
  Result<std::string> explain(std::string_view ticket, std::string_view metric,
                              const ZoneRules* wall_zone = nullptr) const;

  // Recovery from a store (engine/store/store.h). Puts back a ticket as it was
  // after its last unit, with the first outcome of every idempotency key it
  // has seen, and schedules its due items. Its workflow version need not be
  // installed (old versions are not current). Fails for a ticket id that
  // exists or a ticket without a workflow.
  Status restore(Ticket ticket, std::vector<std::pair<std::string, Outcome>> keys);
  // Continues the journal after `last_seq`, with `now` the latest time
  // processed before. Call after restoring and before any event, and again
  // whenever another engine appended to a store both share.
  void resume(std::uint64_t last_seq, std::int64_t now);
  // A ticket as another engine sharing the store left it (restore() for
  // one this engine has not seen): replaces it, its idempotency keys and
  // its due items. Fails for a ticket without a workflow.
  Status refresh(Ticket ticket, std::vector<std::pair<std::string, Outcome>> keys);

  // Moves ticket `id` onto another version of its workflow: `migrated` is
  // the ticket as it will be (engine/runtime/migration.h: migrate_ticket()). One
  // unit of work with a kMigration record by `actor` at the engine's time;
  // the ticket keeps its idempotency keys. Fails for an unknown ticket, a
  // ticket of another id or workflow, or when the journal refuses.
  Result<Outcome> migrate(std::string_view id, Ticket migrated, const Actor& actor);

  // The latest time the engine has processed (events and advances); the
  // clock's time when it was constructed, before anything happened.
  std::int64_t now() const { return now_; }
  // The seq of the last record written; 0 before the first.
  std::uint64_t last_seq() const { return next_seq_ - 1; }

 private:
  struct Slot;
  struct Scheduled {
    std::int64_t due;
    std::uint32_t slot;
    std::uint64_t generation;
  };
  struct Later {
    const Engine* engine;
    bool operator()(const Scheduled& a, const Scheduled& b) const;
  };

  // The current version of `name`, or of the default workflow when empty.
  const Version* current(std::string_view name) const;
  Result<Outcome> create(const Event& event, std::int64_t at);
  // Writes one kRejection record; `slot` is null when the ticket does not exist.
  Result<Outcome> reject(const Event& event, std::int64_t at, Slot* slot, Rejection rejection, RulePosition rule = {},
                         std::vector<Change> changes = {}, Cause cause = Cause::kEvent);
  // Numbers `records`, fills in what every record of a ticket shares, and
  // hands them to the journal.
  // `after` is the ticket as the unit leaves it; null when it changed none.
  Status write(const std::shared_ptr<const Workflow>& workflow, std::string_view ticket,
               const std::optional<std::string>& key, std::span<Record> records, const Ticket* after);
  // The Version of `workflow`, built on first use.
  Result<const Version*> version_of(const std::shared_ptr<const Workflow>& workflow);
  void reschedule(std::uint32_t slot);
  // Rebuilds the queue from the tickets' own due times, dropping stale entries.
  void compact_schedule();
  Result<bool> fire_next(std::int64_t instant);
  Outcome accepted(const Slot& slot, std::uint64_t first_seq) const;

  const Clock& clock_;
  JournalSink& journal_;
  EngineOptions options_;
  std::map<const Workflow*, std::unique_ptr<Version>> versions_;
  std::map<std::string, const Version*, std::less<>> current_;
  std::string default_name_;  // the first workflow name installed
  std::vector<std::unique_ptr<Slot>> slots_;
  std::map<std::string, std::uint32_t, std::less<>> by_id_;
  std::priority_queue<Scheduled, std::vector<Scheduled>, Later> schedule_;
  std::uint64_t next_seq_ = 1;
  std::int64_t now_;
  // Reused for every unit so that steady-state events copy into existing
  // buffers instead of allocating.
  Ticket work_;
  std::unique_ptr<UnitBuffers> buffers_;  // the records of the unit being run
};

}  // namespace docket::engine
