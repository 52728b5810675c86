// The clocks a service runs on, and how long to wait in real time for an
// instant of engine time.
//
// Production uses the system clock. Tests (and demonstrations) use an
// accelerated clock: engine time runs `factor` times faster than real time
// from a chosen start, so a day of SLA clocks and timers passes in a second
// while the server runs exactly as in production (background timer thread,
// real requests). The engine needs nothing else: both are engine::Clocks.

#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

#include "engine/runtime/clock.h"

namespace docket::server {

class ServiceClock : public engine::Clock {
 public:
  // How long to wait in real time until now() reaches `instant`; zero when
  // it has.
  virtual std::chrono::milliseconds real_wait_until(std::int64_t instant) const = 0;
  // Makes sure now() >= `instant` from here on (a restarted service whose
  // store is ahead of the clock's configured start).
  virtual void not_before(std::int64_t instant) = 0;
};

class SystemServiceClock final : public ServiceClock {
 public:
  std::int64_t now() const override { return clock_.now(); }
  std::chrono::milliseconds real_wait_until(std::int64_t instant) const override;
  void not_before(std::int64_t) override {}  // the wall clock holds at its latest value by itself

 private:
  engine::SystemClock clock_;
};

// now() = start + factor * (real time elapsed since construction), whole seconds.
class AcceleratedClock final : public ServiceClock {
 public:
  // REQUIRES: factor >= 1.
  AcceleratedClock(std::int64_t start, std::int64_t factor);
  std::int64_t now() const override;
  std::chrono::milliseconds real_wait_until(std::int64_t instant) const override;
  void not_before(std::int64_t instant) override;

 private:
  using Steady = std::chrono::steady_clock;
  mutable std::mutex mutex_;
  std::int64_t start_;
  std::int64_t factor_;
  Steady::time_point origin_;
  mutable std::int64_t latest_;  // now() never goes back
};

}  // namespace docket::server
