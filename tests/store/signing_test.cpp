#include "engine/store/signing.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace docket::engine::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::vector<std::uint8_t> from_hex(std::string_view hex) {
  std::vector<std::uint8_t> bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return bytes;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (std::uint8_t byte : bytes) {
    hex += kDigits[byte >> 4];
    hex += kDigits[byte & 0xf];
  }
  return hex;
}

// RFC 8032, section 7.1, TEST 1 and TEST 2.
constexpr std::string_view kSecret1 = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr std::string_view kPublic1 = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr std::string_view kSignature1 =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe2465"
    "5141438e7a100b";
constexpr std::string_view kSecret2 = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
constexpr std::string_view kPublic2 = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
constexpr std::string_view kSignature2 =
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aee"
    "b00d291612bb0c00";
// SHA-256 of kPublic1's 32 bytes, first 16 hex digits.
constexpr std::string_view kKeyId1 = "21fe31dfa154a261";

// TEST 1's key as OpenSSL writes it: PKCS#8 and SubjectPublicKeyInfo.
constexpr std::string_view kPrivatePem1 =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n";
constexpr std::string_view kPublicPem1 =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
    "-----END PUBLIC KEY-----\n";

// Keys of other kinds and forms, made with `openssl genpkey`.
constexpr std::string_view kEcPrivatePem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgIOBpvj8/rMAmCkf/\n"
    "gES7XVN0DUdF99z+3FxFDVbPCaahRANCAATBS3mKVlMfTecuGtlUGMsb7EXMLV01\n"
    "O59iQvG1lXHsRw9MZahDYPraOrWkTbZfmtvE3J6tyQpwHvINVkq8VJJr\n"
    "-----END PRIVATE KEY-----\n";
constexpr std::string_view kEcPublicPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEwUt5ilZTH03nLhrZVBjLG+xFzC1d\n"
    "NTufYkLxtZVx7EcPTGWoQ2D62jq1pE22X5rbxNyerckKcB7yDVZKvFSSaw==\n"
    "-----END PUBLIC KEY-----\n";
constexpr std::string_view kX25519PrivatePem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VuBCIEILgxqK7+oRf1c5lwUQ2oSkZY9lIo35r6EmCR9fEGuJpM\n"
    "-----END PRIVATE KEY-----\n";
constexpr std::string_view kEncryptedPem =
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
    "MIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAgjlrhCy1Z+0gICCAAw\n"
    "DAYIKoZIhvcNAgkFADAdBglghkgBZQMEAQIEEI1dVhbWN8+cQXA9eJ+N6RwEQDrs\n"
    "ITaw5iguH7bU3Jx99KCmkZ8JFxLtg4yPseU/0PD5hxmdRdo/sOzz407fgSstmZs8\n"
    "Sh6Ek1PEBR5/tQ45n9w=\n"
    "-----END ENCRYPTED PRIVATE KEY-----\n";

SigningKey rfc_key(std::string_view secret_hex) {
  Result<SigningKey> key = SigningKey::from_raw(from_hex(secret_hex));
  EXPECT_TRUE(key.ok()) << key.error();
  return std::move(key).value();
}

SigningKey new_key() {
  Result<SigningKey> key = SigningKey::generate();
  EXPECT_TRUE(key.ok()) << key.error();
  return std::move(key).value();
}

