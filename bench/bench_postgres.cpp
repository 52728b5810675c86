// The shared store: units of work committed through PostgresStore
// (engine/store/postgres_store.h) by one, two and three engines at once,
// each a "node" with its own connection, as `docket serve` nodes sharing a
// database write: every unit takes the journal's head lock
// (Store::lock_for_write), catches up with the other nodes (recovery.h:
// catch_up) and commits. Group commit of 1, 10 and 100 units. Against what
// the same server does with raw inserts of rows of the same size, one
// transaction per batch, from as many connections (no head to share).
// Units are real ones: Engine::apply of `stage_changed` on an after-sales
// ticket in `executing` (each node its own ticket), so each commit holds
// the record, the hash chain link, the ticket's snapshot and its timers.
//
//   bench_postgres --postgres URL [--quick]
//
// URL: a server where the benchmark may create and drop databases
// (scripts/bench starts a throwaway cluster for it).

#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_common.h"
#include "engine/codec/journal_json.h"
#include "engine/codec/ticket_codec.h"
#include "engine/runtime/clock.h"
#include "engine/runtime/engine.h"
#include "engine/store/audit_chain.h"
#include "engine/store/postgres_store.h"
#include "engine/store/recovery.h"

namespace docket::bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// ---------------------------------------------------------------- the server

PGconn* connect_or_die(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) die(url + ": " + PQerrorMessage(conn));
  return conn;
}

void run_or_die(PGconn* conn, const std::string& sql) {
  PGresult* result = PQexec(conn, sql.c_str());
  ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) die(sql + ": " + PQresultErrorMessage(result));
  PQclear(result);
}

// A new empty database on the server of `server_url`; its URL.
std::string fresh_database(const std::string& server_url, const std::string& name) {
  PGconn* admin = connect_or_die(server_url);
  PQsetNoticeProcessor(
      admin, [](void*, const char*) {}, nullptr);
  run_or_die(admin, "DROP DATABASE IF EXISTS " + name);
  run_or_die(admin, "CREATE DATABASE " + name + " TEMPLATE template0");
  PQfinish(admin);
  std::size_t path = server_url.find('/', server_url.find("://") + 3);
  std::size_t query = server_url.find('?', path);
  return server_url.substr(0, path + 1) + name + (query == std::string::npos ? "" : server_url.substr(query));
}

// ---------------------------------------------------------------- the units

struct Lifecycle {
  std::shared_ptr<const engine::Workflow> workflow = compile_file(source_dir() + "/rules/after_sales.docket");
  std::vector<engine::Event> setup;  // create .. approve: the ticket is then in `executing`

  Lifecycle() {
    for (engine::Event& e : read_events(source_dir() + "/examples/after_sales/01_product_fault_p0.jsonl")) {
      setup.push_back(e);
      if (e.event == "approve") break;
    }
  }

  // The bytes one steady unit stores: its record and the ticket's snapshot.
  std::size_t unit_bytes() const {
    engine::VirtualClock clock;
    engine::MemoryJournal journal;
    engine::Engine engine(clock, journal);
    if (!engine.install(workflow)) die("install");
    for (const engine::Event& e : setup) {
      (void)clock.set(*e.at);
      if (!engine.apply(e)) die("setup");
    }
    journal.clear();
    if (!engine.apply(steady(setup.back().ticket))) die("steady step");
    std::size_t bytes = 0;
    for (const engine::Record& record : journal.records()) bytes += engine::encode_record(record).size();
    return bytes + engine::encode_ticket(*engine.find(setup.back().ticket)).size();
  }

  engine::Event steady(const std::string& ticket) const {
    engine::Event event = setup.back();
    event.ticket = ticket;
    event.event = "stage_changed";
    event.data.clear();
    event.at.reset();
    event.actor = {"liu", {"engineer"}};
    return event;
  }
};

// One engine with its own connection to the shared store.
struct Node {
  std::unique_ptr<engine::PostgresStore> store;
  engine::VirtualClock clock;
  std::unique_ptr<engine::Engine> engine;
  engine::CompiledVersions versions;
  engine::CompileVersion compile;
  std::string ticket;

  Node(const std::string& url, const Lifecycle& lifecycle, std::size_t batch, int number) {
    engine::PostgresStoreOptions options;
    options.batch_units = batch;
    options.node = "bench-" + std::to_string(number);
    auto opened = engine::PostgresStore::open(url, options);
    if (!opened) die(opened.error());
    store = std::move(opened).value();
    engine =
        std::make_unique<engine::Engine>(clock, *store, engine::EngineOptions{.max_events_per_ticket = UINT64_MAX});
    compile = [&lifecycle](const engine::StoredVersion&) {
      return engine::Result<std::shared_ptr<const engine::Workflow>>::success(lifecycle.workflow);
    };
    versions.emplace(lifecycle.workflow->version_id(), lifecycle.workflow);
    if (!engine->install(lifecycle.workflow)) die("install");
    ticket = lifecycle.setup.front().ticket + "-n" + std::to_string(number);
  }

  // One event as a serve node applies it: lock, catch up, apply.
  void apply(const engine::Event& event) {
    auto changes = store->lock_for_write();
    if (!changes) die(changes.error());
    auto caught = engine::catch_up(*engine, *store, changes.value(), versions, compile);
    if (!caught) die(caught.error());
    engine::Result<engine::Outcome> outcome = engine->apply(event);
    if (!outcome || !outcome->accepted) die("unit refused: " + (outcome ? outcome->reason : outcome.error()));
    if (engine::Status s = store->release_write(); !s) die(s.error());
  }

