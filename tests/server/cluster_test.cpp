// Several `docket serve` nodes on one PostgreSQL store, end to end: three
// real server processes (tests/server/server_harness.h) share a fresh
// database and one accelerated clock (10 engine hours per real second, from
// the same origin), and clients spread their requests over the nodes.
//
// What the design promises (engine/store/store.h: "several engines on one
// store"; server/service.cpp; engine/store/postgres_sharing.cpp): every write
// takes the store's write lock and catches up with what the others wrote, so
// the appends of all nodes form one gapless hash chain; a due timer is fired
// by one node only; reads catch up without locking; a deploy on one node is
// installed by the others; an outbox item is sent by one node at a time, in
// order per ticket and target; a store that cannot be reached answers 503
// with Retry-After and the nodes carry on once it is back.
//
// Every wait is bounded (eventually(), deadlines); sleeps only pace polling.

#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "tests/server/server_harness.h"
#include "tests/support/postgres_database.h"

namespace docket::server::testing {
namespace {

constexpr int kNodes = 3;
constexpr int kDeadlineSeconds = 20;
constexpr char kSecret[] = "cluster-webhook-secret-0123456789";

using SteadyClock = std::chrono::steady_clock;

std::int64_t epoch_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double seconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

// ---------------------------------------------------------------- processes

// The exit status and the output (stdout and stderr) of a shell command.
struct CommandRun {
  int exit = -1;
  std::string output;
};

CommandRun run_command(const std::string& command) {
  CommandRun run;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  std::size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) run.output.append(buffer, got);
  int status = ::pclose(pipe);
  run.exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string shell_quoted(const std::string& text) { return "'" + text + "'"; }

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// `docket audit verify STORE`: the chain, the checkpoints and every record
// replayed under its rules.
CommandRun audit_verify(const std::string& store) {
  return run_command(std::string(DOCKET_BINARY) + " audit verify " + shell_quoted(store));
}

// scripts/pg-cluster, as scripts/test names it (DOCKET_PG_CLUSTER) or in the source tree.
std::string pg_cluster_script() {
  const char* named = std::getenv("DOCKET_PG_CLUSTER");
  if (named != nullptr && *named != '\0') return named;
  return std::string(DOCKET_SOURCE_DIR) + "/scripts/pg-cluster";
}

// A PostgreSQL cluster of the test's own (the database-restart test cannot
// restart the cluster other tests share), stopped and removed at the end.
class OwnPostgres {
 public:
  OwnPostgres() : dir_("/tmp/docket_cluster_pg_" + std::to_string(::getpid())) {}
  ~OwnPostgres() {
    if (started_) (void)run_command(pg_cluster_script() + " stop " + shell_quoted(dir_));
  }
  OwnPostgres(const OwnPostgres&) = delete;
  OwnPostgres& operator=(const OwnPostgres&) = delete;

  // Starts it; the URL of its database `docket`.
  ::testing::AssertionResult start() {
    (void)run_command(pg_cluster_script() + " stop " + shell_quoted(dir_));  // a leftover of an earlier run
    CommandRun run = run_command(pg_cluster_script() + " start " + shell_quoted(dir_));
    if (run.exit != 0) return ::testing::AssertionFailure() << pg_cluster_script() << " start: " << run.output;
    started_ = true;
    url_ = run.output;
    // The URL is the last line it prints.
    while (!url_.empty() && (url_.back() == '\n' || url_.back() == ' ')) url_.pop_back();
    if (std::size_t line = url_.rfind('\n'); line != std::string::npos) url_ = url_.substr(line + 1);
    if (!url_.starts_with("postgresql://"))
      return ::testing::AssertionFailure() << "no URL from pg-cluster: " << run.output;
    return ::testing::AssertionSuccess();
  }
  // Stops the server (fast: open connections are ended) and starts it again.
  CommandRun restart() { return run_command(pg_cluster_script() + " restart " + shell_quoted(dir_)); }
  const std::string& url() const { return url_; }

 private:
  std::string dir_;
  std::string url_;
  bool started_ = false;
};

// ---------------------------------------------------------------- the nodes

// Inserts `text` after the line `table` of the node's docket.toml. Before start().
void add_to_table(const ServerProcess& node, const std::string& table, const std::string& text) {
  std::string config = read_file(node.dir() / "docket.toml");
  config.insert(config.find(table) + table.size(), text);
  std::ofstream(node.dir() / "docket.toml", std::ios::trunc) << config;
}

// A ServerProcess names its folder after the running test, which is the same
// for the three nodes of a test: each gets a temporary folder of its own
// (gtest's TempDir() reads TEST_TMPDIR on every call).
std::unique_ptr<ServerProcess> make_node(int number, const std::string& sync) {
  const char* before = std::getenv("TEST_TMPDIR");
  std::string saved = before != nullptr ? before : "";
  std::filesystem::path base = std::filesystem::path(::testing::TempDir()) /
                               ("docket_cluster_" + std::to_string(::getpid()) + "_node" + std::to_string(number));
  std::filesystem::create_directories(base);
  ::setenv("TEST_TMPDIR", base.c_str(), 1);
  auto node = std::make_unique<ServerProcess>(sync);
  if (before != nullptr) {
    ::setenv("TEST_TMPDIR", saved.c_str(), 1);
  } else {
    ::unsetenv("TEST_TMPDIR");
  }
  return node;
}

// Three nodes on one store, on one accelerated clock (its origin: when the
// cluster was made), each without a rate limit that a load would hit.
class Cluster {
 public:
  explicit Cluster(const std::string& store, const std::string& sync = "normal") : store_(store) {
    std::int64_t origin = epoch_seconds();
    for (int i = 0; i < kNodes; ++i) {
      nodes_.push_back(make_node(i + 1, sync));
      ServerProcess& node = *nodes_.back();
      node.use_store(store);
      node.clock_origin(origin);
      add_to_table(node, "[server]\n", "rate_limit = 100000\nrate_burst = 100000\n");
    }
  }
  ~Cluster() {
    std::vector<std::filesystem::path> bases;
    for (auto& node : nodes_) bases.push_back(node->dir().parent_path());
    nodes_.clear();  // each removes its folder unless the test failed
    std::error_code ignored;
    for (const auto& base : bases) std::filesystem::remove(base, ignored);  // only when empty
  }
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  ServerProcess& operator[](int i) { return *nodes_[static_cast<std::size_t>(i)]; }
  const std::string& store() const { return store_; }

  // Calls `each` with every node before start().
  void configure(const std::function<void(ServerProcess&)>& each) {
    for (auto& node : nodes_) each(*node);
  }

  // Starts the three at once (they migrate the schema together) and waits for each.
  ::testing::AssertionResult start() {
    std::vector<::testing::AssertionResult> started(kNodes, ::testing::AssertionSuccess());
    std::vector<std::thread> starters;
    for (int i = 0; i < kNodes; ++i) starters.emplace_back([&, i] { started[i] = (*this)[i].start(); });
    for (std::thread& starter : starters) starter.join();
    for (int i = 0; i < kNodes; ++i) {
      if (!started[i]) return ::testing::AssertionFailure() << "node " << i + 1 << ": " << started[i].message();
    }
    return ::testing::AssertionSuccess();
  }

  // The last lines of every node's log, for a failure's message.
  std::string logs(std::size_t lines = 15) {
    std::ostringstream out;
    for (int i = 0; i < kNodes; ++i) {
      std::string log = (*this)[i].log();
      std::size_t at = log.size();
      for (std::size_t n = 0; n <= lines && at != std::string::npos && at > 0; ++n) at = log.rfind('\n', at - 1);
      out << "---- node " << i + 1 << " log (end)\n" << (at == std::string::npos ? log : log.substr(at + 1));
    }
    return out.str();
  }

