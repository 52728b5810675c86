// The store and audit commands as an operator and an auditor use them:
// `docket run --store` (idempotent re-runs, resuming, group commit),
// `docket versions`, `docket migrate`, `docket audit verify|show|export`, and
// `docket run --key` with the wrong half of a key pair. Store files are
// tampered with through SQLite directly, as anyone with write access to the
// file could.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "tests/cli/command_harness.h"
#include "tests/support/event_streams.h"

namespace docket::cli::testing {
namespace {

using docket::testing::replicate_events;
using docket::testing::TempDir;
using docket::testing::write_lines;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const std::string kRules = "rules/after_sales.docket";  // relative to the source dir, where commands run

std::string walkthrough() { return std::string(DOCKET_SOURCE_DIR) + "/examples/after_sales/walkthrough.jsonl"; }

// ------------------------------------------------------------ SQL on a store file

// Runs `sql` on the file; with `rows`, collects the first column of every
// row as text (NULL as "NULL").
void run_sql(const std::string& path, const std::string& sql, std::vector<std::string>* rows = nullptr) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << path << ": " << (db != nullptr ? sqlite3_errmsg(db) : "cannot open");
    sqlite3_close(db);
    return;
  }
  auto collect = [](void* into, int columns, char** values, char**) {
    if (into != nullptr && columns > 0) {
      static_cast<std::vector<std::string>*>(into)->push_back(values[0] != nullptr ? values[0] : "NULL");
    }
    return 0;
  };
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), collect, rows, &error) != SQLITE_OK) {
    ADD_FAILURE() << path << ": " << sql << ": " << (error != nullptr ? error : "?");
  }
  sqlite3_free(error);
  sqlite3_close(db);
}

std::vector<std::string> sql_column(const std::string& path, const std::string& sql) {
  std::vector<std::string> rows;
  run_sql(path, sql, &rows);
  return rows;
}

std::vector<std::string> journal_bodies(const std::string& path) {
  return sql_column(path, "SELECT body FROM journal ORDER BY seq");
}

std::size_t row_count(const std::string& path, const std::string& table) {
  std::vector<std::string> count = sql_column(path, "SELECT count(*) FROM " + table);
  return count.size() == 1 ? std::stoul(count[0]) : 0;
}

// "id|version|state" of every ticket, by id.
std::vector<std::string> ticket_rows(const std::string& path) {
  return sql_column(path, "SELECT id || '|' || version || '|' || state FROM tickets ORDER BY id");
}

// ------------------------------------------------------------ the fixture

class StoreFixture : public ::testing::Test {
 protected:
  std::string file(const std::string& name) const { return dir_.file(name); }

  // The walkthrough's events for `copies` groups of tickets, written to
  // `name`; returns the path.
  std::string events(const std::string& name, std::size_t copies, std::int64_t spacing_seconds = 86400) {
    lines_ = replicate_events(walkthrough(), copies, spacing_seconds);
    EXPECT_FALSE(lines_.empty());
    return write_events(name, lines_);
  }

  std::string write_events(const std::string& name, const std::vector<std::string>& lines) {
    write_lines(file(name), lines);
    return file(name);
  }

  static CommandRun run_into(const std::string& store, const std::string& events_path, const std::string& options = "",
                             const std::string& rules = kRules) {
    return run_docket("run " + rules + " --events " + events_path + " --store " + store + " --quiet " + options);
  }

  // `docket keys new --out DIR/name`; returns the prefix.
  std::string key_pair(const std::string& name) {
    std::string prefix = file(name);
    CommandRun made = run_docket("keys new --out " + prefix);
    EXPECT_EQ(made.exit_code, 0) << made.err;
    return prefix;
  }

  static std::string key_id(const std::string& prefix) {
    CommandRun id = run_docket("keys id " + prefix + ".pub");
    EXPECT_EQ(id.exit_code, 0) << id.err;
    std::string text = id.out;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  }

  // Two copies of the walkthrough (8 tickets) run into a store signed by a
  // fresh key every 10 records. Sets store_, key_ and records_. (--sync
  // normal only saves the test time: the journal is the same, see
  // StoreCommandsRun.BatchAndSyncNormalWriteTheSameJournal.)
  void make_signed_store() {
    key_ = key_pair("audit");
    store_ = file("signed.db");
    CommandRun run =
        run_into(store_, events("signed.jsonl", 2), "--key " + key_ + ".key --checkpoint-every 10 --sync normal");
    ASSERT_EQ(run.exit_code, 0) << run.err;
    records_ = row_count(store_, "journal");
    ASSERT_GT(records_, 100u);
    // Every tenth record, and the last one when the run ended (a clean close
    // signs the whole journal).
    checkpoints_ = (records_ + 9) / 10;
    ASSERT_NE(records_ % 10, 0u) << "the last record should not fall on the interval";
    ASSERT_EQ(row_count(store_, "checkpoints"), checkpoints_);
  }

  // `docket audit verify SOURCE OPTIONS`.
  static CommandRun verify(const std::string& source, const std::string& options = "") {
    return run_docket("audit verify " + source + " " + options);
  }

  TempDir dir_;
  std::vector<std::string> lines_;
  std::string store_;
  std::string key_;
  std::size_t records_ = 0;
  std::size_t checkpoints_ = 0;
};

// The versions of `store`, oldest first, from `docket versions --format json`.
nlohmann::json versions_json(const std::string& store) {
  CommandRun listed = run_docket("versions " + store + " --format json");
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  nlohmann::json parsed = nlohmann::json::parse(listed.out, nullptr, false);
  EXPECT_TRUE(parsed.is_array()) << listed.out;
  return parsed;
}

// ============================================================ docket run --store

class StoreCommandsRun : public StoreFixture {};

