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
//   local date it shows. Which spans a local date has, the first that
//   applies deciding:
//   - a holiday (listed in `holidays`): none. A holiday wins over
//     everything: a date that is also a make-up workday or has hours of its
//     own is a holiday.
//   - a date with hours of its own (listed in `dated_hours`: a half day
//     before a holiday, a closed afternoon): exactly those spans, whatever
//     its weekday and even if it is also a make-up workday; none when the
//     entry lists no span. A date in several entries takes the first's.
//   - a make-up workday (listed in `workdays`, 调休): its own weekday's
//     hours if that weekday has any; otherwise (the usual case, a Saturday
//     or Sunday) the hours of the first of Monday..Friday that has hours
//     (typically Monday's), or failing that the first day of the week that
//     has hours.
//   - any other date: its weekday's hours.
//   Spans of one day that overlap or touch are merged; 24:00 is the end of
//   the day, so 00:00-24:00 every day is open around the clock. A working
//   day is a local date with at least one span.
//
// Daylight saving time
//   Working hours are local wall-clock hours: 09:00-17:00 is 8 h of business
//   time on a DST day too, because the change (at night in the zones that
//   have one) falls outside it. A span that contains the change is as long
//   as the wall clock says it really is: 00:00-24:00 lasts 23 h on a
//   spring-forward day and 25 h on a fall-back day (the repeated hour is
//   worked twice, as a person on shift would). Local times that do not exist
//   (skipped by spring-forward) are never working time.
//   Zones past 2037: the system's TZif files list transitions only up to
//   2037 and end with a POSIX TZ rule for the years after, which date/tz
//   3.0.1 (Debian's USE_OS_TZDB build) does not read. ZoneRules
//   (zone_rules.h) applies that rule from the last listed transition on, so
//   Berlin keeps its summer time in 2040. Limit: when a zone's file cannot
//   be read, has no such rule or one that cannot be parsed, or disagrees
//   with date/tz, the zone keeps the offset of its last listed transition
//   from then on (standard time in the northern hemisphere, summer time in
//   the southern); zone_rules().limitation() says why.
//
// Cost
//   Walks by working spans, never minute by minute, and jumps over whole
//   weeks (and whole holiday ranges) between the dates and DST changes that
//   break the weekly pattern: the cost grows with the DST changes, holiday
//   ranges, make-up days and dated hours crossed (one zone lookup, or a few
//   day steps, each), not with the duration. Adding 10,000 business hours,
//   or 10,000 working days, takes a few microseconds. Nothing is cached, so
//   a calendar is immutable after build() and safe to share between
//   threads.
//
// Time range
//   Instants before 0001-01-01 or after 9999-12-31 are clamped to those
//   bounds; add_business() and add_workdays() saturate at
//   9999-12-31T23:59:59Z.

#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/workflow.h"
#include "engine/runtime/zone_rules.h"

namespace docket::engine {

// How an explanation names what it adds, both optional:
//   start   "received_at": "from received_at (Fri 2026-09-25 10:00
//           Asia/Shanghai)" instead of "from Fri 2026-09-25 10:00
//           (Asia/Shanghai)", for a limit counted from a field's time;
//   amount  "15d": the amount as the rules wrote it, instead of "360h" (with a
//           calendar the working time follows: "15d (360 business hours)").
//           explain_add_workdays() names its days itself and ignores it.
//   zone    where wall-clock time (no calendar) is shown in local time:
//           "Fri 2026-09-25 15:00 Asia/Shanghai" instead of "... 07:00 UTC".
//           A calendar shows its own zone and ignores it.
struct ExplainLabels {
  std::string_view start;
  std::string_view amount;
  const ZoneRules* zone = nullptr;
};

class BusinessCalendar {
 public:
  struct BuildResult;  // below: { optional<BusinessCalendar> calendar; string error; }

  // Errors: unknown zone (or no tzdata installed), a span outside
  // 00:00-24:00 or not running forwards (weekly or dated), an impossible
  // date, a reversed date range, no working hours on any weekday. An empty
  // zone means UTC.
  static BuildResult build(const Calendar& declared);

  const std::string& name() const { return name_; }
  // The IANA name used: "Asia/Shanghai"; "UTC" when none was declared.
  const std::string& zone_name() const { return zone_name_; }
  // The zone's offsets, and whether they go on correctly past 2037.
  const ZoneRules& zone_rules() const { return *zone_; }

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
  std::string explain_add(std::int64_t start, std::int64_t seconds, const ExplainLabels& labels = {}) const;

