// Transitions on one event from one state that can fire together.
//
// Transitions are tried in the order written and the first enabled one
// fires, so an overlap silently hides the later transition. Each pair is
// judged from its guards:
//   - the earlier one has no guard: the later can never fire (E018);
//   - the later one has no guard: it is the fallback, nothing to report;
//   - identical guards (E018);
//   - guards that are conjunctions of comparisons of one attribute with
//     constants (`satisfaction >= 4`, `mood in (angry, unhappy)`, `flag`,
//     `not flag`): exclusive when, for some attribute, no value satisfies
//     both; otherwise both can fire (E018);
//   - anything else: exclusive only if the comparisons that can be read
//     already exclude each other, else not provable (W002).
// Transitions restricted to disjoint sets of sender roles (`by`) are meant
// for different people and are not compared.
// Automatic transitions (`auto`) of one state are judged the same way.

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "dsl/check_context.h"

namespace docket::dsl::checking {
namespace {

constexpr int kMaxDepth = 2048;

enum class Op { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNotIn };

Op negate(Op op) {
  switch (op) {
    case Op::kEq:
      return Op::kNe;
    case Op::kNe:
      return Op::kEq;
    case Op::kLt:
      return Op::kGe;
    case Op::kLe:
      return Op::kGt;
    case Op::kGt:
      return Op::kLe;
    case Op::kGe:
      return Op::kLt;
    case Op::kIn:
      return Op::kNotIn;
    case Op::kNotIn:
      return Op::kIn;
  }
  return op;
}

// `3 < x` is `x > 3`.
Op mirror(Op op) {
  switch (op) {
    case Op::kLt:
      return Op::kGt;
    case Op::kLe:
      return Op::kGe;
    case Op::kGt:
      return Op::kLt;
    case Op::kGe:
      return Op::kLe;
    default:
      return op;
  }
}

std::optional<Op> comparison_op(BinaryOp op) {
  switch (op) {
    case BinaryOp::kEq:
      return Op::kEq;
    case BinaryOp::kNe:
      return Op::kNe;
    case BinaryOp::kLt:
      return Op::kLt;
    case BinaryOp::kLe:
      return Op::kLe;
    case BinaryOp::kGt:
      return Op::kGt;
    case BinaryOp::kGe:
      return Op::kGe;
    default:
      return std::nullopt;
  }
}

// The values an attribute can take, as far as the analysis is concerned.
enum class Space {
  kReal,     // decimal, money
  kInteger,  // int, duration (whole seconds)
  kFinite,   // enum-like and bool: the listed symbols
  kOpen,     // text: any symbol
};

struct Subject {
  std::string name;
  Space space = Space::kOpen;
  bool duration = false;
  std::vector<std::string> symbols;  // kFinite
  std::optional<double> low, high;   // a constant `range`
};

// Bool attributes are the finite space {true, false}; no enum can have a
// value `true`, as it is a reserved word.
bool is_bool(const Subject& s) {
  return s.space == Space::kFinite && s.symbols.size() == 2 && s.symbols[0] == "true" && s.symbols[1] == "false";
}

// One comparison of an attribute with constants. Numbers for numeric spaces,
// symbols (enum values, "true"/"false", text) for the others.
struct Atom {
  std::string subject;
  Op op = Op::kEq;
  std::vector<double> numbers;
  std::vector<std::string> symbols;
};

bool contains_duration(const Expr& e, int depth) {
  if (depth > kMaxDepth) return false;
  if (e.kind == Expr::Kind::kDuration) return true;
  for (const ExprPtr& operand : e.operands) {
    if (operand && contains_duration(*operand, depth + 1)) return true;
  }
  return false;
}

class GuardReader {
 public:
  explicit GuardReader(const Context& ctx) : ctx_(ctx) {}

  // Splits `guard` at `and` into atoms; `complete` is false when some
  // conjunct is not a readable comparison (it is then left out, which only
  // makes the guard weaker).
  std::vector<Atom> read(const Expr& guard, bool& complete) {
    std::vector<Atom> atoms;
    complete = true;
    collect(guard, atoms, complete, 0);
    return atoms;
  }

