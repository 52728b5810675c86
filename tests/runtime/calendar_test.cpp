#include "engine/runtime/calendar.h"

#include <date/date.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace docket::engine {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kMinute = 60;

// Epoch seconds of a wall-clock time at a UTC offset written by hand, so the
// expectations do not lean on the time zone code under test.
std::int64_t at(int year, int month, int day, int hour, int minute, int utc_offset_hours) {
  date::sys_days days{date::year{year} / month / day};
  return std::int64_t{days.time_since_epoch().count()} * 86400 + (hour - utc_offset_hours) * kHour + minute * kMinute;
}

// Asia/Shanghai is UTC+8 all year.
std::int64_t shanghai(int year, int month, int day, int hour, int minute) {
  return at(year, month, day, hour, minute, 8);
}

MinuteSpan span(int start_hour, int start_minute, int end_hour, int end_minute) {
  return {start_hour * 60 + start_minute, end_hour * 60 + end_minute};
}

// Monday to Friday with the same spans.
Calendar weekdays(std::vector<MinuteSpan> spans, std::string zone = "Asia/Shanghai") {
  Calendar calendar;
  calendar.name = "office";
  calendar.zone = std::move(zone);
  for (int day = 0; day < 5; ++day) calendar.weekly[day] = spans;
  return calendar;
}

Calendar around_the_clock(std::string zone) {
  Calendar calendar;
  calendar.name = "always";
  calendar.zone = std::move(zone);
  for (auto& day : calendar.weekly) day = {span(0, 0, 24, 0)};
  return calendar;
}

// China's National Day week as declared here: 10-01..10-07 off, Sunday 09-27
// and Saturday 10-10 worked instead.
Calendar national_day_office() {
  Calendar calendar = weekdays({span(9, 0, 12, 0), span(13, 0, 18, 0)});
  calendar.holidays = {{{2026, 10, 1}, {2026, 10, 7}, ""}};
  calendar.workdays = {{{2026, 9, 27}, {2026, 9, 27}, ""}, {{2026, 10, 10}, {2026, 10, 10}, ""}};
  return calendar;
}

BusinessCalendar build(const Calendar& declared) {
  BusinessCalendar::BuildResult result = BusinessCalendar::build(declared);
  EXPECT_TRUE(result.calendar.has_value()) << result.error;
  return std::move(result.calendar).value();
}

std::string build_error(const Calendar& declared) {
  BusinessCalendar::BuildResult result = BusinessCalendar::build(declared);
  EXPECT_FALSE(result.calendar.has_value());
  return result.error;
}

// ---------------------------------------------------------------- adding

TEST(BusinessCalendarTest, OvernightContinuesNextMorning) {
  BusinessCalendar office = build(weekdays({span(9, 0, 18, 0)}));
  // Mon 17:30 + 4h: 30m on Monday, 3h30m on Tuesday.
  EXPECT_EQ(office.add_business(shanghai(2026, 11, 23, 17, 30), 4 * kHour), shanghai(2026, 11, 24, 12, 30));
}

TEST(BusinessCalendarTest, LunchBreakIsSkipped) {
  BusinessCalendar office = build(weekdays({span(9, 0, 12, 0), span(13, 0, 18, 0)}));
  EXPECT_EQ(office.add_business(shanghai(2026, 11, 23, 11, 0), 2 * kHour), shanghai(2026, 11, 23, 14, 0));
  EXPECT_EQ(office.add_business(shanghai(2026, 11, 23, 8, 0), 4 * kHour), shanghai(2026, 11, 23, 14, 0));
}

TEST(BusinessCalendarTest, DueAtTheEndOfASpanWhenTimeRunsOutThere) {
  BusinessCalendar office = build(weekdays({span(9, 0, 12, 0), span(13, 0, 18, 0)}));
  EXPECT_EQ(office.add_business(shanghai(2026, 11, 23, 11, 30), 30 * kMinute), shanghai(2026, 11, 23, 12, 0));
  EXPECT_EQ(office.add_business(shanghai(2026, 11, 27, 17, 0), kHour),
            shanghai(2026, 11, 27, 18, 0));  // Friday 18:00, not Monday 09:00
}

TEST(BusinessCalendarTest, WeekendIsSkipped) {
  BusinessCalendar office = build(weekdays({span(9, 0, 18, 0)}));
  // Fri 17:00 + 2h: 1h on Friday, 1h on Monday.
  EXPECT_EQ(office.add_business(shanghai(2026, 11, 27, 17, 0), 2 * kHour), shanghai(2026, 11, 30, 10, 0));
}

TEST(BusinessCalendarTest, ZeroDurationIsDueAtOnceEvenWhenClosed) {
  BusinessCalendar office = build(weekdays({span(9, 0, 18, 0)}));
  std::int64_t open = shanghai(2026, 11, 23, 10, 0);
  std::int64_t saturday = shanghai(2026, 11, 28, 10, 0);
  EXPECT_EQ(office.add_business(open, 0), open);
  EXPECT_EQ(office.add_business(saturday, 0), saturday);
  EXPECT_EQ(office.add_business(saturday, -kHour), saturday);
}

TEST(BusinessCalendarTest, StartingInAClosedPeriodWaitsForOpening) {
  BusinessCalendar office = build(weekdays({span(9, 0, 12, 0), span(13, 0, 18, 0)}));
  // Saturday morning: Monday 09:00 + 3h30m, past lunch.
  EXPECT_EQ(office.add_business(shanghai(2026, 11, 28, 10, 0), 3 * kHour + 30 * kMinute),
            shanghai(2026, 11, 30, 13, 30));
  // Before opening on a weekday.
  EXPECT_EQ(office.add_business(shanghai(2026, 11, 23, 7, 0), kHour), shanghai(2026, 11, 23, 10, 0));
  // During lunch.
  EXPECT_EQ(office.add_business(shanghai(2026, 11, 23, 12, 30), kHour), shanghai(2026, 11, 23, 14, 0));
  // After closing.
  EXPECT_EQ(office.add_business(shanghai(2026, 11, 23, 20, 0), kHour), shanghai(2026, 11, 24, 10, 0));
}

TEST(BusinessCalendarTest, HolidaysAreSkipped) {
  BusinessCalendar office = build(national_day_office());
  // Wed 09-30 17:00 + 2h: 1h on Wednesday, then the week off, 1h on Thu 10-08.
  EXPECT_EQ(office.add_business(shanghai(2026, 9, 30, 17, 0), 2 * kHour), shanghai(2026, 10, 8, 10, 0));
  EXPECT_FALSE(office.is_working_time(shanghai(2026, 10, 5, 10, 0)));  // a Monday
}

