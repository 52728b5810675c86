// Event streams for tests that need many tickets: an example's events
// replicated onto fresh ticket ids.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/model/event.h"
#include "engine/runtime/clock.h"
#include "engine/runtime/engine.h"

namespace docket::testing {

// The events of `path` (an events file, engine/codec/event_reader.h) for `copies`
// groups of tickets: ticket T of copy k is "T-k", its times are shifted by
// k * spacing_seconds, and every event gets the idempotency key
// "<ticket>#<line>" (so a stream sent twice applies once). The copies are
// merged in time order (stable: a ticket's own events keep their order).
// One JSON object per line, without newlines; empty after a test failure
// when the file cannot be read.
std::vector<std::string> replicate_events(const std::string& path, std::size_t copies, std::int64_t spacing_seconds);

// The lines as events (engine/codec/event_reader.h); a test failure for a bad one.
std::vector<engine::Event> parse_events(const std::vector<std::string>& lines);

// Applies `events` in order, moving `clock` to each event's time first (as
// `docket run` does); returns how many the engine could not journal.
std::size_t apply_events(engine::Engine& engine, engine::VirtualClock& clock, const std::vector<engine::Event>& events,
                         std::size_t from = 0, std::size_t to = SIZE_MAX);

// Writes `lines` to `path`, one per line.
void write_lines(const std::string& path, const std::vector<std::string>& lines);

// A fresh directory under the system's temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace docket::testing
