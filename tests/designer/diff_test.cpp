#include "designer/diff.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "dsl/checker.h"
#include "dsl/compiler.h"
#include "dsl/loader.h"

namespace docket::designer {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::shared_ptr<const engine::Workflow> compile_text(const std::string& name, std::string text) {
  dsl::SourceSet sources;
  dsl::Diagnostics diagnostics;
  std::optional<dsl::RuleFile> file = dsl::load_text(name, std::move(text), sources, diagnostics);
  if (file) dsl::check(*file, diagnostics);
  std::shared_ptr<const engine::Workflow> workflow;
  if (file && !diagnostics.has_errors()) workflow = dsl::compile(*file, sources, diagnostics);
  if (!workflow) ADD_FAILURE() << dsl::render_text(diagnostics, sources);
  return workflow;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The 1-based line of the first occurrence of `needle` at or after `from`.
std::uint32_t line_of(const std::string& text, const std::string& needle, std::size_t from = 0) {
  std::size_t at = text.find(needle, from);
  if (at == std::string::npos) return 0;
  return static_cast<std::uint32_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n')) + 1;
}

constexpr const char* kBase = R"(workflow ticket "工单" version "1"
field score: int range 1..5
field mood: enum(calm, angry) = calm
calendar office {
  zone "Asia/Shanghai"
  hours mon-fri 09:00-18:00
}
department support { roles agent, supervisor }
category general -> support
priority high { resolve 8h }
priority low { resolve 72h }
initial state open "新建" {
  on start by agent -> working
  after 2h in office do notify supervisor "overdue"
}
state working "处理中" {
  on resolve when score >= 4 by agent -> done
  on resolve when score < 4 -> review
}
state review "复核" {
  pause resolve
  on reviewed -> done
}
final state done "已完成"
)";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(WorkflowDiffTest, SameRulesHaveNoChanges) {
  auto a = compile_text("a.docket", kBase);
  auto b = compile_text("b.docket", kBase);
  ASSERT_TRUE(a && b);
  EXPECT_THAT(diff_workflows(*a, *b), IsEmpty());
  EXPECT_EQ(render_diff_text({}), "0 changes: +0 ~0 -0\n");
}

// Names, not indices: moving declarations around changes nothing.
TEST(WorkflowDiffTest, TheReportBlockItemByItem) {
  auto old_rules =
      compile_text("a.docket", std::string(kBase) + "report { resolution clock resolve\n types by category }\n");
  auto new_rules =
      compile_text("b.docket", std::string(kBase) + "report { resolution state done\n types by category }\n");
  auto without = compile_text("c.docket", kBase);
  ASSERT_TRUE(old_rules && new_rules && without);
  std::vector<Change> changes = diff_workflows(*old_rules, *new_rules);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].section, DiffSection::kReport);
  EXPECT_EQ(changes[0].aspect, "resolution");
  EXPECT_EQ(changes[0].before, "clock resolve");
  EXPECT_EQ(changes[0].after, "state done");
  EXPECT_EQ(changes[0].where, "b.docket:25");

  std::vector<Change> added = diff_workflows(*without, *old_rules);
  ASSERT_EQ(added.size(), 1u);
  EXPECT_EQ(added[0].kind, ChangeKind::kAdded);
  EXPECT_EQ(added[0].after, "{ resolution clock resolve, types by category }");
  EXPECT_EQ(diff_workflows(*old_rules, *without)[0].kind, ChangeKind::kRemoved);
}

TEST(WorkflowDiffTest, DeclarationOrderOfNamedRulesIsNoChange) {
  std::string moved = replaced(kBase, "field score: int range 1..5\nfield mood: enum(calm, angry) = calm\n",
                               "field mood: enum(calm, angry) = calm\nfield score: int range 1..5\n");
  moved = replaced(moved, "final state done \"已完成\"\n", "");
  moved = replaced(moved, "initial state open", "final state done \"已完成\"\ninitial state open");
  auto a = compile_text("a.docket", kBase);
  auto b = compile_text("b.docket", moved);
  ASSERT_TRUE(a && b);
  EXPECT_THAT(diff_workflows(*a, *b), IsEmpty());
}

