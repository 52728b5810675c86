// What only the PostgreSQL store does (engine/store/postgres_store.h): the
// databases it refuses, its connection errors, several nodes on one
// database (migrating once, claiming outbox items, one journal). What every
// store does is in store_contract_test.cpp.

#include "engine/store/postgres_store.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdint>
#include <latch>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/codec/journal_json.h"
#include "engine/runtime/engine.h"
#include "engine/store/audit_chain.h"
#include "engine/store/open_store.h"
#include "tests/support/engine_harness.h"
#include "tests/support/event_streams.h"
#include "tests/support/postgres_database.h"

namespace docket::engine {
namespace {

using docket::testing::TempDir;

std::string walkthrough() { return std::string(DOCKET_SOURCE_DIR) + "/examples/after_sales/walkthrough.jsonl"; }

// Runs `sql` on the database at `url` with a client of the test's own.
void run_sql(const std::string& url, const std::string& sql) {
  PGconn* db = PQconnectdb(url.c_str());
  ASSERT_EQ(PQstatus(db), CONNECTION_OK) << PQerrorMessage(db);
  PGresult* result = PQexec(db, sql.c_str());
  EXPECT_TRUE(PQresultStatus(result) == PGRES_COMMAND_OK || PQresultStatus(result) == PGRES_TUPLES_OK)
      << PQresultErrorMessage(result);
  PQclear(result);
  PQfinish(db);
}

std::unique_ptr<PostgresStore> open_postgres(const std::string& url, PostgresStoreOptions options = {}) {
  auto store = PostgresStore::open(url, std::move(options));
  EXPECT_TRUE(store.ok()) << store.error();
  return store ? std::move(store).value() : nullptr;
}

// Ends every other connection to the database at `url` (as a restart of the
// server does) and waits until they are gone.
void drop_connections(const std::string& url) {
  run_sql(url,
          "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE datname = current_database() AND "
          "pid <> pg_backend_pid()");
}

PostgresStoreOptions node_options(const std::string& node) {
  PostgresStoreOptions options;
  options.node = node;
  return options;
}

PostgresStoreOptions read_only_postgres() {
  PostgresStoreOptions options;
  options.read_only = true;
  return options;
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

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = docket::testing::fresh_postgres_database();
    ASSERT_FALSE(url_.empty());
    workflow_ = testing::shipped_rules("after_sales.docket");
    ASSERT_NE(workflow_, nullptr);
    events_ = docket::testing::parse_events(docket::testing::replicate_events(walkthrough(), 2, 7 * 60));
    ASSERT_GT(events_.size(), 40u);
  }

  std::string url_;
  std::shared_ptr<const Workflow> workflow_;
  std::vector<Event> events_;
};

// ---------------------------------------------------------------- databases it refuses

TEST_F(PostgresStoreTest, RefusesADatabaseThatHoldsOtherTables) {
  run_sql(url_, "CREATE TABLE customers(id integer PRIMARY KEY)");
  auto opened = PostgresStore::open(url_);
  ASSERT_FALSE(opened.ok());
  EXPECT_TRUE(opened.error().starts_with(redact_postgres_url(url_) + ": ")) << opened.error();
  EXPECT_NE(opened.error().find("not a docket store (it has other tables)"), std::string::npos) << opened.error();
  // And adds none of its own to it.
  run_sql(url_, "DROP TABLE customers");
  auto now_empty = PostgresStore::open(url_, read_only_postgres());
  ASSERT_FALSE(now_empty.ok());
  EXPECT_NE(now_empty.error().find("not a docket store (no schema)"), std::string::npos) << now_empty.error();
}

TEST_F(PostgresStoreTest, RefusesAStoreWrittenByANewerDocket) {
  { ASSERT_NE(open_postgres(url_), nullptr); }
  run_sql(url_, "UPDATE docket_meta SET value = '99' WHERE key = 'schema_version'");
  for (bool read_only : {false, true}) {
    PostgresStoreOptions options;
    options.read_only = read_only;
    auto opened = PostgresStore::open(url_, options);
    ASSERT_FALSE(opened.ok());
    EXPECT_TRUE(opened.error().starts_with(url_ + ": ")) << opened.error();
    EXPECT_NE(opened.error().find("the store has schema version 99, newer than this docket understands (" +
                                  std::to_string(kPostgresSchemaVersion) + "): upgrade docket"),
              std::string::npos)
        << opened.error();
  }
}

TEST_F(PostgresStoreTest, AReadOnlyOpenOfAnEmptyDatabaseSaysItIsNoStoreAndCreatesNothing) {
  AnyStoreOptions options;
  options.read_only = true;
  auto opened = open_store(url_, options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error(), url_ + ": not a docket store (no schema)");
  // Still empty: a store opened for writing now makes it one.
  auto store = open_store(url_);
  ASSERT_TRUE(store.ok()) << store.error();
  EXPECT_EQ(store.value()->last_seq(), 0u);
}

// PostgreSQL's text cannot hold a NUL character, and libpq would cut a value
// short at one. Events may carry one (JSON's \u0000) in a ticket id or an
// idempotency key: such a unit is refused whole, never kept cut short (two
// keys "k\0one" and "k\0two" must not become one).
TEST_F(PostgresStoreTest, ATextWithANulCharacterIsRefusedNotCutShort) {
  auto store = open_postgres(url_);
  ASSERT_NE(store, nullptr);
  VirtualClock clock;
  Engine engine(clock, *store);
  ASSERT_TRUE(engine.install(workflow_).ok());
  EXPECT_EQ(docket::testing::apply_events(engine, clock, events_, 0, 1), 0u);
  std::uint64_t kept = store->last_seq();
  ASSERT_GT(kept, 0u);

  Event create = events_.front();
  create.ticket = std::string("T\0two", 5);
  create.idempotency_key = "create-two";
  auto created = engine.apply(create);
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.error().find(store->location() + ": "), std::string::npos) << created.error();
  EXPECT_NE(created.error().find("ticket id holds a NUL character"), std::string::npos) << created.error();

