#include "conform/trace_replay.h"

#include <algorithm>

#include "engine/model/classify.h"
#include "engine/model/text.h"
#include "engine/runtime/calendar.h"
#include "engine/runtime/duration.h"
#include "engine/runtime/sla.h"
#include "engine/runtime/ticket.h"

namespace docket::conform {

using engine::Result;
using engine::StateIndex;
using engine::Value;
using engine::Workflow;

namespace {

constexpr std::uint32_t kUnknown = engine::kNoIndex;
// Automatic transitions and timers followed after one row, at most.
constexpr int kMaxSteps = 64;

// "Awaiting User Info" -> "awaiting_user_info".
std::string normalised(std::string_view name) {
  std::string out;
  bool gap = false;
  for (char c : name) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
                 static_cast<unsigned char>(c) >= 0x80;
    if (!alnum) {
      gap = !out.empty();
      continue;
    }
    if (gap) out += '_';
    gap = false;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

// How a cell is handed to the field's reader: numbers as numbers, an enum
// value by its label as its name.
engine::FieldInput input_for(const engine::Field& field, const std::string& text) {
  using engine::FieldType;
  switch (field.type) {
    case FieldType::kInt:
    case FieldType::kDecimal:
    case FieldType::kMoney:
      if (auto number = engine::Fixed::parse(text)) return engine::FieldInput::number(*number);
      break;
    case FieldType::kBool: {
      std::string lower = normalised(text);
      if (lower == "true" || lower == "yes" || lower == "1") return engine::FieldInput::boolean(true);
      if (lower == "false" || lower == "no" || lower == "0") return engine::FieldInput::boolean(false);
      break;
    }
    case FieldType::kEnum:
      for (std::size_t i = 0; i < field.enum_labels.size(); ++i) {
        if (field.enum_labels[i] == text) return engine::FieldInput::text(field.enum_values[i]);
      }
      break;
    default:
      break;
  }
  return engine::FieldInput::text(text);
}

}  // namespace

// Resolves logged names to indices by the mapping's table, then as a name,
// a label, or a normalised name. `names` and `labels` are by index.
std::uint32_t resolve_name(const std::string& logged, const std::map<std::string, std::string>& table,
                           const std::vector<std::string>& names, const std::vector<std::string>& labels) {
  auto index_of = [&](const std::string& name) -> std::uint32_t {
    auto found = std::find(names.begin(), names.end(), name);
    return found == names.end() ? kUnknown : static_cast<std::uint32_t>(found - names.begin());
  };
  auto mapped = table.find(logged);
  if (mapped != table.end()) return index_of(mapped->second);
  if (std::uint32_t index = index_of(logged); index != kUnknown) return index;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (!labels[i].empty() && labels[i] == logged) return static_cast<std::uint32_t>(i);
  }
  return index_of(normalised(logged));
}

Result<Vocabulary> vocabulary(const Workflow& workflow, const LogMapping& mapping) {
  Vocabulary words;
  for (const engine::State& state : workflow.states()) {
    words.state_names.push_back(state.name);
    words.state_labels.push_back(state.label);
  }
  words.event_names = workflow.events();
  std::vector<std::string> errors;
  auto unknown = [&](const std::string& what, const std::string& kind, const std::string& name,
                     const std::vector<std::string>& known) {
    std::string near = engine::closest_match(name, known);
    errors.push_back(what + ": the rules have no " + kind + " `" + name + "`" +
                     (near.empty() ? "" : " (did you mean `" + near + "`?)"));
  };
  for (const auto& [logged, state] : mapping.states) {
    if (!workflow.find_state(state)) unknown("[states] \"" + logged + "\"", "state", state, words.state_names);
  }
  for (const auto& [logged, event] : mapping.activities) {
    if (!workflow.find_event(event) && event != "create") {
      unknown("[activities] \"" + logged + "\"", "event", event, words.event_names);
    }
  }
  words.start_allowed.assign(workflow.states().size(), false);
  words.start_allowed[workflow.initial_state()] = true;
  for (const std::string& state : mapping.start_states) {
    if (state == "*") {
      words.start_allowed.assign(workflow.states().size(), true);
    } else if (auto index = workflow.find_state(state)) {
      words.start_allowed[*index] = true;
    } else {
      unknown("[start] states", "state", state, words.state_names);
    }
  }
  std::vector<std::string> field_names;
  for (const engine::Field& field : workflow.fields()) field_names.push_back(field.name);
  for (const auto& [field, column] : mapping.fields) {
    auto index = workflow.find_field(field);
    if (!index) unknown("[fields] `" + field + "`", "field", field, field_names);
    words.fields.push_back(index.value_or(kUnknown));
  }
  for (const auto& [target, column] : mapping.checks) {
    auto index = workflow.find_classification(target);
    if (!index) {
      errors.push_back(
          std::string("[check] `").append(target).append("`: the rules classify no `").append(target).append("`"));
      words.checks.push_back(nullptr);
    } else {
      words.checks.push_back(&workflow.classifications()[*index]);
    }
  }
  if (!errors.empty()) return Result<Vocabulary>::failure(engine::join(errors, "\n"));
  words.explicit_start.assign(workflow.metrics().size(), false);
  auto note_starts = [&](const std::vector<engine::Action>& actions) {
    for (const engine::Action& action : actions) {
      if (action.kind == engine::ActionKind::kStartClock) words.explicit_start[action.target] = true;
    }
  };
  for (const engine::Transition& transition : workflow.transitions()) note_starts(transition.actions);
  for (const engine::Timer& timer : workflow.timers()) note_starts(timer.actions);
  for (const engine::State& state : workflow.states()) {
    note_starts(state.on_enter);
    note_starts(state.on_exit);
  }
  if (auto priority = workflow.find_classification("priority")) words.priority = &workflow.classifications()[*priority];
  if (auto category = workflow.find_classification("category")) words.category = &workflow.classifications()[*category];
  return Result<Vocabulary>::success(std::move(words));
}

Value ValueCache::value(engine::FieldIndex field, std::uint32_t cell) {
  if (cell == kNoText || cell == kMissingCell) return Value();
  std::uint64_t key = (std::uint64_t{field} << 32) | cell;
  auto found = cache_.find(key);
  if (found != cache_.end()) return found->second;
  Value converted = convert(field, table_.values.text(cell));
  cache_.emplace(key, converted);
  return converted;
}

Value ValueCache::convert(engine::FieldIndex index, const std::string& text) {
  const engine::Field& field = workflow_.fields()[index];
  engine::FieldInput input = input_for(field, text);
  Result<Value> value = engine::field_value(workflow_, index, input);
  if (value) return value.value();
  ++quality_.unreadable_values[field.name + ": \"" + engine::printable(text) + "\""];
  return Value();
}

namespace {

// Why a transition or timer cannot have moved the trace on this row.
struct Refusal {
  DeviationKind kind = DeviationKind::kGuard;
  std::string detail;
  engine::RulePosition rule;  // the transition or timer
};

}  // namespace

class TraceReplay::Impl {
 public:
  Impl(const Workflow& workflow, const engine::CalendarSet& calendars, const engine::SlaPlan& plans,
       const LogMapping& mapping, const Vocabulary& words, const LogTable& table, ValueCache& values)
      : workflow_(workflow),
        calendars_(calendars),
        plans_(plans),
        mapping_(mapping),
        words_(words),
        table_(table),
        values_(values) {}