TEST(BusinessCalendarTest, MakeUpWorkdaysAreCountedWithWeekdayHours) {
  BusinessCalendar office = build(national_day_office());
  // Sat 09-26 is closed, Sun 09-27 is worked with Monday's hours (lunch too).
  EXPECT_EQ(office.add_business(shanghai(2026, 9, 26, 10, 0), kHour), shanghai(2026, 9, 27, 10, 0));
  EXPECT_EQ(office.add_business(shanghai(2026, 9, 27, 11, 0), 2 * kHour), shanghai(2026, 9, 27, 14, 0));
  // Fri 10-09 17:00 + 2h: 1h on Friday, 1h on the make-up Saturday 10-10.
  EXPECT_EQ(office.add_business(shanghai(2026, 10, 9, 17, 0), 2 * kHour), shanghai(2026, 10, 10, 10, 0));
  EXPECT_TRUE(office.is_working_time(shanghai(2026, 10, 10, 9, 0)));
  EXPECT_FALSE(office.is_working_time(shanghai(2026, 10, 10, 12, 30)));
  EXPECT_FALSE(office.is_working_time(shanghai(2026, 10, 11, 10, 0)));  // Sunday after
  // A whole week: Mon 09-21 09:00 to Mon 09-28 09:00 holds six 8h days.
  EXPECT_EQ(office.business_seconds_between(shanghai(2026, 9, 21, 9, 0), shanghai(2026, 9, 28, 9, 0)), 6 * 8 * kHour);
}

TEST(BusinessCalendarTest, MakeUpDayKeepsItsOwnHoursWhenItHasAny) {
  Calendar declared = weekdays({span(9, 0, 18, 0)});
  declared.weekly[5] = {span(9, 0, 12, 0)};  // Saturday mornings
  declared.workdays = {{{2026, 10, 10}, {2026, 10, 10}, ""}};
  BusinessCalendar office = build(declared);
  EXPECT_FALSE(office.is_working_time(shanghai(2026, 10, 10, 13, 0)));
  EXPECT_EQ(office.business_seconds_between(shanghai(2026, 10, 10, 0, 0), shanghai(2026, 10, 11, 0, 0)), 3 * kHour);
}

TEST(BusinessCalendarTest, MakeUpDayTakesTheFirstWeekdayWithHours) {
  Calendar declared;
  declared.name = "shop";
  declared.zone = "Asia/Shanghai";
  declared.weekly[1] = {span(10, 0, 16, 0)};                   // Tuesday
  declared.weekly[6] = {span(8, 0, 9, 0)};                     // Sunday
  declared.workdays = {{{2026, 10, 10}, {2026, 10, 10}, ""}};  // a Saturday
  BusinessCalendar shop = build(declared);
  EXPECT_EQ(shop.business_seconds_between(shanghai(2026, 10, 10, 0, 0), shanghai(2026, 10, 11, 0, 0)), 6 * kHour);
  EXPECT_TRUE(shop.is_working_time(shanghai(2026, 10, 10, 10, 0)));
}

TEST(BusinessCalendarTest, HolidayWinsOverMakeUpDayOnTheSameDate) {
  Calendar declared = weekdays({span(9, 0, 18, 0)});
  declared.holidays = {{{2026, 10, 1}, {2026, 10, 7}, ""}};
  declared.workdays = {{{2026, 10, 3}, {2026, 10, 3}, ""}};
  BusinessCalendar office = build(declared);
  EXPECT_FALSE(office.is_working_time(shanghai(2026, 10, 3, 10, 0)));
}

TEST(BusinessCalendarTest, OverlappingSpansCountOnce) {
  Calendar declared = weekdays({span(9, 0, 12, 0), span(11, 0, 14, 0), span(14, 0, 15, 0)});
  BusinessCalendar office = build(declared);
  EXPECT_EQ(office.business_seconds_between(shanghai(2026, 11, 23, 0, 0), shanghai(2026, 11, 24, 0, 0)), 6 * kHour);
}

TEST(BusinessCalendarTest, WorkingTimeBoundaries) {
  BusinessCalendar office = build(weekdays({span(9, 0, 12, 0), span(13, 0, 18, 0)}));
  EXPECT_FALSE(office.is_working_time(shanghai(2026, 11, 23, 9, 0) - 1));
  EXPECT_TRUE(office.is_working_time(shanghai(2026, 11, 23, 9, 0)));
  EXPECT_TRUE(office.is_working_time(shanghai(2026, 11, 23, 12, 0) - 1));
  EXPECT_FALSE(office.is_working_time(shanghai(2026, 11, 23, 12, 0)));
  EXPECT_TRUE(office.is_working_time(shanghai(2026, 11, 23, 18, 0) - 1));
  EXPECT_FALSE(office.is_working_time(shanghai(2026, 11, 23, 18, 0)));
  EXPECT_FALSE(office.is_working_time(shanghai(2026, 11, 28, 10, 0)));  // Saturday
}

// ---------------------------------------------------------------- DST

// New York: 2026-03-08 02:00 EST -> 03:00 EDT; 2026-11-01 02:00 EDT -> 01:00 EST.
constexpr int kEst = -5;
constexpr int kEdt = -4;
// Berlin: 2026-03-29 02:00 CET -> 03:00 CEST; 2026-10-25 03:00 CEST -> 02:00 CET.
constexpr int kCet = 1;
constexpr int kCest = 2;

TEST(BusinessCalendarDstTest, OfficeHoursStayWallClockHoursInNewYork) {
  BusinessCalendar office = build(weekdays({span(9, 0, 17, 0)}, "America/New_York"));
  // Spring forward over the weekend: Fri 16:00 EST + 2h = Mon 10:00 EDT.
  EXPECT_EQ(office.add_business(at(2026, 3, 6, 16, 0, kEst), 2 * kHour), at(2026, 3, 9, 10, 0, kEdt));
  EXPECT_EQ(office.business_seconds_between(at(2026, 3, 6, 9, 0, kEst), at(2026, 3, 9, 17, 0, kEdt)), 16 * kHour);
  EXPECT_TRUE(office.is_working_time(at(2026, 3, 9, 9, 0, kEdt)));
  EXPECT_TRUE(office.is_working_time(at(2026, 3, 9, 8, 30, kEst)));    // 09:30 EDT
  EXPECT_FALSE(office.is_working_time(at(2026, 3, 9, 16, 30, kEst)));  // 17:30 EDT
  // Fall back: Fri 16:00 EDT + 2h = Mon 10:00 EST.
  EXPECT_EQ(office.add_business(at(2026, 10, 30, 16, 0, kEdt), 2 * kHour), at(2026, 11, 2, 10, 0, kEst));
  EXPECT_EQ(office.business_seconds_between(at(2026, 10, 30, 9, 0, kEdt), at(2026, 11, 2, 17, 0, kEst)), 16 * kHour);
}

