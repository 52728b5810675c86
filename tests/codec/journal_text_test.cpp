#include "engine/codec/journal_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/engine_harness.h"

namespace docket::engine::testing {
namespace {

using ::testing::HasSubstr;

Record record_at(std::uint64_t seq, RecordKind kind, Cause cause, const std::string& from, const std::string& to) {
  Record record;
  record.seq = seq;
  record.at = kMonday + 9 * kHour;
  record.ticket = "T-1001";
  record.workflow = "after_sales";
  record.kind = kind;
  record.cause = cause;
  record.from = from;
  record.to = to;
  return record;
}

RulePosition line_of(std::uint32_t line) {
  return RulePosition{"rules/after_sales.docket:" + std::to_string(line), line, 3};
}

TEST(JournalTextTest, TransitionShowsWhoWhyWhatChangedAndWhatWasDone) {
  Record record = record_at(12, RecordKind::kTransition, Cause::kEvent, "registering", "classifying");
  record.event = "registered";
  record.actor = actor("alice", {"intake_specialist"});
  record.rule = line_of(187);
  record.changes.push_back(Change{"problem_confirmed", Value::boolean(false), Value::boolean(true), "false", "true"});
  record.changes.push_back(Change{"note", Value(), Value::text("x"), "", "\"x\""});
  record.effects.push_back(Effect{EffectKind::kSet, "set note = \"x\"", "note", "\"x\"", line_of(188), ""});
  record.effects.push_back(Effect{EffectKind::kNotify, "notify customer \"case_registered\"", "customer",
                                  "case_registered", line_of(188), ""});
  EXPECT_EQ(format_record_line(record),
            "2026-11-23 09:00:00Z #12 T-1001 registering -> classifying on registered by alice [intake_specialist] "
            "(rules/after_sales.docket:187) set problem_confirmed=true (was false), note=\"x\"; "
            "notify customer \"case_registered\"");
}

TEST(JournalTextTest, CreationAndAutomaticTransitions) {
  Record created = record_at(1, RecordKind::kTransition, Cause::kCreate, "", "received");
  created.event = "create";
  created.actor = actor("alice", {});
  created.idempotency_key = "k-1";
  EXPECT_EQ(format_record_line(created),
            "2026-11-23 09:00:00Z #1 T-1001 new -> received on create by alice; idempotency key k-1");
  Record automatic = record_at(2, RecordKind::kTransition, Cause::kAutomatic, "received", "registering");
  automatic.event = "create";
  EXPECT_EQ(format_record_line(automatic), "2026-11-23 09:00:00Z #2 T-1001 received -> registering auto after create");
}

TEST(JournalTextTest, TimersAndSlaMarks) {
  Record timer = record_at(3, RecordKind::kTimer, Cause::kTimer, "executing", "executing");
  timer.rule = line_of(221);
  timer.effects.push_back(
      Effect{EffectKind::kNotify, "notify customer \"progress_update\"", "customer", "progress_update", {}, ""});
  EXPECT_EQ(format_record_line(timer),
            "2026-11-23 09:00:00Z #3 T-1001 timer in executing (rules/after_sales.docket:221) "
            "notify customer \"progress_update\"");

  Record warning = record_at(4, RecordKind::kWarning, Cause::kSla, "dispatched", "dispatched");
  warning.sla = SlaMark{"first_response", "P1", 50, 4 * kHour, "", kMonday, ""};
  EXPECT_EQ(format_record_line(warning),
            "2026-11-23 09:00:00Z #4 T-1001 WARNING first_response 50% of 4h under P1 "
            "in dispatched");
  Record breach = record_at(5, RecordKind::kBreach, Cause::kSla, "dispatched", "dispatched");
  breach.sla = SlaMark{"resolve", "P0", 100, 4 * kHour, "office", kMonday, ""};
  breach.rule = line_of(103);
  breach.effects.push_back(Effect{EffectKind::kEscalate, "escalate to dept_head", "dept_head", "", {}, ""});
  EXPECT_EQ(format_record_line(breach),
            "2026-11-23 09:00:00Z #5 T-1001 BREACH resolve 4h in office under P0 in "
            "dispatched (rules/after_sales.docket:103) escalate to dept_head");
}

TEST(JournalTextTest, RejectionsAreMarkedWithTheirReasonAndTheDataNotApplied) {
  Record record = record_at(6, RecordKind::kRejection, Cause::kEvent, "proposing", "");
  record.event = "proposed";
  record.actor = actor("zhou", {"supervisor"});
  record.rule = line_of(150);
  record.changes.push_back(
      Change{"compensation", Value::number(Fixed()), Value::number(*Fixed::parse("400")), "0", "400"});
  record.rejected = true;
  record.reason = "服务失误补偿不得超过该笔订单金额的 30%";
  EXPECT_EQ(format_record_line(record),
            "2026-11-23 09:00:00Z #6 T-1001 REJECTED proposed in proposing by zhou [supervisor] "
            "(rules/after_sales.docket:150): 服务失误补偿不得超过该笔订单金额的 30%; "
            "not applied: compensation=400 (was 0)");
}

TEST(JournalTextTest, ApprovalEffectsReadAsSentences) {
  Record record = record_at(7, RecordKind::kApproval, Cause::kEvent, "approving", "approving");
  record.event = "approve";
  record.actor = actor("wang", {"dept_head"});
  record.effects.push_back(
      Effect{EffectKind::kApprovalVote, "approve as dept_head", "head_signoff.head", "1 of 1", {}, ""});
  record.effects.push_back(
      Effect{EffectKind::kApprovalLevel, "level complete", "head_signoff.head", "approved", {}, ""});
  EXPECT_EQ(format_record_line(record),
            "2026-11-23 09:00:00Z #7 T-1001 APPROVAL in approving on approve by wang [dept_head] "
            "approve as dept_head at head_signoff.head (1 of 1); level head_signoff.head approved");
}

TEST(JournalTextTest, OneLineWhateverTheTextsContain) {
  Record record = record_at(8, RecordKind::kRejection, Cause::kEvent, "open", "");
  record.event = "x";
  record.rejected = true;
  record.reason = "first\nsecond\r\tthird\x01";
  std::string line = format_record_line(record);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_THAT(line, HasSubstr("first\\nsecond\\r\\tthird\\u0001"));
}

TEST(JournalTextTest, EveryRecordOfARealRunFormats) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form("angry")).accepted);
  h.advance_to(kMonday + kDay);
  ASSERT_FALSE(h.records().empty());
  for (const Record& record : h.records()) {
    std::string line = format_record_line(record);
    EXPECT_THAT(line, HasSubstr(" #" + std::to_string(record.seq) + " T-1 "));
    EXPECT_THAT(line, HasSubstr("(" + record.rule.where + ")"));
  }
  EXPECT_THAT(format_record_line(h.records()[1]), HasSubstr("notify customer \"empathy_script\""));
}

}  // namespace
}  // namespace docket::engine::testing
