// Hostile clients against a real `docket serve` (tests/server/server_harness.h):
// bytes that are not valid UTF-8, slow and greedy connections, floods of
// headers and bodies, forged log lines, rule files that try to read outside
// the rules, tokens and stores that must be refused. Raw requests go through
// tests/server/raw_client.h, so a test sends exactly the bytes an attacker
// would; every read has a deadline, so a hung server fails a test instead of
// hanging the suite. All traffic stays on 127.0.0.0/8.

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/server/raw_client.h"
#include "tests/server/server_harness.h"
#include "tests/server/tls_certificate.h"

namespace docket::server::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kKiB = 1024;
constexpr std::size_t kMiB = 1024 * 1024;

// ---------------------------------------------------------------- requests and answers

std::string bearer(const std::string& actor) { return "Authorization: Bearer " + token_of(actor) + "\r\n"; }

// A request with `actor`'s token ("" for none).
std::string request_as(const std::string& actor, const std::string& method, const std::string& target,
                       const std::string& body = "") {
  return build_request(method, target, actor.empty() ? "" : bearer(actor), body);
}

const std::string kHealth = build_request("GET", "/v1/health", "");

// The API's error body, valid UTF-8 JSON {"error":{"code":...,"message":...}}, with this status and code.
::testing::AssertionResult is_error(int got_status, const std::string& text, int status, const std::string& code) {
  if (got_status != status)
    return ::testing::AssertionFailure() << "status " << got_status << ", not " << status << ": " << text;
  json body = json::parse(text, nullptr, false);  // refuses invalid UTF-8
  if (body.is_discarded()) return ::testing::AssertionFailure() << "the body is not valid UTF-8 JSON: " << text;
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object() || !body["error"].contains("code") ||
      !body["error"]["code"].is_string() || !body["error"].contains("message") || !body["error"]["message"].is_string())
    return ::testing::AssertionFailure() << "not {\"error\":{\"code\":...,\"message\":...}}: " << text;
  if (body["error"]["code"] != code)
    return ::testing::AssertionFailure() << "code " << body["error"]["code"] << ", not " << code << ": " << text;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult is_error(const RawResponse& response, int status, const std::string& code) {
  return is_error(response.status, response.body, status, code);
}

::testing::AssertionResult is_error(const Reply& reply, int status, const std::string& code) {
  return is_error(reply.status, reply.text, status, code);
}

bool answers_health(int port, const std::string& local = "") {
  std::optional<RawResponse> response = round_trip(port, kHealth, 2s, local);
  return response && response->status == 200;
}

// The journal's last record number (/v1/health); -1 without an answer.
std::int64_t last_seq(const ServerProcess& server) {
  Reply health = get(server, "/v1/health", "");
  if (health.status != 200 || !health.body.is_object() || !health.body["last_seq"].is_number_integer()) return -1;
  return health.body["last_seq"].get<std::int64_t>();
}

std::string percent_encode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", c);
      out += escaped;
    }
  }
  return out;
}

// One chunk of a chunked body.
std::string chunk(const std::string& data) {
  char size[24];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

std::string random_word() {
  std::random_device device;
  return std::to_string(device()) + std::to_string(device());
}

// ---------------------------------------------------------------- the configuration

void write_config(const ServerProcess& server, const std::string& text) {
  std::ofstream(server.dir() / "docket.toml", std::ios::trunc) << text;
}

// Adds `lines` at the top of [section] of the configuration the harness wrote. Before start().
void add_to_section(const ServerProcess& server, const std::string& section, const std::string& lines) {
  std::string config = read_file(server.dir() / "docket.toml");
  std::string header = "[" + section + "]\n";
  std::size_t at = config.find(header);
  ASSERT_NE(at, std::string::npos) << "no " << header << "in " << config;
  config.insert(at + header.size(), lines);
  write_config(server, config);
}

void replace_in_config(const ServerProcess& server, const std::string& from, const std::string& to) {
  std::string config = read_file(server.dir() / "docket.toml");
  std::size_t at = config.find(from);
  ASSERT_NE(at, std::string::npos) << "no `" << from << "` in " << config;
  config.replace(at, from.size(), to);
  write_config(server, config);
}

// Takes the lines setting `key` out of the configuration.
void remove_key(const ServerProcess& server, const std::string& key) {
  std::istringstream lines(read_file(server.dir() / "docket.toml"));
  std::string config;
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(key + " =", 0) != 0) config += line + "\n";
  }
  write_config(server, config);
}

// Takes `actor`'s [[tokens]] entry out of the configuration.
void remove_token(const ServerProcess& server, const std::string& actor) {
  std::string config = read_file(server.dir() / "docket.toml");
  std::size_t line = config.find("actor = \"" + actor + "\"\n");
  ASSERT_NE(line, std::string::npos) << "no token of " << actor << " in " << config;
  std::size_t begin = config.rfind("[[tokens]]", line);
  std::size_t end = config.find("[[tokens]]", line);
  config.erase(begin, end == std::string::npos ? std::string::npos : end - begin);
  write_config(server, config);
}

// Engine time at the speed of real time: no timer of a ticket falls due
// during the test, so only requests move the journal's last seq. Before start().
void real_time_clock(const ServerProcess& server) { replace_in_config(server, "factor = 36000", "factor = 1"); }

int line_of(const std::string& text, std::size_t offset) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

// ---------------------------------------------------------------- the server process

// The resident set size of a process in KiB (VmRSS of /proc/PID/status); 0 when unknown.
long rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

