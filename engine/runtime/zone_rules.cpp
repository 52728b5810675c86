#include "engine/runtime/zone_rules.h"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <exception>
#include <fstream>
#include <limits>
#include <utility>

namespace docket::engine {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kForever = std::numeric_limits<std::int64_t>::max();
// Larger TZif files than this are not zone files (the largest in tzdata
// 2025 are under 4 KiB).
constexpr std::size_t kMaxTzifBytes = 1 << 20;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

std::int64_t days_from_civil(int year, unsigned month, unsigned day) {
  return date::sys_days{date::year{year} / date::month{month} / date::day{day}}.time_since_epoch().count();
}

bool is_leap(int year) { return date::year{year}.is_leap(); }

// ---------------------------------------------------------------- parsing

class PosixParser {
 public:
  explicit PosixParser(std::string_view text) : text_(text) {}

  PosixTzParse parse() {
    PosixTzParse result;
    PosixTzRule rule;
    std::int32_t offset = 0;
    if (!name("standard time name", rule.std_name) || !utc_offset("standard time offset", offset)) {
      return fail();
    }
    rule.std_offset = -offset;
    if (at_end()) {
      result.rule = std::move(rule);
      return result;
    }
    if (!name("DST name", rule.dst_name)) return fail();
    rule.dst_offset = rule.std_offset + 3600;
    if (!at_end() && peek() != ',') {
      if (!utc_offset("DST offset", offset)) return fail();
      rule.dst_offset = -offset;
    }
    if (at_end()) {
      error_ = "DST without the rule for when it starts and ends";
      return fail();
    }
    if (!expect(',') || !change("DST start", rule.dst_start) || !expect(',') || !change("DST end", rule.dst_end)) {
      return fail();
    }
    if (!at_end()) {
      unexpected();
      return fail();
    }
    result.rule = std::move(rule);
    return result;
  }

 private:
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }

  PosixTzParse fail() const {
    PosixTzParse result;
    result.error = "POSIX TZ rule \"" + std::string(text_) + "\": " + error_;
    return result;
  }

  bool unexpected() {
    if (at_end()) {
      error_ = "ends too early";
    } else {
      error_ = std::string("unexpected '") + text_[pos_] + "' at position " + std::to_string(pos_ + 1);
    }
    return false;
  }

  bool expect(char c) {
    if (peek() != c) return unexpected();
    ++pos_;
    return true;
  }

  static bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  bool name(const char* what, std::string& out) {
    std::size_t begin = pos_;
    if (peek() == '<') {
      ++pos_;
      while (!at_end() && (is_alpha(peek()) || is_digit(peek()) || peek() == '+' || peek() == '-')) ++pos_;
      if (peek() != '>') {
        if (at_end()) {
          error_ = std::string(what) + " <...> is not closed";
          return false;
        }
        return unexpected();
      }
      out = std::string(text_.substr(begin + 1, pos_ - begin - 1));
      ++pos_;
    } else {
      while (is_alpha(peek())) ++pos_;
      out = std::string(text_.substr(begin, pos_ - begin));
    }
    if (out.size() < 3) {
      if (out.empty() && !at_end() && text_[begin] != '<') return unexpected();
      error_ = std::string(what) + " \"" + out + "\" is shorter than 3 characters";
      return false;
    }
    return true;
  }

  // Up to `max_digits` digits; false when there are none.
  bool number(int max_digits, int& out) {
    if (!is_digit(peek())) return unexpected();
    out = 0;
    for (int digits = 0; digits < max_digits && is_digit(peek()); ++digits) out = out * 10 + (text_[pos_++] - '0');
    return true;
  }

  // [+-]hh[:mm[:ss]], in seconds, signed as written.
  bool clock(const char* what, int max_hours, int max_hour_digits, bool sign_allowed, std::int32_t& out) {
    int sign = 1;
    if (peek() == '+' || peek() == '-') {
      if (!sign_allowed) return unexpected();
      sign = peek() == '-' ? -1 : 1;
      ++pos_;
    }
    int hours = 0;
    int minutes = 0;
    int seconds = 0;
    if (!number(max_hour_digits, hours)) return false;
    if (hours > max_hours) {
      error_ = std::string(what) + ": hour " + std::to_string(hours) + " is more than " + std::to_string(max_hours);
      return false;
    }
    for (int* part : {&minutes, &seconds}) {
      if (peek() != ':') break;
      ++pos_;
      if (!number(2, *part)) return false;
      if (*part > 59) {
        error_ = std::string(what) + ": " + std::to_string(*part) + " minutes or seconds is more than 59";
        return false;
      }
    }
    out = sign * (hours * 3600 + minutes * 60 + seconds);
    return true;
  }

