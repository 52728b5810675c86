// A variant of the shipped after-sales flow that adds instead of copying: a
// category with its routing and owner, and a dual sign-off for large
// compensations, each in a handful of lines and without overriding a state
// of the base. Tickets run through the engine to show the result routes,
// assigns, lets the owner take the case and asks for the approvals.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "tests/support/engine_harness.h"

namespace docket::engine::testing {
namespace {

using ::testing::HasSubstr;

constexpr const char* kHeader =
    "extends \"after_sales.docket\"\n"
    "workflow returns_after_sales \"退货售后流程\" version \"1.0\"\n";

// A category with its routing and owner, and the remedy its owner proposes.
constexpr const char* kNewCategory =
    "department warehouse \"售后仓\" { roles returns_clerk, supervisor, dept_head }\n"
    "category return_refund \"退货退款类\" -> warehouse owner returns_clerk\n"
    "extend state proposing {\n"
    "  on proposed when category == return_refund by owner as proposer -> approving\n"
    "}\n";

// Large compensations need a supervisor and then the head, before the base's
// approval by priority is tried.
constexpr const char* kDualSignoff =
    "chain dual_signoff \"双人签批\" {\n"
    "  level supervisor: any of supervisor\n"
    "  level head: any of dept_head\n"
    "}\n"
    "approval first when compensation > 5000: dual_signoff\n";

// How the intake form picks the new category: a value of `problem_type`, by
// which the base classifies.
constexpr const char* kClassification =
    "override field problem_type \"问题类型\": enum(fault, service_error, inquiry, rights_claim, return_refund)\n"
    "override classify category {\n"
    "  product_fault when problem_type == fault\n"
    "  service_error when problem_type == service_error\n"
    "  inquiry when problem_type == inquiry\n"
    "  rights_claim when problem_type == rights_claim\n"
    "  return_refund when problem_type == return_refund\n"
    "}\n";

std::size_t lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

std::string rules_directory() { return std::string(DOCKET_SOURCE_DIR) + "/rules"; }

// The variant saved as rules/returns.docket, beside its base.
std::shared_ptr<const Workflow> compile_variant(const std::string& body) {
  docket::RulesOptions options;
  options.confine_to = rules_directory();
  docket::Compilation compiled = docket::compile_text("returns.docket", std::string(kHeader) + body, options);
  EXPECT_TRUE(compiled.ok()) << compiled.rendered;
  EXPECT_EQ(compiled.warning_count(), 0u) << compiled.rendered;
  return compiled.workflow;
}

// Registered and classified by the intake specialist: in `dispatched`.
void dispatch(Harness& h, const std::string& id, std::vector<DataItem> classification) {
  ASSERT_TRUE(h.create(kMonday, id, intake(), after_sales_form()).accepted);
  ASSERT_TRUE(h.send(kMonday + kMinute, id, "registered", intake(), {boolean("problem_confirmed", true)}).accepted);
  Outcome classified = h.send(kMonday + 2 * kMinute, id, "classified", intake(), std::move(classification));
  ASSERT_TRUE(classified.accepted) << classified.reason;
  ASSERT_EQ(classified.state, "dispatched");
}

TEST(IndustryVariantTest, EachAdditionTakesAtMostFiveLinesAndOverridesNoState) {
  for (const char* addition : {kNewCategory, kDualSignoff}) {
    EXPECT_LE(lines(addition), 5u) << addition;
    EXPECT_EQ(std::string(addition).find("override"), std::string::npos) << addition;
  }
  EXPECT_EQ(std::string(kClassification).find("override state"), std::string::npos);
}

TEST(IndustryVariantTest, TheNewCategoryIsRoutedAssignedAndTakenByItsOwner) {
  std::shared_ptr<const Workflow> workflow = compile_variant(std::string(kNewCategory) + kClassification);
  ASSERT_NE(workflow, nullptr);
  Harness h(workflow);
  dispatch(h, "R-1", {text("problem_type", "return_refund"), text("impact", "minor"), text("urgency", "low")});
  const Ticket& ticket = h.ticket("R-1");
  ASSERT_EQ(ticket.category(), h.workflow().find_category("return_refund"));
  EXPECT_EQ(ticket.departments, std::vector<DepartmentIndex>{*h.workflow().find_department("warehouse")});
  EXPECT_EQ(ticket.assignee.department, *h.workflow().find_department("warehouse"));

  // The engineer owns product faults, not returns.
  Outcome engineer_accepts = h.send(kMonday + kHour, "R-1", "accepted", actor("liu", {"tech.engineer"}));
  EXPECT_FALSE(engineer_accepts.accepted);
  EXPECT_EQ(engineer_accepts.code, RejectionCode::kRole);
  EXPECT_THAT(engineer_accepts.reason, HasSubstr("needs one of returns_clerk (the owner of category `return_refund`)"));

  Outcome clerk_accepts = h.send(kMonday + kHour, "R-1", "accepted", actor("tang", {"warehouse.returns_clerk"}));
  ASSERT_TRUE(clerk_accepts.accepted) << clerk_accepts.reason;
  EXPECT_EQ(clerk_accepts.state, "proposing");

  // P2: the base's approval by priority approves at once.
  Outcome proposed = h.send(kMonday + 2 * kHour, "R-1", "proposed", actor("tang", {"warehouse.returns_clerk"}),
                            {text("remedy", "replacement")});
  ASSERT_TRUE(proposed.accepted) << proposed.reason;
  EXPECT_EQ(proposed.state, "executing");
}

TEST(IndustryVariantTest, TheBaseCategoriesKeepTheirOwners) {
  std::shared_ptr<const Workflow> workflow = compile_variant(std::string(kNewCategory) + kClassification);
  ASSERT_NE(workflow, nullptr);
  Harness h(workflow);
  dispatch(h, "F-1", {text("problem_type", "fault"), text("impact", "minor"), text("urgency", "low")});
  EXPECT_FALSE(h.send(kMonday + kHour, "F-1", "accepted", actor("tang", {"warehouse.returns_clerk"})).accepted);
  EXPECT_EQ(h.send(kMonday + kHour, "F-1", "accepted", actor("liu", {"tech.engineer"})).state, "proposing");
}

// A service error of a P2 ticket: the base approves at once, unless the
// compensation is large.
Outcome propose_compensation(Harness& h, const std::string& id, const char* amount) {
  dispatch(h, id, {text("problem_type", "service_error"), text("impact", "minor"), text("urgency", "low")});
  EXPECT_TRUE(h.send(kMonday + kHour, id, "accepted", actor("wang", {"ops.supervisor"})).accepted);
  return h.send(kMonday + 2 * kHour, id, "proposed", actor("wang", {"ops.supervisor"}),
                {text("remedy", "compensation"), money("order_amount", "30000.00"), money("compensation", amount)});
}

TEST(IndustryVariantTest, ALargeCompensationNeedsTheDualSignoffFirst) {
  std::shared_ptr<const Workflow> workflow = compile_variant(kDualSignoff);
  ASSERT_NE(workflow, nullptr);
  Harness h(workflow);
  Outcome proposed = propose_compensation(h, "S-1", "6000.00");
  ASSERT_TRUE(proposed.accepted) << proposed.reason;
  EXPECT_EQ(proposed.state, "approving");
  const Record& entry = h.records().back();
  ASSERT_FALSE(entry.effects.empty());
  EXPECT_EQ(entry.effects.back().kind, EffectKind::kApprovalChain);
  EXPECT_EQ(entry.effects.back().target, "dual_signoff");
  EXPECT_EQ(entry.effects.back().rule.where, rules_directory() + "/returns.docket:7");  // the variant's rule

  Outcome head_first = h.send(kMonday + 3 * kHour, "S-1", "approve", actor("ma", {"ops.dept_head"}));
  EXPECT_FALSE(head_first.accepted);
  EXPECT_EQ(head_first.code, RejectionCode::kNotApprover);
  ASSERT_TRUE(h.send(kMonday + 3 * kHour, "S-1", "approve", actor("zhao", {"ops.supervisor"})).accepted);
  EXPECT_EQ(h.state("S-1"), "approving");
  Outcome head = h.send(kMonday + 4 * kHour, "S-1", "approve", actor("ma", {"ops.dept_head"}));
  ASSERT_TRUE(head.accepted) << head.reason;
  EXPECT_EQ(head.state, "executing");
}

TEST(IndustryVariantTest, ASmallCompensationStillFollowsTheBaseRules) {
  std::shared_ptr<const Workflow> workflow = compile_variant(kDualSignoff);
  ASSERT_NE(workflow, nullptr);
  Harness h(workflow);
  Outcome proposed = propose_compensation(h, "S-2", "100.00");
  ASSERT_TRUE(proposed.accepted) << proposed.reason;
  EXPECT_EQ(proposed.state, "executing");  // P2: none
}

TEST(IndustryVariantTest, BothAdditionsTogetherMakeOneCleanWorkflow) {
  std::shared_ptr<const Workflow> workflow =
      compile_variant(std::string(kNewCategory) + kDualSignoff + kClassification);
  ASSERT_NE(workflow, nullptr);
  EXPECT_EQ(workflow->categories().size(), 5u);
  EXPECT_EQ(workflow->approvals().front().chain, *workflow->find_chain("dual_signoff"));
}

}  // namespace
}  // namespace docket::engine::testing
