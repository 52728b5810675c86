// Webhook delivery: the real `docket serve` binary on 127.0.0.1 with one
// [[webhooks]] target, and the target's receiver inside this process (a
// minimal HTTP/1.1 server on POSIX sockets, keep-alive, answering 200 at
// once), against the service's own request rates measured in the same run.
//
// Every create is of an angry customer: rules/after_sales.docket notifies
// the customer "empathy_script" when such a ticket is created, and the
// target takes `notify` actions only, so each create writes one delivery
// item in its transaction. The receiver notes, for each delivery, the time
// it had the whole request (steady clock, the clients' clock) and the
// ticket, seq, Docket-Delivery and Docket-Attempt.
//
// Phases, on one server:
//   latency     one client creates 500 tickets (--quick: 100) one at a time
//               (keep-alive) and waits for each ticket's delivery before
//               the next create:
//               the time from the 201 (the unit is durable when it is
//               answered) to the receipt, p50 and p99, against the create
//               request's own latency (p50, p99) in the same phase. The
//               sender is woken when the unit is durable, the answer goes
//               out meanwhile: a delivery may arrive before its 201, and
//               then its time is negative.
//   throughput  8 keep-alive clients create tickets as fast as the server
//               takes them, for 5 s or 30,000 tickets (--quick: 2 s or
//               10,000): creates committed per second (from the first
//               request to the last 201) against deliveries received per
//               second (from the first receipt to the last); the time
//               from each 201 to its delivery (p50, p99) under that load;
//               the backlog at the end (the last receipt after the last
//               201).
//   drain       the receiver down (its port refuses connections), 8
//               clients create tickets as in throughput; then the
//               receiver comes back.
//               The sender's circuit opens after 5 refusals; the few items
//               tried meanwhile wait for their backoff. The drain rate
//               counts the items never tried before (Docket-Attempt: 1),
//               from the first receipt to the last of them; the outbox is
//               empty once every item, retried ones too, has arrived.
//
// The server runs as in production: sync = "full", its default worker
// threads, one log line per request at level info, a fresh store,
// rules/after_sales.docket in its rules folder, the default [outbox]
// settings but circuit_open = "1s" (30 s by default: the drain phase would
// mostly wait for it). Its clock runs at real speed from Monday 2026-11-23
// 09:00 Beijing time, so no timer comes due during the run. Tokens: the
// intake specialist `zhang` (creates) and `ops` (deploy: reads the outbox).
//
//   bench_outbox [--quick] [--dir DIR] [--docket BINARY]
//
// DIR: where the store goes (the disk measured). Exits 1 when any request
// fails (a status other than 2xx, a broken connection, no answer within
// 10 s), when a delivery is missing at the end of a phase (every ticket
// created must have been delivered) or the outbox is not empty at the end.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <latch>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/bench_common.h"
#include "bench/bench_http.h"
#include "bench/bench_process.h"

namespace docket::bench {
namespace {

// What a benchmark run needs from its command line.
struct Settings : ServiceOptions {
  std::size_t latency_tickets = 500;
  // The throughput and drain phases: creates until this many are made or
  // this time has passed.
  std::size_t phase_tickets = 30000;
  double phase_seconds = 5;
  int clients = 8;