  const Subject* subject(const std::string& name) {
    auto it = subjects_.find(name);
    if (it != subjects_.end()) return &it->second;
    auto attribute = ctx_.attribute(name);
    if (!attribute) return nullptr;
    Subject s;
    s.name = name;
    switch (attribute->type.kind) {
      case TypeKind::kNumber:
        s.space =
            attribute->field != nullptr && attribute->field->type == FieldType::kInt ? Space::kInteger : Space::kReal;
        break;
      case TypeKind::kDuration:
        s.space = Space::kInteger;
        s.duration = true;
        break;
      case TypeKind::kBool:
        s.space = Space::kFinite;
        s.symbols = {"true", "false"};
        break;
      case TypeKind::kEnum:
        if (attribute->type.domain == nullptr) return nullptr;
        s.space = Space::kFinite;
        s.symbols = attribute->type.domain->values;
        break;
      case TypeKind::kText:
        s.space = Space::kOpen;
        break;
      default:
        return nullptr;
    }
    const FieldDecl* field = attribute->field;
    if (field != nullptr && field->range_min && field->range_max &&
        (s.space == Space::kReal || s.space == Space::kInteger)) {
      s.low = constant_value(*field->range_min);
      s.high = constant_value(*field->range_max);
    }
    return &subjects_.emplace(name, std::move(s)).first->second;
  }

 private:
  void collect(const Expr& e, std::vector<Atom>& atoms, bool& complete, int depth) {
    if (depth > kMaxDepth) {
      complete = false;
      return;
    }
    if (e.kind == Expr::Kind::kBinary && e.binary == BinaryOp::kAnd && e.operands.size() == 2 && e.operands[0] &&
        e.operands[1]) {
      collect(*e.operands[0], atoms, complete, depth + 1);
      collect(*e.operands[1], atoms, complete, depth + 1);
      return;
    }
    if (e.kind == Expr::Kind::kUnary && e.unary == UnaryOp::kNot && !e.operands.empty() && e.operands[0] &&
        e.operands[0]->kind == Expr::Kind::kBinary && e.operands[0]->binary == BinaryOp::kOr &&
        e.operands[0]->operands.size() == 2) {
      // not (a or b) == not a and not b
      bool ok = true;
      std::vector<Atom> parts;
      for (const ExprPtr& operand : e.operands[0]->operands) {
        auto atom = operand ? read_atom(*operand, true, depth + 1) : std::nullopt;
        if (atom) {
          parts.push_back(*atom);
        } else {
          ok = false;
        }
      }
      atoms.insert(atoms.end(), parts.begin(), parts.end());
      if (!ok) complete = false;
      return;
    }
    auto atom = read_atom(e, false, depth);
    if (atom) {
      atoms.push_back(std::move(*atom));
    } else {
      complete = false;
    }
  }

  // A constant for `subject`: a number (of the subject's kind) or a symbol.
  bool read_constant(const Subject& subject, const Expr& e, Atom& atom) {
    switch (subject.space) {
      case Space::kReal:
      case Space::kInteger: {
        if (contains_duration(e, 0) != subject.duration) return false;
        auto value = constant_value(e);
        if (!value) return false;
        atom.numbers.push_back(*value);
        return true;
      }
      case Space::kFinite:
        if (e.kind == Expr::Kind::kBool && is_bool(subject)) {
          atom.symbols.push_back(e.boolean ? "true" : "false");
          return true;
        }
        if (e.kind == Expr::Kind::kName &&
            std::find(subject.symbols.begin(), subject.symbols.end(), e.text) != subject.symbols.end()) {
          atom.symbols.push_back(e.text);
          return true;
        }
        return false;
      case Space::kOpen:
        if (e.kind != Expr::Kind::kString) return false;
        atom.symbols.push_back(e.text);
        return true;
    }
    return false;
  }

  std::optional<Atom> read_atom(const Expr& e, bool negated, int depth) {
    if (depth > kMaxDepth) return std::nullopt;
    switch (e.kind) {
      case Expr::Kind::kUnary:
        if (e.unary != UnaryOp::kNot || e.operands.empty() || !e.operands[0]) return std::nullopt;
        return read_atom(*e.operands[0], !negated, depth + 1);
      case Expr::Kind::kName: {
        const Subject* s = subject(e.text);
        if (s == nullptr || !is_bool(*s)) {
          return std::nullopt;
        }
        return Atom{e.text, negated ? Op::kNe : Op::kEq, {}, {"true"}};
      }
      case Expr::Kind::kIn: {
        if (e.operands.empty() || !e.operands[0] || e.operands[0]->kind != Expr::Kind::kName) {
          return std::nullopt;
        }
        const Subject* s = subject(e.operands[0]->text);
        if (s == nullptr) return std::nullopt;
        Atom atom{s->name, negated ? Op::kNotIn : Op::kIn, {}, {}};
        for (std::size_t i = 1; i < e.operands.size(); ++i) {
          if (!e.operands[i] || !read_constant(*s, *e.operands[i], atom)) return std::nullopt;
        }
        return atom;
      }
      case Expr::Kind::kBinary: {
        if (e.operands.size() != 2 || !e.operands[0] || !e.operands[1]) return std::nullopt;
        if (e.binary == BinaryOp::kOr) return read_disjunction(e, negated, depth);
        auto op = comparison_op(e.binary);
        if (!op) return std::nullopt;
        const Expr* a = e.operands[0].get();
        const Expr* b = e.operands[1].get();
        const Subject* s = a->kind == Expr::Kind::kName ? subject(a->text) : nullptr;
        Atom atom;
        if (s == nullptr || !read_constant(*s, *b, atom)) {
          // `4 <= satisfaction`
          atom = Atom{};
          s = b->kind == Expr::Kind::kName ? subject(b->text) : nullptr;
          if (s == nullptr || !read_constant(*s, *a, atom)) return std::nullopt;
          op = mirror(*op);
        }
        bool ordering = *op != Op::kEq && *op != Op::kNe;
        if (ordering && s->space != Space::kReal && s->space != Space::kInteger) {
          return std::nullopt;
        }
        atom.subject = s->name;
        atom.op = negated ? negate(*op) : *op;
        return atom;
      }
      default:
        return std::nullopt;
    }
  }

