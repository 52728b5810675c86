#include "engine/clock.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace docket::engine {
namespace {

constexpr std::int64_t kMon20261123 = 1795392000;  // 2026-11-23T00:00:00Z

// The engine sees only the interface.
std::int64_t read(const Clock& clock) { return clock.now(); }

TEST(VirtualClockTest, StartsWhereToldAndMovesOnlyWhenTold) {
  VirtualClock clock(kMon20261123);
  EXPECT_EQ(read(clock), kMon20261123);
  EXPECT_EQ(read(clock), kMon20261123);
  EXPECT_TRUE(clock.advance(90));
  EXPECT_EQ(read(clock), kMon20261123 + 90);
  EXPECT_TRUE(clock.set(kMon20261123 + 86400));
  EXPECT_EQ(read(clock), kMon20261123 + 86400);
}

TEST(VirtualClockTest, DefaultsToTheEpoch) {
  VirtualClock clock;
  EXPECT_EQ(clock.now(), 0);
}

TEST(VirtualClockTest, RefusesToGoBackwards) {
  VirtualClock clock(kMon20261123);
  EXPECT_FALSE(clock.advance(-1));
  EXPECT_EQ(clock.now(), kMon20261123);
  EXPECT_FALSE(clock.set(kMon20261123 - 1));
  EXPECT_EQ(clock.now(), kMon20261123);
}

TEST(VirtualClockTest, SettingTheSameTimeOrAdvancingByZeroIsAllowed) {
  VirtualClock clock(kMon20261123);
  EXPECT_TRUE(clock.set(kMon20261123));
  EXPECT_TRUE(clock.advance(0));
  EXPECT_EQ(clock.now(), kMon20261123);
}

TEST(VirtualClockTest, RefusesToOverflow) {
  VirtualClock clock(std::numeric_limits<std::int64_t>::max() - 10);
  EXPECT_FALSE(clock.advance(11));
  EXPECT_EQ(clock.now(), std::numeric_limits<std::int64_t>::max() - 10);
  EXPECT_TRUE(clock.advance(10));
  EXPECT_EQ(clock.now(), std::numeric_limits<std::int64_t>::max());
}

TEST(SystemClockTest, NeverDecreases) {
  SystemClock clock;
  std::int64_t first = read(clock);
  std::int64_t second = read(clock);
  EXPECT_LE(first, second);
}

}  // namespace
}  // namespace docket::engine
