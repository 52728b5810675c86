#include "tests/support/random_events.h"

#include <algorithm>
#include <utility>

namespace docket::testing {

using engine::Actor;
using engine::CompiledExpr;
using engine::DataItem;
using engine::Event;
using engine::FieldIndex;
using engine::FieldInput;
using engine::FieldType;
using engine::Fixed;
using engine::OpCode;
using engine::RoleIndex;
using engine::Ticket;
using engine::TransitionIndex;
using engine::Value;
using engine::ValueType;
using engine::Workflow;

namespace {

constexpr std::int64_t kMinute = 60;
constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 86400;

// How many people act on tickets: few enough that the requester of an
// approval and a second vote by the same person come up often.
constexpr std::uint64_t kPeople = 9;
// Idempotency keys remembered per ticket for reuse.
constexpr std::size_t kKeysKept = 8;

bool is_chain_decision(std::string_view event) { return event == "approved" || event == "rejected"; }

FieldInput input_of(const Value& value, const Workflow& workflow) {
  switch (value.type()) {
    case ValueType::kText:
      return FieldInput::text(value.as_text());
    case ValueType::kNumber:
      return FieldInput::number(value.as_number());
    case ValueType::kBool:
      return FieldInput::boolean(value.as_bool());
    case ValueType::kEnum: {
      const auto& values = workflow.fields()[value.domain()].enum_values;
      return FieldInput::text(value.ordinal() < values.size() ? values[value.ordinal()] : "?");
    }
    case ValueType::kDuration:
    case ValueType::kTimestamp:
      return FieldInput::integer(value.seconds());
    default:
      return FieldInput::null();
  }
}

bool fits_field(const Value& value, const engine::Field& field, FieldIndex index) {
  if (value.type() == ValueType::kEnum) return field.type == FieldType::kEnum && value.domain() == index;
  return engine::value_type_of(field.type) == value.type() && field.type != FieldType::kEnum;
}

void add_unique(std::vector<FieldIndex>& fields, FieldIndex field) {
  if (std::find(fields.begin(), fields.end(), field) == fields.end()) fields.push_back(field);
}

}  // namespace

const char* to_string(Intent intent) {
  switch (intent) {
    case Intent::kCreate:
      return "create";
    case Intent::kPlausible:
      return "plausible";
    case Intent::kVote:
      return "vote";
    case Intent::kRepeatedKey:
      return "repeated key";
    case Intent::kBadData:
      return "bad data";
    case Intent::kUnknownEvent:
      return "unknown event";
    case Intent::kWrongRole:
      return "wrong role";
    case Intent::kUnknownTicket:
      return "unknown ticket";
    case Intent::kSecondCreate:
      return "second create";
    case Intent::kOutOfOrder:
      return "out of order";
    case Intent::kDecidedByChain:
      return "decided by chain";
    case Intent::kMisplacedVote:
      return "misplaced vote";
    case Intent::kClosedTicket:
      return "closed ticket";
  }
  return "?";
}

bool must_be_refused(Intent intent) {
  switch (intent) {
    case Intent::kCreate:
    case Intent::kPlausible:
    case Intent::kVote:
    case Intent::kRepeatedKey:
      return false;
    default:
      return true;
  }
}

RandomEventStream::RandomEventStream(std::shared_ptr<const Workflow> workflow, RandomEventOptions options)
    : workflow_(std::move(workflow)), options_(options), random_(options.seed), now_(options.start) {
  collect_hints();
}

// ---------------------------------------------------------------- what the rules read

void RandomEventStream::scan_expr(const CompiledExpr& expr, std::vector<FieldIndex>* reads) {
  std::vector<FieldIndex> fields;
  for (const engine::Instruction& instruction : expr.code()) {
    if (instruction.op == OpCode::kField && instruction.arg < workflow_->fields().size()) {
      add_unique(fields, instruction.arg);
    }
  }
  for (const Value& constant : expr.constants()) {
    for (FieldIndex field : fields) {
      if (!fits_field(constant, workflow_->fields()[field], field)) continue;
      std::vector<Value>& hints = field_hints_[field];
      if (std::find(hints.begin(), hints.end(), constant) == hints.end()) hints.push_back(constant);
    }
  }
  if (reads != nullptr) {
    for (FieldIndex field : fields) add_unique(*reads, field);
  }
}

void RandomEventStream::scan_actions(const std::vector<engine::Action>& actions, std::vector<FieldIndex>* reads) {
  for (const engine::Action& action : actions) {
    if (action.value) scan_expr(*action.value, reads);
    if (action.kind == engine::ActionKind::kClassify && action.target < workflow_->classifications().size()) {
      const engine::Classification& classification = workflow_->classifications()[action.target];
      for (const engine::TableAxis* axis : {&classification.row, &classification.column}) {
        if (classification.is_table() && !axis->is_attribute && axis->index < workflow_->fields().size()) {
          add_unique(*reads, axis->index);
        }
      }
      for (const engine::ClassifyRule& rule : classification.rules) {
        if (rule.condition) scan_expr(*rule.condition, reads);
      }
    }
    if (action.kind == engine::ActionKind::kRoute) {
      for (const engine::Category& category : workflow_->categories()) {
        for (const engine::Route& route : category.routes) {
          if (route.condition) scan_expr(*route.condition, reads);
        }
      }
    }
  }
}

void RandomEventStream::collect_hints() {
  const Workflow& workflow = *workflow_;
  field_hints_.assign(workflow.fields().size(), {});
  transition_hints_.assign(workflow.transitions().size(), {});
  for (TransitionIndex t = 0; t < workflow.transitions().size(); ++t) {
    const engine::Transition& transition = workflow.transitions()[t];
    std::vector<FieldIndex>& reads = transition_hints_[t].fields;
    if (transition.guard) scan_expr(*transition.guard, &reads);
    scan_actions(transition.actions, &reads);
    engine::StateIndex target = transition.to != engine::kNoIndex ? transition.to : transition.from;
    if (target < workflow.states().size()) {
      scan_actions(workflow.states()[target].on_enter, &reads);
      for (TransitionIndex automatic : workflow.automatic_transitions(target)) {
        const engine::Transition& next = workflow.transitions()[automatic];
        if (next.guard) scan_expr(*next.guard, &reads);
      }
      if (workflow.states()[target].awaits_approval) {
        for (const engine::ApprovalChoice& choice : workflow.approvals()) {
          if (choice.condition) scan_expr(*choice.condition, &reads);
        }
      }
    }
  }
  for (const engine::Constraint& constraint : workflow.constraints()) {
    scan_expr(constraint.condition, &constraint_fields_);
    if (constraint.when) scan_expr(*constraint.when, &constraint_fields_);
  }
  for (const engine::Timer& timer : workflow.timers()) {
    if (timer.guard) scan_expr(*timer.guard, nullptr);
  }
  for (const engine::Field& field : workflow.fields()) {
    if (field.default_value) scan_expr(*field.default_value, nullptr);
  }
}

// ---------------------------------------------------------------- draws

std::uint64_t RandomEventStream::below(std::uint64_t bound) {
  // Modulo rather than a std:: distribution: those differ between standard
  // libraries, and the stream must be the same everywhere.
  return bound == 0 ? 0 : random_() % bound;
}

bool RandomEventStream::chance(int per_mille) { return static_cast<int>(below(1000)) < per_mille; }

void RandomEventStream::step_time() {
  // Mostly minutes, so that a ticket sees its next event within hours; now
  // and then hours or days, so that limits run out and timers fire.
  std::uint64_t r = below(1000);
  if (r < 600) {
    now_ += static_cast<std::int64_t>(below(5 * kMinute + 1));
  } else if (r < 900) {
    now_ += 5 * kMinute + static_cast<std::int64_t>(below(kHour));
  } else if (r < 985) {
    now_ += kHour + static_cast<std::int64_t>(below(7 * kHour));
  } else {
    now_ += 8 * kHour + static_cast<std::int64_t>(below(2 * kDay));
  }
}

std::string RandomEventStream::fresh_key() { return "k" + std::to_string(next_key_++); }

void RandomEventStream::maybe_key(Event& event, const std::string& ticket) {
  if (!chance(400)) return;
  event.idempotency_key = fresh_key();
  std::vector<std::string>& kept = keys_[ticket];
  kept.push_back(*event.idempotency_key);
  if (kept.size() > kKeysKept) kept.erase(kept.begin());
}

std::string RandomEventStream::person() { return "u" + std::to_string(below(kPeople)); }

Actor RandomEventStream::anyone() {
  Actor actor{person(), {}};
  if (!workflow_->roles().empty() && chance(700)) actor.roles.push_back(pick(workflow_->roles()).name);
  return actor;
}

Actor RandomEventStream::holder_of(RoleIndex role, const Ticket* ticket) {
  const engine::Role& held = workflow_->roles()[role];
  Actor actor{person(), {}};
  if (!held.departments.empty() && chance(300)) {
    // `department.role`: mostly a department handling the ticket, so that it counts.
    std::vector<engine::DepartmentIndex> handling;
    if (ticket != nullptr) {
      for (engine::DepartmentIndex d : held.departments) {
        bool routed = std::find(ticket->departments.begin(), ticket->departments.end(), d) != ticket->departments.end();
        if (routed || ticket->assignee.department == d) handling.push_back(d);
      }
    }
    engine::DepartmentIndex department = !handling.empty() && chance(800) ? pick(handling) : pick(held.departments);
    actor.roles.push_back(workflow_->departments()[department].name + "." + held.name);
  } else {
    actor.roles.push_back(held.name);
  }
  if (chance(250)) actor.roles.push_back(pick(workflow_->roles()).name);
  return actor;
}

// ---------------------------------------------------------------- values

FieldInput RandomEventStream::random_in_domain(FieldIndex index) {
  const engine::Field& field = workflow_->fields()[index];
  bool ranged = field.range_min && field.range_max && field.range_min->type() == ValueType::kNumber &&
                field.range_max->type() == ValueType::kNumber;
  auto in_range = [&](std::int64_t scale_raw) {
    // A multiple of scale_raw (in ten-thousandths) inside the declared range.
    std::int64_t low = field.range_min->as_number().raw();
    std::int64_t high = field.range_max->as_number().raw();
    std::int64_t first = (low + scale_raw - 1) / scale_raw;
    std::int64_t last = high / scale_raw;
    if (last < first) return FieldInput::number(field.range_min->as_number());
    std::int64_t step = first + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(last - first + 1)));
    return FieldInput::number(Fixed::from_raw(step * scale_raw));
  };
  switch (field.type) {
    case FieldType::kText: {
      static const char* const kTexts[] = {"", "ok", "客户来电", "needs a callback", "replaced the pump", "x"};
      return FieldInput::text(kTexts[below(std::size(kTexts))]);
    }
    case FieldType::kInt:
      if (ranged) return in_range(Fixed::kScale);
      return FieldInput::integer(static_cast<std::int64_t>(below(12)) - 1);
    case FieldType::kDecimal:
      if (ranged) return in_range(1);
      return FieldInput::number(Fixed::from_raw(static_cast<std::int64_t>(below(100'000'000))));
    case FieldType::kMoney:
      if (ranged) return in_range(Fixed::kScale / 100);
      if (chance(150)) return FieldInput::integer(0);
      return FieldInput::number(Fixed::from_raw(static_cast<std::int64_t>(below(1'000'000)) * 100));
    case FieldType::kBool:
      return FieldInput::boolean(chance(500));
    case FieldType::kEnum:
      if (field.enum_values.empty()) return FieldInput::null();
      return FieldInput::text(pick(field.enum_values));
    case FieldType::kDuration:
      if (chance(500)) return FieldInput::text(engine::format_duration(static_cast<std::int64_t>(below(200)) * 900));
      return FieldInput::integer(static_cast<std::int64_t>(below(3 * kDay)));
    case FieldType::kTimestamp: {
      std::int64_t at = now_ - 30 * kDay + static_cast<std::int64_t>(below(60 * kDay));
      if (chance(500)) return FieldInput::text(engine::format_timestamp(at));
      return FieldInput::integer(at);
    }
  }
  return FieldInput::null();
}