  bool utc_offset(const char* what, std::int32_t& out) { return clock(what, 24, 2, true, out); }

  bool change(const char* what, PosixTzRule::Change& out) {
    using Form = PosixTzRule::Change::Form;
    auto in_range = [&](const char* part, int value, int low, int high) {
      if (value >= low && value <= high) return true;
      error_ = std::string(what) + ": " + part + " " + std::to_string(value) + " is not " + std::to_string(low) + ".." +
               std::to_string(high);
      return false;
    };
    if (peek() == 'J') {
      ++pos_;
      out.form = Form::kJulianNoLeap;
      if (!number(3, out.day) || !in_range("Julian day", out.day, 1, 365)) return false;
    } else if (peek() == 'M') {
      ++pos_;
      out.form = Form::kMonthWeekDay;
      if (!number(2, out.month) || !in_range("month", out.month, 1, 12)) return false;
      if (!expect('.') || !number(1, out.week) || !in_range("week", out.week, 1, 5)) return false;
      if (!expect('.') || !number(1, out.day) || !in_range("weekday", out.day, 0, 6)) return false;
    } else if (is_digit(peek())) {
      out.form = Form::kDayOfYear;
      if (!number(3, out.day) || !in_range("day", out.day, 0, 365)) return false;
    } else {
      return unexpected();
    }
    out.time = 7200;
    if (peek() == '/') {
      ++pos_;
      if (!clock(what, 167, 3, true, out.time)) return false;
    }
    return true;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::string error_;
};

// The local day (days since 1970-01-01) on which `change` falls in `year`.
std::int64_t change_day(const PosixTzRule::Change& change, int year) {
  using Form = PosixTzRule::Change::Form;
  switch (change.form) {
    case Form::kJulianNoLeap: {
      std::int64_t day = days_from_civil(year, 1, 1) + change.day - 1;
      return is_leap(year) && change.day >= 60 ? day + 1 : day;
    }
    case Form::kDayOfYear:
      return days_from_civil(year, 1, 1) + change.day;
    case Form::kMonthWeekDay: {
      std::int64_t first = days_from_civil(year, static_cast<unsigned>(change.month), 1);
      std::int64_t next_month = change.month == 12 ? days_from_civil(year + 1, 1, 1)
                                                   : days_from_civil(year, static_cast<unsigned>(change.month) + 1, 1);
      int first_weekday = static_cast<int>(floor_div(first + 4, 7) * -7 + first + 4);  // 0 is Sunday
      std::int64_t day = first + (change.day - first_weekday + 7) % 7 + 7 * (change.week - 1);
      while (day >= next_month) day -= 7;
      return day;
    }
  }
  return 0;
}

// ---------------------------------------------------------------- TZif

std::uint32_t be32(std::string_view bytes, std::size_t at) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) value = value << 8 | static_cast<unsigned char>(bytes[at + i]);
  return value;
}

std::int64_t be64(std::string_view bytes, std::size_t at) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < 8; ++i) value = value << 8 | static_cast<unsigned char>(bytes[at + i]);
  return static_cast<std::int64_t>(value);
}

struct TzifHeader {
  char version = 0;
  std::uint64_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;
};

constexpr std::size_t kHeaderBytes = 44;

bool read_header(std::string_view bytes, std::size_t at, TzifHeader& header) {
  if (bytes.size() < at + kHeaderBytes || bytes.substr(at, 4) != "TZif") return false;
  header.version = bytes[at + 4];
  header.isutcnt = be32(bytes, at + 20);
  header.isstdcnt = be32(bytes, at + 24);
  header.leapcnt = be32(bytes, at + 28);
  header.timecnt = be32(bytes, at + 32);
  header.typecnt = be32(bytes, at + 36);
  header.charcnt = be32(bytes, at + 40);
  return true;
}

