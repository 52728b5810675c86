#include "engine/codec/ticket_codec.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "engine/codec/json_text.h"
#include "engine/codec/json_writer.h"
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

const std::string& name_of(const std::string& name) { return name; }
template <typename T>
const std::string& name_of(const T& item) {
  return item.name;
}

// The name of items[index]; "#index" when out of range (a ticket that does
// not fit its workflow), null for kNoIndex.
template <typename T>
void write_name(JsonWriter& json, const std::vector<T>* items, std::uint32_t index) {
  if (index == kNoIndex) {
    json.null();
  } else if (items != nullptr && index < items->size()) {
    json.string(name_of((*items)[index]));
  } else {
    json.string("#" + std::to_string(index));
  }
}

// An instant as UTC text, or as epoch seconds when the text cannot hold it.
void write_time(JsonWriter& json, std::int64_t instant) {
  std::string text = format_timestamp(instant);
  if (parse_timestamp(text) == instant) {
    json.string(text);
  } else {
    json.number(instant);
  }
}

// An instant that may be kNever ("not scheduled"): null then.
void write_due(JsonWriter& json, std::int64_t instant) {
  if (instant == kNever) {
    json.null();
  } else {
    write_time(json, instant);
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
void write_duration(JsonWriter& json, std::int64_t seconds) {
  std::string text = format_duration(seconds);
  if (parse_signed_duration(text) == seconds) {
    json.string(text);
  } else {
    json.number(seconds);
  }
}

void write_value(JsonWriter& json, const Workflow* workflow, const Value& value) {
  switch (value.type()) {
    case ValueType::kUnset:
      json.null();
      return;
    case ValueType::kText:
      json.string(value.as_text());
      return;
    case ValueType::kNumber:
      json.raw(value.as_number().to_string());
      return;
    case ValueType::kBool:
      json.boolean(value.as_bool());
      return;
    case ValueType::kEnum: {
      const std::vector<std::string>* names = nullptr;
      if (workflow != nullptr && value.domain() < workflow->fields().size()) {
        names = &workflow->fields()[value.domain()].enum_values;
      }
      write_name(json, names, value.ordinal());
      return;
    }
    case ValueType::kCategory:
      write_name(json, workflow != nullptr ? &workflow->categories() : nullptr, value.ordinal());
      return;
    case ValueType::kPriority:
      write_name(json, workflow != nullptr ? &workflow->priorities() : nullptr, value.ordinal());
      return;
    case ValueType::kState:
      write_name(json, workflow != nullptr ? &workflow->states() : nullptr, value.ordinal());
      return;
    case ValueType::kDuration:
      write_duration(json, value.seconds());
      return;
    case ValueType::kTimestamp:
      write_time(json, value.seconds());
      return;
  }
  json.null();
}

void write_clock(JsonWriter& json, const SlaClock& clock) {
  json.begin_object();
  json.key("status").string(to_string(clock.status));
  json.key("counted").begin_array();
  for (const TimeSpan& stretch : clock.counted) {
    json.begin_array();
    write_time(json, stretch.from);
    write_time(json, stretch.to);
    json.end_array();
  }
  json.end_array();
  write_time(json.key("running_since"), clock.running_since);
  write_time(json.key("changed_at"), clock.changed_at);
  json.key("next_mark").number(clock.next_mark);
  json.key("breached").boolean(clock.breached);
  write_due(json.key("due"), clock.due);
  // Only on an extended clock, so that every other snapshot keeps its form.
  if (clock.extensions > 0) {
    json.key("extensions").number(clock.extensions);
    json.key("extended_workdays").number(clock.extended_workdays);
    json.key("extended_seconds").number(clock.extended_seconds);
  }
  json.end_object();
}

void write_timer(JsonWriter& json, const Workflow* workflow, const ArmedTimer& armed) {
  json.begin_object();
  if (workflow != nullptr && armed.timer < workflow->timers().size()) {
    StateIndex state = workflow->timers()[armed.timer].state;
    std::span<const TimerIndex> of_state = workflow->timers_of(state);
    auto position = std::find(of_state.begin(), of_state.end(), armed.timer);
    write_name(json.key("state"), &workflow->states(), state);
    json.key("ordinal").number(position - of_state.begin());
  } else {
    json.key("state").null();
    json.key("ordinal").string("#" + std::to_string(armed.timer));
  }
  write_due(json.key("due"), armed.due);
  json.end_object();
}

void write_approval(JsonWriter& json, const Workflow* workflow, const std::optional<ApprovalProgress>& approval) {
  if (!approval) {
    json.null();
    return;
  }
  const Chain* chain = nullptr;
  if (workflow != nullptr && approval->chain < workflow->chains().size()) {
    chain = &workflow->chains()[approval->chain];
  }
  const std::vector<ApprovalLevel>* levels = chain != nullptr ? &chain->levels : nullptr;
  json.begin_object();
  write_name(json.key("chain"), workflow != nullptr ? &workflow->chains() : nullptr, approval->chain);
  json.key("choice");
  if (approval->choice == kNoIndex) {
    json.null();
  } else {
    json.number(approval->choice);
  }
  // A `none` chain has no levels to name (the engine never keeps one).
  if (approval->chain == kNoIndex) {
    json.key("level").null();
  } else {
    write_name(json.key("level"), levels, approval->level);
  }
  json.key("requester").string(approval->requester);
  json.key("votes").begin_array();
  for (const ApprovalVote& vote : approval->votes) {
    json.begin_object();
    json.key("approver").string(vote.approver);
    write_name(json.key("level"), levels, vote.level);
    write_name(json.key("role"), workflow != nullptr ? &workflow->roles() : nullptr, vote.role);
    json.end_object();
  }
  json.end_array();
  write_time(json.key("level_started_at"), approval->level_started_at);
  write_due(json.key("deadline"), approval->deadline);
  json.end_object();
}

// Only while a plan proposed `as proposer` is open, so that every other
// snapshot keeps its form.
void write_proposal(JsonWriter& json, const std::optional<Proposal>& proposal) {
  if (!proposal) return;
  json.key("proposal").begin_object();
  json.key("proposer").string(proposal->proposer);
  json.key("participants").begin_array();
  for (const std::string& participant : proposal->participants) json.string(participant);
  json.end_array();
  json.end_object();
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
    static constexpr std::array<std::string_view, 1> kProposal = {"proposal"};
    if (!members(root, "", kKeys, kProposal)) return false;

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
           approval(*root.find("approval"), out) && proposal(root.find("proposal"), out);
  }

 private:
  bool fail(std::string message) {
    error_ = std::move(message);
    return false;
  }

  bool not_in_workflow(std::string_view what, std::string_view name) {
    return fail(std::string(what) + " `" + plain(name) + "` is not in workflow " + workflow_.name());
  }

  // Exactly the keys `keys`, each once (the parser refuses repeats), and
  // any of `optional_keys`.
  template <std::size_t N>
  bool members(const JsonNode& node, const std::string& where, const std::array<std::string_view, N>& keys,
               std::span<const std::string_view> optional_keys = {}) {
    std::string prefix = where.empty() ? std::string() : where + ": ";
    if (node.kind() != JsonNode::Kind::kObject) return fail(prefix + "expected an object, got " + shown(node));
    for (const JsonNode::Member& member : node.members()) {
      if (std::find(keys.begin(), keys.end(), member.first) == keys.end() &&
          std::find(optional_keys.begin(), optional_keys.end(), member.first) == optional_keys.end()) {
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
        if (found == field.enum_values.end()) return expected("one of " + join(field.enum_values, ", "));
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
    static constexpr std::array<std::string_view, 3> kExtension = {"extensions", "extended_workdays",
                                                                   "extended_seconds"};
    if (!members(node, where, kKeys, kExtension)) return false;
    if (!extension(node, where, out)) return false;
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

  // The three extension keys come together, on an extended clock only.
  bool extension(const JsonNode& node, const std::string& where, SlaClock& out) {
    const JsonNode* count = node.find("extensions");
    const JsonNode* workdays = node.find("extended_workdays");
    const JsonNode* seconds = node.find("extended_seconds");
    if (count == nullptr && workdays == nullptr && seconds == nullptr) return true;
    if (count == nullptr || workdays == nullptr || seconds == nullptr) {
      return fail(where + ": `extensions`, `extended_workdays` and `extended_seconds` come together");
    }
    std::optional<std::uint32_t> n = whole_number<std::uint32_t>(*count);
    std::optional<std::int64_t> days = whole_number<std::int64_t>(*workdays);
    std::optional<std::int64_t> secs = whole_number<std::int64_t>(*seconds);
    if (!n || *n == 0) return fail(where + ": `extensions`: expected a whole number >= 1, got " + shown(*count));
    if (!days || *days < 0) {
      return fail(where + ": `extended_workdays`: expected a whole number >= 0, got " + shown(*workdays));
    }
    if (!secs || *secs < 0) {
      return fail(where + ": `extended_seconds`: expected a whole number >= 0, got " + shown(*seconds));
    }
    out.extensions = *n;
    out.extended_workdays = *days;
    out.extended_seconds = *secs;
    return true;
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

  // ------------------------------------------------ proposal

  // Null `node`: no proposal (the key is absent).
  bool proposal(const JsonNode* node, Ticket& out) {
    if (node == nullptr) return true;
    static constexpr std::array<std::string_view, 2> kKeys = {"proposer", "participants"};
    if (!members(*node, "`proposal`", kKeys)) return false;
    Proposal proposal;
    if (!string(*node->find("proposer"), "`proposal`.`proposer`", proposal.proposer)) return false;
    const JsonNode& participants = *node->find("participants");
    if (!array(participants, "`proposal`.`participants`")) return false;
    for (std::size_t i = 0; i < participants.items().size(); ++i) {
      std::string where = "`proposal`.`participants`[" + std::to_string(i) + "]";
      if (!string(participants.items()[i], where, proposal.participants.emplace_back())) return false;
    }
    out.proposal = std::move(proposal);
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

}  // namespace

std::string encode_ticket(const Ticket& ticket) {
  const Workflow* workflow = ticket.workflow.get();
  std::string out;
  out.reserve(2048);
  JsonWriter json(out);
  json.begin_object();
  json.key("snapshot").number(kSnapshotFormat);
  json.key("ticket").string(ticket.id);
  if (workflow != nullptr) {
    json.key("workflow").string(workflow->name());
    json.key("version").string(workflow->version_id());
  } else {
    json.key("workflow").null();
    json.key("version").null();
  }
  write_name(json.key("state"), workflow != nullptr ? &workflow->states() : nullptr, ticket.state);
  write_time(json.key("created_at"), ticket.created_at);
  write_time(json.key("entered_at"), ticket.entered_at);
  write_time(json.key("updated_at"), ticket.updated_at);
  json.key("events").number(ticket.events);

  json.key("fields").begin_object();
  std::size_t field_count = workflow != nullptr ? workflow->fields().size() : ticket.fields.size();
  for (std::size_t f = 0; f < field_count; ++f) {
    std::string name = workflow != nullptr ? workflow->fields()[f].name : "#" + std::to_string(f);
    write_value(json.key(name), workflow, f < ticket.fields.size() ? ticket.fields[f] : Value());
  }
  json.end_object();
  json.key("attributes").begin_object();
  for (std::size_t i = 0; i < kAttributeCount; ++i) {
    write_value(json.key(to_string(static_cast<Attribute>(i))), workflow, ticket.attributes[i]);
  }
  json.end_object();
  json.key("departments").begin_array();
  for (DepartmentIndex department : ticket.departments) {
    write_name(json, workflow != nullptr ? &workflow->departments() : nullptr, department);
  }
  json.end_array();
  json.key("assignee").begin_object();
  write_name(json.key("department"), workflow != nullptr ? &workflow->departments() : nullptr,
             ticket.assignee.department);
  write_name(json.key("role"), workflow != nullptr ? &workflow->roles() : nullptr, ticket.assignee.role);
  json.end_object();
  json.key("clocks").begin_object();
  std::size_t metric_count = workflow != nullptr ? workflow->metrics().size() : ticket.clocks.size();
  for (std::size_t m = 0; m < metric_count; ++m) {
    std::string name = workflow != nullptr ? workflow->metrics()[m] : "#" + std::to_string(m);
    write_clock(json.key(name), m < ticket.clocks.size() ? ticket.clocks[m] : SlaClock{});
  }
  json.end_object();
  json.key("timers").begin_array();
  for (const ArmedTimer& timer : ticket.timers) write_timer(json, workflow, timer);
  json.end_array();
  write_approval(json.key("approval"), workflow, ticket.approval);
  write_proposal(json, ticket.proposal);
  json.end_object();
  return out;
}

Result<Ticket> decode_ticket(std::string_view text, std::shared_ptr<const Workflow> workflow) {
  if (!workflow) return Result<Ticket>::failure("ticket snapshot: no workflow to decode it against");
  std::string id;
  Result<Ticket> decoded = decode(text, workflow, &id);
  if (!decoded) return Result<Ticket>::failure(message_prefix(id) + decoded.error());
  return decoded;
}

}  // namespace docket::engine
