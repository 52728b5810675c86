// docket's side of the peer comparison (scripts/bench, part g): the event
// stream of bench/peers/make_stream.py through rules/after_sales.docket with
// Engine::apply, one log line per transition, as bench/peers/xstate_run.mjs
// and bench/peers/transitions_run.py do with the same stream.
//
// The log line is the peers' line, byte for byte:
//   TICKET FROM TO EVENT
// FROM is `-` for the line that creates a ticket; EVENT is the event being
// handled (`create` for the automatic transitions a create sets off,
// `approved` / `rejected` for an approval decision). Lines are gathered in a
// buffer and written to the file 1 MiB at a time (the peers do the same), so
// the three sides pay the same for their output.
//
// Timed: every event applied, the log written and the file closed. Not
// timed: reading and decoding the stream into events, loading the rules,
// and writing the final states (one `TICKET STATE` line per ticket, sorted
// by ticket id) that the driver compares with the peers'.
//
// A second run of the same stream keeps docket's own journal instead (one
// canonical JSON line per record, engine/codec/journal_json.h, every record), to
// show what the compact log leaves out; its log is not compared.
//
// --machine FILE writes the machine the peers run: the XState export of the
// same compiled workflow, by the function behind `docket graph --format
// xstate` (designer/graph_export.h), so that scripts/bench needs no CLI build.
//
// Output on stdout, one line per run:
//   PEER|docket|events|transitions|seconds
//   PEER|docket journal|events|records|seconds
//
//   bench_peers --events FILE --log FILE --states FILE [--json-log FILE]
//   bench_peers --machine FILE

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/bench_common.h"
#include "designer/graph_export.h"
#include "engine/codec/journal_json.h"
#include "engine/runtime/clock.h"
#include "engine/runtime/engine.h"

namespace docket::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Appends lines to a buffer and writes it to `path` whenever it passes 1 MiB.
class BufferedFile {
 public:
  explicit BufferedFile(const std::string& path) : file_(std::fopen(path.c_str(), "wb")) {
    if (file_ == nullptr) die("cannot write " + path);
    buffer_.reserve(kFlushBytes + 4096);
  }
  ~BufferedFile() { close(); }
  BufferedFile(const BufferedFile&) = delete;
  BufferedFile& operator=(const BufferedFile&) = delete;

  std::string& buffer() { return buffer_; }
  void maybe_flush() {
    if (buffer_.size() >= kFlushBytes) flush();
  }
  void close() {
    if (file_ == nullptr) return;
    flush();
    if (std::fclose(file_) != 0) die("cannot close the log");
    file_ = nullptr;
  }

 private:
  static constexpr std::size_t kFlushBytes = std::size_t{1} << 20;
  void flush() {
    if (!buffer_.empty() && std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
      die("cannot write the log");
    }
    buffer_.clear();
  }

  std::FILE* file_;
  std::string buffer_;
};

bool is_transition(const engine::Record& record) {
  return record.kind == engine::RecordKind::kTransition ||
         (record.kind == engine::RecordKind::kTimer && record.from != record.to);
}

// One `TICKET FROM TO EVENT` line per transition; other records are not logged.
class TransitionLog final : public engine::JournalSink {
 public:
  explicit TransitionLog(BufferedFile& file) : file_(file) {}
  engine::Status write(std::span<const engine::Record> records) override {
    std::string& out = file_.buffer();
    for (const engine::Record& record : records) {
      if (!is_transition(record)) continue;
      out += record.ticket;
      out += ' ';
      out += record.from.empty() ? std::string_view("-") : std::string_view(record.from);
      out += ' ';
      out += record.to;
      out += ' ';
      out += record.event;
      out += '\n';
      ++transitions_;
    }
    file_.maybe_flush();
    return engine::Status::success();
  }
  std::uint64_t transitions() const { return transitions_; }

 private:
  BufferedFile& file_;
  std::uint64_t transitions_ = 0;
};

