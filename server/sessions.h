// Console sessions: signing in once with a token, then a cookie.
//
//   SessionTable sessions;
//   SessionTable::Opened opened = sessions.open(sha256_hex(token), now);
//   // Set-Cookie: docket_session=<opened.id>; HttpOnly; SameSite=Strict
//   std::optional<Session> session = sessions.find(cookie_value(header, kSessionCookie), now);
//
// A session stands for the token it was opened with: the table keeps the
// token's digest, never the token, and the caller finds the principal
// through the Authenticator on every request, so a token removed from the
// configuration ends its sessions at once. The session id is 32 random
// bytes (OpenSSL's RAND_bytes), and the table is keyed by its SHA-256, so
// that a lookup's timing says nothing about the id. Each session has its
// own CSRF token (another 32 random bytes) that every state-changing request
// must repeat in a header: a page of another site can make the browser send
// the cookie, but cannot read the CSRF token to send with it.
//
// A session ends after `idle` without a request or `lifetime` after it was
// opened, whichever comes first, or on close(). At most `capacity` are
// kept: opening one more ends the one used least recently. Thread-safe.

#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace docket::server {

inline constexpr std::string_view kSessionCookie = "docket_session";

struct Session {
  std::string token_digest;
  std::string csrf;
  std::chrono::steady_clock::time_point opened;
  std::chrono::steady_clock::time_point last_used;
  std::chrono::seconds expires_in{0};  // until it ends if unused, from the lookup that returned it
};

class SessionTable {
 public:
  using Clock = std::chrono::steady_clock;
  explicit SessionTable(std::chrono::seconds idle = std::chrono::hours(8),
                        std::chrono::seconds lifetime = std::chrono::hours(12), std::size_t capacity = 10'000);

  struct Opened {
    std::string id;  // for the cookie
    Session session;
  };
  Opened open(std::string token_digest, Clock::time_point now);
  // The live session with this id (its use recorded), nullopt when none.
  std::optional<Session> find(std::string_view id, Clock::time_point now);
  void close(std::string_view id);
  std::size_t size() const;
  // The longest a session lives, used or not: the cookie's Max-Age.
  std::chrono::seconds lifetime() const { return lifetime_; }

 private:
  std::chrono::seconds remaining(const Session& session, Clock::time_point now) const;

  std::chrono::seconds idle_;
  std::chrono::seconds lifetime_;
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::map<std::string, Session, std::less<>> sessions_;  // by sha256_hex(id)
};

// The value of cookie `name` in a Cookie header ("a=1; b=2"); "" when absent.
std::string_view cookie_value(std::string_view header, std::string_view name);

// `bytes` random bytes from OpenSSL, as lower-case hex.
std::string random_hex(std::size_t bytes);

}  // namespace docket::server
