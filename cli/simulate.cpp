// docket simulate RULES --profile PROFILE.toml [--compare OTHER_RULES] [--seed N] [--days D]
//                 [--format text|json]: synthetic load through the rules on a virtual clock
// (designer/simulation.h, docs/simulation.md).

#include <unistd.h>
#include <CLI/CLI.hpp>

#include <iostream>
#include <map>
#include <optional>

#include "cli/commands.h"
#include "cli/replay.h"
#include "designer/profile.h"
#include "designer/simulation.h"
#include "designer/simulation_report.h"

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

std::optional<designer::SimulationReport> run_one(const std::string& rules, const designer::Profile& profile,
                                                  designer::SimulationOptions options) {
  std::vector<std::shared_ptr<const engine::Workflow>> workflows = compile_rule_files({rules});
  if (workflows.empty()) return std::nullopt;
  options.progress = progress_bar("simulating " + rules);
  engine::Result<designer::SimulationReport> report = designer::simulate(workflows.front(), profile, options);
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

int run_simulate(const SimulateOptions& options) {
  engine::Result<designer::Profile> profile = designer::load_profile(options.profile);
  if (!profile) {
    std::cerr << profile.error() << '\n';
    return kExitFailure;
  }
  designer::SimulationOptions simulation;
  simulation.seed = options.seed;
  simulation.days = options.days;
  std::optional<designer::SimulationReport> a = run_one(options.rules, profile.value(), simulation);
  if (!a) return kExitFailure;
  std::optional<designer::SimulationReport> b;
  if (!options.compare.empty()) {
    b = run_one(options.compare, profile.value(), simulation);
    if (!b) return kExitFailure;
  }
  std::cout << render(options, *a, b ? &*b : nullptr);
  return kExitOk;
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
  command->callback([options, &exit_code] { exit_code = run_simulate(*options); });
}

}  // namespace docket::cli
