#include "engine/codec/json_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>

namespace docket::engine {
namespace {

using ::testing::HasSubstr;

TEST(JsonTextTest, NumbersKeepTheTextTheyWereWrittenWith) {
  JsonParseResult parsed = parse_json(R"([1299.00, 0.1, -0, 123456789012.3456, 1e3, 18446744073709551616])");
  ASSERT_TRUE(parsed.value) << parsed.error;
  std::vector<std::string> texts;
  for (const JsonNode& item : parsed.value->items()) {
    EXPECT_EQ(item.kind(), JsonNode::Kind::kNumber);
    texts.push_back(item.text());
  }
  // Integers come back in their canonical form ("-0" is 0); others exactly as written.
  EXPECT_THAT(texts, ::testing::ElementsAre("1299.00", "0.1", "0", "123456789012.3456", "1e3", "18446744073709551616"));
}

TEST(JsonTextTest, ObjectsKeepTheirOrderAndRefuseRepeatedKeys) {
  JsonParseResult parsed = parse_json(R"({"b":1,"a":{"c":[true,null,"x"]}})");
  ASSERT_TRUE(parsed.value) << parsed.error;
  ASSERT_EQ(parsed.value->members().size(), 2u);
  EXPECT_EQ(parsed.value->members()[0].first, "b");
  const JsonNode* a = parsed.value->find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->find("c")->items()[2], JsonNode::string("x"));
  EXPECT_EQ(parsed.value->find("z"), nullptr);

  JsonParseResult repeated = parse_json(R"({"a":{"k":1,"k":2}})");
  EXPECT_FALSE(repeated.value);
  EXPECT_EQ(repeated.error, "duplicate key `k`");
  EXPECT_EQ(repeated.error_offset, JsonParseResult::kUnknownOffset);
}

TEST(JsonTextTest, ErrorsGiveTheOffsetAndStayPrintable) {
  JsonParseResult broken = parse_json("{\"a\": \x01}");
  EXPECT_FALSE(broken.value);
  EXPECT_EQ(broken.error_offset, 6u);
  EXPECT_THAT(broken.error, HasSubstr("syntax error"));
  EXPECT_EQ(broken.error.find('\x01'), std::string::npos) << broken.error;

  JsonParseResult deep = parse_json("[[[[1]]]]", 3);
  EXPECT_FALSE(deep.value);
  EXPECT_EQ(deep.error_offset, 3u);
  EXPECT_EQ(deep.error, "nesting deeper than 3 levels");
  EXPECT_TRUE(parse_json("[[[1]]]", 3).value);
  EXPECT_TRUE(parse_json(R"(["[[[[", "\"[[[["])", 1).value);
}

TEST(JsonTextTest, StringsAreEscapedAndAlwaysValid) {
  std::string out;
  append_json_string(out, "投诉 \"q\" \\ \n\t\x1f\x7f");
  EXPECT_EQ(out, "\"投诉 \\\"q\\\" \\\\ \\n\\t\\u001f\x7f\"");
  out.clear();
  append_json_string(out, "a\xc3(b");
  EXPECT_EQ(out, "\"a\xEF\xBF\xBD(b\"");
  JsonParseResult back = parse_json(out);
  ASSERT_TRUE(back.value);
  EXPECT_EQ(back.value->text(), "a\xEF\xBF\xBD(b");
}

// Journal lines are hashed into the audit chain, so every ASCII byte must be
// written exactly as the journal has always written it: the short escapes,
// \u00xx in lowercase for other control bytes, everything else as itself.
TEST(JsonTextTest, EveryAsciiByteHasOneFixedSpellingAndReadsBack) {
  const std::map<char, std::string> kShortEscapes = {{'"', "\\\""}, {'\\', "\\\\"}, {'\b', "\\b"}, {'\f', "\\f"},
                                                     {'\n', "\\n"}, {'\r', "\\r"},  {'\t', "\\t"}};
  for (int byte = 0; byte < 0x80; ++byte) {
    std::string text = "a" + std::string(1, static_cast<char>(byte)) + "z";
    std::string out;
    append_json_string(out, text);
    std::string expected(1, static_cast<char>(byte));
    if (auto short_form = kShortEscapes.find(static_cast<char>(byte)); short_form != kShortEscapes.end()) {
      expected = short_form->second;
    } else if (byte < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
      expected = escaped;
    }
    EXPECT_EQ(out, "\"a" + expected + "z\"") << "byte " << byte;
    JsonParseResult back = parse_json(out);
    ASSERT_TRUE(back.value) << "byte " << byte << ": " << back.error;
    EXPECT_EQ(back.value->text(), text) << "byte " << byte;
  }
}

}  // namespace
}  // namespace docket::engine
