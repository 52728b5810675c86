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
// Each pair costs steps of the checker's work budget (Context::spend).

#include "dsl/check_conditions.h"

namespace docket::dsl::checking {
namespace {

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

// Whether every sender `later` accepts is accepted by `earlier`, so that
// `earlier` fires first for all of them when its guard holds.
bool answers_every_sender_of(const Transition& earlier, const Transition& later) {
  if (earlier.roles.empty()) return true;
  if (later.roles.empty()) return false;
  for (const Name& role : later.roles) {
    bool accepted = false;
    for (const Name& other : earlier.roles) accepted = accepted || other.text == role.text;
    if (!accepted) return false;
  }
  return true;
}

// A transition of a group, with its guard read once.
struct Candidate {
  const Transition* transition = nullptr;
  Reading reading;           // for overlaps
  Reading exact;             // for never firing
  bool never_holds = false;  // the guard contradicts itself
  std::size_t parts = 1;     // what looking at its guard costs
};

std::vector<Candidate> read_group(GuardReader& reader, const std::vector<const Transition*>& group) {
  std::vector<Candidate> candidates;
  candidates.reserve(group.size());
  for (const Transition* t : group) {
    Candidate c;
    c.transition = t;
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

std::string subject_of(const StateDecl& state, const Transition& t, bool plural) {
  if (t.automatic) {
    return std::string(plural ? "automatic transitions" : "automatic transition") + " from `" + state.name.text + "`";
  }
  return std::string(plural ? "transitions" : "transition") + " on `" + t.event.text + "` from `" + state.name.text +
         "`";
}

void report_never_fires(Context& ctx, const StateDecl& state, const std::vector<const Candidate*>& by,
                        const Candidate& later) {
  const Transition& t = *later.transition;
  std::vector<SourceLoc> locs;
  for (const Candidate* c : by) locs.push_back(where(*c->transition));
  std::string help = t.guard ? "move it before line " + std::to_string(locs.front().line) + ", or remove it"
                             : "remove it: the transitions before it take every ticket";
  ctx.error("E039", where(t),
            subject_of(state, t, false) + " can never fire: every ticket it matches is taken by " +
                rules_at(locs, where(t), "transition", "transitions"),
            help);
}

// A later transition whose guard cannot be proven exclusive with an earlier
// one: E039 when it provably implies the earlier guard, else W002.
void report_unproven(Context& ctx, GuardReader& reader, const StateDecl& state, const Candidate& earlier,
                     const Candidate& later) {
  const Transition& t = *later.transition;
  if (answers_every_sender_of(*earlier.transition, t) && earlier.exact.complete &&
      !contradictory(reader, later.exact.atoms) &&
      find_ticket_outside(ctx, reader, later.exact, earlier.exact, where(t)) == Found::kNo) {
    report_never_fires(ctx, state, {&earlier}, later);
    return;
  }
  ctx.warning("W002", where(t), subject_of(state, t, true) + " may both fire",
              "their guards cannot be proven exclusive; the first written, at " +
                  position(where(*earlier.transition), where(t)) + ", wins");
}

// Reports the first earlier transition that can fire together with `later`
// (E018, W002, E039); false when there is none, or the budget ran out.
bool report_overlap(Context& ctx, GuardReader& reader, const StateDecl& state, const std::vector<Candidate>& candidates,
                    std::size_t j) {
  const Candidate& later = candidates[j];
  const Transition& t = *later.transition;
  for (std::size_t i = 0; i < j; ++i) {
    const Candidate& earlier = candidates[i];
    if (for_different_senders(*earlier.transition, t)) continue;
    if (!ctx.spend(earlier.parts + later.parts, where(t))) return false;
    if (!earlier.transition->guard) {
      ctx.error("E018", where(t), subject_of(state, t, true) + " can both fire",
                "the one at " + position(where(*earlier.transition), where(t)) +
                    " has no guard and is always taken first; give them exclusive guards");
      return true;
    }
    if (!t.guard) continue;  // a fallback after guarded transitions
    if (same_expr(*earlier.transition->guard, *t.guard)) {
      ctx.error("E018", where(t), subject_of(state, t, true) + " can both fire",
                "it has the same guard as the one at " + position(where(*earlier.transition), where(t)) +
                    ", which is tried first");
      return true;
    }
    if (earlier.never_holds || later.never_holds || exclusive(reader, earlier.reading.atoms, later.reading.atoms)) {
      continue;
    }
    if (earlier.reading.complete && later.reading.complete) {
      ctx.error("E018", where(t), subject_of(state, t, true) + " can both fire",
                "both guards can hold at once, and the one at " + position(where(*earlier.transition), where(t)) +
                    " is tried first; make the guards exclude each other");
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
    if (!answers_every_sender_of(*candidates[i].transition, *later.transition)) continue;
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

void check_group(Context& ctx, GuardReader& reader, const StateDecl& state,
                 const std::vector<const Transition*>& group) {
  if (group.size() < 2) return;
  std::vector<Candidate> candidates = read_group(reader, group);
  for (std::size_t j = 1; j < candidates.size(); ++j) {
    if (report_overlap(ctx, reader, state, candidates, j)) continue;
    if (!candidates[j].transition->guard) check_fallback(ctx, reader, state, candidates, j);
  }
}

}  // namespace

void check_overlaps(Context& ctx) {
  GuardReader reader(ctx);
  for (const StateDecl& state : ctx.file.states) {
    // Groups in the order their first transitions are written, so that the
    // work budget runs out at a place that reads as "from here on".
    std::vector<std::vector<const Transition*>> groups;
    std::map<std::string, std::size_t> group_of;  // "" for `auto`, which no event is called
    for (const Transition& t : state.transitions) {
      auto [it, added] = group_of.emplace(t.automatic ? std::string() : t.event.text, groups.size());
      if (added) groups.emplace_back();
      groups[it->second].push_back(&t);
    }
    for (const auto& group : groups) check_group(ctx, reader, state, group);
  }
}

}  // namespace docket::dsl::checking