 private:
  std::string store_;
  std::vector<std::unique_ptr<ServerProcess>> nodes_;
};

// ---------------------------------------------------------------- requests

// One answer, with the header the 503 test needs. status 0: no answer (the
// connection was refused or broke, or no answer came in time).
struct Answer {
  int status = 0;
  json body;
  std::string text;
  std::string retry_after;
  std::string error;  // why there was no answer
};

Answer request(const ServerProcess& node, const std::string& method, const std::string& path, const std::string& actor,
               const json& body = nullptr) {
  httplib::Client client("127.0.0.1", node.port());
  client.set_connection_timeout(std::chrono::seconds(2));
  client.set_read_timeout(std::chrono::seconds(15));
  httplib::Result res =
      method == "GET" ? client.Get(path, auth(actor)) : client.Post(path, auth(actor), body.dump(), "application/json");
  Answer answer;
  if (!res) {
    answer.error = httplib::to_string(res.error());
    return answer;
  }
  answer.status = res->status;
  answer.text = res->body;
  answer.body = json::parse(res->body, nullptr, false);
  answer.retry_after = res->get_header_value("Retry-After");
  return answer;
}

bool success(int status) { return status >= 200 && status < 300; }

// The journal records of `ticket`, read through `node` (straight from the store).
std::vector<json> ticket_journal(const ServerProcess& node, const std::string& ticket) {
  Reply reply = get(node, "/v1/tickets/" + ticket + "/transitions", "auditor");
  EXPECT_EQ(reply.status, 200) << ticket << ": " << reply.text;
  if (reply.status != 200 || !reply.body["records"].is_array()) return {};
  return reply.body["records"].get<std::vector<json>>();
}

// Every record of the store's journal through `node`'s feed (GET /v1/journal).
std::vector<json> whole_journal(const ServerProcess& node) {
  // A read makes the node catch up with what the others wrote; the feed then
  // shows everything up to the store's head.
  (void)get(node, "/v1/health", "");
  std::vector<json> records;
  std::uint64_t after = 0;
  for (int page = 0; page < 10'000; ++page) {
    Reply reply = get(node, "/v1/journal?limit=1000&after=" + std::to_string(after), "auditor");
    EXPECT_EQ(reply.status, 200) << reply.text;
    if (reply.status != 200) break;
    for (const json& record : reply.body["records"]) records.push_back(record);
    after = reply.body["next"].get<std::uint64_t>();
    if (after >= reply.body["last_seq"].get<std::uint64_t>()) break;
  }
  return records;
}

// The journal's seqs are 1..N, each once.
::testing::AssertionResult gapless(const std::vector<json>& records) {
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (records[i]["seq"] != i + 1) {
      return ::testing::AssertionFailure()
             << "record " << i + 1 << " of the journal has seq " << records[i]["seq"] << " (a gap or a seq twice)";
    }
  }
  return ::testing::AssertionSuccess();
}

// The value of a Prometheus series (`name{labels}`) on `node`'s /metrics; -1 when absent.
double metric(const ServerProcess& node, const std::string& series) {
  Reply reply = get(node, "/metrics", "auditor");
  std::size_t at = reply.text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(reply.text.substr(at + series.size() + 2));
}

// ---------------------------------------------------------------- the load

// A create or an event of a client's plan, with its idempotency key.
struct Op {
  std::string ticket;
  std::string path;
  std::string actor;
  json body;
  std::string key;
};

// Create, register and classify (P2: a product fault of minor impact and low
// urgency), accept and propose a repair: the ticket then executes (P2 needs
// no approval). Every request has its idempotency key.
std::vector<Op> ticket_ops(const std::string& id, std::size_t count = 5) {
  std::vector<Op> ops;
  json create = new_ticket(id);
  create["idempotency_key"] = id + ":create";
  ops.push_back({id, "/v1/tickets", "zhang", create, id + ":create"});
  auto event = [&](const std::string& actor, const std::string& name, json data) {
    std::string key = id + ":" + name;
    ops.push_back({id, "/v1/tickets/" + id + "/events", actor,
                   json{{"event", name}, {"data", std::move(data)}, {"idempotency_key", key}}, key});
  };
  event("zhang", "registered", {{"problem_confirmed", true}});
  event("zhang", "classified", {{"problem_type", "fault"}, {"impact", "minor"}, {"urgency", "low"}});
  event("liu", "accepted", json::object());
  event("liu", "proposed", {{"remedy", "repair"}});
  ops.resize(std::min(count, ops.size()));
  return ops;
}

// An acknowledged (2xx) answer to an op.
struct Ack {
  Op op;
  int node = 0;
  json body;
};

// What the clients of a load saw.
class LoadRecord {
 public:
  // Called with the number of acknowledgements after each one (outside the lock).
  std::function<void(std::size_t)> on_ack;

  void ack(const Op& op, int node, const json& body) {
    std::size_t count = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      acks_.push_back({op, node, body});
      count = acks_.size();
    }
    if (on_ack) on_ack(count);
  }
  void answer(const Op& op, int node, const Answer& answer) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++answers_;
    if (answer.status == 0) {
      ++unanswered_;
    } else if (answer.status == 503) {
      ++unavailable_;
      if (answer.retry_after.empty()) ++without_retry_after_;
    } else if (!success(answer.status)) {
      unexpected_.push_back("node " + std::to_string(node + 1) + " " + op.path + " (" + op.key +
                            "): " + std::to_string(answer.status) + " " + answer.text);
    }
  }
  void give_up(const Op& op, const std::string& why) {
    std::lock_guard<std::mutex> lock(mutex_);
    unexpected_.push_back("gave up on " + op.key + ": " + why);
  }

  std::vector<Ack> acks() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return acks_;
  }
  std::size_t ack_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return acks_.size();
  }
  std::vector<std::string> unexpected() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return unexpected_;
  }
  std::size_t answers() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return answers_;
  }
  std::size_t unanswered() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return unanswered_;
  }
  std::size_t unavailable() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return unavailable_;
  }
  std::size_t without_retry_after() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return without_retry_after_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Ack> acks_;
  std::vector<std::string> unexpected_;
  std::size_t answers_ = 0, unanswered_ = 0, unavailable_ = 0, without_retry_after_ = 0;
};

// Sends `op` until a node answers it with something other than 503: a
// connection that fails or a 503 moves the client on to the next node, which
// is sent the same request with the same key. The answer, or nullopt after
// the deadline. `node` is where the client goes now (and stays).
std::optional<Answer> send_until_answered(Cluster& cluster, int& node, const Op& op, LoadRecord& record,
                                          SteadyClock::time_point deadline) {
  while (SteadyClock::now() < deadline) {
    Answer answer = request(cluster[node], "POST", op.path, op.actor, op.body);
    record.answer(op, node, answer);
    if (answer.status != 0 && answer.status != 503) return answer;
    node = (node + 1) % kNodes;
    if (answer.status == 503) std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling: pacing retries
  }
  record.give_up(op, "no answer but 503s and failed connections until the deadline");
  return std::nullopt;
}

