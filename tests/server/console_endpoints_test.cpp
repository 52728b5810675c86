// The endpoints the web console reads besides tickets (docs/api.md): a
// version's rule files, the diff of two versions, the audit trail's status,
// its verification in the background and its export, and the department's
// report. End to end through a real `docket serve`
// (tests/server/server_harness.h); the verification job and the tar writer
// also on their own.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "engine/runtime/clock.h"
#include "server/audit_job.h"
#include "server/tar_archive.h"
#include "tests/cli/command_harness.h"
#include "tests/server/server_harness.h"
#include "tests/support/signed_journal.h"
#include "tests/support/stored_rules.h"

namespace docket::server::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------- helpers

// One entry of a tar archive.
struct TarEntry {
  std::string name;
  char type = '0';
  std::string content;
};

std::uint64_t octal(const std::string& header, std::size_t offset, std::size_t width) {
  std::uint64_t value = 0;
  for (std::size_t i = offset; i < offset + width && header[i] >= '0' && header[i] <= '7'; ++i)
    value = value * 8 + static_cast<std::uint64_t>(header[i] - '0');
  return value;
}

std::string field(const std::string& header, std::size_t offset, std::size_t width) {
  std::string text = header.substr(offset, width);
  return text.substr(0, text.find('\0'));
}

// The entries of a ustar archive, each header's checksum checked; a
// failure is added for anything malformed.
std::vector<TarEntry> read_tar(const std::string& bytes) {
  std::vector<TarEntry> entries;
  std::size_t at = 0;
  while (true) {
    if (at + kTarBlock > bytes.size()) {
      ADD_FAILURE() << "the archive ends without its two zero blocks";
      return entries;
    }
    std::string header = bytes.substr(at, kTarBlock);
    if (header == std::string(kTarBlock, '\0')) {
      EXPECT_EQ(bytes.substr(at), std::string(2 * kTarBlock, '\0')) << "after the end of the archive";
      return entries;
    }
    EXPECT_EQ(header.substr(257, 8), std::string("ustar\0"
                                                 "00",
                                                 8));
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < kTarBlock; ++i)
      sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(header[i]);
    EXPECT_EQ(octal(header, 148, 8), sum) << "checksum of entry " << entries.size();
    TarEntry entry;
    std::string prefix = field(header, 345, 155);
    entry.name = (prefix.empty() ? "" : prefix + "/") + field(header, 0, 100);
    entry.type = header[156];
    std::uint64_t size = octal(header, 124, 12);
    entry.content = bytes.substr(at + kTarBlock, size);
    at += kTarBlock + (size + kTarBlock - 1) / kTarBlock * kTarBlock;
    entries.push_back(std::move(entry));
  }
}

// Changes the clock to one engine second per second: no timer fires while
// a test compares the journal with what it read a moment before.
void slow_clock(const ServerProcess& server) {
  std::string config = read_file(server.dir() / "docket.toml");
  config.replace(config.find("factor = 36000"), 14, "factor = 1");
  std::ofstream(server.dir() / "docket.toml", std::ios::trunc) << config;
}

std::string first_version(const ServerProcess& server) {
  Reply versions = get(server, "/v1/versions", "zhang");
  EXPECT_EQ(versions.status, 200) << versions.text;
  return versions.body["versions"][0]["id"];
}

// Deploys `text` as rule file `name`; the version id installed.
std::string deploy(const ServerProcess& server, const std::string& name, const std::string& text) {
  Reply deployed = post(server, "/v1/versions", "admin", {{"name", name}, {"text", text}});
  EXPECT_EQ(deployed.status, 200) << deployed.text;
  return deployed.body["installed"][0];
}

void create_tickets(const ServerProcess& server, int count) {
  for (int i = 1; i <= count; ++i) {
    Reply created = post(server, "/v1/tickets", "zhang", new_ticket("C-" + std::to_string(i)));
    ASSERT_EQ(created.status, 201) << created.text;
  }
}

