// docket run RULES... --events FILE [--until TIME] [--log FILE] [--quiet]:
// replays events on a virtual clock, writes the journal, prints a summary.
//
// Output: the journal's human lines on stdout as records are written
// (--quiet leaves them out), then the summary; canonical JSON lines to the
// --log file (docs/audit-log.md). Errors go to stderr. Exit codes: 0 when the
// events were replayed (rejected events are ordinary outcomes), 1 for rules
// with errors, a bad event line or a journal that cannot be written, 2 for
// usage errors (also an --until earlier than the last event, or a --log that is
// one of the input files).

#include <CLI/CLI.hpp>

#include <iostream>
#include <map>
#include <span>

#include "cli/commands.h"
#include "cli/journal_output.h"
#include "cli/output.h"
#include "cli/replay.h"
#include "cli/store_access.h"
#include "cli/table.h"
#include "engine/codec/journal_spdlog.h"

namespace docket::cli {
namespace {

struct RunOptions {
  std::vector<std::string> rules;
  std::string events;
  std::string until;
  bool quiet = false;
  JournalOutputOptions output;  // --log, --store and the store's options
};

// Passes records on to the real journal and counts what the summary shows.
class TallyingJournal final : public engine::JournalSink {
 public:
  explicit TallyingJournal(engine::JournalSink& next) : next_(next) {}

  engine::Status write(std::span<const engine::Record> records) override {
    engine::Status written = next_.write(records);
    if (!written) return written;
    for (const engine::Record& record : records) count(record);
    return written;
  }

  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  std::size_t records = 0;
  std::size_t warnings = 0;
  std::size_t escalations = 0;
  std::map<std::string, std::size_t> breaches;    // by metric
  std::map<std::string, std::size_t> rejections;  // by reason

 private:
  void count(const engine::Record& record) {
    if (first_seq == 0) first_seq = record.seq;
    last_seq = record.seq;
    ++records;
    switch (record.kind) {
      case engine::RecordKind::kWarning:
        ++warnings;
        break;
      case engine::RecordKind::kEscalation:
        ++escalations;
        break;
      case engine::RecordKind::kBreach:
        ++breaches[record.sla ? record.sla->metric : std::string("?")];
        break;
      case engine::RecordKind::kRejection:
        ++rejections[record.reason];
        break;
      default:
        break;
    }
  }

