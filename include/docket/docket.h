// docket as a library: workflow rules written in the rule language, compiled
// and run by the engine inside another program.
//
//   #include <docket/docket.h>
//
//   docket::Compilation rules = docket::compile_file("rules/after_sales.docket");
//   if (!rules.ok()) { std::cerr << rules.rendered; return 1; }
//   docket::SystemClock clock;
//   docket::MemoryJournal journal;
//   docket::Engine engine(clock, journal);
//   if (docket::Status installed = engine.install(rules.workflow); !installed) { ... }
//   docket::Result<docket::Outcome> outcome = engine.apply(
//       {.ticket = "T-1", .event = "create", .actor = {"zhang", {"intake_specialist"}},
//        .data = {{"customer", docket::FieldInput::text("C-1001")}}});
//
// The public API is this header and the ones it includes, one for each part:
//
//   docket/rules.h    loading rule files or text, with structured diagnostics
//   docket/engine.h   the engine, clocks, results
//   docket/events.h   events and their data; events from JSON lines
//   docket/journal.h  journal records and sinks: in memory, JSON lines and
//                     console lines through spdlog, or one's own
//   docket/store.h    the SQLite store, and an engine recovered from it
//
// Each brings the names it makes public into namespace docket and states the
// contracts callers rely on. The engine's own headers (engine/...), which
// these include, document every detail; a name they declare that is not
// brought into namespace docket here may change between versions.
//
// Failures are values, not exceptions: Result<T> and Status at the engine's
// borders, Compilation with its diagnostics for rules.
//
// Building against an installed docket: `find_package(docket)` and link
// `docket::docket` (CMake), or `pkg-config --cflags --libs docket`; compile
// as C++20. docs/embedding.md describes both.

#pragma once

#include "docket/engine.h"
#include "docket/events.h"
#include "docket/journal.h"
#include "docket/rules.h"
#include "docket/store.h"
