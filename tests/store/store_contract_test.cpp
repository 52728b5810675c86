// The store contract (engine/store/store.h): one set of tests that every
// backend passes, run against a SQLite file and a PostgreSQL database, both
// opened through open_store() as every command opens them. What only one
// backend does is tested beside it (sqlite_store_test.cpp, outbox_test.cpp,
// store_faults_test.cpp, postgres_store_test.cpp).

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/codec/journal_json.h"
#include "engine/codec/ticket_codec.h"
#include "engine/runtime/engine.h"
#include "engine/store/audit_chain.h"
#include "engine/store/checkpoint.h"
#include "engine/store/open_store.h"
#include "engine/store/recovery.h"
#include "engine/store/signing.h"
#include "tests/support/engine_harness.h"
#include "tests/support/event_streams.h"
#include "tests/support/postgres_database.h"
#include "tests/support/raw_sql.h"
#include "tests/support/stored_rules.h"

namespace docket::engine {
namespace {

using docket::testing::TempDir;

enum class Backend : std::uint8_t { kSqlite, kPostgres };

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "sqlite" : "postgresql";
}

std::string walkthrough() { return std::string(DOCKET_SOURCE_DIR) + "/examples/after_sales/walkthrough.jsonl"; }

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

std::vector<JournalRow> rows_of(Store& store) {
  std::vector<JournalRow> rows;
  Status read = store.read_journal(1, [&rows](const JournalRow& row) {
    rows.push_back(row);
    return Status::success();
  });
  EXPECT_TRUE(read.ok()) << read.error();
  return rows;
}

// The store's own words in an error the engine passes on (it says first
// what it was doing: "journal refused records: ").
std::string store_words(const std::string& engine_error) {
  constexpr std::string_view kEngine = "journal refused records: ";
  EXPECT_TRUE(engine_error.starts_with(kEngine)) << engine_error;
  return engine_error.starts_with(kEngine) ? engine_error.substr(kEngine.size()) : engine_error;
}

AnyStoreOptions read_only() {
  AnyStoreOptions options;
  options.read_only = true;
  return options;
}

class StoreContractTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    workflow_ = testing::shipped_rules("after_sales.docket");
    ASSERT_NE(workflow_, nullptr);
    events_ = docket::testing::parse_events(docket::testing::replicate_events(walkthrough(), 3, 7 * 60));
    ASSERT_GT(events_.size(), 100u);
    until_ = *events_.back().at + 10 * testing::kDay;
    location_ = new_location("store");
    ASSERT_FALSE(location_.empty());
  }

  // Where a new, empty store goes: a file in the test's folder, or a
  // database of its own on the test server.
  std::string new_location(const std::string& name) {
    if (GetParam() == Backend::kSqlite) return dir_.file(name + ".db");
    return docket::testing::fresh_postgres_database();
  }

  std::unique_ptr<Store> open(const std::string& location, AnyStoreOptions options = {}) {
    auto store = open_store(location, std::move(options));
    EXPECT_TRUE(store.ok()) << store.error();
    return store ? std::move(store).value() : nullptr;
  }
  std::unique_ptr<Store> open(AnyStoreOptions options = {}) { return open(location_, std::move(options)); }

  // Runs `sql` on the store's tables behind its back, as an operator (or an
  // intruder) with a database client would.
  void run_sql(const std::string& location, const std::string& sql) { docket::testing::run_sql(location, sql); }

  // The one number a query on the store's tables returns (-1 on failure).
  std::int64_t query_number(const std::string& location, const std::string& sql) {
    std::vector<std::string> rows = docket::testing::query_rows(location, sql);
    EXPECT_EQ(rows.size(), 1u) << sql;
    return rows.size() == 1 ? std::stoll(rows.front()) : -1;
  }

  std::shared_ptr<const Workflow> workflow_;
  std::vector<Event> events_;
  std::int64_t until_ = 0;
  TempDir dir_;
  std::string location_;
};

INSTANTIATE_TEST_SUITE_P(Backends, StoreContractTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         backend_name);

TEST_P(StoreContractTest, KeepsEveryRecordAsTheCanonicalBodyInAHashChain) {
  Reference reference = run_in_memory(workflow_, events_, until_);
  auto store = open();
  ASSERT_NE(store, nullptr);
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
  std::int64_t latest = 0;
  for (const JournalRow& row : rows) latest = std::max(latest, row.at);
  EXPECT_EQ(store->last_at(), latest);

  // Reading from the middle starts there.
  std::vector<std::uint64_t> tail;
  ASSERT_TRUE(store
                  ->read_journal(rows.size() - 2,
                                 [&tail](const JournalRow& row) {
                                   tail.push_back(row.seq);
                                   return Status::success();
                                 })
                  .ok());
  EXPECT_EQ(tail, (std::vector<std::uint64_t>{rows.size() - 2, rows.size() - 1, rows.size()}));
  // A reader that stops early gets its own error back.
  std::size_t seen = 0;
  Status stopped = store->read_journal(
      1, [&seen](const JournalRow&) { return ++seen == 3 ? Status::failure("enough") : Status::success(); });
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.error(), "enough");
  EXPECT_EQ(seen, 3u);

  // The store opened again says the same.
  auto reopened = open();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->last_seq(), rows.size());
  EXPECT_EQ(reopened->last_at(), latest);
  EXPECT_EQ(rows_of(*reopened).back().hash, rows.back().hash);

  // One ticket's rows are that ticket's records, in seq order.
  const std::string& ticket = events_.front().ticket;
  std::vector<std::uint64_t> expected;
  for (const JournalRow& row : rows) {
    if (row.ticket == ticket) expected.push_back(row.seq);
  }
  std::vector<std::uint64_t> read;
  ASSERT_TRUE(store
                  ->read_ticket_journal(ticket,
                                        [&read](const JournalRow& row) {
                                          read.push_back(row.seq);
                                          return Status::success();
                                        })
                  .ok());
  EXPECT_FALSE(expected.empty());
  EXPECT_EQ(read, expected);
}

