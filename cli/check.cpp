// docket check FILE...: report every problem in rule files, like a compiler.

#include <CLI/CLI.hpp>

#include <iostream>
#include <map>

#include "cli/commands.h"
#include "cli/rules.h"

namespace docket::cli {
namespace {

struct CheckOptions {
  std::vector<std::string> files;
  DiagnosticFormat format = DiagnosticFormat::kText;
  bool warnings_as_errors = false;
};

int run_check(const CheckOptions& options) {
  int exit_code = kExitOk;
  for (const std::string& file : options.files) {
    LoadedRules rules = load_and_check(file);
    print_diagnostics(rules, options.format);
    bool failed = !rules.usable() || (options.warnings_as_errors && rules.diagnostics.warning_count() > 0);
    if (failed) exit_code = kExitFailure;
  }
  return exit_code;
}

}  // namespace

void add_check_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<CheckOptions>();
  CLI::App* command = app.add_subcommand("check", "Check rule files and report every problem found");
  command->add_option("files", options->files, "Rule files (*.docket)")->required()->check(CLI::ExistingFile);
  std::map<std::string, DiagnosticFormat> formats{{"text", DiagnosticFormat::kText}, {"json", DiagnosticFormat::kJson}};
  command->add_option("--format", options->format, "Output format: text (default) or json")
      ->transform(CLI::CheckedTransformer(formats, CLI::ignore_case));
  command->add_flag("--warnings-as-errors", options->warnings_as_errors, "Exit 1 when there are warnings");
  command->callback([options, &exit_code] { exit_code = run_check(*options); });
}

}  // namespace docket::cli
