#include "tests/support/fault_vfs.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace docket::testing {
namespace {

using Op = FaultVfs::Op;
using FileKind = FaultVfs::FileKind;

// A fresh directory under the system's temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "docket-fault-vfs-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  bool ok() const { return !path_.empty(); }
  std::string file(std::string_view name) const { return (std::filesystem::path(path_) / name).string(); }

 private:
  std::string path_;
};

// One connection, closed when it goes out of scope. `vfs` nullptr means SQLite's default VFS.
class Db {
 public:
  Db(const std::string& path, const char* vfs) {
    open_rc_ = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs);
  }
  ~Db() { close(); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  bool ok() const { return open_rc_ == SQLITE_OK; }
  sqlite3* handle() const { return db_; }

  int exec(const std::string& sql) { return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr); }

  // The first column of the first row of `sql` as text; "<error: ...>" if it fails.
  std::string query(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      return "<error: " + std::string(sqlite3_errmsg(db_)) + ">";
    }
    std::string result;
    int rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(statement, 0);
      result = text != nullptr ? reinterpret_cast<const char*>(text) : "<null>";
    } else {
      result = "<error: " + std::string(sqlite3_errmsg(db_)) + ">";
    }
    sqlite3_finalize(statement);
    return result;
  }

  std::string rows() { return query("SELECT count(*) FROM t"); }
  std::string integrity() { return query("PRAGMA integrity_check"); }

  // The result of closing; the connection is gone either way.
  int close() {
    if (db_ == nullptr) return SQLITE_OK;
    int rc = sqlite3_close(db_);
    db_ = nullptr;
    return rc;
  }

 private:
  sqlite3* db_ = nullptr;
  int open_rc_ = SQLITE_ERROR;
};

std::string file_contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Opens `path` through `vfs` with journal mode `journal_mode`, creates table t with an index and
// `base_rows` rows, all under synchronous=FULL (so durably), then switches to `synchronous`.
std::unique_ptr<Db> prepare(const std::string& path, const FaultVfs& vfs, const std::string& journal_mode,
                            const std::string& synchronous = "FULL", int base_rows = 0) {
  auto db = std::make_unique<Db>(path, vfs.name().c_str());
  EXPECT_TRUE(db->ok()) << sqlite3_errmsg(db->handle());
  EXPECT_EQ(db->query("PRAGMA journal_mode=" + journal_mode), journal_mode);
  EXPECT_EQ(db->exec("PRAGMA synchronous=FULL;"
                     "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL);"
                     "CREATE INDEX t_v ON t(v);"),
            SQLITE_OK)
      << sqlite3_errmsg(db->handle());
  if (base_rows > 0) {
    EXPECT_EQ(db->exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
                       std::to_string(base_rows) + ") INSERT INTO t(v) SELECT printf('base %0300d', i) FROM n"),
              SQLITE_OK);
  }
  EXPECT_EQ(db->exec("PRAGMA synchronous=" + synchronous), SQLITE_OK);
  return db;
}

// Rows first .. first + count - 1, one transaction (one commit) each.
void insert_one_row_per_commit(Db& db, int first, int count) {
  for (int i = first; i < first + count; ++i) {
    ASSERT_EQ(db.exec("INSERT INTO t(v) VALUES ('row " + std::to_string(i) + "')"), SQLITE_OK)
        << "row " << i << ": " << sqlite3_errmsg(db.handle());
  }
}

// The transaction the all-or-nothing tests break: 40 rows of 300+ bytes spread over several
// table and index pages.
constexpr int kBaseRows = 20;
constexpr int kBatchRows = 40;
const std::string kBatch =
    "BEGIN;"
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40) "
    "INSERT INTO t(v) SELECT printf('batch %0300d', i) FROM n;"
    "COMMIT;";

