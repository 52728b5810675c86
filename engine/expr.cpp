#include "engine/expr.h"

#include <array>
#include <utility>

namespace docket::engine {
namespace {

constexpr std::array<const char*, kAttributeCount> kAttributeNames = {"category",  "priority", "state",
                                                                      "requester", "assignee", "created_at"};

// How many values an instruction pops and pushes on its fall-through path.
std::pair<std::size_t, std::size_t> stack_effect(const Instruction& instruction) {
  switch (instruction.op) {
    case OpCode::kConstant:
    case OpCode::kField:
    case OpCode::kAttribute:
    case OpCode::kNow:
      return {0, 1};
    case OpCode::kNot:
    case OpCode::kNegate:
      return {1, 1};
    case OpCode::kIn:
      return {static_cast<std::size_t>(instruction.arg) + 1, 1};
    case OpCode::kAndThen:
    case OpCode::kOrElse:
      return {1, 0};
    default:
      return {2, 1};
  }
}

bool is_jump(OpCode op) { return op == OpCode::kAndThen || op == OpCode::kOrElse; }

// The outcome of one operator: a value, or why there is none.
struct Step {
  Value value;
  std::optional<EvalError> error;
};

Step fail(EvalError error) { return Step{{}, error}; }
Step make(Value value) { return Step{std::move(value), std::nullopt}; }

Step from_fixed(std::optional<Fixed> number, EvalError error = EvalError::kOverflow) {
  if (!number) return fail(error);
  return make(Value::number(*number));
}

std::optional<std::int64_t> checked_add(std::int64_t a, std::int64_t b) {
  std::int64_t sum;
  if (__builtin_add_overflow(a, b, &sum)) return std::nullopt;
  return sum;
}

std::optional<std::int64_t> checked_subtract(std::int64_t a, std::int64_t b) {
  std::int64_t difference;
  if (__builtin_sub_overflow(a, b, &difference)) return std::nullopt;
  return difference;
}

Step duration_or_overflow(std::optional<std::int64_t> seconds) {
  if (!seconds) return fail(EvalError::kOverflow);
  return make(Value::duration(*seconds));
}

Step timestamp_or_overflow(std::optional<std::int64_t> seconds) {
  if (!seconds) return fail(EvalError::kOverflow);
  return make(Value::timestamp(*seconds));
}

// Durations scale through Fixed so that `2h * 1.5` is exact; the result is
// rounded to whole seconds.
Step scale_duration(std::int64_t seconds, Fixed factor, bool divide_by) {
  std::optional<Fixed> as_fixed = Fixed::from_integer(seconds);
  if (!as_fixed) return fail(EvalError::kOverflow);
  if (divide_by && factor.raw() == 0) return fail(EvalError::kDivisionByZero);
  std::optional<Fixed> scaled = divide_by ? divide(*as_fixed, factor) : multiply(*as_fixed, factor);
  if (!scaled) return fail(EvalError::kOverflow);
  std::optional<Fixed> whole = scaled->rounded(0);
  if (!whole) return fail(EvalError::kOverflow);
  return make(Value::duration(whole->raw() / Fixed::kScale));
}

bool same_domain(const Value& a, const Value& b) { return a.type() == b.type() && a.domain() == b.domain(); }

// -1, 0, 1 for ordered types; nullopt when the two cannot be ordered.
std::optional<int> compare(const Value& a, const Value& b) {
  if (!same_domain(a, b)) return std::nullopt;
  auto sign = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
  switch (a.type()) {
    case ValueType::kNumber:
      return sign(a.as_number(), b.as_number());
    case ValueType::kDuration:
    case ValueType::kTimestamp:
      return sign(a.seconds(), b.seconds());
    case ValueType::kText:
      return sign(a.as_text(), b.as_text());
    case ValueType::kEnum:
    case ValueType::kCategory:
    case ValueType::kPriority:
    case ValueType::kState:
      return sign(a.ordinal(), b.ordinal());
    default:
      return std::nullopt;
  }
}

Step equality(const Value& a, const Value& b, bool want_equal) {
  if (!same_domain(a, b)) return fail(EvalError::kTypeMismatch);
  return make(Value::boolean((a == b) == want_equal));
}

Step ordering(OpCode op, const Value& a, const Value& b) {
  std::optional<int> order = compare(a, b);
  if (!order) return fail(EvalError::kTypeMismatch);
  bool result = false;
  switch (op) {
    case OpCode::kLess:
      result = *order < 0;
      break;
    case OpCode::kLessEqual:
      result = *order <= 0;
      break;
    case OpCode::kGreater:
      result = *order > 0;
      break;
    case OpCode::kGreaterEqual:
      result = *order >= 0;
      break;
    default:
      return fail(EvalError::kMalformed);
  }
  return make(Value::boolean(result));
}

Step add_values(const Value& a, const Value& b) {
  ValueType ta = a.type(), tb = b.type();
  if (ta == ValueType::kNumber && tb == ValueType::kNumber) {
    return from_fixed(add(a.as_number(), b.as_number()));
  }
  if (ta == ValueType::kDuration && tb == ValueType::kDuration) {
    return duration_or_overflow(checked_add(a.seconds(), b.seconds()));
  }
  if (ta == ValueType::kTimestamp && tb == ValueType::kDuration) {
    return timestamp_or_overflow(checked_add(a.seconds(), b.seconds()));
  }
  if (ta == ValueType::kDuration && tb == ValueType::kTimestamp) {
    return timestamp_or_overflow(checked_add(a.seconds(), b.seconds()));
  }
  if (ta == ValueType::kText && tb == ValueType::kText) {
    return make(Value::text(a.as_text() + b.as_text()));
  }
  return fail(EvalError::kTypeMismatch);
}

Step subtract_values(const Value& a, const Value& b) {
  ValueType ta = a.type(), tb = b.type();
  if (ta == ValueType::kNumber && tb == ValueType::kNumber) {
    return from_fixed(subtract(a.as_number(), b.as_number()));
  }
  if (ta == ValueType::kDuration && tb == ValueType::kDuration) {
    return duration_or_overflow(checked_subtract(a.seconds(), b.seconds()));
  }
  if (ta == ValueType::kTimestamp && tb == ValueType::kDuration) {
    return timestamp_or_overflow(checked_subtract(a.seconds(), b.seconds()));
  }
  if (ta == ValueType::kTimestamp && tb == ValueType::kTimestamp) {
    return duration_or_overflow(checked_subtract(a.seconds(), b.seconds()));
  }
  return fail(EvalError::kTypeMismatch);
}

Step multiply_values(const Value& a, const Value& b) {
  ValueType ta = a.type(), tb = b.type();
  if (ta == ValueType::kNumber && tb == ValueType::kNumber) {
    return from_fixed(multiply(a.as_number(), b.as_number()));
  }
  if (ta == ValueType::kDuration && tb == ValueType::kNumber) {
    return scale_duration(a.seconds(), b.as_number(), false);
  }
  if (ta == ValueType::kNumber && tb == ValueType::kDuration) {
    return scale_duration(b.seconds(), a.as_number(), false);
  }
  return fail(EvalError::kTypeMismatch);
}

Step divide_values(const Value& a, const Value& b) {
  ValueType ta = a.type(), tb = b.type();
  if (ta == ValueType::kNumber && tb == ValueType::kNumber) {
    if (b.as_number().raw() == 0) return fail(EvalError::kDivisionByZero);
    return from_fixed(divide(a.as_number(), b.as_number()));
  }
  if (ta == ValueType::kDuration && tb == ValueType::kNumber) {
    return scale_duration(a.seconds(), b.as_number(), true);
  }
  if (ta == ValueType::kDuration && tb == ValueType::kDuration) {
    if (b.seconds() == 0) return fail(EvalError::kDivisionByZero);
    std::optional<Fixed> x = Fixed::from_integer(a.seconds());
    std::optional<Fixed> y = Fixed::from_integer(b.seconds());
    if (!x || !y) return fail(EvalError::kOverflow);
    return from_fixed(divide(*x, *y));
  }
  return fail(EvalError::kTypeMismatch);
}

Step binary(OpCode op, const Value& a, const Value& b) {
  switch (op) {
    case OpCode::kAdd:
      return add_values(a, b);
    case OpCode::kSubtract:
      return subtract_values(a, b);
    case OpCode::kMultiply:
      return multiply_values(a, b);
    case OpCode::kDivide:
      return divide_values(a, b);
    case OpCode::kEqual:
      return equality(a, b, true);
    case OpCode::kNotEqual:
      return equality(a, b, false);
    case OpCode::kLess:
    case OpCode::kLessEqual:
    case OpCode::kGreater:
    case OpCode::kGreaterEqual:
      return ordering(op, a, b);
    default:
      return fail(EvalError::kMalformed);
  }
}

Step unary(OpCode op, const Value& a) {
  if (op == OpCode::kNot) {
    if (a.type() != ValueType::kBool) return fail(EvalError::kTypeMismatch);
    return make(Value::boolean(!a.as_bool()));
  }
  if (a.type() == ValueType::kNumber) {
    return from_fixed(subtract(Fixed(), a.as_number()));
  }
  if (a.type() == ValueType::kDuration) {
    return duration_or_overflow(checked_subtract(0, a.seconds()));
  }
  return fail(EvalError::kTypeMismatch);
}

const Value* value_at(std::span<const Value> values, std::uint32_t index) {
  if (index >= values.size() || !values[index].is_set()) return nullptr;
  return &values[index];
}

}  // namespace

const char* to_string(Attribute attribute) {
  auto index = static_cast<std::size_t>(attribute);
  return index < kAttributeNames.size() ? kAttributeNames[index] : "?";
}

std::optional<Attribute> attribute_named(std::string_view name) {
  for (std::size_t i = 0; i < kAttributeNames.size(); ++i) {
    if (name == kAttributeNames[i]) return static_cast<Attribute>(i);
  }
  return std::nullopt;
}

ValueType value_type_of(Attribute attribute) {
  switch (attribute) {
    case Attribute::kCategory:
      return ValueType::kCategory;
    case Attribute::kPriority:
      return ValueType::kPriority;
    case Attribute::kState:
      return ValueType::kState;
    case Attribute::kRequester:
    case Attribute::kAssignee:
      return ValueType::kText;
    case Attribute::kCreatedAt:
      return ValueType::kTimestamp;
  }
  return ValueType::kUnset;
}

const char* to_string(OpCode op) {
  switch (op) {
    case OpCode::kConstant:
      return "constant";
    case OpCode::kField:
      return "field";
    case OpCode::kAttribute:
      return "attribute";
    case OpCode::kNow:
      return "now";
    case OpCode::kNot:
      return "not";
    case OpCode::kNegate:
      return "negate";
    case OpCode::kAdd:
      return "+";
    case OpCode::kSubtract:
      return "-";
    case OpCode::kMultiply:
      return "*";
    case OpCode::kDivide:
      return "/";
    case OpCode::kEqual:
      return "==";
    case OpCode::kNotEqual:
      return "!=";
    case OpCode::kLess:
      return "<";
    case OpCode::kLessEqual:
      return "<=";
    case OpCode::kGreater:
      return ">";
    case OpCode::kGreaterEqual:
      return ">=";
    case OpCode::kIn:
      return "in";
    case OpCode::kAndThen:
      return "and";
    case OpCode::kOrElse:
      return "or";
  }
  return "?";
}

const char* to_string(EvalError error) {
  switch (error) {
    case EvalError::kMissingValue:
      return "missing value";
    case EvalError::kDivisionByZero:
      return "division by zero";
    case EvalError::kOverflow:
      return "number out of range";
    case EvalError::kTypeMismatch:
      return "operands of the wrong type";
    case EvalError::kMalformed:
      return "malformed expression";
  }
  return "?";
}

bool CompiledExpr::is_constant() const {
  for (const Instruction& instruction : code_) {
    if (instruction.op == OpCode::kField || instruction.op == OpCode::kAttribute || instruction.op == OpCode::kNow) {
      return false;
    }
  }
  return true;
}

void ExprBuilder::emit(OpCode op, std::uint32_t arg) { expr_.code_.push_back({op, arg}); }

void ExprBuilder::constant(Value value) {
  emit(OpCode::kConstant, static_cast<std::uint32_t>(expr_.constants_.size()));
  expr_.constants_.push_back(std::move(value));
}

void ExprBuilder::field(std::uint32_t index) { emit(OpCode::kField, index); }

void ExprBuilder::attribute(Attribute attribute) { emit(OpCode::kAttribute, static_cast<std::uint32_t>(attribute)); }

void ExprBuilder::now() { emit(OpCode::kNow, 0); }

void ExprBuilder::op(OpCode op) {
  switch (op) {
    case OpCode::kConstant:
    case OpCode::kField:
    case OpCode::kAttribute:
    case OpCode::kNow:
    case OpCode::kIn:
    case OpCode::kAndThen:
    case OpCode::kOrElse:
      broken_ = true;
      return;
    default:
      emit(op, 0);
  }
}

void ExprBuilder::in(std::uint32_t member_count) { emit(OpCode::kIn, member_count); }

std::size_t ExprBuilder::begin_and() {
  emit(OpCode::kAndThen, 0);
  return expr_.code_.size() - 1;
}

std::size_t ExprBuilder::begin_or() {
  emit(OpCode::kOrElse, 0);
  return expr_.code_.size() - 1;
}

void ExprBuilder::end_jump(std::size_t jump) {
  if (jump >= expr_.code_.size() || !is_jump(expr_.code_[jump].op)) {
    broken_ = true;
    return;
  }
  expr_.code_[jump].arg = static_cast<std::uint32_t>(expr_.code_.size());
}

CompiledExpr ExprBuilder::finish(ValueType type, std::string text) && {
  // Every path must leave exactly one value; jumps go forward and land where
  // the stack holds what the fall-through path leaves there.
  std::size_t depth = 0, deepest = 0;
  std::vector<std::size_t> depth_at_target(expr_.code_.size() + 1, SIZE_MAX);
  for (std::size_t i = 0; i < expr_.code_.size() && !broken_; ++i) {
    if (depth_at_target[i] != SIZE_MAX && depth_at_target[i] != depth) broken_ = true;
    const Instruction& instruction = expr_.code_[i];
    if (instruction.op == OpCode::kConstant && instruction.arg >= expr_.constants_.size()) {
      broken_ = true;
    }
    if (is_jump(instruction.op)) {
      std::size_t target = instruction.arg;
      if (target <= i || target > expr_.code_.size() || depth == 0) {
        broken_ = true;
        break;
      }
      if (depth_at_target[target] != SIZE_MAX && depth_at_target[target] != depth) broken_ = true;
      depth_at_target[target] = depth;
    }
    auto [pops, pushes] = stack_effect(instruction);
    if (depth < pops) {
      broken_ = true;
      break;
    }
    depth = depth - pops + pushes;
    if (depth > deepest) deepest = depth;
  }
  std::size_t end = expr_.code_.size();
  if (depth_at_target[end] != SIZE_MAX && depth_at_target[end] != depth) broken_ = true;
  if (broken_ || depth != 1) return CompiledExpr();
  expr_.type_ = type;
  expr_.text_ = std::move(text);
  expr_.max_stack_ = deepest;
  return std::move(expr_);
}

EvalResult evaluate(const CompiledExpr& expr, const TicketView& ticket, std::int64_t now) {
  const std::vector<Instruction>& code = expr.code();
  auto failure = [](EvalError error, std::size_t at) {
    return EvalResult::failure(EvalFailure{error, static_cast<std::uint32_t>(at)});
  };
  if (code.empty()) return failure(EvalError::kMalformed, 0);

  std::vector<Value> stack;
  stack.reserve(expr.max_stack());
  std::size_t pc = 0;
  while (pc < code.size()) {
    const Instruction& instruction = code[pc];
    auto [pops, pushes] = stack_effect(instruction);
    if (stack.size() < pops) return failure(EvalError::kMalformed, pc);
    std::size_t next = pc + 1;
    switch (instruction.op) {
      case OpCode::kConstant:
        if (instruction.arg >= expr.constants().size()) return failure(EvalError::kMalformed, pc);
        stack.push_back(expr.constants()[instruction.arg]);
        break;
      case OpCode::kField:
      case OpCode::kAttribute: {
        const Value* value =
            value_at(instruction.op == OpCode::kField ? ticket.fields : ticket.attributes, instruction.arg);
        if (value == nullptr) return failure(EvalError::kMissingValue, pc);
        stack.push_back(*value);
        break;
      }
      case OpCode::kNow:
        stack.push_back(Value::timestamp(now));
        break;
      case OpCode::kNot:
      case OpCode::kNegate: {
        Step step = unary(instruction.op, stack.back());
        if (step.error) return failure(*step.error, pc);
        stack.back() = std::move(step.value);
        break;
      }
      case OpCode::kIn: {
        std::size_t first = stack.size() - instruction.arg;
        const Value& operand = stack[first - 1];
        bool found = false;
        for (std::size_t i = first; i < stack.size(); ++i) {
          if (!same_domain(operand, stack[i])) return failure(EvalError::kTypeMismatch, pc);
          if (operand == stack[i]) found = true;
        }
        stack.resize(first - 1);
        stack.push_back(Value::boolean(found));
        break;
      }
      case OpCode::kAndThen:
      case OpCode::kOrElse: {
        const Value& top = stack.back();
        if (top.type() != ValueType::kBool) return failure(EvalError::kTypeMismatch, pc);
        bool decided = instruction.op == OpCode::kAndThen ? !top.as_bool() : top.as_bool();
        if (decided) {
          if (instruction.arg <= pc || instruction.arg > code.size()) {
            return failure(EvalError::kMalformed, pc);
          }
          next = instruction.arg;
        } else {
          stack.pop_back();
        }
        break;
      }
      default: {
        Step step = binary(instruction.op, stack[stack.size() - 2], stack.back());
        if (step.error) return failure(*step.error, pc);
        stack.pop_back();
        stack.back() = std::move(step.value);
        break;
      }
    }
    pc = next;
  }
  if (stack.size() != 1) return failure(EvalError::kMalformed, code.size());
  return EvalResult::success(std::move(stack.back()));
}

std::optional<bool> evaluate_condition(const CompiledExpr& expr, const TicketView& ticket, std::int64_t now,
                                       EvalFailure* failure) {
  EvalResult result = evaluate(expr, ticket, now);
  if (!result.ok()) {
    if (failure != nullptr) *failure = result.failure();
    return std::nullopt;
  }
  if (result.value().type() != ValueType::kBool) {
    if (failure != nullptr) {
      *failure = EvalFailure{EvalError::kTypeMismatch, static_cast<std::uint32_t>(expr.code().size())};
    }
    return std::nullopt;
  }
  return result.value().as_bool();
}

}  // namespace docket::engine
