#include "server/http_api.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <tuple>
#include <variant>

#include "designer/diff.h"
#include "designer/report.h"
#include "engine/codec/json_text.h"
#include "engine/model/value.h"
#include "server/metrics.h"
#include "server/outbox_json.h"
#include "server/rate_limiter.h"
#include "server/rejection_status.h"
#include "server/sessions.h"

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

// Every answer's JSON goes through here: bytes that are not UTF-8 (a
// client's id echoed in a message) become U+FFFD instead of an exception.
std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

HttpResponse json_response(int status, const json& body) {
  HttpResponse response;
  response.status = status;
  response.body = dump(body);
  return response;
}

HttpResponse failure_response(const Failure& failure) {
  json error = {{"code", failure.code}, {"message", failure.message}};
  if (failure.details.is_object()) {
    for (const auto& [key, value] : failure.details.items()) error[key] = value;
  }
  HttpResponse response = json_response(failure.status, json{{"error", error}});
  // The store comes back (a database restarting, a failover): say when to try again.
  if (failure.code == "store_unavailable") response.headers.emplace_back("Retry-After", "1");
  return response;
}

// Why `text` cannot be a ticket id or a name (of an event, a workflow, a
// field): ids travel in URL paths and log lines, so they are short,
// printable and have no '/' or white space.
std::optional<std::string> name_problem(std::string_view text, std::string_view what) {
  std::string subject = std::string("the ") + std::string(what);
  if (text.empty()) return subject + " is empty";
  if (text.size() > kMaxIdBytes)
    return subject + " is " + std::to_string(text.size()) + " bytes, longer than " + std::to_string(kMaxIdBytes);
  if (!engine::is_utf8(text)) return subject + " is not valid UTF-8";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f || byte == '/')
      return subject + " `" + engine::printable(text) + "` has white space, a control character or `/`";
  }
  return std::nullopt;
}

std::optional<std::string> iso(std::optional<std::int64_t> instant) {
  if (!instant) return std::nullopt;
  return engine::format_timestamp(*instant);
}

json nullable(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }

json nullable(const std::optional<std::string>& text) { return text ? json(*text) : json(nullptr); }

// A refused event's answer: the status from the rejection code's table
// (server/rejection_status.h), the reason as the message.
Failure rejection(const engine::Outcome& outcome) {
  RejectionStatus status = rejection_status(outcome.code);
  Failure failure{status.status, status.error, outcome.reason};
  // The journal's rejection record (0: none, such as for an unknown ticket) names the refusing rule.
  failure.details = {
      {"state", nullable(outcome.state)}, {"reason_code", engine::to_string(outcome.code)}, {"seq", outcome.first_seq}};
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
                                         bool required, std::size_t max_bytes) {
  const engine::JsonNode* node = object.find(key);
  if (node == nullptr) {
    if (required) return std::string("missing `") + key + "`";
    return std::nullopt;
  }
  if (node->kind() != engine::JsonNode::Kind::kString || node->text().empty())
    return std::string("`") + key + "` must be a non-empty string, got " + node->describe();
  if (node->text().size() > max_bytes)
    return std::string("`") + key + "` is " + std::to_string(node->text().size()) + " bytes, longer than " +
           std::to_string(max_bytes);
  out = node->text();
  return std::nullopt;
}

// A member that names something (an id, an event, a workflow).
std::optional<std::string> name_member(const engine::JsonNode& object, const char* key, std::string& out,
                                       bool required) {
  std::optional<std::string> problem = string_member(object, key, out, required, SIZE_MAX);
  if (!problem && !out.empty()) problem = name_problem(out, std::string("`") + key + "`");
  return problem;
}

// `data`: field -> string, number (exact), true/false or null, as in event files.
std::optional<std::string> read_data(const engine::JsonNode& object, std::vector<engine::DataItem>& data) {
  const engine::JsonNode* node = object.find("data");
  if (node == nullptr || node->is_null()) return std::nullopt;
  if (node->kind() != engine::JsonNode::Kind::kObject)
    return std::string("`data` must be an object, got ") + node->describe();
  for (const auto& [field, value] : node->members()) {
    if (std::optional<std::string> problem = name_problem(field, "field name in `data`")) return problem;
    engine::FieldInput input;
    switch (value.kind()) {
      case engine::JsonNode::Kind::kNull:
        break;
      case engine::JsonNode::Kind::kBool:
        input = engine::FieldInput::boolean(value.as_bool());
        break;
      case engine::JsonNode::Kind::kString:
        if (value.text().size() > kMaxTextBytes)
          return "`data." + field + "` is " + std::to_string(value.text().size()) + " bytes, longer than " +
                 std::to_string(kMaxTextBytes);
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

json field_value(const FieldInfo& field) {
  switch (field.kind) {
    case FieldInfo::Kind::kText:
      return field.text;
    case FieldInfo::Kind::kBool:
      return field.text == "true";
    case FieldInfo::Kind::kNumber:
      // Exact decimals ("1299.5"); a JSON number for display, parsed from them.
      return json::parse(field.text, nullptr, false);
    default:
      return nullptr;
  }
}

json ticket_json(const TicketInfo& ticket) {
  json fields = json::object();
  json details = json::array();
  for (const FieldInfo& field : ticket.fields) {
    fields[field.name] = field_value(field);
    details.push_back({{"name", field.name},
                       {"label", field.label},
                       {"type", field.type},
                       {"value", field_value(field)},
                       {"value_label", nullable(field.value_label)}});
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
                {"deadline", nullable(iso(ticket.approval->deadline))},
                {"level_name", nullable(ticket.approval->level_name)},
                {"roles", ticket.approval->roles},
                {"excluded", ticket.approval->excluded},
                {"eligible", ticket.approval->eligible}};
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
          {"field_details", details},
          {"sla", clocks},
          {"pending_approval", approval}};
}

// Whether an Origin header ("https://host:port") names the host the
// request was sent to (its Host header).
bool same_origin(std::string_view origin, std::string_view host) {
  std::size_t scheme = origin.find("://");
  return scheme != std::string_view::npos && !host.empty() && origin.substr(scheme + 3) == host;
}

// The console may run only its own scripts and styles, load nothing from
// elsewhere and be framed by nobody; an API answer may do nothing at all.
constexpr const char* kConsolePolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
constexpr const char* kApiPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

void secure(HttpResponse& response, bool page) {
  response.headers.emplace_back("Content-Security-Policy", page ? kConsolePolicy : kApiPolicy);
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  // The console is checked on every load (a new binary brings new files); answers are never kept.
  response.headers.emplace_back("Cache-Control", page ? "no-cache" : "no-store");
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

// Journal records, canonical JSON already (engine/codec/journal_json.h), as
// a JSON array: passed on byte for byte.
std::string records_json(const std::vector<std::string>& lines) {
  std::string array = "[";
  for (const std::string& line : lines) {
    if (array.size() > 1) array += ',';
    array += line;
  }
  return array + "]";
}

// `text` as a whole decimal number from `low` to `high`; nullopt otherwise
// (a sign, a space, an overflow).
std::optional<std::uint64_t> whole_number(std::string_view text, std::uint64_t low, std::uint64_t high) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end || value < low || value > high) return std::nullopt;
  return value;
}

constexpr auto kLastRecordKind = engine::RecordKind::kMigration;

std::optional<engine::RecordKind> record_kind(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(kLastRecordKind); ++i) {
    auto kind = static_cast<engine::RecordKind>(i);
    if (name == engine::to_string(kind)) return kind;
  }
  return std::nullopt;
}

