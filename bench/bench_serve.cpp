// The service: the real `docket serve` binary on 127.0.0.1, driven over
// HTTP/1.1 by clients written on plain POSIX sockets, against the store's
// own rate measured in the same run with `docket run --store`.
//
// Cells: keep-alive clients (one connection each, reused until the server
// answers `Connection: close`) and fresh-connection clients (a new TCP
// connection per request), 1, 8 and 32 at once (one thread each), for
//   creates  POST /v1/tickets, a new ticket id per request;
//   events   POST /v1/tickets/{id}/events, `registered` by the intake
//            specialist on the tickets the creates cell before it made
//            (registering -> classifying), one event per ticket.
// A cell stops when its requests are done or its time is up. For each:
// requests/s, p50 and p99 latency (from connecting or writing the request to
// the last byte of the answer) and the server's CPU time over the cell
// (utime + stime, /proc/PID/stat). On loopback the clients and the server
// share the machine's cores.
//
// The server runs as in production: sync = "full", its default worker
// threads, one log line per request at level info, a fresh store,
// rules/after_sales.docket in its rules folder. Its clock runs at real speed
// from Monday 2026-11-23 09:00 Beijing time, so no timer comes due during
// the run (the first is 1h30m of office time after a create).
//
// The baseline: `docket run --store` on the same creates and events with
// --sync full, one unit per commit (--batch 1: what the server does for a
// request) and with group commit (--batch 100). Its rates leave out the
// fixed cost of a run (starting, compiling the rules, opening the store),
// measured by runs without events; measured before the cells and again
// after them, the two added up.
//
//   bench_serve [--quick] [--dir DIR] [--docket BINARY]
//
// DIR: where the stores go (the disk measured). Exits 1 when any request
// fails (a status other than 2xx, a broken connection, no answer within
// 10 s), with the first failure: a figure measured on errors is worse than
// none.

#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <latch>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "bench/bench_common.h"
#include "bench/bench_http.h"
#include "bench/bench_process.h"

namespace docket::bench {
namespace {

// What a benchmark run needs from its command line.
struct Settings : ServiceOptions {
  double cell_seconds = 3;
  std::size_t cell_requests = 30000;  // at most, per cell
  std::size_t baseline_unbatched = 2000;
  std::size_t baseline_batched = 20000;

  // The sizes of --quick.
  void make_quick() {
    cell_seconds = 1;
    cell_requests = 10000;
    baseline_unbatched = 1000;
    baseline_batched = 5000;
  }
};

// ---------------------------------------------------------------- the workload

const char* const kActor = "zhang";  // intake_specialist: creates and `registered`
const char* const kToken = "bench-token-zhang";

// The create body of tests/server/server_harness.h's new_ticket().
std::string ticket_data() {
  return R"({"customer": "C-1001", "contact": "138-0000-1001", "channel": "phone", )"
         R"("purchase_date": "2026-11-01T10:00:00+08:00", "problem": "the washing machine's plug smokes", )"
         R"("expected_resolution": "2026-11-23T18:00:00+08:00", "mood": "calm", "order_amount": 3999.00})";
}

const char* const kEventData = R"({"problem_confirmed": true})";

std::string ticket_id(const std::string& prefix, std::size_t n) { return prefix + "-" + std::to_string(n); }

// An events file for `docket run`: `units` creates (`registered` false) or
// `registered` on the tickets those created.
void write_events_file(const std::string& path, std::size_t units, bool registered) {
  const std::string actor = std::string(R"("actor": {"id": ")") + kActor + R"(", "roles": ["intake_specialist"]})";
  std::string text;
  for (std::size_t n = 0; n < units; ++n) {
    if (registered) {
      text += R"({"at": "2026-11-23T09:00:30+08:00", "ticket": ")" + ticket_id("B", n) +
              R"(", "event": "registered", )" + actor + R"(, "data": )" + kEventData + "}\n";
    } else {
      text += R"({"at": "2026-11-23T09:00:00+08:00", "ticket": ")" + ticket_id("B", n) + R"(", "event": "create", )" +
              actor + R"(, "data": )" + ticket_data() + "}\n";
    }
  }
  write_text(path, text);
}

// ---------------------------------------------------------------- the baseline

// Time and CPU that `docket run` spent on units, its fixed cost taken off.
struct Spent {
  std::size_t units = 0;
  double seconds = 0;
  double cpu_seconds = 0;

  double rate() const { return static_cast<double>(units) / seconds; }
  double cpu_ms_per_unit() const { return cpu_seconds * 1e3 / static_cast<double>(units); }
};

// The store's rates with one group-commit setting, summed over measurements.
struct StoreRates {
  explicit StoreRates(std::size_t units_per_commit) : batch(units_per_commit) {}

