// JSON text in and out, for the journal encoding and the event reader.
//
// Reading keeps every number as the text it was written with ("1299.00",
// "-0.5", "1e3"), because money must stay exact: a double would turn
// 0.1 + 0.2 into 0.30000000000000004 and 123456789012.3456 into something
// else. Callers convert the text with Fixed::parse or std::from_chars and
// decide themselves what is acceptable.
//
// The parser (nlohmann-json underneath, kept out of this header) accepts
// exactly RFC 8259 JSON in UTF-8 and refuses, with the byte offset of the
// problem: syntax errors, invalid UTF-8, a nesting of arrays and objects
// deeper than the limit (checked before parsing, so hostile input costs no
// stack), and an object that names the same key twice (which JSON readers
// disagree about, so it is never accepted silently).

#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/model/text.h"  // the one JSON string escaper

namespace docket::engine {

class JsonNode {
 public:
  enum class Kind : std::uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };
  using Member = std::pair<std::string, JsonNode>;

  JsonNode() = default;  // null
  static JsonNode boolean(bool value);
  static JsonNode number(std::string text);  // the number's text as written
  static JsonNode string(std::string text);
  static JsonNode array(std::vector<JsonNode> items);
  static JsonNode object(std::vector<Member> members);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool as_bool() const { return bool_; }
  // kNumber: the number as written; kString: the decoded text.
  const std::string& text() const { return text_; }
  const std::vector<JsonNode>& items() const { return items_; }    // kArray
  const std::vector<Member>& members() const { return members_; }  // kObject, in the order written
  // The member named `key` of an object; null when absent or not an object.
  const JsonNode* find(std::string_view key) const;

  // "null", "true", "a number", "a string", "an array", "an object": for
  // messages ("`ticket` must be a string, got a number").
  const char* describe() const;

  friend bool operator==(const JsonNode&, const JsonNode&) = default;

 private:
  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  std::string text_;
  std::vector<JsonNode> items_;
  std::vector<Member> members_;
};

struct JsonParseResult {
  static constexpr std::size_t kUnknownOffset = static_cast<std::size_t>(-1);

  std::optional<JsonNode> value;  // set on success
  // On failure: the byte offset in the input where the problem was found
  // (0-based; the input's size at an unexpected end; kUnknownOffset for a
  // duplicate key, which the parser reports without a position), and what
  // it is:
  // "syntax error while parsing value - invalid literal; last read: 'tru,'",
  // "nesting deeper than 64 levels", "duplicate key `event`".
  std::size_t error_offset = 0;
  std::string error;
};

// Parses one JSON document (leading and trailing whitespace allowed).
// Arrays and objects may nest `max_depth` levels deep.
JsonParseResult parse_json(std::string_view text, std::size_t max_depth = 64);

}  // namespace docket::engine
