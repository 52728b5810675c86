// Variants that add to their base instead of copying it: category owners and
// `by owner`, `approval first`, and `extend state` as the loader merges them.
// The diagnostics themselves are pinned in tests/bad/ (E050-E053, W011).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dsl/checker.h"
#include "dsl/loader.h"

namespace docket::dsl {
namespace {

constexpr const char* kBase = R"(workflow repair
field compensation: money = 0
department tech { roles engineer, supervisor, dept_head }
category fault -> tech owner engineer
priority P1 { resolve 24h }
approval by priority { P1: supervisor }
initial state open {
  on accepted by owner -> approving
  after 4h do escalate to supervisor
}
state approving {
  await approval
  on approved -> closed
  on rejected -> open
}
final state closed
require compensation >= 0 "no negative compensation"
)";

struct Loaded {
  std::optional<RuleFile> file;
  SourceSet sources;
  Diagnostics diagnostics;

  // "variant.docket:3:1 E052", the diagnostics in order.
  std::vector<std::string> codes() const {
    std::vector<std::string> out;
    for (const Diagnostic& d : diagnostics.items()) {
      out.push_back(sources.path(d.loc.file) + ":" + std::to_string(d.loc.line) + ":" + std::to_string(d.loc.column) +
                    " " + d.code);
    }
    return out;
  }
};

// `variant` extending kBase, both held in memory; checked as well.
Loaded load_variant(const std::string& variant) {
  Loaded loaded;
  loaded.file = load_sources({{"variant.docket", "extends \"base.docket\"\n" + variant}, {"base.docket", kBase}}, "",
                             loaded.sources, loaded.diagnostics);
  if (loaded.file && !loaded.diagnostics.has_errors()) check(*loaded.file, loaded.diagnostics);
  return loaded;
}

const StateDecl& state(const RuleFile& file, const std::string& name) {
  for (const StateDecl& s : file.states) {
    if (s.name.text == name) return s;
  }
  ADD_FAILURE() << "no state " << name;
  static const StateDecl kNone;
  return kNone;
}

// "accepted->approving", "auto->closed": a state's transitions in the order tried.
std::vector<std::string> transitions(const StateDecl& s) {
  std::vector<std::string> out;
  for (const Transition& t : s.transitions) out.push_back((t.automatic ? "auto" : t.event.text) + "->" + t.target.text);
  return out;
}

std::vector<std::string> chains(const RuleFile& file) {
  std::vector<std::string> out;
  for (const ApprovalChoice& choice : file.approvals) out.push_back(choice.chain.text);
  return out;
}

TEST(VariantTest, ApprovalFirstGoesBeforeTheBaseRulesAndAPlainOneAfter) {
  Loaded loaded = load_variant(
      "approval when compensation > 100: engineer\n"
      "approval first when compensation > 5000: dept_head\n");
  ASSERT_TRUE(loaded.file);
  EXPECT_EQ(chains(*loaded.file), (std::vector<std::string>{"dept_head", "supervisor", "engineer"}));
  // The plain rule can decide only for a ticket without a priority: W011, at the variant's line.
  EXPECT_EQ(loaded.codes(), (std::vector<std::string>{"variant.docket:2:10 W011"}));
  const ApprovalChoice& first = loaded.file->approvals.front();
  EXPECT_EQ(loaded.sources.path(first.loc.file), "variant.docket");
  EXPECT_EQ(first.loc.line, 3u);
}

TEST(VariantTest, SeveralFirstRulesKeepTheirOrderAheadOfTheBase) {
  Loaded loaded = load_variant(
      "approval first when compensation > 5000: dept_head\n"
      "approval first when compensation > 1000: engineer\n");
  ASSERT_TRUE(loaded.file);
  EXPECT_EQ(chains(*loaded.file), (std::vector<std::string>{"dept_head", "engineer", "supervisor"}));
  EXPECT_TRUE(loaded.codes().empty());
}

TEST(VariantTest, AFirstOtherwiseLeavesTheBaseRulesUntried) {
  Loaded loaded = load_variant("approval first otherwise: dept_head\n");
  ASSERT_TRUE(loaded.file);
  EXPECT_EQ(loaded.codes(), (std::vector<std::string>{"base.docket:6:24 E039"}));
  EXPECT_EQ(loaded.diagnostics.items().front().help,
            "`approval first` puts the rule at 2:16 in another file before the rules of the file it extends; to drop "
            "those, write `override approval` instead, or remove it");
}

TEST(VariantTest, ACategoryHasOneOwner) {
  Loaded loaded = load_variant("category claim { route tech; owner engineer; owner supervisor }\n");
  EXPECT_FALSE(loaded.file);
  EXPECT_EQ(loaded.codes(), (std::vector<std::string>{"variant.docket:2:52 E011"}));
}

TEST(VariantTest, ExtendStateAddsItemsAfterTheBaseOnes) {
  Loaded loaded = load_variant(
      "extend state open {\n"
      "  on withdrawn -> closed\n"
      "  after 8h do escalate to dept_head\n"
      "}\n");
  ASSERT_TRUE(loaded.file);
  EXPECT_TRUE(loaded.codes().empty());
  const StateDecl& open = state(*loaded.file, "open");
  EXPECT_EQ(transitions(open), (std::vector<std::string>{"accepted->approving", "withdrawn->closed"}));
  ASSERT_EQ(open.timers.size(), 2u);
  EXPECT_EQ(open.timers[1].length.written, "8h");
  EXPECT_EQ(loaded.sources.path(open.transitions[1].loc.file), "variant.docket");
  EXPECT_EQ(loaded.sources.path(open.loc.file), "base.docket");  // still the base's state
  EXPECT_TRUE(open.initial);
  // One state `open`, not a second one.
  int opens = 0;
  for (const StateDecl& s : loaded.file->states) opens += s.name.text == "open" ? 1 : 0;
  EXPECT_EQ(opens, 1);
}

TEST(VariantTest, ExtendStateFirstPutsItsTransitionsBeforeTheBaseOnes) {
  Loaded loaded = load_variant(
      "department ops { roles handler }\n"
      "category claim -> ops owner handler\n"
      "extend state open first {\n"
      "  on accepted when compensation > 5000 by owner -> closed\n"
      "}\n");
  ASSERT_TRUE(loaded.file);
  EXPECT_TRUE(loaded.codes().empty());
  EXPECT_EQ(transitions(state(*loaded.file, "open")),
            (std::vector<std::string>{"accepted->closed", "accepted->approving"}));
}

TEST(VariantTest, SeveralExtensionsOfAStateKeepTheirWrittenOrder) {
  Loaded loaded = load_variant(
      "extend state open first { on a -> closed }\n"
      "extend state open { on c -> closed }\n"
      "extend state open first { on b -> closed }\n"
      "extend state open { on d -> closed }\n");
  ASSERT_TRUE(loaded.file);
  EXPECT_EQ(transitions(state(*loaded.file, "open")),
            (std::vector<std::string>{"a->closed", "b->closed", "accepted->approving", "c->closed", "d->closed"}));
}

TEST(VariantTest, AnAddedTransitionHiddenByTheBaseIsReportedAtTheVariantsLine) {
  // Appended after the base's unguarded `on accepted`, it could never fire.
  Loaded loaded = load_variant(
      "extend state open {\n"
      "  on accepted when compensation > 5000 by owner -> closed\n"
      "}\n");
  EXPECT_EQ(loaded.codes(), (std::vector<std::string>{"variant.docket:3:6 E018"}));
}

TEST(VariantTest, ByOwnerIsNotARoleButTheCategorysOwner) {
  Loaded loaded = load_variant("");
  ASSERT_TRUE(loaded.file);
  const Transition& accepted = state(*loaded.file, "open").transitions.front();
  EXPECT_TRUE(accepted.by_owner);
  EXPECT_TRUE(accepted.roles.empty());
  EXPECT_EQ(accepted.by_owner_loc.line, 8u);
  EXPECT_EQ(loaded.file->categories.front().owner.text, "engineer");
}

TEST(VariantTest, TheBlockFormNamesTheOwnerBesideTheRoutes) {
  Loaded loaded = load_variant(
      "department legal { roles counsel }\n"
      "category claim { route legal when compensation > 100; route tech; owner engineer }\n");
  ASSERT_TRUE(loaded.file);
  EXPECT_TRUE(loaded.codes().empty());
  const CategoryDecl& claim = loaded.file->categories.back();
  EXPECT_EQ(claim.owner.text, "engineer");
  EXPECT_EQ(claim.routes.size(), 2u);
}

TEST(VariantTest, AVariantCategoryWithoutAnOwnerIsReportedWhereItIsDeclared) {
  Loaded loaded = load_variant(
      "department ops { roles handler }\n"
      "category claim -> ops\n");
  EXPECT_EQ(loaded.codes(), (std::vector<std::string>{"variant.docket:3:10 E050"}));
}

TEST(VariantTest, ANameClashWithoutOverrideOrExtendIsStillADuplicate) {
  Loaded loaded = load_variant("state open { on withdrawn -> closed }\n");
  EXPECT_EQ(loaded.codes(), (std::vector<std::string>{"variant.docket:2:7 E011"}));
}

}  // namespace
}  // namespace docket::dsl
