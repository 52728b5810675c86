// Reading conditions as conjunctions of comparisons with constants, and
// searching for a ticket that gets past the earlier rules of a list (see
// dsl/check_conditions.h).

#include "dsl/check_conditions.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <string_view>

#include "engine/model/text.h"

namespace docket::dsl::checking {
namespace {

constexpr int kMaxDepth = 2048;

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

// Bool attributes are the finite space {true, false}; no enum can have a
// value `true`, as it is a reserved word.
bool is_bool(const Subject& s) {
  return s.space == Space::kFinite && s.symbols.size() == 2 && s.symbols[0] == "true" && s.symbols[1] == "false";
}

// An enum whose values are whole numbers (`enum(1, 2, 3)`): they are ordered
// as numbers, so `impact <= 2` is `impact in (1, 2)`.
bool is_numeric_enum(const Subject& s) {
  return s.space == Space::kFinite && !is_bool(s) && !s.symbols.empty() &&
         std::all_of(s.symbols.begin(), s.symbols.end(), [](const std::string& v) { return written_as_number(v); });
}

// `impact <= 2` on a numeric enum: the values that satisfy it, as `in`.
Atom ordered_symbols(const Subject& s, Op op, Atom atom, bool negated) {
  double bound = std::stod(atom.symbols.front());
  atom.symbols.clear();
  for (const std::string& value : s.symbols) {
    double v = std::stod(value);
    bool holds = op == Op::kLt ? v < bound : op == Op::kLe ? v <= bound : op == Op::kGt ? v > bound : v >= bound;
    if (holds) atom.symbols.push_back(value);
  }
  atom.op = negated ? Op::kNotIn : Op::kIn;
  return atom;
}

bool contains_duration(const Expr& e, int depth) {
  if (depth > kMaxDepth) return false;
  if (e.kind == Expr::Kind::kDuration) return true;
  for (const ExprPtr& operand : e.operands) {
    if (operand && contains_duration(*operand, depth + 1)) return true;
  }
  return false;
}

// Whether `e` computes a constant by arithmetic (`2500 * 2`).
bool computes(const Expr& e, int depth) {
  if (depth > kMaxDepth) return true;
  if (e.kind == Expr::Kind::kBinary && (e.binary == BinaryOp::kAdd || e.binary == BinaryOp::kSub ||
                                        e.binary == BinaryOp::kMul || e.binary == BinaryOp::kDiv)) {
    return true;
  }
  for (const ExprPtr& operand : e.operands) {
    if (operand && computes(*operand, depth + 1)) return true;
  }
  return false;
}

}  // namespace

Atom opposite(Atom atom) {
  atom.op = negate(atom.op);
  return atom;
}

Reading GuardReader::read(const Expr& condition) {
  Reading reading;
  collect(condition, reading.atoms, reading.complete, 0);
  return reading;
}

Reading GuardReader::read_exactly(const Expr& condition) {
  // Below 10^11, numbers of four decimal places are apart by more than the
  // spacing of doubles, so that doubles order them as the engine does.
  constexpr double kExactBelow = 1e11;
  if (computes(condition, 0)) return Reading{{}, false};
  Reading reading = read(condition);
  for (const Atom& atom : reading.atoms) {
    for (double number : atom.numbers) {
      if (!(std::fabs(number) < kExactBelow)) return Reading{{}, false};
    }
  }
  return reading;
}

const Subject* GuardReader::subject(const std::string& name) {
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
  // A required field cannot be created empty nor cleared; a ticket is always in a state.
  s.always_set = field != nullptr ? field->required : name == "state";
  if (field != nullptr && field->range_min && field->range_max &&
      (s.space == Space::kReal || s.space == Space::kInteger)) {
    s.low = constant_value(*field->range_min);
    s.high = constant_value(*field->range_max);
  }
  return &subjects_.emplace(name, std::move(s)).first->second;
}

void GuardReader::collect(const Expr& e, std::vector<Atom>& atoms, bool& complete, int depth) {
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
bool GuardReader::read_constant(const Subject& subject, const Expr& e, Atom& atom) {
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
      // A name, or a number as the values of a numeric enum are written (`impact == 1`).
      if ((e.kind == Expr::Kind::kName || e.kind == Expr::Kind::kNumber) &&
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

std::optional<Atom> GuardReader::read_atom(const Expr& e, bool negated, int depth) {
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
      atom.subject = s->name;
      if (ordering && is_numeric_enum(*s)) return ordered_symbols(*s, *op, atom, negated);
      if (ordering && s->space != Space::kReal && s->space != Space::kInteger) {
        return std::nullopt;
      }
      atom.op = negated ? negate(*op) : *op;
      return atom;
    }
    default:
      return std::nullopt;
  }
}

// `x == a or x == b` (or `in`) is `x in (a, b)`.
std::optional<Atom> GuardReader::read_disjunction(const Expr& e, bool negated, int depth) {
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

namespace {

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

}  // namespace

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

namespace {

bool is_numeric(const Subject& s) { return s.space == Space::kReal || s.space == Space::kInteger; }

bool satisfiable(const Subject& subject, const std::vector<const Atom*>& atoms) {
  return is_numeric(subject) ? satisfiable_numbers(subject, atoms) : satisfiable_symbols(subject, atoms);
}

// Whether an earlier atom of `rule` than atoms[k] compares the same attribute.
bool seen_before(const Reading& rule, std::size_t k) {
  for (std::size_t i = 0; i < k; ++i) {
    if (rule.atoms[i].subject == rule.atoms[k].subject) return true;
  }
  return false;
}

enum class Step { kTaken, kNoneLeft, kOutOfBudget };

// A rule the search has to get past, and how far it got: the ways of
// avoiding it are, in order, each of its comparisons false; then (kAnyWay)
// each attribute it reads without a value; then, for a rule that could not
// be read entirely, nothing (its unread part may be false).
struct Frame {
  std::size_t rule = 0;
  std::size_t next_way = 0;
  std::vector<const std::string*> subjects;  // kAnyWay: the attributes the rule reads, each once
  bool added_atom = false;
  bool added_unset = false;
};

// A depth-first search with one frame per rule the assumptions do not
// already avoid, iterative so that a list of any length cannot exhaust the
// stack. Its cost can grow with the product of the rules' sizes; the work
// budget bounds it.
class Search {
 public:
  Search(Context& ctx, GuardReader& reader, Avoiding avoiding, const SourceLoc& where)
      : ctx_(ctx), reader_(reader), avoiding_(avoiding), where_(where) {}

  SearchResult run(Assumptions start, std::span<const Reading* const> earlier) {
    ticket_ = std::move(start);
    if (!ctx_.spend(ticket_.atoms.size() + 1, where_)) return {Found::kOutOfBudget, {}};
    if (contradictory(reader_, ticket_.atoms)) return {Found::kNo, {}};
    std::vector<Frame> frames;
    std::size_t next = 0;
    for (;;) {
      while (next < earlier.size()) {
        const Reading& rule = *earlier[next];
        // can_match() looks at the ticket once for each attribute of the rule.
        if (!ctx_.spend((ticket_.atoms.size() + 1) * (rule.atoms.size() + 1), where_)) {
          return {Found::kOutOfBudget, {}};
        }
        if (!can_match(rule)) {
          ++next;
          continue;
        }
        frames.push_back(frame_for(next, rule));
        break;
      }
      if (next == earlier.size()) return {Found::kYes, std::move(ticket_)};
      // Avoid the innermost rule its next way; when it has none left, go back
      // to the rule before it.
      for (;;) {
        if (frames.empty()) return {Found::kNo, {}};
        Frame& frame = frames.back();
        undo(frame);
        Step step = take_next_way(frame, *earlier[frame.rule]);
        if (step == Step::kOutOfBudget) return {Found::kOutOfBudget, {}};
        if (step == Step::kTaken) {
          next = frame.rule + 1;
          break;
        }
        frames.pop_back();
      }
    }
  }

 private:
  bool assumed_unset(const std::string& name) const {
    return std::find(ticket_.unset.begin(), ticket_.unset.end(), name) != ticket_.unset.end();
  }

  // Whether attribute `name` can have what the ticket and `extra` (when
  // given) assume of it: a value satisfying their atoms, or no value when
  // assumed unset.
  bool fits(const std::string& name, const std::vector<Atom>* extra) {
    const Subject* subject = reader_.subject(name);
    if (subject == nullptr) return true;
    scratch_.clear();
    for (const Atom& atom : ticket_.atoms) {
      if (atom.subject == name) scratch_.push_back(&atom);
    }
    if (extra != nullptr) {
      for (const Atom& atom : *extra) {
        if (atom.subject == name) scratch_.push_back(&atom);
      }
    }
    if (assumed_unset(name)) return scratch_.empty() && !subject->always_set;
    return satisfiable(*subject, scratch_);
  }

  // Whether a ticket of which the assumptions hold can match `rule`.
  bool can_match(const Reading& rule) {
    for (std::size_t k = 0; k < rule.atoms.size(); ++k) {
      if (!seen_before(rule, k) && !fits(rule.atoms[k].subject, &rule.atoms)) return false;
    }
    return true;
  }

  Frame frame_for(std::size_t index, const Reading& rule) const {
    Frame frame;
    frame.rule = index;
    if (avoiding_ == Avoiding::kAnyWay) {
      for (std::size_t k = 0; k < rule.atoms.size(); ++k) {
        if (!seen_before(rule, k)) frame.subjects.push_back(&rule.atoms[k].subject);
      }
    }
    return frame;
  }

  std::size_t ways(const Frame& frame, const Reading& rule) const {
    if (avoiding_ == Avoiding::kByValue) return rule.atoms.size();
    return rule.atoms.size() + frame.subjects.size() + (rule.complete ? 0 : 1);
  }

  void undo(Frame& frame) {
    if (frame.added_atom) ticket_.atoms.pop_back();
    if (frame.added_unset) ticket_.unset.pop_back();
    frame.added_atom = false;
    frame.added_unset = false;
  }

  // Assumes the next way of avoiding the frame's rule that fits the ticket.
  Step take_next_way(Frame& frame, const Reading& rule) {
    std::size_t count = ways(frame, rule);
    while (frame.next_way < count) {
      std::size_t way = frame.next_way++;
      if (!ctx_.spend(ticket_.atoms.size() + 1, where_)) return Step::kOutOfBudget;
      if (way < rule.atoms.size()) {
        ticket_.atoms.push_back(opposite(rule.atoms[way]));
        if (fits(ticket_.atoms.back().subject, nullptr)) {
          frame.added_atom = true;
          return Step::kTaken;
        }
        ticket_.atoms.pop_back();
        continue;
      }
      way -= rule.atoms.size();
      if (way < frame.subjects.size()) {
        ticket_.unset.push_back(*frame.subjects[way]);
        if (fits(ticket_.unset.back(), nullptr)) {
          frame.added_unset = true;
          return Step::kTaken;
        }
        ticket_.unset.pop_back();
        continue;
      }
      return Step::kTaken;
    }
    return Step::kNoneLeft;
  }

  Context& ctx_;
  GuardReader& reader_;
  Avoiding avoiding_;
  const SourceLoc& where_;
  Assumptions ticket_;
  std::vector<const Atom*> scratch_;
};

}  // namespace

SearchResult find_ticket(Context& ctx, GuardReader& reader, Assumptions start, std::span<const Reading* const> earlier,
                         Avoiding avoiding, const SourceLoc& where) {
  return Search(ctx, reader, avoiding, where).run(std::move(start), earlier);
}

bool exclusive(GuardReader& reader, const std::vector<Atom>& a, const std::vector<Atom>& b) {
  std::map<std::string_view, std::vector<const Atom*>> by_subject;
  for (const Atom& atom : a) by_subject[atom.subject].push_back(&atom);
  std::set<std::string_view> shared;
  for (const Atom& atom : b) {
    auto it = by_subject.find(atom.subject);
    if (it == by_subject.end()) continue;
    it->second.push_back(&atom);
    shared.insert(atom.subject);
  }
  for (std::string_view name : shared) {
    const Subject* subject = reader.subject(std::string(name));
    if (subject != nullptr && !satisfiable(*subject, by_subject[name])) return true;
  }
  return false;
}

std::size_t expression_parts(const Expr& e) {
  // Iterative: the parser bounds the depth, but nothing here needs to rely on it.
  std::size_t parts = 0;
  std::vector<const Expr*> pending{&e};
  while (!pending.empty()) {
    const Expr* next = pending.back();
    pending.pop_back();
    ++parts;
    for (const ExprPtr& operand : next->operands) {
      if (operand) pending.push_back(operand.get());
    }
  }
  return parts;
}

Found find_ticket_outside(Context& ctx, GuardReader& reader, const Reading& a, const Reading& b,
                          const SourceLoc& where) {
  const Reading* only[] = {&b};
  return find_ticket(ctx, reader, Assumptions{a.atoms, {}}, only, Avoiding::kAnyWay, where).found;
}

std::vector<std::size_t> shadowing_rules(Context& ctx, GuardReader& reader, const Reading& later,
                                         std::span<const Reading* const> earlier, const SourceLoc& where) {
  if (!ctx.spend(later.atoms.size() + 1, where) || contradictory(reader, later.atoms)) return {};
  // One rule that takes them all is the clearest report, and the cheapest
  // proof. Rules read incompletely may not hold where they seem to: they take
  // nothing for certain.
  std::vector<std::size_t> some;
  std::vector<Atom> both;
  for (std::size_t i = 0; i < earlier.size(); ++i) {
    if (!earlier[i]->complete) continue;
    if (!ctx.spend(later.atoms.size() + earlier[i]->atoms.size() + 1, where)) return {};
    both = later.atoms;
    both.insert(both.end(), earlier[i]->atoms.begin(), earlier[i]->atoms.end());
    if (contradictory(reader, both)) continue;
    Found outside = find_ticket_outside(ctx, reader, later, *earlier[i], where);
    if (outside == Found::kOutOfBudget) return {};
    if (outside == Found::kNo) return {i};
    some.push_back(i);
  }
  if (some.empty()) return {};
  if (find_ticket(ctx, reader, Assumptions{later.atoms, {}}, earlier, Avoiding::kAnyWay, where).found != Found::kNo) {
    return {};
  }
  return some;
}

std::string rules_at(const std::vector<SourceLoc>& locs, const SourceLoc& relative_to, const std::string& noun,
                     const std::string& plural) {
  constexpr std::size_t kNamed = 3;
  if (locs.size() == 1) return "the " + noun + " at " + position(locs.front(), relative_to);
  std::string out = "the " + plural + " at ";
  std::size_t named = locs.size() > kNamed + 1 ? kNamed : locs.size();
  for (std::size_t i = 0; i < named; ++i) {
    if (i != 0) out += i + 1 == named && named == locs.size() ? " and " : ", ";
    out += position(locs[i], relative_to);
  }
  if (named < locs.size()) out += " and " + std::to_string(locs.size() - named) + " more";
  return out;
}

// ---------------------------------------------------------------- examples

namespace {

bool holds(const Atom& atom, double value) {
  auto listed = std::find(atom.numbers.begin(), atom.numbers.end(), value) != atom.numbers.end();
  double bound = atom.numbers.empty() ? 0 : atom.numbers.front();
  switch (atom.op) {
    case Op::kEq:
    case Op::kIn:
      return listed;
    case Op::kNe:
    case Op::kNotIn:
      return !listed;
    case Op::kLt:
      return value < bound;
    case Op::kLe:
      return value <= bound;
    case Op::kGt:
      return value > bound;
    case Op::kGe:
      return value >= bound;
  }
  return false;
}

bool holds(const Atom& atom, const std::string& value) {
  bool listed = std::find(atom.symbols.begin(), atom.symbols.end(), value) != atom.symbols.end();
  switch (atom.op) {
    case Op::kEq:
    case Op::kIn:
      return listed;
    case Op::kNe:
    case Op::kNotIn:
      return !listed;
    default:
      return false;
  }
}

template <typename Value>
bool holds_all(const std::vector<const Atom*>& atoms, const Value& value) {
  return std::all_of(atoms.begin(), atoms.end(), [&](const Atom* atom) { return holds(*atom, value); });
}

bool admits(const Subject& subject, const std::vector<const Atom*>& atoms, double value) {
  if (subject.space == Space::kInteger && value != std::floor(value)) return false;
  if (subject.low && subject.high && *subject.low <= *subject.high && (value < *subject.low || value > *subject.high)) {
    return false;
  }
  return holds_all(atoms, value);
}

std::string show_number(const Subject& subject, double value) {
  if (subject.duration) return format_duration(static_cast<std::int64_t>(value));
  if (value == std::floor(value)) return format_number(value);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4f", value);
  std::string text = buffer;
  while (text.back() == '0') text.pop_back();
  return text;
}

// The value shown is the nicest one next to a constant of the atoms: the
// values that satisfy them are runs between those constants, and each run
// starts at one of them or one step past it.
std::optional<std::string> example_number(const Subject& subject, const std::vector<const Atom*>& atoms) {
  std::vector<double> constants;
  for (const Atom* atom : atoms) constants.insert(constants.end(), atom->numbers.begin(), atom->numbers.end());
  if (subject.low) constants.push_back(*subject.low);
  if (subject.high) constants.push_back(*subject.high);
  std::vector<double> steps;
  if (subject.duration) {
    steps = {3600, 60, 1};
  } else if (subject.space == Space::kInteger) {
    steps = {1};
  } else {
    steps = {1, 0.0001};
  }
  std::vector<double> candidates{0};
  for (double c : constants) {
    candidates.push_back(c);
    for (double step : steps) {
      candidates.push_back(c + step);
      candidates.push_back(c - step);
    }
  }
  // Whole numbers first, and of those the ones that are not negative.
  auto nice = [](double v) { return (v == std::floor(v) ? 2 : 0) + (v >= 0 ? 1 : 0); };
  std::stable_sort(candidates.begin(), candidates.end(), [&](double a, double b) { return nice(a) > nice(b); });
  for (double candidate : candidates) {
    if (admits(subject, atoms, candidate)) return show_number(subject, candidate);
  }
  return std::nullopt;
}

std::optional<std::string> example_symbol(const Subject& subject, const std::vector<const Atom*>& atoms) {
  std::vector<std::string> candidates = subject.symbols;
  if (subject.space == Space::kOpen) {
    for (const Atom* atom : atoms) candidates.insert(candidates.end(), atom->symbols.begin(), atom->symbols.end());
    candidates.push_back("");
    candidates.push_back("other");
  }
  for (const std::string& candidate : candidates) {
    if (!holds_all(atoms, candidate)) continue;
    return subject.space == Space::kOpen ? engine::json_string(candidate) : candidate;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::vector<std::pair<std::string, std::string>>> example_values(GuardReader& reader,
                                                                               const Assumptions& ticket) {
  std::vector<std::string_view> order;
  std::map<std::string_view, std::vector<const Atom*>> by_subject;
  for (const Atom& atom : ticket.atoms) {
    auto& atoms = by_subject[atom.subject];
    if (atoms.empty()) order.push_back(atom.subject);
    atoms.push_back(&atom);
  }
  std::vector<std::pair<std::string, std::string>> values;
  for (std::string_view name : order) {
    const Subject* subject = reader.subject(std::string(name));
    if (subject == nullptr) return std::nullopt;
    const std::vector<const Atom*>& atoms = by_subject[name];
    auto value = is_numeric(*subject) ? example_number(*subject, atoms) : example_symbol(*subject, atoms);
    if (!value) return std::nullopt;
    values.emplace_back(std::string(name), std::move(*value));
  }
  return values;
}

}  // namespace docket::dsl::checking
