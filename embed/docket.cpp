#include "embed/docket.h"

#include <optional>
#include <utility>

#include "dsl/checker.h"
#include "dsl/compiler.h"
#include "dsl/diagnostics.h"
#include "dsl/loader.h"
#include "dsl/source.h"

namespace docket {
namespace {

engine::Result<LoadedRules> finish(std::optional<dsl::RuleFile> file, const dsl::SourceSet& sources,
                                   dsl::Diagnostics& diagnostics) {
  std::shared_ptr<const engine::Workflow> workflow;
  if (file) {
    dsl::check(*file, diagnostics);
    if (!diagnostics.has_errors()) workflow = dsl::compile(*file, sources, diagnostics);
  }
  diagnostics.sort();
  if (!workflow || diagnostics.has_errors()) {
    std::string text = dsl::render_text(diagnostics, sources);
    if (text.empty()) text = "the rules could not be compiled";
    return engine::Result<LoadedRules>::failure(std::move(text));
  }
  LoadedRules loaded;
  loaded.workflow = std::move(workflow);
  if (diagnostics.warning_count() > 0) loaded.warnings = dsl::render_text(diagnostics, sources);
  return engine::Result<LoadedRules>::success(std::move(loaded));
}

}  // namespace

engine::Result<LoadedRules> load_rules(const std::string& path) {
  dsl::SourceSet sources;
  dsl::Diagnostics diagnostics;
  std::optional<dsl::RuleFile> file = dsl::load(path, sources, diagnostics);
  return finish(std::move(file), sources, diagnostics);
}

engine::Result<LoadedRules> load_rules_text(const std::string& name, std::string text) {
  dsl::SourceSet sources;
  dsl::Diagnostics diagnostics;
  std::optional<dsl::RuleFile> file = dsl::load_text(name, std::move(text), sources, diagnostics);
  return finish(std::move(file), sources, diagnostics);
}

}  // namespace docket
