#include "engine/runtime/duration.h"

namespace docket::engine {

std::int64_t add_duration(const CalendarSet& calendars, std::int64_t start, const Duration& length) {
  const BusinessCalendar* calendar = calendars.find(length.calendar);
  if (length.in_workdays() && calendar != nullptr) return calendar->add_workdays(start, length.workdays);
  return TimeBasis(calendar).add(start, length.seconds);
}

std::string explain_duration(const CalendarSet& calendars, std::int64_t start, const Duration& length) {
  const BusinessCalendar* calendar = calendars.find(length.calendar);
  if (length.in_workdays() && calendar != nullptr) return calendar->explain_add_workdays(start, length.workdays);
  return TimeBasis(calendar).explain_add(start, length.seconds);
}

}  // namespace docket::engine
