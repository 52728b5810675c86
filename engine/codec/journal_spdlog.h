// A JournalSink that writes through spdlog sinks, as operators configure
// them: canonical JSON lines (engine/codec/journal_json.h) to some sinks, usually a
// file, and the human one-line form (engine/codec/journal_text.h) to others,
// usually the console.
//
//   auto file = open_json_log_file("run.jsonl");       // Result<sink>
//   SpdlogJournal journal({.json = {file.value()}, .human = {human_console_sink()}});
//   Engine engine(clock, journal);
//
// A journal must not lose records, so:
// - Loggers are synchronous (spdlog's async overrun policy drops messages and
//   is never used), and every batch is flushed to the operating system before
//   write() returns (fflush, not fsync: a process crash loses nothing written,
//   a power loss may lose what the system had not yet stored).
// - Each sink's level is set to trace when the journal is built: a level
//   configured on a sink would silently filter records.
// - spdlog swallows write errors into an error handler. This sink installs
//   its own handler, so a failed write or flush (disk full, a file that cannot
//   be written) makes write() return the error; the engine then abandons the
//   unit, and the caller sees the error. After a failure the journal refuses
//   every later write: the file may end with part of the failed batch, and
//   later records must not follow it (their sequence numbers would repeat).
// - A batch (one unit of work) goes to the JSON sinks as one message, lines
//   joined by newlines, so a file receives it with one write. The human sinks
//   get one message per record; rejections, breaches and escalations at
//   warning level, so that colour consoles set them apart.
//
// Sinks may be shared with other loggers; this journal sets their pattern
// ("%v" for JSON, "%^%v%$" for human lines) and level.

#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/model/result.h"
#include "engine/runtime/journal.h"

namespace spdlog {
class logger;
namespace sinks {
class sink;
}  // namespace sinks
}  // namespace spdlog

namespace docket::engine {

using LogSink = std::shared_ptr<spdlog::sinks::sink>;

struct SpdlogJournalSinks {
  std::vector<LogSink> json{};   // one JSON line per record
  std::vector<LogSink> human{};  // one human-readable line per record
};

class SpdlogJournal final : public JournalSink {
 public:
  explicit SpdlogJournal(SpdlogJournalSinks sinks);
  ~SpdlogJournal() override;
  SpdlogJournal(const SpdlogJournal&) = delete;
  SpdlogJournal& operator=(const SpdlogJournal&) = delete;

  Status write(std::span<const Record> records) override;

  // The first write error, "" while there has been none.
  const std::string& failure() const { return failure_; }

 private:
  // Declared before the loggers, whose error handlers write into error_.
  std::string error_;    // set by the loggers' error handler during a write
  std::string failure_;  // sticky: the first error seen
  std::shared_ptr<spdlog::logger> json_;
  std::shared_ptr<spdlog::logger> human_;
};

// A file sink for JSON lines at `path`, truncated (or appended to when
// `append`). Fails with the reason when the file cannot be opened.
Result<LogSink> open_json_log_file(const std::string& path, bool append = false);

// Standard output, in colour when it is a terminal.
LogSink human_console_sink();

}  // namespace docket::engine