  TraceResult run(const std::vector<std::uint32_t>& rows, bool keep_rows,
                  std::vector<ClassificationCheck>* checks = nullptr, std::vector<SlaCheck>* slas = nullptr) {
    checks_ = checks;
    slas_ = slas;
    start_trace();
    for (std::size_t i = 0; i < rows.size(); ++i) {
      row_index_ = i;
      row_ = &table_.rows[rows[i]];
      line_of_row_.push_back(row_->line);
      if (keep_rows) result_.rows.push_back(trace_row(*row_));
      read_fields();
      classify_attributes();
      if (mapping_.logs_states()) {
        step_state();
      } else {
        step_activity();
      }
      check_classifications();
    }
    if (!rows.empty()) check_clocks();
    result_.fits = std::none_of(result_.deviations.begin(), result_.deviations.end(),
                                [](const Deviation& d) { return breaks_fitness(d.kind); });
    return std::move(result_);
  }

  const std::vector<TraceMove>& moves() const { return edges_; }

 private:
  void start_trace() {
    result_ = TraceResult();
    edges_.clear();
    state_ = kUnknown;
    fields_.assign(workflow_.fields().size(), Value());
    attributes_.fill(Value());
    last_recorded_.assign(mapping_.checks.size(), kNoText);
    last_verdict_.assign(mapping_.checks.size(), true);
    line_of_row_.clear();
    clocks_.assign(workflow_.metrics().size(), engine::SlaClock());
    clock_rows_.assign(workflow_.metrics().size(), 0);
    priority_.reset();
  }