  // `x == a or x == b` (or `in`) is `x in (a, b)`.
  std::optional<Atom> read_disjunction(const Expr& e, bool negated, int depth) {
    std::optional<Atom> merged;
    for (const ExprPtr& operand : e.operands) {
      auto atom = read_atom(*operand, false, depth + 1);
      if (!atom || (atom->op != Op::kEq && atom->op != Op::kIn)) return std::nullopt;
      if (!merged) {
        merged = std::move(atom);
        merged->op = Op::kIn;
        continue;
      }
      if (merged->subject != atom->subject) return std::nullopt;
      merged->numbers.insert(merged->numbers.end(), atom->numbers.begin(), atom->numbers.end());
      merged->symbols.insert(merged->symbols.end(), atom->symbols.begin(), atom->symbols.end());
    }
    if (merged && negated) merged->op = Op::kNotIn;
    return merged;
  }

  const Context& ctx_;
  std::map<std::string, Subject> subjects_;
};

// Whether some value of `subject` satisfies every atom.
bool satisfiable_symbols(const Subject& subject, const std::vector<const Atom*>& atoms) {
  std::optional<std::set<std::string>> allowed;
  if (subject.space == Space::kFinite) {
    allowed.emplace(subject.symbols.begin(), subject.symbols.end());
  }
  std::set<std::string> excluded;
  for (const Atom* atom : atoms) {
    std::set<std::string> values(atom->symbols.begin(), atom->symbols.end());
    if (atom->op == Op::kEq || atom->op == Op::kIn) {
      if (!allowed) {
        allowed = values;
      } else {
        std::set<std::string> both;
        for (const auto& v : *allowed) {
          if (values.count(v) != 0) both.insert(v);
        }
        allowed = std::move(both);
      }
    } else if (atom->op == Op::kNe || atom->op == Op::kNotIn) {
      excluded.insert(values.begin(), values.end());
    }
  }
  if (!allowed) return true;  // unbounded text minus finitely many
  for (const auto& v : *allowed) {
    if (excluded.count(v) == 0) return true;
  }
  return false;
}

bool satisfiable_numbers(const Subject& subject, const std::vector<const Atom*>& atoms) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  double low = -kInf, high = kInf;
  bool low_strict = false, high_strict = false;
  auto raise_low = [&](double v, bool strict) {
    if (v > low || (v == low && strict)) {
      low = v;
      low_strict = strict;
    }
  };
  auto lower_high = [&](double v, bool strict) {
    if (v < high || (v == high && strict)) {
      high = v;
      high_strict = strict;
    }
  };
  if (subject.low && subject.high && *subject.low <= *subject.high) {
    raise_low(*subject.low, false);
    lower_high(*subject.high, false);
  }
  std::optional<std::set<double>> points;
  std::set<double> excluded;
  for (const Atom* atom : atoms) {
    for (double v : atom->numbers) {
      switch (atom->op) {
        case Op::kLt:
          lower_high(v, true);
          break;
        case Op::kLe:
          lower_high(v, false);
          break;
        case Op::kGt:
          raise_low(v, true);
          break;
        case Op::kGe:
          raise_low(v, false);
          break;
        case Op::kNe:
        case Op::kNotIn:
          excluded.insert(v);
          break;
        case Op::kEq:
        case Op::kIn:
          break;
      }
    }
    if (atom->op == Op::kEq || atom->op == Op::kIn) {
      std::set<double> values(atom->numbers.begin(), atom->numbers.end());
      if (!points) {
        points = std::move(values);
      } else {
        std::set<double> both;
        for (double p : *points) {
          if (values.count(p) != 0) both.insert(p);
        }
        points = std::move(both);
      }
    }
  }
  bool integer = subject.space == Space::kInteger;
  auto admits = [&](double p) {
    if (integer && p != std::floor(p)) return false;
    if (p < low || (p == low && low_strict)) return false;
    if (p > high || (p == high && high_strict)) return false;
    return excluded.count(p) == 0;
  };
  if (points) {
    for (double p : *points) {
      if (admits(p)) return true;
    }
    return false;
  }
  if (!integer) {
    if (low < high) return true;
    return low == high && !low_strict && !high_strict && excluded.count(low) == 0;
  }
  double first = low_strict ? std::floor(low) + 1 : std::ceil(low);
  double last = high_strict ? std::ceil(high) - 1 : std::floor(high);
  if (first > last) return false;
  if (!std::isfinite(first) || !std::isfinite(last)) return true;
  // More whole numbers than exclusions: one is left.
  if (last - first + 1 > static_cast<double>(excluded.size())) return true;
  for (std::size_t k = 0; k <= excluded.size() && first + static_cast<double>(k) <= last; ++k) {
    if (excluded.count(first + static_cast<double>(k)) == 0) return true;
  }
  return false;
}

// Whether no value assignment satisfies all atoms (the guards exclude each other).
bool contradictory(GuardReader& reader, const std::vector<Atom>& atoms) {
  std::map<std::string, std::vector<const Atom*>> by_subject;
  for (const Atom& atom : atoms) by_subject[atom.subject].push_back(&atom);
  for (const auto& [name, list] : by_subject) {
    const Subject* subject = reader.subject(name);
    if (subject == nullptr) continue;
    bool numeric = subject->space == Space::kReal || subject->space == Space::kInteger;
    bool ok = numeric ? satisfiable_numbers(*subject, list) : satisfiable_symbols(*subject, list);
    if (!ok) return true;
  }
  return false;
}

// `on accepted by engineer` and `on accepted by supervisor` answer different
// senders: they are meant for different people, not a choice among guards.
bool for_different_senders(const Transition& a, const Transition& b) {
  if (a.roles.empty() || b.roles.empty()) return false;
  for (const Name& x : a.roles) {
    for (const Name& y : b.roles) {
      if (x.text == y.text) return false;
    }
  }
  return true;
}

const SourceLoc& where(const Transition& t) { return t.event.loc.known() ? t.event.loc : t.loc; }

void check_group(Context& ctx, GuardReader& reader, const StateDecl& state,
                 const std::vector<const Transition*>& group) {
  for (std::size_t j = 1; j < group.size(); ++j) {
    const Transition& later = *group[j];
    for (std::size_t i = 0; i < j; ++i) {
      const Transition& earlier = *group[i];
      if (for_different_senders(earlier, later)) continue;
      std::string subject = later.automatic
                                ? "automatic transitions from `" + state.name.text + "`"
                                : "transitions on `" + later.event.text + "` from `" + state.name.text + "`";
      std::string first_at = position(where(earlier), where(later));
      if (!earlier.guard) {
        ctx.error("E018", where(later), subject + " can both fire",
                  "the one at " + first_at + " has no guard and is always taken first; give them exclusive guards");
        break;
      }
      if (!later.guard) continue;  // a fallback after guarded transitions
      if (same_expr(*earlier.guard, *later.guard)) {
        ctx.error("E018", where(later), subject + " can both fire",
                  "it has the same guard as the one at " + first_at + ", which is tried first");
        break;
      }
      bool earlier_complete = false, later_complete = false;
      std::vector<Atom> atoms = reader.read(*earlier.guard, earlier_complete);
      std::vector<Atom> later_atoms = reader.read(*later.guard, later_complete);
      if (contradictory(reader, atoms) || contradictory(reader, later_atoms)) continue;
      atoms.insert(atoms.end(), later_atoms.begin(), later_atoms.end());
      if (contradictory(reader, atoms)) continue;
      if (earlier_complete && later_complete) {
        ctx.error("E018", where(later), subject + " can both fire",
                  "both guards can hold at once, and the one at " + first_at +
                      " is tried first; make the guards exclude each other");
      } else {
        ctx.warning("W002", where(later), subject + " may both fire",
                    "their guards cannot be proven exclusive; the first written, at " + first_at + ", wins");
      }
      break;
    }
  }
}

}  // namespace

void check_overlaps(Context& ctx) {
  GuardReader reader(ctx);
  for (const StateDecl& state : ctx.file.states) {
    std::map<std::string, std::vector<const Transition*>> by_event;
    std::vector<const Transition*> automatic;
    for (const Transition& t : state.transitions) {
      if (t.automatic) {
        automatic.push_back(&t);
      } else {
        by_event[t.event.text].push_back(&t);
      }
    }
    for (const auto& [event, group] : by_event) check_group(ctx, reader, state, group);
    check_group(ctx, reader, state, automatic);
  }
}

}  // namespace docket::dsl::checking
