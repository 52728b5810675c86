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

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <latch>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/bench_common.h"

#ifndef DOCKET_BINARY
#define DOCKET_BINARY "docket"
#endif

namespace docket::bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::string error_text(int number) { return std::strerror(number); }

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) die("cannot write " + path);
}

// What a benchmark run needs from its command line.
struct Settings {
  bool quick = false;
  std::string dir = std::filesystem::temp_directory_path().string();
  std::string docket = DOCKET_BINARY;
  double cell_seconds = 3;
  std::size_t cell_requests = 30000;  // at most, per cell
  std::size_t baseline_unbatched = 2000;
  std::size_t baseline_batched = 20000;
};

// ---------------------------------------------------------------- processes

// The server, killed when the benchmark stops for any reason (die() exits).
pid_t server_pid = -1;

void kill_server_at_exit() {
  if (server_pid <= 0) return;
  ::kill(server_pid, SIGKILL);
  ::waitpid(server_pid, nullptr, 0);
  server_pid = -1;
}

// Starts `argv` with standard input from `input` (/dev/null when empty),
// standard output and error into `output`. Called while no client thread runs.
pid_t spawn(const std::vector<std::string>& argv, const std::string& input, const std::string& output) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const char* input_path = input.empty() ? "/dev/null" : input.c_str();
  pid_t pid = ::fork();
  if (pid < 0) die("fork: " + error_text(errno));
  if (pid == 0) {
    int in = ::open(input_path, O_RDONLY);
    int out = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

struct Finished {
  double wall_seconds = 0;
  double cpu_seconds = 0;  // user + system
  std::string output;      // standard output and error
};

double cpu_seconds_of(const rusage& usage) {
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Runs `argv` to its end; dies unless it exits 0.
Finished run_program(const std::vector<std::string>& argv, const std::string& input, const std::string& output) {
  Clock::time_point start = Clock::now();
  pid_t pid = spawn(argv, input, output);
  int status = 0;
  rusage usage{};
  if (::wait4(pid, &status, 0, &usage) != pid) die("wait4: " + error_text(errno));
  Finished finished{seconds_since(start), cpu_seconds_of(usage), read_file(output)};
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string command;
    for (const std::string& arg : argv) command += (command.empty() ? "" : " ") + arg;
    die(command + " failed:\n" + finished.output);
  }
  return finished;
}

// CPU time a running process has used so far, from /proc/PID/stat.
double process_cpu_seconds(pid_t pid) {
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  // The command name, field 2, is in parentheses and may hold spaces.
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::vector<std::string> field;
  std::string word;
  while (field.size() < 13 && fields >> word) field.push_back(word);
  if (field.size() < 13) die("cannot read /proc/" + std::to_string(pid) + "/stat");
  // field[0] is field 3 (state): utime is field 14, stime field 15.
  double ticks = std::stod(field[11]) + std::stod(field[12]);
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// ---------------------------------------------------------------- the client

struct Answer {
  int status = 0;
  std::string body;
  bool close = false;  // the server closes the connection after this answer
};

bool same_text_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// One HTTP/1.1 connection to 127.0.0.1: a request written whole, its answer
// read by its Content-Length. Every read and write gives up after 10 s.
class Connection {
 public:
  Connection() = default;
  ~Connection() { close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool is_open() const { return fd_ >= 0; }

  bool open(int port, std::string& error) {
    close();
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      error = "socket: " + error_text(errno);
      return false;
    }
    timeval timeout{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);  // connect() too
    // The request goes out in one write; no delay on this side, so any delay
    // measured is the server's.
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
      error = "connect: " + error_text(errno);
      close();
      return false;
    }
    return true;
  }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buffer_.clear();
  }

  // Sends `request` and reads one answer. On failure `answered` tells
  // whether any byte of an answer had arrived.
  bool exchange(std::string_view request, Answer& answer, std::string& error, bool& answered) {
    answered = false;
    buffer_.clear();
    for (std::size_t sent = 0; sent < request.size();) {
      ssize_t n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n < 0) {
        error = "send: " + error_text(errno);
        return false;
      }
      sent += static_cast<std::size_t>(n);
    }
    std::size_t head_end = std::string::npos;
    while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (buffer_.size() > kMaxHead) {
        error = "an answer head over 64 KiB";
        return false;
      }
      if (!fill(error)) return false;
      answered = true;
    }
    answered = true;
    if (!read_head(std::string_view(buffer_).substr(0, head_end), answer, error)) return false;
    std::size_t body_start = head_end + 4;
    if (content_length_) {
      if (*content_length_ > kMaxBody) {
        error = "an answer body of " + std::to_string(*content_length_) + " bytes";
        return false;
      }
      while (buffer_.size() < body_start + *content_length_) {
        if (!fill(error)) return false;
      }
      answer.body = buffer_.substr(body_start, *content_length_);
    } else {
      // No length: the body runs to the end of the connection.
      while (buffer_.size() - body_start <= kMaxBody && fill(error)) {
      }
      if (!closed_) {
        if (error.empty()) error = "an answer body over 16 MiB";
        return false;
      }
      answer.body = buffer_.substr(body_start);
      answer.close = true;
    }
    return true;
  }

 private:
  static constexpr std::size_t kMaxHead = 64 * 1024;
  static constexpr std::size_t kMaxBody = 16 * 1024 * 1024;

  // Reads what has arrived into buffer_; false at the end of the connection
  // (closed_ set) or on an error.
  bool fill(std::string& error) {
    char chunk[16384];
    for (int attempt = 0; attempt < 100; ++attempt) {  // again only when a signal interrupted it
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n > 0) {
        buffer_.append(chunk, static_cast<std::size_t>(n));
        return true;
      }
      if (n == 0) {
        closed_ = true;
        error = "the server closed the connection";
        return false;
      }
      if (errno == EINTR) continue;
      error = errno == EAGAIN || errno == EWOULDBLOCK ? "no answer within 10 s" : "recv: " + error_text(errno);
      return false;
    }
    error = "recv: interrupted 100 times";
    return false;
  }

  // The status line and the headers this client needs.
  bool read_head(std::string_view head, Answer& answer, std::string& error) {
    content_length_.reset();
    closed_ = false;
    std::size_t line_end = head.find("\r\n");
    std::string_view status_line = head.substr(0, line_end);
    bool http10 = status_line.starts_with("HTTP/1.0 ");
    if (!(status_line.starts_with("HTTP/1.1 ") || http10) || status_line.size() < 12) {
      error = "not an HTTP answer: " + std::string(status_line);
      return false;
    }
    answer.status = std::atoi(std::string(status_line.substr(9, 3)).c_str());
    answer.close = http10;
    while (line_end != std::string_view::npos) {
      head.remove_prefix(line_end + 2);
      line_end = head.find("\r\n");
      std::string_view line = head.substr(0, line_end);
      std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view name = line.substr(0, colon);
      std::string_view value = trimmed(line.substr(colon + 1));
      if (same_text_ignoring_case(name, "Content-Length")) {
        content_length_ = std::strtoull(std::string(value).c_str(), nullptr, 10);
      } else if (same_text_ignoring_case(name, "Connection")) {
        answer.close = same_text_ignoring_case(value, "close");
      } else if (same_text_ignoring_case(name, "Transfer-Encoding") && !same_text_ignoring_case(value, "identity")) {
        error = "Transfer-Encoding: " + std::string(value) + " is not read by this client";
        return false;
      }
    }
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
  std::optional<std::size_t> content_length_;
  bool closed_ = false;
};

