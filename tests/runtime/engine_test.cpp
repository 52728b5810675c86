#include "engine/runtime/engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "tests/support/engine_harness.h"

namespace docket::engine::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Creates an after_sales ticket at `at`, registers it and classifies it.
Outcome classify_after_sales(Harness& h, const std::string& id, std::int64_t at, const char* problem_type,
                             const char* impact, const char* urgency, const char* mood = "calm") {
  EXPECT_TRUE(h.create(at, id, intake(), after_sales_form(mood)).accepted);
  EXPECT_TRUE(h.send(at + 5 * kMinute, id, "registered", intake(), {boolean("problem_confirmed", true)}).accepted);
  return h.send(at + 10 * kMinute, id, "classified", intake(),
                {text("problem_type", problem_type), text("impact", impact), text("urgency", urgency)});
}

const Effect* find_effect(const Record& record, EffectKind kind, const std::string& target = {}) {
  for (const Effect& effect : record.effects) {
    if (effect.kind == kind && (target.empty() || effect.target == target)) return &effect;
  }
  return nullptr;
}

const Record& last_transition(const Harness& h, const std::string& event) {
  for (auto it = h.records().rbegin(); it != h.records().rend(); ++it) {
    if (it->kind == RecordKind::kTransition && it->event == event) return *it;
  }
  static const Record kNone;
  ADD_FAILURE() << "no transition on " << event;
  return kNone;
}

// ---------------------------------------------------------------- intake

TEST(EngineTest, AngryCustomerGetsTheEmpathyScriptFirst) {
  Harness h(shipped_rules("after_sales.docket"));
  Outcome created = h.create(kMonday, "T-1", intake(), after_sales_form("angry"));
  ASSERT_TRUE(created.accepted) << created.reason;
  EXPECT_EQ(created.state, "registering");

  ASSERT_EQ(h.records().size(), 2u);
  const Record& automatic = h.records()[1];
  EXPECT_EQ(automatic.cause, Cause::kAutomatic);
  EXPECT_EQ(automatic.from, "received");
  EXPECT_EQ(automatic.to, "registering");
  EXPECT_EQ(automatic.rule.where, shipped_line("after_sales.docket", "auto when mood == angry"));
  const Effect* script = find_effect(automatic, EffectKind::kNotify, "customer");
  ASSERT_NE(script, nullptr);
  EXPECT_EQ(script->value, "empathy_script");
  // The script comes before the intake specialist takes the case.
  ASSERT_GE(automatic.effects.size(), 2u);
  EXPECT_EQ(automatic.effects[0].kind, EffectKind::kNotify);
  EXPECT_EQ(automatic.effects[1].kind, EffectKind::kAssign);
  EXPECT_EQ(automatic.effects[1].target, "customer_service.intake_specialist");
}

// The record of an event keeps what it sent, also a value equal to the
// field's, which changes nothing and so shows in no change.
TEST(EngineTest, AnEventsRecordKeepsWhatItSentAlsoWhenNothingChanged) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form("calm")).accepted);
  EXPECT_EQ(h.records().front().sent, SentData::kRecorded);
  EXPECT_EQ(h.records().front().data, after_sales_form("calm"));
  std::vector<DataItem> sent = {text("mood", "calm"), boolean("problem_confirmed", true)};
  ASSERT_TRUE(h.send(kMonday + kMinute, "T-1", "registered", intake(), sent).accepted);
  const Record& registered = last_transition(h, "registered");
  EXPECT_EQ(registered.sent, SentData::kRecorded);
  EXPECT_EQ(registered.data, sent);
  ASSERT_EQ(registered.changes.size(), 1u);
  EXPECT_EQ(registered.changes[0].field, "problem_confirmed");
}

// A refused event's record keeps all it sent: what was refused, and what
// came after it.
TEST(EngineTest, ARejectedEventsRecordKeepsAllItSent) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form("calm")).accepted);
  std::vector<DataItem> sent = {boolean("problem_confirmed", true),
                                text("problem_confirmed", "yes"),
                                text("no_such_field", "x"),
                                {"mood", FieldInput::integer(3)}};
  Outcome refused = h.send(kMonday + kMinute, "T-1", "registered", intake(), sent);
  ASSERT_FALSE(refused.accepted);
  EXPECT_EQ(refused.code, RejectionCode::kInvalidData);
  const Record& rejection = h.records().back();
  EXPECT_EQ(rejection.kind, RecordKind::kRejection);
  EXPECT_EQ(rejection.sent, SentData::kRecorded);
  EXPECT_EQ(rejection.data, sent);
  EXPECT_FALSE(h.send(kMonday + kMinute, "T-404", "registered", intake(), sent).accepted);
  EXPECT_EQ(h.records().back().data, sent);
}