  TraceRow trace_row(const LoggedRow& row) const {
    TraceRow out;
    out.line = row.line;
    out.at = row.at;
    out.time = std::string(table_.time_text(row));
    out.order = std::string(table_.order_text(row));
    out.logged = table_.names.text(row.logged);
    if (row.actor != kNoText) out.actor = table_.values.text(row.actor);
    return out;
  }

  void read_fields() {
    for (std::size_t i = 0; i < words_.fields.size(); ++i) {
      fields_[words_.fields[i]] = values_.value(words_.fields[i], table_.cells[row_->cells + i]);
    }
  }

  engine::TicketView view() const { return engine::TicketView{fields_, attributes_}; }

  std::uint32_t resolved(std::uint32_t logged, bool states) {
    std::vector<std::uint32_t>& cache = states ? state_ids_ : event_ids_;
    if (cache.size() <= logged) cache.resize(table_.names.size(), kUnknown - 1);
    if (cache[logged] == kUnknown - 1) {
      const std::string& name = table_.names.text(logged);
      cache[logged] = states ? resolve_name(name, mapping_.states, words_.state_names, words_.state_labels)
                             : resolve_name(name, mapping_.activities, words_.event_names, {});
    }
    return cache[logged];
  }

  Deviation deviation(DeviationKind kind, std::string to) const {
    Deviation out;
    out.kind = kind;
    out.row = row_index_;
    out.line = row_->line;
    out.at = row_->at;
    if (state_ != kUnknown) {
      out.from = workflow_.states()[state_].name;
      out.rule = workflow_.states()[state_].position;
    }
    out.logged = table_.names.text(row_->logged);
    out.to = std::move(to);
    return out;
  }

  // Entering `state` by a transition or timer whose actions are `actions`
  // (null for a re-synchronisation, which runs none).
  void enter(StateIndex state, const std::vector<engine::Action>* actions = nullptr) {
    // The clock actions in the engine's order: the source's `on exit`, the
    // transition's, then entering the target and its `on enter`. The log says
    // the ticket got there, so entering runs after a re-synchronisation too.
    if (state_ != kUnknown) clock_actions(workflow_.states()[state_].on_exit);
    if (actions != nullptr) clock_actions(*actions);
    enter_clocks(state);
    clock_actions(workflow_.states()[state].on_enter);
    state_ = state;
    entered_at_ = row_->at;
    attributes_[static_cast<std::size_t>(engine::Attribute::kState)] = Value::state(state);
    result_.path.push_back(workflow_.states()[state].name);
  }

  void begin(StateIndex state) {
    attributes_[static_cast<std::size_t>(engine::Attribute::kCreatedAt)] = Value::timestamp(row_->at);
    if (row_->actor != kNoText) {
      attributes_[static_cast<std::size_t>(engine::Attribute::kRequester)] =
          Value::text(table_.values.text(row_->actor));
    }
    for (std::size_t metric = 0; metric < clocks_.size(); ++metric) {
      if (!words_.explicit_start[metric]) engine::run_clock(clocks_[metric], row_->at);
    }
    if (!words_.start_allowed[state]) {
      Deviation d = deviation(DeviationKind::kStart, workflow_.states()[state].name);
      for (std::size_t s = 0; s < words_.start_allowed.size(); ++s) {
        if (words_.start_allowed[s]) d.allowed.push_back(workflow_.states()[s].name);
      }
      d.rule = workflow_.states()[state].position;
      d.detail = "the trace begins in `" + workflow_.states()[state].name + "`";
      result_.deviations.push_back(std::move(d));
    }
    enter(state);
  }

