#include "engine/store/postgres_store.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <utility>

#include "engine/codec/journal_json.h"
#include "engine/codec/ticket_codec.h"
#include "engine/runtime/ticket.h"
#include "engine/store/audit_chain.h"
#include "engine/store/postgres_connection.h"
#include "engine/store/ticket_rows.h"

namespace docket::engine {

namespace {

// The schema, one step per version: steps[v] turns version v into v + 1.
// The tables of the SQLite store (engine/store/sqlite_store.cpp), plus the
// chain's head row that orders the appends of every node, each ticket's
// `change` (the head's unit count when it was last written: what another
// node has to read again), and the outbox's claims.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE docket_meta(key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE chain_head(
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  seq bigint NOT NULL,
  hash text NOT NULL,
  at bigint NOT NULL,
  changes bigint NOT NULL,
  rules bigint NOT NULL DEFAULT 0);
CREATE TABLE versions(
  id text PRIMARY KEY,
  workflow text NOT NULL,
  declared text NOT NULL,
  source_root text NOT NULL,
  added_at bigint NOT NULL,
  ordinal bigint GENERATED ALWAYS AS IDENTITY);
CREATE TABLE version_sources(
  version text NOT NULL REFERENCES versions(id),
  ordinal integer NOT NULL,
  path text NOT NULL,
  text text NOT NULL,
  PRIMARY KEY(version, ordinal));
CREATE TABLE tickets(
  id text PRIMARY KEY,
  ordinal bigint GENERATED ALWAYS AS IDENTITY,
  workflow text NOT NULL,
  version text NOT NULL REFERENCES versions(id),
  state text NOT NULL,
  updated_at bigint NOT NULL,
  next_due bigint,
  row_version bigint NOT NULL,
  change bigint NOT NULL,
  snapshot text NOT NULL);
CREATE INDEX tickets_by_ordinal ON tickets(ordinal);
CREATE INDEX tickets_by_change ON tickets(change);
CREATE INDEX tickets_by_version ON tickets(version);
CREATE INDEX tickets_by_due ON tickets(next_due) WHERE next_due IS NOT NULL;
CREATE TABLE timers(
  ticket text NOT NULL REFERENCES tickets(id),
  kind text NOT NULL,
  name text NOT NULL,
  due bigint NOT NULL);
CREATE INDEX timers_by_ticket ON timers(ticket);
CREATE INDEX timers_by_due ON timers(due);
CREATE TABLE journal(
  seq bigint PRIMARY KEY,
  ticket text NOT NULL,
  at bigint NOT NULL,
  body text NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL);
CREATE INDEX journal_by_ticket ON journal(ticket, seq);
CREATE TABLE idempotency(
  ticket text NOT NULL,
  key text NOT NULL,
  accepted boolean NOT NULL,
  reason text NOT NULL,
  first_seq bigint NOT NULL,
  last_seq bigint NOT NULL,
  state text NOT NULL,
  PRIMARY KEY(ticket, key));
CREATE TABLE checkpoints(
  seq bigint PRIMARY KEY,
  hash text NOT NULL,
  at bigint NOT NULL,
  key_id text NOT NULL,
  signature text NOT NULL);
CREATE TABLE outbox(
  position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL UNIQUE,
  seq bigint NOT NULL,
  part integer NOT NULL,
  ticket text NOT NULL,
  target text NOT NULL,
  payload text NOT NULL,
  status text NOT NULL,
  attempts integer NOT NULL,
  queued_ms bigint NOT NULL,
  next_ms bigint NOT NULL,
  finished_ms bigint NOT NULL,
  last_http_status integer NOT NULL,
  last_error text NOT NULL,
  claimed_by text NOT NULL DEFAULT '',
  claimed_until bigint NOT NULL DEFAULT 0);
CREATE INDEX outbox_open ON outbox(target, ticket, seq, part) WHERE status IN ('pending', 'failed');
CREATE INDEX outbox_by_status ON outbox(status, position);
CREATE TABLE rules_current(
  ordinal integer PRIMARY KEY,
  version text NOT NULL REFERENCES versions(id));
CREATE TABLE outbox_attempts(
  id text NOT NULL,
  number integer NOT NULL,
  at_ms bigint NOT NULL,
  duration_ms bigint NOT NULL,
  http_status integer NOT NULL,
  error text NOT NULL,
  outcome text NOT NULL,
  PRIMARY KEY(id, number));
INSERT INTO chain_head(seq, hash, at, changes) VALUES(0, '0000000000000000000000000000000000000000000000000000000000000000', 0, 0);
)sql",
};
static_assert(std::size(kMigrations) == kPostgresSchemaVersion);

