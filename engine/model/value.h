// Values: what a ticket's fields hold and what rule expressions compute.
//
// Numbers of every kind (int, decimal, money) are exact decimals with four
// places (see Fixed): money must come out to the cent, and "30% of the order
// amount" must never drift through binary floating point. Durations are whole
// seconds; timestamps are seconds since the Unix epoch (UTC). Enumerations
// (an enum field's values, categories, priorities, states) are ordinals into
// the workflow's tables, so comparing them is comparing two integers.

#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace docket::engine {

// An exact decimal number with four fractional digits, stored as a count of
// ten-thousandths in an int64 (range about +/-9.2e14). Arithmetic reports
// overflow instead of wrapping; multiplication and division round the exact
// result half away from zero to four places, so 12345.67 * 30% is exactly
// 3703.7010 and 10 / 3 is 3.3333.
class Fixed {
 public:
  static constexpr std::int64_t kScale = 10'000;
  static constexpr int kDecimals = 4;

  constexpr Fixed() = default;
  static constexpr Fixed from_raw(std::int64_t raw) { return Fixed(raw); }
  // nullopt when |value| * kScale does not fit.
  static std::optional<Fixed> from_integer(std::int64_t value);
  // Parses "42", "-12.50", "0.0001". Rejects more than four fractional digits
  // (they cannot be represented exactly), exponents, blanks and overflow.
  static std::optional<Fixed> parse(std::string_view text);
  // The nearest Fixed to `value` (for percentages written with a fraction);
  // nullopt when it is not finite or out of range.
  static std::optional<Fixed> from_double(double value);

  constexpr std::int64_t raw() const { return raw_; }
  double to_double() const { return static_cast<double>(raw_) / kScale; }

  // The shortest exact text: "12.5", "3", "-0.0001".
  std::string to_string() const;
  // Exactly `decimals` fractional digits (0-4), rounding half away from zero:
  // to_string(2) of 3703.701 is "3703.70".
  std::string to_string(int decimals) const;

  // Rounds half away from zero to `decimals` places (0-4); nullopt on overflow.
  std::optional<Fixed> rounded(int decimals) const;

  friend constexpr auto operator<=>(Fixed, Fixed) = default;

 private:
  constexpr explicit Fixed(std::int64_t raw) : raw_(raw) {}
  std::int64_t raw_ = 0;
};

// Checked arithmetic; nullopt on overflow (and for division, by zero).
std::optional<Fixed> add(Fixed a, Fixed b);
std::optional<Fixed> subtract(Fixed a, Fixed b);
std::optional<Fixed> multiply(Fixed a, Fixed b);
std::optional<Fixed> divide(Fixed a, Fixed b);

// The types a field can be declared with.
enum class FieldType : std::uint8_t { kText, kInt, kDecimal, kMoney, kBool, kEnum, kDuration, kTimestamp };
const char* to_string(FieldType type);

enum class ValueType : std::uint8_t {
  kUnset,   // no value (a field never set and without default)
  kText,    // UTF-8 text
  kNumber,  // int, decimal and money alike: a Fixed
  kBool,
  kEnum,       // a value of an enum field: domain() is the field index
  kCategory,   // ordinal() is a category index
  kPriority,   // ordinal() is a priority index (0 is the most urgent)
  kState,      // ordinal() is a state index
  kDuration,   // seconds
  kTimestamp,  // seconds since 1970-01-01T00:00:00Z
};
const char* to_string(ValueType type);

// The value type that holds a field of `type`.
ValueType value_type_of(FieldType type);

// True for kEnum, kCategory, kPriority and kState: named values compared by
// ordinal.
bool is_enumeration(ValueType type);

// A value is 16 bytes: a ticket holds dozens of them and the engine copies a
// ticket for every event it runs. Text lives out of line in an immutable,
// shared block, so copying a text value copies a pointer.
class Value {
 public:
  Value() = default;  // unset
  Value(const Value& other) : type_(other.type_), domain_(other.domain_) { copy_payload(other); }
  Value(Value&& other) noexcept : type_(other.type_), domain_(other.domain_) { steal_payload(other); }
  Value& operator=(const Value& other);
  Value& operator=(Value&& other) noexcept;
  ~Value() {
    if (type_ == ValueType::kText) release();
  }

  static Value text(std::string text);
  static Value number(Fixed number);
  static Value boolean(bool value);
  static Value enumerator(std::uint32_t field, std::uint32_t ordinal);
  static Value category(std::uint32_t index);
  static Value priority(std::uint32_t index);
  static Value state(std::uint32_t index);
  static Value duration(std::int64_t seconds);
  static Value timestamp(std::int64_t epoch_seconds);

  ValueType type() const { return type_; }
  bool is_set() const { return type_ != ValueType::kUnset; }

  // Accessors; each REQUIRES the matching type (others read as zero/empty).
  const std::string& as_text() const;
  Fixed as_number() const { return Fixed::from_raw(scalar()); }
  bool as_bool() const { return scalar() != 0; }
  std::uint32_t ordinal() const { return static_cast<std::uint32_t>(scalar()); }  // enumerations
  std::uint32_t domain() const { return domain_; }                                // kEnum: the field index
  std::int64_t seconds() const { return scalar(); }                               // kDuration, kTimestamp

  // Same type, same domain and same content.
  friend bool operator==(const Value& a, const Value& b);

 private:
  struct Text;  // a reference count and the text

  Value(ValueType type, std::uint32_t domain, std::int64_t payload) : type_(type), domain_(domain), payload_(payload) {}

  std::int64_t scalar() const { return type_ == ValueType::kText ? 0 : payload_; }
  void copy_payload(const Value& other) {
    if (type_ == ValueType::kText) {
      text_ = other.text_;
      retain();
    } else {
      payload_ = other.payload_;
    }
  }
  void steal_payload(Value& other) {
    if (type_ == ValueType::kText) {
      text_ = other.text_;
      other.type_ = ValueType::kUnset;
      other.payload_ = 0;
    } else {
      payload_ = other.payload_;
    }
  }
  void retain();
  void release();

  ValueType type_ = ValueType::kUnset;
  std::uint32_t domain_ = 0;
  union {
    std::int64_t payload_ = 0;  // every type but kText
    Text* text_;                // kText: never null
  };
};

// The value to store into a field of `type`: numbers are rounded half away
// from zero to whole units for int and to cents for money (decimal keeps four
// places). nullopt when the value's type does not fit the field or rounding
// overflows. Unset stays unset.
std::optional<Value> coerce_to_field(const Value& value, FieldType type);

// The largest unit format_duration() may use.
enum class LargestUnit : std::uint8_t {
  kWeek,  // "1w2d": the stored form of duration values (journals, snapshots)
  kDay,   // "9d": how designers write limits and timers
  kHour,  // "72h": business time, which never reads as working days
};

// "1w2d", "1h30m", "45s", "0s": exact, in units no larger than `largest`;
// negative durations get a leading '-'.
std::string format_duration(std::int64_t seconds, LargestUnit largest = LargestUnit::kWeek);

// "2026-10-01T08:00:00Z".
std::string format_timestamp(std::int64_t epoch_seconds);

// A readable form without access to the workflow's names: enumerations come
// out as "#ordinal". Workflow::format_value prints names.
std::string debug_string(const Value& value);

}  // namespace docket::engine