// The largest resident set size of a process while this object lives,
// sampled every 5 ms: memory a server takes and gives back is still seen.
class PeakRss {
 public:
  explicit PeakRss(pid_t pid)
      : pid_(pid), peak_(rss_kib(pid)), sampler_([this](std::stop_token stop) {
          while (!stop.stop_requested()) {
            sample();
            std::this_thread::sleep_for(5ms);  // polling: samples the child server's RSS until stopped
          }
        }) {}

  long peak_kib() {
    sample();
    return peak_;
  }

 private:
  void sample() {
    long now = rss_kib(pid_);
    long seen = peak_;
    while (now > seen && !peak_.compare_exchange_weak(seen, now)) {
    }
  }

  pid_t pid_;
  std::atomic<long> peak_;
  std::jthread sampler_;
};

// `docket serve` started by the test itself, for what the harness's start()
// cannot wait for: a configuration that must be refused (its exit status),
// or a server speaking TLS (the harness checks health over plain HTTP).
// Waits at most 10 s for the port file or the exit.
class Launched {
 public:
  explicit Launched(const std::filesystem::path& dir) {
    std::filesystem::remove(dir / "port");
    pid_ = ::fork();
    if (pid_ == 0) {
      int out = ::open((dir / "stderr.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(out, 1);
      ::dup2(out, 2);
      std::string config = (dir / "docket.toml").string();
      ::execl(DOCKET_BINARY, DOCKET_BINARY, "serve", "--config", config.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    auto deadline = Clock::now() + 10s;
    while (Clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        break;
      }
      std::string port = read_file(dir / "port");
      if (!port.empty()) {
        port_ = std::stoi(port);
        break;
      }
      std::this_thread::sleep_for(10ms);  // polling, not timing
    }
    stderr_ = read_file(dir / "stderr.txt");
  }

  ~Launched() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  Launched(const Launched&) = delete;
  Launched& operator=(const Launched&) = delete;

  bool started() const { return port_ > 0; }
  int port() const { return port_; }
  std::optional<int> exit_status() const { return exit_status_; }
  const std::string& stderr_text() const { return stderr_; }

  std::string describe() const {
    std::string what = started()      ? "it started, listening on port " + std::to_string(port_)
                       : exit_status_ ? "it exited with status " + std::to_string(*exit_status_)
                                      : std::string("it neither listened nor exited within 10 s");
    return what + "; its output: " + stderr_;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::optional<int> exit_status_;
  std::string stderr_;
};

// ---------------------------------------------------------------- clients that do not stop

struct Streamed {
  std::optional<RawResponse> response;     // what the server answered
  std::optional<std::size_t> answered_at;  // bytes of pieces sent when the answer was there
  std::size_t sent = 0;                    // bytes of pieces sent in all
  bool closed = false;                     // the server closed the connection
};

// A client that sends `head`, then `piece` over and over, whatever the
// server says: until the server closes the connection, `limit` bytes of
// pieces are out, or the server takes nothing for 2 s. Then `tail` (if the
// connection is still open), then it reads the answer.
Streamed stream(int port, const std::string& head, const std::string& piece, std::size_t limit,
                const std::string& tail = "") {
  Streamed result;
  RawClient client;
  if (!client.connect(port)) return result;
  bool open = client.send(head);
  auto answered = [&] {
    if (!result.answered_at && parse_response(client.pending(), false).kind == ParsedResponse::Kind::kComplete)
      result.answered_at = result.sent;
  };
  while (open && result.sent < limit) {
    open = client.send(piece);
    if (open) result.sent += piece.size();
    client.poll_input();
    answered();
  }
  if (open && !tail.empty()) client.send(tail);
  answered();
  result.response = client.read_response(2s);
  result.closed = client.wait_closed(2s);
  return result;
}

// Slowloris: connections from 127.0.0.2 that open a request and never finish
// its head, one more header line at a time.
class SlowClients {
 public:
  SlowClients(int port, int count) {
    for (int i = 0; i < count; ++i) {
      RawClient client;
      if (client.connect(port, "127.0.0.2") && client.send("GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n", 1s))
        ++connected_;
      clients_.push_back(std::move(client));
    }
    ended_.assign(clients_.size(), false);
  }

  int connected() const { return connected_; }

  // One more header line on every connection the server has not ended.
  void trickle() {
    ++lines_;
    for (std::size_t i = 0; i < clients_.size(); ++i) {
      if (!ended_[i]) clients_[i].send("X-Slow-" + std::to_string(lines_) + ": x\r\n", 200ms);
    }
  }

  // How many connections the server has neither closed nor answered.
  int still_open() {
    int open = 0;
    for (std::size_t i = 0; i < clients_.size(); ++i) {
      if (ended_[i]) continue;
      clients_[i].poll_input();
      if (std::optional<RawResponse> answer = clients_[i].read_response(0ms)) {
        answers_.push_back(std::move(*answer));
        ended_[i] = true;
      } else if (clients_[i].closed() || !clients_[i].connected()) {
        ended_[i] = true;
      } else {
        ++open;
      }
    }
    return open;
  }

  // What the server answered on the connections it ended.
  const std::vector<RawResponse>& answers() const { return answers_; }

 private:
  std::vector<RawClient> clients_;
  std::vector<bool> ended_;
  std::vector<RawResponse> answers_;
  int connected_ = 0;
  int lines_ = 0;
};

// ---------------------------------------------------------------- the tests

TEST(HostileClientTest, InvalidPercentEncodingGetsJsonErrorsAndNeverKillsTheServer) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  const int port = server.port();

  std::optional<RawResponse> root = round_trip(port, request_as("", "GET", "/%FF"));
  ASSERT_TRUE(root) << "no answer to GET /%FF";
  EXPECT_TRUE(is_error(*root, 404, "not_found"));
  ASSERT_TRUE(answers_health(port)) << "the server died after GET /%FF";

  // A ticket id that is not UTF-8 is not an id.
  const std::vector<std::pair<std::string, std::string>> bad_ids = {
      {"GET /v1/tickets/%FF", request_as("zhang", "GET", "/v1/tickets/%FF")},
      {"POST /v1/tickets/%FF/events", request_as("zhang", "POST", "/v1/tickets/%FF/events", R"({"event":"classify"})")},
  };
  for (const auto& [what, request] : bad_ids) {
    std::optional<RawResponse> answer = round_trip(port, request);
    ASSERT_TRUE(answer) << "no answer to " << what;
    EXPECT_TRUE(is_error(*answer, 400, "bad_request")) << what;
    ASSERT_TRUE(answers_health(port)) << "the server died after " << what;
  }

  // Invalid UTF-8 inside a JSON string of the body.
  std::string body = new_ticket("U-1").dump();
  const std::string problem = "the washing machine's plug smokes";
  body.replace(body.find(problem), problem.size(), "the plug \xff\xfe smokes");
  std::optional<RawResponse> invalid = round_trip(port, request_as("zhang", "POST", "/v1/tickets", body));
  ASSERT_TRUE(invalid) << "no answer to a body with invalid UTF-8";
  EXPECT_TRUE(is_error(*invalid, 400, "bad_request"));
  ASSERT_TRUE(answers_health(port)) << "the server died after a body with invalid UTF-8";
  EXPECT_EQ(get(server, "/v1/tickets/U-1", "zhang").status, 404);

  std::optional<RawResponse> query = round_trip(port, request_as("zhang", "GET", "/v1/tickets?state=%FF"));
  ASSERT_TRUE(query) << "no answer to GET /v1/tickets?state=%FF";
  EXPECT_TRUE(query->status == 200 || query->status == 400) << query->status << ": " << query->body;
  EXPECT_FALSE(json::parse(query->body, nullptr, false).is_discarded()) << query->body;
  EXPECT_TRUE(answers_health(port)) << "the server died after GET /v1/tickets?state=%FF";
}

// Told by order of events, not by measured time: a request of another client
// is answered while all the slow ones still wait on their heads, and the
// header timeout never cuts a slow one off before it has run out (a slow
// machine only makes that later).
TEST(HostileClientTest, SlowClientsDoNotStarveOthersAndAreCutOffAfterTheHeaderTimeout) {
  ServerProcess server;
  // No slow client runs out of time in the first part: had it to end
  // before the others are answered, they were starved.
  ASSERT_NO_FATAL_FAILURE(add_to_section(server, "server", "header_timeout = \"1h\"\n"));
  ASSERT_TRUE(server.start());
  {
    SlowClients slow(server.port(), 50);
    ASSERT_EQ(slow.connected(), 50);
    std::jthread trickler([&slow](std::stop_token stop) {
      while (!stop.stop_requested()) {
        auto next = Clock::now() + 500ms;
        while (!stop.stop_requested() && Clock::now() < next)
          std::this_thread::sleep_for(10ms);  // polling: the slow clients' pace
        if (!stop.stop_requested()) slow.trickle();
      }
    });
    // Meanwhile, a client from another address is served. (10 s bounds the
    // wait, it measures nothing: a starved request is never answered while
    // the slow clients hold on.)
    for (int i = 0; i < 20; ++i) {
      std::string request = i % 2 == 0 ? kHealth : request_as("liu", "GET", "/v1/tickets");
      std::optional<RawResponse> answer = round_trip(server.port(), request, 10s);
      ASSERT_TRUE(answer) << "request " << i << " got no answer while 50 slow clients were connected";
      EXPECT_EQ(answer->status, 200) << answer->body;
    }
    trickler.request_stop();
    trickler.join();
    EXPECT_EQ(slow.still_open(), 50) << "the slow clients did not all wait while the others were answered";
  }

  // With header_timeout = "2s", the slow ones are closed: none before 2 s
  // have passed since they connected, and every one of them in the end.
  server.kill9();
  ASSERT_NO_FATAL_FAILURE(replace_in_config(server, "header_timeout = \"1h\"", "header_timeout = \"2s\""));
  ASSERT_TRUE(server.start());
  auto opened = Clock::now();
  SlowClients slow(server.port(), 50);
  ASSERT_EQ(slow.connected(), 50);
  std::optional<Clock::duration> first_seen_closed;  // after `opened`
  auto next_line = opened + 500ms;
  for (auto deadline = opened + 60s; Clock::now() < deadline;) {
    int open = slow.still_open();
    if (open < 50 && !first_seen_closed) first_seen_closed = Clock::now() - opened;
    if (open == 0) break;
    if (Clock::now() >= next_line) {
      slow.trickle();
      next_line += 500ms;
    }
    // The slow clients' pace, until the server cuts them off or the deadline.
    std::this_thread::sleep_for(20ms);  // polling the child server
  }
  ASSERT_TRUE(first_seen_closed) << "no slow client was cut off within a minute, with header_timeout 2s";
  EXPECT_GE(*first_seen_closed, 2s) << "slow clients were cut off before header_timeout";
  EXPECT_EQ(slow.still_open(), 0) << "slow clients still connected a minute after they opened, with header_timeout 2s";
  for (const RawResponse& answer : slow.answers()) EXPECT_TRUE(is_error(answer, 408, "request_timeout"));
  EXPECT_TRUE(answers_health(server.port()));
}

TEST(HostileClientTest, OneAddressCannotTakeMoreThanItsShareOfConnections) {
  ServerProcess server;
  ASSERT_NO_FATAL_FAILURE(add_to_section(server, "server", "max_connections_per_address = 8\n"));
  ASSERT_TRUE(server.start());
  const int port = server.port();

  // Eight kept-alive connections from 127.0.0.2, each answered once and then held open.
  std::vector<RawClient> held(8);
  for (std::size_t i = 0; i < held.size(); ++i) {
    ASSERT_TRUE(held[i].connect(port, "127.0.0.2"));
    ASSERT_TRUE(held[i].send(kHealth));
    std::optional<RawResponse> answer = held[i].read_response(2s);
    ASSERT_TRUE(answer) << "connection " << i + 1 << " of 8 got no answer";
    EXPECT_EQ(answer->status, 200);
  }

  RawClient ninth;
  ASSERT_TRUE(ninth.connect(port, "127.0.0.2"));
  ninth.send(kHealth);
  if (std::optional<RawResponse> answer = ninth.read_response(2s)) {
    EXPECT_TRUE(is_error(*answer, 503, "unavailable"));
  }
  EXPECT_TRUE(ninth.wait_closed(2s)) << "the ninth connection from 127.0.0.2 stays open";

  // Other addresses are served, and so are the connections already in.
  EXPECT_TRUE(answers_health(port, "127.0.0.1"));
  ASSERT_TRUE(held[0].send(kHealth));
  std::optional<RawResponse> again = held[0].read_response(2s);
  ASSERT_TRUE(again) << "a held connection got no answer";
  EXPECT_EQ(again->status, 200);

  // A connection that ends frees its place.
  held.back().close();
  EXPECT_TRUE(eventually([&] { return answers_health(port, "127.0.0.2"); }, 3));
}

TEST(HostileClientTest, OversizedBodiesAreRefusedWithoutBeingReadOrStored) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  const int port = server.port();
  const std::string piece = chunk(std::string(64 * kKiB, 'x'));
  const std::string chunked_head =
      "POST /v1/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n";

  // Without a token: 401 while the body still comes, then the connection
  // closes; four clients that never stop sending cost the server no memory.
  long before = rss_kib(server.pid());
  ASSERT_GT(before, 0);
  std::vector<Streamed> anonymous(4);
  long peak = 0;
  {
    PeakRss rss(server.pid());
    {
      std::vector<std::jthread> clients;
      for (Streamed& result : anonymous)
        clients.emplace_back(
            [&result, &chunked_head, &piece, port] { result = stream(port, chunked_head + "\r\n", piece, 64 * kMiB); });
    }
    peak = rss.peak_kib();
  }
  for (std::size_t i = 0; i < anonymous.size(); ++i) {
    const Streamed& result = anonymous[i];
    ASSERT_TRUE(result.response) << "client " << i << " got no answer after sending " << result.sent << " bytes";
    EXPECT_TRUE(is_error(*result.response, 401, "unauthorized")) << "client " << i;
    EXPECT_TRUE(result.answered_at.has_value() && *result.answered_at < 64 * kMiB)
        << "client " << i << ": the answer came only after the body stopped (" << result.sent << " bytes)";
    EXPECT_TRUE(result.closed) << "client " << i << ": the connection stays open after the 401";
  }
  EXPECT_LT(peak - before, static_cast<long>(64 * kKiB)) << "RSS grew from " << before << " KiB to " << peak << " KiB";

  // With a token: a chunked body over max_body_bytes (1 MiB) is 413, and nothing is stored.
  std::int64_t seq = last_seq(server);
  ASSERT_GE(seq, 0);
  json ticket = new_ticket("BIG-1");
  ticket["data"]["problem"] = "@";
  std::string text = ticket.dump();
  std::size_t at = text.find("\"@\"") + 1;
  Streamed big = stream(port, chunked_head + bearer("zhang") + "\r\n" + chunk(text.substr(0, at)), piece, 2 * kMiB,
                        chunk(text.substr(at + 1)) + "0\r\n\r\n");
  ASSERT_TRUE(big.response) << "no answer to a chunked body of 2 MiB";
  EXPECT_TRUE(is_error(*big.response, 413, "payload_too_large"));
  EXPECT_EQ(get(server, "/v1/tickets/BIG-1", "zhang").status, 404);
  EXPECT_EQ(last_seq(server), seq);

  // A Content-Length over the limit is refused on the head alone: the body is never sent.
  RawClient client;
  ASSERT_TRUE(client.connect(port));
  ASSERT_TRUE(client.send("POST /v1/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\n" + bearer("zhang") +
                          "Content-Type: application/json\r\nContent-Length: " + std::to_string(2 * kMiB) +
                          "\r\n\r\n"));
  std::optional<RawResponse> refused = client.read_response(2s);
  ASSERT_TRUE(refused) << "no answer within 2 s to a Content-Length of 2 MiB: the server waits for the body";
  EXPECT_TRUE(is_error(*refused, 413, "payload_too_large"));
  EXPECT_EQ(last_seq(server), seq);
}

TEST(HostileClientTest, HeaderFloodsGet431AndCostNoMemory) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  const int port = server.port();

  std::string many;
  for (int i = 0; i < 200; ++i) {
    std::string name = "X-Flood-" + std::to_string(1000 + i) + ": ";
    many += name + std::string(98 - name.size(), 'f') + "\r\n";  // 100 bytes a line
  }
  const std::vector<std::pair<std::string, std::string>> floods = {
      {"200 headers of 100 bytes", many},
      {"one header of 64 KiB", "X-Big: " + std::string(64 * kKiB, 'b') + "\r\n"},
  };
  for (const auto& [what, lines] : floods) {
    RawClient client;
    ASSERT_TRUE(client.connect(port));
    client.send(build_request("GET", "/v1/health", lines));
    std::optional<RawResponse> answer = client.read_response(2s);
    ASSERT_TRUE(answer) << what << ": no answer";
    EXPECT_TRUE(is_error(*answer, 431, "headers_too_large")) << what;
    EXPECT_TRUE(client.wait_closed(2s)) << what << ": the connection stays open";
    ASSERT_TRUE(answers_health(port)) << "the server died after " << what;
  }

  // Four clients each sending one header line that never ends.
  long before = rss_kib(server.pid());
  ASSERT_GT(before, 0);
  std::vector<Streamed> endless(4);
  long peak = 0;
  {
    PeakRss rss(server.pid());
    {
      std::vector<std::jthread> clients;
      for (Streamed& result : endless)
        clients.emplace_back([&result, port] {
          result =
              stream(port, "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Endless: ", std::string(64 * kKiB, 'e'),
                     16 * kMiB);
        });
    }
    peak = rss.peak_kib();
  }
  for (std::size_t i = 0; i < endless.size(); ++i) {
    ASSERT_TRUE(endless[i].response) << "client " << i << " got no answer after " << endless[i].sent << " bytes";
    EXPECT_TRUE(is_error(*endless[i].response, 431, "headers_too_large")) << "client " << i;
    EXPECT_TRUE(endless[i].closed) << "client " << i << ": the connection stays open";
  }
  EXPECT_LT(peak - before, static_cast<long>(32 * kKiB)) << "RSS grew from " << before << " KiB to " << peak << " KiB";
  EXPECT_TRUE(answers_health(port));
}

TEST(HostileClientTest, PipelinedRequestsAreAnsweredInOrder) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  const std::vector<std::string> ids = {"P-1", "P-2", "P-3"};
  std::string three;
  for (const std::string& id : ids) three += request_as("zhang", "POST", "/v1/tickets", new_ticket(id).dump());

