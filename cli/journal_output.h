// Where a command's journal goes: the --log file of JSON lines and the
// --store, with the store's own options. What `docket run` and `docket
// simulate` share, so that a simulated run leaves the same files as a real one.
//
// Without a store, the engine writes to the display journal (the --log file,
// and the console for `run`). With one, the engine writes to the store, and
// the store passes each unit's records on to the display journal once they
// are durable: a logged line is a kept one.

#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/codec/journal_spdlog.h"
#include "engine/model/result.h"
#include "engine/runtime/journal.h"
#include "engine/store/open_store.h"

namespace CLI {
class App;
}

namespace docket::cli {

struct JournalOutputOptions {
  std::string log;
  std::string store;
  // Unset when not given: given without --store, they are refused.
  std::optional<std::string> key;
  std::optional<std::size_t> batch;
  std::optional<std::string> sync;
  std::optional<std::uint64_t> checkpoint_every;
};

// Registers --key, --batch, --sync and --checkpoint-every on `command`
// (each command registers --log and --store with its own help).
void add_store_options(CLI::App& command, JournalOutputOptions& options);

// A store-only option without --store is a usage error: kExitUsage after
// printing so, else kExitOk.
int check_store_options(const JournalOutputOptions& options);

// Adds the --log file, truncated, to `sinks` (nothing without --log). A
// --log that is one of `inputs` is a usage error. An exit code, printed.
int open_log(const JournalOutputOptions& options, const std::vector<std::string>& inputs,
             engine::SpdlogJournalSinks& sinks);

// Opens (creating it if missing) the --store. Records reach `display` once
// durable; why showing them failed, if it did, goes to `display_error`
// (which must outlive the store).
engine::Result<std::unique_ptr<engine::Store>> open_store(const JournalOutputOptions& options,
                                                          engine::JournalSink& display, std::string& display_error);

// Commits the units already applied, and with a key signs the last of them:
// whatever happens next, what was applied is kept. True without a store;
// false after printing why not.
bool seal(engine::Store* store);

// kExitOk when every record that the store kept was also shown and logged;
// else kExitFailure after printing why not.
int check_display(const std::string& display_error);

}  // namespace docket::cli
