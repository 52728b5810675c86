#include "engine/graph_export.h"

#include <cstdio>
#include <set>

#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/reverse_graph.hpp>

#include "engine/state_graph.h"

namespace docket::engine {
namespace {

// ---------------------------------------------------------------- text helpers

// Length of the valid UTF-8 sequence starting at text[i], or 0 when the bytes
// there are not one (overlong forms, surrogates and values past U+10FFFF
// included).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  std::uint32_t code = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    code = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    code = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    code = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr std::uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < kSmallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

// Calls emit(piece) for each character of `text`: one valid UTF-8 sequence,
// or U+FFFD in place of each byte that does not start one.
template <typename Emit>
void for_each_character(std::string_view text, Emit emit) {
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) {
      emit(std::string_view("\xEF\xBF\xBD"));
      ++i;
    } else {
      emit(text.substr(i, length));
      i += length;
    }
  }
}

// A DOT double-quoted string (the quotes included); `\n` in the result is
// Graphviz's centred line break.
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

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for_each_character(text, [&out](std::string_view c) {
    auto byte = static_cast<unsigned char>(c[0]);
    if (c.size() > 1) {
      out += c;
    } else if (byte == '"') {
      out += "\\\"";
    } else if (byte == '\\') {
      out += "\\\\";
    } else if (byte == '\n') {
      out += "\\n";
    } else if (byte == '\t') {
      out += "\\t";
    } else if (byte == '\r') {
      out += "\\r";
    } else if (byte < 0x20 || byte == 0x7F) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
      out += escaped;
    } else {
      out += static_cast<char>(byte);
    }
  });
  out += '"';
}

// A small streaming JSON writer: values, arrays and objects with the commas
// placed for the caller.
class JsonWriter {
 public:
  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }
  JsonWriter& key(std::string_view name) {
    separate();
    append_json_string(out_, name);
    out_ += ':';
    after_key_ = true;
    return *this;
  }
  JsonWriter& string(std::string_view text) {
    separate();
    append_json_string(out_, text);
    return *this;
  }
  JsonWriter& number(std::int64_t value) {
    separate();
    out_ += std::to_string(value);
    return *this;
  }
  JsonWriter& real(double value) {
    separate();
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", value);
    out_ += text;
    return *this;
  }
  JsonWriter& boolean(bool value) {
    separate();
    out_ += value ? "true" : "false";
    return *this;
  }
  JsonWriter& null() {
    separate();
    out_ += "null";
    return *this;
  }
  std::string take() { return std::move(out_) + "\n"; }

 private:
  JsonWriter& open(char bracket) {
    separate();
    out_ += bracket;
    first_.push_back(true);
    return *this;
  }
  JsonWriter& close(char bracket) {
    if (!first_.empty()) first_.pop_back();
    out_ += bracket;
    return *this;
  }
  void separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (first_.empty()) return;
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }

  std::string out_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

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

const std::string& display_name(const State& state) { return state.label.empty() ? state.name : state.label; }

// Lines shown under a state's name: what happens while a ticket is there.
std::vector<std::string> state_notes(const Workflow& workflow, StateIndex s) {
  const State& state = workflow.states()[s];
  std::vector<std::string> notes;
  if (state.awaits_approval) notes.emplace_back("awaits approval");
  if (!state.paused_clocks.empty()) {
    std::string text = "pauses ";
    for (std::size_t i = 0; i < state.paused_clocks.size(); ++i) {
      if (i > 0) text += ", ";
      text += name_at(workflow.metrics(), state.paused_clocks[i]);
    }
    notes.push_back(text);
  }
  for (TimerIndex t : workflow.timers_of(s)) {
    if (workflow.timers()[t].target == kNoIndex) notes.push_back(timer_label(workflow, t));
  }
  return notes;
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

void write_state_ref(JsonWriter& json, std::string_view key, const Workflow& workflow, StateIndex state) {
  json.key(key);
  if (state == kNoIndex) {
    json.null();
  } else {
    json.string(name_at(workflow.states(), state));
  }
}

void write_calendar(JsonWriter& json, const Workflow& workflow, CalendarIndex calendar) {
  json.key("calendar");
  if (calendar == kNoIndex) {
    json.null();
  } else {
    json.string(name_at(workflow.calendars(), calendar));
  }
}

void write_timer(JsonWriter& json, const Workflow& workflow, TimerIndex t) {
  const Timer& timer = workflow.timers()[t];
  json.begin_object();
  json.key("index").number(t);
  json.key("kind").string(timer.recurring ? "every" : "after");
  json.key("seconds").number(timer.seconds);
  json.key("duration").string(format_duration(timer.seconds));
  write_calendar(json, workflow, timer.calendar);
  write_optional_expr(json, "guard", timer.guard);
  write_state_ref(json, "target", workflow, timer.target);
  write_actions(json, "actions", workflow, timer.actions);
  json.key("label").string(timer_label(workflow, t));
  write_position(json, timer.position);
  json.end_object();
}

}  // namespace

