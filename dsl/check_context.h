// What the checker's passes share: the symbol tables of one rule file, the
// types an expression can have, and the way every pass reports.
//
// Private to the checker (dsl/check*.cpp). The tables are built once, before
// any pass runs; the first declaration of a name is the one every reference
// resolves to (later ones are reported as duplicates), so that one mistake
// does not turn into a cascade of "undefined" reports.

#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dsl/ast.h"
#include "dsl/diagnostics.h"
#include "engine/model/value.h"

namespace docket::dsl::checking {

// The names a bare identifier can stand for when it is compared with an
// enum-like attribute: the values of an enum field, the categories, the
// priorities or the states.
struct Domain {
  std::string subject;              // how messages name the attribute: "mood", "category"
  std::string noun;                 // how messages name one value: "value", "category", "state"
  std::vector<std::string> values;  // in declaration order, without repeats
  bool numeric = false;             // values are numbers (`enum(1, 2, 3)`): ordered, and written as numbers

  bool contains(std::string_view value) const;
  bool of_enum_field() const { return noun == "value"; }
  // "undefined value `angy` of `mood`", "undefined category `x`".
  std::string undefined_message(const std::string& name) const;
};

enum class TypeKind { kUnknown, kBool, kNumber, kText, kDuration, kTimestamp, kEnum };

// The type of an expression. kUnknown follows an error already reported and
// is compatible with everything, so that one mistake is reported once.
struct Type {
  TypeKind kind = TypeKind::kUnknown;
  const Domain* domain = nullptr;  // kEnum only

  bool unknown() const { return kind == TypeKind::kUnknown; }
  bool is(TypeKind k) const { return kind == k; }
};

// "number", "text", "enum `mood`", "category", ... for messages.
std::string describe(const Type& type);

// The type an expression gets from a declared field type.
Type type_of_field(FieldType type, const Domain* domain);

// Whether a value is written as a number (`1`, `1.5`) rather than a name:
// names never start with a digit.
bool written_as_number(std::string_view text);
// Why `text`, written as a number, is not a whole number as plainly written
// (`0`, `1`, `42`: enum values, table rows of an int field), with the fix
// when there is one; {"", ""} when it is one.
std::pair<std::string, std::string> whole_number_problem(const std::string& text);

// What a name in an expression refers to: a declared field or a built-in
// ticket attribute (field == nullptr).
struct Attribute {
  std::string name;
  Type type;
  const FieldDecl* field = nullptr;
};

// Where a diagnostic's help points: "12:5", or "12:5 in another file" (of
// the `extends` chain) when `loc` is not in the file of `relative_to`.
std::string position(const SourceLoc& loc, const SourceLoc& relative_to);

// "4h", "1h30m", "2d", "90s": durations as the designer writes them.
using engine::format_duration;
using engine::LargestUnit;
// "42", "12.5", "1e+300".
std::string format_number(double value);

class Context {
 public:
  // `comparison_steps`: the work budget of spend().
  Context(const RuleFile& file, Diagnostics& diagnostics, std::size_t comparison_steps);
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const RuleFile& file;
  Diagnostics& diagnostics;

  // Symbol tables: name -> first declaration.
  std::map<std::string, const FieldDecl*> fields;
  std::map<std::string, const NoticeDecl*> notices;
  std::map<std::string, const CalendarDecl*> calendars;
  std::map<std::string, const DepartmentDecl*> departments;
  std::map<std::string, const CategoryDecl*> categories;
  std::map<std::string, const PriorityDecl*> priorities;
  std::map<std::string, const ChainDecl*> chains;
  std::map<std::string, const StateDecl*> states;
  std::map<std::string, const GroupDecl*> groups;
  // state -> the groups (first declarations) that take it in, in the order written.
  std::map<std::string, std::vector<const GroupDecl*>> groups_by_state;
  std::map<std::string, const ClassifyDecl*> classifications;  // by target
  // role -> the departments that have it, in declaration order.
  std::map<std::string, std::vector<const DepartmentDecl*>> role_holders;
  // metric -> the priorities that declare a limit for it.
  std::map<std::string, std::vector<const PriorityDecl*>> metric_owners;

  Domain category_domain;
  Domain priority_domain;
  Domain state_domain;
  std::map<std::string, Domain> enum_domains;  // by field name

  // What the rules use, for W003.
  std::set<std::string> used_fields;
  std::set<std::string> used_departments;
  std::set<std::string> used_calendars;
  std::set<std::string> used_notices;
  std::set<std::string> used_chains;
  std::set<std::string> used_roles;
  // metric -> the first action that starts, stops, pauses, resumes or extends
  // its clock (`stop resolve`, a state's `pause resolve`), and where: for W009.
  std::map<std::string, std::pair<std::string, SourceLoc>> clock_uses;
  void use_clock(std::string_view verb, const Name& metric);

  // E010 for a name that is not in `domain`, with "did you mean" among its
  // values (or the list of values when it is short).
  void undefined_value(const Domain& domain, const Name& name);
  // "expected one of: `a` `b` `c`" for short value sets; empty for long ones.
  std::string value_list(const Domain& domain) const;

  // Where diagnostics about the whole workflow point: the workflow's name,
  // or else the start of the main file (file 0 when the tree is empty, as
  // the loader numbers the file it was asked to load first).
  SourceLoc workflow_loc() const;

