// Durations of the rules (engine::Duration) laid on the time line: seconds of
// the wall clock or of a calendar's working time, or working days of a
// calendar. One home for "when does this limit, timer or deadline end", for
// SLA clocks, timers and approval deadlines alike.

#pragma once

#include <cstdint>
#include <string>

#include "engine/model/workflow.h"
#include "engine/runtime/calendar.h"

namespace docket::engine {

// When `length` measured from `start` ends: start + seconds of the wall
// clock, add_business() in the duration's calendar, or add_workdays() for
// working days. Saturates like the calendar. A calendar index out of range
// counts as the wall clock (the model's validation refuses it earlier).
std::int64_t add_duration(const CalendarSet& calendars, std::int64_t start, const Duration& length);

// One line telling how add_duration() gets its answer, in the calendar's
// local time (BusinessCalendar::explain_add / explain_add_workdays).
std::string explain_duration(const CalendarSet& calendars, std::int64_t start, const Duration& length);

}  // namespace docket::engine
