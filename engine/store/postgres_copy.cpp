// Copying a store into this PostgreSQL database (`docket store copy`): the
// copy calls of engine/store/store.h, all in one transaction that holds the
// chain's head locked, so no node appends while it runs.
//
// While a copy is open the store takes no other write: failed_ holds the
// reason, so commit(), add_version() and the outbox calls say why, and the
// copy calls tell by it that begin_copy() came first. What has been copied
// so far is kept where a unit leaves it: the chain's end in last_seq_,
// last_hash_ and last_at_, the tickets in row_versions_, the versions in
// known_versions_. end_copy() reads all of it back from the database.
//
// The copy calls never connect again: a connection lost half way loses the
// transaction with it, and every later call fails instead of writing the
// rest outside of it.

#include <algorithm>
#include <string>
#include <vector>

#include "engine/runtime/ticket.h"
#include "engine/store/audit_chain.h"
#include "engine/store/postgres_connection.h"
#include "engine/store/postgres_store.h"
#include "engine/store/signing.h"
#include "engine/store/ticket_rows.h"

namespace docket::engine {

namespace {

// Journal rows per INSERT statement (6 parameters each; PostgreSQL takes
// up to 65535).
constexpr std::size_t kRowsPerInsert = 500;

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

// "INSERT INTO journal(...) VALUES($1, ..., $6), ..." for `rows` rows.
std::string insert_rows_sql(std::size_t rows) {
  std::string sql = "INSERT INTO journal(seq, ticket, at, body, prev_hash, hash) VALUES";
  for (std::size_t row = 0; row < rows; ++row) {
    sql += row == 0 ? "(" : ", (";
    for (std::size_t column = 0; column < 6; ++column) {
      if (column > 0) sql += ", ";
      sql += "$" + std::to_string(row * 6 + column + 1);
    }
    sql += ")";
  }
  return sql;
}

}  // namespace

Status PostgresStore::begin_copy() {
  if (Status s = refuse_writes(); !s) return s;
  if (Status s = flush(); !s) return s;
  if (Status s = db_->connect(); !s) return s;
  if (Status s = db_->exec("BEGIN"); !s) return s;
  // The head stays locked until the copy ends: no node appends meanwhile.
  auto head = db_->run("SELECT seq FROM chain_head FOR UPDATE", {}, "locking the chain's head");
  auto held = db_->run(
      "SELECT EXISTS(SELECT 1 FROM journal) OR EXISTS(SELECT 1 FROM versions) OR EXISTS(SELECT 1 FROM tickets) "
      "OR EXISTS(SELECT 1 FROM checkpoints) OR EXISTS(SELECT 1 FROM outbox)",
      {}, "reading the store");
  Status empty = Status::success();
  if (!head) {
    empty = Status::failure(head.error());
  } else if (!held) {
    empty = Status::failure(held.error());
  } else if (head->empty() || head->integer(0, 0) != 0 || held->text(0, 0) != "f") {
    empty = Status::failure(location_ + ": not empty: a copy goes into a new store");
  }
  if (!empty) {
    (void)rollback();
    return empty;
  }
  last_seq_ = 0;
  last_hash_ = std::string(kGenesisHash);
  last_at_ = 0;
  changes_ = 0;
  row_versions_.clear();
  known_versions_.clear();
  failed_ = copying(location_);
  return Status::success();
}

Status PostgresStore::copy_version(const StoredVersion& version) {
  if (Status s = copy_is_open(failed_, location_); !s) return s;
  std::string name = "version " + version.id.substr(0, 12) + " of " + version.workflow;
  if (known_versions_.contains(version.id)) return Status::failure(location_ + ": " + name + " is copied twice");
  // versions.ordinal counts on: the order of the calls is the versions' order.
  auto added = db_->run(
      "INSERT INTO versions(id, workflow, declared, source_root, added_at) VALUES($1, $2, $3, $4, $5)",
      {version.id, version.workflow, version.declared, version.source_root, version.added_at}, "copying " + name);
  if (!added) return Status::failure(added.error());
  for (std::size_t i = 0; i < version.sources.size(); ++i) {
    auto source = db_->run("INSERT INTO version_sources(version, ordinal, path, text) VALUES($1, $2, $3, $4)",
                           {version.id, static_cast<std::int64_t>(i), version.sources[i].path, version.sources[i].text},
                           "copying the sources of " + name);
    if (!source) return Status::failure(source.error());
  }
  known_versions_.insert(version.id);
  return Status::success();
}

Status PostgresStore::copy_rows(std::span<const JournalRow> rows) {
  if (Status s = copy_is_open(failed_, location_); !s) return s;
  while (!rows.empty()) {
    std::span<const JournalRow> chunk = rows.first(std::min(rows.size(), kRowsPerInsert));
    rows = rows.subspan(chunk.size());
    // Every row of the statement checked first, each against the one before.
    std::uint64_t seq = last_seq_;
    std::string hash = last_hash_;
    std::int64_t at = last_at_;
    std::vector<PgParam> params;
    params.reserve(chunk.size() * 6);
    for (const JournalRow& row : chunk) {
      if (Status s = check_link(row, seq, hash, location_); !s) return s;
      seq = row.seq;
      hash = row.hash;
      at = std::max(at, row.at);
      params.insert(params.end(), {row.seq, row.ticket, row.at, row.body, row.prev_hash, row.hash});
    }
    std::string sql = insert_rows_sql(chunk.size());
    auto inserted =
        db_->run(sql.c_str(), params, "copying seq " + std::to_string(chunk.front().seq) + "-" + std::to_string(seq));
    if (!inserted) return Status::failure(inserted.error());
    last_seq_ = seq;
    last_hash_ = std::move(hash);
    last_at_ = at;
  }
  return Status::success();
}

Status PostgresStore::copy_ticket(const StoredTicket& stored, const Ticket& decoded) {
  if (Status s = copy_is_open(failed_, location_); !s) return s;
  std::string name = "ticket `" + stored.id + "`";
  if (row_versions_.contains(stored.id)) return Status::failure(location_ + ": " + name + " is copied twice");
  if (!known_versions_.contains(stored.version)) {
    return Status::failure(location_ + ": " + name + " is pinned to version " + stored.version.substr(0, 12) +
                           ", which the copy does not hold");
  }
  if (decoded.id != stored.id || decoded.workflow == nullptr || decoded.workflow->version_id() != stored.version) {
    return Status::failure(location_ + ": " + name + ": the decoded ticket is not the stored one");
  }
  // tickets.ordinal counts on: the order of the calls is the creation order.
  // Each ticket counts as one change, as if every ticket had been written
  // by one unit of its own, in that order (changes_ becomes their number).
  std::uint64_t change = row_versions_.size() + 1;
  auto added = db_->run(
      "INSERT INTO tickets(id, workflow, version, state, updated_at, next_due, row_version, change, snapshot) "
      "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      {stored.id, decoded.workflow->name(), stored.version, stored.state, decoded.updated_at, next_due_of(decoded),
       stored.row_version, change, stored.snapshot},
      "copying " + name);
  if (!added) return Status::failure(added.error());
  if (Status s = write_timers(decoded); !s) return s;
  for (const auto& [text, outcome] : stored.keys) {
    auto kept = db_->run(
        "INSERT INTO idempotency(ticket, key, accepted, reason, first_seq, last_seq, state) "
        "VALUES($1, $2, $3, $4, $5, $6, $7)",
        {stored.id, text, outcome.accepted, outcome.reason, outcome.first_seq, outcome.last_seq, outcome.state},
        "copying the idempotency keys of " + name);
    if (!kept) return Status::failure(kept.error());
  }
  row_versions_.emplace(stored.id, stored.row_version);
  changes_ = change;
  return Status::success();
}

