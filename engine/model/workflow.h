// The compiled workflow: everything the engine needs to run tickets through
// one version of the rules, resolved into indices and frozen.
//
// A WorkflowDefinition is plain data: the compiler (dsl/compiler.h) fills
// one, tests may write one by hand. Workflow::build() checks that every index
// in it points somewhere, derives the state graph and the lookup tables the
// engine's hot path uses, and returns an immutable Workflow to share as
// std::shared_ptr<const Workflow>: tickets keep the version they started
// with while new tickets get a newer one.
//
// Indices are dense and in declaration order: field 0 is the first field
// written, transition 0 the first `on`/`auto` of the first state, and so on.
// kNoIndex marks "none" (no calendar: wall-clock time; no target: stays).
//
// Every declaration keeps the position of the rule it came from
// (RulePosition): the workflow itself, fields, calendars, departments, roles,
// categories and their routes, priorities and their limits and escalations,
// classifications and their rules, chains and their levels, approval
// choices, constraints, states, transitions and timers. The journal cites
// them (`rules/x.docket:42`), and the designer's tools (diff, coverage) find
// rules by them without reading the rule text again. A workflow built by
// hand may leave them empty.

#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/expr.h"
#include "engine/model/value.h"

namespace docket::engine {

class StateGraph;  // engine/model/state_graph.h: the Boost.Graph view of the states

using FieldIndex = std::uint32_t;
using CalendarIndex = std::uint32_t;
using DepartmentIndex = std::uint32_t;
using RoleIndex = std::uint32_t;
using CategoryIndex = std::uint32_t;
using PriorityIndex = std::uint32_t;
using MetricIndex = std::uint32_t;  // an SLA clock: first_response, resolve, ...
using ClassificationIndex = std::uint32_t;
using ChainIndex = std::uint32_t;
using StateIndex = std::uint32_t;
using TransitionIndex = std::uint32_t;
using TimerIndex = std::uint32_t;
using GroupIndex = std::uint32_t;
using EventId = std::uint32_t;  // an event name interned by the workflow

inline constexpr std::uint32_t kNoIndex = UINT32_MAX;

// Where a rule was written.
struct RulePosition {
  std::string where;  // "rules/after_sales.docket:42"
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

// ---------------------------------------------------------------- fields

struct Field {
  std::string name;
  std::string label;
  FieldType type = FieldType::kText;
  // kEnum: ordinal -> value, as the rules write it: a name (`high`) or a
  // whole number (`1`). The value is the identity; events, journals and
  // expressions use it. Numbers are listed in increasing order.
  std::vector<std::string> enum_values;
  std::vector<std::string> enum_labels;       // kEnum: ordinal -> label for people, "" when none
  std::optional<CompiledExpr> default_value;  // evaluated when a ticket is created
  bool required = false;
  std::optional<Value> range_min;  // inclusive; both set or both absent
  std::optional<Value> range_max;
  RulePosition position;
};

// ---------------------------------------------------------------- calendars

struct CivilDate {
  int year = 0;
  int month = 0;  // 1-12
  int day = 0;    // 1-31
  friend auto operator<=>(const CivilDate&, const CivilDate&) = default;
};

struct DateRange {
  CivilDate first;
  CivilDate last;  // inclusive; == first for one day
  // The `holidays` declaration (a public notice) the range was taken from;
  // "" when the calendar lists it itself.
  std::string notice;
};

// Working time on one day: [start_minute, end_minute) since local midnight;
// 24:00 is 1440.
struct MinuteSpan {
  int start_minute = 0;
  int end_minute = 0;
  friend bool operator==(const MinuteSpan&, const MinuteSpan&) = default;
};

// Working hours of particular dates; they replace the weekday's hours.
struct DatedHours {
  DateRange dates;
  std::vector<MinuteSpan> spans;  // sorted by start, not overlapping
};

// A length of time as the rules give it: seconds, of the wall clock or of a
// calendar's working time (`4h`, `4h in office`), or whole working days of a
// calendar (`15 workdays in office`: until the close of the 15th working day
// after the day it starts; engine/runtime/calendar.h).
struct Duration {
  std::int64_t seconds = 0;           // when workdays == 0
  std::int64_t workdays = 0;          // > 0: working days of `calendar`
  CalendarIndex calendar = kNoIndex;  // kNoIndex: wall-clock time
  std::string written;                // as the rules wrote it ("24h", "15 workdays"); "" when made up