std::string record_kinds() {
  std::string names;
  for (int i = 0; i <= static_cast<int>(kLastRecordKind); ++i)
    names += std::string(i > 0 ? ", " : "") + engine::to_string(static_cast<engine::RecordKind>(i));
  return names;
}

// Reads one query parameter of GET /v1/journal into `query`; what is wrong with it otherwise.
std::optional<std::string> feed_parameter(const std::string& key, const std::string& value, FeedQuery& query) {
  if (key == "after") {
    std::optional<std::uint64_t> after = whole_number(value, 0, UINT64_MAX);
    if (!after) return "`after` must be a journal seq, a whole number (the `next` of the previous answer)";
    query.after = *after;
  } else if (key == "limit") {
    std::optional<std::uint64_t> limit = whole_number(value, 1, kMaxPageSize);
    if (!limit) return "`limit` must be a whole number from 1 to " + std::to_string(kMaxPageSize);
    query.limit = *limit;
  } else if (key == "wait") {
    std::optional<std::uint64_t> wait = whole_number(value, 0, kMaxFeedWaitSeconds);
    if (!wait) return "`wait` must be a whole number of seconds from 0 to " + std::to_string(kMaxFeedWaitSeconds);
    query.wait = std::chrono::seconds(*wait);
  } else if (key == "kind") {
    std::optional<engine::RecordKind> kind = record_kind(value);
    if (!kind) return "`kind` `" + engine::printable(value) + "` is not a record kind (" + record_kinds() + ")";
    query.kinds.push_back(*kind);
  } else if (key == "workflow" || key == "ticket") {
    if (auto problem = name_problem(value, "`" + key + "`")) return problem;
    (key == "workflow" ? query.workflow : query.ticket) = value;
  } else {
    return "unknown query parameter `" + key + "`";
  }
  return std::nullopt;
}

// A place among the long polls allowed at once, given back on destruction.
class LongPollSlot {
 public:
  LongPollSlot(std::atomic<std::size_t>& count, std::size_t most) : count_(count) {
    taken_ = count_.fetch_add(1) < most;
    if (!taken_) count_.fetch_sub(1);
  }
  ~LongPollSlot() {
    if (taken_) count_.fetch_sub(1);
  }
  LongPollSlot(const LongPollSlot&) = delete;
  LongPollSlot& operator=(const LongPollSlot&) = delete;
  bool taken() const { return taken_; }

