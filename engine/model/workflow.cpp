#include "engine/model/workflow.h"

#include <algorithm>
#include <set>
#include <tuple>
#include <type_traits>
#include <utility>

#include "engine/model/digest.h"
#include "engine/model/state_graph.h"

namespace docket::engine {
namespace {

// Finds the first problem in a definition; error() is empty when there is none.
class DefinitionValidator {
 public:
  explicit DefinitionValidator(const WorkflowDefinition& definition) : d_(definition) {}

  std::string run() {
    check_fields();
    check_organisation();
    check_categories();
    check_priorities();
    check_classifications();
    check_chains();
    check_constraints();
    check_events();
    check_states();
    return error_;
  }

 private:
  bool fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }

  static std::string index_name(std::string_view what, std::size_t index) {
    return std::string(what) + " #" + std::to_string(index);
  }

  bool in_range(std::uint32_t index, std::size_t size, std::string_view what, std::string_view where,
                bool none_allowed = false) {
    if (index == kNoIndex && none_allowed) return true;
    if (index < size) return true;
    return fail(std::string(where) + ": " + std::string(what) + " index " +
                (index == kNoIndex ? std::string("none") : std::to_string(index)) + " out of range");
  }

  void check_value(const Value& value, const std::string& where) {
    switch (value.type()) {
      case ValueType::kEnum:
        if (value.domain() >= d_.fields.size() || d_.fields[value.domain()].type != FieldType::kEnum ||
            value.ordinal() >= d_.fields[value.domain()].enum_values.size()) {
          fail(where + ": enum value out of range");
        }
        break;
      case ValueType::kCategory:
        in_range(value.ordinal(), d_.categories.size(), "category", where);
        break;
      case ValueType::kPriority:
        in_range(value.ordinal(), d_.priorities.size(), "priority", where);
        break;
      case ValueType::kState:
        in_range(value.ordinal(), d_.states.size(), "state", where);
        break;
      default:
        break;
    }
  }

  void check_expr(const CompiledExpr& expr, const std::string& where) {
    if (expr.empty()) {
      fail(where + ": empty expression");
      return;
    }
    for (const Instruction& instruction : expr.code()) {
      if (instruction.op == OpCode::kField || instruction.op == OpCode::kFieldIsSet) {
        in_range(instruction.arg, d_.fields.size(), "field", where);
      } else if (instruction.op == OpCode::kAttribute || instruction.op == OpCode::kAttributeIsSet) {
        in_range(instruction.arg, kAttributeCount, "attribute", where);
      }
    }
    for (const Value& constant : expr.constants()) check_value(constant, where);
  }

  void check_expr(const std::optional<CompiledExpr>& expr, const std::string& where) {
    if (expr) check_expr(*expr, where);
  }

  void check_actions(const std::vector<Action>& actions, const std::string& where) {
    for (const Action& action : actions) {
      std::string at = where + " action at " + action.position.where;
      switch (action.kind) {
        case ActionKind::kSet:
          in_range(action.target, d_.fields.size(), "field", at);
          if (!action.value) fail(at + ": set without a value");
          check_expr(action.value, at);
          break;
        case ActionKind::kSetPriority:
        case ActionKind::kSetCategory:
          if (!action.value) fail(at + ": set without a value");
          check_expr(action.value, at);
          break;
        case ActionKind::kAssign:
          in_range(action.target, d_.departments.size(), "department", at, true);
          in_range(action.role, d_.roles.size(), "role", at, true);
          if (action.target == kNoIndex && action.role == kNoIndex) {
            fail(at + ": assign without department or role");
          }
          break;
        case ActionKind::kNotify:
          if (action.recipient == Recipient::kRole) {
            in_range(action.role, d_.roles.size(), "role", at);
          }
          break;
        case ActionKind::kEscalate:
          in_range(action.role, d_.roles.size(), "role", at);
          break;
        case ActionKind::kEmit:
          in_range(action.target, d_.events.size(), "event", at);
          break;
        case ActionKind::kClassify:
          in_range(action.target, d_.classifications.size(), "classification", at);
          break;
        case ActionKind::kStartClock:
          in_range(action.target, d_.metrics.size(), "metric", at);
          in_range(action.from_field, d_.fields.size(), "field", at, true);
          break;
        case ActionKind::kStopClock:
        case ActionKind::kPauseClock:
        case ActionKind::kResumeClock:
          in_range(action.target, d_.metrics.size(), "metric", at);
          break;
        case ActionKind::kExtendClock:
          in_range(action.target, d_.metrics.size(), "metric", at);
          check_duration(action.length, at);
          break;
        case ActionKind::kRaisePriority:
        case ActionKind::kRoute:
          break;
      }
    }
  }