// docket's own journal: every record as one canonical JSON line.
class JsonJournal final : public engine::JournalSink {
 public:
  explicit JsonJournal(BufferedFile& file) : file_(file) {}
  engine::Status write(std::span<const engine::Record> records) override {
    std::string& out = file_.buffer();
    for (const engine::Record& record : records) {
      out += engine::encode_record(record);
      out += '\n';
    }
    records_ += records.size();
    file_.maybe_flush();
    return engine::Status::success();
  }
  std::uint64_t records() const { return records_; }

 private:
  BufferedFile& file_;
  std::uint64_t records_ = 0;
};

// Applies every event (each must be accepted) and closes the log; seconds.
double run(engine::Engine& engine, engine::VirtualClock& clock, const std::vector<engine::Event>& events,
           BufferedFile& log) {
  Clock::time_point start = Clock::now();
  for (const engine::Event& event : events) {
    (void)clock.set(*event.at);
    engine::Result<engine::Outcome> outcome = engine.apply(event);
    if (!outcome) die(outcome.error());
    if (!outcome->accepted) die(event.ticket + " " + event.event + " refused: " + outcome->reason);
  }
  log.close();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void write_states(const engine::Engine& engine, const std::string& path) {
  std::vector<std::pair<std::string, std::string>> states;
  states.reserve(engine.ticket_count());
  for (std::size_t i = 0; i < engine.ticket_count(); ++i) {
    const engine::Ticket& ticket = engine.ticket_at(i);
    states.emplace_back(ticket.id, ticket.state_name());
  }
  std::sort(states.begin(), states.end());
  BufferedFile file(path);
  for (const auto& [ticket, state] : states) file.buffer() += ticket + ' ' + state + '\n';
}

std::string option(int argc, char** argv, std::string_view name, bool required) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == name) return argv[i + 1];
  }
  if (required) die("usage: bench_peers --events FILE --log FILE --states FILE [--json-log FILE] | --machine FILE");
  return {};
}

}  // namespace
}  // namespace docket::bench

int main(int argc, char** argv) {
  using namespace docket::bench;
  namespace engine = docket::engine;
  namespace designer = docket::designer;
  (void)take_quick_flag(argc, argv);  // the stream's size decides; accepted for scripts/bench
  std::shared_ptr<const engine::Workflow> workflow = compile_file(source_dir() + "/rules/after_sales.docket");
  if (std::string machine_path = option(argc, argv, "--machine", false); !machine_path.empty()) {
    BufferedFile machine(machine_path);
    machine.buffer() = designer::export_xstate(*workflow);
    return 0;
  }
  std::string events_path = option(argc, argv, "--events", true);
  std::string log_path = option(argc, argv, "--log", true);
  std::string states_path = option(argc, argv, "--states", true);
  std::string json_log_path = option(argc, argv, "--json-log", false);
  std::vector<engine::Event> events = read_events(events_path);
  if (events.empty()) die(events_path + ": no events");

  {
    engine::VirtualClock clock(*events.front().at);
    BufferedFile log(log_path);
    TransitionLog journal(log);
    engine::Engine engine(clock, journal);
    if (!engine.install(workflow)) die("install");
    double seconds = run(engine, clock, events, log);
    write_states(engine, states_path);
    std::printf("PEER|docket|%zu|%llu|%.6f\n", events.size(), static_cast<unsigned long long>(journal.transitions()),
                seconds);
    std::fflush(stdout);
  }
  if (!json_log_path.empty()) {
    engine::VirtualClock clock(*events.front().at);
    BufferedFile log(json_log_path);
    JsonJournal journal(log);
    engine::Engine engine(clock, journal);
    if (!engine.install(workflow)) die("install");
    double seconds = run(engine, clock, events, log);
    std::printf("PEER|docket journal|%zu|%llu|%.6f\n", events.size(),
                static_cast<unsigned long long>(journal.records()), seconds);
  }
  return 0;
}
