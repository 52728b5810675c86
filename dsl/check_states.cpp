// States and groups: what each says (E010, E012, E017, E022, E031, E032,
// E043, E054, E055), `by owner` (E050), and the shape of the state graph
// (E016, E030, E033, W001, W008). A group's items are checked once where
// they are written, and again in each state the group takes in for what
// depends on the state (E017, E031).

#include <deque>

#include "dsl/check_context.h"

namespace docket::dsl::checking {
namespace {

bool is_approval_event(const std::string& event) { return event == "approved" || event == "rejected"; }

const SourceLoc& transition_loc(const Transition& t) { return t.event.loc.known() ? t.event.loc : t.loc; }

// How messages name where an item is written: "`verifying`", "group `open`".
std::string owner_text(const StateDecl* state, const GroupDecl* group) {
  return group != nullptr ? "group `" + group->name.text + "`" : "`" + state->name.text + "`";
}

// `as proposer` marks the transition that hands a plan on for approval; an
// approval decision's actor is an approver, and a stay hands nothing on (E043).
void check_proposer_mark(Context& ctx, const Transition& t, const std::string& owner) {
  if (!t.proposer_loc.known() || t.automatic) return;
  if (is_approval_event(t.event.text)) {
    ctx.error("E043", t.proposer_loc,
              "`as proposer` on `" + t.event.text + "` in " + owner + ": the approval chain fires `" + t.event.text +
                  "`, and its actor is an approver, not a proposer",
              "mark the transition that hands the plan on for approval, such as `on proposed ... as proposer`");
  } else if (t.stays()) {
    ctx.error("E043", t.proposer_loc,
              "`as proposer` on `" + t.event.text + "` in " + owner + ", which stays in the state",
              "a proposal is handed on by moving the ticket: mark the transition that leads to the `await approval` "
              "state");
  }
}

// What a transition says by itself, checked once where it is written.
void check_written_transition(Context& ctx, const Transition& t, const std::string& owner) {
  for (const Name& role : t.roles) ctx.resolve_role(role, "a `by` role");
  check_condition(ctx, t.guard, "guard");
  if (!t.stays()) ctx.resolve_state(t.target);
  check_actions(ctx, t.actions);
  if (t.stays() && !t.automatic && is_approval_event(t.event.text)) {
    ctx.error("E054", t.event.loc, "`" + t.event.text + "` in " + owner + " stays in the state",
              "the approval chain has decided and the ticket cannot wait for it again; give it a target: `on " +
                  t.event.text + " -> STATE`");
  }
  check_proposer_mark(ctx, t, owner);
}

void check_written_timer(Context& ctx, const Timer& timer, const std::string& owner) {
  if (timer.length.seconds <= 0 && timer.length.workdays <= 0) {
    ctx.error("E032", timer.loc,
              std::string("timer `") + (timer.recurring ? "every " : "after ") + describe(timer.length) + "` in " +
                  owner + " never waits",
              "a timer needs a duration longer than zero");
  }
  check_length(ctx, timer.length);
  check_condition(ctx, timer.guard, "timer condition");
  if (!timer.target.empty()) ctx.resolve_state(timer.target);
  check_actions(ctx, timer.actions);
}

// The help of a report about an item a group brings into `state`.
std::string from_group(const GroupDecl& group, const std::string& state, const std::string& fix) {
  return "it comes from group `" + group.name.text + "`, which takes in `" + state + "`; " + fix;
}

// Which approval events a state's transitions (its groups' included) handle.
struct Handled {
  bool approved = false;
  bool rejected = false;
};

// A final state has stopped every clock for good: a stay there may not start
// or extend one (E055), which nothing would stop again or which the engine
// would refuse each time.
void check_final_stay(Context& ctx, const StateDecl& state, const Transition& t, const GroupDecl* group) {
  for (const Action& action : t.actions) {
    if (action.kind != ActionKind::kStartClock && action.kind != ActionKind::kExtendClock) continue;
    std::string verb = action.kind == ActionKind::kStartClock ? "start" : "extend";
    std::string fix = "a closed ticket is measured no more: remove the action, or record the time in a timestamp field";
    if (group != nullptr) fix = from_group(*group, state.name.text, fix);
    ctx.error("E055", action.loc,
              "`" + verb + " " + action.target.text + "` in a stay of final state `" + state.name.text +
                  "`, whose clocks have stopped",
              fix);
  }
}

// What a transition means in `state`: a final state cannot be left (E017),
// approval events belong to approval states (E031). `group` is where it is
// written, null for the state itself.
void place_transition(Context& ctx, const StateDecl& state, const Transition& t, const GroupDecl* group,
                      Handled& handled) {
  const std::string& name = state.name.text;
  if (!t.automatic && is_approval_event(t.event.text)) {
    (t.event.text == "approved" ? handled.approved : handled.rejected) = true;
    if (!state.awaits_approval) {
      std::string fix =
          "add `await approval` to `" + name + "`, or handle `" + t.event.text + "` in the state that does";
      if (group != nullptr) {
        fix = from_group(*group, name, "handle `" + t.event.text + "` in the states that await approval");
      }
      ctx.error("E031", t.event.loc,
                "`" + t.event.text + "` is handled in `" + name + "`, which does not await approval", fix);
    }
  }
  if (state.final && t.stays()) check_final_stay(ctx, state, t, group);
  if (state.final && !t.stays()) {
    ctx.error("E017", transition_loc(t), "final state `" + name + "` has an outgoing transition",
              group != nullptr ? from_group(*group, name,
                                            "a final state ends the ticket: take `" + name +
                                                "` out of the group, or write no target to stay")
                               : "a final state ends the ticket; remove the transition or drop `final`");
  }
}

void place_timer(Context& ctx, const StateDecl& state, const Timer& timer, const GroupDecl* group) {
  if (!state.final || timer.target.empty()) return;
  const std::string& name = state.name.text;
  ctx.error("E017", timer.target.loc, "timer in final state `" + name + "` leaves it",
            group != nullptr ? from_group(*group, name,
                                          "a final state ends the ticket: take `" + name +
                                              "` out of the group, or remove `-> " + timer.target.text + "`")
                             : "a final state ends the ticket; remove `-> " + timer.target.text + "`");
}

void check_state(Context& ctx, const StateDecl& state) {
  const std::string owner = owner_text(&state, nullptr);
  Handled handled;
  for (const Name& metric : state.paused_clocks) {
    if (ctx.resolve_metric(metric)) ctx.use_clock("pause", metric);
  }
  check_actions(ctx, state.on_enter);
  check_actions(ctx, state.on_exit);

  for (const Transition& t : state.transitions) {
    check_written_transition(ctx, t, owner);
    place_transition(ctx, state, t, nullptr, handled);
  }
  for (const Timer& timer : state.timers) {
    check_written_timer(ctx, timer, owner);
    place_timer(ctx, state, timer, nullptr);
  }
  for (const GroupDecl* group : ctx.groups_of(state)) {
    for (const Transition& t : group->transitions) place_transition(ctx, state, t, group, handled);
    for (const Timer& timer : group->timers) place_timer(ctx, state, timer, group);
  }

  if (state.awaits_approval) {
    SourceLoc at = state.await_loc.known() ? state.await_loc : state.name.loc;
    for (int i = 0; i < 2; ++i) {
      if (i == 0 ? handled.approved : handled.rejected) continue;
      const char* event = i == 0 ? "approved" : "rejected";
      ctx.error("E031", at, "approval state `" + state.name.text + "` does not handle `" + event + "`",
                std::string("add `on ") + event + " -> STATE`");
    }
  }
}

void check_group(Context& ctx, const GroupDecl& group) {
  const std::string owner = owner_text(nullptr, &group);
  for (const Name& state : group.states) ctx.resolve_state(state);
  for (const Name& metric : group.paused_clocks) {
    if (ctx.resolve_metric(metric)) ctx.use_clock("pause", metric);
  }
  check_actions(ctx, group.on_enter);
  check_actions(ctx, group.on_exit);
  for (const Transition& t : group.transitions) check_written_transition(ctx, t, owner);
  for (const Timer& timer : group.timers) check_written_timer(ctx, timer, owner);
}

// Visits every state reachable from `start` along `edges` (indices).
std::vector<bool> reachable(const std::vector<std::vector<std::size_t>>& edges, const std::vector<std::size_t>& start) {
  std::vector<bool> seen(edges.size(), false);
  std::deque<std::size_t> queue;
  for (std::size_t s : start) {
    if (!seen[s]) {
      seen[s] = true;
      queue.push_back(s);
    }
  }
  while (!queue.empty()) {
    std::size_t s = queue.front();
    queue.pop_front();
    for (std::size_t next : edges[s]) {
      if (!seen[next]) {
        seen[next] = true;
        queue.push_back(next);
      }
    }
  }
  return seen;
}

// A plan marked `as proposer` is decided by an `await approval` state
// further on; from where no such state can be reached the mark does nothing
// (W008).
void check_proposals(Context& ctx, const std::vector<const StateDecl*>& states,
                     const std::map<std::string, std::size_t>& index,
                     const std::vector<std::vector<std::size_t>>& backward) {
  std::vector<std::size_t> approvals;
  for (std::size_t i = 0; i < states.size(); ++i) {
    if (states[i]->awaits_approval) approvals.push_back(i);
  }
  std::vector<bool> leads_to_approval = reachable(backward, approvals);
  auto judge = [&](const Transition& t, const std::string& owner) {
    if (!t.proposer_loc.known() || t.stays() || is_approval_event(t.event.text)) return;
    auto target = index.find(t.target.text);
    if (target == index.end() || leads_to_approval[target->second]) return;
    ctx.warning("W008", t.proposer_loc,
                "`as proposer` on `" + t.event.text + "` in " + owner +
                    " proposes nothing: no state that awaits approval can be reached from `" + t.target.text + "`",
                "mark the transition that leads to an `await approval` state, or remove `as proposer`");
  };
  for (const StateDecl* state : states) {
    for (const Transition& t : state->transitions) judge(t, owner_text(state, nullptr));
  }
  for (const GroupDecl& group : ctx.file.groups) {
    for (const Transition& t : group.transitions) judge(t, owner_text(nullptr, &group));
  }
}

}  // namespace

void check_states(Context& ctx) {
  for (const StateDecl& state : ctx.file.states) check_state(ctx, state);
}

void check_groups(Context& ctx) {
  for (const GroupDecl& group : ctx.file.groups) {
    auto first = ctx.groups.find(group.name.text);
    if (first != ctx.groups.end() && first->second == &group) check_group(ctx, group);
  }
}

namespace {

const Transition* first_by_owner(const RuleFile& file) {
  for (const StateDecl& state : file.states) {
    for (const Transition& t : state.transitions) {
      if (t.by_owner) return &t;
    }
  }
  for (const GroupDecl& group : file.groups) {
    for (const Transition& t : group.transitions) {
      if (t.by_owner) return &t;
    }
  }
  return nullptr;
}

// "`category x -> warehouse owner returns_clerk`": the declaration with an
// owner, taken from its first route's department when it has roles.
std::string with_owner(Context& ctx, const CategoryDecl& category) {
  std::string role = "ROLE";
  std::string department = "DEPARTMENT";
  if (!category.routes.empty()) {
    department = category.routes.front().department.text;
    auto found = ctx.departments.find(department);
    if (found != ctx.departments.end() && !found->second->roles.empty()) role = found->second->roles.front().text;
  }
  return "`category " + category.name.text + " -> " + department + " owner " + role + "`";
}

}  // namespace

void check_owners(Context& ctx) {
  const Transition* use = first_by_owner(ctx.file);
  if (use == nullptr) return;
  if (ctx.categories.empty()) {
    ctx.error("E050", use->by_owner_loc, "`by owner` in a workflow without categories",
              "`owner` is the role that owns the ticket's category: declare the categories with their owners, "
              "such as `category fault -> tech owner engineer`");
    return;
  }
  for (const CategoryDecl& category : ctx.file.categories) {
    if (!category.owner.empty() || category.name.empty()) continue;
    auto first = ctx.categories.find(category.name.text);
    if (first == ctx.categories.end() || first->second != &category) continue;  // a duplicate
    ctx.error("E050", category.name.loc,
              "category `" + category.name.text + "` has no owner, which `by owner` at " +
                  position(use->by_owner_loc, category.name.loc) + " needs",
              "name the role that takes its cases: " + with_owner(ctx, category));
  }
}

void check_state_graph(Context& ctx) {
  // Only first declarations take part; duplicates are already reported.
  std::vector<const StateDecl*> states;
  std::map<std::string, std::size_t> index;
  for (const StateDecl& state : ctx.file.states) {
    auto it = ctx.states.find(state.name.text);
    if (it == ctx.states.end() || it->second != &state) continue;
    index[state.name.text] = states.size();
    states.push_back(&state);
  }

  std::vector<std::size_t> initial;
  std::vector<std::size_t> finals;
  for (std::size_t i = 0; i < states.size(); ++i) {
    if (states[i]->initial) initial.push_back(i);
    if (states[i]->final) finals.push_back(i);
  }
  if (initial.empty()) {
    ctx.error("E016", ctx.workflow_loc(), "no initial state",
              states.empty() ? "declare one: `initial state new`"
                             : "mark the first state `initial`: `initial state " + states.front()->name.text + "`");
  }
  for (std::size_t k = 1; k < initial.size(); ++k) {
    const StateDecl& first = *states[initial[0]];
    const StateDecl& extra = *states[initial[k]];
    ctx.error("E016", extra.name.loc, "more than one initial state: `" + extra.name.text + "`",
              "`" + first.name.text + "` at " + position(first.name.loc, extra.name.loc) + " is already initial");
  }
  if (finals.empty()) {
    ctx.error("E033", ctx.workflow_loc(), "no final state", "mark where tickets end: `final state closed`");
  }

  std::vector<std::vector<std::size_t>> forward(states.size());
  std::vector<std::vector<std::size_t>> backward(states.size());
  bool graph_complete = true;  // false when a target is undefined (reported as E010)
  auto link = [&](std::size_t from, const Name& target) {
    auto it = index.find(target.text);
    if (it == index.end()) {
      graph_complete = false;
      return;
    }
    forward[from].push_back(it->second);
    backward[it->second].push_back(from);
  };
  auto link_items = [&](std::size_t from, const std::vector<Transition>& transitions,
                        const std::vector<Timer>& timers) {
    for (const Transition& t : transitions) {
      if (!t.stays()) link(from, t.target);
    }
    for (const Timer& timer : timers) {
      if (!timer.target.empty()) link(from, timer.target);
    }
  };
  for (std::size_t i = 0; i < states.size(); ++i) {
    link_items(i, states[i]->transitions, states[i]->timers);
    for (const GroupDecl* group : ctx.groups_of(*states[i])) link_items(i, group->transitions, group->timers);
  }

  // With an edge missing, reachability would only echo the undefined target.
  if (!graph_complete) return;
  if (!initial.empty()) {
    std::vector<bool> from_start = reachable(forward, initial);
    for (std::size_t i = 0; i < states.size(); ++i) {
      if (from_start[i]) continue;
      ctx.warning("W001", states[i]->name.loc, "state `" + states[i]->name.text + "` is unreachable",
                  "no transition or timer from `" + states[initial[0]]->name.text + "` leads here");
    }
  }
  check_proposals(ctx, states, index, backward);
  if (!finals.empty()) {
    std::vector<bool> to_end = reachable(backward, finals);
    for (std::size_t i = 0; i < states.size(); ++i) {
      if (to_end[i]) continue;
      ctx.error("E030", states[i]->name.loc, "state `" + states[i]->name.text + "` has no path to a final state",
                "tickets that enter it can never close; add a transition out of it");
    }
  }
}

}  // namespace docket::dsl::checking
