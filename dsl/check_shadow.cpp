// Rules of first-match lists that the rules before them hide.
//
// Approval rules and classification rules are tried in the order written and
// the first that matches decides, so an earlier rule can take tickets a later
// one was written for:
//   - when the earlier rules together take every ticket a rule matches, it can
//     never apply (E039). Only what is proven is reported: the conditions are
//     read as comparisons of attributes with constants (dsl/check_conditions.h),
//     an attribute the condition reads may have no value (then the condition
//     does not hold) unless it is a required field, and a condition that
//     cannot be read entirely counts as taking nothing;
//   - when an earlier rule takes some tickets of a later one and gives them a
//     weaker outcome, W006 shows such a ticket. A weaker outcome is an approval
//     choice that asks for fewer signatures, or a less urgent priority. Nothing
//     is reported for an exception written before a general rule (every
//     ticket of the earlier rule matches the later one), nor for an earlier
//     rule that decides more strictly (classification written from the most
//     urgent priority down), nor against the rows of `approval by priority`,
//     which are the fallback of the `when` rules before them.
// Decision tables have one cell per pair of values and category routes all
// apply: neither is a first-match list. Transitions are checked with their
// overlaps (check_overlap.cpp).

#include <algorithm>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "dsl/check_conditions.h"

namespace docket::dsl::checking {
namespace {

// How strongly an outcome treats a ticket: an approval choice by the levels
// and the signatures it asks for, a priority by its urgency (both numbers
// the same, counted up from the least urgent). One is weaker than another
// when it is not stronger in either number and weaker in one.
struct Strength {
  std::size_t levels = 0;
  std::size_t votes = 0;
};

bool weaker(const Strength& a, const Strength& b) {
  return a.levels <= b.levels && a.votes <= b.votes && (a.levels < b.levels || a.votes < b.votes);
}

// One rule of a first-match list, as the analysis sees it.
struct ListRule {
  SourceLoc loc;
  Reading reading;                   // no atoms and complete: matches every ticket
  std::string outcome;               // the chain or result chosen, as written
  std::optional<Strength> strength;  // none: not comparable (unordered outcomes, an undefined name)
  bool may_hide = true;              // false: only as an earlier rule (a duplicate row, reported as E011)
  bool may_be_hidden = true;         // false: never the later rule of W006 (a `by priority` row)
  bool placed_first = false;         // `approval first`: before the rules of the file extended

  bool matches_every_ticket() const { return reading.atoms.empty() && reading.complete; }
};

struct FirstMatchList {
  std::string noun;         // "approval rule"
  std::string plural;       // "approval rules"
  std::string weaker_word;  // "weaker"
  std::string reorder;      // how a variant puts its rule before the base's
  std::vector<ListRule> rules;
  std::vector<const Reading*> readings;  // of `rules`, in order: the earlier rules of each one
};

std::string help_for_shadowed(const ListRule& rule, const ListRule& first_by, const FirstMatchList& list) {
  if (rule.matches_every_ticket()) return "remove it: the " + list.plural + " before it decide every ticket";
  if (first_by.loc.file != rule.loc.file && first_by.placed_first) {
    return "`approval first` puts the rule at " + position(first_by.loc, rule.loc) +
           " before the rules of the file it extends; to drop those, write `override approval` instead, or remove it";
  }
  if (first_by.loc.file != rule.loc.file) {
    return "the rules of the file it extends come first; " + list.reorder + ", or remove it";
  }
  return "move it before line " + std::to_string(first_by.loc.line) + " to make it an exception, or remove it";
}

// E039 when the rules before `rules[j]` leave it no ticket; true when reported.
bool report_never_applies(Context& ctx, GuardReader& reader, const FirstMatchList& list, std::size_t j) {
  const ListRule& later = list.rules[j];
  std::vector<std::size_t> by =
      shadowing_rules(ctx, reader, later.reading, std::span(list.readings).first(j), later.loc);
  if (by.empty()) return false;
  std::vector<SourceLoc> locs;
  for (std::size_t i : by) locs.push_back(list.rules[i].loc);
  ctx.error(
      "E039", later.loc,
      list.noun + " can never apply: every ticket it matches is taken by " + rules_at(locs, later.loc, "rule", "rules"),
      help_for_shadowed(later, list.rules[by.front()], list));
  return true;
}

// "priority P0 and compensation 5001".
std::string describe_ticket(const std::vector<std::pair<std::string, std::string>>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i != 0) out += i + 1 == values.size() ? " and " : ", ";
    out += values[i].first + " " + values[i].second;
  }
  return out;
}

// A ticket that reaches `earlier` (matches none of the rules before it) and
// matches `later` too, with values to show.
std::optional<std::string> example_reaching(Context& ctx, GuardReader& reader, const FirstMatchList& list,
                                            std::size_t i, std::size_t j) {
  const ListRule& earlier = list.rules[i];
  const ListRule& later = list.rules[j];
  Assumptions both{earlier.reading.atoms, {}};
  both.atoms.insert(both.atoms.end(), later.reading.atoms.begin(), later.reading.atoms.end());
  SearchResult found = find_ticket(ctx, reader, both, std::span(list.readings).first(i), Avoiding::kByValue, later.loc);
  if (found.found != Found::kYes) return std::nullopt;
  auto values = example_values(reader, found.ticket);
  if (!values || values->empty()) return std::nullopt;
  return describe_ticket(*values);
}

