// `docket run`: replaying events through the shipped rules as an operator
// would, with the journal written to a file and a summary at the end.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/codec/journal_json.h"
#include "tests/cli/command_harness.h"

namespace docket::cli::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// "rules/after_sales.docket:N" of the first line containing `needle`.
std::string rule_line(const std::string& needle) {
  std::vector<std::string> lines = lines_of(read_text(std::string(DOCKET_SOURCE_DIR) + "/rules/after_sales.docket"));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find(needle) != std::string::npos) return "rules/after_sales.docket:" + std::to_string(i + 1);
  }
  ADD_FAILURE() << "no line with " << needle;
  return {};
}

const std::string kAlice = R"("actor":{"id":"alice","roles":["intake_specialist"]})";

std::string create_line(const std::string& at, const std::string& ticket) {
  return R"({"at":")" + at + R"(","ticket":")" + ticket + R"(","event":"create",)" + kAlice +
         R"(,"data":{"customer":"C-1001","contact":"138-0000-0000","channel":"phone",)"
         R"("purchase_date":"2026-11-01T10:00:00Z","problem":"洗衣机无法启动",)"
         R"("expected_resolution":"2026-11-30",)"
         R"("mood":"angry","order_amount":1299.00},"idempotency_key":"k-)" +
         ticket + "\"}\n";
}

// One ticket through intake and classification, a rejected acceptance, an
// accepted one, and a second ticket whose form is incomplete.
std::string day_of_events() {
  return "# Monday in Shanghai\n" + create_line("2026-11-23T09:00:00+08:00", "T-1") +
         R"({"at":"2026-11-23T09:05:00+08:00","ticket":"T-1","event":"registered",)" + kAlice +
         R"(,"data":{"problem_confirmed":true}})"
         "\n"
         R"({"at":"2026-11-23T09:10:00+08:00","ticket":"T-1","event":"classified",)" +
         kAlice +
         R"(,"data":{"problem_type":"fault","impact":"function","urgency":"medium"}})"
         "\n\n"
         R"({"at":"2026-11-23T09:20:00+08:00","ticket":"T-1","event":"accepted",)"
         R"("actor":{"id":"bob","roles":["intake_specialist"]}})"
         "\n"
         R"({"at":"2026-11-23T09:30:00+08:00","ticket":"T-1","event":"accepted",)"
         R"("actor":{"id":"liu","roles":["engineer"]}})"
         "\n"
         R"({"at":"2026-11-23T10:00:00+08:00","ticket":"T-2","event":"create",)" +
         kAlice + R"(,"data":{"customer":"C-2002"}})" + "\n";
}

TEST(DocketRunCommand, PrintsTheJournalAsItGoesAndASummary) {
  std::string events = write_temp("run_day.jsonl", day_of_events());
  CommandRun r = run_docket("run rules/after_sales.docket --events " + events);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<std::string> lines = lines_of(r.out);
  ASSERT_GT(lines.size(), 8u) << r.out;
  EXPECT_EQ(lines[0], "2026-11-23 01:00:00Z #1 T-1 new -> received on create by alice [intake_specialist] (" +
                          rule_line("initial state received") +
                          ") set customer=\"C-1001\", contact=\"138-0000-0000\", channel=phone, "
                          "purchase_date=2026-11-01T10:00:00Z, problem=\"洗衣机无法启动\", "
                          "expected_resolution=2026-11-30T00:00:00Z, mood=angry, order_amount=1299, "
                          "problem_confirmed=false, compensation=0, stage=inspecting, confirmation=none; "
                          "idempotency key k-T-1");
  EXPECT_THAT(r.out, HasSubstr("#3 T-1 registering -> classifying on registered by alice [intake_specialist] (" +
                               rule_line("on registered when problem_confirmed") +
                               ") set problem_confirmed=true (was false)\n"));
  EXPECT_THAT(r.out, HasSubstr("#5 T-1 REJECTED accepted in dispatched by bob [intake_specialist] (" +
                               rule_line("on accepted by owner") +
                               "): `bob` lacks the role for `accepted` in `dispatched`: needs one of engineer (the "
                               "owner of category `product_fault`)\n"));
  EXPECT_THAT(r.out, HasSubstr("#7 T-2 REJECTED create by alice [intake_specialist]: missing required fields "
                               "`contact`, `channel`, `purchase_date`, `problem`, `expected_resolution`; not applied: "
                               "customer=\"C-2002\""));

  std::string summary = r.out.substr(r.out.find("\nsummary\n"));
  EXPECT_EQ(summary,
            "\nsummary\n"
            "events        6 from " +
                events +
                " (4 accepted, 2 rejected, 0 duplicates)\n"
                "time          2026-11-23T01:00:00Z to 2026-11-23T02:00:00Z\n"
                "journal       7 records (seq 1-7)\n"
                "tickets       1\n"
                "  proposing                1\n"
                "SLA breaches  0 (warnings 0, escalations 0)\n"
                "rejections    2\n"
                "     1  `bob` lacks the role for `accepted` in `dispatched`: needs one of engineer (the owner of "
                "category `product_fault`)\n"
                "     1  missing required fields `contact`, `channel`, `purchase_date`, `problem`, "
                "`expected_resolution`\n");
}

