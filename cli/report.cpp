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

#include <algorithm>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <span>
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
#include "designer/report_settings.h"
#include "engine/model/text.h"

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

// The workflow whose tickets are counted: --workflow, or the only one the
// journal has ("" for an empty journal); nullopt after printing why it
// cannot be told.
std::optional<std::string> choose_workflow(const ReportOptions& options, std::span<const engine::Record> records) {
  std::set<std::string> names;
  for (const engine::Record& record : records) {
    if (!record.workflow.empty()) names.insert(record.workflow);
  }
  if (!options.workflow.empty()) {
    if (names.count(options.workflow) != 0 || names.empty()) return options.workflow;
    fail("--workflow " + options.workflow + ": the journal has no ticket of it (it has " +
             engine::join({names.begin(), names.end()}, ", ") + ")",
         kExitUsage);
    return std::nullopt;
  }
  if (names.size() <= 1) return names.empty() ? std::string() : *names.begin();
  fail("the journal holds tickets of " + std::to_string(names.size()) + " workflows (" +
           engine::join({names.begin(), names.end()}, ", ") + "): choose one with --workflow",
       kExitUsage);
  return std::nullopt;
}

// The stored versions of `workflow` that a record names, newest last.
std::vector<const engine::StoredVersion*> used_versions(const designer::JournalInput& input,
                                                        const std::string& workflow) {
  std::set<std::string> used;
  for (const engine::Record& record : input.records) {
    if (record.workflow == workflow) used.insert(record.version);
  }
  std::vector<const engine::StoredVersion*> versions;
  for (const engine::StoredVersion& version : input.versions) {
    if (version.workflow == workflow && used.count(version.id) != 0) versions.push_back(&version);
  }
  std::stable_sort(versions.begin(), versions.end(),
                   [](const auto* a, const auto* b) { return a->added_at < b->added_at; });
  return versions;
}

struct Rules {
  std::shared_ptr<const engine::Workflow> workflow;  // null: none to be had
  std::string source;                                // how messages name them
};

// --rules, else the version the store or bundle kept; nullopt after printing
// why the rules cannot be used.
std::optional<Rules> report_rules(const ReportOptions& options, const designer::JournalInput& input,
                                  const std::string& workflow) {
  if (!options.rules.empty()) {
    std::vector<std::shared_ptr<const engine::Workflow>> compiled = compile_rule_files({options.rules});
    if (compiled.empty()) return std::nullopt;
    return Rules{compiled.front(), options.rules};
  }
  std::vector<const engine::StoredVersion*> versions = used_versions(input, workflow);
  if (versions.empty()) return Rules{};
  const engine::StoredVersion* version = versions.back();
  auto compiled = compile_stored(*version);
  if (!compiled) {
    fail(options.input + ": the rules of version " + version->id.substr(0, 12) +
         " do not compile: " + compiled.error());
    return std::nullopt;
  }
  return Rules{compiled.value(), version->workflow + " " + version->id.substr(0, 12) + " kept in " + options.input};
}

// The other stored versions the tickets ran on whose `report` block counts
// by other names than `used`: listed, so that the report says every ticket
// was counted by `used`'s. One that does not compile is listed too.
void add_other_settings(const designer::JournalInput& input, const std::string& workflow, const engine::Workflow& used,
                        const std::string& source, designer::ReportOptions& settled) {
  for (const engine::StoredVersion* version : used_versions(input, workflow)) {
    if (version->id == used.version_id()) continue;
    auto compiled = compile_stored(*version);
    if (compiled && designer::same_report_settings(*compiled.value(), used)) continue;
    settled.rules.push_back({version->workflow, version->id, source, false});
  }
}

int settle(const ReportOptions& options, const designer::JournalInput& input, designer::ReportOptions& settled) {
  std::optional<std::string> workflow = choose_workflow(options, input.records);
  if (!workflow) return kExitUsage;
  settled.workflow = *workflow;
  std::optional<Rules> rules = report_rules(options, input, *workflow);
  if (!rules) return kExitFailure;
  if (rules->workflow && !workflow->empty() && rules->workflow->name() != *workflow) {
    return fail("--rules " + options.rules + " declares workflow `" + rules->workflow->name() +
                    "`, but the journal's tickets run `" + *workflow + "`",
                kExitUsage);
  }
  designer::KnownNames known = rules->workflow ? designer::names_of_rules(*rules->workflow, rules->source)
                                               : designer::names_in_journal(input.records);
  engine::Status ok = designer::settle_report_settings(rules->workflow.get(), options.overrides, known, settled);
  if (!ok) return fail(ok.error(), kExitUsage);
  if (rules->workflow) {
    const engine::Workflow& used = *rules->workflow;
    settled.rules.push_back({used.name(), used.version_id(), options.rules.empty() ? options.input : options.rules});
    add_other_settings(input, *workflow, used, options.input, settled);
  }
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
