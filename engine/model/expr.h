// Compiled rule expressions: guards, conditions, `set` values, constraint
// checks, classification rules.
//
// An expression is a flat program in postfix order for a small stack
// machine: loads push a value, operators pop their operands and push the
// result. `and` / `or` short-circuit with a forward jump, so `x > 0 and
// 100 / x > 3` never divides by zero. Names are already resolved: fields by
// index, enum values, categories, priorities and states by ordinal, literals
// to Values (numbers as Fixed, durations in seconds). Evaluation allocates
// only for text and never recurses, however long the expression.
//
// Evaluation never throws. A missing value (a field without a value), a
// division by zero, an overflow or operands of the wrong type give an
// EvalFailure instead of a Value; the engine decides what that means (a
// guard that fails to evaluate does not fire, and the journal says why).

#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/value.h"

namespace docket::engine {

// Built-in ticket attributes that expressions can read besides fields.
enum class Attribute : std::uint8_t {
  kCategory,   // kCategory
  kPriority,   // kPriority
  kState,      // kState
  kRequester,  // kText
  kAssignee,   // kText
  kCreatedAt,  // kTimestamp
};
inline constexpr std::size_t kAttributeCount = 6;

// The name written in rules ("created_at").
const char* to_string(Attribute attribute);
std::optional<Attribute> attribute_named(std::string_view name);
ValueType value_type_of(Attribute attribute);

enum class OpCode : std::uint8_t {
  kConstant,   // push constants()[arg]
  kField,      // push field #arg (fails with kMissingValue when unset)
  kAttribute,  // push attribute #arg (fails with kMissingValue when unset)
  kNow,        // push the evaluation time as a timestamp
  kNot,        // bool -> bool
  kNegate,     // number or duration
  kAdd,        // number+number, duration+duration, timestamp+duration, text+text
  kSubtract,   // number, duration, timestamp-duration, timestamp-timestamp (-> duration)
  kMultiply,   // number*number, duration*number (either order, -> whole seconds)
  kDivide,     // number/number, duration/number, duration/duration (-> number)
  kEqual,      // operands of one type (and one enum domain)
  kNotEqual,
  kLess,  // numbers, durations, timestamps, text (bytewise), enumerations (ordinal)
  kLessEqual,
  kGreater,
  kGreaterEqual,
  kIn,       // pops arg set members, then the operand; true when any member equals it
  kAndThen,  // top is bool: false -> jump to arg keeping it; true -> pop, go on
  kOrElse,   // top is bool: true -> jump to arg keeping it; false -> pop, go on
  // `x is set`: push whether field (attribute) #arg has a value, as a bool;
  // the one load that never fails.
  kFieldIsSet,
  kAttributeIsSet,
};
const char* to_string(OpCode op);

struct Instruction {
  OpCode op = OpCode::kConstant;
  std::uint32_t arg = 0;

  friend bool operator==(const Instruction&, const Instruction&) = default;
};

// An expression ready to evaluate. Build one with ExprBuilder. `text` is the
// expression as the rules wrote it (normalised spacing), for graphs, the
// journal and error messages. `type` is its static result type.
class CompiledExpr {
 public:
  CompiledExpr() = default;  // empty(): evaluates to kMalformed

  const std::vector<Instruction>& code() const { return code_; }
  const std::vector<Value>& constants() const { return constants_; }
  ValueType type() const { return type_; }
  const std::string& text() const { return text_; }
  // Deepest stack the program needs.
  std::size_t max_stack() const { return max_stack_; }
  bool empty() const { return code_.empty(); }
  // True when it reads no field, attribute or `now`: evaluating it with any
  // ticket gives the same result.
  bool is_constant() const;

  // The most common guards, recognised when the program is built so that the
  // evaluator can run them without its stack machine: a field or attribute
  // compared with a constant (`overall >= 4`, `alternative == loaner`), or
  // with another field times a number (`compensation <= order_amount * 30%`).
  // Internal to the evaluator (engine/model/expr.cpp).
  struct Shape {
    enum class Kind : std::uint8_t { kNone, kCompareConstant, kCompareScaled };
    Kind kind = Kind::kNone;
    OpCode compare = OpCode::kEqual;  // kEqual ... kGreaterEqual
    bool left_is_attribute = false;
    std::uint32_t left = 0;   // field or attribute index
    std::uint32_t right = 0;  // kCompareScaled: the field multiplied by the constant
    // The constant as type | domain << 8 and payload (a text-free Value).
    std::uint64_t constant_tag = 0;
    std::int64_t constant_payload = 0;
  };
  const Shape& shape() const { return shape_; }

