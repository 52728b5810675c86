// docket report STORE|LOG|BUNDLE [--rules FILE] [--workflow NAME] [--from DATE] [--to DATE]
//                                [--zone ZONE] [--format text|csv|json|html] [--output FILE]
//                                [--first-response-metric NAME] [--resolve-metric NAME]
//                                [--resolution-state NAME]... [--survey-field NAME]
//                                [--declined-event NAME] [--type-field NAME]
//
// The department's figures (docs/reports.md) for the tickets created in
// [--from, --to), dates taken at midnight in --zone (default UTC), from a
// store, a --log journal or an audit bundle (designer/report_input.h). What
// they count by comes from the rule file's `report` block: --rules, or the
// version a store or bundle kept (designer/report_settings.h); the options
// override it.
// Exit codes: 0 the report was written, 1 the journal or rules cannot be
// read (its name and the line or seq are printed) or the output cannot be
// written, 2 usage (a bad date or zone, --from not before --to, a name the
// rules do not know, several workflows and no --workflow).

#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <tuple>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/replay.h"
#include "cli/store_access.h"
#include "designer/report.h"
#include "designer/report_html.h"
#include "designer/report_input.h"
#include "designer/report_render.h"
#include "designer/report_rules.h"
#include "designer/report_settings.h"
#include "engine/store/open_store.h"

namespace docket::cli {
namespace {

struct ReportOptions {
  std::string input;
  std::string rules;
  std::string workflow;
  std::string from;
  std::string to;
  std::string zone = "UTC";
  std::string format = "text";
  std::string output;
  designer::ReportOverrides overrides;
};

// The period's bounds: midnight in --zone of --from and --to.
int set_period(const ReportOptions& options, designer::ReportOptions& report_options) {
  report_options.zone = options.zone;
  if (engine::Result<std::int64_t> zone = designer::start_of_day("1970-01-01", options.zone); !zone) {
    return fail(zone.error(), kExitUsage);
  }
  for (auto [text, bound, label] : {std::tuple{&options.from, &report_options.from, &report_options.from_label},
                                    std::tuple{&options.to, &report_options.to, &report_options.to_label}}) {
    if (text->empty()) continue;
    engine::Result<std::int64_t> instant = designer::start_of_day(*text, options.zone);
    if (!instant) return fail(instant.error(), kExitUsage);
    *bound = instant.value();
    *label = *text;
  }
  if (report_options.from && report_options.to && *report_options.from >= *report_options.to) {
    return fail("--from " + options.from + " is not before --to " + options.to, kExitUsage);
  }
  return kExitOk;
}

// --rules compiled, and checked to be of the journal's workflow; nullopt
// after printing why not.
std::optional<std::shared_ptr<const engine::Workflow>> given_rules(const ReportOptions& options,
                                                                   const std::string& workflow, int& exit_code) {
  std::vector<std::shared_ptr<const engine::Workflow>> compiled = compile_rule_files({options.rules});
  if (compiled.empty()) {
    exit_code = kExitFailure;
    return std::nullopt;
  }
  if (!workflow.empty() && compiled.front()->name() != workflow) {
    exit_code = fail("--rules " + options.rules + " declares workflow `" + compiled.front()->name() +
                         "`, but the journal's tickets run `" + workflow + "`",
                     kExitUsage);
    return std::nullopt;
  }
  return compiled.front();
}

// The workflow, the rules and the names the report counts by
// (designer/report_rules.h).
int settle(const ReportOptions& options, const designer::JournalInput& input, designer::ReportOptions& settled) {
  engine::Result<std::string> workflow =
      designer::choose_report_workflow(input.records, options.workflow, "--workflow");
  if (!workflow) return fail(workflow.error(), kExitUsage);
  designer::ReportRequest request;
  request.workflow = workflow.value();
  request.input = engine::redact_postgres_url(options.input);
  request.overrides = options.overrides;
  if (!options.rules.empty()) {
    int exit_code = kExitOk;
    std::optional<std::shared_ptr<const engine::Workflow>> rules = given_rules(options, request.workflow, exit_code);
    if (!rules) return exit_code;
    request.rules = *rules;
    request.rules_source = options.rules;
  }
  std::optional<designer::ReportProblem> problem = designer::settle_report(input, request, compile_stored, settled);
  if (problem) return fail(problem->message, problem->usage ? kExitUsage : kExitFailure);
  return kExitOk;
}

std::string render(const ReportOptions& options, const designer::Report& report) {
  if (options.format == "csv") return designer::render_report_csv(report);
  if (options.format == "json") return designer::render_report_json(report);
  if (options.format == "html") return designer::render_report_html(report, options.input);
  return designer::render_report_text(report);
}

int run_report(const ReportOptions& options) {
  designer::ReportOptions report_options;
  if (int failed = set_period(options, report_options); failed != kExitOk) return failed;
  auto input = designer::read_journal(options.input);
  if (!input) return fail(input.error());
  if (int failed = settle(options, input.value(), report_options); failed != kExitOk) return failed;
  designer::Report report = designer::compute_report(input.value().records, report_options);
  return write_output(render(options, report), options.output);
}

}  // namespace

void add_report_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ReportOptions>();
  CLI::App* command = app.add_subcommand(
      "report",
      "The department's figures (acceptance timeliness, follow-up rate, complaint types, resolution time, "
      "satisfaction, SLA compliance) from a store or journal");
  command->add_option("input", options->input, "A store (docket run --store), a journal (--log) or an audit bundle")
      ->required();
  command->add_option("--from", options->from, "First day of the period, YYYY-MM-DD (tickets created from then on)");
  command->add_option("--to", options->to, "Day after the period, YYYY-MM-DD (tickets created before then)");
  command->add_option("--rules", options->rules,
                      "Rule file whose `report` settings and labels to use (default: the version a store or "
                      "bundle kept; a --log journal has none)");
  command->add_option("--workflow", options->workflow, "Count only the tickets of this workflow");
  command->add_option("--zone", options->zone, "IANA time zone of the dates (default UTC)");
  command->add_option("--format", options->format, "text (default), csv, json or html")
      ->check(CLI::IsMember({"text", "csv", "json", "html"}));
  command->add_option("-o,--output", options->output, "Write the report to FILE instead of stdout");
  designer::ReportOverrides& overrides = options->overrides;
  command->add_option("--first-response-metric", overrides.first_response_metric,
                      "SLA metric whose stop accepts a ticket (overrides the rules' `acceptance clock`)");
  command->add_option("--resolve-metric", overrides.resolve_metric,
                      "SLA metric whose stop resolves a ticket (overrides the rules' `resolution`)");
  command->add_option("--resolution-state", overrides.resolution_states,
                      "State whose first entry resolves a ticket; repeat for several (overrides `resolution`)");
  command->add_option("--survey-field", overrides.survey_field,
                      "Field a return visit records the answer in (overrides `survey field`)");
  command->add_option("--declined-event", overrides.declined_event,
                      "Event recording a declined survey; \"\" for none (overrides `declined event`)");
  command->add_option("--type-field", overrides.type_field,
                      "category, priority or the field whose values are the complaint types (overrides `types by`)");

  command->callback([options, &exit_code] { exit_code = run_report(*options); });
}

}  // namespace docket::cli
