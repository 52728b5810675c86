#include "engine/model/digest.h"

#include <openssl/evp.h>

#include <memory>

namespace docket::engine {
namespace {

struct DigestContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

}  // namespace

std::string lowercase_hex(std::span<const unsigned char> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (unsigned char byte : bytes) {
    hex += kDigits[byte >> 4];
    hex += kDigits[byte & 0xf];
  }
  return hex;
}

bool is_lowercase_hex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string sha256_hex(std::string_view bytes) { return sha256_hex(std::span<const std::string_view>(&bytes, 1)); }

std::string sha256_hex(std::span<const std::string_view> pieces) {
  std::unique_ptr<EVP_MD_CTX, DigestContextDeleter> context(EVP_MD_CTX_new());
  if (context == nullptr) return {};
  bool ok = EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) == 1;
  for (std::string_view piece : pieces) {
    ok = ok && EVP_DigestUpdate(context.get(), piece.data(), piece.size()) == 1;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  ok = ok && EVP_DigestFinal_ex(context.get(), digest, &digest_size) == 1;
  if (!ok) return {};
  return lowercase_hex(std::span<const unsigned char>(digest, digest_size));
}

}  // namespace docket::engine