TEST(WorkflowDiffTest, ShippedRulesAgainstThemselvesHaveNoChanges) {
  std::string text = read_file(std::string(DOCKET_SOURCE_DIR) + "/rules/after_sales.docket");
  auto a = compile_text("after_sales.docket", text);
  auto b = compile_text("after_sales.docket", text);
  ASSERT_TRUE(a && b);
  EXPECT_THAT(diff_workflows(*a, *b), IsEmpty());
}

// One limit changed in the shipped rules: exactly that change, at its line.
TEST(WorkflowDiffTest, ShippedRulesWithOneLimitChangedGiveThatChange) {
  std::string text = read_file(std::string(DOCKET_SOURCE_DIR) + "/rules/after_sales.docket");
  std::size_t p1 = text.find("priority P1");
  ASSERT_NE(p1, std::string::npos);
  std::size_t limit = text.find("resolve 24h", p1);
  ASSERT_NE(limit, std::string::npos);
  std::string changed = text;
  changed.replace(limit, std::string("resolve 24h").size(), "resolve 12h");
  auto a = compile_text("after_sales.docket", text);
  auto b = compile_text("new.docket", changed);
  ASSERT_TRUE(a && b);
  std::vector<Change> changes = diff_workflows(*a, *b);
  ASSERT_EQ(changes.size(), 1u) << render_diff_text(changes);
  const Change& change = changes[0];
  EXPECT_EQ(change.kind, ChangeKind::kChanged);
  EXPECT_EQ(change.section, DiffSection::kPriorities);
  EXPECT_EQ(change.subject, "priority P1");
  EXPECT_EQ(change.aspect, "resolve");
  EXPECT_EQ(change.before, "24h");
  EXPECT_EQ(change.after, "12h");
  EXPECT_EQ(change.where, "new.docket:" + std::to_string(line_of(changed, "resolve 12h")));
  EXPECT_EQ(render_diff_text(changes),
            "priorities\n  ~ priority P1: resolve 24h -> 12h  (" + change.where + ")\n1 change: +0 ~1 -0\n");
}

TEST(WorkflowDiffTest, StatesTransitionsAndTimers) {
  std::string changed = replaced(kBase, "  on reviewed -> done\n", "  on reviewed -> onsite\n");
  changed = replaced(changed, "final state done", "state onsite \"上门\" {\n  on visited -> done\n}\nfinal state done");
  changed = replaced(changed, "  after 2h in office do notify supervisor \"overdue\"\n", "");
  changed = replaced(changed, "when score < 4 -> review", "when score < 3 -> review");
  auto a = compile_text("a.docket", kBase);
  auto b = compile_text("b.docket", changed);
  ASSERT_TRUE(a && b);
  std::vector<Change> changes = diff_workflows(*a, *b);
  std::vector<std::string> lines;
  for (const Change& change : changes) {
    lines.push_back(std::string(to_string(change.kind)) + " " + change.subject + " | " + change.aspect + " | " +
                    change.before + " | " + change.after + " | " + change.where);
  }
  EXPECT_THAT(
      lines,
      ElementsAre("added state onsite |  |  | \"上门\" | b.docket:" + std::to_string(line_of(changed, "state onsite")),
                  // The second `on resolve` of `working` is compared with the second one.
                  "changed transition working on resolve #2 | guard | score < 4 | score < 3 | b.docket:" +
                      std::to_string(line_of(changed, "on resolve when score < 3")),
                  "changed transition review on reviewed | target | done | onsite | b.docket:" +
                      std::to_string(line_of(changed, "on reviewed")),
                  "added transition onsite on visited |  |  | -> done | b.docket:" +
                      std::to_string(line_of(changed, "on visited")),
                  "removed timer open after |  | 2h in office do notify supervisor \"overdue\" |  | a.docket:" +
                      std::to_string(line_of(kBase, "after 2h"))));
  ChangeCounts counts = count_changes(changes);
  EXPECT_EQ(counts.added, 2u);
  EXPECT_EQ(counts.changed, 2u);
  EXPECT_EQ(counts.removed, 1u);
}

