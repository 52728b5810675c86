#include "docket/rules.h"

#include <optional>
#include <utility>

#include "dsl/checker.h"
#include "dsl/compiler.h"
#include "dsl/diagnostics.h"
#include "dsl/loader.h"
#include "dsl/source.h"

namespace docket {
namespace {

dsl::LoadOptions load_options(const RulesOptions& options) {
  dsl::LoadOptions load;
  load.confine_to = options.confine_to;
  return load;
}

Diagnostic public_diagnostic(const dsl::Diagnostic& found, const dsl::SourceSet& sources) {
  Diagnostic diagnostic;
  if (found.loc.known() && found.loc.file < sources.size()) {
    diagnostic.file = sources.path(found.loc.file);
    diagnostic.line = static_cast<int>(found.loc.line);
    diagnostic.column = static_cast<int>(found.loc.column);
  }
  diagnostic.severity = found.severity == dsl::Severity::kError ? Severity::kError : Severity::kWarning;
  diagnostic.code = found.code;
  diagnostic.message = found.message;
  diagnostic.help = found.help;
  return diagnostic;
}

// Checks and compiles what the loader read (nothing when it failed) and
// reports what was found.
Compilation finish(std::optional<dsl::RuleFile> file, const dsl::SourceSet& sources, dsl::Diagnostics& diagnostics) {
  Compilation compilation;
  if (file) {
    dsl::check(*file, diagnostics);
    if (!diagnostics.has_errors()) compilation.workflow = dsl::compile(*file, sources, diagnostics);
  }
  if (diagnostics.has_errors()) compilation.workflow = nullptr;
  diagnostics.sort();
  compilation.diagnostics.reserve(diagnostics.items().size());
  for (const dsl::Diagnostic& found : diagnostics.items()) {
    compilation.diagnostics.push_back(public_diagnostic(found, sources));
  }
  compilation.rendered = dsl::render_text(diagnostics, sources);
  if (!compilation.workflow && compilation.rendered.empty()) {
    compilation.rendered = "docket: error: the rules could not be compiled\n";
  }
  return compilation;
}

engine::Result<LoadedRules> loaded(Compilation compilation) {
  if (!compilation.ok()) return engine::Result<LoadedRules>::failure(std::move(compilation.rendered));
  LoadedRules rules;
  rules.workflow = std::move(compilation.workflow);
  rules.warnings = std::move(compilation.rendered);
  return engine::Result<LoadedRules>::success(std::move(rules));
}

}  // namespace

Compilation compile_file(const std::string& path, const RulesOptions& options) {
  dsl::SourceSet sources;
  dsl::Diagnostics diagnostics;
  std::optional<dsl::RuleFile> file = dsl::load(path, sources, diagnostics, load_options(options));
  return finish(std::move(file), sources, diagnostics);
}

Compilation compile_text(const std::string& name, std::string text, const RulesOptions& options) {
  dsl::SourceSet sources;
  dsl::Diagnostics diagnostics;
  std::optional<dsl::RuleFile> file =
      dsl::load_text(name, std::move(text), sources, diagnostics, load_options(options));
  return finish(std::move(file), sources, diagnostics);
}

engine::Result<LoadedRules> load_rules(const std::string& path) { return loaded(compile_file(path)); }

engine::Result<LoadedRules> load_rules_text(const std::string& name, std::string text) {
  return loaded(compile_text(name, std::move(text)));
}

}  // namespace docket