  std::size_t next = 1;
  while (next < events_.size() && events_[next].ticket != events_.front().ticket) ++next;
  ASSERT_LT(next, events_.size());
  Event keyed = events_[next];
  if (*keyed.at > clock.now()) {
    ASSERT_TRUE(clock.set(*keyed.at));
  }
  keyed.idempotency_key = std::string("k\0one", 5);
  auto applied = engine.apply(keyed);
  ASSERT_FALSE(applied.ok());
  EXPECT_NE(applied.error().find("idempotency key holds a NUL character"), std::string::npos) << applied.error();
  EXPECT_EQ(store->last_seq(), kept);

  auto reader = open_postgres(url_, read_only_postgres());
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->last_seq(), kept);
  auto tickets = reader->tickets();
  ASSERT_TRUE(tickets.ok()) << tickets.error();
  ASSERT_EQ(tickets->size(), 1u);
  EXPECT_EQ(tickets->front().id, events_.front().ticket);
}

// ---------------------------------------------------------------- connecting

TEST(PostgresConnectionTest, AServerThatIsNotThereIsNamedInTheError) {
  TempDir no_server;  // a socket folder without a server in it
  std::string url = "postgresql:///docket?host=" + no_server.path();
  auto opened = open_store(url);
  ASSERT_FALSE(opened.ok());
  EXPECT_TRUE(opened.error().starts_with(url + ": cannot connect: ")) << opened.error();
  EXPECT_NE(opened.error().find(no_server.path()), std::string::npos) << "PostgreSQL's reason: " << opened.error();
  EXPECT_EQ(opened.error().find('\n'), std::string::npos) << "one line: " << opened.error();
}

TEST(PostgresConnectionTest, APasswordInTheUrlIsNeverShown) {
  auto opened = open_store("postgresql://docket:secret@/x?host=/nonexistent");
  ASSERT_FALSE(opened.ok());
  EXPECT_TRUE(opened.error().starts_with("postgresql://docket@/x?host=/nonexistent: cannot connect")) << opened.error();
  EXPECT_EQ(opened.error().find("secret"), std::string::npos) << opened.error();

  // Nor one given as a parameter.
  opened = open_store("postgresql://docket@/x?host=/nonexistent&password=secret&connect_timeout=5");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().find("secret"), std::string::npos) << opened.error();
  EXPECT_TRUE(opened.error().starts_with("postgresql://docket@/x?host=/nonexistent&connect_timeout=5: cannot connect"))
      << opened.error();
  EXPECT_EQ(redact_postgres_url("postgresql:///x?password=secret"), "postgresql:///x");
  EXPECT_EQ(redact_postgres_url("postgresql://u:p@db:5432/x?sslmode=require&password=s"),
            "postgresql://u@db:5432/x?sslmode=require");
  EXPECT_EQ(redact_postgres_url("postgresql://db/x?host=/tmp"), "postgresql://db/x?host=/tmp");
}

