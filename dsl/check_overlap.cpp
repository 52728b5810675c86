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
//     already exclude each other, else not provable (W002), unless the
//     later guard provably implies the earlier one: then the later
//     transition can never fire (E039).
// Transitions restricted to disjoint sets of sender roles (`by`) are meant
// for different people and are not compared.
// A fallback without a guard that the guarded transitions before it leave
// no ticket to can never fire either (E039): `when satisfied` and `when not
// satisfied` of a required field take every ticket.
// Automatic transitions (`auto`) of one state are judged the same way.
// A state's transitions include those its groups bring in, tried after its
// own; a transition written in one place is no fallback for one written in
// another (a state and its group, or two groups), so a pair from two places
// that is not provably exclusive is reported even when the later one has no
// guard. A pair written in one group is judged once for all its states.
// Each pair costs steps of the checker's work budget (Context::spend).

#include <set>
#include <utility>

#include "dsl/check_conditions.h"

namespace docket::dsl::checking {
namespace {

// The roles that may send `t`: its `by` roles and, for `by owner`, every
// category's owner (which one depends on the ticket). Empty: anyone.
std::set<std::string> senders(const Context& ctx, const Transition& t) {
  std::set<std::string> out;
  for (const Name& role : t.roles) out.insert(role.text);
  if (!t.by_owner) return out;
  for (const CategoryDecl& category : ctx.file.categories) {
    if (!category.owner.empty()) out.insert(category.owner.text);
  }
  return out;
}

// `on accepted by engineer` and `on accepted by supervisor` answer different
// senders: they are meant for different people, not a choice among guards.
bool for_different_senders(const Context& ctx, const Transition& a, const Transition& b) {
  std::set<std::string> first = senders(ctx, a);
  std::set<std::string> second = senders(ctx, b);
  if (first.empty() || second.empty()) return false;
  for (const std::string& role : first) {
    if (second.count(role) != 0) return false;
  }
  return true;
}

const SourceLoc& where(const Transition& t) { return t.event.loc.known() ? t.event.loc : t.loc; }

// Whether every sender `later` accepts is accepted by `earlier`, so that
// `earlier` fires first for all of them when its guard holds. A category's
// owner answers only for tickets of that category, so `by owner` answers
// for the owner of a later `by owner`, and for no role in general.
bool answers_every_sender_of(const Context& ctx, const Transition& earlier, const Transition& later) {
  if (earlier.roles.empty() && !earlier.by_owner) return true;
  if (later.roles.empty() && !later.by_owner) return false;
  std::set<std::string> accepted;
  for (const Name& role : earlier.roles) accepted.insert(role.text);
  for (const Name& role : later.roles) {
    if (accepted.count(role.text) == 0) return false;
  }
  if (!later.by_owner || earlier.by_owner) return true;
  for (const std::string& owner : senders(ctx, later)) {
    if (accepted.count(owner) == 0) return false;
  }
  return true;
}

// A transition of a state, its own (group null) or one a group brings in,
// with its guard read once.
struct Candidate {
  const Transition* transition = nullptr;
  const GroupDecl* group = nullptr;
  Reading reading;           // for overlaps
  Reading exact;             // for never firing
  bool never_holds = false;  // the guard contradicts itself
  std::size_t parts = 1;     // what looking at its guard costs
};

// Pairs already judged: one written pair is judged once, whichever of the
// states that share it comes first.
using Judged = std::set<std::pair<const Transition*, const Transition*>>;

using Written = std::pair<const Transition*, const GroupDecl*>;

std::vector<Candidate> read_candidates(GuardReader& reader, const std::vector<Written>& written) {
  std::vector<Candidate> candidates;
  candidates.reserve(written.size());
  for (const auto& [t, group] : written) {
    Candidate c;
    c.transition = t;
    c.group = group;
    if (t->guard) {
      c.reading = reader.read(*t->guard);
      c.exact = reader.read_exactly(*t->guard);
      c.never_holds = contradictory(reader, c.reading.atoms);
      c.parts = expression_parts(*t->guard);
    }
    candidates.push_back(std::move(c));
  }
  return candidates;
}

// "transitions on `x` from `verifying`"; "... in group `open`" for two of one group.
std::string subject_of(const StateDecl& state, const Candidate& later, bool one_place, bool plural) {
  const Transition& t = *later.transition;
  std::string place = one_place && later.group != nullptr ? "in group `" + later.group->name.text + "`"
                                                          : "from `" + state.name.text + "`";
  if (t.automatic) return std::string(plural ? "automatic transitions " : "automatic transition ") + place;
  return std::string(plural ? "transitions" : "transition") + " on `" + t.event.text + "` " + place;
}

std::string owner(const StateDecl& state, const Candidate& c) {
  return c.group != nullptr ? "group `" + c.group->name.text + "`" : "`" + state.name.text + "`";
}

// How a pair is named: where the earlier one is, and the way out of a
// group when the two were written in different places.
struct PairText {
  std::string subject;   // "transitions on `x` from `s`"
  std::string first_at;  // "12:3", "12:3 (group `open`)"
  std::string or_leave;  // "", ", or take `s` out of group `open`"
};

PairText pair_text(const StateDecl& state, const Candidate& earlier, const Candidate& later) {
  bool one_place = earlier.group == later.group;
  PairText text;
  text.subject = subject_of(state, later, one_place, true);
  text.first_at = position(where(*earlier.transition), where(*later.transition));
  if (!one_place) {
    text.first_at += " (" + owner(state, earlier) + ")";
    const GroupDecl* group = later.group != nullptr ? later.group : earlier.group;
    text.or_leave = ", or take `" + state.name.text + "` out of group `" + group->name.text + "`";
  }
  return text;
}

void report_never_fires(Context& ctx, const StateDecl& state, const std::vector<const Candidate*>& by,
                        const Candidate& later) {
  const Transition& t = *later.transition;
  std::vector<SourceLoc> locs;
  bool one_place = true;
  for (const Candidate* c : by) {
    locs.push_back(where(*c->transition));
    one_place = one_place && c->group == later.group;
  }
  std::string help = t.guard ? "move it before line " + std::to_string(locs.front().line) + ", or remove it"
                             : "remove it: the transitions before it take every ticket";
  ctx.error("E039", where(t),
            subject_of(state, later, one_place, false) + " can never fire: every ticket it matches is taken by " +
                rules_at(locs, where(t), "transition", "transitions"),
            help);
}

// A later transition whose guard cannot be proven exclusive with an earlier
// one: E039 when it provably implies the earlier guard, else W002.
void report_unproven(Context& ctx, GuardReader& reader, const StateDecl& state, const Candidate& earlier,
                     const Candidate& later) {
  const Transition& t = *later.transition;
  if (answers_every_sender_of(ctx, *earlier.transition, t) && earlier.exact.complete &&
      !contradictory(reader, later.exact.atoms) &&
      find_ticket_outside(ctx, reader, later.exact, earlier.exact, where(t)) == Found::kNo) {
    report_never_fires(ctx, state, {&earlier}, later);
    return;
  }
  PairText text = pair_text(state, earlier, later);
  ctx.warning(
      "W002", where(t), text.subject + " may both fire",
      "their guards cannot be proven exclusive; the first written, at " + text.first_at + ", wins" + text.or_leave);
}

// Reports the first earlier transition that can fire together with `later`
// (E018, W002, E039); false when there is none, or the budget ran out.
bool report_overlap(Context& ctx, GuardReader& reader, Judged& judged, const StateDecl& state,
                    const std::vector<Candidate>& candidates, std::size_t j) {
  const Candidate& later = candidates[j];
  const Transition& t = *later.transition;
  for (std::size_t i = 0; i < j; ++i) {
    const Candidate& earlier = candidates[i];
    bool shared = earlier.group != nullptr || later.group != nullptr;
    if (shared && !judged.insert({earlier.transition, &t}).second) continue;
    if (for_different_senders(ctx, *earlier.transition, t)) continue;
    if (!ctx.spend(earlier.parts + later.parts, where(t))) return false;
    PairText text = pair_text(state, earlier, later);
    if (!earlier.transition->guard) {
      ctx.error("E018", where(t), text.subject + " can both fire",
                "the one at " + text.first_at + " has no guard and is always taken first; give them exclusive guards" +
                    text.or_leave);
      return true;
    }
    if (!t.guard) {
      if (earlier.group == later.group) continue;  // a fallback after guarded transitions
      ctx.error("E018", where(t), text.subject + " can both fire",
                "the one at " + text.first_at + " is taken first whenever its guard holds, and a group's transition " +
                    "is no fallback for another place's; give them exclusive guards" + text.or_leave);
      return true;
    }
    if (same_expr(*earlier.transition->guard, *t.guard)) {
      ctx.error("E018", where(t), text.subject + " can both fire",
                "it has the same guard as the one at " + text.first_at + ", which is tried first" + text.or_leave);
      return true;
    }
    if (earlier.never_holds || later.never_holds || exclusive(reader, earlier.reading.atoms, later.reading.atoms)) {
      continue;
    }
    if (earlier.reading.complete && later.reading.complete) {
      ctx.error("E018", where(t), text.subject + " can both fire",
                "both guards can hold at once, and the one at " + text.first_at +
                    " is tried first; make the guards exclude each other" + text.or_leave);
    } else {
      report_unproven(ctx, reader, state, earlier, later);
    }
    return true;
  }
  return false;
}

// A fallback without a guard, after guarded transitions only: E039 when
// those for all of its senders leave it no ticket.
void check_fallback(Context& ctx, GuardReader& reader, const StateDecl& state, const std::vector<Candidate>& candidates,
                    std::size_t j) {
  const Candidate& later = candidates[j];
  if (!ctx.spend(j, where(*later.transition))) return;
  std::vector<const Candidate*> covering;
  std::vector<const Reading*> readings;
  for (std::size_t i = 0; i < j; ++i) {
    if (!answers_every_sender_of(ctx, *candidates[i].transition, *later.transition)) continue;
    covering.push_back(&candidates[i]);
    readings.push_back(&candidates[i].exact);
  }
  if (covering.empty()) return;
  std::vector<std::size_t> by = shadowing_rules(ctx, reader, later.exact, readings, where(*later.transition));
  if (by.empty()) return;
  std::vector<const Candidate*> named;
  for (std::size_t i : by) named.push_back(covering[i]);
  report_never_fires(ctx, state, named, later);
}

void check_candidates(Context& ctx, GuardReader& reader, Judged& judged, const StateDecl& state,
                      const std::vector<Written>& written) {
  if (written.size() < 2) return;
  std::vector<Candidate> candidates = read_candidates(reader, written);
  for (std::size_t j = 1; j < candidates.size(); ++j) {
    // A group's transition behind transitions of its own group only is
    // judged the same in every state of the group: once.
    bool in_one_group = candidates[j].group != nullptr;
    for (std::size_t i = 0; i < j; ++i) in_one_group = in_one_group && candidates[i].group == candidates[j].group;
    bool first_time = judged.insert({nullptr, candidates[j].transition}).second;
    if (in_one_group && !first_time) continue;
    if (report_overlap(ctx, reader, judged, state, candidates, j)) continue;
    if (candidates[j].transition->guard) continue;
    check_fallback(ctx, reader, state, candidates, j);
  }
}

}  // namespace

void check_overlaps(Context& ctx) {
  GuardReader reader(ctx);
  Judged judged;
  for (const StateDecl& state : ctx.file.states) {
    // Events in the order their first transitions are written (the state's
    // own, then its groups'), so that the work budget runs out at a place
    // that reads as "from here on".
    std::vector<std::vector<Written>> by_event;
    std::map<std::string, std::size_t> event_index;  // "" for `auto`, which no event is called
    auto add = [&](const std::vector<Transition>& transitions, const GroupDecl* group) {
      for (const Transition& t : transitions) {
        auto [it, added] = event_index.emplace(t.automatic ? std::string() : t.event.text, by_event.size());
        if (added) by_event.emplace_back();
        by_event[it->second].push_back({&t, group});
      }
    };
    add(state.transitions, nullptr);
    for (const GroupDecl* group : ctx.groups_of(state)) add(group->transitions, group);
    for (const auto& written : by_event) check_candidates(ctx, reader, judged, state, written);
  }
}

}  // namespace docket::dsl::checking
