// The size limits of one workflow, after `extends` has been merged.
//
// A rule file is already bounded in bytes, nesting and name length by the
// parser (ParseLimits, dsl/parser.h); these bound what the checker, the
// compiler and the engine build from it, so that no rule file can make them
// take minutes or gigabytes. Every limit is far above what a real process
// needs (docs/limits.md lists them all, with the reasons for each value).
//
// A workflow over a limit gets one E034 for each limit it exceeds, at the
// first declaration past it, and no other check runs on it: the reports of
// a workflow that size would be noise, and some checks cost more than linear
// time in what they check.

#pragma once

#include <cstddef>

#include "dsl/ast.h"
#include "dsl/diagnostics.h"

namespace docket::dsl {

struct WorkflowLimits {
  // `state` declarations.
  std::size_t max_states = 1000;
  // `on` and `auto` items over all states.
  std::size_t max_transitions = 10000;
  // `on E` items of one state for one event E (or its `auto` items): the
  // checker compares each pair of them to tell whether both can fire (E018).
  std::size_t max_transitions_per_event = 100;
  // `field` declarations, which are the fields of every ticket.
  std::size_t max_fields = 1000;
};

// Reports E034 for every limit `file` exceeds; returns true when it exceeds
// none. check() (dsl/checker.h) calls it first with the defaults.
bool check_limits(const RuleFile& file, Diagnostics& diagnostics, const WorkflowLimits& limits = {});

}  // namespace docket::dsl
