// docket graph FILE --format dot|svg|mermaid|json|xstate: the compiled state
// graph. svg runs Graphviz's `dot -Tsvg` with the DOT text on its stdin.

#include <CLI/CLI.hpp>

#include <iostream>
#include <map>

#include "cli/commands.h"
#include "cli/dot_svg.h"
#include "cli/rules.h"
#include "designer/graph_export.h"
#include "dsl/compiler.h"
#include "engine/model/result.h"

namespace docket::cli {
namespace {

struct GraphOptions {
  std::string file;
  std::string format = "dot";
};

int run_graph(const GraphOptions& options) {
  LoadedRules rules = load_and_check(options.file);
  std::shared_ptr<const engine::Workflow> workflow;
  if (rules.usable()) workflow = dsl::compile(*rules.file, rules.sources, rules.diagnostics);
  // Warnings go to stderr; the graph alone goes to stdout, ready for a pipe.
  print_diagnostics(rules, DiagnosticFormat::kText);
  if (!workflow) return kExitFailure;
  if (options.format == "svg") {
    Svg svg = render_svg(designer::export_dot(*workflow));
    if (!svg.ok()) {
      std::cerr << "docket graph: " << svg.error() << "\n";
      return kExitFailure;
    }
    std::cout << svg.value();
    return kExitOk;
  }
  std::optional<designer::GraphFormat> format = designer::parse_graph_format(options.format);
  std::cout << designer::export_graph(*workflow, format.value_or(designer::GraphFormat::kDot));
  return kExitOk;
}

}  // namespace

void add_graph_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<GraphOptions>();
  CLI::App* command = app.add_subcommand(
      "graph",
      "Print the state graph of a workflow: DOT or SVG (through Graphviz's `dot`, which must be on PATH; exit 1 "
      "when it is missing or fails), Mermaid, JSON for tools, or an XState v5 machine (guards and actions as "
      "names only)");
  command->add_option("file", options->file, "Rule file (*.docket)")->required()->check(CLI::ExistingFile);
  command->add_option("--format", options->format, "dot (default), svg, mermaid, json or xstate")
      ->transform(CLI::IsMember({"dot", "svg", "mermaid", "json", "xstate"}, CLI::ignore_case));
  command->callback([options, &exit_code] { exit_code = run_graph(*options); });
}

}  // namespace docket::cli
