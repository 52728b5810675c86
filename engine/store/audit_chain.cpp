#include "engine/store/audit_chain.h"

#include <openssl/evp.h>

#include <cassert>
#include <memory>

namespace docket::engine {
namespace {

constexpr std::string_view kPrevHashField = R"(,"prev_hash":")";
constexpr std::string_view kHashField = R"(","hash":")";
constexpr std::string_view kSuffixEnd = R"("})";

struct DigestContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

std::string lowercase_hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    hex += kDigits[bytes[i] >> 4];
    hex += kDigits[bytes[i] & 0xf];
  }
  return hex;
}

}  // namespace

bool is_hash(std::string_view text) {
  if (text.size() != kHashLength) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string chain_hash(std::string_view prev_hash, std::string_view body) {
  std::unique_ptr<EVP_MD_CTX, DigestContextDeleter> context(EVP_MD_CTX_new());
  if (context == nullptr) return {};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  bool ok = EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) == 1 &&
            EVP_DigestUpdate(context.get(), prev_hash.data(), prev_hash.size()) == 1 &&
            EVP_DigestUpdate(context.get(), body.data(), body.size()) == 1 &&
            EVP_DigestFinal_ex(context.get(), digest, &digest_size) == 1;
  if (!ok) return {};
  return lowercase_hex(digest, digest_size);
}

std::string chained_line(std::string_view body, std::string_view prev_hash, std::string_view hash) {
  assert(!body.empty() && body.back() == '}');
  assert(is_hash(prev_hash) && is_hash(hash));
  std::string line;
  line.reserve(body.size() + kPrevHashField.size() + prev_hash.size() + kHashField.size() + hash.size() +
               kSuffixEnd.size() - 1);
  line.append(body.substr(0, body.empty() ? 0 : body.size() - 1));
  line.append(kPrevHashField);
  line.append(prev_hash);
  line.append(kHashField);
  line.append(hash);
  line.append(kSuffixEnd);
  return line;
}

Result<ChainedLine> split_chained_line(std::string_view line) {
  using R = Result<ChainedLine>;
  if (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    return R::failure("line ends with a line break");
  }
  std::size_t field = line.rfind(kPrevHashField);
  if (field == std::string_view::npos) return R::failure("no hash suffix");

  std::string_view rest = line.substr(field + kPrevHashField.size());
  std::string_view prev_hash = rest.substr(0, rest.find('"'));
  if (!is_hash(prev_hash)) return R::failure("prev_hash is not 64 lowercase hex digits");
  rest.remove_prefix(prev_hash.size());
  if (!rest.starts_with(kHashField)) return R::failure("no hash field after prev_hash");
  rest.remove_prefix(kHashField.size());
  std::string_view hash = rest.substr(0, rest.find('"'));
  if (!is_hash(hash)) return R::failure("hash is not 64 lowercase hex digits");
  rest.remove_prefix(hash.size());
  if (rest != kSuffixEnd) return R::failure("hash not followed by `\"}` at the end of the line");

  std::string_view body_without_brace = line.substr(0, field);
  if (!body_without_brace.starts_with('{')) return R::failure("no record before the hash suffix");
  ChainedLine split;
  split.body.reserve(body_without_brace.size() + 1);
  split.body.append(body_without_brace);
  split.body += '}';
  split.prev_hash = std::string(prev_hash);
  split.hash = std::string(hash);
  return R::success(std::move(split));
}

}  // namespace docket::engine