std::string temp_file(const std::string& name, std::string_view text) {
  std::string path = ::testing::TempDir() + std::to_string(getpid()) + "_" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// A signature with one bit changed: hex digit `index` xor `bit`.
std::string flip(std::string signature, std::size_t index, int bit) {
  static constexpr char kDigits[] = "0123456789abcdef";
  int value = signature[index] <= '9' ? signature[index] - '0' : signature[index] - 'a' + 10;
  signature[index] = kDigits[value ^ bit];
  return signature;
}

TEST(SigningKey, Rfc8032TestVectorOne) {
  SigningKey key = rfc_key(kSecret1);
  EXPECT_EQ(to_hex(key.verify_key().raw()), kPublic1);
  EXPECT_EQ(key.sign(""), kSignature1);
  EXPECT_TRUE(key.verify_key().verify("", kSignature1));
  EXPECT_EQ(key.key_id(), kKeyId1);
}

TEST(SigningKey, Rfc8032TestVectorTwo) {
  SigningKey key = rfc_key(kSecret2);
  EXPECT_EQ(to_hex(key.verify_key().raw()), kPublic2);
  EXPECT_EQ(key.sign("\x72"), kSignature2);
  Result<VerifyKey> public_key = VerifyKey::from_raw(from_hex(kPublic2));
  ASSERT_TRUE(public_key.ok()) << public_key.error();
  EXPECT_TRUE(public_key->verify("\x72", kSignature2));
  EXPECT_FALSE(public_key->verify("", kSignature2));
}

TEST(SigningKey, KeyIdIsTheStartOfTheSha256OfTheRawPublicKey) {
  Result<VerifyKey> public_key = VerifyKey::from_raw(from_hex(kPublic1));
  ASSERT_TRUE(public_key.ok()) << public_key.error();
  EXPECT_EQ(public_key->key_id(), kKeyId1);
  EXPECT_TRUE(is_key_id(public_key->key_id()));
  EXPECT_FALSE(is_key_id("21FE31DFA154A261"));
  EXPECT_FALSE(is_key_id("21fe31dfa154a26"));
}

TEST(SigningKey, SignAndVerifyRoundTrip) {
  SigningKey key = new_key();
  std::string message = "docket-checkpoint-v1\n42\n" + std::string(64, 'c') + "\n";
  std::string signature = key.sign(message);
  EXPECT_EQ(signature.size(), kSignatureHexLength);
  EXPECT_EQ(signature.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(key.sign(message), signature);  // Ed25519 is deterministic
  EXPECT_TRUE(key.verify_key().verify(message, signature));
}

TEST(SigningKey, AFlippedBitInTheMessageFails) {
  SigningKey key = new_key();
  std::string message = "docket-checkpoint-v1\n42\n" + std::string(64, 'c') + "\n";
  std::string signature = key.sign(message);
  for (std::size_t i = 0; i < message.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string changed = message;
      changed[i] = static_cast<char>(changed[i] ^ (1 << bit));
      ASSERT_FALSE(key.verify_key().verify(changed, signature)) << "byte " << i << " bit " << bit;
    }
  }
  EXPECT_FALSE(key.verify_key().verify(message + "\n", signature));
  EXPECT_FALSE(key.verify_key().verify(message.substr(1), signature));
}

TEST(SigningKey, AFlippedBitInTheSignatureFails) {
  SigningKey key = rfc_key(kSecret1);
  std::string signature(kSignature1);
  for (std::size_t i = 0; i < signature.size(); ++i) {
    for (int bit : {1, 2, 4, 8}) {
      ASSERT_FALSE(key.verify_key().verify("", flip(signature, i, bit))) << "digit " << i << " bit " << bit;
    }
  }
}

TEST(SigningKey, AnotherKeysSignatureFails) {
  SigningKey one = new_key();
  SigningKey other = new_key();
  EXPECT_NE(one.key_id(), other.key_id());
  EXPECT_FALSE(other.verify_key().verify("message", one.sign("message")));
}

TEST(VerifyKey, MalformedSignaturesAreFalseNotACrash) {
  VerifyKey key = rfc_key(kSecret1).verify_key();
  std::string good(kSignature1);
  std::string upper = good;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string with_nul = good;
  with_nul[10] = '\0';
  for (const std::string& bad : {std::string(), good.substr(1), good + "0", good.substr(0, 64), upper,
                                 "g" + good.substr(1), with_nul, std::string(128, ' '), std::string(128, 'f')}) {
    EXPECT_FALSE(key.verify("", bad)) << bad;
  }
  EXPECT_TRUE(key.verify("", good));
}

TEST(SigningKey, PemRoundTrip) {
  SigningKey key = new_key();
  std::string private_pem = key.to_pem();
  std::string public_pem = key.verify_key().to_pem();
  EXPECT_THAT(private_pem, StartsWith("-----BEGIN PRIVATE KEY-----\n"));
  EXPECT_THAT(public_pem, StartsWith("-----BEGIN PUBLIC KEY-----\n"));
  Result<SigningKey> reloaded = SigningKey::from_pem(private_pem, "test");
  ASSERT_TRUE(reloaded.ok()) << reloaded.error();
  EXPECT_EQ(reloaded->key_id(), key.key_id());
  EXPECT_EQ(reloaded->sign("m"), key.sign("m"));
  Result<VerifyKey> reloaded_public = VerifyKey::from_pem(public_pem, "test");
  ASSERT_TRUE(reloaded_public.ok()) << reloaded_public.error();
  EXPECT_EQ(reloaded_public.value(), key.verify_key());
  EXPECT_TRUE(reloaded_public->verify("m", key.sign("m")));
}

TEST(SigningKey, ReadsAndWritesPemAsOpenSslDoes) {
  Result<SigningKey> key = SigningKey::from_pem(kPrivatePem1, "test");
  ASSERT_TRUE(key.ok()) << key.error();
  EXPECT_EQ(key->sign(""), kSignature1);
  EXPECT_EQ(key->to_pem(), kPrivatePem1);
  EXPECT_EQ(key->verify_key().to_pem(), kPublicPem1);
  Result<VerifyKey> public_key = VerifyKey::from_pem(kPublicPem1, "test");
  ASSERT_TRUE(public_key.ok()) << public_key.error();
  EXPECT_EQ(public_key->key_id(), kKeyId1);
}

TEST(SigningKey, CopiesShareTheKeyAndOutliveTheOriginal) {
  std::optional<SigningKey> original = rfc_key(kSecret1);
  SigningKey copy = *original;
  VerifyKey public_copy = original->verify_key();
  original.reset();
  EXPECT_EQ(copy.sign(""), kSignature1);
  EXPECT_TRUE(public_copy.verify("", kSignature1));
}

TEST(SigningKey, WrongTextsSayWhatTheyAre) {
  auto error_of = [](std::string_view pem) {
    Result<SigningKey> key = SigningKey::from_pem(pem, "keys/audit.key");
    return key.ok() ? std::string("(accepted)") : key.error();
  };
  const std::string head = "keys/audit.key: not an Ed25519 private key (";
  EXPECT_EQ(error_of(kPublicPem1), head + "it is a public key)");
  EXPECT_EQ(error_of(""), head + "no PEM block found)");
  EXPECT_EQ(error_of("hello\n"), head + "no PEM block found)");
  EXPECT_EQ(error_of(kEcPrivatePem), head + "it is a key of type EC)");
  EXPECT_EQ(error_of(kX25519PrivatePem), head + "it is a key of type X25519)");
  EXPECT_EQ(error_of(kEncryptedPem), head + "it is encrypted; docket reads unencrypted PKCS#8 keys)");
  EXPECT_EQ(error_of("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
            head + "the PRIVATE KEY block does not decode)");
  EXPECT_EQ(error_of("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
            head + "it holds a PEM \"CERTIFICATE\" block)");
}

TEST(VerifyKey, APrivateKeyIsRefusedForVerification) {
  Result<VerifyKey> key = VerifyKey::from_pem(kPrivatePem1, "keys/audit.key");
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error(),
            "keys/audit.key: not an Ed25519 public key (it is a private key; verification needs only the public key "
            "file)");
  Result<VerifyKey> ec = VerifyKey::from_pem(kEcPublicPem, "auditor.pub");
  ASSERT_FALSE(ec.ok());
  EXPECT_EQ(ec.error(), "auditor.pub: not an Ed25519 public key (it is a key of type EC)");
}

TEST(SigningKey, RawKeysHaveThirtyTwoBytes) {
  std::vector<std::uint8_t> short_key = from_hex(kSecret1);
  short_key.pop_back();
  Result<SigningKey> key = SigningKey::from_raw(short_key);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error(), "an Ed25519 private key has 32 bytes, not 31");
  Result<VerifyKey> public_key = VerifyKey::from_raw(std::vector<std::uint8_t>(33, 1));
  ASSERT_FALSE(public_key.ok());
  EXPECT_EQ(public_key.error(), "an Ed25519 public key has 32 bytes, not 33");
}

// A private key that others can read may have been copied: like ssh,
// docket refuses to sign with it, and says how to fix it.
TEST(SigningKey, APrivateKeyOthersCanReadIsRefused) {
  namespace fs = std::filesystem;
  std::string path = temp_file("signing_loose.key", kPrivatePem1);
  for (fs::perms loose : {fs::perms::group_read, fs::perms::others_read, fs::perms::group_write}) {
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write | loose);
    Result<SigningKey> key = SigningKey::load(path);
    ASSERT_FALSE(key.ok());
    EXPECT_THAT(key.error(), StartsWith(path + ": the private key can be read by others (mode 0"));
    EXPECT_THAT(key.error(), HasSubstr("): chmod 600 " + path));
  }
  fs::permissions(path, fs::perms::owner_read);
  EXPECT_TRUE(SigningKey::load(path).ok());
  // The public half may be read from it by anyone who holds the file.
  fs::permissions(path, fs::perms::owner_read | fs::perms::others_read);
  EXPECT_TRUE(load_public_half(path).ok());
}

