// End to end: N tickets through the whole after-sales lifecycle on the
// virtual clock, timers, SLA clocks, the ticket table and a journal (one
// canonical JSON line per record, engine/codec/journal_json.h, into a buffer)
// included. Ticket k follows examples/after_sales/01 (P0, approval, survey)
// or 04 (P2, no approval, survey declined), shifted by k * 7 seconds.
//
// Figures: transitions per second against the in-memory steady step of the
// same binary (Engine::apply with a journal that only keeps the records);
// peak RSS; bytes per live ticket (RSS growth / tickets held: the engine
// keeps closed tickets too); audit verification (engine/audit/audit_verify.h) of
// a stored journal, records per second.
//
//   bench_lifecycle [--quick] [--tickets N] [--dir DIR]

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "engine/audit/audit_verify.h"
#include "engine/codec/journal_json.h"
#include "engine/runtime/clock.h"
#include "engine/runtime/engine.h"
#include "engine/store/sqlite_store.h"

namespace docket::bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// One JSON line per record into a buffer of at most 1 MiB that is emptied
// when full (what a file writer's buffer does, without the disk).
class JsonLinesJournal final : public engine::JournalSink {
 public:
  engine::Status write(std::span<const engine::Record> records) override {
    for (const engine::Record& record : records) {
      if (record.kind == engine::RecordKind::kTransition ||
          (record.kind == engine::RecordKind::kTimer && record.from != record.to)) {
        ++transitions_;
      }
      buffer_ += engine::encode_record(record);
      buffer_ += '\n';
      ++records_;
    }
    if (buffer_.size() > (1u << 20)) {
      bytes_ += buffer_.size();
      buffer_.clear();
    }
    return engine::Status::success();
  }
  std::uint64_t records() const { return records_; }
  std::uint64_t transitions() const { return transitions_; }
  std::uint64_t bytes() const { return bytes_ + buffer_.size(); }

 private:
  std::string buffer_;
  std::uint64_t records_ = 0;
  std::uint64_t transitions_ = 0;
  std::uint64_t bytes_ = 0;
};

std::vector<std::vector<engine::Event>> templates() {
  std::string dir = source_dir() + "/examples/after_sales/";
  return {read_events(dir + "01_product_fault_p0.jsonl"), read_events(dir + "04_inquiry_p2_no_approval.jsonl")};
}

void apply_all(engine::Engine& engine, engine::VirtualClock& clock, const std::vector<engine::Event>& events) {
  for (const engine::Event& event : events) {
    (void)clock.set(*event.at);
    engine::Result<engine::Outcome> outcome = engine.apply(event);
    if (!outcome) die(outcome.error());
    if (!outcome->accepted) die(event.ticket + " " + event.event + " refused: " + outcome->reason);
  }
  engine::Result<std::size_t> fired = engine.advance_to(engine.now() + 7 * 86400);  // the last timers
  if (!fired) die(fired.error());
}

// Steps per second of the in-memory steady step (bench_dispatch's full step).
double steady_step_rate(const std::shared_ptr<const engine::Workflow>& workflow, int steps) {
  engine::VirtualClock clock;
  ReusedBufferJournal journal;
  engine::Engine engine(clock, journal, engine::EngineOptions{.max_events_per_ticket = UINT64_MAX});
  if (!engine.install(workflow)) die("install");
  std::vector<engine::Event> setup;
  std::vector<std::vector<engine::Event>> all = templates();
  for (const engine::Event& e : all[0]) {
    setup.push_back(e);
    if (e.event == "approve") break;
  }
  for (const engine::Event& e : setup) {
    (void)clock.set(*e.at);
    if (!engine.apply(e)) die("setup");
  }
  engine::Event steady = setup.back();
  steady.event = "stage_changed";
  steady.data.clear();
  steady.at.reset();
  steady.actor = {"liu", {"engineer"}};
  for (int i = 0; i < 1000; ++i) (void)engine.apply(steady);
  double best = 0;
  for (int round = 0; round < 3; ++round) {
    Clock::time_point start = Clock::now();
    for (int i = 0; i < steps; ++i) {
      if (!engine.apply(steady)) die("steady step");
    }
    best = std::max(best, steps / seconds_since(start));
  }
  return best;
}

}  // namespace
}  // namespace docket::bench

