// Shadowing in first-match lists: approval rules, classification rules and
// transitions that can never apply (E039), earlier rules that give some
// tickets a weaker outcome than a later rule written for them (W006).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "dsl/checker.h"
#include "dsl/loader.h"

namespace docket::dsl {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// The diagnostics of the analyses of first-match lists, as
// "line:column CODE message | help".
std::vector<std::string> shadowing_of(const std::string& text) {
  SourceSet sources;
  Diagnostics diagnostics;
  auto file = load_text("test.docket", text, sources, diagnostics);
  if (!file || diagnostics.has_errors()) {
    ADD_FAILURE() << "the test text does not load:\n" << render_text(diagnostics, sources);
    return {};
  }
  check(*file, diagnostics);
  diagnostics.sort();
  std::vector<std::string> out;
  for (const Diagnostic& d : diagnostics.items()) {
    if (d.code != "E039" && d.code != "W006" && d.code != "E018" && d.code != "W002") continue;
    out.push_back(std::to_string(d.loc.line) + ":" + std::to_string(d.loc.column) + " " + d.code + " " + d.message +
                  " | " + d.help);
  }
  return out;
}

// Lines 1-10; approval rules follow from line 11, then kStates.
constexpr const char* kApprovalHeader = R"(workflow w
field compensation: money
field vip: bool
field flag: bool required
department support { roles agent, lead, head }
category general -> support
priority P0 { resolve 4h }
priority P1 { resolve 24h }
chain head_signoff { level head: any of head }
chain dual_signoff { level lead: any of lead  level head: any of head }
)";

constexpr const char* kStates = R"(initial state open { on done -> approving }
state approving {
  await approval
  on approved -> closed
  on rejected -> open
}
final state closed
)";

std::string with_approvals(const std::string& approvals) { return kApprovalHeader + approvals + kStates; }

// ---------------------------------------------------------------- E039 approval rules

TEST(ApprovalShadowing, OtherwiseFirstHidesEveryRuleAfterIt) {
  EXPECT_THAT(shadowing_of(with_approvals("approval otherwise: none\n"
                                          "approval when compensation > 5000: dual_signoff\n")),
              ElementsAre("12:10 E039 approval rule can never apply: every ticket it matches is taken by the rule at "
                          "11:10 | move it before line 11 to make it an exception, or remove it"));
}

TEST(ApprovalShadowing, ARuleInsideAnEarlierConditionNeverApplies) {
  EXPECT_THAT(shadowing_of(with_approvals("approval when compensation > 1000: head_signoff\n"
                                          "approval when compensation >= 5000 and vip: dual_signoff\n"
                                          "approval otherwise: none\n")),
              ElementsAre("12:10 E039 approval rule can never apply: every ticket it matches is taken by the rule at "
                          "11:10 | move it before line 11 to make it an exception, or remove it"));
}

TEST(ApprovalShadowing, RulesThatTakeEveryTicketTogether) {
  EXPECT_THAT(shadowing_of(with_approvals("approval when compensation <= 5000: none\n"
                                          "approval when compensation > 5000: head_signoff\n"
                                          "approval when compensation > 4000 and vip: dual_signoff\n")),
              ElementsAre("13:10 E039 approval rule can never apply: every ticket it matches is taken by the rules at "
                          "11:10 and 12:10 | move it before line 11 to make it an exception, or remove it"));
}

// A condition on a field without a value does not hold, so the rule after
// `when vip` and `when not vip` still gets the tickets without `vip`; a
// required field always has a value.
TEST(ApprovalShadowing, AFieldWithoutAValueLetsTicketsThrough) {
  EXPECT_THAT(shadowing_of(with_approvals("approval when vip: dual_signoff\n"
                                          "approval when not vip: head_signoff\n"
                                          "approval otherwise: none\n")),
              IsEmpty());
  EXPECT_THAT(shadowing_of(with_approvals("approval when flag: dual_signoff\n"
                                          "approval when not flag: head_signoff\n"
                                          "approval otherwise: none\n")),
              ElementsAre("13:10 E039 approval rule can never apply: every ticket it matches is taken by the rules at "
                          "11:10 and 12:10 | remove it: the approval rules before it decide every ticket"));
}

