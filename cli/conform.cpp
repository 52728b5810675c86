// docket conform RULES --log FILE [--map MAP] [--case COL] [--state COL | --activity COL]
//                [--time COL] [--time-format FMT] [--time-zone ZONE] [--order COL]
//                [--actor COL] [--roles COL] [--field NAME=COL]... [--check TARGET=COL]...
//                [--start-state STATE]... [--log-format csv|jsonl]
//                [--format text|json|csv|html] [--rows traces|deviations] [--output FILE]
//                [--max-traces N] [--fail-under PERCENT]
//
// Checks another system's event log against a rule file, trace by trace
// (conform/conformance.h, docs/conformance.md). The mapping file says which
// column is what; the options override it.
// Exit codes: 0 the check ran (and the log fitness is at least --fail-under),
// 1 the rules, the mapping file or the log cannot be read, the mapping does
// not fit them, the log has no row or none that could be read, or the
// fitness is below
// --fail-under; 2 usage (a --field or --check without NAME=COLUMN).

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "cli/commands.h"
#include "cli/dot_svg.h"
#include "cli/output.h"
#include "cli/rules.h"
#include "conform/conformance.h"
#include "conform/conformance_html.h"
#include "conform/conformance_render.h"
#include "conform/process_map.h"
#include "dsl/compiler.h"

namespace docket::cli {
namespace {

struct ConformCommandOptions {
  std::string rules;
  std::string log;
  std::string map;
  std::string case_column, state_column, activity_column, time_column, time_format, time_zone, order_column,
      actor_column, roles_column, log_format;
  std::vector<std::string> fields;
  std::vector<std::string> checks;
  std::vector<std::string> start_states;
  std::string format = "text";
  std::string rows = "deviations";
  std::string output;
  std::size_t max_traces = 20;
  double fail_under = 0;
};

// "NAME=COLUMN" as a pair; nullopt without '='.
std::optional<std::pair<std::string, std::string>> assignment(const std::string& text) {
  std::size_t equals = text.find('=');
  if (equals == std::string::npos || equals == 0 || equals + 1 == text.size()) return std::nullopt;
  return std::make_pair(text.substr(0, equals), text.substr(equals + 1));
}

// The mapping file, then the options over it.
engine::Result<conform::LogMapping> mapping_of(const ConformCommandOptions& options) {
  conform::LogMapping mapping;
  if (!options.map.empty()) {
    engine::Result<conform::LogMapping> loaded = conform::load_mapping(options.map);
    if (!loaded) return loaded;
    mapping = std::move(loaded.value());
  }
  std::pair<const std::string*, std::string*> overrides[] = {
      {&options.case_column, &mapping.case_column},         {&options.state_column, &mapping.state_column},
      {&options.activity_column, &mapping.activity_column}, {&options.time_column, &mapping.time_column},
      {&options.time_format, &mapping.time_format},         {&options.time_zone, &mapping.time_zone},
      {&options.order_column, &mapping.order_column},       {&options.actor_column, &mapping.actor_column},
      {&options.roles_column, &mapping.roles_column}};
  for (auto [given, target] : overrides) {
    if (!given->empty()) *target = *given;
  }
  // A state column given on the command line replaces an activity column of the file, and the other way round.
  if (!options.state_column.empty()) mapping.activity_column.clear();
  if (!options.activity_column.empty()) mapping.state_column.clear();
  if (!options.log_format.empty()) mapping.format = conform::parse_log_format(options.log_format);
  for (const std::string& state : options.start_states) mapping.start_states.push_back(state);
  for (auto [given, target] :
       {std::make_pair(&options.fields, &mapping.fields), std::make_pair(&options.checks, &mapping.checks)}) {
    for (const std::string& text : *given) {
      auto pair = assignment(text);
      if (!pair) return engine::Result<conform::LogMapping>::failure("`" + text + "` must be NAME=COLUMN");
      target->push_back(*pair);
    }
  }
  return engine::Result<conform::LogMapping>::success(std::move(mapping));
}

// A progress bar on stderr when it is a terminal: the share of the log's
// bytes read, the rows and the time so far.
class ProgressBar {
 public:
  explicit ProgressBar(const std::string& log) : started_(std::chrono::steady_clock::now()) {
    std::error_code error;
    total_ = std::filesystem::file_size(log, error);
    if (error) total_ = 0;
  }

  static bool wanted() { return isatty(STDERR_FILENO) != 0; }

  void show(std::uint64_t rows, std::uint64_t bytes) const {
    constexpr int kWidth = 30;
    double share = total_ == 0 ? 0.0 : std::min(1.0, static_cast<double>(bytes) / static_cast<double>(total_));
    int filled = static_cast<int>(share * kWidth);
    std::string bar = std::string(static_cast<std::size_t>(filled), '#') + std::string(kWidth - filled, '.');
    std::fprintf(stderr, "\rdocket conform: [%s] %3d%%  %llu rows  %.1f s", bar.c_str(), static_cast<int>(share * 100),
                 static_cast<unsigned long long>(rows), seconds());
    std::fflush(stderr);
  }

  void done(std::uint64_t rows) const {
    std::fprintf(stderr, "\rdocket conform: %llu rows checked in %.1f s%40s\n", static_cast<unsigned long long>(rows),
                 seconds(), "");
  }

 private:
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count(); }

