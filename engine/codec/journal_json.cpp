#include "engine/codec/journal_json.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/codec/event_reader.h"
#include "engine/codec/json_text.h"
#include "engine/codec/json_writer.h"

namespace docket::engine {
namespace {

// ---------------------------------------------------------------- encoding

// Empty text as null.
void write_text(JsonWriter& json, std::string_view text) {
  if (text.empty()) {
    json.null();
  } else {
    json.string(text);
  }
}

}  // namespace

std::string rule_position_text(const RulePosition& rule) {
  if (rule.where.empty()) return {};
  if (rule.column == 0) return rule.where;
  return rule.where + ":" + std::to_string(rule.column);
}

// Values by type: see the header. `text` is Workflow::format_value's form,
// used for enumerations (their names).
void write_value(JsonWriter& json, const Value& value, const std::string& text) {
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
    case ValueType::kEnum:
    case ValueType::kCategory:
    case ValueType::kPriority:
    case ValueType::kState:
      json.string(text.empty() ? debug_string(value) : text);
      return;
    case ValueType::kDuration:
      json.string(format_duration(value.seconds()));
      return;
    case ValueType::kTimestamp:
      json.string(format_timestamp(value.seconds()));
      return;
  }
  json.null();
}

namespace {

void write_change(JsonWriter& json, const Change& change) {
  json.begin_object();
  write_text(json.key("field"), change.field);
  ValueType type = change.after.is_set() ? change.after.type() : change.before.type();
  json.key("type").string(to_string(type));
  write_value(json.key("before"), change.before, change.before_text);
  write_value(json.key("after"), change.after, change.after_text);
  json.end_object();
}

void write_effect(JsonWriter& json, const Effect& effect) {
  json.begin_object();
  json.key("kind").string(to_string(effect.kind));
  write_text(json.key("action"), effect.action);
  write_text(json.key("target"), effect.target);
  write_text(json.key("value"), effect.value);
  write_text(json.key("rule"), rule_position_text(effect.rule));
  write_text(json.key("detail"), effect.detail);
  json.end_object();
}

void write_actor(JsonWriter& json, const Actor& actor) {
  if (actor.id.empty() && actor.roles.empty()) {
    json.null();
    return;
  }
  json.begin_object();
  write_text(json.key("id"), actor.id);
  json.key("roles").begin_array();
  for (const std::string& role : actor.roles) json.string(role);
  json.end_array();
  json.end_object();
}

// What the event sent, untyped as received: the rules type it, and a value
// they refused has no type. An array, not an object, so that a field sent
// twice (refused, but recorded) still has one form.
void write_data(JsonWriter& json, const Record& record) {
  if (record.sent == SentData::kUnrecorded) return;  // written before `data` existed: no key
  json.key("data");
  if (record.sent == SentData::kNone) {
    json.null();
    return;
  }
  json.begin_array();
  for (const DataItem& item : record.data) {
    json.begin_object();
    json.key("field").string(item.field);
    write_field_input(json.key("value"), item.value);
    json.end_object();
  }
  json.end_array();
}

void write_sla(JsonWriter& json, const std::optional<SlaMark>& sla) {
  if (!sla) {
    json.null();
    return;
  }
  json.begin_object();
  write_text(json.key("metric"), sla->metric);
  write_text(json.key("priority"), sla->priority);
  json.key("percent").number(sla->percent);
  // A limit in hours says its seconds itself; one in working days (or
  // extended by them) adds them, as `limit_seconds`.
  std::string hours = format_duration(sla->limit_seconds, LargestUnit::kHour);
  bool written_in_hours = sla->limit.empty() || sla->limit == hours;
  json.key("limit").string(written_in_hours ? hours : sla->limit);
  if (!written_in_hours) json.key("limit_seconds").number(sla->limit_seconds);
  write_text(json.key("calendar"), sla->calendar);
  json.key("due").string(format_timestamp(sla->due));
  json.end_object();
}

void write_due(JsonWriter& json, std::int64_t due) {
  if (due == kNever) {
    json.null();
  } else {
    json.string(format_timestamp(due));
  }
}

// A migration's moved deadline: a clock's with what its due times follow
// from, or a timer's.
void write_rebasing(JsonWriter& json, const Rebasing& rebasing) {
  json.begin_object();
  if (rebasing.clock.empty()) {
    write_text(json.key("timer"), rule_position_text(rebasing.timer));
  } else {
    write_text(json.key("clock"), rebasing.clock);
  }
  write_text(json.key("calendar"), rebasing.calendar);
  json.key("notices").begin_array();
  for (const std::string& notice : rebasing.notices) json.string(notice);
  json.end_array();
  write_due(json.key("due_before"), rebasing.due_before);
  write_due(json.key("due_after"), rebasing.due_after);
  if (!rebasing.clock.empty()) {
    json.key("percent_before").number(rebasing.percent_before);
    json.key("percent_after").number(rebasing.percent_after);
    json.key("ran").begin_array();
    for (const TimeSpan& span : rebasing.ran) {
      json.begin_array();
      json.string(format_timestamp(span.from));
      json.string(format_timestamp(span.to));
      json.end_array();
    }
    json.end_array();
    json.key("running_since").string(format_timestamp(rebasing.running_since));
    json.key("extended_workdays").number(rebasing.extended_workdays);
    json.key("extended_seconds").number(rebasing.extended_seconds);
  }
  json.end_object();
}

// ---------------------------------------------------------------- decoding

// Workflow::format_value's form of a text value.
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + '"';
}