// A server restart (or anything else that ends the store's connection
// between two units) costs nothing: the next read or unit connects again.
TEST_F(PostgresStoreTest, AStoreOutlivesTheLossOfItsConnectionBetweenUnits) {
  auto store = open_postgres(url_);
  ASSERT_NE(store, nullptr);
  VirtualClock clock;
  Engine engine(clock, *store);
  ASSERT_TRUE(engine.install(workflow_).ok());
  EXPECT_EQ(docket::testing::apply_events(engine, clock, events_, 0, 4), 0u);

  drop_connections(url_);
  auto tickets = store->tickets();
  ASSERT_TRUE(tickets.ok()) << tickets.error();
  EXPECT_EQ(tickets->size(), engine.ticket_count());

  drop_connections(url_);
  for (std::size_t i = 4; i < 8; ++i) {
    if (*events_[i].at > clock.now()) {
      ASSERT_TRUE(clock.set(*events_[i].at));
    }
    auto outcome = engine.apply(events_[i]);
    EXPECT_TRUE(outcome.ok()) << "event " << i << ": " << outcome.error();
  }
  auto reader = open_postgres(url_, read_only_postgres());
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->last_seq(), engine.last_seq());
  EXPECT_EQ(rows_of(*reader).size(), engine.last_seq());
}

// With group commit the open batch is one transaction: when its connection
// is lost, so are its units. The store says so, as SQLite's does after a
// failed batch, and refuses to write on as if they were there.
TEST_F(PostgresStoreTest, AGroupCommitLostWithItsConnectionIsReportedAndRefusesLaterWrites) {
  PostgresStoreOptions options;
  options.batch_units = 100;
  auto store = open_postgres(url_, options);
  ASSERT_NE(store, nullptr);
  VirtualClock clock;
  Engine engine(clock, *store);
  ASSERT_TRUE(engine.install(workflow_).ok());
  EXPECT_EQ(docket::testing::apply_events(engine, clock, events_, 0, 5), 0u);
  ASSERT_GT(store->last_seq(), 0u);

  drop_connections(url_);
  for (std::size_t i = 5; i < 7; ++i) {
    if (*events_[i].at > clock.now()) {
      ASSERT_TRUE(clock.set(*events_[i].at));
    }
    auto outcome = engine.apply(events_[i]);
    ASSERT_FALSE(outcome.ok()) << "event " << i;
    EXPECT_NE(outcome.error().find(store->location() + ": "), std::string::npos) << outcome.error();
    EXPECT_NE(outcome.error().find("rebuild the engine from the store"), std::string::npos) << outcome.error();
  }
  Status flushed = store->flush();
  ASSERT_FALSE(flushed.ok());
  EXPECT_NE(flushed.error().find("rebuild the engine from the store"), std::string::npos) << flushed.error();

  // Nothing of the batch is in the store; a store opened again starts from there.
  auto again = open_postgres(url_);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->last_seq(), 0u);
  VirtualClock clock2;
  Engine rebuilt(clock2, *again);
  ASSERT_TRUE(rebuilt.install(workflow_).ok());
  EXPECT_EQ(docket::testing::apply_events(rebuilt, clock2, events_, 0, 7), 0u);
}

// ---------------------------------------------------------------- several nodes on one database

TEST_F(PostgresStoreTest, NodesThatStartTogetherMigrateTheDatabaseOnce) {
  // Several rounds, each on a database of its own: the race is between the
  // first look at the schema and the migration.
  for (int round = 0; round < 4; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    std::string url = round == 0 ? url_ : docket::testing::fresh_postgres_database();
    ASSERT_FALSE(url.empty());
    constexpr int kNodes = 3;
    std::latch start(kNodes);
    std::vector<std::string> errors(kNodes);
    std::vector<std::unique_ptr<PostgresStore>> stores(kNodes);
    std::vector<std::thread> nodes;
    for (int node = 0; node < kNodes; ++node) {
      nodes.emplace_back([&, node] {
        PostgresStoreOptions options = node_options("node-" + std::to_string(node));
        start.arrive_and_wait();
        auto opened = PostgresStore::open(url, std::move(options));
        if (opened) {
          stores[node] = std::move(opened).value();
        } else {
          errors[node] = opened.error();
        }
      });
    }
    for (std::thread& node : nodes) node.join();
    for (int node = 0; node < kNodes; ++node) {
      EXPECT_EQ(errors[node], "") << "node " << node;
      ASSERT_NE(stores[node], nullptr) << "node " << node;
      EXPECT_EQ(stores[node]->last_seq(), 0u);
    }
    // One store: what one node writes, the others read.
    {
      VirtualClock clock;
      Engine engine(clock, *stores[0]);
      ASSERT_TRUE(engine.install(workflow_).ok());
      EXPECT_EQ(docket::testing::apply_events(engine, clock, events_, 0, 3), 0u);
    }
    for (int node = 1; node < kNodes; ++node) {
      EXPECT_EQ(rows_of(*stores[node]).size(), stores[0]->last_seq()) << "node " << node;
    }
  }
}

