// Time as regulations count it: limits, timers and approval deadlines in
// working days of a calendar (`15 workdays in office`), limits that run from
// a timestamp field (`from received_at`), extensions (`extend M by D "why"`)
// and their caps, conditional warnings and escalation steps, and what the
// journal, the snapshots and the journal audit make of them.
//
// Every due time below is worked out by hand from the calendar `office`:
// Asia/Shanghai (UTC+8 all year), Mon-Fri 09:00-12:00 and 13:00-17:30 (7.5 h
// a working day), with the notice cn_2026: holidays Fri 2026-09-25..Sun
// 09-27 and Thu 10-01..Wed 10-07, make-up working days Sun 09-20 and Sat
// 10-10. N working days from an instant end at the close (17:30) of the Nth
// working day after the instant's local date, that date never counted.
//
// Working days after Fri 2026-09-25 (a holiday itself), counted:
//   1 Mon 09-28   2 Tue 09-29   3 Wed 09-30   (10-01..10-07 holidays)
//   4 Thu 10-08   5 Fri 10-09   6 Sat 10-10 (make-up)   (Sun 10-11 off)
//   7..11 Mon 10-12..Fri 10-16   12..15 Mon 10-19..Thu 10-22
//   16 Fri 10-23  17..21 10-26..10-30  22..26 11-02..11-06  27..30 11-09..Thu 11-12
//   31 Fri 11-13  32..36 11-16..11-20  37..41 11-23..11-27  42..45 11-30..Thu 12-03

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/audit/journal_audit.h"
#include "engine/codec/journal_json.h"
#include "engine/codec/ticket_codec.h"
#include "engine/runtime/migration.h"
#include "tests/scenarios/scenario.h"
#include "tests/support/engine_harness.h"

namespace docket::engine::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// The calendar, its notice and what every rule text below shares.
constexpr const char* kHeader = R"(workflow time_rules version "1"
holidays cn_2026 {
  holidays 2026-09-25..2026-09-27, 2026-10-01..2026-10-07
  workdays 2026-09-20, 2026-10-10
  source "State Council notice on the 2026 holidays"
}
calendar office {
  zone "Asia/Shanghai"
  hours mon-fri 09:00-12:00, 13:00-17:30
  holidays cn_2026
}
department desk { roles clerk, lead }
field received_at: timestamp
field note: text
)";

// "2026-10-22 17:30" in Asia/Shanghai.
std::int64_t local(const std::string& when) {
  return at((when.substr(0, 10) + "T" + when.substr(11) + ":00+08:00").c_str());
}

// "breach 10-22 17:30 decide 100%", "transition more_time 10-12 10:00 | clock
// decide extended by ...", "warning 10-14 10:00 decide 50% (due 10-13 13:45)",
// "rejection more_time 10-14 10:00 ! extension: ...": a record as these
// tests compare it, times in Asia/Shanghai.
std::string render(const Record& record) {
  std::string text = to_string(record.kind);
  if (!record.event.empty()) text += " " + record.event;
  text += " " + local_time(record.at);
  if (record.sla) {
    text += " " + record.sla->metric + " " + percent_text(record.sla->percent);
    if (record.sla->due != record.at) text += " (due " + local_time(record.sla->due) + ")";
  }
  for (std::size_t i = 0; i < record.effects.size(); ++i) {
    text += (i == 0 ? " | " : "; ") + render_effect(record.effects[i]);
  }
  if (record.rejected) text += std::string(" ! ") + to_string(record.reason_code) + ": " + record.reason;
  return text;
}

std::vector<std::string> journal_of(const Harness& h, const std::string& ticket) {
  std::vector<std::string> lines;
  for (const Record& record : h.records()) {
    if (record.ticket == ticket) lines.push_back(render(record));
  }
  return lines;
}

// Every record `h` wrote could have been written by the rules (JournalAudit),
// and reads back from its JSON line as it was.
void expect_legal(const Harness& h) {
  std::shared_ptr<const Workflow> workflow(std::shared_ptr<const Workflow>(), &h.workflow());
  JournalAudit audit([&](std::string_view id) -> std::shared_ptr<const Workflow> {
    return workflow->version_id() == id ? workflow : nullptr;
  });
  for (const Record& record : h.records()) {
    std::optional<std::string> problem = audit.check(record);
    EXPECT_FALSE(problem) << *problem;
    if (problem) break;
    std::string line = encode_record(record);
    Result<Record> decoded = decode_record(line, workflow.get());
    ASSERT_TRUE(decoded.ok()) << decoded.error() << " in " << line;
    EXPECT_EQ(decoded.value(), record) << line;
  }
}

Actor clerk() { return actor("li", {"clerk"}); }

// `ticket` after an event that was refused: unchanged but for its count of
// events, which counts refused ones too (EngineOptions::max_events_per_ticket).
Ticket refused_on(Ticket ticket) {
  ++ticket.events;
  return ticket;
}

DataItem received(const std::string& when) { return text("received_at", when); }

// ---------------------------------------------------------------- limits from a field

constexpr const char* kDecide = R"(priority standard {
  decide 15 workdays in office from received_at
  warn at 50%, 80%
}
classify priority { standard otherwise }
initial state open {
  on enter do classify priority
  on decided -> closed
}
final state closed
)";

// The complaint arrived on Fri 2026-09-25 (a holiday) and was entered on Mon
// 09-28. Its limit, counted from the 25th, ends at the close of the 15th
// working day after it: Thu 10-22 17:30.
// In working time: nothing on the 25th (a holiday), 7.5 h on each of the 15
// days: 112.5 h = 405000 s.
//   50% = 56 h 15 m: 7 full days to Mon 10-12 make 52.5 h; 3 h 45 m more on
//         Tue 10-13: 09:00-12:00 and 13:00-13:45 -> Tue 10-13 13:45.
//   80% = 90 h: 12 full days to Mon 10-19 make 90 h -> Mon 10-19 17:30.
TEST(TimeRulesTest, WorkdayLimitFromReceiptBreachesAtTheCloseOfTheFifteenthWorkingDay) {
  Harness h(compile_rules(std::string(kHeader) + kDecide));
  Outcome created =
      h.create(local("2026-09-28 10:00"), "C-1", clerk(), {received("2026-09-25T10:00:00+08:00"), text("note", "x")});
  ASSERT_TRUE(created.accepted) << created.reason;
  h.advance_to(local("2026-12-31 00:00"));

  EXPECT_THAT(journal_of(h, "C-1"), ElementsAre("transition create 09-28 10:00 | clock decide started from received_at "
                                                "2026-09-25T02:00:00Z; classify priority standard",
                                                "warning 10-13 13:45 decide 50%", "warning 10-19 17:30 decide 80%",
                                                "breach 10-22 17:30 decide 100%"));
  std::vector<Record> breach = h.records_of(RecordKind::kBreach, "C-1");
  ASSERT_EQ(breach.size(), 1u);
  EXPECT_EQ(breach[0].at, at("2026-10-22T17:30:00+08:00"));
  EXPECT_EQ(breach[0].sla->due, at("2026-10-22T17:30:00+08:00"));
  EXPECT_EQ(breach[0].sla->limit, "15 workdays");
  EXPECT_EQ(breach[0].sla->limit_seconds, 405000);
  EXPECT_EQ(breach[0].sla->calendar, "office");
  std::vector<Record> warnings = h.records_of(RecordKind::kWarning, "C-1");
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0].sla->due, at("2026-10-13T13:45:00+08:00"));
  EXPECT_EQ(warnings[1].sla->due, at("2026-10-19T17:30:00+08:00"));
  EXPECT_EQ(warnings[0].sla->limit, "15 workdays");
  EXPECT_EQ(warnings[0].sla->limit_seconds, 405000);
  expect_legal(h);
}

