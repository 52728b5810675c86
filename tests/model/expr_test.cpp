#include "engine/model/expr.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/model/value.h"

namespace docket::engine {
namespace {

Fixed fixed(const char* text) {
  std::optional<Fixed> value = Fixed::parse(text);
  EXPECT_TRUE(value.has_value()) << text;
  return value.value_or(Fixed());
}

Value number(const char* text) { return Value::number(fixed(text)); }

EvalResult run(const CompiledExpr& expr, const std::vector<Value>& fields = {}, std::int64_t now = 0) {
  return evaluate(expr, TicketView{fields, {}}, now);
}

// a OP b over two constants.
CompiledExpr binary(Value a, OpCode op, Value b) {
  ExprBuilder builder;
  builder.constant(std::move(a));
  builder.constant(std::move(b));
  builder.op(op);
  return std::move(builder).finish(ValueType::kNumber, "a op b");
}

// ---------------------------------------------------------------- Fixed

TEST(FixedTest, ParsesAndPrintsExactly) {
  EXPECT_EQ(fixed("12.50").raw(), 125000);
  EXPECT_EQ(fixed("12.50").to_string(), "12.5");
  EXPECT_EQ(fixed("-0.0001").to_string(), "-0.0001");
  EXPECT_EQ(fixed("42").to_string(), "42");
  EXPECT_EQ(fixed("1.50000").to_string(), "1.5");  // trailing zeros are exact
  EXPECT_EQ(fixed("3703.701").to_string(2), "3703.70");
  EXPECT_EQ(fixed("0.005").to_string(2), "0.01");  // half away from zero
  EXPECT_EQ(fixed("-0.005").to_string(2), "-0.01");
}

TEST(FixedTest, RejectsWhatItCannotHoldExactly) {
  for (const char* text : {"", "-", "1.", ".5", "1e5", "1.00001", "12a", "+1", " 1", "922337203685478"}) {
    EXPECT_FALSE(Fixed::parse(text).has_value()) << text;
  }
  EXPECT_TRUE(Fixed::parse("922337203685477").has_value());
}

TEST(FixedTest, MoneyArithmeticIsExact) {
  // 0.1 + 0.2 is 0.3, not 0.30000000000000004.
  EXPECT_EQ(add(fixed("0.1"), fixed("0.2")), fixed("0.3"));
  // 30% of 12,345.67 is 3,703.701 exactly.
  std::optional<Fixed> share = multiply(fixed("12345.67"), fixed("0.30"));
  ASSERT_TRUE(share);
  EXPECT_EQ(*share, fixed("3703.701"));
  // Stored into a money field it becomes cents.
  std::optional<Value> stored = coerce_to_field(Value::number(*share), FieldType::kMoney);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->as_number(), fixed("3703.70"));
}

TEST(FixedTest, DivisionRoundsHalfAwayFromZero) {
  EXPECT_EQ(divide(fixed("10"), fixed("3")), fixed("3.3333"));
  EXPECT_EQ(divide(fixed("2"), fixed("3")), fixed("0.6667"));
  EXPECT_EQ(divide(fixed("-2"), fixed("3")), fixed("-0.6667"));
  EXPECT_FALSE(divide(fixed("1"), Fixed()).has_value());
}

TEST(FixedTest, OverflowIsReportedNotWrapped) {
  Fixed big = fixed("900000000000000");
  EXPECT_FALSE(multiply(big, big).has_value());
  EXPECT_FALSE(add(big, big).has_value());
  EXPECT_FALSE(Fixed::from_integer(INT64_MAX).has_value());
}

TEST(ValueTest, CoercionRoundsToTheFieldsPrecision) {
  EXPECT_EQ(coerce_to_field(number("2.5"), FieldType::kInt)->as_number(), fixed("3"));
  EXPECT_EQ(coerce_to_field(number("-2.5"), FieldType::kInt)->as_number(), fixed("-3"));
  EXPECT_EQ(coerce_to_field(number("2.4999"), FieldType::kDecimal)->as_number(), fixed("2.4999"));
  EXPECT_FALSE(coerce_to_field(Value::text("x"), FieldType::kMoney).has_value());
  EXPECT_FALSE(coerce_to_field(Value(), FieldType::kMoney)->is_set());
}

TEST(ValueTest, FormatsDurationsAndTimestamps) {
  EXPECT_EQ(format_duration(5400), "1h30m");
  EXPECT_EQ(format_duration(86400 * 9), "1w2d");
  EXPECT_EQ(format_duration(86400, LargestUnit::kHour), "24h");
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(-90), "-1m30s");
  EXPECT_EQ(format_timestamp(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_timestamp(1790812800), "2026-10-01T00:00:00Z");
  EXPECT_EQ(format_timestamp(-1), "1969-12-31T23:59:59Z");
}

// ---------------------------------------------------------------- evaluation

TEST(EvaluateTest, MoneyTimesPercentComparesExactly) {
  // compensation <= order_amount * 30%   (fields 0 and 1)
  ExprBuilder builder;
  builder.field(0);
  builder.field(1);
  builder.constant(number("0.3"));
  builder.op(OpCode::kMultiply);
  builder.op(OpCode::kLessEqual);
  CompiledExpr expr = std::move(builder).finish(ValueType::kBool, "compensation <= order_amount * 30%");
  ASSERT_FALSE(expr.empty());

  EvalResult at_limit = run(expr, {number("3703.701"), number("12345.67")});
  ASSERT_TRUE(at_limit.ok());
  EXPECT_TRUE(at_limit.value().as_bool());
  EvalResult one_over = run(expr, {number("3703.7011"), number("12345.67")});
  ASSERT_TRUE(one_over.ok());
  EXPECT_FALSE(one_over.value().as_bool());
}

TEST(EvaluateTest, DivisionByZeroIsAnErrorAtTheDivide) {
  EvalResult result = run(binary(number("1"), OpCode::kDivide, number("0")));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.failure().error, EvalError::kDivisionByZero);
  EXPECT_EQ(result.failure().instruction, 2u);
}