// What survives of the batch, seen through SQLite's default VFS: "none", "all" or the oddity.
std::string survivor(const std::string& path) {
  Db check(path, nullptr);
  if (!check.ok()) return "cannot open";
  std::string integrity = check.integrity();
  if (integrity != "ok") return "integrity_check: " + integrity;
  std::string rows = check.rows();
  if (rows == std::to_string(kBaseRows)) return "none";
  if (rows == std::to_string(kBaseRows + kBatchRows)) return "all";
  return rows + " rows";
}

class FaultVfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    ASSERT_TRUE(vfs_.registered());
  }

  // How many calls of `op` one batch makes on a database prepared in `journal_mode`.
  int calls_per_batch(const std::string& journal_mode, Op op) {
    std::string path = dir_.file("dry-run-" + journal_mode + ".db");
    std::unique_ptr<Db> db = prepare(path, vfs_, journal_mode, "FULL", kBaseRows);
    vfs_.reset_counts();
    EXPECT_EQ(db->exec(kBatch), SQLITE_OK);
    int calls = vfs_.count(op);
    db->close();
    EXPECT_EQ(survivor(path), "all");
    return calls;
  }

  // Fails each write of one batch in turn, each on a fresh database, and checks that what
  // SQLite reopens afterwards holds the whole batch or none of it.
  void expect_all_or_nothing_when_any_write_fails(const std::string& journal_mode) {
    int writes = calls_per_batch(journal_mode, Op::kWrite);
    ASSERT_GT(writes, 5);
    for (int nth = 1; nth <= writes; ++nth) {
      SCOPED_TRACE(journal_mode + ", failing write " + std::to_string(nth) + " of " + std::to_string(writes));
      std::string path = dir_.file(journal_mode + "-write-" + std::to_string(nth) + ".db");
      std::unique_ptr<Db> db = prepare(path, vfs_, journal_mode, "FULL", kBaseRows);
      int fired_before = vfs_.faults_fired();
      vfs_.fail_at(Op::kWrite, nth, SQLITE_IOERR_WRITE);
      int rc = db->exec(kBatch);
      EXPECT_EQ(rc & 0xff, SQLITE_IOERR) << sqlite3_errmsg(db->handle());
      EXPECT_EQ(vfs_.faults_fired(), fired_before + 1);
      vfs_.clear_faults();
      db->exec("ROLLBACK");  // SQLite may have rolled back already
      db->close();
      std::string outcome = survivor(path);
      EXPECT_TRUE(outcome == "none" || outcome == "all") << outcome;
    }
  }

  // Cuts the power at each write, sync and truncate of one batch in turn (and once after it),
  // each on a fresh database, and checks that what survives is the whole batch or none of it.
  // Returns the outcome of every cut, in order.
  std::vector<std::string> outcomes_of_power_cut_at_each_step(const std::string& journal_mode) {
    int steps = calls_per_batch(journal_mode, Op::kAny);
    EXPECT_GT(steps, 5);
    std::vector<std::string> outcomes;
    for (int nth = 1; nth <= steps + 1; ++nth) {
      SCOPED_TRACE(journal_mode + ", power cut at step " + std::to_string(nth) + " of " + std::to_string(steps));
      std::string path = dir_.file(journal_mode + "-cut-" + std::to_string(nth) + ".db");
      std::unique_ptr<Db> db = prepare(path, vfs_, journal_mode, "FULL", kBaseRows);
      vfs_.cut_power_at(Op::kAny, nth);
      db->exec(kBatch);  // whatever it reports, the machine went off during it
      if (nth <= steps) {
        EXPECT_FALSE(vfs_.power_is_on());
      } else {
        EXPECT_TRUE(vfs_.power_is_on());
        EXPECT_EQ(vfs_.power_cut(), SQLITE_OK);
      }
      vfs_.clear_faults();
      db->close();
      vfs_.power_restored();
      outcomes.push_back(survivor(path));
      EXPECT_TRUE(outcomes.back() == "none" || outcomes.back() == "all") << outcomes.back();
    }
    return outcomes;
  }

  TempDir dir_;
  FaultVfs vfs_{"docket-fault-test"};
};

