// Expression typing: names resolved, operand types checked, E010 and E012.
//
// Bare identifiers that are not fields are values: in `mood == angry` the
// name `angry` is resolved against the enum of the other operand, in
// `category == fault` against the categories. Errors yield kUnknown, which is
// compatible with everything, so a mistake is reported once.

#include <cmath>

#include "dsl/check_context.h"

namespace docket::dsl::checking {
namespace {

// Operator chains like `a + a + ... + a` nest one level per operator; past
// this depth the checker stops instead of exhausting the stack.
constexpr int kMaxDepth = 2048;

bool is_numeric_like(const Type& t) {
  return t.is(TypeKind::kNumber) || t.is(TypeKind::kDuration) || t.is(TypeKind::kTimestamp);
}

bool comparable(const Type& a, const Type& b) {
  if (a.unknown() || b.unknown()) return true;
  if (a.kind != b.kind) return false;
  if (a.kind == TypeKind::kEnum) return a.domain == b.domain;
  return true;
}

// An operand as messages show it: "`amount` (money)", "text \"ten\"", "duration".
std::string operand_text(const Context& ctx, const Expr& e, const Type& t) {
  switch (e.kind) {
    case Expr::Kind::kName:
      if (auto attribute = ctx.attribute(e.text)) {
        if (!t.is(attribute->type.kind)) break;  // a bare value, not the attribute
        std::string kind = attribute->field != nullptr ? to_string(attribute->field->type) : describe(attribute->type);
        return "`" + e.text + "` (" + kind + ")";
      }
      break;
    case Expr::Kind::kString:
      if (e.text.size() <= 24) return "text \"" + e.text + "\"";
      break;
    case Expr::Kind::kNumber:
    case Expr::Kind::kDuration:
    case Expr::Kind::kPercent:
      if (!e.text.empty()) return describe(t) + " " + e.text;
      break;
    default:
      break;
  }
  return describe(t);
}

bool is_literal(const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::kNumber:
    case Expr::Kind::kPercent:
    case Expr::Kind::kDuration:
    case Expr::Kind::kString:
    case Expr::Kind::kBool:
      return true;
    default:
      return false;
  }
}

// "write numbers without quotes: `500`" for a string that holds a number.
std::string quoted_number_help(const Expr& e) {
  if (e.kind != Expr::Kind::kString || e.text.empty() || e.text.size() > 20) return {};
  bool digit = false, dot = false;
  for (std::size_t i = 0; i < e.text.size(); ++i) {
    char c = e.text[i];
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if (c == '.' && !dot && i > 0) {
      dot = true;
    } else if (!(c == '-' && i == 0)) {
      return {};
    }
  }
  if (!digit || e.text.back() == '.') return {};
  return "write numbers without quotes: `" + e.text + "`";
}

std::string mismatch_help(const Type& a, const Type& b) {
  auto one_of = [&](TypeKind x, TypeKind y) { return (a.is(x) && b.is(y)) || (a.is(y) && b.is(x)); };
  if (one_of(TypeKind::kEnum, TypeKind::kText)) {
    return "write enum values without quotes: `mood == angry`";
  }
  if (one_of(TypeKind::kNumber, TypeKind::kDuration)) {
    return "numbers and durations do not mix: compare durations with durations such as `4h`";
  }
  if (one_of(TypeKind::kTimestamp, TypeKind::kDuration)) {
    return "compare a timestamp with a timestamp: `created_at < now - 2h`";
  }
  return {};
}

class Typer {
 public:
  explicit Typer(Context& ctx) : ctx_(ctx) {}

  Type type_of(const Expr& e, int depth) {
    if (depth > kMaxDepth) {
      if (!too_deep_reported_) {
        too_deep_reported_ = true;
        ctx_.error("E004", e.loc,
                   "expression nested too deeply to check (more than " + std::to_string(kMaxDepth) + " levels)",
                   "split it into smaller conditions");
      }
      return {};
    }
    switch (e.kind) {
      case Expr::Kind::kNumber:
      case Expr::Kind::kPercent:
        return {TypeKind::kNumber};
      case Expr::Kind::kDuration:
        return {TypeKind::kDuration};
      case Expr::Kind::kString:
        return {TypeKind::kText};
      case Expr::Kind::kBool:
        return {TypeKind::kBool};
      case Expr::Kind::kNow:
        return {TypeKind::kTimestamp};
      case Expr::Kind::kName:
        return lone_name(e);
      case Expr::Kind::kUnary:
        return unary(e, depth);
      case Expr::Kind::kBinary:
        return binary(e, depth);
      case Expr::Kind::kIn:
        return membership(e, depth);
      case Expr::Kind::kIsSet:
        return set_test(e);
    }
    return {};
  }

