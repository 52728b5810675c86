// The durable store: tickets, the journal and every workflow version used.
//
// A Store is the JournalSink an engine writes to when nothing may be lost.
// Each unit of work (engine/runtime/journal.h: Unit) is kept in one transaction:
// its journal records, the ticket as the unit left it, the ticket's pending
// due items and the event's idempotency key, together or not at all. When
// commit() returns success the unit is durable (or, in a group-commit mode,
// will be when flush() returns; see the implementation's options).
//
// The journal is a hash chain (engine/store/audit_chain.h): every record's hash
// covers the previous record's hash and the record's canonical JSON body, so
// an auditor can prove that nothing was altered, dropped or reordered.
// Stores with a signing key also sign checkpoints of the chain.
//
// Recovery (engine/store/recovery.h) reads back the versions and tickets, so an
// engine resumes every ticket and timer exactly after a crash or restart.
//
// Every ticket row carries a row version checked on update, so two engines
// sharing one store (a server backend) cannot overwrite each other's work:
// the second writer gets a conflict error instead.
//
// Two backends provide it: one SQLite file (engine/store/sqlite_store.h), the
// embedded default, and a PostgreSQL database that several engine nodes
// share (engine/store/postgres_store.h). open_store()
// (engine/store/open_store.h) chooses by location.

#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/model/result.h"
#include "engine/model/workflow.h"
#include "engine/runtime/engine.h"
#include "engine/runtime/journal.h"
#include "engine/store/checkpoint.h"
#include "engine/store/outbox.h"
#include "engine/store/signing.h"

namespace docket::engine {

// What every backend is opened with (each adds its own: SqliteStoreOptions,
// PostgresStoreOptions).
struct StoreOptions {
  // Units per transaction; 1 commits every unit on its own.
  std::size_t batch_units = 1;
  // Sign a checkpoint every this many records (when a key is given).
  std::uint64_t checkpoint_every = 1000;
  std::optional<SigningKey> signing_key;
  // Open without writing anything (auditors, `docket versions`).
  bool read_only = false;
  // Called with the records of each unit once it is durable, in seq order.
  std::function<void(std::span<const Record>)> on_durable;
  // What each record asks of the outside (engine/store/outbox.h); none when empty.
  OutboxRouter outbox_router;
  // Wall-clock milliseconds for the outbox's times; the system clock when empty.
  std::function<std::int64_t()> wall_clock_ms;
};

// A workflow version as the store keeps it.
struct StoredVersion {
  std::string id;        // Workflow::version_id(): SHA-256 of the sources
  std::string workflow;  // the workflow's name
  std::string declared;  // `version` as written in the rules; may be empty
  std::vector<WorkflowSource> sources;
  std::string source_root;    // Workflow::source_root()
  std::int64_t added_at = 0;  // when the store first saw it (engine time)
  std::size_t tickets = 0;    // tickets pinned to it now
};

// A ticket as the store keeps it: what Engine::restore() needs.
struct StoredTicket {
  std::string id;
  std::string version;   // the version id it is pinned to
  std::string state;     // its state's name (also inside the snapshot)
  std::string snapshot;  // encode_ticket() (engine/codec/ticket_codec.h)
  std::uint64_t row_version = 0;
  std::vector<std::pair<std::string, Outcome>> keys;  // idempotency key -> first outcome
};

// One journal row: the record's canonical JSON body and its chain links.
struct JournalRow {
  std::uint64_t seq = 0;  // the row's key (the body holds it too)
  std::string ticket;
  std::int64_t at = 0;
  std::string body;       // encode_record() (engine/codec/journal_json.h), exactly
  std::string prev_hash;  // the previous row's hash; kGenesisHash for the first
  std::string hash;       // chain_hash(prev_hash, body)
  // Set by a reader that found the row malformed: a bundle line without its
  // hash suffix, a CSV column that disagrees with the body.
  std::string problem;
};

// What other engines sharing a store wrote since this one last looked.
struct StoreChanges {
  std::uint64_t last_seq = 0;         // the journal's head now
  std::int64_t last_at = 0;           // the latest time of any unit
  std::vector<StoredTicket> tickets;  // tickets others wrote, as the store holds them now
  // The current version of every workflow, oldest workflow first, when a
  // deploy on another node changed them; nullopt when it did not.
  std::optional<std::vector<std::string>> rules;

  // No change: only the head.
  static StoreChanges none(std::uint64_t last_seq, std::int64_t last_at) {
    StoreChanges head;
    head.last_seq = last_seq;
    head.last_at = last_at;
    return head;
  }
};

class Store : public JournalSink {
 public:
  // Keeps `workflow`'s sources unless the store has that version already;
  // `now` is recorded as when it was added. (A unit whose ticket is on a
  // version the store lacks adds it too, at the unit's time.)
  virtual Status add_version(const Workflow& workflow, std::int64_t now) = 0;
  // Every version kept, oldest first, with its ticket count.
  virtual Result<std::vector<StoredVersion>> versions() = 0;

  // Every ticket, in creation order.
  virtual Result<std::vector<StoredTicket>> tickets() = 0;
  // Journal rows with seq >= from_seq, in the order of their keys; stops at
  // the first `each` that fails and returns its error.
  virtual Status read_journal(std::uint64_t from_seq, const std::function<Status(const JournalRow&)>& each) = 0;
  // The journal rows of one ticket, in seq order.
  virtual Status read_ticket_journal(std::string_view ticket, const std::function<Status(const JournalRow&)>& each) = 0;
  // Signed checkpoints, by seq.
  virtual Result<std::vector<Checkpoint>> checkpoints() = 0;

