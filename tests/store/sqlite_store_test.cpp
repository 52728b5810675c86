#include "engine/store/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "engine/codec/journal_json.h"
#include "engine/codec/ticket_codec.h"
#include "engine/store/audit_chain.h"
#include "engine/store/checkpoint.h"
#include "engine/store/recovery.h"
#include "engine/store/signing.h"
#include "tests/support/engine_harness.h"
#include "tests/support/event_streams.h"
#include "tests/support/stored_rules.h"

namespace docket::engine {
namespace {

using docket::testing::TempDir;

std::string walkthrough() { return std::string(DOCKET_SOURCE_DIR) + "/examples/after_sales/walkthrough.jsonl"; }

std::unique_ptr<SqliteStore> open_store(const std::string& path, SqliteStoreOptions options = {}) {
  auto store = SqliteStore::open(path, std::move(options));
  EXPECT_TRUE(store.ok()) << store.error();
  return store ? std::move(store).value() : nullptr;
}

std::vector<JournalRow> rows_of(SqliteStore& store) {
  std::vector<JournalRow> rows;
  Status read = store.read_journal(1, [&rows](const JournalRow& row) {
    rows.push_back(row);
    return Status::success();
  });
  EXPECT_TRUE(read.ok()) << read.error();
  return rows;
}

// The whole stream applied in memory, without a store: what every store
// test must reproduce byte for byte.
struct Reference {
  std::vector<std::string> bodies;
  std::vector<std::string> tickets;  // encode_ticket(), in creation order
};

Reference run_in_memory(const std::shared_ptr<const Workflow>& workflow, const std::vector<Event>& events,
                        std::int64_t until) {
  VirtualClock clock;
  MemoryJournal journal;
  Engine engine(clock, journal);
  EXPECT_TRUE(engine.install(workflow).ok());
  EXPECT_EQ(docket::testing::apply_events(engine, clock, events), 0u);
  EXPECT_TRUE(engine.advance_to(until).ok());
  Reference reference;
  for (const Record& record : journal.records()) reference.bodies.push_back(encode_record(record));
  for (std::size_t i = 0; i < engine.ticket_count(); ++i)
    reference.tickets.push_back(encode_ticket(engine.ticket_at(i)));
  return reference;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    workflow_ = testing::shipped_rules("after_sales.docket");
    ASSERT_NE(workflow_, nullptr);
    events_ = docket::testing::parse_events(docket::testing::replicate_events(walkthrough(), 3, 7 * 60));
    ASSERT_GT(events_.size(), 100u);
    until_ = *events_.back().at + 10 * testing::kDay;
  }

  std::shared_ptr<const Workflow> workflow_;
  std::vector<Event> events_;
  std::int64_t until_ = 0;
  TempDir dir_;
};

TEST_F(SqliteStoreTest, KeepsEveryRecordAsTheCanonicalBodyInAHashChain) {
  Reference reference = run_in_memory(workflow_, events_, until_);
  auto store = open_store(dir_.file("s.db"));
  {
    VirtualClock clock;
    Engine engine(clock, *store);
    ASSERT_TRUE(engine.install(workflow_).ok());
    EXPECT_EQ(docket::testing::apply_events(engine, clock, events_), 0u);
    ASSERT_TRUE(engine.advance_to(until_).ok());
  }
  std::vector<JournalRow> rows = rows_of(*store);
  ASSERT_EQ(rows.size(), reference.bodies.size());
  std::string prev(kGenesisHash);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].seq, i + 1);
    EXPECT_EQ(rows[i].body, reference.bodies[i]) << "seq " << i + 1;
    EXPECT_EQ(rows[i].prev_hash, prev) << "seq " << i + 1;
    EXPECT_EQ(rows[i].hash, chain_hash(prev, rows[i].body)) << "seq " << i + 1;
    prev = rows[i].hash;
  }
  EXPECT_EQ(store->last_seq(), rows.size());
  auto integrity = store->integrity_check();
  ASSERT_TRUE(integrity.ok());
  EXPECT_EQ(integrity.value(), "ok");
}