// A unit of a node whose view of the journal is stale (another node appended
// since it last looked) is refused before it writes anything: the journal
// stays one gapless chain, ending with what the other node wrote.
TEST_F(PostgresStoreTest, AUnitOfANodeThatMissedAnotherNodesAppendIsRefused) {
  auto a = open_postgres(url_, node_options("a"));
  auto b = open_postgres(url_, node_options("b"));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);

  VirtualClock clock;
  Engine engine(clock, *a);
  ASSERT_TRUE(engine.install(workflow_).ok());
  EXPECT_EQ(docket::testing::apply_events(engine, clock, events_, 0, 4), 0u);
  std::uint64_t written = a->last_seq();
  ASSERT_GT(written, 0u);
  std::vector<JournalRow> before = rows_of(*a);
  auto tickets_before = a->tickets();
  ASSERT_TRUE(tickets_before.ok()) << tickets_before.error();

  // Node B's engine, which has not seen A's units, creates a ticket of its own.
  VirtualClock b_clock;
  MemoryJournal b_journal;
  Engine b_engine(b_clock, b_journal);
  ASSERT_TRUE(b_engine.install(workflow_).ok());
  Event create = events_.front();
  create.ticket = "B-1";
  create.idempotency_key = "b-create";
  ASSERT_TRUE(b_clock.set(*create.at));
  auto created = b_engine.apply(create);
  ASSERT_TRUE(created.ok()) << created.error();
  ASSERT_TRUE(created->accepted);
  ASSERT_FALSE(b_journal.records().empty());
  ASSERT_EQ(b_journal.records().front().seq, 1u);

  Status refused = b->commit(Unit{b_journal.records(), b_engine.find("B-1")});
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.error().starts_with(b->location() + ": ")) << refused.error();
  EXPECT_NE(refused.error().find("the journal moved on"), std::string::npos) << refused.error();
  EXPECT_EQ(b->last_seq(), 0u);

  // Nothing of B's unit is anywhere; A's records are the journal, chain intact.
  auto reader = open_postgres(url_, read_only_postgres());
  ASSERT_NE(reader, nullptr);
  std::vector<JournalRow> after = rows_of(*reader);
  ASSERT_EQ(after.size(), before.size());
  std::string prev(kGenesisHash);
  for (std::size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].seq, i + 1);
    EXPECT_EQ(after[i].body, before[i].body);
    EXPECT_EQ(after[i].prev_hash, prev);
    EXPECT_EQ(after[i].hash, chain_hash(prev, after[i].body));
    prev = after[i].hash;
  }
  EXPECT_EQ(after.back().hash, before.back().hash);
  EXPECT_EQ(reader->last_seq(), written);
  auto tickets = reader->tickets();
  ASSERT_TRUE(tickets.ok()) << tickets.error();
  ASSERT_EQ(tickets->size(), tickets_before->size());
  for (const StoredTicket& ticket : tickets.value()) EXPECT_NE(ticket.id, "B-1");
  std::size_t b_rows = 0;
  ASSERT_TRUE(reader
                  ->read_ticket_journal("B-1",
                                        [&b_rows](const JournalRow&) {
                                          ++b_rows;
                                          return Status::success();
                                        })
                  .ok());
  EXPECT_EQ(b_rows, 0u);

  // A goes on after it.
  EXPECT_EQ(docket::testing::apply_events(engine, clock, events_, 4, 6), 0u);
  EXPECT_GT(a->last_seq(), written);
}

// ---------------------------------------------------------------- outbox claims across nodes

// One item per `notify` effect, for the target "sms".
void notify_router(const Record& record, std::string_view, const Ticket*, std::vector<OutboxItem>& items) {
  for (std::size_t i = 0; i < record.effects.size(); ++i) {
    if (record.effects[i].kind != EffectKind::kNotify || record.rejected) continue;
    auto part = static_cast<std::uint32_t>(i + 1);
    items.push_back(
        {delivery_id(record.seq, part, "sms"), record.seq, part, record.ticket, "sms", record.effects[i].value});
  }
}

class PostgresOutboxClaimTest : public PostgresStoreTest {
 protected:
  void SetUp() override {
    PostgresStoreTest::SetUp();
    if (HasFatalFailure()) return;
    // Node a's engine writes the walkthrough; its notifications wait in the outbox.
    a_ = open_node("a");
    b_ = open_node("b");
    ASSERT_NE(a_, nullptr);
    ASSERT_NE(b_, nullptr);
    VirtualClock clock;
    Engine engine(clock, *a_);
    ASSERT_TRUE(engine.install(workflow_).ok());
    ASSERT_EQ(docket::testing::apply_events(engine, clock, events_), 0u);
  }

