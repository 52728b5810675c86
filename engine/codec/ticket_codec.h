// Ticket snapshots: a Ticket as one line of JSON.
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
//                "level_started_at":"2026-11-23T02:00:00Z","deadline":null},
//    "proposal":{"proposer":"liu","participants":["liu"]}}
//
// (shown wrapped; the real text has no whitespace). Keys always come in
// this order and every key is always present, except `proposal`, written
// only while the ticket has one (a transition marked `as proposer` fired),
// and the extension keys of a clock that was extended; so the same Ticket
// always gives the same bytes, and snapshots written before either existed
// still read. Field values are written by the field's type: text
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

}  // namespace docket::engine
