// Shared by the scenario tests: replays an example event file against a rule
// file and renders the journal as one line per record, so a test
// can state the whole expected journal of a scenario, record by record.
//
// A rendered record reads
//   11-23 09:48 AS-101 escalation dispatched @64 first_response 80% | escalate supervisor
// with local time in Asia/Shanghai (where every example happens; China keeps
// no daylight saving time, so that is UTC+8 all year), the ticket, the kind
// (and for a transition, its event: `transition accepted`), the states
// (`from -> to`, or the one state a timer or SLA record happened in), the
// rule line, for SLA records the metric and threshold (and when it was due if
// it fired later, as thresholds passed before classification do), then the
// effects (`kind target value`) and for a rejection the reason after `!`.
//
// Expected lines name rule lines by content, not number: `@{auto when mood ==
// angry}` is the first line of the rule file containing that text,
// `@{state obstacle>>every 24h}` the first one containing `every 24h` after
// the line containing `state obstacle`, `@{p2_office_hours.docket::resolve
// 72h}` a line of another file (see RuleLines). A shifted rule file keeps the
// tests valid; a changed rule makes them fail.

#pragma once

#include <date/date.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "embed/docket.h"
#include "engine/codec/event_reader.h"
#include "engine/runtime/clock.h"
#include "engine/runtime/engine.h"
#include "engine/runtime/journal.h"