  bool in_workdays() const { return workdays > 0; }
  bool empty() const { return seconds == 0 && workdays == 0; }
  friend bool operator==(const Duration&, const Duration&) = default;
};

// Business hours as declared. Interpreting them (time zones, adding business
// time) is the calendar runtime's job.
struct Calendar {
  std::string name;
  std::string label;
  std::string zone;                               // IANA name: "Asia/Shanghai"
  std::array<std::vector<MinuteSpan>, 7> weekly;  // [0] is Monday; sorted by start
  std::vector<DateRange> holidays;
  std::vector<DateRange> workdays;  // make-up working days (调休)
  // `hours 2026-12-31 09:00-12:00`: dates worked with hours of their own (a
  // half day, a closed afternoon) instead of their weekday's.
  std::vector<DatedHours> dated_hours;
  RulePosition position;
};

// `holidays NAME ["label"] { ... }`: a public notice of days off and make-up
// working days, which calendars take in with `holidays NAME`. Its dates are
// copied into each calendar that names it (DateRange::notice says whence).
struct HolidayNotice {
  std::string name;
  std::string label;
  std::string source;  // `source "..."`: where the dates were published
  std::vector<DateRange> holidays;
  std::vector<DateRange> workdays;
  RulePosition position;
};

// ---------------------------------------------------------------- organisation

struct Department {
  std::string name;
  std::string label;
  std::vector<RoleIndex> roles;
  RulePosition position;
};

// Role names are global: `supervisor` in two departments is one role held in
// both.
struct Role {
  std::string name;
  std::vector<DepartmentIndex> departments;
  RulePosition position;  // where a department first names it
};

// ---------------------------------------------------------------- actions

enum class ActionKind : std::uint8_t {
  kSet,            // target: field; value (of the field's type)
  kSetPriority,    // value: a priority
  kSetCategory,    // value: a category
  kAssign,         // target: department (kNoIndex when only a role is named); role optional
  kNotify,         // recipient (+ role); text: the message
  kEscalate,       // role
  kRaisePriority,  // one step more urgent
  kEmit,           // target: event
  kRoute,          // by the category's routes
  kClassify,       // target: classification
  kStartClock,     // target: metric
  kStopClock,      // target: metric
  kPauseClock,     // target: metric
  kResumeClock,    // target: metric
  kExtendClock,    // target: metric; length; text: the reason
};

enum class Recipient : std::uint8_t { kCustomer, kRequester, kAssignee, kRole };

struct Action {
  ActionKind kind = ActionKind::kSet;
  std::uint32_t target = kNoIndex;  // meaning by kind, see ActionKind
  RoleIndex role = kNoIndex;
  Recipient recipient = Recipient::kCustomer;
  std::string text;
  std::optional<CompiledExpr> value;
  Duration length;                   // kExtendClock
  FieldIndex from_field = kNoIndex;  // kStartClock: `start M from FIELD`
  RulePosition position;
};

// ---------------------------------------------------------------- categories

struct Route {
  DepartmentIndex department = kNoIndex;
  std::optional<CompiledExpr> condition;  // absent: always
  RulePosition position;
};

struct Category {
  std::string name;
  std::string label;
  std::vector<Route> routes;   // in the order written
  RoleIndex owner = kNoIndex;  // `owner ROLE`: who takes its cases (`by owner`); kNoIndex: none
  RulePosition position;
};

// ---------------------------------------------------------------- priorities

struct TimeLimit {
  MetricIndex metric = kNoIndex;
  Duration length;
  // `from received_at`: the clock starts at the field's time, not when it is
  // started.
  FieldIndex from_field = kNoIndex;
  // `extend M at most N times, up to L`: absent, no cap.
  std::optional<int> max_extensions;
  std::optional<Duration> extended_up_to;  // the longest the limit may become
  RulePosition position;
};

struct Escalation {
  std::optional<double> percent;  // `at 80% of M`; absent: `on breach of M`
  MetricIndex metric = kNoIndex;
  std::optional<CompiledExpr> condition;  // `when`: checked when reached
  std::vector<Action> actions;
  RulePosition position;
};

// One percentage of a `warn at` line, with the line's `when`.
struct Warning {
  double percent = 0;
  std::optional<CompiledExpr> condition;  // checked when reached
  RulePosition position;
};

struct Priority {
  std::string name;
  std::string label;
  std::vector<TimeLimit> limits;
  std::vector<Warning> warnings;  // percentages of every limit, as written
  std::vector<Escalation> escalations;
  RulePosition position;
};

// ---------------------------------------------------------------- classification

enum class ClassifyTarget : std::uint8_t { kPriority, kCategory, kField };

// `P0 when safety_hazard` (condition set) or `P2 otherwise`.
struct ClassifyRule {
  std::optional<CompiledExpr> condition;
  std::uint32_t result = kNoIndex;  // ordinal in the target's domain
  RulePosition position;
};

// One axis of a decision table: an enum field, a bool field, an int field,
// or the ticket's category, priority or state. A value's position along it
// (table_position) is its ordinal, 0 for false and 1 for true, or for an int
// field the index of the value among those the table lists.
struct TableAxis {
  bool is_attribute = false;       // false: a field
  std::uint32_t index = kNoIndex;  // a FieldIndex, or an Attribute
  std::vector<Fixed> numbers;      // an int field: position -> value, as the rows or columns list them
};

// The position of `value` along `axis`; nullopt when it has none (unset, of
// another type, or an int the table does not list).
std::optional<std::uint32_t> table_position(const TableAxis& axis, const Value& value);

// Sets the priority, the category or an enum field, either from a decision
// table over two axes or by the first matching rule.
struct Classification {
  std::string target_name;  // as written: "priority", "category", a field
  ClassifyTarget target = ClassifyTarget::kPriority;
  FieldIndex field = kNoIndex;  // kField only

