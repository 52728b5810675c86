// Ed25519 keys: the store signs checkpoints of the journal's hash chain with a
// SigningKey; an auditor checks them with the VerifyKeys in a KeyRing.
//
// Files are PEM, as OpenSSL and every other tool writes them: a private key
// is an unencrypted PKCS#8 "PRIVATE KEY" block (keep it mode 0600; `docket
// keys new` creates it so), a public key a SubjectPublicKeyInfo "PUBLIC KEY"
// block. A key is named by its key id: the first 16 lowercase hex characters
// of the SHA-256 of the raw 32-byte public key, so the private key and the
// public key of one pair have the same id.
//
// Verification takes public keys only: VerifyKey refuses a private key file
// with a message that says so, because an auditor should never need to hold
// the store's private key. Tools that only name a key (`docket keys id`) use
// load_public_half, which accepts either file of a pair.
//
// Keys are immutable values, cheap to copy (copies share the OpenSSL key).
// Nothing here throws; failures are Results whose messages start with the
// file (or the `origin` given for text): "keys/audit.key: not an Ed25519
// private key (it is a public key)".

#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/result.h"

namespace docket::engine {

// An Ed25519 signature as text: 128 lowercase hex characters (64 bytes).
inline constexpr std::size_t kSignatureHexLength = 128;
// A key id: 16 lowercase hex characters.
inline constexpr std::size_t kKeyIdLength = 16;

// True for exactly kKeyIdLength characters from [0-9a-f].
bool is_key_id(std::string_view text);

// The public half of a key pair: checks signatures.
class VerifyKey {
 public:
  // From the 32 raw bytes of an Ed25519 public key (RFC 8032, section 5.1.5).
  static Result<VerifyKey> from_raw(std::span<const std::uint8_t> public_key);
  // From PEM text holding a "PUBLIC KEY" block. `origin` names the text in
  // messages (a file name, "--key").
  static Result<VerifyKey> from_pem(std::string_view pem, std::string_view origin);
  static Result<VerifyKey> load(const std::filesystem::path& file);

  // The "PUBLIC KEY" PEM block, ending in a newline.
  std::string to_pem() const;
  // The 32 raw bytes.
  std::span<const std::uint8_t> raw() const;
  const std::string& key_id() const;

  // True when `signature_hex` (128 lowercase hex characters) is this key's
  // signature of exactly `message`. False for anything else, including
  // malformed or uppercase hex and signatures of the wrong length.
  bool verify(std::string_view message, std::string_view signature_hex) const;

  // Same key.
  friend bool operator==(const VerifyKey& a, const VerifyKey& b);

 private:
  struct Key;
  explicit VerifyKey(std::shared_ptr<const Key> key) : key_(std::move(key)) {}
  std::shared_ptr<const Key> key_;
};

// The private half: signs. Holds its VerifyKey too.
class SigningKey {
 public:
  // A new key pair from the operating system's random source.
  static Result<SigningKey> generate();
  // From the 32-byte private key (the seed of RFC 8032, section 5.1.5).
  static Result<SigningKey> from_raw(std::span<const std::uint8_t> private_key);
  // From PEM text holding an unencrypted PKCS#8 "PRIVATE KEY" block.
  // `origin` names the text in messages.
  static Result<SigningKey> from_pem(std::string_view pem, std::string_view origin);
  static Result<SigningKey> load(const std::filesystem::path& file);

  // The unencrypted PKCS#8 "PRIVATE KEY" PEM block, ending in a newline.
  // Secret: write it only to a file only its owner can read.
  std::string to_pem() const;
  const VerifyKey& verify_key() const { return public_; }
  const std::string& key_id() const { return public_.key_id(); }

  // The Ed25519 signature of `message` as 128 lowercase hex characters.
  // Deterministic: the same key and message give the same signature.
  // Empty only if OpenSSL fails (out of memory).
  std::string sign(std::string_view message) const;

 private:
  struct Key;
  SigningKey(std::shared_ptr<const Key> key, VerifyKey public_key)
      : key_(std::move(key)), public_(std::move(public_key)) {}
  std::shared_ptr<const Key> key_;
  VerifyKey public_;
};

// The public key of a file holding either half of a key pair: a public key
// as it is, or the public key derived from a private key. For naming keys
// (`docket keys id`), not for verification (VerifyKey::load is strict).
Result<VerifyKey> load_public_half(const std::filesystem::path& file);

// The keys an auditor trusts, found by key id. A checkpoint signed by a key
// that is not in the ring is not verified (engine/store/checkpoint.h).
class KeyRing {
 public:
  // Adding a key that is already there does nothing. Fails when a different
  // key has the same id (which takes a deliberate collision of 64 bits).
  Status add(VerifyKey key);
  // Loads each public key file and adds it; the first failure is the result.
  static Result<KeyRing> load(std::span<const std::filesystem::path> files);

  // nullptr when no key has that id.
  const VerifyKey* find(std::string_view key_id) const;
  std::size_t size() const { return keys_.size(); }
  bool empty() const { return keys_.empty(); }
  // Sorted.
  std::vector<std::string> key_ids() const;

 private:
  std::map<std::string, VerifyKey, std::less<>> keys_;
};

}  // namespace docket::engine