TEST(DocketRunCommand, QuietLeavesOnlyTheSummary) {
  std::string events = write_temp("run_quiet.jsonl", day_of_events());
  CommandRun r = run_docket("run rules/after_sales.docket --events " + events + " --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("summary\n", 0), 0u) << r.out;
}

TEST(DocketRunCommand, LogIsCanonicalJsonLinesIdenticalOnEveryRun) {
  std::string events = write_temp("run_log.jsonl", day_of_events());
  std::string first = ::testing::TempDir() + "run_log_first.jsonl";
  std::string second = ::testing::TempDir() + "run_log_second.jsonl";
  CommandRun a =
      run_docket("run rules/after_sales.docket --events " + events + " --log " + first + " --until 2026-11-26");
  CommandRun b =
      run_docket("run rules/after_sales.docket --events " + events + " --log " + second + " --until 2026-11-26");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  std::string log = read_text(first);
  EXPECT_EQ(log, read_text(second));
  std::string same_out = b.out;
  same_out.replace(same_out.find(second), second.size(), first);
  EXPECT_EQ(a.out, same_out);

  std::vector<std::string> lines = lines_of(log);
  ASSERT_GT(lines.size(), 10u);
  EXPECT_EQ(log.back(), '\n');
  for (std::size_t i = 0; i < lines.size(); ++i) {
    engine::Result<engine::Record> record = engine::decode_record(lines[i]);
    ASSERT_TRUE(record.ok()) << record.error() << "\n" << lines[i];
    EXPECT_EQ(record->seq, i + 1);
    EXPECT_EQ(record->version.size(), 64u);
  }
  EXPECT_EQ(lines[0].rfind(R"({"seq":1,"at":"2026-11-23T01:00:00Z","ticket":"T-1","workflow":"after_sales",)", 0), 0u);
  EXPECT_THAT(lines[0], HasSubstr(R"("field":"order_amount","type":"number","before":null,"after":1299})"));
  EXPECT_THAT(lines[0], HasSubstr(R"("rule":")" + rule_line("initial state received") + ":1\""));
  EXPECT_THAT(a.out, HasSubstr("journal       " + std::to_string(lines.size()) + " records (seq 1-" +
                               std::to_string(lines.size()) + ") in " + first + "\n"));
}

TEST(DocketRunCommand, UntilFiresTheTimersDueByThen) {
  std::string events = write_temp("run_until.jsonl", create_line("2026-11-23T09:00:00+08:00", "T-1"));
  CommandRun plain = run_docket("run rules/after_sales.docket --events " + events);
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_THAT(plain.out, Not(HasSubstr("timer")));

  CommandRun until =
      run_docket("run rules/after_sales.docket --events " + events + " --until 2026-11-23T12:00:00+08:00");
  ASSERT_EQ(until.exit_code, 0) << until.err;
  // Office hours: 1h30m after 09:00 is 10:30, 2h is 11:00 (Asia/Shanghai).
  EXPECT_THAT(until.out, HasSubstr("2026-11-23 02:30:00Z #3 T-1 timer in registering (" +
                                   rule_line("after 1h30m in office") + ") notify intake_specialist \"intake_due\"\n"));
  EXPECT_THAT(until.out, HasSubstr("2026-11-23 03:00:00Z #4 T-1 timer in registering (" +
                                   rule_line("after 2h in office") + ") escalate to complaint_supervisor\n"));
  EXPECT_THAT(until.out, HasSubstr("time          2026-11-23T01:00:00Z to 2026-11-23T04:00:00Z\n"));
}

TEST(DocketRunCommand, UntilCountsBreachesPerMetric) {
  std::string events = write_temp("run_breach.jsonl", day_of_events());
  CommandRun r = run_docket("run rules/after_sales.docket --events " + events + " --quiet --until 2026-11-25");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // P1: resolve 24h from 09:00 Monday; first_response stopped when accepted.
  EXPECT_THAT(r.out, HasSubstr("SLA breaches  1 (warnings 2, escalations 2)\n"
                               "  resolve                  1\n"));
}

TEST(DocketRunCommand, AMalformedLineStopsTheRunWithFileAndLine) {
  std::string text = day_of_events();
  std::vector<std::string> lines = lines_of(text);
  lines[3] = R"({"at":"2026-11-23T09:10:00+08:00","ticket":"T-1","event":"classified",})";
  std::string broken;
  for (const std::string& line : lines) broken += line + "\n";
  std::string events = write_temp("run_malformed.jsonl", broken);
  std::string log = ::testing::TempDir() + "run_malformed_log.jsonl";
  CommandRun r = run_docket("run rules/after_sales.docket --events " + events + " --log " + log);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err,
              HasSubstr(events + ":4:71: error: invalid JSON: syntax error while parsing object key - unexpected '}'"));
  EXPECT_THAT(r.err, HasSubstr("docket: stopped: 2 events before this line were applied; nothing from this line on "
                               "was applied\n"));
  EXPECT_THAT(r.out, Not(HasSubstr("summary")));
  // The journal holds what the two events did, and nothing after.
  std::vector<std::string> written = lines_of(read_text(log));
  ASSERT_EQ(written.size(), 3u);
  EXPECT_THAT(written.back(), HasSubstr(R"("event":"registered")"));
}

