#include "designer/scenario.h"

#include <cstdio>

#include "engine/model/value.h"
#include "engine/runtime/clock.h"
#include "engine/runtime/engine.h"
#include "engine/runtime/ticket.h"

namespace docket::designer {
namespace {

using engine::Record;
using engine::RecordKind;
using engine::Ticket;
using engine::Workflow;

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::string word;
  for (char c : text) {
    if (c == ' ' || c == ',' || c == ':' || c == '\t') {
      if (!word.empty()) out.push_back(std::move(word));
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) out.push_back(std::move(word));
  return out;
}

// "2026-11-23T09:25:00+08:00" for an offset of 8 hours.
std::string local_time(std::int64_t at, std::int32_t offset) {
  std::string text = engine::format_timestamp(at + offset);
  if (offset == 0 || text.empty() || text.back() != 'Z') return text;
  text.pop_back();
  std::int32_t minutes = (offset < 0 ? -offset : offset) / 60;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%c%02d:%02d", offset < 0 ? '-' : '+', minutes / 60, minutes % 60);
  return text + suffix;
}

std::string percent_text(double percent) {
  char text[32];
  std::snprintf(text, sizeof text, "%g%%", percent);
  return text;
}

std::string sla_status(const engine::SlaClock& clock) {
  if (clock.breached) return "breached";
  switch (clock.status) {
    case engine::SlaClock::Status::kIdle:
      return "idle";
    case engine::SlaClock::Status::kRunning:
      return "running";
    case engine::SlaClock::Status::kPaused:
      return "paused";
    case engine::SlaClock::Status::kStopped:
      return "met";
  }
  return "?";
}

std::string or_none(const std::string& text) { return text.empty() ? "(none)" : text; }

std::string joined(const std::vector<std::string>& items, const char* separator) {
  std::string text;
  for (const std::string& item : items) {
    if (!text.empty()) text += separator;
    text += item;
  }
  return text;
}

// Checks one step's expectations against the ticket after it and the records
// it wrote; appends a message per expectation that failed.
class StepCheck {
 public:
  StepCheck(const Workflow& workflow, const Step& step, std::vector<std::string>& messages)
      : workflow_(workflow), step_(step), messages_(messages) {}

  void outcome(bool accepted, const std::string& reason) {
    const std::optional<std::string>& rejected = step_.expect.rejected;
    if (step_.event.empty()) return;
    if (rejected && accepted) {
      messages_.push_back("expected a rejection" + (rejected->empty() ? "" : " mentioning \"" + *rejected + "\"") +
                          ", but the event was accepted");
    } else if (!rejected && !accepted) {
      messages_.push_back("rejected: " + reason);
    } else if (rejected && !accepted && reason.find(*rejected) == std::string::npos) {
      messages_.push_back("rejection reason: expected it to mention \"" + *rejected + "\", got: " + reason);
    }
  }

  void ticket(const Ticket* ticket) {
    const Expectation& expect = step_.expect;
    bool wants_ticket = expect.state || !expect.fields.empty() || expect.priority || expect.category ||
                        expect.department || expect.departments || expect.assignee || !expect.sla.empty();
    if (!wants_ticket) return;
    if (ticket == nullptr) {
      messages_.push_back("ticket " + step_.ticket + " does not exist");
      return;
    }
    if (expect.state) compare("state", *expect.state, ticket->state_name());
    for (const auto& [name, input] : expect.fields) field(*ticket, name, input);
    if (expect.priority) {
      std::optional<engine::PriorityIndex> priority = ticket->priority();
      compare("priority", *expect.priority, priority ? workflow_.priorities()[*priority].name : "");
    }
    if (expect.category) {
      std::optional<engine::CategoryIndex> category = ticket->category();
      compare("category", *expect.category, category ? workflow_.categories()[*category].name : "");
    }
    if (expect.department) {
      engine::DepartmentIndex department = ticket->assignee.department;
      compare("department", *expect.department,
              department == engine::kNoIndex ? "" : workflow_.departments()[department].name);
    }
    if (expect.departments) {
      std::vector<std::string> names;
      for (engine::DepartmentIndex department : ticket->departments) {
        names.push_back(workflow_.departments()[department].name);
      }
      compare("departments", "[" + joined(*expect.departments, ", ") + "]", "[" + joined(names, ", ") + "]");
    }
    if (expect.assignee) compare("assignee", *expect.assignee, engine::assignment_text(workflow_, ticket->assignee));
    for (const auto& [metric, status] : expect.sla) {
      std::optional<engine::MetricIndex> index = workflow_.find_metric(metric);
      if (!index) {
        messages_.push_back("sla." + metric + ": the rules have no metric `" + metric + "`");
        continue;
      }
      compare("sla." + metric, status, sla_status(ticket->clocks[*index]));
    }
  }