FieldInput RandomEventStream::valid_value(FieldIndex index) {
  const engine::Field& field = workflow_->fields()[index];
  const std::vector<Value>& hints = field_hints_[index];
  if (!field.required && chance(30)) return FieldInput::null();
  // Texts are mostly compared with "" (`solution != ""`): a hint there is
  // the value that fails, so it comes less often.
  if (hints.empty() || chance(field.type == FieldType::kText ? 800 : 500)) return random_in_domain(index);
  Value hint = pick(hints);
  if (hint.type() == ValueType::kNumber && field.type != FieldType::kDecimal) {
    // Either side of a boundary the rules compare with: `overall >= 4` sees 3, 4 and 5.
    std::int64_t unit = field.type == FieldType::kMoney ? Fixed::kScale / 100 : Fixed::kScale;
    std::int64_t raw = hint.as_number().raw() / unit * unit + (static_cast<std::int64_t>(below(3)) - 1) * unit;
    hint = Value::number(Fixed::from_raw(raw));
  }
  if (std::optional<std::string> violation = engine::range_violation(*workflow_, index, hint)) {
    return random_in_domain(index);
  }
  return input_of(hint, *workflow_);
}

FieldInput RandomEventStream::invalid_value(FieldIndex index) {
  const engine::Field& field = workflow_->fields()[index];
  if (field.required && chance(200)) return FieldInput::null();
  bool ranged = field.range_min && field.range_max && field.range_min->type() == ValueType::kNumber;
  switch (field.type) {
    case FieldType::kText:
      return chance(500) ? FieldInput::integer(12) : FieldInput::boolean(true);
    case FieldType::kInt:
      if (ranged && chance(500)) {
        Fixed edge = chance(500) ? field.range_max->as_number() : field.range_min->as_number();
        std::int64_t outside = edge == field.range_max->as_number() ? Fixed::kScale : -Fixed::kScale;
        return FieldInput::number(Fixed::from_raw(edge.raw() + outside));
      }
      return chance(500) ? FieldInput::number(*Fixed::parse("2.5")) : FieldInput::text("five");
    case FieldType::kDecimal:
      if (ranged && chance(500)) return FieldInput::number(Fixed::from_raw(field.range_max->as_number().raw() + 1));
      return chance(500) ? FieldInput::text("1,5") : FieldInput::boolean(false);
    case FieldType::kMoney:
      return chance(500) ? FieldInput::number(*Fixed::parse("12.345")) : FieldInput::text("¥12");
    case FieldType::kBool:
      return chance(500) ? FieldInput::text("yes") : FieldInput::integer(1);
    case FieldType::kEnum:
      return chance(700) ? FieldInput::text("no_such_value") : FieldInput::integer(1);
    case FieldType::kDuration:
      return chance(500) ? FieldInput::text("soon") : FieldInput::number(*Fixed::parse("1.5"));
    case FieldType::kTimestamp:
      return chance(500) ? FieldInput::text("2026-02-30T00:00:00Z") : FieldInput::boolean(true);
  }
  return FieldInput::text("?");
}

