#include "server/audit_job.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "engine/model/text.h"
#include "engine/store/open_store.h"
#include "engine/store/signing.h"

namespace docket::server {
namespace {

using engine::JournalRow;
using engine::Status;

// The rows 1..`through` of `store`, in batches, each its own read
// transaction; `stopping` ends the reading with an error.
Status read_in_batches(engine::Store& store, std::uint64_t through, std::uint64_t batch_rows,
                       const std::atomic<bool>& stopping, std::atomic<std::uint64_t>& checked,
                       const std::function<Status(const JournalRow&)>& each) {
  std::uint64_t next = 1;
  while (next <= through) {
    if (stopping) return Status::failure("stopped: the service is shutting down");
    std::uint64_t last = std::min(through, next + batch_rows - 1);
    std::uint64_t rows = 0;
    std::optional<Status> failed;  // from `each`, not the end of a batch
    Status read = store.read_journal(next, [&](const JournalRow& row) {
      if (row.seq > last) return Status::failure("");
      if (stopping) {
        failed = Status::failure("stopped: the service is shutting down");
        return *failed;
      }
      if (Status s = each(row); !s) {
        failed = s;
        return s;
      }
      ++rows;
      checked.fetch_add(1, std::memory_order_relaxed);
      next = row.seq + 1;
      // A failure is the one way to end read_journal early.
      return row.seq == last ? Status::failure("") : Status::success();
    });
    if (failed) return *failed;
    if (!read && !read.error().empty()) return read;
    if (rows == 0) break;  // the journal ends before `through`: the verifier says so
  }
  return Status::success();
}

std::string verified_text(const engine::AuditReport& report, const AuditProgress& progress) {
  std::string text = std::to_string(report.records) + " records";
  if (report.records > 0) text += ", seq 1-" + std::to_string(report.last_seq);
  text += ", hash chain intact; ";
  if (report.checkpoints_verified == 0) {
    text += "no signed checkpoint";
  } else {
    text += std::to_string(report.checkpoints_verified) +
            (report.checkpoints_verified == 1 ? " signed checkpoint" : " signed checkpoints") +
            " verified (through seq " + std::to_string(report.signed_through) + ")";
  }
  return text + "; every record legal under its pinned version (" + std::to_string(progress.versions) +
         (progress.versions == 1 ? " version, " : " versions, ") + std::to_string(report.tickets) +
         (report.tickets == 1 ? " ticket)" : " tickets)");
}

}  // namespace

const char* to_string(AuditProgress::State state) {
  switch (state) {
    case AuditProgress::State::kIdle:
      return "idle";
    case AuditProgress::State::kRunning:
      return "running";
    case AuditProgress::State::kDone:
      return "done";
    case AuditProgress::State::kFailed:
      return "failed";
  }
  return "idle";
}

AuditJob::AuditJob(std::string store_path, engine::CompileVersion compile, const engine::Clock& clock,
                   std::uint64_t batch_rows)
    : store_path_(std::move(store_path)),
      compile_(std::move(compile)),
      clock_(clock),
      batch_rows_(std::max<std::uint64_t>(batch_rows, 1)) {}

AuditJob::~AuditJob() { stop(); }

bool AuditJob::start(std::uint64_t through) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopped_ || progress_.state == AuditProgress::State::kRunning) return false;
  // The previous run has finished: its thread only has to be joined.
  if (thread_.joinable()) thread_.join();
  progress_ = AuditProgress{};
  progress_.state = AuditProgress::State::kRunning;
  progress_.total = through;
  progress_.started_at = clock_.now();
  checked_ = 0;
  thread_ = std::thread([this, through] { run(through); });
  return true;
}

AuditProgress AuditJob::progress() const {
  std::lock_guard<std::mutex> lock(mutex_);
  AuditProgress progress = progress_;
  if (progress.state == AuditProgress::State::kRunning) progress.checked = checked_.load();
  return progress;
}

bool AuditJob::wait(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return finished_.wait_for(lock, timeout, [this] { return progress_.state != AuditProgress::State::kRunning; });
}

void AuditJob::stop() {
  std::thread thread;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
    stopping_ = true;
    thread = std::move(thread_);
  }
  if (thread.joinable()) thread.join();
}

void AuditJob::run(std::uint64_t through) {
  AuditProgress result = verify(through);
  if (result.state == AuditProgress::State::kFailed) {
    spdlog::error("audit verification failed: {}", engine::printable(result.summary));
  } else {
    spdlog::info("audit verification: {}", engine::printable(result.summary));
  }
  finish(std::move(result));
}

AuditProgress AuditJob::verify(std::uint64_t through) {
  AuditProgress result;
  result.state = AuditProgress::State::kFailed;
  result.total = through;
  auto store = engine::open_store_for_reading(store_path_);
  if (!store) {
    result.summary = store.error();
    return result;
  }
  engine::Store& reader = *store.value();
  engine::AuditInput input;
  auto checkpoints = reader.checkpoints();
  auto keys = reader.public_keys();
  auto versions = engine::compile_versions(reader, compile_);
  for (const std::string* error : {checkpoints ? nullptr : &checkpoints.error(), keys ? nullptr : &keys.error(),
                                   versions ? nullptr : &versions.error()}) {
    if (error == nullptr) continue;
    result.summary = *error;
    return result;
  }
  // The checkpoints of the records verified: a later one would say the journal was cut short.
  for (const engine::Checkpoint& checkpoint : checkpoints.value()) {
    if (checkpoint.seq <= through) input.checkpoints.push_back(checkpoint);
  }
  for (const std::string& pem : keys.value()) {
    auto key = engine::VerifyKey::from_pem(pem, store_path_);
    if (key) (void)input.keys.add(std::move(key).value());
  }
  input.versions = std::move(versions).value();
  result.versions = input.versions.size();
  input.rows = [&](const std::function<Status(const JournalRow&)>& each) {
    return read_in_batches(reader, through, batch_rows_, stopping_, checked_, each);
  };
  engine::AuditReport report = engine::verify_journal(input);
  result.checked = checked_.load();
  if (!report.error.empty()) {
    result.summary = report.error;
    return result;
  }
  result.state = AuditProgress::State::kDone;
  result.ok = report.ok();
  result.finding = report.finding;
  result.signed_through = report.signed_through;
  result.checkpoints_verified = report.checkpoints_verified;
  result.tickets = report.tickets;
  result.summary = report.finding ? "seq " + std::to_string(report.finding->seq) + ": " + report.finding->problem +
                                        ": " + report.finding->detail
                                  : verified_text(report, result);
  return result;
}

void AuditJob::finish(AuditProgress result) {
  std::lock_guard<std::mutex> lock(mutex_);
  result.started_at = progress_.started_at;
  result.finished_at = clock_.now();
  progress_ = std::move(result);
  finished_.notify_all();
}

}  // namespace docket::server
