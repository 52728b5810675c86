// What an actor may do to a ticket now, as the console offers it: the
// events whose transitions leave the ticket's state and whose `by` the
// actor satisfies (scoped to the ticket's departments), and the votes of an
// approval the actor may cast. The engine decides when the event arrives;
// this only says what is worth offering, so it does not evaluate guards: a
// guard is shown as written, and the fields it and the transition's actions
// read are suggested.

#pragma once

#include <string>
#include <vector>

#include "engine/model/event.h"
#include "engine/model/workflow.h"
#include "engine/runtime/ticket.h"

namespace docket::server {

struct OfferedEvent {
  std::string event;
  std::string to;  // the first candidate's target; "" when it stays
  std::string to_label;
  std::vector<std::string> guards;  // each candidate's `when`, as written, in order; none when one has no guard
  std::string rule;                 // where the first candidate is written ("rules/x.docket:12:3")
  // Read by a guard or by the actions (a classification, a value set), or
  // required and unset: what the sender is likely to send with it.
  std::vector<engine::FieldIndex> suggested;
};

// The events `actor` may send to `ticket` now, in the order the rules write
// them; `approve` and `reject` when an approval awaits a vote the actor may cast.
std::vector<OfferedEvent> offered_events(const engine::Workflow& workflow, const engine::Ticket& ticket,
                                         const engine::Actor& actor);

// The configured `people` whose vote would count on the ticket's approval
// now (none when it awaits none).
std::vector<std::string> eligible_voters(const engine::Workflow& workflow, const engine::Ticket& ticket,
                                         const std::vector<engine::Actor>& people);

}  // namespace docket::server
