#include "server/service_clock.h"

#include <algorithm>

namespace docket::server {
namespace {

// Engine seconds passed in `elapsed_us` real microseconds at `factor` (a double:
// exact to the second for centuries of engine time, and no overflow).
std::int64_t scaled(std::int64_t elapsed_us, std::int64_t factor) {
  return static_cast<std::int64_t>(static_cast<double>(elapsed_us) * static_cast<double>(factor) / 1e6);
}

}  // namespace

std::int64_t SystemServiceClock::held(std::chrono::system_clock::time_point reading) const {
  std::int64_t seconds = std::chrono::floor<std::chrono::seconds>(reading.time_since_epoch()).count();
  std::int64_t latest = latest_.load(std::memory_order_relaxed);
  while (seconds > latest && !latest_.compare_exchange_weak(latest, seconds, std::memory_order_relaxed)) {
  }
  return seconds > latest ? seconds : latest;
}

std::int64_t SystemServiceClock::now() const { return held(wall_()); }

std::chrono::milliseconds SystemServiceClock::real_wait_until(std::int64_t instant) const {
  std::chrono::system_clock::time_point reading = wall_();
  std::int64_t now = held(reading);
  if (instant <= now) return std::chrono::milliseconds(0);
  // Whole seconds: wake just after the second begins.
  std::int64_t seconds = std::min<std::int64_t>(instant - now, 86400);
  auto into_second = std::chrono::floor<std::chrono::milliseconds>(reading.time_since_epoch()) % 1000;
  return std::chrono::milliseconds(seconds * 1000) - into_second + std::chrono::milliseconds(5);
}

AcceleratedClock::AcceleratedClock(std::int64_t start, std::int64_t factor, SteadyTime steady)
    : steady_(std::move(steady)),
      start_(start),
      factor_(std::max<std::int64_t>(factor, 1)),
      origin_(steady_()),
      latest_(start) {}

std::int64_t AcceleratedClock::now() const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(steady_() - origin_).count();
  std::int64_t now = start_ + scaled(elapsed, factor_);
  latest_ = std::max(latest_, now);
  return latest_;
}

std::chrono::milliseconds AcceleratedClock::real_wait_until(std::int64_t instant) const {
  std::int64_t now = this->now();
  if (instant <= now) return std::chrono::milliseconds(0);
  std::lock_guard<std::mutex> lock(mutex_);
  // Real microseconds since the origin at which now() reaches `instant`, at most a day ahead.
  double target_us = static_cast<double>(instant - start_) * 1e6 / static_cast<double>(factor_);
  auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(steady_() - origin_);
  double wait_us = std::min(target_us - static_cast<double>(elapsed.count()), 86400e6);
  auto wait = std::chrono::milliseconds(static_cast<std::int64_t>(wait_us / 1000.0) + 1);
  return std::max(wait, std::chrono::milliseconds(1));
}

void AcceleratedClock::not_before(std::int64_t instant) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(steady_() - origin_).count();
  std::int64_t now = start_ + scaled(elapsed, factor_);
  if (instant > now) start_ += instant - now;
  latest_ = std::max(latest_, instant);
}

}  // namespace docket::server