TEST_F(StoreCommandsRun, SecondRunWithTheSameIdempotencyKeysAppliesNothing) {
  std::string events_path = events("twice.jsonl", 2);
  std::string store = file("twice.db");
  std::string n = std::to_string(lines_.size());

  CommandRun first = run_into(store, events_path);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("events        " + n + " from " + events_path + " ("));
  EXPECT_THAT(first.out, HasSubstr(", 0 duplicates)\n"));
  std::size_t records = row_count(store, "journal");
  ASSERT_GT(records, 0u);
  EXPECT_THAT(first.out, HasSubstr("journal       " + std::to_string(records) + " records (seq 1-" +
                                   std::to_string(records) + ")\n"));
  std::vector<std::string> bodies = journal_bodies(store);
  std::vector<std::string> tickets = ticket_rows(store);
  CommandRun versions_before = run_docket("versions " + store);
  ASSERT_EQ(versions_before.exit_code, 0) << versions_before.err;

  CommandRun second = run_into(store, events_path);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.err, "");
  EXPECT_THAT(second.out, HasSubstr("events        " + n + " from " + events_path + " (0 accepted, 0 rejected, " + n +
                                    " duplicates)\n"));
  EXPECT_THAT(second.out, HasSubstr("journal       0 records\n"));
  EXPECT_THAT(second.out, HasSubstr("tickets       8\n"));
  EXPECT_EQ(journal_bodies(store), bodies);
  EXPECT_EQ(ticket_rows(store), tickets);
  EXPECT_EQ(run_docket("versions " + store).out, versions_before.out);
}

TEST_F(StoreCommandsRun, ContinuingAStoppedRunGivesTheJournalOfOneRun) {
  std::string full = events("full.jsonl", 2);
  std::string whole = file("whole.db");
  ASSERT_EQ(run_into(whole, full).exit_code, 0);
  std::vector<std::string> expected = journal_bodies(whole);
  ASSERT_FALSE(expected.empty());

  // Stopped at a line boundary: the first run ends cleanly.
  std::size_t half = lines_.size() / 2;
  std::string head = write_events("head.jsonl", std::vector<std::string>(lines_.begin(), lines_.begin() + half));
  std::string resumed = file("resumed.db");
  CommandRun first = run_into(resumed, head);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  CommandRun rest = run_into(resumed, full);
  ASSERT_EQ(rest.exit_code, 0) << rest.err;
  EXPECT_THAT(rest.out, HasSubstr(" " + std::to_string(half) + " duplicates)\n"));
  EXPECT_EQ(journal_bodies(resumed), expected);

  // Stopped inside a line (a file cut off while it was copied): the run
  // stops there with exit 1, naming the line, and the rest follows later.
  std::string text = read_text(full);
  std::size_t cut = text.find('\n', text.size() / 3) + 40;
  std::string torn = file("torn.jsonl");
  std::ofstream(torn, std::ios::binary) << text.substr(0, cut);
  std::size_t complete_lines = static_cast<std::size_t>(std::count(text.begin(), text.begin() + cut, '\n'));
  std::string interrupted = file("interrupted.db");
  CommandRun stopped = run_into(interrupted, torn);
  EXPECT_EQ(stopped.exit_code, 1);
  EXPECT_THAT(stopped.err, HasSubstr(torn + ":" + std::to_string(complete_lines + 1) + ":"));
  EXPECT_THAT(stopped.err, HasSubstr("docket: stopped: " + std::to_string(complete_lines) +
                                     " events before this line were applied; nothing from this line on was applied"));
  CommandRun continued = run_into(interrupted, full);
  ASSERT_EQ(continued.exit_code, 0) << continued.err;
  EXPECT_THAT(continued.out, HasSubstr(" " + std::to_string(complete_lines) + " duplicates)\n"));
  EXPECT_EQ(journal_bodies(interrupted), expected);
}

TEST_F(StoreCommandsRun, BatchAndSyncNormalWriteTheSameJournal) {
  std::string events_path = events("modes.jsonl", 2);
  std::string plain = file("plain.db");
  ASSERT_EQ(run_into(plain, events_path).exit_code, 0);
  std::vector<std::string> expected = journal_bodies(plain);
  ASSERT_FALSE(expected.empty());

  int mode = 0;
  for (const std::string& options :
       {std::string("--batch 50"), std::string("--sync normal"), std::string("--batch 50 --sync normal")}) {
    std::string store = file("mode" + std::to_string(++mode) + ".db");
    CommandRun run = run_into(store, events_path, options);
    ASSERT_EQ(run.exit_code, 0) << options << ": " << run.err;
    EXPECT_EQ(journal_bodies(store), expected) << options;
    EXPECT_EQ(sql_column(store, "SELECT hash FROM journal ORDER BY seq"),
              sql_column(plain, "SELECT hash FROM journal ORDER BY seq"))
        << options;
  }
}

// ============================================================ docket versions

// Store options without a store would be silently ignored: refused instead.
TEST_F(StoreCommandsRun, StoreOptionsWithoutAStoreAreAUsageError) {
  std::string events_path = events("plain.jsonl", 1);
  for (const std::string option : {"--batch 5", "--sync normal", "--checkpoint-every 3"}) {
    CommandRun r = run_docket("run " + std::string(kRules) + " --events " + events_path + " --quiet " + option);
    EXPECT_EQ(r.exit_code, 2) << option;
    EXPECT_THAT(r.err, HasSubstr("works only with --store")) << option;
  }
}

// Someone else's SQLite database is never turned into a store.
TEST_F(StoreCommandsRun, AnotherApplicationsDatabaseIsRefused) {
  std::string foreign = file("foreign.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(foreign.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE orders(id INTEGER PRIMARY KEY, amount REAL)", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  CommandRun r = run_into(foreign, events("foreign.jsonl", 1));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "docket: error: " + foreign + ": not a docket store (it has other tables)\n");
  EXPECT_EQ(sql_column(foreign, "SELECT count(*) FROM sqlite_master"), std::vector<std::string>{"1"});
}

class StoreCommandsVersions : public StoreFixture {};

