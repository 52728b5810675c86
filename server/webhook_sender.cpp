#include "server/webhook_sender.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <utility>

#include "server/webhooks.h"

namespace docket::server {
namespace {

constexpr std::size_t kBatch = 64;
// At most this much of an answer's body is read (and dropped).
constexpr std::size_t kMaxAnswerBytes = std::size_t{64} * 1024;

std::string trim(std::string_view text) {
  auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

void init_curl_once() {
  static const bool done = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  (void)done;
}

// One attempt's reading of the answer.
struct Answer {
  std::optional<std::string> retry_after;
  std::size_t body_bytes = 0;
  const std::atomic<bool>* stopping = nullptr;
};

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  std::string_view line(data, size * count);
  auto* answer = static_cast<Answer*>(user);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    std::string head(line.substr(0, kName.size()));
    std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
    if (head == kName) answer->retry_after = trim(line.substr(kName.size()));
  }
  return size * count;
}

std::size_t on_body(char*, std::size_t size, std::size_t count, void* user) {
  auto* answer = static_cast<Answer*>(user);
  answer->body_bytes += size * count;
  if (answer->body_bytes > kMaxAnswerBytes) return 0;  // aborts: an answer needs no more
  return size * count;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* answer = static_cast<const Answer*>(user);
  return answer->stopping->load() ? 1 : 0;
}

}  // namespace

std::optional<std::int64_t> parse_retry_after(std::string_view value, std::int64_t now_ms) {
  std::string text = trim(value);
  if (text.empty()) return std::nullopt;
  if (text.size() <= 9 && text.find_first_not_of("0123456789") == std::string::npos) return std::stoll(text) * 1000;
  time_t when = curl_getdate(text.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  return std::max<std::int64_t>(0, static_cast<std::int64_t>(when) * 1000 - now_ms);
}

engine::DeliveryAttempt next_step(const OutboxConfig& config, const engine::Delivery& delivery,
                                  const PostOutcome& outcome, std::int64_t now_ms, double jitter) {
  engine::DeliveryAttempt attempt;
  attempt.id = delivery.item.id;
  attempt.at_ms = now_ms - outcome.duration_ms;
  attempt.duration_ms = outcome.duration_ms;
  attempt.http_status = outcome.http_status;
  attempt.error = outcome.error;
  if (outcome.error.empty()) {
    attempt.status = engine::DeliveryStatus::kDelivered;
    return attempt;
  }
  std::uint32_t made = delivery.attempts + 1;
  if (made >= config.max_attempts || now_ms - delivery.queued_ms >= config.max_age_ms) {
    attempt.status = engine::DeliveryStatus::kDead;
    return attempt;
  }
  std::int64_t wait = config.backoff_ms;
  for (std::uint32_t i = 1; i < made && wait < config.max_backoff_ms; ++i) wait *= 2;
  wait = std::min(wait, config.max_backoff_ms);
  // The upper half is jittered, so receivers coming back are not hit by every sender at once.
  const std::int64_t half = wait / 2;
  wait = half + static_cast<std::int64_t>(static_cast<double>(half) * std::clamp(jitter, 0.0, 1.0));
  if (outcome.retry_after_ms) wait = std::max(wait, std::min(*outcome.retry_after_ms, config.max_age_ms));
  attempt.status = engine::DeliveryStatus::kFailed;
  attempt.next_ms = now_ms + wait;
  return attempt;
}

struct WebhookSender::Target {
  WebhookConfig hook;
  std::thread thread;
  CURL* curl = nullptr;
  std::mt19937_64 random{std::random_device{}()};

  mutable std::mutex mutex;  // guards what follows
  std::condition_variable woken;
  bool wake = false;
  TargetStats stats;
  std::uint32_t failures_in_a_row = 0;
  std::int64_t open_until_ms = 0;  // the circuit is open before this

  PostOutcome post(const engine::Delivery& delivery, std::int64_t unix_seconds, const OutboxConfig& config,
                   const std::atomic<bool>& stopping);
};

PostOutcome WebhookSender::Target::post(const engine::Delivery& delivery, std::int64_t unix_seconds,
                                        const OutboxConfig& config, const std::atomic<bool>& stopping) {
  if (curl == nullptr) curl = curl_easy_init();
  curl_easy_reset(curl);
  Answer answer;
  answer.stopping = &stopping;
  char error[CURL_ERROR_SIZE] = {};
  std::string attempt = std::to_string(delivery.attempts + 1);
  curl_slist* headers = nullptr;
  for (const std::string& header :
       {std::string("Content-Type: application/json"), "Docket-Delivery: " + delivery.item.id,
        "Docket-Attempt: " + attempt,
        "Docket-Signature: " + webhook_signature(hook.secret, unix_seconds, delivery.item.payload),
        std::string("Expect:")})
    headers = curl_slist_append(headers, header.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, hook.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "docket");
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, delivery.item.payload.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(delivery.item.payload.size()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(config.timeout_ms));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &answer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &answer);
  if (!hook.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, hook.ca_file.c_str());

  auto started = std::chrono::steady_clock::now();
  CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  PostOutcome outcome;
  outcome.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  outcome.http_status = static_cast<int>(status);
  if (code != CURLE_OK && !(code == CURLE_WRITE_ERROR && status >= 200)) {
    outcome.http_status = 0;
    outcome.error = error[0] != '\0' ? std::string(error) : std::string(curl_easy_strerror(code));
  } else if (status < 200 || status > 299) {
    outcome.error = "HTTP " + std::to_string(status);
  }
  if (answer.retry_after && (status == 429 || status == 503)) {
    outcome.retry_after_ms = parse_retry_after(*answer.retry_after, unix_seconds * 1000);
  }
  return outcome;
}

