// The loader: a rule file and the files it extends, merged into one tree.
//
// `extends "base.docket"` makes the base's declarations the starting point;
// the extending file adds declarations and replaces whole ones with
// `override`. The loader reads files, follows the chain (relative to each
// file), rejects cycles and merges; checks on names come later.

#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dsl/ast.h"
#include "dsl/diagnostics.h"
#include "dsl/parser.h"
#include "dsl/source.h"
#include "engine/workflow.h"

namespace docket::dsl {

struct LoadOptions {
  ParseLimits limits;
  int max_extends_depth = 16;
};

// Reads `path` and everything it extends into `sources`, merges them and
// returns the result; nullopt when a file cannot be read or parsed (reported
// to `diagnostics`). Declarations without `override` that repeat a base
// declaration are kept twice, so the checker reports them as duplicates.
std::optional<RuleFile> load(const std::string& path, SourceSet& sources, Diagnostics& diagnostics,
                             const LoadOptions& options = {});

// The same for text already in memory (tests, the HTTP API). `extends` paths
// are resolved against the current directory.
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
