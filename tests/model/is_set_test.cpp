// `x is set`: the one load that reads a field or attribute without a value
// without failing.

#include <gtest/gtest.h>

#include <vector>

#include "engine/model/expr.h"
#include "engine/model/value.h"

namespace docket::engine {
namespace {

CompiledExpr field_is_set(std::uint32_t field, bool negated) {
  ExprBuilder builder;
  builder.field_is_set(field);
  if (negated) builder.op(OpCode::kNot);
  return std::move(builder).finish(ValueType::kBool, negated ? "x is not set" : "x is set");
}

// Both evaluators, which must agree.
std::vector<EvalResult> run_both(const CompiledExpr& expr, const TicketView& ticket) {
  return {evaluate(expr, ticket, 0), evaluate_reference(expr, ticket, 0)};
}

TEST(IsSetTest, TellsWhetherAFieldHasAValue) {
  CompiledExpr is_set = field_is_set(1, false);
  CompiledExpr is_not_set = field_is_set(1, true);
  ASSERT_FALSE(is_set.empty());
  EXPECT_FALSE(is_set.is_constant());
  EXPECT_EQ(is_set.max_stack(), 1u);

  std::vector<Value> unset = {Value::boolean(true), Value()};
  std::vector<Value> set = {Value::boolean(true), Value::text("solved")};
  for (const EvalResult& result : run_both(is_set, {unset, {}})) {
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result.value(), Value::boolean(false));
  }
  for (const EvalResult& result : run_both(is_set, {set, {}})) {
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result.value(), Value::boolean(true));
  }
  EXPECT_EQ(evaluate_condition(is_not_set, {unset, {}}, 0), true);
  EXPECT_EQ(evaluate_condition(is_not_set, {set, {}}, 0), false);
  // A field past the end of the view has no value either.
  EXPECT_EQ(evaluate_condition(field_is_set(7, false), {set, {}}, 0), false);
}

TEST(IsSetTest, ShortCircuitsBeforeAMissingValue) {
  // x is set and x == 3: false, not a failure, when x has no value.
  ExprBuilder builder;
  builder.field_is_set(0);
  std::size_t jump = builder.begin_and();
  builder.field(0);
  builder.constant(Value::number(*Fixed::from_integer(3)));
  builder.op(OpCode::kEqual);
  builder.end_jump(jump);
  CompiledExpr guarded = std::move(builder).finish(ValueType::kBool, "x is set and x == 3");
  std::vector<Value> unset = {Value()};
  for (const EvalResult& result : run_both(guarded, {unset, {}})) {
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result.value(), Value::boolean(false));
  }
  std::vector<Value> three = {Value::number(*Fixed::from_integer(3))};
  EXPECT_EQ(evaluate_condition(guarded, {three, {}}, 0), true);
}

TEST(IsSetTest, ReadsAttributesAndIsALoadNotAnOperator) {
  ExprBuilder builder;
  builder.attribute_is_set(Attribute::kPriority);
  CompiledExpr priority_set = std::move(builder).finish(ValueType::kBool, "priority is set");
  std::vector<Value> attributes(kAttributeCount);
  EXPECT_EQ(evaluate_condition(priority_set, {{}, attributes}, 0), false);
  attributes[static_cast<std::size_t>(Attribute::kPriority)] = Value::priority(0);
  EXPECT_EQ(evaluate_condition(priority_set, {{}, attributes}, 0), true);

  ExprBuilder misuse;
  misuse.op(OpCode::kFieldIsSet);
  EXPECT_TRUE(std::move(misuse).finish(ValueType::kBool, "broken").empty());
}

}  // namespace
}  // namespace docket::engine