// A client: each ticket's ops in order, starting on node `first`; a ticket
// whose op is refused is left there.
void run_client(Cluster& cluster, int first, const std::vector<std::vector<Op>>& tickets, LoadRecord& record,
                SteadyClock::time_point deadline, const std::atomic<bool>* stop = nullptr) {
  int node = first;
  for (const std::vector<Op>& ops : tickets) {
    if (stop != nullptr && stop->load()) return;
    for (const Op& op : ops) {
      std::optional<Answer> answer = send_until_answered(cluster, node, op, record, deadline);
      if (!answer || !success(answer->status)) break;
      record.ack(op, node, answer->body);
    }
  }
}

// How many acknowledgements were duplicates: a request a node committed but
// did not answer (it died, or lost the database before it could say so),
// acknowledged when sent again.
std::size_t duplicates_among(const std::vector<Ack>& acks) {
  return static_cast<std::size_t>(
      std::count_if(acks.begin(), acks.end(), [](const Ack& ack) { return ack.body["duplicate"] == true; }));
}

// The journal records of the tickets of `acks`, read through `node`: ticket -> seq -> record.
std::map<std::string, std::map<std::uint64_t, json>> journals_of(const ServerProcess& node,
                                                                 const std::vector<Ack>& acks) {
  std::map<std::string, std::map<std::uint64_t, json>> journals;
  for (const Ack& ack : acks) {
    if (journals.contains(ack.op.ticket)) continue;
    auto& records = journals[ack.op.ticket];
    for (json& record : ticket_journal(node, ack.op.ticket))
      records.emplace(record["seq"].get<std::uint64_t>(), record);
  }
  return journals;
}

// Whether the store holds what `ack` acknowledged: the record at its
// first_seq is its ticket's, carries its key, and the record at its last_seq
// ends in the state it answered. "" when it does; what is wrong otherwise.
std::string held(const Ack& ack, const std::map<std::string, std::map<std::uint64_t, json>>& journals) {
  auto journal = journals.find(ack.op.ticket);
  if (journal == journals.end() || journal->second.empty()) return "ticket " + ack.op.ticket + " is not in the store";
  if (!ack.body["first_seq"].is_number() || !ack.body["last_seq"].is_number()) return "answer " + ack.body.dump();
  auto first = journal->second.find(ack.body["first_seq"].get<std::uint64_t>());
  auto last = journal->second.find(ack.body["last_seq"].get<std::uint64_t>());
  if (first == journal->second.end() || last == journal->second.end())
    return ack.op.key + ": the journal of " + ack.op.ticket + " has no record " + ack.body["first_seq"].dump() + ".." +
           ack.body["last_seq"].dump() + " (answer " + ack.body.dump() + ")";
  if (first->second["idempotency_key"] != ack.op.key)
    return ack.op.key + ": record " + std::to_string(first->first) + " is " + first->second.dump();
  if (last->second["to"] != ack.body["state"])
    return ack.op.key + ": answered state " + ack.body["state"].dump() + ", record " + std::to_string(last->first) +
           " went to " + last->second["to"].dump();
  return "";
}

// Whether every node of `nodes` reads each ticket of `journals` in the state
// its journal's last record left it in: no node shows a change the store
// does not hold, or misses one it does. How many readings disagree.
std::size_t disagreeing_reads(Cluster& cluster, const std::vector<int>& nodes,
                              const std::map<std::string, std::map<std::uint64_t, json>>& journals) {
  std::size_t wrong = 0;
  for (const auto& [ticket, records] : journals) {
    json last;
    for (const auto& [seq, record] : records)
      if (record["rejected"] != true && record["to"].is_string()) last = record["to"];
    for (int n : nodes) {
      Reply read = get(cluster[n], "/v1/tickets/" + ticket, "auditor");
      if (read.status != 200 || read.body["state"] != last) {
        ++wrong;
        ADD_FAILURE() << "node " << n + 1 << " reads " << ticket << " as " << read.status << " " << read.body["state"]
                      << ", the store's journal ends in " << last;
      }
    }
  }
  return wrong;
}

// ---------------------------------------------------------------- the receiver

std::string hex(const unsigned char* bytes, unsigned int size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0xf];
  }
  return out;
}

// Docket-Signature `t=<unix>,v1=<HMAC-SHA256(secret, "<t>.<body>")>` (docs/webhooks.md).
bool signature_valid(const std::string& header, const std::string& body) {
  std::size_t v1 = header.find(",v1=");
  if (!header.starts_with("t=") || v1 == std::string::npos) return false;
  std::string message = header.substr(2, v1 - 2) + "." + body;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), kSecret, static_cast<int>(sizeof kSecret - 1),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  std::string expected = hex(digest, length);
  std::string given = header.substr(v1 + 4);
  return given.size() == expected.size() && CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

// A webhook receiver on 127.0.0.1 that answers 200 to every delivery and
// keeps, in arrival order, the delivery id and body of each; it counts the
// deliveries of one id, and of one ticket, that were in flight at once.
class Receiver {
 public:
  struct Got {
    std::string delivery;
    std::string ticket;
    bool signature_ok = false;
  };

  ~Receiver() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  ::testing::AssertionResult start() {
    server_.Post("/hooks", [this](const httplib::Request& request, httplib::Response& response) {
      Got got;
      got.delivery = request.get_header_value("Docket-Delivery");
      json body = json::parse(request.body, nullptr, false);
      if (body.is_object() && body["ticket"].is_string()) got.ticket = body["ticket"].get<std::string>();
      got.signature_ok = signature_valid(request.get_header_value("Docket-Signature"), request.body) &&
                         body.is_object() && body["delivery_id"] == got.delivery;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (in_flight_ids_[got.delivery]++ > 0) ++concurrent_same_id_;
        if (in_flight_tickets_[got.ticket]++ > 0) ++concurrent_same_ticket_;
        received_.push_back(got);
      }
      response.status = 200;
      response.set_content("{}", "application/json");
      std::lock_guard<std::mutex> lock(mutex_);
      --in_flight_ids_[got.delivery];
      --in_flight_tickets_[got.ticket];
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) return ::testing::AssertionFailure() << "the receiver cannot bind 127.0.0.1";
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // Listening before anything can stop it: a stop() that came first would
    // leave listen_after_bind() waiting for ever.
    if (!eventually([this] { return server_.is_running(); }, 5))
      return ::testing::AssertionFailure() << "the receiver does not listen";
    return ::testing::AssertionSuccess();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hooks"; }
  std::vector<Got> received() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_;
  }
  int concurrent_same_id() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return concurrent_same_id_;
  }
  int concurrent_same_ticket() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return concurrent_same_ticket_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::vector<Got> received_;
  std::map<std::string, int> in_flight_ids_, in_flight_tickets_;
  int concurrent_same_id_ = 0, concurrent_same_ticket_ = 0;
};

// (seq, part) of a delivery id "<seq>.<part>.<target>".
std::pair<std::uint64_t, std::uint32_t> seq_part(const std::string& id) {
  unsigned long long seq = 0;
  unsigned part = 0;
  if (std::sscanf(id.c_str(), "%llu.%u.", &seq, &part) != 2) return {0, 0};
  return {seq, part};
}

// The delivery ids the journal records of `ticket` ask of `target` (every
// action kind): warnings and breaches as part 0, the outside effects as
// their position among the record's actions.
std::set<std::string> asked_of(const ServerProcess& node, const std::string& ticket, const std::string& target) {
  static const std::set<std::string> outside = {"notify", "escalate", "assign", "emit"};
  std::set<std::string> ids;
  for (const json& record : ticket_journal(node, ticket)) {
    if (record["rejected"] == true) continue;
    std::string seq = std::to_string(record["seq"].get<std::uint64_t>());
    if (record["kind"] == "warning" || record["kind"] == "breach") ids.insert(seq + ".0." + target);
    const json& actions = record["actions"];
    for (std::size_t i = 0; i < actions.size(); ++i) {
      if (outside.contains(actions[i]["kind"].get<std::string>()))
        ids.insert(seq + "." + std::to_string(i + 1) + "." + target);
    }
  }
  return ids;
}

