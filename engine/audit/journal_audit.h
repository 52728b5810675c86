// Legality of a journal: could the rules have written these records?
//
// The hash chain (engine/store/audit_chain.h) and the signed checkpoints prove that
// a journal was not altered after it was written. They cannot tell whether
// what was written is what the rules allow: a record forged before hashing, a
// bug in some writer, or a record dropped and the chain rebuilt would all
// pass. JournalAudit replays the records themselves, ticket by ticket,
// against the workflow version each one names, and reports the first record
// that no run of the engine could have produced.
//
//   JournalAudit audit([&](std::string_view id) { return versions.find(id); });
//   for (const Record& record : journal) {  // in seq order
//     if (std::optional<std::string> problem = audit.check(record)) {
//       std::cerr << *problem << "\n";       // "seq 41, ticket `T-7`: ..."
//       break;
//     }
//   }
//
// What it follows, per ticket, from the records alone: the version the ticket
// is pinned to, its state, its field values and attributes (the `after`
// values of every accepted record's changes: fields, `priority`, `category`,
// `assignee`, `departments`), when it entered its state and which timers have
// fired since, and the approval in progress (chain, level, votes).
//
// What a record must satisfy:
// - Order: seq numbers are consecutive; a ticket's accepted records never go
//   back in time (a rejected event may be earlier: it is refused as out of
//   order); kind, cause, `rejected`, `event` and `actor` fit together as the
//   engine writes them (engine/runtime/journal.h).
// - Versions: the version id is known to the lookup, its workflow name is the
//   record's, and every record of a ticket names the version the ticket runs
//   on (the one it was created on, or last migrated to).
// - Tickets: created once, by a kTransition of cause kCreate on `create`
//   from "" into the initial state (with that state's position as its rule);
//   every later record starts from the state the ticket is in. A record of a
//   ticket never created can only be a rejection.
// - Transitions: the rule position is a transition of `from` that handles
//   `event` (cause kEvent), an `auto` transition of `from` (kAutomatic), or
//   an `approved` / `rejected` transition of an `await approval` state
//   (kApproval), and `to` is its target. The actor holds one of its `by`
//   roles when it names any (a `department.role` counts on tickets routed or
//   assigned to that department: Actor::scoped_to). Its guard holds on the
//   ticket as it was, and no transition written before it was enabled (the
//   engine fires the first one): for an event, with or without the event's
//   data applied, since a record does not say which of its changes were data.
// - Data: exactly the record an event made (cause kCreate or kEvent; the
//   `rejected` a `reject` vote makes) has what it sent (SentData::
//   kRecorded), every other record none; once a
//   record has it, no later record may be kUnrecorded (a journal from before
//   it has none at all). An accepted event's data is what the rules accept
//   (field_value()), and its changes begin with exactly what of it differed
//   from the ticket, in the order sent; after those, a field changes only
//   where a `set` or `classify` effect of the record names it, or at
//   creation by its default. The same holds, without data, for records of
//   timers, SLA thresholds and what an event set off.
// - Approvals: entering an `await approval` state picks the chain the
//   `approval` rules pick for the ticket as it then is; each vote (kApproval)
//   is at the open level, by someone check_vote() accepts (not the proposer,
//   followed through the transitions marked `as proposer`, nor anyone the
//   level's `not` excludes, not twice in a chain, holding the level's roles);
//   `approved` fires only once the chain is complete (or `none`, and then,
//   when it says no approval was required, naming no actor), `rejected` only
//   while it is open and by someone check_rejection() accepts; a level's time
//   limit (kApprovalTimeout) runs out at most once, not before `within` has
//   passed.
// - Timers: the rule is an `after` / `every` timer of `from`, its target (if
//   any) is `to`, its guard holds, and it is due: a one-shot timer fires at
//   most once per entry into the state, the n-th firing of a timer comes at
//   least n times its duration after the entry (business time is never
//   shorter than wall-clock time).
// - SLA records name a metric and a priority of the workflow, a limit that
//   priority sets for that metric (its seconds and calendar), a threshold the
//   limit has (a `warn at` percentage, the breach at 100%, or an escalation
//   step of that metric, by position), were due no later than they were
//   written, and were written in the ticket's state under its priority (or,
//   for a threshold passed during a transition, the state and priority the
//   transition started from).
// - The limit of an SLA record (SlaMark::limit_seconds and `limit`). For a
//   limit in hours, limit_seconds is the declared seconds plus the seconds
//   of the clock's extensions so far. For a limit in working days, `limit`
//   is the declared text ("15 workdays", with " + ..." once extended), and
//   limit_seconds is recomputed as the engine computes it (clock_limit()):
//   the working seconds from the clock's origin to the close of business of
//   the (declared + extended)th working day after the origin's date, in the
//   calendar of the version the ticket runs on. The origin is not in the
//   record, so the audit follows each clock (by metric name) and keeps every
//   instant the journal allows as its origin; the record must match one:
//   - a clock that starts on its own (no `start M` action in the rules, no
//     `from F` on its limits) may count from the ticket's creation or from
//     the record that first sets its priority (EngineOptions::sla_start is
//     not in the journal);
//   - a clock started in a record (a kClock effect `started`) counts from
//     that record's time, or, for a metric whose limits or `start M from F`
//     actions name a field, from that field's timestamp as it was before the
//     record or after any of the record's changes to it (the record does not
//     say where among its changes the clock started); the record's time
//     stands too when the field was unset at one of those points, or when no
//     limit of the metric says `from` (a plain `start M`);
//   - a clock that had not yet run a stretch of any length (no pause after
//     every origin) may count from a record that resumes it (a `resumed`
//     effect, or a migration out of a state that pauses it): a stretch of no
//     length is not kept, so the clock's first stretch begins there;
//   - a metric new in a migration starts at the migration.
//   The extensions are summed from the `extend` actions their effects cite
//   (Effect::rule): an extension citing no `extend` action of its metric is
//   reported. A record of a limit in working days whose clock no record
//   started is reported. The calendar is rebuilt from the version
//   (Version::build()); when it cannot be, only the text is checked. What
//   is not checked: the limit of a clock with more than 32 candidate
//   origins (only a journal written to slow the audit down has them), that
//   the origin kept is the one the engine used among those allowed, pauses
//   (limit_seconds does not depend on them), and SlaMark::due.
// - Migrations (kMigration): the record names a version of the ticket's
//   workflow, changes only `version` (from the ticket's version id to the
//   record's), starts from the ticket's state and ends in a state of the new
//   version (any: the operator's state map is not in the journal). The
//   ticket is then followed on the new version, carried over by name as
//   migrate_ticket() does (engine/runtime/migration.h): fields (new ones get
//   their defaults), priority and category, the firings of unchanged timers,
//   the approval in progress. Each deadline it lists as moved (Record::
//   rebased) is replayed on both versions: its notices are those of its
//   calendar whose dates differ (changed_notices()), and a clock's stretches
//   give its old and new due time (a timer's: the entry plus its duration),
//   as the engine computes them. That the list is complete is not checked:
//   the audit does not follow clocks between records.
// - A rejection changes nothing: `to` is "", `from` is the ticket's state (""
//   for a ticket that does not exist), and its changes are not applied.
//
// What it does not check: effects (the actions a record lists are not
// re-run, so a forged notification or a forged `set` whose new value is then
// consistently used passes), the `before` values of changes, that a ticket
// rests where an automatic transition or a due timer or SLA threshold should
// have moved it (a missing record is caught only when the next record
// disagrees with it), the order of several items due at one instant, and that
// SLA thresholds come in the order and number their clocks allow. Changes
// made by an SLA escalation that fired in the middle of a transition are
// applied after that transition's own changes (the order the journal lists
// them in), which can differ from the engine's order when both change the
// same attribute.
//
// After a record is reported it is not applied; later records are checked
// against the tickets as they were before it, so only the first report is
// certain. Not thread-safe.