// A restart between any two events changes nothing: the journal and the
// tickets are byte for byte those of a run that never stopped, timers
// included (they fall due while "down" and fire on the next event).
TEST_F(SqliteStoreTest, RecoveryAfterARestartContinuesExactlyAsIfNeverStopped) {
  Reference reference = run_in_memory(workflow_, events_, until_);
  for (std::size_t split : {std::size_t{1}, std::size_t{17}, events_.size() / 2, events_.size() - 1}) {
    SCOPED_TRACE("restart after event " + std::to_string(split));
    std::string path = dir_.file("split" + std::to_string(split) + ".db");
    {
      auto store = open_store(path);
      VirtualClock clock;
      Engine engine(clock, *store);
      ASSERT_TRUE(engine.install(workflow_).ok());
      EXPECT_EQ(docket::testing::apply_events(engine, clock, events_, 0, split), 0u);
    }
    auto store = open_store(path);
    VirtualClock clock;
    Engine engine(clock, *store);
    auto recovered = recover(engine, *store, docket::testing::compile_stored_version);
    ASSERT_TRUE(recovered.ok()) << recovered.error();
    ASSERT_TRUE(engine.install(workflow_).ok());
    EXPECT_EQ(docket::testing::apply_events(engine, clock, events_, split), 0u);
    ASSERT_TRUE(engine.advance_to(until_).ok());

    std::vector<JournalRow> rows = rows_of(*store);
    ASSERT_EQ(rows.size(), reference.bodies.size());
    for (std::size_t i = 0; i < rows.size(); ++i) ASSERT_EQ(rows[i].body, reference.bodies[i]) << "seq " << i + 1;
    ASSERT_EQ(engine.ticket_count(), reference.tickets.size());
    for (std::size_t i = 0; i < engine.ticket_count(); ++i) {
      EXPECT_EQ(encode_ticket(engine.ticket_at(i)), reference.tickets[i]);
    }
  }
}

// A timer whose `when` is false disarms itself and writes no record: the
// store must still keep the ticket, or a restart would arm it again.
TEST_F(SqliteStoreTest, AUnitThatWritesNoRecordStillReachesTheStore) {
  auto workflow = testing::compile_rules(R"(workflow t
field x: int = 0
initial state a {
  after 1h when x > 0 do notify customer "n"
  on go -> b
}
final state b
)");
  ASSERT_NE(workflow, nullptr);
  std::string path = dir_.file("quiet.db");
  std::string expected;
  {
    auto store = open_store(path);
    VirtualClock clock(testing::kMonday);
    Engine engine(clock, *store);
    ASSERT_TRUE(engine.install(workflow).ok());
    ASSERT_TRUE(engine.apply(Event{testing::kMonday, "T-1", "create", testing::actor("a", {}), {}, {}, {}}).ok());
    ASSERT_TRUE(engine.advance_to(testing::kMonday + 2 * testing::kHour).ok());
    EXPECT_TRUE(engine.find("T-1")->timers.empty());
    expected = encode_ticket(*engine.find("T-1"));
  }
  auto store = open_store(path);
  VirtualClock clock;
  Engine engine(clock, *store);
  ASSERT_TRUE(recover(engine, *store, docket::testing::compile_stored_version).ok());
  ASSERT_NE(engine.find("T-1"), nullptr);
  EXPECT_EQ(encode_ticket(*engine.find("T-1")), expected);
  auto late =
      engine.apply(Event{testing::kMonday + 30 * testing::kMinute, "T-1", "go", testing::actor("a", {}), {}, {}, {}});
  ASSERT_TRUE(late.ok());
  EXPECT_FALSE(late->accepted) << "an event before the timer's time must be out of order";
}

