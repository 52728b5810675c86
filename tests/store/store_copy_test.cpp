// Copying a store into a new one (engine/store/store.h: begin_copy ...
// end_copy), in every direction between a SQLite file and a PostgreSQL
// database: the copy holds the source's rows exactly (journal bytes and
// hashes, tickets, due items, keys, versions, checkpoints, public keys, the
// outbox and its attempts), an engine recovered from it continues exactly as
// one recovered from the source, and a copy into a store that holds
// anything, or of a journal whose chain is broken, is refused and leaves
// nothing behind.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/codec/ticket_codec.h"
#include "engine/runtime/engine.h"
#include "engine/store/audit_chain.h"
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

using docket::testing::run_sql;
using docket::testing::TempDir;

enum class Backend : std::uint8_t { kSqlite, kPostgres };

struct Direction {
  Backend from;
  Backend to;
};

std::string backend_name(Backend backend) { return backend == Backend::kSqlite ? "sqlite" : "postgresql"; }

std::string direction_name(const ::testing::TestParamInfo<Direction>& info) {
  return backend_name(info.param.from) + "_to_" + backend_name(info.param.to);
}

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

constexpr std::int64_t kWallClockMs = 1'800'000'000'000;

// ------------------------------------------------------------ what a store holds, as text

std::vector<JournalRow> rows_of(Store& store) {
  std::vector<JournalRow> rows;
  Status read = store.read_journal(1, [&rows](const JournalRow& row) {
    rows.push_back(row);
    return Status::success();
  });
  EXPECT_TRUE(read.ok()) << read.error();
  return rows;
}

std::vector<std::string> journal_of(Store& store) {
  std::vector<std::string> lines;
  for (const JournalRow& row : rows_of(store)) {
    lines.push_back(std::to_string(row.seq) + "|" + row.ticket + "|" + std::to_string(row.at) + "|" + row.body + "|" +
                    row.prev_hash + "|" + row.hash);
  }
  return lines;
}

