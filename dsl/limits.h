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
// a workflow that size would be noise. The checks that cost more than linear
// time share a budget of work instead (max_comparison_steps).

#pragma once

#include <cstddef>

#include "dsl/ast.h"
#include "dsl/diagnostics.h"

namespace docket::dsl {

struct WorkflowLimits {
  // `state` declarations.
  std::size_t max_states = 1000;
  // `on` and `auto` items over all states, a group's once for each state it
  // takes in.
  std::size_t max_transitions = 10000;
  // Steps of work the checker may spend comparing the rules of first-match
  // lists with the rules before them (transitions of one state on one
  // event, classification rules, approval rules: E018, E039, W006), which
  // costs more than linear time. Past it those comparisons stop, with one
  // W007 where they stopped; the file is otherwise checked as usual.
  std::size_t max_comparison_steps = 4'000'000;
  // `group` declarations.
  std::size_t max_groups = 1000;
  // What groups copy into states: each item of a group (transition, timer,
  // paused clock, entry or exit action) once for each state it takes in.
  std::size_t max_group_copies = 10000;
  // `field` declarations, which are the fields of every ticket.
  std::size_t max_fields = 1000;
};

// Reports E034 for every limit `file` exceeds; returns true when it exceeds
// none. check() (dsl/checker.h) calls it first.
bool check_limits(const RuleFile& file, Diagnostics& diagnostics, const WorkflowLimits& limits = {});

}  // namespace docket::dsl