TEST(SigningKey, LoadsFilesAndNamesThemInErrors) {
  std::string private_path = temp_file("signing_audit.key", kPrivatePem1);
  std::string public_path = temp_file("signing_audit.pub", kPublicPem1);
  namespace fs = std::filesystem;
  fs::permissions(private_path, fs::perms::owner_read | fs::perms::owner_write);
  Result<SigningKey> key = SigningKey::load(private_path);
  ASSERT_TRUE(key.ok()) << key.error();
  EXPECT_EQ(key->key_id(), kKeyId1);
  Result<VerifyKey> public_key = VerifyKey::load(public_path);
  ASSERT_TRUE(public_key.ok()) << public_key.error();
  EXPECT_EQ(public_key->key_id(), kKeyId1);

  Result<SigningKey> swapped = SigningKey::load(public_path);
  ASSERT_FALSE(swapped.ok());
  EXPECT_EQ(swapped.error(), public_path + ": not an Ed25519 private key (it is a public key)");
  Result<VerifyKey> swapped_public = VerifyKey::load(private_path);
  ASSERT_FALSE(swapped_public.ok());
  EXPECT_THAT(swapped_public.error(), StartsWith(private_path + ": not an Ed25519 public key (it is a private key"));

  std::string missing = ::testing::TempDir() + "no_such_dir_docket/audit.key";
  Result<SigningKey> absent = SigningKey::load(missing);
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.error(), missing + ": cannot read: No such file or directory");
  Result<VerifyKey> directory = VerifyKey::load(::testing::TempDir());
  ASSERT_FALSE(directory.ok());
  EXPECT_THAT(directory.error(), HasSubstr(": not a regular file"));
  Result<SigningKey> huge = SigningKey::load(temp_file("signing_huge.key", std::string(100 * 1024, 'A')));
  ASSERT_FALSE(huge.ok());
  EXPECT_THAT(huge.error(), HasSubstr(": too large for a key file"));
}

