#include "engine/store/checkpoint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "engine/store/audit_chain.h"

namespace docket::engine::testing {
namespace {

using ::testing::HasSubstr;

// RFC 8032, section 7.1, TEST 1: a fixed key, so signatures are fixed too.
SigningKey fixed_key() {
  std::vector<std::uint8_t> secret;
  const std::string hex = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    secret.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  Result<SigningKey> key = SigningKey::from_raw(secret);
  EXPECT_TRUE(key.ok()) << key.error();
  return std::move(key).value();
}

SigningKey new_key() {
  Result<SigningKey> key = SigningKey::generate();
  EXPECT_TRUE(key.ok()) << key.error();
  return std::move(key).value();
}

KeyRing ring_of(const SigningKey& key) {
  KeyRing ring;
  EXPECT_TRUE(ring.add(key.verify_key()).ok());
  return ring;
}

constexpr std::int64_t kMondayNine = 1795424400;  // 2026-11-23T09:00:00Z
const std::string kHash = chain_hash(kGenesisHash, R"({"seq":1})");

TEST(Checkpoint, MessageIsVersionSeqAndHashOnLines) {
  EXPECT_EQ(checkpoint_message(120, kHash), "docket-checkpoint-v1\n120\n" + kHash + "\n");
  EXPECT_EQ(checkpoint_message(18446744073709551615u, "h"), "docket-checkpoint-v1\n18446744073709551615\nh\n");
}

TEST(Checkpoint, SignedCheckpointVerifies) {
  SigningKey key = new_key();
  Checkpoint checkpoint = sign_checkpoint(key, 120, kHash, kMondayNine);
  EXPECT_EQ(checkpoint.seq, 120u);
  EXPECT_EQ(checkpoint.hash, kHash);
  EXPECT_EQ(checkpoint.at, kMondayNine);
  EXPECT_EQ(checkpoint.key_id, key.key_id());
  EXPECT_TRUE(key.verify_key().verify(checkpoint_message(120, kHash), checkpoint.signature));
  Status verified = verify_checkpoint(checkpoint, ring_of(key));
  EXPECT_TRUE(verified.ok()) << verified.error();
}

TEST(Checkpoint, ChangingSeqOrHashBreaksTheSignature) {
  SigningKey key = new_key();
  KeyRing ring = ring_of(key);
  Checkpoint checkpoint = sign_checkpoint(key, 120, kHash, kMondayNine);

  Checkpoint other_seq = checkpoint;
  other_seq.seq = 121;
  Status verified = verify_checkpoint(other_seq, ring);
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error(), "checkpoint at seq 121: bad signature");

  Checkpoint other_hash = checkpoint;
  other_hash.hash = chain_hash(kGenesisHash, R"({"seq":2})");
  verified = verify_checkpoint(other_hash, ring);
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error(), "checkpoint at seq 120: bad signature");

  Checkpoint other_signature = checkpoint;
  other_signature.signature[0] = other_signature.signature[0] == '0' ? '1' : '0';
  EXPECT_EQ(verify_checkpoint(other_signature, ring).error(), "checkpoint at seq 120: bad signature");

  Checkpoint no_signature = checkpoint;
  no_signature.signature.clear();
  EXPECT_EQ(verify_checkpoint(no_signature, ring).error(), "checkpoint at seq 120: bad signature");
}

TEST(Checkpoint, TheTimeIsNotSigned) {
  SigningKey key = new_key();
  Checkpoint checkpoint = sign_checkpoint(key, 7, kHash, kMondayNine);
  checkpoint.at += 3600;
  EXPECT_TRUE(verify_checkpoint(checkpoint, ring_of(key)).ok());
}

TEST(Checkpoint, UnknownKeyIdIsNamed) {
  SigningKey store_key = new_key();
  SigningKey auditor_key = new_key();
  Checkpoint checkpoint = sign_checkpoint(store_key, 120, kHash, kMondayNine);
  Status verified = verify_checkpoint(checkpoint, ring_of(auditor_key));
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.error(), "checkpoint at seq 120: signed by unknown key id " + store_key.key_id());
  EXPECT_EQ(verify_checkpoint(checkpoint, KeyRing()).error(),
            "checkpoint at seq 120: signed by unknown key id " + store_key.key_id());

  // Claiming a trusted key's id does not help a signature by another key.
  checkpoint.key_id = auditor_key.key_id();
  EXPECT_EQ(verify_checkpoint(checkpoint, ring_of(auditor_key)).error(), "checkpoint at seq 120: bad signature");
}

