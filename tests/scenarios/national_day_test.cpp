// A P2 ticket timed in office hours across the 2026 National Day holiday
// (examples/after_sales/08_national_day_p2.jsonl), with every due time worked
// out by hand below and compared with the journal and with Engine::explain.
//
// The office calendar of rules/after_sales.docket: Mon-Fri 09:00-12:00 and
// 13:00-18:00 (8 h a day) in Asia/Shanghai; holidays 2026-10-01..2026-10-07
// (Thu..Wed, so the weekend of 3-4 October lies inside); make-up working days
// Sun 2026-09-20 and Sat 2026-10-10 (with Monday's hours).
//
// The ticket arrives by email on Wed 30 September at 17:00.
//
// Intake timers (rules/after_sales.docket, `in office`):
//   Wed 30 Sep 17:00-18:00 ......... 1 h
//   night, Thu 1 - Wed 7 Oct holiday  0
//   Thu 8 Oct 09:00-09:30 .......... 0 h 30 m -> 1 h 30 m: intake_due Thu 8 Oct 09:30
//   Thu 8 Oct 09:30-10:00 .......... 0 h 30 m -> 2 h: escalation Thu 8 Oct 10:00
//
// P2 limits of the variant examples/after_sales/p2_office_hours.docket
// (`first_response 24h in office`, `resolve 72h in office`, warn at 80%),
// counted from creation:
//   day                    office hours   running total
//   Wed 30 Sep 17:00-18:00      1 h            1 h
//   Thu 1 - Wed 7 Oct (holiday) 0              1 h
//   Thu 8 Oct                   8 h            9 h
//   Fri 9 Oct                   8 h           17 h
//   Sat 10 Oct (make-up day)    8 h           25 h   24 h reached at 17:00
//   Sun 11 Oct                  0             25 h
//   Mon 12 - Fri 16 Oct        40 h           65 h
//   Sat 17 - Sun 18 Oct         0             65 h
//   Mon 19 Oct                  7 h           72 h   at 17:00 (3 h + lunch + 4 h)
// first_response: 80% = 19 h 12 m = 17 h + 2 h 12 m -> Sat 10 Oct 11:12;
//   100% -> Sat 10 Oct 17:00. Accepted Sat 10 Oct 15:00: 17 h + 3 h + 2 h =
//   22 h of 24 h, met.
// resolve: 80% = 57 h 36 m; Thu 15 Oct 18:00 is 57 h, so Fri 16 Oct 09:36;
//   100% -> Mon 19 Oct 17:00. Resolved Mon 19 Oct 16:00: 65 h + 3 h + 3 h =
//   71 h, then paused until the confirmation: met, 71 h of 72 h.
//
// With the shipped rules, where P2 limits are wall-clock hours, the first
// response was due on Thu 1 Oct at 17:00 (80% at 12:12) and the resolution on
// Sat 3 Oct at 17:00 (80%, 57 h 36 m, at 02:36): all passed when the ticket is
// classified on 8 October, so they fire at once then.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/scenarios/scenario.h"

