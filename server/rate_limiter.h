// Request rates per token: a token bucket for each key.
//
//   RateLimiter limiter(200, 400);        // 200 a second on average, 400 at once
//   RateLimiter::Decision d = limiter.take("liu", steady_clock::now());
//   if (!d.allowed) answer 429 with Retry-After: d.retry_after_seconds;
//
// A bucket holds at most `burst` requests and refills at `rate` a second;
// each request takes one. Keys are the configured actors, so the number of
// buckets is bounded by the configuration. Time is passed in, so that tests
// need no clock. Thread-safe.

#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace docket::server {

class RateLimiter {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // rate 0: every request is allowed.
  RateLimiter(std::uint32_t rate, std::uint32_t burst);

  struct Decision {
    bool allowed = true;
    std::int64_t retry_after_seconds = 0;  // when refused: whole seconds until one request is allowed
  };
  Decision take(std::string_view key, TimePoint now);

 private:
  struct Bucket {
    double available = 0;
    TimePoint refilled;
  };

  double rate_;
  double burst_;
  std::mutex mutex_;
  std::map<std::string, Bucket, std::less<>> buckets_;
};

}  // namespace docket::server
