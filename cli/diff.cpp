// docket diff OLD NEW [--format text|json]: what the new rules change.
//
// Exit codes follow diff(1), not the other commands: 0 no differences,
// 1 differences, 2 trouble (usage errors, or a rule file that does not
// compile: its diagnostics go to stderr).

#include <CLI/CLI.hpp>

#include <iostream>
#include <map>

#include "cli/commands.h"
#include "cli/rules.h"
#include "designer/diff.h"
#include "dsl/compiler.h"

namespace docket::cli {
namespace {

enum class DiffFormat { kText, kJson };

struct DiffOptions {
  std::string old_file;
  std::string new_file;
  DiffFormat format = DiffFormat::kText;
};

// The compiled workflow of `path`, or null after printing why not.
std::shared_ptr<const engine::Workflow> compile_rules(const std::string& path) {
  LoadedRules rules = load_and_check(path);
  std::shared_ptr<const engine::Workflow> workflow;
  if (rules.usable()) workflow = dsl::compile(*rules.file, rules.sources, rules.diagnostics);
  // Warnings too go to stderr: stdout holds the report alone.
  print_diagnostics(rules, DiagnosticFormat::kText);
  return workflow;
}

int run_diff(const DiffOptions& options) {
  std::shared_ptr<const engine::Workflow> old_workflow = compile_rules(options.old_file);
  std::shared_ptr<const engine::Workflow> new_workflow = compile_rules(options.new_file);
  if (!old_workflow || !new_workflow) {
    std::cerr << "docket diff: cannot compare rules that do not compile\n";
    return kExitUsage;
  }
  std::vector<designer::Change> changes = designer::diff_workflows(*old_workflow, *new_workflow);
  std::cout << (options.format == DiffFormat::kJson ? designer::render_diff_json(changes)
                                                    : designer::render_diff_text(changes));
  return changes.empty() ? kExitOk : kExitFailure;
}

}  // namespace

void add_diff_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<DiffOptions>();
  CLI::App* command = app.add_subcommand(
      "diff",
      "Show what NEW changes against OLD: fields, calendars, organisation, categories, priorities and their "
      "limits, classifications, approval, constraints, states, transitions and timers, each with its rule "
      "position. Exit 0: no differences, 1: differences, 2: usage errors or a rule file with errors");
  command->add_option("old", options->old_file, "The old rule file (*.docket)")->required()->check(CLI::ExistingFile);
  command->add_option("new", options->new_file, "The new rule file (*.docket)")->required()->check(CLI::ExistingFile);
  std::map<std::string, DiffFormat> formats{{"text", DiffFormat::kText}, {"json", DiffFormat::kJson}};
  command->add_option("--format", options->format, "text (default) or json")
      ->transform(CLI::CheckedTransformer(formats, CLI::ignore_case));
  command->callback([options, &exit_code] { exit_code = run_diff(*options); });
}

}  // namespace docket::cli
