#include "engine/runtime/migration.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "engine/model/reachability.h"
#include "engine/model/text.h"
#include "engine/runtime/approval.h"
#include "engine/runtime/calendar.h"
#include "engine/runtime/duration.h"
#include "engine/runtime/runner.h"
#include "engine/runtime/sla.h"

namespace docket::engine {
namespace {

bool contains(const std::vector<MetricIndex>& metrics, MetricIndex metric) {
  return std::find(metrics.begin(), metrics.end(), metric) != metrics.end();
}

std::string calendar_name(const Workflow& workflow, CalendarIndex calendar) {
  return calendar < workflow.calendars().size() ? workflow.calendars()[calendar].name : std::string();
}

// Do two plans reach the same marks at the same measured times?
bool same_plan(const Workflow& a_workflow, const LimitPlan& a, const Workflow& b_workflow, const LimitPlan& b) {
  if (a.has_limit() != b.has_limit()) return false;
  if (!a.has_limit()) return true;
  if (a.length.seconds != b.length.seconds || a.length.workdays != b.length.workdays ||
      a.marks.size() != b.marks.size() ||
      calendar_name(a_workflow, a.calendar) != calendar_name(b_workflow, b.calendar)) {
    return false;
  }
  for (std::size_t i = 0; i < a.marks.size(); ++i) {
    if (a.marks[i].kind != b.marks[i].kind || a.marks[i].percent != b.marks[i].percent) return false;
  }
  return true;
}

// Is `b` the timer `a` was, for a ticket moving between the versions? The
// same kind, duration and calendar name (the calendar's days may differ).
bool same_timer(const Workflow& a_workflow, const Timer& a, const Workflow& b_workflow, const Timer& b) {
  return a.recurring == b.recurring && a.length.seconds == b.length.seconds && a.length.workdays == b.length.workdays &&
         calendar_name(a_workflow, a.length.calendar) == calendar_name(b_workflow, b.length.calendar);
}

const ArmedTimer* armed(const Ticket& ticket, TimerIndex timer) {
  for (const ArmedTimer& one : ticket.timers) {
    if (one.timer == timer) return &one;
  }
  return nullptr;
}

// The percentage of the mark a clock reaches next under `plan`; 0 when none.
double next_percent(const SlaClock& clock, const LimitPlan& plan) {
  return clock.next_mark < plan.marks.size() ? plan.marks[clock.next_mark].percent : 0;
}

// Moves one ticket; each step returns false after setting error_.
class Migration {
 public:
  Migration(const Ticket& ticket, std::shared_ptr<const Workflow> target, const Version& version,
            const std::map<std::string, std::string>& state_map)
      : from_(ticket),
        source_(*ticket.workflow),
        target_(std::move(target)),
        to_(*target_),
        version_(version),
        state_map_(state_map),
        at_(ticket.updated_at) {}

  const std::string& error() const { return error_; }

  bool run(Ticket& out) {
    out.id = from_.id;
    out.workflow = target_;
    out.created_at = from_.created_at;
    out.entered_at = from_.entered_at;
    out.updated_at = from_.updated_at;
    out.events = from_.events;
    out.proposal = from_.proposal;  // actor ids: nothing to map
    out_ = &out;
    return state() && attributes() && fields() && departments() && clocks() && timers() && approval() &&
           required_fields() && constraints();
  }

 private:
  bool fail(std::string message) {
    error_ = std::move(message);
    return false;
  }

  std::string in_target() const {
    std::string text = "workflow " + to_.name() + " version ";
    text += to_.version_id().empty() ? std::string("(no id)") : to_.version_id().substr(0, 12);
    return text;
  }

  bool state() {
    const std::string& name = source_.states()[from_.state].name;
    auto mapped = state_map_.find(name);
    const std::string& target_name = mapped != state_map_.end() ? mapped->second : name;
    std::optional<StateIndex> index = to_.find_state(target_name);
    if (!index) {
      if (mapped != state_map_.end()) {
        return fail("state `" + name + "` maps to `" + target_name + "`, which is not in " + in_target());
      }
      return fail("state `" + name + "` is not in " + in_target() + " (map it to a state that is)");
    }
    Reachability reachability = analyze_reachability(to_);
    if (*index >= reachability.can_finish.size() || !reachability.can_finish[*index]) {
      return fail("would be stranded in state `" + target_name + "`: no final state can be reached from it in " +
                  in_target());
    }
    out_->state = *index;
    return true;
  }