TEST(WorkflowDiffTest, FieldsPrioritiesAndOrganisation) {
  std::string changed =
      replaced(kBase, "field mood: enum(calm, angry) = calm", "field mood: enum(calm, upset) required");
  changed = replaced(changed, "range 1..5", "range 1..10");
  changed = replaced(changed, "roles agent, supervisor", "roles agent, supervisor, lead");
  changed = replaced(changed, "priority high { resolve 8h }", "priority high { resolve 8h in office }");
  changed = replaced(changed, "priority low { resolve 72h }", "priority low { first_response 4h\n resolve 72h }");
  auto a = compile_text("a.docket", kBase);
  auto b = compile_text("b.docket", changed);
  ASSERT_TRUE(a && b);
  std::string text = render_diff_text(diff_workflows(*a, *b));
  std::string mood = "  (b.docket:" + std::to_string(line_of(changed, "field mood")) + ")\n";
  EXPECT_THAT(text, HasSubstr("fields\n  ~ field score: range 1..5 -> 1..10"));
  EXPECT_THAT(text, HasSubstr("  + field mood: value upset" + mood));
  EXPECT_THAT(text, HasSubstr("  - field mood: value angry  (a.docket:" + std::to_string(line_of(kBase, "field mood")) +
                              ")\n"));
  EXPECT_THAT(text, HasSubstr("  ~ field mood: required no -> yes" + mood));
  EXPECT_THAT(text, HasSubstr("  ~ field mood: default calm -> none" + mood));
  EXPECT_THAT(text, HasSubstr("departments\n  + department support: role lead"));
  EXPECT_THAT(text, HasSubstr("  ~ priority high: resolve 8h -> 8h in office"));
  EXPECT_THAT(text, HasSubstr("  + priority low: first_response 4h"));
  EXPECT_THAT(text, HasSubstr("8 changes: +3 ~4 -1\n"));
}

TEST(WorkflowDiffTest, PriorityOrderIsAChange) {
  std::string changed = replaced(kBase, "priority high { resolve 8h }\npriority low { resolve 72h }",
                                 "priority low { resolve 72h }\npriority high { resolve 8h }");
  auto a = compile_text("a.docket", kBase);
  auto b = compile_text("b.docket", changed);
  ASSERT_TRUE(a && b);
  std::vector<Change> changes = diff_workflows(*a, *b);
  ASSERT_EQ(changes.size(), 1u) << render_diff_text(changes);
  EXPECT_EQ(changes[0].subject, "priorities");
  EXPECT_EQ(changes[0].aspect, "order");
  EXPECT_EQ(changes[0].before, "high, low");
  EXPECT_EQ(changes[0].after, "low, high");
}

TEST(WorkflowDiffTest, JsonCarriesEveryChangeAndTheSummary) {
  std::string changed = replaced(kBase, "version \"1\"", "version \"2\"");
  changed = replaced(changed, "final state done \"已完成\"", "final state done \"已完成 \\\"ok\\\"\"");
  auto a = compile_text("a.docket", kBase);
  auto b = compile_text("b.docket", changed);
  ASSERT_TRUE(a && b);
  std::vector<Change> changes = diff_workflows(*a, *b);
  nlohmann::json json = nlohmann::json::parse(render_diff_json(changes));
  ASSERT_EQ(json["changes"].size(), 2u);
  EXPECT_EQ(json["changes"][0]["section"], "workflow");
  EXPECT_EQ(json["changes"][0]["aspect"], "version");
  EXPECT_EQ(json["changes"][0]["before"], "\"1\"");
  EXPECT_EQ(json["changes"][0]["after"], "\"2\"");
  EXPECT_EQ(json["changes"][0]["where"], "b.docket:1");
  EXPECT_EQ(json["changes"][1]["kind"], "changed");
  EXPECT_EQ(json["changes"][1]["after"], "\"已完成 \\\"ok\\\"\"");
  EXPECT_EQ(json["summary"]["total"], 2);
  EXPECT_EQ(json["summary"]["changed"], 2);
  EXPECT_EQ(json["summary"]["added"], 0);
}

// Rule files held in memory, under `root`, the main file first.
std::shared_ptr<const engine::Workflow> compile_files(const std::string& root,
                                                      const std::vector<engine::WorkflowSource>& files) {
  dsl::SourceSet sources;
  dsl::Diagnostics diagnostics;
  std::optional<dsl::RuleFile> file = dsl::load_sources(files, root, sources, diagnostics);
  if (file) dsl::check(*file, diagnostics);
  std::shared_ptr<const engine::Workflow> workflow;
  if (file && !diagnostics.has_errors()) workflow = dsl::compile(*file, sources, diagnostics);
  if (!workflow) ADD_FAILURE() << dsl::render_text(diagnostics, sources);
  return workflow;
}