Status PostgresStore::copy_checkpoint(const Checkpoint& checkpoint) {
  if (Status s = copy_is_open(failed_, location_); !s) return s;
  auto added = db_->run("INSERT INTO checkpoints(seq, hash, at, key_id, signature) VALUES($1, $2, $3, $4, $5)",
                        {checkpoint.seq, checkpoint.hash, checkpoint.at, checkpoint.key_id, checkpoint.signature},
                        "copying the checkpoint at seq " + std::to_string(checkpoint.seq));
  return added ? Status::success() : Status::failure(added.error());
}

Status PostgresStore::copy_public_key(const std::string& pem) {
  if (Status s = copy_is_open(failed_, location_); !s) return s;
  Result<VerifyKey> key = VerifyKey::from_pem(pem, location_ + ": a copied public key");
  if (!key) return Status::failure(key.error());
  // A key the store holds already (it was opened with it) stays as it is.
  auto kept = db_->run("INSERT INTO docket_meta(key, value) VALUES($1, $2) ON CONFLICT (key) DO NOTHING",
                       {"public_key:" + key->key_id(), pem}, "copying public key " + key->key_id());
  return kept ? Status::success() : Status::failure(kept.error());
}

Status PostgresStore::copy_delivery(const Delivery& delivery, std::span<const AttemptRow> attempts) {
  if (Status s = copy_is_open(failed_, location_); !s) return s;
  const OutboxItem& item = delivery.item;
  std::string what = "copying delivery " + item.id;
  // The same position keeps the outbox's order and its listing cursors;
  // end_copy() moves the identity past the last one. No node holds a claim.
  auto added =
      delivery.position > 0
          ? db_->run(
                "INSERT INTO outbox(position, id, seq, part, ticket, target, payload, status, attempts, queued_ms, "
                "next_ms, finished_ms, last_http_status, last_error) OVERRIDING SYSTEM VALUE "
                "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                {delivery.position, item.id, item.seq, item.part, item.ticket, item.target, item.payload,
                 to_string(delivery.status), delivery.attempts, delivery.queued_ms, delivery.next_ms,
                 delivery.finished_ms, delivery.last_http_status, delivery.last_error},
                what)
          : db_->run(
                "INSERT INTO outbox(id, seq, part, ticket, target, payload, status, attempts, queued_ms, next_ms, "
                "finished_ms, last_http_status, last_error) "
                "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                {item.id, item.seq, item.part, item.ticket, item.target, item.payload, to_string(delivery.status),
                 delivery.attempts, delivery.queued_ms, delivery.next_ms, delivery.finished_ms,
                 delivery.last_http_status, delivery.last_error},
                what);
  if (!added) return Status::failure(added.error());
  for (const AttemptRow& attempt : attempts) {
    auto kept = db_->run(
        "INSERT INTO outbox_attempts(id, number, at_ms, duration_ms, http_status, error, outcome) "
        "VALUES($1, $2, $3, $4, $5, $6, $7)",
        {item.id, attempt.number, attempt.attempt.at_ms, attempt.attempt.duration_ms, attempt.attempt.http_status,
         attempt.attempt.error, to_string(attempt.attempt.status)},
        "copying attempt " + std::to_string(attempt.number) + " at " + item.id);
    if (!kept) return Status::failure(kept.error());
  }
  return Status::success();
}

