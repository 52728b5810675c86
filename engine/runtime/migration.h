// Tickets moved onto another version of their workflow (`docket versions
// migrate`). The audit replay (engine/audit/journal_audit.h) follows the
// same carry-over rules when it checks a journal's `migrated` records.

#pragma once

#include <map>
#include <memory>
#include <string>

#include "engine/model/result.h"
#include "engine/model/workflow.h"
#include "engine/runtime/journal.h"
#include "engine/runtime/runner.h"
#include "engine/runtime/ticket.h"

namespace docket::engine {

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
//   breach sets `breached`). The next mark is due as the target's calendar
//   counts, so a changed holiday notice moves it (rebasings() below).
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
//   being lost or firing once per missed period. An `after` kept armed is
//   due at entered_at + D as its calendar now counts. A final state has no
//   timers.
// - Approval progress, only into a state that awaits approval (the state
//   map cannot drop votes silently), with its chain and current level by
//   name, and every vote's level and role by name; otherwise refused. The
//   level's time limit is the target's, counted from level_started_at,
//   unless the limit had already run out. A state that awaits approval in
//   the target but had no approval in progress starts one as on entry (the
//   chain the `approval` rules choose, requested by the proposer of the
//   ticket's proposal or else its requester, at updated_at); when that chain
//   is `none`, which would approve at once, the move is refused. A final
//   state has no approval.
// - The proposal (who proposed the plan, who acted on it) as it is.
// - Every `require` of the target must hold afterwards (the engine would
//   refuse every later event otherwise).
//
// REQUIRES nothing of `ticket`: one whose shape does not fit its own
// workflow (shape_error() in ticket.h) is refused. `target` null is refused.
Result<Ticket> migrate_ticket(const Ticket& ticket, std::shared_ptr<const Workflow> target,
                              const std::map<std::string, std::string>& state_map);

// The due times that moving `before` (on version `from`) to `after` (on
// `to`, as migrate_ticket() made it) changed, for the migration record:
// each clock running on both sides whose next mark is due at another time,
// and each one-shot timer kept armed whose due time moved, in metric order,
// then timer order. With the same rules and another holiday notice, these
// are the deadlines the notice moved (Rebasing::notices names it).
std::vector<Rebasing> rebasings(const Ticket& before, const Version& from, const Ticket& after, const Version& to);

}  // namespace docket::engine
