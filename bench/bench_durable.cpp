// Durable append: units of work committed by SqliteStore (engine/store/sqlite_store.h)
// with durability FULL and NORMAL and group commit of 1, 10, 100 and 1,000
// units, against what the disk and SQLite themselves allow:
// - the disk's own rate of write + fdatasync of a unit's bytes to a file in
//   the same folder (what one commit per unit cannot beat);
// - raw SQLite inserts of rows of the same size into a WAL database with the
//   same `synchronous` setting, one transaction per batch.
// Units are real ones: Engine::apply of `stage_changed` on an after-sales
// ticket in `executing`, so each commit holds the record, the hash chain
// link, the ticket's snapshot and its timers.
//
//   bench_durable [--quick] [--dir DIR]    DIR: where the files go (the disk measured)

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "engine/codec/journal_json.h"
#include "engine/codec/ticket_codec.h"
#include "engine/runtime/clock.h"
#include "engine/runtime/engine.h"
#include "engine/store/sqlite_store.h"

namespace docket::bench {
namespace {

using Clock = std::chrono::steady_clock;
using Durability = engine::SqliteStoreOptions::Durability;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

struct Lifecycle {
  std::shared_ptr<const engine::Workflow> workflow = compile_file(source_dir() + "/rules/after_sales.docket");
  std::vector<engine::Event> setup;  // create .. approve: the ticket is then in `executing`
  engine::Event steady;              // stage_changed, at the clock's time

  Lifecycle() {
    for (engine::Event& e : read_events(source_dir() + "/examples/after_sales/01_product_fault_p0.jsonl")) {
      setup.push_back(e);
      if (e.event == "approve") break;
    }
    steady = setup.back();
    steady.event = "stage_changed";
    steady.data.clear();
    steady.at.reset();
    steady.actor = {"liu", {"engineer"}};
  }

  void run_setup(engine::Engine& engine, engine::VirtualClock& clock) const {
    for (const engine::Event& e : setup) {
      (void)clock.set(*e.at);
      engine::Result<engine::Outcome> outcome = engine.apply(e);
      if (!outcome) die(outcome.error());
      if (!outcome->accepted) die("setup refused: " + outcome->reason);
    }
  }

  // The bytes one steady unit stores: its record and the ticket's snapshot.
  std::size_t unit_bytes() const {
    engine::VirtualClock clock;
    engine::MemoryJournal journal;
    engine::Engine engine(clock, journal);
    if (!engine.install(workflow)) die("install");
    run_setup(engine, clock);
    journal.clear();
    if (!engine.apply(steady)) die("steady step");
    std::size_t bytes = 0;
    for (const engine::Record& record : journal.records()) bytes += engine::encode_record(record).size();
    return bytes + engine::encode_ticket(*engine.find(steady.ticket)).size();
  }
};

// Units per second through SqliteStore.
double store_rate(const Lifecycle& lifecycle, const std::string& dir, Durability durability, std::size_t batch,
                  double budget_seconds) {
  ScratchDir scratch(dir);
  engine::SqliteStoreOptions options;
  options.durability = durability;
  options.batch_units = batch;
  engine::Result<std::unique_ptr<engine::SqliteStore>> store =
      engine::SqliteStore::open(scratch.path() + "/tickets.db", options);
  if (!store) die(store.error());
  engine::VirtualClock clock;
  engine::Engine engine(clock, *store.value(), engine::EngineOptions{.max_events_per_ticket = UINT64_MAX});
  if (!engine.install(lifecycle.workflow)) die("install");
  lifecycle.run_setup(engine, clock);
  if (engine::Status s = store.value()->flush(); !s) die(s.error());

  std::uint64_t units = 0;
  Clock::time_point start = Clock::now();
  do {
    for (std::size_t i = 0; i < batch; ++i) {
      engine::Result<engine::Outcome> outcome = engine.apply(lifecycle.steady);
      if (!outcome || !outcome->accepted) die("store step failed: " + (outcome ? outcome->reason : outcome.error()));
    }
    units += batch;
  } while (seconds_since(start) < budget_seconds);
  if (engine::Status s = store.value()->flush(); !s) die(s.error());
  return static_cast<double>(units) / seconds_since(start);
}

// write + fdatasync of `bytes` per call, to a file in `dir`.
double fdatasync_rate(const std::string& dir, std::size_t bytes, double budget_seconds) {
  ScratchDir scratch(dir);
  std::string path = scratch.path() + "/append.log";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) die("cannot open " + path);
  std::string unit(bytes, 'x');
  std::uint64_t syncs = 0;
  Clock::time_point start = Clock::now();
  do {
    if (::write(fd, unit.data(), unit.size()) != static_cast<ssize_t>(unit.size())) die("write failed");
    if (::fdatasync(fd) != 0) die("fdatasync failed");
    ++syncs;
  } while (seconds_since(start) < budget_seconds);
  double rate = static_cast<double>(syncs) / seconds_since(start);
  ::close(fd);
  return rate;
}

void exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "?";
    sqlite3_free(error);
    die(std::string(sql) + ": " + message);
  }
}

