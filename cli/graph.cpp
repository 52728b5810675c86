// docket graph FILE --format dot|mermaid|json: the compiled state graph.

#include <CLI/CLI.hpp>

#include <iostream>
#include <map>

#include "cli/commands.h"
#include "cli/rules.h"
#include "dsl/compiler.h"
#include "engine/graph_export.h"

namespace docket::cli {

void add_graph_command(CLI::App& app, int& exit_code) {
  struct Options {
    std::string file;
    engine::GraphFormat format = engine::GraphFormat::kDot;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command =
      app.add_subcommand("graph", "Print the state graph of a workflow (DOT for Graphviz, Mermaid, or JSON for tools)");
  command->add_option("file", options->file, "Rule file (*.docket)")->required()->check(CLI::ExistingFile);
  std::map<std::string, engine::GraphFormat> formats{{"dot", engine::GraphFormat::kDot},
                                                     {"mermaid", engine::GraphFormat::kMermaid},
                                                     {"json", engine::GraphFormat::kJson}};
  command->add_option("--format", options->format, "dot (default), mermaid or json")
      ->transform(CLI::CheckedTransformer(formats, CLI::ignore_case));
  command->callback([options, &exit_code] {
    LoadedRules rules = load_and_check(options->file);
    std::shared_ptr<const engine::Workflow> workflow;
    if (rules.usable()) workflow = dsl::compile(*rules.file, rules.sources, rules.diagnostics);
    // Warnings go to stderr; the graph alone goes to stdout, ready for a pipe.
    print_diagnostics(rules, DiagnosticFormat::kText);
    if (!workflow) {
      exit_code = kExitFailure;
      return;
    }
    std::cout << engine::export_graph(*workflow, options->format);
  });
}

}  // namespace docket::cli