// Every item of GET /v1/outbox on `node`, page after page.
std::vector<json> outbox_items(const ServerProcess& node) {
  std::vector<json> items;
  std::string after;
  for (int page = 0; page < 100; ++page) {
    Reply reply = get(node, "/v1/outbox?limit=1000" + after, "admin");
    EXPECT_EQ(reply.status, 200) << reply.text;
    if (reply.status != 200) break;
    for (const json& item : reply.body["items"]) items.push_back(item);
    if (reply.body["next"].is_null()) break;
    after = "&after=" + reply.body["next"].dump();
  }
  return items;
}

// ---------------------------------------------------------------- the tests

// One after-sales ticket from creation to closure (a P0 product fault, as
// T-1001 of examples/after_sales/walkthrough.jsonl), each step sent to the
// next node: every node reads the same ticket after every step, an
// idempotency key holds across nodes, and the journal is one gapless chain
// that `docket audit verify` accepts.
TEST(ClusterTest, AfterSalesScenarioAcrossNodes) {
  std::string store = docket::testing::fresh_postgres_database();
  ASSERT_FALSE(store.empty());
  Cluster cluster(store);
  ASSERT_TRUE(cluster.start());
  auto started = SteadyClock::now();

  const std::string id = "AS-1";
  std::set<std::uint64_t> answered;  // the seqs the answers name
  auto note = [&](const json& body) {
    const json& seqs = body.contains("error") ? body["error"] : body;
    std::uint64_t first = seqs.value("first_seq", seqs.value("seq", std::uint64_t{0}));
    std::uint64_t last = seqs.value("last_seq", first);
    for (std::uint64_t seq = first; seq > 0 && seq <= last; ++seq) answered.insert(seq);
  };
  auto same_state_everywhere = [&](const std::string& state, const std::string& after) {
    for (int n = 0; n < kNodes; ++n) {
      Reply read = get(cluster[n], "/v1/tickets/" + id, "auditor");
      EXPECT_EQ(read.status, 200) << "node " << n + 1 << " after " << after << ": " << read.text;
      EXPECT_EQ(read.body["state"], state) << "node " << n + 1 << " after " << after << ": " << read.text;
    }
  };

  Reply created = post(cluster[0], "/v1/tickets", "zhang", new_ticket(id, "angry"));
  ASSERT_EQ(created.status, 201) << created.text;
  note(created.body);
  same_state_everywhere("registering", "create");

  struct Step {
    std::string actor, event;
    json data;
    int status;
    std::string state;  // the ticket's state afterwards
    std::string key;
  };
  const std::vector<Step> steps = {
      {"zhang", "registered", {{"problem_confirmed", true}}, 200, "classifying", ""},
      {"zhang",
       "classified",
       {{"problem_type", "fault"}, {"impact", "core"}, {"urgency", "high"}},
       200,
       "dispatched",
       ""},
      {"liu", "accepted", json::object(), 200, "proposing", ""},
      {"liu", "proposed", {{"remedy", "replacement"}}, 200, "approving", ""},
      // P0 needs the department head's sign-off: the engineer may not give it.
      {"liu", "approve", json::object(), 403, "approving", ""},
      {"sun", "approve", json::object(), 200, "executing", ""},
      {"liu", "obstacle_found", json::object(), 200, "obstacle", ""},
      {"liu", "parts_arrived", json::object(), 200, "executing", ""},
      {"liu", "resolved", json::object(), 200, "awaiting_confirmation", ""},
      {"liu", "confirmed", {{"confirmation", "signature"}}, 200, "follow_up", "confirm-AS-1"},
      {"zhang",
       "survey",
       {{"response_speed", 5}, {"resolution_effect", 5}, {"attitude", 4}, {"overall", 5}},
       200,
       "closed",
       ""},
  };
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Step& step = steps[i];
    int node = static_cast<int>(i + 1) % kNodes;
    Reply answer = send_event(cluster[node], id, step.actor, step.event, step.data, step.key);
    ASSERT_EQ(answer.status, step.status) << step.event << " on node " << node + 1 << ": " << answer.text;
    note(answer.body);
    same_state_everywhere(step.state, step.event);
  }

  // The confirmation again, with its key, on a node that did not take it: the first answer.
  Reply again = send_event(cluster[2], id, "liu", "confirmed", {{"confirmation", "signature"}}, "confirm-AS-1");
  EXPECT_EQ(again.status, 200) << again.text;
  EXPECT_EQ(again.body["duplicate"], true) << again.text;
  EXPECT_EQ(again.body["state"], "follow_up") << again.text;

  // Closed: nothing changes any more, and every node shows the same ticket and journal.
  Reply first = get(cluster[0], "/v1/tickets/" + id, "auditor");
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.body["closed"], true) << first.text;
  std::vector<json> journal = ticket_journal(cluster[0], id);
  for (int n = 1; n < kNodes; ++n) {
    EXPECT_EQ(get(cluster[n], "/v1/tickets/" + id, "auditor").body, first.body) << "node " << n + 1;
    EXPECT_EQ(ticket_journal(cluster[n], id), journal) << "node " << n + 1;
  }
  std::set<std::uint64_t> in_journal;
  for (const json& record : journal) in_journal.insert(record["seq"].get<std::uint64_t>());
  for (std::uint64_t seq : answered)
    EXPECT_TRUE(in_journal.contains(seq)) << "answered seq " << seq << " is not journaled";

  std::vector<json> all = whole_journal(cluster[1]);
  EXPECT_TRUE(gapless(all));
  EXPECT_EQ(all.size(), journal.size()) << "one ticket: its journal is the whole journal";
  CommandRun verified = audit_verify(store);
  EXPECT_EQ(verified.exit, 0) << verified.output;
  std::printf("[ cluster  ] scenario: %zu steps over 3 nodes, %zu records, seq 1-%zu gapless, %.2f s; %s\n",
              steps.size() + 1, all.size(), all.size(), seconds_since(started), first_line(verified.output).c_str());
  if (::testing::Test::HasFailure()) ADD_FAILURE() << cluster.logs();
}

