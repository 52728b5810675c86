#include "docket/docket.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/support/event_streams.h"

namespace docket {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr const char* kDesk = R"(workflow desk version "1"
department d { roles agent }
initial state open { on close by agent -> closed }
final state closed
)";

TEST(EmbedTest, LoadsAShippedRuleFile) {
  Result<LoadedRules> rules = load_rules(std::string(DOCKET_SOURCE_DIR) + "/rules/complaint_handling.docket");
  ASSERT_TRUE(rules.ok()) << rules.error();
  EXPECT_EQ(rules->workflow->name(), "complaint_handling");

  VirtualClock clock(1795392000);
  MemoryJournal journal;
  Engine engine(clock, journal);
  ASSERT_TRUE(engine.install(rules->workflow).ok());
  EXPECT_EQ(engine.workflow(), rules->workflow);
  EXPECT_EQ(engine.workflow("complaint_handling"), rules->workflow);
  EXPECT_EQ(engine.workflow("after_sales"), nullptr);
}

TEST(EmbedTest, ReportsDiagnosticsOnError) {
  Result<LoadedRules> rules = load_rules_text("broken.docket", "workflow w\ninitial state a { on go -> nowhere }\n");
  ASSERT_FALSE(rules.ok());
  EXPECT_THAT(rules.error(), HasSubstr("broken.docket:2"));
  EXPECT_THAT(rules.error(), HasSubstr("nowhere"));

  Result<LoadedRules> missing = load_rules("/nonexistent/rules.docket");
  EXPECT_FALSE(missing.ok());
  EXPECT_FALSE(missing.error().empty());
}

TEST(EmbedTest, EventsWithoutATimeUseTheClock) {
  Result<LoadedRules> rules = load_rules_text("desk.docket", kDesk);
  ASSERT_TRUE(rules.ok()) << rules.error();
  VirtualClock clock(1795392000);
  MemoryJournal journal;
  Engine engine(clock, journal);
  ASSERT_TRUE(engine.install(rules->workflow).ok());
  ASSERT_TRUE(engine.apply({.ticket = "D-1", .event = "create", .actor = {"a", {"agent"}}}).ok());
  ASSERT_TRUE(clock.advance(60));
  Result<Outcome> closed = engine.apply({.ticket = "D-1", .event = "close", .actor = {"a", {"agent"}}});
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(closed->state, "closed");
  EXPECT_EQ(journal.records().back().at, 1795392060);
  EXPECT_EQ(engine.find("D-1")->created_at, 1795392000);
}

TEST(EmbedTest, CompilationListsEachDiagnostic) {
  Compilation rules = compile_text("broken.docket", "workflow w\ninitial state a { on go -> nowhere }\n");
  EXPECT_FALSE(rules.ok());
  EXPECT_EQ(rules.workflow, nullptr);
  EXPECT_EQ(rules.error_count(), 2u);
  EXPECT_EQ(rules.warning_count(), 0u);
  ASSERT_EQ(rules.diagnostics.size(), 2u);
  const Diagnostic& final_state = rules.diagnostics[0];
  EXPECT_EQ(final_state.file, "broken.docket");
  EXPECT_EQ(final_state.line, 1);
  EXPECT_EQ(final_state.column, 10);
  EXPECT_EQ(final_state.code, "E033");
  const Diagnostic& target = rules.diagnostics[1];
  EXPECT_EQ(target.file, "broken.docket");
  EXPECT_EQ(target.line, 2);
  EXPECT_EQ(target.column, 28);
  EXPECT_EQ(target.severity, Severity::kError);
  EXPECT_EQ(target.code, "E010");
  EXPECT_EQ(target.message, "undefined state `nowhere`");
  EXPECT_THAT(rules.rendered, HasSubstr("broken.docket:2:28: error[E010]: undefined state `nowhere`\n"
                                        " 2 | initial state a { on go -> nowhere }\n"));
}

TEST(EmbedTest, OrdersDiagnosticsByPositionAndKeepsHelp) {
  Compilation rules = compile_text("typo.docket", R"(workflow w
department tech { roles engineer }
category other "Other" -> nobody
category fault "Fault" -> tehc
initial state a { on go by engineer -> done }
final state done
)");
  ASSERT_FALSE(rules.ok());
  ASSERT_EQ(rules.diagnostics.size(), 2u);
  EXPECT_EQ(rules.diagnostics[0].line, 3);
  EXPECT_EQ(rules.diagnostics[0].code, "E010");
  EXPECT_EQ(rules.diagnostics[0].message, "undefined department `nobody`");
  EXPECT_EQ(rules.diagnostics[0].help, "");
  EXPECT_EQ(rules.diagnostics[1].line, 4);
  EXPECT_EQ(rules.diagnostics[1].column, 27);
  EXPECT_EQ(rules.diagnostics[1].message, "undefined department `tehc`");
  EXPECT_EQ(rules.diagnostics[1].help, "did you mean `tech`?");
}