  // ------------------------------------------------------------ state logs

  void step_state() {
    std::uint32_t target = resolved(row_->logged, true);
    if (target == kUnknown) {
      if (state_ != kUnknown) ++result_.moves;
      Deviation d = deviation(DeviationKind::kUnknownState, "");
      if (state_ != kUnknown) d.allowed = targets_from(state_);
      d.detail = "the rules have no state for \"" + engine::printable(d.logged) + "\"";
      result_.deviations.push_back(std::move(d));
      result_.path.push_back("?" + table_.names.text(row_->logged));
      return;
    }
    if (state_ == kUnknown) return begin(target);
    if (target == state_) return;
    ++result_.moves;
    const std::vector<engine::Action>* actions = nullptr;
    std::optional<Deviation> refused = check_move(target, actions);
    edges_.emplace_back(state_, target, !refused);
    if (refused) {
      result_.deviations.push_back(std::move(*refused));
    } else {
      ++result_.allowed_moves;
    }
    enter(target, actions);  // re-synchronised to the log either way
  }

  std::vector<std::string> targets_from(StateIndex state) const {
    std::vector<std::string> targets;
    auto add = [&](StateIndex to) {
      const std::string& name = workflow_.states()[to].name;
      if (std::find(targets.begin(), targets.end(), name) == targets.end()) targets.push_back(name);
    };
    for (engine::TransitionIndex t : workflow_.transitions_from(state)) {
      if (!workflow_.transitions()[t].stays()) add(workflow_.transitions()[t].to);
    }
    for (engine::TimerIndex t : workflow_.timers_of(state)) {
      if (workflow_.timers()[t].target != kUnknown) add(workflow_.timers()[t].target);
    }
    return targets;
  }

  // nullopt when some transition or timer allows the move to `target`, and
  // then `actions` are its actions.
  std::optional<Deviation> check_move(StateIndex target, const std::vector<engine::Action>*& actions) {
    std::vector<Refusal> refusals;
    for (engine::TransitionIndex index : workflow_.transitions_from(state_)) {
      const engine::Transition& transition = workflow_.transitions()[index];
      if (transition.stays() || transition.to != target) continue;
      std::optional<Refusal> refused = refuse_transition(transition);
      if (!refused) {
        actions = &transition.actions;
        return std::nullopt;
      }
      refusals.push_back(std::move(*refused));
    }
    for (engine::TimerIndex index : workflow_.timers_of(state_)) {
      const engine::Timer& timer = workflow_.timers()[index];
      if (timer.target != target) continue;
      std::optional<Refusal> refused = refuse_timer(timer);
      if (!refused) {
        actions = &timer.actions;
        return std::nullopt;
      }
      refusals.push_back(std::move(*refused));
    }
    Deviation d = deviation(DeviationKind::kMove, workflow_.states()[target].name);
    d.allowed = targets_from(state_);
    refuse(d, refusals);
    return d;
  }

  // Fills in `d` from the refusals of the transitions that lead where the
  // log went: the kind that says most (a guard, then a role, then timing),
  // the first such rule, and every reason. Without refusals no transition
  // leads there at all: kMove, at the state.
  static void refuse(Deviation& d, const std::vector<Refusal>& refusals) {
    if (refusals.empty()) return;
    const Refusal* first = &refusals.front();
    std::vector<std::string> details;
    for (const Refusal& refusal : refusals) {
      if (refusal.kind < first->kind) first = &refusal;
      details.push_back(refusal.detail);
    }
    d.kind = first->kind;
    d.rule = first->rule;
    d.detail = engine::join(details, "; ");
  }