// Only the record an event made has its data; what it set off and timers
// have none.
TEST(EngineTest, OnlyTheRecordOfAnEventHasData) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form("angry")).accepted);
  ASSERT_TRUE(h.send(kMonday + kMinute, "T-1", "registered", intake(), {boolean("problem_confirmed", true)}).accepted);
  h.advance_to(kMonday + 10 * kDay);
  std::set<Cause> without;
  for (const Record& record : h.records()) {
    if (record.cause == Cause::kApproval) continue;  // a `reject` vote's `rejected` has it
    bool of_event = record.cause == Cause::kCreate || record.cause == Cause::kEvent;
    EXPECT_EQ(record.sent, of_event ? SentData::kRecorded : SentData::kNone) << record.seq;
    if (!of_event) without.insert(record.cause);
  }
  EXPECT_THAT(without, ::testing::Contains(Cause::kAutomatic));
  EXPECT_THAT(without, ::testing::Contains(Cause::kTimer));
}

// A system sending in a loop cannot grow one ticket without bound: at the
// limit the ticket still takes its last event, one past it is refused.
TEST(EngineTest, ATicketTakesAtMostMaxEventsPerTicket) {
  EngineOptions options;
  options.max_events_per_ticket = 3;
  Harness h(shipped_rules("after_sales.docket"), options);
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form()).accepted);
  ASSERT_TRUE(h.send(kMonday + 60, "T-1", "registered", intake(), {boolean("problem_confirmed", true)}).accepted);
  Outcome third = h.send(kMonday + 120, "T-1", "classified", intake(),
                         {text("problem_type", "fault"), text("impact", "core"), text("urgency", "high")});
  ASSERT_TRUE(third.accepted) << third.reason;
  EXPECT_EQ(h.ticket("T-1").events, 3u);

  Outcome fourth = h.send(kMonday + 180, "T-1", "accepted", engineer());
  EXPECT_FALSE(fourth.accepted);
  EXPECT_EQ(fourth.reason,
            "ticket `T-1` has taken 3 events, the most one ticket may (EngineOptions::max_events_per_ticket)");
  EXPECT_EQ(h.state("T-1"), "dispatched");
  EXPECT_EQ(h.records().back().kind, RecordKind::kRejection);
  // Other tickets are not affected.
  EXPECT_TRUE(h.create(kMonday + 240, "T-2", intake(), after_sales_form()).accepted);
}

// Refused events count too: a client that only sends events the rules
// refuse must not grow the ticket's journal without end.
TEST(EngineTest, RefusedEventsCountTowardMaxEventsPerTicket) {
  EngineOptions options;
  options.max_events_per_ticket = 3;
  Harness h(shipped_rules("after_sales.docket"), options);
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form()).accepted);
  EXPECT_FALSE(h.send(kMonday + 60, "T-1", "no_such_event", intake()).accepted);
  EXPECT_FALSE(h.send(kMonday + 120, "T-1", "no_such_event", intake()).accepted);
  EXPECT_EQ(h.ticket("T-1").events, 3u);
  Outcome fourth = h.send(kMonday + 180, "T-1", "registered", intake(), {boolean("problem_confirmed", true)});
  EXPECT_FALSE(fourth.accepted);
  EXPECT_EQ(fourth.reason,
            "ticket `T-1` has taken 3 events, the most one ticket may (EngineOptions::max_events_per_ticket)");
}

TEST(EngineTest, CalmCustomerGetsNoEmpathyScript) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form("calm")).accepted);
  EXPECT_THAT(h.with_effect(EffectKind::kNotify, "empathy_script"), IsEmpty());
  EXPECT_EQ(h.state("T-1"), "registering");
}

TEST(EngineTest, CreationIsARecordedTransitionIntoTheInitialState) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form()).accepted);
  const Record& created = h.records().front();
  EXPECT_EQ(created.kind, RecordKind::kTransition);
  EXPECT_EQ(created.cause, Cause::kCreate);
  EXPECT_EQ(created.event, "create");
  EXPECT_EQ(created.from, "");
  EXPECT_EQ(created.to, "received");
  EXPECT_EQ(created.actor, intake());
  EXPECT_EQ(created.rule.where, shipped_line("after_sales.docket", "initial state received"));
  // The form's values and the defaults, in field order.
  std::vector<std::string> fields;
  for (const Change& change : created.changes) fields.push_back(change.field);
  EXPECT_THAT(fields,
              ElementsAre("customer", "contact", "channel", "purchase_date", "problem", "expected_resolution", "mood",
                          "problem_confirmed", "order_amount", "compensation", "stage", "confirmation"));
  EXPECT_EQ(h.ticket("T-1").requester(), "zhang");
}

