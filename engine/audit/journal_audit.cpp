#include "engine/audit/journal_audit.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include "engine/model/event.h"
#include "engine/model/expr.h"
#include "engine/model/text.h"
#include "engine/runtime/approval.h"
#include "engine/runtime/duration.h"
#include "engine/runtime/runner.h"
#include "engine/runtime/sla.h"
#include "engine/runtime/ticket.h"

namespace docket::engine {
namespace {

constexpr std::size_t attr(Attribute attribute) { return static_cast<std::size_t>(attribute); }

bool same_position(const RulePosition& a, const RulePosition& b) {
  return a.where == b.where && a.line == b.line && a.column == b.column;
}

std::string quoted(std::string_view text) { return "`" + std::string(text) + "`"; }

std::string position_text(const RulePosition& position) {
  if (!position.where.empty()) return position.where;
  if (position.line == 0) return "no rule";
  return "line " + std::to_string(position.line);
}

// Version ids are 64 hex digits; 12 identify one in a message.
std::string short_id(std::string_view id) { return std::string(id.substr(0, 12)); }

bool is_sla(RecordKind kind) {
  return kind == RecordKind::kWarning || kind == RecordKind::kEscalation || kind == RecordKind::kBreach;
}

// What the transition or timer at `position` is, for messages: "the
// transition `proposing -> approving` on `proposed`".
std::string what_is_at(const Workflow& workflow, const RulePosition& position) {
  const std::vector<State>& states = workflow.states();
  auto state_name = [&](StateIndex state) {
    return state < states.size() ? states[state].name : std::string("(stays)");
  };
  for (const Transition& transition : workflow.transitions()) {
    if (!same_position(transition.position, position)) continue;
    std::string text = "the transition `" + state_name(transition.from) + " -> " +
                       state_name(transition.to == kNoIndex ? transition.from : transition.to) + "`";
    return text + (transition.automatic() ? " (auto)" : " on " + quoted(workflow.events()[transition.event]));
  }
  for (const Timer& timer : workflow.timers()) {
    if (same_position(timer.position, position)) return "a timer of state " + quoted(state_name(timer.state));
  }
  return "no transition or timer";
}

std::string percent_text(double percent) {
  char text[32];
  std::snprintf(text, sizeof text, "%g%%", percent);
  return text;
}

// The least wall-clock time a duration can take: business time is never
// shorter than wall-clock time, and N working days end at the close of the
// Nth working day after the start's date, more than N - 1 days later (less
// an hour for a clock change).
std::int64_t shortest_seconds(const Duration& length) {
  if (!length.in_workdays()) return length.seconds;
  return std::max<std::int64_t>(0, (length.workdays - 1) * 86400 - 3600);
}

// entered + seconds * times, or the largest instant when that overflows (a
// timer that could never be due).
std::int64_t time_after(std::int64_t entered, std::int64_t seconds, std::int64_t times) {
  std::int64_t span = 0;
  std::int64_t due = 0;
  if (__builtin_mul_overflow(seconds, times, &span) || __builtin_add_overflow(entered, span, &due)) {
    return std::numeric_limits<std::int64_t>::max();
  }
  return due;
}

// ---------------------------------------------------------------- what is followed per ticket

// What the journal tells of one SLA clock: the instants it can count from,
// and its extensions.
struct AuditedClock {
  // Every instant the clock may count from (clock_origin()), as far as the
  // records show; empty until it starts.
  std::vector<std::int64_t> origins;
  // A pause came after every origin, so the first stretch had a length: a
  // later resume does not become the origin (a stretch of no length is not
  // kept, engine/runtime/sla.cpp).
  bool ran = false;
  std::uint32_t extensions = 0;  // `extend` effects so far
  std::int64_t extended_workdays = 0;
  std::int64_t extended_seconds = 0;

  // More candidates than an honest journal makes (a clock started from a
  // few fields, or resumed after stretches of no length): the list stops
  // growing and the limit is not checked, so that a hostile journal cannot
  // make the audit's time and memory grow with the square of its length.
  static constexpr std::size_t kMaxOrigins = 32;
  bool too_many_origins = false;

  void add_origin(std::int64_t at) {
    if (std::find(origins.begin(), origins.end(), at) != origins.end()) return;
    if (origins.size() >= kMaxOrigins) {
      too_many_origins = true;
      return;
    }
    origins.push_back(at);
  }
};

struct AuditedTicket {
  std::shared_ptr<const Workflow> workflow;
  std::uint64_t created_seq = 0;
  StateIndex state = kNoIndex;
  std::int64_t last_at = std::numeric_limits<std::int64_t>::min();
  std::int64_t entered_at = 0;               // when the current state was entered
  std::vector<std::uint32_t> timer_firings;  // by TimerIndex: firings since then

  std::vector<Value> fields;  // by FieldIndex
  std::array<Value, kAttributeCount> attributes;
  std::vector<std::string> departments;  // routed, in route order
  std::string assignee_department;       // "" when the assignee names none

  std::optional<ApprovalProgress> approval;    // in an `await approval` state
  std::optional<Proposal> proposal;            // since the last `as proposer` transition
  bool approval_complete = false;              // `none`, or every level approved
  bool level_timed_out = false;                // the open level's `within` has run out
  std::map<std::string, AuditedClock> clocks;  // by metric name

  // The latest transition or timer record: when it was, the state it left
  // and the priority before it. SLA thresholds passed during it are written
  // after it but may name that state and priority.
  std::int64_t moved_at = std::numeric_limits<std::int64_t>::min();
  StateIndex moved_from = kNoIndex;
  Value priority_before_move;

  const std::string& state_name() const {
    static const std::string kNone;
    return state < workflow->states().size() ? workflow->states()[state].name : kNone;
  }
  TicketView view() const { return TicketView{fields, attributes}; }
};

// Checks one accepted (not rejected) record of a known ticket against its
// version and, when it is legal, applies it to `ticket`. A fresh Checker per
// record; `ticket` is a copy the caller keeps only on success.
class Checker {
 public:
  // `version`: what the engine derives from `workflow` (calendars, how
  // clocks start); null when it cannot be built, and then the clocks' limits
  // in working days are checked by their text only.
  Checker(const Record& record, const Workflow& workflow, const Version* version, AuditedTicket& ticket)
      : record_(record), workflow_(workflow), version_(version), ticket_(ticket) {}

  std::optional<std::string> create();
  std::optional<std::string> run();

 private:
  std::optional<std::string> transition();
  std::optional<std::string> timer();
  std::optional<std::string> vote();
  std::optional<std::string> approval_timeout();
  std::optional<std::string> sla();

  // The transition among `candidates` that the record names, checked as the
  // engine selects: the first candidate whose guard holds (and, with
  // `roles`, whose roles the actor holds) fires. With `data_prefix`, the
  // guards are tried on the ticket with every leading part of the record's
  // field changes applied (the event data comes first in a record, but the
  // record does not say how many changes are data).
  std::optional<std::string> fired(std::span<const TransitionIndex> candidates, bool roles, bool data_prefix,
                                   const Transition** chosen);
  std::optional<std::string> approval_decision();
  std::optional<std::string> unrequired_approval() const;
  // Who proposed, and who acted on the plan since (fired a transition or
  // voted), as the engine notes it (Runner::note_proposal()).
  void note_proposal(const Transition& transition);
  void note_participant();
  // The role the ticket is assigned to, from its `assignee` text; "" for none.
  std::string assignee_role() const;
  // Who a level may exclude besides the proposer (plan_people() of the engine).
  PlanPeople people(const std::string& assignee_role) const;

  // That the changes follow from what the event sent and the actions.
  std::optional<std::string> changes_follow() const;
  // How many leading changes the event's data made; or why it could not.
  Result<std::size_t> data_changes() const;
  std::optional<std::string> unbacked_change(std::size_t from) const;

  // Applies the record's changes, then moves into `target` (kNoIndex: stays).
  std::optional<std::string> apply(StateIndex target);
  std::optional<std::string> apply_changes();
  std::optional<std::string> enter(StateIndex target);
  // Follows the clocks through the record's clock effects (and, for clocks
  // that start on their own, the first priority), after its changes.
  std::optional<std::string> track_clocks(const std::vector<Value>& fields_before, const Value& priority_before);
  // The instants a clock started by this record may count from.
  std::vector<std::int64_t> start_origins(MetricIndex metric, const std::vector<Value>& fields_before) const;
  // Clocks that start with the ticket or its first priority, not by an action or from a field.
  bool starts_on_its_own(MetricIndex metric) const;
  std::optional<std::string> workday_limit(const SlaMark& mark, const TimeLimit& limit, const std::string& clock);
  std::optional<Value> resolved(const Change& change) const;

  Actor scoped_actor() const;
  bool holds_any(const Actor& actor, const std::vector<RoleIndex>& roles) const;
  std::string role_names(const std::vector<RoleIndex>& roles) const;
  std::string state_name(StateIndex state) const;
  std::optional<std::string> expect_no_actor() const;
  std::string describe(const Transition& transition) const;
  std::string not_in_version(const std::string& detail) const;
  std::string guard_problem(const CompiledExpr& guard, const TicketView& view, const std::string& what) const;

