// Diagnostics: what docket tells a process designer about a rule file.
//
// Every problem found is collected, not thrown, so one run reports all of
// them. Codes are stable and documented in docs/diagnostics.md.

#pragma once

#include <string>
#include <vector>

#include "dsl/source.h"
#include "engine/model/text.h"

namespace docket::dsl {

enum class Severity { kError, kWarning };

struct Diagnostic {
  Severity severity = Severity::kError;
  std::string code;     // "E010", "W001", ...
  std::string message;  // one line, no trailing period
  SourceLoc loc;
  std::string help;  // optional: how to fix it ("did you mean `tech`?")
};

class Diagnostics {
 public:
  void error(std::string code, SourceLoc loc, std::string message, std::string help = {});
  void warning(std::string code, SourceLoc loc, std::string message, std::string help = {});

  bool has_errors() const { return errors_ > 0; }
  int error_count() const { return errors_; }
  int warning_count() const { return static_cast<int>(items_.size()) - errors_; }
  const std::vector<Diagnostic>& items() const { return items_; }

  // Orders diagnostics by file, line and column (stable for equal positions),
  // so that output follows the text however the checks were run.
  void sort();

 private:
  std::vector<Diagnostic> items_;
  int errors_ = 0;
};

// Renders diagnostics the way compilers do:
//
//   rules/a.docket:12:7: error[E010]: undefined department `tehc`
//      12 | category fault "故障" -> tehc
//         |                          ^~~~
//   help: did you mean `tech`?
std::string render_text(const Diagnostics& diagnostics, const SourceSet& sources);

// Renders diagnostics as one JSON document for editors and CI:
// {"diagnostics":[{"file":..,"line":..,"column":..,"severity":..,"code":..,
//   "message":..,"help":..}],"errors":N,"warnings":N}
std::string render_json(const Diagnostics& diagnostics, const SourceSet& sources);

// The spellchecker of every "did you mean" (engine/model/text.h).
using engine::closest_match;

}  // namespace docket::dsl
