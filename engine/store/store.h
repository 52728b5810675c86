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
// The interface is narrow on purpose: it is what a second backend
// (a database server shared by several engine nodes) has to provide.

#pragma once

#include <cstdint>
#include <functional>
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

namespace docket::engine {

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
};

}  // namespace docket::engine