  // The sizes of --quick.
  void make_quick() {
    latency_tickets = 100;
    phase_tickets = 10000;
    phase_seconds = 2;
  }
};

// ---------------------------------------------------------------- the workload

const char* const kActor = "zhang";  // intake_specialist: creates
const char* const kToken = "bench-token-zhang";
const char* const kOpsToken = "bench-token-ops";  // deploy: reads the outbox
const char* const kTarget = "bench";              // the webhook's name

std::string ticket_id(const std::string& prefix, std::size_t n) { return prefix + "-" + std::to_string(n); }

// The create body of tests/server/server_harness.h's new_ticket(), of an
// angry customer (examples/after_sales/walkthrough.jsonl's T-1001): the
// rules notify the customer "empathy_script" in the create's unit.
std::string create_body(const std::string& id) {
  return R"({"id": ")" + id + R"(", "data": {"customer": "C-1001", "contact": "138-0000-1001", "channel": "phone", )" +
         R"("purchase_date": "2026-11-01T10:00:00+08:00", "problem": "the washing machine's plug smokes", )" +
         R"("expected_resolution": "2026-11-24T18:00:00+08:00", "mood": "angry", "order_amount": 3999.00}})";
}

// ---------------------------------------------------------------- the receiver

// One delivery as the receiver had it.
struct Receipt {
  Clock::time_point at;  // the whole request read
  std::string ticket;    // the body's "ticket"
  std::uint64_t seq = 0;
  std::string delivery;  // Docket-Delivery
  int attempt = 0;       // Docket-Attempt
};

// The string value of `key` at the top of a compact JSON object (the
// payload's "ticket" comes before any nested object); "" when absent.
std::string json_string(std::string_view body, std::string_view key) {
  std::string quoted = "\"" + std::string(key) + "\"";
  std::size_t at = body.find(quoted);
  if (at == std::string_view::npos) return "";
  at = body.find_first_not_of(" \t\r\n:", at + quoted.size());
  if (at == std::string_view::npos || body[at] != '"') return "";
  std::size_t end = body.find('"', at + 1);
  return end == std::string_view::npos ? "" : std::string(body.substr(at + 1, end - at - 1));
}

std::uint64_t json_number(std::string_view body, std::string_view key) {
  std::string quoted = "\"" + std::string(key) + "\"";
  std::size_t at = body.find(quoted);
  if (at == std::string_view::npos) return 0;
  at = body.find_first_not_of(" \t\r\n:", at + quoted.size());
  return at == std::string_view::npos ? 0 : std::strtoull(std::string(body.substr(at, 24)).c_str(), nullptr, 10);
}

// The webhook's receiver: 127.0.0.1 on a port of its own, one thread per
// connection, every well-formed delivery answered 200 with no body, at
// once. stop() closes the listening socket and every connection, so the
// port refuses connections until start() listens on it again.
class Receiver {
 public:
  ~Receiver() { stop(); }

  void start() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener_ < 0) die("receiver: socket: " + error_text(errno));
    int one = 1;
    // The port again after stop(), whatever connections are in TIME_WAIT.
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address = loopback_address(port_);
    if (::bind(listener_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      die("receiver: bind 127.0.0.1:" + std::to_string(port_) + ": " + error_text(errno));
    }
    if (::listen(listener_, 64) != 0) die("receiver: listen: " + error_text(errno));
    socklen_t size = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
    stopping_ = false;
    acceptor_ = std::thread([this] { accept_connections(); });
  }

  void stop() {
    if (listener_ < 0) return;
    stopping_ = true;
    acceptor_.join();
    ::close(listener_);
    listener_ = -1;
    // Only the acceptor adds connections, and it has stopped.
    for (int fd : connections_) ::shutdown(fd, SHUT_RDWR);
    for (std::thread& thread : threads_) thread.join();
    for (int fd : connections_) ::close(fd);
    connections_.clear();
    threads_.clear();
  }

  int port() const { return port_; }

  // The receipt of `ticket`'s first delivery; nullopt when none came by `deadline`.
  std::optional<Clock::time_point> wait_for(const std::string& ticket, Clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mutex_);
    auto found = [&] { return first_by_ticket_.count(ticket) > 0; };
    if (!arrived_.wait_until(lock, deadline, found)) return std::nullopt;
    return receipts_[first_by_ticket_.at(ticket)].at;
  }

