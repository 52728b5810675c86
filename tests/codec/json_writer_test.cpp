// The one JSON writer: commas, colons and nesting placed for the caller,
// strings through the one escaper, appending to the caller's string.

#include "engine/codec/json_writer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <string>

namespace docket::engine {
namespace {

TEST(JsonWriter, PlacesCommasAndColons) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.key("seq").number(12);
  json.key("roles").begin_array().string("engineer").string("lead").end_array();
  json.key("empty").begin_object().end_object();
  json.key("none").begin_array().end_array();
  json.key("nested")
      .begin_array()
      .begin_array()
      .number(1)
      .number(2)
      .end_array()
      .begin_object()
      .end_object()
      .end_array();
  json.key("actor").begin_object().key("id").null().end_object();
  json.end_object();
  EXPECT_EQ(out,
            R"({"seq":12,"roles":["engineer","lead"],"empty":{},"none":[],"nested":[[1,2],{}],"actor":{"id":null}})");
  EXPECT_EQ(json.depth(), 0u);
}

// Literal keys are printable ASCII, checked when compiling; other keys may
// hold any text.
TEST(JsonWriter, LiteralAndOtherKeysWriteTheSame) {
  std::string literal;
  JsonWriter(literal).begin_object().key("kind").null().key("due_at").number(1).end_object();
  std::string other;
  JsonWriter json(other);
  json.begin_object().key(std::string("kind")).null().key(std::string_view("due_at")).number(1).end_object();
  EXPECT_EQ(literal, other);
  EXPECT_EQ(literal, R"({"kind":null,"due_at":1})");
  other.clear();
  JsonWriter(other).begin_object().key(std::string_view("退货")).null().end_object();
  EXPECT_EQ(other, R"({"退货":null})");
}

TEST(JsonWriter, AppendsToWhatTheStringHolds) {
  std::string out = "line 1\n";
  JsonWriter json(out);
  json.begin_array().boolean(true).boolean(false).null().end_array();
  EXPECT_EQ(out, "line 1\n[true,false,null]");
}

TEST(JsonWriter, TopLevelScalars) {
  std::string out;
  JsonWriter(out).string("a\"b");
  EXPECT_EQ(out, R"("a\"b")");
  out.clear();
  JsonWriter(out).number(-7);
  EXPECT_EQ(out, "-7");
}

// A literal key that would need an escape does not compile (json.key("say
// \"hi\"") is refused); any other text is escaped.
TEST(JsonWriter, EscapesKeysAndStringsWithTheOneEscaper) {
  std::string out;
  JsonWriter json(out);
  const std::string name = "say \"hi\"";
  json.begin_object();
  json.key(name).string("line\nbreak\t\x01 好 \xff");
  json.end_object();
  std::string expected = "{" + json_string("say \"hi\"") + ":" + json_string("line\nbreak\t\x01 好 \xff") + "}";
  EXPECT_EQ(out, expected);
  EXPECT_EQ(out, "{\"say \\\"hi\\\"\":\"line\\nbreak\\t\\u0001 好 \xEF\xBF\xBD\"}");
}

TEST(JsonWriter, WholeNumbersOfEveryWidth) {
  std::string out;
  JsonWriter json(out);
  json.begin_array();
  json.number(std::numeric_limits<std::int64_t>::min());
  json.number(std::numeric_limits<std::uint64_t>::max());
  json.number(std::uint32_t{4294967295u});
  json.number(std::int8_t{-128});
  json.number(0);
  json.end_array();
  EXPECT_EQ(out, "[-9223372036854775808,18446744073709551615,4294967295,-128,0]");
}

TEST(JsonWriter, RealNumbersShortestAndNullWhenNotFinite) {
  std::string out;
  JsonWriter json(out);
  json.begin_array();
  json.number(87.5).number(100.0).number(0.1).number(-1e300);
  json.number(std::numeric_limits<double>::infinity()).number(std::numeric_limits<double>::quiet_NaN());
  json.end_array();
  EXPECT_EQ(out, "[87.5,100,0.1,-1e+300,null,null]");
}

TEST(JsonWriter, RawValuesAsTheyAre) {
  std::string out;
  JsonWriter json(out);
  json.begin_object().key("amount").raw("1299.50").key("after").raw("-0.0001").end_object();
  EXPECT_EQ(out, R"({"amount":1299.50,"after":-0.0001})");
}

TEST(JsonWriter, NestsToItsLimit) {
  std::string out;
  JsonWriter json(out);
  for (unsigned i = 0; i < JsonWriter::kMaxDepth; ++i) json.begin_array().number(i);
  EXPECT_EQ(json.depth(), JsonWriter::kMaxDepth);
  for (unsigned i = 0; i < JsonWriter::kMaxDepth; ++i) json.end_array();
  EXPECT_EQ(json.depth(), 0u);
  nlohmann::json parsed = nlohmann::json::parse(out);
  const nlohmann::json* level = &parsed;
  for (unsigned i = 0; i + 1 < JsonWriter::kMaxDepth; ++i) {
    ASSERT_EQ(level->size(), 2u) << i;
    EXPECT_EQ((*level)[0], i);
    level = &(*level)[1];
  }
}

// Whatever is written reads back as the same document with nlohmann-json.
TEST(JsonWriter, ReadsBackWithAnotherReader) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.key("text").string("退货 \"quoted\" \\ \x7f");
  json.key("list").begin_array();
  for (int i = 0; i < 3; ++i) json.begin_object().key("i").number(i).key("odd").boolean(i % 2 == 1).end_object();
  json.end_array();
  json.end_object();
  nlohmann::json expected = {
      {"text", "退货 \"quoted\" \\ \x7f"},
      {"list", {{{"i", 0}, {"odd", false}}, {{"i", 1}, {"odd", true}}, {{"i", 2}, {"odd", false}}}}};
  EXPECT_EQ(nlohmann::json::parse(out), expected);
}

// The writer keeps no buffer of its own: a string with room for the
// document is written in place.
TEST(JsonWriter, WritesIntoTheCallersStringInPlace) {
  std::string out;
  out.reserve(256);
  const char* data = out.data();
  std::size_t capacity = out.capacity();
  JsonWriter json(out);
  json.begin_object().key("seq").number(1).key("kind").string("transition").key("changes").begin_array();
  json.end_array().end_object();
  EXPECT_EQ(out, R"({"seq":1,"kind":"transition","changes":[]})");
  EXPECT_EQ(out.data(), data);
  EXPECT_EQ(out.capacity(), capacity);
}

}  // namespace
}  // namespace docket::engine