// ---------------------------------------------------------------- classification and routing

struct CategoryCase {
  const char* problem_type;
  const char* category;
  const char* rule_text;
  const char* departments;
};

TEST(EngineTest, ClassifiesAllFourCategoriesAndRecordsTheDecidingRule) {
  const CategoryCase cases[] = {
      {"fault", "product_fault", "product_fault when problem_type == fault", "tech"},
      {"service_error", "service_error", "service_error when problem_type == service_error", "ops"},
      {"inquiry", "inquiry", "inquiry when problem_type == inquiry", "product"},
      {"rights_claim", "rights_claim", "rights_claim when problem_type == rights_claim", "complaints, legal"},
  };
  for (const CategoryCase& c : cases) {
    SCOPED_TRACE(c.category);
    Harness h(shipped_rules("after_sales.docket"));
    Outcome classified = classify_after_sales(h, "T-1", kMonday, c.problem_type, "minor", "low");
    ASSERT_TRUE(classified.accepted) << classified.reason;
    EXPECT_EQ(classified.state, "dispatched");

    const Record& record = last_transition(h, "classified");
    const Effect* category = find_effect(record, EffectKind::kClassify, "category");
    ASSERT_NE(category, nullptr);
    EXPECT_EQ(category->value, c.category);
    EXPECT_EQ(category->rule.where, shipped_line("after_sales.docket", c.rule_text));
    const Effect* route = find_effect(record, EffectKind::kRoute);
    ASSERT_NE(route, nullptr);
    EXPECT_EQ(route->value, c.departments);

    const Ticket& ticket = h.ticket("T-1");
    EXPECT_EQ(h.workflow().categories()[*ticket.category()].name, c.category);
  }
}

struct PriorityCase {
  const char* impact;
  const char* urgency;
  const char* priority;
};

TEST(EngineTest, PriorityComesFromTheImpactUrgencyTable) {
  const PriorityCase cases[] = {
      {"core", "low", "P0"},   {"function", "high", "P0"}, {"function", "medium", "P1"}, {"function", "low", "P1"},
      {"minor", "high", "P1"}, {"minor", "medium", "P2"},  {"minor", "low", "P2"},
  };
  for (const PriorityCase& c : cases) {
    SCOPED_TRACE(std::string(c.impact) + " x " + c.urgency);
    Harness h(shipped_rules("after_sales.docket"));
    ASSERT_TRUE(classify_after_sales(h, "T-1", kMonday, "fault", c.impact, c.urgency).accepted);
    const Record& record = last_transition(h, "classified");
    const Effect* priority = find_effect(record, EffectKind::kClassify, "priority");
    ASSERT_NE(priority, nullptr);
    EXPECT_EQ(priority->value, c.priority);
    EXPECT_EQ(priority->detail, std::string("impact x urgency: ") + c.impact + ", " + c.urgency + " -> " + c.priority);
    EXPECT_EQ(priority->rule.where,
              shipped_line("after_sales.docket", "do classify category, classify priority, route"));
    EXPECT_EQ(h.workflow().priorities()[*h.ticket("T-1").priority()].name, c.priority);
  }
}

TEST(EngineTest, ClassifyingWithoutTheTableInputsIsRejected) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form()).accepted);
  ASSERT_TRUE(h.send(kMonday + 60, "T-1", "registered", intake(), {boolean("problem_confirmed", true)}).accepted);
  Outcome outcome = h.send(kMonday + 120, "T-1", "classified", intake(), {text("problem_type", "fault")});
  EXPECT_FALSE(outcome.accepted);
  EXPECT_THAT(outcome.reason, HasSubstr("classify priority: `impact` has no value"));
  EXPECT_EQ(h.state("T-1"), "classifying");
  EXPECT_FALSE(h.ticket("T-1").category().has_value());
}

TEST(EngineTest, RoutingAssignsTheFirstDepartmentAndKeepsAllRoutes) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(classify_after_sales(h, "T-1", kMonday, "rights_claim", "minor", "low").accepted);
  const Ticket& ticket = h.ticket("T-1");
  ASSERT_EQ(ticket.departments.size(), 2u);
  EXPECT_EQ(h.workflow().departments()[ticket.departments[0]].name, "complaints");
  EXPECT_EQ(h.workflow().departments()[ticket.departments[1]].name, "legal");
  EXPECT_EQ(assignment_text(h.workflow(), ticket.assignee), "complaints");
  EXPECT_EQ(ticket.attributes[static_cast<std::size_t>(Attribute::kAssignee)].as_text(), "complaints");
}

