#include "engine/model/value.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace docket::engine {
namespace {

// Text values share their text between copies; each copy must still behave
// as a value of its own: reassigning or destroying one leaves the others.
TEST(ValueTest, CopiesOfTextAreIndependentValues) {
  std::vector<Value> fields(3);
  fields[0] = Value::text("damaged on arrival, box crushed");
  fields[1] = fields[0];
  Value kept = fields[1];
  fields[0] = Value::number(Fixed::from_raw(12'500));
  EXPECT_EQ(fields[1].as_text(), "damaged on arrival, box crushed");
  EXPECT_EQ(kept, fields[1]);
  fields.clear();
  EXPECT_EQ(kept.type(), ValueType::kText);
  EXPECT_EQ(kept.as_text(), "damaged on arrival, box crushed");

  kept = kept;  // NOLINT(clang-diagnostic-self-assign-overloaded): a self-assignment keeps the text
  EXPECT_EQ(kept.as_text(), "damaged on arrival, box crushed");

  Value moved = std::move(kept);
  EXPECT_EQ(moved.as_text(), "damaged on arrival, box crushed");
  kept = Value::boolean(true);  // a moved-from value can be assigned again
  EXPECT_TRUE(kept.as_bool());
}

TEST(ValueTest, EqualityIsByTypeDomainAndContent) {
  EXPECT_EQ(Value::text("P0"), Value::text("P0"));
  EXPECT_NE(Value::text("P0"), Value::text("P1"));
  EXPECT_NE(Value::text(""), Value());
  EXPECT_EQ(Value::enumerator(2, 1), Value::enumerator(2, 1));
  EXPECT_NE(Value::enumerator(2, 1), Value::enumerator(3, 1));
  EXPECT_NE(Value::duration(60), Value::timestamp(60));
  EXPECT_NE(Value::number(Fixed::from_raw(0)), Value::boolean(false));
  // Readers of another type see zero or empty, never the text's storage.
  Value text = Value::text("x");
  EXPECT_EQ(text.seconds(), 0);
  EXPECT_EQ(Value::number(Fixed::from_raw(5)).as_text(), "");
}

}  // namespace
}  // namespace docket::engine
