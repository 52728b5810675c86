// Opening a store for a command: the stored versions compiled again through
// the dsl, and an engine rebuilt from the store (engine/store/recovery.h).

#pragma once

#include <memory>
#include <optional>
#include <string>

#include "engine/model/result.h"
#include "engine/runtime/clock.h"
#include "engine/runtime/engine.h"
#include "engine/store/recovery.h"
#include "engine/store/store.h"

namespace docket::cli {

// Compiles a version's stored sources (recovery's CompileVersion); the error
// holds the diagnostics.
engine::Result<std::shared_ptr<const engine::Workflow>> compile_stored(const engine::StoredVersion& version);

// Opens the store at `location` (a SQLite file or a PostgreSQL URL)
// read-only, for commands that only look. Null after printing why not.
std::unique_ptr<engine::Store> open_store_for_reading(const std::string& location);

}  // namespace docket::cli