TEST(BusinessCalendarDstTest, OfficeHoursStayWallClockHoursInBerlin) {
  BusinessCalendar office = build(weekdays({span(9, 0, 17, 0)}, "Europe/Berlin"));
  EXPECT_EQ(office.add_business(at(2026, 3, 27, 16, 0, kCet), 2 * kHour), at(2026, 3, 30, 10, 0, kCest));
  EXPECT_EQ(office.add_business(at(2026, 10, 23, 16, 0, kCest), 2 * kHour), at(2026, 10, 26, 10, 0, kCet));
  // A whole week across each change is still 5 x 8h.
  EXPECT_EQ(office.business_seconds_between(at(2026, 3, 23, 0, 0, kCet), at(2026, 3, 30, 0, 0, kCest)), 40 * kHour);
  EXPECT_EQ(office.business_seconds_between(at(2026, 10, 19, 0, 0, kCest), at(2026, 10, 26, 0, 0, kCet)), 40 * kHour);
}

TEST(BusinessCalendarDstTest, ASpanContainingTheChangeIsAsLongAsItReallyIs) {
  for (const char* zone : {"America/New_York", "Europe/Berlin"}) {
    SCOPED_TRACE(zone);
    Calendar declared;
    declared.name = "sunday";
    declared.zone = zone;
    declared.weekly[6] = {span(0, 0, 24, 0)};
    BusinessCalendar sunday = build(declared);
    bool new_york = std::string(zone) == "America/New_York";
    int winter = new_york ? kEst : kCet;
    int summer = new_york ? kEdt : kCest;
    // Spring-forward Sunday has 23 hours, fall-back Sunday 25.
    int spring_day = new_york ? 8 : 29;
    int fall_month = new_york ? 11 : 10;
    int fall_day = new_york ? 1 : 25;
    EXPECT_EQ(sunday.business_seconds_between(at(2026, 3, spring_day - 1, 12, 0, winter),
                                              at(2026, 3, spring_day + 1, 12, 0, summer)),
              23 * kHour);
    EXPECT_EQ(sunday.business_seconds_between(at(2026, fall_month, fall_day - 1, 12, 0, summer),
                                              at(2026, fall_month, fall_day + 1, 12, 0, winter)),
              25 * kHour);
    EXPECT_EQ(sunday.add_business(at(2026, 3, spring_day, 0, 0, winter), 5 * kHour),
              at(2026, 3, spring_day, 6, 0, summer));
  }
}

TEST(BusinessCalendarDstTest, RepeatedHourIsWorkedTwiceAndSkippedHourNever) {
  Calendar declared;
  declared.name = "night";
  declared.zone = "America/New_York";
  declared.weekly[6] = {span(1, 0, 3, 0)};  // Sundays 01:00-03:00
  BusinessCalendar night = build(declared);
  // 2026-11-01: 01:00-02:00 EDT, then 01:00-03:00 EST: 3h.
  EXPECT_EQ(night.business_seconds_between(at(2026, 11, 1, 0, 0, kEdt), at(2026, 11, 1, 12, 0, kEst)), 3 * kHour);
  EXPECT_TRUE(night.is_working_time(at(2026, 11, 1, 1, 30, kEdt)));
  EXPECT_TRUE(night.is_working_time(at(2026, 11, 1, 1, 30, kEst)));
  // 2026-03-08: 02:00-03:00 does not exist: 1h.
  EXPECT_EQ(night.business_seconds_between(at(2026, 3, 8, 0, 0, kEst), at(2026, 3, 8, 12, 0, kEdt)), kHour);
  EXPECT_EQ(night.add_business(at(2026, 3, 8, 1, 30, kEst), kHour), at(2026, 3, 15, 1, 30, kEdt));
}

// ---------------------------------------------------------------- between

TEST(BusinessCalendarTest, BetweenCountsOnlyWorkingTime) {
  BusinessCalendar office = build(national_day_office());
  EXPECT_EQ(office.business_seconds_between(shanghai(2026, 11, 23, 17, 30), shanghai(2026, 11, 24, 12, 30)),
            3 * kHour + 30 * kMinute);  // 30m on Monday, 09:00-12:00 on Tuesday
  EXPECT_EQ(office.business_seconds_between(shanghai(2026, 11, 28, 0, 0), shanghai(2026, 11, 30, 0, 0)), 0);
  EXPECT_EQ(office.business_seconds_between(shanghai(2026, 9, 30, 18, 0), shanghai(2026, 10, 8, 9, 0)), 0);
  EXPECT_EQ(office.business_seconds_between(shanghai(2026, 11, 24, 12, 30), shanghai(2026, 11, 23, 17, 30)),
            -(3 * kHour + 30 * kMinute));
  EXPECT_EQ(office.business_seconds_between(shanghai(2026, 11, 24, 10, 0), shanghai(2026, 11, 24, 10, 0)), 0);
}