TEST_F(FaultVfsTest, RegistersUnderItsNameWithoutBecomingTheDefault) {
  sqlite3_vfs* found = sqlite3_vfs_find("docket-fault-test");
  ASSERT_NE(found, nullptr);
  EXPECT_NE(sqlite3_vfs_find(nullptr), found);
  {
    FaultVfs other("docket-fault-other");
    EXPECT_NE(sqlite3_vfs_find("docket-fault-other"), nullptr);
  }
  EXPECT_EQ(sqlite3_vfs_find("docket-fault-other"), nullptr);
}

TEST_F(FaultVfsTest, CountsWritesSyncsAndTruncatesPerFileKind) {
  std::unique_ptr<Db> db = prepare(dir_.file("count.db"), vfs_, "wal");
  vfs_.reset_counts();
  EXPECT_EQ(vfs_.count(Op::kAny), 0);

  ASSERT_EQ(db->exec("INSERT INTO t(v) VALUES ('one')"), SQLITE_OK);
  EXPECT_GE(vfs_.count(Op::kWrite, FileKind::kWal), 2);  // a frame header and its page
  EXPECT_EQ(vfs_.count(Op::kSync, FileKind::kWal), 1);   // synchronous=FULL: once per commit
  EXPECT_EQ(vfs_.count(Op::kWrite, FileKind::kMainDb), 0);
  EXPECT_EQ(vfs_.count(Op::kWrite), vfs_.count(Op::kWrite, FileKind::kWal));

  ASSERT_EQ(db->query("PRAGMA wal_checkpoint(TRUNCATE)"), "0");
  EXPECT_GE(vfs_.count(Op::kWrite, FileKind::kMainDb), 1);
  EXPECT_GE(vfs_.count(Op::kSync, FileKind::kMainDb), 1);
  EXPECT_EQ(vfs_.count(Op::kTruncate, FileKind::kWal), 1);
  EXPECT_EQ(vfs_.count(Op::kAny), vfs_.count(Op::kWrite) + vfs_.count(Op::kSync) + vfs_.count(Op::kTruncate));

  vfs_.reset_counts();
  EXPECT_EQ(vfs_.count(Op::kAny), 0);
}

// The shim's own file-level contract, through the sqlite3_vfs methods themselves.
class FaultVfsFileTest : public FaultVfsTest {
 protected:
  void SetUp() override {
    FaultVfsTest::SetUp();
    vfs = sqlite3_vfs_find(vfs_.name().c_str());
    ASSERT_NE(vfs, nullptr);
    storage.resize(static_cast<std::size_t>(vfs->szOsFile) / sizeof(std::max_align_t) + 1);
    file = reinterpret_cast<sqlite3_file*>(storage.data());
    name = path + '\0';  // SQLite passes double-NUL-terminated names
    int flags = SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    ASSERT_EQ(vfs->xOpen(vfs, name.c_str(), file, flags, nullptr), SQLITE_OK);
  }
  void TearDown() override {
    if (file != nullptr && file->pMethods != nullptr) file->pMethods->xClose(file);
  }

  int write(const std::string& data, sqlite3_int64 offset) {
    return file->pMethods->xWrite(file, data.data(), static_cast<int>(data.size()), offset);
  }
  int sync() { return file->pMethods->xSync(file, SQLITE_SYNC_NORMAL); }
  int truncate(sqlite3_int64 size) { return file->pMethods->xTruncate(file, size); }

  std::string path = dir_.file("raw.bin");
  std::string name;
  sqlite3_vfs* vfs = nullptr;
  std::vector<std::max_align_t> storage;
  sqlite3_file* file = nullptr;
};