  // Waits until tickets PREFIX-0 .. PREFIX-(count-1) have all been
  // delivered, or `deadline`; the ids of those that have not (at most 5).
  std::vector<std::string> wait_all(const std::string& prefix, std::size_t count, Clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mutex_);
    arrived_.wait_until(lock, deadline, [&] { return tickets_by_prefix_[prefix] >= count; });
    std::vector<std::string> missing;
    for (std::size_t n = 0; n < count && missing.size() < 5; ++n) {
      if (first_by_ticket_.count(ticket_id(prefix, n)) == 0) missing.push_back(ticket_id(prefix, n));
    }
    return missing;
  }

  // Every receipt of tickets PREFIX-N, in the order they arrived.
  std::vector<Receipt> receipts(const std::string& prefix) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<Receipt> result;
    for (const Receipt& receipt : receipts_) {
      if (receipt.ticket.starts_with(prefix + "-")) result.push_back(receipt);
    }
    return result;
  }

  // Deliveries that came more than once (at least once delivery: allowed).
  std::size_t duplicates() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return duplicates_;
  }

  // The first request that was not a well-formed delivery; "" when none was.
  std::string problem() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return problem_;
  }

 private:
  static constexpr std::size_t kMaxHead = 64 * 1024;
  static constexpr std::size_t kMaxBody = 1024 * 1024;

  void accept_connections() {
    while (!stopping_) {
      pollfd ready{listener_, POLLIN, 0};
      if (::poll(&ready, 1, 20) <= 0) continue;  // 20 ms: how soon stop() is seen
      int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      connections_.push_back(fd);
      threads_.emplace_back([this, fd] { serve(fd); });
    }
  }

  // Requests on one connection until it closes (or stop() shuts it down).
  void serve(int fd) {
    std::string buffer;
    char chunk[16384];
    auto fill = [&] {
      for (;;) {
        ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n > 0) {
          buffer.append(chunk, static_cast<std::size_t>(n));
          return true;
        }
        if (n < 0 && errno == EINTR) continue;
        return false;
      }
    };
    for (;;) {
      std::size_t head_end = std::string::npos;
      while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
        if (buffer.size() > kMaxHead) return note_problem("a request head over 64 KiB");
        if (!fill()) return;
      }
      std::string head = buffer.substr(0, head_end);
      std::optional<std::string_view> length = header_value(head, "Content-Length");
      std::size_t content_length = length ? std::strtoull(std::string(*length).c_str(), nullptr, 10) : 0;
      if (!length || content_length > kMaxBody) return note_problem("a request without a readable Content-Length");
      std::size_t end = head_end + 4 + content_length;
      while (buffer.size() < end) {
        if (!fill()) return;
      }
      Clock::time_point at = Clock::now();
      std::string_view body = std::string_view(buffer).substr(head_end + 4, content_length);
      Receipt receipt{at, json_string(body, "ticket"), json_number(body, "seq"), "", 0};
      std::optional<std::string_view> delivery = header_value(head, "Docket-Delivery");
      std::optional<std::string_view> attempt = header_value(head, "Docket-Attempt");
      std::optional<std::string_view> signature = header_value(head, "Docket-Signature");
      if (delivery) receipt.delivery = *delivery;
      if (attempt) receipt.attempt = std::atoi(std::string(*attempt).c_str());
      std::optional<std::string_view> connection = header_value(head, "Connection");
      bool close = connection && same_text_ignoring_case(*connection, "close");
      bool well_formed = head.starts_with("POST /hooks/docket HTTP/1.1\r\n") && !receipt.ticket.empty() &&
                         receipt.seq > 0 && !receipt.delivery.empty() && receipt.attempt > 0 && signature &&
                         signature->starts_with("t=") && signature->find(",v1=") != std::string_view::npos;
      if (!well_formed)
        return note_problem("not a delivery: " + head.substr(0, head.find("\r\n")) + " " +
                            std::string(body.substr(0, 200)));
      buffer.erase(0, end);
      record(std::move(receipt));
      const std::string_view ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
      for (std::size_t sent = 0; sent < ok.size();) {
        ssize_t n = ::send(fd, ok.data() + sent, ok.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        sent += static_cast<std::size_t>(n);
      }
      if (close) return;
    }
  }

  void record(Receipt receipt) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!deliveries_.insert(receipt.delivery).second) ++duplicates_;
      if (first_by_ticket_.emplace(receipt.ticket, receipts_.size()).second) {
        ++tickets_by_prefix_[receipt.ticket.substr(0, receipt.ticket.rfind('-'))];
      }
      receipts_.push_back(std::move(receipt));
    }
    arrived_.notify_all();
  }

  void note_problem(const std::string& what) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (problem_.empty()) problem_ = what;
  }

  int listener_ = -1;
  int port_ = 0;  // 0 until the first start(): any free port, then that one again
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::vector<int> connections_;  // the acceptor's, and stop()'s once it has stopped
  std::vector<std::thread> threads_;

  mutable std::mutex mutex_;  // guards what follows
  std::condition_variable arrived_;
  std::vector<Receipt> receipts_;
  std::map<std::string, std::size_t> first_by_ticket_;  // index into receipts_
  std::map<std::string, std::size_t> tickets_by_prefix_;
  std::set<std::string> deliveries_;
  std::size_t duplicates_ = 0;
  std::string problem_;
};

// ---------------------------------------------------------------- the server