TEST(EngineTest, ConditionalRoutesFollowTheTicket) {
  Harness h(shipped_rules("complaint_handling.docket"));
  Actor receptionist = actor("zhou", {"receptionist"});
  Actor supervisor = actor("qian", {"complaint_supervisor"});
  std::vector<DataItem> form = {text("customer", "C-7"),
                                text("contact", "wx:c7"),
                                text("customer_grade", "important"),
                                text("channel", "phone"),
                                text("complaint_time", "2026-11-23T08:00:00Z"),
                                text("content", "hidden fees"),
                                text("requested_outcome", "refund"),
                                text("issue", "contract_terms")};
  ASSERT_TRUE(h.create(kMonday, "C-1", receptionist, form).accepted);
  ASSERT_TRUE(h.send(kMonday + kHour, "C-1", "recorded", receptionist).accepted);
  Outcome analysed = h.send(kMonday + 2 * kHour, "C-1", "analysed", supervisor);
  ASSERT_TRUE(analysed.accepted) << analysed.reason;
  const Effect* route = find_effect(last_transition(h, "analysed"), EffectKind::kRoute);
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(route->target, "pricing");
  EXPECT_EQ(route->value, "sales, legal, key_accounts");
  // Important customers are at least `serious`; the key account manager heard of it at once.
  EXPECT_EQ(h.workflow().priorities()[*h.ticket("C-1").priority()].name, "serious");
  EXPECT_EQ(h.with_effect(EffectKind::kNotify, "important_customer_complaint").size(), 1u);
}

// ---------------------------------------------------------------- events, guards, roles

TEST(EngineTest, MissingRoleIsRejectedAndTheTicketIsOnlyCounted) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(classify_after_sales(h, "T-1", kMonday, "fault", "minor", "low").accepted);
  Ticket before = h.ticket("T-1");
  std::size_t records = h.records().size();

  Outcome outcome = h.send(kMonday + kHour, "T-1", "accepted", intake());
  EXPECT_FALSE(outcome.accepted);
  EXPECT_THAT(outcome.reason, HasSubstr("`zhang` lacks the role for `accepted` in `dispatched`"));
  EXPECT_THAT(outcome.reason, HasSubstr("engineer"));
  EXPECT_EQ(outcome.code, RejectionCode::kRole);
  // Unchanged but for the count of events it took (refused ones count toward the limit).
  ++before.events;
  EXPECT_EQ(h.ticket("T-1"), before);

  ASSERT_EQ(h.records().size(), records + 1);
  const Record& rejection = h.records().back();
  EXPECT_EQ(rejection.kind, RecordKind::kRejection);
  EXPECT_TRUE(rejection.rejected);
  EXPECT_EQ(rejection.reason, outcome.reason);
  EXPECT_EQ(rejection.reason_code, RejectionCode::kRole);
  EXPECT_EQ(rejection.from, "dispatched");
  EXPECT_EQ(rejection.to, "");
  EXPECT_EQ(rejection.rule.where, shipped_line("after_sales.docket", "on accepted by owner"));
}

// A role of another department (`ops.supervisor`) holds only on tickets of
// that department: the refusal says so, rather than only naming the role
// the actor seems to hold.
TEST(EngineTest, ARoleOfAnotherDepartmentIsNamedInTheRefusal) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(classify_after_sales(h, "T-1", kMonday, "fault", "minor", "low").accepted);
  Outcome outcome = h.send(kMonday + kHour, "T-1", "accepted", actor("qi", {"ops.engineer", "ops.supervisor"}));
  EXPECT_FALSE(outcome.accepted);
  EXPECT_EQ(outcome.code, RejectionCode::kRole);
  EXPECT_THAT(outcome.reason, HasSubstr("needs one of engineer (the owner of category `product_fault`); "
                                        "`ops.engineer` holds only on tickets routed or assigned to `ops`, and this "
                                        "one is handled by `tech`"));
}

