// Business time: durations that count only the working hours of a calendar.
//
// A BusinessCalendar interprets one declared engine::Calendar (workflow.h) in
// its IANA time zone, read from the system tzdata through Howard Hinnant's
// date/tz. Instants are epoch seconds UTC, as everywhere in the engine
// (clock.h).
//
// What counts as working time
//   An instant is working time when the wall clock of the calendar's zone,
//   at that instant, shows a time inside one of the working spans of the
//   local date it shows. Which spans a local date has:
//   - a holiday (listed in `holidays`): none. A date listed both as a
//     holiday and as a make-up workday is a holiday.
//   - a make-up workday (listed in `workdays`, 调休): its own weekday's
//     hours if that weekday has any; otherwise (the usual case, a Saturday
//     or Sunday) the hours of the first of Monday..Friday that has hours
//     (typically Monday's), or failing that the first day of the week that
//     has hours.
//   - any other date: its weekday's hours.
//   Spans of one day that overlap or touch are merged; 24:00 is the end of
//   the day, so 00:00-24:00 every day is open around the clock.
//
// Daylight saving time
//   Working hours are local wall-clock hours: 09:00-17:00 is 8 h of business
//   time on a DST day too, because the change (at night in the zones that
//   have one) falls outside it. A span that contains the change is as long
//   as the wall clock says it really is: 00:00-24:00 lasts 23 h on a
//   spring-forward day and 25 h on a fall-back day (the repeated hour is
//   worked twice, as a person on shift would). Local times that do not exist
//   (skipped by spring-forward) are never working time.
//   Limit: the system database lists transitions up to 2037; date/tz does
//   not read the rule that extends them, so from 2038 on a zone keeps the
//   offset of its last listed transition (standard time).
//
// Cost
//   Walks by working spans, never minute by minute, and jumps over whole
//   weeks (and whole holiday ranges) between the dates and DST changes that
//   break the weekly pattern: the cost grows with the DST changes, holiday
//   ranges and make-up days crossed (one zone lookup, or a few day steps,
//   each), not with the duration. Adding 10,000 business hours takes a few
//   microseconds. Nothing is cached, so a calendar is immutable after
//   build() and safe to share between threads.
//
// Time range
//   Instants before 0001-01-01 or after 9999-12-31 are clamped to those
//   bounds; add_business() saturates at 9999-12-31T23:59:59Z.

#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/model/workflow.h"

namespace date {
class time_zone;
}

namespace docket::engine {

class BusinessCalendar {
 public:
  struct BuildResult;  // below: { optional<BusinessCalendar> calendar; string error; }

  // Errors: unknown zone (or no tzdata installed), a span outside
  // 00:00-24:00 or not running forwards, an impossible date, a reversed date
  // range, no working hours on any weekday. An empty zone means UTC.
  static BuildResult build(const Calendar& declared);

  const std::string& name() const { return name_; }
  // The IANA name used: "Asia/Shanghai"; "UTC" when none was declared.
  const std::string& zone_name() const { return zone_name_; }

  bool is_working_time(std::int64_t instant) const;

  // The earliest instant `due` >= `start` with
  // business_seconds_between(start, due) == seconds: exactly at the end of a
  // working span when the duration runs out there (Fri 18:00, not Mon 09:00);
  // `start` itself when `seconds` is 0, even in a closed period. Negative
  // `seconds` count as 0.
  std::int64_t add_business(std::int64_t start, std::int64_t seconds) const;

  // Working seconds in [from, to). Antisymmetric: negative when to < from.
  // For any start and s >= 0: business_seconds_between(start,
  // add_business(start, s)) == s.
  std::int64_t business_seconds_between(std::int64_t from, std::int64_t to) const;

  // One line explaining add_business(start, seconds) in local times of the
  // calendar's zone, listing the closed stretches skipped:
  //   "4 business hours from Mon 2026-11-23 17:30 (Asia/Shanghai): 30m on Mon
  //    until 18:00; closed 18:00-09:00; 3h30m on Tue from 09:00; due Tue
  //    2026-11-24 12:30"
  // When the work spreads over more than three days, the days between the
  // first and the last are summarised ("10 full working days Wed
  // 2026-11-25..Tue 2026-12-08, 4 closed days"). Holidays, make-up workdays
  // and clock changes are named where they matter. The due time it names is
  // always add_business(start, seconds). Walks day by day to tell the story:
  // for messages and the journal, not for the hot path (~0.1 ms for 10,000 h).
  std::string explain_add(std::int64_t start, std::int64_t seconds) const;

