// Recovery: an engine rebuilt from a store after a crash or a restart.
//
//   Result<Recovered> recovered = recover(engine, store, compile);
//   engine.install(current_rules);   // new tickets start on these
//
// Every version the store kept is compiled again from its stored sources
// (by `compile`, which the caller supplies: the engine never parses rules)
// and must produce the very version id it was stored under, so a store
// whose sources were edited is refused. Every ticket is restored from its
// snapshot onto its own version with its idempotency keys; its SLA clocks,
// timers and approval limits are scheduled again exactly as they were, so
// anything that fell due while the process was down fires on the next
// advance, in order. The journal continues after the store's last seq.

#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "engine/model/result.h"
#include "engine/model/workflow.h"
#include "engine/runtime/engine.h"
#include "engine/store/store.h"

namespace docket::engine {

// Compiles a stored version's sources; an error says why not.
using CompileVersion = std::function<Result<std::shared_ptr<const Workflow>>(const StoredVersion& version)>;

// Compiled versions by version id.
using CompiledVersions = std::map<std::string, std::shared_ptr<const Workflow>, std::less<>>;

struct Recovered {
  // Every stored version, compiled, by version id.
  CompiledVersions versions;
  std::size_t tickets = 0;
  std::uint64_t last_seq = 0;
};

// REQUIRES: `engine` has no tickets and has written nothing yet.
Result<Recovered> recover(Engine& engine, Store& store, const CompileVersion& compile);

// The stored versions compiled, by version id, each checked against its id.
Result<CompiledVersions> compile_versions(Store& store, const CompileVersion& compile);

// Brings `engine` up to what other engines sharing `store` wrote
// (Store::changes(), Store::lock_for_write()): every changed ticket
// replaces the engine's copy, and the journal continues after the store's
// head. Versions not in `versions` yet are compiled from the store and
// added. Returns the workflows a deploy elsewhere made current (installed
// in `engine` already), empty when there was none.
Result<std::vector<std::shared_ptr<const Workflow>>> catch_up(Engine& engine, Store& store, const StoreChanges& changes,
                                                              CompiledVersions& versions,
                                                              const CompileVersion& compile);

}  // namespace docket::engine