TEST(TimeRulesTest, ExplainNamesTheWorkdayLimitAndTheDaysItCounts) {
  Harness h(compile_rules(std::string(kHeader) + kDecide));
  ASSERT_TRUE(h.create(local("2026-09-28 10:00"), "C-1", clerk(), {received("2026-09-25T10:00:00+08:00")}).accepted);
  Result<std::string> explained = h.engine.explain("C-1", "decide");
  ASSERT_TRUE(explained.ok()) << explained.error();
  EXPECT_EQ(explained.value(),
            "`decide` under standard, limit 15 workdays in office from received_at: running since "
            "2026-09-25T02:00:00Z: 15 working days from received_at (Fri 2026-09-25 10:00 Asia/Shanghai), the day "
            "itself not counted: counting Mon "
            "2026-09-28..Thu 2026-10-22; holidays Fri 2026-09-25..Sun 2026-09-27 (cn_2026), Thu 2026-10-01..Wed "
            "2026-10-07 (cn_2026); make-up working day Sat 2026-10-10 (cn_2026); due Thu 2026-10-22 17:30");
}

// Days of 24 hours are explained as written, `15d`, not as 360h: from the
// field and its value, in UTC for the wall clock (no calendar, no zone), in
// the calendar's local time for days of working time.
TEST(TimeRulesTest, ExplainShowsDaysAsWrittenFromTheFieldTheyCountFrom) {
  Harness h(compile_rules(std::string(kHeader) + R"(priority standard {
  decide 15d from received_at
  answer 1d in office
}
classify priority { standard otherwise }
initial state open {
  on enter do classify priority
  on decided -> closed
}
final state closed
)"));
  ASSERT_TRUE(h.create(local("2026-09-28 10:00"), "D-1", clerk(), {received("2026-09-25T10:00:00+08:00")}).accepted);
  Result<std::string> decide = h.engine.explain("D-1", "decide");
  ASSERT_TRUE(decide.ok()) << decide.error();
  EXPECT_EQ(decide.value(),
            "`decide` under standard, limit 15d from received_at: running since 2026-09-25T02:00:00Z: 15d from "
            "received_at (Fri 2026-09-25 02:00 UTC): due Sat 2026-10-10 02:00 UTC");
  // 24 h of working time from Mon 09-28 10:00: 6.5 h on Monday, 7.5 h on
  // Tuesday and Wednesday (21.5 h), the National Day week off, 2.5 h on Thu
  // 10-08: due 11:30.
  Result<std::string> answer = h.engine.explain("D-1", "answer");
  ASSERT_TRUE(answer.ok()) << answer.error();
  EXPECT_THAT(answer.value(), HasSubstr("`answer` under standard, limit 1d in office: running since "
                                        "2026-09-28T02:00:00Z: 1d (24 business hours) from Mon 2026-09-28 10:00 "
                                        "(Asia/Shanghai): "));
  EXPECT_THAT(answer.value(), HasSubstr("due Thu 2026-10-08 11:30"));
  EXPECT_THAT(answer.value(), Not(HasSubstr("UTC")));
}

// A clock from a field that was unset when it started counts from then: the
// explanation says so instead of naming the field's (missing) value.
TEST(TimeRulesTest, ExplainSaysWhenTheFieldWasNotWhereTheClockStarted) {
  Harness h(compile_rules(std::string(kHeader) + kDecide));
  ASSERT_TRUE(h.create(local("2026-09-28 10:00"), "U-1", clerk(), {}).accepted);
  Result<std::string> explained = h.engine.explain("U-1", "decide");
  ASSERT_TRUE(explained.ok()) << explained.error();
  EXPECT_EQ(explained.value(),
            "`decide` under standard, limit 15 workdays in office from received_at: running since "
            "2026-09-28T02:00:00Z (received_at is unset: the clock counts from when it started): 15 working days "
            "from Mon 2026-09-28 10:00 (Asia/Shanghai), the day itself not counted: counting Tue 2026-09-29..Fri "
            "2026-10-23; holidays Thu 2026-10-01..Wed 2026-10-07 (cn_2026); make-up working day Sat 2026-10-10 "
            "(cn_2026); due Fri 2026-10-23 17:30");
}

// Entered on Wed 10-14, after the 50% of Tue 10-13 13:45: the warning is
// written at once, right after the record that created the ticket, with the
// time it was due.
TEST(TimeRulesTest, ThresholdsAReceiptInThePastHasPassedAreWrittenRightAfterTheCreation) {
  Harness h(compile_rules(std::string(kHeader) + kDecide));
  Outcome created = h.create(local("2026-10-14 10:00"), "C-2", clerk(), {received("2026-09-25T10:00:00+08:00")});
  ASSERT_TRUE(created.accepted) << created.reason;
  EXPECT_THAT(journal_of(h, "C-2"), ElementsAre("transition create 10-14 10:00 | clock decide started from "
                                                "received_at 2026-09-25T02:00:00Z; classify priority standard",
                                                "warning 10-14 10:00 decide 50% (due 10-13 13:45)"));
  std::vector<Record> warnings = h.records_of(RecordKind::kWarning, "C-2");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].seq, created.last_seq + 1);
  EXPECT_EQ(warnings[0].sla->due, at("2026-10-13T13:45:00+08:00"));
  EXPECT_EQ(h.ticket("C-2").clocks[*h.workflow().find_metric("decide")].due, at("2026-10-19T17:30:00+08:00"));
  expect_legal(h);
}