std::uint64_t data_bytes(const TzifHeader& h, std::uint64_t time_size) {
  return h.timecnt * time_size + h.timecnt + h.typecnt * 6 + h.charcnt + h.leapcnt * (time_size + 4) + h.isstdcnt +
         h.isutcnt;
}

bool safe_zone_name(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.find('\0') != std::string_view::npos) return false;
  std::size_t begin = 0;
  while (begin <= name.size()) {
    std::size_t end = std::min(name.find('/', begin), name.size());
    std::string_view part = name.substr(begin, end - begin);
    if (part == ".." || part == "." || part.empty()) return false;
    begin = end + 1;
  }
  return true;
}

}  // namespace

PosixTzParse parse_posix_tz(std::string_view text) {
  if (text.empty()) {
    PosixTzParse result;
    result.error = "POSIX TZ rule \"\": empty";
    return result;
  }
  return PosixParser(text).parse();
}

DstChanges dst_changes_in(const PosixTzRule& rule, int year) {
  // Each change happens at a wall-clock time of the offset it ends.
  return {change_day(rule.dst_start, year) * kDay + rule.dst_start.time - rule.std_offset,
          change_day(rule.dst_end, year) * kDay + rule.dst_end.time - rule.dst_offset};
}

ZoneOffset offset_under(const PosixTzRule& rule, std::int64_t instant) {
  if (!rule.has_dst() || rule.std_offset == rule.dst_offset) return {rule.std_offset, kForever};
  int year = static_cast<int>(date::year_month_day{date::sys_days{date::days{floor_div(instant, kDay)}}}.year());
  // Transition times reach a week into the years around, so the changes of
  // the two years before and the one after settle the state at `instant`
  // and where it next changes (up to the end of the year).
  struct Event {
    std::int64_t at;
    bool dst;
  };
  std::array<Event, 8> events;
  for (int i = 0; i < 4; ++i) {
    DstChanges changes = dst_changes_in(rule, year - 2 + i);
    events[2 * i] = {changes.start, true};
    events[2 * i + 1] = {changes.end, false};
  }
  // Stable: a DST lasting all year ends at the instant the next year's
  // starts, and listing order (the end first) keeps it on.
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.at < b.at; });
  bool dst = false;
  std::size_t i = 0;
  for (; i < events.size() && events[i].at <= instant; ++i) dst = events[i].dst;
  std::int64_t until = days_from_civil(year + 1, 1, 1) * kDay;
  while (i < events.size()) {
    std::int64_t at = events[i].at;
    bool after = dst;
    for (; i < events.size() && events[i].at == at; ++i) after = events[i].dst;
    if (after != dst) {
      until = std::min(until, at);
      break;
    }
  }
  return {dst ? rule.dst_offset : rule.std_offset, until};
}

TzifRead read_tzif_tail(std::string_view bytes) {
  TzifRead result;
  TzifHeader v1;
  if (!read_header(bytes, 0, v1)) {
    result.error = "not a TZif file";
    return result;
  }
  TzifTail tail;
  if (v1.version == '\0') {
    // Version 1 has 32-bit times and no footer: nothing to go on from.
    result.tail = std::move(tail);
    return result;
  }
  std::uint64_t second = kHeaderBytes + data_bytes(v1, 4);
  TzifHeader v2;
  if (second > bytes.size() || !read_header(bytes, second, v2)) {
    result.error = "truncated TZif data (no version 2 header)";
    return result;
  }
  std::uint64_t data = second + kHeaderBytes;
  std::uint64_t footer = data + data_bytes(v2, 8);
  if (v2.typecnt == 0 || footer > bytes.size()) {
    result.error = "truncated TZif data";
    return result;
  }
  if (v2.timecnt > 0) {
    std::uint64_t last = v2.timecnt - 1;
    auto type = static_cast<unsigned char>(bytes[data + v2.timecnt * 8 + last]);
    if (type >= v2.typecnt) {
      result.error = "TZif transition of an unknown local time type";
      return result;
    }
    tail.last_transition = be64(bytes, data + last * 8);
    tail.last_offset = static_cast<std::int32_t>(be32(bytes, data + v2.timecnt * 9 + type * 6));
  } else {
    tail.last_offset = static_cast<std::int32_t>(be32(bytes, data));
  }
  if (footer == bytes.size()) {
    result.tail = std::move(tail);  // tolerated: a file cut right after its data has no rule to give
    return result;
  }
  std::size_t end = bytes.find('\n', footer + 1);
  if (bytes[footer] != '\n' || end == std::string_view::npos) {
    result.error = "TZif footer is not a line of its own";
    return result;
  }
  tail.footer = std::string(bytes.substr(footer + 1, end - footer - 1));
  result.tail = std::move(tail);
  return result;
}