  // Why `transition` cannot have fired on this row; nullopt when it can.
  std::optional<Refusal> refuse_transition(const engine::Transition& transition) {
    std::string event = transition.automatic() ? "auto" : "on " + workflow_.events()[transition.event];
    if (transition.guard) {
      // A guard that reads a field the log does not carry cannot be judged: it passes, counted.
      std::optional<bool> holds = engine::evaluate_condition(*transition.guard, view(), row_->at);
      if (!holds) ++result_.unjudged_guards;
      if (holds && !*holds) {
        return Refusal{DeviationKind::kGuard, event + " when " + transition.guard->text() + ": does not hold",
                       transition.position};
      }
    }
    if (transition.restricted() && row_->roles != kNoText && !holds_role(transition)) {
      return Refusal{DeviationKind::kRole,
                     event + " is by " + engine::join(workflow_.senders(transition), " or ") + "; the actor holds \"" +
                         engine::printable(table_.values.text(row_->roles)) + "\"",
                     transition.position};
    }
    return std::nullopt;
  }

  bool holds_role(const engine::Transition& transition) const {
    const std::string& held = table_.values.text(row_->roles);
    std::vector<std::string> roles;
    std::string current;
    for (char c : held + " ") {
      if (c == ' ' || c == ',' || c == ';') {
        if (!current.empty()) roles.push_back(current);
        current.clear();
      } else {
        current += c;
      }
    }
    for (const std::string& sender : workflow_.senders(transition)) {
      // `by owner` cannot be judged without the category's owner in the log.
      if (sender == "owner") return true;
      for (const std::string& role : roles) {
        std::size_t dot = role.rfind('.');
        if (role == sender || (dot != std::string::npos && role.substr(dot + 1) == sender)) return true;
      }
    }
    return false;
  }

  std::optional<Refusal> refuse_timer(const engine::Timer& timer) {
    std::int64_t due = engine::add_duration(calendars_, entered_at_, timer.length);
    std::string what = (timer.recurring ? "every " : "after ") + workflow_.describe(timer.length);
    if (row_->at < due) {
      return Refusal{DeviationKind::kEarly,
                     what + ": due " + engine::format_timestamp(due) + ", the log moved " +
                         engine::format_duration(row_->at - entered_at_) + " after entering",
                     timer.position};
    }
    if (timer.guard) {
      std::optional<bool> holds = engine::evaluate_condition(*timer.guard, view(), due);
      if (!holds) ++result_.unjudged_guards;
      if (holds && !*holds) {
        return Refusal{DeviationKind::kGuard, what + " when " + timer.guard->text() + ": does not hold",
                       timer.position};
      }
    }
    return std::nullopt;
  }

  // ------------------------------------------------------------ activity logs

  void step_activity() {
    if (state_ == kUnknown) begin(workflow_.initial_state());
    const std::string& logged = table_.names.text(row_->logged);
    if (creates(logged)) {
      if (row_index_ == 0) return;  // the trace's start
      ++result_.moves;
      Deviation d = deviation(DeviationKind::kMove, "create");
      d.allowed = events_from(state_);
      d.detail = "the case is created again";
      result_.deviations.push_back(std::move(d));
      return;
    }
    std::uint32_t event = resolved(row_->logged, false);
    fire_due_timers();
    ++result_.moves;
    if (event == kUnknown) {
      Deviation d = deviation(DeviationKind::kUnknownActivity, "");
      d.allowed = events_from(state_);
      d.detail = "the rules have no event for \"" + engine::printable(logged) + "\"";
      result_.deviations.push_back(std::move(d));
      return;
    }
    std::span<const engine::TransitionIndex> candidates = workflow_.candidates(state_, event);
    if (candidates.empty()) {
      Deviation d = deviation(DeviationKind::kMove, workflow_.events()[event]);
      d.allowed = events_from(state_);
      d.detail = "`" + workflow_.events()[event] + "` is not handled in `" + workflow_.states()[state_].name + "`";
      result_.deviations.push_back(std::move(d));
      return;
    }
    std::vector<Refusal> refusals;
    for (engine::TransitionIndex index : candidates) {
      const engine::Transition& transition = workflow_.transitions()[index];
      std::optional<Refusal> refused = refuse_transition(transition);
      if (!refused) {
        ++result_.allowed_moves;
        if (transition.stays()) {
          clock_actions(transition.actions);
        } else {
          move_by_rules(transition.to, transition.actions);
        }
        follow_automatic();
        return;
      }
      refusals.push_back(std::move(*refused));
    }
    Deviation d = deviation(DeviationKind::kMove, workflow_.events()[event]);
    d.allowed = events_from(state_);
    refuse(d, refusals);
    result_.deviations.push_back(std::move(d));
  }

