// Embedding docket: load a rule file, open a ticket, send it events, let time
// pass, and read the journal back.
//
//   build/docket_embed_example [rules/after_sales.docket]
//
// Run from the project root (the rule file's path appears in the journal).
// It uses docket's public API only (<docket/docket.h>), so it builds the same
// inside docket's build and against an installed docket (CMakeLists.txt).

#include <docket/docket.h>

#include <cstdint>
#include <ctime>
#include <iostream>
#include <string>
#include <vector>

namespace {

using docket::Actor;
using docket::DataItem;
using docket::FieldInput;

std::int64_t instant(const char* iso) { return docket::parse_timestamp(iso).value(); }

std::string utc(std::int64_t seconds) {
  std::time_t time = static_cast<std::time_t>(seconds);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%SZ", std::gmtime(&time));
  return text;
}

// One line per record: what happened, where in the rules it was decided, and what it did.
void print(const docket::Record& record) {
  std::cout << record.seq << ' ' << utc(record.at) << ' ' << record.ticket << ' ' << to_string(record.kind);
  if (record.kind == docket::RecordKind::kTransition) {
    std::cout << ' ' << (record.from.empty() ? "-" : record.from) << " -> " << record.to << " on " << record.event;
  } else {
    std::cout << " in " << record.from;
  }
  if (record.sla) std::cout << ' ' << record.sla->metric << ' ' << record.sla->percent << '%';
  std::cout << " (" << record.rule.where << ')';
  for (const docket::Effect& effect : record.effects) {
    std::cout << "; " << to_string(effect.kind) << ' ' << effect.target << (effect.value.empty() ? "" : " ")
              << effect.value;
  }
  if (record.rejected) std::cout << "; refused: " << record.reason;
  std::cout << '\n';
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "rules/after_sales.docket";
  // Errors and warnings come as a list (file, line, column, code, message,
  // help) and as the text `docket check` prints.
  docket::Compilation rules = docket::compile_file(path);
  if (!rules.ok()) {
    std::cerr << rules.rendered;
    return 1;
  }
  for (const docket::Diagnostic& warning : rules.diagnostics) {
    std::cerr << warning.file << ':' << warning.line << ": warning[" << warning.code << "]: " << warning.message
              << '\n';
  }

  // A virtual clock makes the run reproducible; a live system passes a SystemClock.
  docket::VirtualClock clock(instant("2026-11-23T09:00:00+08:00"));
  docket::MemoryJournal journal;
  docket::Engine engine(clock, journal);
  if (docket::Status installed = engine.install(rules.workflow); !installed) {
    std::cerr << installed.error() << '\n';
    return 1;
  }

  const Actor intake{"zhang", {"intake_specialist"}};
  const Actor engineer{"liu", {"tech.engineer"}};
  struct Step {
    const char* at;
    const char* event;
    Actor actor;
    std::vector<DataItem> data;
  };
  const std::vector<Step> steps = {
      {"2026-11-23T09:00:00+08:00",
       "create",
       intake,
       {{"customer", FieldInput::text("C-1001")},
        {"contact", FieldInput::text("138-0000-1001")},
        {"channel", FieldInput::text("phone")},
        {"purchase_date", FieldInput::text("2026-11-01T10:00:00+08:00")},
        {"problem", FieldInput::text("the washing machine does not start")},
        {"expected_resolution", FieldInput::text("2026-11-25T18:00:00+08:00")},
        {"mood", FieldInput::text("angry")}}},
      {"2026-11-23T09:10:00+08:00", "registered", intake, {{"problem_confirmed", FieldInput::boolean(true)}}},
      {"2026-11-23T09:20:00+08:00",
       "classified",
       intake,
       {{"problem_type", FieldInput::text("fault")},
        {"impact", FieldInput::text("function")},
        {"urgency", FieldInput::text("medium")}}},
      {"2026-11-23T09:40:00+08:00", "accepted", engineer, {}},
      {"2026-11-23T10:00:00+08:00", "proposed", engineer, {{"remedy", FieldInput::text("repair")}}},
      {"2026-11-23T10:05:00+08:00", "approve", engineer, {}},  // refused: nobody approves their own plan
      {"2026-11-23T10:30:00+08:00", "approve", Actor{"wang", {"tech.supervisor"}}, {}},
  };
  for (const Step& step : steps) {
    docket::Result<docket::Outcome> outcome = engine.apply(
        {.at = instant(step.at), .ticket = "T-1001", .event = step.event, .actor = step.actor, .data = step.data});
    if (!outcome) {  // the journal refused to write; a rejected event is an Outcome, not an error
      std::cerr << outcome.error() << '\n';
      return 1;
    }
  }

  // A day passes: SLA thresholds and timers fire in time order.
  if (!clock.set(instant("2026-11-24T11:00:00+08:00")) || !engine.advance()) return 1;

  for (const docket::Record& record : journal.records()) print(record);
  std::cout << "T-1001 is " << engine.find("T-1001")->state_name() << '\n';
  return 0;
}
