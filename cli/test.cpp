// docket test [PATH...]: runs scenario files (*.test.toml) against the rule
// files they name, reports each failed expectation and what no scenario
// reached.

#include <CLI/CLI.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

#include "cli/commands.h"
#include "cli/rules.h"
#include "designer/coverage.h"
#include "designer/junit.h"
#include "designer/scenario.h"
#include "designer/scenario_file.h"
#include "dsl/compiler.h"

namespace docket::cli {
namespace {

namespace fs = std::filesystem;
using designer::Coverage;
using designer::CoverageKind;

constexpr std::string_view kScenarioSuffix = ".test.toml";

struct TestOptions {
  std::vector<std::string> paths;
  std::string junit;
  bool strict_coverage = false;
  bool verbose = false;
};

// The scenario files under `paths`, each directory searched recursively and
// sorted, so runs are in a stable order. Empty with `error` set when a path
// does not exist.
std::vector<std::string> scenario_files(const std::vector<std::string>& paths, std::string& error) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code code;
    if (fs::is_regular_file(path, code)) {
      files.push_back(path);
      continue;
    }
    if (!fs::is_directory(path, code)) {
      error = path + ": no such file or directory";
      return {};
    }
    std::vector<std::string> found;
    for (fs::recursive_directory_iterator it(path, code), end; it != end && !code; it.increment(code)) {
      std::string name = it->path().filename().string();
      if (it->is_regular_file(code) && name.size() > kScenarioSuffix.size() && name.ends_with(kScenarioSuffix)) {
        found.push_back(it->path().lexically_normal().string());
      }
    }
    if (code) {
      error = path + ": " + code.message();
      return {};
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

// A rule file compiled once for all scenario files that name it.
struct CompiledRules {
  std::string path;  // as first named
  std::shared_ptr<const engine::Workflow> workflow;
  std::unique_ptr<Coverage> coverage;
};

CompiledRules* rules_for(const std::string& path, std::map<std::string, CompiledRules>& cache,
                         std::vector<std::string>& order) {
  std::error_code code;
  std::string key = fs::weakly_canonical(path, code).string();
  if (code) key = path;
  auto found = cache.find(key);
  if (found != cache.end()) return &found->second;

  CompiledRules& compiled = cache[key];
  order.push_back(key);
  compiled.path = path;
  LoadedRules rules = load_and_check(path);
  if (rules.usable()) compiled.workflow = dsl::compile(*rules.file, rules.sources, rules.diagnostics);
  if (rules.diagnostics.has_errors() || !compiled.workflow) {
    print_diagnostics(rules, DiagnosticFormat::kText);
    compiled.workflow = nullptr;
  }
  if (compiled.workflow) compiled.coverage = std::make_unique<Coverage>(compiled.workflow);
  return &compiled;
}

bool write_junit(const std::string& path, const std::vector<designer::JunitSuite>& suites) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << designer::junit_xml(suites);
  out.close();
  return static_cast<bool>(out);
}

const char* unreached_verb(CoverageKind kind) {
  switch (kind) {
    case CoverageKind::kState:
      return "never entered";
    case CoverageKind::kApprovalLevel:
      return "never voted on";
    default:
      return "never fired";
  }
}

// Prints the coverage of one rule file; returns how many items were not reached.
std::size_t print_coverage(const CompiledRules& rules) {
  const Coverage& coverage = *rules.coverage;
  std::cout << "coverage of " << rules.path << ":";
  const char* separator = " ";
  for (CoverageKind kind :
       {CoverageKind::kState, CoverageKind::kTransition, CoverageKind::kTimer, CoverageKind::kApprovalLevel}) {
    designer::CoverageCount count = coverage.count(kind);
    std::cout << separator << designer::to_string(kind) << "s " << count.reached << "/" << count.total;
    separator = ", ";
  }
  std::cout << "\n";
  std::size_t unreached = 0;
  for (const designer::CoverageItem& item : coverage.items()) {
    if (item.hits > 0) continue;
    ++unreached;
    std::cout << "  " << item.position.where << ":" << item.position.column << ": " << designer::to_string(item.kind)
              << " " << item.description << " " << unreached_verb(item.kind) << "\n";
  }
  return unreached;
}

// The scenario files run so far: each rule file compiled once, the results
// for the console and for JUnit.
struct TestRun {
  std::map<std::string, CompiledRules> cache;
  std::vector<std::string> rule_order;  // cache keys, in the order first named
  std::vector<designer::JunitSuite> suites;
  std::size_t passed = 0;
  std::size_t failed = 0;
};

std::string failure_text(const std::string& path, const designer::Scenario& scenario,
                         const designer::Failure& failure) {
  std::string where = path + ":" + std::to_string(failure.line) + ": ";
  std::string step = failure.step == 0
                         ? std::string()
                         : "step " + std::to_string(failure.step) + " (" + failure.what + " at " + failure.at + "): ";
  return where + "scenario \"" + scenario.name + "\", " + step + failure.message;
}

designer::JunitCase run_one_scenario(const std::string& path, const designer::ScenarioFile& file,
                                     const designer::Scenario& scenario, CompiledRules& rules) {
  designer::JunitCase test{scenario.name, path, 0, {}};
  if (!rules.workflow) {
    test.failures.push_back(path + ":" + std::to_string(scenario.line) + ": the rules " + file.rules_path +
                            " have errors");
    return test;
  }
  auto started = std::chrono::steady_clock::now();
  designer::ScenarioResult result = designer::run_scenario(rules.workflow, scenario);
  test.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  rules.coverage->add(result.records);
  for (const designer::Failure& failure : result.failures)
    test.failures.push_back(failure_text(path, scenario, failure));
  return test;
}

void run_file(const std::string& path, bool verbose, TestRun& run) {
  designer::JunitSuite suite{path, {}};
  engine::Result<designer::ScenarioFile> file = designer::read_scenario_file(path);
  if (!file) {
    std::cout << file.error() << "\n";
    ++run.failed;
    suite.cases.push_back({"(reading the file)", path, 0, {file.error()}});
    run.suites.push_back(std::move(suite));
    return;
  }
  CompiledRules* rules = rules_for(file->rules_path, run.cache, run.rule_order);
  for (const designer::Scenario& scenario : file->scenarios) {
    designer::JunitCase test = run_one_scenario(path, file.value(), scenario, *rules);
    if (test.failures.empty()) {
      ++run.passed;
      if (verbose) std::cout << "ok   " << path << ": " << scenario.name << "\n";
    } else {
      ++run.failed;
      std::cout << "FAIL " << path << ": " << scenario.name << "\n";
      for (const std::string& message : test.failures) std::cout << "  " << message << "\n";
    }
    suite.cases.push_back(std::move(test));
  }
  run.suites.push_back(std::move(suite));
}

int run_tests(const TestOptions& options) {
  std::string error;
  std::vector<std::string> files =
      scenario_files(options.paths.empty() ? std::vector<std::string>{"."} : options.paths, error);
  if (!error.empty()) {
    std::cerr << "docket test: " << error << "\n";
    return kExitUsage;
  }
  if (files.empty()) {
    std::cerr << "docket test: no scenario files (*.test.toml) found\n";
    return kExitUsage;
  }
  TestRun run;
  for (const std::string& path : files) run_file(path, options.verbose, run);
  std::size_t unreached = 0;
  for (const std::string& key : run.rule_order) {
    const CompiledRules& rules = run.cache.at(key);
    if (rules.coverage) unreached += print_coverage(rules);
  }
  if (!options.junit.empty() && !write_junit(options.junit, run.suites)) {
    std::cerr << "docket test: cannot write " << options.junit << "\n";
    return kExitFailure;
  }
  std::cout << run.passed << " passed, " << run.failed << " failed";
  if (options.strict_coverage && unreached > 0) std::cout << "; " << unreached << " not reached (--strict-coverage)";
  std::cout << "\n";
  if (run.failed > 0 || (options.strict_coverage && unreached > 0)) return kExitFailure;
  return kExitOk;
}

}  // namespace

void add_test_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<TestOptions>();
  CLI::App* command = app.add_subcommand(
      "test", "Run scenario files (*.test.toml) against their rule files and report coverage (docs/testing.md)");
  command->add_option("paths", options->paths, "Scenario files, or directories to search (default: .)");
  command->add_option("--junit", options->junit, "Also write the results as JUnit XML to this file");
  command->add_flag("--strict-coverage", options->strict_coverage,
                    "Fail when a state, transition, timer or approval level was not reached");
  command->add_flag("-v,--verbose", options->verbose, "Also list the scenarios that passed");
  command->callback([options, &exit_code] { exit_code = run_tests(*options); });
}

}  // namespace docket::cli
