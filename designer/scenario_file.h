// Reading scenario files: TOML (docs/testing.md has the format) into a
// ScenarioFile.
//
// Every problem is reported, not just the first, each as
// "file:line:col: message": a TOML syntax error, an unknown key (a typo
// must not silently check nothing), a value of the wrong type, a time that
// does not parse or runs backwards, an actor that is not declared. Names of
// states, fields and metrics are checked when the scenario runs against the
// rules.

#pragma once

#include <string>
#include <string_view>

#include "designer/scenario.h"
#include "engine/model/result.h"

namespace docket::designer {

// `text` as the contents of a file at `path` (relative `rules` paths are
// resolved against its folder). On failure, the error holds one line per
// problem.
engine::Result<ScenarioFile> parse_scenario_file(const std::string& path, std::string_view text);

// Reads `path` and parses it; a file that cannot be read is an error naming it.
engine::Result<ScenarioFile> read_scenario_file(const std::string& path);

// "after_sales.test.toml" -> "after_sales.docket", in the same folder.
std::string default_rules_path(const std::string& scenario_path);

}  // namespace docket::designer