TEST(TimeRulesTest, AReceiptLaterThanTheEventIsRefused) {
  Harness h(compile_rules(std::string(kHeader) + kDecide));
  Outcome created = h.create(local("2026-09-28 10:00"), "C-3", clerk(), {received("2026-09-29T10:00:00+08:00")});
  EXPECT_FALSE(created.accepted);
  EXPECT_EQ(created.code, RejectionCode::kClockFromFuture);
  EXPECT_EQ(h.engine.find("C-3"), nullptr);
  EXPECT_THAT(journal_of(h, "C-3"),
              ElementsAre("rejection create 09-28 10:00 ! clock_from_future: `decide` would start from `received_at` "
                          "2026-09-29T02:00:00Z, later than the event (2026-09-28T02:00:00Z): a clock cannot start "
                          "in the future"));
  expect_legal(h);
}

// Without a receipt the clock starts with the event, Mon 09-28 10:00, a
// working day: 15 working days after it, 09-29 .. Fri 10-23, end Fri 10-23
// 17:30. In working time, 6.5 h left of 09-28 (10:00-12:00, 13:00-17:30) and
// 112.5 h: 119 h = 428400 s.
TEST(TimeRulesTest, WithoutAReceiptTheClockStartsWithTheEvent) {
  Harness h(compile_rules(std::string(kHeader) + kDecide));
  ASSERT_TRUE(h.create(local("2026-09-28 10:00"), "C-4", clerk(), {}).accepted);
  std::vector<std::string> journal = journal_of(h, "C-4");
  ASSERT_EQ(journal.size(), 1u);
  EXPECT_EQ(journal[0],
            "transition create 09-28 10:00 | clock decide started from received_at (unset: now); classify priority "
            "standard");
  h.advance_to(local("2026-12-31 00:00"));
  std::vector<Record> breach = h.records_of(RecordKind::kBreach, "C-4");
  ASSERT_EQ(breach.size(), 1u);
  EXPECT_EQ(breach[0].at, at("2026-10-23T17:30:00+08:00"));
  EXPECT_EQ(breach[0].sla->limit_seconds, 428400);
  expect_legal(h);
}

// `start M from F` as an action: the clock waits for the case to be accepted
// and then counts from the receipt.
constexpr const char* kStartFrom = R"(priority standard { decide 15 workdays in office }
classify priority { standard otherwise }
initial state open {
  on enter do classify priority
  on accepted -> working do start decide from received_at
}
state working {
  on decided -> closed
}
final state closed
)";

// Accepted on Mon 10-12 10:00, counted from Fri 09-25: due Thu 10-22 17:30
// as in the first test. A receipt later than the acceptance refuses it.
TEST(TimeRulesTest, AStartActionFromAFieldCountsFromTheFieldsTime) {
  Harness h(compile_rules(std::string(kHeader) + kStartFrom));
  ASSERT_TRUE(h.create(local("2026-09-28 10:00"), "S-1", clerk(), {received("2026-09-25T10:00:00+08:00")}).accepted);
  ASSERT_TRUE(h.create(local("2026-09-28 10:00"), "S-2", clerk(), {}).accepted);
  Outcome accepted = h.send(local("2026-10-12 10:00"), "S-1", "accepted", clerk());
  ASSERT_TRUE(accepted.accepted) << accepted.reason;
  Outcome refused =
      h.send(local("2026-10-12 10:00"), "S-2", "accepted", clerk(), {received("2026-10-13T10:00:00+08:00")});
  EXPECT_FALSE(refused.accepted);
  EXPECT_EQ(refused.code, RejectionCode::kClockFromFuture);
  EXPECT_EQ(h.state("S-2"), "open");
  h.advance_to(local("2026-12-31 00:00"));
  EXPECT_THAT(journal_of(h, "S-1"),
              ElementsAre("transition create 09-28 10:00 | classify priority standard",
                          "transition accepted 10-12 10:00 | clock decide started from received_at "
                          "2026-09-25T02:00:00Z",
                          "breach 10-22 17:30 decide 100%"));
  EXPECT_THAT(journal_of(h, "S-2"),
              ElementsAre("transition create 09-28 10:00 | classify priority standard",
                          "rejection accepted 10-12 10:00 ! clock_from_future: `decide` would start from "
                          "`received_at` 2026-10-13T02:00:00Z, later than the event (2026-10-12T02:00:00Z): a clock "
                          "cannot start in the future"));
  expect_legal(h);
}

// With clocks that start with the first priority, a clock from a field starts
// from the field all the same, and a receipt in the future refuses the event
// that sets the priority.
constexpr const char* kLateTriage = R"(priority standard { decide 15 workdays in office from received_at }
initial state open {
  on triaged -> open do set priority = standard
  on decided -> closed
}
final state closed
)";

TEST(TimeRulesTest, ClocksStartingWithTheFirstPriorityCountFromTheFieldToo) {
  Harness h(compile_rules(std::string(kHeader) + kLateTriage),
            EngineOptions{.sla_start = EngineOptions::SlaStart::kFirstPriority});
  ASSERT_TRUE(h.create(local("2026-09-28 10:00"), "F-1", clerk(), {received("2026-09-25T10:00:00+08:00")}).accepted);
  ASSERT_TRUE(h.create(local("2026-09-28 10:00"), "F-2", clerk(), {}).accepted);
  Outcome triaged = h.send(local("2026-09-29 10:00"), "F-1", "triaged", clerk());
  ASSERT_TRUE(triaged.accepted) << triaged.reason;
  Outcome refused =
      h.send(local("2026-09-29 10:00"), "F-2", "triaged", clerk(), {received("2026-09-30T10:00:00+08:00")});
  EXPECT_FALSE(refused.accepted);
  EXPECT_EQ(refused.code, RejectionCode::kClockFromFuture);
  EXPECT_EQ(h.ticket("F-2").clocks[*h.workflow().find_metric("decide")].status, SlaClock::Status::kIdle);
  h.advance_to(local("2026-12-31 00:00"));
  EXPECT_THAT(journal_of(h, "F-1"),
              ElementsAre("transition create 09-28 10:00",
                          "transition triaged 09-29 10:00 | set priority standard; clock decide started from "
                          "received_at 2026-09-25T02:00:00Z",
                          "breach 10-22 17:30 decide 100%"));
  expect_legal(h);
}

// ---------------------------------------------------------------- extensions

