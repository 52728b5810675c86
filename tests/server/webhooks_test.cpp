// What records ask of webhooks (server/webhooks.h), how a delivery is
// signed, the sender's retry arithmetic (server/webhook_sender.h) and the
// [outbox] / [[webhooks]] configuration.

#include "server/webhooks.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/runtime/engine.h"
#include "engine/runtime/journal.h"
#include "server/config.h"
#include "server/webhook_sender.h"
#include "tests/support/engine_harness.h"
#include "tests/support/event_streams.h"

namespace docket::server {
namespace {

using json = nlohmann::json;

// The walkthrough's records and the tickets as they end.
struct Walkthrough {
  std::vector<engine::Record> records;
  std::unique_ptr<engine::Engine> engine;
  engine::VirtualClock clock;
  engine::MemoryJournal journal;

  Walkthrough() {
    auto workflow = engine::testing::shipped_rules("after_sales.docket");
    engine = std::make_unique<engine::Engine>(clock, journal);
    EXPECT_TRUE(engine->install(workflow).ok());
    auto events = docket::testing::parse_events(docket::testing::replicate_events(
        std::string(DOCKET_SOURCE_DIR) + "/examples/after_sales/walkthrough.jsonl", 1, 0));
    EXPECT_EQ(docket::testing::apply_events(*engine, clock, events), 0u);
    records = journal.records();
  }

  const engine::Record& first_with(engine::EffectKind kind, std::string_view value = "") const {
    for (const engine::Record& record : records) {
      for (const engine::Effect& effect : record.effects) {
        if (effect.kind == kind && (value.empty() || effect.value == value)) return record;
      }
    }
    ADD_FAILURE() << "no record with such an effect";
    return records.front();
  }
};

WebhookConfig hook(const std::string& name) {
  WebhookConfig config;
  config.name = name;
  config.url = "http://127.0.0.1:9/";
  config.secret = "0123456789abcdef-secret";
  return config;
}

TEST(WebhookActionsTest, OnlyActionsThatReachOutsideArePartsNumberedByTheirEffect) {
  Walkthrough walk;
  std::size_t outside = 0;
  for (const engine::Record& record : walk.records) {
    for (const WebhookAction& action : webhook_actions(record)) {
      if (action.part == 0) {
        EXPECT_TRUE(record.kind == engine::RecordKind::kWarning || record.kind == engine::RecordKind::kBreach);
        EXPECT_EQ(action.kind, engine::to_string(record.kind));
        continue;
      }
      const engine::Effect& effect = record.effects[action.part - 1];
      EXPECT_TRUE(effect.kind == engine::EffectKind::kNotify || effect.kind == engine::EffectKind::kEscalate ||
                  effect.kind == engine::EffectKind::kAssign || effect.kind == engine::EffectKind::kEmit)
          << action.kind;
      if (action.kind == "notify") {
        EXPECT_EQ(action.recipient, effect.target);
        EXPECT_EQ(action.template_, effect.value);
      }
      ++outside;
    }
  }
  EXPECT_GT(outside, 5u);
}

TEST(WebhookActionsTest, ABreachIsItsOwnNoticeAndARejectionAsksForNothing) {
  engine::Record breach;
  breach.kind = engine::RecordKind::kBreach;
  engine::SlaMark mark;
  mark.metric = "resolve";
  mark.priority = "urgent";
  mark.percent = 100;
  mark.limit_seconds = 3600;
  breach.sla = mark;
  engine::Effect escalate;
  escalate.kind = engine::EffectKind::kEscalate;
  escalate.action = "escalate to dept_head";
  escalate.target = "dept_head";
  breach.effects.push_back(escalate);
  std::vector<WebhookAction> actions = webhook_actions(breach);
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].part, 0u);
  EXPECT_EQ(actions[0].kind, "breach");
  EXPECT_EQ(actions[1].part, 1u);
  EXPECT_EQ(actions[1].kind, "escalate");

  json notice = json::parse(webhook_payload(hook("crm"), breach, "h", nullptr, actions[0]));
  EXPECT_EQ(notice["action"]["text"], "resolve ran past its 1h limit");
  EXPECT_EQ(notice["action"]["metric"], "resolve");
  EXPECT_EQ(notice["action"]["priority"], "urgent");
  engine::Record warning = breach;
  warning.kind = engine::RecordKind::kWarning;
  warning.sla->percent = 80;
  json warned = json::parse(webhook_payload(hook("crm"), warning, "h", nullptr, webhook_actions(warning)[0]));
  EXPECT_EQ(warned["action"]["kind"], "warning");
  EXPECT_EQ(warned["action"]["text"], "resolve reached 80% of its 1h limit");
  EXPECT_EQ(warned["action"]["percent"], 80);

