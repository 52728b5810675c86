// The service clocks: accelerated engine time for tests and demonstrations,
// and the real wait until an engine instant.

#include "server/service_clock.h"

#include <gtest/gtest.h>

namespace docket::server {
namespace {

TEST(ServiceClockTest, AcceleratedClockStartsAtItsStartAndNeverGoesBack) {
  AcceleratedClock clock(1'000'000, 3600);
  std::int64_t first = clock.now();
  EXPECT_GE(first, 1'000'000);
  EXPECT_LT(first, 1'000'000 + 3600);  // less than a real second has passed
  EXPECT_GE(clock.now(), first);
}

TEST(ServiceClockTest, NotBeforeMovesAnAcceleratedClockForwardOnly) {
  AcceleratedClock clock(1'000, 1);
  clock.not_before(50'000);  // a store whose last unit is later than the configured start
  EXPECT_GE(clock.now(), 50'000);
  EXPECT_LT(clock.now(), 50'010);
  clock.not_before(10);  // earlier: nothing changes
  EXPECT_GE(clock.now(), 50'000);
}

TEST(ServiceClockTest, RealWaitIsTheEngineDistanceDividedByTheFactor) {
  AcceleratedClock clock(0, 3600);
  EXPECT_EQ(clock.real_wait_until(clock.now()).count(), 0);
  // One engine hour ahead at 3600x is about one real second.
  auto wait = clock.real_wait_until(clock.now() + 3600).count();
  EXPECT_GT(wait, 800);
  EXPECT_LE(wait, 1001);
  // Far away: capped at a day, so a sleeping thread still wakes now and then.
  EXPECT_LE(clock.real_wait_until(INT64_C(1) << 50).count(), 86'400'001);
}

TEST(ServiceClockTest, SystemClockWaitsWholeSecondsAhead) {
  SystemServiceClock clock;
  std::int64_t now = clock.now();
  EXPECT_EQ(clock.real_wait_until(now - 10).count(), 0);
  // Three seconds ahead, measured from a whole second: between two and three
  // seconds of real time (less one if the second turned meanwhile).
  auto wait = clock.real_wait_until(now + 3).count();
  EXPECT_GT(wait, 1000);
  EXPECT_LE(wait, 3005);
}

}  // namespace
}  // namespace docket::server
