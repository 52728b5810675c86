// The compiler: a checked syntax tree lowered into an engine::Workflow.
//
// Names become indices, expressions become typed stack programs
// (engine/model/expr.h), literals become exact values (numbers as engine::Fixed,
// so `30%` is exactly 0.3), and every declaration keeps its `file:line` and
// column (engine::RulePosition) for the journal and the designer's tools.
// The workflow's version id is the SHA-256 of every source file, in the
// order the SourceSet holds them; positions take no part in it.
//
// The checker is the place that explains mistakes; the compiler only refuses
// to build what it cannot resolve. It never crashes on a tree the checker
// rejected, but its reports there are terse.

#pragma once

#include <memory>

#include "dsl/ast.h"
#include "dsl/diagnostics.h"
#include "dsl/source.h"

namespace docket::engine {
class Workflow;
}

namespace docket::dsl {

// REQUIRES: check(file, ...) reported no errors.
// Returns the compiled workflow, or null after reporting to `diagnostics`
// why not (a name that does not resolve, a type that does not fit, a number
// that cannot be represented exactly: at most four decimal places, or two
// for a percentage).
std::shared_ptr<const engine::Workflow> compile(const RuleFile& file, const SourceSet& sources,
                                                Diagnostics& diagnostics);

// The same when the reasons do not matter: null on any error.
std::shared_ptr<const engine::Workflow> compile(const RuleFile& file, const SourceSet& sources);

}  // namespace docket::dsl
