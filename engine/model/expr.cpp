#include "engine/model/expr.h"

#include <array>
#include <optional>
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
    case OpCode::kFieldIsSet:
    case OpCode::kAttributeIsSet:
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

// The Shape of a valid program, Kind::kNone for every other one (below).
CompiledExpr::Shape recognise_shape(const std::vector<Instruction>& code, const std::vector<Value>& constants);
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
    case OpCode::kFieldIsSet:
      return "field is set";
    case OpCode::kAttributeIsSet:
      return "attribute is set";
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
    switch (instruction.op) {
      case OpCode::kField:
      case OpCode::kAttribute:
      case OpCode::kFieldIsSet:
      case OpCode::kAttributeIsSet:
      case OpCode::kNow:
        return false;
      default:
        break;
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

void ExprBuilder::field_is_set(std::uint32_t index) { emit(OpCode::kFieldIsSet, index); }

void ExprBuilder::attribute_is_set(Attribute attribute) {
  emit(OpCode::kAttributeIsSet, static_cast<std::uint32_t>(attribute));
}

void ExprBuilder::now() { emit(OpCode::kNow, 0); }

void ExprBuilder::op(OpCode op) {
  switch (op) {
    case OpCode::kConstant:
    case OpCode::kField:
    case OpCode::kAttribute:
    case OpCode::kFieldIsSet:
    case OpCode::kAttributeIsSet:
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
  expr_.shape_ = recognise_shape(expr_.code_, expr_.constants_);
  expr_.type_ = type;
  expr_.text_ = std::move(text);
  expr_.max_stack_ = deepest;
  return std::move(expr_);
}

namespace {

// ------------------------------------------------ the fast path
//
// Most guards and conditions compute with numbers, booleans, enumerations,
// durations and timestamps only (`overall >= 4`, `compensation <=
// order_amount * 30%`). For those the program runs on a fixed array of
// Scalars: no Value (with its string) is built per operand and nothing is
// allocated. Anything else (text, a failure to report, a program deeper than
// the array) gives up, and the general evaluator below runs the program from
// the start: evaluation has no side effects, so the result, failures
// included, is the general evaluator's in every case.

// A Value without text: its type, domain (kEnum) and payload as Value keeps them.
// The type and the domain share one word, written and compared whole (two
// narrower stores read back as one word would stall the CPU's store
// forwarding). Left uninitialised where declared (the fast stack): every
// slot is written before it is read.
struct Scalar {
  std::uint64_t tag;  // type | domain << 8
  std::int64_t payload;

  static constexpr std::uint64_t tag_of(ValueType type, std::uint32_t domain = 0) {
    return static_cast<std::uint64_t>(type) | std::uint64_t{domain} << 8;
  }
  static Scalar of(ValueType type, std::uint32_t domain, std::int64_t payload) {
    return Scalar{tag_of(type, domain), payload};
  }
  ValueType type() const { return static_cast<ValueType>(tag & 0xff); }
  std::uint32_t domain() const { return static_cast<std::uint32_t>(tag >> 8); }
};

constexpr std::size_t kFastStack = 16;

// False for text (and unset), which the fast path leaves to the general one.
bool load(const Value& value, Scalar& into) {
  switch (value.type()) {
    case ValueType::kNumber:
      into = Scalar::of(ValueType::kNumber, 0, value.as_number().raw());
      return true;
    case ValueType::kBool:
      into = Scalar::of(ValueType::kBool, 0, value.as_bool() ? 1 : 0);
      return true;
    case ValueType::kEnum:
    case ValueType::kCategory:
    case ValueType::kPriority:
    case ValueType::kState:
      into = Scalar::of(value.type(), value.domain(), value.ordinal());
      return true;
    case ValueType::kDuration:
    case ValueType::kTimestamp:
      into = Scalar::of(value.type(), 0, value.seconds());
      return true;
    case ValueType::kUnset:
    case ValueType::kText:
      return false;
  }
  return false;
}

Value to_value(const Scalar& scalar) {
  auto ordinal = static_cast<std::uint32_t>(scalar.payload);
  switch (scalar.type()) {
    case ValueType::kNumber:
      return Value::number(Fixed::from_raw(scalar.payload));
    case ValueType::kBool:
      return Value::boolean(scalar.payload != 0);
    case ValueType::kEnum:
      return Value::enumerator(scalar.domain(), ordinal);
    case ValueType::kCategory:
      return Value::category(ordinal);
    case ValueType::kPriority:
      return Value::priority(ordinal);
    case ValueType::kState:
      return Value::state(ordinal);
    case ValueType::kDuration:
      return Value::duration(scalar.payload);
    case ValueType::kTimestamp:
      return Value::timestamp(scalar.payload);
    case ValueType::kUnset:
    case ValueType::kText:
      break;
  }
  return Value();
}

bool same_domain(Scalar a, Scalar b) { return a.tag == b.tag; }

bool ordered(ValueType type) {
  return type == ValueType::kNumber || type == ValueType::kDuration || type == ValueType::kTimestamp ||
         is_enumeration(type);
}

Scalar boolean(bool value) { return Scalar::of(ValueType::kBool, 0, value ? 1 : 0); }

// nullopt: leave it to the general evaluator.
std::optional<Scalar> fast_binary(OpCode op, Scalar a, Scalar b) {
  constexpr std::uint64_t kNumber = Scalar::tag_of(ValueType::kNumber);
  bool numbers = a.tag == kNumber && b.tag == kNumber;
  auto number = [](std::optional<Fixed> x) -> std::optional<Scalar> {
    if (!x) return std::nullopt;
    return Scalar::of(ValueType::kNumber, 0, x->raw());
  };
  switch (op) {
    case OpCode::kEqual:
    case OpCode::kNotEqual:
      if (!same_domain(a, b)) return std::nullopt;
      return boolean((a.payload == b.payload) == (op == OpCode::kEqual));
    case OpCode::kLess:
    case OpCode::kLessEqual:
    case OpCode::kGreater:
    case OpCode::kGreaterEqual:
      if (!same_domain(a, b) || !ordered(a.type())) return std::nullopt;
      switch (op) {
        case OpCode::kLess:
          return boolean(a.payload < b.payload);
        case OpCode::kLessEqual:
          return boolean(a.payload <= b.payload);
        case OpCode::kGreater:
          return boolean(a.payload > b.payload);
        default:
          return boolean(a.payload >= b.payload);
      }
    case OpCode::kMultiply:
      if (numbers) return number(multiply(Fixed::from_raw(a.payload), Fixed::from_raw(b.payload)));
      break;
    case OpCode::kAdd:
      if (numbers) return number(add(Fixed::from_raw(a.payload), Fixed::from_raw(b.payload)));
      break;
    case OpCode::kSubtract:
      if (numbers) return number(subtract(Fixed::from_raw(a.payload), Fixed::from_raw(b.payload)));
      break;
    case OpCode::kDivide:
      if (numbers) {
        if (b.payload == 0) return std::nullopt;
        return number(divide(Fixed::from_raw(a.payload), Fixed::from_raw(b.payload)));
      }
      break;
    default:
      return std::nullopt;
  }
  // Durations and timestamps: the general operators on text-free Values.
  Step step = binary(op, to_value(a), to_value(b));
  Scalar result;
  if (step.error || !load(step.value, result)) return std::nullopt;
  return result;
}

// The fast path's stack. Tags and payloads live in separate arrays so that
// each is written and read back in words of the same size.
class FastStack {
 public:
  std::size_t size() const { return size_; }
  Scalar at(std::size_t index) const { return Scalar{tags_[index], payloads_[index]}; }
  Scalar top() const { return at(size_ - 1); }
  void push(Scalar scalar) { set(size_++, scalar); }
  void set_top(Scalar scalar) { set(size_ - 1, scalar); }
  void pop(std::size_t count) { size_ -= count; }

 private:
  void set(std::size_t index, Scalar scalar) {
    tags_[index] = scalar.tag;
    payloads_[index] = scalar.payload;
  }
  std::array<std::uint64_t, kFastStack> tags_;
  std::array<std::int64_t, kFastStack> payloads_;
  std::size_t size_ = 0;
};

// False: leave it to the general evaluator. Otherwise the result is in `out`.
bool evaluate_fast(const CompiledExpr& expr, const TicketView& ticket, std::int64_t now, Scalar& out) {
  const std::vector<Instruction>& code = expr.code();
  if (code.empty() || expr.max_stack() > kFastStack) return false;
  FastStack stack;
  std::size_t pc = 0;
  while (pc < code.size()) {
    const Instruction& instruction = code[pc];
    auto [pops, pushes] = stack_effect(instruction);
    if (stack.size() < pops || stack.size() - pops + pushes > kFastStack) return false;
    std::size_t next = pc + 1;
    Scalar loaded;
    switch (instruction.op) {
      case OpCode::kConstant:
        if (instruction.arg >= expr.constants().size()) return false;
        if (!load(expr.constants()[instruction.arg], loaded)) return false;
        stack.push(loaded);
        break;
      case OpCode::kField:
      case OpCode::kAttribute: {
        const Value* value =
            value_at(instruction.op == OpCode::kField ? ticket.fields : ticket.attributes, instruction.arg);
        if (value == nullptr || !load(*value, loaded)) return false;
        stack.push(loaded);
        break;
      }
      case OpCode::kFieldIsSet:
      case OpCode::kAttributeIsSet: {
        bool field = instruction.op == OpCode::kFieldIsSet;
        stack.push(boolean(value_at(field ? ticket.fields : ticket.attributes, instruction.arg) != nullptr));
        break;
      }
      case OpCode::kNow:
        stack.push(Scalar::of(ValueType::kTimestamp, 0, now));
        break;
      case OpCode::kNot: {
        Scalar top = stack.top();
        if (top.type() != ValueType::kBool) return false;
        stack.set_top(boolean(top.payload == 0));
        break;
      }
      case OpCode::kNegate: {
        Scalar top = stack.top();
        if (top.type() == ValueType::kNumber) {
          std::optional<Fixed> negated = subtract(Fixed(), Fixed::from_raw(top.payload));
          if (!negated) return false;
          top.payload = negated->raw();
        } else if (top.type() == ValueType::kDuration) {
          std::optional<std::int64_t> negated = checked_subtract(0, top.payload);
          if (!negated) return false;
          top.payload = *negated;
        } else {
          return false;
        }
        stack.set_top(top);
        break;
      }
      case OpCode::kIn: {
        std::size_t first = stack.size() - instruction.arg;
        const Scalar operand = stack.at(first - 1);
        bool found = false;
        for (std::size_t i = first; i < stack.size(); ++i) {
          Scalar member = stack.at(i);
          if (!same_domain(operand, member)) return false;
          if (operand.payload == member.payload) found = true;
        }
        stack.pop(instruction.arg + 1);
        stack.push(boolean(found));
        break;
      }
      case OpCode::kAndThen:
      case OpCode::kOrElse: {
        Scalar top = stack.top();
        if (top.type() != ValueType::kBool) return false;
        bool decided = instruction.op == OpCode::kAndThen ? top.payload == 0 : top.payload != 0;
        if (decided) {
          if (instruction.arg <= pc || instruction.arg > code.size()) return false;
          next = instruction.arg;
        } else {
          stack.pop(1);
        }
        break;
      }
      default: {
        std::optional<Scalar> result = fast_binary(instruction.op, stack.at(stack.size() - 2), stack.top());
        if (!result) return false;
        stack.pop(1);
        stack.set_top(*result);
        break;
      }
    }
    pc = next;
  }
  if (stack.size() != 1) return false;
  out = stack.top();
  return true;
}

// ------------------------------------------------ common shapes

enum class Verdict : std::uint8_t { kFalse = 0, kTrue = 1, kGeneral = 2 };

bool is_comparison(OpCode op) {
  return op == OpCode::kEqual || op == OpCode::kNotEqual || op == OpCode::kLess || op == OpCode::kLessEqual ||
         op == OpCode::kGreater || op == OpCode::kGreaterEqual;
}

// kGeneral when the general evaluator must decide (a value missing, text,
// types that do not compare, an overflow).
Verdict evaluate_shape(const CompiledExpr::Shape& shape, const TicketView& ticket) {
  const Value* left = value_at(shape.left_is_attribute ? ticket.attributes : ticket.fields, shape.left);
  Scalar a;
  if (left == nullptr || !load(*left, a)) return Verdict::kGeneral;
  Scalar b{shape.constant_tag, shape.constant_payload};
  if (shape.kind == CompiledExpr::Shape::Kind::kCompareScaled) {
    const Value* right = value_at(ticket.fields, shape.right);
    if (right == nullptr || right->type() != ValueType::kNumber) return Verdict::kGeneral;
    std::optional<Fixed> product = multiply(right->as_number(), Fixed::from_raw(b.payload));
    if (!product) return Verdict::kGeneral;
    b.payload = product->raw();
  }
  if (!same_domain(a, b)) return Verdict::kGeneral;
  bool ordering = shape.compare != OpCode::kEqual && shape.compare != OpCode::kNotEqual;
  if (ordering && !ordered(a.type())) return Verdict::kGeneral;
  // Computed without a branch on the outcome, which varies from ticket to
  // ticket and would be mispredicted.
  bool less = a.payload < b.payload;
  bool equal = a.payload == b.payload;
  bool holds = false;
  switch (shape.compare) {
    case OpCode::kEqual:
      holds = equal;
      break;
    case OpCode::kNotEqual:
      holds = !equal;
      break;
    case OpCode::kLess:
      holds = less;
      break;
    case OpCode::kLessEqual:
      holds = less || equal;
      break;
    case OpCode::kGreater:
      holds = !less && !equal;
      break;
    default:
      holds = !less;
      break;
  }
  return static_cast<Verdict>(holds);
}

CompiledExpr::Shape recognise_shape(const std::vector<Instruction>& code, const std::vector<Value>& constants) {
  using Kind = CompiledExpr::Shape::Kind;
  CompiledExpr::Shape shape;
  bool scaled = code.size() == 5;
  if (code.size() != 3 && !scaled) return shape;
  const Instruction& left = code[0];
  const Instruction& constant = code[scaled ? 2 : 1];
  const Instruction& compare = code.back();
  if (left.op != OpCode::kField && left.op != OpCode::kAttribute) return shape;
  if (constant.op != OpCode::kConstant || constant.arg >= constants.size()) return shape;
  if (!is_comparison(compare.op)) return shape;
  if (scaled && (code[1].op != OpCode::kField || code[3].op != OpCode::kMultiply)) return shape;
  Scalar value;
  if (!load(constants[constant.arg], value)) return shape;
  if (scaled && value.type() != ValueType::kNumber) return shape;
  shape.kind = scaled ? Kind::kCompareScaled : Kind::kCompareConstant;
  shape.compare = compare.op;
  shape.left_is_attribute = left.op == OpCode::kAttribute;
  shape.left = left.arg;
  shape.right = scaled ? code[1].arg : 0;
  shape.constant_tag = value.tag;
  shape.constant_payload = value.payload;
  return shape;
}

// ------------------------------------------------ the general evaluator

EvalResult evaluate_general(const CompiledExpr& expr, const TicketView& ticket, std::int64_t now) {
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
      case OpCode::kFieldIsSet:
      case OpCode::kAttributeIsSet: {
        bool field = instruction.op == OpCode::kFieldIsSet;
        stack.push_back(
            Value::boolean(value_at(field ? ticket.fields : ticket.attributes, instruction.arg) != nullptr));
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

}  // namespace

EvalResult evaluate_reference(const CompiledExpr& expr, const TicketView& ticket, std::int64_t now) {
  return evaluate_general(expr, ticket, now);
}

EvalResult evaluate(const CompiledExpr& expr, const TicketView& ticket, std::int64_t now) {
  if (expr.shape().kind != CompiledExpr::Shape::Kind::kNone) {
    Verdict verdict = evaluate_shape(expr.shape(), ticket);
    if (verdict != Verdict::kGeneral) return EvalResult::success(Value::boolean(verdict == Verdict::kTrue));
  }
  Scalar fast;
  if (evaluate_fast(expr, ticket, now, fast)) return EvalResult::success(to_value(fast));
  return evaluate_general(expr, ticket, now);
}

std::optional<bool> evaluate_condition(const CompiledExpr& expr, const TicketView& ticket, std::int64_t now,
                                       EvalFailure* failure) {
  if (expr.shape().kind != CompiledExpr::Shape::Kind::kNone) {
    Verdict verdict = evaluate_shape(expr.shape(), ticket);
    if (verdict != Verdict::kGeneral) return static_cast<bool>(verdict);
  }
  Scalar fast;
  if (evaluate_fast(expr, ticket, now, fast) && fast.type() == ValueType::kBool) return fast.payload != 0;
  EvalResult result = evaluate_general(expr, ticket, now);
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