// add_business and business_seconds_between agree everywhere: around the
// National Day week in Shanghai and around both DST changes in New York,
// for short and long durations (long ones take the week-skipping path).
TEST(BusinessCalendarTest, AddAndBetweenAreInverse) {
  struct Sweep {
    Calendar declared;
    std::int64_t from;
    std::int64_t to;
  };
  Calendar new_york = weekdays({span(9, 0, 12, 0), span(13, 0, 17, 0)}, "America/New_York");
  new_york.holidays = {{{2026, 11, 26}, {2026, 11, 27}, ""}};
  Sweep sweeps[] = {
      {national_day_office(), shanghai(2026, 9, 18, 0, 0), shanghai(2026, 10, 16, 0, 0)},
      {new_york, at(2026, 2, 27, 0, 0, kEst), at(2026, 3, 14, 0, 0, kEdt)},
      {new_york, at(2026, 10, 24, 0, 0, kEdt), at(2026, 11, 30, 0, 0, kEst)},
  };
  const std::int64_t durations[] = {1,          30 * kMinute, kHour,       3 * kHour,       7 * kHour,
                                    17 * kHour, 40 * kHour,   200 * kHour, 3001 * kHour + 7};
  for (const Sweep& sweep : sweeps) {
    BusinessCalendar calendar = build(sweep.declared);
    for (std::int64_t start = sweep.from; start < sweep.to; start += 37 * kMinute) {
      for (std::int64_t seconds : durations) {
        std::int64_t due = calendar.add_business(start, seconds);
        ASSERT_EQ(calendar.business_seconds_between(start, due), seconds)
            << calendar.zone_name() << " start " << start << " + " << seconds;
        ASSERT_TRUE(calendar.is_working_time(due - 1));
        // Splitting a duration in two gives the same due time.
        std::int64_t half = calendar.add_business(start, seconds / 2);
        ASSERT_EQ(calendar.add_business(half, seconds - seconds / 2), due);
      }
      std::int64_t end = start + 29 * kHour;
      std::int64_t worked = calendar.business_seconds_between(start, end);
      std::int64_t reached = calendar.add_business(start, worked);
      ASSERT_LE(reached, end);
      ASSERT_EQ(calendar.business_seconds_between(reached, end), 0);
    }
  }
}

TEST(BusinessCalendarTest, LongDurationsMatchStepByStep) {
  BusinessCalendar office = build(weekdays({span(9, 0, 18, 0)}, "America/New_York"));
  std::int64_t start = at(2026, 1, 5, 10, 0, kEst);
  std::int64_t stepped = start;
  for (int step = 0; step < 1000; ++step) stepped = office.add_business(stepped, 9 * kHour);
  EXPECT_EQ(office.add_business(start, 9000 * kHour), stepped);
  // 1000 working days = 200 weeks from Monday 10:00: Monday 10:00 again, in EST.
  EXPECT_EQ(stepped, at(2029, 11, 5, 10, 0, kEst));
}

TEST(BusinessCalendarTest, AroundTheClockEqualsWallClock) {
  for (const char* zone : {"UTC", "America/New_York", "Europe/Berlin"}) {
    SCOPED_TRACE(zone);
    BusinessCalendar always = build(around_the_clock(zone));
    for (std::int64_t start = at(2026, 3, 1, 0, 0, 0); start < at(2026, 11, 10, 0, 0, 0);
         start += 7 * kHour + 13 * kMinute) {
      for (std::int64_t seconds : {std::int64_t{1}, 5 * kHour, 48 * kHour, 1000 * kHour}) {
        ASSERT_EQ(always.add_business(start, seconds), start + seconds);
        ASSERT_EQ(always.business_seconds_between(start, start + seconds), seconds);
      }
      ASSERT_TRUE(always.is_working_time(start));
    }
  }
}

TEST(BusinessCalendarTest, FarFutureKeepsWorking) {
  BusinessCalendar office = build(weekdays({span(9, 0, 17, 0)}, "America/New_York"));
  std::int64_t start = at(2037, 6, 1, 9, 0, kEdt);
  std::int64_t due = office.add_business(start, 10000 * kHour);
  EXPECT_EQ(office.business_seconds_between(start, due), 10000 * kHour);
  // Beyond the representable range the due time saturates.
  EXPECT_EQ(office.add_business(start, INT64_MAX), 253402300799);  // 9999-12-31T23:59:59Z
}

// ---------------------------------------------------------------- explaining

TEST(BusinessCalendarExplainTest, Overnight) {
  BusinessCalendar office = build(weekdays({span(9, 0, 18, 0)}));
  EXPECT_EQ(office.explain_add(shanghai(2026, 11, 23, 17, 30), 4 * kHour),
            "4 business hours from Mon 2026-11-23 17:30 (Asia/Shanghai): 30m on Mon until 18:00; "
            "closed 18:00-09:00; 3h30m on Tue from 09:00; due Tue 2026-11-24 12:30");
}

TEST(BusinessCalendarExplainTest, LunchAndWeekend) {
  BusinessCalendar office = build(weekdays({span(9, 0, 12, 0), span(13, 0, 18, 0)}));
  EXPECT_EQ(office.explain_add(shanghai(2026, 11, 27, 17, 0), 4 * kHour + 30 * kMinute),
            "4h30m of business time from Fri 2026-11-27 17:00 (Asia/Shanghai): 1h on Fri until 18:00; "
            "closed Fri 18:00-Mon 09:00; 3h on Mon 09:00-12:00; closed 12:00-13:00; "
            "30m on Mon from 13:00; due Mon 2026-11-30 13:30");
}

TEST(BusinessCalendarExplainTest, ClosedAtTheStart) {
  BusinessCalendar office = build(weekdays({span(9, 0, 18, 0)}));
  EXPECT_EQ(office.explain_add(shanghai(2026, 11, 28, 10, 0), 2 * kHour),
            "2 business hours from Sat 2026-11-28 10:00 (Asia/Shanghai): closed until Mon 09:00; "
            "2h on Mon from 09:00; due Mon 2026-11-30 11:00");
  EXPECT_EQ(office.explain_add(shanghai(2026, 11, 23, 10, 0), kHour),
            "1 business hour from Mon 2026-11-23 10:00 (Asia/Shanghai): open throughout; "
            "due Mon 2026-11-23 11:00");
}

TEST(BusinessCalendarExplainTest, ZeroDuration) {
  BusinessCalendar office = build(weekdays({span(9, 0, 18, 0)}));
  EXPECT_EQ(office.explain_add(shanghai(2026, 11, 28, 10, 0), 0),
            "0 business hours from Sat 2026-11-28 10:00 (Asia/Shanghai): due Sat 2026-11-28 10:00");
}

TEST(BusinessCalendarExplainTest, HolidaysAndMakeUpDaysAreNamed) {
  BusinessCalendar office = build(national_day_office());
  EXPECT_EQ(office.explain_add(shanghai(2026, 9, 30, 17, 0), 2 * kHour),
            "2 business hours from Wed 2026-09-30 17:00 (Asia/Shanghai): 1h on Wed until 18:00; "
            "closed Wed 18:00-Thu 2026-10-08 09:00 (holidays); 1h on Thu 2026-10-08 from 09:00; "
            "due Thu 2026-10-08 10:00");
  EXPECT_EQ(office.explain_add(shanghai(2026, 9, 26, 10, 0), kHour),
            "1 business hour from Sat 2026-09-26 10:00 (Asia/Shanghai): closed until Sun 09:00; "
            "1h on Sun (make-up workday) from 09:00; due Sun 2026-09-27 10:00");
}