namespace docket::engine::testing {
namespace {

using ::testing::ElementsAre;

const char* const kVariant = "examples/after_sales/p2_office_hours.docket";
const char* const kEvents = "after_sales/08_national_day_p2.jsonl";

TEST(NationalDayScenarioTest, P2InOfficeHoursSkipsTheHolidayAndCountsTheMakeUpDay) {
  Replay replay(kVariant);
  std::vector<Outcome> outcomes = replay.play(kEvents);
  ASSERT_EQ(outcomes.size(), 8u);
  for (const Outcome& outcome : outcomes) EXPECT_TRUE(outcome.accepted) << outcome.reason;

  const std::vector<std::string> journal = {
      "09-30 17:00 AS-801 transition create - -> received @{after_sales.docket::initial state received}",
      "09-30 17:00 AS-801 transition create received -> registering @{after_sales.docket::auto when mood != angry}"
      " | assign customer_service.intake_specialist",
      "10-08 09:30 AS-801 timer registering @{after_sales.docket::after 1h30m in office}"
      " | notify intake_specialist intake_due",
      "10-08 10:00 AS-801 timer registering @{after_sales.docket::state registering>>after 2h in office}"
      " | escalate complaint_supervisor",
      "10-08 10:30 AS-801 transition registered registering -> classifying @{after_sales.docket::on registered when "
      "problem_confirmed}",
      "10-08 11:00 AS-801 transition classified classifying -> dispatched @{after_sales.docket::on classified by "
      "intake_specialist}"
      " | classify category inquiry; classify priority P2; route inquiry product",
      "10-10 11:12 AS-801 warning dispatched @{first_response 24h in office} first_response 80%",
      "10-10 15:00 AS-801 transition accepted dispatched -> proposing @{after_sales.docket::on accepted by}"
      " | clock first_response stopped: met, 22h of 24h; notify customer case_accepted",
      "10-12 10:00 AS-801 transition proposed proposing -> approving @{after_sales.docket::on proposed when category "
      "== inquiry}"
      " | approval_chain none no approval required",
      "10-12 10:00 AS-801 transition approved approving -> executing @{after_sales.docket::on approved -> executing}"
      " | approval_chain none no approval required; notify customer plan_notice",
      "10-13 10:00 AS-801 timer executing @{after_sales.docket::state executing>>every 24h}"
      " | notify customer progress_update",
      "10-14 10:00 AS-801 timer executing @{after_sales.docket::state executing>>every 24h}"
      " | notify customer progress_update",
      "10-15 10:00 AS-801 timer executing @{after_sales.docket::state executing>>every 24h}"
      " | notify customer progress_update",
      "10-16 09:36 AS-801 warning executing @{resolve 72h in office} resolve 80%",
      "10-16 10:00 AS-801 timer executing @{after_sales.docket::state executing>>every 24h}"
      " | notify customer progress_update",
      "10-17 10:00 AS-801 timer executing @{after_sales.docket::state executing>>every 24h}"
      " | notify customer progress_update",
      "10-18 10:00 AS-801 timer executing @{after_sales.docket::state executing>>every 24h}"
      " | notify customer progress_update",
      "10-19 10:00 AS-801 timer executing @{after_sales.docket::state executing>>every 24h}"
      " | notify customer progress_update",
      "10-19 16:00 AS-801 transition resolved executing -> awaiting_confirmation @{after_sales.docket::on resolved -> "
      "awaiting_confirmation}"
      " | notify customer confirmation_request; clock resolve paused",
      "10-20 10:00 AS-801 transition confirmed awaiting_confirmation -> follow_up @{after_sales.docket::on confirmed "
      "when confirmation != none}"
      " | clock resolve resumed; clock resolve stopped: met, 71h of 72h",
      "10-21 10:00 AS-801 timer follow_up @{after_sales.docket::after 24h do notify customer}"
      " | notify customer satisfaction_survey",
      "10-21 15:00 AS-801 transition survey follow_up -> closed @{after_sales.docket::on survey when overall >= 4}"
      " | notify customer thank_you; emit case_closed",
  };
  replay.expect_journal(RuleLines({kVariant, "rules/after_sales.docket"}), journal);

  std::vector<Record> warnings = replay.records(RecordKind::kWarning);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0].sla->calendar, "office");
  EXPECT_EQ(warnings[0].sla->limit_seconds, 24 * 3600);
  EXPECT_EQ(warnings[0].sla->due, at("2026-10-10T11:12:00+08:00"));
  EXPECT_EQ(warnings[1].sla->limit_seconds, 72 * 3600);
  EXPECT_EQ(warnings[1].sla->due, at("2026-10-16T09:36:00+08:00"));
  EXPECT_TRUE(replay.records(RecordKind::kBreach).empty());
}