  const Record& record_;
  const Workflow& workflow_;
  const Version* version_;
  AuditedTicket& ticket_;
};

std::string Checker::state_name(StateIndex state) const {
  return state < workflow_.states().size() ? workflow_.states()[state].name : std::string();
}

Actor Checker::scoped_actor() const {
  std::vector<std::string_view> departments(ticket_.departments.begin(), ticket_.departments.end());
  if (!ticket_.assignee_department.empty()) departments.push_back(ticket_.assignee_department);
  return record_.actor.scoped_to(departments);
}

bool Checker::holds_any(const Actor& actor, const std::vector<RoleIndex>& roles) const {
  return std::any_of(roles.begin(), roles.end(), [&](RoleIndex role) {
    return role < workflow_.roles().size() && actor.holds(workflow_.roles()[role].name);
  });
}

std::string Checker::role_names(const std::vector<RoleIndex>& roles) const {
  std::string text;
  for (RoleIndex role : roles) {
    if (!text.empty()) text += ", ";
    text += role < workflow_.roles().size() ? workflow_.roles()[role].name : std::string("?");
  }
  return text;
}

std::string Checker::describe(const Transition& transition) const {
  StateIndex to = transition.to == kNoIndex ? transition.from : transition.to;
  std::string text = "`" + state_name(transition.from) + " -> " + state_name(to) + "`";
  text += transition.automatic() ? " (auto)" : " on " + quoted(workflow_.events()[transition.event]);
  return text + " at " + position_text(transition.position);
}

std::string Checker::not_in_version(const std::string& detail) const {
  std::string what = record_.cause == Cause::kAutomatic ? "automatic transition" : "transition";
  std::string text = what + " `" + record_.from + " -> " + record_.to + "`";
  if (record_.cause != Cause::kAutomatic) text += " on " + quoted(record_.event);
  return text + " is not in version " + short_id(workflow_.version_id()) + ": " + detail;
}

std::string Checker::guard_problem(const CompiledExpr& guard, const TicketView& view, const std::string& what) const {
  EvalFailure failure;
  std::optional<bool> holds = evaluate_condition(guard, view, record_.at, &failure);
  std::string text = "the guard `" + guard.text() + "` of " + what;
  if (!holds) return text + " cannot be evaluated: " + workflow_.describe(failure, guard);
  return text + " is false";
}

std::optional<std::string> Checker::expect_no_actor() const {
  if (!record_.event.empty()) return "a " + std::string(to_string(record_.kind)) + " record names an event";
  if (!(record_.actor == Actor{})) {
    return "a " + std::string(to_string(record_.kind)) + " record names an actor (" + quoted(record_.actor.id) + ")";
  }
  return std::nullopt;
}

// ------------------------------------------------ creation

std::optional<std::string> Checker::create() {
  StateIndex initial = workflow_.initial_state();
  const State& state = workflow_.states()[initial];
  if (record_.event != kCreateEvent) return "a create record on " + quoted(record_.event) + " instead of `create`";
  if (!record_.from.empty()) return "a create record starts from state " + quoted(record_.from) + ", not from \"\"";
  if (record_.to != state.name) {
    return "a create record enters " + quoted(record_.to) + ", but the initial state of version " +
           short_id(workflow_.version_id()) + " is " + quoted(state.name);
  }
  if (!same_position(record_.rule, state.position)) {
    return "a create record cites " + position_text(record_.rule) + ", not the initial state (" +
           position_text(state.position) + ")";
  }
  ticket_.state = kNoIndex;
  ticket_.fields.assign(workflow_.fields().size(), Value());
  ticket_.attributes = {};
  ticket_.attributes[attr(Attribute::kRequester)] = Value::text(record_.actor.id);
  ticket_.attributes[attr(Attribute::kCreatedAt)] = Value::timestamp(record_.at);
  ticket_.moved_at = record_.at;
  ticket_.moved_from = kNoIndex;
  // With EngineOptions::SlaStart::kTicketCreation these clocks start now;
  // with kFirstPriority, when the priority is first set (track_clocks()).
  ticket_.clocks.clear();
  for (MetricIndex m = 0; m < workflow_.metrics().size(); ++m) {
    if (starts_on_its_own(m)) ticket_.clocks[workflow_.metrics()[m]].add_origin(record_.at);
  }
  if (std::optional<std::string> problem = changes_follow()) return problem;
  return apply(initial);
}

// ------------------------------------------------ one record

std::optional<std::string> Checker::run() {
  const Value priority_before = ticket_.attributes[attr(Attribute::kPriority)];
  const StateIndex from = ticket_.state;
  std::optional<std::string> problem = changes_follow();
  if (problem) return problem;
  bool moves = false;
  switch (record_.kind) {
    case RecordKind::kTransition:
      problem = transition();
      moves = true;
      break;
    case RecordKind::kTimer:
      problem = timer();
      moves = true;
      break;
    case RecordKind::kApproval:
      problem = vote();
      break;
    case RecordKind::kApprovalTimeout:
      problem = approval_timeout();
      break;
    case RecordKind::kWarning:
    case RecordKind::kEscalation:
    case RecordKind::kBreach:
      problem = sla();
      break;
    case RecordKind::kRejection:
    case RecordKind::kMigration:
      return "a record checked as a step of the rules";  // the caller routes these elsewhere
  }
  if (problem) return problem;
  if (moves) {
    ticket_.moved_at = record_.at;
    ticket_.moved_from = from;
    ticket_.priority_before_move = priority_before;
  }
  return std::nullopt;
}

// ------------------------------------------------ transitions

std::optional<std::string> Checker::transition() {
  StateIndex from = ticket_.state;
  std::span<const TransitionIndex> candidates;
  const Transition* chosen = nullptr;
  std::optional<std::string> problem;
  switch (record_.cause) {
    case Cause::kEvent: {
      if (record_.event.empty()) return "a transition caused by an event names no event";
      if (record_.event == kCreateEvent) return "a `create` event fires no transition of an existing ticket";
      if ((record_.event == "approved" || record_.event == "rejected") && workflow_.states()[from].awaits_approval) {
        return quoted(record_.event) + " sent as an event in " + quoted(record_.from) +
               ": in an `await approval` state only the approval chain decides";
      }
      std::optional<EventId> event = workflow_.find_event(record_.event);
      if (event) candidates = workflow_.candidates(from, *event);
      if (candidates.empty()) {
        return not_in_version("state " + quoted(record_.from) + " has no transition on " + quoted(record_.event));
      }
      problem = fired(candidates, true, true, &chosen);
      break;
    }
    case Cause::kAutomatic:
      candidates = workflow_.automatic_transitions(from);
      if (candidates.empty()) return not_in_version("state " + quoted(record_.from) + " has no `auto` transition");
      problem = fired(candidates, false, false, &chosen);
      break;
    case Cause::kApproval: {
      if (record_.event != "approved" && record_.event != "rejected") {
        return "a transition caused by an approval decision on " + quoted(record_.event) +
               " instead of `approved` or `rejected`";
      }
      if (!workflow_.states()[from].awaits_approval) {
        return not_in_version("state " + quoted(record_.from) + " does not await approval");
      }
      std::optional<EventId> event = workflow_.find_event(record_.event);
      if (event) candidates = workflow_.candidates(from, *event);
      if (candidates.empty()) {
        return not_in_version("state " + quoted(record_.from) + " has no transition on " + quoted(record_.event));
      }
      problem = fired(candidates, true, true, &chosen);
      if (!problem) problem = approval_decision();
      break;
    }
    case Cause::kCreate:
    case Cause::kTimer:
    case Cause::kSla:
    case Cause::kMigration:
      return std::string("a transition of cause `") + to_string(record_.cause) +
             "`: transitions are caused by an event, `auto` or an approval decision (timers write timer records)";
  }
  if (problem) return problem;
  note_proposal(*chosen);
  return apply(chosen->to);
}

void Checker::note_proposal(const Transition& transition) {
  const std::string& actor = record_.actor.id;
  if (transition.proposes) {
    std::string proposer = actor.empty() ? ticket_.attributes[attr(Attribute::kRequester)].as_text() : actor;
    ticket_.proposal = Proposal{proposer, {proposer}};
    return;
  }
  note_participant();
}

void Checker::note_participant() {
  const std::string& actor = record_.actor.id;
  if (!ticket_.proposal || actor.empty()) return;
  std::vector<std::string>& participants = ticket_.proposal->participants;
  if (std::find(participants.begin(), participants.end(), actor) == participants.end()) participants.push_back(actor);
}

std::string Checker::assignee_role() const {
  const Value& assignee = ticket_.attributes[attr(Attribute::kAssignee)];
  if (assignee.type() != ValueType::kText) return {};
  const std::string& text = assignee.as_text();
  std::size_t dot = text.find('.');
  if (dot != std::string::npos) return text.substr(dot + 1);
  return workflow_.find_department(text) ? std::string() : text;
}

PlanPeople Checker::people(const std::string& assignee_role) const {
  PlanPeople people;
  if (ticket_.proposal) {
    people.participants = ticket_.proposal->participants;
  } else {
    people.participants = std::span<const std::string>(&ticket_.approval->requester, 1);
  }
  people.assignee_role = assignee_role;
  return people;
}

std::optional<std::string> Checker::fired(std::span<const TransitionIndex> candidates, bool roles, bool data_prefix,
                                          const Transition** chosen) {
  const std::vector<Transition>& transitions = workflow_.transitions();
  auto target_of = [&](const Transition& t) { return state_name(t.to == kNoIndex ? t.from : t.to); };
  std::size_t position = candidates.size();
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const Transition& candidate = transitions[candidates[i]];
    if (same_position(candidate.position, record_.rule) && target_of(candidate) == record_.to) {
      position = i;
      break;
    }
  }
  std::string handled = record_.cause == Cause::kAutomatic ? std::string("`auto`") : "on " + quoted(record_.event);
  if (position == candidates.size()) {
    for (TransitionIndex index : candidates) {
      const Transition& candidate = transitions[index];
      if (!same_position(candidate.position, record_.rule)) continue;
      std::string goes = candidate.stays() ? " stays in " : " goes to ";
      return not_in_version("state " + quoted(record_.from) + " has no transition " + handled + " to " +
                            quoted(record_.to) + " (the one at " + position_text(candidate.position) + goes +
                            quoted(target_of(candidate)) + ")");
    }
    std::string written;
    for (TransitionIndex index : candidates) {
      const Transition& candidate = transitions[index];
      if (target_of(candidate) != record_.to) continue;
      written = " (it is written at " + position_text(candidate.position) + ")";
      break;
    }
    if (written.empty()) {
      return not_in_version("state " + quoted(record_.from) + " has no transition " + handled + " to " +
                            quoted(record_.to));
    }
    return not_in_version("the rule it cites, " + position_text(record_.rule) + ", is " +
                          what_is_at(workflow_, record_.rule) + ", not the transition of " + quoted(record_.from) +
                          " " + handled + " to " + quoted(record_.to) + written);
  }
  const Transition& transition = transitions[candidates[position]];
  *chosen = &transition;

