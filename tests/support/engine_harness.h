// Shared by the engine's runtime tests: a virtual clock, an in-memory journal
// (one that can be told to refuse writes) and an engine, with short ways to
// write events and read records.

#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "embed/docket.h"
#include "engine/model/event.h"
#include "engine/model/workflow.h"
#include "engine/runtime/clock.h"
#include "engine/runtime/engine.h"
#include "engine/runtime/journal.h"
#include "tests/support/failing_journal.h"

namespace docket::engine::testing {

// Monday 2026-11-23T00:00:00Z (08:00 in Asia/Shanghai).
inline constexpr std::int64_t kMonday = 1795392000;
inline constexpr std::int64_t kMinute = 60;
inline constexpr std::int64_t kHour = 3600;
inline constexpr std::int64_t kDay = 86400;

inline std::shared_ptr<const Workflow> compile_rules(std::string text, std::string name = "rules.docket") {
  Result<LoadedRules> loaded = load_rules_text(name, std::move(text));
  if (!loaded) {
    ADD_FAILURE() << loaded.error();
    return nullptr;
  }
  return loaded->workflow;
}

inline std::string shipped_path(const std::string& file) { return std::string(DOCKET_SOURCE_DIR) + "/rules/" + file; }

inline std::shared_ptr<const Workflow> shipped_rules(const std::string& file) {
  Result<LoadedRules> loaded = load_rules(shipped_path(file));
  if (!loaded) {
    ADD_FAILURE() << loaded.error();
    return nullptr;
  }
  return loaded->workflow;
}

// "path:N" of the first line of a shipped rule file containing `needle`.
inline std::string shipped_line(const std::string& file, const std::string& needle) {
  std::ifstream in(shipped_path(file));
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find(needle) != std::string::npos) return shipped_path(file) + ":" + std::to_string(number);
  }
  ADD_FAILURE() << "no line with `" << needle << "` in " << file;
  return {};
}

inline DataItem text(std::string field, std::string value) {
  return {std::move(field), FieldInput::text(std::move(value))};
}
inline DataItem number(std::string field, std::int64_t value) { return {std::move(field), FieldInput::integer(value)}; }
inline DataItem money(std::string field, const char* value) {
  return {std::move(field), FieldInput::number(*Fixed::parse(value))};
}
inline DataItem boolean(std::string field, bool value) { return {std::move(field), FieldInput::boolean(value)}; }

inline Actor actor(std::string id, std::initializer_list<const char*> roles) {
  Actor result{std::move(id), {}};
  for (const char* role : roles) result.roles.emplace_back(role);
  return result;
}

class Harness {
 public:
  explicit Harness(std::shared_ptr<const Workflow> workflow, EngineOptions options = {})
      : clock(kMonday), engine(clock, journal, options), workflow_(std::move(workflow)) {
    if (workflow_) {
      Status installed = engine.install(workflow_);
      EXPECT_TRUE(installed.ok()) << installed.error();
    }
  }

  Outcome apply(Event event) {
    Result<Outcome> outcome = engine.apply(event);
    EXPECT_TRUE(outcome.ok()) << outcome.error();
    return outcome ? outcome.value() : Outcome{};
  }

  Outcome send(std::int64_t at, const std::string& ticket, const std::string& name, Actor who,
               std::vector<DataItem> data = {}) {
    return apply(Event{at, ticket, name, std::move(who), std::move(data), std::nullopt, {}});
  }

  Outcome create(std::int64_t at, const std::string& ticket, Actor who, std::vector<DataItem> data) {
    return send(at, ticket, "create", std::move(who), std::move(data));
  }

  std::size_t advance_to(std::int64_t instant) {
    Result<std::size_t> fired = engine.advance_to(instant);
    EXPECT_TRUE(fired.ok()) << fired.error();
    return fired ? fired.value() : 0;
  }

  const Ticket& ticket(const std::string& id) {
    const Ticket* found = engine.find(id);
    EXPECT_NE(found, nullptr) << "no ticket " << id;
    static const Ticket kNone;
    return found != nullptr ? *found : kNone;
  }

  std::string state(const std::string& id) {
    const Ticket* found = engine.find(id);
    return found != nullptr ? found->state_name() : std::string("<none>");
  }

  const std::vector<Record>& records() const { return journal.records(); }

  std::vector<Record> records_of(RecordKind kind, const std::string& ticket = {}) const {
    std::vector<Record> found;
    for (const Record& record : journal.records()) {
      if (record.kind == kind && (ticket.empty() || record.ticket == ticket)) found.push_back(record);
    }
    return found;
  }

  // Records with an effect of `kind` whose value (or target) is `value`.
  std::vector<Record> with_effect(EffectKind kind, const std::string& value) const {
    std::vector<Record> found;
    for (const Record& record : journal.records()) {
      for (const Effect& effect : record.effects) {
        if (effect.kind == kind && (effect.value == value || effect.target == value)) {
          found.push_back(record);
          break;
        }
      }
    }
    return found;
  }

  const Workflow& workflow() const { return *workflow_; }

  VirtualClock clock;
  FailingJournal journal;  // accepts every write unless a test says otherwise
  Engine engine;

 private:
  std::shared_ptr<const Workflow> workflow_;
};

// The registration form of rules/after_sales.docket, filled in.
inline std::vector<DataItem> after_sales_form(const char* mood = "calm") {
  return {text("customer", "C-1001"),
          text("contact", "138-0000-0000"),
          text("channel", "phone"),
          text("purchase_date", "2026-11-01T10:00:00Z"),
          text("problem", "the washing machine does not start"),
          text("expected_resolution", "2026-11-30T00:00:00Z"),
          text("mood", mood)};
}

inline Actor intake() { return actor("zhang", {"intake_specialist"}); }
inline Actor engineer() { return actor("liu", {"engineer"}); }

}  // namespace docket::engine::testing
