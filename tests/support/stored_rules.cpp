#include "tests/support/stored_rules.h"

#include "dsl/checker.h"
#include "dsl/compiler.h"
#include "dsl/loader.h"

namespace docket::testing {

engine::Result<std::shared_ptr<const engine::Workflow>> compile_stored_version(const engine::StoredVersion& version) {
  using R = engine::Result<std::shared_ptr<const engine::Workflow>>;
  dsl::SourceSet sources;
  dsl::Diagnostics diagnostics;
  auto file = dsl::load_sources(version.sources, version.source_root, sources, diagnostics);
  if (file) dsl::check(*file, diagnostics);
  std::shared_ptr<const engine::Workflow> workflow;
  if (file && !diagnostics.has_errors()) workflow = dsl::compile(*file, sources, diagnostics);
  if (!workflow) return R::failure(dsl::render_text(diagnostics, sources));
  return R::success(std::move(workflow));
}

}  // namespace docket::testing