  // An operand that may be a bare value of `other`'s enum: a name, or a
  // number written as one of the values of a numeric enum (`impact == 1`).
  Type operand_against(const Expr& operand, const Type& other, int depth) {
    if (operand.kind == Expr::Kind::kNumber && is_numeric_enum(other)) {
      if (other.domain->contains(operand.text)) return other;
      ctx_.undefined_value(*other.domain, Name{operand.text, operand.loc});
      return {};
    }
    if (operand.kind != Expr::Kind::kName) return type_of(operand, depth);
    if (other.is(TypeKind::kEnum) && other.domain != nullptr && other.domain->contains(operand.text)) {
      return other;
    }
    if (auto attribute = ctx_.attribute(operand.text)) {
      mark_used(*attribute);
      return attribute->type;
    }
    if (other.unknown()) return {};  // the other side was already reported
    if (other.is(TypeKind::kEnum) && other.domain != nullptr) {
      ctx_.undefined_value(*other.domain, Name{operand.text, operand.loc});
      return {};
    }
    return lone_name(operand);
  }

  void mark_used(const Attribute& attribute) {
    if (attribute.field != nullptr) ctx_.used_fields.insert(attribute.name);
  }

  static bool is_numeric_enum(const Type& t) {
    return t.is(TypeKind::kEnum) && t.domain != nullptr && t.domain->numeric;
  }

 private:
  Type lone_name(const Expr& e) {
    if (auto attribute = ctx_.attribute(e.text)) {
      mark_used(*attribute);
      return attribute->type;
    }
    Name name{e.text, e.loc};
    // A value written where a condition is expected: `when angry`.
    if (const Domain* domain = ctx_.domain_with_value(e.text)) {
      std::string what = domain->of_enum_field() ? "a value of `" + domain->subject + "`" : "a " + domain->noun;
      ctx_.undefined("field", name, {},
                     "`" + e.text + "` is " + what + "; compare it: `" + domain->subject + " == " + e.text + "`");
      return {};
    }
    std::vector<std::string> candidates = Context::keys(ctx_.fields);
    for (const char* builtin : {"category", "priority", "state", "requester", "assignee", "created_at"}) {
      candidates.push_back(builtin);
    }
    ctx_.undefined("field", name, candidates);
    return {};
  }

  Type unary(const Expr& e, int depth) {
    if (e.operands.empty() || !e.operands[0]) return {};
    const Expr& operand = *e.operands[0];
    Type t = type_of(operand, depth + 1);
    if (t.unknown()) return e.unary == UnaryOp::kNot ? Type{TypeKind::kBool} : t;
    if (e.unary == UnaryOp::kNot) {
      if (!t.is(TypeKind::kBool)) {
        ctx_.error("E012", operand.loc, "`not` needs a condition (bool), got " + operand_text(ctx_, operand, t));
      }
      return {TypeKind::kBool};
    }
    if (!t.is(TypeKind::kNumber) && !t.is(TypeKind::kDuration)) {
      ctx_.error("E012", e.loc, "cannot negate " + operand_text(ctx_, operand, t));
      return {};
    }
    return t;
  }

  Type binary(const Expr& e, int depth) {
    if (e.operands.size() < 2 || !e.operands[0] || !e.operands[1]) return {};
    switch (e.binary) {
      case BinaryOp::kAnd:
      case BinaryOp::kOr:
        return logic(e, depth);
      case BinaryOp::kEq:
      case BinaryOp::kNe:
      case BinaryOp::kLt:
      case BinaryOp::kLe:
      case BinaryOp::kGt:
      case BinaryOp::kGe:
        return comparison(e, depth);
      case BinaryOp::kAdd:
      case BinaryOp::kSub:
      case BinaryOp::kMul:
      case BinaryOp::kDiv:
        return arithmetic(e, depth);
    }
    return {};
  }

  Type logic(const Expr& e, int depth) {
    for (const ExprPtr& operand : e.operands) {
      if (!operand) continue;
      Type t = type_of(*operand, depth + 1);
      if (!t.unknown() && !t.is(TypeKind::kBool)) {
        ctx_.error("E012", operand->loc,
                   std::string("`") + to_string(e.binary) + "` needs conditions (bool), got " +
                       operand_text(ctx_, *operand, t));
      }
    }
    return {TypeKind::kBool};
  }

