#include "engine/model/value.h"

#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>

namespace docket::engine {
namespace {

__extension__ using Int128 = __int128;

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();

std::optional<Fixed> fixed_from_wide(Int128 raw) {
  if (raw > kInt64Max || raw < kInt64Min) return std::nullopt;
  return Fixed::from_raw(static_cast<std::int64_t>(raw));
}

// numerator / denominator rounded half away from zero. REQUIRES denominator != 0.
Int128 divide_rounded(Int128 numerator, Int128 denominator) {
  Int128 quotient = numerator / denominator;
  Int128 remainder = numerator % denominator;
  Int128 abs_remainder = remainder < 0 ? -remainder : remainder;
  Int128 abs_denominator = denominator < 0 ? -denominator : denominator;
  if (abs_remainder * 2 >= abs_denominator) {
    quotient += ((numerator < 0) == (denominator < 0)) ? 1 : -1;
  }
  return quotient;
}

constexpr std::int64_t power_of_ten(int exponent) {
  std::int64_t result = 1;
  for (int i = 0; i < exponent; ++i) result *= 10;
  return result;
}

// Prints |raw| as integer part and `decimals` fractional digits of a value
// already rounded to that many places.
std::string print_fixed(std::int64_t raw, int decimals) {
  bool negative = raw < 0;
  // Magnitude as unsigned so that INT64_MIN prints correctly.
  std::uint64_t magnitude =
      negative ? static_cast<std::uint64_t>(0) - static_cast<std::uint64_t>(raw) : static_cast<std::uint64_t>(raw);
  std::uint64_t whole = magnitude / Fixed::kScale;
  std::uint64_t fraction = magnitude % Fixed::kScale;
  std::string text = negative && magnitude != 0 ? "-" : "";
  text += std::to_string(whole);
  if (decimals > 0) {
    char digits[8];
    std::snprintf(digits, sizeof digits, "%04llu", static_cast<unsigned long long>(fraction));
    text += '.';
    text.append(digits, static_cast<std::size_t>(decimals));
  }
  return text;
}

}  // namespace

std::optional<Fixed> Fixed::from_integer(std::int64_t value) {
  return fixed_from_wide(static_cast<Int128>(value) * kScale);
}

std::optional<Fixed> Fixed::parse(std::string_view text) {
  std::size_t pos = 0;
  bool negative = false;
  if (pos < text.size() && text[pos] == '-') {
    negative = true;
    ++pos;
  }
  Int128 raw = 0;
  std::size_t whole_digits = 0;
  for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++whole_digits) {
    raw = raw * 10 + (text[pos] - '0');
    if (raw > kInt64Max) return std::nullopt;
  }
  if (whole_digits == 0) return std::nullopt;
  raw *= kScale;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t fraction_digits = 0;
    for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++fraction_digits) {
      int digit = text[pos] - '0';
      if (fraction_digits < kDecimals) {
        raw += static_cast<Int128>(digit) * power_of_ten(kDecimals - 1 - static_cast<int>(fraction_digits));
      } else if (digit != 0) {
        return std::nullopt;  // not representable exactly
      }
    }
    if (fraction_digits == 0) return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  return fixed_from_wide(negative ? -raw : raw);
}

std::optional<Fixed> Fixed::from_double(double value) {
  if (!std::isfinite(value)) return std::nullopt;
  double scaled = std::round(value * kScale);
  // 2^63 is exactly representable; anything at or beyond it does not fit.
  if (scaled >= 9223372036854775808.0 || scaled < -9223372036854775808.0) return std::nullopt;
  return Fixed(static_cast<std::int64_t>(scaled));
}

std::string Fixed::to_string() const {
  int decimals = kDecimals;
  std::int64_t fraction = raw_ % kScale;
  while (decimals > 0 && fraction % 10 == 0) {
    fraction /= 10;
    --decimals;
  }
  return print_fixed(raw_, decimals);
}

std::string Fixed::to_string(int decimals) const {
  if (decimals < 0) decimals = 0;
  if (decimals > kDecimals) decimals = kDecimals;
  std::optional<Fixed> rounded_value = rounded(decimals);
  // Rounding only overflows within half a unit of the int64 limits; print
  // the unrounded digits rather than nothing.
  return print_fixed(rounded_value ? rounded_value->raw_ : raw_, decimals);
}

std::optional<Fixed> Fixed::rounded(int decimals) const {
  if (decimals >= kDecimals) return *this;
  if (decimals < 0) decimals = 0;
  std::int64_t unit = power_of_ten(kDecimals - decimals);
  return fixed_from_wide(divide_rounded(raw_, unit) * unit);
}

