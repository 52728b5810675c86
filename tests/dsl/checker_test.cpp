#include "dsl/checker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "dsl/loader.h"
#include "tests/support/rules_harness.h"

namespace docket::dsl {

void PrintTo(const Diagnostic& d, std::ostream* os) {
  *os << d.loc.line << ":" << d.loc.column << " " << (d.severity == Severity::kError ? "E " : "W ") << d.code << " "
      << d.message << " | help: " << d.help;
}

namespace {

using ::testing::AllOf;
using testing::check_text;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

MATCHER_P3(Diag, code, line, column, "") {
  return arg.code == code && arg.loc.line == static_cast<std::uint32_t>(line) &&
         arg.loc.column == static_cast<std::uint32_t>(column);
}

auto Help(const std::string& text) { return Field(&Diagnostic::help, HasSubstr(text)); }
auto Message(const std::string& text) { return Field(&Diagnostic::message, HasSubstr(text)); }

// The smallest workflow that is correct in every respect.
constexpr const char* kClean = R"(workflow w
field amount: int range 0..100
department support { roles agent }
category general -> support
priority normal { resolve 24h }
initial state open {
  on done when amount > 1 -> closed
}
final state closed
)";

// Everything a workflow needs besides its states (lines 1-5), with no
// diagnostics of its own; tests append declarations and states to it.
constexpr const char* kHeader = R"(workflow w
field amount: int required range 0..100
department support { roles agent, lead }
category general -> support
priority normal { first_response 1h resolve 24h }
)";

std::string with_states(const std::string& states) { return kHeader + states; }

// ---------------------------------------------------------------- clean input

TEST(Checker, CleanWorkflowHasNoDiagnostics) { EXPECT_THAT(check_text(kClean), IsEmpty()); }

// Clean means no diagnostics at all: `docket check` prints nothing for them.
TEST(Checker, ShippedRuleFilesHaveNoDiagnostics) {
  namespace fs = std::filesystem;
  fs::path rules = fs::path(DOCKET_SOURCE_DIR) / "rules";
  ASSERT_TRUE(fs::exists(rules)) << "no rules/ directory";
  int files = 0;
  // Industry variants in rules/industries/ too.
  for (const auto& entry : fs::recursive_directory_iterator(rules)) {
    if (entry.path().extension() != ".docket") continue;
    // rules/calendars/ holds holiday notices that workflows extend, not workflows.
    if (entry.path().parent_path().filename() == "calendars") continue;
    ++files;
    SourceSet sources;
    Diagnostics diagnostics;
    auto file = load(entry.path().string(), sources, diagnostics);
    ASSERT_TRUE(file) << render_text(diagnostics, sources);
    check(*file, diagnostics);
    EXPECT_TRUE(diagnostics.items().empty()) << render_text(diagnostics, sources);
  }
  EXPECT_GE(files, 7);
}

