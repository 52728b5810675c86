#include "server/outbox_json.h"

#include <nlohmann/json.hpp>

#include "engine/model/value.h"

namespace docket::server {
namespace {

using json = nlohmann::json;

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

json time_or_null(std::int64_t ms) { return ms > 0 ? json(iso_milliseconds(ms)) : json(nullptr); }

json item_json(const engine::Delivery& delivery) {
  bool open = delivery.status == engine::DeliveryStatus::kPending || delivery.status == engine::DeliveryStatus::kFailed;
  return {{"id", delivery.item.id},
          {"seq", delivery.item.seq},
          {"part", delivery.item.part},
          {"ticket", delivery.item.ticket},
          {"target", delivery.item.target},
          {"status", engine::to_string(delivery.status)},
          {"attempts", delivery.attempts},
          {"queued_at", iso_milliseconds(delivery.queued_ms)},
          {"next_attempt_at", open ? time_or_null(delivery.next_ms) : json(nullptr)},
          {"finished_at", time_or_null(delivery.finished_ms)},
          {"last_http_status", delivery.last_http_status > 0 ? json(delivery.last_http_status) : json(nullptr)},
          {"last_error", delivery.last_error.empty() ? json(nullptr) : json(delivery.last_error)}};
}

json summary_json(const engine::OutboxSummary& summary) {
  json counts = json::array();
  for (const engine::OutboxCount& count : summary.counts)
    counts.push_back({{"target", count.target}, {"status", engine::to_string(count.status)}, {"items", count.items}});
  return {{"undelivered", counts},
          {"oldest_undelivered_at",
           summary.oldest_undelivered_ms ? json(iso_milliseconds(*summary.oldest_undelivered_ms)) : json(nullptr)}};
}

}  // namespace

std::string iso_milliseconds(std::int64_t ms) {
  std::int64_t seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  std::string text = engine::format_timestamp(seconds);
  std::string fraction = std::to_string(1000 + (ms - seconds * 1000)).substr(1);
  if (!text.empty() && text.back() == 'Z') text.insert(text.size() - 1, "." + fraction);
  return text;
}

std::string outbox_page_json(const engine::OutboxPage& page, const engine::OutboxSummary& summary) {
  json items = json::array();
  for (const engine::Delivery& delivery : page.items) items.push_back(item_json(delivery));
  return dump({{"items", items},
               {"next", page.next > 0 ? json(std::to_string(page.next)) : json(nullptr)},
               {"summary", summary_json(summary)}});
}

std::string delivery_json(const DeliveryInfo& info) {
  json item = item_json(info.delivery);
  json history = json::array();
  for (const engine::AttemptRow& row : info.attempts) {
    history.push_back({{"number", row.number},
                       {"at", iso_milliseconds(row.attempt.at_ms)},
                       {"duration_ms", row.attempt.duration_ms},
                       {"http_status", row.attempt.http_status > 0 ? json(row.attempt.http_status) : json(nullptr)},
                       {"error", row.attempt.error.empty() ? json(nullptr) : json(row.attempt.error)},
                       {"outcome", engine::to_string(row.attempt.status)}});
  }
  item["history"] = history;
  // The payload is JSON the store wrote; kept as text when it does not parse.
  json payload = json::parse(info.delivery.item.payload, nullptr, false);
  item["payload"] = payload.is_discarded() ? json(info.delivery.item.payload) : payload;
  return dump(item);
}

}  // namespace docket::server