constexpr const char* kVariantBase = R"(workflow ticket "工单" version "1"
field score: int range 1..5
calendar office {
  zone "Asia/Shanghai"
  hours mon-fri 09:00-18:00
}
department support { roles agent, supervisor }
category general -> support
priority high { resolve 8h }
priority low { resolve 72h }
classify priority {
  high when score > 3
  low when score < 2
  low otherwise
}
chain review "复核" { level one: any of supervisor }
approval otherwise: review
initial state open "新建" {
  on start by agent -> done
}
final state done "已完成"
)";

// Who may approve belongs to a level, and who proposes to a transition:
// changing either is a change of the rules.
TEST(WorkflowDiffTest, ExclusionsAndProposersAreChanges) {
  std::string changed =
      replaced(kVariantBase, "level one: any of supervisor }", "level one: 2 of supervisor not participants }");
  changed = replaced(changed, "  on start by agent -> done\n", "  on start by agent as proposer -> done\n");
  auto a = compile_text("a.docket", kVariantBase);
  auto b = compile_text("b.docket", changed);
  ASSERT_TRUE(a && b);
  std::vector<std::string> lines;
  for (const Change& change : diff_workflows(*a, *b)) {
    lines.push_back(std::string(to_string(change.kind)) + " " + change.subject + " | " + change.aspect + " | " +
                    change.before + " | " + change.after);
  }
  EXPECT_THAT(lines, ElementsAre("changed chain review | level one | any of supervisor | 2 of supervisor not "
                                 "participants",
                                 "changed transition open on start | as proposer | no | yes"));
}

// Each change cites the declaration the compiled workflow keeps a position
// for: in a variant, the base file for what it inherits (by the path the base
// was loaded under) and the variant for what it overrides or adds, wherever
// on the line the declaration starts; removals cite the old version.
TEST(WorkflowDiffTest, DeclarationsCiteTheFileAndLineTheyWereWrittenAt) {
  std::string old_text = replaced(kVariantBase, "version \"1\"", "version \"0\"");
  old_text = replaced(old_text, "range 1..5", "range 1..9");
  old_text = replaced(old_text, "calendar office {", "calendar office \"办公\" {");
  old_text = replaced(old_text, "roles agent, supervisor", "roles agent, supervisor, lead");
  old_text = replaced(old_text, "category general ->", "category general \"一般\" ->");
  old_text = replaced(old_text, "priority high {", "priority high \"高\" {");
  old_text = replaced(old_text, "  high when score > 3\n  low when score < 2\n",
                      "  low when score < 2\n  high when score > 3\n");
  old_text = replaced(old_text, "chain review \"复核\"", "chain review \"审核\"");
  auto a = compile_files("rules", {{"old.docket", old_text}});
  auto b = compile_files("rules/variants", {{"derived.docket",
                                             "extends \"../base.docket\"\n"
                                             "override priority low \"低\" { resolve 24h }; field note: text\n"},
                                            {"../base.docket", kVariantBase}});
  ASSERT_TRUE(a && b);
  EXPECT_EQ(
      render_diff_text(diff_workflows(*a, *b)),
      "workflow\n"
      "  ~ workflow: version \"0\" -> \"1\"  (rules/base.docket:1)\n"
      "fields\n"
      "  ~ field score: range 1..9 -> 1..5  (rules/base.docket:2)\n"
      "  + field note: text  (rules/variants/derived.docket:2)\n"
      "calendars\n"
      "  ~ calendar office: label \"办公\" -> \"\"  (rules/base.docket:3)\n"
      "departments\n"
      "  - department support: role lead  (rules/old.docket:7)\n"
      "categories\n"
      "  ~ category general: label \"一般\" -> \"\"  (rules/base.docket:8)\n"
      "priorities\n"
      "  ~ priority high: label \"高\" -> \"\"  (rules/base.docket:9)\n"
      "  ~ priority low: label \"\" -> \"低\"  (rules/variants/derived.docket:2)\n"
      "  ~ priority low: resolve 72h -> 24h  (rules/variants/derived.docket:2)\n"
      "classifications\n"
      "  ~ classify priority: order low#1, high#1, otherwise#1 -> high#1, low#1, otherwise#1  (rules/base.docket:11)\n"
      "chains\n"
      "  ~ chain review: label \"审核\" -> \"复核\"  (rules/base.docket:16)\n"
      "11 changes: +1 ~9 -1\n");
}

}  // namespace
}  // namespace docket::designer
