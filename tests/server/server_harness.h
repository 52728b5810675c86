// Running a real `docket serve` child process on 127.0.0.1 for the
// end-to-end tests: a fresh folder with a configuration, a copy of the
// after-sales rules and a store; the server binds a free port and writes it
// to a port file; start() waits for GET /v1/health with a deadline.
//
// The clock is accelerated (10 engine hours per real second) from Monday
// 2026-11-23 09:00 Beijing time, so timers fire within a fraction of a
// second of real time without any request.

#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "engine/store/signing.h"
#include "server/auth.h"

namespace docket::server::testing {

using json = nlohmann::json;

// Token -> actor line of the configuration. Tokens are the actor ids prefixed with "tok-".
struct TestActor {
  std::string id;
  std::string roles;  // TOML array body: "\"engineer\""
  bool deploy = false;
  bool read_only = false;
};

inline const std::vector<TestActor>& test_actors() {
  static const std::vector<TestActor> actors = {
      {"zhang", "\"intake_specialist\"", false},
      {"liu", "\"engineer\"", false},
      {"sun", "\"tech.dept_head\"", false},
      {"admin", "", true},
      {"auditor", "", false, true},
  };
  return actors;
}

inline std::string token_of(const std::string& actor) { return "tok-" + actor; }

// A second workflow sent to POST /v1/versions: it extends the after-sales
// rules of the rules directory and shortens priority P2's limits.
inline const std::string kSentVariantRules =
    "extends \"after_sales.docket\"\nworkflow sent_variant \"变体\" version \"2.0\"\n"
    "override priority P2 \"一般\" {\n  first_response 12h\n  resolve 48h\n  warn at 80%\n"
    "  on breach of first_response do escalate to supervisor\n}\n";

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class ServerProcess {
 public:
  // A fresh folder named after the running test. `sync` is the store's
  // durability: "normal" loses nothing when the process dies (only on power
  // loss) and keeps the tests fast; the kill -9 test uses "full", as in production.
  explicit ServerProcess(const std::string& sync = "normal") {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("docket_serve_" + std::to_string(getpid()) + "_" + info->test_suite_name() + "_" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "rules");
    std::filesystem::copy_file(std::filesystem::path(DOCKET_SOURCE_DIR) / "rules/after_sales.docket",
                               dir_ / "rules/after_sales.docket");
    std::ostringstream config;
    config << "[server]\nlisten = \"127.0.0.1:0\"\nport_file = \"port\"\nthreads = 4\n"
           << "[store]\npath = \"tickets.db\"\nsync = \"" << sync << "\"\n"
           << "[rules]\ndirectory = \"rules\"\nwatch = false\n"
           << "[log]\nlevel = \"info\"\nfile = \"server.log\"\n"
           << "[clock]\nkind = \"accelerated\"\nfactor = 36000\nstart = \"2026-11-23T09:00:00+08:00\"\n";
    for (const TestActor& actor : test_actors()) {
      config << "[[tokens]]\nsha256 = \"" << sha256_hex(token_of(actor.id)) << "\"\nactor = \"" << actor.id
             << "\"\nroles = [" << actor.roles << "]\ndeploy = " << (actor.deploy ? "true" : "false")
             << "\nread_only = " << (actor.read_only ? "true" : "false") << '\n';
    }
    std::ofstream(dir_ / "docket.toml") << config.str();
  }

  ~ServerProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (!::testing::Test::HasFailure()) std::filesystem::remove_all(dir_);
  }

  // Reload the rules directory by itself when its files change, checking
  // every second, once a change has settled for a second. Call before start().
  void watch_rules() {
    std::string config = read_file(dir_ / "docket.toml");
    config.replace(config.find("watch = false"), 13, "watch = true\nwatch_interval = \"1s\"\nsettle = \"1s\"");
    std::ofstream(dir_ / "docket.toml", std::ios::trunc) << config;
  }

  // Sign journal checkpoints with a fresh key (audit.key, mode 0600), one
  // every `every` records. Call before start().
  void sign_checkpoints(std::uint64_t every) {
    auto key = engine::SigningKey::generate();
    ASSERT_TRUE(key.ok()) << key.error();
    std::filesystem::path file = dir_ / "audit.key";
    std::ofstream(file) << key->to_pem();
    std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    std::string config = read_file(dir_ / "docket.toml");
    std::string store_table = "[store]\n";
    config.insert(config.find(store_table) + store_table.size(),
                  "checkpoint_key = \"audit.key\"\ncheckpoint_every = " + std::to_string(every) + "\n");
    std::ofstream(dir_ / "docket.toml", std::ios::trunc) << config;
  }

