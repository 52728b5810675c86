#include "engine/store/signing.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <array>
#include <climits>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>

#include "engine/model/digest.h"

namespace docket::engine {
namespace {

constexpr std::size_t kRawKeySize = 32;
constexpr std::size_t kSignatureSize = 64;
// A PEM key is a few hundred bytes; anything much larger is not a key file.
constexpr std::uintmax_t kMaxKeyFileSize = 64 * 1024;

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct PkeyContextDeleter {
  void operator()(EVP_PKEY_CTX* context) const { EVP_PKEY_CTX_free(context); }
};
struct DigestContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct OpenSslFree {
  void operator()(void* memory) const { OPENSSL_free(memory); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using PkeyContextPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyContextDeleter>;
using DigestContextPtr = std::unique_ptr<EVP_MD_CTX, DigestContextDeleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

// OpenSSL keeps a per-thread queue of errors; a failed parse leaves entries
// that a later, unrelated caller could mistake for its own. Every failure
// path here empties it.
template <typename T>
Result<T> openssl_failure(std::string message) {
  ERR_clear_error();
  return Result<T>::failure(std::move(message));
}

int hex_digit_value(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

// Never null, even for empty text: some OpenSSL paths dislike (nullptr, 0).
const unsigned char* bytes_of(std::string_view text) {
  static constexpr unsigned char kNothing = 0;
  return text.empty() ? &kNothing : reinterpret_cast<const unsigned char*>(text.data());
}

// Refuses to ask for a pass phrase: without this callback OpenSSL would
// prompt on the terminal for an encrypted key.
int refuse_pass_phrase(char*, int, int, void*) { return -1; }

// The name of the first PEM block in `pem` ("PRIVATE KEY", "PUBLIC KEY",
// "ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY"...), empty when there is none.
std::string first_pem_block_name(std::string_view pem) {
  if (pem.size() > INT_MAX) return {};
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return {};
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long length = 0;
  int read = PEM_read_bio(bio.get(), &name, &header, &data, &length);
  std::unique_ptr<char, OpenSslFree> owned_name(name);
  std::unique_ptr<char, OpenSslFree> owned_header(header);
  std::unique_ptr<unsigned char, OpenSslFree> owned_data(data);
  ERR_clear_error();
  if (read != 1 || name == nullptr) return {};
  return name;
}

// Why a PEM text is not a key of the `wanted` block name: "it is a public
// key", "no PEM block found"...
std::string describe_other_pem(const std::string& block) {
  if (block.empty()) return "no PEM block found";
  if (block == "PUBLIC KEY") return "it is a public key";
  if (block == "PRIVATE KEY") return "it is a private key; verification needs only the public key file";
  if (block == "ENCRYPTED PRIVATE KEY") return "it is encrypted; docket reads unencrypted PKCS#8 keys";
  return "it holds a PEM \"" + block + "\" block";
}

// What kind of key a parsed key is: "it is a key of type RSA".
std::string describe_key_type(EVP_PKEY* key) {
  const char* name = EVP_PKEY_get0_type_name(key);
  return std::string("it is a key of type ") + (name != nullptr ? name : "unknown");
}

Result<PkeyPtr> read_private_pem(std::string_view pem, std::string_view origin) {
  std::string prefix = std::string(origin) + ": not an Ed25519 private key (";
  std::string block = first_pem_block_name(pem);
  if (block != "PRIVATE KEY") return openssl_failure<PkeyPtr>(prefix + describe_other_pem(block) + ")");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return openssl_failure<PkeyPtr>(std::string(origin) + ": out of memory");
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, refuse_pass_phrase, nullptr));
  if (key == nullptr) return openssl_failure<PkeyPtr>(prefix + "the PRIVATE KEY block does not decode)");
  if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    return openssl_failure<PkeyPtr>(prefix + describe_key_type(key.get()) + ")");
  }
  return Result<PkeyPtr>::success(std::move(key));
}

Result<PkeyPtr> read_public_pem(std::string_view pem, std::string_view origin) {
  std::string prefix = std::string(origin) + ": not an Ed25519 public key (";
  std::string block = first_pem_block_name(pem);
  if (block != "PUBLIC KEY") return openssl_failure<PkeyPtr>(prefix + describe_other_pem(block) + ")");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return openssl_failure<PkeyPtr>(std::string(origin) + ": out of memory");
  PkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, refuse_pass_phrase, nullptr));
  if (key == nullptr) return openssl_failure<PkeyPtr>(prefix + "the PUBLIC KEY block does not decode)");
  if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    return openssl_failure<PkeyPtr>(prefix + describe_key_type(key.get()) + ")");
  }
  return Result<PkeyPtr>::success(std::move(key));
}