  void check_fields() {
    for (std::size_t i = 0; i < d_.fields.size(); ++i) {
      const Field& field = d_.fields[i];
      std::string where = "field `" + field.name + "`";
      if (field.type == FieldType::kEnum && field.enum_values.empty()) {
        fail(where + ": enum without values");
      }
      if (!field.enum_labels.empty() && field.enum_labels.size() != field.enum_values.size()) {
        fail(where + ": a label for each enum value, or none");
      }
      check_expr(field.default_value, where + " default");
      if (field.range_min.has_value() != field.range_max.has_value()) {
        fail(where + ": range needs both bounds");
      }
      if (field.range_min) check_value(*field.range_min, where);
      if (field.range_max) check_value(*field.range_max, where);
    }
    for (const Calendar& calendar : d_.calendars) {
      for (const std::vector<MinuteSpan>& day : calendar.weekly) {
        for (const MinuteSpan& span : day) {
          if (span.start_minute < 0 || span.start_minute >= span.end_minute || span.end_minute > 1440) {
            fail("calendar `" + calendar.name + "`: working hours out of 00:00-24:00");
          }
        }
      }
    }
  }

  void check_organisation() {
    for (const Department& department : d_.departments) {
      for (RoleIndex role : department.roles) {
        in_range(role, d_.roles.size(), "role", "department `" + department.name + "`");
      }
    }
    for (const Role& role : d_.roles) {
      for (DepartmentIndex department : role.departments) {
        in_range(department, d_.departments.size(), "department", "role `" + role.name + "`");
      }
    }
  }

  void check_categories() {
    for (const Category& category : d_.categories) {
      std::string where = "category `" + category.name + "`";
      in_range(category.owner, d_.roles.size(), "role", where, true);
      for (const Route& route : category.routes) {
        in_range(route.department, d_.departments.size(), "department", where);
        check_expr(route.condition, where + " route");
      }
    }
  }

  // A duration of a limit, timer or extension: positive, and working days
  // only of a calendar.
  void check_duration(const Duration& length, const std::string& where) {
    in_range(length.calendar, d_.calendars.size(), "calendar", where, true);
    if (length.seconds < 0 || length.workdays < 0) fail(where + ": negative duration");
    if (length.in_workdays() && length.calendar == kNoIndex) fail(where + ": working days without a calendar");
  }

  void check_priorities() {
    for (const Priority& priority : d_.priorities) {
      std::string where = "priority `" + priority.name + "`";
      for (const TimeLimit& limit : priority.limits) {
        in_range(limit.metric, d_.metrics.size(), "metric", where);
        check_duration(limit.length, where);
        if (limit.length.empty()) fail(where + ": a limit of zero");
        in_range(limit.from_field, d_.fields.size(), "field", where, true);
        if (limit.extended_up_to) check_duration(*limit.extended_up_to, where);
      }
      for (const Warning& warning : priority.warnings) check_expr(warning.condition, where + " warning");
      for (const Escalation& escalation : priority.escalations) {
        in_range(escalation.metric, d_.metrics.size(), "metric", where);
        check_expr(escalation.condition, where + " escalation");
        check_actions(escalation.actions, where + " escalation");
      }
    }
  }

