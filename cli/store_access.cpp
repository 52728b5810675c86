#include "cli/store_access.h"

#include <filesystem>

#include "cli/output.h"
#include "docket/store.h"

namespace docket::cli {

engine::Result<std::shared_ptr<const engine::Workflow>> compile_stored(const engine::StoredVersion& version) {
  return docket::compile_version(version);
}

std::unique_ptr<engine::SqliteStore> open_store_for_reading(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    print_error(path + ": no such store");
    return nullptr;
  }
  engine::SqliteStoreOptions options;
  options.read_only = true;
  auto store = engine::SqliteStore::open(path, std::move(options));
  if (!store) {
    print_error(store.error());
    return nullptr;
  }
  return std::move(store).value();
}

}  // namespace docket::cli
