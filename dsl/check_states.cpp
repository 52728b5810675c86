// States: what each state says (E010, E012, E017, E022, E031, E032) and the
// shape of the state graph (E016, E030, E033, W001).

#include <deque>

#include "dsl/check_context.h"

namespace docket::dsl::checking {
namespace {

bool is_approval_event(const std::string& event) { return event == "approved" || event == "rejected"; }

const SourceLoc& transition_loc(const Transition& t) { return t.event.loc.known() ? t.event.loc : t.loc; }

void check_state(Context& ctx, const StateDecl& state) {
  const std::string& name = state.name.text;
  bool handles[2] = {false, false};  // approved, rejected
  for (const Name& metric : state.paused_clocks) ctx.resolve_metric(metric);
  check_actions(ctx, state.on_enter);
  check_actions(ctx, state.on_exit);

  for (const Transition& t : state.transitions) {
    if (!t.automatic && is_approval_event(t.event.text)) {
      handles[t.event.text == "approved" ? 0 : 1] = true;
      if (!state.awaits_approval) {
        ctx.error("E031", t.event.loc,
                  "`" + t.event.text + "` is handled in `" + name + "`, which does not await approval",
                  "add `await approval` to `" + name + "`, or handle `" + t.event.text + "` in the state that does");
      }
    }
    if (state.final) {
      ctx.error("E017", transition_loc(t), "final state `" + name + "` has an outgoing transition",
                "a final state ends the ticket; remove the transition or drop `final`");
    }
    for (const Name& role : t.roles) ctx.resolve_role(role, "a `by` role");
    check_condition(ctx, t.guard, "guard");
    ctx.resolve_state(t.target);
    check_actions(ctx, t.actions);
  }

  for (const Timer& timer : state.timers) {
    if (timer.length.seconds <= 0 && timer.length.workdays <= 0) {
      ctx.error("E032", timer.loc,
                std::string("timer `") + (timer.recurring ? "every " : "after ") + describe(timer.length) + "` in `" +
                    name + "` never waits",
                "a timer needs a duration longer than zero");
    }
    check_length(ctx, timer.length);
    check_condition(ctx, timer.guard, "timer condition");
    if (!timer.target.empty()) {
      ctx.resolve_state(timer.target);
      if (state.final) {
        ctx.error("E017", timer.target.loc, "timer in final state `" + name + "` leaves it",
                  "a final state ends the ticket; remove `-> " + timer.target.text + "`");
      }
    }
    check_actions(ctx, timer.actions);
  }

  if (state.awaits_approval) {
    SourceLoc at = state.await_loc.known() ? state.await_loc : state.name.loc;
    for (int i = 0; i < 2; ++i) {
      if (handles[i]) continue;
      const char* event = i == 0 ? "approved" : "rejected";
      ctx.error("E031", at, "approval state `" + name + "` does not handle `" + event + "`",
                std::string("add `on ") + event + " -> STATE`");
    }
  }
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

}  // namespace

void check_states(Context& ctx) {
  for (const StateDecl& state : ctx.file.states) check_state(ctx, state);
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
  for (std::size_t i = 0; i < states.size(); ++i) {
    for (const Transition& t : states[i]->transitions) link(i, t.target);
    for (const Timer& timer : states[i]->timers) {
      if (!timer.target.empty()) link(i, timer.target);
    }
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
