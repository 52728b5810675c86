#include "designer/graph_export.h"

#include <algorithm>
#include <functional>
#include <iterator>
#include <set>
#include <span>

#include "engine/codec/json_writer.h"
#include "engine/model/state_graph.h"
#include "engine/model/text.h"

namespace docket::designer {

using namespace engine;  // drawings speak of the model on every line
namespace {

// ---------------------------------------------------------------- text helpers

// Mermaid text: letters, digits, UTF-8 and harmless punctuation stay; the
// rest become entity codes (#34;) so they cannot end a label or start syntax.
// Line breaks become <br/>.
std::string mermaid_text(std::string_view text) {
  std::string out;
  for_each_character(text, [&out](std::string_view c) {
    if (c.size() > 1) {
      out += c;
      return;
    }
    auto byte = static_cast<unsigned char>(c[0]);
    if (byte == '\n') {
      out += "<br/>";
    } else if (byte < 0x20) {
      out += ' ';
    } else if ((byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') || (byte >= '0' && byte <= '9') ||
               std::string_view(" _.,=+*/()[]!'%-|?@$^~").find(static_cast<char>(byte)) != std::string_view::npos) {
      out += static_cast<char>(byte);
    } else {
      out += "#" + std::to_string(byte) + ";";
    }
  });
  return out;
}

// ---------------------------------------------------------------- labels

template <typename T>
std::string name_at(const std::vector<T>& items, std::uint32_t index) {
  if (index >= items.size()) return "?";
  if constexpr (std::is_same_v<T, std::string>) {
    return items[index];
  } else {
    return items[index].name;
  }
}

// The short form of an action for drawings: a notification without its text.
std::string short_action(const Workflow& workflow, const Action& action) {
  if (action.kind != ActionKind::kNotify) return workflow.describe(action);
  switch (action.recipient) {
    case Recipient::kCustomer:
      return "notify customer";
    case Recipient::kRequester:
      return "notify requester";
    case Recipient::kAssignee:
      return "notify assignee";
    case Recipient::kRole:
      return "notify " + name_at(workflow.roles(), action.role);
  }
  return "notify";
}

std::string join_actions(const Workflow& workflow, const std::vector<Action>& actions) {
  std::string text;
  for (const Action& action : actions) {
    if (!text.empty()) text += ", ";
    text += short_action(workflow, action);
  }
  return text;
}

std::string join_roles(const Workflow& workflow, const std::vector<RoleIndex>& roles) {
  std::string text;
  for (RoleIndex role : roles) {
    if (!text.empty()) text += ", ";
    text += name_at(workflow.roles(), role);
  }
  return text;
}

// The `by` of a transition as written: "engineer, owner".
std::string join_senders(const Workflow& workflow, const Transition& transition) {
  std::string text;
  for (const std::string& name : workflow.senders(transition)) text += (text.empty() ? "" : ", ") + name;
  return text;
}

// The first `limit` characters of `text`, cut with `…` when longer.
std::string shortened(std::string_view text, std::size_t limit) {
  std::string out;
  std::size_t count = 0;
  for_each_character(text, [&](std::string_view c) {
    if (count < limit) out += c;
    ++count;
  });
  if (count > limit) out += "\xE2\x80\xA6";
  return out;
}

// "head (any of dept_head, within 24h in office)".
std::string level_text(const Workflow& workflow, const ApprovalLevel& level) {
  std::string text = level.name + " (";
  switch (level.quorum) {
    case Quorum::kAny:
      text += "any of ";
      break;
    case Quorum::kAll:
      text += "all of ";
      break;
    case Quorum::kCount:
      text += std::to_string(level.count) + " of ";
      break;
  }
  text += join_roles(workflow, level.roles);
  if (level.excludes_participants) text += " not participants";
  if (level.excludes_assignee) text += level.excludes_participants ? ", assignee" : " not assignee";
  if (!level.within.empty()) text += ", within " + workflow.describe(level.within);
  return text + ")";
}

// One line per approval choice, in the order they are tried:
// "P0: head_signoff = head (any of dept_head)", "P2: none".
std::vector<std::string> approval_lines(const Workflow& workflow) {
  std::vector<std::string> lines;
  for (const ApprovalChoice& choice : workflow.approvals()) {
    std::string line;
    if (choice.priority != kNoIndex) {
      line = name_at(workflow.priorities(), choice.priority);
    } else if (choice.condition) {
      line = "when " + shortened(choice.condition->text(), kShortGuard);
    } else {
      line = "otherwise";
    }
    line += ": ";
    if (choice.chain >= workflow.chains().size()) {
      line += "none";
    } else {
      const Chain& chain = workflow.chains()[choice.chain];
      line += chain.name + " =";
      for (std::size_t i = 0; i < chain.levels.size(); ++i) {
        line += (i == 0 ? " " : " \xE2\x86\x92 ") + level_text(workflow, chain.levels[i]);
      }
    }
    lines.push_back(line);
  }
  return lines;
}

const std::string& display_name(const State& state) { return state.label.empty() ? state.name : state.label; }

// Lines shown under a state's name: what happens while a ticket is there.
std::vector<std::string> state_notes(const Workflow& workflow, StateIndex s) {
  const State& state = workflow.states()[s];
  std::vector<std::string> notes;
  if (state.awaits_approval) {
    notes.emplace_back("awaits approval:");
    for (const std::string& line : approval_lines(workflow)) notes.push_back(line);
  }
  if (!state.paused_clocks.empty()) {
    std::string text = "pauses ";
    for (std::size_t i = 0; i < state.paused_clocks.size(); ++i) {
      if (i > 0) text += ", ";
      text += name_at(workflow.metrics(), state.paused_clocks[i]);
    }
    notes.push_back(text);
  }
  for (TimerIndex t : workflow.timers_of(s)) {
    const Timer& timer = workflow.timers()[t];
    if (timer.target == kNoIndex && timer.group == kNoIndex) notes.push_back(timer_label(workflow, t));
  }
  return notes;
}

// Lines shown with a group: its states (when `with_states`), the clocks it
// pauses, its stays and its timers that do not leave, each once.
std::vector<std::string> group_notes(const Workflow& workflow, GroupIndex g, bool with_states) {
  const StateGroup& group = workflow.groups()[g];
  std::vector<std::string> notes;
  if (with_states) {
    std::string text = group.every_state ? std::string("every state") : std::string();
    for (std::size_t i = 0; !group.every_state && i < group.states.size(); ++i) {
      text += (i == 0 ? "" : ", ") + name_at(workflow.states(), group.states[i]);
    }
    notes.push_back(text);
  }
  if (!group.paused_clocks.empty()) {
    std::string text = "pauses ";
    for (std::size_t i = 0; i < group.paused_clocks.size(); ++i) {
      text += (i == 0 ? "" : ", ") + name_at(workflow.metrics(), group.paused_clocks[i]);
    }
    notes.push_back(text);
  }
  if (group.states.empty()) return notes;
  StateIndex first = group.states.front();  // every copy says the same: show the first state's
  for (TransitionIndex t : workflow.transitions_from(first)) {
    const Transition& transition = workflow.transitions()[t];
    if (transition.group == g && transition.stays()) notes.push_back(transition_label(workflow, t) + " (stays)");
  }
  for (TimerIndex t : workflow.timers_of(first)) {
    const Timer& timer = workflow.timers()[t];
    if (timer.group == g && timer.target == kNoIndex) notes.push_back(timer_label(workflow, t));
  }
  return notes;
}

// "group open: 处理中", the first line of a group's box.
std::string group_title(const StateGroup& group) {
  return "group " + group.name + (group.label.empty() ? std::string() : ": " + group.label);
}

std::string edge_label(const Workflow& workflow, const TransitionEdge& edge) {
  return edge.kind == EdgeKind::kTimer ? timer_label(workflow, edge.index) : transition_label(workflow, edge.index);
}

// Stable Mermaid identifiers: the state name, unless it is a Mermaid keyword
// (or clashes with a renamed one), then with underscores appended.
std::vector<std::string> mermaid_ids(const Workflow& workflow) {
  static const std::set<std::string, std::less<>> kKeywords = {
      "end",     "state", "note", "direction", "as", "class", "classDef",     "style", "click",
      "default", "hide",  "left", "right",     "of", "over",  "stateDiagram", "graph", "flowchart"};
  std::set<std::string, std::less<>> taken;
  for (const State& state : workflow.states()) taken.insert(state.name);
  std::vector<std::string> ids;
  for (const State& state : workflow.states()) {
    std::string id = state.name;
    if (kKeywords.count(id) != 0) {
      do {
        id += '_';
      } while (taken.count(id) != 0 || kKeywords.count(id) != 0);
      taken.insert(id);
    }
    ids.push_back(id);
  }
  return ids;
}

// Identifiers of the groups' boxes: `group_NAME`, with underscores appended
// until no state's identifier is the same.
std::vector<std::string> mermaid_group_ids(const Workflow& workflow, const std::vector<std::string>& state_ids) {
  std::set<std::string, std::less<>> taken(state_ids.begin(), state_ids.end());
  std::vector<std::string> ids;
  for (const StateGroup& group : workflow.groups()) {
    std::string id = "group_" + group.name;
    while (taken.count(id) != 0) id += '_';
    taken.insert(id);
    ids.push_back(id);
  }
  return ids;
}

void write_position(JsonWriter& json, const RulePosition& position) {
  json.key("position").begin_object();
  json.key("where").string(position.where);
  json.key("line").number(position.line);
  json.key("column").number(position.column);
  json.end_object();
}

void write_optional_expr(JsonWriter& json, std::string_view key, const std::optional<CompiledExpr>& expr) {
  json.key(key);
  if (expr) {
    json.string(expr->text());
  } else {
    json.null();
  }
}

void write_actions(JsonWriter& json, std::string_view key, const Workflow& workflow,
                   const std::vector<Action>& actions) {
  json.key(key).begin_array();
  for (const Action& action : actions) json.string(workflow.describe(action));
  json.end_array();
}

// `key`: the name of the item at `index` of `items`, null for kNoIndex.
template <typename Items>
void write_name_or_null(JsonWriter& json, std::string_view key, const Items& items, std::uint32_t index) {
  json.key(key);
  if (index == kNoIndex) {
    json.null();
  } else {
    json.string(name_at(items, index));
  }
}

void write_state_ref(JsonWriter& json, std::string_view key, const Workflow& workflow, StateIndex state) {
  write_name_or_null(json, key, workflow.states(), state);
}

// `group`: the group an item is written in, null for its state's own.
void write_group_ref(JsonWriter& json, const Workflow& workflow, GroupIndex group) {
  write_name_or_null(json, "group", workflow.groups(), group);
}

void write_calendar(JsonWriter& json, const Workflow& workflow, CalendarIndex calendar) {
  write_name_or_null(json, "calendar", workflow.calendars(), calendar);
}

// `seconds` (0 for working days), `workdays` when counted in working days,
// `duration` as the rules would write it, and `calendar`.
void write_duration(JsonWriter& json, const Workflow& workflow, const Duration& length) {
  json.key("seconds").number(length.seconds);
  if (length.in_workdays()) json.key("workdays").number(length.workdays);
  Duration bare = length;
  bare.calendar = kNoIndex;
  json.key("duration").string(length.in_workdays() ? workflow.describe(bare) : format_duration(length.seconds));
  write_calendar(json, workflow, length.calendar);
}

void write_timer(JsonWriter& json, const Workflow& workflow, TimerIndex t) {
  const Timer& timer = workflow.timers()[t];
  json.begin_object();
  json.key("index").number(t);
  json.key("kind").string(timer.recurring ? "every" : "after");
  write_duration(json, workflow, timer.length);
  write_optional_expr(json, "guard", timer.guard);
  write_state_ref(json, "target", workflow, timer.target);
  write_actions(json, "actions", workflow, timer.actions);
  write_group_ref(json, workflow, timer.group);
  json.key("label").string(timer_label(workflow, t));
  write_position(json, timer.position);
  json.end_object();
}

// `roles`: who may send it (`owner` for `by owner`), empty for anyone;
// `proposer`: whether it is marked `as proposer`.
void write_senders(JsonWriter& json, const Workflow& workflow, const Transition& transition) {
  json.key("roles").begin_array();
  for (const std::string& name : workflow.senders(transition)) json.string(name);
  json.end_array();
  json.key("proposer").boolean(transition.proposes);
}

// A transition without a target, for a node's "stays".
void write_stay(JsonWriter& json, const Workflow& workflow, TransitionIndex t) {
  const Transition& transition = workflow.transitions()[t];
  json.begin_object();
  json.key("transition").number(t);
  json.key("event").string(name_at(workflow.events(), transition.event));
  write_optional_expr(json, "guard", transition.guard);
  write_senders(json, workflow, transition);
  write_actions(json, "actions", workflow, transition.actions);
  write_group_ref(json, workflow, transition.group);
  json.key("label").string(transition_label(workflow, t));
  write_position(json, transition.position);
  json.end_object();
}

}  // namespace

std::optional<GraphFormat> parse_graph_format(std::string_view name) {
  if (name == "dot") return GraphFormat::kDot;
  if (name == "mermaid") return GraphFormat::kMermaid;
  if (name == "json") return GraphFormat::kJson;
  if (name == "xstate") return GraphFormat::kXState;
  return std::nullopt;
}

std::string dot_quoted(std::string_view text) {
  std::string out = "\"";
  for_each_character(text, [&out](std::string_view c) {
    if (c == "\"") {
      out += "\\\"";
    } else if (c == "\\") {
      out += "\\\\";
    } else if (c == "\n") {
      out += "\\n";
    } else if (c.size() == 1 && static_cast<unsigned char>(c[0]) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  });
  return out + "\"";
}

std::string transition_label(const Workflow& workflow, TransitionIndex index) {
  if (index >= workflow.transitions().size()) return "?";
  const Transition& transition = workflow.transitions()[index];
  std::string text = transition.automatic() ? "auto" : name_at(workflow.events(), transition.event);
  if (transition.guard) text += " [" + transition.guard->text() + "]";
  if (transition.restricted()) text += " / " + join_senders(workflow, transition);
  if (transition.proposes) text += " as proposer";
  return text;
}

std::string timer_label(const Workflow& workflow, TimerIndex index) {
  if (index >= workflow.timers().size()) return "?";
  const Timer& timer = workflow.timers()[index];
  std::string text = timer.recurring ? "every " : "after ";
  text += workflow.describe(timer.length);
  if (timer.guard) text += " [" + timer.guard->text() + "]";
  if (!timer.actions.empty()) text += ": " + join_actions(workflow, timer.actions);
  return text;
}

namespace {

// The DOT attributes that draw a state of `style`.
std::string style_attributes(StateStyle style) {
  std::string out = std::string("fillcolor=\"") + fill_color(style) + "\"";
  if (style == StateStyle::kInitial) out += ", style=\"rounded,filled,bold\"";
  if (style == StateStyle::kFinal) out += ", peripheries=2";
  return out;
}

// An edge label for DOT: the guard cut short, so that edges stay readable.
std::string dot_transition_label(const Workflow& workflow, TransitionIndex index) {
  const Transition& transition = workflow.transitions()[index];
  std::string text = transition.automatic() ? "auto" : name_at(workflow.events(), transition.event);
  if (transition.guard) text += " [" + shortened(transition.guard->text(), kShortGuard) + "]";
  if (transition.restricted()) text += " / " + join_senders(workflow, transition);
  if (transition.proposes) text += " as proposer";
  return text;
}

// The legend: one node per fill, edges in the three styles between them, and
// the time limits of each priority (they run from the ticket's creation, in
// every state that does not pause them).
std::string dot_legend(const Workflow& workflow) {
  static constexpr StateStyle kStyles[] = {StateStyle::kInitial, StateStyle::kNormal, StateStyle::kAwaitsApproval,
                                           StateStyle::kPausesClocks, StateStyle::kFinal};
  static constexpr const char* kIds[] = {"legend:initial", "legend:normal", "legend:approval", "legend:paused",
                                         "legend:final"};
  std::string out = "  subgraph cluster_legend {\n";
  out += "    label=\"legend\"; style=\"rounded,dashed\"; color=\"#9e9e9e\"; fontsize=10;\n";
  out += "    node [fontsize=10];\n    edge [fontsize=9];\n";
  for (std::size_t i = 0; i < std::size(kStyles); ++i) {
    out += std::string("    ") + dot_quoted(kIds[i]) + " [label=" + dot_quoted(legend_text(kStyles[i])) + ", " +
           style_attributes(kStyles[i]) + "];\n";
  }
  out += "    \"legend:initial\" -> \"legend:normal\" [label=\"on event [guard] / roles\"];\n";
  out += "    \"legend:normal\" -> \"legend:approval\" [label=\"auto [guard]\", style=dashed];\n";
  out += "    \"legend:approval\" -> \"legend:paused\" [label=\"after / every D (timer)\", style=dotted];\n";
  out += "    \"legend:paused\" -> \"legend:final\" [style=invis];\n";
  bool stays = std::any_of(workflow.transitions().begin(), workflow.transitions().end(),
                           [](const Transition& t) { return t.stays(); });
  if (stays) out += "    \"legend:normal\" -> \"legend:normal\" [label=\"on event: stays\", arrowhead=odot];\n";
  if (!workflow.groups().empty()) {
    out +=
        "    \"legend:group\" [label=\"group: what its states share\", style=\"rounded,dashed\", "
        "color=\"#757575\", fontcolor=\"#424242\"];\n";
    out += "    \"legend:final\" -> \"legend:group\" [style=invis];\n";
  }
  // A workflow without any limit has nothing to show here.
  bool any_limit = std::any_of(workflow.priorities().begin(), workflow.priorities().end(),
                               [](const Priority& priority) { return !priority.limits.empty(); });
  if (any_limit) {
    std::string limits = "time limits (from creation)";
    for (const Priority& priority : workflow.priorities()) {
      std::string line = priority.name;
      if (!priority.label.empty()) line += " " + priority.label;
      line += ":";
      if (priority.limits.empty()) line += " none";
      for (std::size_t i = 0; i < priority.limits.size(); ++i) {
        const TimeLimit& limit = priority.limits[i];
        line += (i == 0 ? " " : ", ") + name_at(workflow.metrics(), limit.metric) + " " + workflow.describe(limit);
      }
      limits += "\n" + line;
    }
    out +=
        "    \"legend:limits\" [shape=note, fillcolor=\"#fffde7\", style=filled, label=" + dot_quoted(limits) + "];\n";
    out += "    \"legend:final\" -> \"legend:limits\" [style=invis];\n";
  }
  out += "  }\n";
  return out;
}

// The rule a transition or timer comes from, relative to the rules folder:
// "after_sales.docket:198".
std::string rule_name(const Workflow& workflow, const RulePosition& position) {
  const std::string& root = workflow.source_root();
  if (!root.empty() && position.where.size() > root.size() + 1 && position.where.compare(0, root.size(), root) == 0 &&
      position.where[root.size()] == '/') {
    return position.where.substr(root.size() + 1);
  }
  return position.where;
}

void write_xstate_actions(JsonWriter& json, std::string_view key, const Workflow& workflow,
                          const std::vector<Action>& actions) {
  if (actions.empty()) return;
  write_actions(json, key, workflow, actions);
}

void write_xstate_transition(JsonWriter& json, const Workflow& workflow, StateIndex from, TransitionIndex index) {
  const Transition& transition = workflow.transitions()[index];
  json.begin_object();
  if (transition.to != kNoIndex) write_state_ref(json, "target", workflow, transition.to);
  if (transition.guard || transition.restricted()) json.key("guard").string(rule_name(workflow, transition.position));
  write_xstate_actions(json, "actions", workflow, transition.actions);
  if (transition.to == from) json.key("reenter").boolean(true);
  json.key("meta").begin_object();
  json.key("rule").string(rule_name(workflow, transition.position));
  if (transition.group != kNoIndex) json.key("group").string(name_at(workflow.groups(), transition.group));
  if (transition.guard) json.key("when").string(transition.guard->text());
  if (transition.restricted()) {
    json.key("by").begin_array();
    for (const std::string& name : workflow.senders(transition)) json.string(name);
    json.end_array();
  }
  json.end_object();
  json.end_object();
}

void write_xstate_timer(JsonWriter& json, const Workflow& workflow, StateIndex state, TimerIndex index) {
  const Timer& timer = workflow.timers()[index];
  json.begin_object();
  if (timer.target != kNoIndex) write_state_ref(json, "target", workflow, timer.target);
  if (timer.guard) json.key("guard").string(rule_name(workflow, timer.position));
  write_xstate_actions(json, "actions", workflow, timer.actions);
  if (timer.target == state) json.key("reenter").boolean(true);
  json.key("meta").begin_object();
  json.key("rule").string(rule_name(workflow, timer.position));
  if (timer.group != kNoIndex) json.key("group").string(name_at(workflow.groups(), timer.group));
  if (timer.recurring) json.key("every").boolean(true);
  if (timer.length.calendar != kNoIndex) {
    json.key("calendar").string(name_at(workflow.calendars(), timer.length.calendar));
  }
  if (timer.guard) json.key("when").string(timer.guard->text());
  json.end_object();
  json.end_object();
}

// Items grouped by a key, the groups in the order their first item came.
template <typename Key>
std::vector<std::pair<Key, std::vector<std::uint32_t>>> grouped(std::span<const std::uint32_t> items,
                                                                const std::function<Key(std::uint32_t)>& key_of) {
  std::vector<std::pair<Key, std::vector<std::uint32_t>>> groups;
  for (std::uint32_t item : items) {
    Key key = key_of(item);
    auto it = std::find_if(groups.begin(), groups.end(), [&key](const auto& group) { return group.first == key; });
    if (it == groups.end()) {
      groups.push_back({key, {item}});
    } else {
      it->second.push_back(item);
    }
  }
  return groups;
}

std::string dot_state(const Workflow& workflow, StateIndex s, const std::string& indent) {
  const State& state = workflow.states()[s];
  std::string label = display_name(state);
  for (const std::string& note : state_notes(workflow, s)) label += "\n" + note;
  return indent + dot_quoted(state.name) + " [label=" + dot_quoted(label) + ", " +
         style_attributes(state_style(workflow, s)) + "];\n";
}

// How DOT draws the groups. Graphviz clusters must nest or stay apart, so a
// group is a cluster (a dashed frame around its states) when it nests in or
// stays apart from every earlier cluster, and is not `(*)`; any other group
// is a box of its own that names its states. A group's transitions and
// timers that leave it are drawn once: from the frame (`ltail`) or from the
// box. Those that lead into the frame are drawn from each state, as the
// engine runs them.
class DotGroups {
 public:
  explicit DotGroups(const Workflow& workflow) : workflow_(workflow) {
    std::size_t count = workflow.groups().size();
    cluster_.assign(count, false);
    parent_.assign(count, kNoIndex);
    innermost_.assign(workflow.states().size(), kNoIndex);
    for (GroupIndex g = 0; g < count; ++g) cluster_[g] = fits_as_cluster(g);
    for (GroupIndex g = 0; g < count; ++g) {
      if (!cluster_[g]) continue;
      for (GroupIndex h = 0; h < count; ++h) {
        if (h != g && cluster_[h] && encloses(h, g) && (parent_[g] == kNoIndex || encloses(parent_[g], h))) {
          parent_[g] = h;
        }
      }
      for (StateIndex s : workflow.groups()[g].states) {
        if (innermost_[s] == kNoIndex || encloses(innermost_[s], g)) innermost_[s] = g;
      }
    }
  }

  bool any_cluster() const { return std::find(cluster_.begin(), cluster_.end(), true) != cluster_.end(); }
  GroupIndex innermost(StateIndex state) const { return innermost_[state]; }

  // The frames with their states, nested, and the boxes of the other groups.
  std::string clusters_and_nodes() const {
    std::string out;
    for (GroupIndex g = 0; g < cluster_.size(); ++g) {
      if (cluster_[g] && parent_[g] == kNoIndex) out += cluster(g, "  ");
    }
    for (GroupIndex g = 0; g < cluster_.size(); ++g) {
      if (cluster_[g]) continue;
      std::string label = group_title(workflow_.groups()[g]);
      for (const std::string& note : group_notes(workflow_, g, true)) label += "\n" + note;
      out += "  " + node_id(g) + " [label=" + dot_quoted(label) +
             ", style=\"rounded,dashed\", color=\"#757575\", fontcolor=\"#424242\"];\n";
    }
    return out;
  }

  // Where an edge starts (quoted); nullopt for a group's copy drawn already.
  std::optional<std::string> tail_of(const TransitionEdge& edge, StateIndex from, StateIndex to) {
    GroupIndex g = group_of(edge);
    if (g == kNoIndex || (cluster_[g] && workflow_.groups()[g].contains(to))) {
      return dot_quoted(workflow_.states()[from].name);
    }
    const RulePosition& position = position_of(edge);
    if (!drawn_.insert({g, position.where + ":" + std::to_string(position.column)}).second) return std::nullopt;
    if (!cluster_[g]) return node_id(g);
    return dot_quoted(workflow_.states()[workflow_.groups()[g].states.front()].name);
  }

  // `ltail` for an edge drawn from a frame.
  std::string edge_attributes(const TransitionEdge& edge, StateIndex to) const {
    GroupIndex g = group_of(edge);
    if (g == kNoIndex || !cluster_[g] || workflow_.groups()[g].contains(to)) return {};
    return ", ltail=" + cluster_id(g);
  }

 private:
  bool fits_as_cluster(GroupIndex g) const {
    const StateGroup& group = workflow_.groups()[g];
    if (group.every_state || group.states.empty()) return false;
    for (GroupIndex h = 0; h < g; ++h) {
      if (cluster_[h] && !encloses(h, g) && !encloses(g, h) && overlaps(g, h)) return false;
    }
    return true;
  }

  // Whether group `outer` holds every state of `inner`.
  bool encloses(GroupIndex outer, GroupIndex inner) const {
    const std::vector<StateIndex>& a = workflow_.groups()[outer].states;
    const std::vector<StateIndex>& b = workflow_.groups()[inner].states;
    if (a.size() != b.size()) return a.size() > b.size() && std::includes(a.begin(), a.end(), b.begin(), b.end());
    return a == b && outer < inner;  // the same states: the earlier group frames the later
  }

  bool overlaps(GroupIndex g, GroupIndex h) const {
    const std::vector<StateIndex>& a = workflow_.groups()[g].states;
    const std::vector<StateIndex>& b = workflow_.groups()[h].states;
    return std::any_of(a.begin(), a.end(), [&b](StateIndex s) { return std::binary_search(b.begin(), b.end(), s); });
  }

  std::string cluster(GroupIndex g, const std::string& indent) const {
    std::string label = group_title(workflow_.groups()[g]);
    for (const std::string& note : group_notes(workflow_, g, false)) label += "\n" + note;
    std::string out = indent + "subgraph " + cluster_id(g) + " {\n";
    out += indent + "  label=" + dot_quoted(label) +
           "; style=\"rounded,dashed\"; color=\"#757575\"; fontcolor=\"#424242\";\n";
    for (StateIndex s : workflow_.groups()[g].states) {
      if (innermost_[s] == g) out += dot_state(workflow_, s, indent + "  ");
    }
    for (GroupIndex h = 0; h < cluster_.size(); ++h) {
      if (cluster_[h] && parent_[h] == g) out += cluster(h, indent + "  ");
    }
    return out + indent + "}\n";
  }

  GroupIndex group_of(const TransitionEdge& edge) const {
    return edge.kind == EdgeKind::kTimer ? workflow_.timers()[edge.index].group
                                         : workflow_.transitions()[edge.index].group;
  }
  const RulePosition& position_of(const TransitionEdge& edge) const {
    return edge.kind == EdgeKind::kTimer ? workflow_.timers()[edge.index].position
                                         : workflow_.transitions()[edge.index].position;
  }
  std::string cluster_id(GroupIndex g) const { return dot_quoted("cluster_group_" + workflow_.groups()[g].name); }
  std::string node_id(GroupIndex g) const { return dot_quoted("group:" + workflow_.groups()[g].name); }

  const Workflow& workflow_;
  std::vector<bool> cluster_;          // by group: drawn as a frame
  std::vector<GroupIndex> parent_;     // by group: the frame it nests in
  std::vector<GroupIndex> innermost_;  // by state: the innermost frame around it
  std::set<std::pair<GroupIndex, std::string>> drawn_;
};

}  // namespace

StateStyle state_style(const Workflow& workflow, StateIndex s) {
  const State& state = workflow.states()[s];
  if (state.kind == StateKind::kInitial) return StateStyle::kInitial;
  if (state.kind == StateKind::kFinal) return StateStyle::kFinal;
  if (state.awaits_approval) return StateStyle::kAwaitsApproval;
  if (!state.paused_clocks.empty()) return StateStyle::kPausesClocks;
  return StateStyle::kNormal;
}

const char* fill_color(StateStyle style) {
  switch (style) {
    case StateStyle::kInitial:
      return "#c8e6c9";  // green
    case StateStyle::kNormal:
      return "#ffffff";
    case StateStyle::kAwaitsApproval:
      return "#ffe0b2";  // orange
    case StateStyle::kPausesClocks:
      return "#bbdefb";  // blue
    case StateStyle::kFinal:
      return "#e0e0e0";  // grey
  }
  return "#ffffff";
}

const char* legend_text(StateStyle style) {
  switch (style) {
    case StateStyle::kInitial:
      return "initial state";
    case StateStyle::kNormal:
      return "state";
    case StateStyle::kAwaitsApproval:
      return "awaits approval";
    case StateStyle::kPausesClocks:
      return "pauses clocks";
    case StateStyle::kFinal:
      return "final state";
  }
  return "state";
}

std::string export_dot(const Workflow& workflow) {
  const StateGraph& graph = workflow.graph();
  std::string title = workflow.label().empty() ? workflow.name() : workflow.label();
  if (!workflow.version().empty()) title += " v" + workflow.version();
  DotGroups groups(workflow);

  std::string out = "digraph " + dot_quoted(workflow.name()) + " {\n";
  out +=
      "  graph [label=" + dot_quoted(title) + ", labelloc=t" + (groups.any_cluster() ? ", compound=true" : "") + "];\n";
  out += "  node [shape=box, style=\"rounded,filled\"];\n";
  out += "  \"[*]\" [shape=point, width=0.15, label=\"\"];\n";
  for (auto vertex : boost::make_iterator_range(boost::vertices(graph))) {
    StateIndex s = graph[vertex].state;
    if (groups.innermost(s) == kNoIndex) out += dot_state(workflow, s, "  ");
  }
  out += groups.clusters_and_nodes();
  if (workflow.initial_state() != kNoIndex) {
    out += "  \"[*]\" -> " + dot_quoted(workflow.states()[workflow.initial_state()].name) + ";\n";
  }
  for (auto edge : boost::make_iterator_range(boost::edges(graph))) {
    const TransitionEdge& bundle = graph[edge];
    StateIndex from = graph[boost::source(edge, graph)].state;
    StateIndex to = graph[boost::target(edge, graph)].state;
    std::string label = bundle.kind == EdgeKind::kTimer ? timer_label(workflow, bundle.index)
                                                        : dot_transition_label(workflow, bundle.index);
    std::string style;
    if (bundle.kind == EdgeKind::kAutomatic) style = ", style=dashed";
    if (bundle.kind == EdgeKind::kTimer) style = ", style=dotted";
    std::optional<std::string> tail = groups.tail_of(bundle, from, to);
    if (!tail) continue;  // a group's copy, drawn once with its first
    out += "  " + *tail + " -> " + dot_quoted(workflow.states()[to].name) + " [label=" + dot_quoted(label) + style;
    out += groups.edge_attributes(bundle, to) + "];\n";
  }
  // A state's own stays: marked self-loops (a group's are listed in its box).
  for (TransitionIndex t = 0; t < workflow.transitions().size(); ++t) {
    const Transition& transition = workflow.transitions()[t];
    if (!transition.stays() || transition.group != kNoIndex) continue;
    const std::string& name = workflow.states()[transition.from].name;
    out += "  " + dot_quoted(name) + " -> " + dot_quoted(name) +
           " [label=" + dot_quoted(dot_transition_label(workflow, t) + " (stays)") + ", arrowhead=odot];\n";
  }
  out += dot_legend(workflow);
  out += "}\n";
  return out;
}

std::string export_xstate(const Workflow& workflow) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.key("id").string(workflow.name());
  if (workflow.initial_state() != kNoIndex) write_state_ref(json, "initial", workflow, workflow.initial_state());
  if (!workflow.label().empty()) json.key("description").string(workflow.label());
  json.key("states").begin_object();
  for (StateIndex s = 0; s < workflow.states().size(); ++s) {
    const State& state = workflow.states()[s];
    json.key(state.name).begin_object();
    if (state.kind == StateKind::kFinal) json.key("type").string("final");
    if (!state.label.empty()) json.key("description").string(state.label);
    if (state.awaits_approval) json.key("tags").begin_array().string("awaits_approval").end_array();
    write_xstate_actions(json, "entry", workflow, state.on_enter);
    write_xstate_actions(json, "exit", workflow, state.on_exit);

    std::vector<TransitionIndex> by_event;
    std::vector<TransitionIndex> automatic;
    for (TransitionIndex t : workflow.transitions_from(s)) {
      (workflow.transitions()[t].automatic() ? automatic : by_event).push_back(t);
    }
    if (!by_event.empty()) {
      json.key("on").begin_object();
      std::function<EventId(std::uint32_t)> event_of = [&workflow](std::uint32_t t) {
        return workflow.transitions()[t].event;
      };
      for (const auto& [event, transitions] : grouped<EventId>(by_event, event_of)) {
        json.key(name_at(workflow.events(), event)).begin_array();
        for (TransitionIndex t : transitions) write_xstate_transition(json, workflow, s, t);
        json.end_array();
      }
      json.end_object();
    }
    if (!automatic.empty()) {
      json.key("always").begin_array();
      for (TransitionIndex t : automatic) write_xstate_transition(json, workflow, s, t);
      json.end_array();
    }
    std::span<const TimerIndex> timers = workflow.timers_of(s);
    if (!timers.empty()) {
      json.key("after").begin_object();
      // XState counts milliseconds of the wall clock: a timer in working
      // days is drawn as that many 24-hour days (the `calendar` key says
      // which calendar docket counts in).
      std::function<std::int64_t(std::uint32_t)> delay_of = [&workflow](std::uint32_t t) {
        const Duration& length = workflow.timers()[t].length;
        return (length.in_workdays() ? length.workdays * 86400 : length.seconds) * 1000;
      };
      for (const auto& [milliseconds, group] : grouped<std::int64_t>(timers, delay_of)) {
        json.key(std::to_string(milliseconds)).begin_array();
        for (TimerIndex t : group) write_xstate_timer(json, workflow, s, t);
        json.end_array();
      }
      json.end_object();
    }
    if (!state.paused_clocks.empty()) {
      json.key("meta").begin_object();
      json.key("paused_clocks").begin_array();
      for (MetricIndex metric : state.paused_clocks) json.string(name_at(workflow.metrics(), metric));
      json.end_array();
      json.end_object();
    }
    json.end_object();
  }
  json.end_object();
  json.end_object();
  out += '\n';
  return out;
}

std::string export_mermaid(const Workflow& workflow) {
  const StateGraph& graph = workflow.graph();
  std::vector<std::string> ids = mermaid_ids(workflow);
  std::vector<std::string> group_ids = mermaid_group_ids(workflow, ids);
  std::string out = "stateDiagram-v2\n";
  for (StateIndex s = 0; s < workflow.states().size(); ++s) {
    std::string label = display_name(workflow.states()[s]);
    for (const std::string& note : state_notes(workflow, s)) label += "\n" + note;
    out += "  state \"" + mermaid_text(label) + "\" as " + ids[s] + "\n";
  }
  // A group is a box that names its states: Mermaid's composite states
  // cannot share a state, and groups may.
  for (GroupIndex g = 0; g < workflow.groups().size(); ++g) {
    std::string label = group_title(workflow.groups()[g]);
    for (const std::string& note : group_notes(workflow, g, true)) label += "\n" + note;
    out += "  state \"" + mermaid_text(label) + "\" as " + group_ids[g] + "\n";
  }
  if (workflow.initial_state() != kNoIndex) {
    out += "  [*] --> " + ids[workflow.initial_state()] + "\n";
  }
  std::set<std::pair<GroupIndex, std::string>> drawn;  // a group's copies: drawn once, from its box
  for (auto edge : boost::make_iterator_range(boost::edges(graph))) {
    const TransitionEdge& bundle = graph[edge];
    StateIndex from = graph[boost::source(edge, graph)].state;
    StateIndex to = graph[boost::target(edge, graph)].state;
    std::string tail = ids[from];
    GroupIndex g = bundle.kind == EdgeKind::kTimer ? workflow.timers()[bundle.index].group
                                                   : workflow.transitions()[bundle.index].group;
    if (g != kNoIndex) {
      const RulePosition& position = bundle.kind == EdgeKind::kTimer ? workflow.timers()[bundle.index].position
                                                                     : workflow.transitions()[bundle.index].position;
      if (!drawn.insert({g, position.where + ":" + std::to_string(position.column)}).second) continue;
      tail = group_ids[g];
    }
    out += "  " + tail + " --> " + ids[to] + " : " + mermaid_text(edge_label(workflow, bundle)) + "\n";
  }
  for (TransitionIndex t = 0; t < workflow.transitions().size(); ++t) {
    const Transition& transition = workflow.transitions()[t];
    if (!transition.stays() || transition.group != kNoIndex) continue;
    const std::string& id = ids[transition.from];
    out += "  " + id + " --> " + id + " : " + mermaid_text(transition_label(workflow, t) + " (stays)") + "\n";
  }
  for (StateIndex s = 0; s < workflow.states().size(); ++s) {
    if (workflow.is_final(s)) out += "  " + ids[s] + " --> [*]\n";
  }
  return out;
}

std::string export_json(const Workflow& workflow) {
  const StateGraph& graph = workflow.graph();
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.key("workflow").begin_object();
  json.key("name").string(workflow.name());
  json.key("label").string(workflow.label());
  json.key("version").string(workflow.version());
  json.key("version_id").string(workflow.version_id());
  write_state_ref(json, "initial", workflow, workflow.initial_state());
  json.end_object();

  json.key("nodes").begin_array();
  for (StateIndex s = 0; s < workflow.states().size(); ++s) {
    const State& state = workflow.states()[s];
    json.begin_object();
    json.key("id").string(state.name);
    json.key("index").number(s);
    json.key("label").string(state.label);
    json.key("kind").string(to_string(state.kind));
    json.key("awaits_approval").boolean(state.awaits_approval);
    json.key("paused_clocks").begin_array();
    for (MetricIndex metric : state.paused_clocks) json.string(name_at(workflow.metrics(), metric));
    json.end_array();
    write_actions(json, "on_enter", workflow, state.on_enter);
    write_actions(json, "on_exit", workflow, state.on_exit);
    json.key("timers").begin_array();
    for (TimerIndex t : workflow.timers_of(s)) write_timer(json, workflow, t);
    json.end_array();
    json.key("stays").begin_array();
    for (TransitionIndex t : workflow.transitions_from(s)) {
      if (workflow.transitions()[t].stays()) write_stay(json, workflow, t);
    }
    json.end_array();
    write_position(json, state.position);
    json.end_object();
  }
  json.end_array();

  json.key("groups").begin_array();
  for (const StateGroup& group : workflow.groups()) {
    json.begin_object();
    json.key("id").string(group.name);
    json.key("label").string(group.label);
    json.key("every_state").boolean(group.every_state);
    json.key("states").begin_array();
    for (StateIndex state : group.states) json.string(name_at(workflow.states(), state));
    json.end_array();
    json.key("paused_clocks").begin_array();
    for (MetricIndex metric : group.paused_clocks) json.string(name_at(workflow.metrics(), metric));
    json.end_array();
    write_actions(json, "on_enter", workflow, group.on_enter);
    write_actions(json, "on_exit", workflow, group.on_exit);
    write_position(json, group.position);
    json.end_object();
  }
  json.end_array();

  json.key("edges").begin_array();
  for (auto edge : boost::make_iterator_range(boost::edges(graph))) {
    const TransitionEdge& bundle = graph[edge];
    json.begin_object();
    write_state_ref(json, "from", workflow, graph[boost::source(edge, graph)].state);
    write_state_ref(json, "to", workflow, graph[boost::target(edge, graph)].state);
    json.key("label").string(edge_label(workflow, bundle));
    if (bundle.kind == EdgeKind::kTimer) {
      const Timer& timer = workflow.timers()[bundle.index];
      json.key("kind").string("timer");
      json.key("timer").number(bundle.index);
      json.key("recurring").boolean(timer.recurring);
      write_duration(json, workflow, timer.length);
      write_optional_expr(json, "guard", timer.guard);
      write_actions(json, "actions", workflow, timer.actions);
      write_group_ref(json, workflow, timer.group);
      write_position(json, timer.position);
    } else {
      const Transition& transition = workflow.transitions()[bundle.index];
      json.key("kind").string(transition.automatic() ? "automatic" : "event");
      json.key("transition").number(bundle.index);
      json.key("event");
      if (transition.automatic()) {
        json.null();
      } else {
        json.string(name_at(workflow.events(), transition.event));
      }
      write_optional_expr(json, "guard", transition.guard);
      write_senders(json, workflow, transition);
      write_actions(json, "actions", workflow, transition.actions);
      write_group_ref(json, workflow, transition.group);
      write_position(json, transition.position);
    }
    json.end_object();
  }
  json.end_array();
  json.end_object();
  out += '\n';
  return out;
}

std::string export_graph(const Workflow& workflow, GraphFormat format) {
  switch (format) {
    case GraphFormat::kDot:
      return export_dot(workflow);
    case GraphFormat::kMermaid:
      return export_mermaid(workflow);
    case GraphFormat::kJson:
      return export_json(workflow);
    case GraphFormat::kXState:
      return export_xstate(workflow);
  }
  return {};
}

}  // namespace docket::designer