// A restart between any two events changes nothing: the journal and the
// tickets are byte for byte those of a run that never stopped, timers
// included (they fall due while "down" and fire on the next event).
TEST_P(StoreContractTest, RecoveryAfterARestartContinuesExactlyAsIfNeverStopped) {
  Reference reference = run_in_memory(workflow_, events_, until_);
  for (std::size_t split : {std::size_t{1}, std::size_t{17}, events_.size() / 2, events_.size() - 1}) {
    SCOPED_TRACE("restart after event " + std::to_string(split));
    std::string location = new_location("split" + std::to_string(split));
    ASSERT_FALSE(location.empty());
    {
      auto store = open(location);
      ASSERT_NE(store, nullptr);
      VirtualClock clock;
      Engine engine(clock, *store);
      ASSERT_TRUE(engine.install(workflow_).ok());
      EXPECT_EQ(docket::testing::apply_events(engine, clock, events_, 0, split), 0u);
    }
    auto store = open(location);
    ASSERT_NE(store, nullptr);
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
TEST_P(StoreContractTest, AUnitThatWritesNoRecordStillReachesTheStore) {
  auto workflow = testing::compile_rules(R"(workflow t
field x: int = 0
initial state a {
  after 1h when x > 0 do notify customer "n"
  on go -> b
}
final state b
)");
  ASSERT_NE(workflow, nullptr);
  std::string expected;
  {
    auto store = open();
    ASSERT_NE(store, nullptr);
    VirtualClock clock(testing::kMonday);
    Engine engine(clock, *store);
    ASSERT_TRUE(engine.install(workflow).ok());
    ASSERT_TRUE(engine.apply(Event{testing::kMonday, "T-1", "create", testing::actor("a", {}), {}, {}, {}}).ok());
    ASSERT_TRUE(engine.advance_to(testing::kMonday + 2 * testing::kHour).ok());
    EXPECT_TRUE(engine.find("T-1")->timers.empty());
    expected = encode_ticket(*engine.find("T-1"));
  }
  auto store = open();
  ASSERT_NE(store, nullptr);
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

TEST_P(StoreContractTest, AnEventRetriedWithItsKeyAfterARestartAppliesOnce) {
  std::uint64_t last = 0;
  {
    auto store = open();
    ASSERT_NE(store, nullptr);
    VirtualClock clock;
    Engine engine(clock, *store);
    ASSERT_TRUE(engine.install(workflow_).ok());
    docket::testing::apply_events(engine, clock, events_);
    last = store->last_seq();
  }
  auto store = open();
  ASSERT_NE(store, nullptr);
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

TEST_P(StoreContractTest, KeepsTicketsKeysVersionsAndPendingDueItems) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  VirtualClock clock;
  Engine engine(clock, *store);
  ASSERT_TRUE(engine.install(workflow_).ok());
  docket::testing::apply_events(engine, clock, events_, 0, 30);

  auto tickets = store->tickets();
  ASSERT_TRUE(tickets.ok()) << tickets.error();
  ASSERT_EQ(tickets->size(), engine.ticket_count());
  std::size_t keys = 0;
  for (std::size_t i = 0; i < tickets->size(); ++i) {
    const StoredTicket& stored = tickets->at(i);
    EXPECT_EQ(stored.id, engine.ticket_at(i).id) << "tickets come in creation order";
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
  EXPECT_EQ(versions->front().workflow, workflow_->name());
  EXPECT_EQ(versions->front().declared, workflow_->version());
  EXPECT_EQ(versions->front().source_root, workflow_->source_root());
  EXPECT_EQ(versions->front().sources, workflow_->sources());
  EXPECT_EQ(versions->front().added_at, *events_.front().at) << "when the first ticket used it";
  EXPECT_EQ(versions->front().tickets, engine.ticket_count());

  // Every running SLA clock is a row of the `timers` table that docs/store.md
  // invites operators to query, read by a client of the test's own (the
  // store commits every unit: batch_units is 1).
  std::int64_t running = 0;
  for (std::size_t i = 0; i < engine.ticket_count(); ++i) {
    for (const SlaClock& clock_of : engine.ticket_at(i).clocks) {
      if (clock_of.status == SlaClock::Status::kRunning && clock_of.due != kNever) ++running;
    }
  }
  EXPECT_GT(running, 0) << "no running clock: the comparison would prove nothing";
  EXPECT_EQ(query_number(location_, "SELECT count(*) FROM timers WHERE kind = 'sla'"), running);
}

// Two engines on one store, each with the tickets as it read them: the one
// that writes second is refused, its unit leaves no trace, and nothing the
// first wrote is lost.
TEST_P(StoreContractTest, ASecondWriterWithAStaleViewIsRefusedAndNothingIsLost) {
  auto first = open();
  ASSERT_NE(first, nullptr);
  VirtualClock clock;
  Engine engine(clock, *first);
  ASSERT_TRUE(engine.install(workflow_).ok());
  docket::testing::apply_events(engine, clock, events_, 0, 5);

  // A second node loads the same tickets, then the first moves on.
  auto second = open();
  ASSERT_NE(second, nullptr);
  VirtualClock clock2;
  Engine other(clock2, *second);
  ASSERT_TRUE(recover(other, *second, docket::testing::compile_stored_version).ok());
  EXPECT_EQ(docket::testing::apply_events(engine, clock, events_, 5, 6), 0u);
  const std::string& id = events_[5].ticket;

  // The second node's unit for that ticket is refused and leaves it as it was.
  Event late = events_[5];
  late.idempotency_key.reset();
  late.at = *late.at + 1;
  const Ticket* before = other.find(id);
  ASSERT_NE(before, nullptr);
  std::string state_before = before->state_name();
  std::uint64_t second_seq = second->last_seq();
  auto outcome = other.apply(late);
  ASSERT_FALSE(outcome.ok());
  std::string refused = store_words(outcome.error());
  EXPECT_TRUE(refused.starts_with(second->location() + ": ")) << refused;
  EXPECT_NE(refused.find("another writer"), std::string::npos) << refused;
  EXPECT_EQ(other.find(id)->state_name(), state_before);
  EXPECT_EQ(second->last_seq(), second_seq);

  // What the first wrote is all there, and only that.
  auto reader = open(read_only());
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->last_seq(), engine.last_seq());
  std::vector<JournalRow> rows = rows_of(*reader);
  ASSERT_EQ(rows.size(), engine.last_seq());
  std::string prev(kGenesisHash);
  for (const JournalRow& row : rows) {
    EXPECT_EQ(row.prev_hash, prev) << "seq " << row.seq;
    prev = row.hash;
  }
  auto tickets = reader->tickets();
  ASSERT_TRUE(tickets.ok()) << tickets.error();
  for (const StoredTicket& stored : tickets.value()) {
    ASSERT_NE(engine.find(stored.id), nullptr);
    EXPECT_EQ(stored.snapshot, encode_ticket(*engine.find(stored.id))) << stored.id;
  }

  // The first goes on writing as if nothing had happened.
  EXPECT_EQ(docket::testing::apply_events(engine, clock, events_, 6, 10), 0u);
  EXPECT_EQ(first->last_seq(), engine.last_seq());
}

TEST_P(StoreContractTest, GroupCommitAcknowledgesUnitsOnlyOnceTheirBatchCommitted) {
  std::vector<std::uint64_t> acknowledged;
  AnyStoreOptions options;
  options.batch_units = 4;
  options.on_durable = [&acknowledged](std::span<const Record> records) {
    for (const Record& record : records) acknowledged.push_back(record.seq);
  };
  auto store = open(options);
  ASSERT_NE(store, nullptr);
  VirtualClock clock;
  Engine engine(clock, *store);
  ASSERT_TRUE(engine.install(workflow_).ok());
  docket::testing::apply_events(engine, clock, events_, 0, 1);
  std::uint64_t written = engine.last_seq();
  ASSERT_GT(written, 0u);
  EXPECT_TRUE(acknowledged.empty());
  // Another connection sees nothing of the open batch.
  {
    auto reader = open(read_only());
    ASSERT_NE(reader, nullptr);
    EXPECT_EQ(reader->last_seq(), 0u);
    EXPECT_TRUE(rows_of(*reader).empty());
  }
  docket::testing::apply_events(engine, clock, events_, 1, 40);
  ASSERT_TRUE(store->flush().ok());
  ASSERT_EQ(acknowledged.size(), engine.last_seq());
  for (std::size_t i = 0; i < acknowledged.size(); ++i) EXPECT_EQ(acknowledged[i], i + 1);
  auto reader = open(read_only());
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->last_seq(), engine.last_seq());
  EXPECT_EQ(rows_of(*reader).size(), engine.last_seq());
}

TEST_P(StoreContractTest, SignsACheckpointEveryNRecords) {
  auto key = SigningKey::generate();
  ASSERT_TRUE(key.ok());
  AnyStoreOptions options;
  options.signing_key = key.value();
  options.checkpoint_every = 25;
  auto store = open(options);
  ASSERT_NE(store, nullptr);
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
  auto last = store->last_checkpoint();
  ASSERT_TRUE(last.ok()) << last.error();
  ASSERT_TRUE(last.value());
  EXPECT_EQ(last.value()->seq, checkpoints->back().seq);
  auto keys = store->public_keys();
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ(keys->front(), key->verify_key().to_pem());
}

// A clean close signs the journal's last record too: without it, the records
// after the last multiple of the interval would be vouched for by the chain
// alone. Sealing twice, or a store already covered, adds nothing.
TEST_P(StoreContractTest, SealingSignsTheLastRecordOnce) {
  auto key = SigningKey::generate();
  ASSERT_TRUE(key.ok());
  AnyStoreOptions options;
  options.signing_key = key.value();
  options.checkpoint_every = 25;
  options.batch_units = 10;  // sealing commits the open batch first
  std::uint64_t last = 0;
  {
    auto store = open(options);
    ASSERT_NE(store, nullptr);
    VirtualClock clock;
    Engine engine(clock, *store);
    ASSERT_TRUE(engine.install(workflow_).ok());
    docket::testing::apply_events(engine, clock, events_);
    last = engine.last_seq();
    ASSERT_NE(last % 25, 0u);
    ASSERT_TRUE(store->seal().ok());
    ASSERT_TRUE(store->seal().ok());
  }
  auto store = open(options);
  ASSERT_NE(store, nullptr);
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
  std::string plain = new_location("plain");
  ASSERT_FALSE(plain.empty());
  auto unsigned_store = open(plain);
  ASSERT_NE(unsigned_store, nullptr);
  ASSERT_TRUE(unsigned_store->seal().ok());
  auto none = unsigned_store->checkpoints();
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto no_last = unsigned_store->last_checkpoint();
  ASSERT_TRUE(no_last.ok()) << no_last.error();
  EXPECT_FALSE(no_last.value());
  auto no_keys = unsigned_store->public_keys();
  ASSERT_TRUE(no_keys.ok()) << no_keys.error();
  EXPECT_TRUE(no_keys->empty());
}

TEST_P(StoreContractTest, KeepsEachVersionOnceOldestFirstWithItsTickets) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  VirtualClock clock;
  Engine engine(clock, *store);
  ASSERT_TRUE(engine.install(workflow_).ok());
  EXPECT_EQ(docket::testing::apply_events(engine, clock, events_, 0, 5), 0u);
  auto other = testing::compile_rules(R"(workflow t version "2.1"
initial state a { on go -> b }
final state b
)");
  ASSERT_NE(other, nullptr);
  std::int64_t now = testing::kMonday + testing::kDay;
  ASSERT_TRUE(store->add_version(*other, now).ok());
  ASSERT_TRUE(store->add_version(*other, now + 1).ok());
  ASSERT_TRUE(store->add_version(*workflow_, now + 2).ok());

  auto versions = store->versions();
  ASSERT_TRUE(versions.ok()) << versions.error();
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ(versions->at(0).id, workflow_->version_id());
  EXPECT_EQ(versions->at(0).tickets, engine.ticket_count());
  EXPECT_EQ(versions->at(1).id, other->version_id());
  EXPECT_EQ(versions->at(1).workflow, "t");
  EXPECT_EQ(versions->at(1).declared, "2.1");
  EXPECT_EQ(versions->at(1).added_at, now);
  EXPECT_EQ(versions->at(1).sources, other->sources());
  EXPECT_EQ(versions->at(1).tickets, 0u);

  // Kept for good: a store opened again has both, and recovery compiles both.
  auto reopened = open();
  ASSERT_NE(reopened, nullptr);
  VirtualClock clock2;
  Engine engine2(clock2, *reopened);
  auto recovered = recover(engine2, *reopened, docket::testing::compile_stored_version);
  ASSERT_TRUE(recovered.ok()) << recovered.error();
  EXPECT_EQ(recovered->versions.size(), 2u);
  EXPECT_EQ(recovered->tickets, engine.ticket_count());
  EXPECT_EQ(recovered->last_seq, engine.last_seq());
}

// A read snapshot runs its reads and passes their outcome on; it is refused
// while a group commit's batch is open.
TEST_P(StoreContractTest, AReadSnapshotPassesItsReadsOnAndWaitsForNoOpenBatch) {
  AnyStoreOptions options;
  options.batch_units = 100;
  auto store = open(options);
  ASSERT_NE(store, nullptr);
  VirtualClock clock;
  Engine engine(clock, *store);
  ASSERT_TRUE(engine.install(workflow_).ok());
  EXPECT_EQ(docket::testing::apply_events(engine, clock, events_, 0, 5), 0u);
  Status refused = store->read_snapshot([] { return Status::success(); });
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.error().starts_with(store->location() + ": ")) << refused.error();
  EXPECT_NE(refused.error().find("a batch is open"), std::string::npos) << refused.error();

  ASSERT_TRUE(store->flush().ok());
  std::size_t rows = 0;
  std::size_t tickets = 0;
  Status read = store->read_snapshot([&]() -> Status {
    rows = rows_of(*store).size();
    auto stored = store->tickets();
    if (!stored) return Status::failure(stored.error());
    tickets = stored->size();
    return Status::success();
  });
  ASSERT_TRUE(read.ok()) << read.error();
  EXPECT_EQ(rows, engine.last_seq());
  EXPECT_EQ(tickets, engine.ticket_count());
  Status failed = store->read_snapshot([] { return Status::failure("the reader's own problem"); });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error(), "the reader's own problem");
  // The store writes on after both.
  EXPECT_EQ(docket::testing::apply_events(engine, clock, events_, 5, 10), 0u);
  ASSERT_TRUE(store->flush().ok());
  auto reader = open(read_only());
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->last_seq(), engine.last_seq());
}