  engine::JournalSink& next_;
};

// ------------------------------------------------------------ the summary

// "events        6 from ...": a heading of the summary and its figures.
const Table kHeadings("", {{12}, {}}, "  ");
// "  proposing                1": a count under a heading.
const Table kCounts("  ", {{24}, {}});
// "     1  missing required fields ...": a rejection count and its reason.
const Table kReasons("  ", {{4, Align::kRight}, {}}, "  ");

std::size_t total(const std::map<std::string, std::size_t>& counts) {
  std::size_t sum = 0;
  for (const auto& [key, count] : counts) sum += count;
  return sum;
}

void print_replayed(std::ostream& out, const TallyingJournal& tally, const ReplayStats& stats,
                    const RunOptions& options, std::int64_t end) {
  out << kHeadings.row({"events", std::to_string(stats.events) + " from " + options.events + " (" +
                                      std::to_string(stats.events - stats.rejected - stats.duplicates) + " accepted, " +
                                      std::to_string(stats.rejected) + " rejected, " +
                                      std::to_string(stats.duplicates) + " duplicates)"});
  if (stats.first_at) {
    out << kHeadings.row({"time", engine::format_timestamp(*stats.first_at) + " to " + engine::format_timestamp(end)});
  }
  std::string journal = std::to_string(tally.records) + " records";
  if (tally.records > 0) {
    journal += " (seq " + std::to_string(tally.first_seq) + "-" + std::to_string(tally.last_seq) + ")";
  }
  if (!options.output.log.empty()) journal += " in " + options.output.log;
  out << kHeadings.row({"journal", journal});
}

// Tickets per state, states in the order the workflow declares them.
void print_tickets(std::ostream& out, const engine::Engine& engine) {
  std::map<std::pair<std::string, engine::StateIndex>, std::size_t> by_state;
  std::map<std::string, const engine::Workflow*> workflows;
  for (std::size_t i = 0; i < engine.ticket_count(); ++i) {
    const engine::Ticket& ticket = engine.ticket_at(i);
    ++by_state[{ticket.workflow->name(), ticket.state}];
    workflows[ticket.workflow->name()] = ticket.workflow.get();
  }
  out << kHeadings.row({"tickets", std::to_string(engine.ticket_count())});
  for (const auto& [key, count] : by_state) {
    const engine::Workflow& workflow = *workflows[key.first];
    std::string state = key.second < workflow.states().size() ? workflow.states()[key.second].name : "?";
    out << kCounts.row({workflows.size() > 1 ? key.first + "." + state : state, std::to_string(count)});
  }
}

void print_outcomes(std::ostream& out, const TallyingJournal& tally) {
  out << kHeadings.row({"SLA breaches", std::to_string(total(tally.breaches)) + " (warnings " +
                                            std::to_string(tally.warnings) + ", escalations " +
                                            std::to_string(tally.escalations) + ")"});
  for (const auto& [metric, count] : tally.breaches) out << kCounts.row({metric, std::to_string(count)});
  out << kHeadings.row({"rejections", std::to_string(total(tally.rejections))});
  for (const auto& [reason, count] : tally.rejections) out << kReasons.row({std::to_string(count), reason});
}

void print_summary(std::ostream& out, const engine::Engine& engine, const TallyingJournal& tally,
                   const ReplayStats& stats, const RunOptions& options, std::int64_t end) {
  out << "summary\n";
  print_replayed(out, tally, stats, options, end);
  print_tickets(out, engine);
  print_outcomes(out, tally);
}

// ------------------------------------------------------------ opening

// The --log file and the console.
int open_sinks(const RunOptions& options, engine::SpdlogJournalSinks& sinks) {
  std::vector<std::string> inputs = options.rules;
  inputs.push_back(options.events);
  if (int failed = open_log(options.output, inputs, sinks); failed != kExitOk) return failed;
  if (!options.quiet) sinks.human.push_back(engine::human_console_sink());
  return kExitOk;
}

// ------------------------------------------------------------ running

// What a run works with once everything is open.
struct Run {
  const RunOptions& options;
  engine::Engine& engine;
  engine::VirtualClock& clock;
  engine::Store* store;  // null without --store
  const TallyingJournal& journal;
  const std::string& display_error;
};

// The store's tickets restored (and the clock where the store left off),
// then the rules installed.
int start(const Run& run, const std::vector<std::shared_ptr<const engine::Workflow>>& workflows) {
  if (run.store != nullptr) {
    engine::Result<engine::Recovered> recovered = engine::recover(run.engine, *run.store, compile_stored);
    if (!recovered) return fail(run.options.output.store + ": " + recovered.error());
    (void)run.clock.set(run.engine.now());
  }
  engine::Status installed = install(run.engine, workflows);
  return installed ? kExitOk : fail(installed.error());
}

void print_stop(const ReplayResult& replayed) {
  std::size_t applied = replayed.stats.events;
  std::cerr << replayed.error << '\n' << "docket: stopped: ";
  if (replayed.stopped_after_applying) {
    std::cerr << applied << (applied == 1 ? " event was" : " events were")
              << " applied, the last on this line; nothing after it was applied\n";
  } else {
    std::cerr << applied << (applied == 1 ? " event before this line was" : " events before this line were")
              << " applied; nothing from this line on was applied\n";
  }
}

// Moves the clock on to --until, firing what falls due; sets `end` to it.
int advance_until(const Run& run, const ReplayStats& stats, std::int64_t& end) {
  std::int64_t until = *engine::parse_timestamp(run.options.until);
  if (stats.last_at && until < *stats.last_at) {
    return fail("--until " + engine::format_timestamp(until) + " is earlier than the last event (" +
                    engine::format_timestamp(*stats.last_at) + ")",
                kExitUsage);
  }
  engine::Status advanced = advance(run.engine, run.clock, until);
  if (!advanced) {
    seal(run.store);
    return fail("advancing to " + engine::format_timestamp(until) + ": " + advanced.error());
  }
  end = until;
  return kExitOk;
}

int replay_into(const Run& run, std::istream& events) {
  ReplayResult replayed = replay(run.engine, run.clock, events, run.options.events);
  if (!replayed.ok()) {
    seal(run.store);
    print_stop(replayed);
    return kExitFailure;
  }
  std::int64_t end = replayed.stats.last_at.value_or(run.clock.now());
  if (!run.options.until.empty()) {
    if (int failed = advance_until(run, replayed.stats, end); failed != kExitOk) return failed;
  }
  if (!seal(run.store)) return kExitFailure;
  // The store has every record: the summary is still worth printing.
  int exit_code = check_display(run.display_error);
  if (!run.options.quiet && run.journal.records > 0) std::cout << '\n';
  print_summary(std::cout, run.engine, run.journal, replayed.stats, run.options, end);
  return exit_code;
}

int run_events(const RunOptions& options) {
  if (int failed = check_store_options(options.output); failed != kExitOk) return failed;
  std::optional<ReplayInput> input = open_replay(options.rules, options.events);
  if (!input) return kExitFailure;
  engine::SpdlogJournalSinks sinks;
  if (int failed = open_sinks(options, sinks); failed != kExitOk) return failed;
  engine::SpdlogJournal log(std::move(sinks));
  TallyingJournal journal(log);
  std::string display_error;
  std::unique_ptr<engine::Store> store;
  if (!options.output.store.empty()) {
    auto opened = open_store(options.output, journal, display_error);
    if (!opened) return fail(opened.error());
    store = std::move(opened).value();
  }
  engine::VirtualClock clock;
  engine::Engine engine(clock, store ? static_cast<engine::JournalSink&>(*store) : journal);
  Run run{options, engine, clock, store.get(), journal, display_error};
  if (int failed = start(run, input->workflows); failed != kExitOk) return failed;
  return replay_into(run, input->events);
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* command = app.add_subcommand(
      "run", "Replay events through rules on a virtual clock, write the journal and print a summary");
  command->add_option("rules", options->rules, "Rule files (*.docket); the first is the default workflow")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_option("--events", options->events, "Events, one JSON object per line (*.jsonl)")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_option("--until", options->until, "After the last event, advance the clock to TIME, firing timers")
      ->check(CLI::Validator(timestamp_option_error, "TIME", "timestamp"));
  command->add_option("--log", options->output.log, "Write the journal as JSON lines to FILE (docs/audit-log.md)");
  command->add_flag("-q,--quiet", options->quiet, "Do not print the journal's human-readable lines");
  command->add_option("--store", options->output.store,
                      "Keep tickets and the journal in this store (a SQLite file, created if missing, or a "
                      "postgresql:// URL) and resume from it");
  add_store_options(*command, options->output);
  command->callback([options, &exit_code] { exit_code = run_events(*options); });
}

}  // namespace docket::cli