// W006 for the first earlier rule that takes tickets of `rules[j]` and
// decides them more weakly.
void report_weaker_earlier(Context& ctx, GuardReader& reader, const FirstMatchList& list, std::size_t j) {
  const ListRule& later = list.rules[j];
  // Every ticket of an earlier rule matches `otherwise`: it is the exception.
  if (!later.strength || !later.may_be_hidden || later.matches_every_ticket() || !later.reading.complete) return;
  for (std::size_t i = 0; i < j; ++i) {
    const ListRule& earlier = list.rules[i];
    if (!ctx.spend(1, later.loc)) return;
    if (!earlier.strength || !weaker(*earlier.strength, *later.strength)) continue;
    if (earlier.matches_every_ticket() || !earlier.reading.complete) continue;
    // An exception written before the general rule it narrows.
    Found outside = find_ticket_outside(ctx, reader, earlier.reading, later.reading, later.loc);
    if (outside == Found::kOutOfBudget) return;
    if (outside == Found::kNo) continue;
    auto example = example_reaching(ctx, reader, list, i, j);
    if (!example) continue;
    ctx.warning("W006", later.loc,
                list.noun + " is partly shadowed: a ticket with " + *example + " gets the " + list.weaker_word + " `" +
                    earlier.outcome + "` of the rule at " + position(earlier.loc, later.loc) + " instead of `" +
                    later.outcome + "`",
                earlier.loc.file == later.loc.file
                    ? "move it before line " + std::to_string(earlier.loc.line) +
                          " if it should decide those tickets, or make the two conditions exclude each other"
                : earlier.placed_first
                    ? "make the two conditions exclude each other, or drop the base's rules with `override approval`"
                    : "make the two conditions exclude each other, or " + list.reorder);
    return;
  }
}

void check_list(Context& ctx, GuardReader& reader, FirstMatchList list) {
  for (const ListRule& rule : list.rules) list.readings.push_back(&rule.reading);
  for (std::size_t j = 1; j < list.rules.size(); ++j) {
    if (!list.rules[j].may_hide) continue;
    if (report_never_applies(ctx, reader, list, j)) continue;
    report_weaker_earlier(ctx, reader, list, j);
  }
}

ListRule read_rule(GuardReader& reader, const SourceLoc& loc, const ExprPtr& condition, std::string outcome) {
  ListRule rule;
  rule.loc = loc;
  if (condition) rule.reading = reader.read_exactly(*condition);
  rule.outcome = std::move(outcome);
  return rule;
}

// ---------------------------------------------------------------- approval rules

// `none` asks for nothing, a role for one signature, a chain for its levels
// and the votes of their quorums (as engine/runtime/approval.h counts them).
std::optional<Strength> strength_of(const Context& ctx, const std::string& choice) {
  if (choice == "none") return Strength{};
  auto chain = ctx.chains.find(choice);
  if (chain != ctx.chains.end()) {
    Strength strength;
    for (const ApprovalLevel& level : chain->second->levels) {
      ++strength.levels;
      switch (level.quorum) {
        case Quorum::kAny:
          strength.votes += 1;
          break;
        case Quorum::kAll:
          strength.votes += std::max<std::size_t>(level.roles.size(), 1);
          break;
        case Quorum::kCount:
          strength.votes += static_cast<std::size_t>(std::max(level.count, 1));
          break;
      }
    }
    return strength;
  }
  if (ctx.role_holders.count(choice) != 0) return Strength{1, 1};
  return std::nullopt;
}

FirstMatchList approval_list(const Context& ctx, GuardReader& reader) {
  FirstMatchList list{
      "approval rule", "approval rules", "weaker", "write `approval first` to try it before them", {}, {}};
  std::set<std::string> rows;
  for (const ApprovalChoice& choice : ctx.file.approvals) {
    if (choice.priority.empty()) {
      list.rules.push_back(read_rule(reader, choice.loc, choice.condition, choice.chain.text));
    } else {
      // A row is `priority == P`; a row of an undefined priority matches nothing (E010).
      if (!ctx.priority_domain.contains(choice.priority.text)) continue;
      ListRule row;
      row.loc = choice.loc;
      row.reading.atoms.push_back(Atom{"priority", Op::kEq, {}, {choice.priority.text}});
      row.outcome = choice.chain.text;
      row.may_hide = rows.insert(choice.priority.text).second;
      row.may_be_hidden = false;
      list.rules.push_back(std::move(row));
    }
    list.rules.back().strength = strength_of(ctx, choice.chain.text);
    list.rules.back().placed_first = choice.first;
  }
  return list;
}

// ---------------------------------------------------------------- classification rules

FirstMatchList classification_list(const Context& ctx, GuardReader& reader, const ClassifyDecl& classify) {
  FirstMatchList list{"classification rule",
                      "classification rules",
                      "less urgent",
                      "list them all in the order wanted with `override`",
                      {},
                      {}};
  // Priorities are declared from the most urgent down; other targets have no order.
  const std::vector<std::string>& order = ctx.priority_domain.values;
  bool ordered = classify.target.text == "priority";
  for (const ClassifyRule& rule : classify.rules) {
    list.rules.push_back(read_rule(reader, rule.loc, rule.condition, rule.result.text));
    auto at = std::find(order.begin(), order.end(), rule.result.text);
    if (ordered && at != order.end()) {
      std::size_t urgency = static_cast<std::size_t>(order.end() - at);
      list.rules.back().strength = Strength{urgency, urgency};
    }
  }
  return list;
}

}  // namespace

void check_shadowing(Context& ctx) {
  GuardReader reader(ctx);
  for (const ClassifyDecl& classify : ctx.file.classifications) {
    if (!classify.is_table()) check_list(ctx, reader, classification_list(ctx, reader, classify));
  }
  check_list(ctx, reader, approval_list(ctx, reader));
}

}  // namespace docket::dsl::checking