// The advisory lock that serialises migrations (any number: it only has to
// be the same for every docket).
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(7256473400518512640)";

std::string host_name() {
  std::array<char, 256> name{};
  if (gethostname(name.data(), name.size() - 1) != 0) return "docket";
  return name.data();
}

// PostgreSQL's text holds no NUL character, and libpq would cut a value short
// at one. The engine's inputs may carry one (JSON's \u0000) into a column of
// their own: a ticket id, an idempotency key, a rejection's reason. Names
// what has one; nullptr when nothing has.
const char* nul_in(const Unit& unit) {
  auto has_nul = [](std::string_view text) { return text.find('\0') != std::string_view::npos; };
  if (unit.ticket != nullptr && has_nul(unit.ticket->id)) return "ticket id";
  for (const Record& record : unit.records) {
    if (has_nul(record.ticket)) return "ticket id";
    if (record.idempotency_key && has_nul(*record.idempotency_key)) return "idempotency key";
    if (has_nul(record.reason)) return "reason";
  }
  return nullptr;
}

}  // namespace

// ---------------------------------------------------------------- opening

PostgresStore::PostgresStore(std::string url, PostgresStoreOptions options)
    : location_(redact_postgres_url(url)), options_(std::move(options)) {
  if (options_.batch_units == 0) options_.batch_units = 1;
  if (options_.checkpoint_every == 0) options_.checkpoint_every = 1;
  if (options_.node.empty()) options_.node = host_name();
  db_ = std::make_unique<PgConnection>(std::move(url), location_);
}

PostgresStore::~PostgresStore() {
  if (in_batch_ && failed_.empty()) (void)commit_batch();
}

Result<std::unique_ptr<PostgresStore>> PostgresStore::open(const std::string& url, PostgresStoreOptions options) {
  std::unique_ptr<PostgresStore> store(new PostgresStore(url, std::move(options)));
  Status opened = store->open_database();
  if (!opened) return Result<std::unique_ptr<PostgresStore>>::failure(opened.error());
  return Result<std::unique_ptr<PostgresStore>>::success(std::move(store));
}

Status PostgresStore::open_database() {
  if (Status s = db_->connect(); !s) return s;
  if (Status s = migrate(); !s) return s;
  if (Status s = load_state(); !s) return s;
  if (options_.signing_key && !options_.read_only) {
    // The public half stays with the store, so that an export carries it.
    auto kept = db_->run("INSERT INTO docket_meta(key, value) VALUES($1, $2) ON CONFLICT (key) DO NOTHING",
                         {"public_key:" + options_.signing_key->key_id(), options_.signing_key->verify_key().to_pem()},
                         "writing the public key");
    if (!kept) return Status::failure(kept.error());
  }
  return Status::success();
}

Status PostgresStore::rollback() { return db_->exec("ROLLBACK"); }

Status PostgresStore::in_transaction(const std::function<Status()>& body) {
  if (Status s = db_->begin(); !s) return s;
  Status done = body();
  if (!done) {
    (void)rollback();
    return done;
  }
  Status committed = db_->exec("COMMIT");
  if (!committed) (void)rollback();
  return committed;
}

