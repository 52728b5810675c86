// The background sender: delivers the outbox to the webhooks, at least once.
//
//   WebhookSender sender(config.outbox, config.webhooks, access);
//   sender.start();   // one thread per target
//   sender.wake();    // after a commit: new items may be due
//   sender.stop();    // aborts attempts in flight; they are retried later
//
// Each target has its own thread and its own HTTP connection (libcurl, kept
// alive), so a slow or dead receiver holds only its own items. A thread
// takes the items that are due (engine/store/outbox.h: the earliest open
// item of each ticket, of units known durable), posts them one at a time in
// journal order, and records every attempt through OutboxAccess, which the
// service runs under its lock; no HTTP request is made under that lock, so
// units of work never wait for a receiver.
//
// An attempt succeeds on a 2xx answer. Anything else is retried after
// backoff * 2^(attempt-1), capped at max_backoff, with the upper half
// jittered, and never before a Retry-After the receiver gave. An item is
// dead after max_attempts attempts or once it is older than max_age.
// circuit_failures failures in a row open the target's circuit: nothing is
// tried for circuit_open, then one item is (half open); a success closes it.

#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/model/result.h"
#include "engine/store/outbox.h"
#include "server/config.h"

namespace docket::server {

// How the sender reaches the outbox; each call is short and may lock.
struct OutboxAccess {
  std::function<engine::Result<std::vector<engine::Delivery>>(std::string_view target, std::int64_t now_ms,
                                                              std::size_t limit)>
      due;
  std::function<engine::Status(std::span<const engine::DeliveryAttempt>)> record;
};

// One POST's outcome.
struct PostOutcome {
  int http_status = 0;  // 0: no answer
  std::string error;    // "" on a 2xx
  std::optional<std::int64_t> retry_after_ms;
  std::int64_t duration_ms = 0;
};

// What happens to an item after an attempt with `outcome` (the item's
// attempts before this one in `delivery`): delivered, retried when, or dead.
engine::DeliveryAttempt next_step(const OutboxConfig& config, const engine::Delivery& delivery,
                                  const PostOutcome& outcome, std::int64_t now_ms, double jitter);

// Retry-After as seconds ("120") or an HTTP date, in milliseconds from
// `now_ms`; nullopt when it is neither.
std::optional<std::int64_t> parse_retry_after(std::string_view value, std::int64_t now_ms);

struct TargetStats {
  std::string target;
  std::uint64_t delivered = 0;  // attempts that succeeded
  std::uint64_t failed = 0;     // attempts that failed
  std::uint64_t dead = 0;       // items given up
  bool circuit_open = false;
  std::string last_error;
};

class WebhookSender {
 public:
  WebhookSender(OutboxConfig config, std::vector<WebhookConfig> hooks, OutboxAccess access,
                std::function<std::int64_t()> wall_clock_ms = nullptr);
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  void start();
  // Wakes every target: items may be due. Never blocks.
  void wake();
  // Stops the threads, aborting attempts in flight (recorded as failed).
  void stop();
  std::vector<TargetStats> stats() const;

 private:
  struct Target;
  void run(Target& target);
  // One round: the due items posted and recorded; whether any was due.
  bool deliver_due(Target& target);
  std::int64_t now_ms() const;

  OutboxConfig config_;
  OutboxAccess access_;
  std::function<std::int64_t()> wall_clock_ms_;
  std::vector<std::unique_ptr<Target>> targets_;
  std::atomic<bool> stopping_{false};
};

}  // namespace docket::server
