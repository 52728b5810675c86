// The checker: everything a compiler would tell a designer about a workflow
// that parsed, reported all at once (codes E010-E033, W001-W004).

#pragma once

#include "dsl/ast.h"
#include "dsl/diagnostics.h"
#include "dsl/limits.h"

namespace docket::dsl {

// Reports every semantic problem in `file` (already merged by the loader),
// within `limits`. The workflow may be compiled only when no error was
// reported.
void check(const RuleFile& file, Diagnostics& diagnostics, const WorkflowLimits& limits = {});

}  // namespace docket::dsl
