// What a ticket's rows hold besides its snapshot, the same in every backend
// (docs/store.md: tickets.next_due, the timers table). Not a public header.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/runtime/ticket.h"

namespace docket::engine {

// One row of the timers table: a pending due item of a ticket.
struct TimerRow {
  const char* kind;  // "sla", "timer", "approval"
  std::string name;  // the metric, the timer's position, "<chain> level <n>"
  std::int64_t due = 0;
};

// Every pending due item of `ticket`, SLA clocks first.
std::vector<TimerRow> timer_rows(const Ticket& ticket);

// The earliest of them; nullopt when nothing is due.
std::optional<std::int64_t> next_due_of(const Ticket& ticket);

}  // namespace docket::engine
