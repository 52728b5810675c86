#include "engine/store/sqlite_store.h"

#include <sqlite3.h>

#include <utility>

#include "engine/codec/journal_json.h"
#include "engine/codec/ticket_codec.h"
#include "engine/runtime/ticket.h"
#include "engine/store/audit_chain.h"
#include "engine/store/sqlite_statement.h"
#include "engine/store/ticket_rows.h"

namespace docket::engine {

namespace {

// The schema, one step per version: steps[v] turns version v into v + 1.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE versions(
  id TEXT PRIMARY KEY,
  workflow TEXT NOT NULL,
  declared TEXT NOT NULL,
  source_root TEXT NOT NULL,
  added_at INTEGER NOT NULL,
  ordinal INTEGER NOT NULL);
CREATE TABLE version_sources(
  version TEXT NOT NULL REFERENCES versions(id),
  ordinal INTEGER NOT NULL,
  path TEXT NOT NULL,
  text TEXT NOT NULL,
  PRIMARY KEY(version, ordinal));
CREATE TABLE tickets(
  id TEXT PRIMARY KEY,
  ordinal INTEGER NOT NULL,
  workflow TEXT NOT NULL,
  version TEXT NOT NULL REFERENCES versions(id),
  state TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  next_due INTEGER,
  row_version INTEGER NOT NULL,
  snapshot TEXT NOT NULL);
CREATE INDEX tickets_by_due ON tickets(next_due) WHERE next_due IS NOT NULL;
CREATE TABLE timers(
  ticket TEXT NOT NULL REFERENCES tickets(id),
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  due INTEGER NOT NULL);
CREATE INDEX timers_by_ticket ON timers(ticket);
CREATE INDEX timers_by_due ON timers(due);
CREATE TABLE journal(
  seq INTEGER PRIMARY KEY,
  ticket TEXT NOT NULL,
  at INTEGER NOT NULL,
  body TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL);
CREATE INDEX journal_by_ticket ON journal(ticket, seq);
CREATE TABLE idempotency(
  ticket TEXT NOT NULL,
  key TEXT NOT NULL,
  accepted INTEGER NOT NULL,
  reason TEXT NOT NULL,
  first_seq INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  state TEXT NOT NULL,
  PRIMARY KEY(ticket, key));
CREATE TABLE checkpoints(
  seq INTEGER PRIMARY KEY,
  hash TEXT NOT NULL,
  at INTEGER NOT NULL,
  key_id TEXT NOT NULL,
  signature TEXT NOT NULL);
)sql",
    // 2: the outbox (engine/store/outbox.h).
    R"sql(
CREATE TABLE outbox(
  position INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  seq INTEGER NOT NULL,
  part INTEGER NOT NULL,
  ticket TEXT NOT NULL,
  target TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  queued_ms INTEGER NOT NULL,
  next_ms INTEGER NOT NULL,
  finished_ms INTEGER NOT NULL,
  last_http_status INTEGER NOT NULL,
  last_error TEXT NOT NULL);
CREATE INDEX outbox_open ON outbox(target, ticket, seq, part) WHERE status IN ('pending', 'failed');
CREATE INDEX outbox_by_status ON outbox(status, position);
CREATE TABLE outbox_attempts(
  id TEXT NOT NULL,
  number INTEGER NOT NULL,
  at_ms INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  http_status INTEGER NOT NULL,
  error TEXT NOT NULL,
  outcome TEXT NOT NULL,
  PRIMARY KEY(id, number));
)sql",
};
static_assert(std::size(kMigrations) == kStoreSchemaVersion);

}  // namespace

// ---------------------------------------------------------------- opening

SqliteStore::SqliteStore(std::string path, SqliteStoreOptions options)
    : path_(std::move(path)), options_(std::move(options)) {
  if (options_.batch_units == 0) options_.batch_units = 1;
  if (options_.checkpoint_every == 0) options_.checkpoint_every = 1;
}

SqliteStore::~SqliteStore() {
  if (in_batch_ && failed_.empty()) (void)commit_batch();
  statements_.clear();
  sqlite3_close_v2(db_);
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path, SqliteStoreOptions options) {
  std::unique_ptr<SqliteStore> store(new SqliteStore(path, std::move(options)));
  Status opened = store->open_file();
  if (!opened) return Result<std::unique_ptr<SqliteStore>>::failure(opened.error());
  return Result<std::unique_ptr<SqliteStore>>::success(std::move(store));
}