TEST(EmbedTest, WarningsLeaveTheRulesUsable) {
  const std::string text = R"(workflow w
department d { roles agent }
initial state a { on go by agent -> b }
final state b
state lonely { on go -> b }
)";
  Compilation rules = compile_text("warn.docket", text);
  ASSERT_TRUE(rules.ok()) << rules.rendered;
  ASSERT_NE(rules.workflow, nullptr);
  EXPECT_EQ(rules.error_count(), 0u);
  ASSERT_EQ(rules.warning_count(), 1u);
  EXPECT_EQ(rules.diagnostics.front().severity, Severity::kWarning);
  EXPECT_EQ(rules.diagnostics.front().code, "W001");
  EXPECT_EQ(rules.diagnostics.front().line, 5);
  EXPECT_THAT(rules.rendered, HasSubstr("warn.docket:5:7: warning[W001]: state `lonely` is unreachable\n"));

  Result<LoadedRules> loaded = load_rules_text("warn.docket", text);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_EQ(loaded->warnings, rules.rendered);

  Compilation clean = compile_text("desk.docket", kDesk);
  ASSERT_TRUE(clean.ok());
  EXPECT_THAT(clean.diagnostics, IsEmpty());
  EXPECT_EQ(clean.rendered, "");
}

TEST(EmbedTest, AMissingFileIsADiagnostic) {
  Compilation rules = compile_file("/nonexistent/rules.docket");
  EXPECT_FALSE(rules.ok());
  ASSERT_EQ(rules.error_count(), 1u);
  EXPECT_FALSE(rules.diagnostics.front().code.empty());
  EXPECT_EQ(rules.diagnostics.front().line, 0);
  EXPECT_THAT(rules.rendered, HasSubstr("/nonexistent/rules.docket"));
}

TEST(EmbedTest, ConfinedRulesCannotExtendFilesOutside) {
  testing::TempDir dir;
  Compilation rules =
      compile_text("repair.docket", "extends \"/etc/hostname\"\nworkflow w\n", {.confine_to = dir.path()});
  EXPECT_FALSE(rules.ok());
  ASSERT_FALSE(rules.diagnostics.empty());
  EXPECT_EQ(rules.diagnostics.front().code, "E035");
  EXPECT_EQ(rules.diagnostics.front().line, 1);
}

TEST(EmbedTest, AnEngineRecoversFromItsStore) {
  testing::TempDir dir;
  Compilation rules = compile_text("desk.docket", kDesk);
  ASSERT_TRUE(rules.ok()) << rules.rendered;
  {
    Result<std::unique_ptr<SqliteStore>> store = SqliteStore::open(dir.file("tickets.db"));
    ASSERT_TRUE(store.ok()) << store.error();
    VirtualClock clock(1795392000);
    Engine engine(clock, *store.value());
    ASSERT_TRUE(engine.install(rules.workflow).ok());
    ASSERT_TRUE(engine.apply({.ticket = "D-1", .event = "create", .actor = {"a", {"agent"}}}).ok());
  }

  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::open(dir.file("tickets.db"));
  ASSERT_TRUE(store.ok()) << store.error();
  Result<std::vector<StoredVersion>> versions = store.value()->versions();
  ASSERT_TRUE(versions.ok()) << versions.error();
  ASSERT_EQ(versions->size(), 1u);
  Result<std::shared_ptr<const Workflow>> compiled = compile_version(versions->front());
  ASSERT_TRUE(compiled.ok()) << compiled.error();
  EXPECT_EQ(compiled.value()->version_id(), rules.workflow->version_id());

  VirtualClock clock(1795392000);
  Engine engine(clock, *store.value());
  Result<Recovered> recovered = recover(engine, *store.value());
  ASSERT_TRUE(recovered.ok()) << recovered.error();
  EXPECT_EQ(recovered->tickets, 1u);
  ASSERT_NE(engine.find("D-1"), nullptr);
  EXPECT_EQ(engine.find("D-1")->state_name(), "open");
  Result<Outcome> closed = engine.apply({.ticket = "D-1", .event = "close", .actor = {"a", {"agent"}}});
  ASSERT_TRUE(closed.ok()) << closed.error();
  EXPECT_EQ(closed->state, "closed");
}

TEST(EmbedTest, AStoredVersionWhoseSourcesDoNotCompileIsRefused) {
  StoredVersion version;
  version.id = "0123456789abcdef";
  version.workflow = "w";
  version.sources = {{"broken.docket", "workflow w\ninitial state a { on go -> nowhere }\n"}};
  Result<std::shared_ptr<const Workflow>> compiled = compile_version(version);
  ASSERT_FALSE(compiled.ok());
  EXPECT_THAT(compiled.error(), HasSubstr("error[E010]"));
}

}  // namespace
}  // namespace docket
