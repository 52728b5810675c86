#include "server/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace docket::server {

RateLimiter::RateLimiter(std::uint32_t rate, std::uint32_t burst)
    : rate_(rate), burst_(std::max<std::uint32_t>(burst, 1)) {}

RateLimiter::Decision RateLimiter::take(std::string_view key, TimePoint now) {
  if (rate_ <= 0) return {};
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) it = buckets_.emplace(std::string(key), Bucket{burst_, now}).first;
  Bucket& bucket = it->second;
  if (now > bucket.refilled) {
    double seconds = std::chrono::duration<double>(now - bucket.refilled).count();
    bucket.available = std::min(burst_, bucket.available + seconds * rate_);
    bucket.refilled = now;
  }
  if (bucket.available >= 1) {
    bucket.available -= 1;
    return {};
  }
  double wait = (1 - bucket.available) / rate_;
  return {false, std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait)))};
}

}  // namespace docket::server