Status SqliteStore::fail(const std::string& what) const {
  std::string message = path_ + ": ";
  if (!what.empty()) message += what + ": ";
  message += db_ != nullptr ? sqlite3_errmsg(db_) : "cannot open";
  return Status::failure(message);
}

Status SqliteStore::exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) == SQLITE_OK) return Status::success();
  std::string message = path_ + ": " + (error != nullptr ? error : sqlite3_errmsg(db_));
  sqlite3_free(error);
  return Status::failure(message);
}

Result<SqliteStore::Statement*> SqliteStore::prepare(const char* sql) {
  auto found = statements_.find(sql);
  if (found != statements_.end()) return Result<Statement*>::success(found->second.get());
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    return Result<Statement*>::failure(fail("").error());
  }
  auto statement = std::make_unique<Statement>(db_, stmt);
  Statement* raw = statement.get();
  statements_.emplace(sql, std::move(statement));
  return Result<Statement*>::success(raw);
}

Status SqliteStore::open_file() {
  int flags = options_.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  flags |= SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path_.c_str(), &db_, flags, options_.vfs.empty() ? nullptr : options_.vfs.c_str()) != SQLITE_OK) {
    return fail("cannot open");
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, 5000);
  // SQLite falls back to reading a file it may not write: a store opened
  // to write must be writable now, not at its first unit.
  if (!options_.read_only && sqlite3_db_readonly(db_, "main") == 1)
    return Status::failure(path_ + ": the store is read-only (the file or its folder cannot be written)");
  if (!options_.read_only) {
    if (Status s = exec("PRAGMA journal_mode=WAL"); !s) return s;
    if (Status s = exec(options_.durability == SqliteStoreOptions::Durability::kFull ? "PRAGMA synchronous=FULL"
                                                                                     : "PRAGMA synchronous=NORMAL");
        !s) {
      return s;
    }
  }
  if (Status s = exec("PRAGMA foreign_keys=ON"); !s) return s;
  if (Status s = migrate(); !s) return s;
  if (Status s = load_state(); !s) return s;
  if (options_.signing_key && !options_.read_only) {
    // The public half stays with the store, so that an export carries it.
    auto keep = prepare("INSERT OR IGNORE INTO meta(key, value) VALUES(?, ?)");
    if (!keep) return Status::failure(keep.error());
    Using using_it(keep.value());
    keep.value()
        ->bind(1, "public_key:" + options_.signing_key->key_id())
        .bind(2, options_.signing_key->verify_key().to_pem());
    if (keep.value()->step() != SQLITE_DONE) return fail("writing the public key");
  }
  return Status::success();
}

Status SqliteStore::migrate() {
  auto version = prepare("PRAGMA user_version");
  if (!version) return Status::failure(version.error());
  int current = 0;
  {
    Using using_it(version.value());
    if (version.value()->step() != SQLITE_ROW) return fail("reading the schema version");
    current = static_cast<int>(version.value()->integer(0));
  }
  if (current > kStoreSchemaVersion) {
    return Status::failure(path_ + ": the store has schema version " + std::to_string(current) +
                           ", newer than this docket understands (" + std::to_string(kStoreSchemaVersion) +
                           "): upgrade docket");
  }
  if (current == kStoreSchemaVersion) return Status::success();
  if (options_.read_only) {
    if (current == 0) return Status::failure(path_ + ": not a docket store (no schema)");
    return Status::failure(path_ + ": the store has schema version " + std::to_string(current) +
                           " and needs migrating: open it once for writing");
  }
  if (current == 0) {
    // Someone else's database: never add our tables to it.
    auto tables = prepare("SELECT count(*) FROM sqlite_master");
    if (!tables) return Status::failure(tables.error());
    Using using_it(tables.value());
    if (tables.value()->step() != SQLITE_ROW) return fail("reading the schema");
    if (tables.value()->integer(0) > 0) return Status::failure(path_ + ": not a docket store (it has other tables)");
  }
  // A file that is not a SQLite database fails here with SQLite's own words.
  if (Status s = exec("BEGIN IMMEDIATE"); !s) return s;
  for (int step = current; step < kStoreSchemaVersion; ++step) {
    if (Status s = exec(kMigrations[step]); !s) {
      (void)exec("ROLLBACK");
      return Status::failure(s.error() + " (migrating the schema to version " + std::to_string(step + 1) + ")");
    }
  }
  std::string set_version = "PRAGMA user_version=" + std::to_string(kStoreSchemaVersion);
  if (Status s = exec(set_version.c_str()); !s) {
    (void)exec("ROLLBACK");
    return s;
  }
  if (current == 0) {
    if (Status s = exec("INSERT INTO meta(key, value) VALUES('format', 'docket store'), ('last_at', '0')"); !s) {
      (void)exec("ROLLBACK");
      return s;
    }
  }
  return exec("COMMIT");
}