  RawClient client;
  ASSERT_TRUE(client.connect(server.port()));
  ASSERT_TRUE(client.send(three));  // one write
  for (const std::string& id : ids) {
    std::optional<RawResponse> answer = client.read_response(3s);
    ASSERT_TRUE(answer) << "no answer for " << id;
    EXPECT_EQ(answer->status, 201) << answer->body;
    EXPECT_EQ(json::parse(answer->body, nullptr, false).value("ticket", ""), id) << answer->body;
  }
  for (const std::string& id : ids) EXPECT_EQ(get(server, "/v1/tickets/" + id, "zhang").status, 200) << id;
}

TEST(HostileClientTest, RuleFilesCannotReadOutsideTheRulesDirectory) {
  ServerProcess server;
  const std::string canary = "docket-canary-" + random_word();
  const std::string outside_secret = "OUTSIDE-SECRET-" + random_word();
  const std::string parent_secret = "PARENT-SECRET-" + random_word();
  std::filesystem::create_directories(server.dir() / "private");
  const std::filesystem::path outside = server.dir() / "private" / "secret.conf";
  std::ofstream(outside) << outside_secret << " = \"not for the API\"\nsecond = line\n";
  std::ofstream(server.dir() / "secret.docket") << parent_secret << " = \"not for the API\"\n";

  // The server inherits the canary in its environment. It runs in rules/, so
  // that "../" names the folder above the rules whether the server resolves
  // a deployment's `extends` against its working directory or the rules.
  ::setenv("DOCKET_SECRET_CANARY", canary.c_str(), 1);
  const std::filesystem::path cwd = std::filesystem::current_path();
  std::filesystem::current_path(server.dir() / "rules");
  ::testing::AssertionResult started = server.start();
  std::filesystem::current_path(cwd);
  ::unsetenv("DOCKET_SECRET_CANARY");
  ASSERT_TRUE(started);

  auto leaked = [&](const std::string& text) {
    for (const std::string& secret : {canary, std::string("DOCKET_SECRET_CANARY"), outside_secret, parent_secret}) {
      if (text.find(secret) != std::string::npos) return secret;
    }
    return std::string();
  };
  const std::vector<std::pair<std::string, std::string>> targets = {
      {"the environment", "/proc/self/environ"},
      {"a file by absolute path", outside.string()},
      {"a file above the rules", "../secret.docket"},
  };
  for (const auto& [what, target] : targets) {
    std::string text = "extends \"" + target + "\"\nworkflow x \"x\" version \"1\"\n";
    Reply reply = post(server, "/v1/versions", "admin", {{"name", "evil.docket"}, {"text", text}});
    EXPECT_EQ(reply.status, 422) << what;  // the body is not printed: it may hold what leaked
    EXPECT_EQ(reply.body.is_object() && reply.body["error"].is_object() ? reply.body["error"].value("code", "") : "",
              "rules_invalid")
        << what;
    EXPECT_EQ(leaked(reply.text), "") << what << ": in the answer";
    Reply versions = get(server, "/v1/versions", "admin");
    EXPECT_EQ(leaked(versions.text), "") << what << ": in GET /v1/versions";
  }

  // A link in the rules directory to a file outside it.
  std::filesystem::create_symlink(outside, server.dir() / "rules" / "link.docket");
  Reply reload = post(server, "/v1/versions", "admin", {{"reload", true}});
  EXPECT_NE(reload.status, 0);
  EXPECT_EQ(leaked(reload.text), "") << "the linked file: in the answer";
  Reply versions = get(server, "/v1/versions", "admin");
  EXPECT_EQ(leaked(versions.text), "") << "the linked file: in GET /v1/versions";
  std::filesystem::remove(server.dir() / "rules" / "link.docket");

  EXPECT_EQ(leaked(server.log()), "") << "in server.log";

  // The diagnostics of a failed reload are for those who may deploy.
  std::ofstream(server.dir() / "rules" / "zz_broken.docket") << "workflow broken \"broken\" version \"1\"\nstate\n";
  EXPECT_TRUE(is_error(post(server, "/v1/versions", "admin", {{"reload", true}}), 422, "rules_invalid"));
  json for_admin = get(server, "/v1/versions", "admin").body["last_reload"];
  EXPECT_EQ(for_admin["ok"], false) << for_admin;
  EXPECT_TRUE(for_admin["diagnostics"].is_array() && !for_admin["diagnostics"].empty()) << for_admin;
  json for_liu = get(server, "/v1/versions", "liu").body["last_reload"];
  ASSERT_TRUE(for_liu.is_object()) << for_liu;
  EXPECT_TRUE(!for_liu.contains("diagnostics") || for_liu["diagnostics"].is_null() || for_liu["diagnostics"].empty())
      << "a token without deploy reads the diagnostics: " << for_liu;
}