// Eight clients send events to one ticket at once, four to node 1 and four
// to node 2; every other event, a client on node 1 and one on node 2 send the
// same one with the same idempotency key at about the same time. Every
// answer is a success or a refusal of the rules (never a 5xx); each key has
// exactly one record in the ticket's journal, within the seqs of its answers,
// and exactly one of its answers is not a duplicate.
TEST(ClusterTest, ConcurrentEventsOnOneTicketFromTwoNodesLoseNothing) {
  std::string store = docket::testing::fresh_postgres_database();
  ASSERT_FALSE(store.empty());
  Cluster cluster(store);
  ASSERT_TRUE(cluster.start());
  auto started = SteadyClock::now();

  // A P2 ticket in `executing`, where `stage_changed` comes back to the state (any actor).
  const std::string id = "CC-1";
  for (const Op& op : ticket_ops(id)) {
    Answer answer = request(cluster[0], "POST", op.path, op.actor, op.body);
    ASSERT_TRUE(success(answer.status)) << op.key << ": " << answer.text;
  }
  ASSERT_EQ(get(cluster[1], "/v1/tickets/" + id, "auditor").body["state"], "executing");
  std::uint64_t before = ticket_journal(cluster[0], id).back()["seq"].get<std::uint64_t>();

  constexpr int kClients = 8;
  constexpr int kPairs = kClients / 2;
  constexpr int kEach = 15;
  struct Sent {
    std::string key;
    int node;
    Answer answer;
  };
  std::mutex mutex;
  std::vector<Sent> sent;
  std::vector<std::thread> clients;
  const char* stages[] = {"inspecting", "procuring_parts", "executing_plan"};
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      int node = c < kPairs ? 0 : 1;
      for (int i = 0; i < kEach; ++i) {
        bool shared = i % 2 == 1;  // clients c and c + kPairs send it both
        int sender = shared ? c % kPairs : c;
        std::string key = (shared ? "shared-" : "own-") + std::to_string(sender) + "-" + std::to_string(i);
        json body = {
            {"event", "stage_changed"}, {"data", {{"stage", stages[(sender + i) % 3]}}}, {"idempotency_key", key}};
        Answer answer = request(cluster[node], "POST", "/v1/tickets/" + id + "/events", "liu", body);
        std::lock_guard<std::mutex> lock(mutex);
        sent.push_back({key, node, std::move(answer)});
      }
    });
  }
  for (std::thread& client : clients) client.join();
  double load_seconds = seconds_since(started);
  ASSERT_EQ(sent.size(), static_cast<std::size_t>(kClients * kEach));

  // Every answer: a success, or a refusal the journal holds (a rule's, never the store's).
  std::map<std::string, std::vector<const Sent*>> by_key;
  int accepted = 0, refused = 0, duplicates = 0;
  for (const Sent& s : sent) {
    by_key[s.key].push_back(&s);
    const json& error = s.answer.body.is_object() ? s.answer.body.value("error", json()) : json();
    if (s.answer.body.is_object() && s.answer.body.value("duplicate", false)) ++duplicates;
    if (s.answer.status == 200) {
      ++accepted;
    } else {
      ++refused;
      EXPECT_TRUE(s.answer.status >= 400 && s.answer.status < 500)
          << "node " << s.node + 1 << " " << s.key << ": " << s.answer.status << " " << s.answer.text << s.answer.error;
      EXPECT_GT(error.is_object() ? error.value("seq", 0) : 0, 0)
          << s.key << ": a refusal the journal does not hold: " << s.answer.text;
    }
  }
  // The seqs an answer names: first_seq..last_seq, or a refusal's seq.
  auto seqs_of = [](const json& body) {
    if (body.contains("error"))
      return std::make_pair(body["error"].value("seq", std::uint64_t{0}), body["error"].value("seq", std::uint64_t{0}));
    return std::make_pair(body.value("first_seq", std::uint64_t{0}), body.value("last_seq", std::uint64_t{0}));
  };
  for (const auto& [key, answers] : by_key) {
    int first_deliveries = 0;
    for (const Sent* s : answers) {
      bool duplicate = s->answer.body.contains("error") ? s->answer.body["error"].value("duplicate", false)
                                                        : s->answer.body.value("duplicate", false);
      first_deliveries += duplicate ? 0 : 1;
      EXPECT_EQ(seqs_of(s->answer.body), seqs_of(answers.front()->answer.body))
          << key << ": two answers name different records: " << s->answer.text << " / " << answers.front()->answer.text;
    }
    EXPECT_EQ(first_deliveries, 1) << key << ": " << answers.size() << " answers, " << first_deliveries
                                   << " of them not duplicates";
  }

  // One record per key, carrying it, within the seqs its answers named.
  std::vector<json> journal = ticket_journal(cluster[2], id);
  std::map<std::string, int> records_of_key;
  std::size_t event_records = 0;
  for (const json& record : journal) {
    if (record["seq"].get<std::uint64_t>() <= before || record["cause"] != "event") continue;
    ++event_records;
    std::string key = record["idempotency_key"].is_string() ? record["idempotency_key"].get<std::string>() : "";
    ++records_of_key[key];
    auto answers = by_key.find(key);
    if (answers == by_key.end()) {
      ADD_FAILURE() << "a record no answer accounts for: " << record.dump();
      continue;
    }
    const json& body = answers->second.front()->answer.body;
    auto [first, last] = seqs_of(body);
    std::uint64_t seq = record["seq"].get<std::uint64_t>();
    EXPECT_TRUE(seq >= first && seq <= last) << key << ": record " << seq << ", answer " << body.dump();
    EXPECT_EQ(record["rejected"] == true, body.contains("error")) << key << ": " << record.dump();
  }
  for (const auto& [key, answers] : by_key)
    EXPECT_EQ(records_of_key[key], 1) << key << " has " << records_of_key[key] << " records";
  EXPECT_EQ(event_records, by_key.size());

  std::vector<json> all = whole_journal(cluster[0]);
  EXPECT_TRUE(gapless(all));
  CommandRun verified = audit_verify(store);
  EXPECT_EQ(verified.exit, 0) << verified.output;
  std::printf(
      "[ cluster  ] concurrent: %zu events (%zu keys, %d sent to both nodes at once) on one ticket in %.2f s: "
      "%d accepted, %d refused, %d answered as duplicates; %zu event records; journal seq 1-%zu gapless\n",
      sent.size(), by_key.size(), kPairs * (kEach / 2), load_seconds, accepted, refused, duplicates, event_records,
      all.size());
  if (::testing::Test::HasFailure()) ADD_FAILURE() << cluster.logs();
}