  Actor actor = scoped_actor();
  // `by owner` reads the category the ticket had when the event came.
  std::optional<CategoryIndex> category;
  if (const Value& value = ticket_.attributes[attr(Attribute::kCategory)]; value.type() == ValueType::kCategory) {
    category = value.ordinal();
  }
  auto may_send = [&](const Transition& candidate) {
    return !candidate.restricted() || holds_any(actor, workflow_.roles_allowed(candidate, category));
  };
  if (roles && !may_send(transition)) {
    std::string who = record_.actor.id.empty() ? std::string("an actor without id") : quoted(record_.actor.id);
    std::string held;
    for (const std::string& role : record_.actor.roles) held += (held.empty() ? "" : ", ") + role;
    std::vector<RoleIndex> allowed = workflow_.roles_allowed(transition, category);
    return who + " (roles: " + (held.empty() ? std::string("none") : held) + ") holds none of the roles of " +
           describe(transition) + ": needs one of " +
           (allowed.empty() ? std::string("the owner of the ticket's category (none)") : role_names(allowed));
  }

  auto enabled = [&](const Transition& candidate, const TicketView& view) {
    if (candidate.guard && !evaluate_condition(*candidate.guard, view, record_.at).value_or(false)) return false;
    return !roles || may_send(candidate);
  };
  std::size_t prefixes = 0;
  if (data_prefix) {
    std::vector<std::string_view> seen;
    for (const Change& change : record_.changes) {
      if (!workflow_.find_field(change.field)) break;
      if (std::find(seen.begin(), seen.end(), change.field) != seen.end()) break;
      seen.push_back(change.field);
      ++prefixes;
    }
  }
  std::vector<Value> fields = ticket_.fields;
  const Transition* preferred = nullptr;
  bool guard_held = false;
  for (std::size_t applied = 0; applied <= prefixes; ++applied) {
    if (applied > 0) {
      const Change& change = record_.changes[applied - 1];
      std::optional<Value> value = resolved(change);
      if (!value) break;
      fields[*workflow_.find_field(change.field)] = std::move(*value);
    }
    TicketView view{fields, ticket_.attributes};
    if (!enabled(transition, view)) continue;
    guard_held = true;
    const Transition* first = nullptr;
    for (std::size_t i = 0; i < position && first == nullptr; ++i) {
      if (enabled(transitions[candidates[i]], view)) first = &transitions[candidates[i]];
    }
    if (first == nullptr) return std::nullopt;
    if (preferred == nullptr) preferred = first;
  }
  if (!guard_held && transition.guard) {
    return guard_problem(*transition.guard, ticket_.view(), describe(transition)) + " on the ticket as it was";
  }
  if (preferred == nullptr) return describe(transition) + " could not have fired";
  return describe(transition) + " fired, but " + describe(*preferred) +
         " is written before it and was enabled: the engine fires the first";
}

std::optional<std::string> Checker::approval_decision() {
  if (!ticket_.approval) return "an approval decision while no approval is in progress";
  const ApprovalProgress& progress = *ticket_.approval;
  if (record_.event == "approved") {
    if (ticket_.approval_complete) return unrequired_approval();
    const ApprovalLevel& level = workflow_.chains()[progress.chain].levels[progress.level];
    return "`approved` fired while approval " + level_name(workflow_, progress) + " has " +
           std::to_string(votes_at_level(progress)) + " of " + std::to_string(votes_needed(level)) + " votes";
  }
  if (progress.chain == kNoIndex) return "`rejected` fired, but the ticket needed no approval (chain `none`)";
  if (ticket_.approval_complete) return "`rejected` fired after every level of the chain had approved";
  std::string role = assignee_role();
  if (std::optional<Rejection> refused = check_rejection(workflow_, progress, scoped_actor(), people(role))) {
    return "`rejected` fired, but " + refused->reason;
  }
  return std::nullopt;
}

// An `approved` that says no approval was required (its first action, as
// the engine writes it since journals name no approver there) must be of a
// `none` chain and name nobody. Older journals name the actor of the event
// that entered the state and say nothing: they verify as they are.
std::optional<std::string> Checker::unrequired_approval() const {
  bool says_unrequired = !record_.effects.empty() && record_.effects.front().kind == EffectKind::kApprovalChain &&
                         record_.effects.front().target == "none";
  if (!says_unrequired) return std::nullopt;
  const ApprovalProgress& progress = *ticket_.approval;
  if (progress.chain != kNoIndex) {
    return "`approved` says no approval was required, but chain " + quoted(workflow_.chains()[progress.chain].name) +
           " was approved by votes";
  }
  if (!(record_.actor == Actor{})) {
    return "`approved` of a ticket that needed no approval names an approver (" + quoted(record_.actor.id) +
           "): nobody approved";
  }
  return std::nullopt;
}

// ------------------------------------------------ timers

std::optional<std::string> Checker::timer() {
  if (record_.cause != Cause::kTimer) {
    return std::string("a timer record of cause `") + to_string(record_.cause) + "`, not `timer`";
  }
  if (std::optional<std::string> problem = expect_no_actor()) return problem;
  StateIndex from = ticket_.state;
  const Timer* found = nullptr;
  TimerIndex index = kNoIndex;
  for (TimerIndex candidate : workflow_.timers_of(from)) {
    if (!same_position(workflow_.timers()[candidate].position, record_.rule)) continue;
    found = &workflow_.timers()[candidate];
    index = candidate;
    break;
  }
  std::string what = "timer `" + record_.from + (record_.to == record_.from ? "" : " -> " + record_.to) + "`";
  if (found == nullptr) {
    return what + " is not in version " + short_id(workflow_.version_id()) + ": the rule it cites, " +
           position_text(record_.rule) + ", is " + what_is_at(workflow_, record_.rule) + ", not a timer of state " +
           quoted(record_.from);
  }
  std::string target = found->target == kNoIndex ? record_.from : state_name(found->target);
  std::string at = "the timer at " + position_text(found->position);
  if (record_.to != target) {
    return what + " is not in version " + short_id(workflow_.version_id()) + ": " + at +
           (found->target == kNoIndex ? " stays in " + quoted(target) : " goes to " + quoted(target));
  }
  std::uint32_t firings = index < ticket_.timer_firings.size() ? ticket_.timer_firings[index] : 0;
  if (!found->recurring && firings > 0) {
    return at + " (`after`) fired again without the ticket re-entering " + quoted(record_.from);
  }
  // Business time is never shorter than wall-clock time: the n-th firing is
  // at least n durations after entering the state.
  if (record_.at < time_after(ticket_.entered_at, shortest_seconds(found->length), std::int64_t{firings} + 1)) {
    return at + " fired at " + format_timestamp(record_.at) + ", before it was due: the ticket entered " +
           quoted(record_.from) + " at " + format_timestamp(ticket_.entered_at) + " and the timer runs " +
           workflow_.describe(found->length) + (firings > 0 ? " (firing " + std::to_string(firings + 1) + ")" : "");
  }
  if (found->guard && !evaluate_condition(*found->guard, ticket_.view(), record_.at).value_or(false)) {
    return guard_problem(*found->guard, ticket_.view(), at) + ": a timer whose guard is false does nothing";
  }
  if (index < ticket_.timer_firings.size()) ++ticket_.timer_firings[index];
  return apply(found->target);
}

// ------------------------------------------------ approvals

std::optional<std::string> Checker::vote() {
  if (record_.cause != Cause::kEvent || record_.event != kApproveEvent) {
    return "an approval vote must be an `approve` event (cause `event`), not " + quoted(record_.event) + " of cause " +
           quoted(to_string(record_.cause));
  }
  if (record_.to != record_.from) return "an approval vote moves the ticket to " + quoted(record_.to);
  if (!workflow_.states()[ticket_.state].awaits_approval) {
    return "an approval vote in state " + quoted(record_.from) + ", which does not await approval";
  }
  if (!ticket_.approval || ticket_.approval->chain == kNoIndex) {
    return "an approval vote, but the ticket needed no approval (chain `none`)";
  }
  ApprovalProgress& progress = *ticket_.approval;
  if (ticket_.approval_complete) return "an approval vote after every level of the chain had approved";
  const Chain& chain = workflow_.chains()[progress.chain];
  const ApprovalLevel& level = chain.levels[progress.level];
  if (!same_position(record_.rule, level.position)) {
    return "an approval vote cites " + position_text(record_.rule) + ", but the open level is " +
           level_name(workflow_, progress) + " at " + position_text(level.position);
  }
  std::string assigned = assignee_role();
  std::variant<RoleIndex, Rejection> role = check_vote(workflow_, progress, scoped_actor(), people(assigned));
  if (const auto* refused = std::get_if<Rejection>(&role)) {
    return "an approval vote that does not count: " + refused->reason;
  }
  if (std::optional<std::string> problem = apply(kNoIndex)) return problem;
  progress.votes.push_back(ApprovalVote{record_.actor.id, progress.level, std::get<RoleIndex>(role)});
  note_participant();
  if (votes_at_level(progress) < votes_needed(level)) return std::nullopt;
  if (progress.level + 1 < chain.levels.size()) {
    ++progress.level;
    progress.level_started_at = record_.at;
    ticket_.level_timed_out = false;
  } else {
    ticket_.approval_complete = true;
  }
  return std::nullopt;
}

std::optional<std::string> Checker::approval_timeout() {
  if (record_.cause != Cause::kTimer) {
    return std::string("an approval time limit of cause `") + to_string(record_.cause) + "`, not `timer`";
  }
  if (std::optional<std::string> problem = expect_no_actor()) return problem;
  if (record_.to != record_.from) return "an approval time limit moves the ticket to " + quoted(record_.to);
  if (!ticket_.approval || ticket_.approval->chain == kNoIndex || ticket_.approval_complete) {
    return "an approval time limit ran out in state " + quoted(record_.from) + ", where no approval level is open";
  }
  const ApprovalProgress& progress = *ticket_.approval;
  const ApprovalLevel& level = workflow_.chains()[progress.chain].levels[progress.level];
  std::string name = level_name(workflow_, progress);
  if (!same_position(record_.rule, level.position)) {
    return "an approval time limit cites " + position_text(record_.rule) + ", but the open level is " + name + " at " +
           position_text(level.position);
  }
  if (level.within.empty()) return "approval level " + name + " has no time limit (`within`)";
  if (ticket_.level_timed_out) return "the time limit of approval level " + name + " ran out twice";
  if (record_.at - progress.level_started_at < shortest_seconds(level.within)) {
    return "the time limit of approval level " + name + " ran out at " + format_timestamp(record_.at) +
           ", before `within " + workflow_.describe(level.within) + "` had passed since the level opened at " +
           format_timestamp(progress.level_started_at);
  }
  ticket_.level_timed_out = true;
  return apply(kNoIndex);
}

// ------------------------------------------------ SLA

std::optional<std::string> Checker::sla() {
  std::string kind = to_string(record_.kind);
  if (record_.cause != Cause::kSla) {
    return "an SLA " + kind + " of cause " + quoted(to_string(record_.cause)) + ", not `sla`";
  }
  if (std::optional<std::string> problem = expect_no_actor()) return problem;
  if (record_.to != record_.from) return "an SLA " + kind + " moves the ticket to " + quoted(record_.to);
  if (!record_.sla) return "an SLA " + kind + " without its clock (`sla`)";
  const SlaMark& mark = *record_.sla;
  std::optional<MetricIndex> metric = workflow_.find_metric(mark.metric);
  if (!metric) return "an SLA " + kind + " of " + quoted(mark.metric) + ", which is not a metric of the workflow";
  std::optional<PriorityIndex> priority = workflow_.find_priority(mark.priority);
  if (!priority) return "an SLA " + kind + " under " + quoted(mark.priority) + ", which is not a priority";

  // The ticket's priority, or the one before the transition the threshold was passed in.
  const Value current = ticket_.attributes[attr(Attribute::kPriority)];
  bool side = record_.at == ticket_.moved_at;
  auto is = [&](const Value& value) { return value.type() == ValueType::kPriority && value.ordinal() == *priority; };
  if (!is(current) && !(side && is(ticket_.priority_before_move))) {
    std::string now = current.is_set() ? workflow_.format_value(current) : std::string("none");
    return "an SLA " + kind + " under priority " + quoted(mark.priority) + ", but the ticket's priority is " +
           quoted(now);
  }

  const Priority& declared = workflow_.priorities()[*priority];
  const TimeLimit* limit = nullptr;
  for (const TimeLimit& candidate : declared.limits) {
    if (candidate.metric == *metric) limit = &candidate;
  }
  std::string clock = quoted(mark.metric) + " under " + quoted(mark.priority);
  if (limit == nullptr) return "an SLA " + kind + " of " + clock + ", which sets no limit for it";
  std::string calendar = limit->length.calendar < workflow_.calendars().size()
                             ? workflow_.calendars()[limit->length.calendar].name
                             : std::string();
  // The limit as declared; once the clock was extended, the declared limit
  // and more.
  std::string declared_limit = workflow_.describe(limit->length, false);
  auto tracked = ticket_.clocks.find(mark.metric);
  const AuditedClock* audited = tracked == ticket_.clocks.end() ? nullptr : &tracked->second;
  bool was_extended = audited != nullptr && audited->extensions > 0;
  std::int64_t extended_seconds = audited == nullptr ? 0 : audited->extended_seconds;
  bool limit_fits = limit->length.in_workdays() ? (was_extended ? mark.limit.rfind(declared_limit + " + ", 0) == 0
                                                                : mark.limit == declared_limit)
                                                : mark.limit_seconds == limit->length.seconds + extended_seconds;
  if (!limit_fits || mark.calendar != calendar) {
    std::string shown = limit->length.in_workdays() ? mark.limit : format_duration(mark.limit_seconds);
    return "an SLA " + kind + " of " + clock + " with limit " + shown +
           (mark.calendar.empty() ? "" : " in " + mark.calendar) + ", but the limit is " +
           (limit->length.in_workdays() ? declared_limit : format_duration(limit->length.seconds)) +
           (calendar.empty() ? "" : " in " + calendar) + (was_extended ? " and its extensions" : "");
  }
  if (limit->length.in_workdays()) {
    if (std::optional<std::string> problem = workday_limit(mark, *limit, clock))
      return "an SLA " + kind + " of " + *problem;
  }
  if (mark.due > record_.at) {
    return "an SLA " + kind + " of " + clock + " written at " + format_timestamp(record_.at) + ", before it was due (" +
           format_timestamp(mark.due) + ")";
  }
  switch (record_.kind) {
    case RecordKind::kBreach:
      if (mark.percent != 100) return "a breach of " + clock + " at " + percent_text(mark.percent) + ", not 100%";
      [[fallthrough]];
    case RecordKind::kWarning:
      if (!same_position(record_.rule, limit->position)) {
        return "an SLA " + kind + " of " + clock + " cites " + position_text(record_.rule) + ", not the limit at " +
               position_text(limit->position);
      }
      if (record_.kind == RecordKind::kWarning &&
          std::none_of(declared.warnings.begin(), declared.warnings.end(),
                       [&](const Warning& warning) { return warning.percent == mark.percent; })) {
        return "a warning of " + clock + " at " + percent_text(mark.percent) + ", which is not a `warn at` of " +
               quoted(mark.priority);
      }
      break;
    default: {
      bool found = std::any_of(declared.escalations.begin(), declared.escalations.end(), [&](const Escalation& e) {
        return e.metric == *metric && same_position(e.position, record_.rule) &&
               e.percent.value_or(100) == mark.percent;
      });
      if (!found) {
        return "an escalation of " + clock + " at " + percent_text(mark.percent) + " citing " +
               position_text(record_.rule) + ", which is no escalation step of " + quoted(mark.priority) +
               " for that metric";
      }
      break;
    }
  }
  return apply(kNoIndex);
}

// ------------------------------------------------ applying a record

std::optional<std::string> Checker::apply(StateIndex target) {
  bool starts = std::any_of(record_.effects.begin(), record_.effects.end(),
                            [](const Effect& effect) { return effect.clock == ClockChange::kStarted; });
  std::vector<Value> fields_before;
  if (starts) fields_before = ticket_.fields;
  const Value priority_before = ticket_.attributes[attr(Attribute::kPriority)];
  if (std::optional<std::string> problem = apply_changes()) return problem;
  if (std::optional<std::string> problem = track_clocks(fields_before, priority_before)) return problem;
  ticket_.last_at = std::max(ticket_.last_at, record_.at);
  if (target == kNoIndex) return std::nullopt;
  return enter(target);
}

bool Checker::starts_on_its_own(MetricIndex metric) const {
  return version_ != nullptr && metric < version_->explicit_start.size() && !version_->explicit_start[metric] &&
         version_->start_from[metric] == kNoIndex;
}

std::vector<std::int64_t> Checker::start_origins(MetricIndex metric, const std::vector<Value>& fields_before) const {
  AuditedClock clock;
  if (version_ == nullptr || metric >= version_->origin_fields.size()) return {record_.at};
  // A plain `start M` counts from the step (the limits name no field).
  if (version_->start_from[metric] == kNoIndex) {
    for (const auto& [action, text] : version_->action_texts) {
      if (action->kind == ActionKind::kStartClock && action->target == metric && action->from_field == kNoIndex) {
        clock.add_origin(record_.at);
      }
    }
  }
  // So does one from a field that is unset when it is read.
  auto read = [&](const Value& value) {
    if (value.type() != ValueType::kTimestamp) {
      clock.add_origin(record_.at);
    } else if (value.seconds() <= record_.at) {  // a later one is refused
      clock.add_origin(value.seconds());
    }
  };
  // The field as it was before the record (but at creation, where the data
  // comes first) and after each of its changes: the record does not say
  // where among them the clock started.
  for (FieldIndex field : version_->origin_fields[metric]) {
    if (field < fields_before.size() && record_.cause != Cause::kCreate) read(fields_before[field]);
    bool changed = false;
    for (const Change& change : record_.changes) {
      if (change.field != workflow_.fields()[field].name) continue;
      changed = true;
      if (std::optional<Value> value = resolved(change)) read(*value);
    }
    if (!changed && record_.cause == Cause::kCreate) clock.add_origin(record_.at);  // never set
  }
  if (clock.origins.empty()) clock.add_origin(record_.at);
  return clock.origins;
}

std::optional<std::string> Checker::track_clocks(const std::vector<Value>& fields_before,
                                                 const Value& priority_before) {
  if (!priority_before.is_set() && ticket_.attributes[attr(Attribute::kPriority)].is_set()) {
    for (MetricIndex m = 0; m < workflow_.metrics().size(); ++m) {
      if (starts_on_its_own(m)) ticket_.clocks[workflow_.metrics()[m]].add_origin(record_.at);
    }
  }
  for (const Effect& effect : record_.effects) {
    if (effect.kind != EffectKind::kClock) continue;
    AuditedClock& clock = ticket_.clocks[effect.target];
    std::optional<MetricIndex> metric = workflow_.find_metric(effect.target);
    switch (effect.clock) {
      case ClockChange::kStarted:
        clock.origins.clear();
        clock.too_many_origins = false;
        for (std::int64_t origin : metric ? start_origins(*metric, fields_before) : std::vector{record_.at}) {
          clock.add_origin(origin);
        }
        clock.ran = false;
        break;
      case ClockChange::kPaused:
        if (!clock.origins.empty() && record_.at > *std::max_element(clock.origins.begin(), clock.origins.end())) {
          clock.ran = true;
        }
        break;
      case ClockChange::kResumed:
        if (!clock.ran) clock.add_origin(record_.at);
        break;
      case ClockChange::kExtended: {
        const Action* extend = nullptr;
        if (version_ != nullptr && metric) {
          for (const auto& [action, text] : version_->action_texts) {
            if (action->kind == ActionKind::kExtendClock && action->target == *metric &&
                same_position(action->position, effect.rule)) {
              extend = action;
            }
          }
        }
        if (extend == nullptr && version_ != nullptr) {
          return "an extension of " + quoted(effect.target) + " cites " + position_text(effect.rule) +
                 ", where no `extend " + effect.target + "` action is written";
        }
        ++clock.extensions;
        if (extend != nullptr) {
          clock.extended_workdays += extend->length.workdays;
          clock.extended_seconds += extend->length.seconds;
        }
        break;
      }
      default:
        break;
    }
  }
  return std::nullopt;
}

// A limit in working days is, for a clock that started at `origin`, the
// working seconds from there to the close of the Nth working day (the
// extensions in working days included): clock_limit(), from each instant
// the clock may have started at.
std::optional<std::string> Checker::workday_limit(const SlaMark& mark, const TimeLimit& limit,
                                                  const std::string& clock) {
  const BusinessCalendar* calendar = version_ == nullptr ? nullptr : version_->calendars.find(limit.length.calendar);
  if (calendar == nullptr) return std::nullopt;
  auto tracked = ticket_.clocks.find(mark.metric);
  if (tracked == ticket_.clocks.end() || tracked->second.origins.empty()) {
    return clock + ", whose clock no record started";
  }
  const AuditedClock& audited = tracked->second;
  if (audited.too_many_origins) return std::nullopt;
  LimitPlan plan;
  plan.limit = 0;
  plan.length = limit.length;
  plan.calendar = limit.length.calendar;
  SlaClock probe;
  probe.status = SlaClock::Status::kRunning;
  probe.extended_workdays = audited.extended_workdays;
  probe.extended_seconds = audited.extended_seconds;
  std::string expected;
  for (std::int64_t origin : audited.origins) {
    probe.running_since = origin;
    std::int64_t seconds = clock_limit(probe, plan, TimeBasis(calendar));
    if (seconds == mark.limit_seconds) return std::nullopt;
    if (!expected.empty()) expected += " or ";
    expected += std::to_string(seconds) + " (" + format_duration(seconds, LargestUnit::kHour) + ") from " +
                format_timestamp(origin);
  }
  return clock + " with limit_seconds " + std::to_string(mark.limit_seconds) + " (" +
         format_duration(mark.limit_seconds, LargestUnit::kHour) + "), but " + limit_text(workflow_, plan, probe) +
         " from the clock's start is " + expected;
}

// ------------------------------------------------ what the event sent

std::optional<std::string> Checker::changes_follow() const {
  switch (record_.sent) {
    case SentData::kUnrecorded:
      return std::nullopt;  // an older journal: its changes say what the data was
    case SentData::kNone:
      return unbacked_change(0);
    case SentData::kRecorded:
      break;
  }
  Result<std::size_t> made = data_changes();
  if (!made) return made.error();
  return unbacked_change(made.value());
}

// The engine applies the data in the order sent, a field at a time, and
// records a change where the value differs; data the rules refuse makes it
// reject the event.
Result<std::size_t> Checker::data_changes() const {
  auto refused = [](std::string why) { return Result<std::size_t>::failure(std::move(why)); };
  std::vector<Value> fields = ticket_.fields;
  std::size_t made = 0;
  for (std::size_t i = 0; i < record_.data.size(); ++i) {
    const DataItem& item = record_.data[i];
    std::string sent = "sends " + quoted(item.field) + " = " + item.value.describe();
    std::optional<FieldIndex> field = workflow_.find_field(item.field);
    if (!field)
      return refused(sent + ", not a field of workflow " + workflow_.name() + ": the engine rejects such an event");
    for (std::size_t j = 0; j < i; ++j) {
      if (record_.data[j].field == item.field) return refused(sent + " twice: the engine rejects such an event");
    }
    Result<Value> value = field_value(workflow_, *field, item.value);
    if (!value)
      return refused(sent + ", which the rules refuse (" + value.error() + "): the engine rejects such an event");
    if (fields[*field] == value.value()) continue;
    const Change* change = made < record_.changes.size() ? &record_.changes[made] : nullptr;
    if (change == nullptr || change->field != item.field || resolved(*change) != value.value()) {
      return refused(sent + ", but its changes do not begin with what that changed (in the order sent)");
    }
    fields[*field] = value.value();
    ++made;
  }
  return Result<std::size_t>::success(made);
}

// After the data, a field changes only by an action that says so (`set`,
// `classify`) or, at creation, by its default.
std::optional<std::string> Checker::unbacked_change(std::size_t from) const {
  for (std::size_t i = from; i < record_.changes.size(); ++i) {
    const Change& change = record_.changes[i];
    std::optional<FieldIndex> field = workflow_.find_field(change.field);
    if (!field) continue;  // an attribute, or not a field at all (apply_changes() says so)
    bool by_action = std::any_of(record_.effects.begin(), record_.effects.end(), [&](const Effect& effect) {
      return (effect.kind == EffectKind::kSet || effect.kind == EffectKind::kClassify) && effect.target == change.field;
    });
    bool by_default = record_.cause == Cause::kCreate && workflow_.fields()[*field].default_value.has_value();
    if (by_action || by_default) continue;
    bool sent = std::any_of(record_.data.begin(), record_.data.end(),
                            [&](const DataItem& item) { return item.field == change.field; });
    if (sent) {
      return "changes " + quoted(change.field) + " to " + change.after_text +
             ", which does not follow from what the event sent, and no action of the record sets it";
    }
    return "changes " + quoted(change.field) + ", which " +
           (record_.sent == SentData::kRecorded ? "the event did not send and " : "") + "no action of the record sets";
  }
  return std::nullopt;
}

std::optional<Value> Checker::resolved(const Change& change) const {
  const Value& value = change.after;
  // Records decoded without their workflow keep enumerations by name only.
  if (!is_enumeration(value.type()) || value.ordinal() != kNoIndex) return value;
  switch (value.type()) {
    case ValueType::kEnum: {
      std::optional<FieldIndex> field = workflow_.find_field(change.field);
      if (!field) return std::nullopt;
      const std::vector<std::string>& names = workflow_.fields()[*field].enum_values;
      auto name = std::find(names.begin(), names.end(), change.after_text);
      if (name == names.end()) return std::nullopt;
      return Value::enumerator(*field, static_cast<std::uint32_t>(name - names.begin()));
    }
    case ValueType::kPriority: {
      std::optional<PriorityIndex> priority = workflow_.find_priority(change.after_text);
      if (!priority) return std::nullopt;
      return Value::priority(*priority);
    }
    case ValueType::kCategory: {
      std::optional<CategoryIndex> category = workflow_.find_category(change.after_text);
      if (!category) return std::nullopt;
      return Value::category(*category);
    }
    default:
      return std::nullopt;
  }
}

std::optional<std::string> Checker::apply_changes() {
  for (const Change& change : record_.changes) {
    std::optional<Value> value = resolved(change);
    if (!value) return "changes " + quoted(change.field) + " to " + quoted(change.after_text) + ", an unknown value";
    if (std::optional<FieldIndex> field = workflow_.find_field(change.field)) {
      ticket_.fields[*field] = std::move(*value);
      continue;
    }
    auto attribute_of_type = [&](Attribute attribute, ValueType type) -> std::optional<std::string> {
      if (value->is_set() && value->type() != type) {
        return "changes " + quoted(change.field) + " to a " + std::string(to_string(value->type())) + " value";
      }
      ticket_.attributes[attr(attribute)] = std::move(*value);
      return std::nullopt;
    };
    std::optional<std::string> problem;
    if (change.field == "priority") {
      problem = attribute_of_type(Attribute::kPriority, ValueType::kPriority);
    } else if (change.field == "category") {
      problem = attribute_of_type(Attribute::kCategory, ValueType::kCategory);
    } else if (change.field == "assignee") {
      std::string text = value->as_text();
      problem = attribute_of_type(Attribute::kAssignee, ValueType::kText);
      // "tech.engineer", "tech" (a department) or "engineer" (a role).
      std::size_t dot = text.find('.');
      ticket_.assignee_department = dot != std::string::npos          ? text.substr(0, dot)
                                    : workflow_.find_department(text) ? text
                                                                      : std::string();
    } else if (change.field == "departments") {
      if (value->is_set() && value->type() != ValueType::kText) return "changes `departments` to a non-text value";
      ticket_.departments.clear();
      std::string_view text = value->as_text();
      while (!text.empty()) {
        std::size_t comma = text.find(", ");
        ticket_.departments.emplace_back(text.substr(0, comma));
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 2);
      }
    } else {
      problem = "changes " + quoted(change.field) + ", which is neither a field of workflow " + workflow_.name() +
                " nor a ticket attribute";
    }
    if (problem) return problem;
  }
  return std::nullopt;
}