  // Types both sides of a comparison, resolving a bare value on either side
  // against the other.
  std::pair<Type, Type> operand_pair(const Expr& a, const Expr& b, int depth) {
    if (a.kind == Expr::Kind::kNumber && b.kind == Expr::Kind::kName) {  // `1 == impact`
      auto attribute = ctx_.attribute(b.text);
      if (attribute && is_numeric_enum(attribute->type)) {
        Type tb = operand_against(b, Type{}, depth + 1);
        return {operand_against(a, tb, depth + 1), tb};
      }
    }
    bool a_bare = a.kind == Expr::Kind::kName && !ctx_.attribute(a.text);
    if (a_bare && b.kind != Expr::Kind::kName) {
      Type tb = type_of(b, depth + 1);
      return {operand_against(a, tb, depth + 1), tb};
    }
    if (a_bare && b.kind == Expr::Kind::kName && ctx_.attribute(b.text)) {
      Type tb = operand_against(b, Type{}, depth + 1);
      return {operand_against(a, tb, depth + 1), tb};
    }
    if (a_bare) {  // two names, neither a field: report the one that is no value either
      bool a_value = ctx_.domain_with_value(a.text) != nullptr;
      bool b_value = b.kind == Expr::Kind::kName && ctx_.domain_with_value(b.text) != nullptr;
      if (!a_value || b_value) lone_name(a);
      if (!b_value) operand_against(b, Type{}, depth + 1);
      return {};
    }
    Type ta = type_of(a, depth + 1);
    return {ta, operand_against(b, ta, depth + 1)};
  }

  Type comparison(const Expr& e, int depth) {
    const Expr& a = *e.operands[0];
    const Expr& b = *e.operands[1];
    auto [ta, tb] = operand_pair(a, b, depth);
    std::string op = to_string(e.binary);
    bool ordering = e.binary != BinaryOp::kEq && e.binary != BinaryOp::kNe;
    // The values of a numeric enum are ordered as the numbers they are.
    bool numeric_enums = is_numeric_enum(ta) && comparable(ta, tb);
    if (!ta.unknown() && !tb.unknown()) {
      if (ordering && !numeric_enums && (!is_numeric_like(ta) || !is_numeric_like(tb))) {
        bool left_bad = !is_numeric_like(ta);
        const Expr& bad_operand = left_bad ? a : b;
        const Type& bad = left_bad ? ta : tb;
        std::string help = quoted_number_help(bad_operand);
        if (bad.is(TypeKind::kEnum)) help = "compare values with `==`, `!=` or `in`";
        ctx_.error("E012", bad_operand.loc,
                   "`" + op + "` needs numbers, durations or timestamps, not " + operand_text(ctx_, bad_operand, bad),
                   help);
      } else if (!comparable(ta, tb)) {
        // When a field is compared with a literal, the literal is the odd one out.
        bool literal_a = is_literal(a), literal_b = is_literal(b);
        SourceLoc at = literal_a == literal_b ? e.loc : literal_b ? b.loc : a.loc;
        std::string help = quoted_number_help(literal_b ? b : a);
        if (help.empty()) help = mismatch_help(ta, tb);
        ctx_.error("E012", at, "cannot compare " + operand_text(ctx_, a, ta) + " with " + operand_text(ctx_, b, tb),
                   help);
      }
    }
    return {TypeKind::kBool};
  }

  Type membership(const Expr& e, int depth) {
    if (e.operands.empty() || !e.operands[0]) return {TypeKind::kBool};
    const Expr& subject = *e.operands[0];
    Type ts = type_of(subject, depth + 1);
    for (std::size_t i = 1; i < e.operands.size(); ++i) {
      if (!e.operands[i]) continue;
      const Expr& element = *e.operands[i];
      Type te = operand_against(element, ts, depth + 1);
      if (!comparable(ts, te)) {
        ctx_.error("E012", element.loc,
                   "cannot compare " + operand_text(ctx_, subject, ts) + " with " + operand_text(ctx_, element, te) +
                       " in `in`",
                   mismatch_help(ts, te));
      }
    }
    return {TypeKind::kBool};
  }

