// The clocks a service runs on, and how long to wait in real time for an
// instant of engine time.
//
// Production uses the system clock. Tests (and demonstrations) use an
// accelerated clock: engine time runs `factor` times faster than real time
// from a chosen start, so a day of SLA clocks and timers passes in a second
// while the server runs exactly as in production (background timer thread,
// real requests). The engine needs nothing else: both are engine::Clocks.
// Each reads real time through a function given at construction (the
// system's clocks by default), so that tests can set the time instead of
// measuring it.

#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <utility>

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

// The wall clock, truncated to whole seconds, held at its latest value if
// the system time is stepped back (as engine::SystemClock).
class SystemServiceClock final : public ServiceClock {
 public:
  using WallTime = std::function<std::chrono::system_clock::time_point()>;
  // `wall` reads the real time: the system clock, or a test's.
  explicit SystemServiceClock(WallTime wall = std::chrono::system_clock::now) : wall_(std::move(wall)) {}
  std::int64_t now() const override;
  std::chrono::milliseconds real_wait_until(std::int64_t instant) const override;
  void not_before(std::int64_t) override {}  // the wall clock holds at its latest value by itself

 private:
  // Whole seconds of `reading`, never less than an earlier result.
  std::int64_t held(std::chrono::system_clock::time_point reading) const;

  WallTime wall_;
  mutable std::atomic<std::int64_t> latest_{INT64_MIN};
};

// now() = start + factor * (real time elapsed since construction), whole seconds.
class AcceleratedClock final : public ServiceClock {
 public:
  using Steady = std::chrono::steady_clock;
  using SteadyTime = std::function<Steady::time_point()>;
  // REQUIRES: factor >= 1. `steady` reads the real time: the steady clock,
  // or a test's.
  AcceleratedClock(std::int64_t start, std::int64_t factor, SteadyTime steady = Steady::now);
  std::int64_t now() const override;
  std::chrono::milliseconds real_wait_until(std::int64_t instant) const override;
  void not_before(std::int64_t instant) override;

 private:
  SteadyTime steady_;
  mutable std::mutex mutex_;
  std::int64_t start_;
  std::int64_t factor_;
  Steady::time_point origin_;
  mutable std::int64_t latest_;  // now() never goes back
};

}  // namespace docket::server