std::optional<GraphFormat> parse_graph_format(std::string_view name) {
  if (name == "dot") return GraphFormat::kDot;
  if (name == "mermaid") return GraphFormat::kMermaid;
  if (name == "json") return GraphFormat::kJson;
  return std::nullopt;
}

std::string transition_label(const Workflow& workflow, TransitionIndex index) {
  if (index >= workflow.transitions().size()) return "?";
  const Transition& transition = workflow.transitions()[index];
  std::string text = transition.automatic() ? "auto" : name_at(workflow.events(), transition.event);
  if (transition.guard) text += " [" + transition.guard->text() + "]";
  if (!transition.roles.empty()) text += " / " + join_roles(workflow, transition.roles);
  return text;
}

std::string timer_label(const Workflow& workflow, TimerIndex index) {
  if (index >= workflow.timers().size()) return "?";
  const Timer& timer = workflow.timers()[index];
  std::string text = timer.recurring ? "every " : "after ";
  text += format_duration(timer.seconds, false);
  if (timer.calendar != kNoIndex) text += " in " + name_at(workflow.calendars(), timer.calendar);
  if (timer.guard) text += " [" + timer.guard->text() + "]";
  if (!timer.actions.empty()) text += ": " + join_actions(workflow, timer.actions);
  return text;
}

std::string export_dot(const Workflow& workflow) {
  const StateGraph& graph = workflow.graph();
  std::string title = workflow.label().empty() ? workflow.name() : workflow.label();
  if (!workflow.version().empty()) title += " v" + workflow.version();

  std::string out = "digraph " + dot_quoted(workflow.name()) + " {\n";
  out += "  graph [label=" + dot_quoted(title) + ", labelloc=t];\n";
  out += "  node [shape=box, style=rounded];\n";
  out += "  \"[*]\" [shape=point, width=0.15, label=\"\"];\n";
  for (auto vertex : boost::make_iterator_range(boost::vertices(graph))) {
    StateIndex s = graph[vertex].state;
    const State& state = workflow.states()[s];
    std::string label = display_name(state);
    for (const std::string& note : state_notes(workflow, s)) label += "\n" + note;
    out += "  " + dot_quoted(state.name) + " [label=" + dot_quoted(label);
    if (state.kind == StateKind::kInitial) out += ", style=\"rounded,bold\"";
    if (state.kind == StateKind::kFinal) out += ", shape=doublecircle";
    out += "];\n";
  }
  if (workflow.initial_state() != kNoIndex) {
    out += "  \"[*]\" -> " + dot_quoted(workflow.states()[workflow.initial_state()].name) + ";\n";
  }
  for (auto edge : boost::make_iterator_range(boost::edges(graph))) {
    const TransitionEdge& bundle = graph[edge];
    const std::string& from = workflow.states()[graph[boost::source(edge, graph)].state].name;
    const std::string& to = workflow.states()[graph[boost::target(edge, graph)].state].name;
    out += "  " + dot_quoted(from) + " -> " + dot_quoted(to) + " [label=" + dot_quoted(edge_label(workflow, bundle));
    if (bundle.kind == EdgeKind::kAutomatic) out += ", style=dashed";
    if (bundle.kind == EdgeKind::kTimer) out += ", style=dotted";
    out += "];\n";
  }
  out += "}\n";
  return out;
}