TEST(LoadPublicHalf, EitherFileOfAPairGivesThePublicKey) {
  std::string private_path = temp_file("half_audit.key", kPrivatePem1);
  std::string public_path = temp_file("half_audit.pub", kPublicPem1);
  for (const std::string& path : {private_path, public_path}) {
    Result<VerifyKey> key = load_public_half(path);
    ASSERT_TRUE(key.ok()) << key.error();
    EXPECT_EQ(key->key_id(), kKeyId1);
    EXPECT_TRUE(key->verify("", kSignature1));
  }
  std::string other = temp_file("half_other.key", kEcPrivatePem);
  Result<VerifyKey> ec = load_public_half(other);
  ASSERT_FALSE(ec.ok());
  EXPECT_EQ(ec.error(), other + ": not an Ed25519 private key (it is a key of type EC)");
  std::string text = temp_file("half_text.key", "not a key\n");
  Result<VerifyKey> garbage = load_public_half(text);
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error(), text + ": not an Ed25519 key (no PEM block found)");
}

TEST(KeyRing, FindsKeysById) {
  SigningKey one = rfc_key(kSecret1);
  SigningKey two = rfc_key(kSecret2);
  KeyRing ring;
  EXPECT_TRUE(ring.empty());
  ASSERT_TRUE(ring.add(one.verify_key()).ok());
  ASSERT_TRUE(ring.add(two.verify_key()).ok());
  ASSERT_TRUE(ring.add(one.verify_key()).ok());  // again: nothing changes
  EXPECT_EQ(ring.size(), 2u);
  ASSERT_NE(ring.find(one.key_id()), nullptr);
  EXPECT_EQ(*ring.find(one.key_id()), one.verify_key());
  EXPECT_EQ(*ring.find(two.key_id()), two.verify_key());
  EXPECT_EQ(ring.find("0000000000000000"), nullptr);
  EXPECT_EQ(ring.find(""), nullptr);
  std::vector<std::string> ids = {one.key_id(), two.key_id()};
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ring.key_ids(), ids);
}

TEST(KeyRing, LoadsPublicKeyFilesAndRefusesPrivateOnes) {
  std::vector<std::filesystem::path> files = {temp_file("ring_1.pub", kPublicPem1),
                                              temp_file("ring_2.pub", rfc_key(kSecret2).verify_key().to_pem())};
  Result<KeyRing> ring = KeyRing::load(files);
  ASSERT_TRUE(ring.ok()) << ring.error();
  EXPECT_EQ(ring->size(), 2u);
  EXPECT_NE(ring->find(kKeyId1), nullptr);

  files.push_back(temp_file("ring_3.key", kPrivatePem1));
  Result<KeyRing> with_private = KeyRing::load(files);
  ASSERT_FALSE(with_private.ok());
  EXPECT_THAT(with_private.error(), StartsWith(files.back().string() + ": not an Ed25519 public key"));
}

TEST(SigningKey, FailuresLeaveNoOpenSslErrorsBehind) {
  ERR_clear_error();
  EXPECT_FALSE(SigningKey::from_pem(kPublicPem1, "x").ok());
  EXPECT_FALSE(SigningKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "x").ok());
  EXPECT_FALSE(VerifyKey::from_pem("garbage", "x").ok());
  EXPECT_FALSE(SigningKey::from_pem(kEncryptedPem, "x").ok());
  EXPECT_FALSE(rfc_key(kSecret1).verify_key().verify("", flip(std::string(kSignature1), 0, 1)));
  EXPECT_EQ(ERR_peek_error(), 0u);
}

}  // namespace
}  // namespace docket::engine::testing
