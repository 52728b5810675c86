#include "engine/model/event.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace docket::engine {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil).
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

bool is_leap(std::int64_t year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

unsigned days_in_month(std::int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// Reads exactly `width` digits at `pos`.
std::optional<unsigned> digits(std::string_view text, std::size_t& pos, std::size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  unsigned value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  pos += width;
  return value;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

constexpr const char* kExample = "\"2026-11-23T09:00:00+08:00\"";
constexpr const char* kNotATimestamp = "must be a timestamp such as \"2026-11-23T09:00:00+08:00\"";
constexpr const char* kMonthNames[] = {"January", "February", "March",     "April",   "May",      "June",
                                       "July",    "August",   "September", "October", "November", "December"};

// The one reader of timestamps: parse_timestamp and read_timestamp both call
// it. `why`, when not null, receives the reason a text is refused; building
// it costs nothing when nobody asks.
std::optional<std::int64_t> scan_timestamp(std::string_view text, std::string* why) {
  auto refuse = [why](auto&& reason) -> std::optional<std::int64_t> {
    if (why != nullptr) *why = reason();
    return std::nullopt;
  };
  auto out_of_range = [&refuse](const char* field, std::string_view written, const char* range) {
    return refuse([&] { return "has " + std::string(field) + " " + std::string(written) + ", but " + range; });
  };
  auto not_a_timestamp = [&refuse] { return refuse([] { return std::string(kNotATimestamp); }); };

  // The date: YYYY-MM-DD.
  std::size_t pos = 0;
  std::size_t leading = 0;
  while (leading < text.size() && is_digit(text[leading])) ++leading;
  if (leading == 0 || leading == text.size()) return not_a_timestamp();
  if (leading > 4 && text[leading] == '-') {
    return out_of_range("year", text.substr(0, leading), "years run from 0000 to 9999");
  }
  auto year = digits(text, pos, 4);
  std::optional<unsigned> month;
  std::optional<unsigned> day;
  if (year && expect(text, pos, '-')) month = digits(text, pos, 2);
  if (month && expect(text, pos, '-')) day = digits(text, pos, 2);
  if (!day) return refuse([] { return std::string("must write its date as YYYY-MM-DD, such as 2026-11-23"); });
  if (*month < 1 || *month > 12) return out_of_range("month", text.substr(5, 2), "months run from 01 to 12");
  if (*day < 1 || *day > days_in_month(*year, *month)) {
    return refuse([&] {
      return "has day " + std::string(text.substr(8, 2)) + ", but days in " + kMonthNames[*month - 1] + " " +
             std::string(text.substr(0, 4)) + " run from 01 to " + std::to_string(days_in_month(*year, *month));
    });
  }
  std::int64_t seconds = days_from_civil(*year, *month, *day) * 86400;
  if (pos == text.size()) return seconds;  // a plain date: midnight UTC

  // The time: hh:mm or hh:mm:ss, after T (or t, or a space).
  if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') {
    return refuse([] { return std::string("must separate its date and time with T, such as ") + kExample; });
  }
  ++pos;
  const std::size_t time_start = pos;
  auto hour = digits(text, pos, 2);
  std::optional<unsigned> minute;
  if (hour && expect(text, pos, ':')) minute = digits(text, pos, 2);
  std::optional<unsigned> second = 0;
  if (minute && pos < text.size() && text[pos] == ':') {
    ++pos;
    second = digits(text, pos, 2);
  }
  if (!minute || !second) {
    return refuse([] { return std::string("must write its time as hh:mm or hh:mm:ss, such as 09:00 or 09:00:00"); });
  }
  if (*hour > 23) {
    bool midnight = *hour == 24 && *minute == 0 && *second == 0;
    return out_of_range(
        "hour", text.substr(time_start, 2),
        midnight ? "hours run from 00 to 23 (midnight is 00:00 of the next day)" : "hours run from 00 to 23");
  }
  if (*minute > 59) return out_of_range("minute", text.substr(time_start + 3, 2), "minutes run from 00 to 59");
  if (*second > 59) return out_of_range("second", text.substr(time_start + 6, 2), "seconds run from 00 to 59");
  seconds += std::int64_t{*hour} * 3600 + std::int64_t{*minute} * 60 + *second;
  const std::string_view date_time = text.substr(0, pos);

  // A fraction of a second is refused: times are whole seconds.
  if (pos + 1 < text.size() && (text[pos] == '.' || text[pos] == ',') && is_digit(text[pos + 1])) {
    return refuse([&] {
      std::size_t end = pos + 1;
      while (end < text.size() && is_digit(text[end])) ++end;
      std::string whole = std::string(date_time) + std::string(text.substr(end));
      if (!scan_timestamp(whole, nullptr)) whole = std::string(date_time) + "+08:00";
      return "has fractional seconds, which are refused: write whole seconds, such as \"" + whole + "\"";
    });
  }

  // The zone: Z, or an offset +hh:mm, -hh:mm (+hhmm, -hhmm). Local times are refused.
  if (pos == text.size() || (text[pos] != 'Z' && text[pos] != 'z' && text[pos] != '+' && text[pos] != '-')) {
    return refuse([&] { return "needs a UTC offset or Z, such as \"" + std::string(date_time) + "+08:00\""; });
  }
  auto trailing = [&refuse] {
    return refuse([] { return std::string("must end after its UTC offset, such as ") + kExample; });
  };
  if (text[pos] == 'Z' || text[pos] == 'z') return pos + 1 == text.size() ? std::optional(seconds) : trailing();
  const std::size_t offset_start = pos;
  const int sign = text[pos] == '+' ? 1 : -1;
  ++pos;
  auto offset_hours = digits(text, pos, 2);
  std::optional<unsigned> offset_minutes;
  if (offset_hours) {
    if (pos < text.size() && text[pos] == ':') ++pos;
    offset_minutes = digits(text, pos, 2);
  }
  if (!offset_minutes) {
    return refuse([] { return std::string("must write its UTC offset as +hh:mm or -hh:mm, such as +08:00"); });
  }
  if (pos != text.size()) return trailing();
  if (*offset_hours > 23 || *offset_minutes > 59) {
    return out_of_range("UTC offset", text.substr(offset_start), "offsets run from -23:59 to +23:59");
  }
  return seconds - sign * (std::int64_t{*offset_hours} * 3600 + std::int64_t{*offset_minutes} * 60);
}

}  // namespace

bool Actor::holds(std::string_view role) const { return std::find(roles.begin(), roles.end(), role) != roles.end(); }

Actor Actor::scoped_to(const std::vector<std::string_view>& departments) const {
  Actor scoped{id, {}};
  for (const std::string& role : roles) {
    std::size_t dot = role.find('.');
    if (dot == std::string::npos) {
      scoped.roles.push_back(role);
      continue;
    }
    std::string_view department = std::string_view(role).substr(0, dot);
    if (std::find(departments.begin(), departments.end(), department) != departments.end()) {
      scoped.roles.push_back(role.substr(dot + 1));
    }
  }
  return scoped;
}

FieldInput FieldInput::text(std::string text) {
  FieldInput input;
  input.kind_ = Kind::kText;
  input.text_ = std::move(text);
  return input;
}

FieldInput FieldInput::number(Fixed number) {
  FieldInput input;
  input.kind_ = Kind::kNumber;
  input.number_ = number;
  return input;
}

FieldInput FieldInput::integer(std::int64_t value) {
  std::optional<Fixed> fixed = Fixed::from_integer(value);
  return fixed ? number(*fixed) : null();
}

FieldInput FieldInput::boolean(bool value) {
  FieldInput input;
  input.kind_ = Kind::kBool;
  input.bool_ = value;
  return input;
}

std::string FieldInput::describe() const {
  switch (kind_) {
    case Kind::kNull:
      return "null";
    case Kind::kText:
      return "\"" + text_ + "\"";
    case Kind::kNumber:
      return number_.to_string();
    case Kind::kBool:
      return bool_ ? "true" : "false";
  }
  return "?";
}

std::optional<std::int64_t> parse_timestamp(std::string_view text) { return scan_timestamp(text, nullptr); }

Result<std::int64_t> read_timestamp(std::string_view text) {
  std::string why;
  std::optional<std::int64_t> seconds = scan_timestamp(text, &why);
  if (!seconds) return Result<std::int64_t>::failure(std::move(why));
  return Result<std::int64_t>::success(*seconds);
}

std::optional<std::int64_t> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::int64_t amount = 0;
    std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (amount > (std::numeric_limits<std::int64_t>::max() - 9) / 10) return std::nullopt;
      amount = amount * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == start || pos == text.size()) return std::nullopt;
    std::int64_t unit = 0;
    switch (text[pos]) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 86400;
        break;
      case 'w':
        unit = 604800;
        break;
      default:
        return std::nullopt;
    }
    ++pos;
    if (amount > (std::numeric_limits<std::int64_t>::max() - total) / unit) return std::nullopt;
    total += amount * unit;
  }
  return total;
}

}  // namespace docket::engine
