#include "docket/store.h"

#include <optional>
#include <string>
#include <utility>

#include "dsl/checker.h"
#include "dsl/compiler.h"
#include "dsl/diagnostics.h"
#include "dsl/loader.h"
#include "dsl/source.h"

namespace docket {

Result<std::shared_ptr<const Workflow>> compile_version(const StoredVersion& version) {
  using R = Result<std::shared_ptr<const Workflow>>;
  dsl::SourceSet sources;
  dsl::Diagnostics diagnostics;
  std::optional<dsl::RuleFile> file = dsl::load_sources(version.sources, version.source_root, sources, diagnostics);
  if (file) dsl::check(*file, diagnostics);
  std::shared_ptr<const Workflow> workflow;
  if (file && !diagnostics.has_errors()) workflow = dsl::compile(*file, sources, diagnostics);
  if (!workflow) {
    diagnostics.sort();
    std::string text = dsl::render_text(diagnostics, sources);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    // recover() puts the error after "... does not compile: ".
    return R::failure(text.empty() ? std::string("it does not compile") : "\n" + text);
  }
  return R::success(std::move(workflow));
}

Result<Recovered> recover(Engine& engine, Store& store) {
  return docket::engine::recover(engine, store, compile_version);
}

}  // namespace docket