// Polls GET /v1/audit until the verification is no longer running; its `verify`.
json verification_result(const ServerProcess& server) {
  json verify;
  bool finished = eventually(
      [&] {  // polling
        Reply audit = get(server, "/v1/audit", "zhang");
        if (audit.status != 200) return false;
        verify = audit.body["verify"];
        return verify["state"] != "running";
      },
      20);
  EXPECT_TRUE(finished) << "the verification did not finish within 20 s: " << verify.dump();
  return verify;
}

// Runs SQL on a store file the server does not hold open.
void run_sql(const fs::path& store, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(store.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

// The hash column of journal row `seq`.
std::string stored_hash(const fs::path& store, std::uint64_t seq) {
  sqlite3* db = nullptr;
  std::string hash;
  if (sqlite3_open_v2(store.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* statement = nullptr;
    sqlite3_prepare_v2(db, "SELECT hash FROM journal WHERE seq = ?", -1, &statement, nullptr);
    sqlite3_bind_int64(statement, 1, static_cast<sqlite3_int64>(seq));
    if (sqlite3_step(statement) == SQLITE_ROW) hash = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    sqlite3_finalize(statement);
  }
  sqlite3_close(db);
  return hash;
}

// ---------------------------------------------------------------- version sources and diffs

TEST(ConsoleEndpointsTest, ASourceIsTheRuleFileAsTheStoreKeptIt) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  ASSERT_NO_FATAL_FAILURE(create_tickets(server, 1));
  std::string version = first_version(server);

  Reply source = get(server, "/v1/versions/" + version + "/source", "zhang");
  ASSERT_EQ(source.status, 200) << source.text;
  EXPECT_EQ(source.body["version"], version);
  EXPECT_EQ(source.body["workflow"], "after_sales");
  EXPECT_EQ(source.body["declared"], "1.0");
  ASSERT_EQ(source.body["files"].size(), 1u) << source.text;
  const json& file = source.body["files"][0];
  EXPECT_EQ(file["path"], "after_sales.docket");
  EXPECT_EQ(file["text"], read_file(fs::path(DOCKET_SOURCE_DIR) / "rules/after_sales.docket"));
  // The name is how the journal's rule positions name the file.
  Reply transitions = get(server, "/v1/tickets/C-1/transitions", "zhang");
  std::string rule = transitions.body["records"][0]["rule"];
  EXPECT_EQ(rule.substr(0, rule.find(':')), file["name"]) << rule;

  Reply unknown = get(server, "/v1/versions/0123abcd/source", "zhang");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body["error"]["message"], "unknown version `0123abcd`");
  EXPECT_EQ(get(server, "/v1/versions/" + version + "/source", "").status, 401);
}

TEST(ConsoleEndpointsTest, AnExtendedVersionHasEveryFileItWasCompiledFrom) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  std::string version = deploy(server, "sent_variant.docket", kSentVariantRules);

  Reply source = get(server, "/v1/versions/" + version + "/source", "liu");
  ASSERT_EQ(source.status, 200) << source.text;
  EXPECT_EQ(source.body["workflow"], "sent_variant");
  ASSERT_EQ(source.body["files"].size(), 2u) << source.text;
  EXPECT_EQ(source.body["files"][0]["path"], "sent_variant.docket");
  EXPECT_EQ(source.body["files"][0]["text"], kSentVariantRules);
  EXPECT_EQ(source.body["files"][1]["path"], "after_sales.docket");
}

