// Counters for GET /metrics, in the Prometheus text format (version 0.0.4).
//
// Request counts are kept here, by endpoint (the route pattern, so that
// ticket ids do not explode the label set) and status; the engine's
// counters come from Service::stats() when the page is rendered.

#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "server/service.h"

namespace docket::server {

class RequestMetrics {
 public:
  // Thread-safe.
  void count(const std::string& endpoint, int status);
  // The whole page: requests, events, tickets, timers, reloads.
  std::string render(const ServiceStats& stats) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
};

}  // namespace docket::server