  std::size_t batch;  // --batch
  Spent creates;
  Spent events;
};

// `docket run` on the store `store`; checks that every event was accepted.
Finished docket_run(const Settings& settings, const std::string& dir, const std::string& store,
                    const std::string& events, std::size_t expected, std::size_t batch) {
  Finished finished = run_program({settings.docket, "run", source_dir() + "/rules/after_sales.docket", "--events",
                                   events, "--store", store, "--sync", "full", "--batch", std::to_string(batch), "-q"},
                                  "", dir + "/run.out");
  std::string wanted = "(" + std::to_string(expected) + " accepted, 0 rejected, 0 duplicates)";
  if (finished.output.find(wanted) == std::string::npos) {
    die("docket run " + events + ": not every event was accepted, wanted " + wanted + ":\n" + finished.output);
  }
  return finished;
}

// One measurement of the store through `docket run`, added to `rates`: on a
// fresh store, a run with no events (the fixed cost: start, rules, opening
// the store), `units` creates, again no events (the fixed cost now that the
// store holds the tickets), `units` events. Each rate is the difference
// between a run and the fixed cost just before it.
void measure_store(const Settings& settings, const std::string& dir, std::size_t units, StoreRates& rates) {
  std::string none = dir + "/none.jsonl";
  std::string creates = dir + "/creates.jsonl";
  std::string events = dir + "/events.jsonl";
  write_events_file(none, 0, false);
  write_events_file(creates, units, false);
  write_events_file(events, units, true);
  std::string store = dir + "/run.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(store + suffix);

  Finished empty = docket_run(settings, dir, store, none, 0, rates.batch);
  Finished created = docket_run(settings, dir, store, creates, units, rates.batch);
  Finished full = docket_run(settings, dir, store, none, 0, rates.batch);
  Finished registered = docket_run(settings, dir, store, events, units, rates.batch);
  Spent creates_spent{units, created.wall_seconds - empty.wall_seconds, created.cpu_seconds - empty.cpu_seconds};
  Spent events_spent{units, registered.wall_seconds - full.wall_seconds, registered.cpu_seconds - full.cpu_seconds};
  std::fprintf(stderr, "bench_serve: docket run --batch %zu: %.0f creates/s, %.0f events/s (%zu of each)\n",
               rates.batch, creates_spent.rate(), events_spent.rate(), units);
  for (auto [sum, spent] : {std::pair{&rates.creates, creates_spent}, std::pair{&rates.events, events_spent}}) {
    sum->units += spent.units;
    sum->seconds += spent.seconds;
    sum->cpu_seconds += spent.cpu_seconds;
  }
}

// ---------------------------------------------------------------- the server

class Server {
 public:
  Server(const Settings& settings, const std::string& dir) : settings_(settings), dir_(dir) {
    std::filesystem::create_directories(dir_ + "/rules");
    std::filesystem::copy_file(source_dir() + "/rules/after_sales.docket", dir_ + "/rules/after_sales.docket");
    digest_ = hash_token(settings_.docket, dir_, kToken);
  }

  // Starts the server on a fresh store and waits (at most 10 s) until it
  // answers GET /v1/health.
  void start() {
    // The benchmark measures capacity: no rate limit. A server from before
    // the rate limit does not know the key and refuses it; then once more
    // without it.
    if (try_start(true)) return;
    std::string output = read_file(dir_ + "/server.out");
    if (output.find("unknown key `rate_limit`") == std::string::npos) die("the server did not start:\n" + output);
    std::fprintf(stderr, "bench_serve: this server has no rate_limit setting; started without it\n");
    if (!try_start(false)) die("the server did not start:\n" + read_file(dir_ + "/server.out"));
  }

  // SIGTERM, and a clean exit within 30 s.
  void stop() { stop_server(dir_); }

  int port() const { return port_; }
  pid_t pid() const { return server_pid; }
  const std::string& dir() const { return dir_; }

 private:
  // False when the server exits before it answers.
  bool try_start(bool disable_rate_limit) {
    write_text(dir_ + "/docket.toml", serve_config(disable_rate_limit, digest_, kActor));
    port_ = start_server(settings_.docket, dir_);
    return port_ != 0;
  }

  const Settings& settings_;
  std::string dir_;
  std::string digest_;
  int port_ = 0;
};

// ---------------------------------------------------------------- cells

enum class Work { kCreates, kEvents };

struct Cell {
  Work work = Work::kCreates;
  bool keep_alive = true;
  int clients = 1;
  std::string prefix;  // ticket ids: PREFIX-N
  std::size_t limit = 0;