constexpr const char* kExtend = R"(priority standard {
  decide 15 workdays in office from received_at
  extend decide at most 2 times, up to 60 workdays in office
  warn at 50%
}
classify priority { standard otherwise }
initial state open {
  on enter do classify priority
  on more_time -> open do extend decide by 15 workdays in office "complex case"
  on expert -> open do extend decide by 50 workdays in office "expert opinion"
  on hold -> waiting do pause decide
  on decided -> answered do stop decide
}
state waiting {
  on more_time -> waiting do extend decide by 15 workdays in office "complex case"
  on back -> open do resume decide
}
state answered {
  on more_time -> answered do extend decide by 15 workdays in office "complex case"
  on close -> closed
}
final state closed
)";

constexpr const char* kRefusal = "`extend decide by 15 workdays in office \"complex case\"`: ";

// A complaint of kExtend received Fri 09-25 and entered Mon 09-28 10:00.
void complaint(Harness& h, const std::string& id) {
  Outcome created = h.create(local("2026-09-28 10:00"), id, clerk(), {received("2026-09-25T10:00:00+08:00")});
  ASSERT_TRUE(created.accepted) << created.reason;
}

// Extended on Mon 10-12 by 15 working days: 30 working days after 09-25, due
// Thu 11-12 17:30 instead of Thu 10-22 17:30. 30 x 7.5 h = 225 h = 810000 s;
// its 50% (112.5 h) is now the old limit, Thu 10-22 17:30.
TEST(TimeRulesTest, AnExtensionMovesTheBreachToTheCloseOfTheThirtiethWorkingDay) {
  Harness h(compile_rules(std::string(kHeader) + kExtend));
  complaint(h, "E-1");
  Outcome extended = h.send(local("2026-10-12 10:00"), "E-1", "more_time", clerk());
  ASSERT_TRUE(extended.accepted) << extended.reason;
  // The extension, then the state's `on enter` (the transition re-enters `open`).
  const Record& record = h.records().back();
  ASSERT_EQ(record.effects.size(), 2u);
  EXPECT_EQ(render_effect(record.effects[1]), "classify priority standard");
  EXPECT_EQ(record.effects[0].kind, EffectKind::kClock);
  EXPECT_EQ(record.effects[0].clock, ClockChange::kExtended);
  EXPECT_EQ(record.effects[0].target, "decide");
  EXPECT_EQ(record.effects[0].value,
            "extended by 15 workdays to 15 workdays + 15 workdays in office, due 2026-11-12T09:30:00Z (was "
            "2026-10-22T09:30:00Z): complex case");
  const SlaClock& clock = h.ticket("E-1").clocks[*h.workflow().find_metric("decide")];
  EXPECT_EQ(clock.extensions, 1u);
  EXPECT_EQ(clock.extended_workdays, 15);
  EXPECT_EQ(clock.extended_seconds, 0);
  Result<std::string> explained = h.engine.explain("E-1", "decide");
  ASSERT_TRUE(explained.ok()) << explained.error();
  EXPECT_EQ(explained.value(),
            "`decide` under standard, limit 15 workdays + 15 workdays in office from received_at (extended 1 time): "
            "running since 2026-09-25T02:00:00Z: 30 working days from received_at (Fri 2026-09-25 10:00 "
            "Asia/Shanghai), the day itself not counted: counting Mon 2026-09-28..Thu 2026-11-12; holidays Fri "
            "2026-09-25..Sun 2026-09-27 (cn_2026), "
            "Thu 2026-10-01..Wed 2026-10-07 (cn_2026); make-up working day Sat 2026-10-10 (cn_2026); due Thu "
            "2026-11-12 17:30");

  h.advance_to(local("2026-12-31 00:00"));
  EXPECT_THAT(journal_of(h, "E-1"),
              ElementsAre("transition create 09-28 10:00 | clock decide started from received_at "
                          "2026-09-25T02:00:00Z; classify priority standard",
                          "transition more_time 10-12 10:00 | clock decide extended by 15 workdays to 15 workdays + "
                          "15 workdays in office, due 2026-11-12T09:30:00Z (was 2026-10-22T09:30:00Z): complex case; "
                          "classify priority standard",
                          "warning 10-22 17:30 decide 50%", "breach 11-12 17:30 decide 100%"));
  std::vector<Record> breach = h.records_of(RecordKind::kBreach, "E-1");
  ASSERT_EQ(breach.size(), 1u);
  EXPECT_EQ(breach[0].sla->due, at("2026-11-12T17:30:00+08:00"));
  EXPECT_EQ(breach[0].sla->limit, "15 workdays + 15 workdays");
  EXPECT_EQ(breach[0].sla->limit_seconds, 810000);
  expect_legal(h);
}

// Paused on Fri 10-09 10:00 after 31 h of working time (09-28..09-30 and
// 10-08: 30 h; 10-09 09:00-10:00: 1 h), extended while paused, resumed on Mon
// 10-12 09:00. The pause took 14 h of working time (the rest of Fri 10-09,
// 6.5 h, and the make-up Saturday 10-10, 7.5 h), so the breach comes 14 h of
// working time after the close of Thu 11-12: 7.5 h on Fri 11-13, 6.5 h on
// Mon 11-16 (09:00-12:00, 13:00-16:30) -> Mon 11-16 16:30. Its 50%, 112.5 h:
// 81.5 h after the resumption, 10 working days 10-12..10-23 (75 h) and 6.5 h
// of Mon 10-26 -> 16:30.
TEST(TimeRulesTest, APausedClockIsExtendedAndThePauseStillPushesTheDueTimeBack) {
  Harness h(compile_rules(std::string(kHeader) + kExtend));
  complaint(h, "E-6");
  ASSERT_TRUE(h.send(local("2026-10-09 10:00"), "E-6", "hold", clerk()).accepted);
  Outcome extended = h.send(local("2026-10-09 11:00"), "E-6", "more_time", clerk());
  ASSERT_TRUE(extended.accepted) << extended.reason;
  ASSERT_TRUE(h.send(local("2026-10-12 09:00"), "E-6", "back", clerk()).accepted);
  h.advance_to(local("2026-12-31 00:00"));
  EXPECT_THAT(journal_of(h, "E-6"),
              ElementsAre("transition create 09-28 10:00 | clock decide started from received_at "
                          "2026-09-25T02:00:00Z; classify priority standard",
                          "transition hold 10-09 10:00 | clock decide paused",
                          "transition more_time 10-09 11:00 | clock decide extended by 15 workdays to 15 workdays + "
                          "15 workdays in office, paused: complex case",
                          "transition back 10-12 09:00 | clock decide resumed; classify priority standard",
                          "warning 10-26 16:30 decide 50%", "breach 11-16 16:30 decide 100%"));
  std::vector<Record> breach = h.records_of(RecordKind::kBreach, "E-6");
  ASSERT_EQ(breach.size(), 1u);
  EXPECT_EQ(breach[0].sla->limit_seconds, 810000);
  expect_legal(h);
}