  // `FIELD is set`: an optional field, or `category`, `priority`, `assignee`
  // (which a ticket may not have yet); anything else is E046.
  Type set_test(const Expr& e) {
    if (e.operands.empty() || !e.operands[0]) return {TypeKind::kBool};
    const Expr& subject = *e.operands[0];
    if (subject.kind != Expr::Kind::kName) {
      ctx_.error("E046", subject.loc, "`is set` tests a field, not " + operand_text(ctx_, subject, type_of(subject, 0)),
                 "write the field itself: `resolution_code is set`");
      return {TypeKind::kBool};
    }
    auto attribute = ctx_.attribute(subject.text);
    if (!attribute) {
      lone_name(subject);
      return {TypeKind::kBool};
    }
    mark_used(*attribute);
    const char* always = nullptr;
    if (attribute->field != nullptr && attribute->field->required) {
      always = "is required";
    } else if (subject.text == "state" || subject.text == "requester" || subject.text == "created_at") {
      always = "is kept by the engine";
    }
    if (always != nullptr) {
      ctx_.error("E046", subject.loc, "`" + subject.text + "` " + always + ", so it is always set",
                 "`is set` tests an optional field, or `category`, `priority`, `assignee`; drop the test");
    }
    return {TypeKind::kBool};
  }

  Type arithmetic(const Expr& e, int depth) {
    Type a = type_of(*e.operands[0], depth + 1);
    Type b = type_of(*e.operands[1], depth + 1);
    if (a.unknown() || b.unknown()) return {};
    using K = TypeKind;
    auto is = [&](K x, K y) { return a.is(x) && b.is(y); };
    switch (e.binary) {
      case BinaryOp::kAdd:
        if (is(K::kNumber, K::kNumber)) return a;
        if (is(K::kDuration, K::kDuration)) return a;
        if (is(K::kTimestamp, K::kDuration) || is(K::kDuration, K::kTimestamp)) {
          return {K::kTimestamp};
        }
        break;
      case BinaryOp::kSub:
        if (is(K::kNumber, K::kNumber) || is(K::kDuration, K::kDuration)) return a;
        if (is(K::kTimestamp, K::kDuration)) return {K::kTimestamp};
        if (is(K::kTimestamp, K::kTimestamp)) return {K::kDuration};
        break;
      case BinaryOp::kMul:
        if (is(K::kNumber, K::kNumber)) return a;
        if (is(K::kDuration, K::kNumber) || is(K::kNumber, K::kDuration)) return {K::kDuration};
        break;
      case BinaryOp::kDiv:
        if (is(K::kNumber, K::kNumber)) return a;
        if (is(K::kDuration, K::kNumber)) return {K::kDuration};
        if (is(K::kDuration, K::kDuration)) return {K::kNumber};
        break;
      default:
        break;
    }
    std::string help;
    if (is(K::kTimestamp, K::kTimestamp) && e.binary == BinaryOp::kAdd) {
      help = "subtract timestamps to get a duration: `now - created_at`";
    } else if ((a.is(K::kDuration) && b.is(K::kNumber)) || (a.is(K::kNumber) && b.is(K::kDuration))) {
      help = "write durations with a unit: `4h`, `30m`";
    }
    ctx_.error("E012", e.loc,
               std::string("cannot apply `") + to_string(e.binary) + "` to " + operand_text(ctx_, *e.operands[0], a) +
                   " and " + operand_text(ctx_, *e.operands[1], b),
               help);
    return {};
  }

