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

// How many states `group` takes in, as written (a name listed twice counts twice).
std::size_t member_count(const RuleFile& file, const GroupDecl& group) {
  return group.every_state ? file.states.size() : group.states.size();
}

std::size_t item_count(const GroupDecl& group) {
  return group.transitions.size() + group.timers.size() + group.paused_clocks.size() + group.on_enter.size() +
         group.on_exit.size();
}

// Groups multiply what they hold by the states they take in: bounded before
// anything is copied or compared.
bool check_group_limits(const RuleFile& file, Diagnostics& diagnostics, const WorkflowLimits& limits) {
  if (file.groups.size() > limits.max_groups) {
    report(diagnostics, file.groups[limits.max_groups].name.loc, file.groups.size(), limits.max_groups, "groups",
           "merge groups that take in the same states");
    return false;
  }
  std::size_t copies = 0;
  SourceLoc first_past;
  for (const GroupDecl& group : file.groups) {
    std::size_t before = copies;
    copies += member_count(file, group) * item_count(group);
    if (before <= limits.max_group_copies && copies > limits.max_group_copies) first_past = group.name.loc;
  }
  if (copies <= limits.max_group_copies) return true;
  report(diagnostics, first_past, copies, limits.max_group_copies, "group copies",
         "each item of a group counts once for each state it takes in; split the process into several workflows");
  return false;
}

}  // namespace

bool check_limits(const RuleFile& file, Diagnostics& diagnostics, const WorkflowLimits& limits) {
  bool within = true;
  if (file.states.size() > limits.max_states) {
    report(diagnostics, file.states[limits.max_states].name.loc, file.states.size(), limits.max_states, "states",
           "split the process into several workflows");
    within = false;
  }
  if (!check_group_limits(file, diagnostics, limits)) return false;

  std::size_t transitions = 0;
  SourceLoc first_past;
  for (const StateDecl& state : file.states) {
    for (const Transition& transition : state.transitions) {
      if (++transitions == limits.max_transitions + 1) first_past = transition.loc;
    }
  }
  for (const GroupDecl& group : file.groups) {
    std::size_t before = transitions;
    transitions += member_count(file, group) * group.transitions.size();
    if (before <= limits.max_transitions && transitions > limits.max_transitions) first_past = group.name.loc;
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