std::optional<std::string> Checker::enter(StateIndex target) {
  const State& state = workflow_.states()[target];
  ticket_.state = target;
  ticket_.attributes[attr(Attribute::kState)] = Value::state(target);
  ticket_.entered_at = record_.at;
  ticket_.timer_firings.assign(workflow_.timers().size(), 0);
  ticket_.approval.reset();
  ticket_.approval_complete = false;
  ticket_.level_timed_out = false;
  if (!state.awaits_approval || state.kind == StateKind::kFinal) return std::nullopt;

  const Effect* picked = nullptr;
  for (const Effect& effect : record_.effects) {
    if (effect.kind == EffectKind::kApprovalChain) picked = &effect;
  }
  if (picked == nullptr) return "enters " + quoted(state.name) + ", which awaits approval, without choosing a chain";
  Ticket ticket;
  ticket.fields = ticket_.fields;
  ticket.attributes = ticket_.attributes;
  ChainChoice choice = choose_chain(workflow_, ticket, record_.at);
  std::string chain = choice.chain == kNoIndex ? std::string("none") : workflow_.chains()[choice.chain].name;
  if (picked->target != chain) {
    std::string rule = choice.choice == kNoIndex
                           ? std::string("no `approval` rule applies")
                           : "the `approval` rule at " + position_text(workflow_.approvals()[choice.choice].position);
    return "enters " + quoted(state.name) + " with approval chain " + quoted(picked->target) +
           ", but the rules choose " + quoted(chain) + " (" + rule + ")";
  }
  ApprovalProgress progress;
  progress.chain = choice.chain;
  progress.choice = choice.choice;
  if (ticket_.proposal) {
    progress.requester = ticket_.proposal->proposer;
  } else {
    progress.requester =
        !record_.actor.id.empty() ? record_.actor.id : ticket_.attributes[attr(Attribute::kRequester)].as_text();
  }
  progress.level_started_at = record_.at;
  ticket_.approval = std::move(progress);
  ticket_.approval_complete = choice.chain == kNoIndex;
  return std::nullopt;
}

