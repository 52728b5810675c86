#include "engine/runtime/clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <limits>
#include <thread>
#include <vector>

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

// A server reads one clock from its request threads and its timer thread
// while a test moves a virtual one: both must be safe to share (scripts/tsan
// runs this under ThreadSanitizer).
TEST(ClockThreadsTest, ReadersOnSeveralThreadsNeverSeeTimeGoBack) {
  SystemClock system;
  VirtualClock virtual_clock(kMon20261123);
  std::atomic<bool> backwards{false};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      std::int64_t last_system = 0;
      std::int64_t last_virtual = 0;
      for (int i = 0; i < 2000; ++i) {
        std::int64_t now_system = system.now();
        std::int64_t now_virtual = virtual_clock.now();
        if (now_system < last_system || now_virtual < last_virtual) backwards = true;
        last_system = now_system;
        last_virtual = now_virtual;
      }
    });
  }
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(virtual_clock.advance(1));
  for (std::thread& reader : readers) reader.join();
  EXPECT_FALSE(backwards);
  EXPECT_EQ(virtual_clock.now(), kMon20261123 + 2000);
}

}  // namespace
}  // namespace docket::engine
