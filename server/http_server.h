// The HTTP/1.1 transport of `docket serve`, made for hostile traffic.
//
//   HttpServer server(options, {.head = check_token, .handle = route});
//   Result<int> port = server.bind();  // the port bound (options.port may be 0)
//   server.serve();                    // blocks until stop()
//
// Connections are served by an event loop (Boost.Asio, two I/O threads), so
// a client that sends slowly or not at all holds no thread: only a request
// that has arrived whole is handed to one of `threads` workers. Before the
// application sees a request the transport enforces, and answers itself:
//   - a deadline for the request head (408), one for the body (408), and an
//     idle time after which a keep-alive connection is closed;
//   - at most `max_headers` header fields and `max_header_bytes` of head (431);
//   - at most `max_body_bytes` of body, chunked or not (413);
//   - at most `max_connections` open connections, and `max_connections_per_address`
//     from one client address (503 to the one over, then closed);
//   - a target that is not origin-form or percent-decodes badly (400).
// Hooks.head sees the request head before any of its body is read: it may
// refuse the request (a missing token: 401), and the body is then never
// read. Every refusal closes the connection after its answer, reading and
// dropping at most a bounded amount of what the client still sends, so
// that the answer is not lost to a reset.
//
// Requests on one connection are answered in order, one at a time:
// pipelined requests wait in the connection's buffer and are never dropped.
// Sockets have TCP_NODELAY and an answer goes out in one write, so a
// keep-alive client is not held up by delayed acknowledgements.
//
// TLS: with a certificate and key the listener speaks only TLS 1.2 or later
// (OpenSSL, through Asio); the handshake counts against the head deadline.
//
// The transport's own answers carry the same JSON error body as the API's,
// {"error":{"code":...,"message":...}}, and are reported to Hooks.refused
// so that they are counted and logged like any other answer.

#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/model/result.h"

namespace docket::server {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;   // 0: any free port
  int threads = 64;  // workers that run requests
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::size_t max_connections = 1024;
  std::size_t max_connections_per_address = 64;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_headers = 64;
  std::size_t max_body_bytes = std::size_t{1} << 20;
  // Both or neither: PEM files of the certificate chain and its private key.
  std::string tls_certificate;
  std::string tls_key;
};

// A request as the application sees it: the target decoded, the headers it uses.
struct HttpRequest {
  std::string method;                 // "GET", "POST", ... as sent
  std::string target;                 // as sent, percent-encoded (for logs, after engine::printable)
  std::string path;                   // percent-decoded; any byte may appear, including '/' from %2F
  std::vector<std::string> segments;  // the path split at the '/' that were sent as such, each decoded
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::string authorization;                               // the Authorization header, "" when absent
  std::string cookie;                                      // the Cookie header(s), joined by "; "
  std::string csrf_token;                                  // the X-CSRF-Token header
  std::string origin;                                      // the Origin header
  std::string host;                                        // the Host header
  std::string remote;                                      // the client's address
  std::string body;                                        // empty until the head check passed
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones (Retry-After, ...)
};

// The JSON error body every refusal carries: {"error":{"code":...,"message":...}}.
// The message may hold any bytes; the result is valid UTF-8 JSON.
std::string error_body(std::string_view code, std::string_view message);
HttpResponse error_response(int status, std::string_view code, std::string_view message);

struct HttpHooks {
  // Sees the head (body empty) on an I/O thread; must be quick. A response
  // refuses the request. Empty: every head passes.
  std::function<std::optional<HttpResponse>(const HttpRequest&)> head;
  // Answers a whole request, on a worker thread. What it throws becomes a 500.
  std::function<HttpResponse(const HttpRequest&)> handle;
  // Told of every answer the transport gave itself (408, 413, 431, 503, 400,
  // and refusals by `head`), with the request as far as it was read.
  std::function<void(const HttpRequest&, const HttpResponse&)> refused;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHooks hooks);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Loads the TLS files (if any) and binds the listening socket; the port bound.
  engine::Result<int> bind();
  // Serves until stop(). REQUIRES: bind() succeeded.
  void serve();
  // Stops accepting and closes idle connections; requests in flight are
  // answered before serve() returns. Safe from any thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One step of reading requests from bytes, as a connection does.
struct ParsedRequest {
  std::optional<HttpRequest> request;   // set when a whole request was read
  std::optional<HttpResponse> refusal;  // set when the transport refused it
};

// Reads the requests in `bytes` with the limits of `options`, the way a
// connection reads them (deadlines aside), until the bytes run out or a
// refusal ends the connection. For the fuzz target and the tests: nothing
// here touches a socket.
std::vector<ParsedRequest> parse_requests(std::string_view bytes, const HttpServerOptions& options);

// Percent-decodes `text`; nullopt when a '%' is not followed by two hex digits.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space = false);

}  // namespace docket::server