TEST(HostileClientTest, TicketListsArePagedWithACursor) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  for (const char* limit : {"999999", "1001", "0", "-1", "ten"})
    EXPECT_TRUE(is_error(get(server, std::string("/v1/tickets?limit=") + limit, "zhang"), 400, "bad_request")) << limit;
  EXPECT_EQ(get(server, "/v1/tickets?limit=1000", "zhang").status, 200);

  std::vector<std::string> created;
  for (int i = 1; i <= 5; ++i) {
    created.push_back("PG-" + std::to_string(i));
    ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket(created.back())).status, 201);
  }
  std::vector<std::string> seen;
  std::vector<std::size_t> sizes;
  std::string query = "/v1/tickets?limit=2";
  for (int page = 0; page < 10; ++page) {
    Reply reply = get(server, query, "zhang");
    ASSERT_EQ(reply.status, 200) << query << ": " << reply.text;
    ASSERT_TRUE(reply.body["tickets"].is_array()) << reply.text;
    ASSERT_TRUE(reply.body.contains("next")) << "no `next`: " << reply.text;
    sizes.push_back(reply.body["tickets"].size());
    for (const json& ticket : reply.body["tickets"]) seen.push_back(ticket["id"]);
    const json& next = reply.body["next"];
    if (next.is_null()) break;
    ASSERT_TRUE(next.is_string()) << reply.text;
    query = "/v1/tickets?limit=2&after=" + percent_encode(next.get<std::string>());
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{2, 2, 1}));
  EXPECT_EQ(seen, created);
}

