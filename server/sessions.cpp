#include "server/sessions.h"

#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "engine/model/digest.h"

namespace docket::server {

SessionTable::SessionTable(std::chrono::seconds idle, std::chrono::seconds lifetime, std::size_t capacity)
    : idle_(idle), lifetime_(lifetime), capacity_(std::max<std::size_t>(capacity, 1)) {}

std::chrono::seconds SessionTable::remaining(const Session& session, Clock::time_point now) const {
  auto until_idle = session.last_used + idle_ - now;
  auto until_end = session.opened + lifetime_ - now;
  return std::chrono::duration_cast<std::chrono::seconds>(std::min(until_idle, until_end));
}

SessionTable::Opened SessionTable::open(std::string token_digest, Clock::time_point now) {
  Opened opened;
  opened.id = random_hex(32);
  opened.session = Session{std::move(token_digest), random_hex(32), now, now, {}};
  opened.session.expires_in = remaining(opened.session, now);
  std::lock_guard<std::mutex> lock(mutex_);
  std::erase_if(sessions_, [&](const auto& entry) { return remaining(entry.second, now).count() <= 0; });
  if (sessions_.size() >= capacity_) {
    auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](const auto& a, const auto& b) {
      return a.second.last_used < b.second.last_used;
    });
    sessions_.erase(oldest);
  }
  sessions_.emplace(engine::sha256_hex(opened.id), opened.session);
  return opened;
}

std::optional<Session> SessionTable::find(std::string_view id, Clock::time_point now) {
  if (id.empty()) return std::nullopt;
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = sessions_.find(engine::sha256_hex(id));
  if (found == sessions_.end()) return std::nullopt;
  if (remaining(found->second, now).count() <= 0) {
    sessions_.erase(found);
    return std::nullopt;
  }
  found->second.last_used = now;
  Session session = found->second;
  session.expires_in = remaining(session, now);
  return session;
}

void SessionTable::close(std::string_view id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = sessions_.find(engine::sha256_hex(id));
  if (found != sessions_.end()) sessions_.erase(found);
}

std::size_t SessionTable::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return sessions_.size();
}

std::string_view cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    std::size_t end = header.find(';');
    std::string_view pair = header.substr(0, end);
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    std::size_t equals = pair.find('=');
    if (equals != std::string_view::npos && pair.substr(0, equals) == name) return pair.substr(equals + 1);
  }
  return {};
}

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) throw std::runtime_error("no random bytes (OpenSSL)");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  for (unsigned char byte : raw) {
    text.push_back(kHex[byte >> 4]);
    text.push_back(kHex[byte & 15]);
  }
  return text;
}

}  // namespace docket::server