  engine::Record rejected = breach;
  rejected.kind = engine::RecordKind::kRejection;
  rejected.rejected = true;
  EXPECT_TRUE(webhook_actions(rejected).empty());
}

TEST(WebhookMatchTest, AListedFilterNeedsTheValueItNames) {
  WebhookAction notify{
      .part = 1, .kind = "notify", .recipient = "customer", .template_ = "case_accepted", .event = "accepted"};
  WebhookAction emit{.part = 2, .kind = "emit", .recipient = "", .template_ = "", .event = "case_closed"};
  WebhookAction breach{.part = 0, .kind = "breach", .recipient = "", .template_ = "", .event = ""};

  WebhookConfig any = hook("any");
  EXPECT_TRUE(webhook_matches(any, notify, "after_sales"));
  EXPECT_TRUE(webhook_matches(any, breach, "after_sales"));

  WebhookConfig customers = hook("sms");
  customers.recipients = {"customer"};
  EXPECT_TRUE(webhook_matches(customers, notify, "after_sales"));
  EXPECT_FALSE(webhook_matches(customers, emit, "after_sales"));  // no recipient
  EXPECT_FALSE(webhook_matches(customers, breach, "after_sales"));

  WebhookConfig crm = hook("crm");
  crm.actions = {"emit"};
  crm.events = {"case_closed"};
  EXPECT_TRUE(webhook_matches(crm, emit, "after_sales"));
  EXPECT_FALSE(webhook_matches(crm, notify, "after_sales"));

  WebhookConfig templates = hook("t");
  templates.templates = {"progress_update"};
  EXPECT_FALSE(webhook_matches(templates, notify, "after_sales"));
  templates.templates.push_back("case_accepted");
  EXPECT_TRUE(webhook_matches(templates, notify, "after_sales"));

  WebhookConfig other_workflow = hook("w");
  other_workflow.workflows = {"complaint_handling"};
  EXPECT_FALSE(webhook_matches(other_workflow, notify, "after_sales"));
}

TEST(WebhookPayloadTest, NamesTheRecordTheActionAndTheFieldsAsked) {
  Walkthrough walk;
  const engine::Record& record = walk.first_with(engine::EffectKind::kNotify, "case_accepted");
  std::vector<WebhookAction> actions = webhook_actions(record);
  const WebhookAction* accepted = nullptr;
  for (const WebhookAction& action : actions) {
    if (action.template_ == "case_accepted") accepted = &action;
  }
  ASSERT_NE(accepted, nullptr);
  WebhookConfig sms = hook("sms");
  sms.fields = {"customer", "contact", "order_amount", "no_such_field"};
  const engine::Ticket* ticket = walk.engine->find(record.ticket);
  ASSERT_NE(ticket, nullptr);
  std::string hash(64, 'a');
  std::string body = webhook_payload(sms, record, hash, ticket, *accepted);
  json payload = json::parse(body);
  EXPECT_EQ(payload["delivery_id"], std::to_string(record.seq) + "." + std::to_string(accepted->part) + ".sms");
  EXPECT_EQ(payload["seq"], record.seq);
  EXPECT_EQ(payload["record_hash"], hash);
  EXPECT_EQ(payload["ticket"], record.ticket);
  EXPECT_EQ(payload["workflow"], "after_sales");
  EXPECT_EQ(payload["version"], record.version);
  EXPECT_EQ(payload["record"], "transition");
  EXPECT_EQ(payload["event"], record.event);
  EXPECT_EQ(payload["actor"], record.actor.id);
  EXPECT_EQ(payload["action"]["kind"], "notify");
  EXPECT_EQ(payload["action"]["recipient"], "customer");
  EXPECT_EQ(payload["action"]["template"], "case_accepted");
  EXPECT_EQ(payload["action"]["text"], "notify customer \"case_accepted\"");
  EXPECT_NE(payload["action"]["rule"].get<std::string>().find("after_sales.docket:"), std::string::npos);
  EXPECT_EQ(payload["fields"]["customer"], "C-1001 王女士");
  EXPECT_EQ(payload["fields"]["contact"], "138-0000-1001");
  EXPECT_TRUE(payload["fields"]["order_amount"].is_number());
  EXPECT_TRUE(payload["fields"]["no_such_field"].is_null());
  // Written once: the same inputs give the same bytes.
  EXPECT_EQ(webhook_payload(sms, record, hash, ticket, *accepted), body);
}

