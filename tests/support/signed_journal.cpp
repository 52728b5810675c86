#include "tests/support/signed_journal.h"

#include <gtest/gtest.h>

#include <utility>

#include "engine/model/event.h"
#include "engine/runtime/clock.h"
#include "engine/runtime/engine.h"
#include "engine/store/audit_chain.h"
#include "engine/store/recovery.h"
#include "engine/store/sqlite_store.h"
#include "tests/support/engine_harness.h"
#include "tests/support/stored_rules.h"

namespace docket::testing {

namespace {

void record(const SignedJournalSpec& spec, SignedJournal& journal) {
  std::vector<engine::Event> stream = parse_events(replicate_events(
      std::string(DOCKET_SOURCE_DIR) + "/examples/after_sales/walkthrough.jsonl", spec.copies, spec.spacing_seconds));
  auto workflow = engine::testing::shipped_rules("after_sales.docket");
  ASSERT_NE(workflow, nullptr);

  engine::SqliteStoreOptions options;
  options.signing_key = journal.key;
  options.checkpoint_every = spec.checkpoint_every;
  if (spec.bulk_load) {
    options.batch_units = 1000;
    options.durability = engine::SqliteStoreOptions::Durability::kNormal;
  }
  auto store = engine::SqliteStore::open(journal.path, options);
  ASSERT_TRUE(store.ok()) << store.error();
  engine::VirtualClock clock;
  engine::Engine engine(clock, *store.value());
  ASSERT_TRUE(engine.install(workflow).ok());
  ASSERT_EQ(apply_events(engine, clock, stream), 0u);
  if (spec.run_on_seconds > 0) {
    ASSERT_TRUE(engine.advance_to(*stream.back().at + spec.run_on_seconds).ok());
  }
  ASSERT_TRUE(store.value()->flush().ok());

  ASSERT_TRUE(store.value()
                  ->read_journal(1,
                                 [&journal](const engine::JournalRow& row) {
                                   journal.rows.push_back(row);
                                   return engine::Status::success();
                                 })
                  .ok());
  journal.checkpoints = store.value()->checkpoints().value();
  if (!spec.compile_versions) return;
  auto compiled = engine::compile_versions(*store.value(), compile_stored_version);
  ASSERT_TRUE(compiled.ok()) << compiled.error();
  journal.versions = std::move(compiled).value();
}

}  // namespace

SignedJournal::SignedJournal(engine::SigningKey signing_key)
    : path(dir.file("tickets.db")), key(std::move(signing_key)) {}

std::unique_ptr<SignedJournal> signed_journal(const SignedJournalSpec& spec) {
  auto key = engine::SigningKey::generate();
  EXPECT_TRUE(key.ok()) << key.error();
  if (!key) return nullptr;
  auto journal = std::make_unique<SignedJournal>(std::move(key).value());
  record(spec, *journal);
  return journal;
}

decltype(engine::AuditInput::rows) rows_reader(const std::vector<engine::JournalRow>& rows) {
  return [&rows](const std::function<engine::Status(const engine::JournalRow&)>& each) {
    for (const engine::JournalRow& row : rows) {
      if (engine::Status s = each(row); !s) return s;
    }
    return engine::Status::success();
  };
}

std::vector<engine::JournalRow> rebuilt(std::vector<engine::JournalRow> rows, std::uint64_t seq, std::string body) {
  rows[seq - 1].body = std::move(body);
  for (std::size_t i = seq - 1; i < rows.size(); ++i) {
    if (i > 0) rows[i].prev_hash = rows[i - 1].hash;
    rows[i].hash = engine::chain_hash(rows[i].prev_hash, rows[i].body);
  }
  return rows;
}

std::vector<engine::Checkpoint> checkpoints_through(const std::vector<engine::Checkpoint>& checkpoints,
                                                    std::uint64_t seq) {
  std::vector<engine::Checkpoint> kept;
  for (const engine::Checkpoint& checkpoint : checkpoints) {
    if (checkpoint.seq <= seq) kept.push_back(checkpoint);
  }
  return kept;
}

std::vector<engine::Checkpoint> resigned(const engine::SigningKey& key,
                                         const std::vector<engine::Checkpoint>& checkpoints,
                                         const std::vector<engine::JournalRow>& rows) {
  std::vector<engine::Checkpoint> signed_again;
  for (const engine::Checkpoint& checkpoint : checkpoints) {
    signed_again.push_back(engine::sign_checkpoint(key, checkpoint.seq, rows[checkpoint.seq - 1].hash, checkpoint.at));
  }
  return signed_again;
}

std::string finding(const engine::AuditReport& report) {
  if (!report.finding) return "ok";
  return std::to_string(report.finding->seq) + " " + report.finding->problem;
}

}  // namespace docket::testing