Status SqliteStore::load_state() {
  auto format = prepare("SELECT value FROM meta WHERE key = 'format'");
  if (!format) return Status::failure(path_ + ": not a docket store (no format mark)");
  {
    Using using_it(format.value());
    if (format.value()->step() != SQLITE_ROW || format.value()->text(0) != "docket store") {
      return Status::failure(path_ + ": not a docket store (no format mark)");
    }
  }
  auto last = prepare("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1");
  if (!last) return Status::failure(last.error());
  {
    Using using_it(last.value());
    int rc = last.value()->step();
    if (rc == SQLITE_ROW) {
      last_seq_ = static_cast<std::uint64_t>(last.value()->integer(0));
      last_hash_ = last.value()->text(1);
    } else if (rc == SQLITE_DONE) {
      last_hash_ = std::string(kGenesisHash);
    } else {
      return fail("reading the journal");
    }
  }
  auto at = prepare("SELECT value FROM meta WHERE key = 'last_at'");
  if (!at) return Status::failure(at.error());
  {
    Using using_it(at.value());
    if (at.value()->step() == SQLITE_ROW) last_at_ = std::stoll("0" + at.value()->text(0));
  }
  auto known = prepare("SELECT id FROM versions");
  if (!known) return Status::failure(known.error());
  {
    Using using_it(known.value());
    int rc = SQLITE_ROW;
    while ((rc = known.value()->step()) == SQLITE_ROW) known_versions_.insert(known.value()->text(0));
    if (rc != SQLITE_DONE) return fail("reading versions");
  }
  auto versions = prepare("SELECT id, row_version FROM tickets");
  if (!versions) return Status::failure(versions.error());
  Using using_it(versions.value());
  int rc = SQLITE_ROW;
  while ((rc = versions.value()->step()) == SQLITE_ROW) {
    row_versions_.emplace(versions.value()->text(0), static_cast<std::uint64_t>(versions.value()->integer(1)));
  }
  if (rc != SQLITE_DONE) return fail("reading tickets");
  return Status::success();
}

// ---------------------------------------------------------------- writing

Status SqliteStore::write(std::span<const Record> records) { return commit(Unit{records, nullptr}); }

Status SqliteStore::commit(const Unit& unit) {
  if (!failed_.empty()) return Status::failure(failed_);
  if (options_.read_only) return Status::failure(path_ + ": the store is open read-only");
  if (unit.records.empty() && unit.ticket == nullptr) return Status::success();
  if (Status s = begin_unit(); !s) return s;

  // What this unit changes in memory, applied only once it is kept.
  std::uint64_t seq_before = last_seq_;
  std::string hash_before = last_hash_;
  std::int64_t at_before = last_at_;
  new_versions_.clear();
  Status written = write_unit(unit);
  if (!written) {
    new_versions_.clear();
    (void)end_unit(false);
    last_seq_ = seq_before;
    last_hash_ = std::move(hash_before);
    last_at_ = at_before;
    return written;
  }
  if (unit.ticket != nullptr) ++row_versions_[unit.ticket->id];
  Status ended = end_unit(true);
  if (ended) {
    for (std::string& id : new_versions_) known_versions_.insert(std::move(id));
  }
  new_versions_.clear();
  if (!ended) {
    if (unit.ticket != nullptr) --row_versions_[unit.ticket->id];
    last_seq_ = seq_before;
    last_hash_ = std::move(hash_before);
    last_at_ = at_before;
    return ended;
  }
  if (options_.batch_units == 1) {
    if (options_.on_durable) options_.on_durable(unit.records);
  } else {
    batch_records_.insert(batch_records_.end(), unit.records.begin(), unit.records.end());
    if (++batch_size_ >= options_.batch_units) return commit_batch();
  }
  return Status::success();
}