// ------------------------------------------------ migration

std::string calendar_of(const Workflow& workflow, CalendarIndex calendar) {
  return calendar < workflow.calendars().size() ? workflow.calendars()[calendar].name : std::string();
}

// The value of `field` of `from` (a field of `source`) as a value of field
// `to` of `target`: enumerations by name, everything else as it is.
std::optional<Value> carried(const Workflow& source, const Value& value, const Workflow& target, FieldIndex to) {
  if (value.type() != ValueType::kEnum) return value;
  const Field& field = target.fields()[to];
  if (value.domain() >= source.fields().size()) return std::nullopt;
  const std::vector<std::string>& names = source.fields()[value.domain()].enum_values;
  if (value.ordinal() >= names.size()) return std::nullopt;
  auto name = std::find(field.enum_values.begin(), field.enum_values.end(), names[value.ordinal()]);
  if (name == field.enum_values.end()) return std::nullopt;
  return Value::enumerator(to, static_cast<std::uint32_t>(name - field.enum_values.begin()));
}

// What `ticket` becomes on `target` in `state`, as migrate_ticket() carries
// it over (engine/codec/ticket_codec.h): by name, with the defaults of new fields.
std::optional<std::string> migrate(const Record& record, AuditedTicket& ticket,
                                   const std::shared_ptr<const Workflow>& target, const Version* derived,
                                   StateIndex state) {
  const Workflow& source = *ticket.workflow;
  const Workflow& to = *target;
  std::array<Value, kAttributeCount> attributes = ticket.attributes;
  const Value& priority = ticket.attributes[attr(Attribute::kPriority)];
  if (priority.type() == ValueType::kPriority) {
    std::optional<PriorityIndex> index = to.find_priority(source.priorities()[priority.ordinal()].name);
    if (!index) return "priority " + quoted(source.priorities()[priority.ordinal()].name) + " is not in the version";
    attributes[attr(Attribute::kPriority)] = Value::priority(*index);
  }
  const Value& category = ticket.attributes[attr(Attribute::kCategory)];
  if (category.type() == ValueType::kCategory) {
    std::optional<CategoryIndex> index = to.find_category(source.categories()[category.ordinal()].name);
    if (!index) return "category " + quoted(source.categories()[category.ordinal()].name) + " is not in the version";
    attributes[attr(Attribute::kCategory)] = Value::category(*index);
  }
  attributes[attr(Attribute::kState)] = Value::state(state);

  std::vector<Value> fields(to.fields().size());
  std::vector<bool> known(to.fields().size(), false);
  for (FieldIndex f = 0; f < to.fields().size(); ++f) {
    std::optional<FieldIndex> old = source.find_field(to.fields()[f].name);
    if (!old) continue;
    known[f] = true;
    std::optional<Value> value = carried(source, ticket.fields[*old], to, f);
    if (!value) return "the value of " + quoted(to.fields()[f].name) + " is not one the version allows";
    fields[f] = std::move(*value);
  }
  // Defaults of new fields, in declaration order, at the ticket's last change.
  for (FieldIndex f = 0; f < to.fields().size(); ++f) {
    const Field& field = to.fields()[f];
    if (known[f] || !field.default_value) continue;
    EvalResult result = evaluate(*field.default_value, TicketView{fields, attributes}, ticket.last_at);
    if (!result.ok()) continue;
    if (std::optional<Value> value = coerce_to_field(result.value(), field.type)) fields[f] = std::move(*value);
  }

  // Timers unchanged (same position, kind, duration and calendar) keep
  // their firings; the others start over.
  std::vector<std::uint32_t> firings(to.timers().size(), 0);
  if (ticket.state < source.states().size()) {
    for (TimerIndex index : to.timers_of(state)) {
      const Timer& timer = to.timers()[index];
      for (TimerIndex old : source.timers_of(ticket.state)) {
        const Timer& before = source.timers()[old];
        if (same_position(before.position, timer.position) && before.recurring == timer.recurring &&
            before.length.seconds == timer.length.seconds && before.length.workdays == timer.length.workdays &&
            calendar_of(source, before.length.calendar) == calendar_of(to, timer.length.calendar) &&
            old < ticket.timer_firings.size()) {
          firings[index] = ticket.timer_firings[old];
        }
      }
    }
  }

  // The approval in progress, by name; or one started as on entry.
  std::optional<ApprovalProgress> approval;
  bool complete = false;
  const State& entered = to.states()[state];
  if (entered.awaits_approval && entered.kind != StateKind::kFinal) {
    if (ticket.approval) {
      ApprovalProgress progress = *ticket.approval;
      complete = ticket.approval_complete;
      if (progress.chain != kNoIndex) {
        const Chain& chain = source.chains()[progress.chain];
        std::optional<ChainIndex> index = to.find_chain(chain.name);
        if (!index) return "approval chain " + quoted(chain.name) + " is not in the version";
        const Chain& moved = to.chains()[*index];
        auto level_of = [&](std::uint32_t level) -> std::optional<std::uint32_t> {
          if (level >= chain.levels.size()) return std::nullopt;
          for (std::uint32_t i = 0; i < moved.levels.size(); ++i) {
            if (moved.levels[i].name == chain.levels[level].name) return i;
          }
          return std::nullopt;
        };
        std::optional<std::uint32_t> level = level_of(progress.level);
        if (!level) return "approval level " + level_name(source, progress) + " is not in the version";
        progress.chain = *index;
        progress.level = *level;
        progress.choice = kNoIndex;
        for (ApprovalVote& vote : progress.votes) {
          std::optional<std::uint32_t> vote_level = level_of(vote.level);
          std::optional<RoleIndex> role =
              vote.role < source.roles().size() ? to.find_role(source.roles()[vote.role].name) : std::nullopt;
          if (!vote_level || !role) return "a vote of the approval in progress cannot be carried over";
          vote.level = *vote_level;
          vote.role = *role;
        }
      }
      approval = std::move(progress);
    } else {
      Ticket view;
      view.fields = fields;
      view.attributes = attributes;
      ChainChoice choice = choose_chain(to, view, ticket.last_at);
      if (choice.chain == kNoIndex) return "state " + quoted(entered.name) + " would approve at once (chain `none`)";
      ApprovalProgress progress;
      progress.chain = choice.chain;
      progress.choice = choice.choice;
      progress.requester =
          ticket.proposal ? ticket.proposal->proposer : attributes[attr(Attribute::kRequester)].as_text();
      progress.level_started_at = ticket.last_at;
      approval = std::move(progress);
    }
  }

  // Clocks carry over by metric; a new metric starts now, as migrate_ticket()
  // starts it, and a clock the move resumes may count from now if it had not
  // run yet.
  if (ticket.state < source.states().size()) {
    const State& left = source.states()[ticket.state];
    bool into_final = entered.kind == StateKind::kFinal;
    for (MetricIndex m = 0; m < to.metrics().size(); ++m) {
      const std::string& metric = to.metrics()[m];
      std::optional<MetricIndex> before = source.find_metric(metric);
      if (!before) {
        AuditedClock& clock = ticket.clocks[metric];
        clock = AuditedClock{};
        if (!into_final && derived != nullptr && !derived->explicit_start[m]) clock.add_origin(record.at);
        continue;
      }
      bool paused_before =
          std::find(left.paused_clocks.begin(), left.paused_clocks.end(), *before) != left.paused_clocks.end();
      bool paused_now =
          std::find(entered.paused_clocks.begin(), entered.paused_clocks.end(), m) != entered.paused_clocks.end();
      auto clock = ticket.clocks.find(metric);
      if (paused_before && !paused_now && !into_final && clock != ticket.clocks.end() && !clock->second.ran &&
          !clock->second.origins.empty()) {
        clock->second.add_origin(record.at);
      }
    }
  }

  ticket.workflow = target;
  ticket.state = state;
  ticket.fields = std::move(fields);
  ticket.attributes = attributes;
  ticket.timer_firings = std::move(firings);
  if (!approval) ticket.level_timed_out = false;
  ticket.approval = std::move(approval);
  ticket.approval_complete = complete;
  ticket.moved_at = std::numeric_limits<std::int64_t>::min();
  ticket.moved_from = kNoIndex;
  ticket.last_at = std::max(ticket.last_at, record.at);
  return std::nullopt;
}