TEST_F(FaultVfsFileTest, PowerCutRevertsEveryChangeSinceTheLastSync) {
  const std::string durable = std::string(4096, 'a') + std::string(100, 'z');
  ASSERT_EQ(write(std::string(4096, 'a'), 0), SQLITE_OK);
  ASSERT_EQ(write(std::string(100, 'z'), 4096), SQLITE_OK);
  ASSERT_EQ(sync(), SQLITE_OK);

  ASSERT_EQ(write("bbbb", 0), SQLITE_OK);
  ASSERT_EQ(write("cccc", 4094), SQLITE_OK);  // straddles the old and the new bytes
  ASSERT_EQ(truncate(10), SQLITE_OK);
  ASSERT_EQ(write("dddd", 8192), SQLITE_OK);
  ASSERT_EQ(write(std::string(3000, 'e'), 0), SQLITE_OK);
  ASSERT_NE(file_contents(path), durable);  // the changes did reach the file

  EXPECT_EQ(vfs_.power_cut(), SQLITE_OK);
  EXPECT_FALSE(vfs_.power_is_on());
  EXPECT_EQ(file_contents(path), durable);
}

TEST_F(FaultVfsFileTest, NothingChangesWhileThePowerIsOff) {
  ASSERT_EQ(write("durable", 0), SQLITE_OK);
  ASSERT_EQ(sync(), SQLITE_OK);
  ASSERT_EQ(vfs_.power_cut(), SQLITE_OK);

  EXPECT_EQ(write("lost", 0), SQLITE_OK);
  EXPECT_EQ(write("lost", 100), SQLITE_OK);
  EXPECT_EQ(sync(), SQLITE_OK);
  EXPECT_EQ(truncate(0), SQLITE_OK);
  EXPECT_EQ(vfs->xDelete(vfs, path.c_str(), 0), SQLITE_OK);
  EXPECT_EQ(file_contents(path), "durable");
  EXPECT_EQ(vfs_.count(Op::kWrite), 3);  // ignored calls still count

  vfs_.power_restored();
  EXPECT_EQ(write("restored", 0), SQLITE_OK);
  EXPECT_EQ(file_contents(path), "restored");
}

TEST_F(FaultVfsFileTest, FailAtFailsOnlyTheNthMatchingCallWithoutPerformingIt) {
  vfs_.fail_at(Op::kWrite, 2, SQLITE_IOERR_WRITE);
  vfs_.fail_at(Op::kSync, 1, SQLITE_IOERR_FSYNC, FileKind::kWal);  // not this file's kind
  EXPECT_EQ(write("one", 0), SQLITE_OK);
  EXPECT_EQ(write("two", 0), SQLITE_IOERR_WRITE);
  EXPECT_EQ(file_contents(path), "one");
  EXPECT_EQ(write("six", 0), SQLITE_OK);
  EXPECT_EQ(sync(), SQLITE_OK);
  EXPECT_EQ(file_contents(path), "six");
  EXPECT_EQ(vfs_.faults_fired(), 1);
}

TEST_F(FaultVfsFileTest, FailFromFailsEveryCallFromTheNthOnUntilCleared) {
  vfs_.fail_from(Op::kAny, 2, SQLITE_FULL);
  EXPECT_EQ(write("one", 0), SQLITE_OK);
  EXPECT_EQ(sync(), SQLITE_FULL);
  EXPECT_EQ(write("two", 0), SQLITE_FULL);
  EXPECT_EQ(truncate(1), SQLITE_FULL);
  EXPECT_EQ(file_contents(path), "one");
  EXPECT_EQ(vfs_.faults_fired(), 3);
  vfs_.clear_faults();
  EXPECT_EQ(write("two", 0), SQLITE_OK);
  EXPECT_EQ(file_contents(path), "two");
}