int main(int argc, char** argv) {
  using namespace docket::bench;
  namespace engine = docket::engine;
  bool quick = take_quick_flag(argc, argv);
  std::size_t tickets = quick ? 10'000 : 100'000;
  std::string dir = std::filesystem::temp_directory_path().string();
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string_view(argv[i]) == "--tickets") tickets = std::stoull(argv[i + 1]);
    if (std::string_view(argv[i]) == "--dir") dir = argv[i + 1];
  }

  std::shared_ptr<const engine::Workflow> workflow = compile_file(source_dir() + "/rules/after_sales.docket");
  std::vector<engine::Event> events = replicate(templates(), tickets, 7);
  std::fprintf(stderr, "bench_lifecycle: %zu tickets, %zu events\n", tickets, events.size());

  double steady = steady_step_rate(workflow, quick ? 20'000 : 100'000);

  // The run itself.
  std::uint64_t rss_before = current_rss_bytes();
  engine::VirtualClock clock;
  JsonLinesJournal journal;
  engine::Engine run(clock, journal);
  if (!run.install(workflow)) die("install");
  Clock::time_point start = Clock::now();
  apply_all(run, clock, events);
  double seconds = seconds_since(start);
  std::uint64_t rss_after = current_rss_bytes();

  std::size_t closed = 0;
  for (std::size_t i = 0; i < run.ticket_count(); ++i) closed += run.ticket_at(i).state_name() == "closed";
  if (closed != tickets) die(std::to_string(tickets - closed) + " tickets did not reach `closed`");
  std::fprintf(stderr, "bench_lifecycle: %.2f s, %llu records (%llu transitions), %.1f MB of journal\n", seconds,
               static_cast<unsigned long long>(journal.records()),
               static_cast<unsigned long long>(journal.transitions()), journal.bytes() / 1e6);

  double rate = journal.transitions() / seconds;
  Figure e2e{"end to end " + std::to_string(tickets) + " tickets",
             rate,
             "transitions/s",
             "in-memory steady step",
             steady,
             "steps/s",
             ">= 0.5x"};
  e2e.met = rate >= 0.5 * steady;
  print_figure(e2e);
  Figure events_rate{
      "  events applied", events.size() / seconds, "events/s", "in-memory steady step", steady, "steps/s", ""};
  print_figure(events_rate);
  double per_ticket = static_cast<double>(rss_after - rss_before) / static_cast<double>(run.ticket_count());
  Figure memory{"bytes per live ticket", per_ticket, "B", "1 KiB", 1024, "B", "< 1x"};
  memory.met = per_ticket < 1024;
  print_figure(memory);
  Figure peak{"peak RSS", peak_rss_bytes() / 1e6, "MB", "RSS before the run", rss_before / 1e6, "MB", ""};
  print_figure(peak);

  // Audit: the same lifecycle for fewer tickets into a store, then verified.
  std::size_t audited = std::min<std::size_t>(tickets, quick ? 2'000 : 10'000);
  ScratchDir scratch(dir);
  std::string path = scratch.path() + "/audit.db";
  {
    engine::SqliteStoreOptions options;
    options.durability = engine::SqliteStoreOptions::Durability::kNormal;
    options.batch_units = 1000;
    engine::Result<std::unique_ptr<engine::SqliteStore>> store = engine::SqliteStore::open(path, options);
    if (!store) die(store.error());
    engine::VirtualClock store_clock;
    engine::Engine stored(store_clock, *store.value());
    if (!stored.install(workflow)) die("install");
    apply_all(stored, store_clock, replicate(templates(), audited, 7));
    if (engine::Status s = store.value()->flush(); !s) die(s.error());
  }
  engine::Result<std::unique_ptr<engine::SqliteStore>> store =
      engine::SqliteStore::open(path, engine::read_only_options());
  if (!store) die(store.error());
  engine::AuditInput input;
  engine::SqliteStore* reader = store->get();
  input.rows = [reader](const std::function<engine::Status(const engine::JournalRow&)>& each) {
    return reader->read_journal(1, each);
  };
  input.versions[workflow->version_id()] = workflow;
  start = Clock::now();
  engine::AuditReport report = engine::verify_journal(input);
  double audit_seconds = seconds_since(start);
  if (!report.ok()) die("audit failed: " + report.error + (report.finding ? report.finding->detail : ""));
  Figure audit{"audit verify (chain + rules)",
               report.records / audit_seconds,
               "records/s",
               "journal records written e2e",
               journal.records() / seconds,
               "records/s",
               ""};
  print_figure(audit);
  return 0;
}