  bool attributes() {
    for (std::size_t i = 0; i < kAttributeCount; ++i) {
      const Value& value = from_.attributes[i];
      Value& slot = out_->attributes[i];
      switch (value.type()) {
        case ValueType::kCategory: {
          const std::string& name = source_.categories()[value.ordinal()].name;
          std::optional<CategoryIndex> index = to_.find_category(name);
          if (!index) return fail("category `" + name + "` is not in " + in_target());
          slot = Value::category(*index);
          break;
        }
        case ValueType::kPriority: {
          const std::string& name = source_.priorities()[value.ordinal()].name;
          std::optional<PriorityIndex> index = to_.find_priority(name);
          if (!index) return fail("priority `" + name + "` is not in " + in_target());
          slot = Value::priority(*index);
          break;
        }
        case ValueType::kState:
          slot = Value::state(out_->state);
          break;
        default:
          slot = value;
          break;
      }
    }
    return true;
  }

  // The value of source field `field` as target field `index` holds it.
  bool carry_field(const Field& field, const Value& value, FieldIndex index) {
    const Field& target = to_.fields()[index];
    std::string where = "field `" + field.name + "`";
    if (value.type() != value_type_of(target.type)) {
      return fail(where + ": its value " + source_.format_value(value) + " does not fit its type " +
                  to_string(target.type) + " in " + in_target());
    }
    Value carried = value;
    if (value.type() == ValueType::kEnum) {
      const std::string& name = field.enum_values[value.ordinal()];
      auto found = std::find(target.enum_values.begin(), target.enum_values.end(), name);
      if (found == target.enum_values.end()) {
        return fail(where + ": its value `" + name + "` is not one of " + join(target.enum_values, ", ") + " in " +
                    in_target());
      }
      carried = Value::enumerator(index, static_cast<std::uint32_t>(found - target.enum_values.begin()));
    } else if (value.type() == ValueType::kNumber) {
      std::optional<Value> coerced = coerce_to_field(value, target.type);
      if (!coerced || !(*coerced == value)) {
        return fail(where + ": its value " + value.as_number().to_string() + " is not " +
                    (target.type == FieldType::kInt ? "a whole number" : "in whole cents") + ", as " +
                    to_string(target.type) + " needs in " + in_target());
      }
    }
    if (std::optional<std::string> violation = range_violation(to_, index, carried)) {
      return fail("field " + *violation + " in " + in_target());
    }
    out_->fields[index] = std::move(carried);
    return true;
  }

  bool fields() {
    out_->fields.assign(to_.fields().size(), Value());
    std::vector<bool> carried(to_.fields().size(), false);
    for (FieldIndex f = 0; f < source_.fields().size(); ++f) {
      const Field& field = source_.fields()[f];
      std::optional<FieldIndex> index = to_.find_field(field.name);
      if (!index) {
        if (from_.fields[f].is_set()) {
          return fail("field `" + field.name + "` holds " + source_.format_value(from_.fields[f]) + " but is not in " +
                      in_target());
        }
        continue;
      }
      carried[*index] = true;
      if (from_.fields[f].is_set() && !carry_field(field, from_.fields[f], *index)) return false;
    }
    // Fields new in the target: their defaults, in declaration order, as at creation.
    for (FieldIndex f = 0; f < to_.fields().size(); ++f) {
      const Field& field = to_.fields()[f];
      if (carried[f] || !field.default_value) continue;
      EvalResult result = evaluate(*field.default_value, out_->view(), at_);
      if (!result.ok()) {
        return fail("field `" + field.name + "` is new in " + in_target() +
                    " and its default cannot be evaluated: " + to_.describe(result.failure(), *field.default_value));
      }
      std::optional<Value> value = coerce_to_field(result.value(), field.type);
      if (!value) return fail("field `" + field.name + "`: its default does not fit its type in " + in_target());
      if (std::optional<std::string> violation = range_violation(to_, f, *value)) {
        return fail("field " + *violation + " (its default) in " + in_target());
      }
      out_->fields[f] = std::move(*value);
    }
    return true;
  }

