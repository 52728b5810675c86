#include "cli/store_access.h"

#include <filesystem>

#include "cli/output.h"
#include "dsl/checker.h"
#include "dsl/compiler.h"
#include "dsl/loader.h"

namespace docket::cli {

engine::Result<std::shared_ptr<const engine::Workflow>> compile_stored(const engine::StoredVersion& version) {
  using R = engine::Result<std::shared_ptr<const engine::Workflow>>;
  dsl::SourceSet sources;
  dsl::Diagnostics diagnostics;
  std::optional<dsl::RuleFile> file = dsl::load_sources(version.sources, version.source_root, sources, diagnostics);
  if (file) dsl::check(*file, diagnostics);
  std::shared_ptr<const engine::Workflow> workflow;
  if (file && !diagnostics.has_errors()) workflow = dsl::compile(*file, sources, diagnostics);
  if (!workflow) {
    diagnostics.sort();
    std::string text = dsl::render_text(diagnostics, sources);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return R::failure(text.empty() ? std::string("it does not compile") : "\n" + text);
  }
  return R::success(std::move(workflow));
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
