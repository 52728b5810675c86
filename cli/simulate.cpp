// docket simulate RULES --profile PROFILE.toml [--compare OTHER_RULES] [--seed N] [--days D]
//                 [--format text|json] [--log FILE] [--store FILE [--key K] ...]
//                 [--events-out FILE]: synthetic load through the rules on a virtual clock
// (designer/simulation.h, docs/simulation.md).
//
// --log and --store keep the run's journal as `docket run` keeps a real one
// (cli/journal_output.h), for `docket report`, `docket audit` and the rest.
// --events-out keeps the events the simulation sent, as an events file
// (engine/codec/event_reader.h): `docket explain` reads it, and `docket run
// --until` the report's end replays it into the same journal.
// Exit codes: 0 the report was printed, 1 the rules or the profile have
// errors, or the journal or the events could not be kept, 2 usage (also
// --log, --store or --events-out with --compare, a --log or --events-out
// that is an input, an --events-out that is the --log or the --store, a
// --store that holds a journal).

#include <unistd.h>
#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <utility>

#include "cli/commands.h"
#include "cli/journal_output.h"
#include "cli/output.h"
#include "cli/replay.h"
#include "cli/store_access.h"
#include "designer/profile.h"
#include "designer/simulation.h"
#include "designer/simulation_report.h"
#include "engine/codec/event_reader.h"