class Server {
 public:
  Server(const Settings& settings, const std::string& dir, int receiver_port)
      : settings_(settings), dir_(dir), receiver_port_(receiver_port) {
    std::filesystem::create_directories(dir_ + "/rules");
    std::filesystem::copy_file(source_dir() + "/rules/after_sales.docket", dir_ + "/rules/after_sales.docket");
    digest_ = hash_token(settings_.docket, dir_, kToken);
    ops_digest_ = hash_token(settings_.docket, dir_, kOpsToken);
    write_text(dir_ + "/webhook.secret", "bench-outbox-webhook-secret-0123456789\n");
  }

  // Starts the server on a fresh store and waits (at most 10 s) until it
  // answers GET /v1/health.
  void start() {
    write_config();
    port_ = start_server(settings_.docket, dir_);
    if (port_ == 0) die("the server did not start:\n" + read_file(dir_ + "/server.out"));
  }

  // SIGTERM, and a clean exit within 30 s.
  void stop() { stop_server(dir_); }

  // Waits (at most 10 s) until GET /v1/outbox says nothing is undelivered:
  // the sender records a batch's attempts after posting them all.
  void wait_outbox_empty(const std::string& label) const {
    Connection connection;
    std::string request = http_request("GET", port_, "/v1/outbox?limit=1", kOpsToken, "");
    Clock::time_point start = Clock::now();
    for (;;) {
      Answer answer;
      std::string error;
      if (!send_request(connection, port_, request, answer, error)) die(label + ": GET /v1/outbox: " + error);
      if (answer.status != 200) die(label + ": GET /v1/outbox: status " + std::to_string(answer.status));
      if (answer.body.find(R"("undelivered":[])") != std::string::npos) return;
      if (seconds_since(start) > 10) {
        die(label + ": the outbox still has items undelivered 10 s after the last receipt: " + answer.body +
            "\n(server files in " + dir_ + ")");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling, not timing
    }
  }

  int port() const { return port_; }
  const std::string& dir() const { return dir_; }

 private:
  void write_config() {
    std::string config = serve_config(/*no_rate_limit=*/true, digest_, kActor);
    config += "[[tokens]]\nsha256 = \"" + ops_digest_ + "\"\nactor = \"ops\"\nroles = []\ndeploy = true\n";
    config += "[outbox]\ncircuit_open = \"1s\"\n";
    config += std::string("[[webhooks]]\nname = \"") + kTarget +
              "\"\nurl = \"http://127.0.0.1:" + std::to_string(receiver_port_) +
              "/hooks/docket\"\nsecret_file = \"webhook.secret\"\n" + "actions = [\"notify\"]\n";
    write_text(dir_ + "/docket.toml", config);
  }

  const Settings& settings_;
  std::string dir_;
  int receiver_port_;
  std::string digest_;
  std::string ops_digest_;
  int port_ = 0;
};

// ---------------------------------------------------------------- phases

struct Spread {
  double p50 = 0;
  double p99 = 0;
};

Spread spread(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return {percentile(values, 0.50), percentile(values, 0.99)};
}

// Dies unless every ticket PREFIX-0 .. PREFIX-(count-1) is delivered by `deadline`.
void expect_all_delivered(Receiver& receiver, const std::string& prefix, std::size_t count, Clock::time_point deadline,
                          const Server& server, const std::string& label) {
  std::vector<std::string> missing = receiver.wait_all(prefix, count, deadline);
  if (!missing.empty()) {
    std::string ids;
    for (const std::string& id : missing) ids += (ids.empty() ? "" : ", ") + id;
    die(label + ": deliveries missing, among them " + ids + "\n(server files in " + server.dir() + ")");
  }
  if (std::string problem = receiver.problem(); !problem.empty()) die(label + ": the receiver got " + problem);
}

// Creates PREFIX-0, PREFIX-1, ... from `clients` keep-alive clients, as
// fast as the server answers them, until `limit` are made or `seconds` have
// passed (a create started in time is finished).
struct Created {
  std::size_t count = 0;  // PREFIX-0 .. PREFIX-(count-1)
  Clock::time_point first_sent;
  Clock::time_point last_answered;
  std::vector<Clock::time_point> answered;  // by ticket number
  std::vector<double> latencies_ms;         // request written to answer read, by ticket number

