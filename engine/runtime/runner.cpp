#include "engine/runtime/runner.h"

#include <algorithm>

#include "engine/model/classify.h"
#include "engine/runtime/approval.h"
#include "engine/runtime/duration.h"
#include "engine/runtime/engine_options.h"

namespace docket::engine {
namespace {

std::size_t attr(Attribute attribute) { return static_cast<std::size_t>(attribute); }

bool contains(const std::vector<MetricIndex>& metrics, MetricIndex metric) {
  return std::find(metrics.begin(), metrics.end(), metric) != metrics.end();
}

std::string names_of(const Workflow& workflow, const std::vector<DepartmentIndex>& departments) {
  std::string text;
  for (DepartmentIndex department : departments) {
    if (!text.empty()) text += ", ";
    text += workflow.departments()[department].name;
  }
  return text;
}

}  // namespace

// ---------------------------------------------------------------- Version

Result<std::unique_ptr<Version>> Version::build(std::shared_ptr<const Workflow> workflow) {
  CalendarSet::BuildResult calendars = CalendarSet::build(workflow->calendars());
  if (!calendars.set) {
    return Result<std::unique_ptr<Version>>::failure("workflow " + workflow->name() + ": " + calendars.error);
  }
  auto version = std::unique_ptr<Version>(
      new Version{workflow, std::move(*calendars.set), SlaPlan(*workflow), kNoIndex, kNoIndex, {}, {}, {}, {}});
  version->approved = workflow->find_event("approved").value_or(kNoIndex);
  version->rejected = workflow->find_event("rejected").value_or(kNoIndex);
  version->explicit_start.assign(workflow->metrics().size(), false);
  version->start_from.assign(workflow->metrics().size(), kNoIndex);
  version->origin_fields.assign(workflow->metrics().size(), {});
  auto add_origin = [&](MetricIndex metric, FieldIndex field) {
    std::vector<FieldIndex>& fields = version->origin_fields[metric];
    if (std::find(fields.begin(), fields.end(), field) == fields.end()) fields.push_back(field);
  };
  for (const Priority& priority : workflow->priorities()) {
    for (const TimeLimit& limit : priority.limits) {
      if (limit.from_field != kNoIndex && limit.metric < version->start_from.size()) {
        version->start_from[limit.metric] = limit.from_field;
        add_origin(limit.metric, limit.from_field);
      }
    }
  }
  auto scan = [&](const std::vector<Action>& actions) {
    for (const Action& action : actions) {
      if (action.kind == ActionKind::kStartClock && action.target < version->explicit_start.size()) {
        version->explicit_start[action.target] = true;
        if (action.from_field != kNoIndex) add_origin(action.target, action.from_field);
      }
      version->action_texts.emplace(&action, workflow->describe(action));
    }
  };
  for (const State& state : workflow->states()) {
    scan(state.on_enter);
    scan(state.on_exit);
  }
  for (const Transition& transition : workflow->transitions()) scan(transition.actions);
  for (const Timer& timer : workflow->timers()) scan(timer.actions);
  for (const Priority& priority : workflow->priorities()) {
    for (const Escalation& escalation : priority.escalations) scan(escalation.actions);
  }
  for (const Chain& chain : workflow->chains()) {
    for (const ApprovalLevel& level : chain.levels) scan(level.on_timeout);
  }
  return Result<std::unique_ptr<Version>>::success(std::move(version));
}

void Version::describe(const Action& action, std::string& out) const {
  auto known = action_texts.find(&action);
  if (known != action_texts.end()) {
    out.assign(known->second);
  } else {
    out = workflow->describe(action);
  }
}

// ---------------------------------------------------------------- UnitBuffers

template <typename T>
void UnitBuffers::recycle(std::vector<T>& from, std::vector<T>& spare) {
  // Many effects enter a record without coming from the spares: keeping
  // every one would grow the spares with every unit, without end.
  for (T& item : from) {
    if (spare.size() >= kMaxSpares) break;
    spare.push_back(std::move(item));
  }
  from.clear();
}

void UnitBuffers::reset(Record& record) {
  record.seq = 0;
  record.at = 0;
  record.ticket.clear();
  record.workflow.clear();
  record.version.clear();
  record.kind = RecordKind::kTransition;
  record.cause = Cause::kEvent;
  record.from.clear();
  record.to.clear();
  record.event.clear();
  // The actor's strings are kept for the next assignment; cleared in place.
  record.actor.id.clear();
  record.actor.roles.clear();
  record.sent = SentData::kNone;
  record.data.clear();
  record.rule.where.clear();
  record.rule.line = 0;
  record.rule.column = 0;
  recycle(record.changes, spare_changes_);
  recycle(record.effects, spare_effects_);
  record.sla.reset();
  record.rejected = false;
  record.reason.clear();
  record.reason_code = RejectionCode::kNone;
  record.idempotency_key.reset();
}

void UnitBuffers::begin_unit() {
  used_ = 0;
  deferred_used_ = 0;
  open_used_ = 0;
  recycle(data_changes_, spare_changes_);
}

Record& UnitBuffers::append() {
  if (used_ == records_.size()) records_.emplace_back();
  Record& record = records_[used_++];
  reset(record);
  return record;
}

Record& UnitBuffers::open() {
  if (open_used_ == open_.size()) open_.emplace_back();
  Record& record = open_[open_used_++];
  reset(record);
  return record;
}

void UnitBuffers::finish(Record& record) {
  if (used_ == records_.size()) records_.emplace_back();
  std::swap(records_[used_++], record);
}

void UnitBuffers::defer(Record& record) {
  if (deferred_used_ == deferred_.size()) deferred_.emplace_back();
  std::swap(deferred_[deferred_used_++], record);
}

void UnitBuffers::flush_deferred() {
  for (std::size_t i = 0; i < deferred_used_; ++i) finish(deferred_[i]);
  deferred_used_ = 0;
}

Effect& UnitBuffers::add_effect(Record& record) {
  if (spare_effects_.empty()) return record.effects.emplace_back();
  Effect& effect = record.effects.emplace_back(std::move(spare_effects_.back()));
  spare_effects_.pop_back();
  effect.kind = EffectKind::kNotify;
  effect.action.clear();
  effect.target.clear();
  effect.value.clear();
  effect.rule.where.clear();
  effect.rule.line = 0;
  effect.rule.column = 0;
  effect.detail.clear();
  effect.clock = ClockChange::kNone;
  return effect;
}

Change& UnitBuffers::add_change(std::vector<Change>& changes) {
  if (spare_changes_.empty()) return changes.emplace_back();
  Change& change = changes.emplace_back(std::move(spare_changes_.back()));
  spare_changes_.pop_back();
  change.field.clear();
  change.before = Value();
  change.after = Value();
  change.before_text.clear();
  change.after_text.clear();
  return change;
}

std::optional<DueItem> earliest_due(const Ticket& ticket) {
  std::optional<DueItem> best;
  auto consider = [&best](DueItem item) {
    if (item.due == kNever) return;
    if (!best || item.due < best->due ||
        (item.due == best->due && (item.kind < best->kind || (item.kind == best->kind && item.index < best->index)))) {
      best = item;
    }
  };
  for (std::uint32_t m = 0; m < ticket.clocks.size(); ++m) {
    consider(DueItem{ticket.clocks[m].due, DueItem::Kind::kSla, m});
  }
  if (ticket.approval) consider(DueItem{ticket.approval->deadline, DueItem::Kind::kApprovalDeadline, 0});
  for (const ArmedTimer& timer : ticket.timers) consider(DueItem{timer.due, DueItem::Kind::kTimer, timer.timer});
  return best;
}

// ---------------------------------------------------------------- Runner

Runner::Runner(const Version& version, const EngineOptions& options, Ticket& ticket, UnitBuffers& buffers)
    : version_(version), workflow_(*version.workflow), options_(options), ticket_(ticket), buffers_(buffers) {
  buffers_.begin_unit();
}

void Runner::begin(std::int64_t at, const Actor* actor, const std::vector<DataItem>* data, std::string_view event,
                   Cause cause) {
  at_ = at;
  actor_ = actor;
  data_ = data;
  event_ = event;
  cause_ = cause;
}

bool Runner::fail(RejectionCode code, std::string reason, const RulePosition& rule) {
  if (!failed_) {
    failed_ = true;
    code_ = code;
    reason_ = std::move(reason);
    rule_ = rule;
  }
  return false;
}

// ------------------------------------------------ data and fields

bool Runner::apply_data(const std::vector<DataItem>& data) {
  for (std::size_t i = 0; i < data.size(); ++i) {
    const DataItem& item = data[i];
    std::optional<FieldIndex> field = workflow_.find_field(item.field);
    if (!field)
      return fail(RejectionCode::kInvalidData, "unknown field `" + item.field + "` in workflow " + workflow_.name());
    for (std::size_t j = 0; j < i; ++j) {
      if (data[j].field == item.field)
        return fail(RejectionCode::kInvalidData, "field `" + item.field + "` is given twice");
    }
    Result<Value> value = field_value(workflow_, *field, item.value);
    if (!value) return fail(RejectionCode::kInvalidData, value.error());
    set_field(*field, std::move(value).value(), buffers_.data_changes());
  }
  return true;
}

void Runner::change(std::vector<Change>& changes, std::string_view name, const Value& before, const Value& after) {
  Change& entry = buffers_.add_change(changes);
  entry.field.assign(name);
  if (before.is_set()) entry.before_text = workflow_.format_value(before);
  if (after.is_set()) entry.after_text = workflow_.format_value(after);
  entry.before = before;
  entry.after = after;
}

void Runner::set_field(FieldIndex field, Value value, std::vector<Change>& changes) {
  Value& slot = ticket_.fields[field];
  if (slot == value) return;
  change(changes, workflow_.fields()[field].name, slot, value);
  slot = std::move(value);
}

// ------------------------------------------------ units

bool Runner::create(const Event& event, std::int64_t at) {
  begin(at, &event.actor, &event.data, event.event, Cause::kCreate);
  ticket_.id = event.ticket;
  ticket_.workflow = version_.workflow;
  ticket_.state = kNoIndex;
  ticket_.created_at = at;
  ticket_.entered_at = at;
  ticket_.updated_at = at;
  ticket_.fields.assign(workflow_.fields().size(), Value());
  ticket_.attributes = {};
  ticket_.attributes[attr(Attribute::kRequester)] = Value::text(event.actor.id);
  ticket_.attributes[attr(Attribute::kCreatedAt)] = Value::timestamp(at);
  ticket_.departments.clear();
  ticket_.assignee = {};
  ticket_.clocks.assign(workflow_.metrics().size(), SlaClock{});
  ticket_.timers.clear();
  ticket_.approval.reset();
  ticket_.proposal.reset();

  if (!apply_data(event.data)) return false;

  // Defaults, in declaration order: a default may read fields before it.
  for (FieldIndex f = 0; f < workflow_.fields().size(); ++f) {
    const Field& field = workflow_.fields()[f];
    if (ticket_.fields[f].is_set() || !field.default_value) continue;
    EvalResult result = evaluate(*field.default_value, ticket_.view(), at_);
    if (!result.ok()) {
      return fail(RejectionCode::kActionFailed,
                  "default of `" + field.name + "`: " + workflow_.describe(result.failure(), *field.default_value));
    }
    std::optional<Value> value = coerce_to_field(result.value(), field.type);
    if (!value) return fail(RejectionCode::kActionFailed, "default of `" + field.name + "` does not fit its type");
    set_field(f, std::move(*value), buffers_.data_changes());
  }

  std::string missing;
  int missing_count = 0;
  for (FieldIndex f = 0; f < workflow_.fields().size(); ++f) {
    if (!workflow_.fields()[f].required || ticket_.fields[f].is_set()) continue;
    missing += (missing.empty() ? "`" : ", `") + workflow_.fields()[f].name + "`";
    ++missing_count;
  }
  if (missing_count > 0)
    return fail(RejectionCode::kMissingField,
                std::string(missing_count == 1 ? "missing required field " : "missing required fields ") + missing);

  StateIndex initial = workflow_.initial_state();
  const State& state = workflow_.states()[initial];
  Record& record = new_record(RecordKind::kTransition, Cause::kCreate, initial, state.position, event_);
  record.from.clear();
  if (options_.sla_start == EngineOptions::SlaStart::kTicketCreation) {
    for (MetricIndex m = 0; m < ticket_.clocks.size(); ++m) {
      if (version_.explicit_start[m]) continue;
      if (version_.start_from[m] == kNoIndex) {
        run_clock(ticket_.clocks[m], at_);
      } else if (!start_clock_from(m, version_.start_from[m], record, "start on creation")) {
        return false;
      }
    }
  }
  if (!enter_state(kNoIndex, initial, record)) return false;
  ++steps_;
  flush(record);
  return settle() && check_constraints();
}

bool Runner::handle(const Event& event, std::int64_t at) {
  begin(at, &event.actor, &event.data, event.event, Cause::kEvent);
  if (!apply_data(event.data)) return false;

  bool approval_event = event.event == kApproveEvent || event.event == kRejectEvent;
  if (approval_event && ticket_.approval && ticket_.approval->chain != kNoIndex &&
      workflow_.states()[ticket_.state].awaits_approval) {
    return vote(event) && settle() && check_constraints();
  }

  // `approved` / `rejected` in an `await approval` state are the chain's
  // decision; sent from outside they would skip the votes and four-eyes.
  if ((event.event == "approved" || event.event == "rejected") && workflow_.states()[ticket_.state].awaits_approval) {
    return fail(RejectionCode::kApprovalOnly, "`" + event.event + "` is decided by the approval chain in `" +
                                                  ticket_.state_name() + "`: send `approve` or `reject` votes");
  }

  std::optional<EventId> id = workflow_.find_event(event.event);
  std::span<const TransitionIndex> candidates;
  if (id) candidates = workflow_.candidates(ticket_.state, *id);
  if (candidates.empty()) {
    if (approval_event) {
      return fail(RejectionCode::kNotAwaitingApproval,
                  "`" + event.event + "` is accepted only while the ticket awaits approval; it is in `" +
                      ticket_.state_name() + "`");
    }
    if (!id)
      return fail(RejectionCode::kUnknownEvent,
                  "unknown event `" + event.event + "`: workflow " + workflow_.name() + " does not handle it");
    return fail(RejectionCode::kNoTransition,
                "no transition on `" + event.event + "` from `" + ticket_.state_name() + "`");
  }
  std::optional<TransitionIndex> chosen = select(candidates, event.event);
  if (!chosen) return false;
  return take_transition(*chosen, Cause::kEvent, event_) && settle() && check_constraints();
}

bool Runner::fire_due(std::int64_t at) {
  std::optional<DueItem> item = earliest_due(ticket_);
  if (!item) return true;
  begin(at, nullptr, nullptr, {}, Cause::kTimer);
  switch (item->kind) {
    case DueItem::Kind::kSla:
      cause_ = Cause::kSla;
      if (!fire_mark(item->index, false)) return false;
      break;
    case DueItem::Kind::kApprovalDeadline: {
      ApprovalProgress& progress = *ticket_.approval;
      progress.deadline = kNever;
      const ApprovalLevel& level = workflow_.chains()[progress.chain].levels[progress.level];
      Record& record = new_record(RecordKind::kApprovalTimeout, Cause::kTimer, ticket_.state, level.position, {});
      Effect effect;
      effect.kind = EffectKind::kApprovalLevel;
      effect.action = "approval level timed out after " +
                      (level.within.in_workdays() ? workflow_.describe(level.within)
                                                  : format_duration(level.within.seconds, LargestUnit::kHour));
      effect.target = level_name(workflow_, progress);
      effect.value = "timed out";
      effect.rule = level.position;
      record.effects.push_back(std::move(effect));
      if (!run_actions(level.on_timeout, record)) return false;
      flush(record);
      break;
    }
    case DueItem::Kind::kTimer: {
      const Timer& timer = workflow_.timers()[item->index];
      auto armed = std::find_if(ticket_.timers.begin(), ticket_.timers.end(),
                                [&](const ArmedTimer& t) { return t.timer == item->index; });
      if (timer.recurring) {
        armed->due = add_duration(version_.calendars, armed->due, timer.length);
      } else {
        ticket_.timers.erase(armed);
      }
      if (timer.guard && !evaluate_condition(*timer.guard, ticket_.view(), at_).value_or(false)) return true;
      if (!take(RecordKind::kTimer, Cause::kTimer, timer.target, timer.actions, timer.position, {})) return false;
      break;
    }
  }
  return settle() && check_constraints();
}

void Runner::skip_due() {
  std::optional<DueItem> item = earliest_due(ticket_);
  if (!item) return;
  switch (item->kind) {
    case DueItem::Kind::kSla: {
      SlaClock& clock = ticket_.clocks[item->index];
      const LimitPlan& plan = version_.sla.plan(ticket_.priority(), item->index);
      if (clock.next_mark < plan.marks.size() && plan.marks[clock.next_mark].kind == MarkKind::kBreach) {
        clock.breached = true;
      }
      ++clock.next_mark;
      refresh(item->index);
      break;
    }
    case DueItem::Kind::kApprovalDeadline:
      ticket_.approval->deadline = kNever;
      break;
    case DueItem::Kind::kTimer: {
      const Timer& timer = workflow_.timers()[item->index];
      auto armed = std::find_if(ticket_.timers.begin(), ticket_.timers.end(),
                                [&](const ArmedTimer& t) { return t.timer == item->index; });
      if (timer.recurring) {
        armed->due = add_duration(version_.calendars, armed->due, timer.length);
      } else {
        ticket_.timers.erase(armed);
      }
      break;
    }
  }
}

// ------------------------------------------------ transitions

std::optional<TransitionIndex> Runner::select(std::span<const TransitionIndex> candidates, std::string_view event) {
  const Transition* refused = nullptr;
  for (TransitionIndex index : candidates) {
    const Transition& transition = workflow_.transitions()[index];
    if (transition.guard && !evaluate_condition(*transition.guard, ticket_.view(), at_).value_or(false)) continue;
    if (transition.restricted() && !may_send(transition)) {
      if (refused == nullptr) refused = &transition;
      continue;
    }
    return index;
  }
  if (refused != nullptr) {
    std::string who = actor_ == nullptr || actor_->id.empty() ? std::string("the actor") : "`" + actor_->id + "`";
    fail(RejectionCode::kRole,
         who + " lacks the role for `" + std::string(event) + "` in `" + ticket_.state_name() +
             "`: " + needed_roles(*refused) + elsewhere_note(*refused),
         refused->position);
    return std::nullopt;
  }
  // Every guard refused: say why, guard by guard (only now, off the hot path).
  std::string notes;
  for (TransitionIndex index : candidates) {
    const Transition& transition = workflow_.transitions()[index];
    if (!transition.guard) continue;
    EvalFailure failure;
    std::optional<bool> holds = evaluate_condition(*transition.guard, ticket_.view(), at_, &failure);
    if (!notes.empty()) notes += "; ";
    notes +=
        "`" + transition.guard->text() + "` " +
        (holds ? std::string("is false") : "cannot be evaluated: " + workflow_.describe(failure, *transition.guard));
  }
  fail(RejectionCode::kGuard,
       "no transition on `" + std::string(event) + "` from `" + ticket_.state_name() + "`: " + notes,
       workflow_.transitions()[candidates.front()].position);
  return std::nullopt;
}

bool Runner::may_send(const Transition& transition) const {
  if (actor_ == nullptr) return false;
  Actor actor = scoped_actor(*actor_);
  auto holds = [&](RoleIndex r) { return r != kNoIndex && actor.holds(workflow_.roles()[r].name); };
  if (std::any_of(transition.roles.begin(), transition.roles.end(), holds)) return true;
  return transition.by_owner && holds(workflow_.owner_of(ticket_.category()));
}

// "needs one of engineer, supervisor"; with `by owner`, the owner of the
// ticket's category named as such.
std::string Runner::needed_roles(const Transition& transition) const {
  std::string needed;
  for (RoleIndex role : transition.roles) needed += (needed.empty() ? "" : ", ") + workflow_.roles()[role].name;
  if (transition.by_owner) {
    std::optional<CategoryIndex> category = ticket_.category();
    RoleIndex owner = workflow_.owner_of(category);
    std::string text = !category ? "the owner of the ticket's category (it has no category yet)"
                       : owner == kNoIndex
                           ? "the owner of category `" + workflow_.categories()[*category].name + "` (it names none)"
                           : workflow_.roles()[owner].name + " (the owner of category `" +
                                 workflow_.categories()[*category].name + "`)";
    needed += (needed.empty() ? "" : ", ") + text;
  }
  return "needs one of " + needed;
}

// "; `ops.engineer` holds only on tickets routed or assigned to `ops`, and
// this one is handled by `tech`": for an actor whose department role would
// send the event on a ticket of that department. Empty otherwise.
std::string Runner::elsewhere_note(const Transition& transition) const {
  if (actor_ == nullptr) return {};
  std::vector<std::string_view> needed;
  for (RoleIndex role : transition.roles) needed.push_back(workflow_.roles()[role].name);
  RoleIndex owner = transition.by_owner ? workflow_.owner_of(ticket_.category()) : kNoIndex;
  if (owner != kNoIndex) needed.push_back(workflow_.roles()[owner].name);
  for (const std::string& role : actor_->roles) {
    std::size_t dot = role.find('.');
    if (dot == std::string::npos) continue;
    if (std::find(needed.begin(), needed.end(), std::string_view(role).substr(dot + 1)) == needed.end()) continue;
    std::string handled;
    for (DepartmentIndex d : ticket_.departments) {
      handled += (handled.empty() ? "`" : "`, `") + workflow_.departments()[d].name;
    }
    return "; `" + role + "` holds only on tickets routed or assigned to `" + role.substr(0, dot) + "`, and this one " +
           (handled.empty() ? std::string("is routed to no department yet") : "is handled by " + handled + "`");
  }
  return {};
}

Record& Runner::new_record(RecordKind kind, Cause cause, StateIndex to, const RulePosition& rule,
                           std::string_view event) {
  Record& record = buffers_.open();
  record.at = at_;
  record.kind = kind;
  record.cause = cause;
  record.from = ticket_.state_name();
  record.to = to < workflow_.states().size() ? workflow_.states()[to].name : record.from;
  record.event.assign(event);
  if (actor_ != nullptr) record.actor = *actor_;
  record.rule = rule;
  if (first_record_) {
    // The event's own record: what it sent, then what of that changed.
    if (data_ != nullptr) {
      record.sent = SentData::kRecorded;
      record.data.assign(data_->begin(), data_->end());
    }
    for (const Change& data : buffers_.data_changes()) buffers_.add_change(record.changes) = data;
    first_record_ = false;
  }
  return record;
}

void Runner::flush(Record& record) {
  buffers_.finish(record);
  buffers_.flush_deferred();
}

bool Runner::take(RecordKind kind, Cause cause, StateIndex target, const std::vector<Action>& actions,
                  const RulePosition& rule, std::string_view event, std::vector<Effect> leading) {
  if (steps_ >= options_.max_steps) {
    std::string trail;
    std::size_t shown = 0;
    std::span<Record> records = buffers_.records();
    for (auto it = records.rbegin(); it != records.rend() && shown < 6; ++it) {
      if (it->kind != RecordKind::kTransition && it->kind != RecordKind::kTimer) continue;
      trail = it->to + (trail.empty() ? "" : " -> ") + trail;
      ++shown;
    }
    return fail(RejectionCode::kStepLimit,
                "automatic transitions did not come to rest after " + std::to_string(options_.max_steps) +
                    " steps (... -> " + trail + ")",
                rule);
  }
  ++steps_;
  Record& record = new_record(kind, cause, target, rule, event);
  for (Effect& effect : leading) record.effects.push_back(std::move(effect));
  StateIndex from = ticket_.state;
  if (target != kNoIndex && !exit_state(target, record)) return false;
  if (!run_actions(actions, record)) return false;
  if (target != kNoIndex && !enter_state(from, target, record)) return false;
  flush(record);
  return !failed_;
}

bool Runner::take_transition(TransitionIndex index, Cause cause, std::string_view event, std::vector<Effect> leading) {
  const Transition& transition = workflow_.transitions()[index];
  note_proposal(transition);
  return take(RecordKind::kTransition, cause, transition.to, transition.actions, transition.position, event,
              std::move(leading));
}

// A transition marked `as proposer` starts a proposal with its actor (who
// created the ticket, when the event names nobody); every later one's actor
// has acted on the plan.
void Runner::note_proposal(const Transition& transition) {
  std::string_view actor = actor_ != nullptr ? std::string_view(actor_->id) : std::string_view();
  if (transition.proposes) {
    std::string proposer(actor.empty() ? std::string_view(ticket_.requester()) : actor);
    ticket_.proposal = Proposal{proposer, {proposer}};
    return;
  }
  note_participant(actor);
}

// Firing a transition or voting on a proposed plan is having a hand in it.
void Runner::note_participant(std::string_view actor) {
  if (!ticket_.proposal || actor.empty()) return;
  std::vector<std::string>& participants = ticket_.proposal->participants;
  if (std::find(participants.begin(), participants.end(), actor) == participants.end()) {
    participants.emplace_back(actor);
  }
}

bool Runner::exit_state(StateIndex to, Record& record) {
  const State& state = workflow_.states()[ticket_.state];
  if (!run_actions(state.on_exit, record)) return false;
  ticket_.timers.clear();
  ticket_.approval.reset();
  const State& next = workflow_.states()[to];
  for (MetricIndex metric : state.paused_clocks) {
    if (contains(next.paused_clocks, metric)) continue;
    if (ticket_.clocks[metric].status != SlaClock::Status::kPaused) continue;
    if (!resume_clock(metric, record, "resume " + workflow_.metrics()[metric] + " on leaving " + state.name)) {
      return false;
    }
  }
  return true;
}

bool Runner::enter_state(StateIndex from, StateIndex to, Record& record) {
  const State& state = workflow_.states()[to];
  ticket_.state = to;
  ticket_.attributes[attr(Attribute::kState)] = Value::state(to);
  ticket_.entered_at = at_;
  const std::vector<MetricIndex>* paused_before = from != kNoIndex ? &workflow_.states()[from].paused_clocks : nullptr;
  for (MetricIndex metric : state.paused_clocks) {
    if (paused_before != nullptr && contains(*paused_before, metric)) continue;
    if (ticket_.clocks[metric].status != SlaClock::Status::kRunning) continue;
    if (!pause_clock(metric, record, "pause " + workflow_.metrics()[metric] + " on entering " + state.name)) {
      return false;
    }
  }
  if (!run_actions(state.on_enter, record)) return false;
  if (state.kind == StateKind::kFinal) {
    for (MetricIndex metric = 0; metric < ticket_.clocks.size(); ++metric) {
      SlaClock::Status status = ticket_.clocks[metric].status;
      if (status != SlaClock::Status::kRunning && status != SlaClock::Status::kPaused) continue;
      if (!stop_clock(metric, record, "stop " + workflow_.metrics()[metric] + " in final state " + state.name)) {
        return false;
      }
    }
    ticket_.timers.clear();
    ticket_.approval.reset();
    return true;
  }
  arm_timers(to);
  if (state.awaits_approval) return start_approval(record);
  return true;
}

bool Runner::settle() {
  while (!failed_) {
    if (approved_pending_) {
      approved_pending_ = false;
      if (!approve_unrequired()) return false;
      continue;
    }
    bool moved = false;
    for (TransitionIndex index : workflow_.automatic_transitions(ticket_.state)) {
      const Transition& transition = workflow_.transitions()[index];
      if (transition.guard && !evaluate_condition(*transition.guard, ticket_.view(), at_).value_or(false)) continue;
      if (!take_transition(index, Cause::kAutomatic, event_)) return false;
      moved = true;
      break;
    }
    if (!moved) break;
  }
  return !failed_;
}

bool Runner::decide(bool approved, std::vector<Effect> leading) {
  EventId id = approved ? version_.approved : version_.rejected;
  const char* name = approved ? "approved" : "rejected";
  std::span<const TransitionIndex> candidates = workflow_.candidates(ticket_.state, id);
  if (candidates.empty()) {
    return fail(RejectionCode::kNoTransition,
                std::string("no transition on `") + name + "` from `" + ticket_.state_name() + "`",
                workflow_.states()[ticket_.state].position);
  }
  std::optional<TransitionIndex> chosen = select(candidates, name);
  if (!chosen) return false;
  return take_transition(*chosen, Cause::kApproval, name, std::move(leading));
}

// `none` (or no `approval` rule): `approved` fires with nobody as its actor,
// since nobody approved, and says which rule required no approval.
bool Runner::approve_unrequired() {
  Effect effect = unrequired_approval(ticket_.approval->choice);
  effect.action = "no approval required";
  const Actor* actor = actor_;
  actor_ = nullptr;
  bool decided = decide(true, {std::move(effect)});
  actor_ = actor;
  return decided;
}

Effect Runner::unrequired_approval(std::uint32_t choice) const {
  Effect effect;
  effect.kind = EffectKind::kApprovalChain;
  effect.target = "none";
  effect.value = "no approval required";
  effect.detail = approval_rule_text(workflow_, choice);
  if (choice != kNoIndex) effect.rule = workflow_.approvals()[choice].position;
  return effect;
}

Actor scoped_actor(const Workflow& workflow, const Ticket& ticket, const Actor& actor) {
  std::vector<std::string_view> departments;
  for (DepartmentIndex d : ticket.departments) departments.push_back(workflow.departments()[d].name);
  if (ticket.assignee.department != kNoIndex) {
    departments.push_back(workflow.departments()[ticket.assignee.department].name);
  }
  return actor.scoped_to(departments);
}

Actor Runner::scoped_actor(const Actor& actor) const { return engine::scoped_actor(workflow_, ticket_, actor); }

bool Runner::vote(const Event& event) {
  ApprovalProgress& progress = *ticket_.approval;
  const Actor voter = scoped_actor(event.actor);
  const Chain& chain = workflow_.chains()[progress.chain];
  const ApprovalLevel& level = chain.levels[progress.level];
  std::string level_text = level_name(workflow_, progress);

  const PlanPeople people = plan_people(ticket_);
  if (event.event == kRejectEvent) {
    if (std::optional<Rejection> refused = check_rejection(workflow_, progress, voter, people)) {
      return fail(refused->code, std::move(refused->reason), level.position);
    }
    Effect effect;
    effect.kind = EffectKind::kApprovalVote;
    effect.action = "reject";
    effect.target = level_text;
    effect.value = "rejected by " + event.actor.id;
    effect.rule = level.position;
    return decide(false, {std::move(effect)});
  }

  std::variant<RoleIndex, Rejection> role = check_vote(workflow_, progress, voter, people);
  if (auto* refused = std::get_if<Rejection>(&role)) {
    return fail(refused->code, std::move(refused->reason), level.position);
  }
  progress.votes.push_back(ApprovalVote{event.actor.id, progress.level, std::get<RoleIndex>(role)});
  note_participant(event.actor.id);
  std::uint32_t votes = votes_at_level(progress);
  std::uint32_t needed = votes_needed(level);

  Record& record = new_record(RecordKind::kApproval, Cause::kEvent, ticket_.state, level.position, event_);
  Effect effect;
  effect.kind = EffectKind::kApprovalVote;
  effect.action = "approve as " + workflow_.roles()[std::get<RoleIndex>(role)].name;
  effect.target = level_text;
  effect.value = std::to_string(votes) + " of " + std::to_string(needed);
  effect.rule = level.position;
  record.effects.push_back(std::move(effect));
  if (votes < needed) {
    flush(record);
    return true;
  }

  Effect done;
  done.kind = EffectKind::kApprovalLevel;
  done.action = "level complete";
  done.target = level_text;
  done.value = "approved";
  done.rule = level.position;
  record.effects.push_back(std::move(done));
  if (progress.level + 1 < chain.levels.size()) {
    ++progress.level;
    progress.level_started_at = at_;
    progress.deadline = level_deadline(progress);
    Effect next;
    next.kind = EffectKind::kApprovalLevel;
    next.action = "next level";
    next.target = level_name(workflow_, progress);
    next.value = "open";
    next.rule = chain.levels[progress.level].position;
    record.effects.push_back(std::move(next));
    flush(record);
    return true;
  }
  flush(record);
  return decide(true, {});
}

bool Runner::check_constraints() {
  if (failed_) return false;
  for (const Constraint& constraint : workflow_.constraints()) {
    if (constraint.when && !evaluate_condition(*constraint.when, ticket_.view(), at_).value_or(false)) continue;
    EvalFailure failure;
    std::optional<bool> holds = evaluate_condition(constraint.condition, ticket_.view(), at_, &failure);
    if (holds && *holds) continue;
    std::string reason = constraint.message;
    if (!holds) reason += " (" + workflow_.describe(failure, constraint.condition) + ")";
    return fail(RejectionCode::kConstraint, std::move(reason), constraint.position);
  }
  return true;
}

// ------------------------------------------------ actions

bool Runner::run_actions(const std::vector<Action>& actions, Record& record) {
  for (const Action& action : actions) {
    if (!run_action(action, record)) return false;
  }
  return !failed_;
}

bool Runner::run_action(const Action& action, Record& record) {
  // Actions that write their own effects.
  switch (action.kind) {
    case ActionKind::kRoute:
      return route(action, record);
    case ActionKind::kClassify:
      return classify(action, record);
    case ActionKind::kStartClock:
    case ActionKind::kStopClock:
    case ActionKind::kPauseClock:
    case ActionKind::kResumeClock: {
      std::string text;
      version_.describe(action, text);
      std::size_t first = record.effects.size();
      bool done = action.kind == ActionKind::kStartClock   ? start_clock(action.target, record, text, action.from_field)
                  : action.kind == ActionKind::kStopClock  ? stop_clock(action.target, record, text)
                  : action.kind == ActionKind::kPauseClock ? pause_clock(action.target, record, text)
                                                           : resume_clock(action.target, record, text);
      // Written in the rules: the effect cites where (docs/audit-log.md keeps
      // an empty rule for what the engine does on its own).
      for (std::size_t i = first; i < record.effects.size(); ++i) record.effects[i].rule = action.position;
      return done;
    }
    case ActionKind::kExtendClock: {
      std::string text;
      version_.describe(action, text);
      return extend_clock(action, record, text);
    }
    default:
      break;
  }
  // The effect goes in first; nothing below adds another to `record`
  // while this reference is held. A failure abandons the record anyway.
  Effect& effect = buffers_.add_effect(record);
  version_.describe(action, effect.action);
  effect.rule = action.position;
  switch (action.kind) {
    case ActionKind::kSet: {
      const Field& field = workflow_.fields()[action.target];
      EvalResult result = evaluate(*action.value, ticket_.view(), at_);
      if (!result.ok())
        return fail(RejectionCode::kActionFailed,
                    effect.action + ": " + workflow_.describe(result.failure(), *action.value), action.position);
      std::optional<Value> value = coerce_to_field(result.value(), field.type);
      if (!value)
        return fail(RejectionCode::kActionFailed, effect.action + ": the value does not fit `" + field.name + "`",
                    action.position);
      if (std::optional<std::string> violation = range_violation(workflow_, action.target, *value)) {
        return fail(RejectionCode::kActionFailed, effect.action + ": " + *violation, action.position);
      }
      effect.kind = EffectKind::kSet;
      effect.target = field.name;
      effect.value = workflow_.format_value(*value);
      set_field(action.target, std::move(*value), record.changes);
      break;
    }
    case ActionKind::kSetPriority:
    case ActionKind::kSetCategory: {
      EvalResult result = evaluate(*action.value, ticket_.view(), at_);
      if (!result.ok())
        return fail(RejectionCode::kActionFailed,
                    effect.action + ": " + workflow_.describe(result.failure(), *action.value), action.position);
      bool priority = action.kind == ActionKind::kSetPriority;
      ValueType wanted = priority ? ValueType::kPriority : ValueType::kCategory;
      if (result.value().type() != wanted)
        return fail(RejectionCode::kActionFailed, effect.action + ": not a " + to_string(wanted), action.position);
      effect.kind = EffectKind::kSet;
      effect.target = priority ? "priority" : "category";
      effect.value = workflow_.format_value(result.value());
      if (priority) {
        set_priority(result.value().ordinal(), record);
      } else {
        set_category(result.value().ordinal(), record);
      }
      return !failed_;
    }
    case ActionKind::kAssign: {
      effect.kind = EffectKind::kAssign;
      Assignment assignment{action.target, action.role};
      effect.target = assignment_text(workflow_, assignment);
      set_assignee(assignment, record);
      return true;
    }
    case ActionKind::kNotify:
      effect.kind = EffectKind::kNotify;
      effect.value = action.text;
      switch (action.recipient) {
        case Recipient::kCustomer:
          effect.target = "customer";
          break;
        case Recipient::kRequester:
          effect.target = "requester";
          effect.detail = ticket_.requester();
          break;
        case Recipient::kAssignee:
          effect.target = "assignee";
          effect.detail = assignment_text(workflow_, ticket_.assignee);
          break;
        case Recipient::kRole:
          effect.target = workflow_.roles()[action.role].name;
          break;
      }
      break;
    case ActionKind::kEscalate:
      effect.kind = EffectKind::kEscalate;
      effect.target = workflow_.roles()[action.role].name;
      break;
    case ActionKind::kRaisePriority: {
      effect.kind = EffectKind::kRaisePriority;
      std::optional<PriorityIndex> priority = ticket_.priority();
      if (!priority) {
        effect.detail = "the ticket has no priority yet";
      } else if (*priority == 0) {
        effect.detail = "already the most urgent priority";
      } else {
        effect.value = workflow_.priorities()[*priority - 1].name;
        set_priority(*priority - 1, record);
        return !failed_;
      }
      break;
    }
    case ActionKind::kEmit:
      effect.kind = EffectKind::kEmit;
      effect.target = workflow_.events()[action.target];
      break;
    case ActionKind::kRoute:
    case ActionKind::kClassify:
    case ActionKind::kStartClock:
    case ActionKind::kStopClock:
    case ActionKind::kPauseClock:
    case ActionKind::kResumeClock:
    case ActionKind::kExtendClock:
      break;  // handled above
  }
  return true;
}

bool Runner::classify(const Action& action, Record& record) {
  const Classification& classification = workflow_.classifications()[action.target];
  std::string what = "classify " + classification.target_name;
  Classified decided = engine::classify(workflow_, classification, ticket_.view(), at_);
  if (decided.result == kNoIndex)
    return fail(RejectionCode::kActionFailed, what + ": " + decided.error, action.position);
  std::uint32_t result = decided.result;

  Effect effect;
  effect.kind = EffectKind::kClassify;
  effect.action = workflow_.describe(action);
  effect.target = classification.target_name;
  // A table cell is the action's decision; an ordered rule is its own.
  effect.rule = classification.is_table() ? action.position : decided.rule;
  effect.value = classified_name(workflow_, classification, result);
  effect.detail = decided.detail + " -> " + effect.value;
  record.effects.push_back(std::move(effect));
  switch (classification.target) {
    case ClassifyTarget::kPriority:
      set_priority(result, record);
      break;
    case ClassifyTarget::kCategory:
      set_category(result, record);
      break;
    case ClassifyTarget::kField:
      set_field(classification.field, Value::enumerator(classification.field, result), record.changes);
      break;
  }
  return !failed_;
}

bool Runner::route(const Action& action, Record& record) {
  std::optional<CategoryIndex> category = ticket_.category();
  if (!category) return fail(RejectionCode::kActionFailed, "route: the ticket has no category yet", action.position);
  const Category& routes = workflow_.categories()[*category];
  std::vector<DepartmentIndex> departments;
  for (const Route& candidate : routes.routes) {
    if (candidate.condition && !evaluate_condition(*candidate.condition, ticket_.view(), at_).value_or(false)) continue;
    if (std::find(departments.begin(), departments.end(), candidate.department) == departments.end()) {
      departments.push_back(candidate.department);
    }
  }
  if (departments.empty()) {
    return fail(RejectionCode::kActionFailed, "route: no route of category `" + routes.name + "` applies",
                action.position);
  }
  Effect effect;
  effect.kind = EffectKind::kRoute;
  effect.action = "route";
  effect.target = routes.name;
  effect.value = names_of(workflow_, departments);
  effect.rule = action.position;
  record.effects.push_back(std::move(effect));
  if (departments != ticket_.departments) {
    std::string before = names_of(workflow_, ticket_.departments);
    change(record.changes, "departments", before.empty() ? Value() : Value::text(before),
           Value::text(names_of(workflow_, departments)));
    ticket_.departments = std::move(departments);
  }
  set_assignee(Assignment{ticket_.departments.front(), kNoIndex}, record);
  return true;
}

void Runner::set_priority(PriorityIndex priority, Record& record) {
  std::optional<PriorityIndex> old = ticket_.priority();
  if (old && *old == priority) return;
  Value& slot = ticket_.attributes[attr(Attribute::kPriority)];
  change(record.changes, "priority", slot, Value::priority(priority));
  slot = Value::priority(priority);
  if (!old && options_.sla_start == EngineOptions::SlaStart::kFirstPriority) {
    for (MetricIndex m = 0; m < ticket_.clocks.size(); ++m) {
      SlaClock& clock = ticket_.clocks[m];
      if (version_.explicit_start[m] || clock.status != SlaClock::Status::kIdle) continue;
      if (version_.start_from[m] == kNoIndex) {
        run_clock(clock, at_);
      } else {
        start_clock_from(m, version_.start_from[m], record, "start on the first priority");
      }
    }
  }
  // Re-base: the measured time stays, the new limits apply from their first mark.
  for (MetricIndex m = 0; m < ticket_.clocks.size(); ++m) {
    SlaClock& clock = ticket_.clocks[m];
    if (clock.status == SlaClock::Status::kStopped) continue;
    clock.next_mark = 0;
    refresh(m);
  }
}

void Runner::set_category(CategoryIndex category, Record& record) {
  Value& slot = ticket_.attributes[attr(Attribute::kCategory)];
  Value value = Value::category(category);
  if (slot == value) return;
  change(record.changes, "category", slot, value);
  slot = std::move(value);
}

void Runner::set_assignee(Assignment assignee, Record& record) {
  if (ticket_.assignee == assignee) return;
  std::string text = assignment_text(workflow_, assignee);
  Value& slot = ticket_.attributes[attr(Attribute::kAssignee)];
  Value value = text.empty() ? Value() : Value::text(text);
  change(record.changes, "assignee", slot, value);
  slot = std::move(value);
  ticket_.assignee = assignee;
}

// ------------------------------------------------ SLA clocks

TimeBasis Runner::basis(MetricIndex metric) const {
  return version_.calendars.basis(version_.sla.plan(ticket_.priority(), metric).calendar);
}

void Runner::refresh(MetricIndex metric) {
  SlaClock& clock = ticket_.clocks[metric];
  const LimitPlan& plan = version_.sla.plan(ticket_.priority(), metric);
  if (clock.status != SlaClock::Status::kRunning || !plan.has_limit() || clock.next_mark >= plan.marks.size()) {
    clock.due = kNever;
    return;
  }
  TimeBasis basis = version_.calendars.basis(plan.calendar);
  clock.due = due_at(clock, basis, mark_threshold(plan.marks[clock.next_mark], clock_limit(clock, plan, basis)));
}

// Starting an idle clock and resuming a paused one are the same step from
// different states: the clock runs from now on.
bool Runner::set_clock_running(MetricIndex metric, Record& record, std::string_view action, SlaClock::Status from,
                               const char* done, const char* unchanged) {
  SlaClock& clock = ticket_.clocks[metric];
  Effect effect{EffectKind::kClock, std::string(action), workflow_.metrics()[metric], {}, {}, {}};
  if (clock.status == from) {
    run_clock(clock, at_);
    refresh(metric);
    effect.value = done;
    effect.clock = from == SlaClock::Status::kIdle ? ClockChange::kStarted : ClockChange::kResumed;
  } else {
    effect.value = unchanged;
    effect.clock = ClockChange::kUnchanged;
  }
  record.effects.push_back(std::move(effect));
  return true;
}

bool Runner::start_clock(MetricIndex metric, Record& record, std::string_view action, FieldIndex from) {
  if (from == kNoIndex) from = version_.start_from[metric];
  if (from != kNoIndex && ticket_.clocks[metric].status == SlaClock::Status::kIdle) {
    return start_clock_from(metric, from, record, action);
  }
  return set_clock_running(metric, record, action, SlaClock::Status::kIdle, "started", "unchanged: already started");
}

// The clock counts from the field's time, so that a limit "from receipt"
// runs from the day the complaint arrived, not from when it was entered.
// Marks the past already reached are written right after this step, each
// with the time it was due.
bool Runner::start_clock_from(MetricIndex metric, FieldIndex from, Record& record, std::string_view action) {
  const Field& field = workflow_.fields()[from];
  const Value& value = ticket_.fields[from];
  Effect effect{EffectKind::kClock, std::string(action), workflow_.metrics()[metric], {}, {}, {}};
  std::int64_t origin = at_;
  if (value.type() == ValueType::kTimestamp) {
    origin = value.seconds();
    if (origin > at_) {
      return fail(RejectionCode::kClockFromFuture, "`" + workflow_.metrics()[metric] + "` would start from `" +
                                                       field.name + "` " + format_timestamp(origin) +
                                                       ", later than the event (" + format_timestamp(at_) +
                                                       "): a clock cannot start in the future");
    }
    effect.value = "started from " + field.name + " " + format_timestamp(origin);
  } else {
    effect.value = "started from " + field.name + " (unset: now)";
  }
  effect.clock = ClockChange::kStarted;
  run_clock(ticket_.clocks[metric], origin);
  ticket_.clocks[metric].changed_at = at_;
  refresh(metric);
  record.effects.push_back(std::move(effect));
  return true;
}

// `extend M by L "reason"`: the limit of this one ticket grows, within the
// caps its priority sets; the marks already passed stay passed.
bool Runner::extend_clock(const Action& action, Record& record, std::string_view text) {
  MetricIndex metric = action.target;
  SlaClock& clock = ticket_.clocks[metric];
  const std::string& name = workflow_.metrics()[metric];
  const LimitPlan& plan = version_.sla.plan(ticket_.priority(), metric);
  auto refuse = [&](const std::string& why) {
    return fail(RejectionCode::kExtension, "`" + std::string(text) + "`: " + why);
  };
  if (!plan.has_limit()) return refuse("the ticket's priority sets no limit for `" + name + "`");
  if (clock.status != SlaClock::Status::kRunning && clock.status != SlaClock::Status::kPaused) {
    return refuse("`" + name + "` is " + to_string(clock.status) + "; only a running or paused clock is extended");
  }
  if (clock.breached) return refuse("`" + name + "` is already breached; a limit is extended before it runs out");
  const TimeLimit& limit = workflow_.priorities()[*ticket_.priority()].limits[plan.limit];
  if (limit.max_extensions && static_cast<int>(clock.extensions) >= *limit.max_extensions) {
    return refuse("`" + name + "` may be extended at most " + std::to_string(*limit.max_extensions) +
                  (*limit.max_extensions == 1 ? " time" : " times"));
  }
  if (limit.extended_up_to) {
    std::int64_t total = plan.length.in_workdays()
                             ? plan.length.workdays + clock.extended_workdays + action.length.workdays
                             : plan.length.seconds + clock.extended_seconds + action.length.seconds;
    std::int64_t cap = plan.length.in_workdays() ? limit.extended_up_to->workdays : limit.extended_up_to->seconds;
    if (total > cap) {
      return refuse("`" + name + "` may be extended up to " + workflow_.describe(*limit.extended_up_to) + " in all");
    }
  }
  TimeBasis basis = version_.calendars.basis(plan.calendar);
  std::int64_t old_limit = clock_limit(clock, plan, basis);
  std::int64_t old_due = due_at(clock, basis, old_limit);
  ++clock.extensions;
  clock.extended_workdays += action.length.workdays;
  clock.extended_seconds += action.length.seconds;
  std::int64_t new_due = due_at(clock, basis, clock_limit(clock, plan, basis));
  refresh(metric);
  Effect effect{EffectKind::kClock, std::string(text), name, {}, {}, {}};
  effect.value =
      "extended by " + workflow_.describe(action.length, false) + " to " + limit_text(workflow_, plan, clock);
  effect.value += old_due == kNever ? ", paused"
                                    : ", due " + format_timestamp(new_due) + " (was " + format_timestamp(old_due) + ")";
  effect.value += ": " + action.text;
  effect.clock = ClockChange::kExtended;
  effect.rule = action.position;
  record.effects.push_back(std::move(effect));
  return true;
}

// Thresholds the clock has passed but not yet fired stay pending: they fire
// once it runs again, after the record that resumes it.
bool Runner::pause_clock(MetricIndex metric, Record& record, std::string_view action) {
  SlaClock& clock = ticket_.clocks[metric];
  Effect effect{EffectKind::kClock, std::string(action), workflow_.metrics()[metric], {}, {}, {}};
  if (clock.status == SlaClock::Status::kRunning) {
    engine::pause_clock(clock, at_);
    clock.due = kNever;
    effect.value = "paused";
    effect.clock = ClockChange::kPaused;
  } else {
    effect.value = "unchanged: not running";
    effect.clock = ClockChange::kUnchanged;
  }
  record.effects.push_back(std::move(effect));
  return true;
}

bool Runner::resume_clock(MetricIndex metric, Record& record, std::string_view action) {
  return set_clock_running(metric, record, action, SlaClock::Status::kPaused, "resumed", "unchanged: not paused");
}

bool Runner::stop_clock(MetricIndex metric, Record& record, std::string_view action) {
  SlaClock& clock = ticket_.clocks[metric];
  Effect effect{EffectKind::kClock, std::string(action), workflow_.metrics()[metric], {}, {}, {}};
  if (clock.status == SlaClock::Status::kStopped) {
    effect.value = "unchanged: already stopped";
    effect.clock = ClockChange::kUnchanged;
    record.effects.push_back(std::move(effect));
    return true;
  }
  pass_reached_marks(metric);
  engine::stop_clock(clock, at_);
  clock.due = kNever;
  const LimitPlan& plan = version_.sla.plan(ticket_.priority(), metric);
  if (plan.has_limit()) {
    TimeBasis basis = version_.calendars.basis(plan.calendar);
    std::int64_t used = measured_seconds(clock, basis, at_);
    std::int64_t limit = clock_limit(clock, plan, basis);
    bool breached = clock.breached || used >= limit;
    effect.value = std::string("stopped: ") + (breached ? "breached" : "met") + ", " +
                   format_duration(used, LargestUnit::kHour) + " of " + format_duration(limit, LargestUnit::kHour);
    effect.clock = breached ? ClockChange::kStoppedBreached : ClockChange::kStoppedMet;
  } else {
    effect.value = "stopped";
    effect.clock = ClockChange::kStopped;
  }
  record.effects.push_back(std::move(effect));
  return true;
}

// A threshold due when its clock stops was put in the past by this very
// unit: the engine fires every threshold due up to an event's time before the
// event, each in a unit of its own. Mostly it is a stricter priority set
// earlier in the unit, whose limits apply to the time already measured (else
// a threshold due at this instant whose turn comes after the escalation that
// stops the clock). Its record would follow the record that stopped the
// clock, about a settled metric, and the stop's effect already says whether
// the limit was breached (`stopped: breached, 3h of 2h`) or met. So no
// warning, escalation or breach record is due: the thresholds only count as
// passed, and the escalations they would set off do not run.
void Runner::pass_reached_marks(MetricIndex metric) {
  SlaClock& clock = ticket_.clocks[metric];
  const LimitPlan& plan = version_.sla.plan(ticket_.priority(), metric);
  while (clock.due <= at_ && clock.next_mark < plan.marks.size()) {
    if (plan.marks[clock.next_mark].kind == MarkKind::kBreach) clock.breached = true;
    ++clock.next_mark;
    refresh(metric);
  }
}

bool Runner::fire_mark(MetricIndex metric, bool deferred) {
  SlaClock& clock = ticket_.clocks[metric];
  std::optional<PriorityIndex> priority = ticket_.priority();
  const LimitPlan& plan = version_.sla.plan(priority, metric);
  if (!plan.has_limit() || clock.next_mark >= plan.marks.size()) {
    clock.due = kNever;
    return true;
  }
  const Mark mark = plan.marks[clock.next_mark];
  std::int64_t due = clock.due == kNever ? at_ : clock.due;
  ++clock.next_mark;
  if (mark.kind == MarkKind::kBreach) clock.breached = true;
  refresh(metric);

  const Priority& declared = workflow_.priorities()[*priority];
  // A warning or a step whose `when` does not hold is passed without a record.
  const std::optional<CompiledExpr>* condition =
      mark.kind == MarkKind::kWarning      ? &declared.warnings[mark.warning].condition
      : mark.kind == MarkKind::kEscalation ? &declared.escalations[mark.escalation].condition
                                           : nullptr;
  if (condition != nullptr && *condition && !evaluate_condition(**condition, ticket_.view(), at_).value_or(false)) {
    return true;
  }
  const TimeLimit& limit = declared.limits[plan.limit];
  RecordKind kind = mark.kind == MarkKind::kWarning  ? RecordKind::kWarning
                    : mark.kind == MarkKind::kBreach ? RecordKind::kBreach
                                                     : RecordKind::kEscalation;
  const Escalation* escalation = mark.kind == MarkKind::kEscalation ? &declared.escalations[mark.escalation] : nullptr;
  Record& record = new_record(kind, Cause::kSla, ticket_.state, escalation ? escalation->position : limit.position, {});
  record.actor.id.clear();
  record.actor.roles.clear();
  record.event.clear();
  SlaMark detail;
  detail.metric = workflow_.metrics()[metric];
  detail.priority = declared.name;
  detail.percent = mark.percent;
  TimeBasis basis = version_.calendars.basis(plan.calendar);
  detail.limit_seconds = clock_limit(clock, plan, basis);
  // A limit in hours is said by its seconds; one in working days by its text.
  if (plan.length.in_workdays()) detail.limit = limit_amount_text(workflow_, plan, clock);
  if (plan.calendar < workflow_.calendars().size()) detail.calendar = workflow_.calendars()[plan.calendar].name;
  detail.due = due;
  record.sla = std::move(detail);
  if (escalation != nullptr && !run_actions(escalation->actions, record)) return false;
  if (deferred) {
    buffers_.defer(record);
  } else {
    flush(record);
  }
  return !failed_;
}

// ------------------------------------------------ timers and approvals

void Runner::arm_timers(StateIndex state) {
  ticket_.timers.clear();
  for (TimerIndex index : workflow_.timers_of(state)) {
    const Timer& timer = workflow_.timers()[index];
    ticket_.timers.push_back(ArmedTimer{index, add_duration(version_.calendars, at_, timer.length)});
  }
}

std::int64_t Runner::level_deadline(const ApprovalProgress& progress) const {
  const ApprovalLevel& level = workflow_.chains()[progress.chain].levels[progress.level];
  if (level.within.empty()) return kNever;
  return add_duration(version_.calendars, at_, level.within);
}

bool Runner::start_approval(Record& record) {
  ChainChoice choice = choose_chain(workflow_, ticket_, at_);
  ApprovalProgress progress;
  progress.chain = choice.chain;
  progress.choice = choice.choice;
  if (ticket_.proposal) {
    progress.requester = ticket_.proposal->proposer;
  } else {
    progress.requester = actor_ != nullptr && !actor_->id.empty() ? actor_->id : ticket_.requester();
  }
  progress.level_started_at = at_;
  Effect effect;
  if (choice.chain == kNoIndex) {
    effect = unrequired_approval(choice.choice);
    approved_pending_ = true;
  } else {
    progress.deadline = level_deadline(progress);
    effect.kind = EffectKind::kApprovalChain;
    effect.target = workflow_.chains()[choice.chain].name;
    effect.value = "proposed by " + progress.requester + "; level " + level_name(workflow_, progress);
    effect.rule = workflow_.approvals()[choice.choice].position;
  }
  effect.action = "await approval";
  record.effects.push_back(std::move(effect));
  ticket_.approval = std::move(progress);
  return true;
}

}  // namespace docket::engine
