// The store's outbox (engine/store/outbox.h): items written with their
// unit or not at all, handed out in journal order per ticket and target,
// attempts kept, retries, and the migration of a store written before it.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/codec/journal_json.h"
#include "engine/runtime/engine.h"
#include "engine/store/sqlite_store.h"
#include "tests/support/engine_harness.h"
#include "tests/support/event_streams.h"
#include "tests/support/stored_rules.h"

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

// A clock for the outbox's times that the test moves.
struct WallClock {
  std::int64_t now_ms = 1'000'000;
};

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    workflow_ = testing::shipped_rules("after_sales.docket");
    ASSERT_NE(workflow_, nullptr);
    events_ = docket::testing::parse_events(docket::testing::replicate_events(walkthrough(), 2, 7 * 60));
  }

  SqliteStoreOptions options(OutboxRouter router = notify_router) {
    SqliteStoreOptions options;
    options.durability = SqliteStoreOptions::Durability::kNormal;
    options.outbox_router = std::move(router);
    options.wall_clock_ms = [this] { return wall_.now_ms; };
    return options;
  }

  std::unique_ptr<SqliteStore> open(SqliteStoreOptions store_options) {
    auto store = SqliteStore::open(dir_.file("tickets.db"), std::move(store_options));
    EXPECT_TRUE(store.ok()) << store.error();
    return store ? std::move(store).value() : nullptr;
  }

  // The walkthrough run into `store`; its notify effects, by delivery id.
  std::map<std::string, std::string> run(SqliteStore& store) {
    VirtualClock clock;
    Engine engine(clock, store);
    EXPECT_TRUE(engine.install(workflow_).ok());
    EXPECT_EQ(docket::testing::apply_events(engine, clock, events_), 0u);
    std::map<std::string, std::string> notified;
    EXPECT_TRUE(store
                    .read_journal(1,
                                  [&](const JournalRow& row) {
                                    std::vector<OutboxItem> items;
                                    auto record = decode_record_for_test(row.body);
                                    notify_router(record, row.hash, nullptr, items);
                                    for (const OutboxItem& item : items) notified[item.id] = item.payload;
                                    return Status::success();
                                  })
                    .ok());
    return notified;
  }

  static Record decode_record_for_test(const std::string& body) {
    Result<Record> record = decode_record(body);
    EXPECT_TRUE(record.ok()) << record.error();
    return record ? record.value() : Record{};
  }

  std::vector<Delivery> all(SqliteStore& store) {
    OutboxQuery query;
    query.limit = 100000;
    auto page = store.outbox(query);
    EXPECT_TRUE(page.ok()) << page.error();
    return page ? page->items : std::vector<Delivery>{};
  }

  std::vector<Delivery> due(SqliteStore& store, std::uint64_t max_seq = UINT64_MAX / 2) {
    auto found = store.due_deliveries("sms", max_seq, wall_.now_ms, 1000);
    EXPECT_TRUE(found.ok()) << found.error();
    return found ? found.value() : std::vector<Delivery>{};
  }

  static DeliveryAttempt outcome(const Delivery& item, DeliveryStatus status, std::int64_t at, std::int64_t next = 0) {
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

  std::shared_ptr<const Workflow> workflow_;
  std::vector<Event> events_;
  WallClock wall_;
  TempDir dir_;
};

TEST_F(OutboxTest, EveryItemTheRouterAsksForIsKeptWithItsUnit) {
  auto store = open(options());
  ASSERT_NE(store, nullptr);
  std::map<std::string, std::string> notified = run(*store);
  ASSERT_GT(notified.size(), 4u);
  std::vector<Delivery> items = all(*store);
  ASSERT_EQ(items.size(), notified.size());
  for (const Delivery& item : items) {
    ASSERT_TRUE(notified.contains(item.item.id)) << item.item.id;
    EXPECT_EQ(item.item.payload, notified[item.item.id]);
    EXPECT_EQ(item.status, DeliveryStatus::kPending);
    EXPECT_EQ(item.attempts, 0u);
    EXPECT_EQ(item.queued_ms, wall_.now_ms);
  }
}

TEST_F(OutboxTest, AUnitThatFailsLeavesNeitherRecordsNorItems) {
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
  EXPECT_EQ(records, store->last_seq());
}

TEST_F(OutboxTest, AGroupCommitDiscardedLeavesNoItem) {
  SqliteStoreOptions batched = options();
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

TEST_F(OutboxTest, ItemsOfOneTicketAreHandedOutOneAtATimeInJournalOrder) {
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
      attempts.push_back(outcome(item, DeliveryStatus::kDelivered, wall_.now_ms));
    }
    ASSERT_TRUE(store->record_attempts(attempts).ok());
  }
  EXPECT_EQ(delivered, expected);
}