TEST_F(StoreCommandsVersions, ListsEveryVersionWithItsTicketsAndTicketsKeepTheirs) {
  // Copy 0 starts 2026-11-23 under the shipped rules; copy 1 starts a week
  // later under a copy with P0's resolve limit changed.
  std::vector<std::string> all = replicate_events(walkthrough(), 2, 7 * 86400);
  std::vector<std::string> week_one;
  std::vector<std::string> week_two;
  for (const std::string& line : all) {
    std::string ticket = nlohmann::json::parse(line)["ticket"];
    (ticket.ends_with("-0") ? week_one : week_two).push_back(line);
  }
  ASSERT_EQ(week_one.size(), week_two.size());
  std::string store = file("versions.db");
  ASSERT_EQ(run_into(store, write_events("week1.jsonl", week_one)).exit_code, 0);

  CommandRun one = run_docket("versions " + store);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  nlohmann::json listed = versions_json(store);
  ASSERT_EQ(listed.size(), 1u);
  std::string first_id = listed[0]["id"];
  ASSERT_EQ(first_id.size(), 64u);
  EXPECT_EQ(listed[0]["workflow"], "after_sales");
  EXPECT_EQ(listed[0]["declared"], "1.0");
  EXPECT_EQ(listed[0]["added_at"], "2026-11-23T01:00:00Z");
  EXPECT_EQ(listed[0]["tickets"], 4);
  EXPECT_EQ(listed[0]["files"], 1);
  const std::string header = "VERSION       WORKFLOW            DECLARED  ADDED                 TICKETS  FILES";
  EXPECT_THAT(
      lines_of(one.out),
      ElementsAre(header, first_id.substr(0, 12) +
                              "  after_sales         1.0       2026-11-23T01:00:00Z  4        after_sales.docket"));

  std::string rules_text = read_text(std::string(DOCKET_SOURCE_DIR) + "/" + kRules);
  std::size_t limit = rules_text.find("  resolve 4h\n");
  ASSERT_NE(limit, std::string::npos);
  rules_text.replace(limit, 13, "  resolve 5h\n");
  std::filesystem::create_directories(file("v2"));
  std::string changed_rules = file("v2/after_sales.docket");
  std::ofstream(changed_rules, std::ios::binary) << rules_text;
  CommandRun week = run_into(store, write_events("week2.jsonl", week_two), "", changed_rules);
  ASSERT_EQ(week.exit_code, 0) << week.err;

  listed = versions_json(store);
  ASSERT_EQ(listed.size(), 2u) << listed.dump();
  EXPECT_EQ(listed[0]["id"], first_id);
  EXPECT_EQ(listed[0]["tickets"], 4);
  std::string second_id = listed[1]["id"];
  EXPECT_NE(second_id, first_id);
  EXPECT_EQ(listed[1]["added_at"], "2026-11-30T01:00:00Z");
  EXPECT_EQ(listed[1]["tickets"], 4);
  CommandRun two = run_docket("versions " + store);
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_THAT(lines_of(two.out),
              ElementsAre(header,
                          first_id.substr(0, 12) +
                              "  after_sales         1.0       2026-11-23T01:00:00Z  4        after_sales.docket",
                          second_id.substr(0, 12) +
                              "  after_sales         1.0       2026-11-30T01:00:00Z  4        after_sales.docket"));

  // Each ticket stays on the version it started on, in the tickets table
  // and in every journal record it has.
  for (const std::string& row : ticket_rows(store)) {
    std::string id = row.substr(0, row.find('|'));
    std::string expected_version = id.ends_with("-0") ? first_id : second_id;
    EXPECT_THAT(row, HasSubstr("|" + expected_version + "|")) << row;
    for (const std::string& body :
         sql_column(store, "SELECT body FROM journal WHERE ticket = '" + id + "' ORDER BY seq")) {
      EXPECT_EQ(nlohmann::json::parse(body)["version"], expected_version) << body;
    }
  }
  CommandRun verified = verify(store);
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_THAT(verified.out, HasSubstr("every record legal under its pinned version (2 versions, 8 tickets)"));
}

// A store holding one version of the shipped rules, declared as
// `declared_literal` (the string as written in the rule file, quotes and all).
class StoreCommandsVersionsDeclared : public StoreFixture {
 protected:
  std::string store_declaring(const std::string& name, const std::string& declared_literal) {
    std::string rules_text = read_text(std::string(DOCKET_SOURCE_DIR) + "/" + kRules);
    const std::string shipped = R"(version "1.0")";
    std::size_t at = rules_text.find(shipped);
    EXPECT_NE(at, std::string::npos);
    if (at == std::string::npos) return {};
    rules_text.replace(at, shipped.size(), "version " + declared_literal);
    std::filesystem::create_directories(file(name));
    std::string rules = file(name + "/after_sales.docket");
    std::ofstream(rules, std::ios::binary) << rules_text;
    std::string store = file(name + ".db");
    CommandRun run = run_into(store, events(name + ".jsonl", 1), "", rules);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return store;
  }
};

// The grammar takes any string as the declared version, quotes included:
// the JSON listing must stay JSON for the tools that read it.
TEST_F(StoreCommandsVersionsDeclared, JsonListingEscapesAQuoteInTheDeclaredVersion) {
  std::string store = store_declaring("quoted", R"("a\"b")");
  CommandRun listed = run_docket("versions " + store + " --format json");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  nlohmann::json parsed = nlohmann::json::parse(listed.out, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << "not JSON: " << listed.out;
  ASSERT_EQ(parsed.size(), 1u) << listed.out;
  EXPECT_EQ(parsed[0]["declared"], "a\"b");
  EXPECT_EQ(parsed[0]["workflow"], "after_sales");
}

// A version declared in Chinese takes two terminal columns a character: the
// columns after it stay under their headings.
TEST_F(StoreCommandsVersionsDeclared, TextListingAlignsAChineseDeclaredVersion) {
  std::string store = store_declaring("chinese", R"("第一版")");
  CommandRun listed = run_docket("versions " + store);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  std::vector<std::string> rows = lines_of(listed.out);
  ASSERT_EQ(rows.size(), 2u) << listed.out;
  EXPECT_EQ(rows[0], "VERSION       WORKFLOW            DECLARED  ADDED                 TICKETS  FILES");
  ASSERT_GE(rows[1].size(), 12u);
  EXPECT_EQ(rows[1].substr(12), "  after_sales         第一版    2026-11-23T01:00:00Z  4        after_sales.docket");
}

TEST_F(StoreCommandsVersions, MissingStoreIsNamed) {
  std::string missing = file("nowhere.db");
  CommandRun r = run_docket("versions " + missing);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "docket: error: " + missing + ": no such store\n");
  EXPECT_FALSE(std::filesystem::exists(missing));
}