namespace docket::cli {
namespace {

enum class ReportFormat { kText, kJson };

struct SimulateOptions {
  std::string rules;
  std::string profile;
  std::string compare;
  std::optional<std::uint64_t> seed;
  std::optional<int> days;
  ReportFormat format = ReportFormat::kText;
  JournalOutputOptions output;  // --log, --store and the store's options
  std::string events_out;
};

// A progress bar on stderr, only when stderr is a terminal: pipes and logs get nothing.
std::function<void(double)> progress_bar(const std::string& label) {
  if (isatty(STDERR_FILENO) == 0) return {};
  return [label](double done) {
    constexpr int kWidth = 30;
    int filled = static_cast<int>(done * kWidth);
    std::cerr << "\r" << label << " [" << std::string(static_cast<std::size_t>(filled), '#')
              << std::string(static_cast<std::size_t>(kWidth - filled), '.') << "] " << static_cast<int>(done * 100)
              << "%" << std::flush;
    if (done >= 1.0) std::cerr << "\r" << std::string(label.size() + kWidth + 10, ' ') << "\r" << std::flush;
  };
}

// The rules of `file` compiled; null after printing the diagnostics.
std::shared_ptr<const engine::Workflow> compile(const std::string& file) {
  std::vector<std::shared_ptr<const engine::Workflow>> workflows = compile_rule_files({file});
  return workflows.empty() ? nullptr : workflows.front();
}

std::optional<designer::SimulationReport> run_one(const std::string& rules,
                                                  std::shared_ptr<const engine::Workflow> workflow,
                                                  const designer::Profile& profile,
                                                  designer::SimulationOptions options) {
  options.progress = progress_bar("simulating " + rules);
  engine::Result<designer::SimulationReport> report = designer::simulate(std::move(workflow), profile, options);
  if (!report) {
    std::cerr << report.error() << '\n';
    return std::nullopt;
  }
  return std::move(report.value());
}

// The report of the rules alone, or side by side with --compare's on the same load.
std::string render(const SimulateOptions& options, const designer::SimulationReport& a,
                   const designer::SimulationReport* b) {
  bool json = options.format == ReportFormat::kJson;
  if (b == nullptr) return json ? designer::render_json(a) : designer::render_text(a);
  return json ? designer::render_comparison_json(a, *b, options.rules, options.compare)
              : designer::render_comparison_text(a, *b, options.rules, options.compare);
}

// ------------------------------------------------------------ keeping the journal

// The first of --log, --store and --events-out given; null when none was.
const char* kept_option(const SimulateOptions& options) {
  if (!options.output.log.empty()) return "--log";
  if (!options.output.store.empty()) return "--store";
  if (!options.events_out.empty()) return "--events-out";
  return nullptr;
}

// --log, --store and --events-out keep one run; --compare makes two.
int check_options(const SimulateOptions& options) {
  if (const char* option = kept_option(options); option != nullptr && !options.compare.empty()) {
    return fail(std::string(option) +
                    " cannot be used with --compare: it keeps the journal of one run, and --compare makes two "
                    "(simulate each rule file on its own to keep its journal)",
                kExitUsage);
  }
  return check_store_options(options.output);
}

// A simulation numbers its tickets from 1 and starts its clock at the
// profile's start, so it cannot continue a store as `docket run` does: its
// ticket ids would collide with those there. A store that holds a journal is
// refused before anything is written to it; a missing or empty file is new.
int check_store_is_new(const std::string& path) {
  std::error_code error;
  if (path.empty() || !std::filesystem::exists(path, error) || std::filesystem::file_size(path, error) == 0) {
    return kExitOk;
  }
  std::unique_ptr<engine::Store> store = open_store_for_reading(path);
  if (store == nullptr) return kExitFailure;
  if (store->last_seq() == 0) return kExitOk;
  return fail("--store " + path + " already holds a journal (" + std::to_string(store->last_seq()) +
                  " records): a simulation starts a store of its own, since its ticket ids would collide with "
                  "the tickets there; give a new file",
              kExitUsage);
}

// ------------------------------------------------------------ keeping the events

// Whether `a` and `b` name one file; by their paths when it does not exist yet.
bool same_file(const std::string& a, const std::string& b) {
  std::error_code error;
  if (std::filesystem::equivalent(a, b, error)) return true;
  // Absolute first: weakly_canonical leaves a relative path of no existing
  // part as it is, so "x" and "./x" would differ.
  auto resolved = [&error](const std::string& path) {
    std::filesystem::path full = std::filesystem::absolute(path, error);
    return error ? full : std::filesystem::weakly_canonical(full, error);
  };
  std::filesystem::path first = resolved(a);
  if (error) return false;
  std::filesystem::path second = resolved(b);
  return !error && first == second;
}

// Checked before the log is opened, since opening either truncates it.
int check_events_out(const SimulateOptions& options) {
  const std::string& path = options.events_out;
  if (path.empty()) return kExitOk;
  for (const std::string& input : {options.rules, options.profile}) {
    if (same_file(path, input)) return fail("--events-out " + path + " would overwrite the input " + input, kExitUsage);
  }
  for (const auto& [option, kept] :
       {std::pair{"--log", options.output.log}, std::pair{"--store", options.output.store}}) {
    if (!kept.empty() && same_file(path, kept)) {
      return fail("--events-out " + path + " is also the " + option + ": give each a file of its own", kExitUsage);
    }
  }
  return kExitOk;
}

// The --events-out file, truncated, and the simulation writing each event it
// sends to it as a line. An exit code, printed.
int open_events_out(const std::string& path, std::ofstream& file, designer::SimulationOptions& simulation) {
  if (path.empty()) return kExitOk;
  file.open(path, std::ios::binary | std::ios::trunc);
  if (!file) return fail("cannot write the events " + path);
  simulation.on_event = [&file](const engine::Event& event) { file << engine::encode_event(event) << '\n'; };
  return kExitOk;
}

// False after printing why the events could not all be written.
bool close_events_out(const std::string& path, std::ofstream& file) {
  if (path.empty()) return true;
  file.close();
  if (!file) print_error("cannot write the events " + path);
  return static_cast<bool>(file);
}

// The rules compiled and the profile checked against them, before anything
// is written. Null after printing why not.
std::shared_ptr<const engine::Workflow> checked_rules(const std::string& rules, const designer::Profile& profile) {
  std::shared_ptr<const engine::Workflow> workflow = compile(rules);
  if (workflow == nullptr) return nullptr;
  if (engine::Status checked = designer::check_profile(profile, *workflow); !checked) {
    std::cerr << checked.error() << '\n';
    return nullptr;
  }
  return workflow;
}

// The run of the rules alone, its journal kept in the --log file and the
// --store when given.
int run_single(const SimulateOptions& options, const designer::Profile& profile,
               designer::SimulationOptions simulation) {
  std::shared_ptr<const engine::Workflow> workflow = checked_rules(options.rules, profile);
  if (workflow == nullptr) return kExitFailure;
  if (int failed = check_store_is_new(options.output.store); failed != kExitOk) return failed;
  if (int failed = check_events_out(options); failed != kExitOk) return failed;
  engine::SpdlogJournalSinks sinks;
  if (int failed = open_log(options.output, {options.rules, options.profile}, sinks); failed != kExitOk) return failed;
  engine::SpdlogJournal log(std::move(sinks));
  std::ofstream events;
  if (int failed = open_events_out(options.events_out, events, simulation); failed != kExitOk) return failed;
  std::string display_error;
  std::unique_ptr<engine::Store> store;
  if (!options.output.store.empty()) {
    auto opened = open_store(options.output, log, display_error);
    if (!opened) return fail(opened.error());
    store = std::move(opened).value();
  }
  if (store != nullptr) {
    simulation.journal = store.get();
  } else if (!options.output.log.empty()) {
    simulation.journal = &log;
  }
  std::optional<designer::SimulationReport> report = run_one(options.rules, workflow, profile, simulation);
  bool sealed = seal(store.get());
  bool events_kept = close_events_out(options.events_out, events);
  if (!report || !sealed || !events_kept) return kExitFailure;
  int exit_code = check_display(display_error);
  std::cout << render(options, *report, nullptr);
  return exit_code;
}

// Both rule files on the same load, side by side.
int run_compare(const SimulateOptions& options, const designer::Profile& profile,
                const designer::SimulationOptions& simulation) {
  std::shared_ptr<const engine::Workflow> workflow = compile(options.rules);
  if (workflow == nullptr) return kExitFailure;
  std::optional<designer::SimulationReport> a = run_one(options.rules, workflow, profile, simulation);
  if (!a) return kExitFailure;
  std::shared_ptr<const engine::Workflow> other = compile(options.compare);
  if (other == nullptr) return kExitFailure;
  std::optional<designer::SimulationReport> b = run_one(options.compare, other, profile, simulation);
  if (!b) return kExitFailure;
  std::cout << render(options, *a, &*b);
  return kExitOk;
}

int run_simulate(const SimulateOptions& options) {
  if (int failed = check_options(options); failed != kExitOk) return failed;
  engine::Result<designer::Profile> profile = designer::load_profile(options.profile);
  if (!profile) {
    std::cerr << profile.error() << '\n';
    return kExitFailure;
  }
  designer::SimulationOptions simulation;
  simulation.seed = options.seed;
  simulation.days = options.days;
  if (!options.compare.empty()) return run_compare(options, profile.value(), simulation);
  return run_single(options, profile.value(), simulation);
}

}  // namespace

void add_simulate_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<SimulateOptions>();
  CLI::App* command = app.add_subcommand(
      "simulate", "Drive synthetic load from a profile through the rules on a virtual clock and report the figures");
  command->add_option("rules", options->rules, "Rule file (*.docket)")->required()->check(CLI::ExistingFile);
  command->add_option("--profile", options->profile, "Load profile (TOML, see docs/simulation.md)")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_option("--compare", options->compare, "Other rule file to run on the same load, side by side")
      ->check(CLI::ExistingFile);
  command->add_option("--seed", options->seed, "Seed of the random streams (default: the profile's)");
  command->add_option("--days", options->days, "Days of arrivals (default: the profile's)")->check(CLI::Range(1, 3660));
  std::map<std::string, ReportFormat> formats{{"text", ReportFormat::kText}, {"json", ReportFormat::kJson}};
  command->add_option("--format", options->format, "text (default) or json")
      ->transform(CLI::CheckedTransformer(formats, CLI::ignore_case));
  command->add_option("--log", options->output.log,
                      "Write the run's journal as JSON lines to FILE, as docket run does (docs/audit-log.md)");
  command->add_option("--store", options->output.store,
                      "Keep the run's tickets and journal in this store (a SQLite file or a postgresql:// URL), as "
                      "docket run does; it must be new");
  add_store_options(*command, options->output);
  command->add_option("--events-out", options->events_out,
                      "Write every event the run sent to FILE, an events file that docket run and docket explain "
                      "read (docs/simulation.md)");
  command->callback([options, &exit_code] { exit_code = run_simulate(*options); });
}

}  // namespace docket::cli