  bool creates(const std::string& logged) const {
    auto mapped = mapping_.activities.find(logged);
    return mapped != mapping_.activities.end() ? mapped->second == "create" : logged == "create";
  }

  std::vector<std::string> events_from(StateIndex state) const {
    std::vector<std::string> events;
    for (engine::TransitionIndex t : workflow_.transitions_from(state)) {
      const engine::Transition& transition = workflow_.transitions()[t];
      if (transition.automatic()) continue;
      const std::string& name = workflow_.events()[transition.event];
      if (std::find(events.begin(), events.end(), name) == events.end()) events.push_back(name);
    }
    return events;
  }

  void move_by_rules(StateIndex target, const std::vector<engine::Action>& actions) {
    edges_.emplace_back(state_, target, true);
    enter(target, &actions);
  }

  void follow_automatic() {
    for (int step = 0; step < kMaxSteps; ++step) {
      const engine::Transition* fired = nullptr;
      for (engine::TransitionIndex index : workflow_.automatic_transitions(state_)) {
        const engine::Transition& transition = workflow_.transitions()[index];
        if (!transition.guard || engine::evaluate_condition(*transition.guard, view(), row_->at).value_or(false)) {
          fired = &transition;
          break;
        }
      }
      if (fired == nullptr) return;
      move_by_rules(fired->to, fired->actions);
    }
  }

  // The timers of the current state that came due before this row move the
  // trace on, as the engine would.
  void fire_due_timers() {
    for (int step = 0; step < kMaxSteps; ++step) {
      const engine::Timer* next = nullptr;
      std::int64_t next_due = 0;
      for (engine::TimerIndex index : workflow_.timers_of(state_)) {
        const engine::Timer& timer = workflow_.timers()[index];
        if (timer.target == kUnknown) continue;
        std::int64_t due = engine::add_duration(calendars_, entered_at_, timer.length);
        if (due > row_->at || (next != nullptr && due >= next_due)) continue;
        if (timer.guard && !engine::evaluate_condition(*timer.guard, view(), due).value_or(false)) continue;
        next = &timer;
        next_due = due;
      }
      if (next == nullptr) return;
      move_by_rules(next->target, next->actions);
      entered_at_ = next_due;
      follow_automatic();
    }
  }

  // ------------------------------------------------------------ SLA clocks

  void clock_actions(const std::vector<engine::Action>& actions) {
    for (const engine::Action& action : actions) {
      if (action.target >= clocks_.size()) continue;
      engine::SlaClock& clock = clocks_[action.target];
      using engine::ActionKind;
      using Status = engine::SlaClock::Status;
      switch (action.kind) {
        case ActionKind::kStartClock:
        case ActionKind::kResumeClock:
          if (clock.status == Status::kIdle || clock.status == Status::kPaused) engine::run_clock(clock, row_->at);
          break;
        case ActionKind::kPauseClock:
          if (clock.status == Status::kRunning) engine::pause_clock(clock, row_->at);
          break;
        case ActionKind::kStopClock:
          if (clock.status != Status::kStopped && clock.status != Status::kIdle) stop(action.target);
          break;
        default:
          break;
      }
    }
  }

  void stop(std::size_t metric) {
    engine::stop_clock(clocks_[metric], row_->at);
    clock_rows_[metric] = row_index_;
  }