TEST(WebhookRouterTest, OneItemPerActionAndMatchingTarget) {
  Walkthrough walk;
  WebhookConfig sms = hook("sms");
  sms.actions = {"notify"};
  WebhookConfig everything = hook("all");
  engine::OutboxRouter router = webhook_router({sms, everything});
  std::size_t notifies = 0;
  std::size_t outside = 0;
  std::vector<engine::OutboxItem> items;
  for (const engine::Record& record : walk.records) {
    for (const WebhookAction& action : webhook_actions(record)) {
      ++outside;
      notifies += action.kind == "notify" ? 1 : 0;
    }
    router(record, "h", nullptr, items);
  }
  EXPECT_EQ(items.size(), notifies + outside);
  for (const engine::OutboxItem& item : items) {
    EXPECT_EQ(item.id, engine::delivery_id(item.seq, item.part, item.target));
    EXPECT_EQ(json::parse(item.payload)["delivery_id"], item.id);
  }
  EXPECT_FALSE(webhook_router({}));
}

TEST(WebhookSignatureTest, IsTheHmacOfTimeDotBody) {
  // Computed independently: Python's hmac.new(secret, b"1795398001." + body, sha256).
  EXPECT_EQ(webhook_signature("0123456789abcdef-secret", 1795398001, "{\"a\":1}"),
            "t=1795398001,v1=238d0d1c4e52d1da669359ba1de40eb5d78f7aed517c03421d8822e30ed1e5b1");
  EXPECT_NE(webhook_signature("0123456789abcdef-secret", 1795398002, "{\"a\":1}"),
            webhook_signature("0123456789abcdef-secret", 1795398001, "{\"a\":1}"));
}

PostOutcome answer(int status, std::string error, std::optional<std::int64_t> retry_after_ms = std::nullopt) {
  PostOutcome outcome;
  outcome.http_status = status;
  outcome.error = std::move(error);
  outcome.retry_after_ms = retry_after_ms;
  return outcome;
}

engine::Delivery item_with(std::uint32_t attempts, std::int64_t queued_ms) {
  engine::Delivery delivery;
  delivery.item.id = "1.1.sms";
  delivery.attempts = attempts;
  delivery.queued_ms = queued_ms;
  return delivery;
}

