#include "engine/codec/ticket_codec.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "engine/codec/json_text.h"
#include "engine/model/reachability.h"
#include "engine/runtime/approval.h"
#include "engine/runtime/calendar.h"
#include "engine/runtime/runner.h"
#include "engine/runtime/sla.h"

namespace docket::engine {
namespace {

// The `snapshot` member: the version of this format.
constexpr int kSnapshotFormat = 1;
// The format nests five levels (clocks > metric > counted > span); the
// limit leaves room and keeps hostile input cheap.
constexpr std::size_t kMaxDepth = 16;
// Values quoted in error messages are cut to this many bytes.
constexpr std::size_t kShownLimit = 60;
// Messages of the JSON reader are cut to this many bytes.
constexpr std::size_t kParseErrorLimit = 200;

// ---------------------------------------------------------------- encoding

// Writes the members of one JSON object in the order they are added.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out) : out_(out) { out_ += '{'; }
  // Writes the key and returns the output for its value.
  std::string& key(std::string_view name) {
    if (!first_) out_ += ',';
    first_ = false;
    append_json_string(out_, name);
    out_ += ':';
    return out_;
  }
  void end() { out_ += '}'; }

 private:
  std::string& out_;
  bool first_ = true;
};

const std::string& name_of(const std::string& name) { return name; }
template <typename T>
const std::string& name_of(const T& item) {
  return item.name;
}

// The name of items[index]; "#index" when out of range (a ticket that does
// not fit its workflow), null for kNoIndex.
template <typename T>
void write_name(std::string& out, const std::vector<T>* items, std::uint32_t index) {
  if (index == kNoIndex) {
    out += "null";
  } else if (items != nullptr && index < items->size()) {
    append_json_string(out, name_of((*items)[index]));
  } else {
    append_json_string(out, "#" + std::to_string(index));
  }
}

// An instant as UTC text, or as epoch seconds when the text cannot hold it.
void write_time(std::string& out, std::int64_t instant) {
  std::string text = format_timestamp(instant);
  if (parse_timestamp(text) == instant) {
    append_json_string(out, text);
  } else {
    out += std::to_string(instant);
  }
}

// An instant that may be kNever ("not scheduled"): null then.
void write_due(std::string& out, std::int64_t instant) {
  if (instant == kNever) {
    out += "null";
  } else {
    write_time(out, instant);
  }
}

std::optional<std::int64_t> parse_signed_duration(std::string_view text) {
  if (!text.empty() && text.front() == '-') {
    std::optional<std::int64_t> magnitude = parse_duration(text.substr(1));
    if (!magnitude) return std::nullopt;
    return -*magnitude;
  }
  return parse_duration(text);
}

// A duration as the rules write it, or as seconds when that text cannot hold it.
void write_duration(std::string& out, std::int64_t seconds) {
  std::string text = format_duration(seconds);
  if (parse_signed_duration(text) == seconds) {
    append_json_string(out, text);
  } else {
    out += std::to_string(seconds);
  }
}

void write_value(std::string& out, const Workflow* workflow, const Value& value) {
  switch (value.type()) {
    case ValueType::kUnset:
      out += "null";
      return;
    case ValueType::kText:
      append_json_string(out, value.as_text());
      return;
    case ValueType::kNumber:
      out += value.as_number().to_string();
      return;
    case ValueType::kBool:
      out += value.as_bool() ? "true" : "false";
      return;
    case ValueType::kEnum: {
      const std::vector<std::string>* names = nullptr;
      if (workflow != nullptr && value.domain() < workflow->fields().size()) {
        names = &workflow->fields()[value.domain()].enum_values;
      }
      write_name(out, names, value.ordinal());
      return;
    }
    case ValueType::kCategory:
      write_name(out, workflow != nullptr ? &workflow->categories() : nullptr, value.ordinal());
      return;
    case ValueType::kPriority:
      write_name(out, workflow != nullptr ? &workflow->priorities() : nullptr, value.ordinal());
      return;
    case ValueType::kState:
      write_name(out, workflow != nullptr ? &workflow->states() : nullptr, value.ordinal());
      return;
    case ValueType::kDuration:
      write_duration(out, value.seconds());
      return;
    case ValueType::kTimestamp:
      write_time(out, value.seconds());
      return;
  }
  out += "null";
}

void write_clock(std::string& out, const SlaClock& clock) {
  ObjectWriter object(out);
  append_json_string(object.key("status"), to_string(clock.status));
  std::string& counted = object.key("counted");
  counted += '[';
  for (std::size_t i = 0; i < clock.counted.size(); ++i) {
    if (i > 0) counted += ',';
    counted += '[';
    write_time(counted, clock.counted[i].from);
    counted += ',';
    write_time(counted, clock.counted[i].to);
    counted += ']';
  }
  counted += ']';
  write_time(object.key("running_since"), clock.running_since);
  write_time(object.key("changed_at"), clock.changed_at);
  object.key("next_mark") += std::to_string(clock.next_mark);
  object.key("breached") += clock.breached ? "true" : "false";
  write_due(object.key("due"), clock.due);
  object.end();
}

void write_timer(std::string& out, const Workflow* workflow, const ArmedTimer& armed) {
  ObjectWriter object(out);
  if (workflow != nullptr && armed.timer < workflow->timers().size()) {
    StateIndex state = workflow->timers()[armed.timer].state;
    std::span<const TimerIndex> of_state = workflow->timers_of(state);
    auto position = std::find(of_state.begin(), of_state.end(), armed.timer);
    write_name(object.key("state"), &workflow->states(), state);
    object.key("ordinal") += std::to_string(position - of_state.begin());
  } else {
    object.key("state") += "null";
    append_json_string(object.key("ordinal"), "#" + std::to_string(armed.timer));
  }
  write_due(object.key("due"), armed.due);
  object.end();
}

void write_approval(std::string& out, const Workflow* workflow, const std::optional<ApprovalProgress>& approval) {
  if (!approval) {
    out += "null";
    return;
  }
  const Chain* chain = nullptr;
  if (workflow != nullptr && approval->chain < workflow->chains().size()) {
    chain = &workflow->chains()[approval->chain];
  }
  const std::vector<ApprovalLevel>* levels = chain != nullptr ? &chain->levels : nullptr;
  ObjectWriter object(out);
  write_name(object.key("chain"), workflow != nullptr ? &workflow->chains() : nullptr, approval->chain);
  std::string& choice = object.key("choice");
  if (approval->choice == kNoIndex) {
    choice += "null";
  } else {
    choice += std::to_string(approval->choice);
  }
  // A `none` chain has no levels to name (the engine never keeps one).
  if (approval->chain == kNoIndex) {
    object.key("level") += "null";
  } else {
    write_name(object.key("level"), levels, approval->level);
  }
  append_json_string(object.key("requester"), approval->requester);
  std::string& votes = object.key("votes");
  votes += '[';
  for (std::size_t i = 0; i < approval->votes.size(); ++i) {
    const ApprovalVote& vote = approval->votes[i];
    if (i > 0) votes += ',';
    ObjectWriter entry(votes);
    append_json_string(entry.key("approver"), vote.approver);
    write_name(entry.key("level"), levels, vote.level);
    write_name(entry.key("role"), workflow != nullptr ? &workflow->roles() : nullptr, vote.role);
    entry.end();
  }
  votes += ']';
  write_time(object.key("level_started_at"), approval->level_started_at);
  write_due(object.key("deadline"), approval->deadline);
  object.end();
}

// ---------------------------------------------------------------- decoding

// `text` cut to at most `limit` bytes of whole UTF-8 characters, with
// "..." when anything was cut.
std::string cut(std::string text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + "...";
}

// Text from the snapshot as a message quotes it: escaped as in JSON (no
// line breaks) but without the quotes, and cut when long.
std::string plain(std::string_view text, std::size_t limit = kShownLimit) {
  std::string quoted;
  append_json_string(quoted, text);
  return cut(quoted.substr(1, quoted.size() - 2), limit);
}

// A JSON value as an error message shows it: numbers and strings as
// written (cut when long), other kinds by name.
std::string shown(const JsonNode& node) {
  std::string text;
  if (node.kind() == JsonNode::Kind::kNumber) {
    text = node.text();
  } else if (node.kind() == JsonNode::Kind::kString) {
    append_json_string(text, node.text());
  } else {
    return node.describe();
  }
  return cut(std::move(text), kShownLimit);
}

template <typename Number>
std::optional<Number> whole_number(const JsonNode& node) {
  if (node.kind() != JsonNode::Kind::kNumber) return std::nullopt;
  const std::string& text = node.text();
  Number value{};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string list_names(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

// Reads a snapshot against one workflow. Each step returns false after
// setting error() to "place: problem" (without the ticket prefix).
class Decoder {
 public:
  explicit Decoder(const Workflow& workflow) : workflow_(workflow) {}

  const std::string& error() const { return error_; }

  // The ticket id for messages; empty until read.
  const std::string& id() const { return id_; }

  bool ticket(const JsonNode& root, Ticket& out) {
    if (root.kind() != JsonNode::Kind::kObject) return fail("expected an object, got " + shown(root));
    const JsonNode* id = root.find("ticket");
    if (id == nullptr) return fail("missing key `ticket`");
    if (id->kind() != JsonNode::Kind::kString) return fail("`ticket`: expected a string, got " + shown(*id));
    id_ = id->text();
    out.id = id_;

    static constexpr std::array<std::string_view, 16> kKeys = {
        "snapshot", "ticket", "workflow",   "version",     "state",    "created_at", "entered_at", "updated_at",
        "events",   "fields", "attributes", "departments", "assignee", "clocks",     "timers",     "approval"};
    if (!members(root, "", kKeys)) return false;

    const JsonNode& format = *root.find("snapshot");
    if (whole_number<int>(format) != kSnapshotFormat) {
      return fail("`snapshot`: format " + shown(format) + " is not supported (this version reads " +
                  std::to_string(kSnapshotFormat) + ")");
    }
    std::string name, version;
    if (!string(*root.find("workflow"), "`workflow`", name) || !string(*root.find("version"), "`version`", version)) {
      return false;
    }
    if (name != workflow_.name()) {
      return fail("the snapshot is of workflow " + plain(name) + ", not " + workflow_.name());
    }
    if (version != workflow_.version_id()) {
      return fail("the snapshot is of workflow " + name + " version " + plain(version, 2 * kShownLimit) + ", not " +
                  workflow_.version_id());
    }

    const JsonNode& state = *root.find("state");
    if (state.kind() != JsonNode::Kind::kString) return fail("`state`: expected a state name, got " + shown(state));
    std::optional<StateIndex> state_index = workflow_.find_state(state.text());
    if (!state_index) return not_in_workflow("state", state.text());
    out.state = *state_index;

    if (!time(*root.find("created_at"), "`created_at`", out.created_at) ||
        !time(*root.find("entered_at"), "`entered_at`", out.entered_at) ||
        !time(*root.find("updated_at"), "`updated_at`", out.updated_at)) {
      return false;
    }
    const JsonNode& events = *root.find("events");
    std::optional<std::uint64_t> count = whole_number<std::uint64_t>(events);
    if (!count) return fail("`events`: expected a whole number >= 0, got " + shown(events));
    out.events = *count;
    return fields(*root.find("fields"), out) && attributes(*root.find("attributes"), out) &&
           departments(*root.find("departments"), out) && assignee(*root.find("assignee"), out) &&
           clocks(*root.find("clocks"), out) && timers(*root.find("timers"), out) &&
           approval(*root.find("approval"), out);
  }

 private:
  bool fail(std::string message) {
    error_ = std::move(message);
    return false;
  }

  bool not_in_workflow(std::string_view what, std::string_view name) {
    return fail(std::string(what) + " `" + plain(name) + "` is not in workflow " + workflow_.name());
  }

  // Exactly the keys `keys`, each once (the parser refuses repeats).
  template <std::size_t N>
  bool members(const JsonNode& node, const std::string& where, const std::array<std::string_view, N>& keys) {
    std::string prefix = where.empty() ? std::string() : where + ": ";
    if (node.kind() != JsonNode::Kind::kObject) return fail(prefix + "expected an object, got " + shown(node));
    for (const JsonNode::Member& member : node.members()) {
      if (std::find(keys.begin(), keys.end(), member.first) == keys.end()) {
        return fail(prefix + "unknown key `" + plain(member.first) + "`");
      }
    }
    for (std::string_view key : keys) {
      if (node.find(key) == nullptr) return fail(prefix + "missing key `" + std::string(key) + "`");
    }
    return true;
  }

  bool string(const JsonNode& node, const std::string& where, std::string& out) {
    if (node.kind() != JsonNode::Kind::kString) return fail(where + ": expected a string, got " + shown(node));
    out = node.text();
    return true;
  }

  bool array(const JsonNode& node, const std::string& where) {
    if (node.kind() != JsonNode::Kind::kArray) return fail(where + ": expected an array, got " + shown(node));
    return true;
  }

  bool time(const JsonNode& node, const std::string& where, std::int64_t& out) {
    std::optional<std::int64_t> instant;
    if (node.kind() == JsonNode::Kind::kString) instant = parse_timestamp(node.text());
    if (node.kind() == JsonNode::Kind::kNumber) instant = whole_number<std::int64_t>(node);
    if (!instant) {
      return fail(where + ": expected a UTC timestamp such as \"2026-11-23T09:00:00Z\", got " + shown(node));
    }
    out = *instant;
    return true;
  }

  bool due(const JsonNode& node, const std::string& where, std::int64_t& out) {
    if (node.is_null()) {
      out = kNever;
      return true;
    }
    return time(node, where, out);
  }

  // A name in `items`, or null for kNoIndex.
  template <typename T>
  bool optional_name(const JsonNode& node, const std::string& where, std::string_view what, const std::vector<T>& items,
                     std::uint32_t& out) {
    if (node.is_null()) {
      out = kNoIndex;
      return true;
    }
    if (node.kind() != JsonNode::Kind::kString) {
      return fail(where + ": expected a " + std::string(what) + " name or null, got " + shown(node));
    }
    for (std::uint32_t i = 0; i < items.size(); ++i) {
      if (name_of(items[i]) == node.text()) {
        out = i;
        return true;
      }
    }
    return not_in_workflow(what, node.text());
  }

  // ------------------------------------------------ values

  bool field_value(const JsonNode& node, FieldIndex index, Value& out) {
    const Field& field = workflow_.fields()[index];
    std::string where = "field `" + field.name + "`";
    out = Value();
    if (node.is_null()) {
      if (field.required) return fail(where + ": is required but has no value");
      return true;
    }
    auto expected = [&](const std::string& what) {
      return fail(where + ": expected " + what + ", got " + shown(node));
    };
    bool is_string = node.kind() == JsonNode::Kind::kString;
    switch (field.type) {
      case FieldType::kText:
        if (!is_string) return expected("text");
        out = Value::text(node.text());
        break;
      case FieldType::kInt:
      case FieldType::kDecimal:
      case FieldType::kMoney: {
        std::optional<Fixed> number;
        if (node.kind() == JsonNode::Kind::kNumber) number = Fixed::parse(node.text());
        std::int64_t unit = field.type == FieldType::kInt     ? Fixed::kScale
                            : field.type == FieldType::kMoney ? Fixed::kScale / 100
                                                              : 1;
        if (!number || number->raw() % unit != 0) {
          return expected(field.type == FieldType::kInt     ? "int"
                          : field.type == FieldType::kMoney ? "money (at most 2 decimal places)"
                                                            : "decimal (at most 4 decimal places)");
        }
        out = Value::number(*number);
        break;
      }
      case FieldType::kBool:
        if (node.kind() != JsonNode::Kind::kBool) return expected("bool");
        out = Value::boolean(node.as_bool());
        break;
      case FieldType::kEnum: {
        auto found = is_string ? std::find(field.enum_values.begin(), field.enum_values.end(), node.text())
                               : field.enum_values.end();
        if (found == field.enum_values.end()) return expected("one of " + list_names(field.enum_values));
        out = Value::enumerator(index, static_cast<std::uint32_t>(found - field.enum_values.begin()));
        break;
      }
      case FieldType::kDuration: {
        std::optional<std::int64_t> seconds;
        if (is_string) seconds = parse_signed_duration(node.text());
        if (node.kind() == JsonNode::Kind::kNumber) seconds = whole_number<std::int64_t>(node);
        if (!seconds) return expected("a duration such as \"1h30m\"");
        out = Value::duration(*seconds);
        break;
      }
      case FieldType::kTimestamp: {
        std::int64_t instant = 0;
        if (!time(node, where, instant)) return false;
        out = Value::timestamp(instant);
        break;
      }
    }
    if (std::optional<std::string> violation = range_violation(workflow_, index, out)) {
      return fail("field " + *violation);
    }
    return true;
  }

  bool fields(const JsonNode& node, Ticket& out) {
    if (node.kind() != JsonNode::Kind::kObject) return fail("`fields`: expected an object, got " + shown(node));
    out.fields.assign(workflow_.fields().size(), Value());
    for (const JsonNode::Member& member : node.members()) {
      std::optional<FieldIndex> index = workflow_.find_field(member.first);
      if (!index) return not_in_workflow("field", member.first);
      if (!field_value(member.second, *index, out.fields[*index])) return false;
    }
    for (const Field& field : workflow_.fields()) {
      if (node.find(field.name) == nullptr) return fail("`fields`: field `" + field.name + "` is missing");
    }
    return true;
  }

  bool attributes(const JsonNode& node, Ticket& out) {
    std::array<std::string_view, kAttributeCount> keys;
    for (std::size_t i = 0; i < kAttributeCount; ++i) keys[i] = to_string(static_cast<Attribute>(i));
    if (!members(node, "`attributes`", keys)) return false;
    for (std::size_t i = 0; i < kAttributeCount; ++i) {
      auto attribute = static_cast<Attribute>(i);
      const JsonNode& value = *node.find(keys[i]);
      std::string where = "attribute `" + std::string(keys[i]) + "`";
      Value& slot = out.attributes[i];
      slot = Value();
      if (value.is_null()) continue;
      std::uint32_t index = kNoIndex;
      switch (value_type_of(attribute)) {
        case ValueType::kCategory:
          if (!optional_name(value, where, "category", workflow_.categories(), index)) return false;
          slot = Value::category(index);
          break;
        case ValueType::kPriority:
          if (!optional_name(value, where, "priority", workflow_.priorities(), index)) return false;
          slot = Value::priority(index);
          break;
        case ValueType::kState:
          if (!optional_name(value, where, "state", workflow_.states(), index)) return false;
          slot = Value::state(index);
          break;
        case ValueType::kTimestamp: {
          std::int64_t instant = 0;
          if (!time(value, where, instant)) return false;
          slot = Value::timestamp(instant);
          break;
        }
        default: {
          std::string text;
          if (!string(value, where, text)) return false;
          slot = Value::text(std::move(text));
          break;
        }
      }
    }
    return true;
  }

  bool departments(const JsonNode& node, Ticket& out) {
    if (!array(node, "`departments`")) return false;
    for (const JsonNode& item : node.items()) {
      if (item.is_null()) return fail("`departments`: expected a department name, got null");
      DepartmentIndex index = kNoIndex;
      if (!optional_name(item, "`departments`", "department", workflow_.departments(), index)) return false;
      out.departments.push_back(index);
    }
    return true;
  }

  bool assignee(const JsonNode& node, Ticket& out) {
    static constexpr std::array<std::string_view, 2> kKeys = {"department", "role"};
    return members(node, "`assignee`", kKeys) &&
           optional_name(*node.find("department"), "`assignee`.`department`", "department", workflow_.departments(),
                         out.assignee.department) &&
           optional_name(*node.find("role"), "`assignee`.`role`", "role", workflow_.roles(), out.assignee.role);
  }

  // ------------------------------------------------ clocks

  bool clock(const JsonNode& node, const std::string& where, SlaClock& out) {
    static constexpr std::array<std::string_view, 7> kKeys = {
        "status", "counted", "running_since", "changed_at", "next_mark", "breached", "due"};
    if (!members(node, where, kKeys)) return false;
    const JsonNode& status = *node.find("status");
    bool known = false;
    for (auto candidate :
         {SlaClock::Status::kIdle, SlaClock::Status::kRunning, SlaClock::Status::kPaused, SlaClock::Status::kStopped}) {
      if (status.kind() == JsonNode::Kind::kString && status.text() == to_string(candidate)) {
        out.status = candidate;
        known = true;
      }
    }
    if (!known) {
      return fail(where + ": `status`: expected idle, running, paused or stopped, got " + shown(status));
    }
    const JsonNode& counted = *node.find("counted");
    if (!array(counted, where + ": `counted`")) return false;
    for (std::size_t i = 0; i < counted.items().size(); ++i) {
      const JsonNode& span = counted.items()[i];
      std::string place = where + ": `counted`[" + std::to_string(i) + "]";
      if (span.kind() != JsonNode::Kind::kArray || span.items().size() != 2) {
        return fail(place + ": expected [from, to], got " + shown(span));
      }
      TimeSpan& stretch = out.counted.emplace_back();
      if (!time(span.items()[0], place, stretch.from) || !time(span.items()[1], place, stretch.to)) return false;
      if (stretch.to < stretch.from) return fail(place + ": the stretch ends before it starts");
    }
    if (!time(*node.find("running_since"), where + ": `running_since`", out.running_since) ||
        !time(*node.find("changed_at"), where + ": `changed_at`", out.changed_at)) {
      return false;
    }
    std::optional<std::uint32_t> next_mark = whole_number<std::uint32_t>(*node.find("next_mark"));
    if (!next_mark) {
      return fail(where + ": `next_mark`: expected a whole number >= 0, got " + shown(*node.find("next_mark")));
    }
    out.next_mark = *next_mark;
    const JsonNode& breached = *node.find("breached");
    if (breached.kind() != JsonNode::Kind::kBool) {
      return fail(where + ": `breached`: expected true or false, got " + shown(breached));
    }
    out.breached = breached.as_bool();
    return due(*node.find("due"), where + ": `due`", out.due);
  }

  bool clocks(const JsonNode& node, Ticket& out) {
    if (node.kind() != JsonNode::Kind::kObject) return fail("`clocks`: expected an object, got " + shown(node));
    out.clocks.assign(workflow_.metrics().size(), SlaClock{});
    for (const JsonNode::Member& member : node.members()) {
      std::optional<MetricIndex> metric = workflow_.find_metric(member.first);
      if (!metric) return not_in_workflow("metric", member.first);
      if (!clock(member.second, "clock `" + member.first + "`", out.clocks[*metric])) return false;
    }
    for (const std::string& metric : workflow_.metrics()) {
      if (node.find(metric) == nullptr) return fail("`clocks`: metric `" + metric + "` is missing");
    }
    return true;
  }

  // ------------------------------------------------ timers

  bool timers(const JsonNode& node, Ticket& out) {
    if (!array(node, "`timers`")) return false;
    static constexpr std::array<std::string_view, 3> kKeys = {"state", "ordinal", "due"};
    for (std::size_t i = 0; i < node.items().size(); ++i) {
      const JsonNode& item = node.items()[i];
      std::string where = "`timers`[" + std::to_string(i) + "]";
      if (!members(item, where, kKeys)) return false;
      const JsonNode& state = *item.find("state");
      if (state.kind() != JsonNode::Kind::kString) {
        return fail(where + ": `state`: expected a state name, got " + shown(state));
      }
      std::optional<StateIndex> state_index = workflow_.find_state(state.text());
      if (!state_index) return not_in_workflow("state", state.text());
      std::optional<std::uint32_t> ordinal = whole_number<std::uint32_t>(*item.find("ordinal"));
      if (!ordinal)
        return fail(where + ": `ordinal`: expected a whole number >= 0, got " + shown(*item.find("ordinal")));
      std::span<const TimerIndex> of_state = workflow_.timers_of(*state_index);
      std::string timer_name = "timer #" + std::to_string(*ordinal) + " of state `" + plain(state.text()) + "`";
      if (*ordinal >= of_state.size()) {
        return fail(timer_name + " is not in workflow " + workflow_.name() + " (the state has " +
                    std::to_string(of_state.size()) + ")");
      }
      if (*state_index != out.state) {
        return fail(timer_name + " is armed, but the ticket is in state `" + workflow_.states()[out.state].name + "`");
      }
      ArmedTimer armed{of_state[*ordinal], kNever};
      for (const ArmedTimer& earlier : out.timers) {
        if (earlier.timer == armed.timer) return fail(timer_name + " is armed twice");
      }
      if (!due(*item.find("due"), where + ": `due`", armed.due)) return false;
      out.timers.push_back(armed);
    }
    return true;
  }

  // ------------------------------------------------ approval

  bool level_name(const JsonNode& node, const std::string& where, const Chain& chain, std::uint32_t& out) {
    if (node.kind() != JsonNode::Kind::kString) {
      return fail(where + ": expected a level name, got " + shown(node));
    }
    for (std::uint32_t i = 0; i < chain.levels.size(); ++i) {
      if (chain.levels[i].name == node.text()) {
        out = i;
        return true;
      }
    }
    return fail("approval level `" + chain.name + "." + plain(node.text()) + "` is not in workflow " +
                workflow_.name());
  }

  bool approval(const JsonNode& node, Ticket& out) {
    if (node.is_null()) return true;
    static constexpr std::array<std::string_view, 7> kKeys = {"chain", "choice",           "level",   "requester",
                                                              "votes", "level_started_at", "deadline"};
    if (!members(node, "`approval`", kKeys)) return false;
    const State& state = workflow_.states()[out.state];
    if (!state.awaits_approval || state.kind == StateKind::kFinal) {
      return fail("`approval`: an approval is in progress, but state `" + state.name + "` does not await one");
    }
    ApprovalProgress progress;
    if (!optional_name(*node.find("chain"), "`approval`.`chain`", "approval chain", workflow_.chains(),
                       progress.chain)) {
      return false;
    }
    const JsonNode& choice = *node.find("choice");
    if (!choice.is_null()) {
      std::optional<std::uint32_t> index = whole_number<std::uint32_t>(choice);
      if (!index || *index >= workflow_.approvals().size()) {
        return fail("`approval`.`choice`: expected the index of one of the workflow's " +
                    std::to_string(workflow_.approvals().size()) + " `approval` rules or null, got " + shown(choice));
      }
      progress.choice = *index;
    }
    const JsonNode& level = *node.find("level");
    const Chain* chain = progress.chain != kNoIndex ? &workflow_.chains()[progress.chain] : nullptr;
    if (chain == nullptr) {
      if (!level.is_null()) return fail("`approval`.`level`: a `none` chain has no levels, got " + shown(level));
    } else if (!level_name(level, "`approval`.`level`", *chain, progress.level)) {
      return false;
    }
    if (!string(*node.find("requester"), "`approval`.`requester`", progress.requester)) return false;

    const JsonNode& votes = *node.find("votes");
    if (!array(votes, "`approval`.`votes`")) return false;
    static constexpr std::array<std::string_view, 3> kVoteKeys = {"approver", "level", "role"};
    for (std::size_t i = 0; i < votes.items().size(); ++i) {
      const JsonNode& item = votes.items()[i];
      std::string where = "`approval`.`votes`[" + std::to_string(i) + "]";
      if (!members(item, where, kVoteKeys)) return false;
      if (chain == nullptr) return fail(where + ": a `none` chain has no votes");
      ApprovalVote& vote = progress.votes.emplace_back();
      if (!string(*item.find("approver"), where + ".`approver`", vote.approver) ||
          !level_name(*item.find("level"), where + ".`level`", *chain, vote.level)) {
        return false;
      }
      if (vote.level > progress.level) {
        return fail(where + ": a vote for level `" + chain->levels[vote.level].name + "`, after the current level `" +
                    chain->levels[progress.level].name + "`");
      }
      const JsonNode& role = *item.find("role");
      if (role.is_null()) return fail(where + ".`role`: expected a role name, got null");
      if (!optional_name(role, where + ".`role`", "role", workflow_.roles(), vote.role)) return false;
    }
    if (!time(*node.find("level_started_at"), "`approval`.`level_started_at`", progress.level_started_at) ||
        !due(*node.find("deadline"), "`approval`.`deadline`", progress.deadline)) {
      return false;
    }
    out.approval = std::move(progress);
    return true;
  }

  const Workflow& workflow_;
  std::string id_;
  std::string error_;
};

// The decoded ticket, or the problem without the ticket prefix; `id`, when
// given, receives the ticket id if the snapshot got as far as naming it.
Result<Ticket> decode(std::string_view text, const std::shared_ptr<const Workflow>& workflow, std::string* id) {
  JsonParseResult parsed = parse_json(text, kMaxDepth);
  if (!parsed.value) {
    std::string where = parsed.error_offset == JsonParseResult::kUnknownOffset
                            ? std::string()
                            : "byte " + std::to_string(parsed.error_offset) + ": ";
    // The reader quotes what it read: hostile input must not make a long line.
    return Result<Ticket>::failure(where + cut(parsed.error, kParseErrorLimit));
  }
  Decoder decoder(*workflow);
  Ticket ticket;
  bool ok = decoder.ticket(*parsed.value, ticket);
  if (id != nullptr) *id = decoder.id();
  if (!ok) return Result<Ticket>::failure(decoder.error());
  ticket.workflow = workflow;
  return Result<Ticket>::success(std::move(ticket));
}

std::string ticket_prefix(const std::string& id) {
  if (id.empty()) return "ticket snapshot: ";
  std::string shown_id;
  append_json_string(shown_id, id);
  // The id as written, between backquotes instead of quotes.
  return "ticket `" + shown_id.substr(1, shown_id.size() - 2) + "`: ";
}

// ---------------------------------------------------------------- migration

bool contains(const std::vector<MetricIndex>& metrics, MetricIndex metric) {
  return std::find(metrics.begin(), metrics.end(), metric) != metrics.end();
}

std::string calendar_name(const Workflow& workflow, CalendarIndex calendar) {
  return calendar < workflow.calendars().size() ? workflow.calendars()[calendar].name : std::string();
}

// Do two plans reach the same marks at the same measured times?
bool same_plan(const Workflow& a_workflow, const LimitPlan& a, const Workflow& b_workflow, const LimitPlan& b) {
  if (a.has_limit() != b.has_limit()) return false;
  if (!a.has_limit()) return true;
  if (a.limit_seconds != b.limit_seconds || a.marks.size() != b.marks.size() ||
      calendar_name(a_workflow, a.calendar) != calendar_name(b_workflow, b.calendar)) {
    return false;
  }
  for (std::size_t i = 0; i < a.marks.size(); ++i) {
    if (a.marks[i].kind != b.marks[i].kind || a.marks[i].threshold != b.marks[i].threshold) return false;
  }
  return true;
}

// Moves one ticket; each step returns false after setting error_.
class Migration {
 public:
  Migration(const Ticket& ticket, std::shared_ptr<const Workflow> target, const Version& version,
            const std::map<std::string, std::string>& state_map)
      : from_(ticket),
        source_(*ticket.workflow),
        target_(std::move(target)),
        to_(*target_),
        version_(version),
        state_map_(state_map),
        at_(ticket.updated_at) {}

  const std::string& error() const { return error_; }

  bool run(Ticket& out) {
    out.id = from_.id;
    out.workflow = target_;
    out.created_at = from_.created_at;
    out.entered_at = from_.entered_at;
    out.updated_at = from_.updated_at;
    out.events = from_.events;
    out_ = &out;
    return state() && attributes() && fields() && departments() && clocks() && timers() && approval() &&
           required_fields() && constraints();
  }

 private:
  bool fail(std::string message) {
    error_ = std::move(message);
    return false;
  }

  std::string in_target() const {
    std::string text = "workflow " + to_.name() + " version ";
    text += to_.version_id().empty() ? std::string("(no id)") : to_.version_id().substr(0, 12);
    return text;
  }

  bool state() {
    const std::string& name = source_.states()[from_.state].name;
    auto mapped = state_map_.find(name);
    const std::string& target_name = mapped != state_map_.end() ? mapped->second : name;
    std::optional<StateIndex> index = to_.find_state(target_name);
    if (!index) {
      if (mapped != state_map_.end()) {
        return fail("state `" + name + "` maps to `" + target_name + "`, which is not in " + in_target());
      }
      return fail("state `" + name + "` is not in " + in_target() + " (map it to a state that is)");
    }
    Reachability reachability = analyze_reachability(to_);
    if (*index >= reachability.can_finish.size() || !reachability.can_finish[*index]) {
      return fail("would be stranded in state `" + target_name + "`: no final state can be reached from it in " +
                  in_target());
    }
    out_->state = *index;
    return true;
  }

  bool attributes() {
    for (std::size_t i = 0; i < kAttributeCount; ++i) {
      const Value& value = from_.attributes[i];
      Value& slot = out_->attributes[i];
      switch (value.type()) {
        case ValueType::kCategory: {
          const std::string& name = source_.categories()[value.ordinal()].name;
          std::optional<CategoryIndex> index = to_.find_category(name);
          if (!index) return fail("category `" + name + "` is not in " + in_target());
          slot = Value::category(*index);
          break;
        }
        case ValueType::kPriority: {
          const std::string& name = source_.priorities()[value.ordinal()].name;
          std::optional<PriorityIndex> index = to_.find_priority(name);
          if (!index) return fail("priority `" + name + "` is not in " + in_target());
          slot = Value::priority(*index);
          break;
        }
        case ValueType::kState:
          slot = Value::state(out_->state);
          break;
        default:
          slot = value;
          break;
      }
    }
    return true;
  }

  // The value of source field `field` as target field `index` holds it.
  bool carry_field(const Field& field, const Value& value, FieldIndex index) {
    const Field& target = to_.fields()[index];
    std::string where = "field `" + field.name + "`";
    if (value.type() != value_type_of(target.type)) {
      return fail(where + ": its value " + source_.format_value(value) + " does not fit its type " +
                  to_string(target.type) + " in " + in_target());
    }
    Value carried = value;
    if (value.type() == ValueType::kEnum) {
      const std::string& name = field.enum_values[value.ordinal()];
      auto found = std::find(target.enum_values.begin(), target.enum_values.end(), name);
      if (found == target.enum_values.end()) {
        return fail(where + ": its value `" + name + "` is not one of " + list_names(target.enum_values) + " in " +
                    in_target());
      }
      carried = Value::enumerator(index, static_cast<std::uint32_t>(found - target.enum_values.begin()));
    } else if (value.type() == ValueType::kNumber) {
      std::optional<Value> coerced = coerce_to_field(value, target.type);
      if (!coerced || !(*coerced == value)) {
        return fail(where + ": its value " + value.as_number().to_string() + " is not " +
                    (target.type == FieldType::kInt ? "a whole number" : "in whole cents") + ", as " +
                    to_string(target.type) + " needs in " + in_target());
      }
    }
    if (std::optional<std::string> violation = range_violation(to_, index, carried)) {
      return fail("field " + *violation + " in " + in_target());
    }
    out_->fields[index] = std::move(carried);
    return true;
  }

  bool fields() {
    out_->fields.assign(to_.fields().size(), Value());
    std::vector<bool> carried(to_.fields().size(), false);
    for (FieldIndex f = 0; f < source_.fields().size(); ++f) {
      const Field& field = source_.fields()[f];
      std::optional<FieldIndex> index = to_.find_field(field.name);
      if (!index) {
        if (from_.fields[f].is_set()) {
          return fail("field `" + field.name + "` holds " + source_.format_value(from_.fields[f]) + " but is not in " +
                      in_target());
        }
        continue;
      }
      carried[*index] = true;
      if (from_.fields[f].is_set() && !carry_field(field, from_.fields[f], *index)) return false;
    }
    // Fields new in the target: their defaults, in declaration order, as at creation.
    for (FieldIndex f = 0; f < to_.fields().size(); ++f) {
      const Field& field = to_.fields()[f];
      if (carried[f] || !field.default_value) continue;
      EvalResult result = evaluate(*field.default_value, out_->view(), at_);
      if (!result.ok()) {
        return fail("field `" + field.name + "` is new in " + in_target() +
                    " and its default cannot be evaluated: " + to_.describe(result.failure(), *field.default_value));
      }
      std::optional<Value> value = coerce_to_field(result.value(), field.type);
      if (!value) return fail("field `" + field.name + "`: its default does not fit its type in " + in_target());
      if (std::optional<std::string> violation = range_violation(to_, f, *value)) {
        return fail("field " + *violation + " (its default) in " + in_target());
      }
      out_->fields[f] = std::move(*value);
    }
    return true;
  }

  bool departments() {
    for (DepartmentIndex d : from_.departments) {
      const std::string& name = source_.departments()[d].name;
      std::optional<DepartmentIndex> index = to_.find_department(name);
      if (!index) return fail("department `" + name + "` is not in " + in_target());
      out_->departments.push_back(*index);
    }
    const Assignment& assignee = from_.assignee;
    std::string text = assignment_text(source_, assignee);
    if (assignee.department != kNoIndex) {
      const std::string& name = source_.departments()[assignee.department].name;
      std::optional<DepartmentIndex> index = to_.find_department(name);
      if (!index) return fail("assignee `" + text + "`: department `" + name + "` is not in " + in_target());
      out_->assignee.department = *index;
    }
    if (assignee.role != kNoIndex) {
      const std::string& name = source_.roles()[assignee.role].name;
      std::optional<RoleIndex> index = to_.find_role(name);
      if (!index) return fail("assignee `" + text + "`: role `" + name + "` is not in " + in_target());
      out_->assignee.role = *index;
      if (out_->assignee.department != kNoIndex) {
        const std::vector<RoleIndex>& roles = to_.departments()[out_->assignee.department].roles;
        if (std::find(roles.begin(), roles.end(), *index) == roles.end()) {
          return fail("assignee `" + text + "`: `" + name + "` is not a role of department `" +
                      to_.departments()[out_->assignee.department].name + "` in " + in_target());
        }
      }
    }
    return true;
  }

  // ------------------------------------------------ clocks

  static void close_stretch(SlaClock& clock, std::int64_t at) {
    if (clock.status == SlaClock::Status::kRunning && at > clock.running_since) {
      clock.counted.push_back(TimeSpan{clock.running_since, at});
    }
  }

  bool clocks() {
    const State& from_state = source_.states()[from_.state];
    const State& to_state = to_.states()[out_->state];
    bool from_final = from_state.kind == StateKind::kFinal;
    bool to_final = to_state.kind == StateKind::kFinal;
    SlaPlan source_plans(source_);
    std::optional<PriorityIndex> from_priority = from_.priority();
    std::optional<PriorityIndex> to_priority = out_->priority();

    out_->clocks.assign(to_.metrics().size(), SlaClock{});
    for (MetricIndex m = 0; m < to_.metrics().size(); ++m) {
      SlaClock& clock = out_->clocks[m];
      std::optional<MetricIndex> before = source_.find_metric(to_.metrics()[m]);
      if (!before) {
        // New metric: as the engine starts it at creation, but from now.
        if (!to_final && !version_.explicit_start[m]) {
          clock.status = contains(to_state.paused_clocks, m) ? SlaClock::Status::kPaused : SlaClock::Status::kRunning;
          clock.running_since = at_;
          clock.changed_at = at_;
        }
      } else {
        clock = from_.clocks[*before];
        // The pauses of the old and the new state, as on a transition between them.
        if (to_final && !from_final) {
          if (clock.status == SlaClock::Status::kRunning || clock.status == SlaClock::Status::kPaused) {
            close_stretch(clock, at_);
            clock.status = SlaClock::Status::kStopped;
            clock.changed_at = at_;
          }
        } else if (!to_final) {
          bool paused_before = contains(from_state.paused_clocks, *before);
          bool paused_now = contains(to_state.paused_clocks, m);
          if (paused_now && !paused_before && clock.status == SlaClock::Status::kRunning) {
            close_stretch(clock, at_);
            clock.status = SlaClock::Status::kPaused;
            clock.changed_at = at_;
          } else if (paused_before && !paused_now && clock.status == SlaClock::Status::kPaused) {
            clock.status = SlaClock::Status::kRunning;
            clock.running_since = at_;
            clock.changed_at = at_;
          }
        }
      }
      if (clock.status != SlaClock::Status::kRunning && clock.status != SlaClock::Status::kPaused) {
        clock.due = kNever;
        continue;
      }

      const LimitPlan& plan = version_.sla.plan(to_priority, m);
      TimeBasis basis = version_.calendars.basis(plan.calendar);
      bool unchanged = before && same_plan(source_, source_plans.plan(from_priority, *before), to_, plan);
      if (!unchanged) {
        // Marks the measured time has reached count as passed, without firing again.
        std::int64_t measured = measured_seconds(clock, basis, at_);
        std::uint32_t next = 0;
        while (next < plan.marks.size() && plan.marks[next].threshold <= measured) {
          if (plan.marks[next].kind == MarkKind::kBreach) clock.breached = true;
          ++next;
        }
        clock.next_mark = next;
      }
      clock.due = kNever;
      if (clock.status == SlaClock::Status::kRunning && plan.has_limit() && clock.next_mark < plan.marks.size()) {
        clock.due = due_at(clock, basis, plan.marks[clock.next_mark].threshold);
      }
    }
    return true;
  }

  // ------------------------------------------------ timers

  bool timers() {
    out_->timers.clear();
    const State& to_state = to_.states()[out_->state];
    if (to_state.kind == StateKind::kFinal) return true;
    bool from_final = source_.states()[from_.state].kind == StateKind::kFinal;
    std::span<const TimerIndex> before = source_.timers_of(from_.state);
    std::span<const TimerIndex> now = to_.timers_of(out_->state);
    for (std::size_t k = 0; k < now.size(); ++k) {
      const Timer& timer = to_.timers()[now[k]];
      if (!from_final && k < before.size()) {
        const Timer& old = source_.timers()[before[k]];
        if (old.recurring == timer.recurring && old.seconds == timer.seconds &&
            calendar_name(source_, old.calendar) == calendar_name(to_, timer.calendar)) {
          // Unchanged: armed as it was, or not at all once an `after` has fired.
          for (const ArmedTimer& armed : from_.timers) {
            if (armed.timer == before[k]) out_->timers.push_back(ArmedTimer{now[k], armed.due});
          }
          continue;
        }
      }
      TimeBasis basis = version_.calendars.basis(timer.calendar);
      std::int64_t due = basis.add(out_->entered_at, timer.seconds);
      if (timer.recurring && timer.seconds > 0) {
        std::int64_t elapsed = basis.seconds_between(out_->entered_at, at_);
        if (elapsed >= timer.seconds) due = basis.add(out_->entered_at, elapsed / timer.seconds * timer.seconds);
      }
      out_->timers.push_back(ArmedTimer{now[k], due});
    }
    return true;
  }

  // ------------------------------------------------ approval

  std::int64_t level_deadline(const ApprovalLevel& level, std::int64_t started) const {
    if (level.within_seconds <= 0) return kNever;
    return version_.calendars.basis(level.within_calendar).add(started, level.within_seconds);
  }

  bool approval() {
    const State& to_state = to_.states()[out_->state];
    bool awaits = to_state.awaits_approval && to_state.kind != StateKind::kFinal;
    const std::optional<ApprovalProgress>& before = from_.approval;
    if (to_state.kind == StateKind::kFinal) return true;
    if (!awaits) {
      if (!before) return true;
      return fail("state `" + to_state.name + "` does not await approval in " + in_target() +
                  ": the approval in progress would be lost");
    }
    if (!before) return start_approval();

    ApprovalProgress progress;
    progress.requester = before->requester;
    progress.level_started_at = before->level_started_at;
    if (before->chain == kNoIndex) {
      progress.choice = kNoIndex;
      out_->approval = std::move(progress);
      return true;
    }
    const Chain& old_chain = source_.chains()[before->chain];
    std::optional<ChainIndex> chain_index = to_.find_chain(old_chain.name);
    if (!chain_index) return fail("approval chain `" + old_chain.name + "` is not in " + in_target());
    const Chain& chain = to_.chains()[*chain_index];
    auto find_level = [&](std::uint32_t old_level) -> std::optional<std::uint32_t> {
      const std::string& name = old_chain.levels[old_level].name;
      for (std::uint32_t i = 0; i < chain.levels.size(); ++i) {
        if (chain.levels[i].name == name) return i;
      }
      return std::nullopt;
    };
    auto level_text = [&](std::uint32_t old_level) { return old_chain.name + "." + old_chain.levels[old_level].name; };

    std::optional<std::uint32_t> level = find_level(before->level);
    if (!level) return fail("approval level `" + level_text(before->level) + "` is not in " + in_target());
    progress.chain = *chain_index;
    progress.level = *level;
    for (const ApprovalVote& vote : before->votes) {
      std::optional<std::uint32_t> vote_level = find_level(vote.level);
      if (!vote_level) {
        return fail("the vote of `" + vote.approver + "` is for approval level `" + level_text(vote.level) +
                    "`, which is not in " + in_target());
      }
      if (*vote_level > *level) {
        return fail("the vote of `" + vote.approver + "` for `" + level_text(vote.level) + "` would come after the " +
                    "current level `" + level_text(before->level) + "` in " + in_target());
      }
      const std::string& role_name = source_.roles()[vote.role].name;
      std::optional<RoleIndex> role = to_.find_role(role_name);
      if (!role) {
        return fail("the vote of `" + vote.approver + "` counts for role `" + role_name + "`, which is not in " +
                    in_target());
      }
      progress.votes.push_back(ApprovalVote{vote.approver, *vote_level, *role});
    }
    // The rule that chose the chain: the same position if it still chooses it, else the first that does.
    const std::vector<ApprovalChoice>& choices = to_.approvals();
    if (before->choice < choices.size() && choices[before->choice].chain == progress.chain) {
      progress.choice = before->choice;
    } else {
      for (std::uint32_t i = 0; i < choices.size() && progress.choice == kNoIndex; ++i) {
        if (choices[i].chain == progress.chain) progress.choice = i;
      }
    }
    const ApprovalLevel& old_level = old_chain.levels[before->level];
    bool ran_out = before->deadline == kNever && old_level.within_seconds > 0;
    progress.deadline = ran_out ? kNever : level_deadline(chain.levels[progress.level], progress.level_started_at);
    out_->approval = std::move(progress);
    return true;
  }

  bool start_approval() {
    const std::string& state_name = to_.states()[out_->state].name;
    ChainChoice choice = choose_chain(to_, *out_, at_);
    if (choice.chain == kNoIndex) {
      return fail("state `" + state_name + "` awaits approval in " + in_target() +
                  ", the ticket has none in progress, and the chain its rules choose now is `none`, which would " +
                  "approve at once: map the ticket to the state after the approval instead");
    }
    const Chain& chain = to_.chains()[choice.chain];
    if (chain.levels.empty()) return fail("approval chain `" + chain.name + "` has no levels in " + in_target());
    ApprovalProgress progress;
    progress.chain = choice.chain;
    progress.choice = choice.choice;
    progress.requester = out_->requester();
    progress.level_started_at = at_;
    progress.deadline = level_deadline(chain.levels.front(), at_);
    out_->approval = std::move(progress);
    return true;
  }

  // ------------------------------------------------ the whole

  bool required_fields() {
    for (FieldIndex f = 0; f < to_.fields().size(); ++f) {
      const Field& field = to_.fields()[f];
      if (field.required && !out_->fields[f].is_set()) {
        return fail("field `" + field.name + "` is required in " + in_target() + " but has no value");
      }
    }
    return true;
  }

  bool constraints() {
    for (const Constraint& constraint : to_.constraints()) {
      if (constraint.when && !evaluate_condition(*constraint.when, out_->view(), at_).value_or(false)) continue;
      EvalFailure failure;
      std::optional<bool> holds = evaluate_condition(constraint.condition, out_->view(), at_, &failure);
      if (holds && *holds) continue;
      std::string reason =
          "violates `require " + constraint.condition.text() + "` of " + in_target() + ": " + constraint.message;
      if (!holds) reason += " (" + to_.describe(failure, constraint.condition) + ")";
      return fail(std::move(reason));
    }
    return true;
  }

  const Ticket& from_;
  const Workflow& source_;
  std::shared_ptr<const Workflow> target_;
  const Workflow& to_;
  const Version& version_;
  const std::map<std::string, std::string>& state_map_;
  std::int64_t at_;
  Ticket* out_ = nullptr;
  std::string error_;
};

}  // namespace

std::string encode_ticket(const Ticket& ticket) {
  const Workflow* workflow = ticket.workflow.get();
  std::string out;
  out.reserve(2048);
  ObjectWriter root(out);
  root.key("snapshot") += std::to_string(kSnapshotFormat);
  append_json_string(root.key("ticket"), ticket.id);
  if (workflow != nullptr) {
    append_json_string(root.key("workflow"), workflow->name());
    append_json_string(root.key("version"), workflow->version_id());
  } else {
    root.key("workflow") += "null";
    root.key("version") += "null";
  }
  write_name(root.key("state"), workflow != nullptr ? &workflow->states() : nullptr, ticket.state);
  write_time(root.key("created_at"), ticket.created_at);
  write_time(root.key("entered_at"), ticket.entered_at);
  write_time(root.key("updated_at"), ticket.updated_at);
  root.key("events") += std::to_string(ticket.events);

  {
    ObjectWriter fields(root.key("fields"));
    std::size_t count = workflow != nullptr ? workflow->fields().size() : ticket.fields.size();
    for (std::size_t f = 0; f < count; ++f) {
      std::string name = workflow != nullptr ? workflow->fields()[f].name : "#" + std::to_string(f);
      write_value(fields.key(name), workflow, f < ticket.fields.size() ? ticket.fields[f] : Value());
    }
    fields.end();
  }
  {
    ObjectWriter attributes(root.key("attributes"));
    for (std::size_t i = 0; i < kAttributeCount; ++i) {
      write_value(attributes.key(to_string(static_cast<Attribute>(i))), workflow, ticket.attributes[i]);
    }
    attributes.end();
  }
  std::string& departments = root.key("departments");
  departments += '[';
  for (std::size_t i = 0; i < ticket.departments.size(); ++i) {
    if (i > 0) departments += ',';
    write_name(departments, workflow != nullptr ? &workflow->departments() : nullptr, ticket.departments[i]);
  }
  departments += ']';
  {
    ObjectWriter assignee(root.key("assignee"));
    write_name(assignee.key("department"), workflow != nullptr ? &workflow->departments() : nullptr,
               ticket.assignee.department);
    write_name(assignee.key("role"), workflow != nullptr ? &workflow->roles() : nullptr, ticket.assignee.role);
    assignee.end();
  }
  {
    ObjectWriter clocks(root.key("clocks"));
    std::size_t count = workflow != nullptr ? workflow->metrics().size() : ticket.clocks.size();
    for (std::size_t m = 0; m < count; ++m) {
      std::string name = workflow != nullptr ? workflow->metrics()[m] : "#" + std::to_string(m);
      write_clock(clocks.key(name), m < ticket.clocks.size() ? ticket.clocks[m] : SlaClock{});
    }
    clocks.end();
  }
  std::string& timers = root.key("timers");
  timers += '[';
  for (std::size_t i = 0; i < ticket.timers.size(); ++i) {
    if (i > 0) timers += ',';
    write_timer(timers, workflow, ticket.timers[i]);
  }
  timers += ']';
  write_approval(root.key("approval"), workflow, ticket.approval);
  root.end();
  return out;
}

Result<Ticket> decode_ticket(std::string_view text, std::shared_ptr<const Workflow> workflow) {
  if (!workflow) return Result<Ticket>::failure("ticket snapshot: no workflow to decode it against");
  std::string id;
  Result<Ticket> decoded = decode(text, workflow, &id);
  if (!decoded) return Result<Ticket>::failure(ticket_prefix(id) + decoded.error());
  return decoded;
}

Result<Ticket> migrate_ticket(const Ticket& ticket, std::shared_ptr<const Workflow> target,
                              const std::map<std::string, std::string>& state_map) {
  std::string prefix = ticket_prefix(ticket.id.empty() ? std::string("?") : ticket.id);
  if (!target) return Result<Ticket>::failure(prefix + "no workflow to migrate to");
  if (!ticket.workflow) return Result<Ticket>::failure(prefix + "the ticket has no workflow");
  if (ticket.workflow->name() != target->name()) {
    return Result<Ticket>::failure(prefix + "belongs to workflow " + ticket.workflow->name() + ", not " +
                                   target->name() + ": a ticket moves only between versions of its workflow");
  }
  // Read through a snapshot, the ticket is known to fit its workflow: every
  // index in range, every vector of its size.
  Result<Ticket> checked = decode(encode_ticket(ticket), ticket.workflow, nullptr);
  if (!checked) return Result<Ticket>::failure(prefix + "does not fit its own workflow: " + checked.error());

  Result<std::unique_ptr<Version>> version = Version::build(target);
  if (!version) return Result<Ticket>::failure(prefix + version.error());
  Migration migration(checked.value(), target, *version.value(), state_map);
  Ticket moved;
  if (!migration.run(moved)) return Result<Ticket>::failure(prefix + migration.error());
  return Result<Ticket>::success(std::move(moved));
}

}  // namespace docket::engine