Status PostgresStore::migrate() {
  auto tables = db_->run(
      "SELECT count(*) FILTER (WHERE table_name = 'docket_meta'), count(*) FROM information_schema.tables "
      "WHERE table_schema = current_schema()",
      {}, "reading the schema");
  if (!tables) return Status::failure(tables.error());
  bool ours = tables->integer(0, 0) > 0;
  int current = 0;
  if (ours) {
    auto version = db_->run("SELECT value FROM docket_meta WHERE key = 'schema_version'", {}, "reading the schema");
    if (!version) return Status::failure(version.error());
    if (version->empty()) return Status::failure(location_ + ": not a docket store (no schema version)");
    current = std::stoi("0" + version->text(0, 0));
  } else if (tables->integer(0, 1) > 0) {
    // Someone else's database: never add our tables to it.
    return Status::failure(location_ + ": not a docket store (it has other tables)");
  }
  if (current > kPostgresSchemaVersion) {
    return Status::failure(location_ + ": the store has schema version " + std::to_string(current) +
                           ", newer than this docket understands (" + std::to_string(kPostgresSchemaVersion) +
                           "): upgrade docket");
  }
  if (current == kPostgresSchemaVersion) return Status::success();
  if (options_.read_only) {
    if (current == 0) return Status::failure(location_ + ": not a docket store (no schema)");
    return Status::failure(location_ + ": the store has schema version " + std::to_string(current) +
                           " and needs migrating: open it once for writing");
  }
  return in_transaction([&]() -> Status {
    if (Status s = db_->exec(kMigrationLock, "migrating the schema"); !s) return s;
    // Another node may have migrated while this one waited for the lock.
    int now_at = 0;
    auto again = db_->run(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = "
        "'docket_meta'");
    if (!again) return Status::failure(again.error());
    if (again->integer(0, 0) > 0) {
      auto version = db_->run("SELECT value FROM docket_meta WHERE key = 'schema_version'");
      if (!version) return Status::failure(version.error());
      if (!version->empty()) now_at = std::stoi("0" + version->text(0, 0));
    }
    for (int step = now_at; step < kPostgresSchemaVersion; ++step) {
      if (Status s = db_->exec(kMigrations[step], "migrating the schema to version " + std::to_string(step + 1)); !s)
        return s;
    }
    if (now_at == 0) {
      return db_->exec("INSERT INTO docket_meta(key, value) VALUES('format', 'docket store'), ('schema_version', '" +
                       std::to_string(kPostgresSchemaVersion) + "')");
    }
    auto set = db_->run("UPDATE docket_meta SET value = $1 WHERE key = 'schema_version'",
                        {std::to_string(kPostgresSchemaVersion)});
    return set ? Status::success() : Status::failure(set.error());
  });
}

Status PostgresStore::load_state() {
  auto format = db_->run("SELECT value FROM docket_meta WHERE key = 'format'", {}, "reading the store");
  if (!format) return Status::failure(format.error());
  if (format->empty() || format->text(0, 0) != "docket store") {
    return Status::failure(location_ + ": not a docket store (no format mark)");
  }
  auto head = db_->run("SELECT seq, hash, at, changes, rules FROM chain_head", {}, "reading the chain's head");
  if (!head) return Status::failure(head.error());
  if (head->empty()) return Status::failure(location_ + ": the chain's head row is missing");
  last_seq_ = static_cast<std::uint64_t>(head->integer(0, 0));
  last_hash_ = head->text(0, 1);
  last_at_ = head->integer(0, 2);
  changes_ = static_cast<std::uint64_t>(head->integer(0, 3));
  rules_ = static_cast<std::uint64_t>(head->integer(0, 4));
  auto known = db_->run("SELECT id FROM versions", {}, "reading versions");
  if (!known) return Status::failure(known.error());
  for (int row = 0; row < known->size(); ++row) known_versions_.insert(known->text(row, 0));
  auto rows = db_->run("SELECT id, row_version FROM tickets", {}, "reading tickets");
  if (!rows) return Status::failure(rows.error());
  for (int row = 0; row < rows->size(); ++row) {
    row_versions_.emplace(rows->text(row, 0), static_cast<std::uint64_t>(rows->integer(row, 1)));
  }
  return Status::success();
}

// ---------------------------------------------------------------- writing

Status PostgresStore::refuse_writes() const {
  if (!failed_.empty()) return Status::failure(failed_);
  if (options_.read_only) return Status::failure(location_ + ": the store is open read-only");
  return Status::success();
}

Status PostgresStore::write(std::span<const Record> records) { return commit(Unit{records, nullptr}); }