TEST(WebhookRetryTest, BacksOffExponentiallyWithJitterUpToTheCap) {
  OutboxConfig config;  // 1 s doubling to 5 min, 12 attempts
  PostOutcome failed = answer(500, "HTTP 500");
  std::int64_t now = 1'000'000;
  auto wait = [&](std::uint32_t attempts, double jitter) {
    engine::DeliveryAttempt next = next_step(config, item_with(attempts, now), failed, now, jitter);
    EXPECT_EQ(next.status, engine::DeliveryStatus::kFailed);
    return next.next_ms - now;
  };
  EXPECT_EQ(wait(0, 0.0), 500);
  EXPECT_EQ(wait(0, 1.0), 1000);
  EXPECT_EQ(wait(1, 1.0), 2000);
  EXPECT_EQ(wait(3, 1.0), 8000);
  EXPECT_EQ(wait(3, 0.5), 6000);
  EXPECT_EQ(wait(10, 1.0), 300'000);
  EXPECT_EQ(wait(10, 0.0), 150'000);
}

TEST(WebhookRetryTest, DeadAfterMaxAttemptsOrMaxAgeAndDeliveredOnSuccess) {
  OutboxConfig config;
  config.max_attempts = 3;
  config.max_age_ms = 60'000;
  PostOutcome failed = answer(0, "Connection refused");
  EXPECT_EQ(next_step(config, item_with(1, 0), failed, 1000, 0.5).status, engine::DeliveryStatus::kFailed);
  EXPECT_EQ(next_step(config, item_with(2, 0), failed, 1000, 0.5).status, engine::DeliveryStatus::kDead);
  EXPECT_EQ(next_step(config, item_with(0, 0), failed, 60'000, 0.5).status, engine::DeliveryStatus::kDead);
  engine::DeliveryAttempt ok = next_step(config, item_with(2, 0), answer(204, ""), 1000, 0.5);
  EXPECT_EQ(ok.status, engine::DeliveryStatus::kDelivered);
  EXPECT_EQ(ok.http_status, 204);
}

TEST(WebhookRetryTest, RetryAfterIsHonouredInSecondsOrAsADate) {
  OutboxConfig config;
  std::int64_t now = 1'795'395'600'000;  // 2026-11-23T01:00:00Z
  PostOutcome busy = answer(503, "HTTP 503", parse_retry_after("120", now));
  EXPECT_EQ(next_step(config, item_with(0, now), busy, now, 1.0).next_ms, now + 120'000);
  EXPECT_EQ(parse_retry_after(" 7 ", now), 7000);
  EXPECT_EQ(parse_retry_after("Mon, 23 Nov 2026 01:05:00 GMT", now), 300'000);
  EXPECT_EQ(parse_retry_after("Mon, 23 Nov 2026 00:05:00 GMT", now), 0);
  EXPECT_EQ(parse_retry_after("soon", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("", now), std::nullopt);
  // A receiver cannot push an item past its own age limit.
  PostOutcome far = answer(429, "HTTP 429", 10LL * 86'400'000);
  EXPECT_EQ(next_step(config, item_with(0, now), far, now, 1.0).next_ms, now + config.max_age_ms);
}

class WebhookConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.file("hook.key")) << "  0123456789abcdef-secret\n";
    std::ofstream(dir_.file("short.key")) << "short\n";
  }
  engine::Result<ServerConfig> parse(const std::string& extra) {
    return parse_server_config("[store]\npath = \"tickets.db\"\n[rules]\ndirectory = \"rules\"\n" + extra,
                               dir_.file("docket.toml"));
  }
  docket::testing::TempDir dir_;
};

TEST_F(WebhookConfigTest, ReadsTargetsAndTheOutbox) {
  engine::Result<ServerConfig> config = parse(
      "[outbox]\nmax_attempts = 4\nmax_age = \"3d\"\nbackoff = \"200ms\"\nmax_backoff = \"2s\"\ntimeout = \"5s\"\n"
      "circuit_failures = 2\ncircuit_open = \"1s\"\n"
      "[[webhooks]]\nname = \"sms\"\nurl = \"https://sms.example.com/hook\"\nsecret_file = \"hook.key\"\n"
      "actions = [\"notify\"]\nrecipients = [\"customer\"]\nfields = [\"contact\"]\nca_file = \"ca.pem\"\n"
      "[[webhooks]]\nname = \"crm\"\nurl = \"http://127.0.0.1:9000/\"\nsecret_file = \"hook.key\"\n");
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->outbox.max_attempts, 4u);
  EXPECT_EQ(config->outbox.max_age_ms, 3 * 86'400'000LL);
  EXPECT_EQ(config->outbox.backoff_ms, 200);
  EXPECT_EQ(config->outbox.max_backoff_ms, 2000);
  EXPECT_EQ(config->outbox.timeout_ms, 5000);
  EXPECT_EQ(config->outbox.circuit_failures, 2u);
  EXPECT_EQ(config->outbox.circuit_open_ms, 1000);
  ASSERT_EQ(config->webhooks.size(), 2u);
  EXPECT_EQ(config->webhooks[0].secret, "0123456789abcdef-secret");
  EXPECT_EQ(config->webhooks[0].actions, std::vector<std::string>{"notify"});
  EXPECT_EQ(config->webhooks[0].ca_file, dir_.file("ca.pem"));
  EXPECT_TRUE(config->webhooks[1].actions.empty());
}

TEST_F(WebhookConfigTest, EveryProblemIsNamedWithItsPlace) {
  engine::Result<ServerConfig> config = parse(
      "[outbox]\nbackoff = \"10s\"\nmax_backoff = \"1s\"\n"                                                  // 5..7
      "[[webhooks]]\nname = \"a.b\"\nurl = \"ftp://x\"\nsecret_file = \"short.key\"\nactions = [\"sms\"]\n"  // 8..12
      "[[webhooks]]\nname = \"crm\"\nurl = \"http://x/\"\nsecret_file = \"missing.key\"\nrecipients = []\n"  // 13..17
      "[[webhooks]]\nname = \"crm\"\nsecret = \"x\"\n");                                                     // 18..20
  ASSERT_FALSE(config);
  const std::string& e = config.error();
  const std::string file = dir_.file("docket.toml");
  EXPECT_NE(e.find(file + ":5:1: [outbox] `max_backoff` is shorter than `backoff`"), std::string::npos) << e;
  EXPECT_NE(e.find(file + ":9:8: [[webhooks]] `name` = \"a.b\" must be 1 to 64 letters"), std::string::npos) << e;
  EXPECT_NE(e.find(file + ":10:7: [[webhooks]] `url` = \"ftp://x\" must be an http:// or https:// URL"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("short.key holds 5 bytes: a key needs 16 at least"), std::string::npos) << e;
  EXPECT_NE(e.find(file + ":12:11: [[webhooks]] `actions` has `sms`"), std::string::npos) << e;
  EXPECT_NE(e.find("missing.key: cannot read the file"), std::string::npos) << e;
  EXPECT_NE(e.find(file + ":17:14: [[webhooks]] `recipients` must be a non-empty array of names"), std::string::npos)
      << e;
  EXPECT_NE(e.find("`name` = \"crm\" is used twice"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key `secret` in [[webhooks]]"), std::string::npos) << e;
  EXPECT_NE(e.find("[[webhooks]] needs `url`"), std::string::npos) << e;
}

}  // namespace
}  // namespace docket::server
