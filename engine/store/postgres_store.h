// The shared store: one PostgreSQL database, for one or several engine nodes.
//
//   PostgresStoreOptions options;
//   options.signing_key = key;                     // optional: signed checkpoints
//   Result<std::unique_ptr<PostgresStore>> store =
//       PostgresStore::open("postgresql://docket@db.example/docket", options);
//   recover(engine, **store, compile);             // engine/store/recovery.h
//
// The same tables and guarantees as the SQLite store (docs/store.md): each
// unit of work in one transaction with its records, ticket, due items,
// idempotency key and outbox items; row versions checked on update; the
// journal one hash chain. Besides them, a one-row table `chain_head` holds
// the last record's seq and hash: every unit locks it (SELECT ... FOR
// UPDATE) before it appends, so the appends of all nodes form one gapless
// sequence and one chain, in the order their transactions took the head.
// A transaction that rolls back leaves the head as it was: no seq is burnt.
//
// Durability: a commit returns once PostgreSQL has it in its write-ahead log
// (synchronous_commit as the server is configured; the default syncs). A
// lost connection fails the unit in flight (and, with group commit, its
// batch: rebuild the engine from the store, as with SQLite); the next
// transaction connects again, so a store outlives a database restart.
//
// The schema is versioned in docket_meta; opening migrates an older one under
// an advisory lock (so nodes that start together migrate once) and refuses a
// newer one or a database that holds other tables.
//
// Errors name the server (the URL without its password) and say what
// PostgreSQL said: "postgresql://docket@db/docket: cannot connect: connection
// to server ... failed: Connection refused".
//
// Not thread-safe: one thread uses a store (a node opens one for its engine,
// others to read).

#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/store/store.h"

namespace docket::engine {

class PgConnection;

struct PostgresStoreOptions : StoreOptions {
  // This node's name, kept on the outbox items it claims (the host name when empty).
  std::string node;
  // How long a claimed delivery stays with its node before another may take
  // it (its sender died): longer than one attempt may take.
  std::int64_t claim_ms = 60'000;
};

// The schema version this build writes.
inline constexpr int kPostgresSchemaVersion = 1;

// `url` with any password left out: how messages and listings name a server.
std::string redact_postgres_url(std::string_view url);

class PostgresStore final : public Store {
 public:
  // Connects to `url` and opens (creating its tables unless read_only) the store there.
  static Result<std::unique_ptr<PostgresStore>> open(const std::string& url, PostgresStoreOptions options = {});
  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

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
  const std::string& location() const override { return location_; }

  // Copying into this store (`docket store copy`; engine/store/store.h):
  // postgres_copy.cpp.
  Status begin_copy() override;
  Status copy_version(const StoredVersion& version) override;
  Status copy_rows(std::span<const JournalRow> rows) override;
  Status copy_ticket(const StoredTicket& stored, const Ticket& decoded) override;
  Status copy_checkpoint(const Checkpoint& checkpoint) override;
  Status copy_public_key(const std::string& pem) override;
  Status copy_delivery(const Delivery& delivery, std::span<const AttemptRow> attempts) override;
  Status end_copy(bool keep) override;

  // Several engines on one store (postgres_sharing.cpp).
  bool shared() const override { return true; }
  Result<StoreChanges> changes() override;
  Result<StoreChanges> lock_for_write() override;
  Status release_write() override;
  Status publish_rules(std::span<const std::shared_ptr<const Workflow>> workflows, std::int64_t now) override;

 private:
  PostgresStore(std::string url, PostgresStoreOptions options);

  Status open_database();
  Status migrate();
  Status load_state();
  // Runs `body` in one transaction of its own (BEGIN ... COMMIT, ROLLBACK on failure).
  Status in_transaction(const std::function<Status()>& body);
  Status rollback();
  // Runs `write` as one unit: its own transaction, or a savepoint in the open batch.
  Status write_apart(const std::function<Status()>& write);

  Status begin_unit();
  Status write_unit(const Unit& unit);
  Status end_unit(bool ok);
  Status commit_batch();
  // Locks the chain's head for this transaction and checks that it is where this store left it.
  Status lock_head();
  Status write_ticket(const Ticket& ticket, std::int64_t first_use);
  Status write_timers(const Ticket& ticket);
  Status write_records(const Unit& unit);
  Status write_key(const Unit& unit);
  Status write_outbox(const Record& record, const std::string& hash, const Ticket* ticket);
  Status insert_checkpoint(std::uint64_t seq, std::int64_t at);
  // Writes last_seq_, last_hash_, last_at_ and changes_ into the head row,
  // when a unit of the open transaction moved them.
  Status move_head();
  Status insert_version(const Workflow& workflow, std::int64_t now);
  Status read_rows(const char* sql, const std::string& key, const std::function<Status(const JournalRow&)>& each);
  std::int64_t wall_clock_ms() const;
  Status refuse_writes() const;
  // Reads the head (locking it when `lock`) and what others wrote since
  // changes_, and moves this store's idea of the head there.
  Result<StoreChanges> read_changes(bool lock);

  std::string location_;
  PostgresStoreOptions options_;
  std::unique_ptr<PgConnection> db_;

  std::uint64_t last_seq_ = 0;
  std::int64_t last_at_ = 0;
  std::string last_hash_;
  std::uint64_t changes_ = 0;  // units written to the store, by every node
  std::uint64_t rules_ = 0;    // deploys published to the store, by every node
  bool write_locked_ = false;  // lock_for_write() opened the transaction the next unit is written in
  bool head_moved_ = false;    // a unit of the open transaction moved the head; the row is written at commit
  std::map<std::string, std::uint64_t, std::less<>> row_versions_;  // ticket -> row version
  std::set<std::string, std::less<>> known_versions_;
  std::vector<std::string> new_versions_;  // added by the unit being written

  // Group commit: the open batch.
  bool in_batch_ = false;
  std::size_t batch_size_ = 0;
  std::vector<Record> batch_records_;  // for on_durable, after the commit
  std::string failed_;                 // a batch was lost: every write is refused
};

}  // namespace docket::engine