TEST(ConsoleEndpointsTest, TheDiffOfTwoDeployedVersionsIsDocketDiffs) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  std::string old_version = first_version(server);
  std::string text = read_file(fs::path(DOCKET_SOURCE_DIR) / "rules/after_sales.docket");
  const std::string declared = "version \"1.0\"";
  ASSERT_NE(text.find(declared), std::string::npos);
  std::string changed = text;
  changed.replace(changed.find(declared), declared.size(), "version \"1.1\"");
  std::string new_version = deploy(server, "after_sales.docket", changed);
  ASSERT_NE(new_version, old_version);

  Reply diff = get(server, "/v1/versions/diff?from=" + old_version + "&to=" + new_version, "zhang");
  ASSERT_EQ(diff.status, 200) << diff.text;
  EXPECT_EQ(diff.body["from"], old_version);
  EXPECT_EQ(diff.body["to"], new_version);
  EXPECT_EQ(diff.body["summary"], json({{"total", 1}, {"added", 0}, {"changed", 1}, {"removed", 0}})) << diff.text;
  ASSERT_EQ(diff.body["changes"].size(), 1u);
  const json& change = diff.body["changes"][0];
  EXPECT_EQ(change["kind"], "changed");
  EXPECT_EQ(change["section"], "workflow");
  EXPECT_EQ(change["before"], "\"1.0\"");
  EXPECT_EQ(change["after"], "\"1.1\"");

  // The text is `docket diff`'s on the same two files.
  std::string old_file = cli::testing::write_temp("console_old.docket", text);
  std::string new_file = cli::testing::write_temp("console_new.docket", changed);
  cli::testing::CommandRun cli_diff = cli::testing::run_docket("diff " + old_file + " " + new_file);
  EXPECT_EQ(cli_diff.exit_code, 1) << cli_diff.err;
  auto without_where = [](std::string text) { return text.substr(0, text.find("  (")); };
  EXPECT_EQ(without_where(diff.body["text"]), without_where(cli_diff.out));
  EXPECT_NE(diff.body["text"].get<std::string>().find("1 change: +0 ~1 -0"), std::string::npos) << diff.text;

  Reply same = get(server, "/v1/versions/diff?from=" + old_version + "&to=" + old_version, "zhang");
  EXPECT_EQ(same.body["summary"]["total"], 0);
  EXPECT_TRUE(same.body["changes"].empty());
}

TEST(ConsoleEndpointsTest, ADiffWithoutBothVersionsIsRefused) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  std::string version = first_version(server);
  struct Case {
    std::string query;
    int status;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"from=" + version, 400, "`to` is missing: the id of a version (GET /v1/versions)"},
           {"to=" + version, 400, "`from` is missing: the id of a version (GET /v1/versions)"},
           {"", 400, "`from` is missing: the id of a version (GET /v1/versions)"},
           {"from=" + version + "&to=" + version + "&format=json", 400, "unknown query parameter `format`"},
           {"from=nope&to=" + version, 404, "`from`: unknown version `nope`"},
           {"from=" + version + "&to=nope", 404, "`to`: unknown version `nope`"},
       }) {
    Reply reply = get(server, "/v1/versions/diff?" + c.query, "zhang");
    EXPECT_EQ(reply.status, c.status) << c.query << ": " << reply.text;
    EXPECT_EQ(reply.body["error"]["message"], c.message) << c.query;
  }
}

// ---------------------------------------------------------------- audit

TEST(ConsoleEndpointsTest, TheAuditStatusShowsTheHeadAndTheLatestSignedCheckpoint) {
  ServerProcess server;
  server.sign_checkpoints(4);
  slow_clock(server);
  ASSERT_TRUE(server.start());
  ASSERT_NO_FATAL_FAILURE(create_tickets(server, 3));  // two records each

  Reply audit = get(server, "/v1/audit", "zhang");
  ASSERT_EQ(audit.status, 200) << audit.text;
  EXPECT_EQ(audit.body["last_seq"], 6);
  EXPECT_EQ(audit.body["durable_seq"], 6);
  EXPECT_EQ(audit.body["chain_head"], stored_hash(server.dir() / "tickets.db", 6));
  EXPECT_EQ(audit.body["signing"], true);
  ASSERT_TRUE(audit.body["checkpoint"].is_object()) << audit.text;
  EXPECT_EQ(audit.body["checkpoint"]["seq"], 4);
  EXPECT_EQ(audit.body["checkpoint"]["hash"], stored_hash(server.dir() / "tickets.db", 4));
  EXPECT_EQ(audit.body["checkpoint"]["signed"], true);
  EXPECT_EQ(audit.body["checkpoint"]["key_id"].get<std::string>().size(), 16u);
  EXPECT_EQ(audit.body["verify"]["state"], "idle");
  EXPECT_TRUE(audit.body["verify"]["ok"].is_null());
  EXPECT_EQ(get(server, "/v1/audit", "").status, 401);
}

