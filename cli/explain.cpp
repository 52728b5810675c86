// docket explain RULES... --events FILE --ticket T [--metric M] [--at TIME] [--zone Z]:
// why a ticket's deadlines are what they are.
//
// Replays the events (those up to --at, then the clock moves on to --at,
// firing what fell due), and prints for each SLA clock of the ticket (or the
// one named by --metric) its due time and how it was computed, in the words
// of the calendar ("4 business hours from Mon 2026-11-23 17:30 (Asia/Shanghai):
// 30m on Mon until 18:00; closed 18:00-09:00; 3h30m on Tue from 09:00; due Tue
// 2026-11-24 12:30"); a limit without a calendar in --zone's local time
// (default UTC). Nothing is journalled. Exit codes: 0 explained, 1 for
// rules with errors, a bad event line, or a ticket or metric that does not
// exist, 2 for usage errors.

#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/replay.h"
#include "engine/runtime/calendar.h"
#include "engine/runtime/sla.h"

namespace docket::cli {
namespace {

struct ExplainOptions {
  std::vector<std::string> rules;
  std::string events;
  std::string ticket;
  std::string zone;
  std::string metric;
  std::string at;
};

// Explaining needs the tickets, not their history.
class DiscardingJournal final : public engine::JournalSink {
 public:
  engine::Status write(std::span<const engine::Record>) override { return engine::Status::success(); }
};

// "due 2026-11-24T01:00:00Z", "met", "paused, 3h of 4h left", ...: the state
// of one clock in a few words.
std::string due_text(const engine::Workflow& workflow, const engine::Ticket& ticket, const engine::SlaPlan& plans,
                     const engine::CalendarSet& calendars, engine::MetricIndex metric, std::int64_t now) {
  using Status = engine::SlaClock::Status;
  const engine::SlaClock& clock = ticket.clocks[metric];
  std::optional<engine::PriorityIndex> priority = ticket.priority();
  if (!priority) return "no limit yet (the ticket has no priority)";
  const engine::LimitPlan& plan = plans.plan(priority, metric);
  if (!plan.has_limit()) return "no limit under " + workflow.priorities()[*priority].name;
  engine::TimeBasis basis = calendars.basis(plan.calendar);
  std::int64_t used = engine::measured_seconds(clock, basis, now);
  std::int64_t limit = engine::clock_limit(clock, plan, basis);
  switch (clock.status) {
    case Status::kIdle:
      return "not started";
    case Status::kStopped:
      return clock.breached || used > limit ? "stopped, breached" : "stopped, met";
    case Status::kPaused:
      return "paused, " + engine::format_duration(std::max<std::int64_t>(limit - used, 0), engine::LargestUnit::kHour) +
             " of " + engine::format_duration(limit, engine::LargestUnit::kHour) + " left";
    case Status::kRunning:
      break;
  }
  std::int64_t due = engine::due_at(clock, basis, limit);
  std::string text = "due " + engine::format_timestamp(due);
  if (due <= now) text += " (breached)";
  return text;
}

// The events up to --at replayed, then the clock moved on to --at.
int replay_up_to(engine::Engine& engine, engine::VirtualClock& clock, ReplayInput& input, const ExplainOptions& options,
                 std::optional<std::int64_t> at) {
  engine::Status installed = install(engine, input.workflows);
  if (!installed) return fail(installed.error());
  ReplayResult replayed = replay(engine, clock, input.events, options.events, at);
  if (!replayed.ok()) {
    std::cerr << replayed.error << '\n';
    return kExitFailure;
  }
  if (!at) return kExitOk;
  engine::Status advanced = advance(engine, clock, *at);
  return advanced ? kExitOk : fail(advanced.error());
}

// The metrics to explain: --metric, or every one of the workflow. nullopt
// after printing why not.
std::optional<std::vector<engine::MetricIndex>> chosen_metrics(const engine::Workflow& workflow,
                                                               const std::string& name) {
  std::vector<engine::MetricIndex> metrics;
  if (name.empty()) {
    for (engine::MetricIndex m = 0; m < workflow.metrics().size(); ++m) metrics.push_back(m);
    return metrics;
  }
  if (std::optional<engine::MetricIndex> metric = workflow.find_metric(name)) return std::vector{*metric};
  std::string known;
  for (const std::string& metric : workflow.metrics()) known += (known.empty() ? "`" : ", `") + metric + "`";
  print_error("workflow " + workflow.name() + " has no SLA metric `" + name + "` (it has " +
              (known.empty() ? std::string("none") : known) + ")");
  return std::nullopt;
}

int explain_metrics(const engine::Engine& engine, const engine::Ticket& ticket,
                    const std::vector<engine::MetricIndex>& metrics, const engine::ZoneRules* zone) {
  const engine::Workflow& workflow = *ticket.workflow;
  engine::SlaPlan plans(workflow);
  engine::CalendarSet::BuildResult calendars = engine::CalendarSet::build(workflow.calendars());
  if (!calendars.set) return fail(calendars.error);
  std::int64_t now = std::max(engine.now(), ticket.updated_at);
  std::optional<engine::PriorityIndex> priority = ticket.priority();
  std::cout << ticket.id << " (" << workflow.name() << ") in " << ticket.state_name() << ", priority "
            << (priority ? workflow.priorities()[*priority].name : std::string("none yet")) << ", as of "
            << engine::format_timestamp(now) << '\n';
  for (engine::MetricIndex metric : metrics) {
    engine::Result<std::string> explained = engine.explain(ticket.id, workflow.metrics()[metric], zone);
    if (!explained) return fail(explained.error());
    std::cout << workflow.metrics()[metric] << ": " << due_text(workflow, ticket, plans, *calendars.set, metric, now)
              << '\n'
              << "  " << explained.value() << '\n';
  }
  return kExitOk;
}

int run_explain(const ExplainOptions& options) {
  std::optional<engine::ZoneRules> zone;
  if (!options.zone.empty()) {
    engine::ZoneRules::LoadResult loaded = engine::ZoneRules::load(options.zone);
    if (!loaded.rules) {
      print_error("--zone " + options.zone + ": " + loaded.error);
      return kExitUsage;
    }
    zone = std::move(loaded.rules);
  }
  std::optional<ReplayInput> input = open_replay(options.rules, options.events);
  if (!input) return kExitFailure;
  DiscardingJournal journal;
  engine::VirtualClock clock;
  engine::Engine engine(clock, journal);
  std::optional<std::int64_t> at;
  if (!options.at.empty()) at = engine::parse_timestamp(options.at);
  if (int failed = replay_up_to(engine, clock, *input, options, at); failed != kExitOk) return failed;
  const engine::Ticket* ticket = engine.find(options.ticket);
  if (ticket == nullptr) {
    return fail("no ticket `" + options.ticket + "` in " + options.events +
                (at ? " up to " + engine::format_timestamp(*at) : std::string()));
  }
  std::optional<std::vector<engine::MetricIndex>> metrics = chosen_metrics(*ticket->workflow, options.metric);
  if (!metrics) return kExitFailure;
  return explain_metrics(engine, *ticket, *metrics, zone ? &*zone : nullptr);
}

}  // namespace

void add_explain_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ExplainOptions>();
  CLI::App* command =
      app.add_subcommand("explain", "Replay events and explain how the SLA due times of one ticket are computed");
  command->add_option("rules", options->rules, "Rule files (*.docket); the first is the default workflow")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_option("--events", options->events, "Events, one JSON object per line (*.jsonl)")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_option("--ticket", options->ticket, "The ticket id")->required();
  command->add_option("--metric", options->metric, "Only this SLA metric (first_response, resolve, ...)");
  command->add_option("--at", options->at, "Replay the events up to TIME and explain as of TIME")
      ->check(CLI::Validator(timestamp_option_error, "TIME", "timestamp"));
  command->add_option("--zone", options->zone,
                      "IANA time zone to show a limit without a calendar in (default UTC; a calendar uses its own)");
  command->callback([options, &exit_code] { exit_code = run_explain(*options); });
}

}  // namespace docket::cli
