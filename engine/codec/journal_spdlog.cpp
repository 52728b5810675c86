#include "engine/codec/journal_spdlog.h"

#include <spdlog/logger.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <utility>

#include "engine/codec/journal_json.h"
#include "engine/codec/journal_text.h"

namespace docket::engine {
namespace {

std::shared_ptr<spdlog::logger> make_logger(const char* name, std::vector<LogSink> sinks, const char* pattern,
                                            std::string& error) {
  for (const LogSink& sink : sinks) sink->set_level(spdlog::level::trace);
  auto logger = std::make_shared<spdlog::logger>(name, sinks.begin(), sinks.end());
  logger->set_pattern(pattern);
  logger->set_level(spdlog::level::trace);
  logger->flush_on(spdlog::level::trace);
  logger->set_error_handler([&error](const std::string& message) {
    if (error.empty()) error = message;
  });
  return logger;
}

spdlog::level::level_enum human_level(const Record& record) {
  switch (record.kind) {
    case RecordKind::kRejection:
    case RecordKind::kBreach:
    case RecordKind::kEscalation:
    case RecordKind::kApprovalTimeout:
      return spdlog::level::warn;
    default:
      return spdlog::level::info;
  }
}

}  // namespace

SpdlogJournal::SpdlogJournal(SpdlogJournalSinks sinks)
    : json_(make_logger("docket.journal", std::move(sinks.json), "%v", error_)),
      human_(make_logger("docket.journal.human", std::move(sinks.human), "%^%v%$", error_)) {}

SpdlogJournal::~SpdlogJournal() = default;

Status SpdlogJournal::write(std::span<const Record> records) {
  if (!failure_.empty()) return Status::failure("the journal stopped after a write error: " + failure_);
  if (records.empty()) return Status::success();
  error_.clear();
  if (!json_->sinks().empty()) {
    std::string batch;
    for (const Record& record : records) {
      if (!batch.empty()) batch += '\n';
      batch += encode_record(record);
    }
    json_->log(spdlog::level::info, spdlog::string_view_t(batch.data(), batch.size()));
  }
  if (error_.empty()) {
    for (const Record& record : records) {
      std::string line = format_record_line(record);
      human_->log(human_level(record), spdlog::string_view_t(line.data(), line.size()));
    }
  }
  if (!error_.empty()) {
    failure_ = error_;
    return Status::failure(failure_);
  }
  return Status::success();
}

Result<LogSink> open_json_log_file(const std::string& path, bool append) {
  try {
    return Result<LogSink>::success(std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, !append));
  } catch (const spdlog::spdlog_ex& error) {
    return Result<LogSink>::failure(error.what());
  }
}

LogSink human_console_sink() { return std::make_shared<spdlog::sinks::stdout_color_sink_mt>(); }

}  // namespace docket::engine