// ------------------------------------------------ re-basings

std::string due_text(std::int64_t due) { return due == kNever ? std::string("never") : format_timestamp(due); }

// The due time of the mark at `percent` of `plan` for a clock that ran as
// `clock`, as the engine computes it; kNever for percent 0 (no mark next).
std::optional<std::int64_t> mark_due(const SlaClock& clock, const LimitPlan& plan, const CalendarSet& calendars,
                                     double percent) {
  if (percent == 0) return kNever;
  auto mark = std::find_if(plan.marks.begin(), plan.marks.end(),
                           [percent](const Mark& candidate) { return candidate.percent == percent; });
  if (mark == plan.marks.end()) return std::nullopt;
  TimeBasis basis = calendars.basis(plan.calendar);
  return due_at(clock, basis, mark_threshold(*mark, clock_limit(clock, plan, basis)));
}

// Replays a clock's re-basing on both versions: the stretches it carries
// must give both due times, on the calendar and with the notices it names.
std::optional<std::string> check_clock_rebasing(const Rebasing& rebasing, const AuditedTicket& before,
                                                const Version& from, const Version& to, std::int64_t at) {
  const Workflow& source = *from.workflow;
  const Workflow& target = *to.workflow;
  std::string clock = "clock " + quoted(rebasing.clock);
  std::optional<MetricIndex> old_metric = source.find_metric(rebasing.clock);
  std::optional<MetricIndex> metric = target.find_metric(rebasing.clock);
  if (!old_metric || !metric) return clock + " is not a metric of both versions";
  const Value& priority = before.attributes[attr(Attribute::kPriority)];
  if (priority.type() != ValueType::kPriority) return clock + " has no limit: the ticket has no priority";
  std::optional<PriorityIndex> new_priority = target.find_priority(source.priorities()[priority.ordinal()].name);
  const LimitPlan& old_plan = from.sla.plan(priority.ordinal(), *old_metric);
  const LimitPlan& plan = to.sla.plan(new_priority, *metric);
  if (rebasing.calendar != calendar_of(target, plan.calendar)) {
    return clock + " names calendar " + quoted(rebasing.calendar) + ", but its limit counts in " +
           quoted(calendar_of(target, plan.calendar));
  }
  SlaClock ran;
  ran.status = SlaClock::Status::kRunning;
  ran.counted = rebasing.ran;
  ran.running_since = rebasing.running_since;
  ran.extended_workdays = rebasing.extended_workdays;
  ran.extended_seconds = rebasing.extended_seconds;
  std::int64_t last = std::numeric_limits<std::int64_t>::min();
  for (const TimeSpan& span : rebasing.ran) {
    if (span.from < last || span.to < span.from) return clock + ": its stretches overlap or run backwards";
    last = span.to;
  }
  if (rebasing.running_since < last || rebasing.running_since > at) {
    return clock + " runs since " + format_timestamp(rebasing.running_since) +
           ", which is not between its last stretch and the migration";
  }
  std::optional<std::int64_t> due_before = mark_due(ran, old_plan, from.calendars, rebasing.percent_before);
  std::optional<std::int64_t> due_after = mark_due(ran, plan, to.calendars, rebasing.percent_after);
  if (!due_before || !due_after) {
    return clock + " names a mark at " + percent_text(!due_before ? rebasing.percent_before : rebasing.percent_after) +
           ", which its limit does not have";
  }
  if (*due_before != rebasing.due_before || *due_after != rebasing.due_after) {
    return clock + " is rebased from " + due_text(rebasing.due_before) + " to " + due_text(rebasing.due_after) +
           ", but as it ran it was due " + due_text(*due_before) + " and is due " + due_text(*due_after);
  }
  return std::nullopt;
}