  std::size_t domain_size(const Classification& classification) {
    switch (classification.target) {
      case ClassifyTarget::kPriority:
        return d_.priorities.size();
      case ClassifyTarget::kCategory:
        return d_.categories.size();
      case ClassifyTarget::kField:
        return classification.field < d_.fields.size() ? d_.fields[classification.field].enum_values.size() : 0;
    }
    return 0;
  }

  // The number of positions along a table axis; nullopt when it cannot be
  // one (only an int field lists numbers, each once).
  std::optional<std::size_t> axis_size(const TableAxis& axis) {
    FieldType type =
        !axis.is_attribute && axis.index < d_.fields.size() ? d_.fields[axis.index].type : FieldType::kText;
    if (!axis.numbers.empty() || type == FieldType::kInt) {
      std::vector<Fixed> sorted = axis.numbers;
      std::sort(sorted.begin(), sorted.end());
      bool distinct = std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end();
      if (axis.is_attribute || type != FieldType::kInt || !distinct) return std::nullopt;
      return axis.numbers.size();
    }
    if (!axis.is_attribute) {
      if (type == FieldType::kBool) return 2;
      if (!is_enum_field(axis.index)) return std::nullopt;
      return d_.fields[axis.index].enum_values.size();
    }
    if (axis.index == static_cast<std::uint32_t>(Attribute::kCategory)) return d_.categories.size();
    if (axis.index == static_cast<std::uint32_t>(Attribute::kPriority)) return d_.priorities.size();
    if (axis.index == static_cast<std::uint32_t>(Attribute::kState)) return d_.states.size();
    return std::nullopt;
  }

  bool is_enum_field(FieldIndex field) { return field < d_.fields.size() && d_.fields[field].type == FieldType::kEnum; }

  void check_classifications() {
    for (const Classification& classification : d_.classifications) {
      std::string where = "classify " + classification.target_name;
      if (classification.target == ClassifyTarget::kField && !is_enum_field(classification.field)) {
        fail(where + ": target is not an enum field");
        continue;
      }
      std::size_t results = domain_size(classification);
      if (classification.is_table()) {
        std::optional<std::size_t> rows = axis_size(classification.row);
        std::optional<std::size_t> columns = axis_size(classification.column);
        if (!rows || !columns) {
          fail(where + ": table rows and columns must be enum, bool or int fields, category, priority or state");
          continue;
        }
        if (classification.row_count != *rows || classification.column_count != *columns ||
            classification.table.size() != std::size_t{classification.row_count} * classification.column_count) {
          fail(where + ": table shape does not match its axes");
          continue;
        }
        for (std::uint32_t cell : classification.table) {
          in_range(cell, results, "result", where, true);
        }
      }
      for (const ClassifyRule& rule : classification.rules) {
        in_range(rule.result, results, "result", where);
        check_expr(rule.condition, where);
      }
    }
  }

  void check_chains() {
    for (const Chain& chain : d_.chains) {
      std::string where = "chain `" + chain.name + "`";
      for (const ApprovalLevel& level : chain.levels) {
        for (RoleIndex role : level.roles) in_range(role, d_.roles.size(), "role", where);
        check_duration(level.within, where);
        if (level.quorum == Quorum::kCount && level.count < 1) {
          fail(where + ": quorum below one");
        }
        check_actions(level.on_timeout, where + " timeout");
      }
    }
    for (const ApprovalChoice& choice : d_.approvals) {
      std::string where = "approval at " + choice.position.where;
      in_range(choice.priority, d_.priorities.size(), "priority", where, true);
      in_range(choice.chain, d_.chains.size(), "chain", where, true);
      check_expr(choice.condition, where);
    }
  }

  void check_constraints() {
    for (const Constraint& constraint : d_.constraints) {
      std::string where = "constraint at " + constraint.position.where;
      check_expr(constraint.condition, where);
      check_expr(constraint.when, where);
    }
  }