  std::chrono::steady_clock::time_point started_;
  std::uintmax_t total_ = 0;
};

std::string html_page(const engine::Workflow& workflow, const conform::ConformanceResult& result,
                      const ConformCommandOptions& options) {
  conform::HtmlPage page;
  page.title = result.workflow + " against " + options.log;
  page.rules = options.rules;
  page.log = options.log;
  Svg svg = render_svg(conform::process_map_dot(workflow, result));
  if (svg) {
    page.svg = std::move(svg.value());
  } else {
    page.svg_note = svg.error();
  }
  return conform::render_html(result, page);
}

int run_conform(const ConformCommandOptions& options) {
  LoadedRules rules = load_and_check(options.rules);
  std::shared_ptr<const engine::Workflow> workflow;
  if (rules.usable()) workflow = dsl::compile(*rules.file, rules.sources, rules.diagnostics);
  print_diagnostics(rules, DiagnosticFormat::kText);
  if (!workflow) return kExitFailure;
  for (const std::vector<std::string>* pairs : {&options.fields, &options.checks}) {
    for (const std::string& text : *pairs) {
      if (!assignment(text)) return fail("`" + text + "` must be NAME=COLUMN", kExitUsage);
    }
  }
  engine::Result<conform::LogMapping> mapping = mapping_of(options);
  if (!mapping) return fail(mapping.error());
  conform::ConformOptions check_options;
  std::optional<ProgressBar> progress;
  if (ProgressBar::wanted()) {
    progress.emplace(options.log);
    check_options.progress = [&progress](std::uint64_t rows, std::uint64_t bytes) { progress->show(rows, bytes); };
  }
  engine::Result<conform::ConformanceResult> result =
      conform::check_log(*workflow, mapping.value(), options.log, check_options);
  if (progress) progress->done(result ? result->quality.rows : 0);
  if (!result) return fail(result.error());
  if (result->traces == 0 && result->quality.skipped_rows == 0) return fail(options.log + ": the log has no rows");
  if (result->traces == 0) {
    return fail("no row of " + options.log + " could be read: " + std::to_string(result->quality.skipped_rows) +
                " skipped, the first: " + result->quality.skipped.front());
  }
  std::string text;
  if (options.format == "json") {
    text = conform::render_json(result.value());
  } else if (options.format == "csv") {
    text = conform::render_csv(result.value(),
                               options.rows == "traces" ? conform::CsvRows::kTraces : conform::CsvRows::kDeviations);
  } else if (options.format == "html") {
    text = html_page(*workflow, result.value(), options);
  } else {
    text = conform::render_text(result.value(), options.max_traces);
  }
  if (int written = write_output(text, options.output); written != kExitOk) return written;
  if (100.0 * result->log_fitness() < options.fail_under) {
    char line[128];
    std::snprintf(line, sizeof line, "log fitness %.1f%% is below --fail-under %.1f%%", 100.0 * result->log_fitness(),
                  options.fail_under);
    return fail(line);
  }
  return kExitOk;
}

}  // namespace

void add_conform_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ConformCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "conform",
      "Check another system's event log (CSV or JSON lines) against a rule file, trace by trace: log and move "
      "fitness, every deviation with its row, variants, classification checks and data-quality warnings");
  command->add_option("rules", options->rules, "Rule file (*.docket)")->required()->check(CLI::ExistingFile);
  command->add_option("--log", options->log, "The event log: .csv, or .jsonl (JSON lines)")->required();
  command->add_option("--map", options->map, "Mapping file (TOML): which column is what (docs/conformance.md)")
      ->check(CLI::ExistingFile);
  command->add_option("--case", options->case_column, "Column of the case id");
  command->add_option("--state", options->state_column, "Column of the state (a log of states)");
  command->add_option("--activity", options->activity_column, "Column of the activity (a log of events)");
  command->add_option("--time", options->time_column, "Column of the time");
  command->add_option("--time-format", options->time_format, "How times are written, e.g. \"%d-%m-%Y %H:%M\"");
  command->add_option("--time-zone", options->time_zone, "Time zone of times without an offset (default UTC)");
  command->add_option("--order", options->order_column, "Column that breaks ties between equal times (a number)");
  command->add_option("--actor", options->actor_column, "Column of who made the change");
  command->add_option("--roles", options->roles_column, "Column of the actor's roles");
  command->add_option("--field", options->fields, "NAME=COLUMN: a rule field read from a column (repeatable)");
  command->add_option("--check", options->checks,
                      "TARGET=COLUMN: compare a recorded classification (priority, ...) with the rules' (repeatable)");
  command->add_option("--start-state", options->start_states,
                      "A state a trace may begin in besides the initial one; * for any (repeatable)");
  command->add_option("--log-format", options->log_format, "csv or jsonl (default: by the file's extension)")
      ->check(CLI::IsMember({"csv", "jsonl", "ndjson"}));
  command->add_option("--format", options->format, "text (default), json, csv or html")
      ->check(CLI::IsMember({"text", "json", "csv", "html"}));
  command->add_option("--rows", options->rows, "csv: one row per deviation (default) or per trace")
      ->check(CLI::IsMember({"deviations", "traces"}));
  command->add_option("-o,--output", options->output, "Write to this file instead of stdout");
  command->add_option("--max-traces", options->max_traces, "text: deviating traces shown with their rows (default 20)");
  command->add_option("--fail-under", options->fail_under, "Exit 1 when the log fitness is below this percentage")
      ->check(CLI::Range(0.0, 100.0));
  command->callback([options, &exit_code] { exit_code = run_conform(*options); });
}

}  // namespace docket::cli