// Twice by 15: 45 working days after 09-25, Thu 12-03 17:30; a third time
// is over `at most 2 times` (though 60 days would still fit `up to`).
TEST(TimeRulesTest, AThirdExtensionIsRefusedAndLeavesTheTicketAsItWas) {
  Harness h(compile_rules(std::string(kHeader) + kExtend));
  complaint(h, "E-2");
  ASSERT_TRUE(h.send(local("2026-10-12 10:00"), "E-2", "more_time", clerk()).accepted);
  Outcome second = h.send(local("2026-10-13 10:00"), "E-2", "more_time", clerk());
  ASSERT_TRUE(second.accepted) << second.reason;
  EXPECT_EQ(h.records().back().effects.at(0).value,
            "extended by 15 workdays to 15 workdays + 30 workdays in office, due 2026-12-03T09:30:00Z (was "
            "2026-11-12T09:30:00Z): complex case");

  Ticket before = h.ticket("E-2");
  Outcome third = h.send(local("2026-10-14 10:00"), "E-2", "more_time", clerk());
  EXPECT_FALSE(third.accepted);
  EXPECT_EQ(third.code, RejectionCode::kExtension);
  EXPECT_EQ(third.reason, std::string(kRefusal) + "`decide` may be extended at most 2 times");
  EXPECT_EQ(h.records().back().reason_code, RejectionCode::kExtension);
  EXPECT_EQ(encode_ticket(h.ticket("E-2")), encode_ticket(refused_on(before)));
  expect_legal(h);
}

// 15 + 50 = 65 working days, over `up to 60 workdays in office`.
TEST(TimeRulesTest, AnExtensionOverTheTotalCapIsRefused) {
  Harness h(compile_rules(std::string(kHeader) + kExtend));
  complaint(h, "E-3");
  Ticket before = h.ticket("E-3");
  Outcome refused = h.send(local("2026-10-12 10:00"), "E-3", "expert", clerk());
  EXPECT_FALSE(refused.accepted);
  EXPECT_EQ(refused.code, RejectionCode::kExtension);
  EXPECT_EQ(refused.reason,
            "`extend decide by 50 workdays in office \"expert opinion\"`: `decide` may be extended up to 60 workdays "
            "in office in all");
  EXPECT_EQ(encode_ticket(h.ticket("E-3")), encode_ticket(refused_on(before)));
  expect_legal(h);
}

TEST(TimeRulesTest, AStoppedClockIsNotExtended) {
  Harness h(compile_rules(std::string(kHeader) + kExtend));
  complaint(h, "E-4");
  ASSERT_TRUE(h.send(local("2026-10-09 10:00"), "E-4", "decided", clerk()).accepted);
  Ticket before = h.ticket("E-4");
  Outcome refused = h.send(local("2026-10-12 10:00"), "E-4", "more_time", clerk());
  EXPECT_FALSE(refused.accepted);
  EXPECT_EQ(refused.code, RejectionCode::kExtension);
  EXPECT_EQ(refused.reason, std::string(kRefusal) + "`decide` is stopped; only a running or paused clock is extended");
  EXPECT_EQ(encode_ticket(h.ticket("E-4")), encode_ticket(refused_on(before)));
  expect_legal(h);
}

// Asked for on Fri 10-23, the day after the breach of Thu 10-22 17:30: the
// breach is written first, then the extension refused.
TEST(TimeRulesTest, ABreachedClockIsNotExtended) {
  Harness h(compile_rules(std::string(kHeader) + kExtend));
  complaint(h, "E-5");
  Outcome refused = h.send(local("2026-10-23 10:00"), "E-5", "more_time", clerk());
  EXPECT_FALSE(refused.accepted);
  EXPECT_EQ(refused.code, RejectionCode::kExtension);
  EXPECT_THAT(journal_of(h, "E-5"),
              ElementsAre("transition create 09-28 10:00 | clock decide started from received_at "
                          "2026-09-25T02:00:00Z; classify priority standard",
                          "warning 10-13 13:45 decide 50%", "breach 10-22 17:30 decide 100%",
                          std::string("rejection more_time 10-23 10:00 ! extension: ") + kRefusal +
                              "`decide` is already breached; a limit is extended before it runs out"));
  expect_legal(h);
}

// ---------------------------------------------------------------- conditional marks

constexpr const char* kWatch = R"(priority standard {
  decide 15 workdays in office from received_at
  warn at 50% when note == "watch"
  at 80% of decide when note == "watch" do escalate to lead
  on breach of decide when note == "watch" do notify lead "late"
}
classify priority { standard otherwise }
initial state open {
  on enter do classify priority
  on noted -> open
  on decided -> closed
}
final state closed
)";

// 50% on Tue 10-13 13:45, 80% on Mon 10-19 17:30, the limit on Thu 10-22 17:30
// (as in the first test), the `on breach` step with it.
TEST(TimeRulesTest, AWarningOrAStepWhoseConditionIsFalseWhenReachedIsPassedWithoutARecord) {
  Harness h(compile_rules(std::string(kHeader) + kWatch));
  for (const char* id : {"W-1", "W-2", "W-3"}) {
    ASSERT_TRUE(
        h.create(local("2026-09-28 10:00"), id, clerk(),
                 {received("2026-09-25T10:00:00+08:00"), text("note", id == std::string("W-1") ? "watch" : "calm")})
            .accepted);
  }
  // W-3 is watched from Tue 10-13 09:00 until Wed 10-14: at its 50%, not at its 80%.
  ASSERT_TRUE(h.send(local("2026-10-13 09:00"), "W-3", "noted", clerk(), {text("note", "watch")}).accepted);
  ASSERT_TRUE(h.send(local("2026-10-14 09:00"), "W-3", "noted", clerk(), {text("note", "calm")}).accepted);
  h.advance_to(local("2026-12-31 00:00"));

  std::string created =
      "transition create 09-28 10:00 | clock decide started from received_at 2026-09-25T02:00:00Z; "
      "classify priority standard";
  EXPECT_THAT(
      journal_of(h, "W-1"),
      ElementsAre(created, "warning 10-13 13:45 decide 50%", "escalation 10-19 17:30 decide 80% | escalate lead",
                  "breach 10-22 17:30 decide 100%", "escalation 10-22 17:30 decide 100% | notify lead late"));
  EXPECT_THAT(journal_of(h, "W-2"), ElementsAre(created, "breach 10-22 17:30 decide 100%"));
  EXPECT_THAT(journal_of(h, "W-3"),
              ElementsAre(created, "transition noted 10-13 09:00 | classify priority standard",
                          "warning 10-13 13:45 decide 50%", "transition noted 10-14 09:00 | classify priority standard",
                          "breach 10-22 17:30 decide 100%"));
  // Passed all the same: every mark, the last `on breach` step included.
  EXPECT_EQ(h.ticket("W-2").clocks[*h.workflow().find_metric("decide")].next_mark, 4u);
  expect_legal(h);
}