  // Decision table (row.index != kNoIndex): the result for row ordinal r and
  // column ordinal c is table[r * column_count + c]; kNoIndex: no cell.
  TableAxis row;
  TableAxis column;
  std::uint32_t row_count = 0;
  std::uint32_t column_count = 0;
  std::vector<std::uint32_t> table;

  std::vector<ClassifyRule> rules;  // ordered rules (no table)
  RulePosition position;

  bool is_table() const { return row.index != kNoIndex; }
};

// ---------------------------------------------------------------- approval

enum class Quorum : std::uint8_t { kAny, kAll, kCount };

struct ApprovalLevel {
  std::string name;
  Quorum quorum = Quorum::kAny;
  int count = 1;  // kCount: approvals needed, each by a different person
  std::vector<RoleIndex> roles;
  // `not participants`, `not assignee`: who else may not vote at the level.
  // The proposer never may (four-eyes), whether `not proposer` is written or not.
  bool excludes_participants = false;  // anyone who acted on the plan since it was proposed
  bool excludes_assignee = false;      // whoever holds the role the ticket is assigned to
  Duration within;                     // empty: no time limit
  std::vector<Action> on_timeout;
  RulePosition position;
};

struct Chain {
  std::string name;
  std::string label;
  std::vector<ApprovalLevel> levels;
  // Made by the compiler for a role named directly in an `approval` rule: one
  // level, any holder of the role; its position is where the rule names it.
  bool implicit = false;
  RulePosition position;
};

// One way of choosing a chain; the first that matches, in order, decides.
struct ApprovalChoice {
  PriorityIndex priority = kNoIndex;      // `approval by priority { P0: ... }` row
  std::optional<CompiledExpr> condition;  // `approval when COND: ...`
  ChainIndex chain = kNoIndex;            // kNoIndex: `none`, approved at once
  RulePosition position;
};

// ---------------------------------------------------------------- constraints

// `require condition [when when] "message"`: must hold whenever `when` does.
struct Constraint {
  CompiledExpr condition;
  std::optional<CompiledExpr> when;
  std::string message;
  RulePosition position;
};

// ---------------------------------------------------------------- states

enum class StateKind : std::uint8_t { kInitial, kNormal, kFinal };
const char* to_string(StateKind kind);

struct State {
  std::string name;
  std::string label;
  StateKind kind = StateKind::kNormal;
  bool awaits_approval = false;
  std::vector<MetricIndex> paused_clocks;
  std::vector<Action> on_enter;
  std::vector<Action> on_exit;
  RulePosition position;
};

// `on EVENT ...` (event set) or `auto ...` (event kNoIndex). An `on` without
// a target is a stay: the ticket stays in `from` without leaving it (no exit
// or entry actions, its timers keep running) and only the actions run.
struct Transition {
  StateIndex from = kNoIndex;
  StateIndex to = kNoIndex;  // kNoIndex: stays in `from` (never for `auto`)
  EventId event = kNoIndex;
  std::optional<CompiledExpr> guard;
  std::vector<RoleIndex> roles;  // empty (and not by_owner): anyone
  // `by owner`: the owner of the ticket's category may send it too; nobody
  // through it while the ticket has no category, or the category no owner.
  bool by_owner = false;
  std::vector<Action> actions;
  // `as proposer`: its actor proposes the plan that a later `await approval`
  // state decides on (engine/runtime/engine.h).
  bool proposes = false;
  RulePosition position;
  GroupIndex group = kNoIndex;  // written in this group, for `from` among others; kNoIndex: in the state

