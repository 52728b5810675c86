// Decision tables over bool and int fields, and the `is set` loads, as
// Workflow::build checks them in a hand-written definition.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/model/workflow.h"

namespace docket::engine {
namespace {

using ::testing::HasSubstr;

Fixed whole(std::int64_t value) { return *Fixed::from_integer(value); }

// Fields level (int) and vip (bool); `classify priority by level x vip`
// listing levels 1 and 3.
WorkflowDefinition with_table() {
  WorkflowDefinition d;
  d.name = "w";
  d.fields.push_back(Field{"level", "", FieldType::kInt, {}, {}, std::nullopt, false, std::nullopt, std::nullopt, {}});
  d.fields.push_back(Field{"vip", "", FieldType::kBool, {}, {}, std::nullopt, false, std::nullopt, std::nullopt, {}});
  d.priorities.push_back(Priority{"P1", "", {}, {}, {}, {}});
  d.priorities.push_back(Priority{"P2", "", {}, {}, {}, {}});
  Classification table;
  table.target_name = "priority";
  table.row = TableAxis{false, 0, {whole(1), whole(3)}};
  table.column = TableAxis{false, 1, {}};
  table.row_count = 2;
  table.column_count = 2;
  table.table = {1, 0, 1, 1};
  d.classifications.push_back(table);
  d.states.push_back(State{"a", "", StateKind::kInitial, false, {}, {}, {}, {}});
  d.states.push_back(State{"b", "", StateKind::kFinal, false, {}, {}, {}, {}});
  d.events.push_back("go");
  Transition go;
  go.from = 0;
  go.to = 1;
  go.event = 0;
  d.transitions.push_back(go);
  return d;
}

TEST(TableAxisTest, BoolAndIntAxesBuild) {
  Workflow::BuildResult built = Workflow::build(with_table());
  ASSERT_TRUE(built.workflow) << built.error;
  const Classification& table = built.workflow->classifications()[0];
  EXPECT_EQ(table_position(table.row, Value::number(whole(3))), 1u);
  EXPECT_EQ(table_position(table.row, Value::number(whole(2))), std::nullopt);
  EXPECT_EQ(table_position(table.column, Value::boolean(true)), 1u);
  EXPECT_EQ(table_position(table.column, Value()), std::nullopt);
}

TEST(TableAxisTest, NumbersBelongToIntFieldsOnlyAndAppearOnce) {
  WorkflowDefinition repeated = with_table();
  repeated.classifications[0].row.numbers = {whole(1), whole(1)};
  EXPECT_THAT(Workflow::build(repeated).error, HasSubstr("table rows and columns must be"));

  WorkflowDefinition on_bool = with_table();
  on_bool.classifications[0].column.numbers = {whole(1), whole(2)};
  EXPECT_FALSE(Workflow::build(on_bool).workflow);

  WorkflowDefinition wrong_size = with_table();
  wrong_size.classifications[0].row.numbers.push_back(whole(5));
  EXPECT_THAT(Workflow::build(wrong_size).error, HasSubstr("table shape does not match"));
}

TEST(TableAxisTest, IsSetLoadsAreCheckedLikeLoads) {
  WorkflowDefinition bad_field = with_table();
  ExprBuilder field;
  field.field_is_set(2);  // there are two fields
  bad_field.transitions[0].guard = std::move(field).finish(ValueType::kBool, "x is set");
  EXPECT_THAT(Workflow::build(bad_field).error, HasSubstr("field index 2 out of range"));

  WorkflowDefinition bad_attribute = with_table();
  ExprBuilder attribute;
  attribute.attribute_is_set(static_cast<Attribute>(kAttributeCount));
  bad_attribute.transitions[0].guard = std::move(attribute).finish(ValueType::kBool, "y is set");
  EXPECT_FALSE(Workflow::build(bad_attribute).workflow);
}

}  // namespace
}  // namespace docket::engine
