// The journal: one record for everything that happens to a ticket.
//
// Every transition, timer firing, approval vote, SLA warning, escalation and
// breach, and every rejection produces one Record. The engine hands records
// to a JournalSink in batches: one batch per unit of work (an event with
// everything it set off, one timer, one SLA threshold), written before the
// ticket changes. A sink that refuses a batch makes the engine drop the unit
// as if it had never been attempted (the ticket stays as it was, the
// sequence numbers are not used), so a journal never misses a change that
// the engine's memory has.
//
// Records are self-contained values: names, not indices, so that an encoder
// (JSON lines, a database row, a log line) needs nothing else.

#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/event.h"
#include "engine/model/result.h"
#include "engine/model/value.h"
#include "engine/model/workflow.h"
#include "engine/runtime/rejection.h"
#include "engine/runtime/ticket.h"

namespace docket::engine {

enum class RecordKind : std::uint8_t {
  // A transition fired: on an event, at creation, automatically, or after an
  // approval decision (see Cause). `from` and `to` may be equal (`-> same`).
  kTransition,
  // An `after` / `every` timer fired; with a target it is also a transition.
  kTimer,
  // An `approve` vote was counted (and, when it completed a level, the next
  // level began). The chain's final decision is the kTransition that follows.
  kApproval,
  // An approval level's `within` limit expired: its `on timeout` actions ran.
  kApprovalTimeout,
  // An SLA clock reached a `warn at` threshold.
  kWarning,
  // An SLA clock reached an `at N% of M` step, or an `on breach of M` step ran.
  kEscalation,
  // An SLA clock ran past its limit.
  kBreach,
  // An event (or a timer's work) was refused; the ticket is unchanged.
  kRejection,
  // The ticket was moved onto another version of its workflow (`docket
  // migrate`): `version` is the new version, `from` / `to` the state before
  // and after, and the change of `version` names the old and new ids.
  kMigration,
};
const char* to_string(RecordKind kind);  // "transition", "timer", ...

enum class Cause : std::uint8_t {
  kCreate,     // the `create` event that opened the ticket
  kEvent,      // an event from outside
  kAutomatic,  // an `auto` transition, taken while settling after another step
  kTimer,      // an `after` / `every` timer, or an approval level's time limit
  kApproval,   // `approved` / `rejected`, fired by the engine when a chain decided
  kSla,        // an SLA clock crossing a threshold
  kMigration,  // an operator moved the ticket onto another version
};
const char* to_string(Cause cause);  // "create", "event", ...

// Whether a record carries what its event sent (Record::data).
enum class SentData : std::uint8_t {
  // Not the record of an event (`data` null): timers, SLA records,
  // migrations, and what an event set off (automatic transitions, a chain's
  // decision).
  kNone,
  // The record of an event itself (cause kCreate or kEvent, accepted or
  // rejected; for a `reject` vote, the chain's `rejected` it makes at once,
  // cause kApproval): Record::data is what it sent, possibly nothing.
  kRecorded,
  // Read from a journal written before records kept it (no `data` key):
  // what the event sent is known only through the changes it made.
  kUnrecorded,
};

// One field or ticket attribute that changed. Attributes use their rule
// names: `priority`, `category`, `assignee` (text: "tech.engineer"); the
// routed departments appear as `departments` (text: "complaints, legal").
struct Change {
  std::string field;
  Value before;             // unset when it had no value
  Value after;              // unset when cleared
  std::string before_text;  // Workflow::format_value of before; "" when unset
  std::string after_text;