TEST_P(StoreContractTest, AReadOnlyStoreRefusesWritesAndChangesNothing) {
  {
    auto store = open();
    ASSERT_NE(store, nullptr);
    VirtualClock clock;
    Engine engine(clock, *store);
    ASSERT_TRUE(engine.install(workflow_).ok());
    docket::testing::apply_events(engine, clock, events_, 0, 10);
  }
  auto store = open(read_only());
  ASSERT_NE(store, nullptr);
  VirtualClock clock;
  Engine engine(clock, *store);
  ASSERT_TRUE(recover(engine, *store, docket::testing::compile_stored_version).ok());
  std::uint64_t last = store->last_seq();
  auto outcome = engine.apply(events_[10]);
  ASSERT_FALSE(outcome.ok());
  std::string refused = store_words(outcome.error());
  EXPECT_TRUE(refused.starts_with(store->location() + ": ")) << refused;
  EXPECT_NE(refused.find("read-only"), std::string::npos) << refused;
  EXPECT_EQ(store->last_seq(), last);
  EXPECT_EQ(rows_of(*store).size(), last);
}

TEST_P(StoreContractTest, RecoveryRefusesAStoreWhoseRuleSourcesWereEdited) {
  {
    auto store = open();
    ASSERT_NE(store, nullptr);
    VirtualClock clock;
    Engine engine(clock, *store);
    ASSERT_TRUE(engine.install(workflow_).ok());
    docket::testing::apply_events(engine, clock, events_, 0, 10);
  }
  run_sql(location_, "UPDATE version_sources SET text = replace(text, '24h', '48h')");
  auto store = open();
  ASSERT_NE(store, nullptr);
  VirtualClock clock;
  Engine engine(clock, *store);
  auto recovered = recover(engine, *store, docket::testing::compile_stored_version);
  ASSERT_FALSE(recovered.ok());
  EXPECT_NE(recovered.error().find("the sources in the store were altered"), std::string::npos) << recovered.error();
}