TEST(ApprovalShadowing, ARowAfterAConditionOnThePriority) {
  EXPECT_THAT(shadowing_of(with_approvals("approval when priority == P0: dual_signoff\n"
                                          "approval by priority {\n"
                                          "  P0: head_signoff\n"
                                          "  P1: none\n"
                                          "}\n")),
              ElementsAre("13:3 E039 approval rule can never apply: every ticket it matches is taken by the rule at "
                          "11:10 | move it before line 11 to make it an exception, or remove it"));
  // A duplicate row is E011 already: it is not reported twice.
  EXPECT_THAT(shadowing_of(with_approvals("approval by priority {\n"
                                          "  P0: dual_signoff\n"
                                          "  P0: head_signoff\n"
                                          "  P1: none\n"
                                          "}\n")),
              IsEmpty());
}

// What cannot be read proves nothing: a comparison of two fields, and a
// constant computed in four decimal places by the engine (1 / 3 is 0.3333
// there, so the second rule does apply to a compensation of 0.3333).
TEST(ApprovalShadowing, OnlyWhatIsProvenIsAnError) {
  EXPECT_THAT(shadowing_of(with_approvals("approval when compensation > 0.3333: head_signoff\n"
                                          "approval when compensation >= 1 / 3: dual_signoff\n"
                                          "approval when compensation > order_amount: dual_signoff\n"
                                          "approval otherwise: none\n")
                               .insert(0, "field order_amount: money\n")),
              IsEmpty());
  // The same bound written as the engine computes it is proven.
  EXPECT_THAT(shadowing_of(with_approvals("approval when compensation > 0.3333: head_signoff\n"
                                          "approval when compensation >= 0.3334: dual_signoff\n"
                                          "approval otherwise: none\n")),
              ElementsAre(HasSubstr("12:10 E039 approval rule can never apply")));
}

// ---------------------------------------------------------------- W006 approval rules

TEST(ApprovalShadowing, AWeakerEarlierRuleShowsATicketItTakes) {
  EXPECT_THAT(shadowing_of(with_approvals("approval when priority == P0: head_signoff\n"
                                          "approval when compensation > 5000: dual_signoff\n"
                                          "approval otherwise: none\n")),
              ElementsAre("12:10 W006 approval rule is partly shadowed: a ticket with priority P0 and compensation "
                          "5001 gets the weaker `head_signoff` of the rule at 11:10 instead of `dual_signoff` | move "
                          "it before line 11 if it should decide those tickets, or make the two conditions exclude "
                          "each other"));
}

// The ticket shown reaches the weaker rule: the rules before it do not take it.
TEST(ApprovalShadowing, TheExampleGetsPastTheRulesBeforeTheWeakerOne) {
  EXPECT_THAT(shadowing_of(with_approvals("approval when compensation > 5000 and vip: dual_signoff\n"
                                          "approval when priority == P0: head_signoff\n"
                                          "approval when compensation > 5000: dual_signoff\n")),
              ElementsAre(HasSubstr("13:10 W006 approval rule is partly shadowed: a ticket with priority P0, "
                                    "compensation 5001 and vip false gets the weaker `head_signoff` of the rule at "
                                    "12:10 instead of `dual_signoff`")));
  // Every such ticket is taken by the first rule: nothing to report.
  EXPECT_THAT(shadowing_of(with_approvals("approval when compensation > 5000 and priority == P0: dual_signoff\n"
                                          "approval when priority == P0: head_signoff\n"
                                          "approval when compensation > 5000: dual_signoff\n")),
              IsEmpty());
}

TEST(ApprovalShadowing, IntendedOrdersAreNotReported) {
  // An exception before the general rule it narrows.
  EXPECT_THAT(shadowing_of(with_approvals("approval when compensation > 5000 and vip: none\n"
                                          "approval when compensation > 5000: dual_signoff\n"
                                          "approval otherwise: head_signoff\n")),
              IsEmpty());
  // The stronger rule first.
  EXPECT_THAT(shadowing_of(with_approvals("approval when compensation > 5000: dual_signoff\n"
                                          "approval when priority == P0: head_signoff\n"
                                          "approval otherwise: none\n")),
              IsEmpty());
  // A `by priority` table as the fallback of the `when` rules before it.
  EXPECT_THAT(shadowing_of(with_approvals("approval when vip: none\n"
                                          "approval by priority {\n"
                                          "  P0: dual_signoff\n"
                                          "  P1: head_signoff\n"
                                          "}\n")),
              IsEmpty());
  // Choices that ask for as much: a role is one signature, as a one-level chain of `any of`.
  EXPECT_THAT(shadowing_of(with_approvals("approval when vip: head\n"
                                          "approval when compensation > 5000: head_signoff\n"
                                          "approval otherwise: dual_signoff\n")),
              IsEmpty());
  // The same rules in the other order.
  EXPECT_THAT(shadowing_of(with_approvals("approval when compensation > 5000: dual_signoff\n"
                                          "approval when compensation > 5000 and vip: none\n")),
              ElementsAre(HasSubstr("12:10 E039")));
  EXPECT_THAT(shadowing_of(with_approvals("approval when priority == P0: head_signoff\n"
                                          "approval when compensation > 5000: dual_signoff\n")),
              ElementsAre(HasSubstr("12:10 W006")));
  EXPECT_THAT(shadowing_of(with_approvals("approval by priority {\n"
                                          "  P0: dual_signoff\n"
                                          "  P1: head_signoff\n"
                                          "}\n"
                                          "approval when vip: none\n")),
              IsEmpty());  // the `when` rule after a table gets the tickets without a priority
}

