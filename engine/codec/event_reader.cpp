#include "engine/codec/event_reader.h"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "engine/codec/json_text.h"
#include "engine/codec/json_writer.h"

namespace docket::engine {
namespace {

constexpr std::array<std::string_view, 7> kEventKeys = {"at",   "ticket",          "event",   "actor",
                                                        "data", "idempotency_key", "workflow"};
constexpr std::array<std::string_view, 2> kActorKeys = {"id", "roles"};

template <std::size_t N>
std::string unknown_key(const std::string& key, const std::array<std::string_view, N>& keys, const char* where) {
  std::string message = std::string("unknown key `") + key + "`" + where;
  std::string_view best;
  std::size_t best_distance = 3;  // suggest only close matches
  for (std::string_view candidate : keys) {
    std::size_t distance = edit_distance(key, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  if (!best.empty()) {
    message += " (did you mean `" + std::string(best) + "`?)";
  } else {
    message += " (expected one of";
    for (std::size_t i = 0; i < keys.size(); ++i) message += (i == 0 ? " `" : ", `") + std::string(keys[i]) + "`";
    message += ")";
  }
  return message;
}

std::string shown(const JsonNode& node) {
  switch (node.kind()) {
    case JsonNode::Kind::kNumber:
      return node.text();
    case JsonNode::Kind::kString: {
      std::string out;
      append_json_string(out, node.text());
      return out;
    }
    default:
      return node.describe();
  }
}

Result<Event> failure(std::string message) { return Result<Event>::failure(std::move(message)); }

Result<FieldInput> field_input(const std::string& field, const JsonNode& node) {
  switch (node.kind()) {
    case JsonNode::Kind::kNull:
      return Result<FieldInput>::success(FieldInput::null());
    case JsonNode::Kind::kBool:
      return Result<FieldInput>::success(FieldInput::boolean(node.as_bool()));
    case JsonNode::Kind::kString:
      return Result<FieldInput>::success(FieldInput::text(node.text()));
    case JsonNode::Kind::kNumber: {
      std::optional<Fixed> number = Fixed::parse(node.text());
      if (!number) {
        return Result<FieldInput>::failure("`data." + field + "`: " + node.text() +
                                           " is not an exact decimal number (at most 4 decimal places, no exponent, "
                                           "at most 922337203685477 in size)");
      }
      return Result<FieldInput>::success(FieldInput::number(*number));
    }
    case JsonNode::Kind::kArray:
    case JsonNode::Kind::kObject:
      break;
  }
  return Result<FieldInput>::failure("`data." + field + "` must be a string, number, true/false or null, got " +
                                     shown(node));
}

Result<Event> event_from(const JsonNode& root) {
  if (root.kind() != JsonNode::Kind::kObject) return failure("expected a JSON object, got " + shown(root));
  for (const JsonNode::Member& member : root.members()) {
    if (std::find(kEventKeys.begin(), kEventKeys.end(), member.first) == kEventKeys.end()) {
      return failure(unknown_key(member.first, kEventKeys, ""));
    }
  }
  Event event;
  auto string_of = [&root](const char* key, std::string& out) -> std::optional<std::string> {
    const JsonNode* node = root.find(key);
    if (node == nullptr) return std::nullopt;
    if (node->kind() != JsonNode::Kind::kString) {
      return std::string("`") + key + "` must be a string, got " + shown(*node);
    }
    out = node->text();
    return std::nullopt;
  };

  const JsonNode* at = root.find("at");
  if (at == nullptr) return failure("missing `at` (when the event happened)");
  if (at->kind() != JsonNode::Kind::kString) {
    return failure("`at` must be a timestamp such as \"2026-11-23T09:00:00+08:00\", got " + shown(*at));
  }
  Result<std::int64_t> instant = read_timestamp(at->text());
  if (!instant) return failure("`at` " + instant.error() + ", got " + shown(*at));
  event.at = instant.value();

  if (root.find("ticket") == nullptr) return failure("missing `ticket`");
  if (auto problem = string_of("ticket", event.ticket)) return failure(*problem);
  if (root.find("event") == nullptr) return failure("missing `event`");
  if (auto problem = string_of("event", event.event)) return failure(*problem);
  if (event.event.empty()) return failure("`event` is empty");

  if (const JsonNode* actor = root.find("actor"); actor != nullptr && !actor->is_null()) {
    if (actor->kind() != JsonNode::Kind::kObject) {
      return failure("`actor` must be an object such as {\"id\":\"alice\",\"roles\":[\"engineer\"]}, got " +
                     shown(*actor));
    }
    for (const JsonNode::Member& member : actor->members()) {
      if (std::find(kActorKeys.begin(), kActorKeys.end(), member.first) == kActorKeys.end()) {
        return failure(unknown_key(member.first, kActorKeys, " in `actor`"));
      }
    }
    if (const JsonNode* id = actor->find("id"); id != nullptr) {
      if (id->kind() != JsonNode::Kind::kString) return failure("`actor.id` must be a string, got " + shown(*id));
      event.actor.id = id->text();
    }
    if (const JsonNode* roles = actor->find("roles"); roles != nullptr) {
      if (roles->kind() != JsonNode::Kind::kArray) {
        return failure("`actor.roles` must be an array of strings, got " + shown(*roles));
      }
      for (const JsonNode& role : roles->items()) {
        if (role.kind() != JsonNode::Kind::kString) {
          return failure("`actor.roles` must be an array of strings, got " + shown(role) + " in it");
        }
        event.actor.roles.push_back(role.text());
      }
    }
  }

  if (const JsonNode* data = root.find("data"); data != nullptr && !data->is_null()) {
    if (data->kind() != JsonNode::Kind::kObject) {
      return failure("`data` must be an object of field values, got " + shown(*data));
    }
    for (const JsonNode::Member& member : data->members()) {
      Result<FieldInput> input = field_input(member.first, member.second);
      if (!input) return failure(input.error());
      event.data.push_back(DataItem{member.first, std::move(input).value()});
    }
  }

  if (const JsonNode* key = root.find("idempotency_key"); key != nullptr && !key->is_null()) {
    if (key->kind() != JsonNode::Kind::kString) {
      return failure("`idempotency_key` must be a string, got " + shown(*key));
    }
    event.idempotency_key = key->text();
  }
  if (auto problem = string_of("workflow", event.workflow)) return failure(*problem);
  return Result<Event>::success(std::move(event));
}

bool skipped(std::string_view line) {
  std::size_t first = line.find_first_not_of(" \t\r");
  return first == std::string_view::npos || line[first] == '#';
}

}  // namespace

Result<Event> parse_event_line(std::string_view text, std::size_t* column, const EventReaderOptions& options) {
  if (column != nullptr) *column = 0;
  JsonParseResult parsed = parse_json(text, options.max_depth);
  if (!parsed.value) {
    if (column != nullptr && parsed.error_offset != JsonParseResult::kUnknownOffset) {
      *column = parsed.error_offset + 1;
    }
    bool syntax = parsed.error.rfind("nesting", 0) != 0 && parsed.error.rfind("duplicate", 0) != 0;
    return failure(syntax ? "invalid JSON: " + parsed.error : parsed.error);
  }
  return event_from(*parsed.value);
}

void write_field_input(JsonWriter& json, const FieldInput& value) {
  switch (value.kind()) {
    case FieldInput::Kind::kNull:
      json.null();
      return;
    case FieldInput::Kind::kText:
      json.string(value.as_text());
      return;
    case FieldInput::Kind::kNumber:
      json.raw(value.as_number().to_string());
      return;
    case FieldInput::Kind::kBool:
      json.boolean(value.as_bool());
      return;
  }
  json.null();
}

std::string encode_event(const Event& event) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  if (event.at) json.key("at").string(format_timestamp(*event.at));
  json.key("ticket").string(event.ticket);
  json.key("event").string(event.event);
  if (!event.actor.id.empty() || !event.actor.roles.empty()) {
    json.key("actor").begin_object();
    json.key("id").string(event.actor.id);
    json.key("roles").begin_array();
    for (const std::string& role : event.actor.roles) json.string(role);
    json.end_array().end_object();
  }
  if (!event.data.empty()) {
    json.key("data").begin_object();
    for (const DataItem& item : event.data) write_field_input(json.key(item.field), item.value);
    json.end_object();
  }
  if (event.idempotency_key) json.key("idempotency_key").string(*event.idempotency_key);
  if (!event.workflow.empty()) json.key("workflow").string(event.workflow);
  json.end_object();
  return out;
}

EventReader::EventReader(std::istream& in, std::string name, EventReaderOptions options)
    : in_(in), name_(std::move(name)), options_(options) {}

bool EventReader::read_line(bool& too_long) {
  too_long = false;
  line_text_.clear();
  std::streambuf* buffer = in_.rdbuf();
  if (buffer == nullptr) return false;
  bool any = false;
  while (true) {
    int c = buffer->sbumpc();
    if (c == std::char_traits<char>::eof()) break;
    any = true;
    if (c == '\n') break;
    if (line_text_.size() >= options_.max_line_bytes + 1) {  // +1: room for a '\r' of CRLF
      too_long = true;
      continue;  // consume the rest of the line without keeping it
    }
    line_text_ += static_cast<char>(c);
  }
  if (!line_text_.empty() && line_text_.back() == '\r') line_text_.pop_back();
  if (line_text_.size() > options_.max_line_bytes) too_long = true;
  return any;
}

Result<std::optional<EventLine>> EventReader::error(const std::string& message, std::size_t column) {
  // Appended piece by piece: GCC 12 at -O3 warns falsely (-Wrestrict) on
  // the chain of operator+ this once was.
  error_ = name_;
  error_ += ':';
  error_ += std::to_string(line_);
  if (column > 0) {
    error_ += ':';
    error_ += std::to_string(column);
  }
  error_ += ": error: ";
  error_ += message;
  return Result<std::optional<EventLine>>::failure(error_);
}

Result<std::optional<EventLine>> EventReader::next() {
  if (!error_.empty()) return Result<std::optional<EventLine>>::failure(error_);
  bool too_long = false;
  while (read_line(too_long)) {
    ++line_;
    if (too_long) {
      return error("line is longer than " + std::to_string(options_.max_line_bytes) + " bytes");
    }
    std::string_view text = line_text_;
    std::size_t skipped_bytes = 0;
    if (line_ == 1 && text.substr(0, 3) == "\xEF\xBB\xBF") skipped_bytes = 3;  // a byte order mark
    text.remove_prefix(skipped_bytes);
    if (skipped(text)) continue;

    std::size_t column = 0;
    Result<Event> parsed = parse_event_line(text, &column, options_);
    if (!parsed) return error(parsed.error(), column > 0 ? column + skipped_bytes : 0);
    std::int64_t at = *parsed->at;
    if (previous_at_ && at < *previous_at_) {
      return error("out of order: " + format_timestamp(at) + " is earlier than " + format_timestamp(*previous_at_) +
                   " on line " + std::to_string(previous_line_) + "; events must come in time order");
    }
    previous_at_ = at;
    previous_line_ = line_;
    ++events_read_;
    return Result<std::optional<EventLine>>::success(EventLine{std::move(parsed).value(), line_});
  }
  if (in_.bad()) return error("cannot read the file");
  return Result<std::optional<EventLine>>::success(std::nullopt);
}

}  // namespace docket::engine