#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine/model/workflow.h"
#include "engine/runtime/journal.h"

namespace docket::engine {

struct Version;  // engine/runtime/runner.h

class JournalAudit {
 public:
  // Finds a workflow version by its version id (Workflow::version_id());
  // null when unknown. Called once per version id the records name (the
  // answer is kept), and again for every record naming an unknown one.
  using VersionLookup = std::function<std::shared_ptr<const Workflow>(std::string_view version_id)>;

  explicit JournalAudit(VersionLookup lookup);
  ~JournalAudit();
  JournalAudit(JournalAudit&&) noexcept;
  JournalAudit& operator=(JournalAudit&&) noexcept;
  JournalAudit(const JournalAudit&) = delete;
  JournalAudit& operator=(const JournalAudit&) = delete;

  // Checks the next record (records must be fed in seq order, from the first
  // record of the journal). nullopt when it is legal; otherwise one line that
  // names the record and the rule it breaks:
  //   "seq 17, ticket `T-1`: transition `registering -> closed` on `registered`
  //    is not in version 3f2a0c19d4e7: state `registering` has no transition on
  //    `registered` to `closed`"
  std::optional<std::string> check(const Record& record);

  // Tickets created so far.
  std::size_t tickets() const { return tickets_.size(); }
  // Records checked so far, legal or not.
  std::uint64_t records() const { return records_; }

 private:
  struct TicketTrack;

  // The reason without the "seq N, ticket `T`: " prefix.
  std::optional<std::string> examine(const Record& record);
  std::optional<std::string> examine_sent(const Record& record);
  std::optional<std::string> examine_rejection(const Record& record);
  std::optional<std::string> examine_migration(const Record& record, TicketTrack& ticket);
  // Null with `*problem` set when the version is unknown or names another
  // workflow.
  std::shared_ptr<const Workflow> version(const Record& record, std::string* problem);
  // What the engine derives from `workflow` (its calendars, how its clocks
  // start), built once per version; null when it cannot be built.
  const Version* derived(const std::shared_ptr<const Workflow>& workflow);

  VersionLookup lookup_;
  std::map<std::string, std::shared_ptr<const Workflow>, std::less<>> versions_;
  std::map<std::string, std::shared_ptr<const Version>, std::less<>> derived_;
  std::map<std::string, std::unique_ptr<TicketTrack>, std::less<>> tickets_;
  std::uint64_t last_seq_ = 0;
  std::uint64_t records_ = 0;
  std::uint64_t data_since_ = 0;  // the first record with `data` (SentData not kUnrecorded); 0 before it
};

}  // namespace docket::engine
