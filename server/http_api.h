// The HTTP JSON API of `docket serve` (docs/api.md, docs/openapi.yaml).
//
//   HttpApi api(service, Authenticator(config.tokens), options);
//   Result<int> port = api.bind();   // the port actually bound (options.port may be 0)
//   api.serve();                      // blocks until stop()
//
// Every endpoint but GET /v1/health needs `Authorization: Bearer TOKEN`;
// the token's actor (with its roles) is the actor of the events it sends.
// What an actor may do to a ticket is decided by the engine; this layer only
// maps the engine's answer to a status (docs/api.md: "Status codes").
// Bodies larger than HttpOptions::max_body_bytes get 413, malformed JSON or
// nesting deeper than max_json_depth 400, always with a JSON error body
// {"error":{"code":...,"message":...}}. One log line per request (spdlog):
// method, path, status, milliseconds, actor.
//
// The only place that includes httplib.h and nlohmann/json.hpp.

#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "engine/result.h"
#include "server/auth.h"
#include "server/service.h"

namespace docket::server {

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port
  int threads = 8;
  std::size_t max_body_bytes = std::size_t{1} << 20;
  std::size_t max_json_depth = 64;
};

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
  // returns. Safe from any thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace docket::server
