// JSON out: one writer for every JSON text docket produces itself (journal
// lines, ticket snapshots, graph exports).
//
// The writer appends to a string the caller owns and places the commas and
// colons: the caller says what comes (begin an object, a key, a value) and
// the text is written at once, in that order, with no white space. Strings
// go through the one escaper (engine/model/text.h), so text comes out the
// same in every document. The writer itself allocates nothing (the nesting
// is kept in a bit set, not a stack), so a caller that reuses its string
// writes a journal line without touching the heap beyond the string's own
// growth.
//
//   std::string out;
//   JsonWriter json(out);
//   json.begin_object();
//   json.key("seq").number(12);
//   json.key("roles").begin_array().string("engineer").end_array();
//   json.end_object();  // out == R"({"seq":12,"roles":["engineer"]})"
//
// The caller keeps the document well formed (a key only directly inside an
// object, every value in an object after its key, every container closed);
// debug builds assert it.

#pragma once

#include <cassert>
#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "engine/model/text.h"

namespace docket::engine {

class JsonWriter {
 public:
  // Arrays and objects nest at most this deep.
  static constexpr unsigned kMaxDepth = 64;

  explicit JsonWriter(std::string& out) : out_(out) {}
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  JsonWriter& begin_object() { return open('{', true); }
  JsonWriter& end_object() { return close('}', true); }
  JsonWriter& begin_array() { return open('[', false); }
  JsonWriter& end_array() { return close(']', false); }

  // A key written in the program as a string literal: checked when the
  // program is compiled to need no escape (printable ASCII, no quote, no
  // backslash; a literal that would need one does not compile), so that it
  // is copied as it is. Journal lines are mostly such keys.
  class Literal {
   public:
    template <std::size_t N>
    consteval Literal(const char (&name)[N]) : text_(name, N - 1) {
      for (char c : text_) {
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') throw "a literal key must need no JSON escape";
      }
    }
    std::string_view text() const { return text_; }

   private:
    std::string_view text_;
  };

  // The next member's key; its value follows with the next call. A literal
  // key ("seq") is copied; any other text is escaped.
  JsonWriter& key(Literal name) {
    begin_key();
    out_ += '"';
    out_ += name.text();
    out_ += "\":";
    return *this;
  }
  template <typename Text>
  requires(std::convertible_to<const Text&, std::string_view> &&
           !std::is_array_v<Text>) JsonWriter& key(const Text& name) {
    begin_key();
    append_json_string(out_, name);
    out_ += ':';
    return *this;
  }

  JsonWriter& string(std::string_view text) {
    separate();
    append_json_string(out_, text);
    return *this;
  }
  template <std::integral Number>
  requires(!std::same_as<Number, bool>) JsonWriter& number(Number value) {
    separate();
    char digits[24];
    out_.append(digits, std::to_chars(digits, digits + sizeof digits, value).ptr);
    return *this;
  }
  // The shortest text that reads back as `value` ("87.5", "100"); null when
  // it is not finite, which JSON cannot write.
  JsonWriter& number(double value);
  JsonWriter& boolean(bool value) {
    separate();
    out_ += value ? std::string_view("true") : std::string_view("false");
    return *this;
  }
  JsonWriter& null() {
    separate();
    out_ += "null";
    return *this;
  }
  // A value already written as JSON, as it is: a decimal's exact text
  // ("1299.50"). Not checked.
  JsonWriter& raw(std::string_view json) {
    separate();
    out_ += json;
    return *this;
  }

  // Containers begun and not yet ended.
  unsigned depth() const { return depth_; }

 private:
  JsonWriter& open(char bracket, bool object) {
    assert(depth_ < kMaxDepth);
    separate();
    out_ += bracket;
    ++depth_;
    const std::uint64_t bit = std::uint64_t{1} << (depth_ - 1);
    objects_ = object ? objects_ | bit : objects_ & ~bit;
    filled_ &= ~bit;
    return *this;
  }
  JsonWriter& close(char bracket, [[maybe_unused]] bool object) {
    assert(depth_ > 0 && in_object(depth_) == object && !after_key_);
    out_ += bracket;
    --depth_;
    return *this;
  }
  void begin_key() {
    assert(depth_ > 0 && in_object(depth_) && !after_key_);
    comma();
    after_key_ = true;
  }
  bool in_object(unsigned depth) const { return (objects_ >> (depth - 1)) & 1; }
  // Before a value: the comma when the container already holds one, nothing
  // right after a key or at the top level.
  void separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (depth_ == 0) return;
    assert(!in_object(depth_));  // an object's values come after their keys
    comma();
  }
  void comma() {
    const std::uint64_t bit = std::uint64_t{1} << (depth_ - 1);
    if (filled_ & bit) out_ += ',';
    filled_ |= bit;
  }

  std::string& out_;
  std::uint64_t objects_ = 0;  // bit d-1: the container at depth d is an object
  std::uint64_t filled_ = 0;   // bit d-1: the container at depth d has a member or item
  unsigned depth_ = 0;
  bool after_key_ = false;
};

}  // namespace docket::engine
