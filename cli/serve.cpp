// docket serve --config docket.toml: the live service (docs/operations.md,
// docs/api.md).
//
// This file wires the pieces: the configuration (server/config.h), the
// service (server/service.h) with the rules compiled through the dsl here,
// so that server/ never sees it, the HTTP API (server/http_api.h), logging,
// and the process's signals:
//   SIGTERM, SIGINT  stop accepting, finish the requests in flight, stop the
//                    timer thread, flush the store, exit 0;
//   SIGHUP           read the tokens from the configuration again and
//                    reload the rules directory (each kept if it has errors).
// Signals are blocked in every thread and taken by one thread with sigwait(),
// so nothing runs in a signal handler.
//
// docket serve --hash-token reads a token from standard input and prints the
// SHA-256 digest to put in the configuration.
//
// Exit codes: 0 after a clean shutdown, 1 when the configuration, the rules
// or the store cannot be used, 2 for usage errors.

#include <pthread.h>
#include <signal.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "cli/dot_svg.h"
#include "cli/output.h"
#include "cli/rules.h"
#include "cli/store_access.h"
#include "designer/graph_export.h"
#include "dsl/checker.h"
#include "dsl/compiler.h"
#include "dsl/loader.h"
#include "server/auth.h"
#include "server/config.h"
#include "server/http_api.h"
#include "server/service.h"

