#include "server/metrics.h"

#include <sstream>

namespace docket::server {
namespace {

// A label value with `\`, `"` and newlines escaped, as the format requires.
std::string label(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

void metric(std::ostringstream& out, const char* name, const char* type, const char* help, std::uint64_t value) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n' << name << ' ' << value << '\n';
}

}  // namespace

void RequestMetrics::count(const std::string& endpoint, int status) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_[{endpoint, status}];
}

std::string RequestMetrics::render(const ServiceStats& stats) const {
  std::ostringstream out;
  out << "# HELP docket_http_requests_total HTTP requests by endpoint and status.\n"
      << "# TYPE docket_http_requests_total counter\n";
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [key, value] : requests_) {
      out << "docket_http_requests_total{endpoint=\"" << label(key.first) << "\",status=\"" << key.second << "\"} "
          << value << '\n';
    }
  }
  out << "# HELP docket_events_total Events by outcome.\n# TYPE docket_events_total counter\n"
      << "docket_events_total{outcome=\"accepted\"} " << stats.events_accepted << '\n'
      << "docket_events_total{outcome=\"rejected\"} " << stats.events_rejected << '\n'
      << "docket_events_total{outcome=\"duplicate\"} " << stats.events_duplicate << '\n'
      << "docket_events_total{outcome=\"unknown_ticket\"} " << stats.events_unknown << '\n';
  metric(out, "docket_store_commits_total", "counter",
         "Durable commits of the store; units of work share them under concurrent load (group commit).", stats.commits);
  metric(out, "docket_tickets_open", "gauge", "Tickets not in a final state.", stats.tickets_open);
  metric(out, "docket_tickets", "gauge", "Tickets in the store.", stats.tickets_total);
  metric(out, "docket_timers_fired_total", "counter",
         "Journal records written by the clock (timers, SLA thresholds, approval limits).", stats.timers_fired);
  out << "# HELP docket_reloads_total Rule reloads by result.\n# TYPE docket_reloads_total counter\n"
      << "docket_reloads_total{result=\"success\"} " << stats.reload_successes << '\n'
      << "docket_reloads_total{result=\"failure\"} " << stats.reload_failures << '\n';
  metric(out, "docket_journal_last_seq", "gauge", "Sequence number of the last journal record.", stats.last_seq);
  return out.str();
}

}  // namespace docket::server