// A one-shot timer kept armed across the move: due at entry + its duration,
// on each version's calendar.
std::optional<std::string> check_timer_rebasing(const Rebasing& rebasing, const AuditedTicket& before,
                                                const Version& from, const Version& to, StateIndex state) {
  const Workflow& source = *from.workflow;
  const Workflow& target = *to.workflow;
  std::string timer = "timer " + quoted(rebasing.timer.where);
  std::span<const TimerIndex> old_timers = source.timers_of(before.state);
  std::span<const TimerIndex> new_timers = target.timers_of(state);
  for (std::size_t k = 0; k < new_timers.size() && k < old_timers.size(); ++k) {
    const Timer& now = target.timers()[new_timers[k]];
    if (!same_position(now.position, rebasing.timer)) continue;
    const Timer& was = source.timers()[old_timers[k]];
    if (now.recurring || was.recurring || was.length.seconds != now.length.seconds ||
        was.length.workdays != now.length.workdays ||
        calendar_of(source, was.length.calendar) != calendar_of(target, now.length.calendar)) {
      return timer + " is not an `after` timer that the move kept";
    }
    if (old_timers[k] < before.timer_firings.size() && before.timer_firings[old_timers[k]] > 0) {
      return timer + " has fired already: nothing of it is due";
    }
    if (rebasing.calendar != calendar_of(target, now.length.calendar)) {
      return timer + " names calendar " + quoted(rebasing.calendar) + ", but it counts in " +
             quoted(calendar_of(target, now.length.calendar));
    }
    std::int64_t due_before = add_duration(from.calendars, before.entered_at, was.length);
    std::int64_t due_after = add_duration(to.calendars, before.entered_at, now.length);
    if (due_before != rebasing.due_before || due_after != rebasing.due_after) {
      return timer + " is rebased from " + due_text(rebasing.due_before) + " to " + due_text(rebasing.due_after) +
             ", but counted from the entry at " + format_timestamp(before.entered_at) + " it was due " +
             due_text(due_before) + " and is due " + due_text(due_after);
    }
    return std::nullopt;
  }
  return timer + " is no timer of state " + quoted(target.states()[state].name) + " that the move kept";
}

// Every re-basing a migration record lists: a real move of a due time, by
// the notices that changed, replayed on both versions.
std::optional<std::string> check_rebasings(const Record& record, const AuditedTicket& before, const Version* from,
                                           const Version* to, StateIndex state) {
  if (record.rebased.empty()) return std::nullopt;
  if (from == nullptr || to == nullptr) return std::string("a version's calendars cannot be built");
  const std::shared_ptr<const Workflow>& target = to->workflow;
  for (const Rebasing& rebasing : record.rebased) {
    std::string what =
        rebasing.clock.empty() ? "timer " + quoted(rebasing.timer.where) : "clock " + quoted(rebasing.clock);
    if (rebasing.due_before == rebasing.due_after) return what + " is rebased without moving";
    std::vector<std::string> notices = changed_notices(*before.workflow, *target, rebasing.calendar);
    if (rebasing.notices != notices) {
      return what + " is rebased by notices [" + join(rebasing.notices, ", ") + "], but calendar " +
             quoted(rebasing.calendar) + " changed by [" + join(notices, ", ") + "]";
    }
    std::optional<std::string> problem = rebasing.clock.empty()
                                             ? check_timer_rebasing(rebasing, before, *from, *to, state)
                                             : check_clock_rebasing(rebasing, before, *from, *to, record.at);
    if (problem) return problem;
  }
  return std::nullopt;
}

}  // namespace

// The header names the type only; what is kept is AuditedTicket.
struct JournalAudit::TicketTrack : AuditedTicket {};

// ---------------------------------------------------------------- JournalAudit

JournalAudit::JournalAudit(VersionLookup lookup) : lookup_(std::move(lookup)) {}
JournalAudit::~JournalAudit() = default;
JournalAudit::JournalAudit(JournalAudit&&) noexcept = default;
JournalAudit& JournalAudit::operator=(JournalAudit&&) noexcept = default;

std::optional<std::string> JournalAudit::check(const Record& record) {
  ++records_;
  std::optional<std::string> problem = examine(record);
  last_seq_ = record.seq;
  if (!problem) return std::nullopt;
  return "seq " + std::to_string(record.seq) + ", ticket " + quoted(record.ticket) + ": " + *problem;
}

