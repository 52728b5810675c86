// SHA-256 as lowercase hex, and hex itself: the one form of every digest
// docket writes.

#include "engine/model/digest.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>

namespace docket::engine {
namespace {

// FIPS 180-2, appendix B.
constexpr std::string_view kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr std::string_view kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

TEST(Sha256Hex, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), kEmpty);
  EXPECT_EQ(sha256_hex("abc"), kAbc);
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Hex, BytesThatAreNotText) {
  const std::string bytes("\x00\xff\x80", 3);
  EXPECT_EQ(sha256_hex(bytes).size(), 64u);
  EXPECT_NE(sha256_hex(bytes), sha256_hex(std::string("\x00\xff", 2)));
  EXPECT_TRUE(is_lowercase_hex(sha256_hex(bytes)));
}

TEST(Sha256Hex, PiecesHashAsTheTextTheyMake) {
  const std::array<std::string_view, 3> abc = {"a", "", "bc"};
  EXPECT_EQ(sha256_hex(abc), kAbc);
  const std::array<std::string_view, 2> empty = {"", ""};
  EXPECT_EQ(sha256_hex(empty), kEmpty);
  EXPECT_EQ(sha256_hex(std::span<const std::string_view>()), kEmpty);
}

TEST(LowercaseHex, TwoDigitsAByte) {
  const std::array<unsigned char, 4> bytes = {0x00, 0x0f, 0xa0, 0xff};
  EXPECT_EQ(lowercase_hex(bytes), "000fa0ff");
  EXPECT_EQ(lowercase_hex({}), "");
}

TEST(IsLowercaseHex, OnlyDigitsAndLowercaseLetters) {
  EXPECT_TRUE(is_lowercase_hex("0123456789abcdef"));
  EXPECT_TRUE(is_lowercase_hex(""));
  EXPECT_FALSE(is_lowercase_hex("ABCDEF"));
  EXPECT_FALSE(is_lowercase_hex("0g"));
  EXPECT_FALSE(is_lowercase_hex("ab "));
}

}  // namespace
}  // namespace docket::engine