std::string export_mermaid(const Workflow& workflow) {
  const StateGraph& graph = workflow.graph();
  std::vector<std::string> ids = mermaid_ids(workflow);
  std::string out = "stateDiagram-v2\n";
  for (StateIndex s = 0; s < workflow.states().size(); ++s) {
    std::string label = display_name(workflow.states()[s]);
    for (const std::string& note : state_notes(workflow, s)) label += "\n" + note;
    out += "  state \"" + mermaid_text(label) + "\" as " + ids[s] + "\n";
  }
  if (workflow.initial_state() != kNoIndex) {
    out += "  [*] --> " + ids[workflow.initial_state()] + "\n";
  }
  for (auto edge : boost::make_iterator_range(boost::edges(graph))) {
    StateIndex from = graph[boost::source(edge, graph)].state;
    StateIndex to = graph[boost::target(edge, graph)].state;
    out += "  " + ids[from] + " --> " + ids[to] + " : " + mermaid_text(edge_label(workflow, graph[edge])) + "\n";
  }
  for (StateIndex s = 0; s < workflow.states().size(); ++s) {
    if (workflow.is_final(s)) out += "  " + ids[s] + " --> [*]\n";
  }
  return out;
}

std::string export_json(const Workflow& workflow) {
  const StateGraph& graph = workflow.graph();
  JsonWriter json;
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
    write_position(json, state.position);
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
      json.key("seconds").number(timer.seconds);
      json.key("duration").string(format_duration(timer.seconds));
      write_calendar(json, workflow, timer.calendar);
      write_optional_expr(json, "guard", timer.guard);
      write_actions(json, "actions", workflow, timer.actions);
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
      json.key("roles").begin_array();
      for (RoleIndex role : transition.roles) json.string(name_at(workflow.roles(), role));
      json.end_array();
      write_actions(json, "actions", workflow, transition.actions);
      write_position(json, transition.position);
    }
    json.end_object();
  }
  json.end_array();
  json.end_object();
  return json.take();
}

std::string export_graph(const Workflow& workflow, GraphFormat format) {
  switch (format) {
    case GraphFormat::kDot:
      return export_dot(workflow);
    case GraphFormat::kMermaid:
      return export_mermaid(workflow);
    case GraphFormat::kJson:
      return export_json(workflow);
  }
  return {};
}

std::vector<StateIndex> Reachability::unreachable() const {
  std::vector<StateIndex> states;
  for (StateIndex s = 0; s < reachable.size(); ++s) {
    if (!reachable[s]) states.push_back(s);
  }
  return states;
}

std::vector<StateIndex> Reachability::dead_ends() const {
  std::vector<StateIndex> states;
  for (StateIndex s = 0; s < reachable.size() && s < can_finish.size(); ++s) {
    if (reachable[s] && !can_finish[s]) states.push_back(s);
  }
  return states;
}

Reachability analyze_reachability(const Workflow& workflow) {
  const StateGraph& graph = workflow.graph();
  std::size_t count = boost::num_vertices(graph);
  Reachability facts;
  facts.reachable.assign(count, false);
  facts.can_finish.assign(count, false);
  auto index = boost::get(boost::vertex_index, graph);

  using Colors = std::vector<boost::default_color_type>;
  auto reached = [](const Colors& colors, std::size_t v) { return colors[v] != boost::white_color; };
  if (workflow.initial_state() != kNoIndex) {
    Colors colors(count, boost::white_color);
    boost::breadth_first_search(graph, boost::vertex(workflow.initial_state(), graph),
                                boost::color_map(boost::make_iterator_property_map(colors.begin(), index)));
    for (std::size_t v = 0; v < count; ++v) facts.reachable[v] = reached(colors, v);
  }

  // Backwards from every final state at once: one search over the reversed
  // graph with all finals as sources.
  std::vector<StateGraph::vertex_descriptor> finals;
  for (StateIndex s = 0; s < count; ++s) {
    if (workflow.is_final(s)) finals.push_back(boost::vertex(s, graph));
  }
  if (!finals.empty()) {
    auto reversed = boost::make_reverse_graph(graph);
    Colors colors(count, boost::white_color);
    boost::queue<StateGraph::vertex_descriptor> queue;
    boost::breadth_first_search(reversed, finals.begin(), finals.end(), queue, boost::default_bfs_visitor(),
                                boost::make_iterator_property_map(colors.begin(), index));
    for (std::size_t v = 0; v < count; ++v) facts.can_finish[v] = reached(colors, v);
  }
  return facts;
}

}  // namespace docket::engine