// `by owner` is decided by the ticket's category when the event comes: its
// owner may send it (as a plain role or one of the department it is routed
// to), and nobody may before the ticket has a category.
TEST(EngineTest, ByOwnerLetsTheOwnerOfTheTicketsCategorySendTheEvent) {
  Harness h(compile_rules(R"(workflow owned version "1"
field kind: enum(fault, claim) required
department tech { roles engineer, dept_head }
department legal { roles counsel, dept_head }
category fault -> tech owner engineer
category claim -> legal owner counsel
classify category { fault when kind == fault; claim when kind == claim }
priority normal { resolve 24h }
initial state open {
  on take by owner, dept_head -> taken
  on sorted -> sorted do classify category, route
}
state sorted { on take by owner -> taken }
final state taken
)"));
  ASSERT_TRUE(h.create(kMonday, "T-1", actor("c", {}), {text("kind", "claim")}).accepted);
  Outcome early = h.send(kMonday + 60, "T-1", "take", actor("lu", {"counsel"}));
  EXPECT_FALSE(early.accepted);
  EXPECT_EQ(early.code, RejectionCode::kRole);
  EXPECT_THAT(early.reason,
              HasSubstr("needs one of dept_head, the owner of the ticket's category (it has no category yet)"));

  ASSERT_TRUE(h.send(kMonday + 120, "T-1", "sorted", actor("c", {})).accepted);
  Outcome engineer = h.send(kMonday + 180, "T-1", "take", actor("liu", {"engineer"}));
  EXPECT_FALSE(engineer.accepted);
  EXPECT_EQ(engineer.code, RejectionCode::kRole);
  EXPECT_THAT(engineer.reason, HasSubstr("needs one of counsel (the owner of category `claim`)"));
  // A counsel of the department the ticket is routed to.
  EXPECT_FALSE(h.send(kMonday + 180, "T-1", "take", actor("x", {"tech.counsel"})).accepted);
  Outcome counsel = h.send(kMonday + 180, "T-1", "take", actor("lu", {"legal.counsel"}));
  ASSERT_TRUE(counsel.accepted) << counsel.reason;
  EXPECT_EQ(counsel.state, "taken");
}

TEST(EngineTest, EventWithoutAnEnabledTransitionIsRejected) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form()).accepted);
  // The description has not been confirmed with the customer.
  Outcome outcome = h.send(kMonday + 60, "T-1", "registered", intake());
  EXPECT_FALSE(outcome.accepted);
  EXPECT_THAT(outcome.reason,
              HasSubstr("no transition on `registered` from `registering`: `problem_confirmed` is false"));
  EXPECT_EQ(outcome.code, RejectionCode::kGuard);
  EXPECT_EQ(h.state("T-1"), "registering");

  Outcome unknown = h.send(kMonday + 60, "T-1", "teleported", intake());
  EXPECT_FALSE(unknown.accepted);
  EXPECT_THAT(unknown.reason, HasSubstr("unknown event `teleported`"));
  EXPECT_EQ(unknown.code, RejectionCode::kUnknownEvent);

  Outcome elsewhere = h.send(kMonday + 60, "T-1", "resolved", intake());
  EXPECT_FALSE(elsewhere.accepted);
  EXPECT_EQ(elsewhere.reason, "no transition on `resolved` from `registering`");
  EXPECT_EQ(elsewhere.code, RejectionCode::kNoTransition);

  Outcome nobody = h.send(kMonday + 60, "T-404", "registered", intake());
  EXPECT_FALSE(nobody.accepted);
  EXPECT_EQ(nobody.reason, "unknown ticket `T-404`");
  EXPECT_EQ(nobody.code, RejectionCode::kUnknownTicket);
  EXPECT_EQ(h.records().back().workflow, "");
  EXPECT_EQ(h.records_of(RecordKind::kRejection).size(), 4u);
}

TEST(EngineTest, FirstEnabledTransitionInWrittenOrderFires) {
  Harness h(compile_rules(R"(workflow pick version "1"
field score: int range 0..10
field bar: int = 0
department desk { roles agent, lead }
initial state open {
  on rate when score > bar by lead -> good
  on rate when score >= 5 -> fine
  on rate when score < 5 -> bad
}
final state good
final state fine
final state bad
)"));
  Actor agent = actor("a", {"agent"});
  ASSERT_TRUE(h.create(kMonday, "1", agent, {}).accepted);
  ASSERT_TRUE(h.create(kMonday, "2", agent, {}).accepted);
  ASSERT_TRUE(h.create(kMonday, "3", agent, {}).accepted);
  // The lead's transition comes first; without the role the next one fires.
  EXPECT_EQ(h.send(kMonday + 1, "1", "rate", actor("l", {"lead"}), {number("score", 7)}).state, "good");
  EXPECT_EQ(h.send(kMonday + 1, "2", "rate", agent, {number("score", 7)}).state, "fine");
  EXPECT_EQ(h.send(kMonday + 1, "3", "rate", agent, {number("score", 2)}).state, "bad");
}

TEST(EngineTest, EventDataIsKeptOnlyWhenATransitionFires) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form()).accepted);
  Outcome refused = h.send(kMonday + 60, "T-1", "registered", actor("x", {"engineer"}),
                           {boolean("problem_confirmed", true), text("suggestion", "faster please")});
  EXPECT_FALSE(refused.accepted);
  EXPECT_EQ(h.ticket("T-1").format("problem_confirmed"), "false");
  EXPECT_EQ(h.ticket("T-1").format("suggestion"), "");
  // The rejection shows what the event would have changed.
  const Record& rejection = h.records().back();
  ASSERT_EQ(rejection.changes.size(), 2u);
  EXPECT_EQ(rejection.changes[0].field, "problem_confirmed");
  EXPECT_EQ(rejection.changes[0].before_text, "false");
  EXPECT_EQ(rejection.changes[0].after_text, "true");

  ASSERT_TRUE(h.send(kMonday + 120, "T-1", "registered", intake(), {boolean("problem_confirmed", true)}).accepted);
  EXPECT_EQ(h.ticket("T-1").format("problem_confirmed"), "true");
  EXPECT_EQ(last_transition(h, "registered").changes.front().field, "problem_confirmed");
}