Status PostgresStore::end_copy(bool keep) {
  if (failed_ != copying(location_)) {
    // Nothing open: rolling back has nothing to do.
    if (!keep) return Status::success();
    return copy_is_open(failed_, location_);
  }
  failed_.clear();
  Status ended = Status::success();
  if (keep) {
    auto head = db_->run("UPDATE chain_head SET seq = $1, hash = $2, at = $3, changes = $4",
                         {last_seq_, last_hash_, last_at_, changes_}, "moving the chain's head");
    if (!head) ended = Status::failure(head.error());
    if (ended) {
      // New items are numbered after the copied ones.
      auto numbered = db_->run(
          "SELECT setval(pg_get_serial_sequence('outbox', 'position'), max(position)) FROM outbox "
          "HAVING max(position) IS NOT NULL",
          {}, "numbering the outbox");
      if (!numbered) ended = Status::failure(numbered.error());
    }
    if (ended) ended = db_->exec("COMMIT");
  }
  if (!keep || !ended) (void)rollback();
  // What the store holds now, as opening it would find it.
  last_seq_ = 0;
  last_hash_.clear();
  last_at_ = 0;
  changes_ = 0;
  row_versions_.clear();
  known_versions_.clear();
  if (Status s = db_->connect(); !s) return ended ? s : ended;
  Status loaded = load_state();
  return ended ? loaded : ended;
}

}  // namespace docket::engine