  std::string name() const {
    return std::string("serve ") + (work == Work::kCreates ? "creates" : "events") +
           (keep_alive ? ", keep-alive, " : ", new connection each, ") + std::to_string(clients) +
           (clients == 1 ? " client" : " clients");
  }
};

struct Measured {
  std::size_t requests = 0;  // all answered with 2xx
  double seconds = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double server_cpu_seconds = 0;
  std::size_t connections = 0;
  std::size_t retries = 0;

  double rate() const { return static_cast<double>(requests) / seconds; }
  double cpu_ms_per_request() const { return server_cpu_seconds * 1e3 / static_cast<double>(requests); }
};

// What one client thread saw.
struct Tally {
  std::vector<double> latencies_ms;
  ConnectionUse connections;
  std::size_t failures = 0;
  std::string first_failure;
  Clock::time_point first_failure_at;
};

void run_client(const Server& server, const Cell& cell, Clock::time_point deadline, std::atomic<std::size_t>& next,
                Tally& tally) {
  const std::string token = kToken;
  const std::string create_target = "/v1/tickets";
  const std::string event_body = std::string(R"({"event": "registered", "data": )") + kEventData + "}";
  Connection connection;
  tally.latencies_ms.reserve(cell.limit / static_cast<std::size_t>(cell.clients) + 1);
  auto fail = [&](const std::string& what) {
    if (tally.failures++ > 0) return;
    tally.first_failure = what;
    tally.first_failure_at = Clock::now();
  };
  // Each pass takes one request number; the numbers and the time are both bounded.
  for (;;) {
    if (Clock::now() >= deadline) break;
    std::size_t n = next.fetch_add(1);
    if (n >= cell.limit) break;
    std::string id = ticket_id(cell.prefix, n);
    std::string target = cell.work == Work::kCreates ? create_target : "/v1/tickets/" + id + "/events";
    std::string body =
        cell.work == Work::kCreates ? R"({"id": ")" + id + R"(", "data": )" + ticket_data() + "}" : event_body;
    std::string request = http_request("POST", server.port(), target, token, body, cell.keep_alive);
    std::string what = "POST " + target + (cell.work == Work::kCreates ? " (" + id + ")" : "");

    Clock::time_point start = Clock::now();
    std::string error;
    Answer answer;
    bool ok = send_request(connection, server.port(), request, answer, error, &tally.connections);
    double ms = ms_between(start, Clock::now());
    if (!ok) {
      fail(what + ": " + error);  // send_request() closed the connection
      continue;
    }
    if (answer.status < 200 || answer.status >= 300) {
      fail(what + ": status " + std::to_string(answer.status) + ": " + answer.body);
    } else {
      tally.latencies_ms.push_back(ms);
    }
    if (!cell.keep_alive) connection.close();  // send_request() closed it after `answer.close`
  }
}

// Runs one cell; `label` names it on stderr.
Measured run_cell(const Server& server, const Cell& cell, const Settings& settings, const std::string& label) {
  std::atomic<std::size_t> next{0};
  std::vector<Tally> tallies(static_cast<std::size_t>(cell.clients));
  std::vector<std::thread> clients;
  std::latch ready(cell.clients + 1);
  // Written before this thread arrives at the latch, read after the clients
  // leave it: the latch orders the two.
  Clock::time_point deadline;
  for (int i = 0; i < cell.clients; ++i) {
    clients.emplace_back([&, i] {
      ready.arrive_and_wait();
      run_client(server, cell, deadline, next, tallies[static_cast<std::size_t>(i)]);
    });
  }
  double cpu_before = process_cpu_seconds(server.pid());
  Clock::time_point start = Clock::now();
  deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(settings.cell_seconds));
  ready.arrive_and_wait();
  for (std::thread& client : clients) client.join();
  Measured measured;
  measured.seconds = seconds_since(start);
  measured.server_cpu_seconds = process_cpu_seconds(server.pid()) - cpu_before;

  std::vector<double> latencies;
  std::size_t failures = 0;
  const Tally* first_failed = nullptr;
  for (const Tally& tally : tallies) {
    latencies.insert(latencies.end(), tally.latencies_ms.begin(), tally.latencies_ms.end());
    measured.connections += tally.connections.opened;
    measured.retries += tally.connections.retried;
    failures += tally.failures;
    if (tally.failures > 0 && (first_failed == nullptr || tally.first_failure_at < first_failed->first_failure_at)) {
      first_failed = &tally;
    }
  }
  if (first_failed != nullptr) {
    die(label + ": " + std::to_string(failures) + " of " + std::to_string(failures + latencies.size()) +
        " requests failed; the first: " + first_failed->first_failure + "\n(server files in " + server.dir() + ")");
  }
  if (latencies.empty()) die(label + ": no request was made");
  std::sort(latencies.begin(), latencies.end());
  measured.requests = latencies.size();
  measured.p50_ms = percentile(latencies, 0.50);
  measured.p99_ms = percentile(latencies, 0.99);
  std::fprintf(stderr,
               "bench_serve: %-48s %6zu requests in %5.2f s: %7.0f/s, p50 %7.2f ms, p99 %7.2f ms, "
               "server CPU %5.2f s (%3.0f%% of a core), %zu connections, %zu retries\n",
               label.c_str(), measured.requests, measured.seconds, measured.rate(), measured.p50_ms, measured.p99_ms,
               measured.server_cpu_seconds, 100 * measured.server_cpu_seconds / measured.seconds, measured.connections,
               measured.retries);
  return measured;
}