TEST(HostileClientTest, OverlongNamesAndMalformedIdsAreRefusedWithoutAJournalRecord) {
  ServerProcess server;
  ASSERT_NO_FATAL_FAILURE(real_time_clock(server));
  ASSERT_TRUE(server.start());
  ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket("LS-1")).status, 201);
  const std::string longest_id = "I-" + std::string(126, 'x');  // 128 bytes: still an id
  ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket(longest_id)).status, 201);
  const std::int64_t seq = last_seq(server);
  ASSERT_GE(seq, 0);

  std::string huge = R"({"event":")" + std::string(kMiB - kKiB, 'e') + R"("})";
  ASSERT_LT(huge.size(), kMiB);  // within max_body_bytes
  EXPECT_TRUE(is_error(post_text(server, "/v1/tickets/LS-1/events", "zhang", huge), 400, "bad_request"));
  EXPECT_TRUE(is_error(send_event(server, "LS-1", "zhang", std::string(129, 'e')), 400, "bad_request"));

  for (const std::string& id : {"I-" + std::string(127, 'x'), std::string("A/B"), std::string("A B"),
                                std::string("A\x01"
                                            "B"),
                                std::string("A\x1b"
                                            "B")})
    EXPECT_TRUE(is_error(post(server, "/v1/tickets", "zhang", new_ticket(id)), 400, "bad_request")) << json(id).dump();
  EXPECT_EQ(last_seq(server), seq) << "a refused request wrote a journal record";
  EXPECT_EQ(get(server, "/v1/health", "").body["tickets"], 2);
}

