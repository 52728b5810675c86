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

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <span>
#include <sstream>

#include "cli/commands.h"
#include "cli/replay.h"
#include "cli/store_access.h"
#include "engine/codec/journal_spdlog.h"

namespace docket::cli {
namespace {

// Passes records on to the real journal and counts what the summary shows.
class TallyingJournal final : public engine::JournalSink {
 public:
  explicit TallyingJournal(engine::JournalSink& next) : next_(next) {}

  engine::Status write(std::span<const engine::Record> records) override {
    engine::Status written = next_.write(records);
    if (!written) return written;
    for (const engine::Record& record : records) {
      if (first_seq == 0) first_seq = record.seq;
      last_seq = record.seq;
      ++count;
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
    return written;
  }

  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  std::size_t count = 0;
  std::size_t warnings = 0;
  std::size_t escalations = 0;
  std::map<std::string, std::size_t> breaches;    // by metric
  std::map<std::string, std::size_t> rejections;  // by reason

 private:
  engine::JournalSink& next_;
};

std::size_t total(const std::map<std::string, std::size_t>& counts) {
  std::size_t sum = 0;
  for (const auto& [key, count] : counts) sum += count;
  return sum;
}

void print_summary(std::ostream& out, const engine::Engine& engine, const TallyingJournal& tally,
                   const ReplayStats& stats, const std::string& events_file, const std::string& log_file,
                   std::int64_t end) {
  auto row = [&out](const std::string& label, const std::string& value) {
    out << "  " << std::left << std::setw(24) << label << ' ' << value << '\n';
  };
  out << "summary\n";
  std::ostringstream events;
  events << stats.events << " from " << events_file << " (" << stats.events - stats.rejected - stats.duplicates
         << " accepted, " << stats.rejected << " rejected, " << stats.duplicates << " duplicates)";
  out << "events        " << events.str() << '\n';
  if (stats.first_at) {
    out << "time          " << engine::format_timestamp(*stats.first_at) << " to " << engine::format_timestamp(end)
        << '\n';
  }
  out << "journal       " << tally.count << " records";
  if (tally.count > 0) out << " (seq " << tally.first_seq << "-" << tally.last_seq << ")";
  if (!log_file.empty()) out << " in " << log_file;
  out << '\n';

  // Tickets per state, states in the order the workflow declares them.
  std::map<std::pair<std::string, engine::StateIndex>, std::size_t> by_state;
  std::map<std::string, const engine::Workflow*> workflows;
  for (std::size_t i = 0; i < engine.ticket_count(); ++i) {
    const engine::Ticket& ticket = engine.ticket_at(i);
    ++by_state[{ticket.workflow->name(), ticket.state}];
    workflows[ticket.workflow->name()] = ticket.workflow.get();
  }
  out << "tickets       " << engine.ticket_count() << '\n';
  for (const auto& [key, count] : by_state) {
    const engine::Workflow& workflow = *workflows[key.first];
    std::string state = key.second < workflow.states().size() ? workflow.states()[key.second].name : "?";
    row(workflows.size() > 1 ? key.first + "." + state : state, std::to_string(count));
  }
  out << "SLA breaches  " << total(tally.breaches) << " (warnings " << tally.warnings << ", escalations "
      << tally.escalations << ")\n";
  for (const auto& [metric, count] : tally.breaches) row(metric, std::to_string(count));
  out << "rejections    " << total(tally.rejections) << '\n';
  for (const auto& [reason, count] : tally.rejections)
    out << "  " << std::right << std::setw(4) << count << "  " << reason << '\n';
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  struct Options {
    std::vector<std::string> rules;
    std::string events;
    std::string until;
    std::string log;
    bool quiet = false;
    std::string store;
    std::string key;
    std::size_t batch = 1;
    std::string sync = "full";
    std::uint64_t checkpoint_every = 1000;
  };
  auto options = std::make_shared<Options>();
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
  command->add_option("--log", options->log, "Write the journal as JSON lines to FILE (docs/audit-log.md)");
  command->add_flag("-q,--quiet", options->quiet, "Do not print the journal's human-readable lines");
  command->add_option("--store", options->store,
                      "Keep tickets and the journal in this store (SQLite, created if missing) and resume from it");
  command->add_option("--key", options->key, "Sign checkpoints of the journal with this private key (docket keys new)")
      ->check(CLI::ExistingFile);
  command->add_option("--batch", options->batch, "Group commit: units per store transaction (default 1)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}));
  command->add_option("--sync", options->sync, "Store durability: full (default) or normal")
      ->check(CLI::IsMember({"full", "normal"}));
  command
      ->add_option("--checkpoint-every", options->checkpoint_every, "Records between signed checkpoints (default 1000)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));

  command->callback([options, command, &exit_code] {
    if (options->store.empty()) {
      for (const char* store_only : {"--key", "--batch", "--sync", "--checkpoint-every"}) {
        if (command->count(store_only) > 0) {
          std::cerr << "docket: error: " << store_only << " works only with --store\n";
          exit_code = kExitUsage;
          return;
        }
      }
    }
    std::optional<ReplayInput> input = open_replay(options->rules, options->events);
    if (!input) {
      exit_code = kExitFailure;
      return;
    }
    auto& workflows = input->workflows;
    auto& events = input->events;

    engine::SpdlogJournalSinks sinks;
    if (!options->log.empty()) {
      // Opening the log truncates it: never one of the inputs.
      std::vector<std::string> inputs = options->rules;
      inputs.push_back(options->events);
      for (const std::string& input : inputs) {
        std::error_code error;
        if (std::filesystem::equivalent(options->log, input, error)) {
          std::cerr << "docket: error: --log " << options->log << " would overwrite the input " << input << '\n';
          exit_code = kExitUsage;
          return;
        }
      }
      engine::Result<engine::LogSink> file = engine::open_json_log_file(options->log);
      if (!file) {
        std::cerr << "docket: error: cannot write the log " << options->log << ": " << file.error() << '\n';
        exit_code = kExitFailure;
        return;
      }
      sinks.json.push_back(file.value());
    }
    if (!options->quiet) sinks.human.push_back(engine::human_console_sink());
    engine::SpdlogJournal log(std::move(sinks));
    TallyingJournal journal(log);

    // With a store, the engine writes to it and records are shown (and
    // logged) once they are durable: a line on the screen is a promise.
    std::unique_ptr<engine::SqliteStore> store;
    std::string display_error;
    if (!options->store.empty()) {
      engine::SqliteStoreOptions store_options;
      store_options.batch_units = options->batch;
      store_options.checkpoint_every = options->checkpoint_every;
      if (options->sync == "normal") store_options.durability = engine::SqliteStoreOptions::Durability::kNormal;
      if (!options->key.empty()) {
        engine::Result<engine::SigningKey> key = engine::SigningKey::load(options->key);
        if (!key) {
          std::cerr << "docket: error: " << key.error() << '\n';
          exit_code = kExitFailure;
          return;
        }
        store_options.signing_key = std::move(key).value();
      }
      store_options.on_durable = [&journal, &display_error](std::span<const engine::Record> records) {
        engine::Status shown = journal.write(records);
        if (!shown && display_error.empty()) display_error = shown.error();
      };
      auto opened = engine::SqliteStore::open(options->store, std::move(store_options));
      if (!opened) {
        std::cerr << "docket: error: " << opened.error() << '\n';
        exit_code = kExitFailure;
        return;
      }
      store = std::move(opened).value();
    }

    engine::VirtualClock clock;
    engine::Engine engine(clock, store ? static_cast<engine::JournalSink&>(*store) : journal);
    if (store) {
      engine::Result<engine::Recovered> recovered = engine::recover(engine, *store, compile_stored);
      if (!recovered) {
        std::cerr << "docket: error: " << options->store << ": " << recovered.error() << '\n';
        exit_code = kExitFailure;
        return;
      }
      (void)clock.set(engine.now());
    }
    for (const auto& workflow : workflows) {
      engine::Status installed = engine.install(workflow);
      if (!installed) {
        std::cerr << "docket: error: " << installed.error() << '\n';
        exit_code = kExitFailure;
        return;
      }
    }
    // Whatever happens next, units already applied get committed, and with
    // a key the last of them is signed.
    auto flush_store = [&store, &exit_code] {
      if (!store) return true;
      engine::Status flushed = store->seal();
      if (flushed) return true;
      std::cerr << "docket: error: " << flushed.error() << '\n';
      exit_code = kExitFailure;
      return false;
    };

    ReplayResult replayed = replay(engine, clock, events, options->events);
    if (!replayed.ok()) {
      flush_store();
      std::size_t applied = replayed.stats.events;
      std::cerr << replayed.error << '\n' << "docket: stopped: ";
      if (replayed.stopped_after_applying) {
        std::cerr << applied << (applied == 1 ? " event was" : " events were")
                  << " applied, the last on this line; nothing after it was applied\n";
      } else {
        std::cerr << applied << (applied == 1 ? " event before this line was" : " events before this line were")
                  << " applied; nothing from this line on was applied\n";
      }
      exit_code = kExitFailure;
      return;
    }

    std::int64_t end = replayed.stats.last_at.value_or(clock.now());
    if (!options->until.empty()) {
      std::int64_t until = *engine::parse_timestamp(options->until);
      if (replayed.stats.last_at && until < *replayed.stats.last_at) {
        std::cerr << "docket: error: --until " << engine::format_timestamp(until) << " is earlier than the last event ("
                  << engine::format_timestamp(*replayed.stats.last_at) << ")\n";
        exit_code = kExitUsage;
        return;
      }
      engine::Status advanced = advance(engine, clock, until);
      if (!advanced) {
        flush_store();
        std::cerr << "docket: error: advancing to " << engine::format_timestamp(until) << ": " << advanced.error()
                  << '\n';
        exit_code = kExitFailure;
        return;
      }
      end = until;
    }
    if (!flush_store()) return;
    if (!display_error.empty()) {
      std::cerr << "docket: error: the store kept every record, but showing or logging them failed: " << display_error
                << '\n';
      exit_code = kExitFailure;
    }
    if (!options->quiet && journal.count > 0) std::cout << '\n';
    print_summary(std::cout, engine, journal, replayed.stats, options->events, options->log, end);
  });
}

}  // namespace docket::cli