namespace docket::engine::testing {

inline constexpr std::int64_t kShanghaiOffset = 8 * 3600;

inline std::string source_path(const std::string& relative) { return std::string(DOCKET_SOURCE_DIR) + "/" + relative; }

// "11-23 09:48" (or "11-23 09:48:30") in Asia/Shanghai.
inline std::string local_time(std::int64_t instant) {
  date::sys_seconds local{std::chrono::seconds(instant + kShanghaiOffset)};
  return date::format(instant % 60 == 0 ? "%m-%d %H:%M" : "%m-%d %H:%M:%S", local);
}

// The instant of "2026-11-23T09:00:00+08:00"; fails the test on a typo.
inline std::int64_t at(const char* iso) {
  std::optional<std::int64_t> parsed = parse_timestamp(iso);
  EXPECT_TRUE(parsed.has_value()) << iso;
  return parsed.value_or(0);
}

inline std::string percent_text(double percent) {
  char text[16];
  std::snprintf(text, sizeof text, "%g%%", percent);
  return text;
}

inline std::string render_effect(const Effect& effect) {
  std::string text = to_string(effect.kind);
  if (!effect.target.empty()) text += " " + effect.target;
  if (!effect.value.empty()) text += " " + effect.value;
  return text;
}

// "priority: - -> P0; category: - -> product_fault": what a record changed,
// in order (`-` for no value).
inline std::string render_changes(const Record& record) {
  std::string text;
  for (const Change& change : record.changes) {
    if (!text.empty()) text += "; ";
    text += change.field + ": " + (change.before_text.empty() ? std::string("-") : change.before_text) + " -> " +
            (change.after_text.empty() ? std::string("-") : change.after_text);
  }
  return text;
}

// The file name of a rule position's `where` ("/x/rules/after_sales.docket:42" ->
// "after_sales.docket").
inline std::string rule_file(const std::string& where) {
  std::string path = where.substr(0, where.rfind(':'));
  std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// One record as a line (see the top of this file). Rule lines of `home` are
// written `@N`, those of any other file `@file.docket:N`.
inline std::string render(const Record& record, const std::string& home) {
  std::string text = local_time(record.at) + " " + record.ticket + " " + to_string(record.kind);
  if (record.kind == RecordKind::kTransition || record.kind == RecordKind::kRejection) text += " " + record.event;
  if (record.kind == RecordKind::kTransition || (record.kind == RecordKind::kTimer && record.to != record.from)) {
    text += " " + (record.from.empty() ? std::string("-") : record.from) + " -> " + record.to;
  } else {
    text += " " + record.from;
  }
  if (record.rule.line != 0) {
    std::string file = rule_file(record.rule.where);
    text += " @" + (file == home ? std::string() : file + ":") + std::to_string(record.rule.line);
  }
  if (record.sla) {
    text += " " + record.sla->metric + " " + percent_text(record.sla->percent);
    if (record.sla->due != record.at) text += " (due " + local_time(record.sla->due) + ")";
  }
  for (std::size_t i = 0; i < record.effects.size(); ++i) {
    text += (i == 0 ? " | " : "; ") + render_effect(record.effects[i]);
  }
  if (record.rejected) text += " ! " + record.reason;
  return text;
}

// The lines of rule files, for turning `@{needle}` into `@N` (a line of the
// home file, the first given) and `@{file.docket::needle}` into
// `@file.docket:N` (a line of another).
class RuleLines {
 public:
  // Paths relative to the source directory: "rules/after_sales.docket".
  explicit RuleLines(std::initializer_list<std::string> paths) {
    for (const std::string& path : paths) {
      File file{rule_file(path), {}};
      std::ifstream in(source_path(path));
      for (std::string line; std::getline(in, line);) file.lines.push_back(line);
      EXPECT_FALSE(file.lines.empty()) << "cannot read " << path;
      files_.push_back(std::move(file));
    }
  }

  // The line number of `needle` in the home file, or of "file.docket::needle"
  // in that file; "anchor>>needle": the first line with needle after anchor's.
  int line(const std::string& needle) const {
    const File* file = &files_.front();
    std::string text = needle;
    if (std::size_t split = needle.find("::"); split != std::string::npos) {
      file = find(needle.substr(0, split));
      text = needle.substr(split + 2);
      if (file == nullptr) return 0;
    }
    return line_in(*file, text);
  }

  // `expected` with every `@{needle}` replaced by `@N` or `@file.docket:N`.
  std::string resolve(const std::string& expected) const {
    std::string out;
    std::size_t pos = 0;
    while (true) {
      std::size_t open = expected.find("@{", pos);
      if (open == std::string::npos) break;
      std::size_t close = expected.find('}', open);
      if (close == std::string::npos) break;
      std::string needle = expected.substr(open + 2, close - open - 2);
      std::size_t split = needle.find("::");
      std::string prefix = split == std::string::npos ? std::string() : needle.substr(0, split) + ":";
      out += expected.substr(pos, open - pos) + "@" + prefix + std::to_string(line(needle));
      pos = close + 1;
    }
    return out + expected.substr(pos);
  }

  std::vector<std::string> resolve(const std::vector<std::string>& expected) const {
    std::vector<std::string> out;
    for (const std::string& line : expected) out.push_back(resolve(line));
    return out;
  }

 private:
  struct File {
    std::string name;
    std::vector<std::string> lines;
  };

  const File* find(const std::string& name) const {
    for (const File& file : files_) {
      if (file.name == name) return &file;
    }
    ADD_FAILURE() << "no rule file " << name << " given";
    return nullptr;
  }

  int line_in(const File& file, const std::string& needle) const {
    std::size_t from = 0;
    std::string text = needle;
    if (std::size_t split = needle.find(">>"); split != std::string::npos) {
      from = static_cast<std::size_t>(line_in(file, needle.substr(0, split)));
      text = needle.substr(split + 2);
    }
    for (std::size_t i = from; i < file.lines.size(); ++i) {
      if (file.lines[i].find(text) != std::string::npos) return static_cast<int>(i + 1);
    }
    ADD_FAILURE() << "no line with `" << text << "` in " << file.name;
    return 0;
  }

  std::vector<File> files_;
};

inline std::string join_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

// An engine with one rule file installed, a virtual clock and a memory
// journal, fed from example event files.
class Replay {
 public:
  // `rules`: a path relative to the source directory, "rules/after_sales.docket".
  explicit Replay(const std::string& rules) : clock(0), engine(clock, journal), home_(rule_file(rules)) {
    Result<LoadedRules> loaded = load_rules(source_path(rules));
    if (!loaded) {
      ADD_FAILURE() << loaded.error();
      return;
    }
    workflow = loaded->workflow;
    Status installed = engine.install(workflow);
    EXPECT_TRUE(installed.ok()) << installed.error();
  }

  // Reads `example` (a path under examples/) with the engine's event reader
  // and applies every event in file order, or only those up to `until`, or
  // only those of `ticket`. The outcomes, by event applied.
  std::vector<Outcome> play(const std::string& example, std::int64_t until = kNever, const std::string& ticket = {}) {
    std::vector<Outcome> outcomes;
    play_each(
        example,
        [&](const EventLine& line, const Outcome* outcome) {
          if (line.event.at > until) return true;
          if (outcome != nullptr) outcomes.push_back(*outcome);
          return false;
        },
        ticket);
    return outcomes;
  }

  // Applies the events of `example` one at a time (only those of `ticket`,
  // when given), calling visit(line, outcome) before each event with a null
  // outcome (true stops before applying it) and after it with the outcome
  // (true stops there). Returns whether `visit` stopped the play.
  bool play_each(const std::string& example, const std::function<bool(const EventLine&, const Outcome*)>& visit,
                 const std::string& ticket = {}) {
    std::ifstream in(source_path("examples/" + example));
    EXPECT_TRUE(in.good()) << "cannot read examples/" << example;
    EventReader reader(in, example);
    while (true) {
      Result<std::optional<EventLine>> next = reader.next();
      if (!next) {
        ADD_FAILURE() << next.error();
        return false;
      }
      if (!next.value()) return false;
      const EventLine& line = *next.value();
      if (!ticket.empty() && line.event.ticket != ticket) continue;
      if (visit(line, nullptr)) return true;
      Result<Outcome> outcome = engine.apply(line.event);
      EXPECT_TRUE(outcome.ok()) << example << ":" << line.line << ": " << outcome.error();
      Outcome applied = outcome ? outcome.value() : Outcome{};
      if (visit(line, &applied)) return true;
    }
  }

  std::size_t advance_to(std::int64_t instant) {
    Result<std::size_t> fired = engine.advance_to(instant);
    EXPECT_TRUE(fired.ok()) << fired.error();
    return fired ? fired.value() : 0;
  }

  // Every record rendered, optionally of one ticket only.
  std::vector<std::string> trace(const std::string& ticket = {}) const {
    std::vector<std::string> lines;
    for (const Record& record : journal.records()) {
      if (ticket.empty() || record.ticket == ticket) lines.push_back(render(record, home_));
    }
    return lines;
  }

  // The journal (of `ticket` only, when given) is exactly `expected`, whose
  // `@{needle}`s `lines` resolves. Compared as one text so that a failure
  // shows a diff.
  void expect_journal(const RuleLines& lines, const std::vector<std::string>& expected,
                      const std::string& ticket = {}) const {
    EXPECT_EQ(join_lines(trace(ticket)), join_lines(lines.resolve(expected)));
  }

  // The records of `ticket` (all tickets when empty) of `kind`, in order.
  std::vector<Record> records(RecordKind kind, const std::string& ticket = {}) const {
    std::vector<Record> found;
    for (const Record& record : journal.records()) {
      if (record.kind == kind && (ticket.empty() || record.ticket == ticket)) found.push_back(record);
    }
    return found;
  }

  // The transition record of `ticket` on `event` (the `n`th, from 0).
  Record transition(const std::string& ticket, const std::string& event, std::size_t n = 0) const {
    for (const Record& record : journal.records()) {
      if (record.kind == RecordKind::kTransition && record.ticket == ticket && record.event == event && n-- == 0) {
        return record;
      }
    }
    ADD_FAILURE() << "no transition of " << ticket << " on " << event;
    return {};
  }

  std::string state(const std::string& ticket) const {
    const Ticket* found = engine.find(ticket);
    return found != nullptr ? found->state_name() : std::string("<none>");
  }

  std::string field(const std::string& ticket, const std::string& name) const {
    const Ticket* found = engine.find(ticket);
    return found != nullptr ? found->format(name) : std::string("<none>");
  }

  VirtualClock clock;
  MemoryJournal journal;
  Engine engine;
  std::shared_ptr<const Workflow> workflow;

 private:
  std::string home_;
};

}  // namespace docket::engine::testing
