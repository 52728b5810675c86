// What the HTTP fuzz target does with one input, shared with its replay test.
//
// tests/fuzz/fuzz_http.cpp hands every input libFuzzer makes to run_http();
// tests/server/http_fuzz_replay_test.cpp hands it every stored input
// (tests/fuzz/corpus/http/, tests/fuzz/crashes/http/). The bytes are read as
// a connection reads them (server/http_server.h: parse_requests), with small
// limits so that the fuzzer reaches them. The promises:
// - reading returns, whatever the bytes, and stops at the first refusal;
// - a refusal is one of the transport's statuses with a JSON error body;
// - a request read whole has a body within the limit and headers within theirs;
// - what the API would echo of a request (its path in a 404, its target in
//   the log) is valid UTF-8 JSON and one printable line.
// A broken promise is returned as its description (empty when all held).

#pragma once

#include <string>
#include <string_view>

#include "engine/codec/json_text.h"
#include "server/http_server.h"

namespace docket::fuzz {

inline server::HttpServerOptions fuzz_http_options() {
  server::HttpServerOptions options;
  options.max_body_bytes = 4096;
  options.max_header_bytes = 2048;
  options.max_headers = 16;
  return options;
}

inline std::string check_json(const std::string& body, const char* what) {
  engine::JsonParseResult parsed = engine::parse_json(body);
  if (!parsed.value) return std::string(what) + " is not valid JSON: " + parsed.error;
  return "";
}

inline std::string run_http(std::string_view input) {
  server::HttpServerOptions options = fuzz_http_options();
  std::vector<server::ParsedRequest> parsed = server::parse_requests(input, options);
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    const server::ParsedRequest& step = parsed[i];
    if (step.request.has_value() == step.refusal.has_value()) return "a step is neither a request nor a refusal";
    if (step.refusal) {
      if (i + 1 != parsed.size()) return "reading went on after a refusal";
      int status = step.refusal->status;
      if (status != 400 && status != 408 && status != 413 && status != 431)
        return "unexpected refusal status " + std::to_string(status);
      if (std::string broken = check_json(step.refusal->body, "a refusal's body"); !broken.empty()) return broken;
      continue;
    }
    const server::HttpRequest& request = *step.request;
    if (request.body.size() > options.max_body_bytes) return "a body over the limit was read";
    if (request.path.empty() || request.path.front() != '/') return "a path that does not start with /";
    if (std::string broken = check_json(server::error_body("not_found", request.path), "a 404 echoing the path");
        !broken.empty())
      return broken;
    std::string logged = engine::printable(request.target) + engine::printable(request.method);
    if (!engine::is_utf8(logged)) return "a log field is not UTF-8";
    for (char c : logged) {
      if (static_cast<unsigned char>(c) < 0x20) return "a log field holds a control character";
    }
  }
  return "";
}

}  // namespace docket::fuzz