  std::unique_ptr<PostgresStore> open_node(const std::string& node) {
    PostgresStoreOptions options;
    options.node = node;
    options.claim_ms = kClaimMs;
    options.outbox_router = notify_router;
    options.wall_clock_ms = [this] { return now_ms_; };
    return open_postgres(url_, std::move(options));
  }

  std::vector<Delivery> due(Store& store, std::size_t limit = 1000) {
    auto found = store.due_deliveries("sms", UINT64_MAX / 2, now_ms_, limit);
    EXPECT_TRUE(found.ok()) << found.error();
    return found ? found.value() : std::vector<Delivery>{};
  }

  static bool has(const std::vector<Delivery>& items, const std::string& id) {
    for (const Delivery& item : items) {
      if (item.item.id == id) return true;
    }
    return false;
  }

  static bool has_ticket(const std::vector<Delivery>& items, const std::string& ticket) {
    for (const Delivery& item : items) {
      if (item.item.ticket == ticket) return true;
    }
    return false;
  }

  static constexpr std::int64_t kClaimMs = 1000;
  std::int64_t now_ms_ = 5'000'000;  // the wall clock of every node, moved by the test
  std::unique_ptr<PostgresStore> a_;
  std::unique_ptr<PostgresStore> b_;
};

TEST_F(PostgresOutboxClaimTest, AnItemOneNodeClaimedIsNotHandedToAnotherUntilItsAttemptIsRecorded) {
  std::vector<Delivery> claimed = due(*a_, 1);
  ASSERT_EQ(claimed.size(), 1u);
  const Delivery x = claimed.front();

  // Node b, at the same moment, gets the other tickets' items but nothing of x's ticket.
  std::vector<Delivery> others = due(*b_);
  EXPECT_FALSE(others.empty()) << "no other ticket has an item: the test would prove nothing";
  EXPECT_FALSE(has_ticket(others, x.item.ticket)) << x.item.id << " was claimed by a";
  // Asking again changes nothing for b, while a is handed its own claim again.
  EXPECT_FALSE(has_ticket(due(*b_), x.item.ticket));
  EXPECT_TRUE(has(due(*a_), x.item.id));

  // a's attempt fails, to be tried again right away: now b may take it.
  ASSERT_TRUE(a_->record_attempts(std::vector<DeliveryAttempt>{
                                      {x.item.id, now_ms_, 5, 503, "HTTP 503", DeliveryStatus::kFailed, now_ms_}})
                  .ok());
  std::vector<Delivery> taken = due(*b_);
  ASSERT_TRUE(has(taken, x.item.id));
  EXPECT_FALSE(has(due(*a_), x.item.id)) << "b holds the claim now";
  auto item = b_->delivery(x.item.id);
  ASSERT_TRUE(item.ok() && item.value());
  EXPECT_EQ(item.value()->status, DeliveryStatus::kFailed);
  EXPECT_EQ(item.value()->attempts, 1u);
}

TEST_F(PostgresOutboxClaimTest, AnItemClaimedByANodeThatDiedGoesToAnotherOnceTheClaimLapses) {
  std::vector<Delivery> claimed = due(*a_, 1);
  ASSERT_EQ(claimed.size(), 1u);
  const Delivery x = claimed.front();
  std::int64_t claimed_at = now_ms_;
  a_.reset();  // a dies without recording an attempt

  now_ms_ = claimed_at + kClaimMs - 1;
  EXPECT_FALSE(has_ticket(due(*b_), x.item.ticket)) << x.item.id << " is still a's";
  now_ms_ = claimed_at + kClaimMs;
  std::vector<Delivery> taken = due(*b_);
  ASSERT_TRUE(has(taken, x.item.id));
  // b's claim holds against a node that comes back.
  auto c = open_node("a");
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(has(due(*c), x.item.id));
  ASSERT_TRUE(
      b_->record_attempts(std::vector<DeliveryAttempt>{{x.item.id, now_ms_, 5, 200, "", DeliveryStatus::kDelivered, 0}})
          .ok());
  auto item = c->delivery(x.item.id);
  ASSERT_TRUE(item.ok() && item.value());
  EXPECT_EQ(item.value()->status, DeliveryStatus::kDelivered);
  EXPECT_EQ(item.value()->attempts, 1u);
}

}  // namespace
}  // namespace docket::engine
