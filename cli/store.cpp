// docket store copy SRC DST [--batch N]: a whole store written into a new
// one, SQLite to PostgreSQL and back, or any to any.
//
// SRC is read in one read transaction, so a store that a service is writing
// to gives the store as it was at one moment. DST (a new file, or an empty
// PostgreSQL database) is written in one transaction through the Store's
// copy calls (engine/store/store.h): the copy is whole or there is none.
// Journal rows keep their bytes and hashes, and DST checks the chain as they
// come, so `docket audit verify` gives the copy the same head and figures as
// the source. Tickets are decoded on their stored versions (compiled again
// from the stored sources, as recovery does) so that DST computes their due
// items itself. A file the command created is removed again when the copy
// fails.

#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/store_access.h"
#include "engine/codec/ticket_codec.h"
#include "engine/store/open_store.h"

namespace docket::cli {
namespace {

namespace fs = std::filesystem;

using engine::Status;
using CompiledVersions = std::map<std::string, std::shared_ptr<const engine::Workflow>, std::less<>>;

struct StoreCopyOptions {
  std::string source;
  std::string destination;
  std::size_t batch = 1000;  // journal rows per copy_rows() call, outbox items per page
};

// What was copied, for the summary.
struct Copied {
  std::uint64_t records = 0;
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  std::string head;  // the last record's hash
  std::size_t versions = 0;
  std::size_t tickets = 0;
  std::size_t checkpoints = 0;
  std::size_t deliveries = 0;
};

// How messages name a store: a server's URL without its password.
std::string shown(const std::string& location) {
  return engine::is_postgres_url(location) ? engine::redact_postgres_url(location) : location;
}

std::string counted(std::uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// Every version, each compiled again and checked against its id (the
// tickets are decoded on them), into `compiled`.
Status copy_versions(engine::Store& source, engine::Store& destination, CompiledVersions& compiled, Copied& copied) {
  auto versions = source.versions();
  if (!versions) return Status::failure(versions.error());
  for (const engine::StoredVersion& version : versions.value()) {
    std::string name = "version " + version.id.substr(0, 12) + " of " + version.workflow;
    auto workflow = compile_stored(version);
    if (!workflow) return Status::failure(source.location() + ": " + name + " does not compile: " + workflow.error());
    if (workflow.value()->version_id() != version.id) {
      return Status::failure(source.location() + ": the sources of " + name + " were altered (they compile to " +
                             workflow.value()->version_id().substr(0, 12) + ")");
    }
    if (Status s = destination.copy_version(version); !s) return s;
    compiled.emplace(version.id, std::move(workflow).value());
    ++copied.versions;
  }
  return Status::success();
}

// The journal in seq order, `batch` rows at a time.
Status copy_journal(engine::Store& source, engine::Store& destination, std::size_t batch, Copied& copied) {
  std::vector<engine::JournalRow> rows;
  rows.reserve(batch);
  auto pass_on = [&]() {
    Status passed = destination.copy_rows(rows);
    rows.clear();
    return passed;
  };
  Status read = source.read_journal(1, [&](const engine::JournalRow& row) -> Status {
    if (copied.records++ == 0) copied.first_seq = row.seq;
    copied.last_seq = row.seq;
    copied.head = row.hash;
    rows.push_back(row);
    return rows.size() >= batch ? pass_on() : Status::success();
  });
  if (!read) return read;
  return rows.empty() ? Status::success() : pass_on();
}

// Every ticket in creation order, decoded on its version.
Status copy_tickets(engine::Store& source, engine::Store& destination, const CompiledVersions& compiled,
                    Copied& copied) {
  auto tickets = source.tickets();
  if (!tickets) return Status::failure(tickets.error());
  for (const engine::StoredTicket& stored : tickets.value()) {
    auto version = compiled.find(stored.version);
    if (version == compiled.end()) {
      return Status::failure(source.location() + ": ticket `" + stored.id + "` is pinned to version " +
                             stored.version.substr(0, 12) + ", which the store does not hold");
    }
    auto decoded = engine::decode_ticket(stored.snapshot, version->second);
    if (!decoded) return Status::failure(source.location() + ": ticket `" + stored.id + "`: " + decoded.error());
    if (Status s = destination.copy_ticket(stored, decoded.value()); !s) return s;
    ++copied.tickets;
  }
  return Status::success();
}

Status copy_signatures(engine::Store& source, engine::Store& destination, Copied& copied) {
  auto checkpoints = source.checkpoints();
  if (!checkpoints) return Status::failure(checkpoints.error());
  for (const engine::Checkpoint& checkpoint : checkpoints.value()) {
    if (Status s = destination.copy_checkpoint(checkpoint); !s) return s;
    ++copied.checkpoints;
  }
  auto keys = source.public_keys();
  if (!keys) return Status::failure(keys.error());
  for (const std::string& pem : keys.value()) {
    if (Status s = destination.copy_public_key(pem); !s) return s;
  }
  return Status::success();
}

// The outbox in its order, a page at a time, each item with its attempts.
Status copy_outbox(engine::Store& source, engine::Store& destination, std::size_t batch, Copied& copied) {
  engine::OutboxQuery query;
  query.limit = batch;
  do {
    auto page = source.outbox(query);
    if (!page) return Status::failure(page.error());
    for (const engine::Delivery& delivery : page->items) {
      auto attempts = source.delivery_attempts(delivery.item.id);
      if (!attempts) return Status::failure(attempts.error());
      if (Status s = destination.copy_delivery(delivery, attempts.value()); !s) return s;
      ++copied.deliveries;
    }
    query.after = page->next;
  } while (query.after > 0);
  return Status::success();
}

Status copy_all(engine::Store& source, engine::Store& destination, std::size_t batch, Copied& copied) {
  CompiledVersions compiled;
  if (Status s = copy_versions(source, destination, compiled, copied); !s) return s;
  if (Status s = copy_journal(source, destination, batch, copied); !s) return s;
  if (Status s = copy_tickets(source, destination, compiled, copied); !s) return s;
  if (Status s = copy_signatures(source, destination, copied); !s) return s;
  return copy_outbox(source, destination, batch, copied);
}

// A SQLite destination as it was before the command: a file it created is
// removed, a file that was empty is emptied again.
void undo_file(const std::string& path, bool existed) {
  std::error_code ignored;
  for (const char* suffix : {"-wal", "-shm", "-journal"}) fs::remove(path + suffix, ignored);
  if (existed) {
    fs::resize_file(path, 0, ignored);
  } else {
    fs::remove(path, ignored);
  }
}

std::string summary(const Copied& copied, const std::string& source, const std::string& destination) {
  std::string text = "copied " + counted(copied.records, "record", "records");
  if (copied.records > 0) {
    text += " (seq " + std::to_string(copied.first_seq) + "-" + std::to_string(copied.last_seq) + ", head " +
            copied.head.substr(0, 12) + "\u2026)";
  }
  text += ", " + counted(copied.tickets, "ticket", "tickets") + ", " + counted(copied.versions, "version", "versions") +
          ", " + counted(copied.checkpoints, "checkpoint", "checkpoints") + ", " +
          counted(copied.deliveries, "delivery", "deliveries") + " from " + shown(source) + " to " + shown(destination);
  return text;
}

int run_store_copy(const StoreCopyOptions& options) {
  const std::string destination_name = shown(options.destination);
  // A file: a new path or an empty file, refused before anything is read.
  bool is_file = !engine::is_postgres_url(options.destination);
  bool existed = false;
  if (is_file) {
    std::error_code error;
    fs::file_status status = fs::status(options.destination, error);
    existed = fs::exists(status);
    if (existed && !fs::is_regular_file(status)) {
      return fail(destination_name + ": not a file: a copy goes into a new store");
    }
    if (existed && (fs::file_size(options.destination, error) > 0 || error)) {
      return fail(destination_name + ": not empty: a copy goes into a new store");
    }
  }

  std::unique_ptr<engine::Store> source = open_store_for_reading(options.source);
  if (!source) return kExitFailure;
  auto opened = engine::open_store(options.destination);
  if (!opened) {
    if (is_file) undo_file(options.destination, existed);
    return fail(opened.error());
  }
  std::unique_ptr<engine::Store> destination = std::move(opened).value();
  if (Status begun = destination->begin_copy(); !begun) {
    destination.reset();
    if (is_file) undo_file(options.destination, existed);
    return fail(begun.error());
  }

  Copied copied;
  Status done = source->read_snapshot([&] { return copy_all(*source, *destination, options.batch, copied); });
  if (done) {
    done = destination->end_copy(true);
  } else {
    (void)destination->end_copy(false);
  }
  if (!done) {
    destination.reset();
    if (is_file) undo_file(options.destination, existed);
    print_error(done.error());
    std::cerr << "docket: nothing was copied to " << destination_name << '\n';
    return kExitFailure;
  }
  std::cout << summary(copied, options.source, options.destination) << '\n';
  return kExitOk;
}

}  // namespace

void add_store_command(CLI::App& app, int& exit_code) {
  CLI::App* store = app.add_subcommand("store", "Work on whole stores: copy one into a new one");
  store->require_subcommand(1);

  auto options = std::make_shared<StoreCopyOptions>();
  CLI::App* copy = store->add_subcommand(
      "copy",
      "Copy a store into a new one (SQLite to PostgreSQL and back): journal, tickets, versions, signatures, outbox");
  copy->add_option("source", options->source, "The store to copy: a file, or a postgresql:// URL")->required();
  copy->add_option("destination", options->destination, "A new file, or the postgresql:// URL of an empty database")
      ->required();
  copy->add_option("--batch", options->batch, "Journal records and outbox items per step (default 1000)")
      ->check(CLI::Range(1, 1000000));
  copy->callback([options, &exit_code] { exit_code = run_store_copy(*options); });
}

}  // namespace docket::cli