  void run_setup(const Lifecycle& lifecycle) {
    for (engine::Event e : lifecycle.setup) {
      e.ticket = ticket;
      (void)clock.set(*e.at);
      apply(e);
    }
    if (engine::Status s = store->flush(); !s) die(s.error());
  }
};

// Units per second through `nodes` engines sharing one store.
double shared_rate(const std::string& server, const Lifecycle& lifecycle, int nodes, std::size_t batch,
                   double budget_seconds) {
  std::string url = fresh_database(server, "bench_shared");
  std::vector<std::unique_ptr<Node>> all;
  for (int i = 0; i < nodes; ++i) all.push_back(std::make_unique<Node>(url, lifecycle, batch, i));
  for (auto& node : all) node->run_setup(lifecycle);
  std::atomic<std::uint64_t> units{0};
  std::latch ready(nodes + 1);
  std::vector<std::thread> threads;
  Clock::time_point start;
  for (auto& node : all) {
    threads.emplace_back([&, n = node.get()] {
      engine::Event steady = lifecycle.steady(n->ticket);
      ready.arrive_and_wait();
      std::uint64_t mine = 0;
      do {
        for (std::size_t i = 0; i < batch; ++i) n->apply(steady);
        if (engine::Status s = n->store->flush(); !s) die(s.error());
        mine += batch;
      } while (seconds_since(start) < budget_seconds);
      units += mine;
    });
  }
  start = Clock::now();
  ready.arrive_and_wait();
  for (std::thread& thread : threads) thread.join();
  double rate = static_cast<double>(units.load()) / seconds_since(start);
  // The chain must be whole: one gapless sequence across the nodes.
  auto check = engine::PostgresStore::open(url);
  if (!check) die(check.error());
  std::uint64_t expected = 1;
  std::string previous(engine::kGenesisHash);
  engine::Status read = check.value()->read_journal(1, [&](const engine::JournalRow& row) {
    if (row.seq != expected++ || row.prev_hash != previous) die("the shared journal has a gap or a broken link");
    previous = row.hash;
    return engine::Status::success();
  });
  if (!read) die(read.error());
  return rate;
}

// Rows per second: raw inserts of `bytes`-sized rows from `connections`
// connections at once, one transaction per batch, no shared head.
double raw_rate(const std::string& server, int connections, std::size_t batch, std::size_t bytes,
                double budget_seconds) {
  std::string url = fresh_database(server, "bench_raw");
  PGconn* setup = connect_or_die(url);
  run_or_die(setup, "CREATE TABLE rows(seq bigint PRIMARY KEY, ticket text NOT NULL, body text NOT NULL)");
  PQfinish(setup);
  std::atomic<std::uint64_t> next{0};
  std::latch ready(connections + 1);
  std::vector<std::thread> threads;
  Clock::time_point start;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&] {
      PGconn* conn = connect_or_die(url);
      PGresult* prepared =
          PQprepare(conn, "insert", "INSERT INTO rows(seq, ticket, body) VALUES($1, $2, $3)", 3, nullptr);
      if (PQresultStatus(prepared) != PGRES_COMMAND_OK) die(PQresultErrorMessage(prepared));
      PQclear(prepared);
      std::string body(bytes, 'x');
      ready.arrive_and_wait();
      do {
        run_or_die(conn, "BEGIN");
        for (std::size_t i = 0; i < batch; ++i) {
          std::string seq = std::to_string(++next);
          const char* values[] = {seq.c_str(), "AS-101", body.c_str()};
          PGresult* inserted = PQexecPrepared(conn, "insert", 3, values, nullptr, nullptr, 0);
          if (PQresultStatus(inserted) != PGRES_COMMAND_OK) die(PQresultErrorMessage(inserted));
          PQclear(inserted);
        }
        run_or_die(conn, "COMMIT");
      } while (seconds_since(start) < budget_seconds);
      PQfinish(conn);
    });
  }
  start = Clock::now();
  ready.arrive_and_wait();
  for (std::thread& thread : threads) thread.join();
  return static_cast<double>(next.load()) / seconds_since(start);
}

}  // namespace
}  // namespace docket::bench

int main(int argc, char** argv) {
  using namespace docket::bench;
  bool quick = take_quick_flag(argc, argv);
  std::string server;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string_view(argv[i]) == "--postgres") server = argv[i + 1];
  }
  if (server.empty()) die("usage: bench_postgres --postgres URL [--quick]");
  double budget = quick ? 0.5 : 2.0;

  Lifecycle lifecycle;
  std::size_t bytes = lifecycle.unit_bytes();
  std::fprintf(stderr, "bench_postgres: %zu bytes per unit (record + snapshot)\n", bytes);
  for (std::size_t batch : {1, 10, 100}) {
    for (int nodes : {1, 2, 3}) {
      double shared = shared_rate(server, lifecycle, nodes, batch, budget);
      double raw = raw_rate(server, nodes, batch, bytes, budget);
      std::string name = "PostgreSQL, " + std::to_string(nodes) + (nodes == 1 ? " node" : " nodes") + ", batch " +
                         std::to_string(batch);
      Figure figure{name,
                    shared,
                    "units/s",
                    "raw inserts, " + std::to_string(nodes) + " conn",
                    raw,
                    "rows/s",
                    batch >= 10 ? ">= 0.2x" : ""};
      figure.met = shared >= 0.2 * raw;
      print_figure(figure);
    }
  }
  return 0;
}