namespace docket::cli {
namespace {

using server::WorkflowPtr;

std::string diagnostics_text(const dsl::Diagnostics& diagnostics, const dsl::SourceSet& sources) {
  std::string text = dsl::render_text(diagnostics, sources);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// Checks and compiles a loaded rule file; the error is its diagnostics.
engine::Result<WorkflowPtr> compile_loaded(std::optional<dsl::RuleFile>& file, dsl::SourceSet& sources,
                                           dsl::Diagnostics& diagnostics, const std::string& name) {
  if (file) dsl::check(*file, diagnostics);
  WorkflowPtr workflow;
  if (file && !diagnostics.has_errors()) workflow = dsl::compile(*file, sources, diagnostics);
  if (!workflow) {
    diagnostics.sort();
    std::string text = diagnostics_text(diagnostics, sources);
    return engine::Result<WorkflowPtr>::failure(text.empty() ? name + ": it does not compile" : text);
  }
  return engine::Result<WorkflowPtr>::success(std::move(workflow));
}

// Rules that reach the service (saved in its directory, sent to its API)
// may extend only files inside the rules directory: `extends
// "/proc/self/environ"` would otherwise read, and quote, any file.
dsl::LoadOptions confined_to(const std::string& directory) {
  dsl::LoadOptions options;
  options.confine_to = directory;
  return options;
}

engine::Result<std::vector<WorkflowPtr>> load_directory(const std::string& directory) {
  using R = engine::Result<std::vector<WorkflowPtr>>;
  std::error_code error;
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    if (entry.path().extension() == ".docket" && entry.is_regular_file()) paths.push_back(entry.path().string());
  }
  if (error) return R::failure(directory + ": " + error.message());
  std::sort(paths.begin(), paths.end());
  std::vector<WorkflowPtr> workflows;
  std::string problems;
  for (const std::string& path : paths) {
    dsl::SourceSet sources;
    dsl::Diagnostics diagnostics;
    std::optional<dsl::RuleFile> file = dsl::load(path, sources, diagnostics, confined_to(directory));
    engine::Result<WorkflowPtr> compiled = compile_loaded(file, sources, diagnostics, path);
    if (!compiled) {
      problems += (problems.empty() ? "" : "\n") + compiled.error();
    } else {
      workflows.push_back(compiled.value());
    }
  }
  if (!problems.empty()) return R::failure(problems);
  return R::success(std::move(workflows));
}

// A rule text sent to the API; its `extends` resolve inside the rules directory.
engine::Result<WorkflowPtr> compile_text(const std::string& directory, const std::string& name,
                                         const std::string& text) {
  dsl::SourceSet sources;
  dsl::Diagnostics diagnostics;
  std::optional<dsl::RuleFile> file = dsl::load_text(name, text, sources, diagnostics, confined_to(directory));
  return compile_loaded(file, sources, diagnostics, name);
}

void set_up_logging(const server::ServerConfig& config) {
  std::shared_ptr<spdlog::logger> logger;
  if (config.log_file.empty()) {
    logger = std::make_shared<spdlog::logger>("docket", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  } else {
    logger = std::make_shared<spdlog::logger>(
        "docket", std::make_shared<spdlog::sinks::basic_file_sink_mt>(config.log_file, /*truncate=*/false));
  }
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  logger->set_level(spdlog::level::from_str(config.log_level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

server::ServiceOptions service_options(const server::ServerConfig& config) {
  server::ServiceOptions options;
  options.store_path = config.store_path;
  options.sync_full = config.sync_full;
  options.checkpoint_key = config.checkpoint_key;
  options.checkpoint_every = config.checkpoint_every;
  options.rules_directory = config.rules_directory;
  options.watch = config.watch;
  options.watch_interval_ms = config.watch_interval_ms;
  options.settle_ms = config.settle_ms;
  options.journal_file = config.journal_file;
  options.outbox = config.outbox;
  options.webhooks = config.webhooks;
  return options;
}

server::HttpServerOptions transport_options(const server::ServerConfig& config) {
  server::HttpServerOptions transport;
  transport.host = config.host;
  transport.port = config.port;
  transport.threads = config.threads;
  transport.header_timeout = std::chrono::milliseconds(config.header_timeout_ms);
  transport.body_timeout = std::chrono::milliseconds(config.body_timeout_ms);
  transport.idle_timeout = std::chrono::milliseconds(config.idle_timeout_ms);
  transport.max_connections = config.max_connections;
  transport.max_connections_per_address = config.max_connections_per_address;
  transport.max_header_bytes = config.max_header_bytes;
  transport.max_headers = config.max_headers;
  transport.max_body_bytes = config.max_body_bytes;
  transport.tls_certificate = config.tls_certificate;
  transport.tls_key = config.tls_key;
  return transport;
}

// The tokens of the configuration file as it is now; a file with errors
// keeps the tokens in effect (and says why in the log).
engine::Result<std::vector<server::TokenConfig>> read_tokens(const std::string& config_path) {
  using R = engine::Result<std::vector<server::TokenConfig>>;
  engine::Result<server::ServerConfig> config = server::load_server_config(config_path);
  if (!config) {
    spdlog::error("tokens not reloaded, the configuration has errors: {}", config.error());
    return R::failure(config.error());
  }
  spdlog::info("tokens reloaded: {}", config->tokens.size());
  return R::success(std::move(config.value().tokens));
}

// Blocks the signals the service takes, before any thread starts: every
// thread inherits the mask, and only the signal thread takes them.
sigset_t block_service_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A client that hangs up while its answer is written must not end the service.
  ::signal(SIGPIPE, SIG_IGN);
  return signals;
}

std::unique_ptr<server::ServiceClock> service_clock(const server::ServerConfig& config) {
  if (config.clock.kind != server::ClockConfig::Kind::kAccelerated) {
    return std::make_unique<server::SystemServiceClock>();
  }
  engine::SystemClock system;
  std::int64_t start = config.clock.start.value_or(system.now());
  if (config.clock.origin) {
    // Where the engine time is now if it ran from `start` at `origin`: the same on every node.
    using namespace std::chrono;
    auto elapsed_ms =
        duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count() - *config.clock.origin * 1000;
    start += elapsed_ms * config.clock.factor / 1000;
  }
  auto clock = std::make_unique<server::AcceleratedClock>(start, config.clock.factor);
  spdlog::warn("accelerated clock: {} engine seconds per second (not for production)", config.clock.factor);
  return clock;
}

engine::Result<std::unique_ptr<server::Service>> open_service(const server::ServerConfig& config,
                                                              server::ServiceClock& clock) {
  server::RulesLoader loader{load_directory,
                             [directory = config.rules_directory](const std::string& name, const std::string& text) {
                               return compile_text(directory, name, text);
                             },
                             compile_stored};
  return server::Service::open(service_options(config), loader, clock);
}

server::HttpOptions http_options(const server::ServerConfig& config, const std::string& config_path,
                                 const std::string& console_dir) {
  server::HttpOptions http;
  if (!console_dir.empty()) http.console = server::ConsoleFiles::from_folder(console_dir);
  http.draw_graph = [](const engine::Workflow& workflow) { return render_svg(designer::export_dot(workflow)); };
  http.transport = transport_options(config);
  http.max_json_depth = config.max_json_depth;
  http.rate_limit = config.rate_limit;
  http.rate_burst = config.rate_burst;
  http.read_tokens = [config_path] { return read_tokens(config_path); };
  return http;
}

// Written whole under another name, then renamed: a reader never sees half a number.
void write_port_file(const std::string& path, int port) {
  std::string partial = path + ".partial";
  std::ofstream(partial) << port << '\n';
  std::filesystem::rename(partial, path);
}

// Takes the blocked signals until one stops the service: SIGHUP reloads
// the tokens and the rules, SIGTERM and SIGINT stop accepting requests.
void take_signals(const sigset_t& signals, const std::string& config_path, server::HttpApi& api,
                  server::Service& service) {
  while (true) {
    int signal = 0;
    if (sigwait(&signals, &signal) != 0) continue;
    if (signal == SIGHUP) {
      spdlog::info("SIGHUP: reading the tokens and reloading the rules");
      if (auto tokens = read_tokens(config_path)) api.set_tokens(std::move(tokens).value());
      service.reload("signal");
      continue;
    }
    spdlog::info("{}: shutting down after the requests in flight", signal == SIGINT ? "SIGINT" : "SIGTERM");
    api.stop();
    return;
  }
}

// Serves until a signal stops it, then finishes the requests in flight and stops the service.
int run_service(const server::ServerConfig& config, const std::string& config_path, const std::string& console_dir,
                const sigset_t& signals) {
  std::unique_ptr<server::ServiceClock> clock = service_clock(config);
  auto opened = open_service(config, *clock);
  if (!opened) {
    spdlog::error("cannot start: {}", opened.error());
    return fail(opened.error());
  }
  std::unique_ptr<server::Service> service = std::move(opened).value();
  server::HttpApi api(*service, server::Authenticator(config.tokens), http_options(config, config_path, console_dir));
  engine::Result<int> port = api.bind();
  if (!port) {
    spdlog::error("{}", port.error());
    return fail(port.error());
  }
  service->start();
  if (!config.port_file.empty()) write_port_file(config.port_file, port.value());
  spdlog::info("listening on {}:{} (store {}, rules {})", config.host, port.value(),
               engine::redact_postgres_url(config.store_path), config.rules_directory);
  std::thread signal_thread([&] { take_signals(signals, config_path, api, *service); });
  api.serve();
  // serve() also returns when the listening socket fails: wake the signal thread.
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  service->stop();
  spdlog::info("stopped");
  return kExitOk;
}

int serve(const std::string& config_path, const std::string& console_dir) {
  engine::Result<server::ServerConfig> loaded = server::load_server_config(config_path);
  if (!loaded) {
    std::cerr << loaded.error() << '\n';
    return kExitFailure;
  }
  set_up_logging(loaded.value());
  sigset_t signals = block_service_signals();
  if (!console_dir.empty() && !std::filesystem::is_regular_file(console_dir + "/index.html"))
    return fail("--console-dir " + console_dir + ": no index.html there", kExitUsage);
  return run_service(loaded.value(), config_path, console_dir, signals);
}

struct ServeOptions {
  std::string config;
  std::string console_dir;
  bool hash_token = false;
};

// The digest of the token on standard input, for the configuration.
int hash_token() {
  std::string token;
  std::getline(std::cin, token);
  if (token.empty()) return fail("no token on standard input", kExitUsage);
  std::cout << server::sha256_hex(token) << '\n';
  return kExitOk;
}

int run_serve(const ServeOptions& options) {
  if (options.hash_token) return hash_token();
  if (options.config.empty()) return fail("serve needs --config FILE", kExitUsage);
  return serve(options.config, options.console_dir);
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* command = app.add_subcommand("serve", "Run the HTTP service: tickets, events, timers, hot reload");
  command->add_option("-c,--config", options->config, "The configuration file (docket.toml)");
  command->add_option("--console-dir", options->console_dir,
                      "Serve the console's files from this folder instead of those built in (for working on them)");
  command->add_flag("--hash-token", options->hash_token,
                    "Read an access token from standard input and print its SHA-256 for the configuration");
  command->callback([options, &exit_code] { exit_code = run_serve(*options); });
}

}  // namespace docket::cli