  Context& ctx_;
  bool too_deep_reported_ = false;
};

std::optional<double> fold(const Expr& e, int depth) {
  if (depth > kMaxDepth) return std::nullopt;
  switch (e.kind) {
    case Expr::Kind::kNumber:
      return e.number;
    case Expr::Kind::kPercent:
      return e.number / 100.0;
    case Expr::Kind::kDuration:
      return static_cast<double>(e.seconds);
    case Expr::Kind::kUnary: {
      if (e.unary != UnaryOp::kNegate || e.operands.empty() || !e.operands[0]) return std::nullopt;
      auto value = fold(*e.operands[0], depth + 1);
      if (!value) return std::nullopt;
      return -*value;
    }
    case Expr::Kind::kBinary: {
      if (e.operands.size() < 2 || !e.operands[0] || !e.operands[1]) return std::nullopt;
      auto a = fold(*e.operands[0], depth + 1);
      if (!a) return std::nullopt;
      auto b = fold(*e.operands[1], depth + 1);
      if (!b) return std::nullopt;
      double result;
      switch (e.binary) {
        case BinaryOp::kAdd:
          result = *a + *b;
          break;
        case BinaryOp::kSub:
          result = *a - *b;
          break;
        case BinaryOp::kMul:
          result = *a * *b;
          break;
        case BinaryOp::kDiv:
          if (*b == 0) return std::nullopt;
          result = *a / *b;
          break;
        default:
          return std::nullopt;
      }
      if (std::isnan(result)) return std::nullopt;
      return result;
    }
    default:
      return std::nullopt;
  }
}

bool same(const Expr& a, const Expr& b, int depth) {
  if (depth > kMaxDepth) return false;
  if (a.kind != b.kind || a.operands.size() != b.operands.size()) return false;
  switch (a.kind) {
    case Expr::Kind::kNumber:
    case Expr::Kind::kPercent:
      if (a.number != b.number) return false;
      break;
    case Expr::Kind::kDuration:
      if (a.seconds != b.seconds) return false;
      break;
    case Expr::Kind::kString:
    case Expr::Kind::kName:
      if (a.text != b.text) return false;
      break;
    case Expr::Kind::kBool:
      if (a.boolean != b.boolean) return false;
      break;
    case Expr::Kind::kUnary:
      if (a.unary != b.unary) return false;
      break;
    case Expr::Kind::kBinary:
      if (a.binary != b.binary) return false;
      break;
    case Expr::Kind::kNow:
    case Expr::Kind::kIn:
    case Expr::Kind::kIsSet:
      break;
  }
  for (std::size_t i = 0; i < a.operands.size(); ++i) {
    const ExprPtr& x = a.operands[i];
    const ExprPtr& y = b.operands[i];
    if (!x || !y) {
      if (x || y) return false;
      continue;
    }
    if (!same(*x, *y, depth + 1)) return false;
  }
  return true;
}

}  // namespace

Type check_expr(Context& ctx, const Expr& expr) { return Typer(ctx).type_of(expr, 0); }

void check_condition(Context& ctx, const ExprPtr& expr, std::string_view what) {
  if (!expr) return;
  Type t = check_expr(ctx, *expr);
  if (!t.unknown() && !t.is(TypeKind::kBool)) {
    ctx.error("E012", expr->loc, std::string(what) + " must be a condition (bool), not " + operand_text(ctx, *expr, t),
              t.is(TypeKind::kEnum) ? "compare it with a value: `x == value`" : "");
  }
}

void check_stored_value(Context& ctx, const Attribute& target, const Expr& value, std::string_view what) {
  Typer typer(ctx);
  Type tv = typer.operand_against(value, target.type, 0);
  if (tv.unknown() || target.type.unknown()) return;
  std::string field_type = target.field != nullptr ? to_string(target.field->type) : describe(target.type);
  if (!comparable(target.type, tv)) {
    std::string help = quoted_number_help(value);
    if (help.empty()) help = mismatch_help(target.type, tv);
    ctx.error("E012", value.loc,
              "`" + target.name + "` is " + field_type + ", but the " + std::string(what) + " is " +
                  operand_text(ctx, value, tv),
              help);
    return;
  }
  if (target.field == nullptr) return;
  auto constant = constant_value(value);
  if (!constant) return;
  if (target.field->type == FieldType::kInt && *constant != std::floor(*constant)) {
    ctx.error("E012", value.loc,
              "`" + target.name + "` is int, but the " + std::string(what) + " " + format_number(*constant) +
                  " is not a whole number");
    return;
  }
  const FieldDecl& field = *target.field;
  if (!field.range_min || !field.range_max) return;
  auto low = constant_value(*field.range_min);
  auto high = constant_value(*field.range_max);
  if (!low || !high || *low > *high) return;
  if (*constant < *low || *constant > *high) {
    bool duration = field.type == FieldType::kDuration;
    auto show = [&](double v) {
      return duration && std::fabs(v) < 9e18 ? format_duration(static_cast<std::int64_t>(v)) : format_number(v);
    };
    ctx.error("E013", value.loc,
              std::string(what) + " " + show(*constant) + " is outside the range of `" + target.name + "` (" +
                  show(*low) + ".." + show(*high) + ")",
              "use a value from " + show(*low) + " to " + show(*high) + ", or widen the range");
  }
}

std::optional<double> constant_value(const Expr& expr) { return fold(expr, 0); }

bool same_expr(const Expr& a, const Expr& b) { return same(a, b, 0); }

}  // namespace docket::dsl::checking
