// The outbox as JSON, for GET /v1/outbox and `docket outbox list --format json`.
// A page: {"items":[...], "next": cursor or null, "summary": {"undelivered":
// [{"target","status","items"}], "oldest_undelivered_at"}}.
//
// An item: {"id","seq","part","ticket","target","status","attempts",
// "queued_at","next_attempt_at","finished_at","last_http_status","last_error"},
// times in UTC with milliseconds, null where they do not apply. The detail
// of one item adds "payload" (the JSON sent, as it is) and "history" (every
// attempt: number, at, duration_ms, http_status, error, outcome).

#pragma once

#include <cstdint>
#include <string>

#include "engine/store/outbox.h"
#include "server/service.h"

namespace docket::server {

// "2026-12-06T10:35:01.604Z".
std::string iso_milliseconds(std::int64_t ms);

std::string outbox_page_json(const engine::OutboxPage& page, const engine::OutboxSummary& summary);
std::string delivery_json(const DeliveryInfo& info);

}  // namespace docket::server