std::optional<Fixed> add(Fixed a, Fixed b) { return fixed_from_wide(static_cast<Int128>(a.raw()) + b.raw()); }

std::optional<Fixed> subtract(Fixed a, Fixed b) { return fixed_from_wide(static_cast<Int128>(a.raw()) - b.raw()); }

std::optional<Fixed> multiply(Fixed a, Fixed b) {
  // The same rounding in 64 bits when the product fits (the usual case):
  // dividing by the constant scale is then a multiply and a shift instead
  // of a 128-bit division.
  std::int64_t product;
  if (!__builtin_mul_overflow(a.raw(), b.raw(), &product)) {
    std::int64_t quotient = product / Fixed::kScale;
    std::int64_t remainder = product % Fixed::kScale;
    if ((remainder < 0 ? -remainder : remainder) * 2 >= Fixed::kScale) quotient += product < 0 ? -1 : 1;
    return Fixed::from_raw(quotient);
  }
  return fixed_from_wide(divide_rounded(static_cast<Int128>(a.raw()) * b.raw(), Fixed::kScale));
}

std::optional<Fixed> divide(Fixed a, Fixed b) {
  if (b.raw() == 0) return std::nullopt;
  return fixed_from_wide(divide_rounded(static_cast<Int128>(a.raw()) * Fixed::kScale, b.raw()));
}

const char* to_string(FieldType type) {
  switch (type) {
    case FieldType::kText:
      return "text";
    case FieldType::kInt:
      return "int";
    case FieldType::kDecimal:
      return "decimal";
    case FieldType::kMoney:
      return "money";
    case FieldType::kBool:
      return "bool";
    case FieldType::kEnum:
      return "enum";
    case FieldType::kDuration:
      return "duration";
    case FieldType::kTimestamp:
      return "timestamp";
  }
  return "?";
}

const char* to_string(ValueType type) {
  switch (type) {
    case ValueType::kUnset:
      return "unset";
    case ValueType::kText:
      return "text";
    case ValueType::kNumber:
      return "number";
    case ValueType::kBool:
      return "bool";
    case ValueType::kEnum:
      return "enum";
    case ValueType::kCategory:
      return "category";
    case ValueType::kPriority:
      return "priority";
    case ValueType::kState:
      return "state";
    case ValueType::kDuration:
      return "duration";
    case ValueType::kTimestamp:
      return "timestamp";
  }
  return "?";
}

ValueType value_type_of(FieldType type) {
  switch (type) {
    case FieldType::kText:
      return ValueType::kText;
    case FieldType::kInt:
    case FieldType::kDecimal:
    case FieldType::kMoney:
      return ValueType::kNumber;
    case FieldType::kBool:
      return ValueType::kBool;
    case FieldType::kEnum:
      return ValueType::kEnum;
    case FieldType::kDuration:
      return ValueType::kDuration;
    case FieldType::kTimestamp:
      return ValueType::kTimestamp;
  }
  return ValueType::kUnset;
}

bool is_enumeration(ValueType type) {
  return type == ValueType::kEnum || type == ValueType::kCategory || type == ValueType::kPriority ||
         type == ValueType::kState;
}

static_assert(sizeof(Value) == 16, "a ticket holds dozens of values: keep them small");

struct Value::Text {
  explicit Text(std::string text) : text(std::move(text)) {}
  std::atomic<std::uint32_t> references{1};  // tickets are read from other threads (docket serve)
  const std::string text;
};

void Value::retain() { text_->references.fetch_add(1, std::memory_order_relaxed); }

void Value::release() {
  if (text_->references.fetch_sub(1, std::memory_order_acq_rel) == 1) delete text_;
}

Value& Value::operator=(const Value& other) {
  if (this == &other) return *this;
  if (type_ == ValueType::kText) release();
  type_ = other.type_;
  domain_ = other.domain_;
  copy_payload(other);
  return *this;
}

Value& Value::operator=(Value&& other) noexcept {
  if (this == &other) return *this;
  if (type_ == ValueType::kText) release();
  type_ = other.type_;
  domain_ = other.domain_;
  steal_payload(other);
  return *this;
}

const std::string& Value::as_text() const {
  static const std::string kNoText;
  return type_ == ValueType::kText ? text_->text : kNoText;
}