  bool automatic() const { return event == kNoIndex; }
  bool stays() const { return to == kNoIndex; }
  // Whether only some senders may fire it (`by`).
  bool restricted() const { return by_owner || !roles.empty(); }
};

// `after D` (one-shot, armed on entry) or `every D` (recurring while there).
struct Timer {
  StateIndex state = kNoIndex;
  bool recurring = false;
  Duration length;
  std::optional<CompiledExpr> guard;
  StateIndex target = kNoIndex;  // kNoIndex: stays in the state
  std::vector<Action> actions;
  RulePosition position;
  GroupIndex group = kNoIndex;  // written in this group; kNoIndex: in the state
};

// `group NAME (STATE, ...) { ... }`: what several states share, written once.
// The compiler copies its items into each of its states, after the state's
// own (transitions and timers with `group` set, paused clocks and entry and
// exit actions merged), so the engine never looks at groups; the designer's
// tools do, to draw and compare them as written.
struct StateGroup {
  std::string name;
  std::string label;
  std::vector<StateIndex> states;  // in state order
  bool every_state = false;        // written `(*)`
  std::vector<MetricIndex> paused_clocks;
  std::vector<Action> on_enter;
  std::vector<Action> on_exit;
  RulePosition position;

  bool contains(StateIndex state) const;
};

// `report { ... }`: what `docket report` counts for this workflow
// (docs/reports.md), by the names the journal writes. An empty name is a
// figure these rules do not measure. The engine never reads it.
struct ReportSettings {
  std::string acceptance_metric;               // whose stop accepts a case
  std::string resolution_metric;               // whose stop resolves a case; or
  std::vector<std::string> resolution_states;  // entering one of them resolves it
  std::string survey_field;                    // where the survey answer is sent
  std::string declined_event;                  // records a declined survey
  std::string type_field;                      // category, priority or an enum or bool field
  RulePosition position;                       // the `report` block
};

// ---------------------------------------------------------------- the whole

// One rule file a workflow was compiled from, kept so that a store can record
// exactly what each version said and recompile it later.
struct WorkflowSource {
  std::string path;  // relative to the main file's folder, '/' separated
  std::string text;
  friend bool operator==(const WorkflowSource&, const WorkflowSource&) = default;
};

struct WorkflowDefinition {
  std::string name;
  std::string label;
  std::string version;     // as written after `version`; may be empty
  std::string version_id;  // compute_version_id() of the sources
  RulePosition position;   // the `workflow` declaration
  // The main file first, then the files it extends; empty for a workflow
  // built by hand (tests).
  std::vector<WorkflowSource> sources;
  // The main file's folder as it was loaded ("rules", "/srv/rules", "" for
  // the current one): rule positions in the journal name files under it.
  std::string source_root;

