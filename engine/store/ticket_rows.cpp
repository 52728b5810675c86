#include "engine/store/ticket_rows.h"

#include "engine/model/workflow.h"

namespace docket::engine {

std::vector<TimerRow> timer_rows(const Ticket& ticket) {
  std::vector<TimerRow> rows;
  const Workflow& workflow = *ticket.workflow;
  auto add = [&](const char* kind, std::string name, std::int64_t due) {
    if (due != kNever) rows.push_back({kind, std::move(name), due});
  };
  for (std::size_t metric = 0; metric < ticket.clocks.size(); ++metric) {
    const SlaClock& clock = ticket.clocks[metric];
    if (clock.status != SlaClock::Status::kRunning) continue;
    add("sla", metric < workflow.metrics().size() ? workflow.metrics()[metric] : "?", clock.due);
  }
  for (const ArmedTimer& timer : ticket.timers) {
    add("timer", timer.timer < workflow.timers().size() ? workflow.timers()[timer.timer].position.where : "?",
        timer.due);
  }
  if (ticket.approval && ticket.approval->chain < workflow.chains().size()) {
    add("approval",
        workflow.chains()[ticket.approval->chain].name + " level " + std::to_string(ticket.approval->level + 1),
        ticket.approval->deadline);
  }
  return rows;
}

std::optional<std::int64_t> next_due_of(const Ticket& ticket) {
  std::optional<std::int64_t> earliest;
  for (const TimerRow& row : timer_rows(ticket)) {
    if (!earliest || row.due < *earliest) earliest = row.due;
  }
  return earliest;
}

}  // namespace docket::engine
