// The HTTP transport's reading of requests (server/http_server.h), without
// sockets: what a connection does with the bytes a client sends.

#include "server/http_server.h"

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "tests/server/raw_client.h"

namespace docket::server {
namespace {

HttpServerOptions small_limits() {
  HttpServerOptions options;
  options.max_body_bytes = 64;
  options.max_header_bytes = 1024;
  options.max_headers = 8;
  return options;
}

TEST(HttpServerTest, PipelinedRequestsAreReadInOrder) {
  std::string bytes =
      "POST /v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nonePOST /v1/tickets HTTP/1.1\r\n"
      "Host: x\r\nContent-Length: 3\r\n\r\ntwoGET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n";
  std::vector<ParsedRequest> parsed = parse_requests(bytes, small_limits());
  ASSERT_EQ(parsed.size(), 3u);
  EXPECT_EQ(parsed[0].request->body, "one");
  EXPECT_EQ(parsed[1].request->body, "two");
  EXPECT_EQ(parsed[2].request->path, "/v1/health");
}

TEST(HttpServerTest, PathsAndQueriesAreDecodedSegmentBySegment) {
  std::vector<ParsedRequest> parsed =
      parse_requests("GET /v1/tickets/a%2Fb?state=new+one&after=T%261 HTTP/1.1\r\nHost: x\r\n\r\n", small_limits());
  ASSERT_EQ(parsed.size(), 1u);
  const HttpRequest& request = *parsed[0].request;
  EXPECT_EQ(request.path, "/v1/tickets/a/b");
  // %2F stays inside its segment: `a/b` is one (refused) id, not two segments.
  EXPECT_EQ(request.segments, (std::vector<std::string>{"v1", "tickets", "a/b"}));
  ASSERT_EQ(request.query.size(), 2u);
  EXPECT_EQ(request.query[0], (std::pair<std::string, std::string>{"state", "new one"}));
  EXPECT_EQ(request.query[1], (std::pair<std::string, std::string>{"after", "T&1"}));
}

TEST(HttpServerTest, AChunkedBodyOverTheLimitIsRefusedWith413) {
  std::string bytes = "POST /v1/tickets HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 10; ++i) bytes += "10\r\n0123456789abcdef\r\n";
  bytes += "0\r\n\r\n";
  std::vector<ParsedRequest> parsed = parse_requests(bytes, small_limits());
  ASSERT_EQ(parsed.size(), 1u);
  ASSERT_TRUE(parsed[0].refusal);
  EXPECT_EQ(parsed[0].refusal->status, 413);
  EXPECT_EQ(parsed[0].refusal->body,
            R"({"error":{"code":"payload_too_large","message":"the body is larger than 64 bytes"}})");
}

TEST(HttpServerTest, ADeclaredLengthOverTheLimitIsRefusedBeforeTheBody) {
  std::vector<ParsedRequest> parsed =
      parse_requests("POST /v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Length: 65\r\n\r\n", small_limits());
  ASSERT_EQ(parsed.size(), 1u);
  ASSERT_TRUE(parsed[0].refusal);
  EXPECT_EQ(parsed[0].refusal->status, 413);
}

TEST(HttpServerTest, TooManyHeadersOrTooLargeAHeadAreRefusedWith431) {
  std::string many = "GET /v1/health HTTP/1.1\r\n";
  for (int i = 0; i < 9; ++i) many += "X-" + std::to_string(i) + ": y\r\n";
  std::vector<ParsedRequest> parsed = parse_requests(many + "\r\n", small_limits());
  ASSERT_EQ(parsed.size(), 1u);
  ASSERT_TRUE(parsed[0].refusal);
  EXPECT_EQ(parsed[0].refusal->status, 431);
  EXPECT_EQ(parsed[0].refusal->body, R"({"error":{"code":"headers_too_large","message":"more than 8 header fields"}})");

  std::string large = "GET /v1/health HTTP/1.1\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n";
  parsed = parse_requests(large, small_limits());
  ASSERT_EQ(parsed.size(), 1u);
  ASSERT_TRUE(parsed[0].refusal);
  EXPECT_EQ(parsed[0].refusal->status, 431);
}

TEST(HttpServerTest, MalformedRequestsAreRefusedWith400) {
  for (const char* bytes : {"GET /%GG HTTP/1.1\r\nHost: x\r\n\r\n", "GET http://evil/ HTTP/1.1\r\nHost: x\r\n\r\n",
                            "GET /v1/health?a=%4 HTTP/1.1\r\nHost: x\r\n\r\n", "BLAH\r\n\r\n"}) {
    std::vector<ParsedRequest> parsed = parse_requests(bytes, small_limits());
    ASSERT_EQ(parsed.size(), 1u) << bytes;
    ASSERT_TRUE(parsed[0].refusal) << bytes;
    EXPECT_EQ(parsed[0].refusal->status, 400) << bytes;
  }
}

TEST(HttpServerTest, ARequestCutShortIsNotYetARequest) {
  EXPECT_TRUE(parse_requests("GET /v1/health HTTP/1.1\r\nHost:", small_limits()).empty());
  EXPECT_TRUE(parse_requests("POST /v1/tickets HTTP/1.1\r\nContent-Length: 9\r\n\r\nabc", small_limits()).empty());
}

TEST(HttpServerTest, ErrorBodiesAreValidJsonWhateverTheMessage) {
  EXPECT_EQ(error_body("not_found", "no such endpoint: GET /\xff\n"),
            "{\"error\":{\"code\":\"not_found\",\"message\":\"no such endpoint: GET /\xEF\xBF\xBD\\n\"}}");
}

TEST(HttpServerTest, PercentDecoding) {
  EXPECT_EQ(percent_decode("a%20b%2fc"), "a b/c");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("a+b"), "a+b");
  EXPECT_EQ(percent_decode("%"), std::nullopt);
  EXPECT_EQ(percent_decode("%4"), std::nullopt);
  EXPECT_EQ(percent_decode("%zz"), std::nullopt);
}

using Handler = std::function<HttpResponse(const HttpRequest&)>;

HttpResponse empty_object(const HttpRequest&) {
  HttpResponse response;
  response.body = "{}";
  return response;
}

// A server in this process on 127.0.0.1, answering every request with {}
// (or as `handle` answers).
class RunningServer {
 public:
  explicit RunningServer(HttpServerOptions options, Handler handle = empty_object) {
    options.port = 0;
    options.threads = 2;
    HttpHooks hooks;
    hooks.handle = std::move(handle);
    server_ = std::make_unique<HttpServer>(options, hooks);
    engine::Result<int> bound = server_->bind();
    port_ = bound ? bound.value() : -1;
    if (bound) serving_ = std::thread([this] { server_->serve(); });
  }
  ~RunningServer() { stop(); }

