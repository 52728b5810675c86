// Access tokens: stored as SHA-256 digests, compared in constant time, each
// standing for an actor with roles.

#include "server/auth.h"

#include <gtest/gtest.h>

namespace docket::server {
namespace {

TEST(ServerAuthTest, Sha256MatchesTheStandardTestVector) {
  // FIPS 180-2, appendix B.1.
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("").size(), 64u);
}

TEST(ServerAuthTest, ConstantTimeEqualityIsEquality) {
  EXPECT_TRUE(equal_in_constant_time("abcdef", "abcdef"));
  EXPECT_FALSE(equal_in_constant_time("abcdef", "abcdeg"));
  EXPECT_FALSE(equal_in_constant_time("abcdef", "bbcdef"));
  EXPECT_FALSE(equal_in_constant_time("abc", "abcdef"));
  EXPECT_TRUE(equal_in_constant_time("", ""));
}

std::vector<TokenConfig> two_tokens() {
  return {TokenConfig{sha256_hex("secret-zhang"), "zhang", {"intake_specialist"}, false, false, "t:1:1"},
          TokenConfig{sha256_hex("secret-admin"), "admin", {}, true, false, "t:5:1"}};
}

TEST(ServerAuthTest, ABearerTokenMapsToItsActorAndRoles) {
  Authenticator authenticator(two_tokens());
  std::optional<Principal> zhang = authenticator.authenticate("Bearer secret-zhang");
  ASSERT_TRUE(zhang);
  EXPECT_EQ(zhang->actor.id, "zhang");
  EXPECT_EQ(zhang->actor.roles, std::vector<std::string>{"intake_specialist"});
  EXPECT_FALSE(zhang->deploy);
  std::optional<Principal> admin = authenticator.authenticate("Bearer secret-admin");
  ASSERT_TRUE(admin);
  EXPECT_EQ(admin->actor.id, "admin");
  EXPECT_TRUE(admin->deploy);
}

TEST(ServerAuthTest, MissingMalformedOrUnknownTokensAreRefused) {
  Authenticator authenticator(two_tokens());
  EXPECT_FALSE(authenticator.authenticate(""));
  EXPECT_FALSE(authenticator.authenticate("Bearer "));
  EXPECT_FALSE(authenticator.authenticate("secret-zhang"));          // no scheme
  EXPECT_FALSE(authenticator.authenticate("Basic secret-zhang"));    // another scheme
  EXPECT_FALSE(authenticator.authenticate("Bearer secret-zhang "));  // not the same token
  EXPECT_FALSE(authenticator.authenticate("Bearer secret-zhan"));
  // The digest itself is not a token: a leaked configuration file is not a key.
  EXPECT_FALSE(authenticator.authenticate("Bearer " + sha256_hex("secret-zhang")));
}

}  // namespace
}  // namespace docket::server
