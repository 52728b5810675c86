// Time zone offsets that go on past the transitions the system lists.
//
// A TZif file of /usr/share/zoneinfo (RFC 8536) lists a zone's transitions
// up to some instant (the "fat" files Debian ships stop in 2037) and ends
// with a footer: a POSIX TZ string such as "CET-1CEST,M3.5.0,M10.5.0/3" that
// says how the zone goes on after its last listed transition. date/tz 3.0.1
// built with USE_OS_TZDB (Debian's libhowardhinnant-date) reads the list but
// not the footer: past the last transition it keeps that transition's offset
// for ever, so Berlin would stay on CET from 2037-10-25 on and a 2040-07-01
// 12:00 wall time would be an hour off.
//
// ZoneRules asks date/tz for every instant before the last transition the
// zone's file lists, and applies the file's footer from that transition on.
// It falls back to date/tz alone (today's offsets up to the last transition,
// that transition's offset after it) when the file cannot be read, has no
// footer (version 1 files, an empty footer line), the footer cannot be
// parsed, or the footer and date/tz disagree at the last transition (date/tz
// reading other data than the file read here): limitation() says which.
//
// Instants are epoch seconds UTC; offsets are seconds east of UTC (local
// time minus UTC), the opposite sign of the POSIX notation.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace date {
class time_zone;
}

namespace docket::engine {

// A POSIX TZ string as RFC 8536 section 3.3 allows it in a TZif footer:
// `std offset [dst [offset] ,start[/time],end[/time]]`. Names are 3 or more
// letters, or <...> quoted (letters, digits, '+', '-'). Offsets are
// [+-]hh[:mm[:ss]] with hh 0..24, positive west of Greenwich. Transition
// times are local wall-clock times in the offset in effect before the change,
// default 02:00, with RFC 8536's extension: hours may be negative and range
// over -167..167. DST without the rule for when it starts and ends is
// refused rather than guessed.
struct PosixTzRule {
  // The day and time in a year at which DST starts or ends.
  struct Change {
    enum class Form : std::uint8_t {
      kJulianNoLeap,  // Jn: day n in 1..365; February 29 is never counted
      kDayOfYear,     // n: day n in 0..365 counting from 0, February 29 counted
      kMonthWeekDay,  // Mm.w.d: weekday d (0 Sunday) of week w (5 the last) of month m
    };
    Form form = Form::kMonthWeekDay;
    int month = 0;             // kMonthWeekDay: 1..12
    int week = 0;              // kMonthWeekDay: 1..5
    int day = 0;               // see Form
    std::int32_t time = 7200;  // seconds after local midnight
  };

  std::string std_name;         // "CET"; "+0330" for "<+0330>"
  std::int32_t std_offset = 0;  // seconds east of UTC: 3600 for CET-1
  std::string dst_name;         // empty when the zone has no DST
  std::int32_t dst_offset = 0;  // seconds east of UTC during DST; may be below std_offset (Europe/Dublin)
  Change dst_start;
  Change dst_end;

  bool has_dst() const { return !dst_name.empty(); }
};

struct PosixTzParse {
  std::optional<PosixTzRule> rule;  // empty on error
  // Why, when empty: `POSIX TZ rule "CET-1CEST,M13.5.0,M10.5.0": month 13 is not 1..12`.
  std::string error;
};
PosixTzParse parse_posix_tz(std::string_view text);

// The offset in effect at an instant, and how long it lasts: the offset is
// the same over [instant, until). `until` is the next change, or an earlier
// instant at which nothing changes (callers simply ask again there).
struct ZoneOffset {
  std::int64_t offset = 0;
  std::int64_t until = 0;
};

// The UTC instants at which DST starts and ends in `year` under `rule` (which
// must have DST). Either may fall outside the year (negative or large
// transition times), and the end may come before the start (southern
// hemisphere, Europe/Dublin).
struct DstChanges {
  std::int64_t start = 0;
  std::int64_t end = 0;
};
DstChanges dst_changes_in(const PosixTzRule& rule, int year);

// Offset at `instant` under `rule` alone. A rule whose DST lasts all year
// ("EST5EDT,0/0,J365/25") keeps the DST offset throughout.
ZoneOffset offset_under(const PosixTzRule& rule, std::int64_t instant);

// What ends a TZif file, read from its version 2+ data.
struct TzifTail {
  std::optional<std::int64_t> last_transition;  // empty: the file lists none
  std::int32_t last_offset = 0;                 // the offset it switches to
  std::string footer;                           // "" when absent (version 1) or empty
};
struct TzifRead {
  std::optional<TzifTail> tail;  // empty on error
  std::string error;             // "not a TZif file", "truncated TZif data", ...
};
TzifRead read_tzif_tail(std::string_view bytes);

inline constexpr std::string_view kSystemZoneinfo = "/usr/share/zoneinfo";

class ZoneRules {
 public:
  struct LoadResult;  // below: { optional<ZoneRules> rules; string error; }

  // Errors: a name date/tz does not know (or no tzdata installed), or one
  // that is not a plain zone name (empty, starting with '/', or with a ".."
  // component). The footer is read from `zoneinfo`/`name`; tests point
  // `zoneinfo` elsewhere, date/tz always reads the system database.
  static LoadResult load(std::string_view name, std::string_view zoneinfo = kSystemZoneinfo);

  const std::string& name() const { return name_; }

  // Accurate for any instant up to year 9999.
  ZoneOffset at(std::int64_t instant) const;

  // Local time to UTC: the first instant at which the zone's wall clock
  // shows `local` (seconds since 1970-01-01 00:00 on the wall clock) or a
  // later time. Where a change back repeats the time, the earlier of the two
  // instants; where a change forward skips it, the instant of the change
  // (the day a spring-forward at midnight skips begins at the change). Uses
  // at(), so it holds past 2037 as at() does.
  std::int64_t first_showing(std::int64_t local) const;

  // Whether the footer rule takes over after the last listed transition,
  // and from which instant (that transition).
  bool extended() const { return rule_.has_value(); }
  std::int64_t extended_from() const { return rule_from_; }
  // Why not, when not extended: "Europe/Berlin: /usr/share/zoneinfo/... has
  // no POSIX TZ footer". Empty when extended, or when the file lists no
  // transitions (date/tz's single offset then holds everywhere).
  const std::string& limitation() const { return limitation_; }

 private:
  ZoneRules() = default;

  std::string name_;
  const date::time_zone* zone_ = nullptr;  // owned by date's database; lives for ever
  std::optional<PosixTzRule> rule_;
  std::int64_t rule_from_ = 0;
  std::string limitation_;
};

struct ZoneRules::LoadResult {
  std::optional<ZoneRules> rules;  // empty on error
  std::string error;               // why, when empty
};

}  // namespace docket::engine
