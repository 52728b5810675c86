#include "cli/journal_output.h"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <utility>

#include "cli/commands.h"
#include "cli/output.h"
#include "engine/store/signing.h"

namespace docket::cli {
namespace {

constexpr std::size_t kDefaultBatch = 1;
constexpr std::uint64_t kDefaultCheckpointEvery = 1000;

// The first option given that only a store uses; null when none was.
const char* store_only_option(const JournalOutputOptions& options) {
  if (options.key) return "--key";
  if (options.batch) return "--batch";
  if (options.sync) return "--sync";
  if (options.checkpoint_every) return "--checkpoint-every";
  return nullptr;
}

}  // namespace

void add_store_options(CLI::App& command, JournalOutputOptions& options) {
  command.add_option("--key", options.key, "Sign checkpoints of the journal with this private key (docket keys new)")
      ->check(CLI::ExistingFile);
  command.add_option("--batch", options.batch, "Group commit: units per store transaction (default 1)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}));
  command.add_option("--sync", options.sync, "Store durability: full (default) or normal")
      ->check(CLI::IsMember({"full", "normal"}));
  command
      .add_option("--checkpoint-every", options.checkpoint_every, "Records between signed checkpoints (default 1000)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
}

int check_store_options(const JournalOutputOptions& options) {
  if (const char* option = store_only_option(options); option != nullptr && options.store.empty()) {
    return fail(std::string(option) + " works only with --store", kExitUsage);
  }
  return kExitOk;
}

// Opening the log truncates it, so it is never one of the inputs.
int open_log(const JournalOutputOptions& options, const std::vector<std::string>& inputs,
             engine::SpdlogJournalSinks& sinks) {
  if (options.log.empty()) return kExitOk;
  for (const std::string& input : inputs) {
    std::error_code error;
    if (std::filesystem::equivalent(options.log, input, error)) {
      return fail("--log " + options.log + " would overwrite the input " + input, kExitUsage);
    }
  }
  engine::Result<engine::LogSink> file = engine::open_json_log_file(options.log);
  if (!file) return fail("cannot write the log " + options.log + ": " + file.error());
  sinks.json.push_back(file.value());
  return kExitOk;
}

engine::Result<std::unique_ptr<engine::Store>> open_store(const JournalOutputOptions& options,
                                                          engine::JournalSink& display, std::string& display_error) {
  engine::AnyStoreOptions store_options;
  store_options.batch_units = options.batch.value_or(kDefaultBatch);
  store_options.checkpoint_every = options.checkpoint_every.value_or(kDefaultCheckpointEvery);
  if (options.sync == "normal") store_options.durability = engine::SqliteStoreOptions::Durability::kNormal;
  if (options.key) {
    engine::Result<engine::SigningKey> key = engine::SigningKey::load(*options.key);
    if (!key) return engine::Result<std::unique_ptr<engine::Store>>::failure(key.error());
    store_options.signing_key = std::move(key).value();
  }
  store_options.on_durable = [&display, &display_error](std::span<const engine::Record> records) {
    engine::Status shown = display.write(records);
    if (!shown && display_error.empty()) display_error = shown.error();
  };
  return engine::open_store(options.store, std::move(store_options));
}

bool seal(engine::Store* store) {
  if (store == nullptr) return true;
  engine::Status sealed = store->seal();
  if (!sealed) print_error(sealed.error());
  return static_cast<bool>(sealed);
}

int check_display(const std::string& display_error) {
  if (display_error.empty()) return kExitOk;
  return fail("the store kept every record, but showing or logging them failed: " + display_error);
}

}  // namespace docket::cli