TEST(NationalDayScenarioTest, ExplainWalksThroughTheSameDays) {
  Replay replay(kVariant);
  replay.play(kEvents, at("2026-10-08T11:00:00+08:00"));
  EXPECT_EQ(replay.state("AS-801"), "dispatched");
  // The next marks the ticket waits for: 80% of each limit.
  const Ticket& ticket = *replay.engine.find("AS-801");
  EXPECT_EQ(ticket.clocks[*replay.workflow->find_metric("first_response")].due, at("2026-10-10T11:12:00+08:00"));
  EXPECT_EQ(ticket.clocks[*replay.workflow->find_metric("resolve")].due, at("2026-10-16T09:36:00+08:00"));

  Result<std::string> first_response = replay.engine.explain("AS-801", "first_response");
  ASSERT_TRUE(first_response.ok()) << first_response.error();
  EXPECT_EQ(first_response.value(),
            "`first_response` under P2, limit 24h in office: running since 2026-09-30T09:00:00Z: 24 business hours "
            "from Wed 2026-09-30 17:00 (Asia/Shanghai): 1h on Wed until 18:00; 2 full working days Thu "
            "2026-10-08..Fri 2026-10-09, 7 closed days incl. 7 holidays; 3h on Sat 2026-10-10 (make-up workday) "
            "09:00-12:00; closed 12:00-13:00; 4h on Sat 2026-10-10 (make-up workday) from 13:00; due Sat 2026-10-10 "
            "17:00");

  Result<std::string> resolve = replay.engine.explain("AS-801", "resolve");
  ASSERT_TRUE(resolve.ok()) << resolve.error();
  EXPECT_EQ(resolve.value(),
            "`resolve` under P2, limit 72h in office: running since 2026-09-30T09:00:00Z: 72 business hours from Wed "
            "2026-09-30 17:00 (Asia/Shanghai): 1h on Wed until 18:00; 8 full working days Thu 2026-10-08..Fri "
            "2026-10-16 incl. 1 make-up workday, 10 closed days incl. 7 holidays; 3h on Mon 2026-10-19 09:00-12:00; "
            "closed 12:00-13:00; 4h on Mon 2026-10-19 from 13:00; due Mon 2026-10-19 17:00");
}

TEST(NationalDayScenarioTest, ShippedRulesCountP2InWallClockHours) {
  Replay replay("rules/after_sales.docket");
  replay.play(kEvents);

  std::vector<std::string> sla;
  for (const std::string& line : replay.trace()) {
    if (line.find(" warning ") != std::string::npos || line.find(" breach ") != std::string::npos ||
        line.find(" escalation ") != std::string::npos) {
      sla.push_back(line);
    }
  }
  RuleLines lines({"rules/after_sales.docket"});
  EXPECT_THAT(sla, ElementsAre(lines.resolve("10-08 11:00 AS-801 warning dispatched @{priority P2>>first_response} "
                                             "first_response 80% (due 10-01 12:12)"),
                               lines.resolve("10-08 11:00 AS-801 breach dispatched @{priority P2>>first_response} "
                                             "first_response 100% (due 10-01 17:00)"),
                               lines.resolve("10-08 11:00 AS-801 escalation dispatched "
                                             "@{priority P2>>on breach of first_response} first_response 100% "
                                             "(due 10-01 17:00) | escalate supervisor"),
                               lines.resolve("10-08 11:00 AS-801 warning dispatched @{priority P2>>resolve 72h} "
                                             "resolve 80% (due 10-03 02:36)"),
                               lines.resolve("10-08 11:00 AS-801 breach dispatched @{priority P2>>resolve 72h} "
                                             "resolve 100% (due 10-03 17:00)"),
                               lines.resolve("10-08 11:00 AS-801 escalation dispatched "
                                             "@{priority P2>>on breach of resolve} resolve 100% (due 10-03 17:00) "
                                             "| escalate supervisor; notify customer delay_apology")));
  // Wall-clock: 30 Sep 17:00 to 10 Oct 15:00 is 238 h; to 19 Oct 16:00, 455 h.
  EXPECT_EQ(replay.transition("AS-801", "accepted").effects.at(0).value, "stopped: breached, 238h of 24h");
  EXPECT_EQ(replay.transition("AS-801", "confirmed").effects.at(1).value, "stopped: breached, 455h of 72h");
  // The intake timers are in office hours in the shipped rules too.
  EXPECT_EQ(replay.records(RecordKind::kTimer).at(0).at, at("2026-10-08T09:30:00+08:00"));
  EXPECT_EQ(replay.records(RecordKind::kTimer).at(1).at, at("2026-10-08T10:00:00+08:00"));
}

}  // namespace
}  // namespace docket::engine::testing
