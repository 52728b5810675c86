// Compiling a store's versions in tests, as the command line does
// (cli/store_access.h): dsl::load_sources, check, compile.

#pragma once

#include <memory>

#include "engine/recovery.h"
#include "engine/result.h"
#include "engine/store.h"
#include "engine/workflow.h"

namespace docket::testing {

engine::Result<std::shared_ptr<const engine::Workflow>> compile_stored_version(const engine::StoredVersion& version);

}  // namespace docket::testing