TEST_F(OutboxTest, AFailedItemHoldsItsTicketBackUntilDeliveredButADeadOneDoesNot) {
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
                  ->record_attempts(std::vector<DeliveryAttempt>{
                      outcome(failing, DeliveryStatus::kFailed, wall_.now_ms, wall_.now_ms + 60'000),
                      outcome(other, DeliveryStatus::kDelivered, wall_.now_ms)})
                  .ok());
  for (const Delivery& item : due(*store)) {
    EXPECT_NE(item.item.ticket, failing.item.ticket) << "a later item overtook " << failing.item.id;
  }
  // Due again a minute later, it comes before the later items of its ticket.
  wall_.now_ms += 60'000;
  bool again = false;
  for (const Delivery& item : due(*store)) again = again || item.item.id == failing.item.id;
  EXPECT_TRUE(again);
  // Dead, it no longer holds them.
  ASSERT_TRUE(
      store->record_attempts(std::vector<DeliveryAttempt>{outcome(failing, DeliveryStatus::kDead, wall_.now_ms)}).ok());
  bool later_of_same_ticket = false;
  for (const Delivery& item : due(*store)) later_of_same_ticket |= item.item.ticket == failing.item.ticket;
  EXPECT_TRUE(later_of_same_ticket);
}

TEST_F(OutboxTest, NothingAfterTheLastDurableSeqIsHandedOut) {
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

TEST_F(OutboxTest, AttemptsAreKeptAndARetryStartsTheCountAfresh) {
  auto store = open(options());
  ASSERT_NE(store, nullptr);
  run(*store);
  const Delivery item = due(*store).front();
  ASSERT_TRUE(
      store->record_attempts(std::vector<DeliveryAttempt>{outcome(item, DeliveryStatus::kFailed, 10, 20)}).ok());
  ASSERT_TRUE(store->record_attempts(std::vector<DeliveryAttempt>{outcome(item, DeliveryStatus::kDead, 30)}).ok());
  auto dead = store->delivery(item.item.id);
  ASSERT_TRUE(dead.ok() && dead.value());
  EXPECT_EQ(dead.value()->status, DeliveryStatus::kDead);
  EXPECT_EQ(dead.value()->attempts, 2u);
  EXPECT_EQ(dead.value()->finished_ms, 35);
  EXPECT_EQ(dead.value()->last_error, "HTTP 503");

  wall_.now_ms += 5000;
  auto retried = store->retry_delivery(item.item.id, wall_.now_ms);
  ASSERT_TRUE(retried.ok()) << retried.error();
  EXPECT_EQ(retried->status, DeliveryStatus::kPending);
  EXPECT_EQ(retried->attempts, 0u);
  ASSERT_TRUE(
      store->record_attempts(std::vector<DeliveryAttempt>{outcome(item, DeliveryStatus::kDelivered, wall_.now_ms)})
          .ok());
  auto history = store->delivery_attempts(item.item.id);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ(history->at(0).number, 1u);
  EXPECT_EQ(history->at(2).number, 3u);
  EXPECT_EQ(history->at(1).attempt.status, DeliveryStatus::kDead);
  EXPECT_EQ(history->at(2).attempt.status, DeliveryStatus::kDelivered);

  auto again = store->retry_delivery(item.item.id, wall_.now_ms);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().find("is delivered: only a dead or failed one is retried"), std::string::npos);
  EXPECT_FALSE(store->retry_delivery("9.9.nowhere", wall_.now_ms).ok());
  Status unknown = store->record_attempts(std::vector<DeliveryAttempt>{outcome(item, DeliveryStatus::kDelivered, 1)});
  EXPECT_TRUE(unknown.ok());
  DeliveryAttempt stray = outcome(item, DeliveryStatus::kDelivered, 1);
  stray.id = "9.9.nowhere";
  Status refused = store->record_attempts(std::vector<DeliveryAttempt>{stray});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("the outbox has no delivery 9.9.nowhere"), std::string::npos);
}

TEST_F(OutboxTest, TheSummaryCountsWhatIsNotDeliveredAndTheOldest) {
  auto store = open(options());
  ASSERT_NE(store, nullptr);
  std::int64_t queued = wall_.now_ms;
  std::size_t total = run(*store).size();
  const Delivery item = due(*store).front();
  ASSERT_TRUE(store->record_attempts(std::vector<DeliveryAttempt>{outcome(item, DeliveryStatus::kDead, 1)}).ok());
  auto summary = store->outbox_summary();
  ASSERT_TRUE(summary.ok()) << summary.error();
  std::map<std::string, std::uint64_t> counts;
  for (const OutboxCount& count : summary->counts) counts[std::string(to_string(count.status))] = count.items;
  EXPECT_EQ(counts["dead"], 1u);
  EXPECT_EQ(counts["pending"], total - 1);
  EXPECT_EQ(summary->oldest_undelivered_ms, queued);
}

TEST_F(OutboxTest, PagesFollowTheCursorAndFilter) {
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
}

TEST_F(OutboxTest, AStoreOfSchemaOneIsMigratedWhenOpenedForWriting) {
  {
    auto store = open(options());
    ASSERT_NE(store, nullptr);
    run(*store);
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
