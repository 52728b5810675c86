// docket report STORE|LOG [--from DATE] [--to DATE] [--zone ZONE]
//                         [--format text|csv|html] [--output FILE]
//                         [--first-response-metric NAME] [--resolve-metric NAME]
//                         [--survey-field NAME] [--declined-event NAME] [--type-field NAME]
//
// The department's figures (docs/reports.md) for the tickets created in
// [--from, --to), dates taken at midnight in --zone (default UTC), from a
// store, a --log journal or an audit bundle (designer/report_input.h).
// Exit codes: 0 the report was written, 1 the journal cannot be read (its
// name and the line or seq are printed) or the output cannot be written,
// 2 usage (a bad date or zone, --from not before --to).

#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <tuple>

#include "cli/commands.h"
#include "cli/output.h"
#include "designer/report.h"
#include "designer/report_html.h"
#include "designer/report_input.h"
#include "designer/report_render.h"

namespace docket::cli {
namespace {

struct ReportOptions {
  std::string input;
  std::string from;
  std::string to;
  std::string zone = "UTC";
  std::string format = "text";
  std::string output;
  designer::ReportOptions names;
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

int write_report(const ReportOptions& options, const std::string& text) {
  if (options.output.empty()) {
    std::cout << text;
    return kExitOk;
  }
  std::ofstream out(options.output, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  return out ? kExitOk : fail("cannot write " + options.output);
}

int run_report(const ReportOptions& options) {
  designer::ReportOptions report_options = options.names;
  if (int failed = set_period(options, report_options); failed != kExitOk) return failed;
  auto records = designer::read_journal_records(options.input);
  if (!records) return fail(records.error());
  designer::Report report = designer::compute_report(records.value(), report_options);
  std::string text = options.format == "csv"    ? designer::render_report_csv(report)
                     : options.format == "html" ? designer::render_report_html(report, options.input)
                                                : designer::render_report_text(report);
  return write_report(options, text);
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
  command->add_option("--zone", options->zone, "IANA time zone of the dates (default UTC)");
  command->add_option("--format", options->format, "text (default), csv or html")
      ->check(CLI::IsMember({"text", "csv", "html"}));
  command->add_option("-o,--output", options->output, "Write the report to FILE instead of stdout");
  command->add_option("--first-response-metric", options->names.first_response_metric,
                      "SLA metric whose stop accepts a ticket (default first_response)");
  command->add_option("--resolve-metric", options->names.resolve_metric,
                      "SLA metric whose stop resolves a ticket (default resolve)");
  command->add_option("--survey-field", options->names.survey_field,
                      "Field a return visit records the score in (default overall)");
  command->add_option("--declined-event", options->names.declined_event,
                      "Event recording a declined survey (default survey_declined)");
  command->add_option("--type-field", options->names.type_field,
                      "Attribute or field whose values are the complaint types (default category)");

  command->callback([options, &exit_code] { exit_code = run_report(*options); });
}

}  // namespace docket::cli
