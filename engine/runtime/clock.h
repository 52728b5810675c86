// Where the engine gets "now" from.
//
// An instant is a std::int64_t count of seconds since 1970-01-01T00:00:00Z,
// the same representation as Value::timestamp() and the `now` passed to
// evaluate(): one type for every instant the engine stores, compares or
// journals, with no conversions at the borders. Sub-second precision is not
// needed by any rule (durations are whole seconds).
//
// The engine never reads the system time directly: it asks a Clock it was
// given. Live use passes a SystemClock; tests and journal replay pass a
// VirtualClock and move it explicitly, so a run is reproducible to the second.
//
// Both clocks are monotonic per instance: now() never returns less than an
// earlier call on the same object did. Timers and SLA clocks may rely on it.

#pragma once

#include <atomic>
#include <cstdint>

namespace docket::engine {

class Clock {
 public:
  virtual ~Clock() = default;

  // Seconds since the Unix epoch, UTC. Never less than the previous result
  // on the same object. Safe to call from several threads.
  virtual std::int64_t now() const = 0;
};

// The machine's wall clock (std::chrono::system_clock), truncated to whole
// seconds. If the system time is stepped back (NTP, an operator), now() holds
// at the latest value it has returned until the system catches up, rather
// than letting timers and SLA clocks run backwards.
class SystemClock final : public Clock {
 public:
  std::int64_t now() const override;

 private:
  mutable std::atomic<std::int64_t> latest_{INT64_MIN};
};

// A clock that moves only when told to: for tests and for replaying a
// journal. Refuses to go backwards; a refused move changes nothing.
class VirtualClock final : public Clock {
 public:
  explicit VirtualClock(std::int64_t start = 0) : now_(start) {}

  std::int64_t now() const override { return now_.load(std::memory_order_acquire); }

  // Moves to `instant`. False (and unchanged) when `instant` < now().
  // Setting the current time again is allowed and changes nothing.
  [[nodiscard]] bool set(std::int64_t instant);

  // Moves forward by `seconds`. False (and unchanged) when `seconds` is
  // negative or the result would overflow.
  [[nodiscard]] bool advance(std::int64_t seconds);

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace docket::engine
