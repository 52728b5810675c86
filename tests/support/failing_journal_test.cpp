// The journal the engine tests make refuse writes: it must refuse exactly as
// many writes as it was told to, keep nothing of them, and keep every other
// write in order, or the tests built on it would prove nothing.

#include "tests/support/failing_journal.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace docket::engine::testing {
namespace {

std::vector<Record> batch_of(std::uint64_t seq) {
  Record record;
  record.seq = seq;
  return {record};
}

TEST(FailingJournalTest, RefusesAsManyWritesAsToldAndKeepsNoneOfThem) {
  FailingJournal journal;
  ASSERT_TRUE(journal.write(batch_of(1)).ok());
  journal.fail_next_writes(2);
  EXPECT_FALSE(journal.write(batch_of(2)).ok());
  EXPECT_FALSE(journal.write(batch_of(2)).ok());
  ASSERT_TRUE(journal.write(batch_of(2)).ok());
  ASSERT_EQ(journal.records().size(), 2u);
  EXPECT_EQ(journal.records()[0].seq, 1u);
  EXPECT_EQ(journal.records()[1].seq, 2u);
  journal.clear();
  EXPECT_TRUE(journal.records().empty());
}

TEST(FailingJournalTest, AcceptsEveryWriteUntilToldOtherwise) {
  FailingJournal journal;
  for (std::uint64_t seq = 1; seq <= 3; ++seq) EXPECT_TRUE(journal.write(batch_of(seq)).ok());
  EXPECT_EQ(journal.records().size(), 3u);
}

}  // namespace
}  // namespace docket::engine::testing