  // Working days as a unit. N working days from an instant end at the close
  // of business of the Nth working day after the local date (in the
  // calendar's zone) of that instant. The date of the instant itself never
  // counts, whether the instant lies inside, before or after that date's
  // hours and whether or not it is a working day (the start day is not
  // counted: 《中华人民共和国民法典》第二百零一条; a period ends at the close
  // of business of its last day, and one whose last day is a holiday ends on
  // the next working day: 第二百零三条, which counting only working days
  // satisfies). A working day is a local date with at least one working span
  // (holidays have none; make-up workdays and dated hours count). Close of
  // business is the end of the last span of that date (24:00 is the next
  // local midnight) as a UTC instant: the later one when a clock change
  // repeats it, the instant the clock jumps past it when a change skips it.
  // `days` <= 0 returns `start`; the result saturates at
  // 9999-12-31T23:59:59Z. Jumps over ordinary weeks like add_business().
  std::int64_t add_workdays(std::int64_t start, std::int64_t days) const;

  // One line explaining add_workdays(start, days) in local times of the
  // calendar's zone, naming the holidays, make-up working days and dated
  // hours from the start date through the last counted day, each with the
  // notice it came from:
  //   "15 working days from Fri 2026-09-25 10:00 (Asia/Shanghai), the day
  //    itself not counted: counting Mon 2026-09-28..Thu 2026-10-22; holidays
  //    Fri 2026-09-25..Sun 2026-09-27 (cn_2026), Thu 2026-10-01..Wed
  //    2026-10-07 (cn_2026); make-up working day Sat 2026-10-10 (cn_2026);
  //    due Thu 2026-10-22 17:30"
  // At most eight ranges of each kind are named ("and 3 more"). The due time
  // it names is always add_workdays(start, days).
  std::string explain_add_workdays(std::int64_t start, std::int64_t days, const ExplainLabels& labels = {}) const;

 private:
  struct Span {  // seconds since local midnight, [start, end)
    std::int32_t start = 0;
    std::int32_t end = 0;
  };
  enum class DayKind : std::uint8_t { kNormal, kHoliday, kMakeup, kDated };
  static constexpr std::uint32_t kNoNotice = UINT32_MAX;
  // Consecutive local dates (days since 1970-01-01) of one kind and origin.
  struct Override {
    std::int64_t first_day = 0;
    std::int64_t last_day = 0;  // inclusive
    DayKind kind = DayKind::kHoliday;
    std::uint32_t notice = kNoNotice;  // index into notices_
    std::uint32_t hours = 0;           // kDated: index into dated_hours_
  };
  struct Piece;       // a stretch of working time, for explanations
  struct WalkResult;  // how far a walk got
  class Recorder;

  BusinessCalendar() = default;

  const Override* find_override(std::int64_t local_day) const;  // null: an ordinary date
  DayKind kind_of(std::int64_t local_day) const;
  std::span<const Span> spans_of(std::int64_t local_day, const Override* special) const;
  std::int64_t local_of(std::int64_t instant) const;
  // The local date of the nth (> 0) working day after `after_day`; empty
  // past the last date that can hold one.
  std::optional<std::int64_t> nth_working_day(std::int64_t after_day, std::int64_t n) const;
  std::int64_t close_of_business(std::int64_t local_day) const;  // of a working day
  WalkResult walk(std::int64_t start, std::int64_t stop, std::int64_t budget, Recorder* recorder) const;
  WalkResult walk_local(std::int64_t low, std::int64_t high, std::int64_t budget, std::int64_t offset,
                        Recorder* recorder) const;

  std::string name_;
  std::string zone_name_;
  std::optional<ZoneRules> zone_;               // set by build()
  std::array<std::vector<Span>, 7> weekly_;     // [0] is Monday
  std::vector<Span> makeup_hours_;              // for make-up days whose weekday has none
  std::int64_t week_seconds_ = 0;               // working seconds of an ordinary week
  std::int64_t week_workdays_ = 0;              // working days of an ordinary week
  std::vector<Override> overrides_;             // sorted, disjoint
  std::vector<std::vector<Span>> dated_hours_;  // per Calendar::dated_hours entry
  std::vector<std::string> notices_;            // the DateRange::notice values met
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
  // Wall clock: "4h from Mon 2026-11-23 17:30 UTC: due Mon 2026-11-23 21:30 UTC";
  // "15d from received_at (Fri 2026-09-25 02:00 UTC): due ..." with labels.
  std::string explain_add(std::int64_t start, std::int64_t seconds, const ExplainLabels& labels = {}) const;

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