std::vector<DataItem> RandomEventStream::data_for(const std::vector<FieldIndex>& wanted) {
  std::vector<FieldIndex> chosen;
  for (FieldIndex field : wanted) {
    if (chance(850)) add_unique(chosen, field);
  }
  for (FieldIndex field : constraint_fields_) {
    if (chance(150)) add_unique(chosen, field);
  }
  if (!workflow_->fields().empty() && chance(200))
    add_unique(chosen, static_cast<FieldIndex>(below(workflow_->fields().size())));
  std::vector<DataItem> data;
  for (FieldIndex field : chosen) data.push_back({workflow_->fields()[field].name, valid_value(field)});
  return data;
}

void RandomEventStream::spoil(std::vector<DataItem>& data, FieldIndex preferred) {
  std::uint64_t how = below(100);
  if (how < 12 || workflow_->fields().empty()) {
    data.push_back({"no_such_field", FieldInput::text("x")});
    return;
  }
  if (how < 24 && !data.empty()) {
    DataItem twice = pick(data);  // the same field twice
    data.push_back(std::move(twice));
    return;
  }
  FieldIndex field = preferred != engine::kNoIndex && chance(500)
                         ? preferred
                         : static_cast<FieldIndex>(below(workflow_->fields().size()));
  const std::string& name = workflow_->fields()[field].name;
  auto existing = std::find_if(data.begin(), data.end(), [&](const DataItem& item) { return item.field == name; });
  if (existing != data.end()) {
    existing->value = invalid_value(field);
  } else {
    data.insert(data.begin() + static_cast<std::ptrdiff_t>(below(data.size() + 1)),
                DataItem{name, invalid_value(field)});
  }
}

