// The syntax tree of a rule file: what the designer wrote, with positions.
//
// The parser fills it, the loader merges `extends` chains into one, the
// checker reports what is wrong with it, and the compiler lowers it into an
// engine::Workflow. Nothing here is resolved or type-checked yet: a Name is
// just the text that was written and where.
//
// Durations are whole seconds or whole working days (Length). Percentages keep the number written (`80%` is
// 80.0). Dates are civil dates in the calendar's own zone.

#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/source.h"

namespace docket::dsl {

struct Name {
  std::string text;
  SourceLoc loc;

  bool empty() const { return text.empty(); }
};

// ---------------------------------------------------------------- expressions

enum class UnaryOp { kNot, kNegate };
enum class BinaryOp { kOr, kAnd, kEq, kNe, kLt, kLe, kGt, kGe, kAdd, kSub, kMul, kDiv };

struct Expr;
using ExprPtr = std::shared_ptr<const Expr>;

struct Expr {
  enum class Kind {
    kNumber,    // 42, 12.50            text holds the literal as written
    kPercent,   // 30%                  number = 30
    kDuration,  // 1h30m                seconds
    kString,    // "text"               text holds the decoded value
    kBool,      // true, false          boolean
    kName,      // order_amount, angry  text; a field, enum value, category...
    kNow,       // now                  the time of the event being handled
    kUnary,     // not a, -a            operands[0]
    kBinary,    // a + b, a and b       operands[0], operands[1]
    kIn,        // a in (x, y)          operands[0] is a, the rest the set
    kIsSet,     // a is set             operands[0] is a; `a is not set` is `not` of it
  };

  Kind kind = Kind::kNumber;
  SourceLoc loc;
  std::string text;
  double number = 0;
  std::int64_t seconds = 0;
  bool boolean = false;
  UnaryOp unary = UnaryOp::kNot;
  BinaryOp binary = BinaryOp::kOr;
  std::vector<ExprPtr> operands;
};

// The source text of an operator, as the designer writes it ("and", "<=").
const char* to_string(BinaryOp op);

// ---------------------------------------------------------------- declarations

struct WorkflowDecl {
  Name name;
  std::string label;
  std::string version;  // as written after `version`; may be empty
  SourceLoc loc;
};

enum class FieldType { kText, kInt, kDecimal, kMoney, kBool, kEnum, kDuration, kTimestamp };
const char* to_string(FieldType type);

struct FieldDecl {
  Name name;
  std::string label;
  FieldType type = FieldType::kText;
  SourceLoc type_loc;
  // kEnum only, in declaration order: names (`high`) or whole numbers (`1`),
  // each with its label (`1 "高"`), "" when it has none.
  std::vector<Name> enum_values;
  std::vector<std::string> enum_labels;
  ExprPtr default_value;  // null: no default
  bool required = false;
  ExprPtr range_min;  // `range A..B`; both null when absent
  ExprPtr range_max;
  bool is_override = false;
  SourceLoc loc;
};

struct Date {
  int year = 0;
  int month = 0;
  int day = 0;
  SourceLoc loc;
};

struct DateRange {
  Date first;
  Date last;  // == first for a single day
};

// Minutes since midnight; 24:00 is 1440.
struct TimeSpan {
  int start_minute = 0;
  int end_minute = 0;
  SourceLoc loc;
};

// `hours mon-fri 09:00-12:00, 13:00-18:00`
struct WorkingHours {
  std::array<bool, 7> weekdays{};  // [0] is Monday
  std::vector<TimeSpan> spans;
  SourceLoc loc;
};

// `hours 2026-12-31 09:00-12:00`: the hours of particular dates.
struct DatedHours {
  std::vector<DateRange> dates;
  std::vector<TimeSpan> spans;
  SourceLoc loc;
};

// A length of time as written: `4h`, `1h30m in office`, `15 workdays in office`.
struct Length {
  std::int64_t seconds = 0;   // `4h`: its seconds; 0 for working days
  std::int64_t workdays = 0;  // `15 workdays`: 15; 0 otherwise
  std::string written;        // the literal: "1d12h", "15 workdays"; "" when none was written
  Name calendar;              // `in NAME`; empty: wall-clock time
  SourceLoc loc;