  void check_events() {
    std::vector<std::string_view> names(d_.events.begin(), d_.events.end());
    std::sort(names.begin(), names.end());
    auto duplicate = std::adjacent_find(names.begin(), names.end());
    if (duplicate != names.end()) fail("event `" + std::string(*duplicate) + "` interned twice");
  }

  void check_states() {
    std::size_t initial = 0;
    for (const State& state : d_.states) {
      std::string where = "state `" + state.name + "`";
      if (state.kind == StateKind::kInitial) ++initial;
      for (MetricIndex metric : state.paused_clocks) {
        in_range(metric, d_.metrics.size(), "metric", where);
      }
      check_actions(state.on_enter, where + " on enter");
      check_actions(state.on_exit, where + " on exit");
    }
    if (initial != 1) {
      fail("expected exactly one initial state, found " + std::to_string(initial));
    }
    for (const StateGroup& group : d_.groups) {
      std::string where = "group `" + group.name + "`";
      for (StateIndex state : group.states) in_range(state, d_.states.size(), "state", where);
      for (MetricIndex metric : group.paused_clocks) in_range(metric, d_.metrics.size(), "metric", where);
      check_actions(group.on_enter, where + " on enter");
      check_actions(group.on_exit, where + " on exit");
    }
    for (const Transition& transition : d_.transitions) {
      std::string where = "transition at " + transition.position.where;
      in_range(transition.from, d_.states.size(), "state", where);
      in_range(transition.to, d_.states.size(), "state", where, !transition.automatic());
      in_range(transition.event, d_.events.size(), "event", where, true);
      in_range(transition.group, d_.groups.size(), "group", where, true);
      for (RoleIndex role : transition.roles) in_range(role, d_.roles.size(), "role", where);
      check_expr(transition.guard, where);
      check_actions(transition.actions, where);
    }
    for (const Timer& timer : d_.timers) {
      std::string where = "timer at " + timer.position.where;
      in_range(timer.state, d_.states.size(), "state", where);
      in_range(timer.target, d_.states.size(), "state", where, true);
      in_range(timer.group, d_.groups.size(), "group", where, true);
      check_duration(timer.length, where);
      if (timer.length.empty()) fail(where + ": duration must be positive");
      check_expr(timer.guard, where);
      check_actions(timer.actions, where);
    }
  }

  const WorkflowDefinition& d_;
  std::string error_;
};

template <typename T>
std::optional<std::uint32_t> find_by_name(const std::vector<T>& items, std::string_view name) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].name == name) return static_cast<std::uint32_t>(i);
  }
  return std::nullopt;
}

std::optional<std::uint32_t> find_sorted(const std::vector<std::pair<std::string_view, std::uint32_t>>& index,
                                         std::string_view name) {
  auto it = std::lower_bound(index.begin(), index.end(), name,
                             [](const auto& entry, std::string_view key) { return entry.first < key; });
  if (it == index.end() || it->first != name) return std::nullopt;
  return it->second;
}

std::string quote(const std::string& text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    if (c == '\n') {
      quoted += "\\n";
      continue;
    }
    quoted += c;
  }
  return quoted + '"';
}

}  // namespace

bool StateGroup::contains(StateIndex state) const {
  return std::find(states.begin(), states.end(), state) != states.end();
}

const char* to_string(StateKind kind) {
  switch (kind) {
    case StateKind::kInitial:
      return "initial";
    case StateKind::kNormal:
      return "normal";
    case StateKind::kFinal:
      return "final";
  }
  return "?";
}

std::string compute_version_id(std::span<const SourceText> files) {
  std::string bytes;
  for (const SourceText& file : files) {
    for (std::string_view text : {file.path, file.text}) {
      bytes += std::to_string(text.size());
      bytes += ':';
      bytes += text;
    }
  }
  return sha256_hex(bytes);
}

Workflow::BuildResult Workflow::build(WorkflowDefinition definition) {
  std::string error = DefinitionValidator(definition).run();
  if (!error.empty()) return {nullptr, std::move(error)};
  std::shared_ptr<Workflow> workflow(new Workflow(std::move(definition)));
  workflow->derive_tables();
  return {std::move(workflow), {}};
}