Status PostgresStore::commit(const Unit& unit) {
  if (Status s = refuse_writes(); !s) return s;
  if (unit.records.empty() && unit.ticket == nullptr) return Status::success();
  if (Status s = begin_unit(); !s) return s;

  // What this unit changes in memory, applied only once it is kept.
  std::uint64_t seq_before = last_seq_;
  std::string hash_before = last_hash_;
  std::int64_t at_before = last_at_;
  std::uint64_t changes_before = changes_;
  new_versions_.clear();
  auto undo = [&] {
    new_versions_.clear();
    last_seq_ = seq_before;
    last_hash_ = hash_before;
    last_at_ = at_before;
    changes_ = changes_before;
  };
  Status written = write_unit(unit);
  if (!written) {
    undo();
    (void)end_unit(false);
    return written;
  }
  if (unit.ticket != nullptr) ++row_versions_[unit.ticket->id];
  Status ended = end_unit(true);
  if (!ended) {
    if (unit.ticket != nullptr) --row_versions_[unit.ticket->id];
    undo();
    return ended;
  }
  for (std::string& id : new_versions_) known_versions_.insert(std::move(id));
  new_versions_.clear();
  if (options_.batch_units == 1) {
    if (options_.on_durable) options_.on_durable(unit.records);
  } else {
    batch_records_.insert(batch_records_.end(), unit.records.begin(), unit.records.end());
    if (++batch_size_ >= options_.batch_units) return commit_batch();
  }
  return Status::success();
}

Status PostgresStore::lock_head() {
  auto head = db_->run("SELECT seq, hash FROM chain_head FOR UPDATE", {}, "locking the chain's head");
  if (!head) return Status::failure(head.error());
  if (head->empty()) return Status::failure(location_ + ": the chain's head row is missing");
  auto seq = static_cast<std::uint64_t>(head->integer(0, 0));
  if (seq != last_seq_ || head->text(0, 1) != last_hash_) {
    return Status::failure(location_ + ": the journal moved on to seq " + std::to_string(seq) + " since this store's " +
                           std::to_string(last_seq_) +
                           ": another writer appended; reopen the store to continue after it");
  }
  return Status::success();
}

Status PostgresStore::begin_unit() {
  if (write_locked_) return Status::success();  // lock_for_write() began it
  if (options_.batch_units == 1 || !in_batch_) {
    if (Status s = db_->begin(); !s) return s;
    if (Status s = lock_head(); !s) {
      (void)rollback();
      return s;
    }
    if (options_.batch_units == 1) return Status::success();
    in_batch_ = true;
  }
  Status saved = db_->exec("SAVEPOINT unit");
  if (!saved && !db_->connected()) {
    // The connection went, and the open batch with it.
    in_batch_ = false;
    head_moved_ = false;
    batch_size_ = 0;
    batch_records_.clear();
    failed_ = saved.error() +
              " (a group commit was lost with the connection: its units are lost; rebuild the engine from the store)";
    return Status::failure(failed_);
  }
  return saved;
}

Status PostgresStore::end_unit(bool ok) {
  if (options_.batch_units == 1) {
    write_locked_ = false;
    if (!ok) {
      head_moved_ = false;
      return rollback();
    }
    Status committed = move_head();
    if (committed) committed = db_->exec("COMMIT");
    head_moved_ = false;
    if (!committed) (void)rollback();
    return committed;
  }
  if (ok) return db_->exec("RELEASE SAVEPOINT unit");
  if (!db_->connected() || !db_->exec("ROLLBACK TO SAVEPOINT unit")) {
    // The whole batch is gone with this unit.
    in_batch_ = false;
    head_moved_ = false;
    batch_size_ = 0;
    batch_records_.clear();
    failed_ = location_ +
              ": a group commit was rolled back by an error; units acknowledged to the engine but "
              "not yet committed are lost: rebuild the engine from the store";
    return Status::success();
  }
  return db_->exec("RELEASE SAVEPOINT unit");
}

Status PostgresStore::commit_batch() {
  if (!in_batch_) return Status::success();
  Status committed = move_head();
  if (committed) committed = db_->exec("COMMIT");
  head_moved_ = false;
  in_batch_ = false;
  batch_size_ = 0;
  if (!committed) {
    (void)rollback();
    failed_ = committed.error() + " (a group commit failed: its units are lost; rebuild the engine from the store)";
    batch_records_.clear();
    return Status::failure(failed_);
  }
  if (options_.on_durable && !batch_records_.empty()) options_.on_durable(batch_records_);
  batch_records_.clear();
  return Status::success();
}