// Rows per second: raw inserts of `bytes`-sized rows, one transaction per batch.
double raw_sqlite_rate(const std::string& dir, Durability durability, std::size_t batch, std::size_t bytes,
                       double budget_seconds) {
  ScratchDir scratch(dir);
  sqlite3* db = nullptr;
  if (sqlite3_open((scratch.path() + "/raw.db").c_str(), &db) != SQLITE_OK) die("sqlite3_open");
  exec(db, "PRAGMA journal_mode=WAL");
  exec(db, durability == Durability::kFull ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  exec(db, "CREATE TABLE rows(seq INTEGER PRIMARY KEY, ticket TEXT NOT NULL, body TEXT NOT NULL)");
  sqlite3_stmt* insert = nullptr;
  if (sqlite3_prepare_v2(db, "INSERT INTO rows(seq, ticket, body) VALUES(?, ?, ?)", -1, &insert, nullptr) != SQLITE_OK)
    die("prepare");
  std::string body(bytes, 'x');
  std::uint64_t rows = 0;
  Clock::time_point start = Clock::now();
  do {
    exec(db, "BEGIN");
    for (std::size_t i = 0; i < batch; ++i) {
      sqlite3_bind_int64(insert, 1, static_cast<sqlite3_int64>(++rows));
      sqlite3_bind_text(insert, 2, "AS-101", -1, SQLITE_STATIC);
      sqlite3_bind_text(insert, 3, body.data(), static_cast<int>(body.size()), SQLITE_STATIC);
      if (sqlite3_step(insert) != SQLITE_DONE) die("insert");
      sqlite3_reset(insert);
    }
    exec(db, "COMMIT");
  } while (seconds_since(start) < budget_seconds);
  double rate = static_cast<double>(rows) / seconds_since(start);
  sqlite3_finalize(insert);
  sqlite3_close(db);
  return rate;
}

}  // namespace
}  // namespace docket::bench

int main(int argc, char** argv) {
  using namespace docket::bench;
  bool quick = take_quick_flag(argc, argv);
  std::string dir = std::filesystem::temp_directory_path().string();
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string_view(argv[i]) == "--dir") dir = argv[i + 1];
  }
  double budget = quick ? 0.3 : 1.5;

  Lifecycle lifecycle;
  std::size_t bytes = lifecycle.unit_bytes();
  std::fprintf(stderr, "bench_durable: %zu bytes per unit (record + snapshot), files under %s\n", bytes, dir.c_str());

  double disk = fdatasync_rate(dir, bytes, budget);
  for (Durability durability : {Durability::kFull, Durability::kNormal}) {
    const char* mode = durability == Durability::kFull ? "FULL" : "NORMAL";
    for (std::size_t batch : {1, 10, 100, 1000}) {
      double store = store_rate(lifecycle, dir, durability, batch, budget);
      double raw = raw_sqlite_rate(dir, durability, batch, bytes, budget);
      std::string name = std::string("durable append ") + mode + ", batch " + std::to_string(batch);
      if (durability == Durability::kFull && batch == 1) {
        Figure figure{name, store, "units/s", "write+fdatasync", disk, "/s", ">= 0.8x"};
        figure.met = store >= 0.8 * disk;
        print_figure(figure);
      }
      Figure figure{name, store, "units/s", "raw SQLite inserts", raw, "rows/s", batch >= 100 ? ">= 0.5x" : ""};
      figure.met = store >= 0.5 * raw;
      print_figure(figure);
    }
  }
  return 0;
}
