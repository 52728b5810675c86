#include "server/http_api.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "engine/json_text.h"
#include "engine/value.h"
#include "server/metrics.h"

namespace docket::server {
namespace {

using json = nlohmann::json;

// ---------------------------------------------------------------- errors

// An answer that is not a success: status, a stable code, a message.
struct Failure {
  int status = 400;
  std::string code;
  std::string message;
  json details = nullptr;  // extra members of the error object
};

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void send_failure(httplib::Response& res, const Failure& failure) {
  json error = {{"code", failure.code}, {"message", failure.message}};
  if (failure.details.is_object()) {
    for (const auto& [key, value] : failure.details.items()) error[key] = value;
  }
  send_json(res, failure.status, json{{"error", error}});
}

// The code for a status that httplib answered itself (no route, body too large).
const char* code_for(int status) {
  switch (status) {
    case 400:
      return "bad_request";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 409:
      return "conflict";
    case 413:
      return "payload_too_large";
    case 422:
      return "unprocessable";
    case 503:
      return "unavailable";
    default:
      return status >= 500 ? "internal" : "error";
  }
}

std::optional<std::string> iso(std::optional<std::int64_t> instant) {
  if (!instant) return std::nullopt;
  return engine::format_timestamp(*instant);
}

json nullable(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }

json nullable(const std::optional<std::string>& text) { return text ? json(*text) : json(nullptr); }

// How the engine's rejection of an event maps to a status. The engine
// answers with a reason (engine/engine.h: Outcome); the reasons below are
// the ones it writes for these cases (engine.cpp, runner.cpp, approval.cpp).
Failure rejection(const engine::Outcome& outcome) {
  const std::string& reason = outcome.reason;
  auto has = [&reason](std::string_view part) { return reason.find(part) != std::string::npos; };
  Failure failure{422, "rejected", reason};
  if (reason.rfind("unknown ticket", 0) == 0) {
    failure = {404, "not_found", reason};
  } else if (reason.rfind("out of order", 0) == 0 || has("` already exists")) {
    failure = {409, "conflict", reason};
  } else if (has(" lacks the role for ") || has("(four-eyes rule)") || has(" holds none of the roles of approval") ||
             has(" has already approved in this chain") || has("an actor id is needed to")) {
    failure = {403, "forbidden", reason};
  }
  failure.details = {{"state", nullable(outcome.state)}};
  return failure;
}

// ---------------------------------------------------------------- request bodies

engine::Result<engine::JsonNode> parse_body(const std::string& body, std::size_t max_depth) {
  engine::JsonParseResult parsed = engine::parse_json(body, max_depth);
  if (!parsed.value) {
    std::string where = parsed.error_offset == engine::JsonParseResult::kUnknownOffset
                            ? ""
                            : " at byte " + std::to_string(parsed.error_offset);
    return engine::Result<engine::JsonNode>::failure("invalid JSON" + where + ": " + parsed.error);
  }
  if (parsed.value->kind() != engine::JsonNode::Kind::kObject)
    return engine::Result<engine::JsonNode>::failure("the body must be a JSON object");
  return engine::Result<engine::JsonNode>::success(std::move(*parsed.value));
}

// Refuses keys other than `known` (a misspelt `idempotency_key` must not be ignored).
std::optional<std::string> unknown_key(const engine::JsonNode& object, std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : object.members()) {
    bool ok = false;
    for (std::string_view k : known) ok = ok || key == k;
    if (!ok) return "unknown key `" + key + "`";
  }
  return std::nullopt;
}

std::optional<std::string> string_member(const engine::JsonNode& object, const char* key, std::string& out,
                                         bool required) {
  const engine::JsonNode* node = object.find(key);
  if (node == nullptr) {
    if (required) return std::string("missing `") + key + "`";
    return std::nullopt;
  }
  if (node->kind() != engine::JsonNode::Kind::kString || node->text().empty())
    return std::string("`") + key + "` must be a non-empty string, got " + node->describe();
  out = node->text();
  return std::nullopt;
}

// `data`: field -> string, number (exact), true/false or null, as in event files.
std::optional<std::string> read_data(const engine::JsonNode& object, std::vector<engine::DataItem>& data) {
  const engine::JsonNode* node = object.find("data");
  if (node == nullptr || node->is_null()) return std::nullopt;
  if (node->kind() != engine::JsonNode::Kind::kObject)
    return std::string("`data` must be an object, got ") + node->describe();
  for (const auto& [field, value] : node->members()) {
    engine::FieldInput input;
    switch (value.kind()) {
      case engine::JsonNode::Kind::kNull:
        break;
      case engine::JsonNode::Kind::kBool:
        input = engine::FieldInput::boolean(value.as_bool());
        break;
      case engine::JsonNode::Kind::kString:
        input = engine::FieldInput::text(value.text());
        break;
      case engine::JsonNode::Kind::kNumber: {
        std::optional<engine::Fixed> number = engine::Fixed::parse(value.text());
        if (!number) {
          return "`data." + field + "`: " + value.text() +
                 " is not an exact number (at most four decimal places, no exponent)";
        }
        input = engine::FieldInput::number(*number);
        break;
      }
      default:
        return "`data." + field + "` must be a string, number, true/false or null, got " + value.describe();
    }
    data.push_back({field, std::move(input)});
  }
  return std::nullopt;
}

json ticket_json(const TicketInfo& ticket) {
  json fields = json::object();
  for (const FieldInfo& field : ticket.fields) {
    switch (field.kind) {
      case FieldInfo::Kind::kNull:
        fields[field.name] = nullptr;
        break;
      case FieldInfo::Kind::kText:
        fields[field.name] = field.text;
        break;
      case FieldInfo::Kind::kBool:
        fields[field.name] = field.text == "true";
        break;
      case FieldInfo::Kind::kNumber:
        // Exact decimals ("1299.5"); a JSON number for display, parsed from them.
        fields[field.name] = json::parse(field.text, nullptr, false);
        break;
    }
  }
  json clocks = json::array();
  for (const ClockInfo& clock : ticket.clocks) {
    clocks.push_back({{"metric", clock.metric},
                      {"status", clock.status},
                      {"breached", clock.breached},
                      {"next_due", nullable(iso(clock.next_due))},
                      {"explanation", clock.explanation}});
  }
  json approval = nullptr;
  if (ticket.approval) {
    json votes = json::array();
    for (const auto& [approver, level] : ticket.approval->votes)
      votes.push_back({{"approver", approver}, {"level", level}});
    approval = {{"chain", nullable(ticket.approval->chain)},
                {"level", ticket.approval->level},
                {"requester", nullable(ticket.approval->requester)},
                {"votes", votes},
                {"deadline", nullable(iso(ticket.approval->deadline))}};
  }
  return {{"id", ticket.id},
          {"workflow", ticket.workflow},
          {"version", ticket.version},
          {"state", ticket.state},
          {"state_label", ticket.state_label},
          {"closed", ticket.closed},
          {"created_at", engine::format_timestamp(ticket.created_at)},
          {"updated_at", engine::format_timestamp(ticket.updated_at)},
          {"requester", nullable(ticket.requester)},
          {"priority", nullable(ticket.priority)},
          {"category", nullable(ticket.category)},
          {"assignee", nullable(ticket.assignee)},
          {"departments", ticket.departments},
          {"fields", fields},
          {"sla", clocks},
          {"pending_approval", approval}};
}

json lines_json(const std::string& text) {
  json lines = json::array();
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

json reload_json(const ReloadReport& report) {
  return {{"ok", report.ok},
          {"source", report.source},
          {"at", engine::format_timestamp(report.at)},
          {"installed", report.installed},
          {"diagnostics", lines_json(report.diagnostics)}};
}

}  // namespace

// ---------------------------------------------------------------- the server

struct HttpApi::Impl {
  Impl(Service& service, Authenticator authenticator, HttpOptions options)
      : service(service), authenticator(std::move(authenticator)), options(std::move(options)) {}