std::optional<RulePosition> parse_position(std::string_view text) {
  RulePosition position;
  if (text.empty()) return position;
  // A trailing ":N" as a number; nullopt when the text does not end so.
  auto trailing_number = [](std::string_view s) -> std::optional<std::pair<std::size_t, std::uint32_t>> {
    std::size_t colon = s.rfind(':');
    if (colon == std::string_view::npos || colon + 1 == s.size()) return std::nullopt;
    std::uint32_t number = 0;
    auto [end, error] = std::from_chars(s.data() + colon + 1, s.data() + s.size(), number);
    if (error != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return std::pair{colon, number};
  };
  auto last = trailing_number(text);
  if (!last) return std::nullopt;
  std::string_view rest = text.substr(0, last->first);
  if (auto line = trailing_number(rest)) {
    position.where = std::string(rest);
    position.line = line->second;
    position.column = last->second;
  } else {
    position.where = std::string(text);
    position.line = last->second;
  }
  return position;
}

std::optional<std::int64_t> parse_signed_duration(std::string_view text) {
  if (text == "0s") return 0;
  if (!text.empty() && text.front() == '-') {
    std::optional<std::int64_t> magnitude = parse_duration(text.substr(1));
    if (!magnitude) return std::nullopt;
    return -*magnitude;
  }
  return parse_duration(text);
}

class Decoder {
 public:
  explicit Decoder(const Workflow* workflow) : workflow_(workflow) {}

  bool record(const JsonNode& node, Record& out) {
    static constexpr std::array<std::string_view, 18> kKeys = {
        "seq",   "at",    "ticket", "workflow", "version", "kind", "from",     "to",     "cause",
        "event", "actor", "rule",   "changes",  "actions", "sla",  "rejected", "reason", "idempotency_key"};
    // Rejections carry a code since journal lines had the keys above; a
    // journal written before still reads (with RejectionCode::kNone).
    // So do records written before `data` was (SentData::kUnrecorded).
    static constexpr std::array<std::string_view, 3> kOptionalKeys = {"reason_code", "rebased", "data"};
    if (!members(node, "the record", kKeys, kOptionalKeys)) return false;
    const JsonNode* seq = node.find("seq");
    if (seq->kind() != JsonNode::Kind::kNumber || !unsigned_number(seq->text(), out.seq)) {
      return fail("`seq`", "expected a whole number >= 0, got " + shown(*seq));
    }
    if (!instant(*node.find("at"), "`at`", out.at)) return false;
    if (!text(*node.find("ticket"), "`ticket`", out.ticket)) return false;
    if (!text(*node.find("workflow"), "`workflow`", out.workflow)) return false;
    if (!text(*node.find("version"), "`version`", out.version)) return false;
    if (!named(*node.find("kind"), "`kind`", out.kind, RecordKind::kMigration)) return false;
    if (!text(*node.find("from"), "`from`", out.from)) return false;
    if (!text(*node.find("to"), "`to`", out.to)) return false;
    if (!named(*node.find("cause"), "`cause`", out.cause, Cause::kMigration)) return false;
    if (!text(*node.find("event"), "`event`", out.event)) return false;
    if (!actor(*node.find("actor"), out.actor)) return false;
    if (!data(node.find("data"), out)) return false;
    if (!position(*node.find("rule"), "`rule`", out.rule)) return false;

    const JsonNode* changes = node.find("changes");
    if (changes->kind() != JsonNode::Kind::kArray)
      return fail("`changes`", "expected an array, got " + shown(*changes));
    for (std::size_t i = 0; i < changes->items().size(); ++i) {
      if (!change(changes->items()[i], "`changes`[" + std::to_string(i) + "]", out.changes.emplace_back()))
        return false;
    }
    const JsonNode* actions = node.find("actions");
    if (actions->kind() != JsonNode::Kind::kArray)
      return fail("`actions`", "expected an array, got " + shown(*actions));
    for (std::size_t i = 0; i < actions->items().size(); ++i) {
      if (!effect(actions->items()[i], "`actions`[" + std::to_string(i) + "]", out.effects.emplace_back()))
        return false;
    }
    if (!sla(*node.find("sla"), out.sla)) return false;
    if (const JsonNode* rebased = node.find("rebased")) {
      if (out.kind != RecordKind::kMigration) return fail("`rebased`", "only a migration moves deadlines");
      if (rebased->kind() != JsonNode::Kind::kArray || rebased->items().empty()) {
        return fail("`rebased`", "expected a non-empty array, got " + shown(*rebased));
      }
      for (std::size_t i = 0; i < rebased->items().size(); ++i) {
        if (!rebasing(rebased->items()[i], "`rebased`[" + std::to_string(i) + "]", out.rebased.emplace_back())) {
          return false;
        }
      }
    }

    const JsonNode* rejected = node.find("rejected");
    if (rejected->kind() != JsonNode::Kind::kBool)
      return fail("`rejected`", "expected true or false, got " + shown(*rejected));
    out.rejected = rejected->as_bool();
    if (!text(*node.find("reason"), "`reason`", out.reason)) return false;
    if (!reason_code(node.find("reason_code"), out)) return false;
    const JsonNode* key = node.find("idempotency_key");
    if (key->kind() == JsonNode::Kind::kString) {
      out.idempotency_key = key->text();
    } else if (!key->is_null()) {
      return fail("`idempotency_key`", "expected a string or null, got " + shown(*key));
    }
    return true;
  }

  const std::string& error() const { return error_; }

 private:
  bool fail(const std::string& where, const std::string& what) {
    error_ = where + ": " + what;
    return false;
  }

  static std::string shown(const JsonNode& node) {
    if (node.kind() == JsonNode::Kind::kNumber) return node.text();
    if (node.kind() == JsonNode::Kind::kString) {
      std::string out;
      append_json_string(out, node.text());
      return out;
    }
    return node.describe();
  }

  static bool unsigned_number(const std::string& text, std::uint64_t& out) {
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
    return error == std::errc() && end == text.data() + text.size();
  }

  // Exactly the keys `keys`, each once (the parser refuses repeats).
  template <std::size_t N>
  bool members(const JsonNode& node, const std::string& where, const std::array<std::string_view, N>& keys,
               std::span<const std::string_view> optional_keys = {}) {
    if (node.kind() != JsonNode::Kind::kObject) return fail(where, "expected an object, got " + shown(node));
    for (const JsonNode::Member& member : node.members()) {
      bool known = false;
      for (std::string_view key : keys) known = known || member.first == key;
      for (std::string_view key : optional_keys) known = known || member.first == key;
      if (!known) return fail(where, "unknown key `" + member.first + "`");
    }
    for (std::string_view key : keys) {
      if (node.find(key) == nullptr) return fail(where, "missing key `" + std::string(key) + "`");
    }
    return true;
  }

  // Only a rejection has a code, and only one the engine writes.
  bool reason_code(const JsonNode* node, Record& out) {
    out.reason_code = RejectionCode::kNone;
    if (node == nullptr) return true;
    std::optional<RejectionCode> code;
    if (node->kind() == JsonNode::Kind::kString) code = parse_rejection_code(node->text());
    if (!code) return fail("`reason_code`", "expected a rejection code such as \"four_eyes\", got " + shown(*node));
    if (!out.rejected) return fail("`reason_code`", "only a rejection has one");
    out.reason_code = *code;
    return true;
  }

  bool text(const JsonNode& node, const std::string& where, std::string& out) {
    if (node.is_null()) {
      out.clear();
      return true;
    }
    if (node.kind() != JsonNode::Kind::kString) return fail(where, "expected a string or null, got " + shown(node));
    out = node.text();
    return true;
  }

  bool instant(const JsonNode& node, const std::string& where, std::int64_t& out) {
    std::optional<std::int64_t> parsed;
    if (node.kind() == JsonNode::Kind::kString) parsed = parse_timestamp(node.text());
    if (!parsed) return fail(where, "expected a UTC timestamp such as \"2026-11-23T09:00:00Z\", got " + shown(node));
    out = *parsed;
    return true;
  }

  // An enum written by to_string(); `last` is its last enumerator.
  template <typename Enum>
  bool named(const JsonNode& node, const std::string& where, Enum& out, Enum last) {
    if (node.kind() == JsonNode::Kind::kString) {
      for (int i = 0; i <= static_cast<int>(last); ++i) {
        if (node.text() == to_string(static_cast<Enum>(i))) {
          out = static_cast<Enum>(i);
          return true;
        }
      }
    }
    return fail(where, "unknown value " + shown(node));
  }

  bool position(const JsonNode& node, const std::string& where, RulePosition& out) {
    std::string written;
    if (!text(node, where, written)) return false;
    std::optional<RulePosition> parsed = parse_position(written);
    if (!parsed) return fail(where, "expected \"path:line:column\", got " + shown(node));
    out = std::move(*parsed);
    return true;
  }

  bool actor(const JsonNode& node, Actor& out) {
    out = Actor{};
    if (node.is_null()) return true;
    static constexpr std::array<std::string_view, 2> kKeys = {"id", "roles"};
    if (!members(node, "`actor`", kKeys)) return false;
    if (!text(*node.find("id"), "`actor`.`id`", out.id)) return false;
    const JsonNode* roles = node.find("roles");
    if (roles->kind() != JsonNode::Kind::kArray)
      return fail("`actor`.`roles`", "expected an array, got " + shown(*roles));
    for (const JsonNode& role : roles->items()) {
      if (role.kind() != JsonNode::Kind::kString) {
        return fail("`actor`.`roles`", "expected strings, got " + shown(role));
      }
      out.roles.push_back(role.text());
    }
    return true;
  }

  // Exactly the record of an event has an array; an absent key is an older
  // journal's.
  bool data(const JsonNode* node, Record& out) {
    out.data.clear();
    if (node == nullptr) {
      out.sent = SentData::kUnrecorded;
      return true;
    }
    // A `reject` vote's record is the chain's `rejected` (cause approval).
    bool of_event = out.cause == Cause::kCreate || out.cause == Cause::kEvent;
    bool may_be = of_event || out.cause == Cause::kApproval;
    if (node->is_null()) {
      out.sent = SentData::kNone;
      if (of_event) return fail("`data`", "expected an array: the record of an event has one");
      return true;
    }
    if (!may_be) return fail("`data`", "expected null: only the record of an event has data");
    if (node->kind() != JsonNode::Kind::kArray) return fail("`data`", "expected an array, got " + shown(*node));
    out.sent = SentData::kRecorded;
    for (std::size_t i = 0; i < node->items().size(); ++i) {
      if (!data_item(node->items()[i], "`data`[" + std::to_string(i) + "]", out.data.emplace_back())) return false;
    }
    return true;
  }

  bool data_item(const JsonNode& node, const std::string& where, DataItem& out) {
    static constexpr std::array<std::string_view, 2> kKeys = {"field", "value"};
    if (!members(node, where, kKeys)) return false;
    const JsonNode& field = *node.find("field");
    if (field.kind() != JsonNode::Kind::kString)
      return fail(where + ".`field`", "expected a string, got " + shown(field));
    out.field = field.text();
    const JsonNode& value = *node.find("value");
    switch (value.kind()) {
      case JsonNode::Kind::kNull:
        out.value = FieldInput::null();
        return true;
      case JsonNode::Kind::kString:
        out.value = FieldInput::text(value.text());
        return true;
      case JsonNode::Kind::kBool:
        out.value = FieldInput::boolean(value.as_bool());
        return true;
      case JsonNode::Kind::kNumber: {
        // Only the engine's form (1299, not 1299.00): one line per record.
        std::optional<Fixed> number = Fixed::parse(value.text());
        if (!number || number->to_string() != value.text()) break;
        out.value = FieldInput::number(*number);
        return true;
      }
      default:
        break;
    }
    return fail(where + ".`value`",
                "expected a string, an exact decimal such as 1299.5, true, false or null, got " + shown(value));
  }

  bool change(const JsonNode& node, const std::string& where, Change& out) {
    static constexpr std::array<std::string_view, 4> kKeys = {"field", "type", "before", "after"};
    if (!members(node, where, kKeys)) return false;
    if (!text(*node.find("field"), where + ".`field`", out.field)) return false;
    const JsonNode* type_node = node.find("type");
    ValueType type = ValueType::kUnset;
    if (!named(*type_node, where + ".`type`", type, ValueType::kTimestamp)) return false;
    return value(*node.find("before"), where + ".`before`", type, out.field, out.before, out.before_text) &&
           value(*node.find("after"), where + ".`after`", type, out.field, out.after, out.after_text);
  }

  bool value(const JsonNode& node, const std::string& where, ValueType type, const std::string& field, Value& out,
             std::string& text_out) {
    out = Value();
    text_out.clear();
    if (node.is_null()) return true;
    auto expected = [&](const char* what) {
      return fail(where, std::string("expected ") + what + ", got " + shown(node));
    };
    bool is_string = node.kind() == JsonNode::Kind::kString;
    switch (type) {
      case ValueType::kUnset:
        return expected("null");
      case ValueType::kText:
        if (!is_string) return expected("a string");
        out = Value::text(node.text());
        text_out = quoted(node.text());
        return true;
      case ValueType::kNumber: {
        std::optional<Fixed> number;
        if (node.kind() == JsonNode::Kind::kNumber) number = Fixed::parse(node.text());
        if (!number) return expected("a decimal number with at most 4 decimal places");
        out = Value::number(*number);
        text_out = number->to_string();
        return true;
      }
      case ValueType::kBool:
        if (node.kind() != JsonNode::Kind::kBool) return expected("true or false");
        out = Value::boolean(node.as_bool());
        text_out = node.as_bool() ? "true" : "false";
        return true;
      case ValueType::kEnum:
      case ValueType::kCategory:
      case ValueType::kPriority:
      case ValueType::kState:
        if (!is_string) return expected("a name");
        text_out = node.text();
        return enumeration(where, type, field, node.text(), out);
      case ValueType::kDuration: {
        std::optional<std::int64_t> seconds;
        if (is_string) seconds = parse_signed_duration(node.text());
        if (!seconds) return expected("a duration such as \"1h30m\"");
        out = Value::duration(*seconds);
        text_out = format_duration(*seconds);
        return true;
      }
      case ValueType::kTimestamp: {
        std::optional<std::int64_t> instant;
        if (is_string) instant = parse_timestamp(node.text());
        if (!instant) return expected("a UTC timestamp");
        out = Value::timestamp(*instant);
        text_out = format_timestamp(*instant);
        return true;
      }
    }
    return expected("a value");
  }

  bool enumeration(const std::string& where, ValueType type, const std::string& field, const std::string& name,
                   Value& out) {
    if (workflow_ == nullptr) {  // the type stays, the ordinal is unknown
      switch (type) {
        case ValueType::kEnum:
          out = Value::enumerator(kNoIndex, kNoIndex);
          break;
        case ValueType::kCategory:
          out = Value::category(kNoIndex);
          break;
        case ValueType::kPriority:
          out = Value::priority(kNoIndex);
          break;
        default:
          out = Value::state(kNoIndex);
          break;
      }
      return true;
    }
    std::optional<std::uint32_t> ordinal;
    switch (type) {
      case ValueType::kEnum: {
        std::optional<FieldIndex> index = workflow_->find_field(field);
        if (!index) return fail(where, "workflow " + workflow_->name() + " has no field `" + field + "`");
        const std::vector<std::string>& names = workflow_->fields()[*index].enum_values;
        for (std::uint32_t i = 0; i < names.size(); ++i) {
          if (names[i] == name) ordinal = i;
        }
        if (ordinal) out = Value::enumerator(*index, *ordinal);
        break;
      }
      case ValueType::kCategory:
        ordinal = workflow_->find_category(name);
        if (ordinal) out = Value::category(*ordinal);
        break;
      case ValueType::kPriority:
        ordinal = workflow_->find_priority(name);
        if (ordinal) out = Value::priority(*ordinal);
        break;
      case ValueType::kState:
        ordinal = workflow_->find_state(name);
        if (ordinal) out = Value::state(*ordinal);
        break;
      default:
        break;
    }
    if (!ordinal) {
      return fail(where, "workflow " + workflow_->name() + " has no " + to_string(type) + " value `" + name + "`");
    }
    return true;
  }

  bool effect(const JsonNode& node, const std::string& where, Effect& out) {
    static constexpr std::array<std::string_view, 6> kKeys = {"kind", "action", "target", "value", "rule", "detail"};
    if (!members(node, where, kKeys)) return false;
    return named(*node.find("kind"), where + ".`kind`", out.kind, EffectKind::kApprovalLevel) &&
           text(*node.find("action"), where + ".`action`", out.action) &&
           text(*node.find("target"), where + ".`target`", out.target) &&
           text(*node.find("value"), where + ".`value`", out.value) &&
           position(*node.find("rule"), where + ".`rule`", out.rule) &&
           text(*node.find("detail"), where + ".`detail`", out.detail) && clock_change(where, out);
  }

  // A clock effect's change is what its value says (older journals and
  // this one write the same values).
  bool clock_change(const std::string& where, Effect& out) {
    out.clock = out.kind == EffectKind::kClock ? parse_clock_change(out.value) : ClockChange::kNone;
    if (out.kind == EffectKind::kClock && out.clock == ClockChange::kNone) {
      return fail(where + ".`value`", "not a clock change the engine writes: " + printable(out.value));
    }
    return true;
  }

  bool number(const JsonNode& node, const std::string& where, double& out) {
    if (node.kind() == JsonNode::Kind::kNumber) {
      const std::string& digits = node.text();
      auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
      if (error == std::errc() && end == digits.data() + digits.size()) return true;
    }
    return fail(where, "expected a number, got " + shown(node));
  }

  bool whole_number(const JsonNode& node, const std::string& where, std::int64_t& out) {
    std::uint64_t value = 0;
    if (node.kind() != JsonNode::Kind::kNumber || !unsigned_number(node.text(), value) ||
        value > static_cast<std::uint64_t>(INT64_MAX)) {
      return fail(where, "expected a whole number >= 0, got " + shown(node));
    }
    out = static_cast<std::int64_t>(value);
    return true;
  }

  bool due(const JsonNode& node, const std::string& where, std::int64_t& out) {
    if (!node.is_null()) return instant(node, where, out);
    out = kNever;
    return true;
  }

  bool rebasing(const JsonNode& node, const std::string& where, Rebasing& out) {
    if (node.kind() != JsonNode::Kind::kObject) return fail(where, "expected an object, got " + shown(node));
    bool clock = node.find("clock") != nullptr;
    std::vector<std::string_view> keys = {"calendar", "notices", "due_before", "due_after"};
    if (clock) {
      keys.insert(keys.end(), {"clock", "percent_before", "percent_after", "ran", "running_since", "extended_workdays",
                               "extended_seconds"});
    } else {
      keys.push_back("timer");
    }
    for (const JsonNode::Member& member : node.members()) {
      if (std::find(keys.begin(), keys.end(), member.first) == keys.end()) {
        return fail(where, "unknown key `" + member.first + "`" + (clock ? " for a clock" : " for a timer"));
      }
    }
    for (std::string_view key : keys) {
      if (node.find(key) == nullptr) return fail(where, "missing key `" + std::string(key) + "`");
    }
    if (!text(*node.find("calendar"), where + ".`calendar`", out.calendar)) return false;
    const JsonNode& notices = *node.find("notices");
    if (notices.kind() != JsonNode::Kind::kArray) return fail(where + ".`notices`", "expected an array of names");
    for (const JsonNode& notice : notices.items()) {
      if (notice.kind() != JsonNode::Kind::kString || notice.text().empty()) {
        return fail(where + ".`notices`", "expected an array of names, got " + shown(notice));
      }
      out.notices.push_back(notice.text());
    }
    if (!due(*node.find("due_before"), where + ".`due_before`", out.due_before) ||
        !due(*node.find("due_after"), where + ".`due_after`", out.due_after)) {
      return false;
    }
    if (!clock) {
      if (!position(*node.find("timer"), where + ".`timer`", out.timer)) return false;
      if (out.timer.where.empty()) return fail(where + ".`timer`", "expected \"path:line:column\", got \"\"");
      return true;
    }
    if (!text(*node.find("clock"), where + ".`clock`", out.clock)) return false;
    if (out.clock.empty()) return fail(where + ".`clock`", "expected a metric's name");
    const JsonNode& ran = *node.find("ran");
    if (ran.kind() != JsonNode::Kind::kArray) return fail(where + ".`ran`", "expected an array, got " + shown(ran));
    for (std::size_t i = 0; i < ran.items().size(); ++i) {
      const JsonNode& span = ran.items()[i];
      std::string at = where + ".`ran`[" + std::to_string(i) + "]";
      if (span.kind() != JsonNode::Kind::kArray || span.items().size() != 2) {
        return fail(at, "expected [from, to], got " + shown(span));
      }
      TimeSpan& stretch = out.ran.emplace_back();
      if (!instant(span.items()[0], at, stretch.from) || !instant(span.items()[1], at, stretch.to)) return false;
      if (stretch.to < stretch.from) return fail(at, "the stretch ends before it begins");
    }
    return number(*node.find("percent_before"), where + ".`percent_before`", out.percent_before) &&
           number(*node.find("percent_after"), where + ".`percent_after`", out.percent_after) &&
           instant(*node.find("running_since"), where + ".`running_since`", out.running_since) &&
           whole_number(*node.find("extended_workdays"), where + ".`extended_workdays`", out.extended_workdays) &&
           whole_number(*node.find("extended_seconds"), where + ".`extended_seconds`", out.extended_seconds);
  }

  bool sla(const JsonNode& node, std::optional<SlaMark>& out) {
    out.reset();
    if (node.is_null()) return true;
    static constexpr std::array<std::string_view, 6> kKeys = {"metric", "priority", "percent",
                                                              "limit",  "calendar", "due"};
    static constexpr std::array<std::string_view, 1> kOptional = {"limit_seconds"};
    if (!members(node, "`sla`", kKeys, kOptional)) return false;
    SlaMark mark;
    if (!text(*node.find("metric"), "`sla`.`metric`", mark.metric)) return false;
    if (!text(*node.find("priority"), "`sla`.`priority`", mark.priority)) return false;
    if (!number(*node.find("percent"), "`sla`.`percent`", mark.percent)) return false;
    const JsonNode* limit = node.find("limit");
    const JsonNode* limit_seconds = node.find("limit_seconds");
    if (limit->kind() != JsonNode::Kind::kString) {
      return fail("`sla`.`limit`", "expected a duration such as \"4h\", got " + shown(*limit));
    }
    if (limit_seconds == nullptr) {
      std::optional<std::int64_t> seconds = parse_signed_duration(limit->text());
      if (!seconds) return fail("`sla`.`limit`", "expected a duration such as \"4h\", got " + shown(*limit));
      mark.limit_seconds = *seconds;  // `limit` stays "": the hours say it all
    } else {
      std::uint64_t seconds = 0;
      if (limit_seconds->kind() != JsonNode::Kind::kNumber || !unsigned_number(limit_seconds->text(), seconds) ||
          seconds > static_cast<std::uint64_t>(INT64_MAX)) {
        return fail("`sla`.`limit_seconds`", "expected a whole number of seconds, got " + shown(*limit_seconds));
      }
      mark.limit_seconds = static_cast<std::int64_t>(seconds);
      if (limit->text().empty() || limit->text() == format_duration(mark.limit_seconds, LargestUnit::kHour)) {
        return fail("`sla`.`limit_seconds`", "only a limit in working days has it");
      }
      mark.limit = limit->text();
    }
    if (!text(*node.find("calendar"), "`sla`.`calendar`", mark.calendar)) return false;
    if (!instant(*node.find("due"), "`sla`.`due`", mark.due)) return false;
    out = std::move(mark);
    return true;
  }

  const Workflow* workflow_;
  std::string error_;
};

}  // namespace