  // Pauses, resumes and stops as entering `state` does in the engine.
  void enter_clocks(StateIndex state) {
    const engine::State& entered = workflow_.states()[state];
    for (std::size_t metric = 0; metric < clocks_.size(); ++metric) {
      engine::SlaClock& clock = clocks_[metric];
      using Status = engine::SlaClock::Status;
      if (clock.status == Status::kStopped || clock.status == Status::kIdle) continue;
      if (workflow_.is_final(state)) {
        stop(metric);
        continue;
      }
      bool pauses =
          std::find(entered.paused_clocks.begin(), entered.paused_clocks.end(), metric) != entered.paused_clocks.end();
      if (pauses && clock.status == Status::kRunning) engine::pause_clock(clock, row_->at);
      if (!pauses && clock.status == Status::kPaused) engine::run_clock(clock, row_->at);
    }
  }

  // The priority the rules give the row's fields, once they can.
  // The priority and the category the rules give the row's fields, once they
  // can: guards and SLA limits read them as the engine's `classify` sets them.
  void classify_attributes() {
    if (words_.priority != nullptr) {
      engine::Classified decided = engine::classify(workflow_, *words_.priority, view(), row_->at);
      if (decided.result != engine::kNoIndex) {
        priority_ = decided.result;
        attributes_[static_cast<std::size_t>(engine::Attribute::kPriority)] = Value::priority(decided.result);
      }
    }
    if (words_.category != nullptr) {
      engine::Classified decided = engine::classify(workflow_, *words_.category, view(), row_->at);
      if (decided.result != engine::kNoIndex) {
        attributes_[static_cast<std::size_t>(engine::Attribute::kCategory)] = Value::category(decided.result);
      }
    }
  }

  // Each clock against its limit, when it stopped or at the trace's last row.
  void check_clocks() {
    for (std::size_t metric = 0; metric < clocks_.size(); ++metric) {
      const engine::SlaClock& clock = clocks_[metric];
      const engine::LimitPlan& plan = plans_.plan(priority_, static_cast<engine::MetricIndex>(metric));
      if (!plan.has_limit() || clock.status == engine::SlaClock::Status::kIdle) continue;
      engine::TimeBasis basis(calendars_.find(plan.calendar));
      bool open = clock.status != engine::SlaClock::Status::kStopped;
      std::int64_t end = open ? row_->at : clock.changed_at;
      std::int64_t limit = engine::clock_limit(clock, plan, basis);
      std::int64_t measured = engine::measured_seconds(clock, basis, end);
      bool breached = measured > limit;
      if (slas_ != nullptr) {
        SlaCheck& tally = (*slas_)[metric];
        ++tally.measured;
        if (breached) ++tally.breached;
        if (open) ++tally.open;
      }
      if (!breached) continue;
      std::size_t at_row = open ? row_index_ : clock_rows_[metric];
      Deviation d;
      d.kind = DeviationKind::kSla;
      d.row = at_row;
      d.at = end;
      d.to = workflow_.metrics()[metric];
      d.rule = workflow_.priorities()[*priority_].limits[plan.limit].position;
      d.detail = "`" + workflow_.metrics()[metric] + "` under " + workflow_.priorities()[*priority_].name + ": " +
                 engine::format_duration(measured) + " measured against " + engine::limit_text(workflow_, plan, clock) +
                 (open ? ", still running at the last row" : "");
      sla_deviations_.push_back(std::move(d));
    }
    for (Deviation& d : sla_deviations_) {
      d.line = line_of_row_[d.row];
      insert_in_row_order(std::move(d));
    }
    sla_deviations_.clear();
  }

  void insert_in_row_order(Deviation d) {
    auto place = std::upper_bound(result_.deviations.begin(), result_.deviations.end(), d.row,
                                  [](std::size_t row, const Deviation& other) { return row < other.row; });
    result_.deviations.insert(place, std::move(d));
  }

  // ------------------------------------------------------------ classifications