 private:
  std::atomic<std::size_t>& count_;
  bool taken_ = false;
};

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
      : service(service),
        authenticator(std::make_shared<const Authenticator>(std::move(authenticator))),
        options(std::move(options)),
        limiter(this->options.rate_limit, this->options.rate_burst) {
    service.set_people(this->authenticator->actors());
  }

  // A route handler: the request, who sent it, the id in its path ("" when none).
  using Handler = HttpResponse (Impl::*)(const HttpRequest&, const Principal&, const std::string&);

  struct Route {
    const char* method;
    std::vector<std::string_view> pattern;  // path segments; "{id}" matches a ticket id
    const char* endpoint;                   // for metrics: the route, not the path
    bool needs_token;
    Handler handler;
    bool page = false;  // a file of the console (its own Content-Security-Policy)
  };

  // The route a request names, or why none: 404 (no such path), 405 (no such method).
  struct Match {
    const Route* route = nullptr;
    std::string id;
    std::optional<Failure> failure;
  };

  Match match(const HttpRequest& request) const {
    Match found;
    bool path_known = false;
    for (const Route& route : routes) {
      bool rest = route.pattern.back() == "**";  // the rest of the path, one segment or more
      if (rest ? request.segments.size() < route.pattern.size() : route.pattern.size() != request.segments.size())
        continue;
      std::string id;
      bool same = true;
      for (std::size_t i = 0; i < route.pattern.size() && same; ++i) {
        if (route.pattern[i] == "{id}") {
          id = request.segments[i];
        } else if (route.pattern[i] == "**") {
          for (std::size_t j = i; j < request.segments.size(); ++j) id += (j > i ? "/" : "") + request.segments[j];
        } else {
          same = route.pattern[i] == request.segments[i];
        }
      }
      if (!same) continue;
      path_known = true;
      if (request.method != route.method) continue;
      found.route = &route;
      found.id = std::move(id);
      return found;
    }
    if (path_known) {
      found.failure = Failure{405, "method_not_allowed", "no such endpoint: " + request.method + " " + request.path};
    } else {
      found.failure = Failure{404, "not_found", "no such endpoint: " + request.method + " " + request.path};
    }
    return found;
  }

  std::shared_ptr<const Authenticator> current_authenticator() {
    std::lock_guard<std::mutex> lock(tokens_mutex);
    return authenticator;
  }

  // Who sent the request: its bearer token, or else its console session
  // (with the CSRF checks for requests that change something).
  std::variant<Principal, Failure> identify(const HttpRequest& request) {
    std::shared_ptr<const Authenticator> current = current_authenticator();
    if (!request.authorization.empty()) {
      std::optional<Principal> principal = current->authenticate(request.authorization);
      if (!principal) return Failure{401, "unauthorized", "the token is not valid"};
      return *principal;
    }
    std::string_view id = cookie_value(request.cookie, kSessionCookie);
    if (id.empty()) return Failure{401, "unauthorized", "an Authorization: Bearer token is needed"};
    std::optional<Session> session = sessions.find(id, SessionTable::Clock::now());
    if (!session) return Failure{401, "unauthorized", "the session has ended: sign in again"};
    std::optional<Principal> principal = current->principal_for_digest(session->token_digest);
    if (!principal) {
      sessions.close(id);
      return Failure{401, "unauthorized", "the session's token is no longer valid: sign in again"};
    }
    if (request.method == "GET" || request.method == "HEAD") return *principal;
    if (request.csrf_token.empty() || !equal_in_constant_time(request.csrf_token, session->csrf))
      return Failure{403, "csrf", "a request signed in by cookie must repeat the session's X-CSRF-Token"};
    if (!request.origin.empty() && !same_origin(request.origin, request.host))
      return Failure{403, "csrf", "the request comes from another origin: " + request.origin};
    return *principal;
  }

  // On the request head, before its body is read: the route, the token, the rate.
  std::optional<HttpResponse> check_head(const HttpRequest& request) {
    Match found = match(request);
    if (found.route == nullptr)
      return failure_response(found.failure.value_or(Failure{404, "not_found", "no such endpoint"}));
    // Signing in is limited by address: it is where tokens would be guessed.
    std::string limited_as = "sign-in from " + request.remote;
    if (found.route->needs_token) {
      auto identified = identify(request);
      if (auto* failure = std::get_if<Failure>(&identified)) return failure_response(*failure);
      limited_as = std::get<Principal>(identified).actor.id;
    } else if (found.route->handler != &Impl::open_session) {
      return std::nullopt;
    }
    RateLimiter::Decision decision = limiter.take(limited_as, std::chrono::steady_clock::now());
    if (!decision.allowed) {
      HttpResponse refused = failure_response(
          {429, "too_many_requests",
           "more than " + std::to_string(options.rate_limit) + " requests a second for `" + limited_as + "`"});
      refused.headers.emplace_back("Retry-After", std::to_string(decision.retry_after_seconds));
      return refused;
    }
    return std::nullopt;
  }

  // One line per request; every byte the client chose is escaped (engine::printable).
  void log(const HttpRequest& request, int status, const std::string& actor, double ms, const char* endpoint) {
    metrics.count(endpoint, status);
    spdlog::info("request method={} path={} status={} ms={:.1f} actor={} remote={}", engine::printable(request.method),
                 engine::printable(request.target), status, ms, engine::printable(actor), request.remote);
  }

  void refused(const HttpRequest& request, const HttpResponse& response) {
    Match found = request.method.empty() ? Match{} : match(request);
    log(request, response.status, "-", 0.0, found.route != nullptr ? found.route->endpoint : "other");
  }

  HttpResponse handle(const HttpRequest& request) {
    auto started = std::chrono::steady_clock::now();
    Match found = match(request);
    HttpResponse response;
    std::string actor = "-";
    std::optional<Principal> principal;
    std::optional<Failure> refused;
    if (found.route != nullptr && found.route->needs_token) {
      // Again: the token may have been removed, or the session closed, since the head.
      auto identified = identify(request);
      if (auto* failure = std::get_if<Failure>(&identified)) refused = *failure;
      if (auto* who = std::get_if<Principal>(&identified)) principal = *who;
    }
    if (found.route == nullptr) {
      response = failure_response(found.failure.value_or(Failure{404, "not_found", "no such endpoint"}));
    } else if (refused) {
      response = failure_response(*refused);
    } else {
      if (principal) actor = principal->actor.id;
      try {
        response = (this->*found.route->handler)(request, principal.value_or(Principal{}), found.id);
      } catch (const std::exception& e) {
        spdlog::error("method={} path={}: {}", engine::printable(request.method), engine::printable(request.target),
                      engine::printable(e.what()));
        response = failure_response({500, "internal", "internal error"});
      }
    }
    secure(response, found.route != nullptr && found.route->page);
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    log(request, response.status, actor, ms, found.route != nullptr ? found.route->endpoint : "unknown");
    return response;
  }

  // ------------------------------------------------------------ endpoints

  // The body as a JSON object, or the 400 that says why not.
  std::variant<engine::JsonNode, HttpResponse> body(const HttpRequest& request) {
    engine::Result<engine::JsonNode> parsed = parse_body(request.body, options.max_json_depth);
    if (!parsed) return failure_response({400, "bad_request", parsed.error()});
    return std::move(parsed).value();
  }

  HttpResponse answer_event(const engine::Result<engine::Outcome>& outcome, const std::string& ticket, int success) {
    if (!outcome) return failure_response({503, "store_unavailable", outcome.error()});
    // A duplicate answers as the first delivery did.
    if (!outcome->accepted) {
      Failure failure = rejection(outcome.value());
      failure.details["duplicate"] = outcome->duplicate;
      return failure_response(failure);
    }
    return json_response(outcome->duplicate ? 200 : success, {{"ticket", ticket},
                                                              {"accepted", true},
                                                              {"duplicate", outcome->duplicate},
                                                              {"state", outcome->state},
                                                              {"first_seq", outcome->first_seq},
                                                              {"last_seq", outcome->last_seq}});
  }

  std::optional<HttpResponse> refuse_read_only(const Principal& who) {
    if (!who.read_only) return std::nullopt;
    return failure_response(
        {403, "forbidden", "`" + who.actor.id + "` has a read-only token: it may read tickets, not change them"});
  }

  HttpResponse create_ticket(const HttpRequest& request, const Principal& who, const std::string&) {
    if (auto refused = refuse_read_only(who)) return std::move(*refused);
    auto object = body(request);
    if (auto* refused = std::get_if<HttpResponse>(&object)) return std::move(*refused);
    const engine::JsonNode& fields = std::get<engine::JsonNode>(object);
    engine::Event event;
    event.event = std::string(engine::kCreateEvent);
    event.actor = who.actor;
    std::string key;
    std::optional<std::string> problem = unknown_key(fields, {"id", "workflow", "data", "idempotency_key"});
    if (!problem) problem = name_member(fields, "id", event.ticket, true);
    if (!problem) problem = name_member(fields, "workflow", event.workflow, false);
    if (!problem) problem = string_member(fields, "idempotency_key", key, false, kMaxKeyBytes);
    if (!problem) problem = read_data(fields, event.data);
    if (problem) return failure_response({400, "bad_request", *problem});
    if (!key.empty()) event.idempotency_key = key;
    std::string id = event.ticket;
    return answer_event(service.apply(std::move(event)), id, 201);
  }

  HttpResponse send_event(const HttpRequest& request, const Principal& who, const std::string& id) {
    if (auto refused = refuse_read_only(who)) return std::move(*refused);
    if (auto problem = name_problem(id, "ticket id")) return failure_response({400, "bad_request", *problem});
    auto object = body(request);
    if (auto* refused = std::get_if<HttpResponse>(&object)) return std::move(*refused);
    const engine::JsonNode& fields = std::get<engine::JsonNode>(object);
    engine::Event event;
    event.ticket = id;
    event.actor = who.actor;
    std::string key;
    std::optional<std::string> problem = unknown_key(fields, {"event", "data", "idempotency_key"});
    if (!problem) problem = name_member(fields, "event", event.event, true);
    if (!problem) problem = string_member(fields, "idempotency_key", key, false, kMaxKeyBytes);
    if (!problem) problem = read_data(fields, event.data);
    if (!problem && event.event == engine::kCreateEvent) problem = "`create` is POST /v1/tickets";
    if (problem) return failure_response({400, "bad_request", *problem});
    if (!key.empty()) event.idempotency_key = key;
    return answer_event(service.apply(std::move(event)), id, 200);
  }

  HttpResponse get_ticket(const HttpRequest&, const Principal&, const std::string& id) {
    if (auto problem = name_problem(id, "ticket id")) return failure_response({400, "bad_request", *problem});
    std::optional<TicketInfo> ticket = service.ticket(id);
    if (!ticket) return failure_response({404, "not_found", "unknown ticket `" + id + "`"});
    return json_response(200, ticket_json(*ticket));
  }

  HttpResponse list_tickets(const HttpRequest& request, const Principal&, const std::string&) {
    TicketQuery query;
    query.limit = kDefaultPageSize;
    for (const auto& [key, value] : request.query) {
      if (key == "state") {
        query.state = value;
      } else if (key == "department") {
        query.department = value;
      } else if (key == "priority") {
        query.priority = value;
      } else if (key == "workflow") {
        query.workflow = value;
      } else if (key == "category") {
        query.category = value;
      } else if (key == "q") {
        if (value.size() > kMaxIdBytes)
          return failure_response({400, "bad_request", "`q` is longer than " + std::to_string(kMaxIdBytes) + " bytes"});
        query.text = value;
      } else if (key == "after") {
        if (auto problem = name_problem(value, "`after` cursor"))
          return failure_response({400, "bad_request", *problem});
        query.after = value;
      } else if (key == "breached") {
        if (value != "true" && value != "false")
          return failure_response({400, "bad_request", "`breached` must be true or false"});
        query.breached_only = value == "true";
      } else if (key == "due_within") {
        std::optional<std::int64_t> seconds = engine::parse_duration(value);
        if (!seconds)
          return failure_response({400, "bad_request", "`due_within` must be a duration such as 2h or 30m"});
        query.due_within = seconds;
      } else if (key == "limit") {
        bool ok = !value.empty() && value.size() <= 4 && value.find_first_not_of("0123456789") == std::string::npos;
        std::size_t limit = ok ? std::stoul(value) : 0;
        if (limit == 0 || limit > kMaxPageSize) {
          return failure_response(
              {400, "bad_request", "`limit` must be a whole number from 1 to " + std::to_string(kMaxPageSize)});
        }
        query.limit = limit;
      } else {
        return failure_response({400, "bad_request", "unknown query parameter `" + key + "`"});
      }
    }
    std::optional<TicketPage> page = service.query(query);
    if (!page) return failure_response({400, "bad_request", "`after` names no ticket: `" + query.after + "`"});
    json tickets = json::array();
    for (const TicketInfo& ticket : page->tickets) tickets.push_back(ticket_json(ticket));
    return json_response(
        200, {{"count", tickets.size()}, {"total", page->total}, {"tickets", tickets}, {"next", nullable(page->next)}});
  }

  HttpResponse transitions(const HttpRequest&, const Principal&, const std::string& id) {
    if (auto problem = name_problem(id, "ticket id")) return failure_response({400, "bad_request", *problem});
    auto lines = service.journal(id);
    if (!lines) return failure_response({503, "store_unavailable", lines.error()});
    if (!lines.value()) return failure_response({404, "not_found", "unknown ticket `" + id + "`"});
    HttpResponse response;
    response.body = "{\"ticket\":" + dump(json(id)) + ",\"records\":" + records_json(*lines.value()) + "}";
    return response;
  }

  HttpResponse journal_feed(const HttpRequest& request, const Principal&, const std::string&) {
    FeedQuery query;
    query.limit = kDefaultPageSize;
    for (const auto& [key, value] : request.query) {
      if (auto problem = feed_parameter(key, value, query)) return failure_response({400, "bad_request", *problem});
    }
    std::optional<LongPollSlot> slot;
    if (query.wait.count() > 0) {
      slot.emplace(long_polls, max_long_polls);
      if (!slot->taken()) query.wait = std::chrono::milliseconds(0);
    }
    engine::Result<FeedPage> page = service.feed(query);
    if (!page) return failure_response({503, "store_unavailable", page.error()});
    HttpResponse response;
    response.body = "{\"records\":" + records_json(page->records) + ",\"next\":" + std::to_string(page->next) +
                    ",\"last_seq\":" + std::to_string(page->last_seq) + "}";
    return response;
  }

  HttpResponse list_versions(const HttpRequest&, const Principal& who, const std::string&) {
    json versions = json::array();
    for (const VersionInfo& version : service.versions()) {
      versions.push_back({{"id", version.id},
                          {"workflow", version.workflow},
                          {"declared", nullable(version.declared)},
                          {"added_at", engine::format_timestamp(version.added_at)},
                          {"tickets", version.tickets},
                          {"current", version.current}});
    }
    ReloadReport last = service.last_reload();
    // Diagnostics quote rule files: only for those who may deploy them.
    if (!who.deploy) last.diagnostics.clear();
    return json_response(200, {{"versions", versions}, {"last_reload", reload_json(last)}});
  }

  HttpResponse deploy(const HttpRequest& request, const Principal& who, const std::string&) {
    if (!who.deploy)
      return failure_response({403, "forbidden", "`" + who.actor.id + "` may not deploy workflow versions"});
    auto object = body(request);
    if (auto* refused = std::get_if<HttpResponse>(&object)) return std::move(*refused);
    const engine::JsonNode& fields = std::get<engine::JsonNode>(object);
    std::optional<std::string> problem = unknown_key(fields, {"reload", "name", "text"});
    const engine::JsonNode* reload = fields.find("reload");
    std::string name;
    std::string text;
    bool from_directory = reload != nullptr && reload->kind() == engine::JsonNode::Kind::kBool && reload->as_bool();
    if (!problem && !from_directory) {
      problem = name_member(fields, "name", name, true);
      if (!problem) problem = string_member(fields, "text", text, true, options.transport.max_body_bytes);
      if (problem) *problem += " (or send {\"reload\": true} to reload the rules directory)";
    }
    if (problem) return failure_response({400, "bad_request", *problem});
    if (from_directory && options.read_tokens) {
      engine::Result<std::vector<TokenConfig>> tokens = options.read_tokens();
      if (!tokens) {
        Failure failure{422, "config_invalid", "the configuration has errors; the current tokens stay in effect"};
        failure.details = {{"diagnostics", lines_json(tokens.error())}};
        return failure_response(failure);
      }
      set_tokens(std::move(tokens).value());
    }
    ReloadReport report = from_directory ? service.reload("api") : service.deploy_text(name, text);
    if (!report.ok && report.store_failed) return failure_response({503, "store_unavailable", report.diagnostics});
    if (!report.ok) {
      Failure failure{422, "rules_invalid", "the rules have errors; the current versions stay in effect"};
      failure.details = {{"diagnostics", lines_json(report.diagnostics)}};
      return failure_response(failure);
    }
    return json_response(200, reload_json(report));
  }

  // The outbox carries customers' data and its retries act on receivers:
  // for operators (tokens that may deploy) only.
  std::optional<HttpResponse> refuse_outbox(const Principal& who) {
    if (who.deploy) return std::nullopt;
    return failure_response({403, "forbidden", "`" + who.actor.id + "` may not read or retry the outbox"});
  }

  HttpResponse list_outbox(const HttpRequest& request, const Principal& who, const std::string&) {
    if (auto refused = refuse_outbox(who)) return std::move(*refused);
    engine::OutboxQuery query;
    query.limit = kDefaultPageSize;
    for (const auto& [key, value] : request.query) {
      std::optional<std::string> problem;
      if (key == "status") {
        query.status = engine::parse_delivery_status(value);
        if (!query.status) problem = "`status` must be pending, failed, delivered or dead";
      } else if (key == "target") {
        problem = name_problem(value, "target");
        query.target = value;
      } else if (key == "ticket") {
        problem = name_problem(value, "ticket id");
        query.ticket = value;
      } else if (key == "after") {
        bool ok = !value.empty() && value.size() <= 18 && value.find_first_not_of("0123456789") == std::string::npos;
        if (ok) query.after = std::stoull(value);
        if (!ok) problem = "`after` must be the `next` cursor of an earlier page";
      } else if (key == "limit") {
        bool ok = !value.empty() && value.size() <= 4 && value.find_first_not_of("0123456789") == std::string::npos;
        query.limit = ok ? std::stoul(value) : 0;
        if (query.limit == 0 || query.limit > kMaxPageSize)
          problem = "`limit` must be a whole number from 1 to " + std::to_string(kMaxPageSize);
      } else {
        problem = "unknown query parameter `" + key + "`";
      }
      if (problem) return failure_response({400, "bad_request", *problem});
    }
    engine::Result<engine::OutboxPage> page = service.outbox(query);
    if (!page) return failure_response({503, "store_unavailable", page.error()});
    engine::Result<engine::OutboxSummary> summary = service.outbox_summary();
    if (!summary) return failure_response({503, "store_unavailable", summary.error()});
    HttpResponse response;
    response.body = outbox_page_json(page.value(), summary.value());
    return response;
  }

  // The delivery `id` names, or the answer that refuses the request.
  std::variant<DeliveryInfo, HttpResponse> find_delivery(const Principal& who, const std::string& id) {
    if (auto refused = refuse_outbox(who)) return std::move(*refused);
    if (auto problem = name_problem(id, "delivery id")) return failure_response({400, "bad_request", *problem});
    engine::Result<std::optional<DeliveryInfo>> found = service.delivery(id);
    if (!found) return failure_response({503, "store_unavailable", found.error()});
    if (!found.value()) return failure_response({404, "not_found", "no delivery `" + id + "` in the outbox"});
    return std::move(*found.value());
  }

  HttpResponse get_delivery(const HttpRequest&, const Principal& who, const std::string& id) {
    auto found = find_delivery(who, id);
    if (auto* refused = std::get_if<HttpResponse>(&found)) return std::move(*refused);
    HttpResponse response;
    response.body = delivery_json(std::get<DeliveryInfo>(found));
    return response;
  }

  HttpResponse retry_delivery(const HttpRequest&, const Principal& who, const std::string& id) {
    auto found = find_delivery(who, id);
    if (auto* refused = std::get_if<HttpResponse>(&found)) return std::move(*refused);
    const DeliveryInfo& info = std::get<DeliveryInfo>(found);
    engine::DeliveryStatus status = info.delivery.status;
    if (status == engine::DeliveryStatus::kDelivered || status == engine::DeliveryStatus::kPending) {
      return failure_response(
          {409, "conflict",
           "delivery `" + id + "` is " + engine::to_string(status) + ": only a dead or failed one is retried"});
    }
    engine::Result<engine::Delivery> retried = service.retry_delivery(id);
    if (!retried) return failure_response({503, "store_unavailable", retried.error()});
    HttpResponse response;
    response.body = delivery_json(DeliveryInfo{retried.value(), info.attempts});
    return response;
  }

  HttpResponse health(const HttpRequest&, const Principal&, const std::string&) {
    ServiceStats stats = service.stats();
    std::string problem = !stats.store_error.empty() ? stats.store_error : stats.background_error;
    return json_response(problem.empty() ? 200 : 503, {{"status", problem.empty() ? "ok" : "degraded"},
                                                       {"now", engine::format_timestamp(stats.now)},
                                                       {"tickets", stats.tickets_total},
                                                       {"last_seq", stats.last_seq},
                                                       {"error", nullable(problem)}});
  }

  HttpResponse metrics_page(const HttpRequest&, const Principal&, const std::string&) {
    HttpResponse response;
    response.content_type = "text/plain; version=0.0.4";
    response.body = metrics.render(service.stats());
    return response;
  }

  // --- audit, reports, version sources

  HttpResponse version_source(const HttpRequest&, const Principal&, const std::string& id) {
    if (auto problem = name_problem(id, "version id")) return failure_response({400, "bad_request", *problem});
    engine::Result<std::optional<engine::StoredVersion>> stored = service.stored_version(id);
    if (!stored) return failure_response({503, "store_unavailable", stored.error()});
    if (!stored.value()) return failure_response({404, "not_found", "unknown version `" + id + "`"});
    const engine::StoredVersion& version = *stored.value();
    json files = json::array();
    for (const engine::WorkflowSource& source : version.sources) {
      // Rule positions in the journal name a file under the root: "rules/after_sales.docket".
      std::string name = version.source_root.empty() ? source.path : version.source_root + "/" + source.path;
      files.push_back({{"name", name}, {"path", source.path}, {"text", source.text}});
    }
    return json_response(200, {{"version", version.id},
                               {"workflow", version.workflow},
                               {"declared", nullable(version.declared)},
                               {"source_root", version.source_root},
                               {"files", files}});
  }

  // Stored version `id` (a query parameter named `what`) compiled, or the answer that refuses.
  std::variant<WorkflowPtr, HttpResponse> compiled_version(const std::string& id, const char* what) {
    engine::Result<std::optional<WorkflowPtr>> compiled = service.compiled_version(id);
    if (!compiled) return failure_response({500, "version_invalid", compiled.error()});
    if (!compiled.value())
      return failure_response({404, "not_found", std::string("`") + what + "`: unknown version `" + id + "`"});
    return *compiled.value();
  }

  HttpResponse version_diff(const HttpRequest& request, const Principal&, const std::string&) {
    std::map<std::string, std::string> ids;
    for (const auto& [key, value] : request.query) {
      if (key != "from" && key != "to")
        return failure_response({400, "bad_request", "unknown query parameter `" + key + "`"});
      if (auto problem = name_problem(value, "`" + key + "` version id"))
        return failure_response({400, "bad_request", *problem});
      ids[key] = value;
    }
    for (const char* key : {"from", "to"}) {
      if (ids.count(key) == 0) {
        return failure_response(
            {400, "bad_request", std::string("`") + key + "` is missing: the id of a version (GET /v1/versions)"});
      }
    }
    auto from = compiled_version(ids["from"], "from");
    if (auto* refused = std::get_if<HttpResponse>(&from)) return std::move(*refused);
    auto to = compiled_version(ids["to"], "to");
    if (auto* refused = std::get_if<HttpResponse>(&to)) return std::move(*refused);
    std::vector<designer::Change> changes =
        designer::diff_workflows(*std::get<WorkflowPtr>(from), *std::get<WorkflowPtr>(to));
    // `docket diff --format json`'s changes and summary, as they are.
    json rendered = json::parse(designer::render_diff_json(changes));
    return json_response(200, {{"from", ids["from"]},
                               {"to", ids["to"]},
                               {"text", designer::render_diff_text(changes)},
                               {"changes", rendered["changes"]},
                               {"summary", rendered["summary"]}});
  }

  static json verify_json(const AuditProgress& progress) {
    bool running = progress.state == AuditProgress::State::kRunning;
    bool done = progress.state == AuditProgress::State::kDone;
    bool started = progress.state != AuditProgress::State::kIdle;
    json finding = nullptr;
    if (progress.finding) {
      finding = {
          {"seq", progress.finding->seq}, {"problem", progress.finding->problem}, {"detail", progress.finding->detail}};
    }
    return {{"state", to_string(progress.state)},
            {"checked", progress.checked},
            {"total", progress.total},
            {"started_at", started ? json(engine::format_timestamp(progress.started_at)) : json(nullptr)},
            {"finished_at", started && !running ? json(engine::format_timestamp(progress.finished_at)) : json(nullptr)},
            {"ok", done ? json(progress.ok) : json(nullptr)},
            {"summary", nullable(progress.summary)},
            {"finding", finding},
            {"signed_through", progress.signed_through},
            {"checkpoints_verified", progress.checkpoints_verified},
            {"versions", progress.versions},
            {"tickets", progress.tickets}};
  }

  HttpResponse audit_status(const HttpRequest&, const Principal&, const std::string&) {
    engine::Result<AuditStatus> status = service.audit_status();
    if (!status) return failure_response({503, "store_unavailable", status.error()});
    json checkpoint = nullptr;
    if (const auto& latest = status->checkpoint) {
      checkpoint = {{"seq", latest->seq},
                    {"hash", latest->hash},
                    {"at", engine::format_timestamp(latest->at)},
                    {"key_id", latest->key_id},
                    {"signed", status->checkpoint_verifies}};
    }
    return json_response(200, {{"last_seq", status->last_seq},
                               {"durable_seq", status->durable_seq},
                               {"chain_head", status->chain_head},
                               {"signing", status->signing},
                               {"checkpoint", checkpoint},
                               {"verify", verify_json(status->verify)}});
  }

  // One verification at a time, whoever asks: a second request while one
  // runs gets 409 with the running one's progress.
  HttpResponse audit_verify(const HttpRequest& request, const Principal&, const std::string&) {
    if (!request.body.empty()) {
      auto object = body(request);
      if (auto* refused = std::get_if<HttpResponse>(&object)) return std::move(*refused);
      if (auto problem = unknown_key(std::get<engine::JsonNode>(object), {}))
        return failure_response({400, "bad_request", *problem + " (the body is empty or {})"});
    }
    bool started = service.start_audit_verification();
    engine::Result<AuditStatus> status = service.audit_status();
    if (!status) return failure_response({503, "store_unavailable", status.error()});
    if (started) return json_response(202, verify_json(status->verify));
    if (status->verify.state != AuditProgress::State::kRunning)
      return failure_response({503, "unavailable", "the service is shutting down"});
    Failure failure{409, "conflict",
                    "a verification is running (" + std::to_string(status->verify.checked) + " of " +
                        std::to_string(status->verify.total) + " records checked): follow it on GET /v1/audit"};
    failure.details = {{"verify", verify_json(status->verify)}};
    return failure_response(failure);
  }

  // A place among the exports and reports allowed at once (each reads the
  // whole journal into memory), or the 503 that says to come back.
  std::variant<std::unique_ptr<LongPollSlot>, HttpResponse> heavy_read_slot() {
    auto slot = std::make_unique<LongPollSlot>(heavy_reads, kMaxHeavyReads);
    if (slot->taken()) return slot;
    HttpResponse busy = failure_response(
        {503, "busy", std::to_string(kMaxHeavyReads) + " exports or reports are being made: try again shortly"});
    busy.headers.emplace_back("Retry-After", "1");
    return busy;
  }

  // The bundle carries every ticket's data (like the outbox): for operators
  // (tokens that may deploy) only.
  HttpResponse audit_export(const HttpRequest&, const Principal& who, const std::string&) {
    if (!who.deploy) {
      return failure_response(
          {403, "forbidden", "`" + who.actor.id + "` may not export the audit trail: it holds every ticket's data"});
    }
    auto slot = heavy_read_slot();
    if (auto* refused = std::get_if<HttpResponse>(&slot)) return std::move(*refused);
    engine::Result<AuditExport> exported = service.export_audit(kMaxExportBytes);
    if (!exported) return failure_response({503, "store_unavailable", exported.error()});
    if (exported->too_large) {
      return failure_response({422, "too_large",
                               "the audit bundle is larger than " + std::to_string(kMaxExportBytes) +
                                   " bytes: export it on the server with `docket audit export STORE --out DIR`"});
    }
    HttpResponse response;
    response.content_type = "application/x-tar";
    response.headers.emplace_back(
        "Content-Disposition", "attachment; filename=\"docket-audit-" + std::to_string(exported->last_seq) + ".tar\"");
    response.body = std::move(exported->tar);
    return response;
  }

  // Reads the period of GET /v1/report into `period`; what is wrong with it otherwise.
  static std::optional<std::string> report_period(const std::string& from, const std::string& to,
                                                  designer::ReportOptions& period) {
    if (from.empty() || to.empty())
      return "`from` and `to` are needed: the first day of the period and the day after it, YYYY-MM-DD";
    engine::Result<std::int64_t> zone = designer::start_of_day("1970-01-01", period.zone);
    if (!zone) return "`zone`: " + zone.error();
    for (auto [text, bound, label, key] : {std::tuple{&from, &period.from, &period.from_label, "from"},
                                           std::tuple{&to, &period.to, &period.to_label, "to"}}) {
      engine::Result<std::int64_t> instant = designer::start_of_day(*text, period.zone);
      if (!instant) return std::string("`") + key + "`: " + instant.error();
      *bound = instant.value();
      *label = *text;
    }
    if (*period.from >= *period.to) return "`from` " + from + " is not before `to` " + to;
    // Whole days by the calendar, whatever the zone's clock changes.
    std::int64_t days =
        (designer::start_of_day(to, "UTC").value() - designer::start_of_day(from, "UTC").value()) / 86400;
    if (days > static_cast<std::int64_t>(kMaxReportDays))
      return "the period is " + std::to_string(days) + " days, longer than " + std::to_string(kMaxReportDays);
    return std::nullopt;
  }

  HttpResponse report(const HttpRequest& request, const Principal&, const std::string&) {
    std::string from;
    std::string to;
    std::string workflow;
    designer::ReportOptions period;
    for (const auto& [key, value] : request.query) {
      if (key == "from") {
        from = value;
      } else if (key == "to") {
        to = value;
      } else if (key == "zone") {
        if (!value.empty()) period.zone = value;
      } else if (key == "workflow") {
        if (value.empty()) continue;
        if (auto problem = name_problem(value, "`workflow`")) return failure_response({400, "bad_request", *problem});
        workflow = value;
      } else {
        return failure_response({400, "bad_request", "unknown query parameter `" + key + "`"});
      }
    }
    if (auto problem = report_period(from, to, period)) return failure_response({400, "bad_request", *problem});
    auto slot = heavy_read_slot();
    if (auto* refused = std::get_if<HttpResponse>(&slot)) return std::move(*refused);
    ReportAnswer answer = service.report(period, workflow);
    if (answer.problem) {
      if (answer.problem->usage) return failure_response({400, "bad_request", answer.problem->message});
      return failure_response({500, "report_failed", answer.problem->message});
    }
    HttpResponse response;
    response.body = std::move(answer.json);
    return response;
  }

  // ------------------------------------------------------------ the console (docs/console.md)

  std::string session_cookie(const std::string& value, std::chrono::seconds max_age) const {
    std::string cookie = std::string(kSessionCookie) + "=" + value +
                         "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age.count());
    if (!options.transport.tls_certificate.empty()) cookie += "; Secure";
    return cookie;
  }

  json session_json(const Principal& who, const std::optional<Session>& session) {
    return {{"actor", who.actor.id},
            {"roles", who.actor.roles},
            {"deploy", who.deploy},
            {"read_only", who.read_only},
            {"csrf", session ? json(session->csrf) : json(nullptr)},
            {"expires_in", session ? json(session->expires_in.count()) : json(nullptr)}};
  }

  HttpResponse open_session(const HttpRequest& request, const Principal&, const std::string&) {
    auto object = body(request);
    if (auto* refused = std::get_if<HttpResponse>(&object)) return std::move(*refused);
    const engine::JsonNode& fields = std::get<engine::JsonNode>(object);
    std::string token;
    std::optional<std::string> problem = unknown_key(fields, {"token"});
    if (!problem) problem = string_member(fields, "token", token, true, kMaxKeyBytes);
    if (problem) return failure_response({400, "bad_request", *problem});
    std::string digest = sha256_hex(token);
    std::optional<Principal> who = current_authenticator()->principal_for_digest(digest);
    if (!who) return failure_response({401, "unauthorized", "the token is not valid"});
    SessionTable::Opened opened = sessions.open(std::move(digest), SessionTable::Clock::now());
    HttpResponse response = json_response(200, session_json(*who, opened.session));
    // The cookie lives as long as the session could; the service ends it sooner when unused.
    response.headers.emplace_back("Set-Cookie", session_cookie(opened.id, sessions.lifetime()));
    return response;
  }

  HttpResponse show_session(const HttpRequest& request, const Principal& who, const std::string&) {
    std::optional<Session> session;
    if (request.authorization.empty())
      session = sessions.find(cookie_value(request.cookie, kSessionCookie), SessionTable::Clock::now());
    return json_response(200, session_json(who, session));
  }

  HttpResponse close_session(const HttpRequest& request, const Principal&, const std::string&) {
    sessions.close(cookie_value(request.cookie, kSessionCookie));
    HttpResponse response;
    response.status = 204;
    response.headers.emplace_back("Set-Cookie", session_cookie("", std::chrono::seconds(0)));
    return response;
  }

  HttpResponse console_file(const std::string& path) {
    std::optional<ConsoleFile> file = options.console.find(path);
    if (!file) return failure_response({404, "not_found", "no console file `" + path + "`"});
    HttpResponse response;
    response.content_type = file->content_type;
    response.body = std::move(file->bytes);
    return response;
  }

  HttpResponse console_index(const HttpRequest&, const Principal&, const std::string&) {
    return console_file("index.html");
  }

  HttpResponse console_asset(const HttpRequest&, const Principal&, const std::string& path) {
    return console_file(path);
  }

  HttpResponse overview(const HttpRequest& request, const Principal&, const std::string&) {
    std::string workflow;
    std::int64_t window = 2 * 3600;
    for (const auto& [key, value] : request.query) {
      if (key == "workflow") {
        if (auto problem = name_problem(value, "workflow")) return failure_response({400, "bad_request", *problem});
        workflow = value;
      } else if (key == "window") {
        std::optional<std::int64_t> seconds = engine::parse_duration(value);
        if (!seconds || *seconds <= 0)
          return failure_response({400, "bad_request", "`window` must be a duration such as 2h or 30m"});
        window = *seconds;
      } else {
        return failure_response({400, "bad_request", "unknown query parameter `" + key + "`"});
      }
    }
    std::optional<Overview> found = service.overview(workflow, window);
    if (!found) return failure_response({404, "not_found", "no workflow `" + workflow + "` is installed"});
    return json_response(200, overview_json(*found, window));
  }

  static json counts_json(const std::vector<StateCount>& rows, bool states) {
    json list = json::array();
    for (const StateCount& row : rows) {
      json item = {
          {"name", row.name}, {"label", row.label}, {"count", row.count}, {"breached", row.breached}, {"due", row.due}};
      if (states) item["kind"] = row.kind;
      list.push_back(std::move(item));
    }
    return list;
  }

  static json overview_json(const Overview& overview, std::int64_t window) {
    json due = json::array();
    for (const DueTicket& ticket : overview.due_tickets) {
      due.push_back({{"id", ticket.id},
                     {"state", ticket.state},
                     {"state_label", ticket.state_label},
                     {"priority", nullable(ticket.priority)},
                     {"metric", ticket.metric},
                     {"due_at", ticket.due_at == 0 ? json(nullptr) : json(engine::format_timestamp(ticket.due_at))},
                     {"breached", ticket.breached}});
    }
    json recent = json::array();
    for (const RecentEvent& event : overview.recent) {
      recent.push_back({{"seq", event.seq},
                        {"at", engine::format_timestamp(event.at)},
                        {"ticket", event.ticket},
                        {"kind", event.kind},
                        {"metric", nullable(event.metric)},
                        {"rule", nullable(event.rule)}});
    }
    return {{"now", engine::format_timestamp(overview.now)},
            {"window", engine::format_duration(window)},
            {"workflow", overview.workflow},
            {"version", overview.version},
            {"workflows", overview.workflows},
            {"totals",
             {{"open", overview.open},
              {"closed", overview.closed},
              {"breached", overview.breached},
              {"due", overview.due}}},
            {"states", counts_json(overview.states, true)},
            {"departments", counts_json(overview.departments, false)},
            {"due", due},
            {"recent",
             {{"since", engine::format_timestamp(overview.recent_since)},
              {"breaches", overview.recent_breaches},
              {"escalations", overview.recent_escalations},
              {"items", recent}}}};
  }

  HttpResponse list_workflows(const HttpRequest&, const Principal&, const std::string&) {
    auto items = [](const std::vector<NamedItem>& list, bool with_kind) {
      json out = json::array();
      for (const NamedItem& item : list) {
        json entry = {{"name", item.name}, {"label", item.label}};
        if (with_kind) entry["kind"] = item.kind;
        out.push_back(std::move(entry));
      }
      return out;
    };
    json workflows = json::array();
    for (const WorkflowInfo& workflow : service.workflows()) {
      workflows.push_back({{"name", workflow.name},
                           {"label", workflow.label},
                           {"version", workflow.version},
                           {"states", items(workflow.states, true)},
                           {"departments", items(workflow.departments, false)},
                           {"categories", items(workflow.categories, false)},
                           {"priorities", items(workflow.priorities, false)},
                           {"fields", items(workflow.fields, false)}});
    }
    return json_response(200, {{"workflows", workflows}});
  }

  HttpResponse graph_svg(const HttpRequest&, const Principal&, const std::string& id) {
    if (auto problem = name_problem(id, "version id")) return failure_response({400, "bad_request", *problem});
    {
      std::lock_guard<std::mutex> lock(graphs_mutex);
      if (auto cached = graphs.find(id); cached != graphs.end()) return svg_response(cached->second);
    }
    if (!options.draw_graph) return failure_response({503, "unavailable", "this service draws no graphs"});
    WorkflowPtr workflow = service.version_workflow(id);
    if (!workflow) return failure_response({404, "not_found", "no version `" + id + "` in the store"});
    engine::Result<std::string> svg = options.draw_graph(*workflow);
    if (!svg) return failure_response({503, "unavailable", svg.error()});
    std::lock_guard<std::mutex> lock(graphs_mutex);
    if (graphs.size() >= kMaxCachedGraphs) graphs.clear();
    graphs[id] = svg.value();
    return svg_response(svg.value());
  }

  static HttpResponse svg_response(const std::string& svg) {
    HttpResponse response;
    response.content_type = "image/svg+xml";
    response.body = svg;
    return response;
  }

  HttpResponse ticket_actions(const HttpRequest&, const Principal& who, const std::string& id) {
    if (auto problem = name_problem(id, "ticket id")) return failure_response({400, "bad_request", *problem});
    std::optional<TicketActions> actions = service.actions(id, who.actor);
    if (!actions) return failure_response({404, "not_found", "unknown ticket `" + id + "`"});
    if (who.read_only) actions->events.clear();
    return json_response(200, actions_json(id, *actions));
  }

  static json actions_json(const std::string& id, const TicketActions& actions) {
    json events = json::array();
    for (const OfferedAction& action : actions.events) {
      json fields = json::array();
      auto add = [&](std::size_t i, bool suggested) {
        const FieldSpec& spec = actions.fields[i];
        json choices = json::array();
        for (const auto& [value, label] : spec.choices) choices.push_back({{"value", value}, {"label", label}});
        fields.push_back({{"name", spec.name},
                          {"label", spec.label},
                          {"type", spec.type},
                          {"required", spec.required},
                          {"enum", choices},
                          {"min", nullable(spec.min)},
                          {"max", nullable(spec.max)},
                          {"value", i < actions.values.size() ? field_value(actions.values[i]) : json(nullptr)},
                          {"suggested", suggested}});
      };
      auto is_suggested = [&](const std::string& name) {
        return std::find(action.suggested.begin(), action.suggested.end(), name) != action.suggested.end();
      };
      for (const std::string& name : action.suggested) {
        for (std::size_t i = 0; i < actions.fields.size(); ++i) {
          if (actions.fields[i].name == name) add(i, true);
        }
      }
      for (std::size_t i = 0; i < actions.fields.size(); ++i) {
        if (!is_suggested(actions.fields[i].name)) add(i, false);
      }
      json guards = action.guards;
      events.push_back({{"event", action.event},
                        {"to", nullable(action.to)},
                        {"to_label", nullable(action.to_label)},
                        {"guard", action.guards.empty() ? json(nullptr) : json(action.guards.front())},
                        {"guards", guards},
                        {"rule", nullable(action.rule)},
                        {"fields", fields}});
    }
    return {{"ticket", id}, {"state", actions.state}, {"events", events}};
  }

  void set_tokens(std::vector<TokenConfig> tokens) {
    auto fresh = std::make_shared<const Authenticator>(std::move(tokens));
    service.set_people(fresh->actors());
    std::lock_guard<std::mutex> lock(tokens_mutex);
    authenticator = std::move(fresh);
  }

  Service& service;
  std::mutex tokens_mutex;
  std::shared_ptr<const Authenticator> authenticator;
  HttpOptions options;
  RateLimiter limiter;
  RequestMetrics metrics;
  SessionTable sessions;
  std::mutex graphs_mutex;
  std::map<std::string, std::string, std::less<>> graphs;  // version id -> SVG
  static constexpr std::size_t kMaxCachedGraphs = 64;
  std::atomic<std::size_t> long_polls{0};
  std::atomic<std::size_t> heavy_reads{0};  // exports and reports under way
  const std::size_t max_long_polls = std::clamp<std::size_t>(options.transport.threads / 4, 1, kMaxLongPolls);
  const std::vector<Route> routes = {
      {"POST", {"v1", "tickets"}, "POST /v1/tickets", true, &Impl::create_ticket},
      {"GET", {"v1", "tickets"}, "GET /v1/tickets", true, &Impl::list_tickets},
      {"POST", {"v1", "tickets", "{id}", "events"}, "POST /v1/tickets/{id}/events", true, &Impl::send_event},
      {"GET", {"v1", "tickets", "{id}", "transitions"}, "GET /v1/tickets/{id}/transitions", true, &Impl::transitions},
      {"GET", {"v1", "tickets", "{id}"}, "GET /v1/tickets/{id}", true, &Impl::get_ticket},
      {"GET", {"v1", "journal"}, "GET /v1/journal", true, &Impl::journal_feed},
      {"GET", {"v1", "versions"}, "GET /v1/versions", true, &Impl::list_versions},
      {"POST", {"v1", "versions"}, "POST /v1/versions", true, &Impl::deploy},
      {"GET", {"v1", "outbox"}, "GET /v1/outbox", true, &Impl::list_outbox},
      {"GET", {"v1", "outbox", "{id}"}, "GET /v1/outbox/{id}", true, &Impl::get_delivery},
      {"POST", {"v1", "outbox", "{id}", "retry"}, "POST /v1/outbox/{id}/retry", true, &Impl::retry_delivery},
      {"GET", {"v1", "health"}, "GET /v1/health", false, &Impl::health},
      {"POST", {"v1", "session"}, "POST /v1/session", false, &Impl::open_session},
      {"GET", {"v1", "session"}, "GET /v1/session", true, &Impl::show_session},
      {"DELETE", {"v1", "session"}, "DELETE /v1/session", true, &Impl::close_session},
      {"GET", {"v1", "overview"}, "GET /v1/overview", true, &Impl::overview},
      {"GET", {"v1", "workflows"}, "GET /v1/workflows", true, &Impl::list_workflows},
      {"GET", {"v1", "versions", "{id}", "graph.svg"}, "GET /v1/versions/{id}/graph.svg", true, &Impl::graph_svg},
      {"GET", {"v1", "tickets", "{id}", "actions"}, "GET /v1/tickets/{id}/actions", true, &Impl::ticket_actions},
      {"GET", {""}, "GET /", false, &Impl::console_index, true},
      {"GET", {"console", "**"}, "GET /console/*", false, &Impl::console_asset, true},
      {"GET", {"metrics"}, "GET /metrics", true, &Impl::metrics_page},
      // --- audit, reports, version sources
      {"GET", {"v1", "versions", "diff"}, "GET /v1/versions/diff", true, &Impl::version_diff},
      {"GET", {"v1", "versions", "{id}", "source"}, "GET /v1/versions/{id}/source", true, &Impl::version_source},
      {"GET", {"v1", "audit"}, "GET /v1/audit", true, &Impl::audit_status},
      {"POST", {"v1", "audit", "verify"}, "POST /v1/audit/verify", true, &Impl::audit_verify},
      {"GET", {"v1", "audit", "export"}, "GET /v1/audit/export", true, &Impl::audit_export},
      {"GET", {"v1", "report"}, "GET /v1/report", true, &Impl::report},
  };
  std::unique_ptr<HttpServer> server;
};

HttpApi::HttpApi(Service& service, Authenticator authenticator, HttpOptions options)
    : impl_(std::make_unique<Impl>(service, std::move(authenticator), std::move(options))) {
  Impl* impl = impl_.get();
  HttpHooks hooks;
  hooks.head = [impl](const HttpRequest& request) { return impl->check_head(request); };
  hooks.handle = [impl](const HttpRequest& request) { return impl->handle(request); };
  hooks.refused = [impl](const HttpRequest& request, const HttpResponse& response) {
    impl->refused(request, response);
  };
  impl_->server = std::make_unique<HttpServer>(impl_->options.transport, std::move(hooks));
}

HttpApi::~HttpApi() = default;

engine::Result<int> HttpApi::bind() { return impl_->server->bind(); }

void HttpApi::serve() { impl_->server->serve(); }

void HttpApi::stop() {
  // A long poll would otherwise hold the stop up until its wait ends.
  impl_->service.end_waits();
  impl_->server->stop();
}

void HttpApi::set_tokens(std::vector<TokenConfig> tokens) { impl_->set_tokens(std::move(tokens)); }

}  // namespace docket::server