Status PostgresStore::flush() {
  if (!failed_.empty()) return Status::failure(failed_);
  return commit_batch();
}

Status PostgresStore::insert_checkpoint(std::uint64_t seq, std::int64_t at) {
  Checkpoint checkpoint = sign_checkpoint(*options_.signing_key, seq, last_hash_, at);
  auto signed_row = db_->run("INSERT INTO checkpoints(seq, hash, at, key_id, signature) VALUES($1, $2, $3, $4, $5)",
                             {checkpoint.seq, checkpoint.hash, checkpoint.at, checkpoint.key_id, checkpoint.signature},
                             "writing the checkpoint at seq " + std::to_string(seq));
  return signed_row ? Status::success() : Status::failure(signed_row.error());
}

Status PostgresStore::seal() {
  if (Status flushed = flush(); !flushed) return flushed;
  if (!options_.signing_key || options_.read_only || last_seq_ == 0) return Status::success();
  return in_transaction([&]() -> Status {
    // The head as it is now: other nodes may have appended since this one.
    if (Result<StoreChanges> head = read_changes(/*lock=*/true); !head) return Status::failure(head.error());
    auto covered = db_->run("SELECT coalesce(max(seq), 0) FROM checkpoints", {}, "reading the checkpoints");
    if (!covered) return Status::failure(covered.error());
    if (static_cast<std::uint64_t>(covered->integer(0, 0)) >= last_seq_) return Status::success();
    return insert_checkpoint(last_seq_, last_at_);
  });
}

Status PostgresStore::write_unit(const Unit& unit) {
  if (const char* what = nul_in(unit); what != nullptr) {
    return Status::failure(location_ + ": the unit's " + what +
                           " holds a NUL character, which PostgreSQL cannot store: the unit is not kept");
  }
  ++changes_;
  // The ticket first: a conflict with another writer is reported as such.
  if (unit.ticket != nullptr) {
    std::int64_t first_use = unit.records.empty() ? last_at_ : unit.records.front().at;
    if (Status s = write_ticket(*unit.ticket, first_use); !s) return s;
    if (Status s = write_timers(*unit.ticket); !s) return s;
  }
  if (Status s = write_records(unit); !s) return s;
  if (Status s = write_key(unit); !s) return s;
  head_moved_ = true;
  return Status::success();
}

Status PostgresStore::move_head() {
  // Once per transaction, just before its commit: a batch of units moves the head once.
  if (!head_moved_) return Status::success();
  auto head = db_->run("UPDATE chain_head SET seq = $1, hash = $2, at = $3, changes = $4",
                       {last_seq_, last_hash_, last_at_, changes_}, "moving the chain's head");
  if (!head) return Status::failure(head.error());
  head_moved_ = false;
  return Status::success();
}

Status PostgresStore::write_ticket(const Ticket& ticket, std::int64_t first_use) {
  // A version is kept the first time a ticket uses it, in the same
  // transaction, so that no record names a version the store lacks.
  if (!known_versions_.contains(ticket.workflow->version_id())) {
    if (Status s = insert_version(*ticket.workflow, first_use); !s) return s;
    new_versions_.push_back(ticket.workflow->version_id());
  }
  auto known = row_versions_.find(ticket.id);
  std::string snapshot = encode_ticket(ticket);
  std::optional<std::int64_t> due = next_due_of(ticket);
  if (known == row_versions_.end()) {
    auto added = db_->run(
        "INSERT INTO tickets(id, workflow, version, state, updated_at, next_due, row_version, change, snapshot) "
        "VALUES($1, $2, $3, $4, $5, $6, 1, $7, $8)",
        {ticket.id, ticket.workflow->name(), ticket.workflow->version_id(), ticket.state_name(), ticket.updated_at, due,
         changes_, snapshot},
        "writing ticket `" + ticket.id + "`");
    if (!added && db_->failure() == PgFailure::kUniqueViolation) {
      return Status::failure(location_ + ": ticket `" + ticket.id + "` was created by another writer");
    }
    return added ? Status::success() : Status::failure(added.error());
  }
  auto updated = db_->run(
      "UPDATE tickets SET version = $1, state = $2, updated_at = $3, next_due = $4, row_version = row_version + 1, "
      "change = $5, snapshot = $6 WHERE id = $7 AND row_version = $8",
      {ticket.workflow->version_id(), ticket.state_name(), ticket.updated_at, due, changes_, snapshot, ticket.id,
       known->second},
      "writing ticket `" + ticket.id + "`");
  if (!updated) return Status::failure(updated.error());
  if (updated->affected() != 1) {
    return Status::failure(location_ + ": ticket `" + ticket.id +
                           "` was changed by another writer (expected row version " + std::to_string(known->second) +
                           ")");
  }
  return Status::success();
}