  std::vector<Field> fields;
  std::vector<HolidayNotice> notices;
  std::vector<Calendar> calendars;  // each with its notices' dates copied in
  std::vector<Department> departments;
  std::vector<Role> roles;
  std::vector<Category> categories;
  std::vector<Priority> priorities;  // most urgent first
  std::vector<std::string> metrics;
  std::vector<Classification> classifications;
  std::vector<Chain> chains;
  std::vector<ApprovalChoice> approvals;
  std::vector<Constraint> constraints;
  std::vector<std::string> events;  // EventId -> name
  std::vector<State> states;
  std::vector<Transition> transitions;  // grouped by state: its own in declaration order, then its groups'
  std::vector<Timer> timers;            // grouped by state: its own in declaration order, then its groups'
  std::vector<StateGroup> groups;
  std::optional<ReportSettings> report;  // the `report` block; nullopt when the rules have none
};

// One rule source, as it takes part in the version id. The compiler names
// each file relative to the main file's folder, so the id does not depend on
// the directory the rules were loaded from.
struct SourceText {
  std::string_view path;
  std::string_view text;
};

// Lowercase hex SHA-256 over every file, in order, each written as
// "<path length>:<path><text length>:<text>" so that no two different lists
// of files hash the same input. Empty only if OpenSSL fails.
std::string compute_version_id(std::span<const SourceText> files);

class Workflow {
 public:
  struct BuildResult {
    std::shared_ptr<const Workflow> workflow;  // null on error
    std::string error;                         // why, when null
  };

  // Checks `definition` (exactly one initial state; every index, including
  // those inside expressions, in range) and freezes it.
  static BuildResult build(WorkflowDefinition definition);

  Workflow(const Workflow&) = delete;
  Workflow& operator=(const Workflow&) = delete;
  ~Workflow();

  const WorkflowDefinition& definition() const { return definition_; }
  const std::string& name() const { return definition_.name; }
  const std::string& label() const { return definition_.label; }
  const std::string& version() const { return definition_.version; }
  const std::string& version_id() const { return definition_.version_id; }
  const RulePosition& position() const { return definition_.position; }
  const std::vector<WorkflowSource>& sources() const { return definition_.sources; }
  const std::string& source_root() const { return definition_.source_root; }
  const std::vector<Field>& fields() const { return definition_.fields; }
  const std::vector<Calendar>& calendars() const { return definition_.calendars; }
  const std::vector<HolidayNotice>& notices() const { return definition_.notices; }
  const std::vector<Department>& departments() const { return definition_.departments; }
  const std::vector<Role>& roles() const { return definition_.roles; }
  const std::vector<Category>& categories() const { return definition_.categories; }
  const std::vector<Priority>& priorities() const { return definition_.priorities; }
  const std::vector<std::string>& metrics() const { return definition_.metrics; }
  const std::vector<Classification>& classifications() const { return definition_.classifications; }
  const std::vector<Chain>& chains() const { return definition_.chains; }
  const std::vector<ApprovalChoice>& approvals() const { return definition_.approvals; }
  const std::vector<Constraint>& constraints() const { return definition_.constraints; }
  const std::vector<std::string>& events() const { return definition_.events; }
  const std::vector<State>& states() const { return definition_.states; }
  const std::vector<Transition>& transitions() const { return definition_.transitions; }
  const std::vector<Timer>& timers() const { return definition_.timers; }
  const std::vector<StateGroup>& groups() const { return definition_.groups; }
  const std::optional<ReportSettings>& report() const { return definition_.report; }

  StateIndex initial_state() const { return initial_state_; }
  bool is_final(StateIndex state) const;

  // Name lookups; nullopt when absent.
  std::optional<EventId> find_event(std::string_view name) const;
  std::optional<FieldIndex> find_field(std::string_view name) const;
  std::optional<StateIndex> find_state(std::string_view name) const;
  std::optional<CategoryIndex> find_category(std::string_view name) const;
  std::optional<PriorityIndex> find_priority(std::string_view name) const;
  std::optional<DepartmentIndex> find_department(std::string_view name) const;
  std::optional<RoleIndex> find_role(std::string_view name) const;
  std::optional<MetricIndex> find_metric(std::string_view name) const;
  std::optional<CalendarIndex> find_calendar(std::string_view name) const;
  std::optional<ChainIndex> find_chain(std::string_view name) const;
  std::optional<ClassificationIndex> find_classification(std::string_view target) const;