// ---------------------------------------------------------------- events

std::vector<DataItem> RandomEventStream::form() {
  std::vector<DataItem> data;
  for (FieldIndex f = 0; f < workflow_->fields().size(); ++f) {
    const engine::Field& field = workflow_->fields()[f];
    bool wanted = field.required ? (!field.default_value || chance(500)) : chance(250);
    if (!wanted) continue;
    FieldInput value = valid_value(f);
    if (field.required && value.kind() == FieldInput::Kind::kNull) value = random_in_domain(f);
    data.push_back({field.name, std::move(value)});
  }
  return data;
}

RandomEvent RandomEventStream::create() {
  RandomEvent generated;
  generated.intent = Intent::kCreate;
  Event& event = generated.event;
  event.at = now_;
  event.ticket = "T-" + std::to_string(next_ticket_++);
  event.event = std::string(engine::kCreateEvent);
  event.actor = anyone();
  event.data = form();
  maybe_key(event, event.ticket);
  in_play_.push_back(event.ticket);
  return generated;
}

RandomEvent RandomEventStream::plausible(const Ticket& ticket, TransitionIndex index) {
  const engine::Transition& transition = workflow_->transitions()[index];
  RandomEvent generated;
  generated.intent = Intent::kPlausible;
  Event& event = generated.event;
  event.at = now_;
  event.ticket = ticket.id;
  event.event = workflow_->events()[transition.event];
  std::vector<RoleIndex> roles = workflow_->roles_allowed(transition, ticket.category());
  event.actor = !transition.restricted() ? anyone()
                : roles.empty()          ? Actor{person(), {}}
                                         : holder_of(pick(roles), &ticket);
  event.data = data_for(transition_hints_[index].fields);
  maybe_key(event, ticket.id);
  return generated;
}

