#include "server/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "engine/codec/json_text.h"
#include "engine/model/event.h"
#include "engine/store/open_store.h"

namespace docket::server {
namespace {

std::string lower_ascii(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

class Parser {
 public:
  explicit Parser(std::string path) : path_(std::move(path)) {}

  engine::Result<ServerConfig> parse(std::string_view text) {
    toml::table root;
    try {
      root = toml::parse(text, path_);
    } catch (const toml::parse_error& e) {
      error(e.source(), std::string(e.description()));
      return finish();
    }
    config_.path = path_;
    check_keys(root, "", {"server", "store", "rules", "log", "clock", "tokens", "outbox", "webhooks"});
    if (const toml::table* server = table(root, "server")) read_server(*server);
    if (const toml::table* store = table(root, "store")) read_store(*store);
    if (const toml::table* rules = table(root, "rules")) read_rules(*rules);
    if (const toml::table* log = table(root, "log")) read_log(*log);
    if (const toml::node* clock = root.get("clock")) read_clock(*clock);
    if (const toml::node* tokens = root.get("tokens")) read_tokens(*tokens);
    if (const toml::table* outbox = table(root, "outbox")) read_outbox(*outbox);
    if (const toml::node* webhooks = root.get("webhooks")) read_webhooks(*webhooks);
    // A missing section has no position: the message names the file only.
    if (!root.get("store")) errors_.push_back(path_ + ": missing [store] with `path`");
    if (!root.get("rules")) errors_.push_back(path_ + ": missing [rules] with `directory`");
    return finish();
  }

 private:
  engine::Result<ServerConfig> finish() {
    if (!errors_.empty()) {
      std::string text;
      for (const std::string& line : errors_) text += (text.empty() ? "" : "\n") + line;
      return engine::Result<ServerConfig>::failure(text);
    }
    return engine::Result<ServerConfig>::success(std::move(config_));
  }

  void error(const toml::source_region& where, const std::string& message) {
    std::ostringstream out;
    out << path_ << ':' << where.begin.line << ':' << where.begin.column << ": " << message;
    errors_.push_back(out.str());
  }

  std::string where(const toml::node& node) const {
    return path_ + ":" + std::to_string(node.source().begin.line) + ":" + std::to_string(node.source().begin.column);
  }

  // Unknown keys are errors: a misspelt key must not silently fall back to a default.
  void check_keys(const toml::table& table, const std::string& section, std::set<std::string> known) {
    for (const auto& [key, node] : table) {
      if (known.count(std::string(key.str())) > 0) continue;
      std::string in = section.empty() ? std::string(" at the top level") : " in " + section;
      error(key.source(), "unknown key `" + std::string(key.str()) + "`" + in);
    }
  }

  const toml::table* table(const toml::table& parent, const char* key) {
    const toml::node* node = parent.get(key);
    if (node == nullptr) return nullptr;
    if (!node->is_table()) {
      error(node->source(), std::string("`") + key + "` must be a table");
      return nullptr;
    }
    return node->as_table();
  }

  std::optional<std::string> string(const toml::table& table, const char* key, const std::string& section) {
    const toml::node* node = table.get(key);
    if (node == nullptr) return std::nullopt;
    if (!node->is_string()) {
      error(node->source(), section + " `" + key + "` must be a string");
      return std::nullopt;
    }
    return node->value<std::string>();
  }

  std::optional<std::int64_t> integer(const toml::table& table, const char* key, const std::string& section,
                                      std::int64_t min, std::int64_t max) {
    const toml::node* node = table.get(key);
    if (node == nullptr) return std::nullopt;
    if (!node->is_integer()) {
      error(node->source(), section + " `" + key + "` must be a whole number");
      return std::nullopt;
    }
    std::int64_t value = *node->value<std::int64_t>();
    if (value < min || value > max) {
      error(node->source(), section + " `" + key + "` = " + std::to_string(value) + " is out of range " +
                                std::to_string(min) + ".." + std::to_string(max));
      return std::nullopt;
    }
    return value;
  }

  std::optional<bool> boolean(const toml::table& table, const char* key, const std::string& section) {
    const toml::node* node = table.get(key);
    if (node == nullptr) return std::nullopt;
    if (!node->is_boolean()) {
      error(node->source(), section + " `" + key + "` must be true or false");
      return std::nullopt;
    }
    return node->value<bool>();
  }

  std::optional<std::int64_t> duration_ms(const toml::table& table, const char* key, const std::string& section,
                                          std::int64_t max_ms = 86'400'000) {
    std::optional<std::string> text = string(table, key, section);
    if (!text) return std::nullopt;
    // Whole milliseconds ("500ms") or the rule language's durations ("2s", "1m30s").
    std::string_view digits = *text;
    bool in_ms = digits.size() > 2 && digits.substr(digits.size() - 2) == "ms" && digits.size() <= 10 &&
                 digits.substr(0, digits.size() - 2).find_first_not_of("0123456789") == std::string_view::npos;
    std::optional<std::int64_t> ms;
    if (in_ms) {
      ms = std::stoll(std::string(digits.substr(0, digits.size() - 2)));
    } else if (std::optional<std::int64_t> seconds = engine::parse_duration(*text)) {
      ms = *seconds * 1000;
    }
    if (!ms || *ms < 100 || *ms > max_ms) {
      error(table.get(key)->source(), section + " `" + key + "` = \"" + *text +
                                          "\" is not a duration between 100ms and " +
                                          engine::format_duration(max_ms / 1000) + " (e.g. \"2s\", \"500ms\")");
      return std::nullopt;
    }
    return ms;
  }

  // Relative paths are relative to the configuration file's folder.
  std::string resolve(const std::string& relative) const {
    if (relative.empty()) return relative;
    std::filesystem::path path(relative);
    if (path.is_absolute()) return relative;
    return (std::filesystem::path(path_).parent_path() / path).lexically_normal().string();
  }

  void read_server(const toml::table& t) {
    const std::string s = "[server]";
    check_keys(t, s,
               {"listen", "threads", "port_file", "max_body_bytes", "max_json_depth", "header_timeout", "body_timeout",
                "idle_timeout", "max_connections", "max_connections_per_address", "max_header_bytes", "max_headers",
                "rate_limit", "rate_burst", "tls_certificate", "tls_key", "allow_plaintext"});
    if (std::optional<std::string> listen = string(t, "listen", s)) {
      std::size_t colon = listen->rfind(':');
      int port = -1;
      if (colon != std::string::npos && colon > 0 && colon + 1 < listen->size() && colon + 6 >= listen->size()) {
        port = 0;
        for (std::size_t i = colon + 1; i < listen->size(); ++i) {
          char c = (*listen)[i];
          if (c < '0' || c > '9') {
            port = -1;
            break;
          }
          port = port * 10 + (c - '0');
        }
      }
      if (port < 0 || port > 65535) {
        error(t.get("listen")->source(),
              s + " `listen` = \"" + *listen + "\" must be HOST:PORT with a port 0..65535, e.g. \"127.0.0.1:8080\"");
      } else {
        config_.host = listen->substr(0, colon);
        config_.port = port;
      }
    }
    if (auto threads = integer(t, "threads", s, 1, 256)) config_.threads = static_cast<int>(*threads);
    if (auto file = string(t, "port_file", s)) config_.port_file = resolve(*file);
    if (auto bytes = integer(t, "max_body_bytes", s, 1024, std::int64_t{64} << 20))
      config_.max_body_bytes = static_cast<std::size_t>(*bytes);
    if (auto depth = integer(t, "max_json_depth", s, 2, 512)) config_.max_json_depth = static_cast<std::size_t>(*depth);
    if (auto ms = duration_ms(t, "header_timeout", s)) config_.header_timeout_ms = *ms;
    if (auto ms = duration_ms(t, "body_timeout", s)) config_.body_timeout_ms = *ms;
    if (auto ms = duration_ms(t, "idle_timeout", s)) config_.idle_timeout_ms = *ms;
    if (auto n = integer(t, "max_connections", s, 1, 100'000)) config_.max_connections = static_cast<std::size_t>(*n);
    if (auto n = integer(t, "max_connections_per_address", s, 1, 100'000))
      config_.max_connections_per_address = static_cast<std::size_t>(*n);
    if (auto n = integer(t, "max_header_bytes", s, 1024, 1 << 20))
      config_.max_header_bytes = static_cast<std::size_t>(*n);
    if (auto n = integer(t, "max_headers", s, 8, 1000)) config_.max_headers = static_cast<std::size_t>(*n);
    if (auto n = integer(t, "rate_limit", s, 0, 1'000'000)) config_.rate_limit = static_cast<std::uint32_t>(*n);
    if (auto n = integer(t, "rate_burst", s, 1, 10'000'000)) config_.rate_burst = static_cast<std::uint32_t>(*n);
    if (auto file = string(t, "tls_certificate", s)) config_.tls_certificate = resolve(*file);
    if (auto file = string(t, "tls_key", s)) config_.tls_key = resolve(*file);
    if (config_.tls_certificate.empty() != config_.tls_key.empty())
      error(t.source(), "[server] `tls_certificate` and `tls_key` go together: give both or neither");
    if (auto plain = boolean(t, "allow_plaintext", s)) config_.allow_plaintext = *plain;
    bool loopback = config_.host == "127.0.0.1" || config_.host == "::1" || config_.host == "localhost" ||
                    config_.host.rfind("127.", 0) == 0;
    if (!loopback && config_.tls_certificate.empty() && !config_.allow_plaintext) {
      error(t.get("listen") != nullptr ? t.get("listen")->source() : t.source(),
            "[server] `listen` = \"" + config_.host +
                "\" is not a loopback address: tokens would cross the network in clear text; set "
                "`tls_certificate` and `tls_key`, or `allow_plaintext = true` behind a TLS proxy");
    }
  }

  void read_store(const toml::table& t) {
    const std::string s = "[store]";
    check_keys(t, s, {"path", "url", "sync", "checkpoint_key", "checkpoint_every"});
    if (auto path = string(t, "path", s)) config_.store_path = resolve(*path);
    if (auto url = string(t, "url", s)) {
      if (!config_.store_path.empty()) {
        error(t.get("url")->source(), "[store] has both `path` and `url`: name one store");
      } else if (!engine::is_postgres_url(*url)) {
        error(t.get("url")->source(),
              "[store] `url` must start with postgresql:// or postgres:// (a SQLite file is a `path`)");
      } else {
        config_.store_path = *url;
      }
    }
    if (config_.store_path.empty() && t.get("url") == nullptr) error(t.source(), "[store] needs `path` or `url`");
    if (auto sync = string(t, "sync", s)) {
      if (*sync == "full" || *sync == "normal") {
        config_.sync_full = *sync == "full";
      } else {
        error(t.get("sync")->source(), "[store] `sync` = \"" + *sync + "\" must be \"full\" or \"normal\"");
      }
    }
    if (auto key = string(t, "checkpoint_key", s)) config_.checkpoint_key = resolve(*key);
    if (auto every = integer(t, "checkpoint_every", s, 1, std::int64_t{1} << 40))
      config_.checkpoint_every = static_cast<std::uint64_t>(*every);
  }

  void read_rules(const toml::table& t) {
    const std::string s = "[rules]";
    check_keys(t, s, {"directory", "watch", "watch_interval", "settle"});
    if (auto directory = string(t, "directory", s)) config_.rules_directory = resolve(*directory);
    if (config_.rules_directory.empty()) error(t.source(), "[rules] needs `directory`");
    if (auto watch = boolean(t, "watch", s)) config_.watch = *watch;
    if (auto interval = duration_ms(t, "watch_interval", s)) config_.watch_interval_ms = *interval;
    if (auto settle = duration_ms(t, "settle", s)) config_.settle_ms = *settle;
  }

  void read_log(const toml::table& t) {
    const std::string s = "[log]";
    check_keys(t, s, {"level", "file", "journal"});
    if (auto level = string(t, "level", s)) {
      static const std::set<std::string> levels = {"trace", "debug", "info", "warn", "error"};
      if (levels.count(*level) > 0) {
        config_.log_level = *level;
      } else {
        error(t.get("level")->source(),
              "[log] `level` = \"" + *level + "\" must be one of trace, debug, info, warn, error");
      }
    }
    if (auto file = string(t, "file", s)) config_.log_file = resolve(*file);
    if (auto journal = string(t, "journal", s)) config_.journal_file = resolve(*journal);
  }

  void read_clock(const toml::node& node) {
    if (!node.is_table()) {
      error(node.source(), "`clock` must be a table, e.g. clock = { kind = \"system\" }");
      return;
    }
    const toml::table& t = *node.as_table();
    const std::string s = "[clock]";
    check_keys(t, s, {"kind", "factor", "start", "origin"});
    if (auto kind = string(t, "kind", s)) {
      if (*kind == "system") {
        config_.clock.kind = ClockConfig::Kind::kSystem;
      } else if (*kind == "accelerated") {
        config_.clock.kind = ClockConfig::Kind::kAccelerated;
      } else {
        error(t.get("kind")->source(), "[clock] `kind` = \"" + *kind + "\" must be \"system\" or \"accelerated\"");
      }
    }
    bool accelerated = config_.clock.kind == ClockConfig::Kind::kAccelerated;
    if (auto factor = integer(t, "factor", s, 1, 10'000'000)) config_.clock.factor = *factor;
    if (auto start = string(t, "start", s)) {
      std::optional<std::int64_t> instant = engine::parse_timestamp(*start);
      if (!instant) {
        error(t.get("start")->source(),
              "[clock] `start` = \"" + *start + "\" is not a timestamp such as \"2026-11-23T09:00:00+08:00\"");
      }
      config_.clock.start = instant;
    }
    if (auto origin = string(t, "origin", s)) {
      std::optional<std::int64_t> instant = engine::parse_timestamp(*origin);
      if (!instant) {
        error(t.get("origin")->source(),
              "[clock] `origin` = \"" + *origin + "\" is not a timestamp such as \"2026-12-06T20:00:00Z\"");
      } else if (!config_.clock.start) {
        error(t.get("origin")->source(), "[clock] `origin` needs `start`: the engine time at that moment");
      }
      config_.clock.origin = instant;
    }
    if (!accelerated) {
      for (const char* key : {"factor", "start", "origin"}) {
        if (const toml::node* given = t.get(key))
          error(given->source(), std::string("[clock] `") + key + "` needs kind = \"accelerated\"");
      }
    }
  }

  void read_tokens(const toml::node& node) {
    if (!node.is_array_of_tables()) {
      error(node.source(), "`tokens` must be an array of tables: [[tokens]]");
      return;
    }
    std::set<std::string> seen;
    std::map<std::string, std::string> actors;  // lower case -> as written
    for (const toml::node& item : *node.as_array()) {
      const toml::table& t = *item.as_table();
      const std::string s = "[[tokens]]";
      check_keys(t, s, {"sha256", "actor", "roles", "deploy", "read_only"});
      TokenConfig token;
      token.where = where(t);
      if (auto digest = string(t, "sha256", s)) {
        bool hex = digest->size() == 64 && digest->find_first_not_of("0123456789abcdef") == std::string::npos;
        if (!hex) {
          error(t.get("sha256")->source(),
                "[[tokens]] `sha256` must be 64 lower-case hex digits (docket serve --hash-token prints them)");
        } else if (!seen.insert(*digest).second) {
          error(t.get("sha256")->source(), "[[tokens]] the same token is listed twice");
        }
        token.sha256 = *digest;
      } else if (!t.get("sha256")) {
        error(t.source(), "[[tokens]] needs `sha256`");
      }
      if (auto actor = string(t, "actor", s)) {
        token.actor = *actor;
        if (std::optional<std::string> problem = actor_id_problem(*actor)) {
          error(t.get("actor")->source(), "[[tokens]] `actor` = \"" + engine::printable(*actor) + "\" " + *problem);
        } else if (auto [other, fresh] = actors.emplace(lower_ascii(*actor), *actor);
                   !fresh && other->second != *actor) {
          error(t.get("actor")->source(), "[[tokens]] `actor` = \"" + *actor + "\" differs from `" + other->second +
                                              "` only in case: one person, or two that a reader cannot tell apart");
        }
      } else if (!t.get("actor")) {
        error(t.source(), "[[tokens]] needs `actor`");
      }
      if (const toml::node* roles = t.get("roles")) {
        bool ok = roles->is_array();
        if (ok) {
          for (const toml::node& role : *roles->as_array()) {
            if (!role.is_string() || role.value<std::string>()->empty()) {
              ok = false;
              break;
            }
            token.roles.push_back(*role.value<std::string>());
          }
        }
        if (!ok) error(roles->source(), "[[tokens]] `roles` must be an array of role names");
      }
      if (auto deploy = boolean(t, "deploy", s)) token.deploy = *deploy;
      if (auto read_only = boolean(t, "read_only", s)) token.read_only = *read_only;
      if (token.deploy && token.read_only)
        error(t.get("read_only")->source(), "[[tokens]] `read_only` and `deploy` exclude each other");
      config_.tokens.push_back(std::move(token));
    }
  }

  void read_outbox(const toml::table& t) {
    const std::string s = "[outbox]";
    check_keys(t, s,
               {"max_attempts", "max_age", "backoff", "max_backoff", "timeout", "circuit_failures", "circuit_open"});
    OutboxConfig& outbox = config_.outbox;
    if (auto n = integer(t, "max_attempts", s, 1, 1000)) outbox.max_attempts = static_cast<std::uint32_t>(*n);
    if (auto ms = duration_ms(t, "max_age", s, 30 * 86'400'000LL)) outbox.max_age_ms = *ms;
    if (auto ms = duration_ms(t, "backoff", s)) outbox.backoff_ms = *ms;
    if (auto ms = duration_ms(t, "max_backoff", s)) outbox.max_backoff_ms = *ms;
    if (auto ms = duration_ms(t, "timeout", s, 300'000)) outbox.timeout_ms = *ms;
    if (auto n = integer(t, "circuit_failures", s, 1, 1000)) outbox.circuit_failures = static_cast<std::uint32_t>(*n);
    if (auto ms = duration_ms(t, "circuit_open", s)) outbox.circuit_open_ms = *ms;
    if (outbox.max_backoff_ms < outbox.backoff_ms) {
      error(t.source(), s + " `max_backoff` is shorter than `backoff`");
    }
  }

  // A list of names; nullopt (after an error) when it is not one.
  std::optional<std::vector<std::string>> names(const toml::table& t, const char* key, const std::string& section) {
    const toml::node* node = t.get(key);
    if (node == nullptr) return std::vector<std::string>{};
    std::vector<std::string> result;
    bool ok = node->is_array() && !node->as_array()->empty();
    if (ok) {
      for (const toml::node& item : *node->as_array()) {
        ok = ok && item.is_string() && !item.value<std::string>()->empty();
        if (ok) result.push_back(*item.value<std::string>());
      }
    }
    if (!ok) {
      error(node->source(), section + " `" + key + "` must be a non-empty array of names");
      return std::nullopt;
    }
    return result;
  }

  void read_webhooks(const toml::node& node) {
    if (!node.is_array_of_tables()) {
      error(node.source(), "`webhooks` must be an array of tables: [[webhooks]]");
      return;
    }
    std::set<std::string> seen;
    for (const toml::node& item : *node.as_array()) {
      const toml::table& t = *item.as_table();
      const std::string s = "[[webhooks]]";
      check_keys(t, s,
                 {"name", "url", "secret_file", "ca_file", "actions", "recipients", "templates", "workflows", "events",
                  "fields"});
      WebhookConfig hook;
      hook.where = where(t);
      read_webhook_name(t, s, seen, hook);
      read_webhook_url(t, s, hook);
      read_webhook_secret(t, s, hook);
      if (auto ca = string(t, "ca_file", s)) hook.ca_file = resolve(*ca);
      if (auto list = names(t, "actions", s)) {
        for (const std::string& action : *list) {
          if (std::find(std::begin(kWebhookActions), std::end(kWebhookActions), action) == std::end(kWebhookActions))
            error(t.get("actions")->source(), s + " `actions` has `" + engine::printable(action) +
                                                  "`: not one of notify, escalate, assign, emit, warning, breach");
        }
        hook.actions = std::move(*list);
      }
      if (auto list = names(t, "recipients", s)) hook.recipients = std::move(*list);
      if (auto list = names(t, "templates", s)) hook.templates = std::move(*list);
      if (auto list = names(t, "workflows", s)) hook.workflows = std::move(*list);
      if (auto list = names(t, "events", s)) hook.events = std::move(*list);
      if (auto list = names(t, "fields", s)) hook.fields = std::move(*list);
      config_.webhooks.push_back(std::move(hook));
    }
  }

  void read_webhook_name(const toml::table& t, const std::string& s, std::set<std::string>& seen, WebhookConfig& hook) {
    std::optional<std::string> name = string(t, "name", s);
    if (!name) {
      if (!t.get("name")) error(t.source(), s + " needs `name`");
      return;
    }
    bool plain = !name->empty() && name->size() <= 64 &&
                 name->find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
                     std::string::npos;
    if (!plain) {
      error(t.get("name")->source(), s + " `name` = \"" + engine::printable(*name) +
                                         "\" must be 1 to 64 letters, digits, `_` or `-` (it is part of delivery ids)");
    } else if (!seen.insert(*name).second) {
      error(t.get("name")->source(), s + " `name` = \"" + *name + "\" is used twice");
    }
    hook.name = *name;
  }

  void read_webhook_url(const toml::table& t, const std::string& s, WebhookConfig& hook) {
    std::optional<std::string> url = string(t, "url", s);
    if (!url) {
      if (!t.get("url")) error(t.source(), s + " needs `url`");
      return;
    }
    bool scheme = url->starts_with("http://") || url->starts_with("https://");
    bool printable = engine::is_utf8(*url) && url->find_first_of(std::string(" \t\r\n\0", 5)) == std::string::npos;
    if (!scheme || !printable || url->size() > 2048) {
      error(t.get("url")->source(),
            s + " `url` = \"" + engine::printable(*url) + "\" must be an http:// or https:// URL");
    }
    hook.url = *url;
  }

  void read_webhook_secret(const toml::table& t, const std::string& s, WebhookConfig& hook) {
    std::optional<std::string> file = string(t, "secret_file", s);
    if (!file) {
      if (!t.get("secret_file")) error(t.source(), s + " needs `secret_file` (the key deliveries are signed with)");
      return;
    }
    std::string path = resolve(*file);
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    std::string secret = text.str();
    auto first = secret.find_first_not_of(" \t\r\n");
    auto last = secret.find_last_not_of(" \t\r\n");
    secret = first == std::string::npos ? "" : secret.substr(first, last - first + 1);
    if (!in) {
      error(t.get("secret_file")->source(), s + " `secret_file` " + path + ": cannot read the file");
    } else if (secret.size() < 16) {
      error(t.get("secret_file")->source(), s + " `secret_file` " + path + " holds " + std::to_string(secret.size()) +
                                                " bytes: a key needs 16 at least");
    }
    hook.secret = std::move(secret);
  }

  std::string path_;
  ServerConfig config_;
  std::vector<std::string> errors_;
};

}  // namespace

std::optional<std::string> actor_id_problem(std::string_view id) {
  if (id.empty()) return "is empty";
  if (id.size() > kMaxActorIdBytes) return "is longer than " + std::to_string(kMaxActorIdBytes) + " bytes";
  if (!engine::is_utf8(id)) return "is not valid UTF-8";
  for (char c : id) {
    auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return "has white space or a control character";
  }
  return std::nullopt;
}

engine::Result<ServerConfig> parse_server_config(std::string_view text, const std::string& path) {
  return Parser(path).parse(text);
}

engine::Result<ServerConfig> load_server_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return engine::Result<ServerConfig>::failure(path + ": cannot read the file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_server_config(text.str(), path);
}

}  // namespace docket::server
