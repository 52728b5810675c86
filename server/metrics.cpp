#include "server/metrics.h"

#include <map>
#include <sstream>
#include <string>
#include <utility>

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

// Items not delivered by target and status, every status of every target
// named (zeros included, so that an alert sees a series drop to 0), the
// sender's attempts, its circuits and the oldest undelivered item's age.
void outbox_metrics(std::ostringstream& out, const ServiceStats& stats) {
  if (stats.webhooks.empty() && stats.outbox.counts.empty()) return;
  std::map<std::pair<std::string, std::string>, std::uint64_t> items;
  for (const TargetStats& target : stats.webhooks) {
    for (const char* status : {"pending", "failed", "dead"}) items[{target.target, status}] = 0;
  }
  for (const engine::OutboxCount& count : stats.outbox.counts)
    items[{count.target, engine::to_string(count.status)}] = count.items;
  out << "# HELP docket_outbox_items Outbox items not delivered, by target and status.\n"
      << "# TYPE docket_outbox_items gauge\n";
  for (const auto& [key, value] : items)
    out << "docket_outbox_items{target=\"" << label(key.first) << "\",status=\"" << key.second << "\"} " << value
        << '\n';
  out << "# HELP docket_outbox_attempts_total Delivery attempts since start, by target and outcome.\n"
      << "# TYPE docket_outbox_attempts_total counter\n";
  for (const TargetStats& target : stats.webhooks) {
    out << "docket_outbox_attempts_total{target=\"" << label(target.target) << "\",outcome=\"delivered\"} "
        << target.delivered << '\n'
        << "docket_outbox_attempts_total{target=\"" << label(target.target) << "\",outcome=\"failed\"} "
        << target.failed << '\n';
  }
  out << "# HELP docket_outbox_dead_total Items given up since start (dead-letter), by target.\n"
      << "# TYPE docket_outbox_dead_total counter\n";
  for (const TargetStats& target : stats.webhooks)
    out << "docket_outbox_dead_total{target=\"" << label(target.target) << "\"} " << target.dead << '\n';
  out << "# HELP docket_outbox_circuit_open Whether a target's circuit is open (its items wait).\n"
      << "# TYPE docket_outbox_circuit_open gauge\n";
  for (const TargetStats& target : stats.webhooks)
    out << "docket_outbox_circuit_open{target=\"" << label(target.target) << "\"} " << (target.circuit_open ? 1 : 0)
        << '\n';
  double age = 0;
  if (stats.outbox.oldest_undelivered_ms && stats.wall_ms > *stats.outbox.oldest_undelivered_ms)
    age = static_cast<double>(stats.wall_ms - *stats.outbox.oldest_undelivered_ms) / 1000.0;
  out << "# HELP docket_outbox_oldest_undelivered_seconds Age of the oldest pending or failed item; 0 when none.\n"
      << "# TYPE docket_outbox_oldest_undelivered_seconds gauge\n"
      << "docket_outbox_oldest_undelivered_seconds " << age << '\n';
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
  outbox_metrics(out, stats);
  metric(out, "docket_journal_long_polls", "gauge", "GET /v1/journal requests waiting for new records now.",
         stats.long_polls);
  return out.str();
}

}  // namespace docket::server