 private:
  struct Span {  // seconds since local midnight, [start, end)
    std::int32_t start = 0;
    std::int32_t end = 0;
  };
  enum class DayKind : std::uint8_t { kNormal, kHoliday, kMakeup };
  // Consecutive local dates (days since 1970-01-01) of one kind.
  struct Override {
    std::int64_t first_day = 0;
    std::int64_t last_day = 0;  // inclusive
    DayKind kind = DayKind::kHoliday;
  };
  struct Piece;       // a stretch of working time, for explanations
  struct WalkResult;  // how far a walk got
  class Recorder;

  BusinessCalendar() = default;

  DayKind kind_of(std::int64_t local_day) const;
  std::span<const Span> spans_of(std::int64_t local_day, DayKind kind) const;
  WalkResult walk(std::int64_t start, std::int64_t stop, std::int64_t budget, Recorder* recorder) const;
  WalkResult walk_local(std::int64_t low, std::int64_t high, std::int64_t budget, std::int64_t offset,
                        Recorder* recorder) const;

  std::string name_;
  std::string zone_name_;
  const date::time_zone* zone_ = nullptr;    // owned by date's database; lives forever
  std::array<std::vector<Span>, 7> weekly_;  // [0] is Monday
  std::vector<Span> makeup_hours_;           // for make-up days whose weekday has none
  std::int64_t week_seconds_ = 0;            // working seconds of an ordinary week
  std::vector<Override> overrides_;          // sorted, disjoint
};

struct BusinessCalendar::BuildResult {
  std::optional<BusinessCalendar> calendar;  // empty on error
  std::string error;                         // why, when empty
};

// Business time in a calendar, or plain wall-clock time: lets callers treat
// `after 2h` and `after 2h in office` alike. A value type that borrows the
// calendar: the calendar must outlive it. Default: wall clock.
class TimeBasis {
 public:
  TimeBasis() = default;
  // `calendar` null means wall clock.
  explicit TimeBasis(const BusinessCalendar* calendar) : calendar_(calendar) {}

  bool is_wall_clock() const { return calendar_ == nullptr; }
  const BusinessCalendar* calendar() const { return calendar_; }

  // Wall clock: always.
  bool is_working_time(std::int64_t instant) const;
  // Wall clock: start + seconds, saturating; negative seconds count as 0.
  std::int64_t add(std::int64_t start, std::int64_t seconds) const;
  // Wall clock: to - from, saturating.
  std::int64_t seconds_between(std::int64_t from, std::int64_t to) const;
  // Wall clock: "4h from Mon 2026-11-23 17:30 UTC: due Mon 2026-11-23 21:30 UTC".
  std::string explain_add(std::int64_t start, std::int64_t seconds) const;

 private:
  const BusinessCalendar* calendar_ = nullptr;
};

// The calendars of one workflow, by CalendarIndex. Built once per workflow
// version; TimeBasis values from basis() borrow from it.
class CalendarSet {
 public:
  struct BuildResult;  // below: { optional<CalendarSet> set; string error; }
  static BuildResult build(std::span<const Calendar> calendars);

  CalendarSet(CalendarSet&&) = default;
  CalendarSet& operator=(CalendarSet&&) = default;
  CalendarSet(const CalendarSet&) = delete;  // bases point into it
  CalendarSet& operator=(const CalendarSet&) = delete;

  std::size_t size() const { return calendars_.size(); }
  // Null when `index` is kNoIndex or out of range.
  const BusinessCalendar* find(CalendarIndex index) const;
  // Wall clock when `index` is kNoIndex or out of range.
  TimeBasis basis(CalendarIndex index) const { return TimeBasis(find(index)); }

 private:
  CalendarSet() = default;
  std::vector<BusinessCalendar> calendars_;
};

struct CalendarSet::BuildResult {
  std::optional<CalendarSet> set;  // empty on error
  std::string error;               // "calendar office: unknown time zone ..."
};

}  // namespace docket::engine
