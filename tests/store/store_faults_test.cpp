// The store under a failing disk: a full disk or an I/O error at any step of
// a unit's transaction leaves no half-applied event, and a power cut loses no
// acknowledged unit with synchronous=FULL (and does with NORMAL: the
// negative control that shows the power cut is real).

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/audit/audit_verify.h"
#include "engine/codec/journal_json.h"
#include "engine/codec/ticket_codec.h"
#include "engine/store/recovery.h"
#include "engine/store/sqlite_store.h"
#include "tests/support/engine_harness.h"
#include "tests/support/event_streams.h"
#include "tests/support/fault_vfs.h"
#include "tests/support/stored_rules.h"

namespace docket::engine {
namespace {

using docket::testing::FaultVfs;
using docket::testing::TempDir;

class StoreFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    workflow_ = testing::shipped_rules("after_sales.docket");
    ASSERT_NE(workflow_, nullptr);
    events_ = docket::testing::parse_events(docket::testing::replicate_events(
        std::string(DOCKET_SOURCE_DIR) + "/examples/after_sales/walkthrough.jsonl", 1, 0));
    ASSERT_GT(events_.size(), 30u);
  }

  SqliteStoreOptions through_vfs(SqliteStoreOptions::Durability durability = SqliteStoreOptions::Durability::kFull) {
    SqliteStoreOptions options;
    options.vfs = vfs_.name();
    options.durability = durability;
    return options;
  }

  // Everything a store holds, as text: equal texts, equal stores.
  static std::string contents(const std::string& path) {
    auto store = SqliteStore::open(path, read_only_options());
    EXPECT_TRUE(store.ok()) << store.error();
    if (!store) return {};
    std::string text;
    EXPECT_TRUE(store.value()
                    ->read_journal(1,
                                   [&text](const JournalRow& row) {
                                     text += row.body + " " + row.prev_hash + " " + row.hash + "\n";
                                     return Status::success();
                                   })
                    .ok());
    auto tickets = store.value()->tickets();
    EXPECT_TRUE(tickets.ok());
    for (const StoredTicket& ticket : tickets.value()) {
      text += ticket.id + " " + std::to_string(ticket.row_version) + " " + ticket.snapshot + "\n";
      for (const auto& [key, outcome] : ticket.keys)
        text += "  " + key + " " + std::to_string(outcome.first_seq) + "\n";
    }
    auto integrity = store.value()->integrity_check();
    EXPECT_TRUE(integrity.ok() && integrity.value() == "ok") << (integrity ? integrity.value() : integrity.error());
    return text;
  }

  std::shared_ptr<const Workflow> workflow_;
  std::vector<Event> events_;
  TempDir dir_;
  FaultVfs vfs_{"docket-store-fault"};
};

// For every write and every sync of one event's transaction: the event fails
// as a whole (the engine and the store are exactly as before), the same
// event then succeeds, and the store ends up identical to one that never
// saw a fault.
TEST_F(StoreFaultsTest, ADiskErrorAtAnyStepOfAUnitLeavesNoHalfAppliedEvent) {
  constexpr std::size_t kBefore = 12;  // events applied before the faulty one
  std::string reference = dir_.file("reference.db");
  {
    auto store = SqliteStore::open(reference);
    ASSERT_TRUE(store.ok());
    VirtualClock clock;
    Engine engine(clock, *store.value());
    ASSERT_TRUE(engine.install(workflow_).ok());
    ASSERT_EQ(docket::testing::apply_events(engine, clock, events_, 0, kBefore + 1), 0u);
  }
  std::string expected = contents(reference);

  int injected = 0;
  for (FaultVfs::Op op : {FaultVfs::Op::kWrite, FaultVfs::Op::kSync}) {
    for (int error : {SQLITE_FULL, SQLITE_IOERR_WRITE}) {
      for (int nth = 1;; ++nth) {
        SCOPED_TRACE("fault at " + std::string(op == FaultVfs::Op::kWrite ? "write " : "sync ") + std::to_string(nth) +
                     ", error " + std::to_string(error));
        std::string path = dir_.file("fault" + std::to_string(injected) + ".db");
        bool fired = false;
        {
          auto store = SqliteStore::open(path, through_vfs());
          ASSERT_TRUE(store.ok()) << store.error();
          VirtualClock clock;
          Engine engine(clock, *store.value());
          ASSERT_TRUE(engine.install(workflow_).ok());
          ASSERT_EQ(docket::testing::apply_events(engine, clock, events_, 0, kBefore), 0u);
          const Ticket* ticket = engine.find(events_[kBefore].ticket);
          std::string before = ticket != nullptr ? encode_ticket(*ticket) : std::string();
          std::uint64_t seq_before = engine.last_seq();

          vfs_.clear_faults();
          int fired_before = vfs_.faults_fired();
          vfs_.fail_at(op, nth, error);
          auto outcome = engine.apply(events_[kBefore]);
          fired = vfs_.faults_fired() > fired_before;
          vfs_.clear_faults();
          if (fired) {
            ASSERT_FALSE(outcome.ok()) << "a failed write was acknowledged";
            EXPECT_NE(outcome.error().find(path), std::string::npos) << outcome.error();
            EXPECT_EQ(engine.last_seq(), seq_before);
            EXPECT_EQ(store.value()->last_seq(), seq_before);
            ticket = engine.find(events_[kBefore].ticket);
            EXPECT_EQ(ticket != nullptr ? encode_ticket(*ticket) : std::string(), before);
            // Sent again, it applies.
            outcome = engine.apply(events_[kBefore]);
          }
          ASSERT_TRUE(outcome.ok()) << outcome.error();
        }
        EXPECT_EQ(contents(path), expected);
        ++injected;
        if (!fired) break;  // past the last step of the transaction
      }
    }
  }
  EXPECT_GT(injected, 10);
}