// P0 tickets left in `dispatched` run past both limits within half a second
// of real time, and tickets left in `registering` reach their office-hour
// timers; all three nodes race to fire each. Every threshold and timer is in
// the journal exactly once, and the nodes' counts of what they fired add up
// to the journal's.
TEST(ClusterTest, TimersFireOnceAcrossNodes) {
  std::string store = docket::testing::fresh_postgres_database();
  ASSERT_FALSE(store.empty());
  Cluster cluster(store);
  ASSERT_TRUE(cluster.start());
  auto started = SteadyClock::now();

  std::vector<std::string> urgent, waiting;
  for (int i = 0; i < 6; ++i) {
    std::string id = "TP-" + std::to_string(i);
    urgent.push_back(id);
    ASSERT_EQ(post(cluster[i % kNodes], "/v1/tickets", "zhang", new_ticket(id)).status, 201);
    ASSERT_EQ(send_event(cluster[(i + 1) % kNodes], id, "zhang", "registered", {{"problem_confirmed", true}}).status,
              200);
    ASSERT_EQ(send_event(cluster[(i + 2) % kNodes], id, "zhang", "classified",
                         {{"problem_type", "fault"}, {"impact", "core"}, {"urgency", "high"}})
                  .status,
              200);
  }
  for (int i = 0; i < 3; ++i) {
    std::string id = "TR-" + std::to_string(i);
    waiting.push_back(id);
    ASSERT_EQ(post(cluster[i % kNodes], "/v1/tickets", "zhang", new_ticket(id)).status, 201);
  }

  // Done: every P0 ticket breached both limits (with the escalation each
  // breach sets off), every waiting ticket reached its last timer (the
  // escalation after 2 office hours).
  auto done = [&](const std::string& id, bool p0) {
    std::vector<json> journal = ticket_journal(cluster[0], id);
    int breaches = 0, escalation_timers = 0, breach_escalations = 0;
    for (const json& record : journal) {
      if (record["kind"] == "breach") ++breaches;
      if (record["kind"] == "escalation" && record["sla"].is_object() && record["sla"]["percent"] == 100)
        ++breach_escalations;
      if (record["kind"] == "timer")
        for (const json& action : record["actions"]) escalation_timers += action["kind"] == "escalate" ? 1 : 0;
    }
    return p0 ? breaches >= 2 && breach_escalations >= 2 : escalation_timers >= 1;
  };
  bool all_done = eventually(
      [&] {
        for (const std::string& id : urgent)
          if (!done(id, true)) return false;
        for (const std::string& id : waiting)
          if (!done(id, false)) return false;
        return true;
      },
      kDeadlineSeconds);
  ASSERT_TRUE(all_done) << "the timers did not all fire within " << kDeadlineSeconds << " s\n" << cluster.logs();

  // Each (ticket, kind, rule, metric, percent) of a timer or SLA record once.
  std::map<std::tuple<std::string, std::string, std::string, std::string, std::string>, int> fired;
  std::map<std::string, int> by_kind;
  int records = 0, twice = 0;
  for (const auto& ids : {urgent, waiting}) {
    for (const std::string& id : ids) {
      for (const json& record : ticket_journal(cluster[1], id)) {
        if (record["cause"] != "timer" && record["cause"] != "sla") continue;
        ++records;
        ++by_kind[record["kind"].get<std::string>()];
        const json& sla = record["sla"];
        auto key =
            std::make_tuple(id, record["kind"].get<std::string>(), record["rule"].dump(),
                            sla.is_object() ? sla["metric"].dump() : "", sla.is_object() ? sla["percent"].dump() : "");
        if (++fired[key] == 2) {
          ++twice;
          ADD_FAILURE() << "fired twice: " << record.dump();
        }
      }
    }
  }
  EXPECT_EQ(twice, 0);
  // P0 in `dispatched`: first_response and resolve each warn at 50% and 80%,
  // escalate at 80% and on the breach, and breach once. The office-hour
  // timers: two in `registering` (more when a slow machine lets a P0 ticket
  // wait there or in `classifying` for an office hour).
  EXPECT_EQ(by_kind["breach"], 2 * static_cast<int>(urgent.size()));
  EXPECT_EQ(by_kind["warning"], 4 * static_cast<int>(urgent.size()));
  EXPECT_EQ(by_kind["escalation"], 4 * static_cast<int>(urgent.size()));
  EXPECT_GE(by_kind["timer"], 2 * static_cast<int>(waiting.size()));

  // Who fired them: each node counts the timer and SLA records of its own commits.
  double sum = 0;
  std::ostringstream per_node;
  for (int n = 0; n < kNodes; ++n) {
    double count = metric(cluster[n], "docket_timers_fired_total");
    per_node << (n > 0 ? ", " : "") << "node " << n + 1 << ": " << count;
    sum += count;
  }
  EXPECT_EQ(sum, records) << per_node.str();

  std::vector<json> all = whole_journal(cluster[2]);
  EXPECT_TRUE(gapless(all));
  CommandRun verified = audit_verify(store);
  EXPECT_EQ(verified.exit, 0) << verified.output;
  std::printf(
      "[ cluster  ] timers: %d timer/SLA records (%d breaches, %d warnings, %d escalations, %d timers) on %zu "
      "tickets in %.2f s, fired twice: %d; fired by %s; journal seq 1-%zu gapless\n",
      records, by_kind["breach"], by_kind["warning"], by_kind["escalation"], by_kind["timer"],
      urgent.size() + waiting.size(), seconds_since(started), twice, per_node.str().c_str(), all.size());
  if (::testing::Test::HasFailure()) ADD_FAILURE() << cluster.logs();
}

// The three nodes deliver to one webhook target: every delivery the journal
// asks for arrives, at least once, and each ticket's deliveries first arrive
// in journal order (seq, then part), whichever node sends them.
TEST(ClusterTest, WebhooksDeliveredInOrderWithNoLossAcrossNodes) {
  std::string store = docket::testing::fresh_postgres_database();
  ASSERT_FALSE(store.empty());
  Receiver receiver;
  ASSERT_TRUE(receiver.start());
  Cluster cluster(store);
  cluster.configure([&](ServerProcess& node) { node.webhook("crm", receiver.url(), kSecret); });
  ASSERT_TRUE(cluster.start());
  auto started = SteadyClock::now();

  // Nine tickets (angry: the empathy script), each step on another node, three clients at once.
  constexpr std::size_t kClients = 3;
  std::vector<std::string> tickets;
  for (int i = 0; i < 9; ++i) tickets.push_back("WH-" + std::to_string(i));
  std::vector<std::thread> clients;
  for (std::size_t c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (std::size_t t = c; t < tickets.size(); t += kClients) {
        const std::string& id = tickets[t];
        std::vector<Op> ops = ticket_ops(id);
        ops[0].body["data"]["mood"] = "angry";
        // Then two progress updates while it executes.
        for (const char* stage : {"procuring_parts", "executing_plan"}) {
          std::string key = id + ":stage:" + stage;
          ops.push_back({id, "/v1/tickets/" + id + "/events", "liu",
                         json{{"event", "stage_changed"}, {"data", {{"stage", stage}}}, {"idempotency_key", key}},
                         key});
        }
        for (std::size_t i = 0; i < ops.size(); ++i) {
          Answer answer =
              request(cluster[static_cast<int>((t + i) % kNodes)], "POST", ops[i].path, ops[i].actor, ops[i].body);
          EXPECT_TRUE(success(answer.status)) << ops[i].key << ": " << answer.status << " " << answer.text;
        }
      }
    });
  }
  for (std::thread& client : clients) client.join();
  ASSERT_FALSE(::testing::Test::HasFailure());

  // What the journals ask for now (SLA notices may join later: they are not waited for).
  std::set<std::string> asked;
  for (const std::string& id : tickets) asked.merge(asked_of(cluster[0], id, "crm"));
  auto received_ids = [&] {
    std::set<std::string> ids;
    for (const Receiver::Got& got : receiver.received()) ids.insert(got.delivery);
    return ids;
  };
  bool arrived = eventually(
      [&] {
        std::set<std::string> ids = received_ids();
        return std::includes(ids.begin(), ids.end(), asked.begin(), asked.end());
      },
      kDeadlineSeconds);
  std::set<std::string> ids = received_ids();
  std::vector<std::string> missing;
  std::set_difference(asked.begin(), asked.end(), ids.begin(), ids.end(), std::back_inserter(missing));
  EXPECT_TRUE(arrived) << missing.size() << " of " << asked.size() << " deliveries never arrived, the first "
                       << (missing.empty() ? "" : missing.front()) << "\n"
                       << cluster.logs();

  // Every item of the outbox (one store: read on any node) is delivered and
  // arrived, those of thresholds reached meanwhile too.
  std::vector<json> items;
  std::set<std::string> undelivered;
  int reads = 0;
  bool all_delivered = eventually(
      [&] {
        items = outbox_items(cluster[1 + reads++ % 2]);
        std::set<std::string> got = received_ids();
        undelivered.clear();
        for (const json& item : items) {
          std::string id = item["id"].get<std::string>();
          if (item["status"] != "delivered" || !got.contains(id)) undelivered.insert(id);
        }
        return undelivered.empty();
      },
      kDeadlineSeconds);
  EXPECT_TRUE(all_delivered) << undelivered.size() << " of " << items.size()
                             << " outbox items not delivered or not received, the first "
                             << (undelivered.empty() ? "" : *undelivered.begin());
  // Read in this order, whatever reaches the outbox meanwhile: the settled
  // items, what arrived, then the outbox again (which holds every arrival).
  const std::vector<json> settled = items;
  std::vector<Receiver::Got> received = receiver.received();
  items = outbox_items(cluster[2]);
  std::map<std::string, json> item_of;
  for (const json& item : items) item_of[item["id"].get<std::string>()] = item;
  int dead = 0;
  for (const json& item : items) dead += item["status"] == "dead" ? 1 : 0;
  EXPECT_EQ(dead, 0);
  for (const std::string& id : asked)
    EXPECT_TRUE(item_of.contains(id)) << "the journal asks for " << id << ", the outbox lacks it";

  // Nothing the outbox does not hold; per ticket, first arrivals in journal order.
  std::map<std::string, int> copies;
  std::map<std::string, std::pair<std::uint64_t, std::uint32_t>> last_first_arrival;
  int out_of_order = 0, bad_signatures = 0;
  for (const Receiver::Got& got : received) {
    EXPECT_TRUE(item_of.contains(got.delivery)) << "a delivery the outbox does not hold: " << got.delivery;
    if (!got.signature_ok) ++bad_signatures;
    if (copies[got.delivery]++ > 0) continue;
    auto key = seq_part(got.delivery);
    auto [last, first] = last_first_arrival.emplace(got.ticket, key);
    if (!first) {
      if (!(last->second < key)) {
        ++out_of_order;
        ADD_FAILURE() << got.ticket << ": " << got.delivery << " arrived after " << last->second.first << "."
                      << last->second.second;
      }
      last->second = key;
    }
  }
  int duplicates = 0;
  for (const auto& [id, count] : copies) duplicates += count - 1;
  std::size_t lost = 0;
  std::set<std::string> owed(asked);
  for (const json& item : settled) owed.insert(item["id"].get<std::string>());
  for (const std::string& id : owed) lost += copies.contains(id) ? 0 : 1;
  EXPECT_EQ(lost, 0u);
  EXPECT_EQ(out_of_order, 0);
  EXPECT_EQ(bad_signatures, 0);
  // At least once is the contract: copies are counted and shown, not refused.
  std::printf(
      "[ cluster  ] webhooks: %zu deliveries asked by the journals of %zu tickets, %zu outbox items, %zu "
      "requests received (%zu distinct) in %.2f s; lost %zu, out of order %d, duplicates %d (%d of one id at "
      "once, %d of one ticket at once)\n",
      asked.size(), tickets.size(), settled.size(), received.size(), copies.size(), seconds_since(started), lost,
      out_of_order, duplicates, receiver.concurrent_same_id(), receiver.concurrent_same_ticket());
  EXPECT_EQ(receiver.concurrent_same_ticket(), 0) << "two deliveries of one ticket were in flight at once";
  if (::testing::Test::HasFailure()) ADD_FAILURE() << cluster.logs();
}