// ---------------------------------------------------------------- figures

void print_cell(const Cell& cell, const Measured& measured, const StoreRates& unbatched, const StoreRates& batched) {
  bool creates = cell.work == Work::kCreates;
  double single = (creates ? unbatched.creates : unbatched.events).rate();
  double grouped = (creates ? batched.creates : batched.events).rate();
  double cpu = (creates ? unbatched.creates : unbatched.events).cpu_ms_per_unit();
  std::string run1 = "docket run --batch 1";
  std::string run_batched = "docket run --batch " + std::to_string(batched.batch);

  print_figure({cell.name(), measured.rate(), "requests/s", run1, single, "units/s", ""});

  // The targets: 32 keep-alive clients at half the rate of group commit or
  // more; one keep-alive client at a p50 under 2 ms.
  Figure against_batched{"  against group commit", measured.rate(), "requests/s", run_batched, grouped, "units/s", ""};
  if (cell.keep_alive && cell.clients == 32) against_batched.target = ">= 0.5x";
  against_batched.met = measured.rate() >= 0.5 * grouped;
  print_figure(against_batched);

  Figure p50{"  p50 latency", measured.p50_ms, "ms", run1 + ", per unit", 1e3 / single, "ms", ""};
  if (cell.keep_alive && cell.clients == 1) p50.target = "< 2 ms";
  p50.met = measured.p50_ms < 2.0;
  print_figure(p50);
  print_figure({"  p99 latency", measured.p99_ms, "ms", run1 + ", per unit", 1e3 / single, "ms", ""});
  print_figure(
      {"  server CPU per request", measured.cpu_ms_per_request(), "ms", run1 + ", CPU per unit", cpu, "ms", ""});
}

}  // namespace
}  // namespace docket::bench

int main(int argc, char** argv) {
  using namespace docket::bench;
  Settings settings = take_service_settings<Settings>(argc, argv, "bench_serve");
  ScratchDir scratch(settings.dir);
  std::fprintf(stderr, "bench_serve: %s, stores under %s\n", settings.docket.c_str(), scratch.path().c_str());
  // On a shared machine the disk's speed changes from one second to the
  // next: the baseline is measured before the cells and again after them,
  // and the two are added up.
  StoreRates unbatched(1);
  StoreRates batched(100);
  auto measure_baseline = [&] {
    measure_store(settings, scratch.path(), settings.baseline_unbatched, unbatched);
    measure_store(settings, scratch.path(), settings.baseline_batched, batched);
  };
  measure_baseline();

  Server server(settings, scratch.path() + "/serve");
  server.start();
  // Warm up: the first requests pay for the store's first pages and the
  // server's first allocations.
  run_cell(server, {Work::kCreates, false, 1, "WARM", 20}, settings, "warm-up");

  std::vector<std::pair<Cell, Measured>> results;
  for (bool keep_alive : {true, false}) {
    for (int clients : {1, 8, 32}) {
      std::string prefix = (keep_alive ? "KA" : "NC") + std::to_string(clients);
      Cell creates{Work::kCreates, keep_alive, clients, prefix, settings.cell_requests};
      Measured created = run_cell(server, creates, settings, creates.name());
      results.emplace_back(creates, created);
      // One event on each ticket just created.
      Cell events{Work::kEvents, keep_alive, clients, prefix, created.requests};
      results.emplace_back(events, run_cell(server, events, settings, events.name()));
    }
  }
  server.stop();
  measure_baseline();
  for (const Spent* spent : {&unbatched.creates, &unbatched.events, &batched.creates, &batched.events}) {
    if (spent->seconds <= 0 || spent->cpu_seconds <= 0) die("docket run: the longer runs were not slower");
  }

  for (const auto& [cell, measured] : results) print_cell(cell, measured, unbatched, batched);
  return 0;
}
