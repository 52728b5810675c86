#include "cli/replay.h"

#include <utility>

#include "cli/output.h"
#include "cli/rules.h"
#include "dsl/compiler.h"
#include "engine/codec/event_reader.h"
#include "engine/model/event.h"

namespace docket::cli {

std::vector<std::shared_ptr<const engine::Workflow>> compile_rule_files(const std::vector<std::string>& files) {
  std::vector<std::shared_ptr<const engine::Workflow>> workflows;
  bool failed = false;
  for (const std::string& file : files) {
    LoadedRules rules = load_and_check(file);
    std::shared_ptr<const engine::Workflow> workflow;
    if (rules.usable()) workflow = dsl::compile(*rules.file, rules.sources, rules.diagnostics);
    print_diagnostics(rules, DiagnosticFormat::kText);
    if (!workflow) {
      failed = true;
      continue;
    }
    workflows.push_back(std::move(workflow));
  }
  if (failed) workflows.clear();
  return workflows;
}

std::optional<ReplayInput> open_replay(const std::vector<std::string>& rule_files, const std::string& events_file) {
  ReplayInput input;
  input.workflows = compile_rule_files(rule_files);
  if (input.workflows.empty()) return std::nullopt;
  input.events.open(events_file, std::ios::binary);
  if (!input.events) {
    print_error("cannot open " + events_file);
    return std::nullopt;
  }
  return input;
}

engine::Status install(engine::Engine& engine, const std::vector<std::shared_ptr<const engine::Workflow>>& workflows) {
  for (const auto& workflow : workflows) {
    engine::Status installed = engine.install(workflow);
    if (!installed) return installed;
  }
  return engine::Status::success();
}

std::string timestamp_option_error(const std::string& text) {
  if (engine::parse_timestamp(text)) return {};
  return "not a timestamp: " + text + " (expected e.g. 2026-11-23T09:00:00+08:00, 2026-11-23T01:00:00Z, 2026-11-23)";
}

ReplayResult replay(engine::Engine& engine, engine::VirtualClock& clock, std::istream& in, const std::string& name,
                    std::optional<std::int64_t> stop_after) {
  ReplayResult result;
  engine::EventReader reader(in, name);
  while (true) {
    engine::Result<std::optional<engine::EventLine>> next = reader.next();
    if (!next) {
      result.error = next.error();
      return result;
    }
    if (!next.value()) return result;
    const engine::EventLine& line = *next.value();
    std::int64_t at = *line.event.at;
    if (stop_after && at > *stop_after) return result;

    auto stop = [&](const std::string& why) {
      result.error = name + ":" + std::to_string(line.line) + ": error: " + why;
      return result;
    };
    if (at > clock.now() && !clock.set(at)) return stop("the clock cannot move to " + engine::format_timestamp(at));
    engine::Result<engine::Outcome> outcome = engine.apply(line.event);
    if (!outcome) return stop(outcome.error());
    ++result.stats.events;
    if (!result.stats.first_at) result.stats.first_at = at;
    result.stats.last_at = at;
    if (outcome->duplicate) {
      ++result.stats.duplicates;
    } else if (!outcome->accepted) {
      ++result.stats.rejected;
    }
    if (!outcome->follow_up_error.empty()) {
      result.stopped_after_applying = true;
      return stop(outcome->follow_up_error);
    }
  }
}

engine::Status advance(engine::Engine& engine, engine::VirtualClock& clock, std::int64_t instant) {
  if (instant > clock.now() && !clock.set(instant)) {
    return engine::Status::failure("the clock cannot move to " + engine::format_timestamp(instant));
  }
  engine::Result<std::size_t> fired = engine.advance_to(instant);
  if (!fired) return engine::Status::failure(fired.error());
  return engine::Status::success();
}

}  // namespace docket::cli
