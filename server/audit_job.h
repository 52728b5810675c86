// A verification of the whole journal in the background, for
// POST /v1/audit/verify: one at a time, its progress readable meanwhile.
//
//   AuditJob job(store_path, compile, clock);
//   bool started = job.start(durable_seq);   // false: one is running (it goes on)
//   AuditProgress progress = job.progress(); // from any thread
//   job.stop();                              // on shutdown: ends a run, joins
//
// A run checks the journal as `docket audit verify STORE` does without
// --key (engine/audit/audit_verify.h): records 1..`through` (the durable
// head when the run was asked for; later records are not looked at), the
// store's checkpoints up to there, signed by the keys the store holds, and
// every record replayed under the rules of its pinned version, compiled
// again from the store by `compile`.
//
// A run never takes the service's mutex: it opens its own read-only
// connection to the store file (SQLite in WAL mode lets it read while the
// service writes) and reads the journal in batches (kAuditBatchRows rows),
// each in its own read transaction, so that it does not keep the service's
// writes from being checkpointed into the database file for the whole run.
//
// States: idle (never run), running, done (the verification ended: `ok`
// says whether the journal holds), failed (it could not be verified: the
// store could not be read, a stored version does not compile, or the run
// was stopped).

#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "engine/audit/audit_verify.h"
#include "engine/runtime/clock.h"
#include "engine/store/recovery.h"

namespace docket::server {

// Rows a run reads in one read transaction.
inline constexpr std::uint64_t kAuditBatchRows = 5'000;

struct AuditProgress {
  enum class State : std::uint8_t { kIdle, kRunning, kDone, kFailed };
  State state = State::kIdle;
  std::uint64_t checked = 0;  // rows verified so far
  std::uint64_t total = 0;    // rows to verify: 1..`through`
  std::int64_t started_at = 0;
  std::int64_t finished_at = 0;  // 0 while running
  bool ok = false;               // done, and nothing found
  // One line: what was verified, the finding ("seq 7: altered: ..."), or why
  // the run failed.
  std::string summary;
  // kDone: the verifier's report; finding is the first bad record.
  std::optional<engine::AuditFinding> finding;
  std::uint64_t signed_through = 0;
  std::size_t checkpoints_verified = 0;
  std::size_t versions = 0;  // stored versions compiled for the rules check
  std::size_t tickets = 0;
};

// "idle", "running", "done", "failed".
const char* to_string(AuditProgress::State state);

class AuditJob {
 public:
  // `clock` stamps started_at and finished_at and must outlive the job.
  // `batch_rows`: rows read in one read transaction.
  AuditJob(std::string store_path, engine::CompileVersion compile, const engine::Clock& clock,
           std::uint64_t batch_rows = kAuditBatchRows);
  ~AuditJob();
  AuditJob(const AuditJob&) = delete;
  AuditJob& operator=(const AuditJob&) = delete;

  // Starts a run over records 1..`through` unless one is running or the job
  // was stopped; whether it started.
  bool start(std::uint64_t through);
  AuditProgress progress() const;
  // Waits until no run is under way, at most `timeout`; whether none is.
  bool wait(std::chrono::milliseconds timeout) const;
  // Ends a run under way (it fails, "stopped") and joins its thread; later
  // start()s refuse. Idempotent.
  void stop();

 private:
  void run(std::uint64_t through);
  // The run's verification; fills the progress it returns but its times.
  AuditProgress verify(std::uint64_t through);
  void finish(AuditProgress result);

  const std::string store_path_;
  const engine::CompileVersion compile_;
  const engine::Clock& clock_;
  const std::uint64_t batch_rows_;

  mutable std::mutex mutex_;  // guards everything below
  mutable std::condition_variable finished_;
  AuditProgress progress_;
  bool stopped_ = false;
  std::thread thread_;
  std::atomic<std::uint64_t> checked_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace docket::server