  friend bool operator==(const Change&, const Change&) = default;
};

enum class EffectKind : std::uint8_t {
  kSet,            // target: field or `priority` / `category`; value: the new value
  kAssign,         // target: "department.role", "department" or "role"
  kRoute,          // target: the category; value: the departments, "tech, legal"
  kNotify,         // target: the recipient as written ("customer", a role); value: the message
  kEscalate,       // target: the role escalated to
  kRaisePriority,  // value: the new priority ("" when already the most urgent)
  kEmit,           // target: the event emitted (for other systems; not fed back)
  kClassify,       // target: `priority`, `category` or a field; value: the result;
                   // rule: the rule that decided (see Effect::rule)
  kClock,          // target: the metric; value: what happened ("started", "started from
                   // received_at 2026-09-25T02:00:00Z", "paused", "resumed", "stopped: met,
                   // 45m of 1h", "stopped: breached, ...", "extended by 15 workdays ...")
  kApprovalChain,  // target: the chain chosen ("none" when no approval is needed); value: "proposed by
                   // liu; level head_signoff.head", or "no approval required" for `none`, also as the
                   // first effect of the `approved` that follows (which names no actor)
  kApprovalVote,   // target: "chain.level"; value: "2 of 3" (votes so far of those needed)
  kApprovalLevel,  // target: "chain.level" that is now complete or now open
};
const char* to_string(EffectKind kind);  // "set", "assign", ...

// What a kClock effect did to its clock, for programs that count outcomes
// (reports, simulations); Effect::value says the same for people.
enum class ClockChange : std::uint8_t {
  kNone,             // not a kClock effect
  kStarted,          // value "started"
  kPaused,           // value "paused"
  kResumed,          // value "resumed"
  kStopped,          // value "stopped": the metric has no limit for the priority
  kStoppedMet,       // value "stopped: met, 45m of 1h"
  kStoppedBreached,  // value "stopped: breached, 1h5m of 1h"
  kUnchanged,        // value "unchanged: already started", "unchanged: not running", ...
  kExtended,         // value "extended by 15 workdays to 30 workdays in office, due ...: reason"
};
// The change a kClock effect's value names, as the engine writes it (for
// journals read back); kNone for text it never writes.
ClockChange parse_clock_change(std::string_view value);

// One thing an action did, in the order the actions ran.
struct Effect {
  EffectKind kind = EffectKind::kNotify;
  // The action as the rules wrote it (`notify customer "empathy_script"`),
  // or what the engine did on its own ("pause resolve on entering obstacle").
  std::string action;
  std::string target;  // by kind, see EffectKind
  std::string value;   // by kind, see EffectKind
  // Where the action was written. For kClassify, the rule that decided: an
  // ordered rule's position, or the `classify` action's position for a
  // decision table (whose cell is named in `detail`). For kApprovalChain, the
  // `approval` rule that chose it (empty when none matched: no approval).
  RulePosition rule;
  // More about it, by kind: kClassify, what decided ("impact x urgency:
  // function, high -> P0", "when severity == critical -> urgent",
  // "otherwise -> general"); kNotify to requester / assignee, who that is
  // now; kRaisePriority without a change, why; kApprovalChain for `none`,
  // the rule that required no approval ("approval by priority P2: none"), or
  // "no `approval` rule applies" when none matched.
  std::string detail;
  // kClock: what the value says, typed.
  ClockChange clock = ClockChange::kNone;

  // Member-wise (RulePosition by where, line and column).
  friend bool operator==(const Effect&, const Effect&);
};

// The SLA clock behind a kWarning, kEscalation or kBreach record.
struct SlaMark {
  std::string metric;              // "first_response"
  std::string priority;            // the ticket's priority whose limit applies
  double percent = 0;              // the threshold: 50, 80, 100 for a breach
  std::int64_t limit_seconds = 0;  // the limit (business seconds with a calendar)
  std::string calendar;            // the calendar's name; "" for wall-clock time
  std::int64_t due = 0;            // when the threshold was due (epoch seconds)
  // The limit as the rules give it, with the clock's extensions: "24h",
  // "15 workdays", "15 workdays + 15 workdays" (without the calendar); ""
  // reads as limit_seconds in hours.
  std::string limit;

  friend bool operator==(const SlaMark&, const SlaMark&) = default;
};

// A due time that a migration moved (RecordKind::kMigration only): the next
// mark of a running SLA clock, or a one-shot `after` timer not yet fired,
// whose calendar or limit is not what it was on the old version. Typically
// a holiday notice changed: the calendar takes in other days off or make-up
// working days, and every deadline counted in it moves. A record carries
// what both due times follow from, so an audit recomputes them on the two
// versions (engine/audit/journal_audit.h).
struct Rebasing {
  std::string clock;   // the metric; "" for a timer
  RulePosition timer;  // the `after` timer's position; empty for a clock
  // The calendar the deadline is counted in on the new version ("" for
  // wall-clock time), and the holiday notices it takes in whose dates
  // differ between the versions (Workflow::changed_notices(); empty when
  // something else moved it: the limit, the calendar's own dates or hours).
  std::string calendar;
  std::vector<std::string> notices;
  std::int64_t due_before = 0;  // on the old version
  std::int64_t due_after = 0;   // on the new
  // A clock only: the mark due next on each version (its percentage of the
  // limit; 100 for the breach), the stretches the clock ran before its open
  // one, when that one began, and its extensions.
  double percent_before = 0;
  double percent_after = 0;
  std::vector<TimeSpan> ran;
  std::int64_t running_since = 0;
  std::int64_t extended_workdays = 0;
  std::int64_t extended_seconds = 0;