Result<std::string> read_key_file(const std::filesystem::path& file) {
  using R = Result<std::string>;
  std::string name = file.string();
  std::error_code error;
  std::filesystem::file_status status = std::filesystem::status(file, error);
  if (error) return R::failure(name + ": cannot read: " + error.message());
  if (!std::filesystem::is_regular_file(status)) return R::failure(name + ": not a regular file");
  std::uintmax_t size = std::filesystem::file_size(file, error);
  if (error) return R::failure(name + ": cannot read: " + error.message());
  if (size > kMaxKeyFileSize) return R::failure(name + ": too large for a key file");
  std::ifstream in(file, std::ios::binary);
  if (!in) return R::failure(name + ": cannot read");
  std::string text(std::istreambuf_iterator<char>(in), {});
  if (in.bad()) return R::failure(name + ": cannot read");
  return R::success(std::move(text));
}

std::string pem_of(EVP_PKEY* key, bool private_key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr) return {};
  int written = private_key ? PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr)
                            : PEM_write_bio_PUBKEY(bio.get(), key);
  if (written != 1) {
    ERR_clear_error();
    return {};
  }
  char* data = nullptr;
  long length = BIO_get_mem_data(bio.get(), &data);
  if (length <= 0 || data == nullptr) return {};
  return std::string(data, static_cast<std::size_t>(length));
}

}  // namespace

bool is_key_id(std::string_view text) { return text.size() == kKeyIdLength && is_lowercase_hex(text); }

// ---------------------------------------------------------------- VerifyKey

struct VerifyKey::Key {
  PkeyPtr key;
  std::array<std::uint8_t, kRawKeySize> raw{};
  std::string key_id;

  // Null if OpenSSL cannot give the raw public key (not Ed25519).
  static std::shared_ptr<const Key> adopt(PkeyPtr key) {
    auto adopted = std::make_shared<Key>();
    std::size_t size = adopted->raw.size();
    if (EVP_PKEY_get_raw_public_key(key.get(), adopted->raw.data(), &size) != 1 || size != kRawKeySize) {
      ERR_clear_error();
      return nullptr;
    }
    adopted->key_id =
        sha256_hex(std::string_view(reinterpret_cast<const char*>(adopted->raw.data()), adopted->raw.size()))
            .substr(0, kKeyIdLength);
    if (adopted->key_id.size() != kKeyIdLength) return nullptr;
    adopted->key = std::move(key);
    return adopted;
  }
};

Result<VerifyKey> VerifyKey::from_raw(std::span<const std::uint8_t> public_key) {
  using R = Result<VerifyKey>;
  if (public_key.size() != kRawKeySize) {
    return R::failure("an Ed25519 public key has 32 bytes, not " + std::to_string(public_key.size()));
  }
  PkeyPtr key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), public_key.size()));
  if (key == nullptr) return openssl_failure<VerifyKey>("not an Ed25519 public key");
  std::shared_ptr<const Key> adopted = Key::adopt(std::move(key));
  if (adopted == nullptr) return openssl_failure<VerifyKey>("not an Ed25519 public key");
  return R::success(VerifyKey(std::move(adopted)));
}