Status PostgresStore::write_timers(const Ticket& ticket) {
  auto cleared = db_->run("DELETE FROM timers WHERE ticket = $1", {ticket.id}, "writing timers of `" + ticket.id + "`");
  if (!cleared) return Status::failure(cleared.error());
  for (const TimerRow& timer : timer_rows(ticket)) {
    auto added = db_->run("INSERT INTO timers(ticket, kind, name, due) VALUES($1, $2, $3, $4)",
                          {ticket.id, timer.kind, timer.name, timer.due}, "writing timers of `" + ticket.id + "`");
    if (!added) return Status::failure(added.error());
  }
  return Status::success();
}

Status PostgresStore::write_records(const Unit& unit) {
  for (const Record& record : unit.records) {
    if (record.seq != last_seq_ + 1) {
      return Status::failure(location_ + ": record seq " + std::to_string(record.seq) +
                             " does not follow the journal's " + std::to_string(last_seq_));
    }
    std::string body = encode_record(record);
    std::string hash = chain_hash(last_hash_, body);
    auto inserted = db_->run(
        "INSERT INTO journal(seq, ticket, at, body, prev_hash, hash) VALUES($1, $2, $3, $4, $5, $6)",
        {record.seq, record.ticket, record.at, body, last_hash_, hash}, "writing record " + std::to_string(record.seq));
    if (!inserted) return Status::failure(inserted.error());
    if (options_.outbox_router) {
      if (Status s = write_outbox(record, hash, unit.ticket); !s) return s;
    }
    last_seq_ = record.seq;
    last_hash_ = std::move(hash);
    last_at_ = std::max(last_at_, record.at);
    if (options_.signing_key && record.seq % options_.checkpoint_every == 0) {
      if (Status s = insert_checkpoint(record.seq, record.at); !s) return s;
    }
  }
  return Status::success();
}

Status PostgresStore::write_key(const Unit& unit) {
  if (unit.records.empty() || !unit.records.front().idempotency_key) return Status::success();
  const Record& first = unit.records.front();
  // The engine remembers keys of events on tickets that exist (see
  // Engine::apply); the store keeps the same ones.
  if (unit.ticket == nullptr && first.from.empty()) return Status::success();
  auto kept = db_->run(
      "INSERT INTO idempotency(ticket, key, accepted, reason, first_seq, last_seq, state) "
      "VALUES($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (ticket, key) DO NOTHING",
      {first.ticket, *first.idempotency_key, !first.rejected, first.reason, first.seq, unit.records.back().seq,
       unit.ticket != nullptr ? unit.ticket->state_name() : first.from},
      "writing the idempotency key of `" + first.ticket + "`");
  return kept ? Status::success() : Status::failure(kept.error());
}

Status PostgresStore::insert_version(const Workflow& workflow, std::int64_t now) {
  auto added = db_->run(
      "INSERT INTO versions(id, workflow, declared, source_root, added_at) VALUES($1, $2, $3, $4, $5) "
      "ON CONFLICT (id) DO NOTHING",
      {workflow.version_id(), workflow.name(), workflow.version(), workflow.source_root(), now},
      "writing version " + workflow.version_id());
  if (!added) return Status::failure(added.error());
  if (added->affected() == 0) return Status::success();  // another node kept it first
  for (std::size_t i = 0; i < workflow.sources().size(); ++i) {
    auto source = db_->run(
        "INSERT INTO version_sources(version, ordinal, path, text) VALUES($1, $2, $3, $4)",
        {workflow.version_id(), static_cast<std::int64_t>(i), workflow.sources()[i].path, workflow.sources()[i].text},
        "writing the sources of " + workflow.version_id());
    if (!source) return Status::failure(source.error());
  }
  return Status::success();
}