TEST(DocketRunCommand, AnEventOutOfOrderStopsTheRun) {
  std::string events = write_temp("run_order.jsonl", create_line("2026-11-23T09:00:00+08:00", "T-1") +
                                                         create_line("2026-11-23T08:00:00+08:00", "T-2"));
  CommandRun r = run_docket("run rules/after_sales.docket --events " + events + " -q");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr(events + ":2: error: out of order: 2026-11-23T00:00:00Z is earlier than "
                                        "2026-11-23T01:00:00Z on line 1"));
  EXPECT_THAT(r.err, HasSubstr("1 event before this line was applied"));
}

TEST(DocketRunCommand, RejectionsAreOutcomesNotErrors) {
  std::string events = write_temp(
      "run_rejected.jsonl", R"({"at":"2026-11-23T09:00:00Z","ticket":"T-404","event":"registered","actor":{"id":"x"}})"
                            "\n");
  CommandRun r = run_docket("run rules/after_sales.docket --events " + events + " -q");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("rejections    1\n     1  unknown ticket `T-404`\n"));
}

TEST(DocketRunCommand, SeveralWorkflowsAtOnce) {
  std::string events = write_temp(
      "run_two.jsonl",
      create_line("2026-11-23T09:00:00+08:00", "T-1") +
          R"({"at":"2026-11-23T09:30:00+08:00","ticket":"C-1","event":"create","workflow":"complaint_handling",)"
          R"("actor":{"id":"r","roles":["receptionist"]},"data":{"customer":"C-9","contact":"x","channel":"phone",)"
          R"("complaint_time":"2026-11-23T09:00:00+08:00","content":"rude","requested_outcome":"apology"}})"
          "\n");
  CommandRun r = run_docket("run rules/after_sales.docket rules/complaint_handling.docket --events " + events + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("tickets       2\n"
                               "  after_sales.registering  1\n"
                               "  complaint_handling.received 1\n"));
}

TEST(DocketRunCommand, AJournalThatCannotBeWrittenFailsTheRun) {
  std::string events = write_temp("run_full.jsonl", day_of_events());
  CommandRun full = run_docket("run rules/after_sales.docket --events " + events + " --log /dev/full");
  EXPECT_EQ(full.exit_code, 1);
  EXPECT_THAT(full.err, HasSubstr(events + ":2: error: journal refused records: Failed flush to file /dev/full: No "
                                           "space left on device"));
  EXPECT_THAT(full.err, HasSubstr("0 events before this line were applied"));

  std::string blocker = write_temp("run_blocker", "a file, not a directory");
  CommandRun unwritable = run_docket("run rules/after_sales.docket --events " + events + " --log " + blocker + "/x");
  EXPECT_EQ(unwritable.exit_code, 1);
  EXPECT_THAT(unwritable.err, HasSubstr("docket: error: cannot write the log " + blocker + "/x"));
  EXPECT_EQ(unwritable.out, "");
}

TEST(DocketRunCommand, BadRulesExitOneWithTheirDiagnostics) {
  std::string events = write_temp("run_bad_rules.jsonl", day_of_events());
  CommandRun r = run_docket("run tests/bad/undefined_department.docket --events " + events);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("error[E010]"));
  EXPECT_EQ(r.out, "");
}

TEST(DocketRunCommand, UsageErrorsExitTwo) {
  std::string events = write_temp("run_usage.jsonl", day_of_events());
  EXPECT_EQ(run_docket("run rules/after_sales.docket").exit_code, 2);
  EXPECT_EQ(run_docket("run --events " + events).exit_code, 2);
  EXPECT_EQ(run_docket("run rules/after_sales.docket --events no/such.jsonl").exit_code, 2);
  CommandRun until = run_docket("run rules/after_sales.docket --events " + events + " --until tomorrow");
  EXPECT_EQ(until.exit_code, 2);
  EXPECT_THAT(until.err, HasSubstr("not a timestamp: tomorrow"));
  CommandRun earlier = run_docket("run rules/after_sales.docket -q --events " + events + " --until 2026-11-23");
  EXPECT_EQ(earlier.exit_code, 2);
  EXPECT_THAT(earlier.err, HasSubstr("--until 2026-11-23T00:00:00Z is earlier than the last event "
                                     "(2026-11-23T02:00:00Z)"));
  CommandRun overwrite = run_docket("run rules/after_sales.docket --events " + events + " --log " + events);
  EXPECT_EQ(overwrite.exit_code, 2);
  EXPECT_THAT(overwrite.err, HasSubstr("would overwrite the input"));
  EXPECT_EQ(read_text(events), day_of_events());
  CommandRun help = run_docket("run --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("--until"));
}

}  // namespace
}  // namespace docket::cli::testing
