// Ticket snapshots: a Ticket as one line of JSON, and tickets moved onto
// another version of their workflow.
//
// The durable store keeps each open ticket as encode_ticket() text next to
// the journal, and rebuilds it with decode_ticket() on recovery. A snapshot
// names everything by name, never by index, so that a person can read it
// and so that it still means the same thing when the rules change:
//
//   {"snapshot":1,"ticket":"AS-101","workflow":"after_sales","version":"3f5a...",
//    "state":"approving","created_at":"2026-11-23T01:00:00Z",
//    "entered_at":"2026-11-23T02:00:00Z","updated_at":"2026-11-23T02:00:00Z",
//    "fields":{"customer":"C-1001","channel":"phone","order_amount":3999,
//              "response_speed":null,...},
//    "attributes":{"category":"product_fault","priority":"P0","state":"approving",
//                  "requester":"zhang","assignee":"tech","created_at":"2026-11-23T01:00:00Z"},
//    "departments":["tech"],"assignee":{"department":"tech","role":null},
//    "clocks":{"first_response":{"status":"stopped","counted":[["2026-11-23T01:00:00Z",
//              "2026-11-23T01:40:00Z"]],"running_since":"2026-11-23T01:00:00Z",
//              "changed_at":"2026-11-23T01:40:00Z","next_mark":1,"breached":false,"due":null},
//              "resolve":{...}},
//    "timers":[{"state":"executing","ordinal":0,"due":"2026-11-24T02:15:00Z"}],
//    "approval":{"chain":"head_signoff","choice":0,"level":"head","requester":"liu",
//                "votes":[{"approver":"sun","level":"head","role":"dept_head"}],
//                "level_started_at":"2026-11-23T02:00:00Z","deadline":null}}
//
// (shown wrapped; the real text has no whitespace). Keys always come in
// this order and every key is always present, so the same Ticket always
// gives the same bytes. Field values are written by the field's type: text
// as a string (set but empty is "", unset is null), numbers as the exact
// decimal the engine holds (never through a double), enum values, states,
// categories, priorities, departments, roles, metrics, chains and levels by
// name; instants as UTC "2026-11-23T09:00:00Z" and durations as "1h30m"
// (an epoch-second or second count where that text cannot say the value,
// e.g. before year 0); "never" (kNever) as null. A timer is named by its
// state and its ordinal among that state's `after`/`every` timers, in the
// order written (0 is the first). `choice` is the index of the `approval`
// rule that chose the chain (rules have no names), or null. Texts are
// written as UTF-8; invalid UTF-8 bytes (which the engine's inputs never
// contain) come back as U+FFFD.

#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "engine/model/result.h"
#include "engine/model/workflow.h"
#include "engine/runtime/ticket.h"

namespace docket::engine {

// The ticket as one line of JSON (no newline), in the form above. Never
// fails: a ticket whose indices do not fit its workflow (no engine ticket)
// writes "#index" where a name would be, which decode_ticket() refuses.
std::string encode_ticket(const Ticket& ticket);

// Rebuilds the Ticket that encode_ticket() wrote: for a ticket of
// `workflow`, decode_ticket(encode_ticket(t), workflow) == t.
//
// Strict: the snapshot must be of `workflow` (its name and version id), have
// every key and no other (every field and every metric of the workflow
// included), and every name must exist and every value fit: field values
// their field's type, enum values and declared range (required fields set);
// timers must be timers of the ticket's state; an approval is only kept in
// a state that awaits one, with its chain's levels and the workflow's roles.
// The text may nest at most 16 levels; any input at all gives a value or an
// error, never a crash. Errors are one line naming the ticket (or "ticket
// snapshot" before its id is known) and the place:
//   "ticket `T-1`: field `overall`: expected int, got \"x\""
//   "ticket `T-1`: state `foo` is not in workflow after_sales"
//   "ticket `T-1`: the snapshot is of workflow after_sales version 3f5a..., not 9c1d..."
Result<Ticket> decode_ticket(std::string_view text, std::shared_ptr<const Workflow> workflow);

// Moves `ticket` onto `target`, another version of the same workflow (the
// same version is allowed: nothing changes). Everything is carried over by
// name; whatever cannot be carried over faithfully refuses the whole move,
// with a one-line error naming the ticket and the reason. The move takes
// effect at ticket.updated_at (the instant the ticket last changed); the
// ticket's times (created_at, entered_at, updated_at) stay.
//
// - State: state_map[current state name] when listed, otherwise the same
//   name. Refused when the target has no such state, or when no final state
//   can be reached from it in the target (the ticket would be stranded).
// - Fields, by name. A field the target no longer has must be unset. A value
//   must fit the target field's type (int, decimal and money are one kind:
//   the value must fit exactly, it is never rounded), enum values by name,
//   and its declared range. A field new in the target gets its default (as
//   at creation, evaluated at updated_at), or stays unset; a required field
//   left unset is refused, as the engine refuses it at creation.
// - Attributes: category and priority by name (refused when gone);
//   requester, assignee text and created_at as they are; state as above.
// - Departments and the assignee by name; an assigned role must still be a
//   role of the assigned department.
// - SLA clocks, by metric name, keep their status and measured time
//   (the stretches they ran). When the priority's limit for the metric is
//   unchanged (the same marks at the same thresholds, a calendar of the same
//   name), the marks passed stay as they were. Otherwise which marks count
//   as passed is recomputed from the time measured at updated_at: a mark at
//   or below it counts as passed, silently (it is not fired again; a passed
//   breach sets `breached`). The next mark's due time follows.
//   A metric gone from the target is dropped. A metric new in the target
//   starts as the engine's default (SlaStart::kTicketCreation) would start
//   it, but from the move rather than from the ticket's creation, because
//   it did not measure anything before: idle when some `start M` action
//   starts it, otherwise running since updated_at (paused when the state
//   pauses it); in a final state it stays idle. A clock running into a
//   state that pauses it is paused, one paused by the old state and not by
//   the new is resumed, and entering a final state stops every clock, as
//   on a transition.
// - Timers of the state, as the target declares them, counted from
//   entered_at. A timer at the same position among its state's timers as
//   one of the ticket's (old) state, with the same kind, duration and
//   calendar name, keeps exactly what the ticket had (its due time, or its
//   absence once an `after` has fired). Any other timer is armed anew: an
//   `after D` at entered_at + D, an `every D` at its last occurrence at or
//   before updated_at (or its first, when none has come yet), so a timer
//   whose time has passed fires once at the next advance, late, instead of
//   being lost or firing once per missed period. A final state has no
//   timers.
// - Approval progress, only into a state that awaits approval (the state
//   map cannot drop votes silently), with its chain and current level by
//   name, and every vote's level and role by name; otherwise refused. The
//   level's time limit is the target's, counted from level_started_at,
//   unless the limit had already run out. A state that awaits approval in
//   the target but had no approval in progress starts one as on entry (the
//   chain the `approval` rules choose, requested by the ticket's requester,
//   at updated_at); when that chain is `none`, which would approve at once,
//   the move is refused. A final state has no approval.
// - Every `require` of the target must hold afterwards (the engine would
//   refuse every later event otherwise).
//
// REQUIRES nothing of `ticket`: one that does not fit its own workflow is
// refused. `target` null is refused.
Result<Ticket> migrate_ticket(const Ticket& ticket, std::shared_ptr<const Workflow> target,
                              const std::map<std::string, std::string>& state_map);

}  // namespace docket::engine
