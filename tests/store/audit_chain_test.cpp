#include "engine/store/audit_chain.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace docket::engine::testing {
namespace {

const std::string kHashA(64, 'a');
const std::string kHashB = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

TEST(ChainHash, IsSha256OfPrevHashThenBody) {
  // FIPS 180-2 vectors: SHA-256("") and SHA-256("abc"); the split between
  // the two parts does not matter, only the concatenated bytes.
  EXPECT_EQ(chain_hash("", ""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(chain_hash("ab", "c"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(chain_hash("", "abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(chain_hash("abc", ""), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ChainHash, FirstRecordLinksToTheGenesisHashAsText) {
  EXPECT_EQ(kGenesisHash, std::string(64, '0'));
  // SHA-256 of the 64 ASCII '0' characters followed by the body: the hex
  // text is hashed, not the 32 zero bytes it encodes.
  EXPECT_EQ(chain_hash(kGenesisHash, R"({"seq":1})"),
            "0a00898550374c41186879d92f30325cd0a550ce8c5da4d9aeef34a95c0b85ea");
}

TEST(ChainHash, EveryByteOfBodyAndPredecessorCounts) {
  std::string body = R"({"seq":2,"text":"洗衣机"})";
  std::string hash = chain_hash(kHashA, body);
  EXPECT_TRUE(is_hash(hash));
  std::string changed_body = body;
  changed_body[7] = '3';
  EXPECT_NE(chain_hash(kHashA, changed_body), hash);
  EXPECT_NE(chain_hash(kHashB, body), hash);
  EXPECT_NE(chain_hash(kHashA, body + "\n"), hash);
}

TEST(IsHash, OnlySixtyFourLowercaseHexDigits) {
  EXPECT_TRUE(is_hash(kGenesisHash));
  EXPECT_TRUE(is_hash(kHashB));
  EXPECT_FALSE(is_hash(""));
  EXPECT_FALSE(is_hash(kHashB.substr(1)));
  EXPECT_FALSE(is_hash(kHashB + "0"));
  std::string upper = kHashB;
  upper[10] = 'A';
  EXPECT_FALSE(is_hash(upper));
  std::string not_hex = kHashB;
  not_hex[63] = 'g';
  EXPECT_FALSE(is_hash(not_hex));
}

TEST(ChainedLine, AppendsPrevHashAndHashInsideTheObject) {
  std::string line = chained_line(R"({"seq":1,"kind":"created"})", kGenesisHash, kHashB);
  EXPECT_EQ(line, R"({"seq":1,"kind":"created","prev_hash":")" + std::string(kGenesisHash) + R"(","hash":")" + kHashB +
                      R"("})");
  nlohmann::json parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["prev_hash"], std::string(kGenesisHash));
  EXPECT_EQ(parsed["hash"], kHashB);
  EXPECT_EQ(parsed["kind"], "created");
}

TEST(ChainedLine, SplitGivesBackTheBodyByteForByte) {
  // Escaped quotes, a nested object, UTF-8 and text that looks like the suffix
  // inside a string: the body comes back exactly, however it is written.
  std::vector<std::string> bodies = {
      R"({"seq":1})",
      R"({"seq":2,"data":{"problem":"洗衣机无法启动","note":"said \"}\" and ,\"prev_hash\":\"x\"}"}})",
      R"({ "spaced" : [1, 2.50, 1e3] ,"z":null})",
      "{\"tab\":\"a\\tb\"}",
  };
  for (const std::string& body : bodies) {
    std::string hash = chain_hash(kHashA, body);
    Result<ChainedLine> split = split_chained_line(chained_line(body, kHashA, hash));
    ASSERT_TRUE(split.ok()) << split.error();
    EXPECT_EQ(split->body, body);
    EXPECT_EQ(split->prev_hash, kHashA);
    EXPECT_EQ(split->hash, hash);
    EXPECT_EQ(chain_hash(split->prev_hash, split->body), split->hash);
  }
}

TEST(ChainedLine, ALineWithoutSuffixIsRefused) {
  for (const char* line :
       {"", "{}", R"({"seq":1})", R"({"seq":1,"hash":"0000"})", R"({"seq":1,"prev_hash" : "0000"})"}) {
    Result<ChainedLine> split = split_chained_line(line);
    ASSERT_FALSE(split.ok()) << line;
    EXPECT_EQ(split.error(), "no hash suffix") << line;
  }
}

TEST(ChainedLine, EveryMalformedSuffixHasItsOwnMessage) {
  std::string body = R"({"seq":7)";
  auto error_of = [](const std::string& line) {
    Result<ChainedLine> split = split_chained_line(line);
    return split.ok() ? std::string("(accepted)") : split.error();
  };
  std::string good = body + R"(,"prev_hash":")" + kHashA + R"(","hash":")" + kHashB + R"("})";
  ASSERT_EQ(error_of(good), "(accepted)");

  EXPECT_EQ(error_of(good + "\n"), "line ends with a line break");
  EXPECT_EQ(error_of(good + "\r"), "line ends with a line break");

  const std::string prev_error = "prev_hash is not 64 lowercase hex digits";
  EXPECT_EQ(error_of(body + R"(,"prev_hash":")" + kHashA.substr(1) + R"(","hash":")" + kHashB + R"("})"), prev_error);
  EXPECT_EQ(error_of(body + R"(,"prev_hash":")" + kHashA + "a" + R"(","hash":")" + kHashB + R"("})"), prev_error);
  std::string upper = kHashA;
  upper[0] = 'A';
  EXPECT_EQ(error_of(body + R"(,"prev_hash":")" + upper + R"(","hash":")" + kHashB + R"("})"), prev_error);
  EXPECT_EQ(error_of(body + R"(,"prev_hash":")" + kHashA.substr(3)), prev_error);  // cut off
  EXPECT_EQ(error_of(body + R"(,"prev_hash":null,"hash":")" + kHashB + R"("})"), "no hash suffix");

  EXPECT_EQ(error_of(body + R"(,"prev_hash":")" + kHashA + R"(","hsh":")" + kHashB + R"("})"),
            "no hash field after prev_hash");
  EXPECT_EQ(error_of(body + R"(,"prev_hash":")" + kHashA + R"(", "hash":")" + kHashB + R"("})"),
            "no hash field after prev_hash");
  EXPECT_EQ(error_of(body + R"(,"prev_hash":")" + kHashA + R"("})"), "no hash field after prev_hash");
  EXPECT_EQ(error_of(body + R"(,"prev_hash":")" + kHashA), "no hash field after prev_hash");  // cut off

  const std::string hash_error = "hash is not 64 lowercase hex digits";
  EXPECT_EQ(error_of(body + R"(,"prev_hash":")" + kHashA + R"(","hash":")" + kHashB.substr(2) + R"("})"), hash_error);
  EXPECT_EQ(error_of(body + R"(,"prev_hash":")" + kHashA + R"(","hash":"")" + R"(})"), hash_error);
  std::string not_hex = kHashB;
  not_hex[5] = 'x';
  EXPECT_EQ(error_of(body + R"(,"prev_hash":")" + kHashA + R"(","hash":")" + not_hex + R"("})"), hash_error);

  const std::string end_error = "hash not followed by `\"}` at the end of the line";
  EXPECT_EQ(error_of(body + R"(,"prev_hash":")" + kHashA + R"(","hash":")" + kHashB), end_error);
  EXPECT_EQ(error_of(body + R"(,"prev_hash":")" + kHashA + R"(","hash":")" + kHashB + "\""), end_error);
  EXPECT_EQ(error_of(good + " "), end_error);
  EXPECT_EQ(error_of(good + "}"), end_error);
  EXPECT_EQ(error_of(body + R"(,"prev_hash":")" + kHashA + R"(","hash":")" + kHashB + R"(","seq":8})"), end_error);

  EXPECT_EQ(error_of(R"(,"prev_hash":")" + kHashA + R"(","hash":")" + kHashB + R"("})"),
            "no record before the hash suffix");
  EXPECT_EQ(error_of(R"("seq":7,"prev_hash":")" + kHashA + R"(","hash":")" + kHashB + R"("})"),
            "no record before the hash suffix");
}

TEST(ChainedLine, TheSuffixHasAFixedLength) {
  std::string body = R"({"seq":1})";
  std::string line = chained_line(body, kGenesisHash, kHashB);
  // `,"prev_hash":"` + 64 + `","hash":"` + 64 + `"}` replaces the final `}`.
  EXPECT_EQ(line.size(), body.size() - 1 + 14 + 64 + 10 + 64 + 2);
}

}  // namespace
}  // namespace docket::engine::testing