TEST(HostileClientTest, EventsForUnknownTicketsWriteNoJournalRecord) {
  ServerProcess server;
  ASSERT_NO_FATAL_FAILURE(real_time_clock(server));
  ASSERT_TRUE(server.start());
  ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket("K-1")).status, 201);
  const std::int64_t seq = last_seq(server);
  ASSERT_GE(seq, 0);
  EXPECT_TRUE(is_error(post(server, "/v1/tickets/NOPE/events", "zhang", {{"event", "classify"}}), 404, "not_found"));
  EXPECT_EQ(last_seq(server), seq);
}

TEST(HostileClientTest, RequestsCannotForgeOrColourLogLines) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  const std::string forged_time = "2026-01-01T00:00:00.000+00:00";
  const std::vector<std::string> requests = {
      "GET /v1/x%0A" + forged_time + "%20info%20forged HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      "GET /v1/x%0D%0A" + forged_time + "%20info%20forged HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      "GET /v1/x%1B[31mred%1B[0m HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      "GET /v1/x\x1b[2J HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \x1b[31mforged\r\nX-Note: "
      "a\x1b]0;t\x07\x01\r\n\r\n",
  };
  for (const std::string& request : requests) {
    RawClient client;
    ASSERT_TRUE(client.connect(server.port()));
    client.send(request);
    client.read_response(2s);  // any answer, or none
  }
  ASSERT_TRUE(answers_health(server.port()));

  const std::regex timestamp(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}([+-]\d{2}:?\d{2}|Z) )");
  std::istringstream log(server.log());
  std::string line;
  int lines = 0;
  while (std::getline(log, line)) {
    ++lines;
    EXPECT_TRUE(std::regex_search(line.substr(0, 40), timestamp)) << "a line without the logger's timestamp: " << line;
    EXPECT_NE(line.rfind(forged_time, 0), 0u) << "a forged line: " << line;
    EXPECT_EQ(line.find('\x1b'), std::string::npos) << "a raw ESC in the log: " << line;
  }
  EXPECT_GT(lines, 0);
}