std::string encode_record(const Record& record) {
  std::string out;
  out.reserve(512);
  JsonWriter json(out);
  json.begin_object();
  json.key("seq").number(record.seq);
  json.key("at").string(format_timestamp(record.at));
  write_text(json.key("ticket"), record.ticket);
  write_text(json.key("workflow"), record.workflow);
  write_text(json.key("version"), record.version);
  json.key("kind").string(to_string(record.kind));
  write_text(json.key("from"), record.from);
  write_text(json.key("to"), record.to);
  json.key("cause").string(to_string(record.cause));
  write_text(json.key("event"), record.event);
  write_actor(json.key("actor"), record.actor);
  write_data(json, record);
  write_text(json.key("rule"), rule_position_text(record.rule));
  json.key("changes").begin_array();
  for (const Change& change : record.changes) write_change(json, change);
  json.end_array();
  json.key("actions").begin_array();
  for (const Effect& effect : record.effects) write_effect(json, effect);
  json.end_array();
  write_sla(json.key("sla"), record.sla);
  // Only a migration that moved deadlines has them: every other line reads
  // as it did before they existed.
  if (!record.rebased.empty()) {
    json.key("rebased").begin_array();
    for (const Rebasing& rebasing : record.rebased) write_rebasing(json, rebasing);
    json.end_array();
  }
  json.key("rejected").boolean(record.rejected);
  write_text(json.key("reason"), record.reason);
  if (record.reason_code != RejectionCode::kNone) json.key("reason_code").string(to_string(record.reason_code));
  json.key("idempotency_key");
  if (record.idempotency_key) {
    json.string(*record.idempotency_key);
  } else {
    json.null();
  }
  json.end_object();
  return out;
}

