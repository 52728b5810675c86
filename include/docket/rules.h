// Loading rules: a rule file, and every file it `extends`, read, checked and
// compiled into a workflow the engine can run.
//
//   docket::Compilation rules = docket::compile_file("rules/after_sales.docket");
//   for (const docket::Diagnostic& d : rules.diagnostics) {
//     show(d.file, d.line, d.column, d.code, d.message);   // errors and warnings
//   }
//   if (!rules.ok()) {
//     std::cerr << rules.rendered;                          // as `docket check` prints them
//     return 1;
//   }
//   engine.install(rules.workflow);                         // docket/engine.h
//
// Every problem is reported at once, the way a compiler reports them: a
// syntax error stops the parse of its file, but the semantic checks all run
// and all report. Diagnostic codes are stable and documented, with a fix for
// each, in docs/diagnostics.md.
//
// A compiled workflow is immutable and shared (std::shared_ptr<const
// Workflow>): several engines, and several threads, may use one. Its version
// id is the SHA-256 of every source file that went into it, so compiling the
// same files again gives the same version.
//
// Thread safety: the functions of this header keep no state between calls;
// several threads may load rules at once.

#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "engine/model/result.h"
#include "engine/model/workflow.h"

namespace docket {

enum class Severity {
  kError,    // the rules cannot be used
  kWarning,  // the rules can be used, but something looks wrong (an unused declaration, ...)
};

// One problem found in the rules.
struct Diagnostic {
  // The path of the file as the rules name it: the path given to
  // compile_file(), the `name` given to compile_text(), or a path an
  // `extends` led to. "" when the problem is in no file.
  std::string file;
  // The position of the problem: 1-based line, and 1-based column counted in
  // bytes. 0 when the problem has no position in the file (a file that
  // cannot be read).
  int line = 0;
  int column = 0;
  Severity severity = Severity::kError;
  std::string code;     // "E010", "W001": stable, see docs/diagnostics.md
  std::string message;  // one line, no trailing period
  std::string help;     // how to fix it ("did you mean `tech`?"); "" when there is no hint
};

struct RulesOptions {
  // Empty (the default): a rule file may extend any file the process can
  // read. Otherwise a directory: every file read, the main file and every
  // `extends`, must lie inside it (after `..` and symbolic links are
  // resolved), or the load fails with E035 before the file is opened. Set it
  // when the rules come from people who must not read the machine's files.
  // compile_text() then also resolves a relative `extends` against it.
  std::string confine_to;
};

// What loading found: the workflow, or why there is none.
struct Compilation {
  // The compiled workflow; null when any error was found.
  std::shared_ptr<const engine::Workflow> workflow;
  // Every error and warning, ordered by file (in the order the files were
  // read: the main file first, then the files it extends), line and column;
  // problems in no file come last.
  std::vector<Diagnostic> diagnostics;
  // The diagnostics as `docket check` prints them: one
  // "file:line:column: severity[code]: message" line each, followed by the
  // source line with a caret under the position and the help. "" when there
  // are no diagnostics; never "" when !ok().
  std::string rendered;

  // The rules compiled; warnings may have been found.
  bool ok() const { return workflow != nullptr; }
  std::size_t error_count() const { return count(Severity::kError); }
  std::size_t warning_count() const { return count(Severity::kWarning); }

 private:
  std::size_t count(Severity severity) const {
    std::size_t n = 0;
    for (const Diagnostic& diagnostic : diagnostics) n += diagnostic.severity == severity ? 1 : 0;
    return n;
  }
};

// Reads the rule file at `path` and every file it extends (relative paths
// resolved against the extending file's directory), checks and compiles
// them. A file that cannot be read is a diagnostic, not an exception.
// `path` appears as written in diagnostics and in the journal's rule
// positions (`rules/after_sales.docket:42`), so a relative path keeps
// journals independent of where the rules were installed.
Compilation compile_file(const std::string& path, const RulesOptions& options = {});

// The same for rule text held in memory. `name` stands for the file's path
// in diagnostics and rule positions. A relative `extends` is resolved against
// options.confine_to when set, otherwise against the current directory.
Compilation compile_text(const std::string& name, std::string text, const RulesOptions& options = {});

// The short form, for callers that need only the workflow, or the reason as
// text.
struct LoadedRules {
  std::shared_ptr<const engine::Workflow> workflow;  // never null
  // The warnings, rendered as in Compilation::rendered; "" when none.
  std::string warnings;
};

// compile_file() with the default options. On failure the error is
// Compilation::rendered ("rules/x.docket:12:7: error[E010]: ...").
engine::Result<LoadedRules> load_rules(const std::string& path);

// compile_text() with the default options, as load_rules().
engine::Result<LoadedRules> load_rules_text(const std::string& name, std::string text);

}  // namespace docket