TEST(ConsoleEndpointsTest, AVerificationRunsToTheEndAndCountsEveryRecord) {
  ServerProcess server;
  server.sign_checkpoints(4);
  slow_clock(server);
  ASSERT_TRUE(server.start());
  ASSERT_NO_FATAL_FAILURE(create_tickets(server, 5));

  Reply started = post(server, "/v1/audit/verify", "zhang", json::object());
  ASSERT_EQ(started.status, 202) << started.text;
  EXPECT_EQ(started.body["total"], 10);
  EXPECT_TRUE(started.body["started_at"].is_string());
  json verify = verification_result(server);
  EXPECT_EQ(verify["state"], "done") << verify.dump();
  EXPECT_EQ(verify["ok"], true) << verify.dump();
  EXPECT_EQ(verify["checked"], 10);
  EXPECT_EQ(verify["total"], 10);
  EXPECT_EQ(verify["checkpoints_verified"], 2);
  EXPECT_EQ(verify["signed_through"], 8);
  EXPECT_EQ(verify["tickets"], 5);
  EXPECT_TRUE(verify["finding"].is_null());
  EXPECT_TRUE(verify["finished_at"].is_string());
  EXPECT_EQ(verify["summary"],
            "10 records, seq 1-10, hash chain intact; 2 signed checkpoints verified (through seq 8); every record "
            "legal under its pinned version (1 version, 5 tickets)");

  // Once finished, another may start; a body other than {} is refused.
  EXPECT_EQ(post_text(server, "/v1/audit/verify", "zhang", "").status, 202);
  Reply odd = post(server, "/v1/audit/verify", "zhang", {{"full", true}});
  EXPECT_EQ(odd.status, 400) << odd.text;
  EXPECT_EQ(odd.body["error"]["message"], "unknown key `full` (the body is empty or {})");
  EXPECT_EQ(verification_result(server)["ok"], true);
}

TEST(ConsoleEndpointsTest, AVerificationFindsARecordAlteredInTheStore) {
  ServerProcess server;
  slow_clock(server);  // seq 3 is the second ticket's creation
  ASSERT_TRUE(server.start());
  ASSERT_NO_FATAL_FAILURE(create_tickets(server, 3));
  ASSERT_EQ(server.stop(), 0);
  // An insider edits the second ticket's customer in its creation record.
  ASSERT_NO_FATAL_FAILURE(run_sql(server.dir() / "tickets.db",
                                  "UPDATE journal SET body = replace(body, 'C-1001', 'C-9999') WHERE seq = 3"));
  ASSERT_TRUE(server.start());

  ASSERT_EQ(post(server, "/v1/audit/verify", "liu", json::object()).status, 202);
  json verify = verification_result(server);
  EXPECT_EQ(verify["state"], "done") << verify.dump();
  EXPECT_EQ(verify["ok"], false) << verify.dump();
  ASSERT_TRUE(verify["finding"].is_object()) << verify.dump();
  EXPECT_EQ(verify["finding"]["seq"], 3);
  EXPECT_EQ(verify["finding"]["problem"], "altered");
  EXPECT_EQ(verify["summary"].get<std::string>().rfind("seq 3: altered: ", 0), 0u) << verify.dump();
}