  // What a route handler gets: the request, who sent it, the response.
  using Route = std::function<void(const httplib::Request&, const Principal&, httplib::Response&)>;

  // Registers `route` under `pattern`, wrapped in what every request shares:
  // authentication, timing, metrics, the log line, and a JSON 500 for surprises.
  void add(const char* method, const std::string& pattern, const std::string& endpoint, bool needs_token, Route route) {
    httplib::Server::Handler handler = [this, endpoint, needs_token, route](const httplib::Request& req,
                                                                            httplib::Response& res) {
      auto started = std::chrono::steady_clock::now();
      std::string actor = "-";
      std::optional<Principal> principal;
      if (needs_token) principal = authenticator.authenticate(req.get_header_value("Authorization"));
      if (needs_token && !principal) {
        bool given = req.has_header("Authorization");
        // Not a journal record: without a valid token there is no actor to record.
        spdlog::warn("denied method={} path={} reason=\"{}\" remote={}", req.method, req.path,
                     given ? "invalid token" : "no token", req.remote_addr);
        send_failure(
            res, {401, "unauthorized", given ? "the token is not valid" : "an Authorization: Bearer token is needed"});
      } else {
        if (principal) actor = principal->actor.id;
        try {
          route(req, principal.value_or(Principal{}), res);
        } catch (const std::exception& e) {
          spdlog::error("method={} path={}: {}", req.method, req.path, e.what());
          send_failure(res, {500, "internal", "internal error"});
        }
      }
      auto ms = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
      metrics.count(endpoint, res.status);
      spdlog::info("request method={} path={} status={} ms={:.1f} actor={}", req.method, req.path, res.status,
                   static_cast<double>(ms.count()) / 1000.0, actor);
    };
    std::string m = method;
    if (m == "GET") server.Get(pattern, handler);
    if (m == "POST") server.Post(pattern, handler);
  }