  bool departments() {
    for (DepartmentIndex d : from_.departments) {
      const std::string& name = source_.departments()[d].name;
      std::optional<DepartmentIndex> index = to_.find_department(name);
      if (!index) return fail("department `" + name + "` is not in " + in_target());
      out_->departments.push_back(*index);
    }
    const Assignment& assignee = from_.assignee;
    std::string text = assignment_text(source_, assignee);
    if (assignee.department != kNoIndex) {
      const std::string& name = source_.departments()[assignee.department].name;
      std::optional<DepartmentIndex> index = to_.find_department(name);
      if (!index) return fail("assignee `" + text + "`: department `" + name + "` is not in " + in_target());
      out_->assignee.department = *index;
    }
    if (assignee.role != kNoIndex) {
      const std::string& name = source_.roles()[assignee.role].name;
      std::optional<RoleIndex> index = to_.find_role(name);
      if (!index) return fail("assignee `" + text + "`: role `" + name + "` is not in " + in_target());
      out_->assignee.role = *index;
      if (out_->assignee.department != kNoIndex) {
        const std::vector<RoleIndex>& roles = to_.departments()[out_->assignee.department].roles;
        if (std::find(roles.begin(), roles.end(), *index) == roles.end()) {
          return fail("assignee `" + text + "`: `" + name + "` is not a role of department `" +
                      to_.departments()[out_->assignee.department].name + "` in " + in_target());
        }
      }
    }
    return true;
  }

  // ------------------------------------------------ clocks

  bool clocks() {
    const State& from_state = source_.states()[from_.state];
    const State& to_state = to_.states()[out_->state];
    bool from_final = from_state.kind == StateKind::kFinal;
    bool to_final = to_state.kind == StateKind::kFinal;
    SlaPlan source_plans(source_);
    std::optional<PriorityIndex> from_priority = from_.priority();
    std::optional<PriorityIndex> to_priority = out_->priority();

    out_->clocks.assign(to_.metrics().size(), SlaClock{});
    for (MetricIndex m = 0; m < to_.metrics().size(); ++m) {
      SlaClock& clock = out_->clocks[m];
      std::optional<MetricIndex> before = source_.find_metric(to_.metrics()[m]);
      if (!before) {
        // New metric: as the engine starts it at creation, but from now.
        if (!to_final && !version_.explicit_start[m]) {
          run_clock(clock, at_);
          if (contains(to_state.paused_clocks, m)) pause_clock(clock, at_);
        }
      } else {
        clock = from_.clocks[*before];
        // The pauses of the old and the new state, as on a transition between them.
        if (to_final && !from_final) {
          if (clock.status == SlaClock::Status::kRunning || clock.status == SlaClock::Status::kPaused) {
            stop_clock(clock, at_);
          }
        } else if (!to_final) {
          bool paused_before = contains(from_state.paused_clocks, *before);
          bool paused_now = contains(to_state.paused_clocks, m);
          if (paused_now && !paused_before && clock.status == SlaClock::Status::kRunning) {
            pause_clock(clock, at_);
          } else if (paused_before && !paused_now && clock.status == SlaClock::Status::kPaused) {
            run_clock(clock, at_);
          }
        }
      }
      if (clock.status != SlaClock::Status::kRunning && clock.status != SlaClock::Status::kPaused) {
        clock.due = kNever;
        continue;
      }

      const LimitPlan& plan = version_.sla.plan(to_priority, m);
      TimeBasis basis = version_.calendars.basis(plan.calendar);
      // Extensions in working days count only on a limit in working days,
      // extensions in seconds only on one in seconds (clock_limit()): any
      // other limit would drop them silently.
      bool workday_limit = plan.length.in_workdays() && !basis.is_wall_clock();
      if (plan.has_limit() &&
          ((clock.extended_workdays > 0 && !workday_limit) || (clock.extended_seconds > 0 && workday_limit))) {
        Duration extension{clock.extended_seconds, clock.extended_workdays, kNoIndex, {}};
        return fail("clock `" + to_.metrics()[m] + "` was extended by " + to_.describe(extension) +
                    ", which its limit `" + to_.describe(plan.length) + "` under `" +
                    to_.priorities()[*to_priority].name + "` in " + in_target() + " cannot take");
      }
      bool unchanged = before && same_plan(source_, source_plans.plan(from_priority, *before), to_, plan);
      if (!unchanged) {
        // Marks the measured time has reached count as passed, without firing again.
        std::int64_t measured = measured_seconds(clock, basis, at_);
        std::int64_t limit = clock_limit(clock, plan, basis);
        std::uint32_t next = 0;
        while (next < plan.marks.size() && mark_threshold(plan.marks[next], limit) <= measured) {
          if (plan.marks[next].kind == MarkKind::kBreach) clock.breached = true;
          ++next;
        }
        clock.next_mark = next;
      }
      clock.due = kNever;
      if (clock.status == SlaClock::Status::kRunning && plan.has_limit() && clock.next_mark < plan.marks.size()) {
        clock.due = due_at(clock, basis, mark_threshold(plan.marks[clock.next_mark], clock_limit(clock, plan, basis)));
      }
    }
    return true;
  }