Status SqliteStore::begin_unit() {
  if (options_.batch_units == 1) return exec("BEGIN IMMEDIATE");
  if (!in_batch_) {
    if (Status s = exec("BEGIN IMMEDIATE"); !s) return s;
    in_batch_ = true;
  }
  return exec("SAVEPOINT unit");
}

Status SqliteStore::end_unit(bool ok) {
  if (options_.batch_units == 1) {
    if (!ok) {
      // SQLite may have rolled back already after an I/O error.
      if (sqlite3_get_autocommit(db_) == 0) (void)exec("ROLLBACK");
      return Status::success();
    }
    Status committed = exec("COMMIT");
    if (!committed && sqlite3_get_autocommit(db_) == 0) (void)exec("ROLLBACK");
    return committed;
  }
  if (ok) return exec("RELEASE unit");
  if (sqlite3_get_autocommit(db_) != 0) {
    // The whole batch is gone with this unit.
    in_batch_ = false;
    failed_ = path_ +
              ": a group commit was rolled back by an error; units acknowledged to the engine but "
              "not yet committed are lost: rebuild the engine from the store";
    return Status::success();
  }
  (void)exec("ROLLBACK TO unit");
  return exec("RELEASE unit");
}

Status SqliteStore::commit_batch() {
  if (!in_batch_) return Status::success();
  Status committed = exec("COMMIT");
  in_batch_ = false;
  batch_size_ = 0;
  if (!committed) {
    if (sqlite3_get_autocommit(db_) == 0) (void)exec("ROLLBACK");
    failed_ = committed.error() + " (a group commit failed: its units are lost; rebuild the engine from the store)";
    batch_records_.clear();
    return Status::failure(failed_);
  }
  if (options_.on_durable && !batch_records_.empty()) options_.on_durable(batch_records_);
  batch_records_.clear();
  return Status::success();
}

Status SqliteStore::flush() {
  if (!failed_.empty()) return Status::failure(failed_);
  return commit_batch();
}

Status SqliteStore::insert_checkpoint(std::uint64_t seq, std::int64_t at) {
  Checkpoint checkpoint = sign_checkpoint(*options_.signing_key, seq, last_hash_, at);
  auto sign = prepare("INSERT INTO checkpoints(seq, hash, at, key_id, signature) VALUES(?, ?, ?, ?, ?)");
  if (!sign) return Status::failure(sign.error());
  Statement& row = *sign.value();
  Using using_it(sign.value());
  row.bind(1, static_cast<std::int64_t>(checkpoint.seq))
      .bind(2, checkpoint.hash)
      .bind(3, checkpoint.at)
      .bind(4, checkpoint.key_id)
      .bind(5, checkpoint.signature);
  if (row.step() != SQLITE_DONE) return fail("writing the checkpoint at seq " + std::to_string(seq));
  return Status::success();
}

Status SqliteStore::seal() {
  if (Status flushed = flush(); !flushed) return flushed;
  if (!options_.signing_key || options_.read_only || last_seq_ == 0) return Status::success();
  auto covered = prepare("SELECT coalesce(max(seq), 0) FROM checkpoints");
  if (!covered) return Status::failure(covered.error());
  {
    Using using_it(covered.value());
    if (covered.value()->step() != SQLITE_ROW) return fail("reading the checkpoints");
    if (static_cast<std::uint64_t>(covered.value()->integer(0)) >= last_seq_) return Status::success();
  }
  if (Status s = exec("BEGIN IMMEDIATE"); !s) return s;
  if (Status written = insert_checkpoint(last_seq_, last_at_); !written) {
    (void)exec("ROLLBACK");
    return written;
  }
  return exec("COMMIT");
}