  // Parses the body as a JSON object; on failure answers 400 and returns nullopt.
  std::optional<engine::JsonNode> body(const httplib::Request& req, httplib::Response& res) {
    engine::Result<engine::JsonNode> parsed = parse_body(req.body, options.max_json_depth);
    if (!parsed) {
      send_failure(res, {400, "bad_request", parsed.error()});
      return std::nullopt;
    }
    return std::move(parsed).value();
  }

  void answer_event(const engine::Result<engine::Outcome>& outcome, const std::string& ticket, int success,
                    httplib::Response& res) {
    if (!outcome) {
      send_failure(res, {503, "store_unavailable", outcome.error()});
      return;
    }
    // A duplicate answers as the first delivery did.
    if (!outcome->accepted) {
      Failure failure = rejection(outcome.value());
      failure.details["duplicate"] = outcome->duplicate;
      send_failure(res, failure);
      return;
    }
    send_json(res, outcome->duplicate ? 200 : success,
              {{"ticket", ticket},
               {"accepted", true},
               {"duplicate", outcome->duplicate},
               {"state", outcome->state},
               {"first_seq", outcome->first_seq},
               {"last_seq", outcome->last_seq}});
  }

  void create_ticket(const httplib::Request& req, const Principal& who, httplib::Response& res) {
    std::optional<engine::JsonNode> object = body(req, res);
    if (!object) return;
    engine::Event event;
    event.event = std::string(engine::kCreateEvent);
    event.actor = who.actor;
    std::string key;
    std::optional<std::string> problem = unknown_key(*object, {"id", "workflow", "data", "idempotency_key"});
    if (!problem) problem = string_member(*object, "id", event.ticket, true);
    if (!problem) problem = string_member(*object, "workflow", event.workflow, false);
    if (!problem) problem = string_member(*object, "idempotency_key", key, false);
    if (!problem) problem = read_data(*object, event.data);
    if (problem) {
      send_failure(res, {400, "bad_request", *problem});
      return;
    }
    if (!key.empty()) event.idempotency_key = key;
    std::string id = event.ticket;
    answer_event(service.apply(std::move(event)), id, 201, res);
  }

  void send_event(const httplib::Request& req, const Principal& who, httplib::Response& res) {
    std::optional<engine::JsonNode> object = body(req, res);
    if (!object) return;
    engine::Event event;
    event.ticket = req.matches[1];
    event.actor = who.actor;
    std::string key;
    std::optional<std::string> problem = unknown_key(*object, {"event", "data", "idempotency_key"});
    if (!problem) problem = string_member(*object, "event", event.event, true);
    if (!problem) problem = string_member(*object, "idempotency_key", key, false);
    if (!problem) problem = read_data(*object, event.data);
    if (!problem && event.event == engine::kCreateEvent) problem = "`create` is POST /v1/tickets";
    if (problem) {
      send_failure(res, {400, "bad_request", *problem});
      return;
    }
    if (!key.empty()) event.idempotency_key = key;
    answer_event(service.apply(std::move(event)), req.matches[1], 200, res);
  }