// A table row asks for less than a later `when` rule for the same tickets.
TEST(ApprovalShadowing, ARowWeakerThanALaterRule) {
  EXPECT_THAT(shadowing_of(with_approvals("approval by priority {\n"
                                          "  P0: head_signoff\n"
                                          "  P1: dual_signoff\n"
                                          "}\n"
                                          "approval when compensation > 5000: dual_signoff\n")),
              ElementsAre(HasSubstr("15:10 W006 approval rule is partly shadowed: a ticket with priority P0 and "
                                    "compensation 5001 gets the weaker `head_signoff` of the rule at 12:3 instead "
                                    "of `dual_signoff`")));
}

// ---------------------------------------------------------------- classification rules

// Lines 1-6; `classify` follows from line 7, then kStates.
constexpr const char* kClassifyHeader = R"(workflow w
field severity: enum(critical, major, minor) required
field vip: bool
department support { roles agent }
category general -> support
priority P0 { resolve 4h }  priority P1 { resolve 24h }  priority P2 { resolve 72h }
)";

std::string with_classification(const std::string& classify) {
  return kClassifyHeader + classify + "initial state open { on done -> closed do classify priority }\n" +
         "final state closed\n";
}

TEST(ClassificationShadowing, RulesAfterOtherwiseOrInsideAnEarlierRule) {
  EXPECT_THAT(shadowing_of(with_classification("classify priority {\n"
                                               "  P1 when severity in (critical, major)\n"
                                               "  P0 when severity == critical and vip\n"
                                               "  P2 otherwise\n"
                                               "  P0 when vip\n"
                                               "}\n")),
              ElementsAre("9:3 E039 classification rule can never apply: every ticket it matches is taken by the "
                          "rule at 8:3 | move it before line 8 to make it an exception, or remove it",
                          "11:3 E039 classification rule can never apply: every ticket it matches is taken by the "
                          "rule at 10:3 | move it before line 10 to make it an exception, or remove it"));
}

// `severity` is required: the three values leave nothing to `otherwise`.
TEST(ClassificationShadowing, OtherwiseAfterEveryValueOfARequiredField) {
  EXPECT_THAT(shadowing_of(with_classification("classify priority {\n"
                                               "  P0 when severity == critical\n"
                                               "  P1 when severity == major\n"
                                               "  P2 when severity == minor\n"
                                               "  P2 otherwise\n"
                                               "}\n")),
              ElementsAre("11:3 E039 classification rule can never apply: every ticket it matches is taken by the "
                          "rules at 8:3, 9:3 and 10:3 | remove it: the classification rules before it decide every "
                          "ticket"));
}

TEST(ClassificationShadowing, ALessUrgentPriorityFirst) {
  EXPECT_THAT(shadowing_of(with_classification("classify priority {\n"
                                               "  P2 when severity == minor\n"
                                               "  P0 when vip\n"
                                               "  P1 otherwise\n"
                                               "}\n")),
              ElementsAre("9:3 W006 classification rule is partly shadowed: a ticket with severity minor and vip true "
                          "gets the less urgent `P2` of the rule at 8:3 instead of `P0` | move it before line 8 if it "
                          "should decide those tickets, or make the two conditions exclude each other"));
  // From the most urgent down, as classifications are written.
  EXPECT_THAT(shadowing_of(with_classification("classify priority {\n"
                                               "  P0 when vip\n"
                                               "  P1 when severity in (critical, major)\n"
                                               "  P2 otherwise\n"
                                               "}\n")),
              IsEmpty());
}