  bool empty() const { return written.empty(); }
};

// `holidays cn_2027 "label" { source "..." holidays ... workdays ... }`
struct NoticeDecl {
  Name name;
  std::string label;
  std::string source;
  std::vector<DateRange> holidays;
  std::vector<DateRange> workdays;
  std::vector<Name> nested;  // `holidays OTHER` inside: refused by the checker
  bool is_override = false;
  SourceLoc loc;
};

struct CalendarDecl {
  Name name;
  std::string label;
  std::string zone;  // IANA name, "Asia/Shanghai"
  SourceLoc zone_loc;
  std::vector<WorkingHours> hours;
  std::vector<DateRange> holidays;
  std::vector<DateRange> workdays;  // make-up working days (调休)
  std::vector<Name> notices;        // `holidays cn_2026, cn_2027`
  std::vector<DatedHours> dated_hours;
  bool is_override = false;
  SourceLoc loc;
};

struct DepartmentDecl {
  Name name;
  std::string label;
  std::vector<Name> roles;
  bool is_override = false;
  SourceLoc loc;
};

// `route legal when order_amount > 10000`; condition null: always.
struct Route {
  Name department;
  ExprPtr condition;
  SourceLoc loc;
};

struct CategoryDecl {
  Name name;
  std::string label;
  std::vector<Route> routes;
  Name owner;  // `owner ROLE`: the role that takes its cases (`by owner`); empty: none
  bool is_override = false;
  SourceLoc loc;
};

// ---------------------------------------------------------------- actions

enum class ActionKind {
  kSet,            // set FIELD = EXPR                  target, value
  kAssign,         // assign DEPT[.ROLE]                target, role
  kNotify,         // notify RECIPIENT "template"       target, text
  kEscalate,       // escalate to ROLE                  target
  kRaisePriority,  // raise priority
  kEmit,           // emit EVENT                        target
  kRoute,          // route   (by the category's routing rules)
  kClassify,       // classify TARGET                   target
  kStartClock,     // start METRIC                      target
  kStopClock,      // stop METRIC                       target
  kPauseClock,     // pause METRIC                      target
  kResumeClock,    // resume METRIC                     target
  kExtendClock,    // extend METRIC by LENGTH "reason"  target, length, text
};

struct Action {
  ActionKind kind = ActionKind::kSet;
  Name target;
  Name role;
  std::string text;
  ExprPtr value;
  Length length;    // kExtendClock
  Name from_field;  // kStartClock: `start M from FIELD`
  SourceLoc loc;
};

// ---------------------------------------------------------------- priorities

struct TimeLimit {
  Name metric;  // first_response, resolve, update, ... any name
  Length length;
  Name from_field;  // `from received_at`; empty: from when the clock starts
  SourceLoc loc;
};

// One percentage of a `warn at` line; every percentage of the line shares
// the line's `when`.
struct Threshold {
  double percent = 0;
  ExprPtr condition;  // `when`; null: always
  SourceLoc loc;
};

// `at 80% of resolve [when C] do ...` (percent set) or `on breach of resolve
// [when C] do ...`.
struct Escalation {
  std::optional<double> percent;  // nullopt: on breach
  Name metric;
  ExprPtr condition;  // null: always
  std::vector<Action> actions;
  SourceLoc loc;
};

// `extend decide at most 2 times, up to 60 workdays in office`
struct ExtensionRule {
  Name metric;
  std::optional<int> max_times;
  Length up_to;  // empty: no cap on the total
  SourceLoc loc;
};

struct PriorityDecl {
  Name name;
  std::string label;
  std::vector<TimeLimit> limits;
  std::vector<Threshold> warnings;  // `warn at 50%, 80%`: all limits
  std::vector<Escalation> escalations;
  std::vector<ExtensionRule> extension_rules;
  bool is_override = false;
  SourceLoc loc;
};

// ---------------------------------------------------------------- classification

// `P0 when safety_hazard` or `P2 otherwise` (condition null).
struct ClassifyRule {
  Name result;
  ExprPtr condition;
  SourceLoc loc;
};

// `high: P0 P0 P1` in a decision table. Row and column values are written as
// they label the axis: an enum value (`high`, `1`), `true` / `false`, or a
// whole number (`3`); the text tells which.
struct DecisionRow {
  Name row_value;
  std::vector<Name> cells;
  SourceLoc loc;
};

// Either ordered rules (`classify priority { ... }`) or a decision table
// (`classify priority by impact x urgency { ... }`).
struct ClassifyDecl {
  Name target;  // `priority`, `category` or an enum field
  Name row_field;
  Name column_field;
  std::vector<Name> columns;  // optional header; empty: the enum's order
  std::vector<DecisionRow> rows;
  std::vector<ClassifyRule> rules;
  bool is_override = false;
  SourceLoc loc;