// ============================================================ docket audit verify

class StoreCommandsAuditVerify : public StoreFixture {};

TEST_F(StoreCommandsAuditVerify, CleanSignedStoreIsVerified) {
  ASSERT_NO_FATAL_FAILURE(make_signed_store());
  std::string n = std::to_string(records_);
  std::string id = key_id(key_);
  CommandRun r = verify(store_, "--key " + key_ + ".pub");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, "verified " + store_ + "\n" +                                                   //
                       "  journal      " + n + " records, seq 1-" + n + ", hash chain intact\n" +  //
                       "  checkpoints  " + std::to_string(checkpoints_) + " signed checkpoints verified (key " + id +
                       ")\n" +  //
                       "  rules        every record legal under its pinned version (1 version, 8 tickets)\n");

  // Without --key the store's own key is used, and the auditor is told so.
  CommandRun own = verify(store_);
  EXPECT_EQ(own.exit_code, 0) << own.err;
  EXPECT_THAT(own.out, HasSubstr("(key " + id + "); with the source's own public key: pass --key for one you trust"));
}

TEST_F(StoreCommandsAuditVerify, KeyOfAnotherPairIsAnUnknownKeyId) {
  ASSERT_NO_FATAL_FAILURE(make_signed_store());
  std::string other = key_pair("other");
  CommandRun r = verify(store_, "--key " + other + ".pub");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out,
            store_ + ": seq 10: signature: the journal's checkpoint: checkpoint at seq 10: signed by unknown key id " +
                key_id(key_) + "\n");
}

TEST_F(StoreCommandsAuditVerify, EditedBodyIsAlteredAtItsSeq) {
  ASSERT_NO_FATAL_FAILURE(make_signed_store());
  run_sql(store_, "UPDATE journal SET body = replace(body, '\"at\":\"2026', '\"at\":\"2027') WHERE seq = 25");
  CommandRun r = verify(store_, "--key " + key_ + ".pub");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, store_ + ": seq 25: altered: the record's content does not match its hash\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(StoreCommandsAuditVerify, DeletedRowIsMissing) {
  ASSERT_NO_FATAL_FAILURE(make_signed_store());
  run_sql(store_, "DELETE FROM journal WHERE seq = 30");
  CommandRun r = verify(store_, "--key " + key_ + ".pub");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, store_ + ": seq 30: missing: seq 30 is not in the journal\n");
}

TEST_F(StoreCommandsAuditVerify, JsonFormatHasTheFigures) {
  ASSERT_NO_FATAL_FAILURE(make_signed_store());
  CommandRun clean = verify(store_, "--key " + key_ + ".pub --format json");
  EXPECT_EQ(clean.exit_code, 0) << clean.err;
  nlohmann::json report = nlohmann::json::parse(clean.out, nullptr, false);
  ASSERT_TRUE(report.is_object()) << clean.out;
  EXPECT_EQ(report["ok"], true);
  EXPECT_EQ(report["records"], records_);
  EXPECT_EQ(report["last_seq"], records_);
  EXPECT_EQ(report["checkpoints"], checkpoints_);
  EXPECT_EQ(report["checkpoints_verified"], checkpoints_);
  EXPECT_EQ(report["signed_through"], records_);
  EXPECT_EQ(report["tickets"], 8);
  EXPECT_EQ(report["rules_checked"], true);
  EXPECT_TRUE(report["finding"].is_null());
  EXPECT_EQ(clean.out.back(), '\n');
  EXPECT_EQ(std::count(clean.out.begin(), clean.out.end(), '\n'), 1);

  run_sql(store_, "UPDATE journal SET body = replace(body, '\"at\":\"2026', '\"at\":\"2027') WHERE seq = 42");
  CommandRun altered = verify(store_, "--key " + key_ + ".pub --format json");
  EXPECT_EQ(altered.exit_code, 1);
  report = nlohmann::json::parse(altered.out, nullptr, false);
  ASSERT_TRUE(report.is_object()) << altered.out;
  EXPECT_EQ(report["ok"], false);
  ASSERT_TRUE(report["finding"].is_object()) << altered.out;
  EXPECT_EQ(report["finding"]["seq"], 42);
  EXPECT_EQ(report["finding"]["problem"], "altered");
  EXPECT_EQ(report["finding"]["detail"], "the record's content does not match its hash");
}

TEST_F(StoreCommandsAuditVerify, NoRulesSkipsTheRulesButNotTheChain) {
  ASSERT_NO_FATAL_FAILURE(make_signed_store());
  // Stored rule sources edited: the rules check refuses them; --no-rules
  // still checks chain and signatures.
  run_sql(store_, "UPDATE version_sources SET text = replace(text, 'resolve 4h', 'resolve 9h')");
  CommandRun with_rules = verify(store_, "--key " + key_ + ".pub");
  EXPECT_EQ(with_rules.exit_code, 1);
  EXPECT_THAT(with_rules.err, StartsWith("docket: error: " + store_ + ": the sources of version "));
  EXPECT_THAT(with_rules.err, HasSubstr(" were altered (they compile to "));

  CommandRun skipped = verify(store_, "--key " + key_ + ".pub --no-rules");
  EXPECT_EQ(skipped.exit_code, 0) << skipped.err;
  EXPECT_THAT(skipped.out, HasSubstr("hash chain intact\n"));
  EXPECT_THAT(skipped.out, HasSubstr("  rules        not checked (--no-rules)\n"));
  CommandRun json = verify(store_, "--key " + key_ + ".pub --no-rules --format json");
  EXPECT_EQ(json.exit_code, 0);
  EXPECT_THAT(json.out, HasSubstr("\"rules_checked\":false"));

  run_sql(store_, "DELETE FROM journal WHERE seq = 7");
  CommandRun missing = verify(store_, "--key " + key_ + ".pub --no-rules");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.out, store_ + ": seq 7: missing: seq 7 is not in the journal\n");
}

