#include "engine/runtime/zone_rules.h"

#include <date/date.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/support/event_streams.h"

namespace docket::engine {
namespace {

using ::testing::HasSubstr;
using Form = PosixTzRule::Change::Form;

constexpr std::int64_t kHour = 3600;

// Epoch seconds of a UTC time written by hand.
std::int64_t utc(int year, int month, int day, int hour, int minute) {
  date::sys_days days{date::year{year} / month / day};
  return std::int64_t{days.time_since_epoch().count()} * 86400 + hour * kHour + minute * 60;
}

PosixTzRule parse(const std::string& text) {
  PosixTzParse parsed = parse_posix_tz(text);
  EXPECT_TRUE(parsed.rule.has_value()) << parsed.error;
  return parsed.rule.value_or(PosixTzRule{});
}

ZoneRules load(const std::string& name, const std::string& zoneinfo = std::string(kSystemZoneinfo)) {
  ZoneRules::LoadResult loaded = ZoneRules::load(name, zoneinfo);
  EXPECT_TRUE(loaded.rules.has_value()) << loaded.error;
  return std::move(loaded.rules).value();
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// ---------------------------------------------------------------- parsing

TEST(PosixTzParseTest, CentralEurope) {
  PosixTzRule rule = parse("CET-1CEST,M3.5.0,M10.5.0/3");
  EXPECT_EQ(rule.std_name, "CET");
  EXPECT_EQ(rule.std_offset, 3600);
  EXPECT_EQ(rule.dst_name, "CEST");
  EXPECT_EQ(rule.dst_offset, 7200);  // one hour ahead when not written
  EXPECT_EQ(rule.dst_start.form, Form::kMonthWeekDay);
  EXPECT_EQ(rule.dst_start.month, 3);
  EXPECT_EQ(rule.dst_start.week, 5);
  EXPECT_EQ(rule.dst_start.day, 0);
  EXPECT_EQ(rule.dst_start.time, 2 * kHour);  // 02:00 when not written
  EXPECT_EQ(rule.dst_end.month, 10);
  EXPECT_EQ(rule.dst_end.time, 3 * kHour);
}

TEST(PosixTzParseTest, OffsetsArePositiveWestOfGreenwich) {
  PosixTzRule rule = parse("EST5EDT,M3.2.0,M11.1.0");
  EXPECT_EQ(rule.std_offset, -5 * kHour);
  EXPECT_EQ(rule.dst_offset, -4 * kHour);
  PosixTzRule plus = parse("<-03>+3");
  EXPECT_EQ(plus.std_name, "-03");
  EXPECT_EQ(plus.std_offset, -3 * kHour);
  EXPECT_FALSE(plus.has_dst());
}

TEST(PosixTzParseTest, QuotedNamesMinutesAndExplicitDstOffset) {
  PosixTzRule tehran = parse("<+0330>-3:30");
  EXPECT_EQ(tehran.std_name, "+0330");
  EXPECT_EQ(tehran.std_offset, 3 * kHour + 30 * 60);
  EXPECT_FALSE(tehran.has_dst());

  PosixTzRule lord_howe = parse("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0");
  EXPECT_EQ(lord_howe.std_offset, 10 * kHour + 30 * 60);
  EXPECT_EQ(lord_howe.dst_name, "+11");
  EXPECT_EQ(lord_howe.dst_offset, 11 * kHour);  // half an hour of DST

  PosixTzRule chatham = parse("<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45");
  EXPECT_EQ(chatham.dst_offset, 13 * kHour + 45 * 60);
  EXPECT_EQ(chatham.dst_start.time, 2 * kHour + 45 * 60);
}

TEST(PosixTzParseTest, NegativeAndExtendedTransitionHours) {
  PosixTzRule nuuk = parse("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
  EXPECT_EQ(nuuk.dst_start.time, -kHour);
  EXPECT_EQ(nuuk.dst_end.time, 0);
  PosixTzRule gaza = parse("EET-2EEST,M3.4.4/50,M10.4.4/50");
  EXPECT_EQ(gaza.dst_start.time, 50 * kHour);
  PosixTzRule limits = parse("AAA3BBB,M1.1.0/-167:59:59,M12.5.6/167");
  EXPECT_EQ(limits.dst_start.time, -(167 * kHour + 59 * 60 + 59));
  EXPECT_EQ(limits.dst_end.time, 167 * kHour);
}

TEST(PosixTzParseTest, JulianDayForms) {
  PosixTzRule rule = parse("AAA3BBB,J60/2:30:15,300");
  EXPECT_EQ(rule.dst_start.form, Form::kJulianNoLeap);
  EXPECT_EQ(rule.dst_start.day, 60);
  EXPECT_EQ(rule.dst_start.time, 2 * kHour + 30 * 60 + 15);
  EXPECT_EQ(rule.dst_end.form, Form::kDayOfYear);
  EXPECT_EQ(rule.dst_end.day, 300);
  // J60 is March 1 in every year; day 59 (from 0) is February 29 in a leap year.
  EXPECT_EQ(dst_changes_in(rule, 2040).start, utc(2040, 3, 1, 5, 30) + 15);
  EXPECT_EQ(dst_changes_in(rule, 2041).start, utc(2041, 3, 1, 5, 30) + 15);
  EXPECT_EQ(dst_changes_in(parse("AAA3BBB,59,100"), 2040).start, utc(2040, 2, 29, 5, 0));
  EXPECT_EQ(dst_changes_in(parse("AAA3BBB,59,100"), 2041).start, utc(2041, 3, 1, 5, 0));
}

TEST(PosixTzParseTest, RejectsBadFootersWithAClearError) {
  EXPECT_EQ(parse_posix_tz("CET-1CEST,M13.5.0,M10.5.0/3").error,
            "POSIX TZ rule \"CET-1CEST,M13.5.0,M10.5.0/3\": DST start: month 13 is not 1..12");
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"", "empty"},
      {"CET", "ends too early"},
      {"CET-1CEST", "DST without the rule for when it starts and ends"},
      {"CET-1CEST,M3.5.0", "ends too early"},
      {"CET-1CEST,M3.6.0,M10.5.0", "DST start: week 6 is not 1..5"},
      {"CET-1CEST,M3.5.7,M10.5.0", "DST start: weekday 7 is not 0..6"},
      {"CET-1CEST,M3.5.0,M10.5.0/168", "DST end: hour 168 is more than 167"},
      {"CET-1CEST,J0,J365", "DST start: Julian day 0 is not 1..365"},
      {"CET-1CEST,366,0", "DST start: day 366 is not 0..365"},
      {"CET-25", "standard time offset: hour 25 is more than 24"},
      {"CET-1:60", "60 minutes or seconds is more than 59"},
      {"<+01-1", "standard time name <...> is not closed"},
      {"CE-1", "standard time name \"CE\" is shorter than 3 characters"},
      {"-1", "unexpected '-' at position 1"},
      {"CET-1CEST,M3.5.0,M10.5.0/3 ", "unexpected ' ' at position 27"},
      {"CET-1CEST;M3.5.0,M10.5.0", "unexpected ';' at position 10"},
  };
  for (const Case& c : cases) {
    PosixTzParse parsed = parse_posix_tz(c.text);
    EXPECT_FALSE(parsed.rule.has_value()) << c.text;
    EXPECT_THAT(parsed.error, HasSubstr(c.error)) << c.text;
  }
}

// ---------------------------------------------------------------- evaluating

// 2040: March 25 and October 28 are the last Sundays of their months,
// March 11 the second, November 4 and April 1 and October 7 the first.
TEST(PosixTzOffsetTest, BerlinIn2040) {
  PosixTzRule rule = parse("CET-1CEST,M3.5.0,M10.5.0/3");
  std::int64_t start = utc(2040, 3, 25, 1, 0);  // 02:00 CET
  std::int64_t end = utc(2040, 10, 28, 1, 0);   // 03:00 CEST
  EXPECT_EQ(dst_changes_in(rule, 2040).start, start);
  EXPECT_EQ(dst_changes_in(rule, 2040).end, end);
  EXPECT_EQ(offset_under(rule, start - 1).offset, kHour);
  EXPECT_EQ(offset_under(rule, start - 1).until, start);
  EXPECT_EQ(offset_under(rule, start).offset, 2 * kHour);
  EXPECT_EQ(offset_under(rule, start).until, end);
  EXPECT_EQ(offset_under(rule, end).offset, kHour);
  EXPECT_EQ(offset_under(rule, utc(2040, 12, 31, 23, 0)).offset, kHour);
}

TEST(PosixTzOffsetTest, NewYorkIn2040) {
  PosixTzRule rule = parse("EST5EDT,M3.2.0,M11.1.0");
  std::int64_t start = utc(2040, 3, 11, 7, 0);  // 02:00 EST
  std::int64_t end = utc(2040, 11, 4, 6, 0);    // 02:00 EDT
  EXPECT_EQ(offset_under(rule, start - 1).offset, -5 * kHour);
  EXPECT_EQ(offset_under(rule, start - 1).until, start);
  EXPECT_EQ(offset_under(rule, start).offset, -4 * kHour);
  EXPECT_EQ(offset_under(rule, start).until, end);
  EXPECT_EQ(offset_under(rule, end).offset, -5 * kHour);
}

TEST(PosixTzOffsetTest, SydneyIn2040IsSouthern) {
  PosixTzRule rule = parse("AEST-10AEDT,M10.1.0,M4.1.0/3");
  std::int64_t end = utc(2040, 3, 31, 16, 0);    // Sun 04-01 03:00 AEDT
  std::int64_t start = utc(2040, 10, 6, 16, 0);  // Sun 10-07 02:00 AEST
  EXPECT_EQ(offset_under(rule, utc(2040, 1, 15, 0, 0)).offset, 11 * kHour);
  EXPECT_EQ(offset_under(rule, utc(2040, 1, 15, 0, 0)).until, end);
  EXPECT_EQ(offset_under(rule, end).offset, 10 * kHour);
  EXPECT_EQ(offset_under(rule, end).until, start);
  EXPECT_EQ(offset_under(rule, start).offset, 11 * kHour);
}

TEST(PosixTzOffsetTest, DstBelowStandardTimeAndNegativeTimes) {
  // Dublin's standard time is summer time (IST); "DST" is winter's GMT.
  PosixTzRule dublin = parse("IST-1GMT0,M10.5.0,M3.5.0/1");
  EXPECT_EQ(offset_under(dublin, utc(2040, 7, 1, 12, 0)).offset, kHour);
  EXPECT_EQ(offset_under(dublin, utc(2040, 12, 1, 12, 0)).offset, 0);
  EXPECT_EQ(offset_under(dublin, utc(2040, 3, 25, 1, 0) - 1).offset, 0);
  EXPECT_EQ(offset_under(dublin, utc(2040, 3, 25, 1, 0)).offset, kHour);
  // Nuuk changes at -1:00 of the last Sunday (Saturday 23:00) in its -02
  // standard time and at 0:00 in its -01 DST: 01:00 UTC both times.
  PosixTzRule nuuk = parse("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
  EXPECT_EQ(dst_changes_in(nuuk, 2040).start, utc(2040, 3, 25, 1, 0));
  EXPECT_EQ(dst_changes_in(nuuk, 2040).end, utc(2040, 10, 28, 1, 0));
}

TEST(PosixTzOffsetTest, DstAllYear) {
  PosixTzRule rule = parse("EST5EDT,0/0,J365/25");
  for (std::int64_t t : {utc(2040, 1, 1, 5, 0) - 1, utc(2040, 1, 1, 5, 0), utc(2040, 7, 1, 0, 0),
                         utc(2040, 12, 31, 23, 0), utc(2041, 1, 1, 5, 0)}) {
    EXPECT_EQ(offset_under(rule, t).offset, -4 * kHour) << t;
    EXPECT_GT(offset_under(rule, t).until, t);
  }
}

TEST(PosixTzOffsetTest, NoDstIsOneOffsetForEver) {
  ZoneOffset offset = offset_under(parse("CST-8"), utc(2040, 7, 1, 0, 0));
  EXPECT_EQ(offset.offset, 8 * kHour);
  EXPECT_EQ(offset.until, INT64_MAX);
}

// ---------------------------------------------------------------- TZif and zones

TEST(TzifTest, ReadsTheLastTransitionAndTheFooter) {
  TzifRead berlin = read_tzif_tail(read_bytes(std::string(kSystemZoneinfo) + "/Europe/Berlin"));
  ASSERT_TRUE(berlin.tail.has_value()) << berlin.error;
  EXPECT_EQ(berlin.tail->footer, "CET-1CEST,M3.5.0,M10.5.0/3");
  ASSERT_TRUE(berlin.tail->last_transition.has_value());
  EXPECT_EQ(berlin.tail->last_offset, kHour);
  // Debian's files list transitions through 2037; slimmer ones stop earlier.
  EXPECT_LE(*berlin.tail->last_transition, utc(2037, 10, 25, 1, 0));
}

TEST(TzifTest, RejectsWhatIsNotTzif) {
  EXPECT_EQ(read_tzif_tail("").error, "not a TZif file");
  EXPECT_EQ(read_tzif_tail("# a text file, not a zone, long enough to hold a header").error, "not a TZif file");
  std::string berlin = read_bytes(std::string(kSystemZoneinfo) + "/Europe/Berlin");
  ASSERT_GT(berlin.size(), 200u);
  EXPECT_THAT(read_tzif_tail(std::string_view(berlin).substr(0, 200)).error, HasSubstr("truncated TZif data"));
}

TEST(ZoneRulesTest, SystemZonesGoOnPast2037) {
  ZoneRules berlin = load("Europe/Berlin");
  EXPECT_TRUE(berlin.extended()) << berlin.limitation();
  EXPECT_EQ(berlin.at(utc(2040, 7, 1, 10, 0)).offset, 2 * kHour);  // 12:00 CEST
  EXPECT_EQ(berlin.at(utc(2040, 1, 15, 10, 0)).offset, kHour);
  EXPECT_EQ(berlin.at(utc(2040, 3, 25, 1, 0) - 1).until, utc(2040, 3, 25, 1, 0));
  EXPECT_EQ(berlin.at(utc(2040, 3, 25, 1, 0)).until, utc(2040, 10, 28, 1, 0));

  ZoneRules new_york = load("America/New_York");
  EXPECT_EQ(new_york.at(utc(2045, 7, 1, 16, 0)).offset, -4 * kHour);
  EXPECT_EQ(new_york.at(utc(2040, 11, 4, 6, 0) - 1).offset, -4 * kHour);
  EXPECT_EQ(new_york.at(utc(2040, 11, 4, 6, 0)).offset, -5 * kHour);

  ZoneRules sydney = load("Australia/Sydney");
  EXPECT_EQ(sydney.at(utc(2040, 7, 1, 0, 0)).offset, 10 * kHour);
  EXPECT_EQ(sydney.at(utc(2040, 10, 6, 16, 0) - 1).offset, 10 * kHour);
  EXPECT_EQ(sydney.at(utc(2040, 10, 6, 16, 0)).offset, 11 * kHour);

  ZoneRules shanghai = load("Asia/Shanghai");
  EXPECT_EQ(shanghai.at(utc(2040, 7, 1, 4, 0)).offset, 8 * kHour);
  EXPECT_EQ(shanghai.at(utc(2099, 1, 1, 0, 0)).offset, 8 * kHour);
  EXPECT_EQ(shanghai.limitation(), "");
}

TEST(ZoneRulesTest, BeforeTheLastTransitionTheDatabaseDecides) {
  ZoneRules berlin = load("Europe/Berlin");
  ASSERT_TRUE(berlin.extended());
  EXPECT_EQ(berlin.at(utc(2026, 7, 1, 10, 0)).offset, 2 * kHour);
  EXPECT_EQ(berlin.at(utc(2026, 7, 1, 10, 0)).until, utc(2026, 10, 25, 1, 0));
  // The stretch before the hand-over ends there, whatever date/tz says after.
  EXPECT_EQ(berlin.at(berlin.extended_from() - 1).until, berlin.extended_from());
  EXPECT_EQ(load("UTC").at(utc(2040, 7, 1, 0, 0)).offset, 0);
}

// Local time to UTC. utc() written for a wall-clock time gives its seconds
// since 1970-01-01 00:00 on that wall clock.
TEST(ZoneRulesTest, FirstShowingTurnsWallClockTimeIntoAnInstant) {
  ZoneRules berlin = load("Europe/Berlin");
  EXPECT_EQ(berlin.first_showing(utc(2026, 7, 1, 0, 0)), utc(2026, 6, 30, 22, 0));  // CEST
  EXPECT_EQ(berlin.first_showing(utc(2040, 7, 1, 0, 0)), utc(2040, 6, 30, 22, 0));  // CEST past 2037 too
  EXPECT_EQ(berlin.first_showing(utc(2040, 1, 15, 0, 0)), utc(2040, 1, 14, 23, 0));
  // 02:30 on 25 March 2040 never shows: the clock jumps from 02:00 to 03:00 at 01:00 UTC.
  EXPECT_EQ(berlin.first_showing(utc(2040, 3, 25, 2, 30)), utc(2040, 3, 25, 1, 0));
  EXPECT_EQ(berlin.first_showing(utc(2040, 3, 25, 3, 0)), utc(2040, 3, 25, 1, 0));
  // 02:30 on 28 October 2040 shows twice: first in summer time.
  EXPECT_EQ(berlin.first_showing(utc(2040, 10, 28, 2, 30)), utc(2040, 10, 28, 0, 30));
  EXPECT_EQ(berlin.first_showing(utc(2040, 10, 28, 3, 0)), utc(2040, 10, 28, 2, 0));
  // Santiago springs forward at midnight: 2 September 2040 begins at 01:00 (-03).
  EXPECT_EQ(load("America/Santiago").first_showing(utc(2040, 9, 2, 0, 0)), utc(2040, 9, 2, 4, 0));
  EXPECT_EQ(load("Asia/Shanghai").first_showing(utc(2040, 7, 1, 0, 0)), utc(2040, 6, 30, 16, 0));
  EXPECT_EQ(load("UTC").first_showing(utc(2040, 7, 1, 0, 0)), utc(2040, 7, 1, 0, 0));
}

TEST(ZoneRulesTest, RefusesWhatIsNotAZoneName) {
  for (const char* name : {"", "/etc/localtime", "../etc/passwd", "Europe/../Europe/Berlin", "Europe//Berlin"}) {
    ZoneRules::LoadResult loaded = ZoneRules::load(name);
    EXPECT_FALSE(loaded.rules.has_value()) << name;
    EXPECT_EQ(loaded.error, "not a zone name") << name;
  }
  EXPECT_FALSE(ZoneRules::load("Mars/Olympus_Mons").rules.has_value());
}

// A copy of the system's Europe/Berlin with another footer line: what is
// true today (date/tz alone) holds when the footer cannot be used.
class ZoneFooterTest : public ::testing::Test {
 protected:
  ZoneRules berlin_with_footer(const std::string& footer) {
    std::string bytes = read_bytes(std::string(kSystemZoneinfo) + "/Europe/Berlin");
    std::string system_footer = "\nCET-1CEST,M3.5.0,M10.5.0/3\n";
    EXPECT_TRUE(bytes.ends_with(system_footer));
    bytes.replace(bytes.size() - system_footer.size(), system_footer.size(), "\n" + footer + "\n");
    std::filesystem::create_directories(std::filesystem::path(dir_.path()) / "Europe");
    std::ofstream(dir_.file("Europe/Berlin"), std::ios::binary) << bytes;
    return load("Europe/Berlin", dir_.path());
  }

  docket::testing::TempDir dir_;
};

TEST_F(ZoneFooterTest, TheSystemFooterIsUsed) {
  ZoneRules berlin = berlin_with_footer("CET-1CEST,M3.5.0,M10.5.0/3");
  EXPECT_TRUE(berlin.extended());
  EXPECT_EQ(berlin.at(utc(2040, 7, 1, 10, 0)).offset, 2 * kHour);
}

TEST_F(ZoneFooterTest, NoFooterKeepsTheLastOffset) {
  ZoneRules berlin = berlin_with_footer("");
  EXPECT_FALSE(berlin.extended());
  EXPECT_THAT(berlin.limitation(), HasSubstr("has no POSIX TZ footer"));
  EXPECT_EQ(berlin.at(utc(2040, 7, 1, 10, 0)).offset, kHour);  // an hour off, as date/tz alone is
  EXPECT_EQ(berlin.at(utc(2026, 7, 1, 10, 0)).offset, 2 * kHour);
}

TEST_F(ZoneFooterTest, BadFooterKeepsTheLastOffset) {
  ZoneRules berlin = berlin_with_footer("CET-1CEST,M13.5.0,M10.5.0/3");
  EXPECT_FALSE(berlin.extended());
  EXPECT_THAT(berlin.limitation(), HasSubstr("month 13 is not 1..12"));
  EXPECT_EQ(berlin.at(utc(2040, 7, 1, 10, 0)).offset, kHour);
}

TEST_F(ZoneFooterTest, FooterThatContradictsTheLastTransitionIsNotUsed) {
  ZoneRules berlin = berlin_with_footer("EST5EDT,M3.2.0,M11.1.0");
  EXPECT_FALSE(berlin.extended());
  EXPECT_THAT(berlin.limitation(), HasSubstr("disagrees with the offset after its last transition"));
}

TEST_F(ZoneFooterTest, MissingFileKeepsTheLastOffset) {
  ZoneRules berlin = load("Europe/Berlin", dir_.path());
  EXPECT_FALSE(berlin.extended());
  EXPECT_THAT(berlin.limitation(), HasSubstr("cannot read"));
}

}  // namespace
}  // namespace docket::engine