TEST(EvaluateTest, MissingFieldNamesTheLoad) {
  ExprBuilder builder;
  builder.constant(number("1"));
  builder.field(3);
  builder.op(OpCode::kAdd);
  CompiledExpr expr = std::move(builder).finish(ValueType::kNumber, "1 + x");
  EvalResult result = run(expr, {number("1")});  // field 3 absent
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.failure().error, EvalError::kMissingValue);
  EXPECT_EQ(result.failure().instruction, 1u);
  // An unset value within range is missing too.
  result = run(expr, {Value(), Value(), Value(), Value()});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.failure().error, EvalError::kMissingValue);
}

TEST(EvaluateTest, AndShortCircuitsBeforeDividingByZero) {
  // x > 0 and 100 / x > 3
  ExprBuilder builder;
  builder.field(0);
  builder.constant(number("0"));
  builder.op(OpCode::kGreater);
  std::size_t jump = builder.begin_and();
  builder.constant(number("100"));
  builder.field(0);
  builder.op(OpCode::kDivide);
  builder.constant(number("3"));
  builder.op(OpCode::kGreater);
  builder.end_jump(jump);
  CompiledExpr expr = std::move(builder).finish(ValueType::kBool, "x > 0 and 100 / x > 3");
  ASSERT_FALSE(expr.empty());

  EvalResult zero = run(expr, {number("0")});
  ASSERT_TRUE(zero.ok());
  EXPECT_FALSE(zero.value().as_bool());
  EvalResult ten = run(expr, {number("10")});
  ASSERT_TRUE(ten.ok());
  EXPECT_TRUE(ten.value().as_bool());
  EvalResult fifty = run(expr, {number("50")});
  ASSERT_TRUE(fifty.ok());
  EXPECT_FALSE(fifty.value().as_bool());
}

TEST(EvaluateTest, OrSkipsTheMissingRightSide) {
  // flag or missing_field
  ExprBuilder builder;
  builder.field(0);
  std::size_t jump = builder.begin_or();
  builder.field(1);
  builder.end_jump(jump);
  CompiledExpr expr = std::move(builder).finish(ValueType::kBool, "flag or other");
  EvalResult result = run(expr, {Value::boolean(true)});
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result.value().as_bool());
  result = run(expr, {Value::boolean(false)});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.failure().error, EvalError::kMissingValue);
}