Status PostgresStore::add_version(const Workflow& workflow, std::int64_t now) {
  if (Status s = refuse_writes(); !s) return s;
  if (known_versions_.contains(workflow.version_id())) return Status::success();
  if (in_batch_) {
    if (Status s = commit_batch(); !s) return s;
  }
  if (Status s = in_transaction([&] { return insert_version(workflow, now); }); !s) return s;
  known_versions_.insert(workflow.version_id());
  return Status::success();
}

// ---------------------------------------------------------------- reading

Result<std::vector<StoredVersion>> PostgresStore::versions() {
  using R = Result<std::vector<StoredVersion>>;
  if (Status s = db_->connect(); !s) return R::failure(s.error());
  auto list = db_->run(
      "SELECT v.id, v.workflow, v.declared, v.added_at, (SELECT count(*) FROM tickets t WHERE t.version = v.id), "
      "v.source_root FROM versions v ORDER BY v.ordinal",
      {}, "reading versions");
  if (!list) return R::failure(list.error());
  std::vector<StoredVersion> result;
  for (int row = 0; row < list->size(); ++row) {
    StoredVersion& version = result.emplace_back();
    version.id = list->text(row, 0);
    version.workflow = list->text(row, 1);
    version.declared = list->text(row, 2);
    version.added_at = list->integer(row, 3);
    version.tickets = static_cast<std::size_t>(list->integer(row, 4));
    version.source_root = list->text(row, 5);
  }
  for (StoredVersion& version : result) {
    auto sources = db_->run("SELECT path, text FROM version_sources WHERE version = $1 ORDER BY ordinal", {version.id},
                            "reading the sources of " + version.id);
    if (!sources) return R::failure(sources.error());
    for (int row = 0; row < sources->size(); ++row) {
      version.sources.push_back({sources->text(row, 0), sources->text(row, 1)});
    }
  }
  return R::success(std::move(result));
}

Result<std::vector<StoredTicket>> PostgresStore::tickets() {
  using R = Result<std::vector<StoredTicket>>;
  if (Status s = db_->connect(); !s) return R::failure(s.error());
  auto list =
      db_->run("SELECT id, version, state, snapshot, row_version FROM tickets ORDER BY ordinal", {}, "reading tickets");
  if (!list) return R::failure(list.error());
  auto keys = db_->run(
      "SELECT ticket, key, accepted, reason, first_seq, last_seq, state FROM idempotency ORDER BY ticket, first_seq",
      {}, "reading idempotency keys");
  if (!keys) return R::failure(keys.error());
  std::vector<StoredTicket> result;
  std::map<std::string, std::size_t, std::less<>> index;
  for (int row = 0; row < list->size(); ++row) {
    StoredTicket& ticket = result.emplace_back();
    ticket.id = list->text(row, 0);
    ticket.version = list->text(row, 1);
    ticket.state = list->text(row, 2);
    ticket.snapshot = list->text(row, 3);
    ticket.row_version = static_cast<std::uint64_t>(list->integer(row, 4));
    index.emplace(ticket.id, result.size() - 1);
  }
  for (int row = 0; row < keys->size(); ++row) {
    auto owner = index.find(keys->text(row, 0));
    if (owner == index.end()) continue;  // a rejected create's key: no ticket to hold it
    Outcome outcome;
    outcome.accepted = keys->text(row, 2) == "t";
    outcome.reason = keys->text(row, 3);
    outcome.first_seq = static_cast<std::uint64_t>(keys->integer(row, 4));
    outcome.last_seq = static_cast<std::uint64_t>(keys->integer(row, 5));
    outcome.state = keys->text(row, 6);
    result[owner->second].keys.emplace_back(keys->text(row, 1), std::move(outcome));
  }
  return R::success(std::move(result));
}