TEST(ConsoleEndpointsTest, TheExportIsATarOfTheBundleThatVerifiesOffline) {
  ServerProcess server;
  server.sign_checkpoints(4);
  slow_clock(server);
  ASSERT_TRUE(server.start());
  ASSERT_NO_FATAL_FAILURE(create_tickets(server, 3));

  httplib::Result res = server.client().Get("/v1/audit/export", auth("admin"));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/x-tar");
  EXPECT_EQ(res->get_header_value("Content-Disposition"), "attachment; filename=\"docket-audit-6.tar\"");
  std::vector<TarEntry> entries = read_tar(res->body);
  std::map<std::string, TarEntry> by_name;
  for (const TarEntry& entry : entries) by_name[entry.name] = entry;
  ASSERT_EQ(entries.size(), 6u) << res->body.size();
  EXPECT_EQ(entries[0].name, "docket-audit-6/");
  EXPECT_EQ(entries[0].type, '5');
  for (const char* name : {"checkpoints.jsonl", "journal.jsonl", "keys/", "versions.jsonl"})
    EXPECT_EQ(by_name.count(std::string("docket-audit-6/") + name), 1u) << name;
  EXPECT_EQ(cli::testing::lines_of(by_name["docket-audit-6/journal.jsonl"].content).size(), 6u);
  EXPECT_EQ(cli::testing::lines_of(by_name["docket-audit-6/checkpoints.jsonl"].content).size(), 1u);

  // Unpacked, it is a bundle `docket audit verify` accepts.
  fs::path unpacked = server.dir() / "unpacked";
  for (const TarEntry& entry : entries) {
    if (entry.type == '5') {
      fs::create_directories(unpacked / entry.name);
    } else {
      std::ofstream(unpacked / entry.name, std::ios::binary) << entry.content;
    }
  }
  cli::testing::CommandRun verified =
      cli::testing::run_docket("audit verify " + (unpacked / "docket-audit-6").string());
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;

  // The bundle holds every ticket's data: deploy tokens only.
  Reply refused = get(server, "/v1/audit/export", "zhang");
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.body["error"]["message"], "`zhang` may not export the audit trail: it holds every ticket's data");
}

// ---------------------------------------------------------------- reports

TEST(ConsoleEndpointsTest, AReportIsDocketReportsJsonForThePeriod) {
  ServerProcess server;
  slow_clock(server);
  ASSERT_TRUE(server.start());
  ASSERT_NO_FATAL_FAILURE(create_tickets(server, 3));

  Reply report =
      get(server, "/v1/report?from=2026-11-01&to=2026-12-01&zone=Asia/Shanghai&workflow=after_sales", "zhang");
  ASSERT_EQ(report.status, 200) << report.text;
  EXPECT_EQ(report.body["about"]["period"],
            json({{"from", "2026-11-01"}, {"to", "2026-12-01"}, {"zone", "Asia/Shanghai"}}));
  EXPECT_EQ(report.body["about"]["workflow"], "after_sales");
  EXPECT_EQ(report.body["tickets"]["created"], 3);
  EXPECT_EQ(report.body["acceptance"]["metric"], "first_response");
  EXPECT_EQ(report.body["about"]["rules"][0]["source"], "tickets.db");

  // The same figures as `docket report` on the store (read while the server runs).
  cli::testing::CommandRun cli_report =
      cli::testing::run_docket("report " + (server.dir() / "tickets.db").string() +
                               " --from 2026-11-01 --to 2026-12-01 --zone Asia/Shanghai --format json");
  ASSERT_EQ(cli_report.exit_code, 0) << cli_report.err;
  json expected = json::parse(cli_report.out);
  expected["about"]["rules"][0]["source"] = "tickets.db";  // the command names the store by its path
  EXPECT_EQ(report.body, expected);

  // A period with no ticket created counts none.
  Reply before = get(server, "/v1/report?from=2026-10-01&to=2026-11-01", "zhang");
  ASSERT_EQ(before.status, 200) << before.text;
  EXPECT_EQ(before.body["tickets"]["created"], 0);
  EXPECT_EQ(before.body["tickets"]["in_journal"], 3);
}