TEST_F(SqliteStoreTest, AnEventRetriedWithItsKeyAfterARestartAppliesOnce) {
  std::string path = dir_.file("s.db");
  std::uint64_t last = 0;
  {
    auto store = open_store(path);
    VirtualClock clock;
    Engine engine(clock, *store);
    ASSERT_TRUE(engine.install(workflow_).ok());
    docket::testing::apply_events(engine, clock, events_);
    last = store->last_seq();
  }
  auto store = open_store(path);
  VirtualClock clock;
  Engine engine(clock, *store);
  ASSERT_TRUE(recover(engine, *store, docket::testing::compile_stored_version).ok());
  ASSERT_TRUE(engine.install(workflow_).ok());
  std::size_t duplicates = 0;
  for (const Event& event : events_) {
    auto outcome = engine.apply(event);
    ASSERT_TRUE(outcome.ok()) << outcome.error();
    if (outcome->duplicate) ++duplicates;
  }
  EXPECT_EQ(duplicates, events_.size());
  EXPECT_EQ(store->last_seq(), last);
}

TEST_F(SqliteStoreTest, KeepsTicketsTimersKeysAndVersionsInTheirTables) {
  std::string path = dir_.file("s.db");
  auto store = open_store(path);
  VirtualClock clock;
  Engine engine(clock, *store);
  ASSERT_TRUE(engine.install(workflow_).ok());
  docket::testing::apply_events(engine, clock, events_, 0, 30);

  auto tickets = store->tickets();
  ASSERT_TRUE(tickets.ok()) << tickets.error();
  ASSERT_EQ(tickets->size(), engine.ticket_count());
  std::size_t keys = 0;
  for (const StoredTicket& stored : tickets.value()) {
    const Ticket* live = engine.find(stored.id);
    ASSERT_NE(live, nullptr);
    EXPECT_EQ(stored.state, live->state_name());
    EXPECT_EQ(stored.version, workflow_->version_id());
    EXPECT_EQ(stored.snapshot, encode_ticket(*live));
    keys += stored.keys.size();
  }
  EXPECT_GT(keys, 0u);

  auto versions = store->versions();
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 1u);
  EXPECT_EQ(versions->front().id, workflow_->version_id());
  EXPECT_EQ(versions->front().sources, workflow_->sources());
  EXPECT_EQ(versions->front().tickets, engine.ticket_count());

  // Every running SLA clock is a pending timer row. Read through a
  // connection of the test's own, as any reader of the file would (the
  // store commits every unit: batch_units is 1).
  sqlite3* reader = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &reader, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* count = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(reader, "SELECT count(*) FROM timers WHERE kind = 'sla'", -1, &count, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(count), SQLITE_ROW);
  std::int64_t running = 0;
  for (std::size_t i = 0; i < engine.ticket_count(); ++i) {
    for (const SlaClock& clock_of : engine.ticket_at(i).clocks) {
      if (clock_of.status == SlaClock::Status::kRunning && clock_of.due != kNever) ++running;
    }
  }
  EXPECT_GT(running, 0) << "no running clock: the comparison would prove nothing";
  EXPECT_EQ(sqlite3_column_int64(count, 0), running);
  sqlite3_finalize(count);
  sqlite3_close(reader);
}

TEST_F(SqliteStoreTest, ASecondWriterOfTheSameTicketGetsAConflict) {
  std::string path = dir_.file("s.db");
  auto first = open_store(path);
  VirtualClock clock;
  Engine engine(clock, *first);
  ASSERT_TRUE(engine.install(workflow_).ok());
  docket::testing::apply_events(engine, clock, events_, 0, 5);

  // A second node loads the same tickets, then the first moves on.
  auto second = open_store(path);
  VirtualClock clock2;
  Engine other(clock2, *second);
  ASSERT_TRUE(recover(other, *second, docket::testing::compile_stored_version).ok());
  docket::testing::apply_events(engine, clock, events_, 5, 6);
  const std::string& id = events_[5].ticket;

  // The second node's unit for that ticket is refused and leaves it as it was.
  Event late = events_[5];
  late.idempotency_key.reset();
  late.at = *late.at + 1;
  const Ticket* before = other.find(id);
  ASSERT_NE(before, nullptr);
  std::string state_before = before->state_name();
  auto outcome = other.apply(late);
  ASSERT_FALSE(outcome.ok());
  EXPECT_NE(outcome.error().find("changed by another writer"), std::string::npos) << outcome.error();
  EXPECT_EQ(other.find(id)->state_name(), state_before);
}

