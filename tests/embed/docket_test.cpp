#include "embed/docket.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "engine/runtime/clock.h"
#include "engine/runtime/engine.h"
#include "engine/runtime/journal.h"

namespace docket {
namespace {

using ::testing::HasSubstr;

TEST(EmbedTest, LoadsAShippedRuleFile) {
  engine::Result<LoadedRules> rules = load_rules(std::string(DOCKET_SOURCE_DIR) + "/rules/complaint_handling.docket");
  ASSERT_TRUE(rules.ok()) << rules.error();
  EXPECT_EQ(rules->workflow->name(), "complaint_handling");

  engine::VirtualClock clock(1795392000);
  engine::MemoryJournal journal;
  engine::Engine engine(clock, journal);
  ASSERT_TRUE(engine.install(rules->workflow).ok());
  EXPECT_EQ(engine.workflow(), rules->workflow);
  EXPECT_EQ(engine.workflow("complaint_handling"), rules->workflow);
  EXPECT_EQ(engine.workflow("after_sales"), nullptr);
}

TEST(EmbedTest, ReportsDiagnosticsOnError) {
  engine::Result<LoadedRules> rules =
      load_rules_text("broken.docket", "workflow w\ninitial state a { on go -> nowhere }\n");
  ASSERT_FALSE(rules.ok());
  EXPECT_THAT(rules.error(), HasSubstr("broken.docket:2"));
  EXPECT_THAT(rules.error(), HasSubstr("nowhere"));

  engine::Result<LoadedRules> missing = load_rules("/nonexistent/rules.docket");
  EXPECT_FALSE(missing.ok());
  EXPECT_FALSE(missing.error().empty());
}

TEST(EmbedTest, EventsWithoutATimeUseTheClock) {
  engine::Result<LoadedRules> rules = load_rules_text("desk.docket", R"(workflow desk version "1"
department d { roles agent }
initial state open { on close -> closed }
final state closed
)");
  ASSERT_TRUE(rules.ok()) << rules.error();
  engine::VirtualClock clock(1795392000);
  engine::MemoryJournal journal;
  engine::Engine engine(clock, journal);
  ASSERT_TRUE(engine.install(rules->workflow).ok());
  ASSERT_TRUE(engine.apply({.ticket = "D-1", .event = "create", .actor = {"a", {}}}).ok());
  ASSERT_TRUE(clock.advance(60));
  engine::Result<engine::Outcome> closed = engine.apply({.ticket = "D-1", .event = "close", .actor = {"a", {}}});
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(closed->state, "closed");
  EXPECT_EQ(journal.records().back().at, 1795392060);
  EXPECT_EQ(engine.find("D-1")->created_at, 1795392000);
}

}  // namespace
}  // namespace docket