Result<VerifyKey> VerifyKey::from_pem(std::string_view pem, std::string_view origin) {
  Result<PkeyPtr> key = read_public_pem(pem, origin);
  if (!key) return Result<VerifyKey>::failure(key.error());
  std::shared_ptr<const Key> adopted = Key::adopt(std::move(key).value());
  if (adopted == nullptr) return openssl_failure<VerifyKey>(std::string(origin) + ": not an Ed25519 public key");
  return Result<VerifyKey>::success(VerifyKey(std::move(adopted)));
}

Result<VerifyKey> VerifyKey::load(const std::filesystem::path& file) {
  Result<std::string> text = read_key_file(file);
  if (!text) return Result<VerifyKey>::failure(text.error());
  return from_pem(text.value(), file.string());
}

std::string VerifyKey::to_pem() const { return pem_of(key_->key.get(), false); }

std::span<const std::uint8_t> VerifyKey::raw() const { return key_->raw; }

const std::string& VerifyKey::key_id() const { return key_->key_id; }

bool VerifyKey::verify(std::string_view message, std::string_view signature_hex) const {
  if (signature_hex.size() != kSignatureHexLength || !is_lowercase_hex(signature_hex)) return false;
  std::array<unsigned char, kSignatureSize> signature{};
  for (std::size_t i = 0; i < signature.size(); ++i) {
    signature[i] = static_cast<unsigned char>(hex_digit_value(signature_hex[2 * i]) * 16 +
                                              hex_digit_value(signature_hex[2 * i + 1]));
  }
  DigestContextPtr context(EVP_MD_CTX_new());
  bool valid =
      context != nullptr && EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, key_->key.get()) == 1 &&
      EVP_DigestVerify(context.get(), signature.data(), signature.size(), bytes_of(message), message.size()) == 1;
  if (!valid) ERR_clear_error();
  return valid;
}

bool operator==(const VerifyKey& a, const VerifyKey& b) { return a.key_->raw == b.key_->raw; }

// ---------------------------------------------------------------- SigningKey

struct SigningKey::Key {
  PkeyPtr key;
};

namespace {

// The public half of a private key.
Result<VerifyKey> public_half(EVP_PKEY* key) {
  std::array<std::uint8_t, kRawKeySize> raw{};
  std::size_t size = raw.size();
  if (EVP_PKEY_get_raw_public_key(key, raw.data(), &size) != 1 || size != raw.size()) {
    return openssl_failure<VerifyKey>("not an Ed25519 key");
  }
  return VerifyKey::from_raw(raw);
}

}  // namespace

Result<SigningKey> SigningKey::generate() {
  using R = Result<SigningKey>;
  PkeyContextPtr context(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
  EVP_PKEY* generated = nullptr;
  bool ok = context != nullptr && EVP_PKEY_keygen_init(context.get()) == 1 &&
            EVP_PKEY_generate(context.get(), &generated) == 1;
  PkeyPtr key(generated);
  if (!ok || key == nullptr) return openssl_failure<SigningKey>("cannot generate an Ed25519 key");
  Result<VerifyKey> public_key = public_half(key.get());
  if (!public_key) return R::failure(public_key.error());
  auto own = std::make_shared<Key>();
  own->key = std::move(key);
  return R::success(SigningKey(std::move(own), std::move(public_key).value()));
}

Result<SigningKey> SigningKey::from_raw(std::span<const std::uint8_t> private_key) {
  using R = Result<SigningKey>;
  if (private_key.size() != kRawKeySize) {
    return R::failure("an Ed25519 private key has 32 bytes, not " + std::to_string(private_key.size()));
  }
  PkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, private_key.data(), private_key.size()));
  if (key == nullptr) return openssl_failure<SigningKey>("not an Ed25519 private key");
  Result<VerifyKey> public_key = public_half(key.get());
  if (!public_key) return R::failure(public_key.error());
  auto own = std::make_shared<Key>();
  own->key = std::move(key);
  return R::success(SigningKey(std::move(own), std::move(public_key).value()));
}