  double seconds() const { return std::chrono::duration<double>(last_answered - first_sent).count(); }
  double rate() const { return static_cast<double>(count) / seconds(); }
};

// What one client thread saw go wrong.
struct Failures {
  std::size_t count = 0;
  std::string first;
};

Created create_tickets(const Server& server, const std::string& prefix, std::size_t limit, double seconds, int clients,
                       const std::string& label) {
  Created created;
  created.answered.resize(limit);
  created.latencies_ms.resize(limit);
  std::vector<Failures> failures(static_cast<std::size_t>(clients));
  std::atomic<std::size_t> next{0};
  std::latch ready(clients + 1);
  // Written before this thread arrives at the latch, read after the clients
  // leave it: the latch orders the two.
  Clock::time_point deadline;
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      Failures& failed = failures[static_cast<std::size_t>(i)];
      Connection connection;
      ready.arrive_and_wait();
      // The time is looked at before a number is taken: every number taken
      // is created, and they run from 0 without a gap.
      while (Clock::now() < deadline) {
        std::size_t n = next.fetch_add(1);
        if (n >= limit) break;
        std::string id = ticket_id(prefix, n);
        std::string request = http_request("POST", server.port(), "/v1/tickets", kToken, create_body(id));
        Clock::time_point start = Clock::now();
        Answer answer;
        std::string error;
        bool ok = send_request(connection, server.port(), request, answer, error);
        created.answered[n] = Clock::now();
        created.latencies_ms[n] = ms_between(start, created.answered[n]);
        if (ok && answer.status == 201) continue;
        if (failed.count++ == 0) {
          failed.first = "POST /v1/tickets (" + id +
                         "): " + (ok ? "status " + std::to_string(answer.status) + ": " + answer.body : error);
        }
      }
    });
  }
  created.first_sent = Clock::now();
  deadline = created.first_sent + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  ready.arrive_and_wait();
  for (std::thread& thread : threads) thread.join();
  created.count = std::min(next.load(), limit);
  created.answered.resize(created.count);
  created.latencies_ms.resize(created.count);
  if (created.count == 0) die(label + ": no create was made");
  std::size_t failed = 0;
  for (const Failures& f : failures) failed += f.count;
  for (const Failures& f : failures) {
    if (f.count > 0) {
      die(label + ": " + std::to_string(failed) + " of " + std::to_string(created.count) +
          " creates failed; one: " + f.first + "\n(server files in " + server.dir() + ")");
    }
  }
  created.last_answered = *std::max_element(created.answered.begin(), created.answered.end());
  std::fprintf(stderr, "bench_outbox: %-10s %6zu creates from %d clients in %5.2f s: %7.0f/s\n", label.c_str(),
               created.count, clients, created.seconds(), created.rate());
  return created;
}

struct LatencyPhase {
  Spread commit_to_receipt_ms;
  Spread api_ms;
  Spread request_to_receipt_ms;
  std::size_t tickets = 0;
};

// One client, one create at a time, each waiting for its delivery.
LatencyPhase measure_latency(const Server& server, Receiver& receiver, const std::string& prefix, std::size_t count,
                             const std::string& label) {
  Connection connection;
  std::vector<double> commit_to_receipt;
  std::vector<double> api;
  std::vector<double> request_to_receipt;
  for (std::size_t n = 0; n < count; ++n) {
    std::string id = ticket_id(prefix, n);
    std::string request = http_request("POST", server.port(), "/v1/tickets", kToken, create_body(id));
    Clock::time_point start = Clock::now();
    Answer answer;
    std::string error;
    if (!send_request(connection, server.port(), request, answer, error)) die(label + ": POST /v1/tickets: " + error);
    Clock::time_point answered = Clock::now();
    if (answer.status != 201) {
      die(label + ": POST /v1/tickets (" + id + "): status " + std::to_string(answer.status) + ": " + answer.body);
    }
    std::optional<Clock::time_point> received = receiver.wait_for(id, answered + std::chrono::seconds(10));
    if (!received) {
      std::string problem = receiver.problem();
      die(label + ": no delivery for " + id + " within 10 s" +
          (problem.empty() ? "" : "; the receiver got " + problem) + "\n(server files in " + server.dir() + ")");
    }
    api.push_back(ms_between(start, answered));
    commit_to_receipt.push_back(ms_between(answered, *received));
    request_to_receipt.push_back(ms_between(start, *received));
  }
  LatencyPhase phase{spread(commit_to_receipt), spread(api), spread(request_to_receipt), count};
  std::size_t early = static_cast<std::size_t>(
      std::count_if(commit_to_receipt.begin(), commit_to_receipt.end(), [](double ms) { return ms < 0; }));
  std::fprintf(stderr,
               "bench_outbox: %-10s %6zu tickets one at a time: create p50 %.2f ms, p99 %.2f ms; 201 to receipt p50 "
               "%.2f ms, p99 %.2f ms (%zu before their 201); request to receipt p50 %.2f ms, p99 %.2f ms\n",
               label.c_str(), count, phase.api_ms.p50, phase.api_ms.p99, phase.commit_to_receipt_ms.p50,
               phase.commit_to_receipt_ms.p99, early, phase.request_to_receipt_ms.p50, phase.request_to_receipt_ms.p99);
  return phase;
}