  void get_ticket(const httplib::Request& req, const Principal&, httplib::Response& res) {
    std::optional<TicketInfo> ticket = service.ticket(std::string(req.matches[1]));
    if (!ticket) {
      send_failure(res, {404, "not_found", "unknown ticket `" + std::string(req.matches[1]) + "`"});
      return;
    }
    send_json(res, 200, ticket_json(*ticket));
  }

  void list_tickets(const httplib::Request& req, const Principal&, httplib::Response& res) {
    TicketQuery query;
    for (const auto& [key, value] : req.params) {
      if (key == "state") {
        query.state = value;
      } else if (key == "department") {
        query.department = value;
      } else if (key == "priority") {
        query.priority = value;
      } else if (key == "workflow") {
        query.workflow = value;
      } else if (key == "breached") {
        if (value != "true" && value != "false") {
          send_failure(res, {400, "bad_request", "`breached` must be true or false"});
          return;
        }
        query.breached_only = value == "true";
      } else if (key == "due_within") {
        std::optional<std::int64_t> seconds = engine::parse_duration(value);
        if (!seconds) {
          send_failure(res, {400, "bad_request", "`due_within` must be a duration such as 2h or 30m"});
          return;
        }
        query.due_within = seconds;
      } else if (key == "limit") {
        std::size_t limit = 0;
        bool ok = !value.empty() && value.size() <= 6 && value.find_first_not_of("0123456789") == std::string::npos;
        if (ok) limit = std::stoul(value);
        if (!ok || limit == 0) {
          send_failure(res, {400, "bad_request", "`limit` must be a whole number from 1 to 999999"});
          return;
        }
        query.limit = limit;
      } else {
        send_failure(res, {400, "bad_request", "unknown query parameter `" + key + "`"});
        return;
      }
    }
    json tickets = json::array();
    for (const TicketInfo& ticket : service.query(query)) tickets.push_back(ticket_json(ticket));
    send_json(res, 200, {{"count", tickets.size()}, {"tickets", tickets}});
  }

  void transitions(const httplib::Request& req, const Principal&, httplib::Response& res) {
    std::string id = req.matches[1];
    auto lines = service.journal(id);
    if (!lines) {
      send_failure(res, {503, "store_unavailable", lines.error()});
      return;
    }
    if (!lines.value()) {
      send_failure(res, {404, "not_found", "unknown ticket `" + id + "`"});
      return;
    }
    // The records are canonical JSON already (engine/journal_json.h): passed on byte for byte.
    std::string body = "{\"ticket\":" + json(id).dump() + ",\"records\":[";
    bool first = true;
    for (const std::string& line : *lines.value()) {
      if (!first) body += ',';
      body += line;
      first = false;
    }
    body += "]}";
    res.status = 200;
    res.set_content(body, "application/json");
  }

  void list_versions(const httplib::Request&, const Principal&, httplib::Response& res) {
    json versions = json::array();
    for (const VersionInfo& version : service.versions()) {
      versions.push_back({{"id", version.id},
                          {"workflow", version.workflow},
                          {"declared", nullable(version.declared)},
                          {"added_at", engine::format_timestamp(version.added_at)},
                          {"tickets", version.tickets},
                          {"current", version.current}});
    }
    send_json(res, 200, {{"versions", versions}, {"last_reload", reload_json(service.last_reload())}});
  }

  void deploy(const httplib::Request& req, const Principal& who, httplib::Response& res) {
    if (!who.deploy) {
      send_failure(res, {403, "forbidden", "`" + who.actor.id + "` may not deploy workflow versions"});
      return;
    }
    std::optional<engine::JsonNode> object = body(req, res);
    if (!object) return;
    std::optional<std::string> problem = unknown_key(*object, {"reload", "name", "text"});
    const engine::JsonNode* reload = object->find("reload");
    std::string name;
    std::string text;
    bool from_directory = reload != nullptr && reload->kind() == engine::JsonNode::Kind::kBool && reload->as_bool();
    if (!problem && !from_directory) {
      problem = string_member(*object, "name", name, true);
      if (!problem) problem = string_member(*object, "text", text, true);
      if (problem) *problem += " (or send {\"reload\": true} to reload the rules directory)";
    }
    if (problem) {
      send_failure(res, {400, "bad_request", *problem});
      return;
    }
    ReloadReport report = from_directory ? service.reload("api") : service.deploy_text(name, text);
    if (!report.ok) {
      Failure failure{422, "rules_invalid", "the rules have errors; the current versions stay in effect"};
      failure.details = {{"diagnostics", lines_json(report.diagnostics)}};
      send_failure(res, failure);
      return;
    }
    send_json(res, 200, reload_json(report));
  }

