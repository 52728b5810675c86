#include "server/rate_limiter.h"

#include <gtest/gtest.h>

namespace docket::server {
namespace {

using std::chrono::milliseconds;

TEST(RateLimiterTest, ABurstIsAllowedThenTheRate) {
  RateLimiter limiter(10, 20);
  RateLimiter::TimePoint start{};
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(limiter.take("liu", start).allowed) << i;
  RateLimiter::Decision refused = limiter.take("liu", start);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 1);
  // 10 a second: one more every 100 ms.
  EXPECT_TRUE(limiter.take("liu", start + milliseconds(100)).allowed);
  EXPECT_FALSE(limiter.take("liu", start + milliseconds(150)).allowed);
}

TEST(RateLimiterTest, EachKeyHasItsOwnBucket) {
  RateLimiter limiter(1, 1);
  RateLimiter::TimePoint start{};
  EXPECT_TRUE(limiter.take("liu", start).allowed);
  EXPECT_FALSE(limiter.take("liu", start).allowed);
  EXPECT_TRUE(limiter.take("zhang", start).allowed);
}

TEST(RateLimiterTest, ABucketRefillsNoHigherThanTheBurst) {
  RateLimiter limiter(100, 5);
  RateLimiter::TimePoint start{};
  EXPECT_TRUE(limiter.take("liu", start).allowed);
  RateLimiter::TimePoint later = start + std::chrono::hours(1);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.take("liu", later).allowed) << i;
  EXPECT_FALSE(limiter.take("liu", later).allowed);
}

TEST(RateLimiterTest, RateZeroAllowsEverything) {
  RateLimiter limiter(0, 1);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(limiter.take("liu", {}).allowed);
}

}  // namespace
}  // namespace docket::server
