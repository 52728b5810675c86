#include "engine/model/event.h"

#include <algorithm>
#include <limits>

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

std::optional<std::int64_t> parse_timestamp(std::string_view text) {
  std::size_t pos = 0;
  auto year = digits(text, pos, 4);
  if (!year || !expect(text, pos, '-')) return std::nullopt;
  auto month = digits(text, pos, 2);
  if (!month || !expect(text, pos, '-')) return std::nullopt;
  auto day = digits(text, pos, 2);
  if (!day || *month < 1 || *month > 12 || *day < 1 || *day > days_in_month(*year, *month)) return std::nullopt;
  std::int64_t seconds = days_from_civil(*year, *month, *day) * 86400;
  if (pos == text.size()) return seconds;

  if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') return std::nullopt;
  ++pos;
  auto hour = digits(text, pos, 2);
  if (!hour || !expect(text, pos, ':')) return std::nullopt;
  auto minute = digits(text, pos, 2);
  if (!minute) return std::nullopt;
  unsigned second = 0;
  if (pos < text.size() && text[pos] == ':') {
    ++pos;
    auto s = digits(text, pos, 2);
    if (!s) return std::nullopt;
    second = *s;
  }
  if (*hour > 23 || *minute > 59 || second > 59) return std::nullopt;
  seconds += std::int64_t{*hour} * 3600 + std::int64_t{*minute} * 60 + second;

  if (pos == text.size()) return std::nullopt;  // a zone is required: no local times
  if (text[pos] == 'Z' || text[pos] == 'z') return pos + 1 == text.size() ? std::optional(seconds) : std::nullopt;
  if (text[pos] != '+' && text[pos] != '-') return std::nullopt;
  int sign = text[pos] == '+' ? 1 : -1;
  ++pos;
  auto offset_hours = digits(text, pos, 2);
  if (!offset_hours) return std::nullopt;
  if (pos < text.size() && text[pos] == ':') ++pos;
  auto offset_minutes = digits(text, pos, 2);
  if (!offset_minutes || pos != text.size() || *offset_hours > 23 || *offset_minutes > 59) return std::nullopt;
  return seconds - sign * (std::int64_t{*offset_hours} * 3600 + std::int64_t{*offset_minutes} * 60);
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
