// The service clocks: accelerated engine time for tests and demonstrations,
// and the real wait until an engine instant. Each clock reads real time from
// a function the test sets, so every figure is exact and nothing depends on
// how fast the machine is.

#include "server/service_clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

namespace docket::server {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

// A steady clock that moves only when the test moves it.
struct SetSteadyTime {
  std::chrono::steady_clock::time_point now{};
  AcceleratedClock::SteadyTime source() {
    return [this] { return now; };
  }
};

// A wall clock that moves only when the test moves it (and may be stepped back).
struct SetWallTime {
  std::chrono::system_clock::time_point now;
  SystemServiceClock::WallTime source() {
    return [this] { return now; };
  }
};

// 2023-11-14T22:13:20Z, a whole second.
constexpr std::int64_t kWallSecond = 1'700'000'000;

std::chrono::system_clock::time_point wall_at(std::int64_t seconds, milliseconds into_second = 0ms) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(seconds)) + into_second;
}

TEST(ServiceClockTest, AcceleratedClockRunsFactorTimesFasterFromItsStart) {
  SetSteadyTime real;
  AcceleratedClock clock(1'000'000, 3600, real.source());
  EXPECT_EQ(clock.now(), 1'000'000);
  real.now += 1s;
  EXPECT_EQ(clock.now(), 1'000'000 + 3600);
  real.now += 500ms;
  EXPECT_EQ(clock.now(), 1'000'000 + 5400);
  // Whole engine seconds: a real millisecond at 3600x is 3.6 engine seconds.
  real.now += 1ms;
  EXPECT_EQ(clock.now(), 1'000'000 + 5403);
}

TEST(ServiceClockTest, AcceleratedClockNeverGoesBack) {
  SetSteadyTime real;
  real.now += 10s;
  AcceleratedClock clock(0, 60, real.source());
  real.now += 2s;
  EXPECT_EQ(clock.now(), 120);
  real.now -= 1s;  // a source that misbehaves
  EXPECT_EQ(clock.now(), 120);
  real.now += 2s;
  EXPECT_EQ(clock.now(), 180);
}

TEST(ServiceClockTest, NotBeforeMovesAnAcceleratedClockForwardOnly) {
  SetSteadyTime real;
  AcceleratedClock clock(1'000, 1, real.source());
  clock.not_before(50'000);  // a store whose last unit is later than the configured start
  EXPECT_EQ(clock.now(), 50'000);
  // From there it runs on at its factor.
  real.now += 10s;
  EXPECT_EQ(clock.now(), 50'010);
  clock.not_before(10);  // earlier: nothing changes
  EXPECT_EQ(clock.now(), 50'010);
  real.now += 1s;
  EXPECT_EQ(clock.now(), 50'011);
}

TEST(ServiceClockTest, RealWaitIsTheEngineDistanceDividedByTheFactor) {
  SetSteadyTime real;
  AcceleratedClock clock(0, 3600, real.source());
  EXPECT_EQ(clock.real_wait_until(0), 0ms);
  EXPECT_EQ(clock.real_wait_until(-5), 0ms);
  // One engine hour ahead at 3600x is one real second, and a millisecond
  // more so that the waiter wakes once the instant has come, not before.
  EXPECT_EQ(clock.real_wait_until(3600), 1001ms);
  // A quarter of a real second later, a quarter less to wait.
  real.now += 250ms;
  EXPECT_EQ(clock.now(), 900);
  EXPECT_EQ(clock.real_wait_until(3600), 751ms);
  // Never zero while the instant is ahead, however close.
  EXPECT_EQ(clock.real_wait_until(901), 1ms);
  // Far away: capped at a day, so a sleeping thread still wakes now and then.
  EXPECT_EQ(clock.real_wait_until(INT64_C(1) << 50), milliseconds(86'400'001));
}

TEST(ServiceClockTest, RealWaitFollowsNotBefore) {
  SetSteadyTime real;
  AcceleratedClock clock(0, 10, real.source());
  clock.not_before(1'000);
  EXPECT_EQ(clock.real_wait_until(1'000), 0ms);
  // 10 engine seconds past the new start, at 10x: one real second.
  EXPECT_EQ(clock.real_wait_until(1'010), 1001ms);
}

TEST(ServiceClockTest, SystemClockIsTheWallClockInWholeSeconds) {
  SetWallTime wall{wall_at(kWallSecond, 999ms)};
  SystemServiceClock clock(wall.source());
  EXPECT_EQ(clock.now(), kWallSecond);
  wall.now += 1ms;
  EXPECT_EQ(clock.now(), kWallSecond + 1);
}

TEST(ServiceClockTest, SystemClockHoldsWhenTheSystemTimeIsSteppedBack) {
  SetWallTime wall{wall_at(kWallSecond)};
  SystemServiceClock clock(wall.source());
  EXPECT_EQ(clock.now(), kWallSecond);
  wall.now -= 1h;
  EXPECT_EQ(clock.now(), kWallSecond);
  EXPECT_EQ(clock.real_wait_until(kWallSecond), 0ms);
  wall.now += 1h + 2s;
  EXPECT_EQ(clock.now(), kWallSecond + 2);
}

TEST(ServiceClockTest, SystemClockWaitsUntilJustAfterTheSecondBegins) {
  SetWallTime wall{wall_at(kWallSecond, 250ms)};
  SystemServiceClock clock(wall.source());
  EXPECT_EQ(clock.real_wait_until(kWallSecond - 10), 0ms);
  EXPECT_EQ(clock.real_wait_until(kWallSecond), 0ms);
  // Three seconds ahead, 250 ms into the current second: the rest of this
  // second and two more, plus 5 ms to land inside the instant's second.
  EXPECT_EQ(clock.real_wait_until(kWallSecond + 3), 2755ms);
  wall.now = wall_at(kWallSecond, 0ms);
  EXPECT_EQ(clock.real_wait_until(kWallSecond + 1), 1005ms);
  // Far away: capped at a day.
  EXPECT_EQ(clock.real_wait_until(kWallSecond + 10 * 86'400), milliseconds(86'400'000 + 5));
}

}  // namespace
}  // namespace docket::server