bool operator==(const Value& a, const Value& b) {
  if (a.type_ != b.type_ || a.domain_ != b.domain_) return false;
  if (a.type_ != ValueType::kText) return a.payload_ == b.payload_;
  return a.text_ == b.text_ || a.text_->text == b.text_->text;
}

Value Value::text(std::string text) {
  Value value;
  value.text_ = new Text(std::move(text));
  value.type_ = ValueType::kText;
  return value;
}
Value Value::number(Fixed number) { return Value(ValueType::kNumber, 0, number.raw()); }
Value Value::boolean(bool value) { return Value(ValueType::kBool, 0, value ? 1 : 0); }
Value Value::enumerator(std::uint32_t field, std::uint32_t ordinal) { return Value(ValueType::kEnum, field, ordinal); }
Value Value::category(std::uint32_t index) { return Value(ValueType::kCategory, 0, index); }
Value Value::priority(std::uint32_t index) { return Value(ValueType::kPriority, 0, index); }
Value Value::state(std::uint32_t index) { return Value(ValueType::kState, 0, index); }
Value Value::duration(std::int64_t seconds) { return Value(ValueType::kDuration, 0, seconds); }
Value Value::timestamp(std::int64_t epoch_seconds) { return Value(ValueType::kTimestamp, 0, epoch_seconds); }

std::optional<Value> coerce_to_field(const Value& value, FieldType type) {
  if (!value.is_set()) return value;
  if (value.type() != value_type_of(type)) return std::nullopt;
  int decimals = Fixed::kDecimals;
  if (type == FieldType::kInt) decimals = 0;
  if (type == FieldType::kMoney) decimals = 2;
  if (decimals == Fixed::kDecimals) return value;
  std::optional<Fixed> rounded = value.as_number().rounded(decimals);
  if (!rounded) return std::nullopt;
  return Value::number(*rounded);
}

std::string format_duration(std::int64_t seconds, LargestUnit largest) {
  if (seconds == 0) return "0s";
  std::string text;
  std::uint64_t rest = static_cast<std::uint64_t>(seconds);
  if (seconds < 0) {
    text = "-";
    rest = static_cast<std::uint64_t>(0) - rest;
  }
  static constexpr struct {
    std::uint64_t seconds;
    char unit;
  } kUnits[] = {{604800, 'w'}, {86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
  std::uint64_t limit = largest == LargestUnit::kWeek ? 604800 : largest == LargestUnit::kDay ? 86400 : 3600;
  for (const auto& unit : kUnits) {
    if (unit.seconds > limit) continue;
    if (rest >= unit.seconds) {
      text += std::to_string(rest / unit.seconds);
      text += unit.unit;
      rest %= unit.seconds;
    }
  }
  return text;
}

std::string format_timestamp(std::int64_t epoch_seconds) {
  // Days and seconds of day with floor division, then the civil date
  // (H. Hinnant's civil_from_days).
  std::int64_t days = epoch_seconds / 86400;
  std::int64_t second_of_day = epoch_seconds % 86400;
  if (second_of_day < 0) {
    second_of_day += 86400;
    --days;
  }
  std::int64_t z = days + 719468;
  std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  std::int64_t doe = z - era * 146097;
  std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t year = yoe + era * 400;
  std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  std::int64_t mp = (5 * doy + 2) / 153;
  std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  if (month <= 2) ++year;
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", static_cast<long long>(year),
                static_cast<long long>(month), static_cast<long long>(day),
                static_cast<long long>(second_of_day / 3600), static_cast<long long>(second_of_day / 60 % 60),
                static_cast<long long>(second_of_day % 60));
  return buffer;
}

std::string debug_string(const Value& value) {
  switch (value.type()) {
    case ValueType::kUnset:
      return "unset";
    case ValueType::kText:
      return '"' + value.as_text() + '"';
    case ValueType::kNumber:
      return value.as_number().to_string();
    case ValueType::kBool:
      return value.as_bool() ? "true" : "false";
    case ValueType::kEnum:
      return "#" + std::to_string(value.ordinal()) + " of field #" + std::to_string(value.domain());
    case ValueType::kCategory:
      return "category #" + std::to_string(value.ordinal());
    case ValueType::kPriority:
      return "priority #" + std::to_string(value.ordinal());
    case ValueType::kState:
      return "state #" + std::to_string(value.ordinal());
    case ValueType::kDuration:
      return format_duration(value.seconds());
    case ValueType::kTimestamp:
      return format_timestamp(value.seconds());
  }
  return "?";
}

}  // namespace docket::engine