TEST(HostileClientTest, AHalfSavedRuleFileIsNeverInstalled) {
  ServerProcess server;
  server.watch_rules();
  remove_key(server, "watch_interval");
  remove_key(server, "settle");
  ASSERT_NO_FATAL_FAILURE(add_to_section(server, "rules", "watch_interval = \"500ms\"\nsettle = \"2s\"\n"));
  ASSERT_TRUE(server.start());
  ASSERT_EQ(post(server, "/v1/tickets", "zhang", new_ticket("S-0")).status, 201);
  const std::string startup = get(server, "/v1/tickets/S-0", "zhang").body["version"];

  // The saved file is the shipped one at version 1.1 with one more field at
  // its end; the first write stops before that field, and compiles.
  std::filesystem::path rules = server.dir() / "rules/after_sales.docket";
  std::string first = read_file(rules);
  first.replace(first.find("version \"1.0\""), 13, "version \"1.1\"");
  const std::string second = "\nfield hostile_note \"备注\": text\n";

  std::map<std::string, std::string> pinned;  // ticket -> version, for tickets created during the save
  int created = 0;
  auto create = [&]() -> json {
    std::string id = "S-" + std::to_string(++created);
    if (post(server, "/v1/tickets", "zhang", new_ticket(id)).status != 201) return nullptr;
    json ticket = get(server, "/v1/tickets/" + id, "zhang").body;
    if (!ticket.is_object()) return nullptr;
    pinned[id] = ticket.value("version", "");
    return ticket;
  };
  {
    std::ofstream out(rules, std::ios::trunc | std::ios::binary);
    out << first << std::flush;
    // The editor's second write comes 1.2 s later (real time: the file watch's).
    for (auto until = Clock::now() + 1200ms; Clock::now() < until;) {
      create();
      // The editor's pause between writes, against the child server's file watch.
      std::this_thread::sleep_for(100ms);  // polling the child server
    }
    out << second << std::flush;
  }
  // New tickets show when the saved file is installed: they have its field.
  std::string saved;
  // (30 s bounds the wait only: the file settles 2 s after the last write.)
  for (auto deadline = Clock::now() + 30s; saved.empty() && Clock::now() < deadline;) {
    json ticket = create();
    if (ticket.is_object() && ticket["fields"].contains("hostile_note")) saved = ticket.value("version", "");
    std::this_thread::sleep_for(100ms);  // polling, not timing
  }
  ASSERT_FALSE(saved.empty()) << "the saved file was not installed within 30 s";

  Reply versions = get(server, "/v1/versions", "zhang");
  std::set<std::string> ids;
  for (const json& version : versions.body["versions"]) ids.insert(version["id"]);
  EXPECT_EQ(ids, (std::set<std::string>{startup, saved})) << "a half-saved file became a version: " << versions.text;
  for (const auto& [id, version] : pinned)
    EXPECT_TRUE(version == startup || version == saved) << id << " is on version " << version;
}

TEST(HostileClientTest, RemovedTokensStopWorkingAfterAReload) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  ASSERT_EQ(get(server, "/v1/tickets", "liu").status, 200);

  ASSERT_NO_FATAL_FAILURE(remove_token(server, "liu"));
  server.signal(SIGHUP);
  EXPECT_TRUE(eventually([&] { return get(server, "/v1/tickets", "liu").status == 401; }, 5))
      << "liu's token still works after SIGHUP";
  EXPECT_EQ(get(server, "/v1/tickets", "zhang").status, 200);

  ASSERT_NO_FATAL_FAILURE(remove_token(server, "zhang"));
  Reply reload = post(server, "/v1/versions", "admin", {{"reload", true}});
  EXPECT_EQ(reload.status, 200) << reload.text;
  EXPECT_TRUE(eventually([&] { return get(server, "/v1/tickets", "zhang").status == 401; }, 5))
      << "zhang's token still works after an API reload";
  EXPECT_EQ(get(server, "/v1/tickets", "admin").status, 200);
}

TEST(HostileClientTest, AmbiguousActorIdsStopTheServerAtStart) {
  ServerProcess server;  // its folder and configuration; started here by Launched
  const std::string base = read_file(server.dir() / "docket.toml");
  const std::size_t liu = base.find("actor = \"liu\"");
  ASSERT_NE(liu, std::string::npos);
  const std::vector<int> liu_lines = {line_of(base, base.rfind("[[tokens]]", liu)), line_of(base, liu)};

  struct Case {
    std::string what, actor;
    bool names_liu;  // the place may be liu's entry as well
  };
  const std::vector<Case> cases = {
      {"an id that differs from liu only in case", "Liu", true},
      {"an empty id", "", false},
      {"an id with a trailing space", "liu ", false},
      {"an id with a newline", "li\\nu", false},
  };
  for (const Case& c : cases) {
    std::string config = base + "[[tokens]]\nsha256 = \"" + sha256_hex("tok-extra") + "\"\nactor = \"" + c.actor +
                         "\"\nroles = [\"engineer\"]\n";
    write_config(server, config);
    std::vector<int> places = {line_of(base, base.size()), line_of(base, base.size()) + 2};
    if (c.names_liu) places.insert(places.end(), liu_lines.begin(), liu_lines.end());

    Launched run(server.dir());
    EXPECT_EQ(run.exit_status(), 1) << c.what << ": " << run.describe();
    bool placed = false;
    for (int line : places)
      placed = placed || run.stderr_text().find("docket.toml:" + std::to_string(line) + ":") != std::string::npos;
    EXPECT_TRUE(placed) << c.what << ": the message names no place of the entry: " << run.stderr_text();
    EXPECT_NE(run.stderr_text().find("actor"), std::string::npos) << c.what << ": " << run.stderr_text();
  }
}

