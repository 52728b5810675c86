// The SQLite store's outbox tables: a store written before the outbox
// existed (schema version 1) gains them when it is opened for writing. What
// every store's outbox does (items written with their unit, handed out in
// journal order, attempts, retries) is in store_contract_test.cpp.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/runtime/engine.h"
#include "engine/store/sqlite_store.h"
#include "tests/support/engine_harness.h"
#include "tests/support/event_streams.h"

namespace docket::engine {
namespace {

using docket::testing::TempDir;

std::string walkthrough() { return std::string(DOCKET_SOURCE_DIR) + "/examples/after_sales/walkthrough.jsonl"; }

// One item per `notify` effect, for the target "sms"; the payload names the message.
void notify_router(const Record& record, std::string_view, const Ticket*, std::vector<OutboxItem>& items) {
  for (std::size_t i = 0; i < record.effects.size(); ++i) {
    if (record.effects[i].kind != EffectKind::kNotify || record.rejected) continue;
    auto part = static_cast<std::uint32_t>(i + 1);
    items.push_back(
        {delivery_id(record.seq, part, "sms"), record.seq, part, record.ticket, "sms", record.effects[i].value});
  }
}

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    workflow_ = testing::shipped_rules("after_sales.docket");
    ASSERT_NE(workflow_, nullptr);
    events_ = docket::testing::parse_events(docket::testing::replicate_events(walkthrough(), 2, 7 * 60));
  }

  static SqliteStoreOptions options() {
    SqliteStoreOptions options;
    options.durability = SqliteStoreOptions::Durability::kNormal;
    options.outbox_router = notify_router;
    return options;
  }

  std::unique_ptr<SqliteStore> open(SqliteStoreOptions store_options) {
    auto store = SqliteStore::open(dir_.file("tickets.db"), std::move(store_options));
    EXPECT_TRUE(store.ok()) << store.error();
    return store ? std::move(store).value() : nullptr;
  }

  std::vector<Delivery> all(SqliteStore& store) {
    OutboxQuery query;
    query.limit = 100000;
    auto page = store.outbox(query);
    EXPECT_TRUE(page.ok()) << page.error();
    return page ? page->items : std::vector<Delivery>{};
  }

  std::shared_ptr<const Workflow> workflow_;
  std::vector<Event> events_;
  TempDir dir_;
};

TEST_F(OutboxTest, AStoreOfSchemaOneIsMigratedWhenOpenedForWriting) {
  {
    auto store = open(options());
    ASSERT_NE(store, nullptr);
    VirtualClock clock;
    Engine engine(clock, *store);
    ASSERT_TRUE(engine.install(workflow_).ok());
    EXPECT_EQ(docket::testing::apply_events(engine, clock, events_), 0u);
    EXPECT_FALSE(all(*store).empty());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.file("tickets.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DROP TABLE outbox; DROP TABLE outbox_attempts; PRAGMA user_version=1", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  sqlite3_close(db);

  auto read_only = SqliteStore::open(dir_.file("tickets.db"), read_only_options());
  ASSERT_FALSE(read_only.ok());
  EXPECT_NE(read_only.error().find("has schema version 1 and needs migrating"), std::string::npos);

  auto store = open(options());
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(all(*store).empty());
  EXPECT_GT(store->last_seq(), 0u);  // the journal is untouched
  auto summary = store->outbox_summary();
  ASSERT_TRUE(summary.ok()) << summary.error();
  EXPECT_TRUE(summary->counts.empty());
}

}  // namespace
}  // namespace docket::engine
