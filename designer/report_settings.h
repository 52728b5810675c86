// Which names a report counts by: the rule file's `report` block
// (docs/language.md), overridden by the command line, and checked, so that
// a misspelled metric is an error and not a figure of zeros.
//
//   KnownNames known = names_of_rules(*workflow);     // or names_in_journal(records)
//   Status settled = settle_report_settings(workflow.get(), overrides, known, options);
//
// The settings, in order of precedence:
//   1. an override given on the command line (an empty one turns the figure off);
//   2. the rules' `report` block, where an item left out is a figure the
//      rules do not measure;
//   3. without a `report` block, the shipped rules' names (first_response,
//      resolve, overall, survey_declined, category), each only where the
//      rules (or, without rules, the journal) know the name.
// Errors name the option or rule and the known names: "--resolve-metric
// `resolv` is not a metric of rules/after_sales.docket (first_response,
// resolve)".

#pragma once

#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "designer/report.h"
#include "engine/model/result.h"
#include "engine/model/workflow.h"
#include "engine/runtime/journal.h"

namespace docket::designer {

// What the command line said; nullopt: not given.
struct ReportOverrides {
  std::optional<std::string> first_response_metric;           // --first-response-metric
  std::optional<std::string> resolve_metric;                  // --resolve-metric
  std::optional<std::vector<std::string>> resolution_states;  // --resolution-state (repeatable)
  std::optional<std::string> survey_field;                    // --survey-field
  std::optional<std::string> declined_event;                  // --declined-event
  std::optional<std::string> type_field;                      // --type-field
};

// The names a report's settings may use, and whose they are.
struct KnownNames {
  std::string source;  // "rules/after_sales.docket", "the journal"
  std::set<std::string> metrics;
  std::set<std::string> fields;
  // What complaint types may be counted by: `category`, `priority` and the
  // enum and bool fields (without rules, every field the journal shows).
  std::set<std::string> type_fields;
  std::set<std::string> events;
  std::set<std::string> states;
};

// The rules' names; `source` names the rule file as the user knows it.
KnownNames names_of_rules(const engine::Workflow& rules, const std::string& source);
// The names the journal shows: metrics of clock effects and SLA records,
// fields changed or sent, events handled, states entered.
KnownNames names_in_journal(std::span<const engine::Record> records);

// Fills options' names, origins, final states and labels from `rules` (null:
// none) and `overrides`; an override or a setting of the rules that `known`
// does not have is an error.
engine::Status settle_report_settings(const engine::Workflow* rules, const ReportOverrides& overrides,
                                      const KnownNames& known, ReportOptions& options);

// Whether two versions' `report` blocks count by the same names (both
// without a block count the same).
bool same_report_settings(const engine::Workflow& a, const engine::Workflow& b);

// The labels the rules give the names a report groups by.
ReportLabels labels_of(const engine::Workflow& rules, const ReportOptions& options);

}  // namespace docket::designer