Result<SigningKey> SigningKey::from_pem(std::string_view pem, std::string_view origin) {
  using R = Result<SigningKey>;
  Result<PkeyPtr> key = read_private_pem(pem, origin);
  if (!key) return R::failure(key.error());
  Result<VerifyKey> public_key = public_half(key.value().get());
  if (!public_key) return R::failure(std::string(origin) + ": " + public_key.error());
  auto own = std::make_shared<Key>();
  own->key = std::move(key).value();
  return R::success(SigningKey(std::move(own), std::move(public_key).value()));
}

Result<SigningKey> SigningKey::load(const std::filesystem::path& file) {
  Result<std::string> text = read_key_file(file);
  if (!text) return Result<SigningKey>::failure(text.error());
  Result<SigningKey> key = from_pem(text.value(), file.string());
  OPENSSL_cleanse(text.value().data(), text.value().size());
  if (!key) return key;
  // As ssh does: a private key others can read may have been copied, and
  // checkpoints signed with it would prove nothing.
  namespace fs = std::filesystem;
  std::error_code error;
  fs::perms mode = fs::status(file, error).permissions();
  constexpr fs::perms kOthers = fs::perms::group_all | fs::perms::others_all;
  if (!error && (mode & kOthers) != fs::perms::none) {
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode & fs::perms::mask));
    return Result<SigningKey>::failure(file.string() + ": the private key can be read by others (mode " + octal +
                                       "): chmod 600 " + file.string());
  }
  return key;
}

std::string SigningKey::to_pem() const { return pem_of(key_->key.get(), true); }

std::string SigningKey::sign(std::string_view message) const {
  DigestContextPtr context(EVP_MD_CTX_new());
  std::array<unsigned char, kSignatureSize> signature{};
  std::size_t size = signature.size();
  bool ok = context != nullptr && EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, key_->key.get()) == 1 &&
            EVP_DigestSign(context.get(), signature.data(), &size, bytes_of(message), message.size()) == 1 &&
            size == signature.size();
  if (!ok) {
    ERR_clear_error();
    return {};
  }
  return lowercase_hex(signature);
}

// ---------------------------------------------------------------- load_public_half

Result<VerifyKey> load_public_half(const std::filesystem::path& file) {
  Result<std::string> text = read_key_file(file);
  if (!text) return Result<VerifyKey>::failure(text.error());
  std::string block = first_pem_block_name(text.value());
  if (block == "PRIVATE KEY") {
    Result<SigningKey> key = SigningKey::from_pem(text.value(), file.string());
    OPENSSL_cleanse(text.value().data(), text.value().size());
    if (!key) return Result<VerifyKey>::failure(key.error());
    return Result<VerifyKey>::success(key.value().verify_key());
  }
  if (block == "PUBLIC KEY") return VerifyKey::from_pem(text.value(), file.string());
  return Result<VerifyKey>::failure(file.string() + ": not an Ed25519 key (" + describe_other_pem(block) + ")");
}

// ---------------------------------------------------------------- KeyRing

Status KeyRing::add(VerifyKey key) {
  auto found = keys_.find(key.key_id());
  if (found != keys_.end()) {
    if (found->second == key) return Status::success();
    return Status::failure("key id " + key.key_id() + " names two different keys");
  }
  std::string id = key.key_id();
  keys_.emplace(std::move(id), std::move(key));
  return Status::success();
}

Result<KeyRing> KeyRing::load(std::span<const std::filesystem::path> files) {
  KeyRing ring;
  for (const std::filesystem::path& file : files) {
    Result<VerifyKey> key = VerifyKey::load(file);
    if (!key) return Result<KeyRing>::failure(key.error());
    Status added = ring.add(std::move(key).value());
    if (!added) return Result<KeyRing>::failure(file.string() + ": " + added.error());
  }
  return Result<KeyRing>::success(std::move(ring));
}

const VerifyKey* KeyRing::find(std::string_view key_id) const {
  auto found = keys_.find(key_id);
  return found == keys_.end() ? nullptr : &found->second;
}

std::vector<std::string> KeyRing::key_ids() const {
  std::vector<std::string> ids;
  ids.reserve(keys_.size());
  for (const auto& [id, key] : keys_) ids.push_back(id);
  return ids;
}

}  // namespace docket::engine