  // The last record's seq (0 when empty) and the latest time of any unit.
  virtual std::uint64_t last_seq() const = 0;
  virtual std::int64_t last_at() const = 0;

  // Makes every unit committed so far durable (group commit); a no-op when
  // each unit is its own transaction.
  virtual Status flush() = 0;
  // flush(), and for a store that signs checkpoints, one over the last
  // record when none covers it yet: called on a clean close, so that the
  // whole journal is signed, not only up to the last multiple of the
  // checkpoint interval.
  virtual Status seal() = 0;

  // ------------------------------------------------------------ the outbox (engine/store/outbox.h)
  // Items are written by commit(), through the router the store was opened
  // with. These calls are the sender's and the operator's.

  // Up to `limit` items for `target` that are due at `now_ms` and whose
  // record has seq <= `max_seq` (the units known durable): for each ticket at
  // most its earliest item that is neither delivered nor dead, in seq order.
  virtual Result<std::vector<Delivery>> due_deliveries(std::string_view target, std::uint64_t max_seq,
                                                       std::int64_t now_ms, std::size_t limit) = 0;
  // Keeps each attempt and moves its item on (status, attempt count, next
  // time, last outcome), all in one transaction. An id the outbox lacks is an error.
  virtual Status record_attempts(std::span<const DeliveryAttempt> attempts) = 0;
  // One page of items in outbox order.
  virtual Result<OutboxPage> outbox(const OutboxQuery& query) = 0;
  // The item `id`, nullopt when the outbox has none.
  virtual Result<std::optional<Delivery>> delivery(std::string_view id) = 0;
  // Every attempt at `id`, first first.
  virtual Result<std::vector<AttemptRow>> delivery_attempts(std::string_view id) = 0;
  // Puts a dead or failed item back, due at `now_ms` with a fresh count of
  // attempts (its earlier attempts stay on record). Errors for an unknown id
  // or an item that is delivered or still pending.
  virtual Result<Delivery> retry_delivery(std::string_view id, std::int64_t now_ms) = 0;
  virtual Result<OutboxSummary> outbox_summary() = 0;

  // ------------------------------------------------------------ audit and operations

  // The PEM public keys of every key that signed checkpoints in this store.
  virtual Result<std::vector<std::string>> public_keys() = 0;
  // The checkpoint of the highest seq; nullopt when there is none.
  virtual Result<std::optional<Checkpoint>> last_checkpoint() = 0;
  // Runs `read` in one read transaction: what it reads is the store at one
  // moment while others write (an export's journal and its checkpoints
  // agree). REQUIRES: no batch is open (a read-only store never has one).
  virtual Status read_snapshot(const std::function<Status()>& read) = 0;
  // Rolls back the open batch (group commit) and refuses later writes: for
  // an all-or-nothing operation that found a problem half way.
  virtual void discard() = 0;
  // Where the store is, as its messages name it: a file's path, or a
  // server's URL without its password.
  virtual const std::string& location() const = 0;

  // ------------------------------------------------------------ several engines on one store
  // A shared store (PostgreSQL) is written by several engines at once, each
  // in a process of its own. Before it applies anything, an engine takes
  // the write lock, which tells it what the others changed meanwhile
  // (recovery.h: catch_up()), so that it works on every ticket as the store
  // holds it; nobody else appends until its unit commits. A store that only
  // one engine writes has nothing to tell: these calls cost nothing there.

  // Whether other processes may write this store at the same time.
  virtual bool shared() const { return false; }
  // What others changed since this store last looked, without locking (for reads).
  virtual Result<StoreChanges> changes() {
    return Result<StoreChanges>::success(StoreChanges::none(last_seq(), last_at()));
  }
  // Opens the transaction the next unit is written in, with the journal's
  // head locked, and says what others changed before: until that unit
  // commits (with group commit, its batch) or release_write() is called,
  // nobody else writes.
  virtual Result<StoreChanges> lock_for_write() { return changes(); }
  // Ends a write lock that no unit used (the event was a duplicate, or named
  // no ticket). A no-op when none is held.
  virtual Status release_write() { return Status::success(); }
  // Keeps `workflows` (add_version) and makes them the current rules, all
  // at once: other engines sharing the store install them when they next
  // look (StoreChanges::rules).
  virtual Status publish_rules(std::span<const std::shared_ptr<const Workflow>> workflows, std::int64_t now) {
    for (const std::shared_ptr<const Workflow>& workflow : workflows) {
      if (Status s = add_version(*workflow, now); !s) return s;
    }
    return Status::success();
  }

  // ------------------------------------------------------------ copying (`docket store copy`)
  // A copy is written into an empty store in one transaction: begin_copy()
  // (which refuses a store that holds anything), then the versions, the
  // journal rows in seq order (their chain checked as they come), the
  // tickets, checkpoints, public keys and the outbox, and end_copy(true)
  // commits (false rolls back). Rows are kept exactly as read: bodies,
  // hashes, snapshots, signatures; a ticket's due items are those of its
  // decoded snapshot.
  virtual Status begin_copy() = 0;
  virtual Status copy_version(const StoredVersion& version) = 0;
  virtual Status copy_rows(std::span<const JournalRow> rows) = 0;
  virtual Status copy_ticket(const StoredTicket& stored, const Ticket& decoded) = 0;
  virtual Status copy_checkpoint(const Checkpoint& checkpoint) = 0;
  virtual Status copy_public_key(const std::string& pem) = 0;
  virtual Status copy_delivery(const Delivery& delivery, std::span<const AttemptRow> attempts) = 0;
  virtual Status end_copy(bool keep) = 0;
};

}  // namespace docket::engine