TEST(Checkpoint, JsonIsOneCanonicalLine) {
  Checkpoint checkpoint = sign_checkpoint(fixed_key(), 120, kHash, kMondayNine);
  EXPECT_EQ(encode_checkpoint(checkpoint), R"({"seq":120,"hash":")" + kHash +
                                               R"(","at":"2026-11-23T09:00:00Z","key_id":"21fe31dfa154a261",)"
                                               R"("signature":")" +
                                               checkpoint.signature + R"("})");
}

TEST(Checkpoint, JsonRoundTrip) {
  SigningKey key = new_key();
  for (std::uint64_t seq : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{18446744073709551615u}}) {
    Checkpoint checkpoint = sign_checkpoint(key, seq, kHash, kMondayNine);
    std::string line = encode_checkpoint(checkpoint);
    Result<Checkpoint> decoded = decode_checkpoint(line);
    ASSERT_TRUE(decoded.ok()) << decoded.error();
    EXPECT_EQ(decoded.value(), checkpoint);
    EXPECT_EQ(encode_checkpoint(decoded.value()), line);
    EXPECT_TRUE(verify_checkpoint(decoded.value(), ring_of(key)).ok());
  }
  Result<Checkpoint> with_newline = decode_checkpoint(encode_checkpoint(sign_checkpoint(key, 5, kHash, 0)) + "\n");
  ASSERT_TRUE(with_newline.ok()) << with_newline.error();
  EXPECT_EQ(with_newline->at, 0);
}

// The canonical line with member `name`'s value text replaced by `value`.
std::string with_member(const std::string& name, const std::string& value) {
  std::string members[][2] = {{"seq", "120"},
                              {"hash", "\"" + kHash + "\""},
                              {"at", "\"2026-11-23T09:00:00Z\""},
                              {"key_id", "\"21fe31dfa154a261\""},
                              {"signature", "\"" + std::string(128, 'a') + "\""}};
  std::string line = "{";
  for (auto& [key, text] : members) {
    if (line.size() > 1) line += ',';
    line += "\"" + key + "\":" + (key == name ? value : text);
  }
  return line + "}";
}

std::string decode_error(const std::string& text) {
  Result<Checkpoint> decoded = decode_checkpoint(text);
  return decoded.ok() ? std::string("(accepted)") : decoded.error();
}