// Units are acknowledged as commit() returns. After a power cut at a random
// step, a FULL store still has every acknowledged unit; a NORMAL store has
// lost some (the shim really drops unsynced writes).
TEST_F(StoreFaultsTest, APowerCutLosesNoAcknowledgedUnitWithFullSyncAndSomeWithNormal) {
  auto run = [&](SqliteStoreOptions::Durability durability, int cut_at_sync, std::uint64_t& acknowledged,
                 std::uint64_t& survived) {
    std::string path =
        dir_.file("power" + std::to_string(static_cast<int>(durability)) + "_" + std::to_string(cut_at_sync) + ".db");
    acknowledged = 0;
    {
      auto store = SqliteStore::open(path, through_vfs(durability));
      ASSERT_TRUE(store.ok()) << store.error();
      VirtualClock clock;
      Engine engine(clock, *store.value());
      ASSERT_TRUE(engine.install(workflow_).ok());
      vfs_.reset_counts();
      for (const Event& event : events_) {
        if (vfs_.power_is_on() && vfs_.count(FaultVfs::Op::kWrite) >= cut_at_sync) (void)vfs_.power_cut();
        if (event.at && *event.at > clock.now()) (void)clock.set(*event.at);
        auto outcome = engine.apply(event);
        if (outcome.ok() && vfs_.power_is_on()) acknowledged = engine.last_seq();
      }
      if (vfs_.power_is_on()) (void)vfs_.power_cut();
    }
    vfs_.power_restored();
    auto store = SqliteStore::open(path);
    ASSERT_TRUE(store.ok()) << store.error();
    survived = store.value()->last_seq();
    auto integrity = store.value()->integrity_check();
    ASSERT_TRUE(integrity.ok());
    EXPECT_EQ(integrity.value(), "ok");
    VirtualClock clock;
    Engine engine(clock, *store.value());
    auto recovered = recover(engine, *store.value(), docket::testing::compile_stored_version);
    EXPECT_TRUE(recovered.ok()) << recovered.error();
  };

  std::uint64_t lost_with_normal = 0;
  for (int cut : {40, 90, 160}) {
    SCOPED_TRACE("power cut after write " + std::to_string(cut));
    std::uint64_t acknowledged = 0;
    std::uint64_t survived = 0;
    run(SqliteStoreOptions::Durability::kFull, cut, acknowledged, survived);
    ASSERT_GT(acknowledged, 0u);
    EXPECT_GE(survived, acknowledged) << "FULL lost acknowledged records";
    run(SqliteStoreOptions::Durability::kNormal, cut, acknowledged, survived);
    if (survived < acknowledged) lost_with_normal += acknowledged - survived;
  }
  EXPECT_GT(lost_with_normal, 0u) << "NORMAL lost nothing: the power cut is not real";
}

}  // namespace
}  // namespace docket::engine