TEST_F(FaultVfsFileTest, CutPowerAtStopsTheMachineBeforeTheNthCall) {
  ASSERT_EQ(write("synced", 0), SQLITE_OK);
  ASSERT_EQ(sync(), SQLITE_OK);
  vfs_.cut_power_at(Op::kSync, 1);
  EXPECT_EQ(write("unsync", 0), SQLITE_OK);
  EXPECT_TRUE(vfs_.power_is_on());
  EXPECT_EQ(sync(), SQLITE_OK);  // never happens: the power goes off first
  EXPECT_FALSE(vfs_.power_is_on());
  EXPECT_EQ(file_contents(path), "synced");
  EXPECT_EQ(vfs_.faults_fired(), 0);
}

TEST_F(FaultVfsTest, WalWithSynchronousFullKeepsEveryCommitAfterAPowerCut) {
  // Without and with frequent checkpoints (which rewrite the WAL from its start).
  for (int autocheckpoint : {1000, 8}) {
    SCOPED_TRACE("wal_autocheckpoint=" + std::to_string(autocheckpoint));
    std::string path = dir_.file("full-" + std::to_string(autocheckpoint) + ".db");
    std::unique_ptr<Db> db = prepare(path, vfs_, "wal", "FULL");
    ASSERT_EQ(db->exec("PRAGMA wal_autocheckpoint=" + std::to_string(autocheckpoint)), SQLITE_OK);
    insert_one_row_per_commit(*db, 1, 50);
    ASSERT_EQ(vfs_.power_cut(), SQLITE_OK);
    db->close();
    vfs_.power_restored();

    Db reopened(path, nullptr);
    ASSERT_TRUE(reopened.ok());
    EXPECT_EQ(reopened.rows(), "50");
    EXPECT_EQ(reopened.integrity(), "ok");
  }
}

// The negative control: if the shim kept unsynced writes, this would keep all 50 rows too.
TEST_F(FaultVfsTest, WalWithSynchronousNormalLosesTheLastCommitsAfterAPowerCut) {
  std::string path = dir_.file("normal.db");
  std::unique_ptr<Db> db = prepare(path, vfs_, "wal", "NORMAL");
  insert_one_row_per_commit(*db, 1, 50);
  EXPECT_EQ(db->rows(), "50");  // committed, as far as the connection knows
  ASSERT_EQ(vfs_.power_cut(), SQLITE_OK);
  db->close();
  vfs_.power_restored();

  Db reopened(path, nullptr);
  ASSERT_TRUE(reopened.ok());
  EXPECT_LT(std::stoi(reopened.rows()), 50);
  EXPECT_EQ(reopened.integrity(), "ok");
}

TEST_F(FaultVfsTest, WalWithSynchronousNormalKeepsWhatACheckpointMadeDurable) {
  std::string path = dir_.file("normal-checkpoint.db");
  std::unique_ptr<Db> db = prepare(path, vfs_, "wal", "NORMAL");
  insert_one_row_per_commit(*db, 1, 25);
  ASSERT_EQ(db->query("PRAGMA wal_checkpoint"), "0");  // syncs the WAL, then the database
  insert_one_row_per_commit(*db, 26, 25);
  ASSERT_EQ(vfs_.power_cut(), SQLITE_OK);
  db->close();
  vfs_.power_restored();

  Db reopened(path, nullptr);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(reopened.rows(), "25");
  EXPECT_EQ(reopened.integrity(), "ok");
}

TEST_F(FaultVfsTest, RollbackJournalWithSynchronousFullKeepsEveryCommitAfterAPowerCut) {
  std::string path = dir_.file("delete-full.db");
  std::unique_ptr<Db> db = prepare(path, vfs_, "delete", "FULL");
  insert_one_row_per_commit(*db, 1, 50);
  ASSERT_EQ(vfs_.power_cut(), SQLITE_OK);
  db->close();
  vfs_.power_restored();

  Db reopened(path, nullptr);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(reopened.rows(), "50");
  EXPECT_EQ(reopened.integrity(), "ok");
}

