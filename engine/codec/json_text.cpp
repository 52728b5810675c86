#include "engine/codec/json_text.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>

namespace docket::engine {

JsonNode JsonNode::boolean(bool value) {
  JsonNode node;
  node.kind_ = Kind::kBool;
  node.bool_ = value;
  return node;
}

JsonNode JsonNode::number(std::string text) {
  JsonNode node;
  node.kind_ = Kind::kNumber;
  node.text_ = std::move(text);
  return node;
}

JsonNode JsonNode::string(std::string text) {
  JsonNode node;
  node.kind_ = Kind::kString;
  node.text_ = std::move(text);
  return node;
}

JsonNode JsonNode::array(std::vector<JsonNode> items) {
  JsonNode node;
  node.kind_ = Kind::kArray;
  node.items_ = std::move(items);
  return node;
}

JsonNode JsonNode::object(std::vector<Member> members) {
  JsonNode node;
  node.kind_ = Kind::kObject;
  node.members_ = std::move(members);
  return node;
}

const JsonNode* JsonNode::find(std::string_view key) const {
  for (const Member& member : members_) {
    if (member.first == key) return &member.second;
  }
  return nullptr;
}

const char* JsonNode::describe() const {
  switch (kind_) {
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return bool_ ? "true" : "false";
    case Kind::kNumber:
      return "a number";
    case Kind::kString:
      return "a string";
    case Kind::kArray:
      return "an array";
    case Kind::kObject:
      return "an object";
  }
  return "?";
}

namespace {

using Json = nlohmann::json;

// The offset of the first array or object opener that lies deeper than
// `max_depth`, skipping string contents; nullopt when there is none. Runs
// before the parser so that depth costs nothing but this scan.
std::optional<std::size_t> too_deep_at(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) return i;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return std::nullopt;
}

// Builds JsonNode values from nlohmann's SAX events, keeping number texts.
class Builder final : public nlohmann::json_sax<Json> {
 public:
  bool null() override { return add(JsonNode()); }
  bool boolean(bool value) override { return add(JsonNode::boolean(value)); }
  bool number_integer(number_integer_t value) override { return add(JsonNode::number(std::to_string(value))); }
  bool number_unsigned(number_unsigned_t value) override { return add(JsonNode::number(std::to_string(value))); }
  bool number_float(number_float_t, const string_t& text) override { return add(JsonNode::number(text)); }
  bool string(string_t& value) override { return add(JsonNode::string(std::move(value))); }
  bool binary(binary_t&) override { return false; }  // never produced by the JSON text parser

  bool start_object(std::size_t) override {
    frames_.push_back(Frame{true, {}, {}, {}});
    return true;
  }
  bool key(string_t& key) override {
    Frame& frame = frames_.back();
    bool seen = std::any_of(frame.members.begin(), frame.members.end(),
                            [&key](const JsonNode::Member& member) { return member.first == key; });
    if (seen) {
      error_ = "duplicate key `" + key + "`";
      error_offset_ = JsonParseResult::kUnknownOffset;
      return false;
    }
    frame.key = std::move(key);
    return true;
  }
  bool end_object() override {
    JsonNode node = JsonNode::object(std::move(frames_.back().members));
    frames_.pop_back();
    return add(std::move(node));
  }
  bool start_array(std::size_t) override {
    frames_.push_back(Frame{false, {}, {}, {}});
    return true;
  }
  bool end_array() override {
    JsonNode node = JsonNode::array(std::move(frames_.back().items));
    frames_.pop_back();
    return add(std::move(node));
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& error) override {
    // nlohmann counts the characters read, the offending one included.
    error_offset_ = position > 0 ? position - 1 : 0;
    error_ = printable(error.what());
    // "[json.exception.parse_error.101] parse error at line 1, column 9: syntax error ..."
    std::size_t column = error_.find("column ");
    std::size_t colon = column == std::string::npos ? std::string::npos : error_.find(": ", column);
    if (colon != std::string::npos) {
      error_.erase(0, colon + 2);
    } else if (std::size_t bracket = error_.find("] "); bracket != std::string::npos) {
      error_.erase(0, bracket + 2);
    }
    return false;
  }

  std::optional<JsonNode>& result() { return result_; }
  const std::string& error() const { return error_; }
  std::size_t error_offset() const { return error_offset_; }

 private:
  struct Frame {
    bool is_object;
    std::vector<JsonNode> items;
    std::vector<JsonNode::Member> members;
    std::string key;
  };

  bool add(JsonNode node) {
    if (frames_.empty()) {
      result_ = std::move(node);
    } else if (Frame& frame = frames_.back(); frame.is_object) {
      frame.members.emplace_back(std::move(frame.key), std::move(node));
    } else {
      frame.items.push_back(std::move(node));
    }
    return true;
  }

  std::vector<Frame> frames_;
  std::optional<JsonNode> result_;
  std::string error_;
  std::size_t error_offset_ = 0;
};

}  // namespace

JsonParseResult parse_json(std::string_view text, std::size_t max_depth) {
  JsonParseResult parsed;
  if (std::optional<std::size_t> deep = too_deep_at(text, max_depth)) {
    parsed.error_offset = *deep;
    parsed.error = "nesting deeper than " + std::to_string(max_depth) + " levels";
    return parsed;
  }
  Builder builder;
  bool ok = Json::sax_parse(text.begin(), text.end(), &builder, Json::input_format_t::json, true);
  if (!ok || !builder.result()) {
    parsed.error_offset = builder.error_offset();
    parsed.error = builder.error().empty() ? std::string("invalid JSON") : builder.error();
    return parsed;
  }
  parsed.value = std::move(builder.result());
  return parsed;
}

}  // namespace docket::engine