// ---------------------------------------------------------------- constraints

// A service error on an order of 1000: the plan may compensate at most 300.
void propose_compensation(Harness& h, const char* amount, Outcome& outcome) {
  ASSERT_TRUE(classify_after_sales(h, "T-1", kMonday, "service_error", "function", "medium").accepted);
  ASSERT_TRUE(h.send(kMonday + kHour, "T-1", "accepted", actor("wang", {"supervisor"})).accepted);
  outcome = h.send(kMonday + 2 * kHour, "T-1", "proposed", actor("wang", {"supervisor"}),
                   {text("remedy", "compensation"), money("order_amount", "1000"), money("compensation", amount)});
}

TEST(EngineTest, CompensationAboveThirtyPercentIsRefusedWithTheConstraintsMessage) {
  Harness h(shipped_rules("after_sales.docket"));
  Outcome outcome;
  propose_compensation(h, "300.01", outcome);
  EXPECT_FALSE(outcome.accepted);
  EXPECT_EQ(outcome.reason, "服务失误补偿不得超过该笔订单金额的 30%");
  EXPECT_EQ(outcome.code, RejectionCode::kConstraint);
  EXPECT_EQ(h.state("T-1"), "proposing");
  EXPECT_EQ(h.ticket("T-1").format("compensation"), "0");
  EXPECT_EQ(h.ticket("T-1").format("order_amount"), "0");
  const Record& rejection = h.records().back();
  EXPECT_EQ(rejection.kind, RecordKind::kRejection);
  EXPECT_EQ(rejection.rule.where, shipped_line("after_sales.docket", "require compensation <= order_amount * 30%"));
}

TEST(EngineTest, CompensationAtThirtyPercentIsAccepted) {
  Harness h(shipped_rules("after_sales.docket"));
  Outcome outcome;
  propose_compensation(h, "300", outcome);
  EXPECT_TRUE(outcome.accepted) << outcome.reason;
  EXPECT_EQ(outcome.state, "approving");
  EXPECT_EQ(h.ticket("T-1").format("compensation"), "300");
}

// ---------------------------------------------------------------- runaway loops

constexpr const char* kLoop = R"(workflow loop version "1"
field spin: bool = false
department desk { roles agent }
initial state idle {
  on go -> ping
  auto when spin -> ping
}
state ping { auto -> pong }
state pong {
  auto when spin -> ping
  on stop -> done
}
final state done
)";

TEST(EngineTest, RunawayAutomaticLoopIsRejectedAndRolledBack) {
  Harness h(compile_rules(kLoop));
  ASSERT_TRUE(h.create(kMonday, "L-1", actor("a", {"agent"}), {}).accepted);
  std::size_t records = h.records().size();
  Outcome outcome = h.send(kMonday + 1, "L-1", "go", actor("a", {"agent"}), {boolean("spin", true)});
  EXPECT_FALSE(outcome.accepted);
  EXPECT_THAT(outcome.reason, HasSubstr("did not come to rest after 100 steps"));
  EXPECT_THAT(outcome.reason, HasSubstr("ping -> pong"));
  EXPECT_EQ(h.state("L-1"), "idle");
  EXPECT_EQ(h.ticket("L-1").format("spin"), "false");
  EXPECT_EQ(h.records().size(), records + 1);  // only the rejection

  // Without the flag it rests in pong.
  EXPECT_EQ(h.send(kMonday + 2, "L-1", "go", actor("a", {"agent"})).state, "pong");
}

TEST(EngineTest, RunawayLoopAtCreationCreatesNoTicket) {
  Harness h(compile_rules(kLoop), EngineOptions{.max_steps = 10});
  Outcome outcome = h.create(kMonday, "L-1", actor("a", {"agent"}), {boolean("spin", true)});
  EXPECT_FALSE(outcome.accepted);
  EXPECT_THAT(outcome.reason, HasSubstr("after 10 steps"));
  EXPECT_EQ(h.engine.find("L-1"), nullptr);
  ASSERT_EQ(h.records().size(), 1u);
  EXPECT_EQ(h.records()[0].cause, Cause::kCreate);
}