  void health(const httplib::Request&, const Principal&, httplib::Response& res) {
    ServiceStats stats = service.stats();
    send_json(res, stats.background_error.empty() ? 200 : 503,
              {{"status", stats.background_error.empty() ? "ok" : "degraded"},
               {"now", engine::format_timestamp(stats.now)},
               {"tickets", stats.tickets_total},
               {"last_seq", stats.last_seq},
               {"error", nullable(stats.background_error)}});
  }

  void metrics_page(const httplib::Request&, const Principal&, httplib::Response& res) {
    res.status = 200;
    res.set_content(metrics.render(service.stats()), "text/plain; version=0.0.4");
  }

  void routes() {
    const std::string id = "([^/]+)";
    auto bound = [this](void (Impl::*member)(const httplib::Request&, const Principal&, httplib::Response&)) {
      return [this, member](const httplib::Request& req, const Principal& who, httplib::Response& res) {
        (this->*member)(req, who, res);
      };
    };
    add("POST", "/v1/tickets", "POST /v1/tickets", true, bound(&Impl::create_ticket));
    add("GET", "/v1/tickets", "GET /v1/tickets", true, bound(&Impl::list_tickets));
    add("POST", "/v1/tickets/" + id + "/events", "POST /v1/tickets/{id}/events", true, bound(&Impl::send_event));
    add("GET", "/v1/tickets/" + id + "/transitions", "GET /v1/tickets/{id}/transitions", true,
        bound(&Impl::transitions));
    add("GET", "/v1/tickets/" + id, "GET /v1/tickets/{id}", true, bound(&Impl::get_ticket));
    add("GET", "/v1/versions", "GET /v1/versions", true, bound(&Impl::list_versions));
    add("POST", "/v1/versions", "POST /v1/versions", true, bound(&Impl::deploy));
    add("GET", "/v1/health", "GET /v1/health", false, bound(&Impl::health));
    add("GET", "/metrics", "GET /metrics", true, bound(&Impl::metrics_page));

    // Statuses httplib decides itself (no such route, body too large) get
    // the same JSON error body, and are counted and logged.
    server.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      std::string message = res.status == 413
                                ? "the body is larger than " + std::to_string(options.max_body_bytes) + " bytes"
                            : res.status == 404 ? "no such endpoint: " + req.method + " " + req.path
                                                : "HTTP status " + std::to_string(res.status);
      send_failure(res, {res.status, code_for(res.status), message});
      metrics.count(res.status == 404 ? "unknown" : "other", res.status);
      spdlog::info("request method={} path={} status={} actor=-", req.method, req.path, res.status);
    });
  }

  Service& service;
  Authenticator authenticator;
  HttpOptions options;
  RequestMetrics metrics;
  httplib::Server server;
};

HttpApi::HttpApi(Service& service, Authenticator authenticator, HttpOptions options)
    : impl_(std::make_unique<Impl>(service, std::move(authenticator), std::move(options))) {
  impl_->server.set_payload_max_length(impl_->options.max_body_bytes);
  int threads = impl_->options.threads;
  impl_->server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  impl_->routes();
}

HttpApi::~HttpApi() = default;

engine::Result<int> HttpApi::bind() {
  int port = impl_->options.port;
  if (port == 0) {
    port = impl_->server.bind_to_any_port(impl_->options.host);
  } else if (!impl_->server.bind_to_port(impl_->options.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return engine::Result<int>::failure("cannot listen on " + impl_->options.host + ":" +
                                        std::to_string(impl_->options.port) + ": " + std::strerror(errno));
  }
  return engine::Result<int>::success(port);
}

void HttpApi::serve() { impl_->server.listen_after_bind(); }

void HttpApi::stop() { impl_->server.stop(); }

}  // namespace docket::server