TEST(EvaluateTest, TimeArithmetic) {
  // now - created_at > 2h, with created_at an attribute.
  ExprBuilder builder;
  builder.now();
  builder.attribute(Attribute::kCreatedAt);
  builder.op(OpCode::kSubtract);
  builder.constant(Value::duration(7200));
  builder.op(OpCode::kGreater);
  CompiledExpr expr = std::move(builder).finish(ValueType::kBool, "now - created_at > 2h");
  std::vector<Value> attributes(kAttributeCount);
  attributes[static_cast<std::size_t>(Attribute::kCreatedAt)] = Value::timestamp(1000);
  EvalResult early = evaluate(expr, TicketView{{}, attributes}, 1000 + 7200);
  ASSERT_TRUE(early.ok());
  EXPECT_FALSE(early.value().as_bool());
  EvalResult late = evaluate(expr, TicketView{{}, attributes}, 1000 + 7201);
  ASSERT_TRUE(late.ok());
  EXPECT_TRUE(late.value().as_bool());

  EvalResult scaled = run(binary(Value::duration(7200), OpCode::kMultiply, number("1.5")));
  ASSERT_TRUE(scaled.ok());
  EXPECT_EQ(scaled.value(), Value::duration(10800));
  EvalResult ratio = run(binary(Value::duration(3600), OpCode::kDivide, Value::duration(7200)));
  ASSERT_TRUE(ratio.ok());
  EXPECT_EQ(ratio.value(), number("0.5"));
  EvalResult shifted = run(binary(Value::timestamp(10), OpCode::kAdd, Value::duration(5)));
  ASSERT_TRUE(shifted.ok());
  EXPECT_EQ(shifted.value(), Value::timestamp(15));
}

TEST(EvaluateTest, MembershipComparesWithinOneEnum) {
  // mood in (unhappy, angry), mood being enum field 0
  ExprBuilder builder;
  builder.field(0);
  builder.constant(Value::enumerator(0, 1));
  builder.constant(Value::enumerator(0, 2));
  builder.in(2);
  CompiledExpr expr = std::move(builder).finish(ValueType::kBool, "mood in (unhappy, angry)");
  EXPECT_TRUE(run(expr, {Value::enumerator(0, 2)}).value().as_bool());
  EXPECT_FALSE(run(expr, {Value::enumerator(0, 0)}).value().as_bool());
  // The same ordinal of another enum field is a different value.
  EvalResult other = run(expr, {Value::enumerator(5, 2)});
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.failure().error, EvalError::kTypeMismatch);
}

TEST(EvaluateTest, WrongOperandTypesFailCleanly) {
  EvalResult result = run(binary(Value::text("a"), OpCode::kMultiply, number("2")));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.failure().error, EvalError::kTypeMismatch);
  result = run(binary(Value::boolean(true), OpCode::kLess, Value::boolean(false)));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.failure().error, EvalError::kTypeMismatch);
  result = run(binary(Value::priority(0), OpCode::kEqual, Value::category(0)));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.failure().error, EvalError::kTypeMismatch);
}

TEST(EvaluateTest, ConditionMustBeBool) {
  EvalFailure failure;
  EXPECT_FALSE(evaluate_condition(binary(number("1"), OpCode::kAdd, number("2")), {}, 0, &failure));
  EXPECT_EQ(failure.error, EvalError::kTypeMismatch);
  EXPECT_EQ(evaluate_condition(binary(number("1"), OpCode::kLess, number("2")), {}, 0), true);
}

TEST(EvaluateTest, LongChainsNeedNoRecursion) {
  // 1 + 1 + ... + 1, 100,000 terms: a flat program, a shallow stack.
  ExprBuilder builder;
  builder.constant(number("1"));
  for (int i = 1; i < 100000; ++i) {
    builder.constant(number("1"));
    builder.op(OpCode::kAdd);
  }
  CompiledExpr expr = std::move(builder).finish(ValueType::kNumber, "1 + 1 + ...");
  EXPECT_EQ(expr.max_stack(), 2u);
  EvalResult result = run(expr);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value(), number("100000"));
}

TEST(ExprBuilderTest, UnbalancedProgramsComeOutEmpty) {
  ExprBuilder missing_operand;
  missing_operand.constant(number("1"));
  missing_operand.op(OpCode::kAdd);
  EXPECT_TRUE(std::move(missing_operand).finish(ValueType::kNumber, "1 +").empty());

  ExprBuilder two_results;
  two_results.constant(number("1"));
  two_results.constant(number("2"));
  EXPECT_TRUE(std::move(two_results).finish(ValueType::kNumber, "1 2").empty());

  ExprBuilder load_as_operator;
  load_as_operator.op(OpCode::kField);
  EXPECT_TRUE(std::move(load_as_operator).finish(ValueType::kNumber, "?").empty());

  EvalResult result = run(CompiledExpr());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.failure().error, EvalError::kMalformed);
}

TEST(ExprBuilderTest, ConstantnessAndText) {
  CompiledExpr constant = binary(number("1"), OpCode::kAdd, number("2"));
  EXPECT_TRUE(constant.is_constant());
  EXPECT_EQ(constant.text(), "a op b");
  ExprBuilder builder;
  builder.now();
  EXPECT_FALSE(std::move(builder).finish(ValueType::kTimestamp, "now").is_constant());
}

}  // namespace
}  // namespace docket::engine