// ---------------------------------------------------------------- the outbox (engine/store/outbox.h)

// One item per `notify` effect, for the target "sms"; the payload names the message.
void notify_router(const Record& record, std::string_view, const Ticket*, std::vector<OutboxItem>& items) {
  for (std::size_t i = 0; i < record.effects.size(); ++i) {
    if (record.effects[i].kind != EffectKind::kNotify || record.rejected) continue;
    auto part = static_cast<std::uint32_t>(i + 1);
    items.push_back(
        {delivery_id(record.seq, part, "sms"), record.seq, part, record.ticket, "sms", record.effects[i].value});
  }
}

Record decode_record_for_test(const std::string& body) {
  Result<Record> record = decode_record(body);
  EXPECT_TRUE(record.ok()) << record.error();
  return record ? record.value() : Record{};
}

DeliveryAttempt outcome(const Delivery& item, DeliveryStatus status, std::int64_t at, std::int64_t next = 0) {
  DeliveryAttempt attempt;
  attempt.id = item.item.id;
  attempt.at_ms = at;
  attempt.duration_ms = 5;
  attempt.http_status = status == DeliveryStatus::kDelivered ? 200 : 503;
  attempt.error = status == DeliveryStatus::kDelivered ? "" : "HTTP 503";
  attempt.status = status;
  attempt.next_ms = next;
  return attempt;
}

