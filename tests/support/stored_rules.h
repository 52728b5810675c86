// Compiling a store's versions in tests, as the command line does
// (cli/store_access.h): dsl::load_sources, check, compile.

#pragma once

#include <memory>

#include "engine/model/result.h"
#include "engine/model/workflow.h"
#include "engine/store/recovery.h"
#include "engine/store/store.h"

namespace docket::testing {

engine::Result<std::shared_ptr<const engine::Workflow>> compile_stored_version(const engine::StoredVersion& version);

}  // namespace docket::testing