  // ------------------------------------------------ timers

  bool timers() {
    out_->timers.clear();
    const State& to_state = to_.states()[out_->state];
    if (to_state.kind == StateKind::kFinal) return true;
    bool from_final = source_.states()[from_.state].kind == StateKind::kFinal;
    std::span<const TimerIndex> before = source_.timers_of(from_.state);
    std::span<const TimerIndex> now = to_.timers_of(out_->state);
    for (std::size_t k = 0; k < now.size(); ++k) {
      const Timer& timer = to_.timers()[now[k]];
      if (!from_final && k < before.size() && same_timer(source_, source_.timers()[before[k]], to_, timer)) {
        // Unchanged: armed as it was, or not at all once an `after` has fired.
        // An `after` still armed is due as its calendar now counts (a
        // holiday notice may have changed it); an `every` keeps its next
        // occurrence, and the ones after it follow the new calendar.
        for (const ArmedTimer& armed : from_.timers) {
          if (armed.timer != before[k]) continue;
          std::int64_t due =
              timer.recurring ? armed.due : add_duration(version_.calendars, out_->entered_at, timer.length);
          out_->timers.push_back(ArmedTimer{now[k], due});
        }
        continue;
      }
      std::int64_t due = add_duration(version_.calendars, out_->entered_at, timer.length);
      if (timer.recurring && timer.length.in_workdays()) {
        // Its last occurrence at or before the move, one period at a time
        // (working days have no fixed length); bounded like any walk.
        for (int step = 0; step < 100000; ++step) {
          std::int64_t next = add_duration(version_.calendars, due, timer.length);
          if (next > at_ || next <= due) break;
          due = next;
        }
      } else if (timer.recurring && timer.length.seconds > 0) {
        TimeBasis basis = version_.calendars.basis(timer.length.calendar);
        std::int64_t elapsed = basis.seconds_between(out_->entered_at, at_);
        if (elapsed >= timer.length.seconds) {
          due = basis.add(out_->entered_at, elapsed / timer.length.seconds * timer.length.seconds);
        }
      }
      out_->timers.push_back(ArmedTimer{now[k], due});
    }
    return true;
  }

  // ------------------------------------------------ approval

  std::int64_t level_deadline(const ApprovalLevel& level, std::int64_t started) const {
    if (level.within.empty()) return kNever;
    return add_duration(version_.calendars, started, level.within);
  }