class OutboxContractTest : public StoreContractTest {
 protected:
  void SetUp() override {
    StoreContractTest::SetUp();
    events_ = docket::testing::parse_events(docket::testing::replicate_events(walkthrough(), 2, 7 * 60));
  }

  AnyStoreOptions options(OutboxRouter router = notify_router) {
    AnyStoreOptions options;
    options.durability = SqliteStoreOptions::Durability::kNormal;
    options.outbox_router = std::move(router);
    options.wall_clock_ms = [this] { return now_ms_; };
    return options;
  }

  // The walkthrough run into `store`; its notify effects, by delivery id.
  std::map<std::string, std::string> run(Store& store) {
    VirtualClock clock;
    Engine engine(clock, store);
    EXPECT_TRUE(engine.install(workflow_).ok());
    EXPECT_EQ(docket::testing::apply_events(engine, clock, events_), 0u);
    std::map<std::string, std::string> notified;
    EXPECT_TRUE(store
                    .read_journal(1,
                                  [&](const JournalRow& row) {
                                    std::vector<OutboxItem> items;
                                    notify_router(decode_record_for_test(row.body), row.hash, nullptr, items);
                                    for (const OutboxItem& item : items) notified[item.id] = item.payload;
                                    return Status::success();
                                  })
                    .ok());
    return notified;
  }

  std::vector<Delivery> all(Store& store) {
    OutboxQuery query;
    query.limit = 100000;
    auto page = store.outbox(query);
    EXPECT_TRUE(page.ok()) << page.error();
    return page ? page->items : std::vector<Delivery>{};
  }

  std::vector<Delivery> due(Store& store, std::uint64_t max_seq = UINT64_MAX / 2) {
    auto found = store.due_deliveries("sms", max_seq, now_ms_, 1000);
    EXPECT_TRUE(found.ok()) << found.error();
    return found ? found.value() : std::vector<Delivery>{};
  }

  std::int64_t now_ms_ = 1'000'000;  // the outbox's wall clock, moved by the test
};

INSTANTIATE_TEST_SUITE_P(Backends, OutboxContractTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         backend_name);