TEST(Checker, AcceptsWellTypedExpressions) {
  auto diagnostics = check_text(with_states(R"(field due: timestamp
field budget: money
field mood: enum(calm, angry) = calm
field flagged: bool
require budget <= amount * 30% when category == general "cap"
require due > created_at + 2h or now - created_at < 4h "soon"
require mood in (calm, angry) and not flagged and priority == normal "typed"
initial state open {
  on go when state == open and assignee != "" -> closed do set due = now + 1d, set mood = angry
  on stop when 2h * 2 >= 3h and -amount < 0 -> closed do set budget = amount / 2 + 1.5
}
final state closed
)"));
  EXPECT_THAT(diagnostics, IsEmpty());
}

// ---------------------------------------------------------------- E010 names

TEST(Checker, UndefinedDepartmentSuggestsTheClosestName) {
  auto diagnostics = check_text(R"(workflow w
department tech
category fault -> tehc
priority normal { resolve 24h }
initial state open { on done -> closed do assign tech }
final state closed
)");
  EXPECT_THAT(diagnostics, ElementsAre(AllOf(Diag("E010", 3, 19), Message("undefined department `tehc`"),
                                             Help("did you mean `tech`?"))));
}

TEST(Checker, ReportsEveryUndefinedNameInOneRun) {
  auto diagnostics = check_text(with_states(R"(initial state open {
  on done when amout > 1 -> clsoed do assign suport, stop reslve
  after 1h in offce -> closed
}
final state closed
)"));
  EXPECT_THAT(diagnostics,
              UnorderedElementsAre(
                  AllOf(Diag("E010", 7, 16), Message("undefined field `amout`"), Help("did you mean `amount`?")),
                  AllOf(Diag("E010", 7, 29), Message("undefined state `clsoed`"), Help("did you mean `closed`?")),
                  AllOf(Diag("E010", 7, 46), Message("undefined department `suport`")),
                  AllOf(Diag("E010", 7, 59), Message("undefined metric `reslve`"), Help("did you mean `resolve`?")),
                  AllOf(Diag("E010", 8, 15), Message("undefined calendar `offce`"))));
}

TEST(Checker, ResolvesBareValuesAgainstTheOtherOperand) {
  auto diagnostics = check_text(with_states(R"(field mood: enum(calm, angry)
initial state open {
  on a when mood == angy -> closed
  on b when category == genral -> closed
  on c when priority in (normal, urgent) -> closed
  on d when angry -> closed
}
final state closed
)"));
  EXPECT_THAT(
      diagnostics,
      UnorderedElementsAre(
          AllOf(Diag("E010", 8, 21), Message("undefined value `angy` of `mood`"), Help("did you mean `angry`?")),
          AllOf(Diag("E010", 9, 25), Message("undefined category `genral`")),
          AllOf(Diag("E010", 10, 34), Message("undefined priority `urgent`")),
          AllOf(Diag("E010", 11, 13), Message("undefined field `angry`"), Help("`mood == angry`"))));
}

TEST(Checker, EscalationMetricMustBeALimitOfItsPriority) {
  auto diagnostics = check_text(R"(workflow w
department support
category general -> support
priority urgent { first_response 1h resolve 4h }
priority normal {
  resolve 24h
  at 80% of first_response do notify customer "late"
  on breach of resolv do notify customer "late"
}
initial state open { on done -> closed }
final state closed
)");
  EXPECT_THAT(diagnostics,
              UnorderedElementsAre(AllOf(Diag("E010", 7, 13), Message("priority `normal` has no `first_response`")),
                                   AllOf(Diag("E010", 8, 16), Message("undefined metric `resolv`"))));
}

TEST(Checker, ApprovalChoiceNamesAChainARoleOrNone) {
  auto diagnostics = check_text(with_states(R"(chain review { level one: any of lead }
approval by priority {
  normal: reviw
  urgnt: none
}
initial state open { on done -> closed }
final state closed
)"));
  EXPECT_THAT(diagnostics, UnorderedElementsAre(AllOf(Diag("E010", 8, 11), Message("undefined chain or role `reviw`"),
                                                      Help("did you mean `review`?")),
                                                AllOf(Diag("E010", 9, 3), Message("undefined priority `urgnt`")),
                                                Diag("W003", 6, 7)));  // chain `review` is then never chosen
}

TEST(Checker, ClassifyActionNeedsAClassification) {
  auto diagnostics = check_text(with_states(R"(initial state open { on done -> closed do classify priority }
final state closed
)"));
  EXPECT_THAT(diagnostics, ElementsAre(AllOf(Diag("E010", 6, 52), Message("undefined classification `priority`"))));
}

// ---------------------------------------------------------------- E011 duplicates

TEST(Checker, DuplicateNamesPointAtTheFirstDefinition) {
  auto diagnostics = check_text(with_states(R"(department support
field mood: enum(calm, calm)
initial state open { on done -> closed }
final state closed
state open
)"));
  EXPECT_THAT(diagnostics,
              UnorderedElementsAre(
                  AllOf(Diag("E011", 6, 12), Message("duplicate department `support`"), Help("first defined at 3:12")),
                  AllOf(Diag("E011", 7, 24), Message("duplicate value `calm`"), Help("first defined at 7:18")),
                  AllOf(Diag("E011", 10, 7), Message("duplicate state `open`"), Help("first defined at 8:15")),
                  Diag("W003", 7, 7)));
}

TEST(Checker, RedeclaringABaseDeclarationSuggestsOverride) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(::testing::TempDir()) / "checker_override_test";
  fs::create_directories(dir);
  std::ofstream(dir / "base.docket") << kClean;
  std::ofstream(dir / "child.docket") << "extends \"base.docket\"\ndepartment support\n";
  SourceSet sources;
  Diagnostics diagnostics;
  auto file = load((dir / "child.docket").string(), sources, diagnostics);
  ASSERT_TRUE(file) << render_text(diagnostics, sources);
  check(*file, diagnostics);
  EXPECT_THAT(diagnostics.items(), ElementsAre(AllOf(Diag("E011", 2, 12), Message("duplicate department `support`"),
                                                     Help("`support` is already declared at 3:12 of a base file"),
                                                     Help("`override department support`"))));
  fs::remove_all(dir);
}

TEST(Checker, FieldMayNotShadowABuiltInAttribute) {
  auto diagnostics = check_text(with_states(R"(field priority: text
initial state open { on done -> closed }
final state closed
)"));
  EXPECT_THAT(diagnostics, ElementsAre(AllOf(Diag("E011", 6, 7), Message("built-in attribute"))));
}

// ---------------------------------------------------------------- E012 types

TEST(Checker, GuardsAndConditionsMustBeBool) {
  auto diagnostics = check_text(with_states(R"(require amount + 1 "positive"
initial state open {
  on done when amount -> closed
  auto when amount > 1 and 5 -> closed
}
final state closed
)"));
  EXPECT_THAT(
      diagnostics,
      UnorderedElementsAre(AllOf(Diag("E012", 6, 9), Message("`require` condition must be a condition")),
                           AllOf(Diag("E012", 8, 16), Message("guard must be a condition (bool), not `amount` (int)")),
                           AllOf(Diag("E012", 9, 28), Message("`and` needs conditions (bool), got number 5"))));
}

TEST(Checker, OperandsMustHaveCompatibleTypes) {
  auto diagnostics = check_text(with_states(R"(field mood: enum(calm, angry)
field due: timestamp
initial state open {
  on a when amount == "ten" -> closed
  on b when mood == "angry" -> closed
  on c when amount > 2h -> closed
  on d when due + created_at > now -> closed
  on e when mood < angry -> closed
}
final state closed
)"));
  EXPECT_THAT(
      diagnostics,
      UnorderedElementsAre(
          AllOf(Diag("E012", 9, 23), Message("cannot compare `amount` (int) with text \"ten\"")),
          AllOf(Diag("E012", 10, 21), Message("cannot compare `mood` (enum) with text \"angry\""),
                Help("without quotes")),
          AllOf(Diag("E012", 11, 22), Message("cannot compare `amount` (int) with duration 2h")),
          AllOf(Diag("E012", 12, 13), Message("cannot apply `+` to `due` (timestamp) and `created_at` (timestamp)")),
          AllOf(Diag("E012", 13, 13), Message("`<` needs numbers, durations or timestamps, not `mood` (enum)"))));
}

TEST(Checker, PointsAtTheQuotedNumberAndSuggestsDroppingTheQuotes) {
  auto diagnostics = check_text(with_states(R"(initial state open { on done when amount <= "500" -> closed }
final state closed
)"));
  EXPECT_THAT(diagnostics, ElementsAre(AllOf(Diag("E012", 6, 45), Message("not text \"500\""),
                                             Help("write numbers without quotes: `500`"))));
}

TEST(Checker, OneMisspeltFieldIsReportedOnce) {
  auto diagnostics = check_text(with_states(R"(field mood: enum(calm, angry) required
initial state open { on done when moood == calm -> closed }
final state closed
)"));
  EXPECT_THAT(diagnostics, ElementsAre(AllOf(Diag("E010", 7, 35), Message("undefined field `moood`"),
                                             Help("did you mean `mood`?"))));
}

TEST(Checker, SetAndDefaultValuesMustFitTheField) {
  auto diagnostics = check_text(with_states(R"(field mood: enum(calm, angry) = "calm"
field count: int = 2.5
field note: text
initial state open {
  on done -> closed do set note = 3, set mood = furious, set state = closed
}
final state closed
)"));
  EXPECT_THAT(diagnostics,
              UnorderedElementsAre(AllOf(Diag("E012", 6, 33), Message("`mood` is enum, but the default is text")),
                                   AllOf(Diag("E012", 7, 20), Message("not a whole number")),
                                   AllOf(Diag("E012", 10, 35), Message("`note` is text, but the value is number")),
                                   AllOf(Diag("E010", 10, 49), Message("undefined value `furious` of `mood`")),
                                   AllOf(Diag("E012", 10, 62), Message("cannot set built-in attribute `state`")),
                                   Diag("W003", 7, 7)));
}

// ---------------------------------------------------------------- E013, E014 ranges

TEST(Checker, DefaultAndSetValueMustBeInRange) {
  auto diagnostics = check_text(with_states(R"(field score: int = 0 range 1..5
initial state open { on done when score > 1 -> closed do set amount = 101 }
final state closed
)"));
  EXPECT_THAT(diagnostics, UnorderedElementsAre(
                               AllOf(Diag("E013", 6, 20), Message("default 0 is outside the range of `score` (1..5)")),
                               AllOf(Diag("E013", 7, 71), Message("value 101 is outside the range"))));
}

TEST(Checker, ReversedRangesSpansAndDates) {
  auto diagnostics = check_text(with_states(R"(field score: int range 5..1
calendar office {
  zone "Asia/Shanghai"
  hours mon-fri 18:00-09:00, 13:00-17:00
  holidays 2026-10-07..2026-10-01
}
initial state open { after 1h in office when score > 2 -> closed }
final state closed
)"));
  EXPECT_THAT(diagnostics, UnorderedElementsAre(AllOf(Diag("E014", 6, 24), Message("reversed range 5..1 for `score`")),
                                                AllOf(Diag("E014", 9, 17), Message("reversed time span 18:00-09:00")),
                                                AllOf(Diag("E014", 10, 12), Message("reversed holiday range"))));
}

// ---------------------------------------------------------------- workflow shape

TEST(Checker, MissingWorkflowDeclaration) {
  auto diagnostics = check_text(R"(department support
category general -> support
priority normal { resolve 24h }
initial state open { on done -> closed }
final state closed
)");
  EXPECT_THAT(diagnostics, ElementsAre(AllOf(Diag("E015", 1, 1), Message("missing `workflow`"))));
}

TEST(Checker, EmptyFileReportsAtItsFirstLine) {
  auto diagnostics = check_text("# only a comment so far\n");
  EXPECT_THAT(diagnostics, UnorderedElementsAre(Diag("E015", 1, 1), Diag("E016", 1, 1), Diag("E033", 1, 1)));
  for (const Diagnostic& d : diagnostics) EXPECT_EQ(d.loc.file, 0u);
}

TEST(Checker, ExactlyOneInitialState) {
  auto none = check_text(with_states(R"(state open { on done -> closed }
final state closed
)"));
  EXPECT_THAT(none, Contains(AllOf(Diag("E016", 1, 10), Message("no initial state"))));

  auto two = check_text(with_states(R"(initial state open { on done -> closed }
initial state other { on done -> closed }
final state closed
)"));
  EXPECT_THAT(two, UnorderedElementsAre(AllOf(Diag("E016", 7, 15), Message("more than one initial state: `other`"),
                                              Help("`open` at 6:15 is already initial"))));
}

TEST(Checker, FinalStateMayNotBeLeft) {
  auto diagnostics = check_text(with_states(R"(initial state open { on done -> closed }
final state closed {
  on reopen -> open
  after 2h -> open
  every 1h do notify customer "still closed"
}
)"));
  EXPECT_THAT(diagnostics, UnorderedElementsAre(AllOf(Diag("E017", 8, 6), Message("final state `closed`")),
                                                AllOf(Diag("E017", 9, 15), Message("timer in final state"))));
}

TEST(Checker, NoFinalState) {
  auto diagnostics = check_text(with_states(R"(initial state open { on loop -> open }
)"));
  EXPECT_THAT(diagnostics, ElementsAre(AllOf(Diag("E033", 1, 10), Message("no final state"))));
}

TEST(Checker, StatesWithoutAPathToAFinalState) {
  auto diagnostics = check_text(with_states(R"(initial state open {
  on stuck -> limbo
  on done -> closed
}
state limbo { on again -> limbo }
final state closed
)"));
  EXPECT_THAT(diagnostics, ElementsAre(AllOf(Diag("E030", 10, 7), Message("`limbo`"))));
}

TEST(Checker, UndefinedTargetDoesNotCascadeIntoGraphDiagnostics) {
  auto diagnostics = check_text(with_states(R"(initial state open { on done -> closd }
final state closed
)"));
  EXPECT_THAT(diagnostics, ElementsAre(AllOf(Diag("E010", 6, 33), Help("did you mean `closed`?"))));
}

TEST(Checker, UnreachableStateIsAWarning) {
  auto diagnostics = check_text(with_states(R"(initial state open { after 1d -> closed }
state orphan { on done -> closed }
final state closed
)"));
  EXPECT_THAT(diagnostics, ElementsAre(AllOf(Diag("W001", 7, 7), Message("state `orphan` is unreachable"))));
}

// ---------------------------------------------------------------- E018, W002 overlaps

TEST(Checker, TwoUnguardedTransitionsOnOneEvent) {
  auto diagnostics = check_text(with_states(R"(initial state open {
  on done -> closed
  on done when amount > 5 -> closed
  on take by agent -> closed
  on take by agent, lead -> closed
}
final state closed
)"));
  EXPECT_THAT(diagnostics,
              UnorderedElementsAre(
                  AllOf(Diag("E018", 8, 6), Message("transitions on `done` from `open`"), Help("7:6 has no guard")),
                  AllOf(Diag("E018", 10, 6), Message("transitions on `take` from `open`"))));
}

TEST(Checker, IdenticalAndIntersectingGuards) {
  auto diagnostics = check_text(with_states(R"(field mood: enum(calm, unhappy, angry)
initial state open {
  on a when amount > 5 -> closed
  on a when amount > 5 -> closed
  on b when amount >= 10 and mood == angry -> closed
  on b when amount < 20 and mood in (unhappy, angry) -> closed
}
final state closed
)"));
  EXPECT_THAT(diagnostics, UnorderedElementsAre(AllOf(Diag("E018", 9, 6), Help("same guard")),
                                                AllOf(Diag("E018", 11, 6), Help("both guards can hold"))));
}

TEST(Checker, ExclusiveGuardsAreAccepted) {
  auto diagnostics = check_text(with_states(R"(field satisfaction: int range 1..5
field mood: enum(calm, unhappy, angry)
field flagged: bool
initial state open {
  on survey when satisfaction >= 4 -> closed
  on survey when satisfaction <= 3 -> closed
  on mood when mood == angry -> closed
  on mood when mood == calm or mood == unhappy -> closed
  on flag when flagged -> closed
  on flag when not flagged -> closed
  on whole when amount > 3 -> closed
  on whole when amount < 4 and amount != 3.5 -> closed
  on fallback when amount > 50 -> closed
  on fallback -> closed
  on accept by agent -> closed
  on accept by lead -> closed
  auto when mood == angry -> closed
  auto when mood != angry -> closed
}
final state closed
)"));
  EXPECT_THAT(diagnostics, IsEmpty());
}

TEST(Checker, GuardsThatCannotBeProvenExclusive) {
  auto diagnostics = check_text(with_states(R"(field other: int
initial state open {
  on done when amount > other -> closed
  on done when amount < other -> closed
  auto when amount * 2 > 10 -> closed
  auto when amount < 3 and other > 1 -> closed
}
final state closed
)"));
  EXPECT_THAT(diagnostics,
              UnorderedElementsAre(AllOf(Diag("W002", 9, 6), Message("may both fire")),
                                   AllOf(Diag("W002", 11, 3), Message("automatic transitions from `open`"))));
}

// ---------------------------------------------------------------- domain checks

TEST(Checker, CategoryWithoutRoutingAndPriorityWithoutLimits) {
  auto diagnostics = check_text(R"(workflow w
department support
category general -> support
category orphan { }
priority normal { resolve 24h }
priority empty { warn at 50% }
initial state open { on done -> closed }
final state closed
)");
  // A priority without limits is allowed; its `warn at` has nothing to warn on.
  EXPECT_THAT(diagnostics, UnorderedElementsAre(AllOf(Diag("E019", 4, 10), Message("`orphan`")),
                                                AllOf(Diag("W009", 6, 26), Message("`empty`"))));
}

TEST(Checker, ClassificationRulesMustCoverEveryTicket) {
  auto diagnostics = check_text(with_states(R"(field impact: enum(high, low)
field severity: enum(major, minor, trivial)
classify priority { normal when impact == high }
classify category { general when severity in (major, minor) }
initial state open { on done -> closed }
final state closed
)"));
  EXPECT_THAT(diagnostics, UnorderedElementsAre(
                               AllOf(Diag("E021", 8, 10), Message("has no rule for `impact` `low`"), Help("otherwise")),
                               AllOf(Diag("E021", 9, 10), Message("has no rule for `severity` `trivial`"))));

  auto covering = check_text(with_states(R"(field impact: enum(high, low)
classify priority { normal when impact == high  normal when impact == low }
classify category { general when amount > 3  general otherwise }
initial state open { on done -> closed }
final state closed
)"));
  EXPECT_THAT(covering, IsEmpty());

  auto unprovable = check_text(with_states(R"(classify priority { normal when amount > 3 }
initial state open { on done -> closed }
final state closed
)"));
  EXPECT_THAT(unprovable, ElementsAre(AllOf(Diag("E021", 6, 10), Message("may leave tickets"))));
}

TEST(Checker, DecisionTableShape) {
  auto diagnostics = check_text(R"(workflow w
field impact: enum(high, medium, low)
field urgency: enum(high, low)
department support
category general -> support
priority P0 { resolve 4h }
priority P1 { resolve 24h }
classify priority by impact x urgency {
  columns high, lo
  high: P0 P0
  medium: P0 P1 P9
  hihg: P1 P2
}
initial state open { on done -> closed }
final state closed
)");
  EXPECT_THAT(diagnostics, UnorderedElementsAre(
                               AllOf(Diag("E028", 9, 17), Message("unknown column `lo`"), Help("did you mean `low`?")),
                               AllOf(Diag("E021", 9, 11), Message("no column for `urgency` `low`")),
                               AllOf(Diag("E028", 11, 17), Message("row `medium` has 3 cells")),
                               AllOf(Diag("E028", 12, 3), Message("unknown row `hihg`")),
                               AllOf(Diag("E010", 12, 12), Message("undefined priority `P2`")),
                               AllOf(Diag("E021", 8, 10), Message("no row for `impact` `low`"))));

  auto not_enum = check_text(with_states(R"(field impact: enum(high, low)
field due: timestamp
classify priority by impact x due { high: normal  low: normal }
initial state open { on done -> closed }
final state closed
)"));
  EXPECT_THAT(not_enum, Contains(AllOf(Diag("E028", 8, 31), Message("column field `due`"))));
}

TEST(Checker, RolesMustBelongToADepartment) {
  auto diagnostics = check_text(with_states(R"(chain review { level one: any of leed }
approval otherwise: review
initial state open {
  on done by agnt -> closed do escalate to boss, notify custmer "x", assign support.boss
}
final state closed
)"));
  EXPECT_THAT(
      diagnostics,
      UnorderedElementsAre(
          AllOf(Diag("E022", 6, 34), Message("no department has role `leed`"), Help("did you mean `lead`?")),
          AllOf(Diag("E022", 9, 14), Message("`agnt`"), Help("did you mean `agent`?")),
          AllOf(Diag("E022", 9, 44), Message("`boss`")),
          AllOf(Diag("E022", 9, 57), Message("unknown notify recipient `custmer`"), Help("did you mean `customer`?")),
          AllOf(Diag("E022", 9, 85), Message("department `support` has no role `boss`"),
                Help("its roles: `agent` `lead`"))));
}

TEST(Checker, FirstResponseLongerThanResolve) {
  auto diagnostics = check_text(R"(workflow w
department support
category general -> support
calendar office { zone "Asia/Shanghai" hours mon-fri 09:00-18:00 }
priority normal { first_response 8h resolve 4h }
priority slow { first_response 48h in office resolve 1d }
initial state open { on done -> closed }
final state closed
)");
  EXPECT_THAT(diagnostics,
              UnorderedElementsAre(AllOf(Diag("E023", 5, 19), Message("first_response limit 8h of `normal`")),
                                   AllOf(Diag("E023", 6, 17), Help("compared in seconds although"))));
}

TEST(Checker, ThresholdsMustBeStrictlyBetweenZeroAndHundred) {
  auto diagnostics = check_text(with_states(R"(priority urgent {
  resolve 4h
  warn at 50%, 100%, 0%
  at 120% of resolve do escalate to lead
}
initial state open { on done -> closed }
final state closed
)"));
  EXPECT_THAT(diagnostics, UnorderedElementsAre(AllOf(Diag("E024", 8, 16), Message("threshold 100%")),
                                                AllOf(Diag("E024", 8, 22), Message("threshold 0%")),
                                                AllOf(Diag("E024", 9, 3), Message("threshold 120%"))));
}

TEST(Checker, CalendarsNeedWorkingTimeAndAKnownZone) {
  auto diagnostics = check_text(with_states(R"(calendar nowork { zone "Asia/Shanghai" }
calendar typo { zone "Asia/Shangai" hours mon-fri 09:00-18:00 }
initial state open { after 1h in nowork -> closed  after 2h in typo -> closed }
final state closed
)"));
  EXPECT_THAT(diagnostics, UnorderedElementsAre(AllOf(Diag("E025", 6, 10), Message("`nowork` has no working time")),
                                                AllOf(Diag("E026", 7, 22), Message("unknown time zone"),
                                                      Help("did you mean `Asia/Shanghai`?"))));
}

// `N of` counts different people: three of two roles, or two of one, can be met.
TEST(Checker, ImpossibleQuorumAndEmptyChain) {
  auto diagnostics = check_text(with_states(R"(chain board { level all: 0 of agent, lead }
chain pair { level both: all of lead, lead }
chain many { level three: 3 of agent, lead  level heads: 2 of lead not participants, assignee }
chain nobody { }
approval when amount > 50: board
approval when amount > 20: pair
approval when amount > 10: many
approval otherwise: nobody
initial state open { on done -> closed }
final state closed
)"));
  EXPECT_THAT(diagnostics,
              UnorderedElementsAre(AllOf(Diag("E029", 6, 26), Message("quorum 0 asks for no approval")),
                                   AllOf(Diag("E029", 7, 39), Message("`all of` lists `lead` twice"),
                                         Help("`all of` takes one approval per role; for different holders of one "
                                              "role write `N of lead`, such as `2 of lead`")),
                                   AllOf(Diag("E029", 9, 7), Message("`nobody` has no levels"))));
}

TEST(Checker, ApprovalEventsBelongToApprovalStates) {
  auto diagnostics = check_text(with_states(R"(initial state open {
  await approval
  on approved -> closed
}
state other { on rejected -> closed }
final state closed
)"));
  EXPECT_THAT(diagnostics,
              UnorderedElementsAre(AllOf(Diag("E031", 7, 3), Message("does not handle `rejected`")),
                                   AllOf(Diag("E031", 10, 18), Message("`rejected` is handled in `other`")),
                                   Diag("W001", 10, 7)));
}

TEST(Checker, DurationsMustBePositive) {
  auto diagnostics = check_text(with_states(R"(priority instant { resolve 0s }
initial state open { after 0s -> closed }
final state closed
)"));
  EXPECT_THAT(diagnostics, UnorderedElementsAre(AllOf(Diag("E032", 6, 20), Message("`resolve`")),
                                                AllOf(Diag("E032", 7, 22), Message("timer"))));
}

// ---------------------------------------------------------------- warnings

TEST(Checker, UnusedDeclarations) {
  auto diagnostics = check_text(with_states(R"(field note: text
field customer_id: text required
department idle
calendar office { zone "UTC" hours mon-fri 09:00-17:00 }
chain spare { level one: any of lead }
initial state open { on done -> closed }
final state closed
)"));
  EXPECT_THAT(diagnostics, UnorderedElementsAre(AllOf(Diag("W003", 6, 7), Message("field `note` is never used")),
                                                AllOf(Diag("W003", 8, 12), Message("department `idle`")),
                                                AllOf(Diag("W003", 9, 10), Message("calendar `office`")),
                                                AllOf(Diag("W003", 10, 7), Message("chain `spare`"))));
}

TEST(Checker, PrioritiesMissingFromApprovalByPriority) {
  auto diagnostics = check_text(with_states(R"(priority low { resolve 72h }
approval by priority { normal: lead }
initial state open { on done -> closed }
final state closed
)"));
  EXPECT_THAT(diagnostics, ElementsAre(AllOf(Diag("W004", 6, 10), Message("priority `low` is not covered"),
                                             Help("add `low: none`"))));
}

// ---------------------------------------------------------------- robustness

TEST(Checker, EmptyTreeDoesNotCrash) {
  Diagnostics diagnostics;
  check(RuleFile{}, diagnostics);
  std::vector<std::string> codes;
  for (const Diagnostic& d : diagnostics.items()) codes.push_back(d.code);
  EXPECT_THAT(codes, UnorderedElementsAre("E015", "E016", "E033"));
}

TEST(Checker, SurvivesDeepNestingLongChainsAndHugeNumbers) {
  std::string nested = std::string(40, '(') + "amount" + std::string(40, ')') + " > 1";
  std::string chain = "amount";
  for (int i = 0; i < 400; ++i) chain += " + amount";
  auto diagnostics =
      check_text(with_states("initial state open {\n  on a when " + nested + " -> closed\n  on b when " + chain +
                             " > 99999999999999 -> closed\n"
                             "  on c when amount > 99999999999999 and amount < "
                             "-99999999999999 -> closed\n}\nfinal state closed\n"));
  EXPECT_THAT(diagnostics, IsEmpty());
}

TEST(Checker, StopsAtExpressionsDeeperThanTheParserAllows) {
  auto leaf = std::make_shared<Expr>();
  leaf->kind = Expr::Kind::kBool;
  ExprPtr guard = leaf;
  for (int i = 0; i < 5000; ++i) {
    auto e = std::make_shared<Expr>();
    e->kind = Expr::Kind::kUnary;
    e->unary = UnaryOp::kNot;
    e->operands.push_back(guard);
    guard = e;
  }
  RuleFile file;
  file.workflow = WorkflowDecl{};
  StateDecl state;
  state.name.text = "open";
  state.initial = state.final = true;
  Transition t;
  t.event.text = "go";
  t.guard = guard;
  t.target.text = "open";
  state.transitions = {t, t};
  Constraint constraint;
  constraint.condition = guard;
  file.constraints.push_back(constraint);
  file.states.push_back(state);
  Diagnostics diagnostics;
  check(file, diagnostics);
  std::vector<std::string> codes;
  for (const Diagnostic& d : diagnostics.items()) codes.push_back(d.code);
  EXPECT_THAT(codes, Contains("E004"));
}

TEST(Checker, HandBuiltTreeWithMissingPartsDoesNotCrash) {
  RuleFile file;
  file.workflow = WorkflowDecl{};
  StateDecl state;
  state.initial = true;
  state.final = true;
  Transition t;
  auto expr = std::make_shared<Expr>();
  expr->kind = Expr::Kind::kBinary;
  expr->binary = BinaryOp::kAnd;  // no operands
  t.guard = expr;
  state.transitions.push_back(t);
  state.transitions.push_back(t);
  Timer timer;
  timer.recurring = true;
  state.timers.push_back(timer);
  file.states.push_back(state);
  FieldDecl field;
  field.type = FieldType::kInt;
  auto huge = std::make_shared<Expr>();
  huge->number = 1e308;
  field.range_min = huge;
  field.range_max = std::make_shared<Expr>();
  field.default_value = huge;
  file.fields.push_back(field);
  Diagnostics diagnostics;
  check(file, diagnostics);
  EXPECT_TRUE(diagnostics.has_errors());
}

// ---------------------------------------------------------------- time as regulations count it

// Everything the time tests need: a calendar, a notice, a timestamp field.
constexpr const char* kTimeHeader = R"(workflow w
field received_at: timestamp
field note: text
department support { roles agent }
category general -> support
holidays cn { holidays 2026-10-01..2026-10-07 workdays 2026-10-10 }
calendar office { zone "Asia/Shanghai" hours mon-fri 09:00-17:30 holidays cn }
)";
constexpr const char* kTimeStates = R"(initial state open { on done -> closed }
final state closed
)";

// What the checker reports on `text` but the W003 of the header's spare declarations.
std::vector<Diagnostic> without_unused(std::vector<Diagnostic> diagnostics) {
  std::erase_if(diagnostics, [](const Diagnostic& d) { return d.code == "W003"; });
  return diagnostics;
}

std::vector<Diagnostic> check_time(const std::string& declarations) {
  return without_unused(check_text(std::string(kTimeHeader) + declarations + kTimeStates));
}

TEST(Checker, WorkingDaysFromAFieldWithExtensionsAndConditionsAreClean) {
  EXPECT_THAT(check_time(R"(priority normal {
  decide 15 workdays in office from received_at
  extend decide at most 2 times, up to 60 workdays in office
  warn at 50%, 80% when note == "standard"
  at 90% of decide when note != "urgent" do escalate to agent
}
)"),
              IsEmpty());
}

TEST(Checker, DaysOfBusinessTimeWarnAndOfferBothFixes) {
  auto diagnostics = check_time("priority normal { decide 1d in office }\n");
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_THAT(diagnostics[0], Diag("W005", 8, 26));
  EXPECT_EQ(diagnostics[0].message, "`1d in office` counts 24h of working time in `office`, not 1 working day");
  EXPECT_EQ(diagnostics[0].help,
            "write `1 workday in office` to count working days (due at the close of business), or `24h in office` "
            "to keep 24h of working time");
}

TEST(Checker, WorkingDaysNeedACalendar) {
  auto diagnostics = check_time("priority normal { decide 15 workdays }\n");
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_THAT(diagnostics[0], Diag("E036", 8, 26));
  EXPECT_EQ(diagnostics[0].message, "`15 workdays` needs a calendar");
}

TEST(Checker, AClockStartsOnlyFromATimestampField) {
  auto diagnostics = check_time("priority normal { decide 15 workdays in office from note }\n");
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_THAT(diagnostics[0], Diag("E038", 8, 53));
  EXPECT_EQ(diagnostics[0].message, "a clock starts from a timestamp; `note` is not one");
}

TEST(Checker, ExtensionsMustFitTheLimitTheyExtend) {
  auto diagnostics = without_unused(check_text(std::string(kTimeHeader) + R"(priority normal {
  decide 15 workdays in office
  extend decide up to 10 workdays in office
}
initial state open { on more -> open do extend decide by 48h "complex" on done -> closed }
final state closed
)"));
  EXPECT_THAT(diagnostics,
              UnorderedElementsAre(
                  AllOf(Diag("E038", 10, 23), Message("`up to 10 workdays in office` is not longer than the limit")),
                  AllOf(Diag("E038", 12, 58),
                        Message("`extend decide by 48h` does not fit the limit `15 workdays in office`"))));
}

TEST(Checker, AllLimitsOfAMetricStartFromTheSameField) {
  auto diagnostics = check_time(R"(priority urgent { decide 5 workdays in office from received_at }
priority normal { decide 15 workdays in office }
)");
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_THAT(diagnostics[0], Diag("E038", 9, 19));
  EXPECT_EQ(diagnostics[0].message, "`decide` counts when it starts here but from `received_at` at 8:19");
}

TEST(Checker, NoticesAreNamedByCalendarsAndListDates) {
  auto diagnostics = check_text(R"(workflow w
department support { roles agent }
category general -> support
holidays empty { source "nowhere" }
calendar office { zone "Asia/Shanghai" hours mon-fri 09:00-17:30 holidays cn_2099 hours 2026-10-01 09:00-12:00 holidays 2026-10-01 }
priority normal { resolve 24h in office }
initial state open { on done -> closed }
final state closed
)");
  EXPECT_THAT(diagnostics,
              UnorderedElementsAre(AllOf(Diag("E037", 4, 10), Message("holiday notice `empty` lists no dates")),
                                   AllOf(Diag("E010", 5, 75), Message("undefined holidays `cn_2099`")),
                                   AllOf(Diag("E037", 5, 89), Message("has working hours and is a holiday"))));
}

// A calendar's dated hours against the holidays of a notice it takes in: the
// same contradiction as against its own holidays, wherever the notice is.
TEST(Checker, DatedHoursOnAHolidayOfANoticeTheCalendarTakesIn) {
  auto diagnostics = check_text(R"(workflow w
department support { roles agent }
category general -> support
holidays cn { holidays 2026-10-01..2026-10-07 workdays 2026-10-10 }
holidays other { holidays 2026-12-25 }
calendar office { zone "Asia/Shanghai" hours mon-fri 09:00-17:30 hours 2026-10-10, 2026-10-03 09:00-12:00 holidays cn, other }
calendar plain { zone "Asia/Shanghai" hours mon-fri 09:00-17:30 hours 2026-10-03 09:00-12:00 }
priority normal { resolve 24h in office answer 4h in plain }
initial state open { on done -> closed }
final state closed
)");
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_THAT(diagnostics[0], Diag("E037", 6, 84));
  EXPECT_EQ(diagnostics[0].message,
            "date 2026-10-03 has working hours and is a holiday of notice `cn`, which calendar `office` takes in");
  EXPECT_EQ(diagnostics[0].help, "remove it from one of them (the holiday of `cn` is at 4:24)");
}

}  // namespace
}  // namespace docket::dsl
