// What a new version of a workflow changes against an old one
// (`docket diff OLD NEW`), for process designers reviewing a rule change.
//
// Everything is compared by NAME, never by index: fields, calendars,
// departments, categories, priorities, chains and states by their names;
// time limits by metric; approval levels by level name; approval choices by
// priority (or by condition text for `approval when`); constraints by their
// message; classifications by what they set; groups by name (the states
// they take in, by name); the `report` block item by item. Transitions are keyed by their
// state, their event (or `auto`) and their position among the transitions
// with the same state and event: the second `on proposed` of `proposing`
// is compared with the second `on proposed` of `proposing` in the other
// version. Timers likewise by state, `after`/`every` and position. A group's
// transitions and timers are compared in each state it takes in, as the
// engine runs them (marked `(group NAME)`): a state added to a group shows
// what it gains there.
//
// Values read like the rules: durations `4h`, `1h30m`, `72h`; guards as their rule
// text; actions as engine::Workflow::describe writes them.
//
// Each change cites the rule it comes from: in the new version for added and
// changed rules, in the old one for removed rules, by the position the
// compiled workflow keeps for every declaration (engine::RulePosition; the
// rule text is never read again). A rule inherited through `extends` cites
// the base file, an `override` the file that overrides. A workflow built by
// hand without positions leaves them empty.
//
// The result is deterministic: the same two workflows give the same list, in
// the same order (by section, then in declaration order of the new version,
// then removals in declaration order of the old one).

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/model/workflow.h"

namespace docket::designer {

enum class ChangeKind : std::uint8_t { kAdded, kChanged, kRemoved };

// "added", "changed", "removed".
const char* to_string(ChangeKind kind);

// The groups of a report, in report order.
enum class DiffSection : std::uint8_t {
  kWorkflow,
  kFields,
  kCalendars,
  kDepartments,
  kCategories,
  kPriorities,
  kClassifications,
  kChains,
  kApprovals,
  kConstraints,
  kStates,
  kGroups,
  kTransitions,
  kTimers,
  kReport,  // the `report` block: what `docket report` counts
};

// "workflow", "fields", ..., "timers", "report".
const char* to_string(DiffSection section);

struct Change {
  ChangeKind kind = ChangeKind::kChanged;
  DiffSection section = DiffSection::kWorkflow;
  // The rule, named: "priority P1", "state onsite_visit",
  // "transition proposing on proposed #2", "timer registering after #1".
  std::string subject;
  // Which part of it: "resolve", "guard", "value fax"; empty when the change
  // concerns the subject as a whole.
  std::string aspect;
  // Readable forms: the old one is empty for additions, the new one for
  // removals. "24h", "head_signoff", "score >= 4", "none".
  std::string before;
  std::string after;
  // "rules/after_sales.docket:112"; empty when unknown.
  std::string where;

  friend bool operator==(const Change&, const Change&) = default;
};

struct ChangeCounts {
  std::size_t added = 0;
  std::size_t changed = 0;
  std::size_t removed = 0;
  std::size_t total() const { return added + changed + removed; }
};

// Every difference between the two versions; empty when they say the same
// (comments, blank lines and declaration order of named rules aside).
std::vector<Change> diff_workflows(const engine::Workflow& old_workflow, const engine::Workflow& new_workflow);

ChangeCounts count_changes(const std::vector<Change>& changes);

// One line per change, grouped under a line naming the section, and a
// summary line at the end:
//
//   priorities
//     ~ priority P1: resolve 24h -> 12h  (rules/new.docket:112)
//   states
//     + state onsite_visit: "上门服务"  (rules/new.docket:230)
//   2 changes: +1 ~1 -0
std::string render_diff_text(const std::vector<Change>& changes);

// {"changes":[{"kind":"changed","section":"priorities","subject":"priority P1",
//   "aspect":"resolve","before":"24h","after":"12h","where":"..."}],
//  "summary":{"total":1,"added":0,"changed":1,"removed":0}}
std::string render_diff_json(const std::vector<Change>& changes);

}  // namespace docket::designer
