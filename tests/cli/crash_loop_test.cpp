// The crash loop: `docket run --store` killed with SIGKILL at random moments,
// again and again, then run to the end. Whatever it printed before dying
// (a printed journal line is an acknowledgement: it is shown only once
// durable) must be in the store, nothing may be applied twice, the chain
// must verify, and the final journal must be byte for byte the journal of a
// run that was never interrupted.
//
// DOCKET_CRASH_KILLS sets the number of kills (default 200, 40 under the
// sanitizers); scripts/crash-loop runs 10,000.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "engine/audit/audit_verify.h"
#include "engine/codec/journal_json.h"
#include "engine/codec/journal_text.h"
#include "engine/store/recovery.h"
#include "engine/store/sqlite_store.h"
#include "tests/support/event_streams.h"
#include "tests/support/stored_rules.h"
#include "tests/support/test_scale.h"

namespace docket::cli {
namespace {

using docket::testing::TempDir;

struct Child {
  pid_t pid = -1;
  int out = -1;
};

Child start_run(const std::string& rules, const std::string& events, const std::string& store) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    int null = open("/dev/null", O_WRONLY);
    dup2(null, STDERR_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    execl(DOCKET_BINARY, DOCKET_BINARY, "run", rules.c_str(), "--events", events.c_str(), "--store", store.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(pipe_fds[1]);
  return {pid, pipe_fds[0]};
}

// Reads what is available within `timeout_ms`; false at the end of output.
bool read_some(int fd, std::string& into, int timeout_ms) {
  pollfd waiting{fd, POLLIN, 0};
  if (poll(&waiting, 1, timeout_ms) <= 0) return true;
  char buffer[4096];
  ssize_t n = read(fd, buffer, sizeof buffer);
  if (n <= 0) return false;
  into.append(buffer, static_cast<std::size_t>(n));
  return true;
}

// seq -> the line printed for it.
void collect_acknowledged(const std::string& output, std::map<std::uint64_t, std::string>& acknowledged) {
  static const std::regex kLine(R"(^\S+ \S+ #(\d+) )");
  std::size_t start = 0;
  while (true) {
    std::size_t end = output.find('\n', start);
    if (end == std::string::npos) break;  // a torn last line acknowledges nothing
    std::string line = output.substr(start, end - start);
    std::smatch match;
    if (std::regex_search(line, match, kLine)) acknowledged[std::stoull(match[1])] = line;
    start = end + 1;
  }
}

std::vector<engine::JournalRow> journal_of(const std::string& path) {
  auto store = engine::SqliteStore::open(path, engine::read_only_options());
  EXPECT_TRUE(store.ok()) << store.error();
  std::vector<engine::JournalRow> rows;
  if (!store) return rows;
  EXPECT_TRUE(store.value()
                  ->read_journal(1,
                                 [&rows](const engine::JournalRow& row) {
                                   rows.push_back(row);
                                   return engine::Status::success();
                                 })
                  .ok());
  return rows;
}

TEST(CrashLoop, KilledAtRandomMomentsItLosesNothingAcknowledgedAndAppliesNothingTwice) {
  int kills = static_cast<int>(docket::testing::scaled(200, 40));
  if (const char* wanted = std::getenv("DOCKET_CRASH_KILLS")) kills = std::max(1, std::atoi(wanted));
  TempDir dir;
  const std::string rules = std::string(DOCKET_SOURCE_DIR) + "/rules/after_sales.docket";
  const std::string events = dir.file("events.jsonl");
  std::size_t copies = 20 + static_cast<std::size_t>(kills) / 40;
  docket::testing::write_lines(
      events, docket::testing::replicate_events(
                  std::string(DOCKET_SOURCE_DIR) + "/examples/after_sales/walkthrough.jsonl", copies, 150));

  // The reference: one run, never interrupted.
  const std::string reference = dir.file("reference.db");
  {
    Child child = start_run(rules, events, reference);
    ASSERT_GT(child.pid, 0);
    std::string ignored;
    while (read_some(child.out, ignored, 1000)) ignored.clear();
    close(child.out);
    int status = 0;
    waitpid(child.pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  std::vector<engine::JournalRow> expected = journal_of(reference);
  ASSERT_GT(expected.size(), 1000u);

  const std::string store = dir.file("crashing.db");
  std::map<std::uint64_t, std::string> acknowledged;
  std::mt19937 random(static_cast<unsigned>(kills) * 7919u);
  int killed = 0;
  int finished = 0;
  for (int round = 0; killed < kills && round < kills * 3; ++round) {
    Child child = start_run(rules, events, store);
    ASSERT_GT(child.pid, 0);
    std::string output;
    // Half the kills come after a random number of acknowledgements, half
    // after a random time: mid-transaction, mid-recovery, mid-startup.
    bool by_lines = random() % 2 == 0;
    std::size_t lines_wanted = random() % 12;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(random() % 150000);
    bool open = true;
    while (open) {
      open = read_some(child.out, output, 1);
      if (by_lines ? static_cast<std::size_t>(std::count(output.begin(), output.end(), '\n')) >= lines_wanted
                   : std::chrono::steady_clock::now() >= deadline) {
        break;
      }
    }
    kill(child.pid, SIGKILL);
    while (read_some(child.out, output, 0)) {
    }
    close(child.out);
    int status = 0;
    waitpid(child.pid, &status, 0);
    if (WIFSIGNALED(status)) {
      ++killed;
    } else {
      ++finished;
    }
    collect_acknowledged(output, acknowledged);
  }
  EXPECT_EQ(killed, kills);

  // Then to the end, undisturbed.
  {
    Child child = start_run(rules, events, store);
    std::string output;
    while (read_some(child.out, output, 1000)) {
    }
    close(child.out);
    int status = 0;
    waitpid(child.pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    collect_acknowledged(output, acknowledged);
  }

  std::vector<engine::JournalRow> rows = journal_of(store);
  ASSERT_EQ(rows.size(), expected.size()) << "records lost or applied twice";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].seq, i + 1) << "a gap in the sequence";
    ASSERT_EQ(rows[i].body, expected[i].body) << "seq " << i + 1 << " differs from the uninterrupted run";
  }
  ASSERT_FALSE(acknowledged.empty());
  for (const auto& [seq, line] : acknowledged) {
    ASSERT_LE(seq, rows.size()) << "acknowledged seq " << seq << " is not in the store";
    auto record = engine::decode_record(rows[seq - 1].body);
    ASSERT_TRUE(record.ok());
    EXPECT_EQ(engine::format_record_line(record.value()), line) << "acknowledged seq " << seq << " differs";
  }

  auto opened = engine::SqliteStore::open(store, engine::read_only_options());
  ASSERT_TRUE(opened.ok());
  auto integrity = opened.value()->integrity_check();
  ASSERT_TRUE(integrity.ok());
  EXPECT_EQ(integrity.value(), "ok");
  engine::AuditInput input;
  input.rows = [&opened](const std::function<engine::Status(const engine::JournalRow&)>& each) {
    return opened.value()->read_journal(1, each);
  };
  auto versions = engine::compile_versions(*opened.value(), docket::testing::compile_stored_version);
  ASSERT_TRUE(versions.ok()) << versions.error();
  input.versions = std::move(versions).value();
  engine::AuditReport report = engine::verify_journal(input);
  EXPECT_TRUE(report.ok()) << (report.finding ? report.finding->detail : report.error);
  std::cout << "crash loop: " << killed << " kills, " << finished << " runs ended on their own, " << acknowledged.size()
            << " acknowledged records, " << rows.size() << " in the store\n";
}

}  // namespace
}  // namespace docket::cli