// Categories and enum fields have no order: nothing is weaker.
TEST(ClassificationShadowing, OtherTargetsHaveNoOrder) {
  std::string text = R"(workflow w
field severity: enum(critical, major, minor) required
field vip: bool
field lane: enum(fast, slow)
department support { roles agent }
category general -> support
category billing -> support
priority P0 { resolve 4h }
classify category {
  billing when severity == minor
  general when vip
  general otherwise
}
classify lane {
  slow when severity == minor
  fast when vip
  fast otherwise
}
initial state open { on done -> closed do classify category, classify lane }
final state closed
)";
  EXPECT_THAT(shadowing_of(text), IsEmpty());
  // They can still hide a rule entirely.
  text.replace(text.find("  general when vip\n"), 0, "  general otherwise\n");
  EXPECT_THAT(shadowing_of(text), ElementsAre(HasSubstr("12:3 E039 classification rule can never apply"),
                                              HasSubstr("13:3 E039 classification rule can never apply")));
}

// ---------------------------------------------------------------- transitions

constexpr const char* kTransitionHeader = R"(workflow w
field amount: int required range 0..100
field other: int
field flag: bool required
field mark: bool
department support { roles agent, lead }
category general -> support
priority normal { resolve 24h }
)";

// Where W002 could only say "may both fire", a guard that provably implies
// the earlier one can never fire.
TEST(TransitionShadowing, AGuardThatImpliesAnEarlierOne) {
  EXPECT_THAT(shadowing_of(std::string(kTransitionHeader) + R"(initial state open {
  on done when amount > 5 -> closed
  on done when amount > 10 and amount > other -> closed
  on take when amount > 5 by agent -> closed
  on take when amount > 10 and amount > other -> closed
}
final state closed
)"),
              ElementsAre("11:6 E039 transition on `done` from `open` can never fire: every ticket it matches is "
                          "taken by the transition at 10:6 | move it before line 10, or remove it",
                          "13:6 W002 transitions on `take` from `open` may both fire | their guards cannot be proven "
                          "exclusive; the first written, at 12:6, wins"));
}

TEST(TransitionShadowing, AFallbackAfterGuardsThatTakeEveryTicket) {
  EXPECT_THAT(shadowing_of(std::string(kTransitionHeader) + R"(initial state open {
  on done when flag -> closed
  on done when not flag -> closed
  on done -> closed
  on mark when mark -> closed
  on mark when not mark -> closed
  on mark -> closed
  auto when amount >= 50 -> closed
  auto when amount < 50 -> closed
  auto -> closed
}
final state closed
)"),
              ElementsAre("12:6 E039 transition on `done` from `open` can never fire: every ticket it matches is "
                          "taken by the transitions at 10:6 and 11:6 | remove it: the transitions before it take "
                          "every ticket",
                          "18:3 E039 automatic transition from `open` can never fire: every ticket it matches is "
                          "taken by the transitions at 16:3 and 17:3 | remove it: the transitions before it take "
                          "every ticket"));
}

// The guarded transitions answer only `agent`: `lead` still gets the fallback.
TEST(TransitionShadowing, AFallbackForOtherSenders) {
  EXPECT_THAT(shadowing_of(std::string(kTransitionHeader) + R"(initial state open {
  on done when flag by agent -> closed
  on done when not flag by agent -> closed
  on done -> closed
  on take when flag by agent, lead -> closed
  on take when not flag by lead, agent -> closed
  on take by agent -> closed
}
final state closed
)"),
              ElementsAre(HasSubstr("15:6 E039 transition on `take` from `open` can never fire")));
}

// ---------------------------------------------------------------- extends

// A variant's approval rules come after its base's: the help says how to
// put them first.
TEST(ApprovalShadowing, ARuleOfAVariantAfterTheBaseOtherwise) {
  namespace fs = std::filesystem;
  fs::path directory = fs::temp_directory_path() / ("docket_shadow_" + std::to_string(::getpid()));
  fs::create_directories(directory);
  std::ofstream(directory / "base.docket") << with_approvals("approval otherwise: none\n");
  std::string variant = "extends \"" + (directory / "base.docket").string() +
                        "\"\nworkflow v\napproval when compensation > 5000: dual_signoff\n";
  EXPECT_THAT(shadowing_of(variant),
              ElementsAre("3:10 E039 approval rule can never apply: every ticket it matches is taken by the rule at "
                          "11:10 in another file | the rules of the file it extends come first; write `approval "
                          "first` to try it before them, or remove it"));
  fs::remove_all(directory);
}

}  // namespace
}  // namespace docket::dsl