  // The hot path. Transitions that `event` may fire from `state`, in the
  // order written (the first enabled one fires); empty when none, or when
  // either index is out of range.
  std::span<const TransitionIndex> candidates(StateIndex state, EventId event) const;
  // `auto` transitions of `state`, in the order written.
  std::span<const TransitionIndex> automatic_transitions(StateIndex state) const;
  // `after` / `every` timers of `state`, in the order written.
  std::span<const TimerIndex> timers_of(StateIndex state) const;
  // Every transition leaving `state` (event and automatic), in order.
  std::span<const TransitionIndex> transitions_from(StateIndex state) const;

  // The states as a Boost.Graph; include engine/model/state_graph.h to use it.
  const StateGraph& graph() const { return *graph_; }

  // Readable forms with names: `angry`, `P0`, `"text"`, `12.5`, `2h`.
  std::string format_value(const Value& value) const;
  // "notify customer \"...\"", "assign tech.engineer", "set x = a * 30%".
  std::string describe(const Action& action) const;
  // "15 workdays in office", "24h", "36h in office": business time in hours,
  // so that it never reads as working days.
  // Without `with_calendar`, the calendar is left out ("15 workdays").
  std::string describe(const Duration& length, bool with_calendar = true) const;
  // A limit without its metric: "15 workdays in office from received_at,
  // extended at most 2 times, up to 60 workdays in office".
  std::string describe(const TimeLimit& limit) const;
  // "missing value of `order_amount`", "division by zero in `a / b`".
  std::string describe(const EvalFailure& failure, const CompiledExpr& expr) const;
  // The `by` of a transition as written: {"engineer", "owner"}; empty when
  // anyone may send it.
  std::vector<std::string> senders(const Transition& transition) const;
  // The owner of `category` (`owner ROLE`); kNoIndex when it has none, or
  // for nullopt (a ticket not classified yet).
  RoleIndex owner_of(std::optional<CategoryIndex> category) const;
  // The roles that may fire `transition` on a ticket of `category`: its `by`
  // roles, then for `by owner` owner_of(category). Empty when
  // transition.restricted() and nobody can.
  std::vector<RoleIndex> roles_allowed(const Transition& transition, std::optional<CategoryIndex> category) const;

 private:
  explicit Workflow(WorkflowDefinition definition);
  void derive_tables();

  WorkflowDefinition definition_;
  StateIndex initial_state_ = kNoIndex;
  std::unique_ptr<const StateGraph> graph_;

  // Compressed rows: the entries for key k are items[offsets[k], offsets[k+1]).
  struct Rows {
    std::vector<std::uint32_t> offsets;
    std::vector<std::uint32_t> items;
    std::span<const std::uint32_t> row(std::size_t key) const;
  };
  // Per state, the events it handles sorted by id, each with the span of its
  // candidates in candidate_items_ (sparse: memory grows with transitions,
  // not with states x events).
  struct EventSpan {
    EventId event;
    std::uint32_t begin;
    std::uint32_t end;
  };
  std::vector<std::uint32_t> event_span_offsets_;  // key: state
  std::vector<EventSpan> event_spans_;
  std::vector<TransitionIndex> candidate_items_;
  Rows automatic_;  // key: state
  Rows timers_;     // key: state
  Rows outgoing_;   // key: state

  // Sorted (name, index) pairs for the lookups called per event.
  std::vector<std::pair<std::string_view, std::uint32_t>> event_index_;
  std::vector<std::pair<std::string_view, std::uint32_t>> field_index_;
};

// The holiday notices that calendar `calendar` takes in, on either version,
// whose dates it takes in differ between `before` and `after` (a notice
// taken in on one version only counts): the notices that moved its
// deadlines. By name, sorted; empty when the calendar is on neither.
std::vector<std::string> changed_notices(const Workflow& before, const Workflow& after, std::string_view calendar);

}  // namespace docket::engine
