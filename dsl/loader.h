// The loader: a rule file and the files it extends, merged into one tree.
//
// `extends "base.docket"` makes the base's declarations the starting point;
// the extending file adds declarations and replaces whole ones with
// `override`. The loader reads files, follows the chain (relative to each
// file), rejects cycles and merges; checks on names come later.
//
// Rule files may come from people who must not read the machine's files (the
// HTTP API of `docket serve`): LoadOptions::confine_to keeps every file the
// loader reads inside one directory.

#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dsl/ast.h"
#include "dsl/diagnostics.h"
#include "dsl/parser.h"
#include "dsl/source.h"
#include "engine/model/workflow.h"

namespace docket::dsl {

struct LoadOptions {
  ParseLimits limits;
  int max_extends_depth = 16;

  // Empty: a rule file may extend any file the process can read (the command
  // line, where the user names the files). Otherwise a directory, and every
  // file that load() and load_text() read must lie inside it, in a folder at
  // any depth below it:
  //  - an `extends` with an absolute path, or whose path leaves the directory
  //    once `.` and `..` are applied, or that resolves outside it through a
  //    symbolic link (a link that cannot be followed counts as outside), is
  //    refused with E035 at the `extends`, before the file is opened or even
  //    looked at: the diagnostic names the path as written and nothing of
  //    the file, not even whether it exists;
  //  - the main file of load() is refused the same way when it resolves
  //    outside (a symbolic link in the directory pointing elsewhere);
  //  - load_text() resolves a relative `extends` of the text against this
  //    directory instead of the current directory.
  // A relative value is taken relative to the current directory. The check
  // runs before each file is opened; it does not guard against the files
  // being replaced meanwhile by someone who can write to the directory.
  // load_sources() reads no file and ignores it.
  std::string confine_to;
};

// Reads `path` and everything it extends into `sources`, merges them and
// returns the result; nullopt when a file cannot be read or parsed (reported
// to `diagnostics`). Declarations without `override` that repeat a base
// declaration are kept twice, so the checker reports them as duplicates.
std::optional<RuleFile> load(const std::string& path, SourceSet& sources, Diagnostics& diagnostics,
                             const LoadOptions& options = {});

// The same for text already in memory (tests, the HTTP API). `extends` paths
// are resolved against options.confine_to when it is set, otherwise against
// the current directory. `name` names the text in diagnostics; when confined,
// as a file of that directory (confine_to/name), so that the version it
// compiles to keeps its sources as one saved there would.
std::optional<RuleFile> load_text(const std::string& name, std::string text, SourceSet& sources,
                                  Diagnostics& diagnostics, const LoadOptions& options = {});

// The same for rule files held in memory, such as the sources a store kept
// for a workflow version (engine::Workflow::sources()): the first is the main
// file, and `extends` resolves among the others by their relative paths, as
// it did on disk. They are named as if they lay under `root` (the version's
// source_root()), so a compiled result has the same version id and the same
// rule positions as the original.
std::optional<RuleFile> load_sources(const std::vector<engine::WorkflowSource>& files, const std::string& root,
                                     SourceSet& sources, Diagnostics& diagnostics, const LoadOptions& options = {});

}  // namespace docket::dsl