  void actions(const std::vector<std::string>& done) {
    for (const std::string& expected : step_.expect.actions) {
      bool found = false;
      for (const std::string& happening : done) found = found || matches(expected, happening);
      if (!found) {
        messages_.push_back("actions: expected `" + expected + "`, the step did " +
                            (done.empty() ? std::string("nothing") : "`" + joined(done, "`, `") + "`"));
      }
    }
    for (const std::string& unwanted : step_.expect.no_actions) {
      for (const std::string& happening : done) {
        if (matches(unwanted, happening)) messages_.push_back("no_actions: the step did `" + happening + "`");
      }
    }
  }

 private:
  void compare(const std::string& what, const std::string& expected, const std::string& actual) {
    if (expected != actual) messages_.push_back(what + ": expected " + or_none(expected) + ", got " + or_none(actual));
  }

  void field(const Ticket& ticket, const std::string& name, const engine::FieldInput& input) {
    std::optional<engine::FieldIndex> index = workflow_.find_field(name);
    if (!index) {
      messages_.push_back("fields." + name + ": the rules have no field `" + name + "`");
      return;
    }
    const engine::Value& actual = ticket.fields[*index];
    engine::Value expected;
    if (input.kind() != engine::FieldInput::Kind::kNull) {
      engine::Result<engine::Value> converted = engine::field_value(workflow_, *index, input);
      if (!converted) {
        messages_.push_back("fields." + name + ": the expected value does not fit: " + converted.error());
        return;
      }
      expected = converted.value();
    }
    if (!(expected == actual)) {
      messages_.push_back("fields." + name + ": expected " + shown(expected) + ", got " + shown(actual));
    }
  }

  std::string shown(const engine::Value& value) const {
    return value.is_set() ? workflow_.format_value(value) : "(none)";
  }

  const Workflow& workflow_;
  const Step& step_;
  std::vector<std::string>& messages_;
};

}  // namespace

std::vector<std::string> happenings(const Record& record) {
  std::vector<std::string> out;
  if (record.rejected) return out;
  if (record.kind == RecordKind::kTimer) out.push_back("timer " + record.from);
  if (record.sla) {
    const engine::SlaMark& mark = *record.sla;
    if (record.kind == RecordKind::kWarning) out.push_back("warning " + mark.metric + " " + percent_text(mark.percent));
    if (record.kind == RecordKind::kEscalation) {
      out.push_back("escalation " + mark.metric + " " + percent_text(mark.percent));
    }
    if (record.kind == RecordKind::kBreach) out.push_back("breach " + mark.metric);
  }
  for (const engine::Effect& effect : record.effects) {
    std::string text = engine::to_string(effect.kind);
    if (!effect.target.empty()) text += " " + effect.target;
    if (!effect.value.empty()) text += " " + effect.value;
    out.push_back(std::move(text));
  }
  return out;
}

bool matches(const std::string& expected, const std::string& happening) {
  std::vector<std::string> want = words(expected);
  std::vector<std::string> have = words(happening);
  if (want.empty() || want.size() > have.size()) return false;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (want[i] != have[i]) return false;
  }
  return true;
}

ScenarioResult run_scenario(const std::shared_ptr<const engine::Workflow>& workflow, const Scenario& scenario) {
  ScenarioResult result;
  if (scenario.steps.empty()) {
    result.failures.push_back({scenario.line, 0, "", "", "the scenario has no steps"});
    return result;
  }
  engine::VirtualClock clock(scenario.steps.front().at);
  engine::MemoryJournal journal;
  engine::Engine engine(clock, journal);
  if (engine::Status installed = engine.install(workflow); !installed) {
    result.failures.push_back({scenario.line, 0, "", "", "cannot run the rules: " + installed.error()});
    return result;
  }

  int number = 0;
  for (const Step& step : scenario.steps) {
    ++number;
    std::size_t first_record = journal.records().size();
    std::vector<std::string> messages;
    StepCheck check(*workflow, step, messages);
    if (!clock.set(step.at)) messages.push_back("time runs backwards");

    if (step.event.empty()) {
      engine::Result<std::size_t> advanced = engine.advance_to(step.at);
      if (!advanced) messages.push_back("the journal refused: " + advanced.error());
    } else {
      engine::Event event{.at = step.at,
                          .ticket = step.ticket,
                          .event = step.event,
                          .actor = step.actor,
                          .data = step.data,
                          .idempotency_key = step.idempotency_key};
      engine::Result<engine::Outcome> outcome = engine.apply(event);
      if (!outcome) {
        messages.push_back("the journal refused: " + outcome.error());
      } else {
        check.outcome(outcome->accepted, outcome->reason);
      }
    }
    check.ticket(engine.find(step.ticket));

    std::vector<std::string> done;
    for (std::size_t i = first_record; i < journal.records().size(); ++i) {
      for (std::string& happening : happenings(journal.records()[i])) done.push_back(std::move(happening));
    }
    check.actions(done);

    std::string what = step.event.empty() ? std::string("advance") : step.event + " on " + step.ticket;
    for (std::string& message : messages) {
      result.failures.push_back({step.line, number, local_time(step.at, step.utc_offset), what, std::move(message)});
    }
  }
  result.records = journal.records();
  return result;
}

}  // namespace docket::designer