Workflow::Workflow(WorkflowDefinition definition) : definition_(std::move(definition)) {}

Workflow::~Workflow() = default;

std::span<const std::uint32_t> Workflow::Rows::row(std::size_t key) const {
  if (key + 1 >= offsets.size()) return {};
  return std::span<const std::uint32_t>(items).subspan(offsets[key], offsets[key + 1] - offsets[key]);
}

void Workflow::derive_tables() {
  const WorkflowDefinition& d = definition_;
  std::size_t state_count = d.states.size();
  for (StateIndex s = 0; s < state_count; ++s) {
    if (d.states[s].kind == StateKind::kInitial) initial_state_ = s;
  }

  // Rows keyed by state, items in index order (= declaration order).
  auto group_by_state = [state_count](std::size_t count, auto state_of, auto wanted) {
    Rows rows;
    rows.offsets.assign(state_count + 1, 0);
    for (std::uint32_t i = 0; i < count; ++i) {
      if (wanted(i)) ++rows.offsets[state_of(i) + 1];
    }
    for (std::size_t s = 0; s < state_count; ++s) rows.offsets[s + 1] += rows.offsets[s];
    rows.items.resize(rows.offsets.back());
    std::vector<std::uint32_t> next(rows.offsets.begin(), rows.offsets.end() - 1);
    for (std::uint32_t i = 0; i < count; ++i) {
      if (wanted(i)) rows.items[next[state_of(i)]++] = i;
    }
    return rows;
  };
  auto transition_from = [&d](std::uint32_t t) { return d.transitions[t].from; };
  outgoing_ = group_by_state(d.transitions.size(), transition_from, [](std::uint32_t) { return true; });
  automatic_ = group_by_state(d.transitions.size(), transition_from,
                              [&d](std::uint32_t t) { return d.transitions[t].automatic(); });
  timers_ = group_by_state(
      d.timers.size(), [&d](std::uint32_t t) { return d.timers[t].state; }, [](std::uint32_t) { return true; });

  // Candidates: per state, its event transitions stably sorted by event, so
  // each event's run keeps declaration order.
  event_span_offsets_.assign(state_count + 1, 0);
  for (StateIndex s = 0; s < state_count; ++s) {
    std::vector<TransitionIndex> on_events;
    for (TransitionIndex t : outgoing_.row(s)) {
      if (!d.transitions[t].automatic()) on_events.push_back(t);
    }
    std::stable_sort(on_events.begin(), on_events.end(), [&d](TransitionIndex a, TransitionIndex b) {
      return d.transitions[a].event < d.transitions[b].event;
    });
    for (std::size_t i = 0; i < on_events.size(); ++i) {
      EventId event = d.transitions[on_events[i]].event;
      auto position = static_cast<std::uint32_t>(candidate_items_.size());
      if (i == 0 || d.transitions[on_events[i - 1]].event != event) {
        event_spans_.push_back({event, position, position});
      }
      candidate_items_.push_back(on_events[i]);
      event_spans_.back().end = position + 1;
    }
    event_span_offsets_[s + 1] = static_cast<std::uint32_t>(event_spans_.size());
  }

  auto graph = std::make_unique<StateGraph>(state_count);
  for (StateIndex s = 0; s < state_count; ++s) (*graph)[s].state = s;
  for (TransitionIndex t = 0; t < d.transitions.size(); ++t) {
    const Transition& transition = d.transitions[t];
    if (transition.stays()) continue;
    EdgeKind kind = transition.automatic() ? EdgeKind::kAutomatic : EdgeKind::kEvent;
    boost::add_edge(transition.from, transition.to, TransitionEdge{kind, t}, *graph);
  }
  for (TimerIndex t = 0; t < d.timers.size(); ++t) {
    const Timer& timer = d.timers[t];
    if (timer.target == kNoIndex) continue;
    boost::add_edge(timer.state, timer.target, TransitionEdge{EdgeKind::kTimer, t}, *graph);
  }
  graph_ = std::move(graph);

  for (std::uint32_t i = 0; i < d.events.size(); ++i) event_index_.emplace_back(d.events[i], i);
  std::sort(event_index_.begin(), event_index_.end());
  for (std::uint32_t i = 0; i < d.fields.size(); ++i) field_index_.emplace_back(d.fields[i].name, i);
  // Stable: with duplicate names (never from the compiler) the first wins.
  std::stable_sort(field_index_.begin(), field_index_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
}

bool Workflow::is_final(StateIndex state) const {
  return state < definition_.states.size() && definition_.states[state].kind == StateKind::kFinal;
}

std::optional<EventId> Workflow::find_event(std::string_view name) const { return find_sorted(event_index_, name); }
std::optional<FieldIndex> Workflow::find_field(std::string_view name) const { return find_sorted(field_index_, name); }
std::optional<StateIndex> Workflow::find_state(std::string_view name) const {
  return find_by_name(definition_.states, name);
}
std::optional<CategoryIndex> Workflow::find_category(std::string_view name) const {
  return find_by_name(definition_.categories, name);
}
std::optional<PriorityIndex> Workflow::find_priority(std::string_view name) const {
  return find_by_name(definition_.priorities, name);
}
std::optional<DepartmentIndex> Workflow::find_department(std::string_view name) const {
  return find_by_name(definition_.departments, name);
}
std::optional<RoleIndex> Workflow::find_role(std::string_view name) const {
  return find_by_name(definition_.roles, name);
}
std::optional<MetricIndex> Workflow::find_metric(std::string_view name) const {
  for (std::size_t i = 0; i < definition_.metrics.size(); ++i) {
    if (definition_.metrics[i] == name) return static_cast<MetricIndex>(i);
  }
  return std::nullopt;
}
std::optional<CalendarIndex> Workflow::find_calendar(std::string_view name) const {
  return find_by_name(definition_.calendars, name);
}
std::optional<ChainIndex> Workflow::find_chain(std::string_view name) const {
  return find_by_name(definition_.chains, name);
}
std::optional<ClassificationIndex> Workflow::find_classification(std::string_view target) const {
  for (std::size_t i = 0; i < definition_.classifications.size(); ++i) {
    if (definition_.classifications[i].target_name == target) {
      return static_cast<ClassificationIndex>(i);
    }
  }
  return std::nullopt;
}

std::span<const TransitionIndex> Workflow::candidates(StateIndex state, EventId event) const {
  if (state >= definition_.states.size()) return {};
  auto first = event_spans_.begin() + event_span_offsets_[state];
  auto last = event_spans_.begin() + event_span_offsets_[state + 1];
  auto it = std::lower_bound(first, last, event, [](const EventSpan& span, EventId key) { return span.event < key; });
  if (it == last || it->event != event) return {};
  return std::span<const TransitionIndex>(candidate_items_).subspan(it->begin, it->end - it->begin);
}

std::span<const TransitionIndex> Workflow::automatic_transitions(StateIndex state) const {
  return automatic_.row(state);
}

std::span<const TimerIndex> Workflow::timers_of(StateIndex state) const { return timers_.row(state); }

std::span<const TransitionIndex> Workflow::transitions_from(StateIndex state) const { return outgoing_.row(state); }

std::optional<std::uint32_t> table_position(const TableAxis& axis, const Value& value) {
  if (is_enumeration(value.type())) return value.ordinal();
  if (value.type() == ValueType::kBool) return value.as_bool() ? 1 : 0;
  if (value.type() != ValueType::kNumber) return std::nullopt;
  auto found = std::find(axis.numbers.begin(), axis.numbers.end(), value.as_number());
  if (found == axis.numbers.end()) return std::nullopt;
  return static_cast<std::uint32_t>(found - axis.numbers.begin());
}

std::string Workflow::format_value(const Value& value) const {
  const WorkflowDefinition& d = definition_;
  auto name_or_debug = [&value](const auto& items, auto name_of) {
    if (value.ordinal() < items.size()) return std::string(name_of(items[value.ordinal()]));
    return debug_string(value);
  };
  switch (value.type()) {
    case ValueType::kText:
      return quote(value.as_text());
    case ValueType::kEnum:
      if (value.domain() < d.fields.size()) {
        return name_or_debug(d.fields[value.domain()].enum_values, [](const std::string& name) { return name; });
      }
      return debug_string(value);
    case ValueType::kCategory:
      return name_or_debug(d.categories, [](const Category& c) { return c.name; });
    case ValueType::kPriority:
      return name_or_debug(d.priorities, [](const Priority& p) { return p.name; });
    case ValueType::kState:
      return name_or_debug(d.states, [](const State& s) { return s.name; });
    default:
      return debug_string(value);
  }
}

std::string Workflow::describe(const Action& action) const {
  const WorkflowDefinition& d = definition_;
  auto name_at = [](const auto& items, std::uint32_t index) -> std::string {
    if (index >= items.size()) return "?";
    if constexpr (std::is_same_v<std::decay_t<decltype(items[0])>, std::string>) {
      return items[index];
    } else {
      return items[index].name;
    }
  };
  switch (action.kind) {
    case ActionKind::kSet:
      return "set " + name_at(d.fields, action.target) + " = " +
             (action.value ? action.value->text() : std::string("?"));
    case ActionKind::kSetPriority:
    case ActionKind::kSetCategory:
      return std::string(action.kind == ActionKind::kSetPriority ? "set priority = " : "set category = ") +
             (action.value ? action.value->text() : std::string("?"));
    case ActionKind::kAssign: {
      std::string text = "assign ";
      if (action.target != kNoIndex) text += name_at(d.departments, action.target);
      if (action.target != kNoIndex && action.role != kNoIndex) text += '.';
      if (action.role != kNoIndex) text += name_at(d.roles, action.role);
      return text;
    }
    case ActionKind::kNotify: {
      std::string recipient;
      switch (action.recipient) {
        case Recipient::kCustomer:
          recipient = "customer";
          break;
        case Recipient::kRequester:
          recipient = "requester";
          break;
        case Recipient::kAssignee:
          recipient = "assignee";
          break;
        case Recipient::kRole:
          recipient = name_at(d.roles, action.role);
          break;
      }
      return "notify " + recipient + " " + quote(action.text);
    }
    case ActionKind::kEscalate:
      return "escalate to " + name_at(d.roles, action.role);
    case ActionKind::kRaisePriority:
      return "raise priority";
    case ActionKind::kEmit:
      return "emit " + name_at(d.events, action.target);
    case ActionKind::kRoute:
      return "route";
    case ActionKind::kClassify:
      return "classify " + (action.target < d.classifications.size() ? d.classifications[action.target].target_name
                                                                     : std::string("?"));
    case ActionKind::kStartClock:
      return "start " + name_at(d.metrics, action.target) +
             (action.from_field == kNoIndex ? "" : " from " + name_at(d.fields, action.from_field));
    case ActionKind::kStopClock:
      return "stop " + name_at(d.metrics, action.target);
    case ActionKind::kPauseClock:
      return "pause " + name_at(d.metrics, action.target);
    case ActionKind::kResumeClock:
      return "resume " + name_at(d.metrics, action.target);
    case ActionKind::kExtendClock:
      return "extend " + name_at(d.metrics, action.target) + " by " + describe(action.length) + " " +
             quote(action.text);
  }
  return "?";
}

std::string Workflow::describe(const TimeLimit& limit) const {
  std::string text = describe(limit.length);
  if (limit.from_field < definition_.fields.size()) text += " from " + definition_.fields[limit.from_field].name;
  if (limit.max_extensions) {
    text += ", extended at most " + std::to_string(*limit.max_extensions) +
            (*limit.max_extensions == 1 ? " time" : " times");
  }
  if (limit.extended_up_to) text += ", up to " + describe(*limit.extended_up_to);
  return text;
}

std::string Workflow::describe(const Duration& length, bool with_calendar) const {
  std::string text =
      !length.written.empty() ? length.written
      : length.in_workdays()
          ? std::to_string(length.workdays) + (length.workdays == 1 ? " workday" : " workdays")
          : format_duration(length.seconds, length.calendar == kNoIndex ? LargestUnit::kDay : LargestUnit::kHour);
  if (with_calendar && length.calendar < definition_.calendars.size()) {
    text += " in " + definition_.calendars[length.calendar].name;
  }
  return text;
}

std::string Workflow::describe(const EvalFailure& failure, const CompiledExpr& expr) const {
  if (failure.error == EvalError::kMissingValue && failure.instruction < expr.code().size()) {
    const Instruction& load = expr.code()[failure.instruction];
    if (load.op == OpCode::kField && load.arg < definition_.fields.size()) {
      return "missing value of `" + definition_.fields[load.arg].name + "`";
    }
    if (load.op == OpCode::kAttribute && load.arg < kAttributeCount) {
      return std::string("missing value of `") + to_string(static_cast<Attribute>(load.arg)) + "`";
    }
  }
  return std::string(to_string(failure.error)) + " in `" + expr.text() + "`";
}

std::vector<std::string> Workflow::senders(const Transition& transition) const {
  std::vector<std::string> names;
  for (RoleIndex role : transition.roles) {
    names.push_back(role < definition_.roles.size() ? definition_.roles[role].name : std::string("?"));
  }
  if (transition.by_owner) names.emplace_back("owner");
  return names;
}

RoleIndex Workflow::owner_of(std::optional<CategoryIndex> category) const {
  if (!category || *category >= definition_.categories.size()) return kNoIndex;
  return definition_.categories[*category].owner;
}

std::vector<RoleIndex> Workflow::roles_allowed(const Transition& transition,
                                               std::optional<CategoryIndex> category) const {
  std::vector<RoleIndex> roles = transition.roles;
  RoleIndex owner = transition.by_owner ? owner_of(category) : kNoIndex;
  if (owner != kNoIndex && std::find(roles.begin(), roles.end(), owner) == roles.end()) roles.push_back(owner);
  return roles;
}

namespace {

// The dates `calendar` takes in from `notice`, in order: days off, then
// make-up working days (flagged so that a day moving from one to the other
// counts as a change).
std::vector<std::tuple<bool, CivilDate, CivilDate>> notice_dates(const Calendar* calendar, std::string_view notice) {
  std::vector<std::tuple<bool, CivilDate, CivilDate>> dates;
  if (calendar == nullptr) return dates;
  for (const DateRange& range : calendar->holidays) {
    if (range.notice == notice) dates.emplace_back(false, range.first, range.last);
  }
  for (const DateRange& range : calendar->workdays) {
    if (range.notice == notice) dates.emplace_back(true, range.first, range.last);
  }
  return dates;
}

}  // namespace

std::vector<std::string> changed_notices(const Workflow& before, const Workflow& after, std::string_view calendar) {
  auto find = [&](const Workflow& workflow) -> const Calendar* {
    std::optional<CalendarIndex> index = workflow.find_calendar(calendar);
    return index ? &workflow.calendars()[*index] : nullptr;
  };
  const Calendar* old_calendar = find(before);
  const Calendar* new_calendar = find(after);
  std::set<std::string> names;
  for (const Calendar* one : {old_calendar, new_calendar}) {
    if (one == nullptr) continue;
    for (const auto* ranges : {&one->holidays, &one->workdays}) {
      for (const DateRange& range : *ranges) {
        if (!range.notice.empty()) names.insert(range.notice);
      }
    }
  }
  std::vector<std::string> changed;
  for (const std::string& name : names) {
    if (notice_dates(old_calendar, name) != notice_dates(new_calendar, name)) changed.push_back(name);
  }
  return changed;
}

}  // namespace docket::engine
