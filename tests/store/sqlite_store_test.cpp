// What only the SQLite store does (engine/store/sqlite_store.h): the file it
// writes is a sound SQLite database, and the files it refuses. What every
// store does is in store_contract_test.cpp; the store under a failing disk
// in store_faults_test.cpp.

#include "engine/store/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/engine_harness.h"
#include "tests/support/event_streams.h"

namespace docket::engine {
namespace {

using docket::testing::TempDir;

std::string walkthrough() { return std::string(DOCKET_SOURCE_DIR) + "/examples/after_sales/walkthrough.jsonl"; }

std::unique_ptr<SqliteStore> open_store(const std::string& path, SqliteStoreOptions options = {}) {
  auto store = SqliteStore::open(path, std::move(options));
  EXPECT_TRUE(store.ok()) << store.error();
  return store ? std::move(store).value() : nullptr;
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

TEST_F(SqliteStoreTest, TheFileARunWroteIsASoundDatabaseInWalMode) {
  std::string path = dir_.file("s.db");
  {
    auto store = open_store(path);
    ASSERT_NE(store, nullptr);
    VirtualClock clock;
    Engine engine(clock, *store);
    ASSERT_TRUE(engine.install(workflow_).ok());
    EXPECT_EQ(docket::testing::apply_events(engine, clock, events_), 0u);
    ASSERT_TRUE(engine.advance_to(until_).ok());
    EXPECT_GT(store->last_seq(), 0u);
    EXPECT_EQ(store->location(), path);
    auto integrity = store->integrity_check();
    ASSERT_TRUE(integrity.ok()) << integrity.error();
    EXPECT_EQ(integrity.value(), "ok");
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* mode = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &mode, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(mode), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(mode, 0)), "wal");
  sqlite3_finalize(mode);
  sqlite3_close(db);
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

}  // namespace
}  // namespace docket::engine