// ---------------------------------------------------------------- timers and approval deadlines

constexpr const char* kTimers = R"(initial state open {
  after 2 workdays in office do notify lead "reminder"
  on daily -> daily
}
state daily {
  every 1 workday in office do notify lead "daily"
  on done -> closed
}
final state closed
)";

// Entered Wed 09-30 15:00: the 2nd working day after 09-30 is Fri 10-09
// (10-01..10-07 are holidays, 10-08 the 1st). Every working day: the close
// of Thu 10-08, Fri 10-09, Sat 10-10 (make-up), Mon 10-12, Tue 10-13.
TEST(TimeRulesTest, TimersInWorkingDaysFireAtTheCloseOfBusiness) {
  Harness h(compile_rules(std::string(kHeader) + kTimers));
  ASSERT_TRUE(h.create(local("2026-09-30 15:00"), "T-1", clerk(), {}).accepted);
  ASSERT_TRUE(h.create(local("2026-09-30 15:00"), "T-2", clerk(), {}).accepted);
  ASSERT_TRUE(h.send(local("2026-09-30 15:00"), "T-2", "daily", clerk()).accepted);
  h.advance_to(local("2026-10-14 12:00"));

  EXPECT_THAT(journal_of(h, "T-1"),
              ElementsAre("transition create 09-30 15:00", "timer 10-09 17:30 | notify lead reminder"));
  EXPECT_THAT(journal_of(h, "T-2"),
              ElementsAre("transition create 09-30 15:00", "transition daily 09-30 15:00",
                          "timer 10-08 17:30 | notify lead daily", "timer 10-09 17:30 | notify lead daily",
                          "timer 10-10 17:30 | notify lead daily", "timer 10-12 17:30 | notify lead daily",
                          "timer 10-13 17:30 | notify lead daily"));
  expect_legal(h);
}

constexpr const char* kApproval = R"(chain signoff {
  level check: any lead within 1 workday in office on timeout do notify lead "overdue"
}
approval otherwise: signoff
initial state open {
  on submit -> approving
}
state approving {
  await approval
  on approved -> closed
  on rejected -> open
}
final state closed
)";

// Opened on Fri 10-09 11:00: the next working day is the make-up Saturday
// 10-10, so the level times out at its close, Sat 10-10 17:30.
TEST(TimeRulesTest, AnApprovalLevelWithinOneWorkdayTimesOutAtTheCloseOfTheNextWorkingDay) {
  Harness h(compile_rules(std::string(kHeader) + kApproval));
  ASSERT_TRUE(h.create(local("2026-10-09 10:00"), "A-1", clerk(), {}).accepted);
  ASSERT_TRUE(h.send(local("2026-10-09 11:00"), "A-1", "submit", clerk()).accepted);
  h.advance_to(local("2026-10-20 00:00"));
  std::vector<Record> timeouts = h.records_of(RecordKind::kApprovalTimeout, "A-1");
  ASSERT_EQ(timeouts.size(), 1u);
  EXPECT_EQ(render(timeouts[0]),
            "approval_timeout 10-10 17:30 | approval_level signoff.check timed out; notify lead overdue");
  EXPECT_EQ(timeouts[0].at, at("2026-10-10T17:30:00+08:00"));
  EXPECT_EQ(timeouts[0].effects.at(0).action, "approval level timed out after 1 workday in office");
  expect_legal(h);
}

// ---------------------------------------------------------------- journal and snapshots

TEST(TimeRulesTest, SlaRecordsRoundTripThroughTheJsonJournalWithAndWithoutLimitSeconds) {
  Harness h(compile_rules(std::string(kHeader) + kExtend));
  complaint(h, "E-1");
  ASSERT_TRUE(h.send(local("2026-10-12 10:00"), "E-1", "more_time", clerk()).accepted);
  h.advance_to(local("2026-12-31 00:00"));
  std::vector<Record> breach = h.records_of(RecordKind::kBreach, "E-1");
  ASSERT_EQ(breach.size(), 1u);

  std::string line = encode_record(breach[0]);
  EXPECT_THAT(line, HasSubstr(R"("sla":{"metric":"decide","priority":"standard","percent":100,)"
                              R"("limit":"15 workdays + 15 workdays","limit_seconds":810000,"calendar":"office",)"
                              R"("due":"2026-11-12T09:30:00Z"})"));
  Result<Record> decoded = decode_record(line, &h.workflow());
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  EXPECT_EQ(decoded.value(), breach[0]);
  EXPECT_EQ(encode_record(decoded.value()), line);

  // A limit in hours says its seconds itself.
  Record in_hours = breach[0];
  in_hours.sla->limit.clear();
  in_hours.sla->limit_seconds = 36 * kHour;
  std::string hours_line = encode_record(in_hours);
  EXPECT_THAT(hours_line, HasSubstr(R"("limit":"36h","calendar":"office",)"));
  EXPECT_THAT(hours_line, Not(HasSubstr("limit_seconds")));
  Result<Record> decoded_hours = decode_record(hours_line, &h.workflow());
  ASSERT_TRUE(decoded_hours.ok()) << decoded_hours.error();
  EXPECT_EQ(decoded_hours.value(), in_hours);
}

// `"extensions":1,"extended_workdays":15,"extended_seconds":0` without `"extended_workdays":15,`.
std::string without(std::string text, const std::string& part) {
  std::size_t found = text.find(part);
  EXPECT_NE(found, std::string::npos) << part << " not in " << text;
  if (found != std::string::npos) text.erase(found, part.size());
  return text;
}

