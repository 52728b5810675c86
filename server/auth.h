// Access tokens: who a request acts as.
//
// The configuration holds only SHA-256 digests of the tokens (a leaked
// configuration file does not leak them). A request's bearer token is hashed
// and compared with every configured digest in constant time
// (CRYPTO_memcmp), without stopping at a match, so the time taken does not
// tell how many bytes of a guess were right nor which entry matched.
//
// Authentication only: what an actor may do to a ticket (required roles,
// the four-eyes rule) is decided by the engine; the one permission checked
// here is `deploy` (workflow versions), which the rules cannot express.

#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/digest.h"
#include "engine/model/event.h"
#include "server/config.h"

namespace docket::server {

// Lower-case hex SHA-256 of a text: a token's digest as the configuration holds it.
using engine::sha256_hex;

// Constant-time equality of two strings of the same length; false (after
// the same work as a comparison) when the lengths differ.
bool equal_in_constant_time(std::string_view a, std::string_view b);

struct Principal {
  engine::Actor actor;
  bool deploy = false;
  bool read_only = false;  // may not create tickets or send events
};

class Authenticator {
 public:
  explicit Authenticator(std::vector<TokenConfig> tokens);

  // The principal for an `Authorization` header value ("Bearer TOKEN");
  // nullopt when it is missing, malformed or matches no token.
  std::optional<Principal> authenticate(std::string_view authorization_header) const;
  // The principal of the token whose digest (sha256_hex) is given, compared
  // as above; nullopt when no token has it (any more: a console session
  // keeps the digest, so a token removed by a reload ends its sessions).
  std::optional<Principal> principal_for_digest(std::string_view digest) const;
  // Every configured actor with its roles, in configuration order (who may
  // still vote on an approval, as the console shows it).
  std::vector<engine::Actor> actors() const;

 private:
  std::vector<TokenConfig> tokens_;
};

}  // namespace docket::server
