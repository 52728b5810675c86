// Embedding docket: rule files in, a running engine out.
//
//   docket::engine::SystemClock clock;
//   docket::engine::MemoryJournal journal;       // or any JournalSink
//   docket::engine::Engine engine(clock, journal);
//   auto rules = docket::load_rules("rules/after_sales.docket");
//   if (!rules) { std::cerr << rules.error(); return 1; }
//   if (auto installed = engine.install(rules->workflow); !installed) { ... }
//   engine.apply({.ticket = "T-1", .event = "create", .actor = {"zhang", {"intake_specialist"}},
//                 .data = {{"customer", docket::engine::FieldInput::text("C-1001")}, ...}});
//
// This is the one place where the rule language (dsl/) and the engine meet
// for callers: the engine itself never sees the dsl. Loading reads the file
// and every file it `extends`, checks the rules and compiles them; any error
// fails the load with the diagnostics rendered as a compiler would print
// them.

#pragma once

#include <memory>
#include <string>

#include "engine/model/result.h"
#include "engine/model/workflow.h"
#include "engine/runtime/engine.h"

namespace docket {

struct LoadedRules {
  std::shared_ptr<const engine::Workflow> workflow;
  // Warnings (unused declarations and the like), rendered; "" when none.
  std::string warnings;
};

// Loads, checks and compiles the rule file at `path`. The error is the
// rendered diagnostics ("rules/x.docket:12:7: error[E010]: ...").
engine::Result<LoadedRules> load_rules(const std::string& path);

// The same for rule text in memory; `name` is the path used in diagnostics
// and in the journal's rule positions (`name:42`).
engine::Result<LoadedRules> load_rules_text(const std::string& name, std::string text);

}  // namespace docket