TEST(TimeRulesTest, SnapshotsCarryTheExtensionsOfAnExtendedClockOnly) {
  Harness h(compile_rules(std::string(kHeader) + kExtend));
  complaint(h, "E-1");
  complaint(h, "E-2");
  ASSERT_TRUE(h.send(local("2026-10-12 10:00"), "E-1", "more_time", clerk()).accepted);

  std::string extended = encode_ticket(h.ticket("E-1"));
  EXPECT_THAT(extended, HasSubstr(R"("extensions":1,"extended_workdays":15,"extended_seconds":0)"));
  Result<Ticket> decoded = decode_ticket(extended, h.ticket("E-1").workflow);
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  EXPECT_EQ(decoded.value(), h.ticket("E-1"));

  std::string plain = encode_ticket(h.ticket("E-2"));
  for (const char* key : {"\"extensions\"", "\"extended_workdays\"", "\"extended_seconds\""}) {
    EXPECT_THAT(plain, Not(HasSubstr(key)));
  }
  Result<Ticket> decoded_plain = decode_ticket(plain, h.ticket("E-2").workflow);
  ASSERT_TRUE(decoded_plain.ok()) << decoded_plain.error();
  EXPECT_EQ(decoded_plain.value(), h.ticket("E-2"));

  std::string only_count = without(without(extended, R"(,"extended_workdays":15)"), R"(,"extended_seconds":0)");
  Result<Ticket> refused = decode_ticket(only_count, h.ticket("E-1").workflow);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(),
            "ticket `E-1`: clock `decide`: `extensions`, `extended_workdays` and `extended_seconds` come together");
}

// ---------------------------------------------------------------- migration

// `text` with `from` replaced by `to`; fails the test when `from` is not in it.
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  std::size_t found = text.find(from);
  EXPECT_NE(found, std::string::npos) << from;
  if (found != std::string::npos) text.replace(found, from.size(), to);
  return text;
}

// E-1 extended once, its 50% passed on Thu 10-22 17:30 (when it last
// changed, so the move takes effect then), moved to rules whose calendar
// closes on Wed 11-11: the 30th working day after 09-25 is now Fri 11-13.
TEST(TimeRulesTest, AMoveToACalendarWithANewHolidayMovesTheDueTimeOfAnExtendedClock) {
  std::string rules = std::string(kHeader) + kExtend;
  Harness h(compile_rules(rules));
  complaint(h, "E-1");
  ASSERT_TRUE(h.send(local("2026-10-12 10:00"), "E-1", "more_time", clerk()).accepted);
  h.advance_to(local("2026-10-23 00:00"));
  const Ticket& ticket = h.ticket("E-1");
  ASSERT_EQ(ticket.updated_at, at("2026-10-22T17:30:00+08:00"));
  MetricIndex decide = *h.workflow().find_metric("decide");
  EXPECT_EQ(ticket.clocks[decide].due, at("2026-11-12T17:30:00+08:00"));

  std::shared_ptr<const Workflow> closed_on_11th =
      compile_rules(replaced(rules, "  holidays cn_2026\n}", "  holidays cn_2026\n  holidays 2026-11-11\n}"));
  ASSERT_TRUE(closed_on_11th);
  Result<Ticket> moved = migrate_ticket(ticket, closed_on_11th, {});
  ASSERT_TRUE(moved.ok()) << moved.error();
  const SlaClock& clock = moved.value().clocks[decide];
  EXPECT_EQ(clock.extensions, 1u);
  EXPECT_EQ(clock.extended_workdays, 15);
  EXPECT_EQ(clock.next_mark, ticket.clocks[decide].next_mark);
  EXPECT_EQ(clock.due, at("2026-11-13T17:30:00+08:00"));
}

// An extension in working days means nothing to a limit in hours: the move
// would drop it silently, so it is refused.
TEST(TimeRulesTest, AMoveThatWouldDropAnExtensionIsRefused) {
  std::string rules = std::string(kHeader) + kExtend;
  Harness h(compile_rules(rules));
  complaint(h, "E-1");
  complaint(h, "E-2");
  ASSERT_TRUE(h.send(local("2026-10-12 10:00"), "E-1", "more_time", clerk()).accepted);

  std::string in_hours = replaced(rules, "decide 15 workdays in office from received_at", "decide 120h in office");
  in_hours = replaced(in_hours, "up to 60 workdays in office", "up to 480h in office");
  in_hours = replaced(in_hours, "extend decide by 15 workdays in office", "extend decide by 120h in office");
  in_hours = replaced(in_hours, "extend decide by 50 workdays in office", "extend decide by 400h in office");
  in_hours = replaced(in_hours, "extend decide by 15 workdays in office", "extend decide by 120h in office");
  in_hours = replaced(in_hours, "extend decide by 15 workdays in office", "extend decide by 120h in office");
  std::shared_ptr<const Workflow> hours = compile_rules(in_hours);
  ASSERT_TRUE(hours);

  Result<Ticket> refused = migrate_ticket(h.ticket("E-1"), hours, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(),
            "ticket `E-1`: clock `decide` was extended by 15 workdays, which its limit `120h in office` under "
            "`standard` in workflow time_rules version " +
                hours->version_id().substr(0, 12) + " cannot take");
  // Never extended: moved.
  Result<Ticket> moved = migrate_ticket(h.ticket("E-2"), hours, {});
  EXPECT_TRUE(moved.ok()) << moved.error();
}

// ---------------------------------------------------------------- journal audit

// The journal of the extension tests, all in one: extended, refused three
// ways, breached.
std::vector<Record> extension_journal(std::shared_ptr<const Workflow>& workflow) {
  workflow = compile_rules(std::string(kHeader) + kExtend);
  Harness h(workflow);
  for (const char* id : {"E-1", "E-2", "E-3", "E-4", "E-5"}) complaint(h, id);
  h.send(local("2026-10-09 10:00"), "E-4", "decided", clerk());
  h.send(local("2026-10-12 10:00"), "E-1", "more_time", clerk());
  h.send(local("2026-10-12 10:00"), "E-2", "more_time", clerk());
  h.send(local("2026-10-12 10:00"), "E-3", "expert", clerk());
  h.send(local("2026-10-12 10:00"), "E-4", "more_time", clerk());
  h.send(local("2026-10-13 10:00"), "E-2", "more_time", clerk());
  h.send(local("2026-10-14 10:00"), "E-2", "more_time", clerk());
  h.send(local("2026-10-23 10:00"), "E-5", "more_time", clerk());
  h.advance_to(local("2026-12-31 00:00"));
  return h.records();
}

std::optional<std::string> audit(const std::vector<Record>& records, const std::shared_ptr<const Workflow>& workflow) {
  JournalAudit audit([&](std::string_view id) -> std::shared_ptr<const Workflow> {
    return workflow->version_id() == id ? workflow : nullptr;
  });
  for (const Record& record : records) {
    if (std::optional<std::string> problem = audit.check(record)) return problem;
  }
  return std::nullopt;
}