TEST(Checkpoint, DecodeAcceptsOnlyTheCanonicalForm) {
  ASSERT_EQ(decode_error(with_member("", "")), "(accepted)");

  EXPECT_THAT(decode_error("{\"seq\":"), HasSubstr("not JSON: "));
  EXPECT_THAT(decode_error(""), HasSubstr("not JSON: "));
  EXPECT_THAT(decode_error(with_member("", "") + "x"), HasSubstr("not JSON: "));
  EXPECT_EQ(decode_error("[1]"), "not a JSON object, got an array");
  EXPECT_EQ(decode_error(with_member("", "") + "\n" + with_member("", "")).substr(0, 10), "not JSON: ");

  std::string line = with_member("", "");
  EXPECT_EQ(decode_error(line.substr(0, line.size() - 1) + R"(,"note":"x"})"), "unknown member `note`");
  EXPECT_THAT(decode_error(line.substr(0, line.size() - 1) + R"(,"seq":1})"), HasSubstr("duplicate key `seq`"));
  EXPECT_EQ(decode_error(R"({"seq":1})"), "missing `hash`");
  std::string without_at = line;
  without_at.erase(without_at.find(R"("at":)"), std::string(R"("at":"2026-11-23T09:00:00Z",)").size());
  EXPECT_EQ(decode_error(without_at), "missing `at`");

  EXPECT_EQ(decode_error(with_member("seq", "\"120\"")), "`seq` must be a whole number, got \"120\"");
  EXPECT_EQ(decode_error(with_member("seq", "-1")), "`seq` must be a whole number, got -1");
  EXPECT_EQ(decode_error(with_member("seq", "1.0")), "`seq` must be a whole number, got 1.0");
  EXPECT_EQ(decode_error(with_member("seq", "1e3")), "`seq` must be a whole number, got 1e3");
  EXPECT_EQ(decode_error(with_member("seq", "0120")).substr(0, 10), "not JSON: ");  // JSON forbids it already
  EXPECT_EQ(decode_error(with_member("seq", "18446744073709551616")),
            "`seq` must be a whole number, got 18446744073709551616");
  EXPECT_EQ(decode_error(with_member("seq", "null")), "`seq` must be a whole number, got null");

  EXPECT_EQ(decode_error(with_member("hash", "\"" + kHash.substr(1) + "\"")),
            "`hash` must be 64 lowercase hex digits, got \"" + kHash.substr(1) + "\"");
  std::string upper = kHash;
  upper[0] = 'A';
  EXPECT_THAT(decode_error(with_member("hash", "\"" + upper + "\"")),
              HasSubstr("`hash` must be 64 lowercase hex digits"));
  EXPECT_EQ(decode_error(with_member("hash", "7")), "`hash` must be 64 lowercase hex digits, got 7");

  for (const char* at : {"\"2026-11-23T17:00:00+08:00\"", "\"2026-11-23\"", "\"2026-11-23 09:00:00Z\"",
                         "\"2026-11-23T09:00Z\"", "\"2026-02-30T09:00:00Z\"", "\"yesterday\"", "1795424400"}) {
    EXPECT_EQ(decode_error(with_member("at", at)),
              std::string("`at` must be a UTC time such as 2026-11-23T09:00:00Z, got ") + at);
  }

  EXPECT_EQ(decode_error(with_member("key_id", "\"21fe31dfa154a26\"")),
            "`key_id` must be 16 lowercase hex digits, got \"21fe31dfa154a26\"");
  EXPECT_EQ(decode_error(with_member("signature", "\"" + std::string(127, 'a') + "\"")),
            "`signature` must be 128 lowercase hex digits, got \"" + std::string(127, 'a') + "\"");
  EXPECT_EQ(decode_error(with_member("signature", "\"" + std::string(128, 'A') + "\"")),
            "`signature` must be 128 lowercase hex digits, got \"" + std::string(128, 'A') + "\"");
}

TEST(Checkpoint, DecodesAFileOfLinesWithLineNumbersInErrors) {
  SigningKey key = new_key();
  std::string text = encode_checkpoint(sign_checkpoint(key, 100, kHash, kMondayNine)) + "\n\n" +
                     encode_checkpoint(sign_checkpoint(key, 200, kHash, kMondayNine + 60)) + "\r\n";
  Result<std::vector<Checkpoint>> decoded = decode_checkpoints(text, "checkpoints.jsonl");
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  ASSERT_EQ(decoded->size(), 2u);
  EXPECT_EQ(decoded.value()[0].seq, 100u);
  EXPECT_EQ(decoded.value()[1].seq, 200u);

  Result<std::vector<Checkpoint>> empty = decode_checkpoints("", "checkpoints.jsonl");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());

  Result<std::vector<Checkpoint>> broken = decode_checkpoints(text + R"({"seq":3})" + "\n", "checkpoints.jsonl");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error(), "checkpoints.jsonl:4: missing `hash`");

  std::string path = ::testing::TempDir() + std::to_string(getpid()) + "_checkpoints.jsonl";
  std::ofstream(path, std::ios::binary) << text;
  Result<std::vector<Checkpoint>> loaded = load_checkpoints(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_EQ(loaded.value(), decoded.value());
  std::string missing = ::testing::TempDir() + "no_such_dir_docket/checkpoints.jsonl";
  EXPECT_EQ(load_checkpoints(missing).error(), missing + ": cannot read: No such file or directory");
}

}  // namespace
}  // namespace docket::engine::testing
