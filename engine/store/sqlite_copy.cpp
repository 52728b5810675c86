// Copying a store into this SQLite file (`docket store copy`): the copy
// calls of engine/store/store.h, all in one transaction.
//
// While a copy is open the store takes no other write: failed_ holds the
// reason, so commit(), add_version() and the outbox calls say why, and the
// copy calls tell by it that begin_copy() came first. What has been copied
// so far is kept where a unit leaves it: the chain's end in last_seq_,
// last_hash_ and last_at_, the tickets in row_versions_, the versions in
// known_versions_. end_copy() reads all of it back from the file.

#include <algorithm>
#include <string>

#include "engine/runtime/ticket.h"
#include "engine/store/audit_chain.h"
#include "engine/store/signing.h"
#include "engine/store/sqlite_statement.h"
#include "engine/store/sqlite_store.h"
#include "engine/store/ticket_rows.h"

namespace docket::engine {

namespace {

// What failed_ says while a copy is open.
std::string copying(const std::string& location) {
  return location + ": a copy is being written into the store: it takes no other write until the copy ends";
}

// Success while a copy is open; otherwise why a copy call is refused.
Status copy_is_open(const std::string& failed, const std::string& location) {
  if (failed == copying(location)) return Status::success();
  if (!failed.empty()) return Status::failure(failed);
  return Status::failure(location + ": no copy is open (begin_copy() first)");
}

// Success when `row` continues the chain that ends at `last_seq` with
// `last_hash`, and its hash covers its body.
Status check_link(const JournalRow& row, std::uint64_t last_seq, const std::string& last_hash,
                  const std::string& location) {
  std::string refused = location + ": cannot copy seq " + std::to_string(row.seq) + ": ";
  if (!row.problem.empty()) return Status::failure(refused + row.problem);
  if (row.seq != last_seq + 1) {
    return Status::failure(refused + (last_seq == 0 ? std::string("the journal does not start at seq 1")
                                                    : "it does not follow seq " + std::to_string(last_seq)));
  }
  if (row.prev_hash != last_hash) {
    return Status::failure(
        refused + "its prev_hash does not link to " +
        (last_seq == 0 ? std::string("the genesis hash") : "the hash of seq " + std::to_string(last_seq)));
  }
  if (chain_hash(row.prev_hash, row.body) != row.hash) {
    return Status::failure(refused + "the record's content does not match its hash");
  }
  return Status::success();
}

}  // namespace

Status SqliteStore::begin_copy() {
  if (!failed_.empty()) return Status::failure(failed_);
  if (options_.read_only) return Status::failure(path_ + ": the store is open read-only");
  if (Status s = flush(); !s) return s;
  if (Status s = exec("BEGIN IMMEDIATE"); !s) return s;
  auto held = prepare(
      "SELECT EXISTS(SELECT 1 FROM journal) OR EXISTS(SELECT 1 FROM versions) OR EXISTS(SELECT 1 FROM tickets) "
      "OR EXISTS(SELECT 1 FROM checkpoints) OR EXISTS(SELECT 1 FROM outbox)");
  Status empty = held ? Status::success() : Status::failure(held.error());
  if (empty) {
    Using using_it(held.value());
    if (held.value()->step() != SQLITE_ROW) {
      empty = fail("reading the store");
    } else if (held.value()->integer(0) != 0) {
      empty = Status::failure(path_ + ": not empty: a copy goes into a new store");
    }
  }
  if (!empty) {
    if (sqlite3_get_autocommit(db_) == 0) (void)exec("ROLLBACK");
    return empty;
  }
  last_seq_ = 0;
  last_hash_ = std::string(kGenesisHash);
  last_at_ = 0;
  row_versions_.clear();
  known_versions_.clear();
  failed_ = copying(path_);
  return Status::success();
}

Status SqliteStore::copy_version(const StoredVersion& version) {
  if (Status s = copy_is_open(failed_, path_); !s) return s;
  std::string name = "version " + version.id.substr(0, 12) + " of " + version.workflow;
  if (known_versions_.contains(version.id)) return Status::failure(path_ + ": " + name + " is copied twice");
  auto add = prepare(
      "INSERT INTO versions(id, workflow, declared, source_root, added_at, ordinal) "
      "VALUES(?, ?, ?, ?, ?, (SELECT count(*) FROM versions))");
  if (!add) return Status::failure(add.error());
  {
    Using using_it(add.value());
    add.value()
        ->bind(1, version.id)
        .bind(2, version.workflow)
        .bind(3, version.declared)
        .bind(4, version.source_root)
        .bind(5, version.added_at);
    if (add.value()->step() != SQLITE_DONE) return fail("copying " + name);
  }
  auto source = prepare("INSERT INTO version_sources(version, ordinal, path, text) VALUES(?, ?, ?, ?)");
  if (!source) return Status::failure(source.error());
  for (std::size_t i = 0; i < version.sources.size(); ++i) {
    Using using_it(source.value());
    source.value()
        ->bind(1, version.id)
        .bind(2, static_cast<std::int64_t>(i))
        .bind(3, version.sources[i].path)
        .bind(4, version.sources[i].text);
    if (source.value()->step() != SQLITE_DONE) return fail("copying the sources of " + name);
  }
  known_versions_.insert(version.id);
  return Status::success();
}

Status SqliteStore::copy_rows(std::span<const JournalRow> rows) {
  if (Status s = copy_is_open(failed_, path_); !s) return s;
  auto insert = prepare("INSERT INTO journal(seq, ticket, at, body, prev_hash, hash) VALUES(?, ?, ?, ?, ?, ?)");
  if (!insert) return Status::failure(insert.error());
  for (const JournalRow& row : rows) {
    if (Status s = check_link(row, last_seq_, last_hash_, path_); !s) return s;
    Using using_it(insert.value());
    insert.value()
        ->bind(1, static_cast<std::int64_t>(row.seq))
        .bind(2, row.ticket)
        .bind(3, row.at)
        .bind(4, row.body)
        .bind(5, row.prev_hash)
        .bind(6, row.hash);
    if (insert.value()->step() != SQLITE_DONE) return fail("copying seq " + std::to_string(row.seq));
    last_seq_ = row.seq;
    last_hash_ = row.hash;
    last_at_ = std::max(last_at_, row.at);
  }
  return Status::success();
}

Status SqliteStore::copy_ticket(const StoredTicket& stored, const Ticket& decoded) {
  if (Status s = copy_is_open(failed_, path_); !s) return s;
  std::string name = "ticket `" + stored.id + "`";
  if (row_versions_.contains(stored.id)) return Status::failure(path_ + ": " + name + " is copied twice");
  if (!known_versions_.contains(stored.version)) {
    return Status::failure(path_ + ": " + name + " is pinned to version " + stored.version.substr(0, 12) +
                           ", which the copy does not hold");
  }
  if (decoded.id != stored.id || decoded.workflow == nullptr || decoded.workflow->version_id() != stored.version) {
    return Status::failure(path_ + ": " + name + ": the decoded ticket is not the stored one");
  }
  auto add = prepare(
      "INSERT INTO tickets(id, ordinal, workflow, version, state, updated_at, next_due, row_version, snapshot) "
      "VALUES(?, (SELECT count(*) FROM tickets), ?, ?, ?, ?, ?, ?, ?)");
  if (!add) return Status::failure(add.error());
  {
    Statement& row = *add.value();
    Using using_it(add.value());
    row.bind(1, stored.id)
        .bind(2, decoded.workflow->name())
        .bind(3, stored.version)
        .bind(4, stored.state)
        .bind(5, decoded.updated_at);
    if (std::optional<std::int64_t> due = next_due_of(decoded)) {
      row.bind(6, *due);
    } else {
      row.bind_null(6);
    }
    row.bind(7, static_cast<std::int64_t>(stored.row_version)).bind(8, stored.snapshot);
    if (row.step() != SQLITE_DONE) return fail("copying " + name);
  }
  if (Status s = write_timers(decoded); !s) return s;
  auto key = prepare(
      "INSERT INTO idempotency(ticket, key, accepted, reason, first_seq, last_seq, state) VALUES(?, ?, ?, ?, ?, ?, ?)");
  if (!key) return Status::failure(key.error());
  for (const auto& [text, outcome] : stored.keys) {
    Using using_it(key.value());
    key.value()
        ->bind(1, stored.id)
        .bind(2, text)
        .bind(3, std::int64_t{outcome.accepted ? 1 : 0})
        .bind(4, outcome.reason)
        .bind(5, static_cast<std::int64_t>(outcome.first_seq))
        .bind(6, static_cast<std::int64_t>(outcome.last_seq))
        .bind(7, outcome.state);
    if (key.value()->step() != SQLITE_DONE) return fail("copying the idempotency keys of " + name);
  }
  row_versions_.emplace(stored.id, stored.row_version);
  return Status::success();
}

Status SqliteStore::copy_checkpoint(const Checkpoint& checkpoint) {
  if (Status s = copy_is_open(failed_, path_); !s) return s;
  auto add = prepare("INSERT INTO checkpoints(seq, hash, at, key_id, signature) VALUES(?, ?, ?, ?, ?)");
  if (!add) return Status::failure(add.error());
  Using using_it(add.value());
  add.value()
      ->bind(1, static_cast<std::int64_t>(checkpoint.seq))
      .bind(2, checkpoint.hash)
      .bind(3, checkpoint.at)
      .bind(4, checkpoint.key_id)
      .bind(5, checkpoint.signature);
  if (add.value()->step() != SQLITE_DONE)
    return fail("copying the checkpoint at seq " + std::to_string(checkpoint.seq));
  return Status::success();
}

Status SqliteStore::copy_public_key(const std::string& pem) {
  if (Status s = copy_is_open(failed_, path_); !s) return s;
  Result<VerifyKey> key = VerifyKey::from_pem(pem, path_ + ": a copied public key");
  if (!key) return Status::failure(key.error());
  // A key the store holds already (it was opened with it) stays as it is.
  auto keep = prepare("INSERT OR IGNORE INTO meta(key, value) VALUES(?, ?)");
  if (!keep) return Status::failure(keep.error());
  Using using_it(keep.value());
  keep.value()->bind(1, "public_key:" + key->key_id()).bind(2, pem);
  if (keep.value()->step() != SQLITE_DONE) return fail("copying public key " + key->key_id());
  return Status::success();
}

Status SqliteStore::copy_delivery(const Delivery& delivery, std::span<const AttemptRow> attempts) {
  if (Status s = copy_is_open(failed_, path_); !s) return s;
  const OutboxItem& item = delivery.item;
  auto add = prepare(
      "INSERT INTO outbox(position, id, seq, part, ticket, target, payload, status, attempts, queued_ms, next_ms, "
      "finished_ms, last_http_status, last_error) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!add) return Status::failure(add.error());
  {
    Statement& row = *add.value();
    Using using_it(add.value());
    // The same position keeps the outbox's order and its listing cursors.
    if (delivery.position > 0) {
      row.bind(1, static_cast<std::int64_t>(delivery.position));
    } else {
      row.bind_null(1);
    }
    row.bind(2, item.id)
        .bind(3, static_cast<std::int64_t>(item.seq))
        .bind(4, std::int64_t{item.part})
        .bind(5, item.ticket)
        .bind(6, item.target)
        .bind(7, item.payload)
        .bind(8, to_string(delivery.status))
        .bind(9, std::int64_t{delivery.attempts})
        .bind(10, delivery.queued_ms)
        .bind(11, delivery.next_ms)
        .bind(12, delivery.finished_ms)
        .bind(13, std::int64_t{delivery.last_http_status})
        .bind(14, delivery.last_error);
    if (row.step() != SQLITE_DONE) return fail("copying delivery " + item.id);
  }
  auto keep = prepare(
      "INSERT INTO outbox_attempts(id, number, at_ms, duration_ms, http_status, error, outcome) "
      "VALUES(?, ?, ?, ?, ?, ?, ?)");
  if (!keep) return Status::failure(keep.error());
  for (const AttemptRow& attempt : attempts) {
    Using using_it(keep.value());
    keep.value()
        ->bind(1, item.id)
        .bind(2, std::int64_t{attempt.number})
        .bind(3, attempt.attempt.at_ms)
        .bind(4, attempt.attempt.duration_ms)
        .bind(5, std::int64_t{attempt.attempt.http_status})
        .bind(6, attempt.attempt.error)
        .bind(7, to_string(attempt.attempt.status));
    if (keep.value()->step() != SQLITE_DONE) {
      return fail("copying attempt " + std::to_string(attempt.number) + " at " + item.id);
    }
  }
  return Status::success();
}

Status SqliteStore::end_copy(bool keep) {
  if (failed_ != copying(path_)) {
    // Nothing open: rolling back has nothing to do.
    if (!keep) return Status::success();
    return copy_is_open(failed_, path_);
  }
  failed_.clear();
  Status ended = Status::success();
  if (keep) {
    auto at = prepare("UPDATE meta SET value = ? WHERE key = 'last_at'");
    if (!at) {
      ended = Status::failure(at.error());
    } else {
      Using using_it(at.value());
      at.value()->bind(1, std::to_string(last_at_));
      if (at.value()->step() != SQLITE_DONE) ended = fail("writing the store's time");
    }
    if (ended) ended = exec("COMMIT");
  }
  if ((!keep || !ended) && sqlite3_get_autocommit(db_) == 0) (void)exec("ROLLBACK");
  // What the store holds now, as opening it would find it.
  last_seq_ = 0;
  last_hash_.clear();
  last_at_ = 0;
  row_versions_.clear();
  known_versions_.clear();
  Status loaded = load_state();
  return ended ? loaded : ended;
}

}  // namespace docket::engine
