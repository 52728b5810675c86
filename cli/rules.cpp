#include "cli/rules.h"

#include <iostream>

#include "dsl/checker.h"
#include "dsl/loader.h"

namespace docket::cli {

LoadedRules load_and_check(const std::string& path) {
  LoadedRules rules;
  rules.file = dsl::load(path, rules.sources, rules.diagnostics);
  if (rules.file) dsl::check(*rules.file, rules.diagnostics);
  rules.diagnostics.sort();
  return rules;
}

void print_diagnostics(const LoadedRules& rules, DiagnosticFormat format) {
  if (format == DiagnosticFormat::kJson) {
    std::cout << dsl::render_json(rules.diagnostics, rules.sources);
  } else {
    std::cerr << dsl::render_text(rules.diagnostics, rules.sources);
  }
}

}  // namespace docket::cli