Status SqliteStore::write_unit(const Unit& unit) {
  // The ticket first: a conflict with another writer is reported as such.
  if (unit.ticket != nullptr) {
    const Ticket& ticket = *unit.ticket;
    // A version is kept the first time a ticket uses it, in the same
    // transaction, so that no record names a version the store lacks.
    if (!known_versions_.contains(ticket.workflow->version_id())) {
      std::int64_t first_use = unit.records.empty() ? last_at_ : unit.records.front().at;
      if (Status s = insert_version(*ticket.workflow, first_use); !s) return s;
      new_versions_.push_back(ticket.workflow->version_id());
    }
    auto known = row_versions_.find(ticket.id);
    std::string snapshot = encode_ticket(ticket);
    std::optional<std::int64_t> due = next_due_of(ticket);
    if (known == row_versions_.end()) {
      auto add = prepare(
          "INSERT INTO tickets(id, ordinal, workflow, version, state, updated_at, next_due, row_version, snapshot) "
          "VALUES(?, (SELECT count(*) FROM tickets), ?, ?, ?, ?, ?, 1, ?)");
      if (!add) return Status::failure(add.error());
      Statement& row = *add.value();
      Using using_it(add.value());
      row.bind(1, ticket.id)
          .bind(2, ticket.workflow->name())
          .bind(3, ticket.workflow->version_id())
          .bind(4, ticket.state_name())
          .bind(5, ticket.updated_at);
      if (due) {
        row.bind(6, *due);
      } else {
        row.bind_null(6);
      }
      row.bind(7, snapshot);
      if (int rc = row.step(); rc != SQLITE_DONE) {
        if ((rc & 0xff) == SQLITE_CONSTRAINT) {
          return Status::failure(path_ + ": ticket `" + ticket.id + "` was created by another writer");
        }
        return fail("writing ticket `" + ticket.id + "`");
      }
    } else {
      auto update = prepare(
          "UPDATE tickets SET version = ?, state = ?, updated_at = ?, next_due = ?, row_version = row_version + 1, "
          "snapshot = ? WHERE id = ? AND row_version = ?");
      if (!update) return Status::failure(update.error());
      Statement& row = *update.value();
      Using using_it(update.value());
      row.bind(1, ticket.workflow->version_id()).bind(2, ticket.state_name()).bind(3, ticket.updated_at);
      if (due) {
        row.bind(4, *due);
      } else {
        row.bind_null(4);
      }
      row.bind(5, snapshot).bind(6, ticket.id).bind(7, static_cast<std::int64_t>(known->second));
      if (row.step() != SQLITE_DONE) return fail("writing ticket `" + ticket.id + "`");
      if (row.changes() != 1) {
        return Status::failure(path_ + ": ticket `" + ticket.id +
                               "` was changed by another writer (expected row version " +
                               std::to_string(known->second) + ")");
      }
    }
    if (Status s = write_timers(ticket); !s) return s;
  }

  auto insert = prepare("INSERT INTO journal(seq, ticket, at, body, prev_hash, hash) VALUES(?, ?, ?, ?, ?, ?)");
  if (!insert) return Status::failure(insert.error());
  for (const Record& record : unit.records) {
    if (record.seq != last_seq_ + 1) {
      return Status::failure(path_ + ": record seq " + std::to_string(record.seq) + " does not follow the journal's " +
                             std::to_string(last_seq_));
    }
    std::string body = encode_record(record);
    std::string hash = chain_hash(last_hash_, body);
    Statement& row = *insert.value();
    Using using_it(insert.value());
    row.bind(1, static_cast<std::int64_t>(record.seq))
        .bind(2, record.ticket)
        .bind(3, record.at)
        .bind(4, body)
        .bind(5, last_hash_)
        .bind(6, hash);
    if (int rc = row.step(); rc != SQLITE_DONE) {
      if ((rc & 0xff) == SQLITE_CONSTRAINT) {
        return Status::failure(path_ + ": seq " + std::to_string(record.seq) +
                               " was taken by another writer: reopen the store to continue after it");
      }
      return fail("writing record " + std::to_string(record.seq));
    }
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

  if (!unit.records.empty() && unit.records.front().idempotency_key) {
    const Record& first = unit.records.front();
    // The engine remembers keys of events on tickets that exist (see
    // Engine::apply); the store keeps the same ones.
    if (unit.ticket != nullptr || !first.from.empty()) {
      auto key = prepare(
          "INSERT OR IGNORE INTO idempotency(ticket, key, accepted, reason, first_seq, last_seq, state) "
          "VALUES(?, ?, ?, ?, ?, ?, ?)");
      if (!key) return Status::failure(key.error());
      Statement& row = *key.value();
      Using using_it(key.value());
      row.bind(1, first.ticket)
          .bind(2, *first.idempotency_key)
          .bind(3, std::int64_t{first.rejected ? 0 : 1})
          .bind(4, first.reason)
          .bind(5, static_cast<std::int64_t>(first.seq))
          .bind(6, static_cast<std::int64_t>(unit.records.back().seq))
          .bind(7, unit.ticket != nullptr ? unit.ticket->state_name() : first.from);
      if (row.step() != SQLITE_DONE) return fail("writing the idempotency key of `" + first.ticket + "`");
    }
  }

  auto at = prepare("UPDATE meta SET value = ? WHERE key = 'last_at'");
  if (!at) return Status::failure(at.error());
  Using using_it(at.value());
  at.value()->bind(1, std::to_string(last_at_));
  if (at.value()->step() != SQLITE_DONE) return fail("writing the store's time");
  return Status::success();
}

Status SqliteStore::write_timers(const Ticket& ticket) {
  auto clear = prepare("DELETE FROM timers WHERE ticket = ?");
  if (!clear) return Status::failure(clear.error());
  {
    Using using_it(clear.value());
    clear.value()->bind(1, ticket.id);
    if (clear.value()->step() != SQLITE_DONE) return fail("writing timers of `" + ticket.id + "`");
  }
  auto add = prepare("INSERT INTO timers(ticket, kind, name, due) VALUES(?, ?, ?, ?)");
  if (!add) return Status::failure(add.error());
  for (const TimerRow& timer : timer_rows(ticket)) {
    Using using_it(add.value());
    add.value()->bind(1, ticket.id).bind(2, timer.kind).bind(3, timer.name).bind(4, timer.due);
    if (add.value()->step() != SQLITE_DONE) return fail("writing timers of `" + ticket.id + "`");
  }
  return Status::success();
}

Status SqliteStore::insert_version(const Workflow& workflow, std::int64_t now) {
  auto add = prepare(
      "INSERT INTO versions(id, workflow, declared, source_root, added_at, ordinal) "
      "VALUES(?, ?, ?, ?, ?, (SELECT count(*) FROM versions))");
  if (!add) return Status::failure(add.error());
  {
    Using using_it(add.value());
    add.value()
        ->bind(1, workflow.version_id())
        .bind(2, workflow.name())
        .bind(3, workflow.version())
        .bind(4, workflow.source_root())
        .bind(5, now);
    if (add.value()->step() != SQLITE_DONE) return fail("writing version " + workflow.version_id());
  }
  auto source = prepare("INSERT INTO version_sources(version, ordinal, path, text) VALUES(?, ?, ?, ?)");
  if (!source) return Status::failure(source.error());
  for (std::size_t i = 0; i < workflow.sources().size(); ++i) {
    Using using_it(source.value());
    source.value()
        ->bind(1, workflow.version_id())
        .bind(2, static_cast<std::int64_t>(i))
        .bind(3, workflow.sources()[i].path)
        .bind(4, workflow.sources()[i].text);
    if (source.value()->step() != SQLITE_DONE) return fail("writing the sources of " + workflow.version_id());
  }
  return Status::success();
}

Status SqliteStore::add_version(const Workflow& workflow, std::int64_t now) {
  if (!failed_.empty()) return Status::failure(failed_);
  if (options_.read_only) return Status::failure(path_ + ": the store is open read-only");
  if (known_versions_.contains(workflow.version_id())) return Status::success();
  if (in_batch_) {
    if (Status s = commit_batch(); !s) return s;
  }
  if (Status s = exec("BEGIN IMMEDIATE"); !s) return s;
  Status added = insert_version(workflow, now);
  if (added) added = exec("COMMIT");
  if (!added) {
    if (sqlite3_get_autocommit(db_) == 0) (void)exec("ROLLBACK");
    return added;
  }
  known_versions_.insert(workflow.version_id());
  return Status::success();
}

// ---------------------------------------------------------------- reading

Result<std::vector<StoredVersion>> SqliteStore::versions() {
  using R = Result<std::vector<StoredVersion>>;
  auto list = prepare(
      "SELECT v.id, v.workflow, v.declared, v.added_at, (SELECT count(*) FROM tickets t WHERE t.version = v.id), "
      "v.source_root FROM versions v ORDER BY v.ordinal");
  if (!list) return R::failure(list.error());
  auto sources = prepare("SELECT path, text FROM version_sources WHERE version = ? ORDER BY ordinal");
  if (!sources) return R::failure(sources.error());
  std::vector<StoredVersion> result;
  {
    Using using_it(list.value());
    int rc = SQLITE_ROW;
    while ((rc = list.value()->step()) == SQLITE_ROW) {
      StoredVersion& version = result.emplace_back();
      version.id = list.value()->text(0);
      version.workflow = list.value()->text(1);
      version.declared = list.value()->text(2);
      version.added_at = list.value()->integer(3);
      version.tickets = static_cast<std::size_t>(list.value()->integer(4));
      version.source_root = list.value()->text(5);
    }
    if (rc != SQLITE_DONE) return R::failure(fail("reading versions").error());
  }
  for (StoredVersion& version : result) {
    Using using_it(sources.value());
    sources.value()->bind(1, version.id);
    int rc = SQLITE_ROW;
    while ((rc = sources.value()->step()) == SQLITE_ROW) {
      version.sources.push_back({sources.value()->text(0), sources.value()->text(1)});
    }
    if (rc != SQLITE_DONE) return R::failure(fail("reading the sources of " + version.id).error());
  }
  return R::success(std::move(result));
}

Result<std::vector<StoredTicket>> SqliteStore::tickets() {
  using R = Result<std::vector<StoredTicket>>;
  auto list = prepare("SELECT id, version, state, snapshot, row_version FROM tickets ORDER BY ordinal");
  if (!list) return R::failure(list.error());
  auto keys = prepare(
      "SELECT ticket, key, accepted, reason, first_seq, last_seq, state FROM idempotency ORDER BY ticket, first_seq");
  if (!keys) return R::failure(keys.error());
  std::vector<StoredTicket> result;
  std::map<std::string, std::size_t, std::less<>> index;
  {
    Using using_it(list.value());
    int rc = SQLITE_ROW;
    while ((rc = list.value()->step()) == SQLITE_ROW) {
      StoredTicket& ticket = result.emplace_back();
      ticket.id = list.value()->text(0);
      ticket.version = list.value()->text(1);
      ticket.state = list.value()->text(2);
      ticket.snapshot = list.value()->text(3);
      ticket.row_version = static_cast<std::uint64_t>(list.value()->integer(4));
      index.emplace(ticket.id, result.size() - 1);
    }
    if (rc != SQLITE_DONE) return R::failure(fail("reading tickets").error());
  }
  Using using_it(keys.value());
  int rc = SQLITE_ROW;
  while ((rc = keys.value()->step()) == SQLITE_ROW) {
    auto owner = index.find(keys.value()->text(0));
    if (owner == index.end()) continue;  // a rejected create's key: no ticket to hold it
    Outcome outcome;
    outcome.accepted = keys.value()->integer(2) != 0;
    outcome.reason = keys.value()->text(3);
    outcome.first_seq = static_cast<std::uint64_t>(keys.value()->integer(4));
    outcome.last_seq = static_cast<std::uint64_t>(keys.value()->integer(5));
    outcome.state = keys.value()->text(6);
    result[owner->second].keys.emplace_back(keys.value()->text(1), std::move(outcome));
  }
  if (rc != SQLITE_DONE) return R::failure(fail("reading idempotency keys").error());
  return R::success(std::move(result));
}

Status SqliteStore::read_rows(const char* sql, const std::function<void(Statement&)>& bind,
                              const std::function<Status(const JournalRow&)>& each) {
  // Not a cached statement: `each` may read the store again.
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &raw, nullptr) != SQLITE_OK) return fail("reading the journal");
  Statement rows(db_, raw);
  bind(rows);
  JournalRow row;
  int rc = SQLITE_ROW;
  while ((rc = rows.step()) == SQLITE_ROW) {
    row.seq = static_cast<std::uint64_t>(rows.integer(0));
    row.ticket = rows.text(1);
    row.at = rows.integer(2);
    row.body = rows.text(3);
    row.prev_hash = rows.text(4);
    row.hash = rows.text(5);
    if (Status s = each(row); !s) return s;
  }
  if (rc != SQLITE_DONE) return fail("reading the journal");
  return Status::success();
}

