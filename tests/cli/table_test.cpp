// The cli's text tables pad by display width (engine::display_width, tested
// in tests/model/text_test.cpp): a Chinese character takes two terminal
// columns in three bytes, so padding by bytes would push every cell after a
// Chinese name out of line.

#include "cli/table.h"

#include <gtest/gtest.h>

#include <string>

namespace docket::cli {
namespace {

TEST(Table, ChineseNamesLineUpWithLatinOnes) {
  const Table table("  ", {{10}, {}});
  // Both counts start at column 13: 2 of indent, 10 of name, 1 of gap.
  EXPECT_EQ(table.row({"处理中", "3"}), "  处理中     3\n");
  EXPECT_EQ(table.row({"received", "12"}), "  received   12\n");
  EXPECT_EQ(table.row({"待客户确认", "1"}), "  待客户确认 1\n");
}

TEST(Table, RightAlignedColumnsPadOnTheLeft) {
  const Table table("  ", {{4, Align::kRight}, {}}, "  ");
  EXPECT_EQ(table.row({"1", "missing fields"}), "     1  missing fields\n");
  EXPECT_EQ(table.row({"二", "x"}), "    二  x\n");
}

TEST(Table, WiderCellIsPrintedWholeAndPushesItsRow) {
  const Table table("", {{4}, {}});
  EXPECT_EQ(table.row({"complaint_handling.received", "1"}), "complaint_handling.received 1\n");
}

TEST(Table, CellsWithoutAWidthAreNotPadded) {
  EXPECT_EQ(Table("", {{}, {}}).row({"a", "b"}), "a b\n");
  EXPECT_EQ(Table("", {{3}}).row({"a", "b", "c"}), "a   b c\n");  // past the last column
}

}  // namespace
}  // namespace docket::cli