// A rule file deployed on node 1 (POST /v1/versions) becomes current on
// nodes 2 and 3 without a request to them, and node 3 creates a ticket of it.
TEST(ClusterTest, ADeployOnOneNodeIsSeenByAll) {
  std::string store = docket::testing::fresh_postgres_database();
  ASSERT_FALSE(store.empty());
  Cluster cluster(store);
  ASSERT_TRUE(cluster.start());
  auto started = SteadyClock::now();

  Reply deployed =
      post(cluster[0], "/v1/versions", "admin", {{"name", "sent_variant.docket"}, {"text", kSentVariantRules}});
  ASSERT_EQ(deployed.status, 200) << deployed.text;
  ASSERT_EQ(deployed.body["ok"], true) << deployed.text;
  ASSERT_EQ(deployed.body["installed"].size(), 1u) << deployed.text;
  const std::string version = deployed.body["installed"][0].get<std::string>();

  auto current_on = [&](int node) {
    Reply versions = get(cluster[node], "/v1/versions", "auditor");
    if (versions.status != 200) return false;
    for (const json& v : versions.body["versions"]) {
      if (v["id"] == version && v["workflow"] == "sent_variant" && v["current"] == true) return true;
    }
    return false;
  };
  double seen_after = -1;
  EXPECT_TRUE(eventually([&] { return current_on(1) && current_on(2); }, 5))
      << "nodes 2 and 3 do not list " << version << " as current\n"
      << get(cluster[2], "/v1/versions", "admin").text << "\n"
      << cluster.logs();
  seen_after = seconds_since(started);
  EXPECT_TRUE(current_on(0));
  // The after-sales workflow stays current beside it.
  Reply listed = get(cluster[2], "/v1/versions", "admin");
  int current = 0;
  for (const json& v : listed.body["versions"]) current += v["current"] == true ? 1 : 0;
  EXPECT_EQ(current, 2) << listed.text;

  json create = new_ticket("DV-1");
  create["workflow"] = "sent_variant";
  Reply created = post(cluster[2], "/v1/tickets", "zhang", create);
  ASSERT_EQ(created.status, 201) << created.text;
  for (int n = 0; n < kNodes; ++n) {
    Reply read = get(cluster[n], "/v1/tickets/DV-1", "auditor");
    EXPECT_EQ(read.body["workflow"], "sent_variant") << "node " << n + 1 << ": " << read.text;
    EXPECT_EQ(read.body["version"], version) << "node " << n + 1 << ": " << read.text;
  }
  // Node 2 takes the ticket's next event under the version it is pinned to.
  Reply registered = send_event(cluster[1], "DV-1", "zhang", "registered", {{"problem_confirmed", true}});
  EXPECT_EQ(registered.status, 200) << registered.text;

  CommandRun verified = audit_verify(store);
  EXPECT_EQ(verified.exit, 0) << verified.output;
  std::printf("[ cluster  ] deploy: version %s current on all 3 nodes %.2f s after the deploy\n",
              version.substr(0, 12).c_str(), seen_after);
  if (::testing::Test::HasFailure()) ADD_FAILURE() << cluster.logs();
}

