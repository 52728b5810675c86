// `docket outbox list|show|retry` on a store whose outbox the webhook
// router filled, as an operator uses them.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "engine/runtime/engine.h"
#include "engine/store/sqlite_store.h"
#include "server/webhooks.h"
#include "tests/cli/command_harness.h"
#include "tests/support/engine_harness.h"
#include "tests/support/event_streams.h"

namespace docket::cli::testing {
namespace {

using docket::testing::TempDir;
using ::testing::HasSubstr;
using json = nlohmann::json;

class OutboxCommandTest : public ::testing::Test {
 protected:
  // The walkthrough's notices to the customer, for the webhook `sms`, with
  // the first of them given up (dead after one attempt).
  void SetUp() override {
    server::WebhookConfig sms;
    sms.name = "sms";
    sms.url = "http://127.0.0.1:9/";
    sms.secret = "0123456789abcdef-secret";
    sms.recipients = {"customer"};
    engine::SqliteStoreOptions options;
    options.durability = engine::SqliteStoreOptions::Durability::kNormal;
    options.outbox_router = server::webhook_router({sms});
    auto opened = engine::SqliteStore::open(store_path(), std::move(options));
    ASSERT_TRUE(opened.ok()) << opened.error();
    std::unique_ptr<engine::SqliteStore> store = std::move(opened).value();
    engine::VirtualClock clock;
    engine::Engine engine(clock, *store);
    ASSERT_TRUE(engine.install(engine::testing::shipped_rules("after_sales.docket")).ok());
    auto events = docket::testing::parse_events(docket::testing::replicate_events(
        std::string(DOCKET_SOURCE_DIR) + "/examples/after_sales/walkthrough.jsonl", 1, 0));
    ASSERT_EQ(docket::testing::apply_events(engine, clock, events), 0u);
    auto due = store->due_deliveries("sms", UINT64_MAX / 2, INT64_MAX / 2, 1);
    ASSERT_TRUE(due.ok() && due->size() == 1);
    dead_ = due->front().item.id;
    engine::DeliveryAttempt attempt;
    attempt.id = dead_;
    attempt.at_ms = 1'795'398'000'000;
    attempt.error = "Connection refused";
    attempt.status = engine::DeliveryStatus::kDead;
    ASSERT_TRUE(store->record_attempts(std::vector<engine::DeliveryAttempt>{attempt}).ok());
  }

  std::string store_path() const { return dir_.file("tickets.db"); }

  TempDir dir_;
  std::string dead_;
};

TEST_F(OutboxCommandTest, ListsTheItemsWithCountsOfThoseNotDelivered) {
  CommandRun r = run_docket("outbox list " + store_path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("sms: 1 dead\n"));
  EXPECT_THAT(r.out, HasSubstr("DELIVERY"));
  EXPECT_THAT(r.out, HasSubstr(dead_));
  EXPECT_THAT(r.out, HasSubstr("Connection refused"));

  CommandRun dead = run_docket("outbox list " + store_path() + " --status dead --format json");
  ASSERT_EQ(dead.exit_code, 0) << dead.err;
  json page = json::parse(dead.out);
  ASSERT_EQ(page["items"].size(), 1u);
  EXPECT_EQ(page["items"][0]["id"], dead_);
  EXPECT_EQ(page["items"][0]["status"], "dead");
  EXPECT_EQ(page["items"][0]["last_error"], "Connection refused");
  EXPECT_TRUE(page["next"].is_null());

  CommandRun paged = run_docket("outbox list " + store_path() + " --limit 1 --format json");
  ASSERT_EQ(paged.exit_code, 0) << paged.err;
  EXPECT_FALSE(json::parse(paged.out)["next"].is_null());
}

TEST_F(OutboxCommandTest, ShowsOneItemWithItsPayloadAndAttempts) {
  CommandRun r = run_docket("outbox show " + store_path() + " " + dead_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json item = json::parse(r.out);
  EXPECT_EQ(item["payload"]["delivery_id"], dead_);
  EXPECT_EQ(item["payload"]["action"]["recipient"], "customer");
  ASSERT_EQ(item["history"].size(), 1u);
  EXPECT_EQ(item["history"][0]["outcome"], "dead");

  CommandRun unknown = run_docket("outbox show " + store_path() + " 9.9.sms");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("the outbox has no delivery 9.9.sms"));
}

TEST_F(OutboxCommandTest, RetryPutsADeadItemBackOnceAndRefusesTheRest) {
  CommandRun retried = run_docket("outbox retry " + store_path() + " " + dead_);
  ASSERT_EQ(retried.exit_code, 0) << retried.err;
  EXPECT_THAT(retried.out, HasSubstr("retrying " + dead_ + " (sms, ticket "));
  json page = json::parse(run_docket("outbox list " + store_path() + " --status dead --format json").out);
  EXPECT_TRUE(page["items"].empty());

  CommandRun again = run_docket("outbox retry " + store_path() + " " + dead_);
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("is pending: only a dead or failed one is retried"));

  CommandRun none = run_docket("outbox retry " + store_path() + " --dead");
  EXPECT_EQ(none.exit_code, 0) << none.err;
  EXPECT_THAT(none.out, HasSubstr("no dead delivery to retry"));

  CommandRun neither = run_docket("outbox retry " + store_path());
  EXPECT_EQ(neither.exit_code, 2);
  EXPECT_THAT(neither.err, HasSubstr("name the deliveries to retry, or --dead"));
}

TEST_F(OutboxCommandTest, RetryDeadTakesEveryDeadItem) {
  CommandRun r = run_docket("outbox retry " + store_path() + " --dead --target sms");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("retrying " + dead_));
}

TEST(OutboxCommandErrorsTest, AStoreThatIsNotThereIsNamed) {
  CommandRun r = run_docket("outbox list /nonexistent/tickets.db");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/tickets.db: no such store"));
  CommandRun retry = run_docket("outbox retry /nonexistent/tickets.db 1.1.sms");
  EXPECT_EQ(retry.exit_code, 1);
  EXPECT_THAT(retry.err, HasSubstr("/nonexistent/tickets.db: no such store"));
}

}  // namespace
}  // namespace docket::cli::testing