TEST(ConsoleEndpointsTest, AReportWithABadPeriodOrWorkflowIsRefusedSayingWhy) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  ASSERT_NO_FATAL_FAILURE(create_tickets(server, 1));
  const std::string needed = "`from` and `to` are needed: the first day of the period and the day after it, YYYY-MM-DD";
  struct Case {
    std::string query;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"", needed},
           {"from=2026-11-01", needed},
           {"to=2026-11-01", needed},
           {"from=2026-13-01&to=2026-12-01", "`from`: `2026-13-01` is not a date (YYYY-MM-DD)"},
           {"from=2026-12-01&to=2026-11-01", "`from` 2026-12-01 is not before `to` 2026-11-01"},
           {"from=2025-11-01&to=2026-11-03", "the period is 367 days, longer than 366"},
           {"from=2026-11-01&to=2026-12-01&zone=Mars/Base", "`zone`: unknown time zone `Mars/Base`"},
           {"from=2026-11-01&to=2026-12-01&format=csv", "unknown query parameter `format`"},
           {"from=2026-11-01&to=2026-12-01&workflow=billing",
            "`workflow` billing: the journal has no ticket of it (it has after_sales)"},
       }) {
    Reply reply = get(server, "/v1/report?" + c.query, "zhang");
    EXPECT_EQ(reply.status, 400) << c.query << ": " << reply.text;
    EXPECT_EQ(reply.body["error"]["code"], "bad_request") << c.query;
    EXPECT_EQ(reply.body["error"]["message"], c.message) << c.query;
  }
  // A leap year's whole year is 366 days.
  EXPECT_EQ(get(server, "/v1/report?from=2028-01-01&to=2029-01-01", "zhang").status, 200);
  EXPECT_EQ(get(server, "/v1/report?from=2026-11-01&to=2026-12-01", "").status, 401);
}

// ---------------------------------------------------------------- the verification job on its own

class ConsoleAuditJobTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    journal_ =
        docket::testing::signed_journal({.copies = 2, .checkpoint_every = 10, .compile_versions = true}).release();
  }
  static void TearDownTestSuite() { delete journal_; }

  static inline docket::testing::SignedJournal* journal_ = nullptr;
  engine::VirtualClock clock_{1'800'000'000};
};