std::vector<std::string> tickets_of(Store& store) {
  auto tickets = store.tickets();
  EXPECT_TRUE(tickets.ok()) << tickets.error();
  std::vector<std::string> lines;
  if (!tickets) return lines;
  for (const StoredTicket& ticket : tickets.value()) {
    std::string line = ticket.id + "|" + ticket.version + "|" + ticket.state + "|" +
                       std::to_string(ticket.row_version) + "|" + ticket.snapshot;
    for (const auto& [key, outcome] : ticket.keys) {
      line += "|" + key + "=" + (outcome.accepted ? "accepted" : "rejected") + "," + outcome.reason + "," +
              std::to_string(outcome.first_seq) + "-" + std::to_string(outcome.last_seq) + "," + outcome.state;
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

std::vector<std::string> versions_of(Store& store) {
  auto versions = store.versions();
  EXPECT_TRUE(versions.ok()) << versions.error();
  std::vector<std::string> lines;
  if (!versions) return lines;
  for (const StoredVersion& version : versions.value()) {
    std::string line = version.id + "|" + version.workflow + "|" + version.declared + "|" + version.source_root + "|" +
                       std::to_string(version.added_at) + "|" + std::to_string(version.tickets);
    for (const WorkflowSource& source : version.sources) line += "|" + source.path + "=" + source.text;
    lines.push_back(std::move(line));
  }
  return lines;
}

std::vector<Checkpoint> checkpoints_of(Store& store) {
  auto checkpoints = store.checkpoints();
  EXPECT_TRUE(checkpoints.ok()) << checkpoints.error();
  return checkpoints ? checkpoints.value() : std::vector<Checkpoint>{};
}

std::vector<std::string> keys_of(Store& store) {
  auto keys = store.public_keys();
  EXPECT_TRUE(keys.ok()) << keys.error();
  return keys ? keys.value() : std::vector<std::string>{};
}

// Every outbox item in outbox order, each followed by its attempts.
std::vector<std::string> outbox_of(Store& store) {
  std::vector<std::string> lines;
  OutboxQuery query;
  query.limit = 5;
  do {
    auto page = store.outbox(query);
    EXPECT_TRUE(page.ok()) << page.error();
    if (!page) break;
    for (const Delivery& item : page->items) {
      lines.push_back(std::to_string(item.position) + "|" + item.item.id + "|" + std::to_string(item.item.seq) + "." +
                      std::to_string(item.item.part) + "|" + item.item.ticket + "|" + item.item.target + "|" +
                      item.item.payload + "|" + to_string(item.status) + "|" + std::to_string(item.attempts) + "|" +
                      std::to_string(item.queued_ms) + "|" + std::to_string(item.next_ms) + "|" +
                      std::to_string(item.finished_ms) + "|" + std::to_string(item.last_http_status) + "|" +
                      item.last_error);
      auto attempts = store.delivery_attempts(item.item.id);
      EXPECT_TRUE(attempts.ok()) << attempts.error();
      if (!attempts) continue;
      for (const AttemptRow& row : attempts.value()) {
        lines.push_back("  attempt " + std::to_string(row.number) + "|" + std::to_string(row.attempt.at_ms) + "|" +
                        std::to_string(row.attempt.duration_ms) + "|" + std::to_string(row.attempt.http_status) + "|" +
                        row.attempt.error + "|" + to_string(row.attempt.status));
      }
    }
    query.after = page->next;
  } while (query.after > 0);
  return lines;
}

// The rows `sql` returns from the store's tables, read behind its back
// (columns joined by '|', NULL as "NULL"), sorted: the order a SQL text
// collation gives differs between the two servers.
std::vector<std::string> table_rows(const std::string& location, const std::string& sql) {
  std::vector<std::string> rows = docket::testing::query_rows(location, sql);
  std::sort(rows.begin(), rows.end());
  return rows;
}

// The tables a unit writes besides the journal, each as the same SQL on both servers.
const std::map<std::string, std::string>& side_tables() {
  static const std::map<std::string, std::string> tables = {
      {"tickets", "SELECT id, workflow, version, state, updated_at, next_due, row_version, snapshot FROM tickets"},
      {"timers", "SELECT ticket, kind, name, due FROM timers"},
      {"idempotency",
       "SELECT ticket, key, CASE WHEN accepted THEN 1 ELSE 0 END, reason, first_seq, last_seq, state FROM idempotency"},
      {"versions", "SELECT id, workflow, declared, source_root, added_at FROM versions"},
      {"version_sources", "SELECT version, ordinal, path, text FROM version_sources"},
      {"checkpoints", "SELECT seq, hash, at, key_id, signature FROM checkpoints"},
      {"outbox_attempts", "SELECT id, number, at_ms, duration_ms, http_status, error, outcome FROM outbox_attempts"},
  };
  return tables;
}

// ------------------------------------------------------------ the copy, as `docket store copy` drives it

Status copy_store(Store& source, Store& destination, std::size_t batch) {
  if (Status s = destination.begin_copy(); !s) return s;
  Status copied = source.read_snapshot([&]() -> Status {
    std::map<std::string, std::shared_ptr<const Workflow>, std::less<>> compiled;
    auto versions = source.versions();
    if (!versions) return Status::failure(versions.error());
    for (const StoredVersion& version : versions.value()) {
      auto workflow = docket::testing::compile_stored_version(version);
      if (!workflow) return Status::failure(workflow.error());
      if (Status s = destination.copy_version(version); !s) return s;
      compiled.emplace(version.id, std::move(workflow).value());
    }
    std::vector<JournalRow> rows;
    Status read = source.read_journal(1, [&](const JournalRow& row) -> Status {
      rows.push_back(row);
      if (rows.size() < batch) return Status::success();
      Status passed = destination.copy_rows(rows);
      rows.clear();
      return passed;
    });
    if (!read) return read;
    if (Status s = destination.copy_rows(rows); !s) return s;
    auto tickets = source.tickets();
    if (!tickets) return Status::failure(tickets.error());
    for (const StoredTicket& stored : tickets.value()) {
      auto decoded = decode_ticket(stored.snapshot, compiled.at(stored.version));
      if (!decoded) return Status::failure(decoded.error());
      if (Status s = destination.copy_ticket(stored, decoded.value()); !s) return s;
    }
    auto checkpoints = source.checkpoints();
    if (!checkpoints) return Status::failure(checkpoints.error());
    for (const Checkpoint& checkpoint : checkpoints.value()) {
      if (Status s = destination.copy_checkpoint(checkpoint); !s) return s;
    }
    auto keys = source.public_keys();
    if (!keys) return Status::failure(keys.error());
    for (const std::string& pem : keys.value()) {
      if (Status s = destination.copy_public_key(pem); !s) return s;
    }
    OutboxQuery query;
    query.limit = batch;
    do {
      auto page = source.outbox(query);
      if (!page) return Status::failure(page.error());
      for (const Delivery& item : page->items) {
        auto attempts = source.delivery_attempts(item.item.id);
        if (!attempts) return Status::failure(attempts.error());
        if (Status s = destination.copy_delivery(item, attempts.value()); !s) return s;
      }
      query.after = page->next;
    } while (query.after > 0);
    return Status::success();
  });
  if (!copied) {
    Status rolled_back = destination.end_copy(false);
    EXPECT_TRUE(rolled_back.ok()) << rolled_back.error();
    return copied;
  }
  return destination.end_copy(true);
}

// ------------------------------------------------------------ the tests

class StoreCopyTest : public ::testing::TestWithParam<Direction> {
 protected:
  void SetUp() override {
    workflow_ = testing::shipped_rules("after_sales.docket");
    ASSERT_NE(workflow_, nullptr);
    events_ = docket::testing::parse_events(docket::testing::replicate_events(walkthrough(), 3, 7 * testing::kMinute));
    ASSERT_GT(events_.size(), 100u);
    // The source holds the first two thirds: tickets still open keep due
    // items, and the rest continues both engines after the copy.
    split_ = events_.size() * 2 / 3;
    until_ = *events_.back().at + 10 * testing::kDay;
    auto key = SigningKey::generate();
    ASSERT_TRUE(key.ok()) << key.error();
    key_ = std::move(key).value();
  }

  // Where a new, empty store goes: a file in the test's folder, or a
  // database of its own on the test server.
  std::string new_location(Backend backend, const std::string& name) {
    if (backend == Backend::kSqlite) return dir_.file(name + ".db");
    return docket::testing::fresh_postgres_database();
  }

  // Signed checkpoints every 10 records, an outbox, a wall clock that stands still.
  AnyStoreOptions writing() const {
    AnyStoreOptions options;
    options.durability = SqliteStoreOptions::Durability::kNormal;
    options.signing_key = key_;
    options.checkpoint_every = 10;
    options.outbox_router = notify_router;
    options.wall_clock_ms = [] { return kWallClockMs; };
    return options;
  }

  static std::unique_ptr<Store> open(const std::string& location, AnyStoreOptions options = {}) {
    auto store = open_store(location, std::move(options));
    EXPECT_TRUE(store.ok()) << store.error();
    return store ? std::move(store).value() : nullptr;
  }

  // The first two thirds of the events through an engine into a new store
  // at `location`, sealed, and some deliveries attempted: one delivered,
  // one failed, one dead, one delivered on its second attempt.
  void fill(const std::string& location) {
    auto store = open(location, writing());
    ASSERT_NE(store, nullptr);
    {
      VirtualClock clock;
      Engine engine(clock, *store);
      ASSERT_TRUE(engine.install(workflow_).ok());
      ASSERT_EQ(docket::testing::apply_events(engine, clock, events_, 0, split_), 0u);
    }
    ASSERT_TRUE(store->seal().ok());
    auto due = store->due_deliveries("sms", store->last_seq(), kWallClockMs, 100);
    ASSERT_TRUE(due.ok()) << due.error();
    ASSERT_GE(due->size(), 4u);
    auto attempt = [](const Delivery& item, DeliveryStatus status, std::int64_t at, int http) {
      DeliveryAttempt result;
      result.id = item.item.id;
      result.at_ms = at;
      result.duration_ms = 7;
      result.http_status = http;
      result.error = status == DeliveryStatus::kDelivered ? "" : "HTTP " + std::to_string(http);
      result.status = status;
      result.next_ms = status == DeliveryStatus::kFailed ? at + 60'000 : 0;
      return result;
    };
    std::vector<DeliveryAttempt> attempts = {
        attempt(due.value()[0], DeliveryStatus::kDelivered, kWallClockMs + 1, 200),
        attempt(due.value()[1], DeliveryStatus::kFailed, kWallClockMs + 2, 503),
        attempt(due.value()[2], DeliveryStatus::kDead, kWallClockMs + 3, 410),
        attempt(due.value()[3], DeliveryStatus::kFailed, kWallClockMs + 4, 500),
    };
    ASSERT_TRUE(store->record_attempts(attempts).ok());
    std::vector<DeliveryAttempt> again = {attempt(due.value()[3], DeliveryStatus::kDelivered, kWallClockMs + 5, 204)};
    ASSERT_TRUE(store->record_attempts(again).ok());
  }

  // An engine recovered from the store at `location` (opened as `fill`
  // opens it), given the rest of the events; the store afterwards.
  std::unique_ptr<Store> continue_from(const std::string& location) {
    auto store = open(location, writing());
    if (store == nullptr) return nullptr;
    VirtualClock clock;
    Engine engine(clock, *store);
    auto recovered = recover(engine, *store, docket::testing::compile_stored_version);
    EXPECT_TRUE(recovered.ok()) << recovered.error();
    EXPECT_TRUE(engine.install(workflow_).ok());
    EXPECT_EQ(docket::testing::apply_events(engine, clock, events_, split_), 0u);
    EXPECT_TRUE(engine.advance_to(until_).ok());
    EXPECT_TRUE(store->seal().ok());
    return store;
  }

  std::shared_ptr<const Workflow> workflow_;
  std::vector<Event> events_;
  std::size_t split_ = 0;
  std::int64_t until_ = 0;
  std::optional<SigningKey> key_;
  TempDir dir_;
};

TEST_P(StoreCopyTest, CopyHoldsTheSourceRowForRowAndRecoversToTheSameEngine) {
  std::string from = new_location(GetParam().from, "source");
  std::string to = new_location(GetParam().to, "copy");
  ASSERT_FALSE(from.empty());
  ASSERT_FALSE(to.empty());
  ASSERT_NO_FATAL_FAILURE(fill(from));

  auto opened = open_store_for_reading(from);
  ASSERT_TRUE(opened.ok()) << opened.error();
  std::unique_ptr<Store> source = std::move(opened).value();
  auto copy = open(to);
  ASSERT_NE(copy, nullptr);
  // Small batches: many copy_rows() calls and outbox pages.
  Status copied = copy_store(*source, *copy, 7);
  ASSERT_TRUE(copied.ok()) << copied.error();

  // The copy's object is usable as it stands: it knows its head.
  EXPECT_EQ(copy->last_seq(), source->last_seq());
  EXPECT_EQ(copy->last_at(), source->last_at());
  EXPECT_GT(copy->last_seq(), 100u);

  std::vector<std::string> journal = journal_of(*source);
  EXPECT_EQ(journal_of(*copy), journal);
  EXPECT_EQ(tickets_of(*copy), tickets_of(*source));
  EXPECT_EQ(versions_of(*copy), versions_of(*source));
  EXPECT_EQ(checkpoints_of(*copy), checkpoints_of(*source));
  EXPECT_GT(checkpoints_of(*copy).size(), 5u);
  EXPECT_EQ(keys_of(*copy), keys_of(*source));
  ASSERT_EQ(keys_of(*copy).size(), 1u);
  std::vector<std::string> outbox = outbox_of(*source);
  EXPECT_EQ(outbox_of(*copy), outbox);
  EXPECT_GT(outbox.size(), 10u);
  auto summary = copy->outbox_summary();
  ASSERT_TRUE(summary.ok()) << summary.error();
  EXPECT_EQ(summary->counts.size(), source->outbox_summary()->counts.size());
  EXPECT_EQ(summary->oldest_undelivered_ms, source->outbox_summary()->oldest_undelivered_ms);

  // What a unit writes besides: ticket columns, due items, keys, sources.
  for (const auto& [table, sql] : side_tables()) {
    EXPECT_EQ(table_rows(to, sql), table_rows(from, sql)) << table;
  }
  EXPECT_FALSE(table_rows(from, side_tables().at("timers")).empty());
  EXPECT_FALSE(table_rows(from, side_tables().at("idempotency")).empty());
  source.reset();
  copy.reset();

  // Recovered from either, an engine goes on alike: the same records with
  // the same hashes, tickets, signatures and outbox.
  auto went_on = continue_from(from);
  auto copy_went_on = continue_from(to);
  ASSERT_NE(went_on, nullptr);
  ASSERT_NE(copy_went_on, nullptr);
  std::vector<std::string> longer = journal_of(*went_on);
  EXPECT_GT(longer.size(), journal.size());
  EXPECT_EQ(journal_of(*copy_went_on), longer);
  EXPECT_EQ(tickets_of(*copy_went_on), tickets_of(*went_on));
  EXPECT_EQ(checkpoints_of(*copy_went_on), checkpoints_of(*went_on));
  EXPECT_EQ(outbox_of(*copy_went_on), outbox_of(*went_on));
  for (const auto& [table, sql] : side_tables()) {
    EXPECT_EQ(table_rows(to, sql), table_rows(from, sql)) << table;
  }
}

TEST_P(StoreCopyTest, RefusesAStoreThatHoldsAnything) {
  std::string from = new_location(GetParam().from, "source");
  std::string to = new_location(GetParam().to, "copy");
  ASSERT_FALSE(from.empty());
  ASSERT_FALSE(to.empty());
  ASSERT_NO_FATAL_FAILURE(fill(from));
  auto source = open_store_for_reading(from);
  ASSERT_TRUE(source.ok()) << source.error();
  std::string refused =
      (is_postgres_url(to) ? redact_postgres_url(to) : to) + ": not empty: a copy goes into a new store";

  // A version alone is enough.
  auto copy = open(to);
  ASSERT_NE(copy, nullptr);
  ASSERT_TRUE(copy->add_version(*workflow_, testing::kMonday).ok());
  Status begun = copy->begin_copy();
  ASSERT_FALSE(begun.ok());
  EXPECT_EQ(begun.error(), refused);

  // A journal: the whole copy is refused and the store keeps what it held.
  {
    VirtualClock clock;
    Engine engine(clock, *copy);
    ASSERT_TRUE(engine.install(workflow_).ok());
    ASSERT_EQ(docket::testing::apply_events(engine, clock, events_, 0, 5), 0u);
  }
  std::vector<std::string> held = journal_of(*copy);
  ASSERT_FALSE(held.empty());
  Status copied = copy_store(*source.value(), *copy, 1000);
  ASSERT_FALSE(copied.ok());
  EXPECT_EQ(copied.error(), refused);
  EXPECT_EQ(journal_of(*copy), held);
  EXPECT_EQ(copy->last_seq(), held.size());

  // Refused, the store is not held up: it takes units again.
  {
    VirtualClock clock;
    Engine engine(clock, *copy);
    ASSERT_TRUE(recover(engine, *copy, docket::testing::compile_stored_version).ok());
    ASSERT_TRUE(engine.install(workflow_).ok());
    ASSERT_EQ(docket::testing::apply_events(engine, clock, events_, 5, 6), 0u);
  }
  EXPECT_GT(journal_of(*copy).size(), held.size());
}

TEST_P(StoreCopyTest, RefusesABrokenChainNamingTheSeqAndLeavesTheCopyEmpty) {
  std::string from = new_location(GetParam().from, "source");
  std::string to = new_location(GetParam().to, "copy");
  ASSERT_FALSE(from.empty());
  ASSERT_FALSE(to.empty());
  ASSERT_NO_FATAL_FAILURE(fill(from));
  std::string to_name = is_postgres_url(to) ? redact_postgres_url(to) : to;

  auto expect_empty = [&](Store& store) {
    EXPECT_EQ(store.last_seq(), 0u);
    EXPECT_EQ(store.last_at(), 0);
    EXPECT_TRUE(journal_of(store).empty());
    EXPECT_TRUE(tickets_of(store).empty());
    EXPECT_TRUE(versions_of(store).empty());
    EXPECT_TRUE(checkpoints_of(store).empty());
    EXPECT_TRUE(outbox_of(store).empty());
    for (const auto& [table, sql] : side_tables()) EXPECT_TRUE(table_rows(to, sql).empty()) << table;
  };

  std::vector<std::string> original = table_rows(from, "SELECT hash, body FROM journal WHERE seq = 25");
  ASSERT_EQ(original.size(), 1u);
  ASSERT_EQ(original[0].find('\''), std::string::npos);

  // A record's body edited (its hash left as it was).
  run_sql(from, "UPDATE journal SET body = replace(body, '\"at\":', '\"at\": ') WHERE seq = 25");
  auto copy = open(to);
  ASSERT_NE(copy, nullptr);
  {
    auto source = open_store_for_reading(from);
    ASSERT_TRUE(source.ok()) << source.error();
    Status copied = copy_store(*source.value(), *copy, 10);
    ASSERT_FALSE(copied.ok());
    EXPECT_EQ(copied.error(), to_name + ": cannot copy seq 25: the record's content does not match its hash");
  }
  expect_empty(*copy);

  // The edit hashed again: now seq 26 does not link to it.
  std::vector<std::string> row = table_rows(from, "SELECT prev_hash, body FROM journal WHERE seq = 25");
  ASSERT_EQ(row.size(), 1u);
  std::string prev_hash = row[0].substr(0, kHashLength);
  std::string body = row[0].substr(kHashLength + 1);
  run_sql(from, "UPDATE journal SET hash = '" + chain_hash(prev_hash, body) + "' WHERE seq = 25");
  {
    auto source = open_store_for_reading(from);
    ASSERT_TRUE(source.ok()) << source.error();
    Status copied = copy_store(*source.value(), *copy, 10);
    ASSERT_FALSE(copied.ok());
    EXPECT_EQ(copied.error(), to_name + ": cannot copy seq 26: its prev_hash does not link to the hash of seq 25");
  }
  expect_empty(*copy);

  // A gap: seq 25 as it was, seq 40 gone.
  run_sql(from, "UPDATE journal SET hash = '" + original[0].substr(0, kHashLength) + "', body = '" +
                    original[0].substr(kHashLength + 1) + "' WHERE seq = 25");
  run_sql(from, "DELETE FROM journal WHERE seq = 40");
  {
    auto source = open_store_for_reading(from);
    ASSERT_TRUE(source.ok()) << source.error();
    Status copied = copy_store(*source.value(), *copy, 10);
    ASSERT_FALSE(copied.ok());
    EXPECT_EQ(copied.error(), to_name + ": cannot copy seq 41: it does not follow seq 39");
  }
  expect_empty(*copy);

  // Rows out of order, or not from seq 1, are refused as they come.
  {
    auto source = open_store_for_reading(from);
    ASSERT_TRUE(source.ok()) << source.error();
    std::vector<JournalRow> rows = rows_of(*source.value());
    ASSERT_TRUE(copy->begin_copy().ok());
    Status first = copy->copy_rows(std::span<const JournalRow>(rows).first(20));
    EXPECT_TRUE(first.ok()) << first.error();
    Status again = copy->copy_rows(std::span<const JournalRow>(rows).first(1));
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error(), to_name + ": cannot copy seq 1: it does not follow seq 20");
    ASSERT_TRUE(copy->end_copy(false).ok());
    ASSERT_TRUE(copy->begin_copy().ok());
    Status skipped = copy->copy_rows(std::span<const JournalRow>(rows).subspan(1));
    ASSERT_FALSE(skipped.ok());
    EXPECT_EQ(skipped.error(), to_name + ": cannot copy seq 2: the journal does not start at seq 1");
    ASSERT_TRUE(copy->end_copy(false).ok());
  }
  expect_empty(*copy);
  copy.reset();
  auto reopened = open(to);
  ASSERT_NE(reopened, nullptr);
  expect_empty(*reopened);
}

TEST_P(StoreCopyTest, CopyCallsNeedAnOpenCopyAndAnOpenCopyTakesNoUnits) {
  std::string to = new_location(GetParam().to, "copy");
  ASSERT_FALSE(to.empty());
  std::string to_name = is_postgres_url(to) ? redact_postgres_url(to) : to;
  auto copy = open(to);
  ASSERT_NE(copy, nullptr);

  StoredVersion version;
  version.id = workflow_->version_id();
  version.workflow = workflow_->name();
  version.declared = workflow_->version();
  version.sources = workflow_->sources();
  version.source_root = workflow_->source_root();
  version.added_at = testing::kMonday;
  Status early = copy->copy_version(version);
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error(), to_name + ": no copy is open (begin_copy() first)");
  EXPECT_FALSE(copy->end_copy(true).ok());
  EXPECT_TRUE(copy->end_copy(false).ok());

  ASSERT_TRUE(copy->begin_copy().ok());
  ASSERT_TRUE(copy->copy_version(version).ok());
  Status twice = copy->copy_version(version);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error(), to_name + ": version " + version.id.substr(0, 12) + " of after_sales is copied twice");
  {
    VirtualClock clock(testing::kMonday);
    Engine engine(clock, *copy);
    ASSERT_TRUE(engine.install(workflow_).ok());
    Result<Outcome> refused = engine.apply(events_.front());
    EXPECT_FALSE(refused.ok() && refused->accepted);
  }
  Status again = copy->begin_copy();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error(),
            to_name + ": a copy is being written into the store: it takes no other write until the copy ends");
  ASSERT_TRUE(copy->end_copy(true).ok());
  EXPECT_EQ(versions_of(*copy).size(), 1u);
  EXPECT_EQ(copy->last_seq(), 0u);

  // After the copy the store takes units as any other.
  {
    VirtualClock clock;
    Engine engine(clock, *copy);
    ASSERT_TRUE(recover(engine, *copy, docket::testing::compile_stored_version).ok());
    ASSERT_TRUE(engine.install(workflow_).ok());
    ASSERT_EQ(docket::testing::apply_events(engine, clock, events_, 0, 3), 0u);
  }
  EXPECT_EQ(journal_of(*copy).size(), copy->last_seq());
  EXPECT_GT(copy->last_seq(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Directions, StoreCopyTest,
                         ::testing::Values(Direction{Backend::kSqlite, Backend::kPostgres},
                                           Direction{Backend::kPostgres, Backend::kSqlite},
                                           Direction{Backend::kSqlite, Backend::kSqlite},
                                           Direction{Backend::kPostgres, Backend::kPostgres}),
                         direction_name);

}  // namespace
}  // namespace docket::engine
