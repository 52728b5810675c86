// Simulation: synthetic load driven through the real engine on a virtual
// clock, to see what the rules do to a month of tickets before they go live.
//
//   engine::Result<Profile> profile = load_profile("november.toml");
//   engine::Result<SimulationReport> report = simulate(workflow, *profile, {});
//   std::cout << render_text(*report);
//
// How a run works. Tickets arrive per arrival stream as a Poisson process
// whose rate follows the hour of the day (local to the profile's start) and
// the weekday. Each ticket is created with the stream's `create` data. When
// a ticket comes to rest in a state the profile describes, one of the
// state's outcomes is drawn (by weight): for a staff state the ticket joins
// the queue of the pool (department, role) that does the work, and when a
// member is free the member works on it for a drawn handling time; for a
// customer state the event simply comes after the drawn response delay. Then
// the outcome's event is applied with its data. In an `await approval` state
// the approvers of the open level vote after the approval delay (distinct
// actor ids, never the requester), approving or, with `reject_share`,
// rejecting. A rejected event is counted (the journal's kRejection record)
// and the stay is tried again with fresh draws, at most `max_attempts` times;
// then the ticket is left where it is. Timers, SLA thresholds and automatic
// transitions are the engine's: the simulation only reacts to where a ticket
// rests. A ticket resting in a state the profile does not describe stays
// there (or waits for the state's timers); those still open at the end are
// reported per state (SimulationReport::undriven), with a warning, since the
// load, not the rules, left them there.
//
// Who does the work (the pool). An outcome's `by` ("role" or
// "department.role"), else the state's `by`, else the rules: the roles the
// state's transitions on that event name, taken in the ticket's routed
// departments (then its assignee's department, then any department holding
// the role). Without roles, the ticket's assignee. Pools the profile's
// [staff] does not list have no limit.
//
// Reproducibility. Every draw comes from SplitMix64 streams seeded from
// (seed, purpose): one per arrival stream for arrival times, one per ticket
// for its `create` data and traits, one per (ticket, state, visit) for a
// stay, one per (ticket, approval vote). None depends on the rules, so two
// rule files given the same profile and seed see the same arrivals and, as
// long as tickets take the same path, the same draws (`--compare`).
// Distributions are sampled by inverse CDF (designer/profile.h: sample()).
// Same workflow + profile + seed: the same report, byte for byte.

#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "designer/profile.h"
#include "designer/simulation_report.h"
#include "engine/model/event.h"
#include "engine/model/result.h"
#include "engine/model/workflow.h"
#include "engine/runtime/journal.h"

namespace docket::designer {

struct SimulationOptions {
  std::optional<std::uint64_t> seed;  // overrides the profile's
  std::optional<int> days;            // overrides the profile's
  // Called now and then with the share of simulated time done, 0..1.
  std::function<void(double)> progress;
  // Also receives every unit of work, before the report sees it, through
  // commit(): a store (engine/store/store.h) keeps the tickets as well as the
  // records, and a unit it refuses stops the run. May be null.
  engine::JournalSink* journal = nullptr;
  // Receives every event the simulation sends (creations, outcomes, votes),
  // in the order the engine applies them, just before it does: replayed in
  // that order (`docket run --until` the report's end) they give the same
  // journal. May be null.
  std::function<void(const engine::Event&)> on_event;
};

// Checks that every name the profile uses exists in `workflow` (states,
// events, fields, departments, roles, chains) and that every state it
// describes can be driven. Errors are lines "profile.toml:LINE:COL: message".
engine::Status check_profile(const Profile& profile, const engine::Workflow& workflow);

// Runs the profile's load through `workflow`. Fails when check_profile()
// does, or when the engine refuses to install the workflow.
engine::Result<SimulationReport> simulate(std::shared_ptr<const engine::Workflow> workflow, const Profile& profile,
                                          const SimulationOptions& options);

}  // namespace docket::designer
