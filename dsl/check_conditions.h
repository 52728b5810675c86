// Conditions read as conjunctions of comparisons of one attribute with
// constants, and what the checker decides from them: whether two conditions
// can hold at once (check_overlap.cpp), and whether a ticket can get past the
// earlier rules of a first-match list to a later one (check_shadow.cpp).
//
// Private to the checker (dsl/check*.cpp). A condition that cannot be read
// entirely is read as the parts that can be (`complete` false), which is
// weaker than the condition: every conclusion drawn from a reading says so
// when it is only as good as that.

#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "dsl/check_context.h"

namespace docket::dsl::checking {

enum class Op { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNotIn };

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
  bool always_set = false;           // a required field, or `state`: never without a value
  std::vector<std::string> symbols;  // kFinite
  std::optional<double> low, high;   // a constant `range`
};

// One comparison of an attribute with constants. Numbers for numeric spaces,
// symbols (enum values, "true"/"false", text) for the others.
struct Atom {
  std::string subject;
  Op op = Op::kEq;
  std::vector<double> numbers;
  std::vector<std::string> symbols;
};

// The comparison that holds exactly when `atom` does not (of a value).
Atom opposite(Atom atom);

// A condition as a conjunction of atoms. Without a condition (`otherwise`,
// a transition without a guard) there are no atoms and it is complete.
struct Reading {
  std::vector<Atom> atoms;
  bool complete = true;  // false: some conjunct could not be read and is left out
};

class GuardReader {
 public:
  explicit GuardReader(const Context& ctx) : ctx_(ctx) {}

  // Splits `condition` at `and` into atoms.
  Reading read(const Expr& condition);

  // As read(), but for claims that one condition implies another, which
  // must hold to the last digit: a condition that computes a constant
  // (`2500 * 2`) or compares with a number of more than 11 digits before the
  // point is not read at all, as the engine computes with four decimal
  // places and the analysis with doubles.
  Reading read_exactly(const Expr& condition);

  const Subject* subject(const std::string& name);

 private:
  void collect(const Expr& e, std::vector<Atom>& atoms, bool& complete, int depth);
  bool read_constant(const Subject& subject, const Expr& e, Atom& atom);
  std::optional<Atom> read_atom(const Expr& e, bool negated, int depth);
  std::optional<Atom> read_disjunction(const Expr& e, bool negated, int depth);

  const Context& ctx_;
  std::map<std::string, Subject> subjects_;
};

// Whether no value assignment satisfies all atoms (the guards exclude each other).
bool contradictory(GuardReader& reader, const std::vector<Atom>& atoms);

// Whether no ticket satisfies the atoms of `a` and `b` together, when each
// list alone is satisfiable.
bool exclusive(GuardReader& reader, const std::vector<Atom>& a, const std::vector<Atom>& b);

// The parts of an expression (operators, names, constants): what looking at
// it once costs.
std::size_t expression_parts(const Expr& e);

// ---------------------------------------------------------------- searching for a ticket

// What a search assumes of a ticket: atoms that hold of it, and attributes
// it has no value for (a condition that reads one of them does not hold).
struct Assumptions {
  std::vector<Atom> atoms;
  std::vector<std::string> unset;
};

enum class Avoiding {
  // Only by a value that makes one of a rule's comparisons false, so that
  // the ticket found can be shown (check_shadow.cpp's examples).
  kByValue,
  // Any way: also by leaving an attribute the rule reads without a value,
  // and past a rule that could not be read entirely (its unread part may be
  // false). A ticket not found this way provably does not exist.
  kAnyWay,
};

enum class Found { kYes, kNo, kOutOfBudget };

struct SearchResult {
  Found found = Found::kNo;
  Assumptions ticket;  // kYes: the ticket found
};

// Looks for a ticket of which `start` holds and that matches none of
// `earlier` (readings of rules written before, in order). Every step is paid
// from the checker's work budget with Context::spend(), charged to `where`;
// kOutOfBudget when it runs out first.
SearchResult find_ticket(Context& ctx, GuardReader& reader, Assumptions start, std::span<const Reading* const> earlier,
                         Avoiding avoiding, const SourceLoc& where);

// The rules of `earlier` that take every ticket `later` matches, when
// provably some do: the first one that takes them all alone, or else every
// one that takes some of them. Empty when a ticket can match `later` and
// none of `earlier`, when `later` holds of no ticket at all, or when the
// work budget ran out. `later` may be read incompletely (it is then weaker);
// `earlier` rules read incompletely do not count as taking anything.
std::vector<std::size_t> shadowing_rules(Context& ctx, GuardReader& reader, const Reading& later,
                                         std::span<const Reading* const> earlier, const SourceLoc& where);

// Whether every ticket `a` matches, `b` matches too (kNo: provably; kYes:
// a ticket of `a` that `b` does not match may exist).
Found find_ticket_outside(Context& ctx, GuardReader& reader, const Reading& a, const Reading& b,
                          const SourceLoc& where);

// "the rule at 6:1", "the rules at 6:1 and 7:1", "the rules at 6:1, 7:1,
// 8:1 and 2 more", positions as position() writes them.
std::string rules_at(const std::vector<SourceLoc>& locs, const SourceLoc& relative_to, const std::string& noun,
                     const std::string& plural);

// Values of the attributes of `ticket` that satisfy its atoms, as the
// designer writes them ("compensation 5001", "priority P0"), in the order
// the atoms name them; nullopt when some attribute has no value to show
// (the atoms hold only of reals between two numbers four decimals apart).
std::optional<std::vector<std::pair<std::string, std::string>>> example_values(GuardReader& reader,
                                                                               const Assumptions& ticket);

}  // namespace docket::dsl::checking