TEST(BusinessCalendarExplainTest, LongDurationsSummariseWholeDays) {
  BusinessCalendar office = build(national_day_office());
  EXPECT_EQ(office.explain_add(shanghai(2026, 9, 30, 17, 0), 30 * kHour),
            "30 business hours from Wed 2026-09-30 17:00 (Asia/Shanghai): 1h on Wed until 18:00; "
            "3 full working days Thu 2026-10-08..Sat 2026-10-10 incl. 1 make-up workday, "
            "8 closed days incl. 7 holidays; 3h on Mon 2026-10-12 09:00-12:00; closed 12:00-13:00; "
            "2h on Mon 2026-10-12 from 13:00; due Mon 2026-10-12 15:00");
  // Stays one short line however long the duration, and names the same due
  // time as add_business.
  std::int64_t start = shanghai(2026, 9, 30, 17, 0);
  std::int64_t due = office.add_business(start, 10000 * kHour);
  std::string text = office.explain_add(start, 10000 * kHour);
  EXPECT_LT(text.size(), 400u);
  EXPECT_THAT(text, HasSubstr("full working days"));
  EXPECT_THAT(text,
              EndsWith("due " + date::format("%a %F %H:%M", date::sys_seconds{std::chrono::seconds{due + 8 * kHour}})));
}

TEST(BusinessCalendarExplainTest, ClockChangeInsideASpan) {
  BusinessCalendar always = build(around_the_clock("Europe/Berlin"));
  EXPECT_EQ(always.explain_add(at(2026, 10, 25, 2, 30, kCest), kHour),
            "1 business hour from Sun 2026-10-25 02:30 (Europe/Berlin): 30m on Sun until 03:00; "
            "clocks go back 03:00->02:00; 30m on Sun from 02:00; due Sun 2026-10-25 02:30");
}

// ---------------------------------------------------------------- past 2037

TEST(BusinessCalendarDstTest, ZonesKeepTheirRulesPast2037) {
  // Mon 2040-07-02 09:30 in Berlin is 09:30 CEST (UTC+2), not CET.
  BusinessCalendar berlin = build(weekdays({span(9, 0, 17, 0)}, "Europe/Berlin"));
  EXPECT_TRUE(berlin.zone_rules().extended()) << berlin.zone_rules().limitation();
  EXPECT_TRUE(berlin.is_working_time(at(2040, 7, 2, 9, 30, kCest)));
  EXPECT_FALSE(berlin.is_working_time(at(2040, 7, 2, 8, 30, kCest)));
  EXPECT_EQ(berlin.add_business(at(2040, 7, 2, 9, 0, kCest), kHour), at(2040, 7, 2, 10, 0, kCest));
  // The week of the 2040 spring-forward (Sunday 03-25) still holds 5 x 8h.
  EXPECT_EQ(berlin.business_seconds_between(at(2040, 3, 19, 0, 0, kCet), at(2040, 3, 26, 0, 0, kCest)), 40 * kHour);

  // Mon 2045-07-03 in New York is on EDT (UTC-4).
  BusinessCalendar new_york = build(weekdays({span(9, 0, 17, 0)}, "America/New_York"));
  EXPECT_TRUE(new_york.is_working_time(at(2045, 7, 3, 9, 30, kEdt)));
  EXPECT_FALSE(new_york.is_working_time(at(2045, 7, 3, 16, 30, kEst)));  // 17:30 EDT
  EXPECT_EQ(new_york.add_business(at(2045, 7, 3, 16, 0, kEdt), kHour), at(2045, 7, 3, 17, 0, kEdt));

  // Shanghai has no DST and stays on UTC+8.
  BusinessCalendar shanghai_office = build(weekdays({span(9, 0, 17, 0)}));
  EXPECT_TRUE(shanghai_office.is_working_time(at(2040, 7, 2, 9, 0, 8)));
  EXPECT_FALSE(shanghai_office.is_working_time(at(2040, 7, 2, 9, 0, 8) - 1));
}

// ---------------------------------------------------------------- dated hours

DatedHours dated(CivilDate date, std::vector<MinuteSpan> spans, std::string notice = "") {
  return {{date, date, std::move(notice)}, std::move(spans)};
}

// Thu 2026-12-31 is a half day; Sat 2027-01-02 is worked 10:00-15:00.
Calendar year_end_office() {
  Calendar calendar = weekdays({span(9, 0, 12, 0), span(13, 0, 17, 30)});
  calendar.dated_hours = {dated({2026, 12, 31}, {span(9, 0, 12, 0)}, "acme_2027"),
                          dated({2027, 1, 2}, {span(10, 0, 15, 0)})};
  return calendar;
}

TEST(BusinessCalendarDatedHoursTest, AHalfDayReplacesTheWeekdaysHours) {
  BusinessCalendar office = build(year_end_office());
  EXPECT_TRUE(office.is_working_time(shanghai(2026, 12, 31, 11, 59)));
  EXPECT_FALSE(office.is_working_time(shanghai(2026, 12, 31, 14, 0)));
  EXPECT_EQ(office.business_seconds_between(shanghai(2026, 12, 31, 0, 0), shanghai(2027, 1, 1, 0, 0)), 3 * kHour);
  // Thu 11:00 + 2h: 1h until the half day's 12:00, 1h on Fri 01-01 from 09:00
  // (with Thursday's own hours it would be Thu 14:00).
  EXPECT_EQ(office.add_business(shanghai(2026, 12, 31, 11, 0), 2 * kHour), shanghai(2027, 1, 1, 10, 0));
  // The next working day after Wed 12-30 is Thu 12-31, which closes at 12:00.
  EXPECT_EQ(office.add_workdays(shanghai(2026, 12, 30, 10, 0), 1), shanghai(2026, 12, 31, 12, 0));
}