  void check_classifications() {
    std::size_t first = words_.fields.size();
    for (std::size_t i = 0; i < words_.checks.size(); ++i) {
      std::uint32_t cell = table_.cells[row_->cells + first + i];
      if (cell == kNoText || cell == kMissingCell) continue;
      const engine::Classification& classification = *words_.checks[i];
      engine::Classified decided = engine::classify(workflow_, classification, view(), row_->at);
      ClassificationCheck* tally = checks_ != nullptr ? &(*checks_)[i] : nullptr;
      if (decided.result == engine::kNoIndex) {
        if (tally != nullptr) ++tally->unclassified;
        continue;
      }
      ++result_.classifications_checked;
      const std::string& recorded = table_.values.text(cell);
      const std::string& name = engine::classified_name(workflow_, classification, decided.result);
      bool agrees = recorded == name || recorded == label_of(classification, decided.result);
      if (agrees) ++result_.classifications_agreeing;
      if (tally != nullptr) {
        ++tally->checked;
        if (agrees) {
          ++tally->agreeing;
        } else {
          ++tally->disagreements[{recorded, name}];
        }
      }
      // One deviation per stretch of rows with the same disagreement.
      if (!agrees && (last_verdict_[i] || last_recorded_[i] != cell)) {
        Deviation d = deviation(DeviationKind::kClassification, name);
        d.logged = recorded;
        d.rule = classification.position;
        d.detail = "recorded " + classification.target_name + " \"" + engine::printable(recorded) +
                   "\", the rules give " + name + " (" + decided.detail + ")";
        result_.deviations.push_back(std::move(d));
      }
      last_verdict_[i] = agrees;
      last_recorded_[i] = cell;
    }
  }

  const std::string& label_of(const engine::Classification& classification, std::uint32_t result) const {
    switch (classification.target) {
      case engine::ClassifyTarget::kPriority:
        return workflow_.priorities()[result].label;
      case engine::ClassifyTarget::kCategory:
        return workflow_.categories()[result].label;
      case engine::ClassifyTarget::kField:
        break;
    }
    return workflow_.fields()[classification.field].enum_labels[result];
  }

  const Workflow& workflow_;
  const engine::CalendarSet& calendars_;
  const engine::SlaPlan& plans_;
  const LogMapping& mapping_;
  const Vocabulary& words_;
  const LogTable& table_;
  ValueCache& values_;
  std::vector<std::uint32_t> state_ids_, event_ids_;

  TraceResult result_;
  std::vector<TraceMove> edges_;
  std::size_t row_index_ = 0;
  const LoggedRow* row_ = nullptr;
  StateIndex state_ = kUnknown;
  std::int64_t entered_at_ = 0;
  std::vector<Value> fields_;
  std::array<Value, engine::kAttributeCount> attributes_;
  std::vector<std::uint32_t> last_recorded_;
  std::vector<bool> last_verdict_;
  std::vector<ClassificationCheck>* checks_ = nullptr;
  std::vector<SlaCheck>* slas_ = nullptr;
  std::vector<engine::SlaClock> clocks_;
  std::vector<std::size_t> clock_rows_;  // by metric: the row that stopped it
  std::optional<engine::PriorityIndex> priority_;
  std::vector<Deviation> sla_deviations_;
  std::vector<std::uint64_t> line_of_row_;
};

TraceReplay::TraceReplay(const Workflow& workflow, const engine::CalendarSet& calendars, const engine::SlaPlan& plans,
                         const LogMapping& mapping, const Vocabulary& words, const LogTable& table, ValueCache& values)
    : impl_(std::make_unique<Impl>(workflow, calendars, plans, mapping, words, table, values)) {}

TraceReplay::~TraceReplay() = default;

TraceResult TraceReplay::run(const std::vector<std::uint32_t>& rows, bool keep_rows,
                             std::vector<ClassificationCheck>* checks, std::vector<SlaCheck>* slas) {
  return impl_->run(rows, keep_rows, checks, slas);
}

const std::vector<TraceMove>& TraceReplay::moves() const { return impl_->moves(); }

}  // namespace docket::conform
