#include "designer/report_rules.h"

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "engine/model/text.h"

namespace docket::designer {
namespace {

// The stored versions of `workflow` that a record names, oldest first.
std::vector<const engine::StoredVersion*> used_versions(const JournalInput& input, const std::string& workflow) {
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

// The given rules, else the newest version the input kept; a problem when it does not compile.
std::optional<ReportProblem> find_rules(const JournalInput& input, const ReportRequest& request,
                                        const engine::CompileVersion& compile, Rules& rules) {
  if (request.rules) {
    rules = Rules{request.rules, request.rules_source};
    return std::nullopt;
  }
  std::vector<const engine::StoredVersion*> versions = used_versions(input, request.workflow);
  if (versions.empty()) return std::nullopt;
  const engine::StoredVersion* version = versions.back();
  auto compiled = compile(*version);
  if (!compiled) {
    return ReportProblem{false, request.input + ": the rules of version " + version->id.substr(0, 12) +
                                    " do not compile: " + compiled.error()};
  }
  rules = Rules{compiled.value(), version->workflow + " " + version->id.substr(0, 12) + " kept in " + request.input};
  return std::nullopt;
}

// The other stored versions the tickets ran on whose `report` block counts
// by other names than `used`'s: listed, so that the report says every
// ticket was counted by `used`'s. One that does not compile is listed too.
void add_other_settings(const JournalInput& input, const ReportRequest& request, const engine::Workflow& used,
                        const engine::CompileVersion& compile, ReportOptions& options) {
  for (const engine::StoredVersion* version : used_versions(input, request.workflow)) {
    if (version->id == used.version_id()) continue;
    auto compiled = compile(*version);
    if (compiled && same_report_settings(*compiled.value(), used)) continue;
    options.rules.push_back({version->workflow, version->id, request.input, false});
  }
}

}  // namespace

engine::Result<std::string> choose_report_workflow(std::span<const engine::Record> records, const std::string& asked,
                                                   const std::string& option) {
  using R = engine::Result<std::string>;
  std::set<std::string> names;
  for (const engine::Record& record : records) {
    if (!record.workflow.empty()) names.insert(record.workflow);
  }
  std::string listed = engine::join({names.begin(), names.end()}, ", ");
  if (!asked.empty()) {
    if (names.count(asked) != 0 || names.empty()) return R::success(asked);
    return R::failure(option + " " + asked + ": the journal has no ticket of it (it has " + listed + ")");
  }
  if (names.size() <= 1) return R::success(names.empty() ? std::string() : *names.begin());
  return R::failure("the journal holds tickets of " + std::to_string(names.size()) + " workflows (" + listed +
                    "): choose one with " + option);
}

std::optional<ReportProblem> settle_report(const JournalInput& input, const ReportRequest& request,
                                           const engine::CompileVersion& compile, ReportOptions& options) {
  options.workflow = request.workflow;
  Rules rules;
  if (std::optional<ReportProblem> problem = find_rules(input, request, compile, rules)) return problem;
  KnownNames known = rules.workflow ? names_of_rules(*rules.workflow, rules.source) : names_in_journal(input.records);
  engine::Status ok = settle_report_settings(rules.workflow.get(), request.overrides, known, options);
  if (!ok) return ReportProblem{true, ok.error()};
  if (rules.workflow) {
    const engine::Workflow& used = *rules.workflow;
    options.rules.push_back({used.name(), used.version_id(), request.rules ? request.rules_source : request.input});
    add_other_settings(input, request, used, compile, options);
  }
  return std::nullopt;
}

}  // namespace docket::designer
