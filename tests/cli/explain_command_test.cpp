// `docket explain`: why a ticket's deadlines are what they are.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/cli/command_harness.h"

namespace docket::cli::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// A desk open 09:00-18:00 on weekdays in Shanghai; resolving takes 4
// business hours.
constexpr const char* kDesk = R"(workflow desk version "1"
department support { roles agent }
calendar office {
  zone "Asia/Shanghai"
  hours mon-fri 09:00-18:00
}
priority normal {
  first_response 1h
  resolve 4h in office
}
classify priority { normal otherwise }
initial state open {
  on enter do classify priority
  on answered by agent -> working do stop first_response
}
state working {
  on solved by agent -> closed
}
final state closed
)";

std::string desk_rules() { return write_temp("explain_desk.docket", kDesk); }

// Opened Monday 17:30 in Shanghai, answered at 17:45.
std::string desk_events(const std::string& name, const std::string& extra = {}) {
  return write_temp(name, R"({"at":"2026-11-23T17:30:00+08:00","ticket":"D-1","event":"create","actor":{"id":"a"}})"
                          "\n"
                          R"({"at":"2026-11-23T17:45:00+08:00","ticket":"D-1","event":"answered",)"
                          R"("actor":{"id":"b","roles":["agent"]}})"
                          "\n" +
                              extra);
}

TEST(DocketExplainCommand, BusinessHoursDueTimeIsExplainedStepByStep) {
  std::string rules = desk_rules();
  std::string events = desk_events("explain_desk.jsonl");
  CommandRun r = run_docket("explain " + rules + " --events " + events + " --ticket D-1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 5u) << r.out;
  EXPECT_EQ(lines[0], "D-1 (desk) in working, priority normal, as of 2026-11-23T09:45:00Z");
  EXPECT_EQ(lines[1], "first_response: stopped, met");
  EXPECT_THAT(lines[2], HasSubstr("`first_response` under normal, limit 1h: stopped at 2026-11-23T09:45:00Z, met"));
  // 30 minutes on Monday until 18:00, closed overnight, 3h30m on Tuesday: 12:30 in Shanghai.
  EXPECT_EQ(lines[3], "resolve: due 2026-11-24T04:30:00Z");
  EXPECT_THAT(lines[4], HasSubstr("`resolve` under normal, limit 4h in office: running since 2026-11-23T09:30:00Z: "));
  EXPECT_THAT(lines[4], HasSubstr("from Mon 2026-11-23 17:30 (Asia/Shanghai)"));
  EXPECT_THAT(lines[4], HasSubstr("closed 18:00-09:00"));
  EXPECT_THAT(lines[4], HasSubstr("due Tue 2026-11-24 12:30"));
}

TEST(DocketExplainCommand, MetricAndTimeNarrowItDown) {
  std::string rules = desk_rules();
  std::string events = desk_events("explain_at.jsonl");
  CommandRun r = run_docket("explain " + rules + " --events " + events +
                            " --ticket D-1 --metric resolve --at 2026-11-24T13:00:00+08:00");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  EXPECT_EQ(lines[0], "D-1 (desk) in working, priority normal, as of 2026-11-24T05:00:00Z");
  EXPECT_EQ(lines[1], "resolve: due 2026-11-24T04:30:00Z (breached)");
  EXPECT_THAT(lines[2], HasSubstr("3h30m on Tue from 09:00; due Tue 2026-11-24 12:30"));
}

TEST(DocketExplainCommand, EventsAfterTheTimeAreNotApplied) {
  std::string rules = desk_rules();
  // The second ticket and the broken line come after --at: neither is read.
  std::string events = desk_events(
      "explain_later.jsonl",
      R"({"at":"2026-11-25T09:00:00+08:00","ticket":"D-1","event":"solved","actor":{"id":"b","roles":["agent"]}})"
      "\n{broken\n");
  CommandRun before = run_docket("explain " + rules + " --events " + events +
                                 " --ticket D-1 --metric resolve --at 2026-11-24T09:00:00+08:00");
  ASSERT_EQ(before.exit_code, 0) << before.err;
  EXPECT_THAT(before.out, HasSubstr("resolve: due 2026-11-24T04:30:00Z\n"));
  EXPECT_THAT(before.out, HasSubstr("D-1 (desk) in working"));

  CommandRun all = run_docket("explain " + rules + " --events " + events + " --ticket D-1");
  EXPECT_EQ(all.exit_code, 1);
  EXPECT_THAT(all.err, HasSubstr(events + ":4:2: error: invalid JSON"));
}

TEST(DocketExplainCommand, ShippedRulesWithoutAPriorityYet) {
  std::string events = write_temp(
      "explain_shipped.jsonl",
      R"({"at":"2026-11-23T09:00:00+08:00","ticket":"T-1","event":"create",)"
      R"("actor":{"id":"alice","roles":["intake_specialist"]},)"
      R"("data":{"customer":"C","contact":"x","channel":"phone","purchase_date":"2026-11-01T10:00:00Z","problem":"p",)"
      R"("expected_resolution":"2026-11-30T00:00:00Z"}})"
      "\n");
  CommandRun r = run_docket("explain rules/after_sales.docket --events " + events +
                            " --ticket T-1 --metric first_response --at 2026-11-23T10:00:00+08:00");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "T-1 (after_sales) in registering, priority none yet, as of 2026-11-23T02:00:00Z\n"
            "first_response: no limit yet (the ticket has no priority)\n"
            "  `first_response`: the ticket has no priority yet, so no limit applies; measured so far: 1h of "
            "wall-clock time\n");
}