  bool approval() {
    const State& to_state = to_.states()[out_->state];
    bool awaits = to_state.awaits_approval && to_state.kind != StateKind::kFinal;
    const std::optional<ApprovalProgress>& before = from_.approval;
    if (to_state.kind == StateKind::kFinal) return true;
    if (!awaits) {
      if (!before) return true;
      return fail("state `" + to_state.name + "` does not await approval in " + in_target() +
                  ": the approval in progress would be lost");
    }
    if (!before) return start_approval();

    ApprovalProgress progress;
    progress.requester = before->requester;
    progress.level_started_at = before->level_started_at;
    if (before->chain == kNoIndex) {
      progress.choice = kNoIndex;
      out_->approval = std::move(progress);
      return true;
    }
    const Chain& old_chain = source_.chains()[before->chain];
    std::optional<ChainIndex> chain_index = to_.find_chain(old_chain.name);
    if (!chain_index) return fail("approval chain `" + old_chain.name + "` is not in " + in_target());
    const Chain& chain = to_.chains()[*chain_index];
    auto find_level = [&](std::uint32_t old_level) -> std::optional<std::uint32_t> {
      const std::string& name = old_chain.levels[old_level].name;
      for (std::uint32_t i = 0; i < chain.levels.size(); ++i) {
        if (chain.levels[i].name == name) return i;
      }
      return std::nullopt;
    };
    auto level_text = [&](std::uint32_t old_level) { return old_chain.name + "." + old_chain.levels[old_level].name; };

    std::optional<std::uint32_t> level = find_level(before->level);
    if (!level) return fail("approval level `" + level_text(before->level) + "` is not in " + in_target());
    progress.chain = *chain_index;
    progress.level = *level;
    for (const ApprovalVote& vote : before->votes) {
      std::optional<std::uint32_t> vote_level = find_level(vote.level);
      if (!vote_level) {
        return fail("the vote of `" + vote.approver + "` is for approval level `" + level_text(vote.level) +
                    "`, which is not in " + in_target());
      }
      if (*vote_level > *level) {
        return fail("the vote of `" + vote.approver + "` for `" + level_text(vote.level) + "` would come after the " +
                    "current level `" + level_text(before->level) + "` in " + in_target());
      }
      const std::string& role_name = source_.roles()[vote.role].name;
      std::optional<RoleIndex> role = to_.find_role(role_name);
      if (!role) {
        return fail("the vote of `" + vote.approver + "` counts for role `" + role_name + "`, which is not in " +
                    in_target());
      }
      progress.votes.push_back(ApprovalVote{vote.approver, *vote_level, *role});
    }
    // The rule that chose the chain: the same position if it still chooses it, else the first that does.
    const std::vector<ApprovalChoice>& choices = to_.approvals();
    if (before->choice < choices.size() && choices[before->choice].chain == progress.chain) {
      progress.choice = before->choice;
    } else {
      for (std::uint32_t i = 0; i < choices.size() && progress.choice == kNoIndex; ++i) {
        if (choices[i].chain == progress.chain) progress.choice = i;
      }
    }
    const ApprovalLevel& old_level = old_chain.levels[before->level];
    bool ran_out = before->deadline == kNever && !old_level.within.empty();
    progress.deadline = ran_out ? kNever : level_deadline(chain.levels[progress.level], progress.level_started_at);
    out_->approval = std::move(progress);
    return true;
  }

  bool start_approval() {
    const std::string& state_name = to_.states()[out_->state].name;
    ChainChoice choice = choose_chain(to_, *out_, at_);
    if (choice.chain == kNoIndex) {
      return fail("state `" + state_name + "` awaits approval in " + in_target() +
                  ", the ticket has none in progress, and the chain its rules choose now is `none`, which would " +
                  "approve at once: map the ticket to the state after the approval instead");
    }
    const Chain& chain = to_.chains()[choice.chain];
    if (chain.levels.empty()) return fail("approval chain `" + chain.name + "` has no levels in " + in_target());
    ApprovalProgress progress;
    progress.chain = choice.chain;
    progress.choice = choice.choice;
    progress.requester = out_->proposal ? out_->proposal->proposer : out_->requester();
    progress.level_started_at = at_;
    progress.deadline = level_deadline(chain.levels.front(), at_);
    out_->approval = std::move(progress);
    return true;
  }

  // ------------------------------------------------ the whole

  bool required_fields() {
    for (FieldIndex f = 0; f < to_.fields().size(); ++f) {
      const Field& field = to_.fields()[f];
      if (field.required && !out_->fields[f].is_set()) {
        return fail("field `" + field.name + "` is required in " + in_target() + " but has no value");
      }
    }
    return true;
  }

  bool constraints() {
    for (const Constraint& constraint : to_.constraints()) {
      if (constraint.when && !evaluate_condition(*constraint.when, out_->view(), at_).value_or(false)) continue;
      EvalFailure failure;
      std::optional<bool> holds = evaluate_condition(constraint.condition, out_->view(), at_, &failure);
      if (holds && *holds) continue;
      std::string reason =
          "violates `require " + constraint.condition.text() + "` of " + in_target() + ": " + constraint.message;
      if (!holds) reason += " (" + to_.describe(failure, constraint.condition) + ")";
      return fail(std::move(reason));
    }
    return true;
  }

