// Rule text in a test, loaded, checked and compiled as `docket check` would:
// what the checker reports, or the workflow when it reports no error.

#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dsl/checker.h"
#include "dsl/compiler.h"
#include "dsl/loader.h"

namespace docket::dsl::testing {

// What the checker reports on `text`; a text that does not even load fails
// the test.
inline std::vector<Diagnostic> check_text(std::string text) {
  SourceSet sources;
  Diagnostics load_diagnostics;
  auto file = load_text("test.docket", std::move(text), sources, load_diagnostics);
  if (!file || load_diagnostics.has_errors()) {
    ADD_FAILURE() << "the test text does not load:\n" << render_text(load_diagnostics, sources);
    return {};
  }
  Diagnostics diagnostics;
  check(*file, diagnostics);
  return diagnostics.items();
}

// The workflow of `text`, null (and a failed test) when it has errors.
inline std::shared_ptr<const engine::Workflow> compile_text(std::string text,
                                                            const std::string& name = "rules.docket") {
  SourceSet sources;
  Diagnostics diagnostics;
  std::optional<RuleFile> file = load_text(name, std::move(text), sources, diagnostics);
  if (file) check(*file, diagnostics);
  std::shared_ptr<const engine::Workflow> workflow;
  if (file && !diagnostics.has_errors()) workflow = compile(*file, sources, diagnostics);
  if (!workflow) ADD_FAILURE() << render_text(diagnostics, sources);
  return workflow;
}

}  // namespace docket::dsl::testing