TEST(BusinessCalendarDatedHoursTest, DatedHoursMakeASaturdayAWorkingDay) {
  BusinessCalendar office = build(year_end_office());
  EXPECT_TRUE(office.is_working_time(shanghai(2027, 1, 2, 10, 0)));
  EXPECT_FALSE(office.is_working_time(shanghai(2027, 1, 2, 15, 0)));
  // Fri 01-01 17:00 + 1h: 30m on Friday, 30m on Saturday from 10:00.
  EXPECT_EQ(office.add_business(shanghai(2027, 1, 1, 17, 0), kHour), shanghai(2027, 1, 2, 10, 30));
  // After Fri 01-01: Sat 01-02 (1); after Thu 12-31: Fri 01-01 (1), Sat 01-02 (2).
  EXPECT_EQ(office.add_workdays(shanghai(2027, 1, 1, 12, 0), 1), shanghai(2027, 1, 2, 15, 0));
  EXPECT_EQ(office.add_workdays(shanghai(2026, 12, 31, 10, 0), 2), shanghai(2027, 1, 2, 15, 0));
  // Sun 01-03 is an ordinary Sunday: after Sat 01-02 comes Mon 01-04.
  EXPECT_EQ(office.add_workdays(shanghai(2027, 1, 2, 12, 0), 1), shanghai(2027, 1, 4, 17, 30));
}

TEST(BusinessCalendarDatedHoursTest, HolidayWinsThenDatedHoursThenMakeUpDay) {
  Calendar declared = weekdays({span(9, 0, 18, 0)});
  declared.holidays = {{{2026, 10, 1}, {2026, 10, 7}, ""}};
  declared.workdays = {{{2026, 10, 10}, {2026, 10, 10}, ""}};
  declared.dated_hours = {dated({2026, 10, 2}, {span(9, 0, 12, 0)}),    // a holiday: stays off
                          dated({2026, 10, 10}, {span(9, 0, 11, 0)}),   // a make-up day: 2h
                          dated({2026, 10, 12}, {}),                    // no span: closed
                          dated({2026, 10, 10}, {span(9, 0, 18, 0)})};  // listed again: the first wins
  BusinessCalendar office = build(declared);
  EXPECT_FALSE(office.is_working_time(shanghai(2026, 10, 2, 10, 0)));
  EXPECT_EQ(office.business_seconds_between(shanghai(2026, 10, 10, 0, 0), shanghai(2026, 10, 11, 0, 0)), 2 * kHour);
  EXPECT_EQ(office.business_seconds_between(shanghai(2026, 10, 12, 0, 0), shanghai(2026, 10, 13, 0, 0)), 0);
  // After Fri 10-09: Sat 10-10 (1), Tue 10-13 (2), Mon 10-12 having no span.
  EXPECT_EQ(office.add_workdays(shanghai(2026, 10, 9, 12, 0), 2), shanghai(2026, 10, 13, 18, 0));
}

TEST(BusinessCalendarDatedHoursTest, BadDatedHoursAreRejected) {
  Calendar backwards = weekdays({span(9, 0, 18, 0)});
  backwards.dated_hours = {dated({2026, 12, 31}, {span(12, 0, 9, 0)})};
  EXPECT_EQ(build_error(backwards),
            "calendar office: hours of 2026-12-31 (minutes 720-540) must run forwards within 00:00-24:00");
  Calendar impossible = weekdays({span(9, 0, 18, 0)});
  impossible.dated_hours = {dated({2026, 2, 30}, {span(9, 0, 12, 0)})};
  EXPECT_EQ(build_error(impossible), "calendar office: impossible dated hours date 2026-02-30");
}

// ---------------------------------------------------------------- working days

// Mainland China, autumn 2026, as declared here: Mid-Autumn Fri 09-25..Sun
// 09-27 and National Day Thu 10-01..Wed 10-07 off; Sun 09-20 and Sat 10-10
// worked instead (with Monday's hours). Every weekday 7.5 h.
//
//   Sep 2026  Mon Tue Wed Thu Fri Sat Sun     Oct 2026  Mon Tue Wed Thu Fri Sat Sun
//                                      20*                              1h  2h  3h  4h
//              21  22  23  24  25h 26h 27h               5h  6h  7h  8   9  10*  11
//              28  29  30                               12  13  14  15  16  17  18
//                                                       19  20  21  22  23  24  25
//                                                       26  27  28  29  30  31
//   (h: holiday, *: make-up working day)
Calendar cn_2026_office() {
  Calendar calendar = weekdays({span(9, 0, 12, 0), span(13, 0, 17, 30)});
  calendar.holidays = {{{2026, 9, 25}, {2026, 9, 27}, "cn_2026"}, {{2026, 10, 1}, {2026, 10, 7}, "cn_2026"}};
  calendar.workdays = {{{2026, 9, 20}, {2026, 9, 20}, "cn_2026"}, {{2026, 10, 10}, {2026, 10, 10}, "cn_2026"}};
  return calendar;
}

TEST(BusinessCalendarWorkdaysTest, AcrossNationalDay) {
  BusinessCalendar office = build(cn_2026_office());
  // From Fri 09-25 10:00, a holiday: 09-28 (1), 09-29 (2), 09-30 (3), 10-08
  // (4), 10-09 (5), Sat 10-10 (6), 10-12..10-16 (7-11), 10-19..10-22 (12-15).
  EXPECT_EQ(office.add_workdays(shanghai(2026, 9, 25, 10, 0), 15), shanghai(2026, 10, 22, 17, 30));
  // From Wed 09-30, inside or after its hours alike: 10-08 (1), 10-09 (2),
  // Sat 10-10 (3), 10-12..10-16 (4-8), 10-19..10-23 (9-13), 10-26 (14), 10-27 (15).
  EXPECT_EQ(office.add_workdays(shanghai(2026, 9, 30, 16, 0), 15), shanghai(2026, 10, 27, 17, 30));
  EXPECT_EQ(office.add_workdays(shanghai(2026, 9, 30, 20, 0), 15), shanghai(2026, 10, 27, 17, 30));
  // From Sat 10-10 08:00, a make-up day before its hours, which is not
  // counted: 10-12..10-16 (1-5), 10-19..10-23 (6-10), 10-26..10-30 (11-15).
  EXPECT_EQ(office.add_workdays(shanghai(2026, 10, 10, 8, 0), 15), shanghai(2026, 10, 30, 17, 30));
  // From Fri 10-09 17:30, the closing time: the make-up Saturday 10-10 (1).
  EXPECT_EQ(office.add_workdays(shanghai(2026, 10, 9, 17, 30), 1), shanghai(2026, 10, 10, 17, 30));
  // An ordinary weekend: from Fri 11-27, Mon 11-30 (1).
  EXPECT_EQ(office.add_workdays(shanghai(2026, 11, 27, 10, 0), 1), shanghai(2026, 11, 30, 17, 30));
  // From Mon 09-21 09:00: 09-22 (1), 09-23 (2), 09-24 (3), 09-28 (4), 09-29
  // (5), 09-30 (6), 10-08 (7).
  EXPECT_EQ(office.add_workdays(shanghai(2026, 9, 21, 9, 0), 7), shanghai(2026, 10, 8, 17, 30));
  // From Sat 09-19: the make-up Sunday 09-20 (1).
  EXPECT_EQ(office.add_workdays(shanghai(2026, 9, 19, 12, 0), 1), shanghai(2026, 9, 20, 17, 30));
}

