// `docket store copy SRC DST` as an operator runs it: a store kept by
// `docket run` copied into PostgreSQL and back into a new file, after which
// `docket audit verify` reports the same journal, signatures and rules on
// all three; and what it refuses (a missing source, a destination that is
// not new, a journal whose chain is broken), with its messages and exit codes.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "tests/cli/command_harness.h"
#include "tests/support/event_streams.h"
#include "tests/support/postgres_database.h"

namespace docket::cli::testing {
namespace {

using docket::testing::TempDir;
using docket::testing::write_lines;
using ::testing::HasSubstr;
using ::testing::Not;

// The store of the shipped walkthrough, signed (a checkpoint every 10 records).
std::string run_walkthrough(const TempDir& dir) {
  CommandRun keys = run_docket("keys new --out " + dir.file("audit"));
  EXPECT_EQ(keys.exit_code, 0) << keys.err;
  std::string store = dir.file("A.db");
  CommandRun run = run_docket("run rules/after_sales.docket --events examples/after_sales/walkthrough.jsonl --store " +
                              store + " --key " + dir.file("audit.key") + " --checkpoint-every 10 -q");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  return store;
}

std::string shell_quoted(const std::string& location) { return "'" + location + "'"; }

// The last record's hash, read from the file.
std::string last_hash(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT hash FROM journal ORDER BY seq DESC LIMIT 1", -1, &statement, nullptr),
            SQLITE_OK);
  std::string hash;
  if (statement != nullptr && sqlite3_step(statement) == SQLITE_ROW) {
    hash = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return hash;
}

void run_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

// What `docket audit verify` says of a store, without its first line
// ("verified <store>"): the journal's figures, the checkpoints, the rules.
std::vector<std::string> verified(const std::string& location) {
  CommandRun verify = run_docket("audit verify " + shell_quoted(location));
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  std::vector<std::string> lines = lines_of(verify.out);
  EXPECT_FALSE(lines.empty());
  if (!lines.empty()) lines.erase(lines.begin());
  return lines;
}

TEST(StoreCopyCommandTest, SqliteToPostgresqlAndBackVerifiesWithTheSameHeadAndFigures) {
  TempDir dir;
  std::string url = docket::testing::fresh_postgres_database();
  ASSERT_FALSE(url.empty());
  std::string source = run_walkthrough(dir);
  std::string head = last_hash(source);
  ASSERT_EQ(head.size(), 64u);

  CommandRun there = run_docket("store copy " + source + " " + shell_quoted(url));
  ASSERT_EQ(there.exit_code, 0) << there.err;
  EXPECT_EQ(there.err, "");
  EXPECT_EQ(there.out, "copied 73 records (seq 1-73, head " + head.substr(0, 12) +
                           "\u2026), 4 tickets, 1 version, 8 checkpoints, 0 deliveries from " + source + " to " + url +
                           "\n");

  std::string back = dir.file("B.db");
  CommandRun back_again = run_docket("store copy " + shell_quoted(url) + " " + back + " --batch 7");
  ASSERT_EQ(back_again.exit_code, 0) << back_again.err;
  EXPECT_EQ(back_again.out, "copied 73 records (seq 1-73, head " + head.substr(0, 12) +
                                "\u2026), 4 tickets, 1 version, 8 checkpoints, 0 deliveries from " + url + " to " +
                                back + "\n");
  EXPECT_EQ(last_hash(back), head);

  std::vector<std::string> figures = verified(source);
  ASSERT_GE(figures.size(), 3u);
  EXPECT_THAT(figures[0], HasSubstr("journal      73 records, seq 1-73, hash chain intact"));
  EXPECT_THAT(figures[1], HasSubstr("8 signed checkpoints verified"));
  EXPECT_THAT(figures[2], HasSubstr("every record legal under its pinned version (1 version, 4 tickets)"));
  EXPECT_EQ(verified(url), figures);
  EXPECT_EQ(verified(back), figures);

  // The copies verify against the operator's key too, not only their own.
  CommandRun keyed = run_docket("audit verify " + back + " --key " + dir.file("audit.pub"));
  EXPECT_EQ(keyed.exit_code, 0) << keyed.out << keyed.err;
}

TEST(StoreCopyCommandTest, NamesAServerWithoutItsPassword) {
  TempDir dir;
  std::string url = docket::testing::fresh_postgres_database();
  ASSERT_FALSE(url.empty());
  std::string source = run_walkthrough(dir);
  // postgresql:///db?... -> postgresql://docket:s3cret@/db?... (the test server trusts every local user)
  ASSERT_EQ(url.rfind("postgresql:///", 0), 0u) << url;
  std::string with_password = "postgresql://docket:s3cret@/" + url.substr(std::string("postgresql:///").size());
  std::string shown = "postgresql://docket@/" + url.substr(std::string("postgresql:///").size());

  CommandRun copy = run_docket("store copy " + source + " " + shell_quoted(with_password));
  ASSERT_EQ(copy.exit_code, 0) << copy.err;
  EXPECT_THAT(copy.out, HasSubstr(" to " + shown + "\n"));
  EXPECT_THAT(copy.out, Not(HasSubstr("s3cret")));

  CommandRun again = run_docket("store copy " + source + " " + shell_quoted(with_password));
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(again.out, "");
  EXPECT_EQ(again.err, "docket: error: " + shown + ": not empty: a copy goes into a new store\n");
}

TEST(StoreCopyCommandTest, RefusesAMissingSourceAndADestinationThatIsNotNew) {
  TempDir dir;
  std::string source = run_walkthrough(dir);
  std::string missing = dir.file("missing.db");
  std::string destination = dir.file("new.db");

  CommandRun no_source = run_docket("store copy " + missing + " " + destination);
  EXPECT_EQ(no_source.exit_code, 1);
  EXPECT_EQ(no_source.out, "");
  EXPECT_EQ(no_source.err, "docket: error: " + missing + ": no such store\n");
  EXPECT_FALSE(std::filesystem::exists(destination));

  // A file that holds anything is refused before the source is read.
  std::string taken = dir.file("taken.db");
  write_lines(taken, {"not a store"});
  CommandRun not_new = run_docket("store copy " + missing + " " + taken);
  EXPECT_EQ(not_new.exit_code, 1);
  EXPECT_EQ(not_new.err, "docket: error: " + taken + ": not empty: a copy goes into a new store\n");
  EXPECT_EQ(read_text(taken), "not a store\n");

  CommandRun itself = run_docket("store copy " + source + " " + source);
  EXPECT_EQ(itself.exit_code, 1);
  EXPECT_EQ(itself.err, "docket: error: " + source + ": not empty: a copy goes into a new store\n");

  CommandRun folder = run_docket("store copy " + source + " " + dir.path());
  EXPECT_EQ(folder.exit_code, 1);
  EXPECT_EQ(folder.err, "docket: error: " + dir.path() + ": not a file: a copy goes into a new store\n");

  // An empty file is as good as a new path.
  write_lines(destination, {});
  ASSERT_EQ(std::filesystem::file_size(destination), 0u);
  CommandRun into_empty = run_docket("store copy " + source + " " + destination);
  EXPECT_EQ(into_empty.exit_code, 0) << into_empty.err;
  EXPECT_EQ(last_hash(destination), last_hash(source));

  CommandRun usage = run_docket("store copy " + source);
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_EQ(run_docket("store").exit_code, 2);
  EXPECT_EQ(run_docket("store copy " + source + " " + dir.file("x.db") + " --batch 0").exit_code, 2);
}

TEST(StoreCopyCommandTest, RefusesABrokenJournalAndLeavesNoFileBehind) {
  TempDir dir;
  std::string source = run_walkthrough(dir);
  run_sql(source, "UPDATE journal SET body = replace(body, '\"at\":', '\"at\": ') WHERE seq = 12");
  std::string destination = dir.file("copy.db");

  CommandRun copy = run_docket("store copy " + source + " " + destination);
  EXPECT_EQ(copy.exit_code, 1);
  EXPECT_EQ(copy.out, "");
  EXPECT_EQ(copy.err, "docket: error: " + destination +
                          ": cannot copy seq 12: the record's content does not match its hash\n"
                          "docket: nothing was copied to " +
                          destination + "\n");
  EXPECT_FALSE(std::filesystem::exists(destination));
  EXPECT_FALSE(std::filesystem::exists(destination + "-wal"));

  // Into PostgreSQL: the database stays empty, and takes a good copy afterwards.
  std::string url = docket::testing::fresh_postgres_database();
  ASSERT_FALSE(url.empty());
  CommandRun to_server = run_docket("store copy " + source + " " + shell_quoted(url));
  EXPECT_EQ(to_server.exit_code, 1);
  EXPECT_EQ(to_server.err, "docket: error: " + url +
                               ": cannot copy seq 12: the record's content does not match its hash\n"
                               "docket: nothing was copied to " +
                               url + "\n");
  CommandRun empty = run_docket("audit verify " + shell_quoted(url));
  EXPECT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_THAT(empty.out, HasSubstr("journal      0 records, hash chain intact"));

  TempDir again;
  std::string good = run_walkthrough(again);
  CommandRun copied = run_docket("store copy " + good + " " + shell_quoted(url));
  EXPECT_EQ(copied.exit_code, 0) << copied.err;
  EXPECT_EQ(verified(url), verified(good));
}

}  // namespace
}  // namespace docket::cli::testing