  // Keep tickets in the store at `location` (a PostgreSQL URL: several
  // servers may share it) instead of tickets.db. Call before start().
  void use_store(const std::string& location) {
    std::string config = read_file(dir_ / "docket.toml");
    std::string line = "path = \"tickets.db\"";
    config.replace(config.find(line), line.size(), "url = \"" + location + "\"");
    std::ofstream(dir_ / "docket.toml", std::ios::trunc) << config;
  }
  // Run the accelerated clock as if it had started at `origin` (epoch
  // seconds, real time): servers given the same origin agree on the time.
  // Call before start().
  void clock_origin(std::int64_t origin) {
    std::string config = read_file(dir_ / "docket.toml");
    std::string table = "[clock]\n";
    std::time_t seconds = origin;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    config.insert(config.find(table) + table.size(), std::string("origin = \"") + text + "\"\n");
    std::ofstream(dir_ / "docket.toml", std::ios::trunc) << config;
  }
  // Send webhooks to `url` as target `name` (see docs/webhooks.md), every
  // action of every ticket. Call before start().
  void webhook(const std::string& name, const std::string& url, const std::string& secret) {
    std::ofstream(dir_ / (name + ".key")) << secret;
    std::ofstream(dir_ / "docket.toml", std::ios::app)
        << "[[webhooks]]\nname = \"" << name << "\"\nurl = \"" << url << "\"\nsecret_file = \"" << name << ".key\"\n";
  }
  const std::filesystem::path& dir() const { return dir_; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string log() const { return read_file(dir_ / "server.log"); }

  // Starts the server and waits (at most 10 s) until it answers /v1/health.
  ::testing::AssertionResult start() {
    std::filesystem::remove(dir_ / "port");
    pid_ = ::fork();
    if (pid_ == 0) {
      int out = ::open((dir_ / "stderr.txt").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(out, 1);
      ::dup2(out, 2);
      std::string config = (dir_ / "docket.toml").string();
      ::execl(DOCKET_BINARY, DOCKET_BINARY, "serve", "--config", config.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return ::testing::AssertionFailure() << "the server exited: " << read_file(dir_ / "stderr.txt");
      }
      std::string port = read_file(dir_ / "port");
      if (!port.empty()) {
        port_ = std::stoi(port);
        httplib::Client client("127.0.0.1", port_);
        auto res = client.Get("/v1/health");
        if (res && res->status == 200) return ::testing::AssertionSuccess();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling, not timing
    }
    return ::testing::AssertionFailure() << "no answer on /v1/health within 10 s";
  }

  // SIGTERM, then the exit status (-1 when it did not exit normally).
  int stop() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  void kill9() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  void signal(int number) const { ::kill(pid_, number); }

  httplib::Client client() const {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(std::chrono::seconds(5));
    return client;
  }

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// One request's answer: status (0 when the connection failed) and the body as JSON (null when not JSON).
struct Reply {
  int status = 0;
  json body;
  std::string text;
};

inline Reply to_reply(const httplib::Result& res) {
  Reply reply;
  if (!res) return reply;
  reply.status = res->status;
  reply.text = res->body;
  reply.body = json::parse(res->body, nullptr, false);
  return reply;
}

inline httplib::Headers auth(const std::string& actor) {
  if (actor.empty()) return {};
  return {{"Authorization", "Bearer " + token_of(actor)}};
}

inline Reply get(const ServerProcess& server, const std::string& path, const std::string& actor) {
  return to_reply(server.client().Get(path, auth(actor)));
}

inline Reply post(const ServerProcess& server, const std::string& path, const std::string& actor, const json& body) {
  return to_reply(server.client().Post(path, auth(actor), body.dump(), "application/json"));
}

inline Reply post_text(const ServerProcess& server, const std::string& path, const std::string& actor,
                       const std::string& body) {
  return to_reply(server.client().Post(path, auth(actor), body, "application/json"));
}

// A create body of the after-sales workflow.
inline json new_ticket(const std::string& id, const std::string& mood = "calm") {
  return {{"id", id},
          {"data",
           {{"customer", "C-1001"},
            {"contact", "138-0000-1001"},
            {"channel", "phone"},
            {"purchase_date", "2026-11-01T10:00:00+08:00"},
            {"problem", "the washing machine's plug smokes"},
            {"expected_resolution", "2026-11-23T18:00:00+08:00"},
            {"mood", mood},
            {"order_amount", 3999.00}}}};
}

inline Reply send_event(const ServerProcess& server, const std::string& ticket, const std::string& actor,
                        const std::string& event, const json& data = json::object(), const std::string& key = "") {
  json body = {{"event", event}, {"data", data}};
  if (!key.empty()) body["idempotency_key"] = key;
  return post(server, "/v1/tickets/" + ticket + "/events", actor, body);
}

// Polls `condition` until it holds or `seconds` pass.
template <typename Condition>
bool eventually(Condition condition, int seconds = 3) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling the child server against a deadline
  }
  return condition();
}

}  // namespace docket::server::testing