RandomEvent RandomEventStream::vote(const Ticket& ticket) {
  RandomEvent generated;
  generated.intent = Intent::kVote;
  Event& event = generated.event;
  event.at = now_;
  event.ticket = ticket.id;
  event.event = std::string(chance(200) ? engine::kRejectEvent : engine::kApproveEvent);
  const engine::ApprovalProgress& progress = *ticket.approval;
  const engine::Chain& chain = workflow_->chains()[progress.chain];
  std::uint64_t who = below(100);
  if (progress.level < chain.levels.size() && !chain.levels[progress.level].roles.empty() && who < 90) {
    event.actor = holder_of(pick(chain.levels[progress.level].roles), &ticket);
    if (who < 8) event.actor.id = progress.requester;  // four-eyes: must not count
  } else {
    event.actor = anyone();
  }
  maybe_key(event, ticket.id);
  return generated;
}

RandomEvent RandomEventStream::for_ticket(const Ticket& ticket) {
  const engine::State& state = workflow_->states()[ticket.state];
  bool voting = state.awaits_approval && ticket.approval && ticket.approval->chain != engine::kNoIndex &&
                ticket.approval->chain < workflow_->chains().size();
  std::vector<TransitionIndex> handled;
  for (TransitionIndex t : workflow_->transitions_from(ticket.state)) {
    const engine::Transition& transition = workflow_->transitions()[t];
    if (transition.automatic()) continue;
    if (state.awaits_approval && is_chain_decision(workflow_->events()[transition.event])) continue;
    handled.push_back(t);
  }
  RandomEvent generated;
  if (voting && (handled.empty() || chance(850))) {
    generated = vote(ticket);
  } else if (!handled.empty()) {
    generated = plausible(ticket, pick(handled));
  } else {
    // A state resting without events of its own: something the workflow knows.
    generated.event = {now_, ticket.id, pick(workflow_->events()), anyone(), {}, std::nullopt, {}};
    if (is_chain_decision(generated.event.event) && state.awaits_approval) generated.intent = Intent::kDecidedByChain;
  }
  if (generated.intent == Intent::kDecidedByChain) return generated;
  if (chance(options_.bad_data_per_mille)) {
    FieldIndex preferred = engine::kNoIndex;
    if (!generated.event.data.empty()) {
      preferred = workflow_->find_field(pick(generated.event.data).field).value_or(engine::kNoIndex);
    }
    spoil(generated.event.data, preferred);
    generated.intent = Intent::kBadData;
  } else if (chance(options_.repeated_key_per_mille)) {
    auto kept = keys_.find(ticket.id);
    if (kept != keys_.end() && !kept->second.empty()) {
      generated.event.idempotency_key = pick(kept->second);
      generated.intent = Intent::kRepeatedKey;
    }
  }
  return generated;
}