ZoneRules::LoadResult ZoneRules::load(std::string_view name, std::string_view zoneinfo) {
  LoadResult result;
  if (!safe_zone_name(name)) {
    result.error = "not a zone name";
    return result;
  }
  ZoneRules rules;
  rules.name_ = std::string(name);
  try {
    rules.zone_ = date::locate_zone(rules.name_);
  } catch (const std::exception& e) {
    result.error = e.what();
    return result;
  }

  std::string path = std::string(zoneinfo) + "/" + rules.name_;
  auto keep_date_tz = [&](std::string why) {
    rules.limitation_ = rules.name_ + ": " + std::move(why) + "; from the last transition on, its offset holds";
    result.rules = std::move(rules);
    return std::move(result);
  };
  std::ifstream file(path, std::ios::binary);
  std::string bytes;
  if (file) {
    bytes.resize(kMaxTzifBytes + 1);
    file.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    bytes.resize(static_cast<std::size_t>(file.gcount()));
  }
  if (!file && !file.eof()) return keep_date_tz("cannot read " + path);
  if (bytes.size() > kMaxTzifBytes) return keep_date_tz(path + " is too large for a TZif file");
  TzifRead read = read_tzif_tail(bytes);
  if (!read.tail) return keep_date_tz(path + ": " + read.error);
  if (read.tail->footer.empty()) return keep_date_tz(path + " has no POSIX TZ footer");
  PosixTzParse parsed = parse_posix_tz(read.tail->footer);
  if (!parsed.rule) return keep_date_tz(path + ": " + parsed.error);
  if (!read.tail->last_transition) {
    // date/tz's single offset holds everywhere; a footer with DST would
    // contradict it, which zic never writes.
    if (!parsed.rule->has_dst()) {
      result.rules = std::move(rules);
      return result;
    }
    return keep_date_tz(path + " lists no transitions for its footer to continue");
  }

  // date/tz must end where the file does, in the same offset, and the footer
  // must agree with both there; otherwise they read different data.
  std::int64_t from = *read.tail->last_transition;
  date::sys_info info = rules.zone_->get_info(date::sys_seconds{std::chrono::seconds{from}});
  constexpr std::int64_t kYear10000 = 253402300800;
  if (info.end.time_since_epoch().count() < kYear10000) {
    return keep_date_tz("date/tz lists transitions after the last one in " + path);
  }
  if (info.offset.count() != read.tail->last_offset || offset_under(*parsed.rule, from).offset != info.offset.count()) {
    return keep_date_tz("the footer \"" + read.tail->footer + "\" of " + path +
                        " disagrees with the offset after its last transition");
  }
  rules.rule_ = std::move(parsed.rule);
  rules.rule_from_ = from;
  result.rules = std::move(rules);
  return result;
}

ZoneOffset ZoneRules::at(std::int64_t instant) const {
  if (rule_ && instant >= rule_from_) return offset_under(*rule_, instant);
  date::sys_info info = zone_->get_info(date::sys_seconds{std::chrono::seconds{instant}});
  std::int64_t until = info.end.time_since_epoch().count();
  if (rule_) until = std::min(until, rule_from_);
  return {info.offset.count(), until};
}

std::int64_t ZoneRules::first_showing(std::int64_t local) const {
  // Offsets stay within a day of UTC (POSIX rules allow a little more), so
  // two days either side hold every instant whose wall clock shows `local`.
  for (std::int64_t t = local - 2 * kDay, stop = local + 2 * kDay; t < stop;) {
    ZoneOffset zone = at(t);
    std::int64_t end = std::min(stop, zone.until);
    if (end <= t) break;
    // Over [t, end) the wall clock runs from t + offset to end + offset.
    if (end + zone.offset > local) return std::max(t, local - zone.offset);
    t = end;
  }
  return local - at(local).offset;
}

}  // namespace docket::engine