// The shipped bank rules: a complaint received on Friday 2026-09-18 at 16:00
// and entered on Saturday. The contact target (1 bank working day from
// receipt) falls on the make-up working day Sunday 09-20 (国庆节调休); the
// regulation's 15 days are 15 x 24 h from the hour of receipt.
TEST(DocketExplainCommand, BankComplaintCountsFromReceiptAsTheRulesWriteIt) {
  std::string events = write_temp(
      "explain_bank.jsonl",
      R"({"at":"2026-09-19T10:00:00+08:00","ticket":"BK-0918","event":"create",)"
      R"("actor":{"id":"li","roles":["complaints.intake_officer"]},)"
      R"("data":{"received_at":"2026-09-18T16:00:00+08:00","complainant":"C","contact":"x","channel":"letter",)"
      R"("product":"loan","request":"r","amount":1200.00}})"
      "\n");
  CommandRun r = run_docket("explain rules/industries/bank_complaints.docket --events " + events +
                            " --ticket BK-0918 --at 2026-09-19T11:00:00+08:00");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "BK-0918 (bank_complaints) in received, priority ordinary, as of 2026-09-19T03:00:00Z\n"
            "contact: due 2026-09-20T09:00:00Z\n"
            "  `contact` under ordinary, limit 1 workday in bankday from received_at: running since "
            "2026-09-18T08:00:00Z: 1 working day from received_at (Fri 2026-09-18 16:00 Asia/Shanghai), the day "
            "itself not counted: counting Sun 2026-09-20; make-up working day Sun 2026-09-20 (cn_2026); due Sun "
            "2026-09-20 17:00\n"
            "decide: due 2026-10-03T08:00:00Z\n"
            "  `decide` under ordinary, limit 15d from received_at: running since 2026-09-18T08:00:00Z: 15d from "
            "received_at (Fri 2026-09-18 08:00 UTC): due Sat 2026-10-03 08:00 UTC\n"
            "review: not started\n"
            "  `review` under ordinary, limit 30d from review_received_at: not started\n");
}

// The same complaint with --zone: the regulation's 15 days, which have no
// calendar, read in Beijing time; the bank's calendar keeps its own zone.
TEST(DocketExplainCommand, ZoneShowsALimitWithoutACalendarInLocalTime) {
  std::string events = write_temp(
      "explain_bank_zone.jsonl",
      R"({"at":"2026-09-19T10:00:00+08:00","ticket":"BK-0918","event":"create",)"
      R"("actor":{"id":"li","roles":["complaints.intake_officer"]},)"
      R"("data":{"received_at":"2026-09-18T16:00:00+08:00","complainant":"C","contact":"x","channel":"letter",)"
      R"("product":"loan","request":"r","amount":1200.00}})"
      "\n");
  std::string command = "explain rules/industries/bank_complaints.docket --events " + events +
                        " --ticket BK-0918 --at 2026-09-19T11:00:00+08:00 --metric decide";
  CommandRun r = run_docket(command + " --zone Asia/Shanghai");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("15d from received_at (Fri 2026-09-18 16:00 Asia/Shanghai): due Sat 2026-10-03 16:00 "
                               "Asia/Shanghai\n"));

  CommandRun contact = run_docket(command.substr(0, command.size() - 6) + "contact --zone Europe/Berlin");
  ASSERT_EQ(contact.exit_code, 0) << contact.err;
  EXPECT_THAT(contact.out, HasSubstr("1 working day from received_at (Fri 2026-09-18 16:00 Asia/Shanghai)"));

  CommandRun unknown = run_docket(command + " --zone Mars/Olympus");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.out, "");
  EXPECT_THAT(unknown.err, StartsWith("docket: error: --zone Mars/Olympus: "));
}

TEST(DocketExplainCommand, UnknownTicketOrMetricIsAnError) {
  std::string rules = desk_rules();
  std::string events = desk_events("explain_unknown.jsonl");
  CommandRun ticket = run_docket("explain " + rules + " --events " + events + " --ticket D-9");
  EXPECT_EQ(ticket.exit_code, 1);
  EXPECT_EQ(ticket.err, "docket: error: no ticket `D-9` in " + events + "\n");
  EXPECT_EQ(ticket.out, "");
  CommandRun metric = run_docket("explain " + rules + " --events " + events + " --ticket D-1 --metric speed");
  EXPECT_EQ(metric.exit_code, 1);
  EXPECT_EQ(metric.err,
            "docket: error: workflow desk has no SLA metric `speed` (it has `first_response`, `resolve`)\n");
}

TEST(DocketExplainCommand, UsageErrorsExitTwo) {
  std::string rules = desk_rules();
  std::string events = desk_events("explain_usage.jsonl");
  EXPECT_EQ(run_docket("explain " + rules + " --events " + events).exit_code, 2);  // no --ticket
  EXPECT_EQ(run_docket("explain " + rules + " --ticket D-1").exit_code, 2);        // no --events
  EXPECT_EQ(run_docket("explain " + rules + " --events " + events + " --ticket D-1 --at soon").exit_code, 2);
  CommandRun help = run_docket("explain --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("--metric"));
  EXPECT_THAT(run_docket("--help").out, HasSubstr("explain"));
}

}  // namespace
}  // namespace docket::cli::testing