TEST_F(SqliteStoreTest, GroupCommitAcknowledgesUnitsOnlyOnceTheirBatchCommitted) {
  std::vector<std::uint64_t> acknowledged;
  SqliteStoreOptions options;
  options.batch_units = 4;
  options.on_durable = [&acknowledged](std::span<const Record> records) {
    for (const Record& record : records) acknowledged.push_back(record.seq);
  };
  std::string path = dir_.file("s.db");
  auto store = open_store(path, options);
  VirtualClock clock;
  MemoryJournal unused;
  Engine engine(clock, *store);
  ASSERT_TRUE(engine.install(workflow_).ok());
  docket::testing::apply_events(engine, clock, events_, 0, 1);
  std::uint64_t written = engine.last_seq();
  ASSERT_GT(written, 0u);
  EXPECT_TRUE(acknowledged.empty());
  // Another connection sees nothing of the open batch.
  {
    auto reader = open_store(path, read_only_options());
    EXPECT_EQ(reader->last_seq(), 0u);
  }
  docket::testing::apply_events(engine, clock, events_, 1, 40);
  ASSERT_TRUE(store->flush().ok());
  ASSERT_EQ(acknowledged.size(), engine.last_seq());
  for (std::size_t i = 0; i < acknowledged.size(); ++i) EXPECT_EQ(acknowledged[i], i + 1);
  auto reader = open_store(path, read_only_options());
  EXPECT_EQ(reader->last_seq(), engine.last_seq());
}

TEST_F(SqliteStoreTest, SignsACheckpointEveryNRecords) {
  auto key = SigningKey::generate();
  ASSERT_TRUE(key.ok());
  SqliteStoreOptions options;
  options.signing_key = key.value();
  options.checkpoint_every = 25;
  auto store = open_store(dir_.file("s.db"), options);
  VirtualClock clock;
  Engine engine(clock, *store);
  ASSERT_TRUE(engine.install(workflow_).ok());
  docket::testing::apply_events(engine, clock, events_);
  auto checkpoints = store->checkpoints();
  ASSERT_TRUE(checkpoints.ok());
  ASSERT_EQ(checkpoints->size(), store->last_seq() / 25);
  KeyRing ring;
  ASSERT_TRUE(ring.add(key->verify_key()).ok());
  std::vector<JournalRow> rows = rows_of(*store);
  for (const Checkpoint& checkpoint : checkpoints.value()) {
    EXPECT_EQ(checkpoint.seq % 25, 0u);
    EXPECT_EQ(checkpoint.hash, rows[checkpoint.seq - 1].hash);
    EXPECT_TRUE(verify_checkpoint(checkpoint, ring).ok());
  }
  auto keys = store->public_keys();
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ(keys->front(), key->verify_key().to_pem());
}

