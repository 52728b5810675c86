// Scenarios: business stories told as events with times, and what must hold
// after each one. `docket test` runs them against a rule file on the virtual
// clock, so a designer learns before going live whether the rules still do
// what the business needs.
//
// A ScenarioFile is plain data, read from TOML by designer/scenario_file.h
// (the format is in docs/testing.md). run_scenario() plays one scenario in a
// fresh engine and reports every expectation that did not hold, each naming
// the step (its line in the scenario file) where the run diverged.

#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/model/event.h"
#include "engine/model/workflow.h"
#include "engine/runtime/journal.h"

namespace docket::designer {

// What must hold after a step. Absent members are not checked.
struct Expectation {
  std::optional<std::string> state;
  // Set: the event must be rejected, and the reason must contain this text
  // ("" for any reason). Unset: an event must be accepted.
  std::optional<std::string> rejected;
  // Field name -> the value as it would arrive in event data; compared after
  // the same conversion the engine applies (a null input: no value).
  std::vector<std::pair<std::string, engine::FieldInput>> fields;
  std::optional<std::string> priority;
  std::optional<std::string> category;
  std::optional<std::string> department;  // the assignee's department; "" for none
  std::optional<std::vector<std::string>> departments;
  std::optional<std::string> assignee;  // "tech.engineer", "tech", "engineer"
  // Metric -> idle | running | paused | met | breached.
  std::vector<std::pair<std::string, std::string>> sla;
  // Each must match something the step did (see happenings()); none of
  // no_actions may.
  std::vector<std::string> actions;
  std::vector<std::string> no_actions;
};

struct Step {
  int line = 0;  // in the scenario file
  std::int64_t at = 0;
  // The offset from UTC of the last absolute time written (seconds east),
  // so that messages show times as the designer wrote them.
  std::int32_t utc_offset = 0;
  // Empty: no event, the clock advances to `at` (timers and SLA thresholds
  // due by then fire).
  std::string event;
  std::string ticket;
  engine::Actor actor;
  std::vector<engine::DataItem> data;
  std::optional<std::string> idempotency_key;
  Expectation expect;
};

struct Scenario {
  std::string name;
  int line = 0;
  std::vector<Step> steps;
};

struct ScenarioFile {
  std::string path;        // as given
  std::string rules_path;  // the rule file it tests, resolved against the file's folder
  std::vector<Scenario> scenarios;
};

// One expectation that did not hold, or a step that could not run.
struct Failure {
  int line = 0;         // the step's line in the scenario file
  int step = 0;         // 1-based
  std::string at;       // the step's time, ISO 8601 UTC
  std::string what;     // "classified on AS-1" or "advance"
  std::string message;  // "state: expected dispatched, got classifying"
};

struct ScenarioResult {
  std::vector<Failure> failures;
  // Every record the engine wrote, in order: for coverage and for showing
  // the designer what happened.
  std::vector<engine::Record> records;
  bool passed() const { return failures.empty(); }
};

// Plays `scenario` in a fresh engine on a virtual clock that starts at its
// first step. Steps run to the end even after a failure, so one run shows
// every divergence.
ScenarioResult run_scenario(const std::shared_ptr<const engine::Workflow>& workflow, const Scenario& scenario);

// What a record did, as `expect.actions` matches it: one line per effect
// ("notify customer empathy_script"), SLA records ("warning resolve 50%",
// "escalation resolve 80%", "breach resolve") and fired timers ("timer
// executing"). Rejections did nothing.
std::vector<std::string> happenings(const engine::Record& record);

// Whether `expected` names `happening`: its words are the first words of it.
// Commas and colons separate words like spaces do, so `route c tech`
// matches "route c tech, legal" and `clock resolve stopped` matches
// "clock resolve stopped: met, 1h of 4h".
bool matches(const std::string& expected, const std::string& happening);

}  // namespace docket::designer
