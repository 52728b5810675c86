// The engine: tickets driven through compiled workflows.
//
//   docket::VirtualClock clock(start);        // live use: docket::SystemClock
//   docket::MemoryJournal journal;            // any JournalSink: docket/journal.h, docket/store.h
//   docket::Engine engine(clock, journal);
//   if (docket::Status installed = engine.install(rules.workflow); !installed) fail(installed.error());
//   docket::Result<docket::Outcome> outcome = engine.apply(event);   // docket/events.h
//   engine.advance();                         // fires what is due by clock.now()
//
// The names below are the engine's public API, brought into namespace docket
// from docket::engine, where engine/runtime/engine.h documents every rule of
// evaluation (order of actions, approvals, SLA clocks, timers) in full. The
// contracts a caller relies on:
//
// - Threads. An Engine is driven by one thread at a time; it has no thread of
//   its own. The clock and the journal passed to the constructor must outlive
//   it. Compiled workflows may be shared between engines and threads.
// - Time. Instants are std::int64_t seconds since 1970-01-01T00:00:00Z. An
//   event without `at` happens at the clock's now(). Items fall due (timers,
//   SLA thresholds, approval time limits) only when the engine is told: in
//   apply(), for everything due up to the event's time, and in advance() and
//   advance_to(). Call advance() when next_due() has come (next_due() is
//   kNever when nothing is due).
// - Units of work. An event, with everything it sets off, and each due item
//   run to completion or not at all. The engine hands the unit's records to
//   the journal before it changes the ticket.
// - Rejections and errors. An event the rules refuse is an Outcome with
//   accepted == false and a reason (and a rejection record in the journal),
//   not an error. A Result or Status that is not ok() means the call itself
//   failed: for apply() and advance(), the journal refused to write, and
//   nothing was applied (the same event may be sent again).
// - Versions. install() makes a workflow the version that new tickets of its
//   name start on; tickets already open keep the version they started on for
//   their whole life.
// - Pointers. Engine::find() returns a ticket that stays valid until the next
//   apply(), advance() or advance_to().

#pragma once

#include "engine/model/result.h"
#include "engine/model/workflow.h"
#include "engine/runtime/clock.h"
#include "engine/runtime/engine.h"
#include "engine/runtime/engine_options.h"
#include "engine/runtime/ticket.h"

namespace docket {

// Result<T> holds a value or a one-line error; Status the same without a
// value. ok() (or the bool conversion) tells which; value() REQUIRES ok().
using engine::Result;
using engine::Status;

// A compiled workflow (docket/rules.h loads one). Immutable.
using engine::Workflow;

// Where the engine takes "now" from. Both clocks never go backwards.
using engine::Clock;
using engine::SystemClock;   // the machine's time, whole seconds
using engine::VirtualClock;  // moves only when told: tests, replays, simulations

using engine::Engine;
using engine::EngineOptions;  // limits per unit and per ticket; when SLA clocks start
using engine::kNever;         // Engine::next_due() when nothing is due
using engine::Outcome;        // what became of one event
using engine::Ticket;         // a ticket's state, fields, clocks and timers, as Engine::find() shows it

}  // namespace docket
