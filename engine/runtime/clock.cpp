#include "engine/runtime/clock.h"

#include <chrono>
#include <limits>

namespace docket::engine {

std::int64_t SystemClock::now() const {
  std::int64_t reading =
      std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  // Keep the maximum of everything returned so far.
  std::int64_t latest = latest_.load(std::memory_order_relaxed);
  while (reading > latest && !latest_.compare_exchange_weak(latest, reading, std::memory_order_relaxed)) {
  }
  return reading > latest ? reading : latest;
}

bool VirtualClock::set(std::int64_t instant) {
  std::int64_t current = now_.load(std::memory_order_acquire);
  do {
    if (instant < current) return false;
  } while (!now_.compare_exchange_weak(current, instant, std::memory_order_acq_rel));
  return true;
}

bool VirtualClock::advance(std::int64_t seconds) {
  if (seconds < 0) return false;
  std::int64_t current = now_.load(std::memory_order_acquire);
  do {
    if (current > std::numeric_limits<std::int64_t>::max() - seconds) return false;
  } while (!now_.compare_exchange_weak(current, current + seconds, std::memory_order_acq_rel));
  return true;
}

}  // namespace docket::engine