// ---------------------------------------------------------------- ordering, duplicates, versions

TEST(EngineTest, EventsOlderThanTheTicketsLastChangeAreRejected) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(h.create(kMonday + kHour, "T-1", intake(), after_sales_form()).accepted);
  Outcome outcome = h.send(kMonday + kHour - 1, "T-1", "registered", intake(), {boolean("problem_confirmed", true)});
  EXPECT_FALSE(outcome.accepted);
  EXPECT_THAT(outcome.reason, HasSubstr("out of order"));
  EXPECT_EQ(outcome.code, RejectionCode::kOutOfOrder);
  EXPECT_EQ(h.state("T-1"), "registering");
  // The same second is fine.
  EXPECT_TRUE(h.send(kMonday + kHour, "T-1", "registered", intake(), {boolean("problem_confirmed", true)}).accepted);
}

TEST(EngineTest, DuplicateDeliveryIsAnsweredWithTheFirstOutcome) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form()).accepted);
  Event event{kMonday + 60, "T-1", "registered", intake(), {boolean("problem_confirmed", true)}, "msg-42", {}};
  Outcome first = h.apply(event);
  ASSERT_TRUE(first.accepted);
  std::size_t records = h.records().size();
  event.at = kMonday + 120;
  Outcome again = h.apply(event);
  EXPECT_TRUE(again.duplicate);
  EXPECT_TRUE(again.accepted);
  EXPECT_EQ(again.first_seq, first.first_seq);
  EXPECT_EQ(h.records().size(), records);
  EXPECT_EQ(h.records().back().idempotency_key, "msg-42");
}

TEST(EngineTest, TicketsKeepTheWorkflowVersionTheyStartedOn) {
  const char* v1 = R"(workflow desk version "1"
department d { roles agent }
initial state open { on close -> closed }
final state closed
)";
  const char* v2 = R"(workflow desk version "2"
department d { roles agent }
initial state open { on close -> review }
state review { on done -> closed }
final state closed
)";
  std::shared_ptr<const Workflow> first = compile_rules(v1);
  std::shared_ptr<const Workflow> second = compile_rules(v2);
  ASSERT_NE(first->version_id(), second->version_id());
  Harness h(first);
  ASSERT_TRUE(h.create(kMonday, "old", actor("a", {"agent"}), {}).accepted);
  ASSERT_TRUE(h.engine.install(second).ok());
  ASSERT_TRUE(h.create(kMonday, "new", actor("a", {"agent"}), {}).accepted);

  EXPECT_EQ(h.engine.find("old")->workflow, first);
  EXPECT_EQ(h.engine.find("new")->workflow, second);
  EXPECT_EQ(h.send(kMonday + 1, "old", "close", actor("a", {})).state, "closed");
  EXPECT_EQ(h.send(kMonday + 1, "new", "close", actor("a", {})).state, "review");
  EXPECT_EQ(h.records()[0].version, first->version_id());
  EXPECT_EQ(h.records().back().version, second->version_id());
}

TEST(EngineTest, FinalStateEmitsItsEventAndStopsEverything) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(classify_after_sales(h, "T-1", kMonday, "inquiry", "minor", "low").accepted);
  Actor pm = actor("chen", {"product_manager"});
  ASSERT_TRUE(h.send(kMonday + kHour, "T-1", "accepted", pm).accepted);
  // P2 needs no approval: proposed goes straight on to executing.
  EXPECT_EQ(h.send(kMonday + 2 * kHour, "T-1", "proposed", pm, {text("remedy", "answer")}).state, "executing");
  ASSERT_TRUE(h.send(kMonday + 3 * kHour, "T-1", "resolved", pm).accepted);
  ASSERT_TRUE(h.send(kMonday + 4 * kHour, "T-1", "confirmed", pm, {text("confirmation", "written")}).accepted);
  ASSERT_TRUE(h.send(kMonday + 5 * kHour, "T-1", "survey_declined", intake()).accepted);
  EXPECT_EQ(h.state("T-1"), "closed");
  EXPECT_EQ(h.with_effect(EffectKind::kEmit, "case_closed").size(), 1u);
  for (const SlaClock& clock : h.ticket("T-1").clocks) EXPECT_EQ(clock.status, SlaClock::Status::kStopped);
  EXPECT_THAT(h.ticket("T-1").timers, IsEmpty());
  EXPECT_EQ(h.engine.next_due(), kNever);
}

// ---------------------------------------------------------------- determinism and the journal