TEST(BusinessCalendarWorkdaysTest, ZeroOrNegativeDaysAreDueAtOnce) {
  BusinessCalendar office = build(cn_2026_office());
  std::int64_t holiday = shanghai(2026, 10, 3, 10, 0);
  EXPECT_EQ(office.add_workdays(holiday, 0), holiday);
  EXPECT_EQ(office.add_workdays(holiday, -3), holiday);
}

TEST(BusinessCalendarWorkdaysTest, ClosingAtMidnightIsTheNextLocalMidnight) {
  BusinessCalendar always = build(around_the_clock("Europe/Berlin"));
  // From Fri 2026-10-23: Sat 10-24 (1), Sun 10-25 (2), which is 25 h long
  // and ends at Mon 10-26 00:00 CET.
  EXPECT_EQ(always.add_workdays(at(2026, 10, 23, 15, 0, kCest), 2), at(2026, 10, 26, 0, 0, kCet));
  EXPECT_THAT(always.explain_add_workdays(at(2026, 10, 23, 15, 0, kCest), 2), EndsWith("due Sun 2026-10-25 24:00"));
}

TEST(BusinessCalendarWorkdaysTest, TenThousandWorkingDays) {
  // Five working days a week and no special dates: 10,000 working days from
  // a Monday are 2,000 weeks, ending on the Monday 14,000 days later.
  date::sys_days monday = date::sys_days{date::year{2026} / 1 / 5} + date::days{14000};
  date::year_month_day end{monday};
  ASSERT_EQ(end, date::year{2064} / 5 / 5);
  BusinessCalendar shanghai_office = build(weekdays({span(9, 0, 12, 0), span(13, 0, 17, 30)}));
  EXPECT_EQ(shanghai_office.add_workdays(shanghai(2026, 1, 5, 10, 0), 10000), shanghai(2064, 5, 5, 17, 30));
  // New York is on EDT in May 2064.
  BusinessCalendar new_york = build(weekdays({span(9, 0, 17, 30)}, "America/New_York"));
  EXPECT_EQ(new_york.add_workdays(at(2026, 1, 5, 10, 0, kEst), 10000), at(2064, 5, 5, 17, 30, kEdt));

  // With holidays and make-up days, counting in two goes agrees (every day
  // closes at 17:30, so the first due time lies on the day it counted to).
  BusinessCalendar office = build(cn_2026_office());
  std::int64_t start = shanghai(2026, 9, 25, 10, 0);
  std::int64_t due = office.add_workdays(start, 10000);
  EXPECT_EQ(office.add_workdays(office.add_workdays(start, 4321), 10000 - 4321), due);
  EXPECT_TRUE(office.is_working_time(due - 1));
  EXPECT_FALSE(office.is_working_time(due));
  // The first 15 end on Thu 2026-10-22 (AcrossNationalDay); only ordinary
  // weeks follow, and the other 9,985 are 1,997 of them: Thu 2026-10-22 +
  // 13,979 days = Thu 2065-01-29.
  EXPECT_EQ(due, shanghai(2065, 1, 29, 17, 30));
  EXPECT_THAT(office.explain_add_workdays(start, 10000), EndsWith("due Thu 2065-01-29 17:30"));

  // Past 9999-12-31 the due time saturates.
  EXPECT_EQ(office.add_workdays(start, INT64_MAX), 253402300799);  // 9999-12-31T23:59:59Z
  EXPECT_EQ(office.add_workdays(start, 2'100'000), 253402300799);
  EXPECT_LT(office.add_workdays(start, 2'000'000), 253402300799);
  EXPECT_THAT(office.explain_add_workdays(start, INT64_MAX), HasSubstr("past 9999-12-31"));
}

TEST(BusinessCalendarWorkdaysTest, ExplainNamesTheSpecialDatesAndTheirNotices) {
  BusinessCalendar office = build(cn_2026_office());
  std::int64_t start = shanghai(2026, 9, 25, 10, 0);
  EXPECT_EQ(office.explain_add_workdays(start, 15),
            "15 working days from Fri 2026-09-25 10:00 (Asia/Shanghai), the day itself not counted: "
            "counting Mon 2026-09-28..Thu 2026-10-22; "
            "holidays Fri 2026-09-25..Sun 2026-09-27 (cn_2026), Thu 2026-10-01..Wed 2026-10-07 (cn_2026); "
            "make-up working day Sat 2026-10-10 (cn_2026); due Thu 2026-10-22 17:30");
  EXPECT_EQ(office.explain_add_workdays(shanghai(2026, 9, 19, 12, 0), 1),
            "1 working day from Sat 2026-09-19 12:00 (Asia/Shanghai), the day itself not counted: "
            "counting Sun 2026-09-20; make-up working day Sun 2026-09-20 (cn_2026); due Sun 2026-09-20 17:30");
  EXPECT_EQ(office.explain_add_workdays(start, 0),
            "0 working days from Fri 2026-09-25 10:00 (Asia/Shanghai): due Fri 2026-09-25 10:00");

  BusinessCalendar year_end = build(year_end_office());
  EXPECT_EQ(year_end.explain_add_workdays(shanghai(2026, 12, 30, 10, 0), 3),
            "3 working days from Wed 2026-12-30 10:00 (Asia/Shanghai), the day itself not counted: "
            "counting Thu 2026-12-31..Sat 2027-01-02; special hours Thu 2026-12-31 09:00-12:00 (acme_2027), "
            "Sat 2027-01-02 10:00-15:00; due Sat 2027-01-02 15:00");

  // The due time named is add_workdays' wherever the count starts.
  for (std::int64_t from = shanghai(2026, 9, 15, 0, 0); from < shanghai(2026, 10, 20, 0, 0); from += 5 * kHour + 7) {
    for (std::int64_t days : {1, 2, 5, 15, 300}) {
      std::int64_t due = office.add_workdays(from, days);
      std::string text = office.explain_add_workdays(from, days);
      ASSERT_THAT(text, EndsWith("due " +
                                 date::format("%a %F %H:%M", date::sys_seconds{std::chrono::seconds{due + 8 * kHour}})))
          << from << " + " << days;
    }
  }
}