  int port() const { return port_; }
  // Asks the server to stop, without waiting for serve() to return.
  void request_stop() { server_->stop(); }
  void stop() {
    if (!serving_.joinable()) return;
    server_->stop();
    serving_.join();
  }

 private:
  std::unique_ptr<HttpServer> server_;
  std::thread serving_;
  int port_ = -1;
};

// Holds the requests handed to hold() until opened, so that a test can keep
// a request in flight (and with it the server's serve()) as long as it needs.
class Gate {
 public:
  // Called by a handler: says that a request arrived, then waits until open.
  void hold() {
    std::unique_lock<std::mutex> lock(mutex_);
    ++arrived_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_; });
  }
  // Waits until a request is held; at most `timeout` (a deadline for the
  // wait only: the request is sent before, and arrives at once).
  bool wait_for_a_request(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, timeout, [this] { return arrived_ > 0; });
  }
  void open() {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int arrived_ = 0;
  bool open_ = false;
};

// A connection refused over the limit must not take another connection's
// place in the list that a stop closes: the stop would then wait out its
// grace period for the connection it forgot, and close it only when the
// server ends. So the idle connection must be closed while a request held
// in flight still keeps the server from ending: an order of events, which a
// slow machine delays but cannot reverse.
TEST(HttpServerTest, AStopClosesEveryIdleConnectionAlsoAfterARefusedOne) {
  using namespace std::chrono_literals;
  HttpServerOptions options;
  options.max_connections_per_address = 1;
  auto gate = std::make_shared<Gate>();
  RunningServer running(options, [gate](const HttpRequest& request) {
    if (request.path == "/hold") gate->hold();
    return empty_object(request);
  });
  // Whatever fails below, the held request goes, so that the server can stop.
  struct OpenOnExit {
    Gate& gate;
    ~OpenOnExit() { gate.open(); }
  } open_on_exit{*gate};
  ASSERT_GT(running.port(), 0);
  testing::RawClient idle;
  ASSERT_TRUE(idle.connect(running.port()));
  ASSERT_TRUE(idle.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::optional<testing::RawResponse> answer = idle.read_response(2s);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  testing::RawClient refused;
  ASSERT_TRUE(refused.connect(running.port()));
  std::optional<testing::RawResponse> refusal = refused.read_response(2s);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->status, 503);
  // The client hangs up: the server stops lingering on it and forgets it.
  refused.close();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(idle.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(idle.read_response(2s));
  }
  // A request from another address, held in flight.
  testing::RawClient busy;
  ASSERT_TRUE(busy.connect(running.port(), "127.0.0.2"));
  ASSERT_TRUE(busy.send("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(gate->wait_for_a_request(10s));

  running.request_stop();
  EXPECT_TRUE(idle.wait_closed(30s)) << "the stop did not close an idle connection it should have known";
  gate->open();
  running.stop();
}

// A connection refused over the limit is not counted against it, so the
// server must not keep it open to drain what the client sends (as it does
// after refusing a request): it closes it at once, and the client's next
// writes fail instead of being read for seconds.
TEST(HttpServerTest, AConnectionOverTheLimitIsClosedAtOnce) {
  using namespace std::chrono_literals;
  HttpServerOptions options;
  options.max_connections_per_address = 1;
  RunningServer running(options);
  ASSERT_GT(running.port(), 0);
  testing::RawClient admitted;
  ASSERT_TRUE(admitted.connect(running.port()));

  int refused = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(refused, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(running.port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(refused, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  timeval wait{2, 0};
  ::setsockopt(refused, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  std::string answer;
  char buffer[4096];
  for (ssize_t got = 1; got > 0;) {
    got = ::recv(refused, buffer, sizeof buffer, 0);
    if (got > 0) answer.append(buffer, static_cast<std::size_t>(got));
  }
  EXPECT_EQ(answer.rfind("HTTP/1.1 503", 0), 0u) << answer;
  // Closed, not draining: the first write draws a reset, and a later one
  // fails. Counted in writes, not in time: a lingering connection would
  // accept them all (it drains for 2 s, longer than 50 writes 10 ms apart).
  int writes = 0;
  bool reset = false;
  while (!reset && writes < 50) {
    ++writes;
    reset = ::send(refused, "GET / HTTP/1.1\r\n", 16, MSG_NOSIGNAL) < 0;
    std::this_thread::sleep_for(10ms);  // polling: gives the reset time to arrive
  }
  ::close(refused);
  EXPECT_TRUE(reset) << "the refused connection was kept open: " << writes << " writes accepted";
}

}  // namespace
}  // namespace docket::server