TEST(TimeRulesTest, TheAuditAcceptsTheJournalOfExtensions) {
  std::shared_ptr<const Workflow> workflow;
  std::vector<Record> records = extension_journal(workflow);
  ASSERT_TRUE(workflow);
  EXPECT_EQ(std::count_if(records.begin(), records.end(), [](const Record& r) { return r.rejected; }), 4);
  EXPECT_EQ(
      std::count_if(records.begin(), records.end(), [](const Record& r) { return r.kind == RecordKind::kBreach; }), 4);
  std::optional<std::string> problem = audit(records, workflow);
  EXPECT_FALSE(problem) << *problem;
}

// The index of E-1's breach (its limit extended once) or E-3's (never extended).
std::size_t breach_of(const std::vector<Record>& records, const std::string& ticket) {
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (records[i].ticket == ticket && records[i].kind == RecordKind::kBreach) return i;
  }
  ADD_FAILURE() << "no breach of " << ticket;
  return 0;
}

TEST(TimeRulesTest, TheAuditReportsAnSlaRecordWhoseWorkdayLimitIsNotTheDeclaredOne) {
  std::shared_ptr<const Workflow> workflow;
  std::vector<Record> records = extension_journal(workflow);
  ASSERT_TRUE(workflow);

  std::vector<Record> forged = records;
  Record& unextended = forged[breach_of(forged, "E-3")];
  unextended.sla->limit = "14 workdays";
  std::optional<std::string> problem = audit(forged, workflow);
  ASSERT_TRUE(problem);
  EXPECT_EQ(*problem, "seq " + std::to_string(unextended.seq) +
                          ", ticket `E-3`: an SLA breach of `decide` under `standard` with limit 14 workdays in "
                          "office, but the limit is 15 workdays in office");

  forged = records;
  Record& extended = forged[breach_of(forged, "E-1")];
  extended.sla->limit = "15 workdays";
  problem = audit(forged, workflow);
  ASSERT_TRUE(problem);
  EXPECT_THAT(*problem, HasSubstr("ticket `E-1`: an SLA breach of `decide` under `standard` with limit 15 workdays in "
                                  "office, but the limit is 15 workdays in office and its extensions"));
}

// A limit in working days is so many seconds of working time from the
// clock's start; the audit works the start out from the journal (here the
// value of received_at when the clock started) and recomputes the seconds.
// 405000 s is 15 working days after Fri 09-25; 428400 s (119 h) would be
// right for a clock started when the ticket was entered (Mon 09-28 10:00),
// which the rules do not allow here, as received_at was set.
TEST(TimeRulesTest, TheAuditRecomputesTheSecondsOfAWorkdayLimit) {
  std::shared_ptr<const Workflow> workflow;
  std::vector<Record> records = extension_journal(workflow);
  ASSERT_TRUE(workflow);
  std::size_t unextended = breach_of(records, "E-3");
  ASSERT_EQ(records[unextended].sla->limit_seconds, 405000);
  std::size_t extended = breach_of(records, "E-1");
  ASSERT_EQ(records[extended].sla->limit_seconds, 810000);

  for (std::int64_t forged_seconds : {std::int64_t{400000}, std::int64_t{428400}}) {
    std::vector<Record> forged = records;
    forged[unextended].sla->limit_seconds = forged_seconds;
    std::optional<std::string> problem = audit(forged, workflow);
    ASSERT_TRUE(problem) << forged_seconds;
    EXPECT_EQ(*problem, "seq " + std::to_string(forged[unextended].seq) +
                            ", ticket `E-3`: an SLA breach of `decide` under `standard` with limit_seconds " +
                            std::to_string(forged_seconds) + " (" +
                            format_duration(forged_seconds, LargestUnit::kHour) +
                            "), but 15 workdays in office from the clock's start is 405000 (112h30m) from "
                            "2026-09-25T02:00:00Z");
  }

  // Extended once by 15 working days: 30 working days from the same start.
  std::vector<Record> forged = records;
  forged[extended].sla->limit_seconds = 405000;
  std::optional<std::string> problem = audit(forged, workflow);
  ASSERT_TRUE(problem);
  EXPECT_EQ(*problem, "seq " + std::to_string(forged[extended].seq) +
                          ", ticket `E-1`: an SLA breach of `decide` under `standard` with limit_seconds 405000 "
                          "(112h30m), but 15 workdays + 15 workdays in office from the clock's start is 810000 (225h) "
                          "from 2026-09-25T02:00:00Z");
}

// The same for a warning, on a clock that started with an action, from the
// field, long after the ticket was created.
TEST(TimeRulesTest, TheAuditRecomputesAWorkdayLimitStartedByAnAction) {
  std::shared_ptr<const Workflow> workflow = compile_rules(std::string(kHeader) + kStartFrom);
  Harness h(workflow);
  ASSERT_TRUE(h.create(local("2026-09-28 10:00"), "S-1", clerk(), {received("2026-09-25T10:00:00+08:00")}).accepted);
  ASSERT_TRUE(h.send(local("2026-10-12 10:00"), "S-1", "accepted", clerk()).accepted);
  h.advance_to(local("2026-12-31 00:00"));
  std::vector<Record> records = h.records();
  EXPECT_FALSE(audit(records, workflow));
  std::size_t breach = breach_of(records, "S-1");
  records[breach].sla->limit_seconds += 1800;
  std::optional<std::string> problem = audit(records, workflow);
  ASSERT_TRUE(problem);
  EXPECT_THAT(*problem, HasSubstr("with limit_seconds 406800 (113h), but 15 workdays in office from the clock's start "
                                  "is 405000 (112h30m) from 2026-09-25T02:00:00Z"));
}

// An extension that cites no `extend` action of its metric cannot be
// counted, so it is reported.
TEST(TimeRulesTest, TheAuditReportsAnExtensionThatCitesNoExtendAction) {
  std::shared_ptr<const Workflow> workflow;
  std::vector<Record> records = extension_journal(workflow);
  ASSERT_TRUE(workflow);
  for (Record& record : records) {
    if (record.ticket != "E-1" || record.kind != RecordKind::kTransition || record.event != "more_time") continue;
    ASSERT_EQ(record.effects[0].clock, ClockChange::kExtended);
    record.effects[0].rule = RulePosition{"rules.docket:1", 1, 1};
    std::optional<std::string> problem = audit(records, workflow);
    ASSERT_TRUE(problem);
    EXPECT_THAT(*problem, HasSubstr("ticket `E-1`: an extension of `decide` cites rules.docket:1"));
    EXPECT_THAT(*problem, HasSubstr(", where no `extend decide` action is written"));
    return;
  }
  ADD_FAILURE() << "no extension of E-1";
}

}  // namespace
}  // namespace docket::engine::testing
