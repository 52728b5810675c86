// Which workflow a report of a journal counts and which rules it counts by,
// for `docket report` and GET /v1/report alike (docs/reports.md).
//
//   Result<std::string> workflow = choose_report_workflow(input.records, asked, "--workflow");
//   ReportRequest request{.workflow = workflow.value(), .input = "tickets.db"};
//   std::optional<ReportProblem> problem = settle_report(input, request, compile, options);
//   Report report = compute_report(input.records, options);
//
// The workflow: the one asked for (an error when the journal has tickets,
// but none of it), else the only one the journal's records name ("" for an
// empty journal; an error when they name several).
// The rules: the ones the caller gives (a rule file it compiled), else the
// newest stored version of the workflow that a record names, compiled by
// `compile`. Stored versions the tickets also ran on whose `report` block
// counts by other names are listed in ReportOptions::rules with counted_by
// false (one that does not compile too). The names are then settled from
// the rules and the overrides (designer/report_settings.h).

#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>

#include "designer/report.h"
#include "designer/report_input.h"
#include "designer/report_settings.h"
#include "engine/model/result.h"
#include "engine/model/workflow.h"
#include "engine/runtime/journal.h"
#include "engine/store/recovery.h"

namespace docket::designer {

// The workflow whose tickets a report counts: `asked`, or the only one the
// records name. `option` names the choice in errors ("--workflow"):
// "--workflow x: the journal has no ticket of it (it has after_sales)",
// "the journal holds tickets of 2 workflows (a, b): choose one with --workflow".
engine::Result<std::string> choose_report_workflow(std::span<const engine::Record> records, const std::string& asked,
                                                   const std::string& option);

struct ReportRequest {
  std::string workflow;  // choose_report_workflow's answer
  // Rules the caller compiled (a rule file), of `workflow`; null: the
  // stored version's.
  std::shared_ptr<const engine::Workflow> rules;
  std::string rules_source;  // how the report names the given rules: their file
  std::string input;         // how messages and the report name the journal: "tickets.db"
  ReportOverrides overrides;
};

struct ReportProblem {
  // True when the request is at fault (a name the rules do not know), false
  // when the journal's rules are (a stored version that does not compile).
  bool usage = false;
  std::string message;
};

// Fills `options`' workflow, rules and names (not its period) for a report
// of `input`; nullopt when it could.
std::optional<ReportProblem> settle_report(const JournalInput& input, const ReportRequest& request,
                                           const engine::CompileVersion& compile, ReportOptions& options);

}  // namespace docket::designer