std::vector<Record> run_scenario() {
  Harness h(shipped_rules("after_sales.docket"));
  for (const char* id : {"B", "A"}) {
    classify_after_sales(h, id, kMonday, "fault", "function", "medium", "angry");
    h.send(kMonday + kHour, id, "accepted", engineer());
    h.send(kMonday + 2 * kHour, id, "proposed", engineer(), {text("remedy", "repair")});
    h.send(kMonday + 3 * kHour, id, "approve", actor("boss", {"supervisor"}));
  }
  h.advance_to(kMonday + 3 * kDay);
  h.send(kMonday + 3 * kDay, "A", "resolved", engineer());
  h.advance_to(kMonday + 6 * kDay);
  return h.records();
}

TEST(EngineTest, SameEventsGiveIdenticalRecords) {
  std::vector<Record> first = run_scenario();
  std::vector<Record> second = run_scenario();
  ASSERT_GT(first.size(), 20u);
  EXPECT_EQ(first, second);
  // Timers of two tickets due at the same instant fire in ticket id order.
  for (std::size_t i = 1; i < first.size(); ++i) {
    if (first[i].kind == RecordKind::kTimer && first[i - 1].kind == RecordKind::kTimer &&
        first[i].at == first[i - 1].at && first[i].rule.where == first[i - 1].rule.where) {
      EXPECT_LT(first[i - 1].ticket, first[i].ticket);
    }
  }
}

TEST(EngineTest, AJournalThatRefusesLeavesTheTicketAsItWas) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form()).accepted);
  Ticket before = h.ticket("T-1");
  std::uint64_t seq = h.engine.last_seq();
  h.journal.fail_next_writes(1);
  Result<Outcome> refused =
      h.engine.apply(Event{kMonday + 60, "T-1", "registered", intake(), {boolean("problem_confirmed", true)}, {}, {}});
  EXPECT_FALSE(refused.ok());
  EXPECT_THAT(refused.error(), HasSubstr("journal"));
  EXPECT_EQ(h.ticket("T-1"), before);
  EXPECT_EQ(h.engine.last_seq(), seq);
  // Sent again, it goes through with the next sequence number.
  Outcome again = h.send(kMonday + 60, "T-1", "registered", intake(), {boolean("problem_confirmed", true)});
  EXPECT_TRUE(again.accepted);
  EXPECT_EQ(again.first_seq, seq + 1);
}

TEST(EngineTest, ExplainNamesUnknownTicketsAndMetrics) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form()).accepted);
  EXPECT_FALSE(h.engine.explain("T-2", "resolve").ok());
  Result<std::string> metric = h.engine.explain("T-1", "speed");
  ASSERT_FALSE(metric.ok());
  EXPECT_THAT(metric.error(), HasSubstr("no SLA metric `speed`"));
  Result<std::string> unclassified = h.engine.explain("T-1", "resolve");
  ASSERT_TRUE(unclassified.ok());
  EXPECT_THAT(unclassified.value(), HasSubstr("no priority yet"));
}

// Every `ping` re-enters `open` and moves its 30-day timer on: each leaves
// a stale entry in the queue of due times, which would stay there for 30
// days. The queue is compacted instead, and the timer still fires once, on
// time.
TEST(EngineTest, TimersMovedOnByEveryEventDoNotPileUpInTheSchedule) {
  Harness h(compile_rules(R"(workflow pinger version "1"
department desk { roles agent }
initial state open {
  on ping -> open
  after 30d do notify agent "still_open"
  on done -> closed
}
final state closed
)"));
  Actor agent = actor("a", {"agent"});
  ASSERT_TRUE(h.create(kMonday, "P-1", agent, {}).accepted);
  ASSERT_TRUE(h.create(kMonday, "P-2", agent, {}).accepted);
  std::int64_t at = kMonday;
  std::size_t most = 0;
  for (int i = 0; i < 5'000; ++i) {
    at += kMinute;
    ASSERT_TRUE(h.send(at, i % 2 == 0 ? "P-1" : "P-2", "ping", agent).accepted) << i;
    most = std::max(most, h.engine.schedule_entries());
  }
  EXPECT_LE(most, 2 * 2 + Engine::kScheduleSlack + 1);
  EXPECT_EQ(h.engine.next_due(), at - kMinute + 30 * kDay);  // P-1's, pinged a minute before P-2
  h.advance_to(at + 31 * kDay);
  std::vector<Record> timers = h.records_of(RecordKind::kTimer);
  ASSERT_EQ(timers.size(), 2u);
  EXPECT_EQ(timers[0].ticket, "P-1");
  EXPECT_EQ(timers[0].at, at - kMinute + 30 * kDay);
  EXPECT_EQ(timers[1].ticket, "P-2");
  EXPECT_EQ(timers[1].at, at + 30 * kDay);
}

}  // namespace
}  // namespace docket::engine::testing