  // Member-wise (RulePosition by where, line and column).
  friend bool operator==(const Rebasing&, const Rebasing&);
};

struct Record {
  // Position in the journal: 1, 2, 3, ... over every record the engine
  // writes, for all tickets, without gaps (assigned when the sink accepts).
  std::uint64_t seq = 0;
  // When it happened (epoch seconds UTC): the event's time, or when the timer
  // or threshold was due.
  std::int64_t at = 0;
  std::string ticket;
  std::string workflow;  // the workflow's name; "" when the ticket is unknown
  std::string version;   // Workflow::version_id() the ticket is pinned to
  RecordKind kind = RecordKind::kTransition;
  Cause cause = Cause::kEvent;
  // State names. `from` is "" for the record that creates a ticket; for a
  // rejection `from` is the state the ticket stays in and `to` is "".
  std::string from;
  std::string to;
  // The event being handled: the event's name for kCreate and kEvent (also
  // on the automatic transitions it set off, cause kAutomatic), "approved" /
  // "rejected" for cause kApproval; "" for timers and SLA records.
  std::string event;
  // Who: the event's actor (also on what it set off); empty for timers and
  // SLA records, and for the `approved` of a chain `none` (nobody approved).
  Actor actor;
  // What the event sent, as received and in its order (SentData says
  // whether there is any): also a value equal to the field's, which changes
  // nothing, and a refused one (an unknown field, a field given twice, a
  // value that does not fit). Bounded as the event is: by the event reader's
  // line and the server's body limits. A Record made by hand says nothing
  // of it (kUnrecorded) until told; the engine always tells.
  SentData sent = SentData::kUnrecorded;
  std::vector<DataItem> data;
  // The rule that decided: the transition, timer, approval level or SLA limit
  // (`warn at` / `on breach` have the limit's position; an escalation step its
  // own). For a rejection: the constraint that failed, the transition whose
  // role or guard refused, the action that could not run; empty when no
  // single rule is to blame (an unknown ticket, an event out of order).
  RulePosition rule;
  // What changed, in order: event data first, then what the actions set. For
  // a rejection: the event data as it would have been applied (not applied).
  std::vector<Change> changes;
  std::vector<Effect> effects;                       // what the actions did, in order
  std::optional<SlaMark> sla;                        // kWarning, kEscalation from a clock, kBreach
  std::vector<Rebasing> rebased;                     // kMigration: the due times it moved
  bool rejected = false;                             // kind == kRejection
  std::string reason;                                // for a rejection: why, one line
  RejectionCode reason_code = RejectionCode::kNone;  // for a rejection: why, for programs
  std::optional<std::string> idempotency_key;        // the event's, when it had one

  // Member-wise, as Effect.
  friend bool operator==(const Record&, const Record&);
};

struct Ticket;

// One unit of work as a store sees it: the records it wrote and the ticket as
// it leaves it, to be kept together or not at all.
struct Unit {
  std::span<const Record> records;
  // The ticket after the unit: its new state, fields, clocks and timers.
  // Null when the unit changed no ticket (a rejected event).
  const Ticket* ticket = nullptr;
};

class JournalSink {
 public:
  virtual ~JournalSink() = default;

  // Stores `records` (one unit of work, seq already assigned, consecutive)
  // all or nothing. A failure makes the engine abandon the unit; the error
  // is passed on to the engine's caller.
  virtual Status write(std::span<const Record> records) = 0;

  // What the engine calls: the unit with its ticket. Sinks that keep tickets
  // (engine/store/store.h) override it; the others only see the records.
  virtual Status commit(const Unit& unit) { return write(unit.records); }
};

// Keeps every record in memory: for tests, and for callers that read the
// journal back right away.
class MemoryJournal final : public JournalSink {
 public:
  Status write(std::span<const Record> records) override;

  const std::vector<Record>& records() const { return records_; }
  void clear() { records_.clear(); }

 private:
  std::vector<Record> records_;
};

}  // namespace docket::engine
