#include "engine/codec/journal_spdlog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>

#include <fstream>
#include <sstream>

#include "engine/codec/journal_json.h"
#include "engine/codec/journal_text.h"
#include "tests/support/engine_harness.h"

namespace docket::engine::testing {
namespace {

using ::testing::HasSubstr;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string temp_path(const std::string& name) { return ::testing::TempDir() + name; }

TEST(SpdlogJournalTest, FileGetsJsonLinesAndTheConsoleSinkHumanLines) {
  std::string path = temp_path("journal_spdlog_test.jsonl");
  Result<LogSink> file = open_json_log_file(path);
  ASSERT_TRUE(file.ok()) << file.error();
  auto human = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(100);
  SpdlogJournal journal({.json = {file.value()}, .human = {human}});
  VirtualClock clock(kMonday);
  Engine engine(clock, journal);
  ASSERT_TRUE(engine.install(shipped_rules("after_sales.docket")).ok());
  ASSERT_TRUE(engine.apply(Event{kMonday, "T-1", "create", intake(), after_sales_form("angry"), "k-1", {}}).ok());
  ASSERT_TRUE(engine.apply(Event{kMonday + 60, "T-1", "registered", engineer(), {}, {}, {}}).ok());
  ASSERT_TRUE(engine.advance_to(kMonday + kDay).ok());
  ASSERT_EQ(engine.last_seq(), 5u);

  // Read back, the file holds every record, in order, one per line.
  std::string written = read_file(path);
  std::istringstream lines(written);
  std::string line;
  std::vector<Record> records;
  while (std::getline(lines, line)) {
    Result<Record> decoded = decode_record(line);
    ASSERT_TRUE(decoded.ok()) << decoded.error();
    records.push_back(decoded.value());
  }
  ASSERT_EQ(records.size(), 5u);
  for (std::size_t i = 0; i < records.size(); ++i) EXPECT_EQ(records[i].seq, i + 1);
  EXPECT_EQ(written.back(), '\n');
  EXPECT_EQ(records[2].kind, RecordKind::kRejection);

  std::vector<std::string> shown = human->last_formatted();
  ASSERT_EQ(shown.size(), 5u);
  for (std::size_t i = 0; i < records.size(); ++i) EXPECT_EQ(shown[i], format_record_line(records[i]) + "\n");
  EXPECT_THAT(shown[2], HasSubstr("REJECTED registered"));
}

TEST(SpdlogJournalTest, SinkLevelsCannotFilterRecords) {
  auto human = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(10);
  human->set_level(spdlog::level::off);
  SpdlogJournal journal({.json = {}, .human = {human}});
  Record record;
  record.seq = 1;
  ASSERT_TRUE(journal.write(std::span<const Record>(&record, 1)).ok());
  EXPECT_EQ(human->last_formatted().size(), 1u);
}

TEST(SpdlogJournalTest, AFullDiskFailsTheWriteAndTheEngineRollsBack) {
  Result<LogSink> full = open_json_log_file("/dev/full");
  ASSERT_TRUE(full.ok()) << full.error();
  SpdlogJournal journal({.json = {full.value()}, .human = {}});
  VirtualClock clock(kMonday);
  Engine engine(clock, journal);
  ASSERT_TRUE(engine.install(shipped_rules("after_sales.docket")).ok());
  Result<Outcome> outcome = engine.apply(Event{kMonday, "T-1", "create", intake(), after_sales_form(), {}, {}});
  ASSERT_FALSE(outcome.ok());
  EXPECT_THAT(outcome.error(), HasSubstr("No space left on device"));
  EXPECT_EQ(engine.find("T-1"), nullptr);
  EXPECT_EQ(engine.last_seq(), 0u);
  EXPECT_THAT(journal.failure(), HasSubstr("/dev/full"));
  // The journal stays refused: later records must not follow a partial batch.
  Record record;
  EXPECT_FALSE(journal.write(std::span<const Record>(&record, 1)).ok());
}

TEST(SpdlogJournalTest, AnUnwritablePathIsReportedWhenOpening) {
  std::string blocker = temp_path("journal_spdlog_blocker");
  std::ofstream(blocker) << "a file, not a directory";
  Result<LogSink> sink = open_json_log_file(blocker + "/run.jsonl");
  ASSERT_FALSE(sink.ok());
  EXPECT_THAT(sink.error(), HasSubstr("run.jsonl"));
}

TEST(SpdlogJournalTest, AppendKeepsWhatWasThere) {
  std::string path = temp_path("journal_spdlog_append.jsonl");
  std::ofstream(path) << "earlier\n";
  Record record;
  record.seq = 7;
  {
    Result<LogSink> sink = open_json_log_file(path, /*append=*/true);
    ASSERT_TRUE(sink.ok());
    SpdlogJournal journal({.json = {sink.value()}, .human = {}});
    ASSERT_TRUE(journal.write(std::span<const Record>(&record, 1)).ok());
  }
  EXPECT_EQ(read_file(path), "earlier\n" + encode_record(record) + "\n");
}

}  // namespace
}  // namespace docket::engine::testing