struct ThroughputPhase {
  std::size_t tickets = 0;
  double commits_per_second = 0;
  double deliveries_per_second = 0;  // first receipt to last
  Spread api_ms;
  Spread commit_to_receipt_ms;
  double backlog_at_end_ms = 0;  // the last receipt after the last 201
};

ThroughputPhase measure_throughput(const Server& server, Receiver& receiver, const Settings& settings,
                                   const std::string& prefix, const std::string& label) {
  Created created =
      create_tickets(server, prefix, settings.phase_tickets, settings.phase_seconds, settings.clients, label);
  std::size_t count = created.count;
  expect_all_delivered(receiver, prefix, count, created.last_answered + std::chrono::seconds(30), server, label);
  std::vector<Receipt> receipts = receiver.receipts(prefix);
  std::vector<double> commit_to_receipt;
  std::set<std::string> seen;
  for (const Receipt& receipt : receipts) {
    if (!seen.insert(receipt.ticket).second) continue;
    std::size_t n = std::strtoull(receipt.ticket.substr(prefix.size() + 1).c_str(), nullptr, 10);
    commit_to_receipt.push_back(ms_between(created.answered[n], receipt.at));
  }
  ThroughputPhase phase;
  phase.tickets = count;
  phase.commits_per_second = created.rate();
  double window = std::chrono::duration<double>(receipts.back().at - receipts.front().at).count();
  phase.deliveries_per_second = static_cast<double>(commit_to_receipt.size() - 1) / window;
  phase.api_ms = spread(created.latencies_ms);
  phase.commit_to_receipt_ms = spread(commit_to_receipt);
  phase.backlog_at_end_ms = ms_between(created.last_answered, receipts.back().at);
  std::fprintf(stderr,
               "bench_outbox: %-10s %6zu deliveries in %5.2f s: %7.0f/s; 201 to receipt p50 %.2f ms, p99 %.2f ms; "
               "the last %.1f ms after the last 201\n",
               label.c_str(), commit_to_receipt.size(), window, phase.deliveries_per_second,
               phase.commit_to_receipt_ms.p50, phase.commit_to_receipt_ms.p99, phase.backlog_at_end_ms);
  return phase;
}

struct DrainPhase {
  std::size_t tickets = 0;
  double commits_per_second = 0;     // while the receiver was down
  double build_seconds = 0;          // the creates
  double drain_per_second = 0;       // items never tried before, first receipt to last
  double empty_after_seconds = 0;    // from the receiver's return to the last receipt
  double first_after_ms = 0;         // from the receiver's return to the first receipt
  double backlog_after_seconds = 0;  // from the receiver's return to the last item never tried before
  std::size_t retried = 0;           // items delivered on a later attempt
};

DrainPhase measure_drain(const Server& server, Receiver& receiver, const Settings& settings, const std::string& prefix,
                         const std::string& label) {
  receiver.stop();
  Created created =
      create_tickets(server, prefix, settings.phase_tickets, settings.phase_seconds, settings.clients, label);
  std::size_t count = created.count;
  Clock::time_point back = Clock::now();
  receiver.start();
  expect_all_delivered(receiver, prefix, count, back + std::chrono::seconds(60), server, label);
  std::vector<Receipt> receipts = receiver.receipts(prefix);
  DrainPhase phase;
  phase.tickets = count;
  phase.commits_per_second = created.rate();
  phase.build_seconds = created.seconds();
  std::size_t first_attempts = 0;
  Clock::time_point last_first_attempt = receipts.front().at;
  for (const Receipt& receipt : receipts) {
    if (receipt.attempt != 1) continue;
    ++first_attempts;
    last_first_attempt = std::max(last_first_attempt, receipt.at);
  }
  phase.retried = receipts.size() - first_attempts;
  if (first_attempts < 2) die(label + ": fewer than 2 items were delivered at their first attempt");
  phase.drain_per_second = static_cast<double>(first_attempts - 1) /
                           std::chrono::duration<double>(last_first_attempt - receipts.front().at).count();
  phase.empty_after_seconds = std::chrono::duration<double>(receipts.back().at - back).count();
  phase.first_after_ms = ms_between(back, receipts.front().at);
  phase.backlog_after_seconds = std::chrono::duration<double>(last_first_attempt - back).count();
  std::fprintf(stderr,
               "bench_outbox: %-10s receiver back: first delivery after %.0f ms, %zu items never tried "
               "before at %.0f/s, the last of them after %.2f s; %zu retried ones (backoff); all %zu delivered "
               "%.2f s after the receiver came back\n",
               label.c_str(), phase.first_after_ms, first_attempts, phase.drain_per_second, phase.backlog_after_seconds,
               phase.retried, receipts.size(), phase.empty_after_seconds);
  return phase;
}

