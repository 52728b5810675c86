// The configuration of `docket serve`: one TOML file (docs/operations.md).
//
//   Result<ServerConfig> config = load_server_config("docket.toml");
//
// Every key is known: an unknown key, a value of the wrong type or out of
// range is an error naming the place, "docket.toml:7:1: unknown key `lisen`
// in [server]". Every problem in the file is reported, one per line, not
// only the first. Relative paths (store, rules, log file, key, port file)
// are resolved against the folder of the configuration file, so a service
// does not depend on the directory it was started from.
//
// Tokens are never in the file as such: only their SHA-256 digests (hex),
// which `docket serve --hash-token` prints (server/auth.h).

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/result.h"

namespace docket::server {

// One access token and whom it stands for.
struct TokenConfig {
  std::string sha256;              // lower-case hex digest of the token
  std::string actor;               // the engine actor id requests act as
  std::vector<std::string> roles;  // the actor's roles (workflow role names, `dept.role` allowed)
  // May deploy and reload workflow versions (POST /v1/versions). Reading and
  // sending events need no such permission: the engine checks roles.
  bool deploy = false;
  // Reads only: creating tickets and sending events is refused (403) whatever
  // the rules allow, for auditors and dashboards. Not with `deploy`.
  bool read_only = false;
  std::string where;  // "docket.toml:12:1", for messages
};

struct ClockConfig {
  enum class Kind : std::uint8_t { kSystem, kAccelerated };
  Kind kind = Kind::kSystem;
  // kAccelerated: engine seconds per real second.
  std::int64_t factor = 1;
  // kAccelerated: the engine time the clock starts from (epoch seconds);
  // nullopt: the system time at start. A store whose last unit is later
  // moves the start forward, so time never runs back across restarts.
  std::optional<std::int64_t> start;
  // kAccelerated: the real time (epoch seconds) at which the engine time was
  // `start`; nullopt: when the service started. Nodes sharing a store and
  // an origin agree on the time.
  std::optional<std::int64_t> origin;
};

// [outbox]: how the sender delivers (docs/webhooks.md).
struct OutboxConfig {
  std::uint32_t max_attempts = 12;        // then the item is dead
  std::int64_t max_age_ms = 86'400'000;   // an item undelivered this long is dead
  std::int64_t backoff_ms = 1000;         // the first retry's wait, doubled each time, with jitter ...
  std::int64_t max_backoff_ms = 300'000;  // ... up to this
  std::int64_t timeout_ms = 10'000;       // one attempt, connecting included
  std::uint32_t circuit_failures = 5;     // failures in a row that open a target's circuit ...
  std::int64_t circuit_open_ms = 30'000;  // ... for this long; then one trial attempt
};

// [[webhooks]]: one receiver, and which actions it gets. An empty list
// matches anything; a list a kind of action cannot satisfy (a template for
// an `emit`) excludes that kind.
struct WebhookConfig {
  std::string name;                     // [A-Za-z0-9_-]: in delivery ids, metrics, the outbox
  std::string url;                      // http:// or https://
  std::string secret;                   // the HMAC key: secret_file's text without surrounding white space
  std::string ca_file;                  // PEM: trust this CA for the receiver's certificate; "" for the system's
  std::vector<std::string> actions;     // notify, escalate, assign, emit, warning, breach
  std::vector<std::string> recipients;  // notify / escalate / assign: as the rules write it
  std::vector<std::string> templates;   // notify: the message
  std::vector<std::string> workflows;
  std::vector<std::string> events;  // emit: the event emitted; others: the event being handled
  std::vector<std::string> fields;  // ticket fields copied into the payload
  std::string where;                // "docket.toml:30:1", for messages
};

struct ServerConfig {
  std::string path;  // the configuration file

  // [server]
  std::string host = "127.0.0.1";
  int port = 8080;                                    // 0: any free port (see port_file)
  int threads = 64;                                   // request workers (most wait for a shared commit)
  std::string port_file;                              // when set, the bound port is written there once listening
  std::size_t max_body_bytes = std::size_t{1} << 20;  // larger bodies get 413
  std::size_t max_json_depth = 64;                    // deeper bodies get 400
  // What one client may cost (server/http_server.h, docs/limits.md).
  std::int64_t header_timeout_ms = 10'000;  // the whole request head, from its first byte
  std::int64_t body_timeout_ms = 30'000;
  std::int64_t idle_timeout_ms = 60'000;  // a keep-alive connection with no request
  std::size_t max_connections = 1024;
  std::size_t max_connections_per_address = 64;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_headers = 64;
  std::uint32_t rate_limit = 200;  // requests per second per token; 0: none
  std::uint32_t rate_burst = 400;
  // HTTPS: PEM certificate chain and private key, both or neither.
  std::string tls_certificate;
  std::string tls_key;
  // Listening on an address other than loopback without TLS sends tokens in
  // clear text: refused unless this is set (a TLS proxy in front).
  bool allow_plaintext = false;

  // [store]
  std::string store_path;      // required: a SQLite file, or a PostgreSQL URL ([store] url)
  bool sync_full = true;       // sync = "full" (default) or "normal"
  std::string checkpoint_key;  // private key file (docket keys new); empty: unsigned
  std::uint64_t checkpoint_every = 1000;

  // [rules]
  std::string rules_directory;  // required: every *.docket file directly inside is one workflow
  bool watch = true;            // reload when a file there changes
  std::int64_t watch_interval_ms = 2000;
  // A changed file is installed only once no file has changed for this long,
  // so that a file saved in several writes is never installed half written.
  std::int64_t settle_ms = 5000;

  // [log]
  std::string log_level = "info";  // trace, debug, info, warn, error
  std::string log_file;            // empty: standard error
  std::string journal_file;        // optional: a JSON-lines copy of every durable record (docs/audit-log.md)

  // [clock]
  ClockConfig clock;

  // [[tokens]]
  std::vector<TokenConfig> tokens;

  // [outbox] and [[webhooks]]
  OutboxConfig outbox;
  std::vector<WebhookConfig> webhooks;
};

// The action kinds a webhook may ask for, as `actions` names them.
inline constexpr std::string_view kWebhookActions[] = {"notify", "escalate", "assign", "emit", "warning", "breach"};

// Actor ids are compared byte for byte by the engine (four-eyes, approvals):
// one that a reader could take for another is refused.
inline constexpr std::size_t kMaxActorIdBytes = 128;
// Why `id` cannot be an actor id (empty, white space, control characters,
// invalid UTF-8, too long); nullopt when it can.
std::optional<std::string> actor_id_problem(std::string_view id);

// Reads and checks `path`. The error lists every problem, one per line.
engine::Result<ServerConfig> load_server_config(const std::string& path);
// The same for text in memory; `path` names it in messages and anchors
// relative paths.
engine::Result<ServerConfig> parse_server_config(std::string_view text, const std::string& path);

}  // namespace docket::server