 private:
  friend class ExprBuilder;
  Shape shape_;
  std::vector<Instruction> code_;
  std::vector<Value> constants_;
  ValueType type_ = ValueType::kUnset;
  std::string text_;
  std::size_t max_stack_ = 0;
};

// Emits a program operand by operand, in postfix order:
//
//   ExprBuilder b;                      // order_amount * 30% <= 100
//   b.field(order_amount);
//   b.constant(Value::number(*Fixed::parse("0.3")));
//   b.op(OpCode::kMultiply);
//   b.constant(Value::number(*Fixed::from_integer(100)));
//   b.op(OpCode::kLessEqual);
//   CompiledExpr e = std::move(b).finish(ValueType::kBool, "order_amount * 30% <= 100");
//
// For `a and b`: emit a, then `auto j = b.begin_and()`, emit b, then
// `b.end_jump(j)`; `or` likewise with begin_or().
class ExprBuilder {
 public:
  void constant(Value value);
  void field(std::uint32_t index);
  void attribute(Attribute attribute);
  // Whether the field (attribute) has a value: `x is set`.
  void field_is_set(std::uint32_t index);
  void attribute_is_set(Attribute attribute);
  void now();
  // Any operator except kIn, kAndThen, kOrElse and the loads.
  void op(OpCode op);
  void in(std::uint32_t member_count);
  std::size_t begin_and();
  std::size_t begin_or();
  void end_jump(std::size_t jump);

  // Returns the program; empty() when the operands do not balance (a bug in
  // the caller, reported rather than evaluated).
  CompiledExpr finish(ValueType type, std::string text) &&;

 private:
  void emit(OpCode op, std::uint32_t arg);
  CompiledExpr expr_;
  bool broken_ = false;
};

// What an expression reads. Spans index by field index and by Attribute;
// positions past their end, or holding an unset Value, have no value.
struct TicketView {
  std::span<const Value> fields;
  std::span<const Value> attributes;
};

enum class EvalError : std::uint8_t {
  kMissingValue,  // a field or attribute it reads has no value
  kDivisionByZero,
  kOverflow,      // out of the range of a number, duration or timestamp
  kTypeMismatch,  // operands the operator does not accept
  kMalformed,     // an empty or inconsistent program
};
const char* to_string(EvalError error);

struct EvalFailure {
  EvalError error = EvalError::kMalformed;
  std::uint32_t instruction = 0;  // the instruction that failed (the load, for kMissingValue)
};

class EvalResult {
 public:
  static EvalResult success(Value value) { return EvalResult(std::move(value), {}, true); }
  static EvalResult failure(EvalFailure failure) { return EvalResult({}, failure, false); }

  bool ok() const { return ok_; }
  // REQUIRES: ok().
  const Value& value() const { return value_; }
  // REQUIRES: !ok().
  const EvalFailure& failure() const { return failure_; }

 private:
  EvalResult(Value value, EvalFailure failure, bool ok) : value_(std::move(value)), failure_(failure), ok_(ok) {}
  Value value_;
  EvalFailure failure_;
  bool ok_ = false;
};

// Runs `expr` against `ticket` at time `now` (epoch seconds).
EvalResult evaluate(const CompiledExpr& expr, const TicketView& ticket, std::int64_t now);

// The general stack machine alone, without the fast paths evaluate() takes
// for common shapes and text-free programs: the reference those must agree
// with in value and in failure (the tests and the expression fuzzer compare
// the two). Slower; not for the engine.
EvalResult evaluate_reference(const CompiledExpr& expr, const TicketView& ticket, std::int64_t now);

// Evaluates a guard or condition: nullopt on failure or a non-bool result,
// with the reason in `*failure` when given.
std::optional<bool> evaluate_condition(const CompiledExpr& expr, const TicketView& ticket, std::int64_t now,
                                       EvalFailure* failure = nullptr);

}  // namespace docket::engine
