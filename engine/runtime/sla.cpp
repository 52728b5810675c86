#include "engine/runtime/sla.h"

#include <algorithm>
#include <cmath>

namespace docket::engine {
namespace {

std::int64_t threshold_of(std::int64_t limit_seconds, double percent) {
  return std::llround(static_cast<double>(limit_seconds) * percent / 100.0);
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  if (b > 0 && a > kNever - b) return kNever;
  return a + b;
}

std::int64_t counted_seconds(const SlaClock& clock, const TimeBasis& basis) {
  std::int64_t total = 0;
  for (const TimeSpan& span : clock.counted) total = saturating_add(total, basis.seconds_between(span.from, span.to));
  return total;
}

}  // namespace

std::int64_t mark_threshold(const Mark& mark, std::int64_t limit_seconds) {
  return mark.kind == MarkKind::kBreach ? limit_seconds : threshold_of(limit_seconds, mark.percent);
}

std::int64_t clock_origin(const SlaClock& clock) {
  if (!clock.counted.empty()) return clock.counted.front().from;
  if (clock.status == SlaClock::Status::kRunning) return clock.running_since;
  return kNever;
}

std::int64_t clock_limit(const SlaClock& clock, const LimitPlan& plan, const TimeBasis& basis) {
  if (!plan.has_limit()) return 0;
  if (!plan.length.in_workdays() || basis.is_wall_clock()) {
    return saturating_add(plan.length.seconds, clock.extended_seconds);
  }
  std::int64_t origin = clock_origin(clock);
  if (origin == kNever) return 0;
  std::int64_t due =
      basis.calendar()->add_workdays(origin, saturating_add(plan.length.workdays, clock.extended_workdays));
  return saturating_add(basis.seconds_between(origin, due), clock.extended_seconds);
}

std::string limit_amount_text(const Workflow& workflow, const LimitPlan& plan, const SlaClock& clock) {
  std::string text = workflow.describe(plan.length, false);
  if (clock.extended_workdays > 0 || clock.extended_seconds > 0) {
    Duration extended{clock.extended_seconds, clock.extended_workdays, plan.calendar, {}};
    text += " + " + workflow.describe(extended, false);
  }
  return text;
}

std::string limit_text(const Workflow& workflow, const LimitPlan& plan, const SlaClock& clock) {
  std::string text = limit_amount_text(workflow, plan, clock);
  if (plan.calendar < workflow.calendars().size()) text += " in " + workflow.calendars()[plan.calendar].name;
  return text;
}

SlaPlan::SlaPlan(const Workflow& workflow) : metric_count_(workflow.metrics().size()) {
  const std::vector<Priority>& priorities = workflow.priorities();
  plans_.resize(priorities.size() * metric_count_);
  for (std::size_t p = 0; p < priorities.size(); ++p) {
    const Priority& priority = priorities[p];
    for (std::uint32_t l = 0; l < priority.limits.size(); ++l) {
      const TimeLimit& limit = priority.limits[l];
      if (limit.metric >= metric_count_) continue;
      LimitPlan& plan = plans_[p * metric_count_ + limit.metric];
      if (plan.has_limit()) continue;  // the first limit written for a metric counts
      plan.limit = l;
      plan.length = limit.length;
      plan.calendar = limit.length.calendar;

      // (percent, group) orders the marks, as their thresholds under any
      // limit would; stable_sort keeps the order written.
      std::vector<std::pair<int, Mark>> marks;
      for (std::uint32_t w = 0; w < priority.warnings.size(); ++w) {
        marks.push_back({0, Mark{MarkKind::kWarning, priority.warnings[w].percent, kNoIndex, w}});
      }
      for (std::uint32_t e = 0; e < priority.escalations.size(); ++e) {
        const Escalation& escalation = priority.escalations[e];
        if (escalation.metric != limit.metric) continue;
        double percent = escalation.percent.value_or(100.0);
        int group = escalation.percent ? 1 : 3;
        marks.push_back({group, Mark{MarkKind::kEscalation, percent, e, kNoIndex}});
      }
      marks.push_back({2, Mark{MarkKind::kBreach, 100.0, kNoIndex, kNoIndex}});
      std::stable_sort(marks.begin(), marks.end(), [](const auto& a, const auto& b) {
        if (a.second.percent != b.second.percent) return a.second.percent < b.second.percent;
        return a.first < b.first;
      });
      for (auto& [group, mark] : marks) plan.marks.push_back(mark);
    }
  }
}

const LimitPlan& SlaPlan::plan(std::optional<PriorityIndex> priority, MetricIndex metric) const {
  if (!priority || metric >= metric_count_) return none_;
  std::size_t index = std::size_t{*priority} * metric_count_ + metric;
  return index < plans_.size() ? plans_[index] : none_;
}

namespace {

void close_stretch(SlaClock& clock, std::int64_t at) {
  if (clock.status == SlaClock::Status::kRunning && at > clock.running_since) {
    clock.counted.push_back(TimeSpan{clock.running_since, at});
  }
}

}  // namespace

void run_clock(SlaClock& clock, std::int64_t at) {
  clock.status = SlaClock::Status::kRunning;
  clock.running_since = at;
  clock.changed_at = at;
}

void pause_clock(SlaClock& clock, std::int64_t at) {
  close_stretch(clock, at);
  clock.status = SlaClock::Status::kPaused;
  clock.changed_at = at;
}

void stop_clock(SlaClock& clock, std::int64_t at) {
  close_stretch(clock, at);
  clock.status = SlaClock::Status::kStopped;
  clock.changed_at = at;
}

std::int64_t measured_seconds(const SlaClock& clock, const TimeBasis& basis, std::int64_t now) {
  std::int64_t total = counted_seconds(clock, basis);
  if (clock.status == SlaClock::Status::kRunning && now > clock.running_since) {
    total = saturating_add(total, basis.seconds_between(clock.running_since, now));
  }
  return total;
}

std::int64_t due_at(const SlaClock& clock, const TimeBasis& basis, std::int64_t threshold) {
  if (clock.status != SlaClock::Status::kRunning) return kNever;
  std::int64_t before = 0;
  for (const TimeSpan& span : clock.counted) {
    std::int64_t length = basis.seconds_between(span.from, span.to);
    if (before + length >= threshold) return basis.add(span.from, threshold - before);
    before = saturating_add(before, length);
  }
  return basis.add(clock.running_since, threshold - before);
}

namespace {

// The field among `fields` whose value is the time the clock counts from;
// kNoIndex when none is.
FieldIndex field_at(const Ticket& ticket, std::span<const FieldIndex> fields, std::int64_t origin) {
  for (FieldIndex field : fields) {
    if (field >= ticket.fields.size()) continue;
    const Value& value = ticket.fields[field];
    if (value.type() == ValueType::kTimestamp && value.seconds() == origin) return field;
  }
  return kNoIndex;
}

}  // namespace

std::string explain_clock(const Workflow& workflow, const Ticket& ticket, const SlaPlan& plans,
                          const CalendarSet& calendars, MetricIndex metric, std::int64_t now,
                          std::span<const FieldIndex> origin_fields, const ZoneRules* wall_zone) {
  const std::string& name = workflow.metrics()[metric];
  const SlaClock& clock = ticket.clocks[metric];
  std::optional<PriorityIndex> priority = ticket.priority();
  const LimitPlan& plan = plans.plan(priority, metric);
  std::string head = "`" + name + "`";

  if (!priority) {
    std::string text = head + ": the ticket has no priority yet, so no limit applies";
    if (clock.status != SlaClock::Status::kIdle) {
      text += "; measured so far: " + format_duration(measured_seconds(clock, TimeBasis(), now), LargestUnit::kHour) +
              " of wall-clock time";
    }
    return text;
  }
  const std::string& priority_name = workflow.priorities()[*priority].name;
  if (!plan.has_limit()) return head + ": priority " + priority_name + " sets no limit for it";

  TimeBasis basis = calendars.basis(plan.calendar);
  std::int64_t used = measured_seconds(clock, basis, now);
  std::int64_t limit = clock_limit(clock, plan, basis);
  head += " under " + priority_name + ", limit " + limit_text(workflow, plan, clock);
  // `from F` as the limit writes it.
  FieldIndex declared_from = workflow.priorities()[*priority].limits[plan.limit].from_field;
  if (declared_from < workflow.fields().size()) head += " from " + workflow.fields()[declared_from].name;
  if (clock.extensions > 0) {
    head += " (extended " + std::to_string(clock.extensions) + (clock.extensions == 1 ? " time)" : " times)");
  }
  std::string usage =
      format_duration(used, LargestUnit::kHour) + " of " + format_duration(limit, LargestUnit::kHour) + " used";
  switch (clock.status) {
    case SlaClock::Status::kIdle:
      return head + ": not started";
    case SlaClock::Status::kStopped:
      return head + ": stopped at " + format_timestamp(clock.changed_at) + ", " +
             (clock.breached || used > limit ? "breached" : "met") + ", " + usage;
    case SlaClock::Status::kPaused:
      return head + ": paused since " + format_timestamp(clock.changed_at) + ", " + usage +
             "; the due time moves on while it is paused";
    case SlaClock::Status::kRunning:
      break;
  }
  std::int64_t before = counted_seconds(clock, basis);
  std::int64_t remaining = limit - before;
  std::string text = head + ": ";
  if (before > 0) text += format_duration(before, LargestUnit::kHour) + " used before the current stretch; ";
  text += "running since " + format_timestamp(clock.running_since);
  if (remaining <= 0) return text + ", already past the limit (" + usage + ")";

  // The clock counts from a field's time: name it, or say why it does not.
  // Only the first stretch starts there; after a pause the clock runs on
  // from the time it resumed.
  bool first_stretch = clock.counted.empty();
  ExplainLabels labels;
  labels.zone = wall_zone;
  FieldIndex from = first_stretch ? field_at(ticket, origin_fields, clock.running_since) : kNoIndex;
  if (from != kNoIndex) {
    labels.start = workflow.fields()[from].name;
  } else if (first_stretch && declared_from < workflow.fields().size()) {
    const std::string& field = workflow.fields()[declared_from].name;
    const Value& value = ticket.fields[declared_from];
    text += value.is_set() ? " (" + field + " is now " + workflow.format_value(value) +
                                 ", set or changed after the clock started, which does not move it)"
                           : " (" + field + " is unset: the clock counts from when it started)";
  }
  if (!first_stretch) return text + ": " + basis.explain_add(clock.running_since, remaining, {{}, {}, wall_zone});
  // A limit that has run without a pause reads as the rules write it: working
  // days day by day, other durations by their written amount ("15d", not
  // "360h"; left out where it says the same as the hours).
  if (plan.length.in_workdays() && clock.extended_seconds == 0 && !basis.is_wall_clock()) {
    return text + ": " +
           basis.calendar()->explain_add_workdays(clock.running_since, plan.length.workdays + clock.extended_workdays,
                                                  labels);
  }
  std::string amount = limit_amount_text(workflow, plan, clock);
  if (!plan.length.in_workdays() && amount != format_duration(remaining, LargestUnit::kHour)) labels.amount = amount;
  return text + ": " + basis.explain_add(clock.running_since, remaining, labels);
}

}  // namespace docket::engine
