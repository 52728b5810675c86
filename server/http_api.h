// The HTTP JSON API of `docket serve` (docs/api.md, docs/openapi.yaml).
//
//   HttpApi api(service, Authenticator(config.tokens), options);
//   Result<int> port = api.bind();   // the port actually bound (options.port may be 0)
//   api.serve();                      // blocks until stop()
//
// Every endpoint but GET /v1/health, POST /v1/session and the console's
// files needs `Authorization: Bearer TOKEN`, or the cookie of a console
// session (server/sessions.h) opened with POST /v1/session; a request with
// the cookie that is not a GET must repeat the session's CSRF token in
// `X-CSRF-Token`, and come from the same origin when it says where from.
// The token's actor (with its roles) is the actor of the events it sends.
// Every answer forbids framing and content sniffing; the console's carry a
// Content-Security-Policy that allows only its own scripts and styles.
// The token is checked on the request head, before any body is read, and
// each token may send at most `rate_limit` requests a second (429 past it).
// What an actor may do to a ticket is decided by the engine; this layer only
// maps the engine's answer to a status (docs/api.md: "Status codes").
// Answers are JSON and always valid UTF-8, errors as
// {"error":{"code":...,"message":...}}. Every string a client sends is
// bounded (docs/limits.md) and lists are paged. One log line per request
// (spdlog), with every byte a client chose escaped: method, path, status,
// milliseconds, actor.
//
// The transport (limits, deadlines, TLS) is server/http_server.h; the only
// place that includes nlohmann/json.hpp in the server is the .cpp.

#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/model/result.h"
#include "server/auth.h"
#include "server/console_files.h"
#include "server/http_server.h"
#include "server/service.h"

namespace docket::server {

struct HttpOptions {
  HttpServerOptions transport;
  std::size_t max_json_depth = 64;
  std::uint32_t rate_limit = 200;  // requests a second per token; 0: unlimited
  std::uint32_t rate_burst = 400;
  // Reads the tokens again (the configuration file); called on a reload
  // through the API. Empty: tokens stay as given.
  std::function<engine::Result<std::vector<TokenConfig>>()> read_tokens;
  // The console's files (`GET /`, `GET /console/...`): built in, or a
  // folder (`docket serve --console-dir`).
  ConsoleFiles console = ConsoleFiles::built_in();
  // Draws a workflow's state graph as SVG for GET /v1/versions/{id}/graph.svg
  // (Graphviz, which the cli runs: the server starts no processes). Empty:
  // that endpoint answers 503.
  std::function<engine::Result<std::string>(const engine::Workflow&)> draw_graph;
};

// Longest strings a request may carry (docs/limits.md).
inline constexpr std::size_t kMaxIdBytes = 128;         // ticket ids, event, workflow and field names
inline constexpr std::size_t kMaxKeyBytes = 200;        // idempotency keys
inline constexpr std::size_t kMaxTextBytes = 64 << 10;  // a text value in `data`
inline constexpr std::size_t kMaxPageSize = 1000;       // GET /v1/tickets?limit=
inline constexpr std::size_t kDefaultPageSize = 100;
inline constexpr std::uint64_t kMaxFeedWaitSeconds = 30;  // GET /v1/journal?wait=
// GET /v1/journal long polls that may wait at once: a quarter of the
// workers, at most this many; past it a request answers without waiting, so
// that long polls never hold every worker.
inline constexpr std::size_t kMaxLongPolls = 16;
// GET /v1/report: the longest period, in days.
inline constexpr std::size_t kMaxReportDays = 366;
// GET /v1/audit/export: the largest archive sent; past it, `docket audit export` on the server.
inline constexpr std::size_t kMaxExportBytes = std::size_t{256} << 20;
// Exports and reports made at once (each reads the whole journal); past it, 503 and Retry-After.
inline constexpr std::size_t kMaxHeavyReads = 2;

class HttpApi {
 public:
  // `service` must outlive the api.
  HttpApi(Service& service, Authenticator authenticator, HttpOptions options);
  ~HttpApi();
  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;

  // Binds the listening socket; the port bound.
  engine::Result<int> bind();
  // Serves requests until stop(). REQUIRES: bind() succeeded.
  void serve();
  // Stops accepting; requests in flight are finished before serve()
  // returns, long polls at once (Service::end_waits). Safe from any thread.
  void stop();
  // Replaces the tokens (SIGHUP): a token no longer listed stops working at once.
  void set_tokens(std::vector<TokenConfig> tokens);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace docket::server