RandomEvent RandomEventStream::nonsense(const engine::Engine& engine) {
  RandomEvent generated;
  Event& event = generated.event;
  const Ticket* ticket = in_play_.empty() ? nullptr : engine.find(pick(in_play_));
  for (int attempt = 0; attempt < 20; ++attempt) {
    switch (below(9)) {
      case 0: {  // a form that does not fit
        step_time();
        generated = create();
        generated.intent = Intent::kBadData;
        std::vector<std::size_t> droppable;
        for (std::size_t i = 0; i < event.data.size(); ++i) {
          std::optional<FieldIndex> f = workflow_->find_field(event.data[i].field);
          if (f && workflow_->fields()[*f].required && !workflow_->fields()[*f].default_value) droppable.push_back(i);
        }
        if (!droppable.empty() && chance(400)) {
          event.data.erase(event.data.begin() + static_cast<std::ptrdiff_t>(pick(droppable)));
        } else {
          spoil(event.data, engine::kNoIndex);
        }
        return generated;
      }
      case 1: {
        if (ticket == nullptr) break;
        step_time();
        std::vector<std::string> names = {"no_such_event", "", "APPROVE", "Create"};
        for (const engine::State& state : workflow_->states()) names.push_back(state.name);
        for (const engine::Field& field : workflow_->fields()) names.push_back(field.name);
        std::string name = pick(names);
        if (workflow_->find_event(name) || name == engine::kCreateEvent || name == engine::kApproveEvent ||
            name == engine::kRejectEvent || is_chain_decision(name)) {
          name = "no_such_event";
        }
        event = {now_, ticket->id, name, anyone(), {}, std::nullopt, {}};
        maybe_key(event, ticket->id);
        generated.intent = Intent::kUnknownEvent;
        return generated;
      }
      case 2: {  // holds none of the roles any candidate for the event needs
        if (ticket == nullptr) break;
        std::map<engine::EventId, std::vector<RoleIndex>> needed;  // events whose every candidate names roles
        std::vector<engine::EventId> open_to_anyone;
        for (TransitionIndex t : workflow_->transitions_from(ticket->state)) {
          const engine::Transition& transition = workflow_->transitions()[t];
          if (transition.automatic() || is_chain_decision(workflow_->events()[transition.event])) continue;
          if (!transition.restricted()) open_to_anyone.push_back(transition.event);
          for (RoleIndex r : workflow_->roles_allowed(transition, ticket->category())) {
            needed[transition.event].push_back(r);
          }
        }
        for (engine::EventId open : open_to_anyone) needed.erase(open);
        if (needed.empty()) break;
        auto chosen = needed.begin();
        std::advance(chosen, static_cast<std::ptrdiff_t>(below(needed.size())));
        const std::vector<RoleIndex>& roles = chosen->second;
        Actor actor{person(), {}};
        std::vector<std::string> wrong;
        for (RoleIndex r = 0; r < workflow_->roles().size(); ++r) {
          if (std::find(roles.begin(), roles.end(), r) == roles.end()) wrong.push_back(workflow_->roles()[r].name);
        }
        // A needed role scoped to a department that does not handle the ticket.
        for (RoleIndex r : roles) {
          for (engine::DepartmentIndex d = 0; d < workflow_->departments().size(); ++d) {
            bool routed =
                std::find(ticket->departments.begin(), ticket->departments.end(), d) != ticket->departments.end();
            if (!routed && ticket->assignee.department != d) {
              wrong.push_back(workflow_->departments()[d].name + "." + workflow_->roles()[r].name);
            }
          }
        }
        if (!wrong.empty() && chance(850)) actor.roles.push_back(pick(wrong));
        step_time();
        TransitionIndex example = engine::kNoIndex;
        for (TransitionIndex t : workflow_->candidates(ticket->state, chosen->first)) example = t;
        event = {now_,
                 ticket->id,
                 workflow_->events()[chosen->first],
                 actor,
                 example != engine::kNoIndex ? data_for(transition_hints_[example].fields) : std::vector<DataItem>{},
                 std::nullopt,
                 {}};
        maybe_key(event, ticket->id);
        generated.intent = Intent::kWrongRole;
        return generated;
      }
      case 3: {
        step_time();
        std::string name = workflow_->events().empty() ? std::string("anything") : pick(workflow_->events());
        event = {now_, "X-" + std::to_string(next_unknown_++), name, anyone(), {}, std::nullopt, {}};
        if (chance(300)) event.idempotency_key = fresh_key();
        generated.intent = Intent::kUnknownTicket;
        return generated;
      }
      case 4: {  // `create` again for an id that exists
        if (ticket == nullptr && closed_.empty()) break;
        std::string id = ticket != nullptr && (closed_.empty() || chance(500)) ? ticket->id : pick(closed_);
        step_time();
        event = {now_, id, std::string(engine::kCreateEvent), anyone(), form(), std::nullopt, {}};
        maybe_key(event, id);
        generated.intent = Intent::kSecondCreate;
        return generated;
      }
      case 5: {  // earlier than the ticket's last change
        if (ticket == nullptr) break;
        std::vector<TransitionIndex> handled;
        for (TransitionIndex t : workflow_->transitions_from(ticket->state)) {
          if (!workflow_->transitions()[t].automatic()) handled.push_back(t);
        }
        if (handled.empty()) break;
        generated = plausible(*ticket, pick(handled));
        event.at = ticket->updated_at - 1 - static_cast<std::int64_t>(below(2 * kHour));
        generated.intent = Intent::kOutOfOrder;
        return generated;
      }
      case 6: {  // the chain's decision, sent from outside
        if (ticket == nullptr || !workflow_->states()[ticket->state].awaits_approval) break;
        step_time();
        event = {now_, ticket->id, chance(500) ? "approved" : "rejected", anyone(), {}, std::nullopt, {}};
        maybe_key(event, ticket->id);
        generated.intent = Intent::kDecidedByChain;
        return generated;
      }
      case 7: {  // a vote where no approval is awaited
        if (ticket == nullptr || workflow_->states()[ticket->state].awaits_approval) break;
        step_time();
        event = {now_,     ticket->id, std::string(chance(500) ? engine::kApproveEvent : engine::kRejectEvent),
                 anyone(), {},         std::nullopt,
                 {}};
        maybe_key(event, ticket->id);
        generated.intent = Intent::kMisplacedVote;
        return generated;
      }
      case 8: {  // anything at all for a closed ticket
        if (closed_.empty() || workflow_->events().empty()) break;
        step_time();
        std::string id = pick(closed_);
        std::string name = chance(800) ? pick(workflow_->events()) : std::string(engine::kApproveEvent);
        event = {now_, id, name, anyone(), {}, std::nullopt, {}};
        maybe_key(event, id);
        generated.intent = Intent::kClosedTicket;
        return generated;
      }
    }
  }
  step_time();
  event = {now_, "X-" + std::to_string(next_unknown_++), "no_such_event", anyone(), {}, std::nullopt, {}};
  generated.intent = Intent::kUnknownTicket;
  return generated;
}

RandomEvent RandomEventStream::next(const engine::Engine& engine) {
  // Tickets whose `create` was refused, or that reached a final state, leave play.
  std::erase_if(in_play_, [&](const std::string& id) {
    const Ticket* ticket = engine.find(id);
    if (ticket == nullptr) return true;
    if (!workflow_->is_final(ticket->state)) return false;
    closed_.push_back(id);
    return true;
  });
  if (chance(options_.nonsense_per_mille)) return nonsense(engine);
  step_time();
  if (in_play_.size() < options_.open_tickets && (in_play_.empty() || chance(250))) return create();
  const Ticket* ticket = engine.find(pick(in_play_));
  return for_ticket(*ticket);
}

}  // namespace docket::testing
