// The one JSON string escaper and the message quoting every layer uses, and
// the one measure of display width.

#include "engine/model/text.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <random>
#include <string>
#include <utility>
#include <vector>

namespace docket::engine {
namespace {

std::string nlohmann_quoted(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

TEST(JsonString, EscapesWhatJsonRequiresAndKeepsUtf8) {
  EXPECT_EQ(json_string("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(json_string("\b\f\n\r\t\x01\x1f"), R"("\b\f\n\r\t\u0001\u001f")");
  EXPECT_EQ(json_string("退货 ✓"), "\"退货 ✓\"");
  EXPECT_EQ(json_string(""), "\"\"");
}

TEST(JsonString, ReplacesEachMaximalIllFormedSubpartWithOneReplacementCharacter) {
  const std::string kReplacement = "\xEF\xBF\xBD";
  EXPECT_EQ(json_string("\xff"), "\"" + kReplacement + "\"");
  // A cut three-byte sequence is one subpart; the byte after it starts anew.
  EXPECT_EQ(json_string("\xE6\x97"
                        "a"),
            "\"" + kReplacement + "a\"");
  // Overlong and surrogate forms are refused at their second byte.
  EXPECT_EQ(json_string("\xC0\xAF"), "\"" + kReplacement + kReplacement + "\"");
  EXPECT_EQ(json_string("\xED\xA0\x80"), "\"" + kReplacement + kReplacement + kReplacement + "\"");
  EXPECT_EQ(json_string("\xF4\x90\x80\x80"), "\"" + kReplacement + kReplacement + kReplacement + kReplacement + "\"");
}

// nlohmann-json is the reader most tools around docket use: for any bytes
// at all, the escaper must write exactly what it writes, so that a journal
// line reads back as the text that was hashed.
TEST(JsonString, WritesWhatNlohmannWritesForAnyBytes) {
  std::mt19937 random(20261205);
  const std::string alphabet = "a\"\\\n\x01\x7f\xC2\xA9\xE6\x97\xA5\xF0\x9F\x98\x80\x80\xBF\xC0\xE0\xED\xF4\xF5\xFF";
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    std::size_t length = random() % 12;
    for (std::size_t k = 0; k < length; ++k) {
      text += random() % 3 == 0 ? static_cast<char>(random() % 256) : alphabet[random() % alphabet.size()];
    }
    ASSERT_EQ(json_string(text), nlohmann_quoted(text)) << "input bytes: " << printable(text);
  }
}

TEST(Printable, OneLineOfValidUtf8WhateverTheInput) {
  EXPECT_EQ(printable("a\nb"), "a\\u000ab");
  EXPECT_EQ(printable("C:\\x"), "C:\\\\x");
  EXPECT_EQ(printable("\xff"
                      "退"),
            "\\xff退");
  EXPECT_EQ(printable("\xC0\xAF"), "\\xc0\\xaf");  // overlong '/': not well-formed
  EXPECT_TRUE(is_utf8(printable("\xED\xA0\x80\x01")));
}

TEST(IsUtf8, FollowsRfc3629) {
  EXPECT_TRUE(is_utf8("plain 退货 😀"));
  EXPECT_FALSE(is_utf8("\xE6\x97"));          // cut
  EXPECT_FALSE(is_utf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(is_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(is_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
}

TEST(Utf8SequenceAt, CharactersAndMaximalIllFormedSubparts) {
  std::string_view text = "a\xC3\xA9\xE6\x97\xF0\x9F\x98\x80\xff";
  auto at = [&](std::size_t i) {
    return std::pair(utf8_sequence_at(text, i).well_formed, utf8_sequence_at(text, i).length);
  };
  EXPECT_EQ(at(0), std::pair(true, std::size_t{1}));   // a
  EXPECT_EQ(at(1), std::pair(true, std::size_t{2}));   // é
  EXPECT_EQ(at(3), std::pair(false, std::size_t{2}));  // a cut 退: one subpart
  EXPECT_EQ(at(5), std::pair(true, std::size_t{4}));   // 😀
  EXPECT_EQ(at(9), std::pair(false, std::size_t{1}));  // a stray byte
}

TEST(ForEachCharacter, ReplacesWhatJsonStringReplaces) {
  std::vector<std::string> characters;
  for_each_character("a\xC3\xA9\xE6\x97\xff 退", [&](std::string_view c) { characters.emplace_back(c); });
  const std::string kReplacement = "\xEF\xBF\xBD";
  EXPECT_EQ(characters, (std::vector<std::string>{"a", "\xC3\xA9", kReplacement, kReplacement, " ", "退"}));
  std::mt19937 random(7);
  for (int round = 0; round < 2000; ++round) {
    std::string bytes(random() % 12, '\0');
    for (char& byte : bytes)
      byte = static_cast<char>(random() % 4 == 0 ? 0x80 + random() % 0x80 : 0xC0 + random() % 0x40);
    std::string joined;
    for_each_character(bytes, [&](std::string_view c) { joined += c; });
    EXPECT_TRUE(is_utf8(joined));
    // Bytes above ASCII need no escape: the JSON escaper writes the same characters.
    EXPECT_EQ(json_string(bytes), "\"" + joined + "\"");
  }
}

// What a terminal shows, which the cli's tables and the reports pad by.
TEST(DisplayWidth, CountsTerminalColumns) {
  EXPECT_EQ(display_width(""), 0u);
  EXPECT_EQ(display_width("after_sales"), 11u);
  EXPECT_EQ(display_width("售后服务"), 8u);
  EXPECT_EQ(display_width("P0 紧急"), 7u);
  EXPECT_EQ(display_width("（已接收）"), 10u);  // full-width brackets
  EXPECT_EQ(display_width("e\u0301"), 1u);      // a combining accent takes no column
  EXPECT_EQ(display_width("\xff\xfe"), 2u);     // bytes that are not UTF-8: one each
}

}  // namespace
}  // namespace docket::engine
