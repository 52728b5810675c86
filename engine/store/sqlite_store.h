// The embedded store: one SQLite file (the default store).
//
//   SqliteStoreOptions options;
//   options.signing_key = key;                    // optional: signed checkpoints
//   Result<std::unique_ptr<SqliteStore>> store = SqliteStore::open("tickets.db", options);
//   recover(engine, **store, compile);            // engine/store/recovery.h
//
// Tables (docs/store.md): meta, versions, version_sources, tickets, timers
// (every pending due item of every ticket), journal (the hash chain),
// idempotency, checkpoints, outbox and outbox_attempts. The schema version is SQLite's user_version;
// opening an older file migrates it in one transaction, a newer one is
// refused.
//
// Durability. The file is in WAL mode. With Durability::kFull (the default)
// every commit is synced to disk before it returns: a unit that commit()
// accepted survives a crash of the process and of the machine. kNormal syncs
// only at WAL checkpoints: a process crash loses nothing, a power cut may
// lose the last commits. Group commit (batch_units > 1) keeps up to that
// many units in one transaction and commits them together, when the batch
// is full or on flush(); a unit is acknowledged (on_durable) only after its
// batch committed. If a batch's commit fails, every unit of that batch is
// lost although the engine applied them: the store refuses all later writes
// and the engine must be rebuilt from the store (recover()).
//
// Errors name the file and what SQLite said: "tickets.db: database or disk
// is full", "tickets.db: ticket `T-1` was changed by another writer
// (expected row version 3)". A failed unit is rolled back as a whole.
//
// Not thread-safe: one thread uses a store.

#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "engine/store/signing.h"
#include "engine/store/store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace docket::engine {

struct SqliteStoreOptions : StoreOptions {
  enum class Durability : std::uint8_t { kFull, kNormal };
  Durability durability = Durability::kFull;
  // The SQLite VFS to open the file with; empty for SQLite's default.
  std::string vfs;
};

// Options for opening a store only to read it.
inline SqliteStoreOptions read_only_options() {
  SqliteStoreOptions options;
  options.read_only = true;
  return options;
}

// The schema version this build writes.
inline constexpr int kStoreSchemaVersion = 2;

class SqliteStore final : public Store {
 public:
  // Opens (creating it unless read_only) the store at `path`.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path, SqliteStoreOptions options = {});
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Status write(std::span<const Record> records) override;
  Status commit(const Unit& unit) override;
  Status add_version(const Workflow& workflow, std::int64_t now) override;
  Result<std::vector<StoredVersion>> versions() override;
  Result<std::vector<StoredTicket>> tickets() override;
  Status read_journal(std::uint64_t from_seq, const std::function<Status(const JournalRow&)>& each) override;
  Status read_ticket_journal(std::string_view ticket, const std::function<Status(const JournalRow&)>& each) override;
  Result<std::vector<Checkpoint>> checkpoints() override;
  Result<std::vector<Delivery>> due_deliveries(std::string_view target, std::uint64_t max_seq, std::int64_t now_ms,
                                               std::size_t limit) override;
  Status record_attempts(std::span<const DeliveryAttempt> attempts) override;
  Result<OutboxPage> outbox(const OutboxQuery& query) override;
  Result<std::optional<Delivery>> delivery(std::string_view id) override;
  Result<std::vector<AttemptRow>> delivery_attempts(std::string_view id) override;
  Result<Delivery> retry_delivery(std::string_view id, std::int64_t now_ms) override;
  Result<OutboxSummary> outbox_summary() override;
  std::uint64_t last_seq() const override { return last_seq_; }
  std::int64_t last_at() const override { return last_at_; }
  Status flush() override;
  Status seal() override;

  Result<std::vector<std::string>> public_keys() override;
  Result<std::optional<Checkpoint>> last_checkpoint() override;
  Status read_snapshot(const std::function<Status()>& read) override;
  void discard() override;
  const std::string& location() const override { return path_; }

  // Copying into this store (`docket store copy`; engine/store/store.h):
  // sqlite_copy.cpp.
  Status begin_copy() override;
  Status copy_version(const StoredVersion& version) override;
  Status copy_rows(std::span<const JournalRow> rows) override;
  Status copy_ticket(const StoredTicket& stored, const Ticket& decoded) override;
  Status copy_checkpoint(const Checkpoint& checkpoint) override;
  Status copy_public_key(const std::string& pem) override;
  Status copy_delivery(const Delivery& delivery, std::span<const AttemptRow> attempts) override;
  Status end_copy(bool keep) override;

  // PRAGMA integrity_check: "ok", or what SQLite found.
  Result<std::string> integrity_check();
  const std::string& path() const { return path_; }

  // A prepared statement (sqlite_store.cpp).
  class Statement;

 private:
  SqliteStore(std::string path, SqliteStoreOptions options);

  Status open_file();
  Status migrate();
  Status load_state();
  Status exec(const char* sql);
  Status fail(const std::string& what) const;  // the connection's last error
  Status read_rows(const char* sql, const std::function<void(Statement&)>& bind,
                   const std::function<Status(const JournalRow&)>& each);
  Result<Statement*> prepare(const char* sql);
  // Signs "the record at `seq` has hash last_hash_" and stores it, in the
  // open transaction. REQUIRES: a signing key.
  Status insert_checkpoint(std::uint64_t seq, std::int64_t at);

  Status begin_unit();
  Status write_unit(const Unit& unit);
  Status end_unit(bool ok);
  Status commit_batch();
  Status write_timers(const Ticket& ticket);
  // The items `record` asks for (options_.outbox_router), in the open transaction.
  Status write_outbox(const Record& record, const std::string& hash, const Ticket* ticket);
  std::int64_t wall_clock_ms() const;
  // Runs `write` as one unit: its own transaction, or a savepoint in the open batch.
  Status write_apart(const std::function<Status()>& write);
  Status insert_version(const Workflow& workflow, std::int64_t now);

  std::string path_;
  SqliteStoreOptions options_;
  sqlite3* db_ = nullptr;
  std::map<std::string, std::unique_ptr<Statement>, std::less<>> statements_;

  std::uint64_t last_seq_ = 0;
  std::int64_t last_at_ = 0;
  std::string last_hash_;
  std::map<std::string, std::uint64_t, std::less<>> row_versions_;  // ticket -> row version
  std::set<std::string, std::less<>> known_versions_;
  std::vector<std::string> new_versions_;  // added by the unit being written

  // Group commit: the open batch.
  bool in_batch_ = false;
  std::size_t batch_size_ = 0;
  std::vector<Record> batch_records_;  // for on_durable, after the commit
  std::string failed_;                 // a batch commit failed: every write is refused
};

}  // namespace docket::engine