// The negative control for the rollback journal: synchronous=OFF never syncs.
TEST_F(FaultVfsTest, RollbackJournalWithSynchronousOffLosesCommitsAfterAPowerCut) {
  std::string path = dir_.file("delete-off.db");
  std::unique_ptr<Db> db = prepare(path, vfs_, "delete", "OFF");
  insert_one_row_per_commit(*db, 1, 50);
  ASSERT_EQ(vfs_.power_cut(), SQLITE_OK);
  db->close();
  vfs_.power_restored();

  Db reopened(path, nullptr);
  ASSERT_TRUE(reopened.ok());
  EXPECT_LT(std::stoi(reopened.rows()), 50);
  EXPECT_EQ(reopened.integrity(), "ok");
}

TEST_F(FaultVfsTest, FailingAnyWriteOfAWalTransactionKeepsAllOrNothing) {
  expect_all_or_nothing_when_any_write_fails("wal");
}

TEST_F(FaultVfsTest, FailingAnyWriteOfARollbackJournalTransactionKeepsAllOrNothing) {
  expect_all_or_nothing_when_any_write_fails("delete");
}

TEST_F(FaultVfsTest, PowerCutAtAnyStepOfAWalTransactionKeepsAllOrNothing) {
  // The commit is durable once its final sync (of the WAL) is done, and not a step before.
  std::vector<std::string> outcomes = outcomes_of_power_cut_at_each_step("wal");
  ASSERT_GT(outcomes.size(), 1u);
  std::vector<std::string> expected(outcomes.size() - 1, "none");
  expected.push_back("all");  // the cut after the commit returned
  EXPECT_EQ(outcomes, expected);
}

TEST_F(FaultVfsTest, PowerCutAtAnyStepOfARollbackJournalTransactionKeepsAllOrNothing) {
  // Until the database file is synced the journal, synced first, rolls the batch back.
  std::vector<std::string> outcomes = outcomes_of_power_cut_at_each_step("delete");
  ASSERT_GT(outcomes.size(), 1u);
  std::vector<std::string> expected(outcomes.size() - 1, "none");
  expected.push_back("all");
  EXPECT_EQ(outcomes, expected);
}

TEST_F(FaultVfsTest, FullDiskSurfacesAsSqliteFullAndTheDataSurvivesIt) {
  std::string path = dir_.file("full-disk.db");
  std::unique_ptr<Db> db = prepare(path, vfs_, "wal", "FULL", kBaseRows);
  vfs_.fail_from(Op::kWrite, 1, SQLITE_FULL);
  EXPECT_EQ(db->exec(kBatch), SQLITE_FULL);
  EXPECT_EQ(sqlite3_errcode(db->handle()), SQLITE_FULL);
  EXPECT_GE(vfs_.faults_fired(), 1);
  db->exec("ROLLBACK");

  vfs_.clear_faults();  // space freed: the same transaction now commits
  EXPECT_EQ(db->exec(kBatch), SQLITE_OK) << sqlite3_errmsg(db->handle());
  db->close();
  EXPECT_EQ(survivor(path), "all");
}

TEST_F(FaultVfsTest, FailedSyncSurfacesAsIoErrFsync) {
  std::string path = dir_.file("failed-sync.db");
  std::unique_ptr<Db> db = prepare(path, vfs_, "wal", "FULL", kBaseRows);
  vfs_.fail_at(Op::kSync, 1, SQLITE_IOERR_FSYNC);
  EXPECT_EQ(db->exec(kBatch), SQLITE_IOERR);
  EXPECT_EQ(sqlite3_extended_errcode(db->handle()), SQLITE_IOERR_FSYNC);
  EXPECT_EQ(vfs_.faults_fired(), 1);
  db->exec("ROLLBACK");
  db->close();
  std::string outcome = survivor(path);
  EXPECT_TRUE(outcome == "none" || outcome == "all") << outcome;
}

}  // namespace
}  // namespace docket::testing
