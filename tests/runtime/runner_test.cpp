#include "engine/runtime/runner.h"

#include <gtest/gtest.h>

#include <cstddef>

#include "engine/runtime/journal.h"

namespace docket::engine {
namespace {

// Effects and changes are recycled from one unit to the next, but a unit
// also adds some without drawing on the spares: the engine of a service that
// runs for months must not keep every one it ever made.
TEST(UnitBuffersTest, SparesStayBoundedHoweverManyUnitsRun) {
  UnitBuffers buffers;
  for (int unit = 0; unit < 1'000; ++unit) {
    buffers.begin_unit();
    Record& record = buffers.append();
    EXPECT_TRUE(record.effects.empty()) << "unit " << unit;
    EXPECT_TRUE(record.changes.empty()) << "unit " << unit;
    buffers.add_effect(record).target = "reused";
    for (int i = 0; i < 10; ++i) record.effects.push_back(Effect{});
    buffers.add_change(record.changes).field = "reused";
    for (int i = 0; i < 10; ++i) record.changes.push_back(Change{});
  }
  buffers.begin_unit();
  (void)buffers.append();
  EXPECT_LE(buffers.spare_effects(), UnitBuffers::kMaxSpares);
  EXPECT_LE(buffers.spare_changes(), UnitBuffers::kMaxSpares);
  EXPECT_GT(buffers.spare_effects(), 0u);  // still recycled, not dropped

  // A recycled effect comes back cleared.
  buffers.begin_unit();
  Record& record = buffers.append();
  Effect& effect = buffers.add_effect(record);
  EXPECT_TRUE(effect.target.empty());
  Change& change = buffers.add_change(record.changes);
  EXPECT_TRUE(change.field.empty());
}

}  // namespace
}  // namespace docket::engine