TEST_F(StoreCommandsAuditVerify, HeldCheckpointCatchesACleanlyTruncatedJournal) {
  ASSERT_NO_FATAL_FAILURE(make_signed_store());
  std::string bundle = file("bundle");
  ASSERT_EQ(run_docket("audit export " + store_ + " --out " + bundle).exit_code, 0);
  std::string held = file("held.jsonl");
  std::filesystem::copy_file(bundle + "/checkpoints.jsonl", held);

  // Journal and checkpoints cut after seq 100: the chain that is left is
  // intact and its own checkpoints agree.
  run_sql(store_, "DELETE FROM journal WHERE seq > 100; DELETE FROM checkpoints WHERE seq > 100");
  CommandRun alone = verify(store_, "--key " + key_ + ".pub");
  EXPECT_EQ(alone.exit_code, 0) << alone.out;

  CommandRun r = verify(store_, "--key " + key_ + ".pub --checkpoint " + held);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out,
            store_ + ": seq 101: truncated: the journal ends at seq 100, but a signed checkpoint covers seq 110\n");
}

// Whoever deletes every checkpoint can rebuild the chain at will: an auditor
// who names the key to trust gets a finding, not "verified" with a note.
TEST_F(StoreCommandsAuditVerify, AStoreWithoutCheckpointsIsUnsignedForAnAuditorWithAKey) {
  ASSERT_NO_FATAL_FAILURE(make_signed_store());
  // Without the checkpoint of the clean close, the last records are the
  // chain's word alone: verified, and named.
  std::size_t interval_end = records_ / 10 * 10;
  run_sql(store_, "DELETE FROM checkpoints WHERE seq > " + std::to_string(interval_end));
  CommandRun tail = verify(store_, "--key " + key_ + ".pub");
  EXPECT_EQ(tail.exit_code, 0) << tail.out << tail.err;
  EXPECT_THAT(tail.out, HasSubstr("note: seq " + std::to_string(interval_end + 1) + "-" + std::to_string(records_) +
                                  " come after the last signed checkpoint: only the hash chain vouches for them\n"));

  run_sql(store_, "DELETE FROM checkpoints");
  CommandRun r = verify(store_, "--key " + key_ + ".pub");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.out, store_ +
                       ": seq 1: unsigned: no checkpoint signed by a trusted key covers the journal: a chain rebuilt "
                       "whole, its checkpoints deleted, would look the same\n");

  // Trusting nothing in particular, the chain alone is verified, with a note.
  CommandRun own = verify(store_);
  EXPECT_EQ(own.exit_code, 0) << own.out << own.err;
  EXPECT_THAT(own.out, HasSubstr("note: no signed checkpoint"));
}

TEST_F(StoreCommandsAuditVerify, NonexistentPathIsNamed) {
  std::string missing = file("missing.db");
  CommandRun r = verify(missing);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "docket: error: " + missing + ": no such store\n");
  EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST_F(StoreCommandsAuditVerify, DirectoryThatIsNotABundleIsNamed) {
  std::string directory = file("not_a_bundle");
  std::filesystem::create_directories(directory);
  std::ofstream(directory + "/notes.txt") << "hello\n";
  CommandRun r = verify(directory);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "docket: error: " + directory + ": no journal.jsonl or journal.csv\n");
}

TEST_F(StoreCommandsAuditVerify, FileThatIsNotAStoreIsNamed) {
  std::string text = write_events("not_a_store.jsonl", {"{}"});
  CommandRun r = verify(text);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, StartsWith("docket: error: " + text + ": "));
  EXPECT_THAT(r.err, HasSubstr("not a database"));
}

// ============================================================ docket audit export

class StoreCommandsAuditExport : public StoreFixture {};

TEST_F(StoreCommandsAuditExport, JsonlAndCsvBundlesVerifyWithThePublicKeyAlone) {
  ASSERT_NO_FATAL_FAILURE(make_signed_store());
  std::string n = std::to_string(records_);
  std::string id = key_id(key_);
  for (const std::string format : {"jsonl", "csv"}) {
    std::string bundle = file("bundle_" + format);
    CommandRun exported = run_docket("audit export " + store_ + " --out " + bundle + " --format " + format);
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    EXPECT_EQ(exported.out, "exported " + n + " records, " + std::to_string(checkpoints_) +
                                " checkpoints, 1 versions and 1 public keys to " + bundle + "\n");
    EXPECT_TRUE(std::filesystem::is_regular_file(bundle + "/journal." + format));
    EXPECT_TRUE(std::filesystem::is_regular_file(bundle + "/checkpoints.jsonl"));
    EXPECT_TRUE(std::filesystem::is_regular_file(bundle + "/versions.jsonl"));
    EXPECT_TRUE(std::filesystem::is_regular_file(bundle + "/keys/" + id + ".pub"));

    CommandRun verified = verify(bundle, "--key " + key_ + ".pub");
    EXPECT_EQ(verified.exit_code, 0) << format << ": " << verified.out << verified.err;
    EXPECT_THAT(
        lines_of(verified.out),
        ElementsAre("verified " + bundle, "  journal      " + n + " records, seq 1-" + n + ", hash chain intact",
                    "  checkpoints  " + std::to_string(checkpoints_) + " signed checkpoints verified (key " + id + ")",
                    "  rules        every record legal under its pinned version (1 version, 8 tickets)"));
  }
}

TEST_F(StoreCommandsAuditExport, NonEmptyDirectoryIsRefused) {
  ASSERT_NO_FATAL_FAILURE(make_signed_store());
  std::string bundle = file("occupied");
  std::filesystem::create_directories(bundle);
  std::ofstream(bundle + "/journal.jsonl") << "keep me\n";
  CommandRun r = run_docket("audit export " + store_ + " --out " + bundle);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "docket: error: " + bundle + ": exists and is not empty\n");
  EXPECT_EQ(read_text(bundle + "/journal.jsonl"), "keep me\n");
  EXPECT_FALSE(std::filesystem::exists(bundle + "/checkpoints.jsonl"));
}