  bool is_table() const { return !row_field.empty(); }
};

// ---------------------------------------------------------------- approval

enum class Quorum { kAny, kAll, kCount };

// `level head: all of dept_head, finance not participants within 8h in office on timeout do ...`
struct ApprovalLevel {
  Name name;
  Quorum quorum = Quorum::kAny;
  int count = 1;  // kCount only
  SourceLoc count_loc;
  std::vector<Name> roles;
  std::vector<Name> excluded;  // after `not`: proposer, participants, assignee
  Length within;               // empty: no time limit
  std::vector<Action> on_timeout;
  SourceLoc loc;
};

struct ChainDecl {
  Name name;
  std::string label;
  std::vector<ApprovalLevel> levels;
  bool is_override = false;
  SourceLoc loc;
};

// One way of choosing a chain. `approval by priority { P0: x }` gives one
// choice per row with `priority` set; `approval when COND: x` gives one with
// `condition` set; `approval otherwise: x` has neither. The first choice that
// matches, in the order written, decides. `chain` may name a chain, a role
// (a one-level chain: any holder of the role) or `none`.
// `approval first ...` in a file that extends another goes before the
// base's choices instead of after them.
struct ApprovalChoice {
  Name priority;
  ExprPtr condition;
  Name chain;
  bool first = false;
  SourceLoc first_loc;  // of the word `first`
  SourceLoc loc;
};

// ---------------------------------------------------------------- constraints

// `require EXPR [when EXPR] "message"`
struct Constraint {
  ExprPtr condition;
  ExprPtr when;
  std::string message;
  SourceLoc loc;
};

// ---------------------------------------------------------------- states

// `on EVENT [when GUARD] [by ROLE, ...] [as proposer] -> TARGET [do ACTION, ...]`,
// or `auto [when GUARD] -> TARGET [do ...]` (event empty, automatic). An `on`
// without `-> TARGET` is a stay: the ticket stays in its state and only the
// event's data and the actions apply.
// `owner` among the `by` roles is not a role: it sets by_owner, and `roles`
// holds the others.
struct Transition {
  Name event;
  bool automatic = false;
  ExprPtr guard;
  std::vector<Name> roles;
  bool by_owner = false;  // `by owner`: the owner of the ticket's category may send it
  SourceLoc by_owner_loc;
  SourceLoc proposer_loc;  // known: `as proposer` written here
  Name target;             // empty: stays in the state
  std::vector<Action> actions;
  SourceLoc loc;

  bool stays() const { return target.empty(); }
};

// `after 2h [in CAL] [when GUARD] [-> TARGET] [do ...]` (one-shot, armed on
// entry) or `every 24h [in CAL] do ...` (recurring while in the state).
struct Timer {
  bool recurring = false;
  Length length;
  ExprPtr guard;
  Name target;  // empty: stays in the state
  std::vector<Action> actions;
  SourceLoc loc;
};

struct StateDecl {
  Name name;
  std::string label;
  bool initial = false;
  bool final = false;
  bool awaits_approval = false;  // `await approval`
  SourceLoc await_loc;
  std::vector<Name> paused_clocks;  // `pause resolve`: paused while here
  std::vector<Action> on_enter;
  std::vector<Action> on_exit;
  std::vector<Transition> transitions;
  std::vector<Timer> timers;
  bool is_override = false;
  // `extend state NAME [first] { ... }`: items for the base's state of that
  // name, added after its own (before them with `first`). The loader merges
  // them; none is left in a loaded file.
  bool is_extension = false;
  bool extension_first = false;
  SourceLoc loc;
};

// `group NAME ["label"] (STATE, ...) { ITEM ... }`: transitions, timers,
// paused clocks and entry and exit actions written once for several states,
// as if written in each of them (after the state's own). `(*)` names every
// state of the workflow.
struct GroupDecl {
  Name name;
  std::string label;
  std::vector<Name> states;  // as written; empty with `(*)`
  bool every_state = false;  // `(*)`
  std::vector<Name> paused_clocks;
  std::vector<Action> on_enter;
  std::vector<Action> on_exit;
  std::vector<Transition> transitions;
  std::vector<Timer> timers;
  bool is_override = false;
  SourceLoc loc;

  // Whether the group lists `state` (every state does, with `(*)`).
  bool contains(std::string_view state) const;
};

// ---------------------------------------------------------------- report

// `report { ... }`: what `docket report` counts for this workflow
// (docs/reports.md). Each item at most once; an item left out is a figure
// these rules do not measure. `resolution` names a clock (`clock resolve`:
// resolved when it stops) or states (`state return_visit`: resolved when the
// ticket first enters one of them), not both.
struct ReportDecl {
  Name acceptance_metric;               // `acceptance clock M`
  Name resolution_metric;               // `resolution clock M`
  std::vector<Name> resolution_states;  // `resolution state S, ...`
  Name survey_field;                    // `survey field F`
  Name declined_event;                  // `declined event E`
  Name type_field;                      // `types by F`: category, priority or an enum or bool field
  bool is_override = false;
  SourceLoc loc;
};

// ---------------------------------------------------------------- file

// One rule file as parsed. After the loader has applied `extends`, one
// RuleFile holds the whole workflow, declarations in source order (a base
// file's first, overrides in place of what they replace, extensions merged
// into the states they extend, `approval first` choices ahead of the base's).
struct RuleFile {
  std::string extends_path;  // as written; empty: none
  SourceLoc extends_loc;
  std::optional<WorkflowDecl> workflow;
  std::vector<FieldDecl> fields;
  std::vector<NoticeDecl> notices;
  std::vector<CalendarDecl> calendars;
  std::vector<DepartmentDecl> departments;
  std::vector<CategoryDecl> categories;
  std::vector<PriorityDecl> priorities;
  std::vector<ClassifyDecl> classifications;
  std::vector<ChainDecl> chains;
  std::vector<ApprovalChoice> approvals;
  bool approvals_override = false;
  std::vector<Constraint> constraints;
  std::vector<StateDecl> states;
  std::vector<GroupDecl> groups;
  std::optional<ReportDecl> report;
};

}  // namespace docket::dsl