const Version* JournalAudit::derived(const std::shared_ptr<const Workflow>& workflow) {
  auto known = derived_.find(workflow->version_id());
  if (known == derived_.end()) {
    Result<std::unique_ptr<Version>> built = Version::build(workflow);
    std::shared_ptr<const Version> version;
    if (built) version = std::move(built.value());
    known = derived_.emplace(workflow->version_id(), std::move(version)).first;
  }
  return known->second.get();
}

std::shared_ptr<const Workflow> JournalAudit::version(const Record& record, std::string* problem) {
  std::shared_ptr<const Workflow> workflow;
  if (auto known = versions_.find(record.version); known != versions_.end()) {
    workflow = known->second;
  } else {
    if (record.version.empty()) {
      *problem = "the record names no workflow version";
      return nullptr;
    }
    if (lookup_) workflow = lookup_(record.version);
    if (!workflow) {
      *problem = "version " + short_id(record.version) + " is unknown";
      return nullptr;
    }
    if (workflow->version_id() != record.version) {
      *problem = "the lookup answered version " + short_id(workflow->version_id()) + " for " + short_id(record.version);
      return nullptr;
    }
    versions_.emplace(record.version, workflow);
  }
  if (workflow->name() != record.workflow) {
    *problem = "version " + short_id(record.version) + " is workflow " + quoted(workflow->name()) +
               ", but the record says " + quoted(record.workflow);
    return nullptr;
  }
  return workflow;
}

std::optional<std::string> JournalAudit::examine(const Record& record) {
  if (last_seq_ != 0 && record.seq != last_seq_ + 1) {
    return "follows seq " + std::to_string(last_seq_) + ": records are missing or out of seq order";
  }
  if (std::optional<std::string> problem = examine_sent(record)) return problem;
  bool rejection = record.kind == RecordKind::kRejection;
  if (record.rejected != rejection) {
    return rejection ? std::string("a rejection record not marked rejected")
                     : "a " + std::string(to_string(record.kind)) + " record marked rejected";
  }
  if (rejection) return examine_rejection(record);

  bool creates = record.kind == RecordKind::kTransition && record.cause == Cause::kCreate;
  auto found = tickets_.find(record.ticket);
  if (found == tickets_.end()) {
    if (!creates) {
      return "the ticket was never created: a " + std::string(to_string(record.kind)) +
             " record of an unknown ticket (only a rejection may name one)";
    }
    if (record.ticket.empty()) return "a create record without a ticket id";
    std::string problem;
    std::shared_ptr<const Workflow> workflow = version(record, &problem);
    if (!workflow) return problem;
    auto ticket = std::make_unique<TicketTrack>();
    ticket->workflow = workflow;
    ticket->created_seq = record.seq;
    if (std::optional<std::string> invalid = Checker(record, *workflow, derived(workflow), *ticket).create()) {
      return invalid;
    }
    tickets_.emplace(record.ticket, std::move(ticket));
    return std::nullopt;
  }

  TicketTrack& ticket = *found->second;
  if (creates) return "a second create: the ticket was created at seq " + std::to_string(ticket.created_seq);
  if (record.kind == RecordKind::kMigration) return examine_migration(record, ticket);
  std::string problem;
  std::shared_ptr<const Workflow> workflow = version(record, &problem);
  if (!workflow) return problem;
  if (workflow != ticket.workflow) {
    return "the record names version " + short_id(record.version) + ", but the ticket runs on version " +
           short_id(ticket.workflow->version_id()) + " since its create at seq " + std::to_string(ticket.created_seq);
  }
  bool from_left_state = is_sla(record.kind) && record.at == ticket.moved_at && ticket.moved_from != kNoIndex &&
                         record.from == workflow->states()[ticket.moved_from].name;
  if (record.from != ticket.state_name() && !from_left_state) {
    return "the record starts from state " + quoted(record.from) + ", but the ticket is in " +
           quoted(ticket.state_name());
  }
  if (record.at < ticket.last_at) {
    return "time runs backwards: the record is at " + format_timestamp(record.at) + ", the ticket last changed at " +
           format_timestamp(ticket.last_at);
  }
  TicketTrack next = ticket;
  if (std::optional<std::string> invalid = Checker(record, *workflow, derived(workflow), next).run()) return invalid;
  ticket = std::move(next);
  return std::nullopt;
}

std::optional<std::string> JournalAudit::examine_migration(const Record& record, TicketTrack& ticket) {
  if (record.cause != Cause::kMigration) {
    return std::string("a migration of cause `") + to_string(record.cause) + "`, not `migration`";
  }
  std::string problem;
  std::shared_ptr<const Workflow> target = version(record, &problem);
  if (!target) return problem;
  const std::string& old_id = ticket.workflow->version_id();
  if (target->name() != ticket.workflow->name()) {
    return "a migration onto workflow " + quoted(target->name()) + ", but the ticket is of " +
           quoted(ticket.workflow->name());
  }
  // The ids are text values: compare the values, not their quoted forms.
  if (record.changes.size() != 1 || record.changes[0].field != "version" ||
      record.changes[0].before.as_text() != old_id || record.changes[0].after.as_text() != record.version) {
    return "a migration must change only `version`, from " + short_id(old_id) + " (the ticket's) to " +
           short_id(record.version) + " (the record's)";
  }
  if (record.from != ticket.state_name()) {
    return "the migration starts from state " + quoted(record.from) + ", but the ticket is in " +
           quoted(ticket.state_name());
  }
  if (record.at < ticket.last_at) {
    return "time runs backwards: the migration is at " + format_timestamp(record.at) + ", the ticket last changed at " +
           format_timestamp(ticket.last_at);
  }
  std::optional<StateIndex> state = target->find_state(record.to);
  if (!state)
    return "a migration into state " + quoted(record.to) + ", which version " + short_id(record.version) +
           " does not have";
  if (std::optional<std::string> invalid =
          check_rebasings(record, ticket, derived(ticket.workflow), derived(target), *state)) {
    return "the migration moves a deadline it cannot have moved: " + *invalid;
  }
  TicketTrack next = ticket;
  if (std::optional<std::string> invalid = migrate(record, next, target, derived(target), *state)) {
    return "the ticket cannot move onto version " + short_id(record.version) + ": " + *invalid;
  }
  ticket = std::move(next);
  return std::nullopt;
}

// Exactly the record of an event carries what it sent. Once records carry
// it, none may lack it: dropping the key would hide what an event sent from
// the check of its changes.
std::optional<std::string> JournalAudit::examine_sent(const Record& record) {
  bool of_event = record.cause == Cause::kCreate || record.cause == Cause::kEvent;
  switch (record.sent) {
    case SentData::kUnrecorded:
      if (data_since_ != 0) {
        return "has no `data`, but the records since seq " + std::to_string(data_since_) +
               " have: a journal written with it is not continued without it";
      }
      return std::nullopt;
    case SentData::kNone:
      if (of_event) return "the record of an event without what the event sent (`data` null)";
      break;
    case SentData::kRecorded:
      // A `reject` vote makes the chain's `rejected` at once: that is its record.
      if (!of_event && !(record.cause == Cause::kApproval && record.event == "rejected")) {
        return std::string("a record of cause `") + to_string(record.cause) + "` with an event's `data`";
      }
      break;
  }
  if (data_since_ == 0) data_since_ = record.seq == 0 ? 1 : record.seq;
  return std::nullopt;
}

std::optional<std::string> JournalAudit::examine_rejection(const Record& record) {
  if (!record.to.empty()) return "a rejection changes no state, but it names " + quoted(record.to) + " as `to`";
  if (record.cause == Cause::kAutomatic || record.cause == Cause::kApproval || record.cause == Cause::kMigration) {
    return std::string("a rejection of cause `") + to_string(record.cause) +
           "`: a rejection refuses an event, a create, a timer or an SLA threshold";
  }
  auto found = tickets_.find(record.ticket);
  if (found == tickets_.end()) {
    if (!record.from.empty()) {
      return "a rejection for a ticket that was never created names state " + quoted(record.from);
    }
    if (record.cause == Cause::kTimer || record.cause == Cause::kSla) {
      return "a timer or SLA rejection for a ticket that was never created";
    }
    if (record.version.empty()) {
      if (!record.workflow.empty()) return "the record names workflow " + quoted(record.workflow) + " but no version";
      return std::nullopt;
    }
    std::string problem;
    if (!version(record, &problem)) return problem;
    return std::nullopt;
  }
  TicketTrack& ticket = *found->second;
  std::string problem;
  std::shared_ptr<const Workflow> workflow = version(record, &problem);
  if (!workflow) return problem;
  if (workflow != ticket.workflow) {
    return "the record names version " + short_id(record.version) + ", but the ticket runs on version " +
           short_id(ticket.workflow->version_id()) + " since its create at seq " + std::to_string(ticket.created_seq);
  }
  if (record.from != ticket.state_name()) {
    return "the rejection leaves the ticket in state " + quoted(record.from) + ", but the ticket is in " +
           quoted(ticket.state_name());
  }
  // Events may be refused for coming too late; timers and thresholds never
  // are, and a refused one still counts as the ticket's latest change.
  if (record.cause == Cause::kTimer || record.cause == Cause::kSla) {
    if (record.at < ticket.last_at) {
      return "time runs backwards: the record is at " + format_timestamp(record.at) + ", the ticket last changed at " +
             format_timestamp(ticket.last_at);
    }
    ticket.last_at = record.at;
  }
  return std::nullopt;
}

}  // namespace docket::engine