TEST_F(StoreCommandsAuditExport, EditedLineOfTheBundleIsAlteredAtItsSeq) {
  ASSERT_NO_FATAL_FAILURE(make_signed_store());
  std::string bundle = file("edited");
  ASSERT_EQ(run_docket("audit export " + store_ + " --out " + bundle).exit_code, 0);
  std::vector<std::string> lines = lines_of(read_text(bundle + "/journal.jsonl"));
  ASSERT_EQ(lines.size(), records_);
  std::string& line = lines[41];  // seq 42
  ASSERT_THAT(line, StartsWith("{\"seq\":42,\"at\":\"2026-"));
  line[std::string("{\"seq\":42,\"at\":\"202").size()] = '7';  // 2026 -> 2027
  write_lines(bundle + "/journal.jsonl", lines);

  CommandRun r = verify(bundle, "--key " + key_ + ".pub");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, bundle + ": seq 42: altered: the record's content does not match its hash\n");
}

// The spreadsheet columns are a view of the body: editing one is caught too.
TEST_F(StoreCommandsAuditExport, EditedColumnOfACsvBundleIsAlteredAtItsSeq) {
  ASSERT_NO_FATAL_FAILURE(make_signed_store());
  std::string bundle = file("edited_csv");
  ASSERT_EQ(run_docket("audit export " + store_ + " --out " + bundle + " --format csv").exit_code, 0);
  std::vector<std::string> lines = lines_of(read_text(bundle + "/journal.csv"));
  ASSERT_EQ(lines.size(), records_ + 1);  // the header
  std::string& line = lines[42];          // seq 42
  std::size_t ticket = line.find(",T-1001-");
  ASSERT_NE(ticket, std::string::npos) << line;
  line[ticket + 3] = '2';  // T-1001-x -> T-2001-x
  write_lines(bundle + "/journal.csv", lines);

  CommandRun r = verify(bundle, "--key " + key_ + ".pub");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, StartsWith(bundle + ": seq 42: altered: the CSV column `ticket` says \"T-2001-"));
}

// ============================================================ docket audit show

class StoreCommandsAuditShow : public StoreFixture {};

TEST_F(StoreCommandsAuditShow, TicketTimelineWithRuleLinesTimeInStatesAndSla) {
  std::string store = file("show.db");
  ASSERT_EQ(run_into(store, events("show.jsonl", 1)).exit_code, 0);
  std::string version = versions_json(store)[0]["id"];

  CommandRun r = run_docket("audit show " + store + " T-1001-0");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<std::string> lines = lines_of(r.out);
  ASSERT_GT(lines.size(), 20u) << r.out;
  EXPECT_EQ(lines[0], "ticket T-1001-0  workflow after_sales  version " + version.substr(0, 12));
  EXPECT_THAT(lines[1], StartsWith("  +0m       2026-11-23 01:00:00Z #1 T-1001-0 new -> received on create by zhang"));
  EXPECT_EQ(lines[2], "             | initial state received \"已接收\" {");

  // Every record of the ticket and no other's; each followed by its rule's
  // source line when it has a rule.
  std::size_t records = row_count(store, "journal WHERE ticket = 'T-1001-0'");
  std::size_t shown = 0;
  for (const std::string& line : lines) {
    if (line.starts_with("  +")) {
      ++shown;
      EXPECT_THAT(line, HasSubstr(" T-1001-0 ")) << line;
    }
  }
  EXPECT_EQ(shown, records);
  auto obstacle = std::find_if(lines.begin(), lines.end(), [](const std::string& line) {
    return line.find("executing -> obstacle on obstacle_found") != std::string::npos;
  });
  ASSERT_NE(obstacle, lines.end()) << r.out;
  EXPECT_THAT(*obstacle, StartsWith("  +1h50m    2026-11-23 02:50:00Z #"));
  ASSERT_NE(obstacle + 1, lines.end());
  EXPECT_EQ(*(obstacle + 1),
            "             | on obstacle_found -> obstacle do set stage = procuring_parts, notify customer "
            "\"obstacle_notice\"");

  auto sections = std::find(lines.begin(), lines.end(), "time in states");
  ASSERT_NE(sections, lines.end()) << r.out;
  EXPECT_EQ(std::vector<std::string>(sections, lines.end()),
            (std::vector<std::string>{"time in states",                                         //
                                      "  received                 0m",                          //
                                      "  registering              10m",                         //
                                      "  classifying              15m",                         //
                                      "  dispatched               15m",                         //
                                      "  proposing                20m",                         //
                                      "  approving                15m",                         //
                                      "  executing                2h15m",                       //
                                      "  obstacle                 1d10m",                       //
                                      "  awaiting_confirmation    1h20m",                       //
                                      "  follow_up                1d1h",                        //
                                      "  closed                   since 2026-11-25T07:00:00Z",  //
                                      "SLA",                                                    //
                                      "  first_response           stopped",                     //
                                      "  resolve                  stopped"}))
      << r.out;
}

TEST_F(StoreCommandsAuditShow, OpenTicketShowsItsRunningClocks) {
  // The first 12 events: T-1002-0 (P1, created 01:30Z) was accepted after
  // its 4h first response limit and is still being worked on; its resolve
  // clock (24h) reaches 50% at 13:30Z.
  std::vector<std::string> all = replicate_events(walkthrough(), 1, 0);
  ASSERT_GT(all.size(), 12u);
  std::string store = file("open.db");
  ASSERT_EQ(
      run_into(store, write_events("open.jsonl", std::vector<std::string>(all.begin(), all.begin() + 12))).exit_code,
      0);
  CommandRun r = run_docket("audit show " + store + " T-1002-0");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = lines_of(r.out);
  auto sla = std::find(lines.begin(), lines.end(), "SLA");
  ASSERT_NE(sla, lines.end()) << r.out;
  EXPECT_THAT(std::vector<std::string>(sla, lines.end()),
              ElementsAre("SLA", "  first_response           stopped, breached",
                          "  resolve                  running, next threshold due 2026-11-23T13:30:00Z"));
  EXPECT_THAT(r.out, HasSubstr("\n  proposing                since 2026-11-23T06:00:00Z\n"));
}