Result<Record> decode_record(std::string_view line, const Workflow* workflow) {
  JsonParseResult parsed = parse_json(line, 8);
  if (!parsed.value) {
    std::string where = parsed.error_offset == JsonParseResult::kUnknownOffset
                            ? std::string()
                            : "column " + std::to_string(parsed.error_offset + 1) + ": ";
    return Result<Record>::failure(where + "invalid JSON: " + parsed.error);
  }
  Record record;
  Decoder decoder(workflow);
  if (!decoder.record(*parsed.value, record)) return Result<Record>::failure(decoder.error());
  return Result<Record>::success(std::move(record));
}

std::optional<std::uint64_t> encoded_seq(std::string_view line) {
  constexpr std::string_view kPrefix = "{\"seq\":";
  if (line.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::uint64_t seq = 0;
  const char* begin = line.data() + kPrefix.size();
  auto [end, error] = std::from_chars(begin, line.data() + line.size(), seq);
  if (error != std::errc() || end == begin) return std::nullopt;
  return seq;
}

namespace {

// Moves `rest` past `literal` when it begins with it.
bool skip(std::string_view& rest, std::string_view literal) {
  if (!rest.starts_with(literal)) return false;
  rest.remove_prefix(literal.size());
  return true;
}

// The JSON string (escapes and all) or null `rest` begins with, as written;
// moves `rest` past it.
std::optional<std::string_view> take_text(std::string_view& rest) {
  std::size_t end = 4;
  if (!rest.starts_with("null")) {
    if (!rest.starts_with('"')) return std::nullopt;
    for (end = 1; end < rest.size() && rest[end] != '"'; end += rest[end] == '\\' ? 2 : 1) {
    }
    if (end >= rest.size()) return std::nullopt;
    ++end;
  }
  std::string_view text = rest.substr(0, end);
  rest.remove_prefix(end);
  return text;
}

}  // namespace

std::optional<EncodedHead> encoded_head(std::string_view line) {
  std::optional<std::uint64_t> seq = encoded_seq(line);
  std::size_t comma = line.find(',');
  if (!seq || comma == std::string_view::npos) return std::nullopt;
  std::string_view rest = line.substr(comma);
  // The texts after `seq`, in the order encode_record writes them.
  constexpr std::string_view kKeys[] = {",\"at\":", ",\"ticket\":", ",\"workflow\":", ",\"version\":", ",\"kind\":"};
  std::string_view texts[std::size(kKeys)];
  for (std::size_t i = 0; i < std::size(kKeys); ++i) {
    std::optional<std::string_view> text;
    if (skip(rest, kKeys[i])) text = take_text(rest);
    if (!text) return std::nullopt;
    texts[i] = *text;
  }
  if (!rest.starts_with(',')) return std::nullopt;
  return EncodedHead{*seq, texts[1], texts[2], texts[4]};
}

}  // namespace docket::engine