TEST_P(OutboxContractTest, EveryItemTheRouterAsksForIsKeptWithItsUnit) {
  auto store = open(options());
  ASSERT_NE(store, nullptr);
  std::map<std::string, std::string> notified = run(*store);
  ASSERT_GT(notified.size(), 4u);
  std::vector<Delivery> items = all(*store);
  ASSERT_EQ(items.size(), notified.size());
  for (const Delivery& item : items) {
    ASSERT_TRUE(notified.contains(item.item.id)) << item.item.id;
    EXPECT_EQ(item.item.payload, notified[item.item.id]);
    EXPECT_EQ(item.item.target, "sms");
    EXPECT_EQ(item.status, DeliveryStatus::kPending);
    EXPECT_EQ(item.attempts, 0u);
    EXPECT_EQ(item.queued_ms, now_ms_);
    EXPECT_EQ(item.next_ms, now_ms_);
  }
  auto one = store->delivery(items.front().item.id);
  ASSERT_TRUE(one.ok()) << one.error();
  ASSERT_TRUE(one.value());
  EXPECT_EQ(one.value()->item.payload, items.front().item.payload);
  auto missing = store->delivery("9.9.nowhere");
  ASSERT_TRUE(missing.ok()) << missing.error();
  EXPECT_FALSE(missing.value());
}

TEST_P(OutboxContractTest, AUnitThatFailsLeavesNeitherRecordsNorItems) {
  // A router that asks for the same delivery twice makes the unit's
  // transaction fail half way: the unit is refused as a whole.
  OutboxRouter twice = [](const Record& record, std::string_view hash, const Ticket* ticket,
                          std::vector<OutboxItem>& items) {
    notify_router(record, hash, ticket, items);
    if (!items.empty()) items.push_back(items.back());
  };
  auto store = open(options(twice));
  ASSERT_NE(store, nullptr);
  VirtualClock clock;
  Engine engine(clock, *store);
  ASSERT_TRUE(engine.install(workflow_).ok());
  EXPECT_GT(docket::testing::apply_events(engine, clock, events_), 0u);
  EXPECT_TRUE(all(*store).empty());
  // What the store kept is a journal without the refused units, every record
  // of it free of notify effects (those units are the ones that failed).
  std::size_t records = 0;
  ASSERT_TRUE(store
                  ->read_journal(1,
                                 [&](const JournalRow& row) {
                                   std::vector<OutboxItem> items;
                                   notify_router(decode_record_for_test(row.body), row.hash, nullptr, items);
                                   EXPECT_TRUE(items.empty()) << row.body;
                                   ++records;
                                   return Status::success();
                                 })
                  .ok());
  EXPECT_GT(records, 0u);
  EXPECT_EQ(records, store->last_seq());
  // A store opened afresh agrees: the refused units left nothing behind.
  auto reopened = open(options());
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->last_seq(), records);
  EXPECT_TRUE(all(*reopened).empty());
}

// The same inside a group commit: the failed unit is undone alone, the rest
// of its batch commits and is acknowledged.
TEST_P(OutboxContractTest, AUnitThatFailsInAGroupCommitLeavesTheRestOfItsBatch) {
  OutboxRouter twice = [](const Record& record, std::string_view hash, const Ticket* ticket,
                          std::vector<OutboxItem>& items) {
    notify_router(record, hash, ticket, items);
    if (!items.empty()) items.push_back(items.back());
  };
  std::vector<std::uint64_t> acknowledged;
  AnyStoreOptions batched = options(twice);
  batched.batch_units = 7;
  batched.on_durable = [&acknowledged](std::span<const Record> records) {
    for (const Record& record : records) acknowledged.push_back(record.seq);
  };
  auto store = open(std::move(batched));
  ASSERT_NE(store, nullptr);
  VirtualClock clock;
  Engine engine(clock, *store);
  ASSERT_TRUE(engine.install(workflow_).ok());
  EXPECT_GT(docket::testing::apply_events(engine, clock, events_), 0u);
  ASSERT_TRUE(store->flush().ok());
  ASSERT_GT(store->last_seq(), 7u) << "more than one batch";
  EXPECT_EQ(acknowledged.size(), store->last_seq());
  for (std::size_t i = 0; i < acknowledged.size(); ++i) EXPECT_EQ(acknowledged[i], i + 1);

  auto reopened = open(options());
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->last_seq(), store->last_seq());
  EXPECT_TRUE(all(*reopened).empty());
  std::vector<JournalRow> rows = rows_of(*reopened);
  ASSERT_EQ(rows.size(), store->last_seq());
  std::string prev(kGenesisHash);
  for (const JournalRow& row : rows) {
    EXPECT_EQ(row.prev_hash, prev) << "seq " << row.seq;
    EXPECT_EQ(row.hash, chain_hash(prev, row.body)) << "seq " << row.seq;
    std::vector<OutboxItem> items;
    notify_router(decode_record_for_test(row.body), row.hash, nullptr, items);
    EXPECT_TRUE(items.empty()) << row.body;
    prev = row.hash;
  }
}