TEST_F(StoreCommandsAuditShow, UnknownTicketIsAnError) {
  std::string store = file("show.db");
  ASSERT_EQ(run_into(store, events("show.jsonl", 1)).exit_code, 0);
  CommandRun r = run_docket("audit show " + store + " T-9999-0");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "docket: error: " + store + ": no ticket `T-9999-0` in the journal\n");
}

// ============================================================ docket migrate

// A store after the first 12 walkthrough events (T-1001-0 in `obstacle`,
// T-1002-0 in `proposing`) and a copy of the rules with `obstacle` renamed
// to `blocked`.
class StoreCommandsMigrate : public StoreFixture {
 protected:
  void SetUp() override {
    std::vector<std::string> all = replicate_events(walkthrough(), 1, 0);
    ASSERT_GT(all.size(), 12u);
    store_ = file("migrate.db");
    CommandRun run =
        run_into(store_, write_events("first12.jsonl", std::vector<std::string>(all.begin(), all.begin() + 12)));
    ASSERT_EQ(run.exit_code, 0) << run.err;
    ASSERT_THAT(ticket_rows(store_), ElementsAre(HasSubstr("T-1001-0|"), HasSubstr("T-1002-0|")));
    ASSERT_THAT(ticket_rows(store_)[0], HasSubstr("|obstacle"));
    nlohmann::json listed = versions_json(store_);
    ASSERT_EQ(listed.size(), 1u);
    old_version_ = listed[0]["id"];

    std::string text = read_text(std::string(DOCKET_SOURCE_DIR) + "/" + kRules);
    std::string renamed = std::regex_replace(text, std::regex(R"(\bobstacle\b)"), "blocked");
    ASSERT_NE(renamed, text);
    std::filesystem::create_directories(file("next"));
    new_rules_ = file("next/after_sales.docket");
    std::ofstream(new_rules_, std::ios::binary) << renamed;

    bodies_ = journal_bodies(store_);
    tickets_ = ticket_rows(store_);
  }

  void expect_nothing_written() {
    EXPECT_EQ(journal_bodies(store_), bodies_);
    EXPECT_EQ(ticket_rows(store_), tickets_);
    EXPECT_EQ(row_count(store_, "versions"), 1u);
  }

  std::string new_rules_;
  std::string old_version_;
  std::vector<std::string> bodies_;
  std::vector<std::string> tickets_;
};

TEST_F(StoreCommandsMigrate, RenamedStateWithoutAMapIsRefused) {
  CommandRun r = run_docket("migrate " + store_ + " --to " + new_rules_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  std::vector<std::string> err = lines_of(r.err);
  ASSERT_EQ(err.size(), 2u) << r.err;
  EXPECT_THAT(err[0], StartsWith("docket: error: ticket `T-1001-0`: state `obstacle` is not in workflow after_sales "
                                 "version "));
  EXPECT_THAT(err[0], HasSubstr("(map it to a state that is)"));
  EXPECT_THAT(err[1], StartsWith("docket: nothing migrated: 1 ticket would be stranded on version "));
  EXPECT_THAT(err[1], HasSubstr("(map their states with --map OLD=NEW)"));
  EXPECT_THAT(r.err, Not(HasSubstr("T-1002-0")));
  expect_nothing_written();
}

TEST_F(StoreCommandsMigrate, DryRunListsTheMovesAndWritesNothing) {
  CommandRun r = run_docket("migrate " + store_ + " --to " + new_rules_ + " --map obstacle=blocked --dry-run");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  std::string from = old_version_.substr(0, 12);
  std::smatch first;
  ASSERT_TRUE(std::regex_match(lines[0], first,
                               std::regex("would move T-1001-0: " + from + " obstacle -> ([0-9a-f]{12}) blocked")))
      << lines[0];
  std::string to = first[1];
  EXPECT_NE(to, from);
  EXPECT_EQ(lines[1], "would move T-1002-0: " + from + " proposing -> " + to + " proposing");
  EXPECT_EQ(lines[2], "2 tickets would move; nothing written");
  expect_nothing_written();
}

TEST_F(StoreCommandsMigrate, MapMovesTheTicketsAndTheJournalStillVerifies) {
  CommandRun r = run_docket("migrate " + store_ + " --to " + new_rules_ + " --map obstacle=blocked");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json listed = versions_json(store_);
  ASSERT_EQ(listed.size(), 2u) << listed.dump();
  EXPECT_EQ(listed[0]["id"], old_version_);
  EXPECT_EQ(listed[0]["tickets"], 0);
  std::string new_version = listed[1]["id"];
  EXPECT_EQ(listed[1]["tickets"], 2);
  std::string from = old_version_.substr(0, 12);
  std::string to = new_version.substr(0, 12);
  EXPECT_EQ(r.out, "moving T-1001-0: " + from + " obstacle -> " + to + " blocked\n" +  //
                       "moving T-1002-0: " + from + " proposing -> " + to + " proposing\n" +
                       "migrated 2 tickets to version " + to + "\n");

  // One `migration` record per ticket, after the records there were.
  std::vector<std::string> bodies = journal_bodies(store_);
  ASSERT_EQ(bodies.size(), bodies_.size() + 2);
  EXPECT_EQ(std::vector<std::string>(bodies.begin(), bodies.begin() + bodies_.size()), bodies_);
  nlohmann::json moved = nlohmann::json::parse(bodies[bodies_.size()]);
  EXPECT_EQ(moved["kind"], "migration");
  EXPECT_EQ(moved["cause"], "migration");
  EXPECT_EQ(moved["ticket"], "T-1001-0");
  EXPECT_EQ(moved["from"], "obstacle");
  EXPECT_EQ(moved["to"], "blocked");
  EXPECT_EQ(moved["version"], new_version);
  EXPECT_EQ(moved["actor"]["id"], "operator");
  ASSERT_EQ(moved["changes"].size(), 1u);
  EXPECT_EQ(moved["changes"][0]["field"], "version");
  EXPECT_EQ(moved["changes"][0]["before"], old_version_);
  EXPECT_EQ(moved["changes"][0]["after"], new_version);
  nlohmann::json stayed = nlohmann::json::parse(bodies.back());
  EXPECT_EQ(stayed["kind"], "migration");
  EXPECT_EQ(stayed["ticket"], "T-1002-0");
  EXPECT_EQ(stayed["from"], "proposing");
  EXPECT_EQ(stayed["to"], "proposing");

  EXPECT_THAT(ticket_rows(store_),
              ElementsAre("T-1001-0|" + new_version + "|blocked", "T-1002-0|" + new_version + "|proposing"));
  CommandRun versions = run_docket("versions " + store_);
  ASSERT_EQ(versions.exit_code, 0) << versions.err;
  std::vector<std::string> rows = lines_of(versions.out);
  ASSERT_EQ(rows.size(), 3u) << versions.out;
  EXPECT_THAT(rows[1], StartsWith(from + "  after_sales         1.0       2026-11-23T01:00:00Z  0        "));
  EXPECT_THAT(rows[2], StartsWith(to + "  after_sales         1.0       2026-11-23T06:20:00Z  2        "));

  // The rules replay accepts the migration records.
  CommandRun verified = verify(store_);
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_THAT(verified.out, HasSubstr("every record legal under its pinned version (2 versions, 2 tickets)"));
  CommandRun chain_only = verify(store_, "--no-rules");
  EXPECT_EQ(chain_only.exit_code, 0) << chain_only.out << chain_only.err;

  // Migrating again: nothing left on another version.
  CommandRun again = run_docket("migrate " + store_ + " --to " + new_rules_ + " --map obstacle=blocked");
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, "nothing to migrate: no ticket of after_sales is on another version\n");
  EXPECT_EQ(row_count(store_, "journal"), bodies_.size() + 2);
}