std::string http_post(int port, std::string_view target, const std::string& token, std::string_view body,
                      bool keep_alive) {
  std::string request;
  request.reserve(256 + body.size());
  request.append("POST ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1:").append(std::to_string(port));
  request.append("\r\nAuthorization: Bearer ").append(token);
  request.append("\r\nContent-Type: application/json\r\nContent-Length: ").append(std::to_string(body.size()));
  request.append(keep_alive ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n").append(body);
  return request;
}

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
    write_text(dir_ + "/token.txt", kToken);
    digest_ = run_program({settings_.docket, "serve", "--hash-token"}, dir_ + "/token.txt", dir_ + "/hash.out").output;
    while (!digest_.empty() && (digest_.back() == '\n' || digest_.back() == '\r')) digest_.pop_back();
    if (digest_.size() != 64) die("docket serve --hash-token printed " + digest_);
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
  void stop() {
    ::kill(server_pid, SIGTERM);
    int status = 0;
    Clock::time_point start = Clock::now();
    while (::waitpid(server_pid, &status, WNOHANG) == 0) {
      if (seconds_since(start) > 30) die("the server did not stop within 30 s of SIGTERM");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling, not timing
    }
    server_pid = -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      die("the server did not exit cleanly:\n" + read_file(dir_ + "/server.out"));
    }
  }

  int port() const { return port_; }
  pid_t pid() const { return server_pid; }
  const std::string& dir() const { return dir_; }

 private:
  void write_config(bool disable_rate_limit) {
    std::string config;
    config += "[server]\nlisten = \"127.0.0.1:0\"\nport_file = \"port\"\n";
    if (disable_rate_limit) config += "rate_limit = 0\n";
    config += "[store]\npath = \"tickets.db\"\nsync = \"full\"\n";
    config += "[rules]\ndirectory = \"rules\"\nwatch = false\n";
    config += "[log]\nlevel = \"info\"\nfile = \"server.log\"\n";
    config += "[clock]\nkind = \"accelerated\"\nfactor = 1\nstart = \"2026-11-23T09:00:00+08:00\"\n";
    config += "[[tokens]]\nsha256 = \"" + digest_ + "\"\nactor = \"" + kActor + "\"\nroles = [\"intake_specialist\"]\n";
    write_text(dir_ + "/docket.toml", config);
  }

  bool try_start(bool disable_rate_limit) {
    for (const char* file : {"tickets.db", "tickets.db-wal", "tickets.db-shm", "port", "server.log"}) {
      std::filesystem::remove(dir_ + "/" + file);
    }
    write_config(disable_rate_limit);
    server_pid = spawn({settings_.docket, "serve", "--config", dir_ + "/docket.toml"}, "", dir_ + "/server.out");
    Clock::time_point start = Clock::now();
    while (seconds_since(start) < 10) {
      int status = 0;
      if (::waitpid(server_pid, &status, WNOHANG) == server_pid) {
        server_pid = -1;
        return false;
      }
      std::string port = std::filesystem::exists(dir_ + "/port") ? read_file(dir_ + "/port") : "";
      if (!port.empty()) {
        port_ = std::atoi(port.c_str());
        if (healthy()) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling, not timing
    }
    die("the server did not answer GET /v1/health within 10 s:\n" + read_file(dir_ + "/server.out"));
  }

  bool healthy() const {
    Connection connection;
    std::string error;
    Answer answer;
    bool answered = false;
    std::string request = "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    return connection.open(port_, error) && connection.exchange(request, answer, error, answered) &&
           answer.status == 200;
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
  std::size_t connections = 0;
  std::size_t retries = 0;
  std::size_t failures = 0;
  std::string first_failure;
  Clock::time_point first_failure_at;
};

// The nearest-rank percentile of sorted values.
double percentile(const std::vector<double>& sorted, double fraction) {
  std::size_t rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

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
    std::string request = http_post(server.port(), target, token, body, cell.keep_alive);
    std::string what = "POST " + target + (cell.work == Work::kCreates ? " (" + id + ")" : "");

    Clock::time_point start = Clock::now();
    std::string error;
    Answer answer;
    bool answered = false;
    bool reused = connection.is_open();
    bool ok = reused || connection.open(server.port(), error);
    if (ok) {
      tally.connections += reused ? 0 : 1;
      ok = connection.exchange(request, answer, error, answered);
    }
    if (!ok && reused && !answered) {
      // A kept-alive connection the server had closed before reading the
      // request: once more on a new one, as HTTP clients do.
      ++tally.retries;
      ok = connection.open(server.port(), error);
      if (ok) {
        ++tally.connections;
        ok = connection.exchange(request, answer, error, answered);
      }
    }
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (!ok) {
      fail(what + ": " + error);
      connection.close();
      continue;
    }
    if (answer.status < 200 || answer.status >= 300) {
      fail(what + ": status " + std::to_string(answer.status) + ": " + answer.body);
    } else {
      tally.latencies_ms.push_back(ms);
    }
    if (!cell.keep_alive || answer.close) connection.close();
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
    measured.connections += tally.connections;
    measured.retries += tally.retries;
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
  Settings settings;
  settings.quick = take_quick_flag(argc, argv);
  for (int i = 1; i < argc; ++i) {
    std::string_view option = argv[i];
    if ((option == "--dir" || option == "--docket") && i + 1 < argc) {
      (option == "--dir" ? settings.dir : settings.docket) = argv[++i];
    } else {
      die("usage: bench_serve [--quick] [--dir DIR] [--docket BINARY]");
    }
  }
  if (settings.quick) {
    settings.cell_seconds = 1;
    settings.cell_requests = 10000;
    settings.baseline_unbatched = 1000;
    settings.baseline_batched = 5000;
  }
  if (!std::filesystem::exists(settings.docket)) die("no docket binary at " + settings.docket + " (--docket)");
  ::signal(SIGPIPE, SIG_IGN);
  std::atexit(kill_server_at_exit);

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