// A clean close signs the journal's last record too: without it, the records
// after the last multiple of the interval would be vouched for by the chain
// alone. Sealing twice, or a store already covered, adds nothing.
TEST_F(SqliteStoreTest, SealingSignsTheLastRecordOnce) {
  auto key = SigningKey::generate();
  ASSERT_TRUE(key.ok());
  SqliteStoreOptions options;
  options.signing_key = key.value();
  options.checkpoint_every = 25;
  options.batch_units = 10;  // sealing commits the open batch first
  std::string path = dir_.file("sealed.db");
  std::uint64_t last = 0;
  {
    auto store = open_store(path, options);
    VirtualClock clock;
    Engine engine(clock, *store);
    ASSERT_TRUE(engine.install(workflow_).ok());
    docket::testing::apply_events(engine, clock, events_);
    last = engine.last_seq();
    ASSERT_NE(last % 25, 0u);
    ASSERT_TRUE(store->seal().ok());
    ASSERT_TRUE(store->seal().ok());
  }
  auto store = open_store(path, options);
  ASSERT_TRUE(store->seal().ok());
  auto checkpoints = store->checkpoints();
  ASSERT_TRUE(checkpoints.ok());
  ASSERT_EQ(checkpoints->size(), last / 25 + 1);
  const Checkpoint& sealed = checkpoints->back();
  EXPECT_EQ(sealed.seq, last);
  std::vector<JournalRow> rows = rows_of(*store);
  ASSERT_EQ(rows.size(), last);
  EXPECT_EQ(sealed.hash, rows.back().hash);
  KeyRing ring;
  ASSERT_TRUE(ring.add(key->verify_key()).ok());
  EXPECT_TRUE(verify_checkpoint(sealed, ring).ok());

  // Without a key there is nothing to sign; sealing only commits.
  auto unsigned_store = open_store(dir_.file("plain.db"));
  ASSERT_TRUE(unsigned_store->seal().ok());
}

TEST_F(SqliteStoreTest, RefusesFilesItCannotTrust) {
  std::string junk = dir_.file("junk.db");
  std::ofstream(junk) << "this is not a database, just text that is long enough to be noticed by SQLite.....";
  auto opened = SqliteStore::open(junk);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().find("junk.db"), std::string::npos) << opened.error();

  std::string newer = dir_.file("newer.db");
  { ASSERT_NE(open_store(newer), nullptr); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(newer.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  opened = SqliteStore::open(newer);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().find("schema version 99, newer than this docket understands (2)"), std::string::npos)
      << opened.error();

  std::string other = dir_.file("other.db");
  ASSERT_EQ(sqlite3_open(other.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t(x); PRAGMA user_version=1", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  opened = SqliteStore::open(other);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().find("not a docket store"), std::string::npos) << opened.error();

  opened = SqliteStore::open(dir_.file("missing.db"), read_only_options());
  EXPECT_FALSE(opened.ok());
}

TEST_F(SqliteStoreTest, AReadOnlyStoreRefusesWritesAndChangesNothing) {
  std::string path = dir_.file("s.db");
  {
    auto store = open_store(path);
    VirtualClock clock;
    Engine engine(clock, *store);
    ASSERT_TRUE(engine.install(workflow_).ok());
    docket::testing::apply_events(engine, clock, events_, 0, 10);
  }
  auto store = open_store(path, read_only_options());
  VirtualClock clock;
  Engine engine(clock, *store);
  ASSERT_TRUE(recover(engine, *store, docket::testing::compile_stored_version).ok());
  std::uint64_t last = store->last_seq();
  auto outcome = engine.apply(events_[10]);
  ASSERT_FALSE(outcome.ok());
  EXPECT_NE(outcome.error().find("read-only"), std::string::npos) << outcome.error();
  EXPECT_EQ(store->last_seq(), last);
}

TEST_F(SqliteStoreTest, RecoveryRefusesAStoreWhoseRuleSourcesWereEdited) {
  std::string path = dir_.file("s.db");
  {
    auto store = open_store(path);
    VirtualClock clock;
    Engine engine(clock, *store);
    ASSERT_TRUE(engine.install(workflow_).ok());
    docket::testing::apply_events(engine, clock, events_, 0, 10);
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "UPDATE version_sources SET text = replace(text, '24h', '48h')", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  auto store = open_store(path);
  VirtualClock clock;
  Engine engine(clock, *store);
  auto recovered = recover(engine, *store, docket::testing::compile_stored_version);
  ASSERT_FALSE(recovered.ok());
  EXPECT_NE(recovered.error().find("the sources in the store were altered"), std::string::npos) << recovered.error();
}

}  // namespace
}  // namespace docket::engine