WebhookSender::WebhookSender(OutboxConfig config, std::vector<WebhookConfig> hooks, OutboxAccess access,
                             std::function<std::int64_t()> wall_clock_ms)
    : config_(config), access_(std::move(access)), wall_clock_ms_(std::move(wall_clock_ms)) {
  init_curl_once();
  for (WebhookConfig& hook : hooks) {
    auto target = std::make_unique<Target>();
    target->stats.target = hook.name;
    target->hook = std::move(hook);
    targets_.push_back(std::move(target));
  }
}

WebhookSender::~WebhookSender() {
  stop();
  for (auto& target : targets_) {
    if (target->curl != nullptr) curl_easy_cleanup(target->curl);
  }
}

void WebhookSender::start() {
  for (auto& target : targets_) {
    if (!target->thread.joinable()) target->thread = std::thread([this, t = target.get()] { run(*t); });
  }
}

void WebhookSender::wake() {
  for (auto& target : targets_) {
    {
      std::lock_guard<std::mutex> lock(target->mutex);
      target->wake = true;
    }
    target->woken.notify_one();
  }
}

void WebhookSender::stop() {
  stopping_ = true;
  wake();
  for (auto& target : targets_) {
    if (target->thread.joinable()) target->thread.join();
  }
}

std::vector<TargetStats> WebhookSender::stats() const {
  std::vector<TargetStats> result;
  std::int64_t now = now_ms();
  for (const auto& target : targets_) {
    std::lock_guard<std::mutex> lock(target->mutex);
    result.push_back(target->stats);
    result.back().circuit_open = target->open_until_ms > now;
  }
  return result;
}

std::int64_t WebhookSender::now_ms() const {
  if (wall_clock_ms_) return wall_clock_ms_();
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void WebhookSender::run(Target& target) {
  // Items in backoff become due without a wake: look at least this often.
  const std::int64_t poll_ms = std::clamp<std::int64_t>(config_.backoff_ms / 2, 50, 1000);
  while (!stopping_) {
    bool busy = deliver_due(target);
    std::unique_lock<std::mutex> lock(target.mutex);
    std::int64_t wait = poll_ms;
    if (target.open_until_ms > now_ms()) wait = std::min(wait, target.open_until_ms - now_ms());
    if (!busy && !target.wake) target.woken.wait_for(lock, std::chrono::milliseconds(wait));
    target.wake = false;
  }
}

bool WebhookSender::deliver_due(Target& target) {
  std::int64_t now = now_ms();
  bool half_open = false;
  {
    std::lock_guard<std::mutex> lock(target.mutex);
    if (target.open_until_ms > now) return false;
    half_open = target.failures_in_a_row >= config_.circuit_failures;
  }
  engine::Result<std::vector<engine::Delivery>> due = access_.due(target.hook.name, now, half_open ? 1 : kBatch);
  if (!due) {
    spdlog::error("outbox `{}`: {}", target.hook.name, due.error());
    return false;
  }
  std::vector<engine::DeliveryAttempt> attempts;
  for (const engine::Delivery& delivery : due.value()) {
    if (stopping_) break;
    PostOutcome outcome = target.post(delivery, now_ms() / 1000, config_, stopping_);
    double jitter = std::uniform_real_distribution<double>(0.0, 1.0)(target.random);
    attempts.push_back(next_step(config_, delivery, outcome, now_ms(), jitter));
    std::lock_guard<std::mutex> lock(target.mutex);
    const engine::DeliveryAttempt& made = attempts.back();
    if (made.status == engine::DeliveryStatus::kDelivered) {
      ++target.stats.delivered;
      target.failures_in_a_row = 0;
      continue;
    }
    ++target.stats.failed;
    if (made.status == engine::DeliveryStatus::kDead) ++target.stats.dead;
    target.stats.last_error = made.error;
    spdlog::warn("outbox `{}`: delivery {} attempt {} failed: {}{}", target.hook.name, made.id, delivery.attempts + 1,
                 made.error, made.status == engine::DeliveryStatus::kDead ? " (dead)" : "");
    if (++target.failures_in_a_row >= config_.circuit_failures) {
      target.open_until_ms = now_ms() + config_.circuit_open_ms;
      spdlog::warn("outbox `{}`: circuit open for {} ms after {} failures in a row", target.hook.name,
                   config_.circuit_open_ms, target.failures_in_a_row);
      break;
    }
  }
  if (attempts.empty()) return false;
  if (engine::Status kept = access_.record(attempts); !kept) {
    spdlog::error("outbox `{}`: recording {} attempts: {}", target.hook.name, attempts.size(), kept.error());
    return false;
  }
  return true;
}

}  // namespace docket::server