  // The first value set (enum fields in name order, then categories,
  // priorities, states) that contains `name`; null when none does.
  const Domain* domain_with_value(const std::string& name) const;

  // A field or built-in attribute called `name`, without reporting.
  std::optional<Attribute> attribute(const std::string& name) const;
  bool is_builtin_attribute(const std::string& name) const;

  // The value set of an enum-like type for a name: an enum field's values,
  // `category`, `priority`, `state`; null for anything else.
  const Domain* domain_of(const std::string& attribute) const;

  // Pays `steps` from the budget of the analyses that compare the rules of
  // first-match lists with each other (check_shadow.cpp, check_overlap.cpp),
  // whose cost grows faster than the file. One step is one part of a
  // condition looked at once. False when the budget cannot pay: the first time, W007 is
  // reported at `where` (the rule being checked), and every later call is
  // refused too, so that the analyses stop where the budget ran out.
  bool spend(std::size_t steps, const SourceLoc& where);
  // The groups that take `state` in, in the order written; none for a
  // repeated state declaration (reported as a duplicate already).
  const std::vector<const GroupDecl*>& groups_of(const StateDecl& state) const;

  void error(const char* code, const SourceLoc& loc, std::string message, std::string help = {});
  void warning(const char* code, const SourceLoc& loc, std::string message, std::string help = {});

  // E010 "undefined KIND `NAME`", with "did you mean" among `candidates`.
  void undefined(std::string_view kind, const Name& name, const std::vector<std::string>& candidates,
                 std::string fallback_help = {});

  // The help text "did you mean `x`?" or `fallback` when nothing is close.
  std::string suggestion(const std::string& name, const std::vector<std::string>& candidates,
                         std::string fallback = {}) const;

  // Reference checks that mark the name used. Each reports E010 (E022 for
  // roles) and returns false when the name is not declared.
  bool resolve_calendar(const Name& name);
  bool resolve_notice(const Name& name);
  bool resolve_department(const Name& name);
  bool resolve_state(const Name& name);
  bool resolve_metric(const Name& name);
  bool resolve_role(const Name& name, std::string_view used_as);

  template <typename Map>
  static std::vector<std::string> keys(const Map& map) {
    std::vector<std::string> out;
    out.reserve(map.size());
    for (const auto& [key, value] : map) out.push_back(key);
    return out;
  }

 private:
  std::size_t comparison_steps_;
  std::size_t steps_left_;
  bool budget_spent_ = false;
};

// ---------------------------------------------------------------- passes

// Expressions (check_expr.cpp). All report E010 / E012 and mark fields used.
Type check_expr(Context& ctx, const Expr& expr);
// A condition (guard, `when`, `require`): must be bool. `what` names it in
// the message ("guard", "`when` condition").
void check_condition(Context& ctx, const ExprPtr& expr, std::string_view what);
// A value stored into `target` (`set`, a default): must fit its type (E012)
// and, when both are constant, its range (E013). `what` is "value" or "default".
void check_stored_value(Context& ctx, const Attribute& target, const Expr& value, std::string_view what);
// The value of a constant numeric expression: numbers, percentages as
// factors (30% is 0.3), durations in seconds, and arithmetic on them.
std::optional<double> constant_value(const Expr& expr);
// Whether two expressions are written the same way (positions aside).
bool same_expr(const Expr& a, const Expr& b);

// A length of time (`4h in office`, `15 workdays in office`): resolves its
// calendar; working days without a calendar are E036; days or weeks of
// business time (`1d in office`, 24 working hours) are W005.
void check_length(Context& ctx, const Length& length);
// "15 workdays in office", "4h", "1h30m in office": for messages.
std::string describe(const Length& length);

// `from FIELD` of a limit or a `start`: FIELD is a timestamp field (E038).
void check_from_field(Context& ctx, const Name& field);

// Declarations (check_declarations.cpp).
void collect_symbols(Context& ctx);
void check_fields(Context& ctx);
void check_notices(Context& ctx);
void check_calendars(Context& ctx);
void check_categories(Context& ctx);
void check_priorities(Context& ctx);
void check_chains(Context& ctx);
void check_approvals(Context& ctx);
void check_constraints(Context& ctx);

// Actions (check_actions.cpp).
void check_actions(Context& ctx, const std::vector<Action>& actions);

// Classification (check_classify.cpp): E021, E028.
void check_classifications(Context& ctx);

// States, groups and the state graph (check_states.cpp).
void check_states(Context& ctx);
void check_groups(Context& ctx);
void check_state_graph(Context& ctx);
// `by owner` needs every category to name its owner (E050).
void check_owners(Context& ctx);

// Rules of first-match lists (approval rules, classification rules) that
// can never apply, or that a weaker earlier rule partly hides
// (check_shadow.cpp): E039, W006.
void check_shadowing(Context& ctx);

// Transitions that can fire together (check_overlap.cpp): E018, W002, and
// those that can never fire (E039).
void check_overlaps(Context& ctx);

// The `report` block's names (check_report.cpp): E010, E047, W012.
void check_report(Context& ctx);

// Priorities with limits that do not measure a metric the rules act on
// (check_declarations.cpp): W009, run once every action has been seen.
void check_unmeasured_metrics(Context& ctx);

// Declarations nobody uses (checker.cpp): W003, run last.
void check_unused(Context& ctx);

}  // namespace docket::dsl::checking