  const Ticket& from_;
  const Workflow& source_;
  std::shared_ptr<const Workflow> target_;
  const Workflow& to_;
  const Version& version_;
  const std::map<std::string, std::string>& state_map_;
  std::int64_t at_;
  Ticket* out_ = nullptr;
  std::string error_;
};

}  // namespace

std::vector<Rebasing> rebasings(const Ticket& before, const Version& from, const Ticket& after, const Version& to) {
  const Workflow& source = *from.workflow;
  const Workflow& target = *to.workflow;
  std::vector<Rebasing> moved;
  auto rebasing = [&](const std::string& calendar, std::int64_t due_before, std::int64_t due_after) -> Rebasing& {
    Rebasing& one = moved.emplace_back();
    one.calendar = calendar;
    one.notices = changed_notices(source, target, calendar);
    one.due_before = due_before;
    one.due_after = due_after;
    return one;
  };
  for (MetricIndex m = 0; m < target.metrics().size(); ++m) {
    std::optional<MetricIndex> old = source.find_metric(target.metrics()[m]);
    if (!old || *old >= before.clocks.size() || m >= after.clocks.size()) continue;
    const SlaClock& was = before.clocks[*old];
    const SlaClock& now = after.clocks[m];
    if (was.status != SlaClock::Status::kRunning || now.status != SlaClock::Status::kRunning || was.due == now.due) {
      continue;
    }
    const LimitPlan& plan = to.sla.plan(after.priority(), m);
    Rebasing& one = rebasing(calendar_name(target, plan.calendar), was.due, now.due);
    one.clock = target.metrics()[m];
    one.percent_before = next_percent(was, from.sla.plan(before.priority(), *old));
    one.percent_after = next_percent(now, plan);
    one.ran = now.counted;
    one.running_since = now.running_since;
    one.extended_workdays = now.extended_workdays;
    one.extended_seconds = now.extended_seconds;
  }
  if (before.state >= source.states().size() || after.state >= target.states().size()) return moved;
  std::span<const TimerIndex> old_timers = source.timers_of(before.state);
  std::span<const TimerIndex> new_timers = target.timers_of(after.state);
  for (std::size_t k = 0; k < new_timers.size() && k < old_timers.size(); ++k) {
    const Timer& timer = target.timers()[new_timers[k]];
    if (timer.recurring || !same_timer(source, source.timers()[old_timers[k]], target, timer)) continue;
    const ArmedTimer* was = armed(before, old_timers[k]);
    const ArmedTimer* now = armed(after, new_timers[k]);
    if (was == nullptr || now == nullptr || was->due == now->due) continue;
    rebasing(calendar_name(target, timer.length.calendar), was->due, now->due).timer = timer.position;
  }
  return moved;
}

Result<Ticket> migrate_ticket(const Ticket& ticket, std::shared_ptr<const Workflow> target,
                              const std::map<std::string, std::string>& state_map) {
  std::string prefix = message_prefix(ticket.id.empty() ? std::string("?") : ticket.id);
  if (!target) return Result<Ticket>::failure(prefix + "no workflow to migrate to");
  if (!ticket.workflow) return Result<Ticket>::failure(prefix + "the ticket has no workflow");
  if (ticket.workflow->name() != target->name()) {
    return Result<Ticket>::failure(prefix + "belongs to workflow " + ticket.workflow->name() + ", not " +
                                   target->name() + ": a ticket moves only between versions of its workflow");
  }
  if (std::string error = shape_error(ticket); !error.empty()) {
    return Result<Ticket>::failure(prefix + "does not fit its own workflow: " + error);
  }

  Result<std::unique_ptr<Version>> version = Version::build(target);
  if (!version) return Result<Ticket>::failure(prefix + version.error());
  Migration migration(ticket, target, *version.value(), state_map);
  Ticket moved;
  if (!migration.run(moved)) return Result<Ticket>::failure(prefix + migration.error());
  return Result<Ticket>::success(std::move(moved));
}

}  // namespace docket::engine
