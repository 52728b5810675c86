// The `report` block: what `docket report` counts, written in the rules,
// compiled by name, inherited by variants and checked against what the
// rules declare.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dsl/checker.h"
#include "dsl/compiler.h"
#include "dsl/loader.h"
#include "tests/support/rules_harness.h"

namespace docket::dsl {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr const char* kRules = R"(workflow desk
field issue "事项": enum(fault "故障", billing "账单")
field score "评分": int range 1..5
field note "备注": text
department desk { roles agent }
category fault "故障" -> desk
priority P1 { first_response 1h  resolve 8h }
classify priority { P1 otherwise }
initial state open {
  on enter do classify priority
  on accepted by agent -> working do stop first_response
}
state working {
  on fixed by agent -> visit do stop resolve
}
state visit {
  on surveyed by agent -> closed
  on declined by agent -> closed
}
final state closed
)";

std::string with(const std::string& block) { return std::string(kRules) + block; }

// "E010 undefined metric `first_reponse`": each diagnostic's code and message.
std::vector<std::string> problems(const std::string& text) {
  std::vector<std::string> out;
  for (const Diagnostic& d : testing::check_text(text)) out.push_back(d.code + " " + d.message);
  return out;
}

// What loading `text` alone reports (the parser and the loader), as "E011 message".
std::vector<std::string> load_problems(const std::string& text) {
  SourceSet sources;
  Diagnostics diagnostics;
  load_text("t.docket", text, sources, diagnostics);
  std::vector<std::string> out;
  for (const Diagnostic& d : diagnostics.items()) out.push_back(d.code + " " + d.message);
  return out;
}

TEST(ReportBlockTest, CompilesEveryItemByName) {
  auto workflow = testing::compile_text(with(R"(
report {
  acceptance clock first_response
  resolution clock resolve
  survey field score
  declined event declined
  types by issue
}
)"));
  ASSERT_TRUE(workflow);
  ASSERT_TRUE(workflow->report());
  const engine::ReportSettings& report = *workflow->report();
  EXPECT_EQ(report.acceptance_metric, "first_response");
  EXPECT_EQ(report.resolution_metric, "resolve");
  EXPECT_THAT(report.resolution_states, IsEmpty());
  EXPECT_EQ(report.survey_field, "score");
  EXPECT_EQ(report.declined_event, "declined");
  EXPECT_EQ(report.type_field, "issue");
  EXPECT_EQ(report.position.where, "rules.docket:22");
}

TEST(ReportBlockTest, ResolutionByStatesAndItemsLeftOut) {
  auto workflow = testing::compile_text(with("report { resolution state visit, closed }\n"));
  ASSERT_TRUE(workflow && workflow->report());
  EXPECT_THAT(workflow->report()->resolution_states, ElementsAre("visit", "closed"));
  EXPECT_EQ(workflow->report()->resolution_metric, "");
  EXPECT_EQ(workflow->report()->acceptance_metric, "");  // not measured
  EXPECT_EQ(workflow->report()->type_field, "");

  auto without = testing::compile_text(kRules);
  ASSERT_TRUE(without);
  EXPECT_FALSE(without->report());
}

TEST(ReportBlockTest, EveryNameIsOneTheRulesDeclare) {
  EXPECT_THAT(problems(with(R"(
report {
  acceptance clock first_reponse
  resolution state vist
  survey field scor
  declined event declned
  types by issue
}
)")),
              ElementsAre("E010 undefined metric `first_reponse`", "E010 undefined state `vist`",
                          "E010 undefined field `scor`", "E010 undefined event `declned`"));
}

TEST(ReportBlockTest, TypesNeedAFixedSetOfValues) {
  EXPECT_THAT(problems(with("report { types by note }\n")),
              ElementsAre("E047 complaint types by `note`, a text field, which has no fixed values"));
  EXPECT_THAT(problems(with("report { types by category }\n")), IsEmpty());
  EXPECT_THAT(problems(with("report { types by priority }\n")), IsEmpty());
}

TEST(ReportBlockTest, ResolvingInTheInitialStateIsAWarning) {
  EXPECT_THAT(problems(with("report { resolution state open }\n")),
              ElementsAre("W012 `resolution state open` names the initial state: every ticket is resolved when "
                          "created"));
}

TEST(ReportBlockTest, AnItemOrTheBlockTwiceIsAnError) {
  EXPECT_THAT(load_problems(with("report {\n  types by issue\n  types by category\n}\n")),
              ElementsAre("E011 `types` given twice in `report` (first at line 22)"));
  EXPECT_THAT(load_problems(with("report { types by issue }\nreport { types by issue }\n")),
              ElementsAre("E011 `report` declared twice (first at line 21)"));
}

struct Loaded {
  std::optional<RuleFile> file;
  SourceSet sources;
  Diagnostics diagnostics;
};

Loaded load_variant(const std::string& base_report, const std::string& variant) {
  Loaded loaded;
  loaded.file = load_sources(
      {{"variant.docket", "extends \"base.docket\"\nworkflow variant\n" + variant}, {"base.docket", with(base_report)}},
      "", loaded.sources, loaded.diagnostics);
  return loaded;
}

TEST(ReportBlockTest, AVariantKeepsItsBasesSettingsOrOverridesThem) {
  Loaded kept = load_variant("report { types by issue }\n", "");
  ASSERT_TRUE(kept.file && kept.file->report);
  EXPECT_EQ(kept.file->report->type_field.text, "issue");

  Loaded replaced = load_variant("report { types by issue }\n", "override report { types by category }\n");
  ASSERT_TRUE(replaced.file && replaced.file->report);
  EXPECT_FALSE(replaced.diagnostics.has_errors());
  EXPECT_EQ(replaced.file->report->type_field.text, "category");

  Loaded twice = load_variant("report { types by issue }\n", "report { types by category }\n");
  ASSERT_EQ(twice.diagnostics.items().size(), 1u);
  EXPECT_EQ(twice.diagnostics.items()[0].code, "E011");
  EXPECT_EQ(twice.diagnostics.items()[0].message, "`report` declared by the base workflow too");

  Loaded nothing_to_override = load_variant("", "override report { types by category }\n");
  ASSERT_EQ(nothing_to_override.diagnostics.items().size(), 1u);
  EXPECT_EQ(nothing_to_override.diagnostics.items()[0].code, "E027");
}

TEST(ReportBlockTest, AnOverrideInAFileThatExtendsNothingIsRefused) {
  EXPECT_THAT(load_problems(with("override report { types by issue }\n")),
              ElementsAre("E027 `override report` in a file that extends nothing"));
}

TEST(ReportBlockTest, ParseErrorsSayWhatAnItemNeeds) {
  std::vector<std::string> problems = load_problems(with("report { resolution resolve }\n"));
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems[0],
            "E001 expected `clock` and the time limit whose stop resolves a case (`clock resolve`), or `state` and the "
            "states that resolve it (`state return_visit`), got `resolve`");
}

}  // namespace
}  // namespace docket::dsl