TEST_F(StoreCommandsMigrate, MapToAStateTheNewVersionLacksIsAUsageError) {
  CommandRun r = run_docket("migrate " + store_ + " --to " + new_rules_ + " --map obstacle=nowhere");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "docket: error: --map obstacle=nowhere: the new version has no state `nowhere`\n");
  expect_nothing_written();

  CommandRun malformed = run_docket("migrate " + store_ + " --to " + new_rules_ + " --map obstacle");
  EXPECT_EQ(malformed.exit_code, 2);
  EXPECT_EQ(malformed.err, "docket: error: --map obstacle: expected OLD=NEW (state names)\n");
  expect_nothing_written();
}

// A holiday notice amended after a complaint was opened: the bank's rules
// (rules/industries/bank_complaints.docket) and a copy whose calendar also
// takes in a notice closing Fri 2027-01-01..Sun 01-03. The complaint of
// Thu 2026-12-31 09:30 must be contacted within 1 bank working day: 50% of
// it (7 h 45 m of the 15 h 30 m to Fri's close at 17:00) falls on Fri 01-01
// 09:15; with the new notice, on Mon 01-04 09:15.
TEST_F(StoreFixture, MigrateOntoAnAmendedNoticeListsTheMovedDeadlinesAndTheJournalVerifies) {
  std::string root = std::string(DOCKET_SOURCE_DIR) + "/rules/";
  std::filesystem::create_directories(file("amended/industries"));
  std::filesystem::create_directories(file("amended/calendars"));
  std::string rules = read_text(root + "industries/bank_complaints.docket");
  std::string with_notice = rules;
  with_notice.replace(with_notice.find("  holidays cn_2026\n}"), 20, "  holidays cn_2026, cn_2027_test\n}");
  ASSERT_NE(with_notice, rules);
  std::ofstream(file("amended/industries/bank_complaints.docket"), std::ios::binary) << with_notice;
  std::ofstream(file("amended/calendars/cn_holidays.docket"), std::ios::binary)
      << read_text(root + "calendars/cn_holidays.docket")
      << "holidays cn_2027_test {\n  source \"a test notice\"\n  holidays 2027-01-01..2027-01-03\n}\n";

  std::string store = file("bank.db");
  std::string events = write_events(
      "bank.jsonl", {R"({"at":"2026-12-31T10:00:00+08:00","ticket":"BK-1231","event":"create",)"
                     R"("actor":{"id":"li","roles":["complaints.intake_officer"]},"data":{"complainant":"W",)"
                     R"("contact":"138","channel":"mobile_app","product":"credit_card","request":"fee",)"
                     R"("amount":600.00,"received_at":"2026-12-31T09:30:00+08:00"}})"});
  CommandRun ran = run_into(store, events, "", root + "industries/bank_complaints.docket");
  ASSERT_EQ(ran.exit_code, 0) << ran.err;

  CommandRun moved = run_docket("migrate " + store + " --to " + file("amended/industries/bank_complaints.docket"));
  EXPECT_EQ(moved.exit_code, 0) << moved.err;
  std::vector<std::string> lines = lines_of(moved.out);
  ASSERT_EQ(lines.size(), 3u) << moved.out;
  EXPECT_THAT(lines[0], StartsWith("moving BK-1231: "));
  EXPECT_EQ(lines[1], "  rebased contact 50% due 2027-01-01 01:15:00Z -> 2027-01-04 01:15:00Z (notice cn_2027_test)");

  CommandRun verified = run_docket("audit verify " + store);
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  EXPECT_THAT(verified.out, HasSubstr("every record legal under its pinned version (2 versions, 1 tickets)"));
}

// ============================================================ docket run --key

class StoreCommandsKeys : public StoreFixture {};

TEST_F(StoreCommandsKeys, RunWithThePublicKeyInsteadOfThePrivateOneFails) {
  std::string prefix = key_pair("signer");
  std::string store = file("keyed.db");
  CommandRun r = run_into(store, events("keyed.jsonl", 1), "--key " + prefix + ".pub");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "docket: error: " + prefix + ".pub: not an Ed25519 private key (it is a public key)\n");
  EXPECT_FALSE(std::filesystem::exists(store));

  // The private key of the same pair signs.
  CommandRun signed_run = run_into(store, file("keyed.jsonl"), "--key " + prefix + ".key --checkpoint-every 10");
  ASSERT_EQ(signed_run.exit_code, 0) << signed_run.err;
  EXPECT_EQ(sql_column(store, "SELECT DISTINCT key_id FROM checkpoints"), std::vector<std::string>{key_id(prefix)});
}

}  // namespace
}  // namespace docket::cli::testing
