// Loading rule files for a command: parse, merge `extends`, check, and print
// the diagnostics the way the user asked for them.

#pragma once

#include <optional>
#include <string>

#include "dsl/ast.h"
#include "dsl/diagnostics.h"
#include "dsl/source.h"

namespace docket::cli {

enum class DiagnosticFormat { kText, kJson };

struct LoadedRules {
  dsl::SourceSet sources;
  dsl::Diagnostics diagnostics;
  std::optional<dsl::RuleFile> file;  // set when it parsed; check diagnostics for errors

  bool usable() const { return file.has_value() && !diagnostics.has_errors(); }
};

// Loads and checks `path`. Diagnostics are sorted by position, not printed.
LoadedRules load_and_check(const std::string& path);

// Prints diagnostics to stderr (text) or stdout (json).
void print_diagnostics(const LoadedRules& rules, DiagnosticFormat format);

}  // namespace docket::cli