// ---------------------------------------------------------------- figures

void print_figures(const LatencyPhase& latency, const ThroughputPhase& throughput, const DrainPhase& drain,
                   int clients) {
  // From the request: the create and its delivery together, against the
  // create alone. From the 201: what the delivery adds (negative when it
  // came first).
  print_figure({"outbox: create to webhook receipt p50, one at a time", latency.request_to_receipt_ms.p50, "ms",
                "create p50", latency.api_ms.p50, "ms", ""});
  print_figure({"  create to webhook receipt p99", latency.request_to_receipt_ms.p99, "ms", "create p99",
                latency.api_ms.p99, "ms", ""});
  print_figure({"  201 to webhook receipt p50", latency.commit_to_receipt_ms.p50, "ms", "create p50",
                latency.api_ms.p50, "ms", ""});
  print_figure({"  201 to webhook receipt p99", latency.commit_to_receipt_ms.p99, "ms", "create p99",
                latency.api_ms.p99, "ms", ""});

  std::string many = "creates from " + std::to_string(clients) + " clients";
  print_figure({"outbox: deliveries/s, " + many, throughput.deliveries_per_second, "deliveries/s", "creates committed",
                throughput.commits_per_second, "creates/s", ""});
  print_figure({"  201 to webhook receipt p50", throughput.commit_to_receipt_ms.p50, "ms", "create p50",
                throughput.api_ms.p50, "ms", ""});
  print_figure({"  201 to webhook receipt p99", throughput.commit_to_receipt_ms.p99, "ms", "create p99",
                throughput.api_ms.p99, "ms", ""});
  print_figure({"  last receipt after the last 201", throughput.backlog_at_end_ms, "ms", "create p50",
                throughput.api_ms.p50, "ms", ""});

  print_figure({"outbox: backlog drain, queued while the receiver was down", drain.drain_per_second, "deliveries/s",
                "creates committed", drain.commits_per_second, "creates/s", ""});
  print_figure({"  outbox empty after the receiver's return", drain.empty_after_seconds, "s", "time to create them",
                drain.build_seconds, "s", ""});
}

}  // namespace
}  // namespace docket::bench

int main(int argc, char** argv) {
  using namespace docket::bench;
  Settings settings = take_service_settings<Settings>(argc, argv, "bench_outbox");
  ScratchDir scratch(settings.dir);
  std::fprintf(stderr, "bench_outbox: %s, store under %s\n", settings.docket.c_str(), scratch.path().c_str());
  Receiver receiver;
  receiver.start();
  Server server(settings, scratch.path() + "/serve", receiver.port());
  server.start();

  // Warm up: the first requests pay for the store's first pages, the
  // server's first allocations and the sender's first connection.
  measure_latency(server, receiver, "WARM", 20, "warm-up");
  LatencyPhase latency = measure_latency(server, receiver, "L", settings.latency_tickets, "latency");
  ThroughputPhase throughput = measure_throughput(server, receiver, settings, "T", "throughput");
  // Every item of the phases before recorded as delivered: no attempt is in
  // flight when the receiver goes down.
  server.wait_outbox_empty("throughput");
  DrainPhase drain = measure_drain(server, receiver, settings, "D", "drain");
  server.wait_outbox_empty("drain");
  server.stop();
  receiver.stop();
  if (std::size_t duplicates = receiver.duplicates(); duplicates > 0) {
    std::fprintf(stderr, "bench_outbox: %zu deliveries came twice (at least once: allowed)\n", duplicates);
  }

  print_figures(latency, throughput, drain, settings.clients);
  return 0;
}