Status PostgresStore::read_rows(const char* sql, const std::string& key,
                                const std::function<Status(const JournalRow&)>& each) {
  // A page at a time, by key: `each` may read the store again, and a long
  // journal never sits in memory whole.
  constexpr std::int64_t kPage = 1000;
  if (Status s = db_->connect(); !s) return s;
  std::uint64_t after = 0;
  JournalRow row;
  for (;;) {
    auto page = db_->run(sql, {key, after, kPage}, "reading the journal");
    if (!page) return Status::failure(page.error());
    for (int i = 0; i < page->size(); ++i) {
      row.seq = static_cast<std::uint64_t>(page->integer(i, 0));
      row.ticket = page->text(i, 1);
      row.at = page->integer(i, 2);
      row.body = page->text(i, 3);
      row.prev_hash = page->text(i, 4);
      row.hash = page->text(i, 5);
      after = row.seq;
      if (Status s = each(row); !s) return s;
    }
    if (page->size() < kPage) return Status::success();
  }
}

Status PostgresStore::read_journal(std::uint64_t from_seq, const std::function<Status(const JournalRow&)>& each) {
  return read_rows(
      "SELECT seq, ticket, at, body, prev_hash, hash FROM journal WHERE seq >= $1::bigint AND seq > $2 ORDER BY seq "
      "LIMIT $3",
      std::to_string(from_seq), each);
}

Status PostgresStore::read_ticket_journal(std::string_view ticket,
                                          const std::function<Status(const JournalRow&)>& each) {
  return read_rows(
      "SELECT seq, ticket, at, body, prev_hash, hash FROM journal WHERE ticket = $1 AND seq > $2 ORDER BY seq LIMIT $3",
      std::string(ticket), each);
}

Result<std::vector<Checkpoint>> PostgresStore::checkpoints() {
  using R = Result<std::vector<Checkpoint>>;
  if (Status s = db_->connect(); !s) return R::failure(s.error());
  auto list =
      db_->run("SELECT seq, hash, at, key_id, signature FROM checkpoints ORDER BY seq", {}, "reading checkpoints");
  if (!list) return R::failure(list.error());
  std::vector<Checkpoint> result;
  for (int row = 0; row < list->size(); ++row) {
    Checkpoint& checkpoint = result.emplace_back();
    checkpoint.seq = static_cast<std::uint64_t>(list->integer(row, 0));
    checkpoint.hash = list->text(row, 1);
    checkpoint.at = list->integer(row, 2);
    checkpoint.key_id = list->text(row, 3);
    checkpoint.signature = list->text(row, 4);
  }
  return R::success(std::move(result));
}

Result<std::vector<std::string>> PostgresStore::public_keys() {
  using R = Result<std::vector<std::string>>;
  if (Status s = db_->connect(); !s) return R::failure(s.error());
  auto list =
      db_->run("SELECT value FROM docket_meta WHERE key LIKE 'public\\_key:%' ORDER BY key", {}, "reading public keys");
  if (!list) return R::failure(list.error());
  std::vector<std::string> result;
  result.reserve(static_cast<std::size_t>(list->size()));
  for (int row = 0; row < list->size(); ++row) result.push_back(list->text(row, 0));
  return R::success(std::move(result));
}

Result<std::optional<Checkpoint>> PostgresStore::last_checkpoint() {
  using R = Result<std::optional<Checkpoint>>;
  if (Status s = db_->connect(); !s) return R::failure(s.error());
  auto last = db_->run("SELECT seq, hash, at, key_id, signature FROM checkpoints ORDER BY seq DESC LIMIT 1", {},
                       "reading checkpoints");
  if (!last) return R::failure(last.error());
  if (last->empty()) return R::success(std::nullopt);
  Checkpoint checkpoint;
  checkpoint.seq = static_cast<std::uint64_t>(last->integer(0, 0));
  checkpoint.hash = last->text(0, 1);
  checkpoint.at = last->integer(0, 2);
  checkpoint.key_id = last->text(0, 3);
  checkpoint.signature = last->text(0, 4);
  return R::success(std::move(checkpoint));
}

Status PostgresStore::read_snapshot(const std::function<Status()>& read) {
  if (in_batch_) return Status::failure(location_ + ": a batch is open: no read transaction of its own");
  if (Status s = db_->begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); !s) return s;
  Status result = read();
  Status ended = db_->exec("COMMIT");
  if (!ended) (void)rollback();
  return result ? ended : result;
}

void PostgresStore::discard() {
  if (in_batch_) (void)rollback();
  in_batch_ = false;
  head_moved_ = false;
  batch_size_ = 0;
  batch_records_.clear();
  failed_ = location_ + ": the open batch was discarded";
}

}  // namespace docket::engine