// Six clients send creates and events, each with an idempotency key, two to
// each node; node 2 is killed (SIGKILL) once a third of them are answered.
// Its clients go on with the other nodes, sending what had no answer again
// with the same key. Afterwards the store holds every acknowledged request,
// each sent again answers `duplicate: true` with the first answer's seqs, and
// the journal verifies.
TEST(ClusterTest, KillingANodeUnderLoadLosesNoAcknowledgedWork) {
  std::string store = docket::testing::fresh_postgres_database();
  ASSERT_FALSE(store.empty());
  Cluster cluster(store, "full");
  ASSERT_TRUE(cluster.start());
  auto started = SteadyClock::now();

  constexpr int kClients = 6;
  constexpr int kTickets = 6;
  std::vector<std::vector<std::vector<Op>>> plans(kClients);
  std::size_t planned = 0;
  for (int c = 0; c < kClients; ++c) {
    for (int t = 0; t < kTickets; ++t) {
      plans[c].push_back(ticket_ops("KL-" + std::to_string(c) + "-" + std::to_string(t)));
      planned += plans[c].back().size();
    }
  }
  LoadRecord record;
  std::atomic<bool> killed{false};
  std::size_t acked_at_kill = 0;
  record.on_ack = [&](std::size_t count) {
    if (count >= planned / 3 && !killed.exchange(true)) {
      acked_at_kill = count;
      ::kill(cluster[1].pid(), SIGKILL);
    }
  };
  auto deadline = SteadyClock::now() + std::chrono::seconds(40);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c)
    clients.emplace_back([&, c] { run_client(cluster, c % kNodes, plans[c], record, deadline); });
  for (std::thread& client : clients) client.join();
  double load_seconds = seconds_since(started);
  ASSERT_TRUE(killed.load()) << "the load ended before node 2 was killed";
  cluster[1].kill9();  // reaps it

  for (const std::string& problem : record.unexpected()) ADD_FAILURE() << problem;
  std::vector<Ack> acks = record.acks();
  EXPECT_EQ(acks.size(), planned) << "every request is acknowledged in the end";
  EXPECT_GT(record.unanswered(), 0u) << "node 2's clients never found it gone: no failover was tested";

  // Every acknowledged request is in the store.
  auto journals = journals_of(cluster[0], acks);
  std::size_t lost = 0;
  for (const Ack& ack : acks) {
    std::string problem = held(ack, journals);
    if (!problem.empty()) {
      ++lost;
      ADD_FAILURE() << "acknowledged by node " << ack.node + 1 << " but not in the store: " << problem;
    }
  }
  // Each sent again, to a live node, with its key: the first answer, as a duplicate.
  std::size_t not_duplicate = 0;
  for (std::size_t i = 0; i < acks.size(); ++i) {
    const Ack& ack = acks[i];
    int node = i % 2 == 0 ? 0 : 2;
    Answer again = request(cluster[node], "POST", ack.op.path, ack.op.actor, ack.op.body);
    bool same = again.status == 200 && again.body["duplicate"] == true &&
                again.body["first_seq"] == ack.body["first_seq"] && again.body["last_seq"] == ack.body["last_seq"];
    if (!same) {
      ++not_duplicate;
      ADD_FAILURE() << ack.op.key << " again on node " << node + 1 << ": " << again.status << " " << again.text
                    << " (first answer " << ack.body.dump() << ")";
    }
  }
  EXPECT_EQ(lost, 0u);
  EXPECT_EQ(disagreeing_reads(cluster, {0, 2}, journals), 0u);

  std::vector<json> all = whole_journal(cluster[2]);
  EXPECT_TRUE(gapless(all));
  CommandRun verified = audit_verify(store);
  EXPECT_EQ(verified.exit, 0) << verified.output;
  std::printf(
      "[ cluster  ] kill -9: %zu requests planned, %zu acknowledged (node 2 killed after %zu), %zu sent without "
      "an answer and again elsewhere (%zu of them had been committed: duplicate on the retry), lost %zu, "
      "retries of acknowledged requests not answered as duplicates %zu; load %.2f s; journal seq 1-%zu "
      "gapless\n",
      planned, acks.size(), acked_at_kill, record.unanswered(), duplicates_among(acks), lost, not_duplicate,
      load_seconds, all.size());
  if (::testing::Test::HasFailure()) ADD_FAILURE() << cluster.logs();
}

// Three nodes under load on a PostgreSQL cluster of the test's own, which is
// restarted: meanwhile every answer is a success or a 503 with Retry-After,
// never another 5xx; once it is back the nodes take requests again without
// a restart of their own; every acknowledged request is in the store as it
// was answered, and the journal verifies.
TEST(ClusterTest, RestartingTheDatabaseUnderLoadGives503sThenRecovers) {
  OwnPostgres postgres;
  ASSERT_TRUE(postgres.start());
  Cluster cluster(postgres.url());
  ASSERT_TRUE(cluster.start());
  auto started = SteadyClock::now();

  constexpr int kClients = 6;
  LoadRecord record;
  std::atomic<bool> stop{false};
  auto deadline = SteadyClock::now() + std::chrono::seconds(45);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int t = 0; !stop.load() && SteadyClock::now() < deadline; ++t) {
        std::vector<std::vector<Op>> one = {ticket_ops("RS-" + std::to_string(c) + "-" + std::to_string(t), 3)};
        run_client(cluster, c % kNodes, one, record, deadline, &stop);
      }
    });
  }
  auto stop_load = [&] {
    stop = true;
    for (std::thread& client : clients)
      if (client.joinable()) client.join();
  };

  bool loaded = eventually([&] { return record.ack_count() >= 60; }, kDeadlineSeconds);
  if (!loaded) stop_load();
  ASSERT_TRUE(loaded) << "the load did not get going\n" << cluster.logs();
  std::size_t acked_before = record.ack_count();
  auto restart_began = SteadyClock::now();
  CommandRun restarted = postgres.restart();
  double restart_seconds = seconds_since(restart_began);
  if (restarted.exit != 0) stop_load();
  ASSERT_EQ(restarted.exit, 0) << restarted.output;
  std::size_t acked_during = record.ack_count() - acked_before;

  // Back without restarting a node: each creates a ticket within the deadline.
  auto back_began = SteadyClock::now();
  for (int n = 0; n < kNodes; ++n) {
    std::string id = "BACK-" + std::to_string(n + 1);
    json create = new_ticket(id);
    create["idempotency_key"] = id;
    Answer last;
    bool created = eventually(
        [&] {
          last = request(cluster[n], "POST", "/v1/tickets", "zhang", create);
          return success(last.status);
        },
        kDeadlineSeconds);
    EXPECT_TRUE(created) << "node " << n + 1 << " takes no create after the restart: " << last.status << " "
                         << last.text;
  }
  double back_seconds = seconds_since(back_began);
  std::size_t acked_after_restart = record.ack_count();
  bool resumed = eventually([&] { return record.ack_count() >= acked_after_restart + 60; }, kDeadlineSeconds);
  stop_load();
  EXPECT_TRUE(resumed) << "the load did not resume";

  for (const std::string& problem : record.unexpected()) ADD_FAILURE() << problem;
  EXPECT_EQ(record.unanswered(), 0u) << "the nodes stay up: every request is answered";
  EXPECT_GT(record.unavailable(), 0u) << "no request met the outage";
  EXPECT_EQ(record.without_retry_after(), 0u) << "a 503 without Retry-After";

  // Every 2xx is in the store as it was answered.
  std::vector<Ack> acks = record.acks();
  auto journals = journals_of(cluster[0], acks);
  std::size_t lost = 0;
  for (const Ack& ack : acks) {
    std::string problem = held(ack, journals);
    if (!problem.empty()) {
      ++lost;
      ADD_FAILURE() << "acknowledged by node " << ack.node + 1 << " but not so in the store: " << problem;
    }
  }
  EXPECT_EQ(lost, 0u);
  EXPECT_EQ(disagreeing_reads(cluster, {0, 1, 2}, journals), 0u);

  std::vector<json> all = whole_journal(cluster[1]);
  EXPECT_TRUE(gapless(all));
  CommandRun verified = audit_verify(postgres.url());
  EXPECT_EQ(verified.exit, 0) << verified.output;
  std::printf(
      "[ cluster  ] database restart: %zu answers, %zu acknowledged (%zu during the %.2f s restart; %zu "
      "duplicates: committed before a 503), %zu 503s (all with Retry-After: %s), %zu unanswered, lost %zu; "
      "every node took a create %.2f s after the restart; %.1f s in all; journal seq 1-%zu gapless\n",
      record.answers(), acks.size(), acked_during, restart_seconds, duplicates_among(acks), record.unavailable(),
      record.without_retry_after() == 0 ? "yes" : "no", record.unanswered(), lost, back_seconds, seconds_since(started),
      all.size());
  if (::testing::Test::HasFailure()) ADD_FAILURE() << cluster.logs();
}

}  // namespace
}  // namespace docket::server::testing