TEST(BusinessCalendarExplainTest, NamesTheNoticesOfHolidaysAndMakeUpDays) {
  BusinessCalendar office = build(cn_2026_office());
  EXPECT_EQ(office.explain_add(shanghai(2026, 9, 30, 17, 0), kHour),
            "1 business hour from Wed 2026-09-30 17:00 (Asia/Shanghai): 30m on Wed until 17:30; "
            "closed Wed 17:30-Thu 2026-10-08 09:00 (holidays, cn_2026); 30m on Thu 2026-10-08 from 09:00; "
            "due Thu 2026-10-08 09:30");
  EXPECT_EQ(office.explain_add(shanghai(2026, 9, 19, 10, 0), kHour),
            "1 business hour from Sat 2026-09-19 10:00 (Asia/Shanghai): closed until Sun 09:00; "
            "1h on Sun (make-up workday, cn_2026) from 09:00; due Sun 2026-09-20 10:00");
  EXPECT_THAT(office.explain_add(shanghai(2026, 9, 30, 17, 0), 30 * kHour),
              HasSubstr("incl. 1 make-up workday (cn_2026), 8 closed days incl. 7 holidays (cn_2026)"));
  BusinessCalendar year_end = build(year_end_office());
  EXPECT_THAT(year_end.explain_add(shanghai(2026, 12, 31, 11, 0), 2 * kHour),
              HasSubstr("1h on Thu (special hours, acme_2027) until 12:00"));
}

// ---------------------------------------------------------------- building

TEST(BusinessCalendarBuildTest, RejectsWhatCannotBeInterpreted) {
  Calendar unknown_zone = weekdays({span(9, 0, 18, 0)}, "Mars/Olympus_Mons");
  EXPECT_THAT(build_error(unknown_zone), StartsWith("calendar office: unknown time zone \"Mars/Olympus_Mons\""));

  Calendar no_hours = weekdays({});
  EXPECT_EQ(build_error(no_hours), "calendar office: no working hours on any day of the week");

  Calendar backwards = weekdays({span(18, 0, 9, 0)});
  EXPECT_THAT(build_error(backwards), HasSubstr("must run forwards within 00:00-24:00"));

  Calendar past_midnight = weekdays({{9 * 60, 1500}});
  EXPECT_THAT(build_error(past_midnight), HasSubstr("must run forwards within 00:00-24:00"));

  Calendar reversed = weekdays({span(9, 0, 18, 0)});
  reversed.holidays = {{{2026, 10, 7}, {2026, 10, 1}, ""}};
  EXPECT_EQ(build_error(reversed), "calendar office: reversed holiday range 2026-10-07..2026-10-01");

  Calendar impossible = weekdays({span(9, 0, 18, 0)});
  impossible.workdays = {{{2026, 2, 30}, {2026, 2, 30}, ""}};
  EXPECT_EQ(build_error(impossible), "calendar office: impossible workday date 2026-02-30");
}

TEST(BusinessCalendarBuildTest, EmptyZoneMeansUtc) {
  BusinessCalendar office = build(weekdays({span(9, 0, 18, 0)}, ""));
  EXPECT_EQ(office.zone_name(), "UTC");
  EXPECT_TRUE(office.is_working_time(at(2026, 11, 23, 9, 0, 0)));
}

// ---------------------------------------------------------------- TimeBasis

TEST(TimeBasisTest, WallClockIsPlainArithmetic) {
  TimeBasis wall;
  std::int64_t start = shanghai(2026, 11, 28, 10, 0);  // a Saturday: irrelevant here
  EXPECT_TRUE(wall.is_wall_clock());
  EXPECT_TRUE(wall.is_working_time(start));
  EXPECT_EQ(wall.add(start, 4 * kHour), start + 4 * kHour);
  EXPECT_EQ(wall.add(start, -kHour), start);
  EXPECT_EQ(wall.add(INT64_MAX - 5, kHour), INT64_MAX);
  EXPECT_EQ(wall.seconds_between(start, start + 90), 90);
  EXPECT_EQ(wall.seconds_between(start + 90, start), -90);
  EXPECT_EQ(wall.explain_add(at(2026, 11, 23, 17, 30, 0), 4 * kHour),
            "4h from Mon 2026-11-23 17:30 UTC: due Mon 2026-11-23 21:30 UTC");
}

TEST(TimeBasisTest, CalendarBasisUsesBusinessTime) {
  BusinessCalendar office = build(weekdays({span(9, 0, 18, 0)}));
  TimeBasis business(&office);
  std::int64_t friday = shanghai(2026, 11, 27, 17, 0);
  EXPECT_FALSE(business.is_wall_clock());
  EXPECT_EQ(business.add(friday, 2 * kHour), shanghai(2026, 11, 30, 10, 0));
  EXPECT_EQ(business.seconds_between(friday, shanghai(2026, 11, 30, 10, 0)), 2 * kHour);
  EXPECT_FALSE(business.is_working_time(shanghai(2026, 11, 28, 10, 0)));
  EXPECT_EQ(business.explain_add(friday, kHour), office.explain_add(friday, kHour));
}

TEST(CalendarSetTest, BasesByIndex) {
  std::vector<Calendar> declared = {weekdays({span(9, 0, 18, 0)}), around_the_clock("UTC")};
  CalendarSet::BuildResult built = CalendarSet::build(declared);
  ASSERT_TRUE(built.set.has_value()) << built.error;
  const CalendarSet& set = *built.set;
  EXPECT_EQ(set.size(), 2u);
  EXPECT_TRUE(set.basis(kNoIndex).is_wall_clock());
  EXPECT_TRUE(set.basis(7).is_wall_clock());
  EXPECT_EQ(set.basis(0).calendar()->name(), "office");
  EXPECT_EQ(set.basis(0).add(shanghai(2026, 11, 27, 17, 0), 2 * kHour), shanghai(2026, 11, 30, 10, 0));
}

TEST(CalendarSetTest, ReportsTheFirstBadCalendar) {
  std::vector<Calendar> declared = {weekdays({span(9, 0, 18, 0)}), weekdays({}, "Asia/Shanghai")};
  declared[1].name = "empty";
  CalendarSet::BuildResult built = CalendarSet::build(declared);
  EXPECT_FALSE(built.set.has_value());
  EXPECT_EQ(built.error, "calendar empty: no working hours on any day of the week");
}

}  // namespace
}  // namespace docket::engine