TEST_F(ConsoleAuditJobTest, ARunVerifiesTheStoreInBatchesUpToTheHeadItWasGiven) {
  ASSERT_GT(journal_->rows.size(), 40u);
  std::uint64_t through = journal_->rows.size() - 3;  // records after it are not looked at
  AuditJob job(journal_->path, docket::testing::compile_stored_version, clock_, /*batch_rows=*/7);
  EXPECT_EQ(job.progress().state, AuditProgress::State::kIdle);
  ASSERT_TRUE(job.start(through));
  ASSERT_TRUE(job.wait(std::chrono::seconds(20)));
  AuditProgress progress = job.progress();
  EXPECT_EQ(progress.state, AuditProgress::State::kDone) << progress.summary;
  EXPECT_TRUE(progress.ok) << progress.summary;
  EXPECT_EQ(progress.checked, through);
  EXPECT_EQ(progress.total, through);
  EXPECT_EQ(progress.checkpoints_verified, through / 10);
  EXPECT_EQ(progress.signed_through, through / 10 * 10);
  EXPECT_EQ(progress.versions, journal_->versions.size());
  EXPECT_EQ(progress.started_at, 1'800'000'000);
  EXPECT_EQ(progress.finished_at, 1'800'000'000);
}

TEST_F(ConsoleAuditJobTest, OnlyOneRunAtATime) {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  bool first = true;
  // The run blocks in compiling until the test lets it go: it is running for sure meanwhile.
  auto compile = [&](const engine::StoredVersion& version) {
    if (first) {
      first = false;
      entered.set_value();
      released.wait();
    }
    return docket::testing::compile_stored_version(version);
  };
  AuditJob job(journal_->path, compile, clock_);
  ASSERT_TRUE(job.start(journal_->rows.size()));
  entered.get_future().wait();
  EXPECT_FALSE(job.start(journal_->rows.size()));
  EXPECT_EQ(job.progress().state, AuditProgress::State::kRunning);
  EXPECT_FALSE(job.wait(std::chrono::milliseconds(0)));
  release.set_value();
  ASSERT_TRUE(job.wait(std::chrono::seconds(20)));
  EXPECT_TRUE(job.progress().ok) << job.progress().summary;
  // Finished: the next one starts.
  ASSERT_TRUE(job.start(journal_->rows.size()));
  job.stop();
  EXPECT_NE(job.progress().state, AuditProgress::State::kRunning);
  EXPECT_FALSE(job.start(journal_->rows.size())) << "a stopped job starts no run";
}

TEST_F(ConsoleAuditJobTest, ARunThatCannotReadTheStoreFails) {
  AuditJob job(journal_->path + ".missing", docket::testing::compile_stored_version, clock_);
  ASSERT_TRUE(job.start(5));
  ASSERT_TRUE(job.wait(std::chrono::seconds(20)));
  AuditProgress progress = job.progress();
  EXPECT_EQ(progress.state, AuditProgress::State::kFailed);
  EXPECT_FALSE(progress.ok);
  EXPECT_NE(progress.summary.find(".missing"), std::string::npos) << progress.summary;
  EXPECT_STREQ(to_string(progress.state), "failed");
}

// ---------------------------------------------------------------- the tar writer on its own

TEST(ConsoleTarArchiveTest, EntriesRoundTripWithLongNamesSplitAtASlash) {
  TarArchive tar(1'800'000'000, 1 << 20);
  std::string folder(120, 'd');
  std::string long_name = folder + "/" + std::string(90, 'f');
  ASSERT_TRUE(tar.add_directory("top").ok());
  ASSERT_TRUE(tar.add_file("top/a.txt", "hello\n").ok());
  ASSERT_TRUE(tar.add_file(long_name, std::string(1000, 'x')).ok());
  ASSERT_TRUE(tar.add_file("top/empty", "").ok());
  std::string bytes = std::move(tar).finish();
  EXPECT_EQ(bytes.size() % kTarBlock, 0u);
  std::vector<TarEntry> entries = read_tar(bytes);
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[0].name, "top/");
  EXPECT_EQ(entries[0].type, '5');
  EXPECT_EQ(entries[1].name, "top/a.txt");
  EXPECT_EQ(entries[1].content, "hello\n");
  EXPECT_EQ(entries[2].name, long_name);
  EXPECT_EQ(entries[2].content, std::string(1000, 'x'));
  EXPECT_EQ(entries[3].content, "");
  EXPECT_EQ(octal(bytes.substr(0, kTarBlock), 136, 12), 1'800'000'000u);
}

TEST(ConsoleTarArchiveTest, NamesUstarCannotHoldAndArchivesPastTheBoundAreRefused) {
  TarArchive tar(0, 4 * kTarBlock);
  EXPECT_EQ(tar.add_file(std::string(101, 'n'), "x").error(),
            "`" + std::string(101, 'n') + "` is too long for a tar entry (ustar)");
  EXPECT_FALSE(tar.add_file("../etc/passwd", "x").ok());
  EXPECT_FALSE(tar.add_file("/abs", "x").ok());
  EXPECT_FALSE(tar.add_file("a//b", "x").ok());
  ASSERT_TRUE(tar.add_file("one", "x").ok());  // a header, a block, and the end: 4 blocks
  EXPECT_EQ(tar.add_file("two", "x").error(), "the archive would be larger than 2048 bytes");
  EXPECT_EQ(read_tar(std::move(tar).finish()).size(), 1u);
}

TEST(ConsoleTarArchiveTest, AFolderIsArchivedInNameOrderAndItsSizeIsKnownBeforehand) {
  docket::testing::TempDir dir;
  fs::create_directories(fs::path(dir.path()) / "b");
  std::ofstream(fs::path(dir.path()) / "b" / "inner.txt") << "inner";
  std::ofstream(fs::path(dir.path()) / "a.txt") << std::string(600, 'a');
  engine::Result<std::uint64_t> size = tar_directory_size(dir.path());
  ASSERT_TRUE(size.ok()) << size.error();
  engine::Result<std::string> tar = tar_directory(dir.path(), "top", 0, 1 << 20);
  ASSERT_TRUE(tar.ok()) << tar.error();
  EXPECT_EQ(tar.value().size(), size.value());
  std::vector<TarEntry> entries = read_tar(tar.value());
  std::vector<std::string> names;
  for (const TarEntry& entry : entries) names.push_back(entry.name);
  EXPECT_EQ(names, (std::vector<std::string>{"top/", "top/a.txt", "top/b/", "top/b/inner.txt"}));
  EXPECT_FALSE(tar_directory(dir.path(), "top", 0, size.value() - 1).ok());
}

}  // namespace
}  // namespace docket::server::testing