TEST_P(OutboxContractTest, AGroupCommitDiscardedLeavesNoItem) {
  AnyStoreOptions batched = options();
  batched.batch_units = 1000;
  {
    auto store = open(std::move(batched));
    ASSERT_NE(store, nullptr);
    VirtualClock clock;
    Engine engine(clock, *store);
    ASSERT_TRUE(engine.install(workflow_).ok());
    EXPECT_EQ(docket::testing::apply_events(engine, clock, events_), 0u);
    EXPECT_FALSE(all(*store).empty());  // the open batch sees its own rows
    store->discard();
  }
  auto reopened = open(options());
  ASSERT_NE(reopened, nullptr);
  EXPECT_TRUE(all(*reopened).empty());
  EXPECT_EQ(reopened->last_seq(), 0u);
}

TEST_P(OutboxContractTest, ItemsOfOneTicketAreHandedOutOneAtATimeInJournalOrder) {
  auto store = open(options());
  ASSERT_NE(store, nullptr);
  run(*store);
  std::map<std::string, std::vector<std::string>> expected;  // ticket -> ids in journal order
  for (const Delivery& item : all(*store)) expected[item.item.ticket].push_back(item.item.id);
  ASSERT_GE(expected.size(), 2u);

  std::map<std::string, std::vector<std::string>> delivered;
  for (int round = 0; round < 100; ++round) {
    std::vector<Delivery> batch = due(*store);
    if (batch.empty()) break;
    std::map<std::string, int> per_ticket;
    std::vector<DeliveryAttempt> attempts;
    for (const Delivery& item : batch) {
      EXPECT_EQ(++per_ticket[item.item.ticket], 1) << "two items of " << item.item.ticket << " at once";
      delivered[item.item.ticket].push_back(item.item.id);
      attempts.push_back(outcome(item, DeliveryStatus::kDelivered, now_ms_));
    }
    ASSERT_TRUE(store->record_attempts(attempts).ok());
  }
  EXPECT_EQ(delivered, expected);
}

TEST_P(OutboxContractTest, AFailedItemHoldsItsTicketBackUntilDeliveredButADeadOneDoesNot) {
  auto store = open(options());
  ASSERT_NE(store, nullptr);
  run(*store);
  std::vector<Delivery> first = due(*store);
  ASSERT_GE(first.size(), 2u);
  const Delivery failing = first[0];
  const Delivery other = first[1];
  ASSERT_NE(failing.item.ticket, other.item.ticket);
  // The first fails with a retry a minute later; the other ticket's item is delivered.
  ASSERT_TRUE(store
                  ->record_attempts(
                      std::vector<DeliveryAttempt>{outcome(failing, DeliveryStatus::kFailed, now_ms_, now_ms_ + 60'000),
                                                   outcome(other, DeliveryStatus::kDelivered, now_ms_)})
                  .ok());
  for (const Delivery& item : due(*store)) {
    EXPECT_NE(item.item.ticket, failing.item.ticket) << "a later item overtook " << failing.item.id;
  }
  // Due again a minute later, it comes before the later items of its ticket.
  now_ms_ += 60'000;
  bool again = false;
  for (const Delivery& item : due(*store)) again = again || item.item.id == failing.item.id;
  EXPECT_TRUE(again);
  // Dead, it no longer holds them.
  ASSERT_TRUE(
      store->record_attempts(std::vector<DeliveryAttempt>{outcome(failing, DeliveryStatus::kDead, now_ms_)}).ok());
  bool later_of_same_ticket = false;
  for (const Delivery& item : due(*store)) later_of_same_ticket |= item.item.ticket == failing.item.ticket;
  EXPECT_TRUE(later_of_same_ticket);
}

TEST_P(OutboxContractTest, NothingAfterTheLastDurableSeqIsHandedOut) {
  auto store = open(options());
  ASSERT_NE(store, nullptr);
  run(*store);
  std::vector<Delivery> items = all(*store);
  ASSERT_FALSE(items.empty());
  std::uint64_t first_seq = items.front().item.seq;
  EXPECT_TRUE(due(*store, first_seq - 1).empty());
  for (const Delivery& item : due(*store, first_seq)) EXPECT_LE(item.item.seq, first_seq);
  EXPECT_FALSE(due(*store, first_seq).empty());
}

TEST_P(OutboxContractTest, AttemptsAreKeptAndARetryStartsTheCountAfresh) {
  auto store = open(options());
  ASSERT_NE(store, nullptr);
  run(*store);
  const Delivery item = due(*store).front();
  ASSERT_TRUE(
      store->record_attempts(std::vector<DeliveryAttempt>{outcome(item, DeliveryStatus::kFailed, 10, 20)}).ok());
  auto failed = store->delivery(item.item.id);
  ASSERT_TRUE(failed.ok() && failed.value());
  EXPECT_EQ(failed.value()->status, DeliveryStatus::kFailed);
  EXPECT_EQ(failed.value()->next_ms, 20);
  EXPECT_EQ(failed.value()->finished_ms, 0);
  EXPECT_EQ(failed.value()->last_http_status, 503);
  ASSERT_TRUE(store->record_attempts(std::vector<DeliveryAttempt>{outcome(item, DeliveryStatus::kDead, 30)}).ok());
  auto dead = store->delivery(item.item.id);
  ASSERT_TRUE(dead.ok() && dead.value());
  EXPECT_EQ(dead.value()->status, DeliveryStatus::kDead);
  EXPECT_EQ(dead.value()->attempts, 2u);
  EXPECT_EQ(dead.value()->finished_ms, 35);
  EXPECT_EQ(dead.value()->last_error, "HTTP 503");

  now_ms_ += 5000;
  auto retried = store->retry_delivery(item.item.id, now_ms_);
  ASSERT_TRUE(retried.ok()) << retried.error();
  EXPECT_EQ(retried->status, DeliveryStatus::kPending);
  EXPECT_EQ(retried->attempts, 0u);
  EXPECT_EQ(retried->next_ms, now_ms_);
  auto kept = store->delivery(item.item.id);
  ASSERT_TRUE(kept.ok() && kept.value());
  EXPECT_EQ(kept.value()->status, DeliveryStatus::kPending);
  EXPECT_EQ(kept.value()->attempts, 0u);
  ASSERT_TRUE(
      store->record_attempts(std::vector<DeliveryAttempt>{outcome(item, DeliveryStatus::kDelivered, now_ms_)}).ok());
  auto history = store->delivery_attempts(item.item.id);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ(history->at(0).number, 1u);
  EXPECT_EQ(history->at(2).number, 3u);
  EXPECT_EQ(history->at(0).attempt.status, DeliveryStatus::kFailed);
  EXPECT_EQ(history->at(0).attempt.at_ms, 10);
  EXPECT_EQ(history->at(0).attempt.http_status, 503);
  EXPECT_EQ(history->at(1).attempt.status, DeliveryStatus::kDead);
  EXPECT_EQ(history->at(2).attempt.status, DeliveryStatus::kDelivered);
  EXPECT_EQ(history->at(2).attempt.error, "");

  auto again = store->retry_delivery(item.item.id, now_ms_);
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(again.error().starts_with(store->location() + ": ")) << again.error();
  EXPECT_NE(again.error().find("is delivered: only a dead or failed one is retried"), std::string::npos);
  EXPECT_FALSE(store->retry_delivery("9.9.nowhere", now_ms_).ok());
  Status unknown = store->record_attempts(std::vector<DeliveryAttempt>{outcome(item, DeliveryStatus::kDelivered, 1)});
  EXPECT_TRUE(unknown.ok());
  DeliveryAttempt stray = outcome(item, DeliveryStatus::kDelivered, 1);
  stray.id = "9.9.nowhere";
  Status refused = store->record_attempts(std::vector<DeliveryAttempt>{stray});
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.error().starts_with(store->location() + ": ")) << refused.error();
  EXPECT_NE(refused.error().find("the outbox has no delivery 9.9.nowhere"), std::string::npos);
}