TEST(HostileClientTest, AStoreThatCannotBeWrittenStopsTheServerAtStart) {
  ServerProcess server;
  ASSERT_TRUE(server.start());
  ASSERT_EQ(server.stop(), 0);
  const std::filesystem::path store = server.dir() / "tickets.db";
  ASSERT_TRUE(std::filesystem::exists(store));

  // The store file made read-only in a way that also holds for root: the
  // immutable attribute (when the file system has it), else the mode.
  struct ReadOnly {
    std::filesystem::path file;
    bool immutable = false;
    bool done = false;
    ~ReadOnly() {
      if (immutable) {
        int undone = std::system(("chattr -i '" + file.string() + "'").c_str());
        EXPECT_EQ(undone, 0) << "chattr -i " << file;
      }
      if (done && !immutable) std::filesystem::permissions(file, std::filesystem::perms(0644));
    }
  } read_only{store};
  if (::geteuid() == 0) {
    read_only.immutable = read_only.done =
        std::system(("chattr +i '" + store.string() + "' >/dev/null 2>&1").c_str()) == 0;
  } else {
    std::filesystem::permissions(store, std::filesystem::perms(0444));
    read_only.done = true;
  }
  if (read_only.done) {
    Launched run(server.dir());
    EXPECT_EQ(run.exit_status(), 1) << "a read-only store: " << run.describe();
    EXPECT_NE(run.stderr_text().find("tickets.db"), std::string::npos) << run.stderr_text();
  } else {
    std::cout << "note: cannot make a file read-only for root here (no chattr +i); only the missing folder is tried\n";
  }

  // A store in a folder that does not exist and cannot be made.
  const std::string nowhere = "/proc/docket-nonexistent/tickets.db";
  ASSERT_NO_FATAL_FAILURE(replace_in_config(server, "path = \"tickets.db\"", "path = \"" + nowhere + "\""));
  Launched run(server.dir());
  EXPECT_EQ(run.exit_status(), 1) << "a store that cannot be created: " << run.describe();
  EXPECT_NE(run.stderr_text().find(nowhere), std::string::npos) << run.stderr_text();
}

TEST(HostileClientTest, ServesHttpsAndRefusesPlainHttpOffLoopback) {
  ServerProcess server;  // its folder and configuration; started here by Launched
  const std::string base = read_file(server.dir() / "docket.toml");

  // Every address, without TLS and without allow_plaintext: refused.
  ASSERT_NO_FATAL_FAILURE(replace_in_config(server, "listen = \"127.0.0.1:0\"", "listen = \"0.0.0.0:0\""));
  {
    Launched run(server.dir());
    EXPECT_EQ(run.exit_status(), 1) << run.describe();
    EXPECT_NE(run.stderr_text().find("allow_plaintext"), std::string::npos) << run.stderr_text();
  }
  write_config(server, base);

  // HTTPS on loopback with a self-signed certificate.
  ASSERT_TRUE(write_self_signed_certificate(server.dir() / "tls.crt", server.dir() / "tls.key"));
  ASSERT_NO_FATAL_FAILURE(add_to_section(server, "server", "tls_certificate = \"tls.crt\"\ntls_key = \"tls.key\"\n"));
  Launched tls(server.dir());
  ASSERT_TRUE(tls.started()) << tls.describe();
  httplib::SSLClient client("127.0.0.1", tls.port());
  client.enable_server_certificate_verification(false);  // self-signed
  client.set_connection_timeout(2s);
  client.set_read_timeout(2s);
  Reply health = to_reply(client.Get("/v1/health"));
  EXPECT_EQ(health.status, 200) << health.text;
  EXPECT_EQ(health.body.value("status", ""), "ok") << health.text;

  std::optional<RawResponse> plain = round_trip(tls.port(), kHealth, 2s);
  EXPECT_TRUE(!plain || plain->status != 200) << "plain HTTP was answered on the TLS port";
}

TEST(HostileClientTest, RequestsOverTheRateLimitGet429WithRetryAfter) {
  ServerProcess server;
  ASSERT_NO_FATAL_FAILURE(add_to_section(server, "server", "rate_limit = 5\nrate_burst = 10\n"));
  ASSERT_TRUE(server.start());
  std::vector<RawResponse> answers;
  for (int i = 0; i < 30; ++i) {
    std::optional<RawResponse> answer = round_trip(server.port(), request_as("liu", "GET", "/v1/tickets"));
    ASSERT_TRUE(answer) << "request " << i << " got no answer";
    answers.push_back(std::move(*answer));
  }
  for (int i = 0; i < 10; ++i) EXPECT_EQ(answers[i].status, 200) << "request " << i << " is within the burst";
  int limited = 0;
  for (const RawResponse& answer : answers) {
    if (answer.status != 429) continue;
    ++limited;
    EXPECT_TRUE(is_error(answer, 429, "too_many_requests"));
    std::string retry = answer.header("retry-after");
    EXPECT_TRUE(!retry.empty() && retry.find_first_not_of("0123456789") == std::string::npos)
        << "Retry-After: " << retry;
  }
  EXPECT_GT(limited, 0) << "30 requests at once with rate_limit 5 and rate_burst 10, none refused";
  // The limit is per token.
  EXPECT_EQ(get(server, "/v1/tickets", "zhang").status, 200);
}

}  // namespace
}  // namespace docket::server::testing