Status SqliteStore::read_journal(std::uint64_t from_seq, const std::function<Status(const JournalRow&)>& each) {
  return read_rows(
      "SELECT seq, ticket, at, body, prev_hash, hash FROM journal WHERE seq >= ? ORDER BY seq",
      [from_seq](Statement& rows) { rows.bind(1, static_cast<std::int64_t>(from_seq)); }, each);
}

Status SqliteStore::read_ticket_journal(std::string_view ticket, const std::function<Status(const JournalRow&)>& each) {
  return read_rows(
      "SELECT seq, ticket, at, body, prev_hash, hash FROM journal WHERE ticket = ? ORDER BY seq",
      [ticket](Statement& rows) { rows.bind(1, ticket); }, each);
}

Result<std::vector<Checkpoint>> SqliteStore::checkpoints() {
  using R = Result<std::vector<Checkpoint>>;
  auto list = prepare("SELECT seq, hash, at, key_id, signature FROM checkpoints ORDER BY seq");
  if (!list) return R::failure(list.error());
  Using using_it(list.value());
  std::vector<Checkpoint> result;
  int rc = SQLITE_ROW;
  while ((rc = list.value()->step()) == SQLITE_ROW) {
    Checkpoint& checkpoint = result.emplace_back();
    checkpoint.seq = static_cast<std::uint64_t>(list.value()->integer(0));
    checkpoint.hash = list.value()->text(1);
    checkpoint.at = list.value()->integer(2);
    checkpoint.key_id = list.value()->text(3);
    checkpoint.signature = list.value()->text(4);
  }
  if (rc != SQLITE_DONE) return R::failure(fail("reading checkpoints").error());
  return R::success(std::move(result));
}

