#include "cli/store_access.h"

#include <filesystem>

#include "cli/output.h"
#include "docket/store.h"
#include "engine/store/open_store.h"

namespace docket::cli {

engine::Result<std::shared_ptr<const engine::Workflow>> compile_stored(const engine::StoredVersion& version) {
  return docket::compile_version(version);
}

std::unique_ptr<engine::Store> open_store_for_reading(const std::string& location) {
  std::error_code error;
  if (!engine::is_postgres_url(location) && !std::filesystem::is_regular_file(location, error)) {
    print_error(location + ": no such store");
    return nullptr;
  }
  auto store = engine::open_store_for_reading(location);
  if (!store) {
    print_error(store.error());
    return nullptr;
  }
  return std::move(store).value();
}

}  // namespace docket::cli
