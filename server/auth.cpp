#include "server/auth.h"

#include <openssl/crypto.h>

namespace docket::server {

bool equal_in_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    // Same amount of work as a match, so that a length probe is not cheaper.
    (void)CRYPTO_memcmp(a.data(), a.data(), a.size());
    return false;
  }
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Authenticator::Authenticator(std::vector<TokenConfig> tokens) : tokens_(std::move(tokens)) {}

std::optional<Principal> Authenticator::authenticate(std::string_view header) const {
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() <= kScheme.size() || header.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  return principal_for_digest(sha256_hex(header.substr(kScheme.size())));
}

std::optional<Principal> Authenticator::principal_for_digest(std::string_view digest) const {
  const TokenConfig* match = nullptr;
  // Every entry is compared: the loop does not stop at a match.
  for (const TokenConfig& token : tokens_) {
    if (equal_in_constant_time(digest, token.sha256) && match == nullptr) match = &token;
  }
  if (match == nullptr) return std::nullopt;
  return Principal{engine::Actor{match->actor, match->roles}, match->deploy, match->read_only};
}

std::vector<engine::Actor> Authenticator::actors() const {
  std::vector<engine::Actor> actors;
  for (const TokenConfig& token : tokens_) actors.push_back(engine::Actor{token.actor, token.roles});
  return actors;
}

}  // namespace docket::server
