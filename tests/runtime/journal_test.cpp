#include "engine/runtime/journal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/engine_harness.h"

namespace docket::engine::testing {
namespace {

using ::testing::HasSubstr;

TEST(JournalTest, SequenceNumbersAreGlobalAndGapFree) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form("angry")).accepted);
  ASSERT_FALSE(h.create(kMonday, "T-2", intake(), {}).accepted);
  ASSERT_TRUE(h.create(kMonday, "T-3", intake(), after_sales_form()).accepted);
  ASSERT_FALSE(h.send(kMonday + 1, "T-9", "registered", intake()).accepted);
  h.advance_to(kMonday + kDay);
  ASSERT_GT(h.records().size(), 8u);
  for (std::size_t i = 0; i < h.records().size(); ++i) EXPECT_EQ(h.records()[i].seq, i + 1);
  EXPECT_EQ(h.engine.last_seq(), h.records().size());
}

TEST(JournalTest, EveryRecordNamesItsTicketWorkflowAndVersion) {
  std::shared_ptr<const Workflow> workflow = shipped_rules("after_sales.docket");
  Harness h(workflow);
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form()).accepted);
  ASSERT_FALSE(h.send(kMonday + 1, "T-1", "registered", intake()).accepted);  // not confirmed
  h.advance_to(kMonday + kDay);
  for (const Record& record : h.records()) {
    EXPECT_EQ(record.ticket, "T-1");
    EXPECT_EQ(record.workflow, "after_sales");
    EXPECT_EQ(record.version, workflow->version_id());
    EXPECT_EQ(record.version.size(), 64u);
    EXPECT_FALSE(record.rule.where.empty()) << to_string(record.kind);
  }
}

TEST(JournalTest, TimerRecordsHaveNoActorAndTheirOwnCause) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form()).accepted);
  h.advance_to(kMonday + kDay);
  std::vector<Record> timers = h.records_of(RecordKind::kTimer);
  ASSERT_FALSE(timers.empty());
  for (const Record& record : timers) {
    EXPECT_EQ(record.cause, Cause::kTimer);
    EXPECT_EQ(record.actor, Actor{});
    EXPECT_EQ(record.event, "");
    EXPECT_FALSE(record.rejected);
  }
}

TEST(JournalTest, RefusedWriteUsesNoSequenceNumbers) {
  Harness h(shipped_rules("after_sales.docket"));
  h.journal.fail_next_writes(1);
  Result<Outcome> refused = h.engine.apply(Event{kMonday, "T-1", "create", intake(), after_sales_form(), {}, {}});
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ(h.engine.find("T-1"), nullptr);
  EXPECT_EQ(h.engine.last_seq(), 0u);
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form()).accepted);
  EXPECT_EQ(h.records().front().seq, 1u);
}

TEST(JournalTest, RefusedTimerStaysDue) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form()).accepted);
  std::int64_t due = h.engine.next_due();
  h.journal.fail_next_writes(1);
  Result<std::size_t> refused = h.engine.advance_to(kMonday + kDay);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error(), HasSubstr("journal refused"));
  EXPECT_EQ(h.engine.next_due(), due);
  EXPECT_EQ(h.advance_to(kMonday + kDay), 2u);
  EXPECT_EQ(h.records_of(RecordKind::kTimer).front().at, due);
}

TEST(JournalTest, MemoryJournalKeepsBatchesInOrder) {
  MemoryJournal journal;
  Record a;
  a.seq = 1;
  Record b;
  b.seq = 2;
  Record c;
  c.seq = 3;
  std::vector<Record> first = {a, b};
  std::vector<Record> second = {c};
  ASSERT_TRUE(journal.write(first).ok());
  ASSERT_TRUE(journal.write(second).ok());
  ASSERT_EQ(journal.records().size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(journal.records()[i].seq, i + 1);
  journal.clear();
  EXPECT_TRUE(journal.records().empty());
}

TEST(JournalTest, NamesOfKindsCausesAndEffects) {
  EXPECT_STREQ(to_string(RecordKind::kApprovalTimeout), "approval_timeout");
  EXPECT_STREQ(to_string(RecordKind::kRejection), "rejection");
  EXPECT_STREQ(to_string(Cause::kAutomatic), "automatic");
  EXPECT_STREQ(to_string(Cause::kSla), "sla");
  EXPECT_STREQ(to_string(EffectKind::kRaisePriority), "raise_priority");
  EXPECT_STREQ(to_string(EffectKind::kApprovalVote), "approval_vote");
}

}  // namespace
}  // namespace docket::engine::testing
