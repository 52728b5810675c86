#include "dsl/ast.h"

#include <algorithm>

namespace docket::dsl {

const char* to_string(BinaryOp op) {
  switch (op) {
    case BinaryOp::kOr:
      return "or";
    case BinaryOp::kAnd:
      return "and";
    case BinaryOp::kEq:
      return "==";
    case BinaryOp::kNe:
      return "!=";
    case BinaryOp::kLt:
      return "<";
    case BinaryOp::kLe:
      return "<=";
    case BinaryOp::kGt:
      return ">";
    case BinaryOp::kGe:
      return ">=";
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSub:
      return "-";
    case BinaryOp::kMul:
      return "*";
    case BinaryOp::kDiv:
      return "/";
  }
  return "?";
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

bool GroupDecl::contains(std::string_view state) const {
  return every_state || std::any_of(states.begin(), states.end(), [state](const Name& n) { return n.text == state; });
}

}  // namespace docket::dsl
