// Replaying an events file through rules on a virtual clock: what `docket
// run` and `docket explain` share.
//
// The clock follows the events: before each event it is set to the event's
// `at`, the engine fires whatever fell due up to then, and the event is
// applied. Events must be in time order (engine/codec/event_reader.h). Rejected
// events are outcomes, not failures; a replay fails only on a bad line or
// when the journal refuses to write, and then says where it stopped.

#pragma once

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/model/workflow.h"
#include "engine/runtime/clock.h"
#include "engine/runtime/engine.h"

namespace docket::cli {

// Loads, checks and compiles each rule file, printing diagnostics (warnings
// too) to stderr. Empty when any file has errors.
std::vector<std::shared_ptr<const engine::Workflow>> compile_rule_files(const std::vector<std::string>& files);

// What `docket run` and `docket explain` start from: the compiled rules and
// the open events file. nullopt after printing why not.
struct ReplayInput {
  std::vector<std::shared_ptr<const engine::Workflow>> workflows;
  std::ifstream events;
};
std::optional<ReplayInput> open_replay(const std::vector<std::string>& rule_files, const std::string& events_file);

// Installs every workflow; the error is the first the engine refused.
engine::Status install(engine::Engine& engine, const std::vector<std::shared_ptr<const engine::Workflow>>& workflows);

// "2026-11-23T09:00:00+08:00" for CLI11: an error message, "" when it is a timestamp.
std::string timestamp_option_error(const std::string& text);

struct ReplayStats {
  std::size_t events = 0;      // events applied (accepted, rejected or duplicate)
  std::size_t rejected = 0;    // of those, rejected by the rules
  std::size_t duplicates = 0;  // of those, answered from an earlier delivery (idempotency key)
  std::optional<std::int64_t> first_at;
  std::optional<std::int64_t> last_at;
};

struct ReplayResult {
  ReplayStats stats;
  // Set when the replay stopped early: "events.jsonl:7: error: ...".
  std::string error;
  // The event of the line it stopped at was applied (what fell due right
  // after it could not be journalled); otherwise nothing from that line on was.
  bool stopped_after_applying = false;
  bool ok() const { return error.empty(); }
};

// Applies the events read from `in` (named `name` in messages) in order.
// With `stop_after`, stops before the first event later than it (that line
// is read but not applied).
ReplayResult replay(engine::Engine& engine, engine::VirtualClock& clock, std::istream& in, const std::string& name,
                    std::optional<std::int64_t> stop_after = std::nullopt);

// Fires everything due up to `instant` (moving the clock there). The error
// is the journal's, when it refused.
engine::Status advance(engine::Engine& engine, engine::VirtualClock& clock, std::int64_t instant);

}  // namespace docket::cli
