// Size limits of a workflow (E034): counted over the merged tree, reported
// at the first declaration past the limit.

#include <string>

#include "dsl/limits.h"

namespace docket::dsl {
namespace {

void report(Diagnostics& diagnostics, SourceLoc where, std::size_t count, std::size_t limit, const char* what,
            const char* help) {
  diagnostics.error(
      "E034", where,
      "workflow has " + std::to_string(count) + " " + what + " (limit " + std::to_string(limit) + " " + what + ")",
      help);
}

}  // namespace

bool check_limits(const RuleFile& file, Diagnostics& diagnostics, const WorkflowLimits& limits) {
  bool within = true;
  if (file.states.size() > limits.max_states) {
    report(diagnostics, file.states[limits.max_states].name.loc, file.states.size(), limits.max_states, "states",
           "split the process into several workflows");
    within = false;
  }

  std::size_t transitions = 0;
  SourceLoc first_past;
  for (const StateDecl& state : file.states) {
    for (const Transition& transition : state.transitions) {
      if (++transitions == limits.max_transitions + 1) first_past = transition.loc;
    }
  }
  if (transitions > limits.max_transitions) {
    report(diagnostics, first_past, transitions, limits.max_transitions, "transitions",
           "split the process into several workflows, or merge transitions with `in (...)` guards");
    within = false;
  }

  if (file.fields.size() > limits.max_fields) {
    report(diagnostics, file.fields[limits.max_fields].name.loc, file.fields.size(), limits.max_fields, "fields",
           "keep what no rule reads in the systems that own it; a ticket carries what its rules need");
    within = false;
  }
  return within;
}

}  // namespace docket::dsl