Result<std::vector<std::string>> SqliteStore::public_keys() {
  using R = Result<std::vector<std::string>>;
  auto list = prepare("SELECT value FROM meta WHERE substr(key, 1, 11) = 'public_key:' ORDER BY key");
  if (!list) return R::failure(list.error());
  Using using_it(list.value());
  std::vector<std::string> result;
  int rc = SQLITE_ROW;
  while ((rc = list.value()->step()) == SQLITE_ROW) result.push_back(list.value()->text(0));
  if (rc != SQLITE_DONE) return R::failure(fail("reading public keys").error());
  return R::success(std::move(result));
}

Result<std::optional<Checkpoint>> SqliteStore::last_checkpoint() {
  using R = Result<std::optional<Checkpoint>>;
  auto last = prepare("SELECT seq, hash, at, key_id, signature FROM checkpoints ORDER BY seq DESC LIMIT 1");
  if (!last) return R::failure(last.error());
  Using using_it(last.value());
  int rc = last.value()->step();
  if (rc == SQLITE_DONE) return R::success(std::nullopt);
  if (rc != SQLITE_ROW) return R::failure(fail("reading checkpoints").error());
  Checkpoint checkpoint;
  checkpoint.seq = static_cast<std::uint64_t>(last.value()->integer(0));
  checkpoint.hash = last.value()->text(1);
  checkpoint.at = last.value()->integer(2);
  checkpoint.key_id = last.value()->text(3);
  checkpoint.signature = last.value()->text(4);
  return R::success(std::move(checkpoint));
}