TEST_P(OutboxContractTest, TheSummaryCountsWhatIsNotDeliveredAndTheOldest) {
  auto store = open(options());
  ASSERT_NE(store, nullptr);
  auto empty = store->outbox_summary();
  ASSERT_TRUE(empty.ok()) << empty.error();
  EXPECT_TRUE(empty->counts.empty());
  EXPECT_FALSE(empty->oldest_undelivered_ms);
  std::int64_t queued = now_ms_;
  std::size_t total = run(*store).size();
  const Delivery item = due(*store).front();
  ASSERT_TRUE(store->record_attempts(std::vector<DeliveryAttempt>{outcome(item, DeliveryStatus::kDead, 1)}).ok());
  auto summary = store->outbox_summary();
  ASSERT_TRUE(summary.ok()) << summary.error();
  std::map<std::string, std::uint64_t> counts;
  for (const OutboxCount& count : summary->counts) {
    EXPECT_EQ(count.target, "sms");
    counts[std::string(to_string(count.status))] = count.items;
  }
  EXPECT_EQ(counts.size(), 2u) << "only pending and dead items, no zeros";
  EXPECT_EQ(counts["dead"], 1u);
  EXPECT_EQ(counts["pending"], total - 1);
  EXPECT_EQ(summary->oldest_undelivered_ms, queued);
}

TEST_P(OutboxContractTest, PagesFollowTheCursorAndFilter) {
  auto store = open(options());
  ASSERT_NE(store, nullptr);
  std::size_t total = run(*store).size();
  OutboxQuery query;
  query.limit = 2;
  std::size_t seen = 0;
  std::uint64_t last_position = 0;
  do {
    auto page = store->outbox(query);
    ASSERT_TRUE(page.ok());
    for (const Delivery& item : page->items) {
      EXPECT_GT(item.position, last_position);
      last_position = item.position;
      ++seen;
    }
    query.after = page->next;
  } while (query.after > 0);
  EXPECT_EQ(seen, total);

  OutboxQuery one_ticket;
  one_ticket.ticket = all(*store).front().item.ticket;
  one_ticket.status = DeliveryStatus::kPending;
  auto page = store->outbox(one_ticket);
  ASSERT_TRUE(page.ok());
  ASSERT_FALSE(page->items.empty());
  for (const Delivery& item : page->items) EXPECT_EQ(item.item.ticket, one_ticket.ticket);
  one_ticket.status = DeliveryStatus::kDead;
  EXPECT_TRUE(store->outbox(one_ticket)->items.empty());
  OutboxQuery other_target;
  other_target.target = "email";
  EXPECT_TRUE(store->outbox(other_target)->items.empty());
}

}  // namespace
}  // namespace docket::engine