Status SqliteStore::read_snapshot(const std::function<Status()>& read) {
  if (in_batch_) return Status::failure(path_ + ": a batch is open: no read transaction of its own");
  if (Status begun = exec("BEGIN"); !begun) return begun;
  Status result = read();
  Status ended = exec("COMMIT");
  if (!ended) (void)exec("ROLLBACK");
  return result ? ended : result;
}

void SqliteStore::discard() {
  if (in_batch_ && sqlite3_get_autocommit(db_) == 0) (void)exec("ROLLBACK");
  in_batch_ = false;
  batch_size_ = 0;
  batch_records_.clear();
  failed_ = path_ + ": the open batch was discarded";
}

Result<std::string> SqliteStore::integrity_check() {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, "PRAGMA integrity_check", -1, &raw, nullptr) != SQLITE_OK) {
    return Result<std::string>::failure(fail("integrity check").error());
  }
  Statement check(db_, raw);
  std::string report;
  int rc = SQLITE_ROW;
  while ((rc = check.step()) == SQLITE_ROW) {
    if (!report.empty()) report += "; ";
    report += check.text(0);
  }
  if (rc != SQLITE_DONE) return Result<std::string>::failure(fail("integrity check").error());
  return Result<std::string>::success(report);
}

}  // namespace docket::engine
