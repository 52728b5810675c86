// Migration (engine/runtime/migration.h): a ticket is carried onto a new
// version of its rules by name, or the move is refused with the reason.

#include "engine/runtime/migration.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

#include "tests/scenarios/scenario.h"
#include "tests/support/engine_harness.h"
#include "tests/support/example_tickets.h"

#include "engine/codec/ticket_codec.h"

namespace docket::engine::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using Json = nlohmann::json;

// ---------------------------------------------------------------- helpers

// `text` with the first `from` (every one, with `all`) replaced by `to`;
// fails the test when `from` does not occur.
std::string replaced(std::string text, const std::string& from, const std::string& to, bool all = false) {
  std::size_t pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << "no `" << from << "` in the rules";
  while (pos != std::string::npos) {
    text.replace(pos, from.size(), to);
    if (!all) break;
    pos = text.find(from, pos + to.size());
  }
  return text;
}

// `text` without the lines from the one containing `first` up to (not
// including) the one containing `next`.
std::string without_lines(std::string text, const std::string& first, const std::string& next) {
  std::size_t begin = text.find(first);
  EXPECT_NE(begin, std::string::npos) << "no `" << first << "` in the rules";
  if (begin == std::string::npos) return text;
  begin = text.rfind('\n', begin) + 1;
  std::size_t end = text.find(next, begin);
  EXPECT_NE(end, std::string::npos) << "no `" << next << "` in the rules";
  if (end == std::string::npos) return text;
  end = text.rfind('\n', end) + 1;
  return text.erase(begin, end - begin);
}

// ---------------------------------------------------------------- round trips

void expect_round_trip(const Ticket& ticket) {
  std::string text = encode_ticket(ticket);
  Result<Ticket> decoded = decode_ticket(text, ticket.workflow);
  ASSERT_TRUE(decoded.ok()) << decoded.error() << "\n" << text;
  EXPECT_TRUE(decoded.value() == ticket) << ticket.id << " in " << ticket.state_name() << ":\n" << text;
}

void expect_identity_migration(const Ticket& ticket) {
  Result<Ticket> moved = migrate_ticket(ticket, ticket.workflow, {});
  ASSERT_TRUE(moved.ok()) << moved.error();
  EXPECT_EQ(encode_ticket(moved.value()), encode_ticket(ticket));
  EXPECT_TRUE(moved.value() == ticket);
}

TEST(MigrationTest, OntoTheSameRulesNothingChanges) {
  Ticket ticket = half_approved_complaint();
  expect_identity_migration(ticket);
  // Another compilation of the same text: the same version, the same snapshot.
  std::shared_ptr<const Workflow> again = shipped_rules("complaint_handling.docket");
  ASSERT_NE(again, ticket.workflow);
  Result<Ticket> moved = migrate_ticket(ticket, again, {});
  ASSERT_TRUE(moved.ok()) << moved.error();
  EXPECT_EQ(moved->workflow, again);
  EXPECT_EQ(encode_ticket(moved.value()), encode_ticket(ticket));
}

TEST(MigrationTest, ARenamedStateFollowsTheStateMap) {
  auto renamed =
      after_sales_variant([](std::string text) { return replaced(text, "registering", "intake", /*all=*/true); });
  ASSERT_NE(renamed, nullptr);
  Harness harness(shipped_rules("after_sales.docket"));
  harness.create(kMonday, "T-1", intake(), after_sales_form());
  const Ticket& ticket = harness.ticket("T-1");
  ASSERT_EQ(ticket.state_name(), "registering");

  Result<Ticket> refused = migrate_ticket(ticket, renamed, {});
  EXPECT_EQ(refused.error(), "ticket `T-1`: state `registering` is not in workflow after_sales version " +
                                 renamed->version_id().substr(0, 12) + " (map it to a state that is)");

  Result<Ticket> moved = migrate_ticket(ticket, renamed, {{"registering", "intake"}});
  ASSERT_TRUE(moved.ok()) << moved.error();
  EXPECT_EQ(moved->state_name(), "intake");
  EXPECT_EQ(moved->attributes[static_cast<std::size_t>(Attribute::kState)], Value::state(moved->state));
  // The same two timers, armed as they were.
  EXPECT_EQ(moved->timers, ticket.timers);
  EXPECT_EQ(moved->clocks, ticket.clocks);
  EXPECT_EQ(moved->fields, ticket.fields);
  expect_round_trip(moved.value());

  Result<Ticket> nowhere = migrate_ticket(ticket, renamed, {{"registering", "limbo"}});
  EXPECT_EQ(nowhere.error(),
            "ticket `T-1`: state `registering` maps to `limbo`, which is not in workflow "
            "after_sales version " +
                renamed->version_id().substr(0, 12));
}

TEST(MigrationTest, ATicketInARemovedStateIsRefused) {
  auto without_obstacle = after_sales_variant([](std::string text) {
    text = without_lines(text, "on obstacle_found -> obstacle", "on resolved -> awaiting_confirmation");
    return without_lines(text, "# Offered: a loaner unit", "# Closure needs");
  });
  ASSERT_NE(without_obstacle, nullptr);
  ASSERT_FALSE(without_obstacle->find_state("obstacle"));
  Ticket ticket = in_state(kAfterSales, "after_sales/03_obstacle_progress_breach.jsonl", "obstacle");
  Result<Ticket> moved = migrate_ticket(ticket, without_obstacle, {});
  EXPECT_EQ(moved.error(), "ticket `AS-301`: state `obstacle` is not in workflow after_sales version " +
                               without_obstacle->version_id().substr(0, 12) + " (map it to a state that is)");

  // Mapped back to `executing`: the resolve clock paused by `obstacle` runs
  // again from the move, as on leaving the state.
  Result<Ticket> mapped = migrate_ticket(ticket, without_obstacle, {{"obstacle", "executing"}});
  ASSERT_TRUE(mapped.ok()) << mapped.error();
  MetricIndex resolve = *ticket.workflow->find_metric("resolve");
  ASSERT_EQ(ticket.clocks[resolve].status, SlaClock::Status::kPaused);
  const SlaClock& clock = mapped->clocks[*without_obstacle->find_metric("resolve")];
  EXPECT_EQ(clock.status, SlaClock::Status::kRunning);
  EXPECT_EQ(clock.running_since, ticket.updated_at);
  EXPECT_EQ(clock.counted, ticket.clocks[resolve].counted);
  EXPECT_NE(clock.due, kNever);
}

TEST(MigrationTest, MappedIntoAFinalStateTheClocksStopAsOnEntry) {
  Ticket ticket = in_state(kAfterSales, "after_sales/01_product_fault_p0.jsonl", "executing");
  MetricIndex resolve = *ticket.workflow->find_metric("resolve");
  ASSERT_EQ(ticket.clocks[resolve].status, SlaClock::Status::kRunning);
  ASSERT_FALSE(ticket.timers.empty());
  Result<Ticket> moved = migrate_ticket(ticket, ticket.workflow, {{"executing", "closed"}});
  ASSERT_TRUE(moved.ok()) << moved.error();
  EXPECT_EQ(moved->state_name(), "closed");
  const SlaClock& clock = moved->clocks[resolve];
  EXPECT_EQ(clock.status, SlaClock::Status::kStopped);
  EXPECT_EQ(clock.changed_at, ticket.updated_at);
  ASSERT_FALSE(clock.counted.empty());
  EXPECT_EQ(clock.counted.back(), (TimeSpan{ticket.clocks[resolve].running_since, ticket.updated_at}));
  EXPECT_EQ(clock.due, kNever);
  EXPECT_TRUE(moved->timers.empty());
  EXPECT_FALSE(moved->approval.has_value());
}

TEST(MigrationTest, AStateWithNoWayToAFinalStateIsRefused) {
  std::shared_ptr<const Workflow> shipped = shipped_rules("after_sales.docket");
  ASSERT_NE(shipped, nullptr);
  WorkflowDefinition definition = shipped->definition();
  for (State& state : definition.states) {
    if (state.kind == StateKind::kFinal) state.kind = StateKind::kNormal;
  }
  Workflow::BuildResult endless = Workflow::build(std::move(definition));
  ASSERT_NE(endless.workflow, nullptr) << endless.error;
  Harness harness(shipped);
  harness.create(kMonday, "T-1", intake(), after_sales_form());
  Result<Ticket> moved = migrate_ticket(harness.ticket("T-1"), endless.workflow, {});
  EXPECT_THAT(moved.error(), HasSubstr("ticket `T-1`: would be stranded in state `registering`: no final state can "
                                       "be reached from it in workflow after_sales"));
}

TEST(MigrationTest, AValueOutsideANarrowedRangeIsRefused) {
  auto narrowed = after_sales_variant([](std::string text) {
    return replaced(text, "field response_speed \"响应速度\": int range 1..5",
                    "field response_speed \"响应速度\": int range 1..3");
  });
  ASSERT_NE(narrowed, nullptr);
  Ticket ticket = closed_product_fault();
  ASSERT_EQ(ticket.format("response_speed"), "5");
  Result<Ticket> moved = migrate_ticket(ticket, narrowed, {});
  EXPECT_EQ(moved.error(),
            "ticket `AS-101`: field `response_speed` = 5 is out of range 1..3 in workflow after_sales "
            "version " +
                narrowed->version_id().substr(0, 12));
  // Before the survey the field is empty: nothing to refuse.
  Ticket earlier = in_state(kAfterSales, "after_sales/01_product_fault_p0.jsonl", "follow_up");
  Result<Ticket> fine = migrate_ticket(earlier, narrowed, {});
  ASSERT_TRUE(fine.ok()) << fine.error();
  EXPECT_EQ(fine->workflow, narrowed);
}

TEST(MigrationTest, ADroppedFieldThatHoldsAValueIsRefused) {
  auto dropped = after_sales_variant(
      [](std::string text) { return without_lines(text, "field suggestion \"改进建议\"", "field improvement_plan"); });
  ASSERT_NE(dropped, nullptr);
  ASSERT_FALSE(dropped->find_field("suggestion"));
  Ticket ticket = closed_product_fault();
  Result<Ticket> moved = migrate_ticket(ticket, dropped, {});
  EXPECT_EQ(moved.error(),
            "ticket `AS-101`: field `suggestion` holds \"上门速度很快 (the engineer came quickly)\" but "
            "is not in workflow after_sales version " +
                dropped->version_id().substr(0, 12));

  // Without a value the field just goes; the others keep their values by name.
  Ticket earlier = in_state(kAfterSales, "after_sales/01_product_fault_p0.jsonl", "follow_up");
  Result<Ticket> fine = migrate_ticket(earlier, dropped, {});
  ASSERT_TRUE(fine.ok()) << fine.error();
  EXPECT_EQ(fine->fields.size(), earlier.fields.size() - 1);
  for (const Field& field : dropped->fields()) EXPECT_EQ(fine->format(field.name), earlier.format(field.name));
  expect_round_trip(fine.value());
}

TEST(MigrationTest, EnumValuesMoveByName) {
  auto reordered = after_sales_variant([](std::string text) {
    return replaced(text, "enum(phone, web_chat, app_chat, wechat, email, social)",
                    "enum(social, email, wechat, app_chat, web_chat, phone)");
  });
  auto shrunk = after_sales_variant([](std::string text) {
    return replaced(text, "enum(phone, web_chat, app_chat, wechat, email, social)",
                    "enum(web_chat, app_chat, wechat, email, social)");
  });
  ASSERT_NE(reordered, nullptr);
  ASSERT_NE(shrunk, nullptr);
  Ticket ticket = closed_product_fault();
  Result<Ticket> moved = migrate_ticket(ticket, reordered, {});
  ASSERT_TRUE(moved.ok()) << moved.error();
  EXPECT_EQ(moved->format("channel"), "phone");
  EXPECT_EQ(moved->field("channel")->ordinal(), 5u);
  EXPECT_EQ(moved->field("channel")->domain(), *reordered->find_field("channel"));

  Result<Ticket> refused = migrate_ticket(ticket, shrunk, {});
  EXPECT_THAT(refused.error(), HasSubstr("ticket `AS-101`: field `channel`: its value `phone` is not one of web_chat, "
                                         "app_chat, wechat, email, social in workflow after_sales version "));
}

TEST(MigrationTest, AttributesAndRulesMustStillFit) {
  Ticket ticket = closed_product_fault();
  auto no_p0 = after_sales_variant([](std::string text) { return replaced(text, "P0", "PX", /*all=*/true); });
  ASSERT_NE(no_p0, nullptr);
  EXPECT_THAT(migrate_ticket(ticket, no_p0, {}).error(),
              HasSubstr("ticket `AS-101`: priority `P0` is not in workflow after_sales version "));

  auto required = after_sales_variant([](std::string text) {
    return replaced(text, "field suggestion", "field region: text required\nfield suggestion");
  });
  ASSERT_NE(required, nullptr);
  EXPECT_THAT(migrate_ticket(ticket, required, {}).error(),
              HasSubstr("ticket `AS-101`: field `region` is required in workflow after_sales version "));

  auto constrained = after_sales_variant([](std::string text) {
    return replaced(text, "require compensation >= 0",
                    "require order_amount > 5000 \"big orders only\"\nrequire compensation >= 0");
  });
  ASSERT_NE(constrained, nullptr);
  EXPECT_THAT(migrate_ticket(ticket, constrained, {}).error(),
              HasSubstr("ticket `AS-101`: violates `require order_amount > 5000` of workflow after_sales version "));

  std::shared_ptr<const Workflow> complaints = shipped_rules("complaint_handling.docket");
  EXPECT_EQ(migrate_ticket(ticket, complaints, {}).error(),
            "ticket `AS-101`: belongs to workflow after_sales, not complaint_handling: a ticket moves only between "
            "versions of its workflow");
  EXPECT_EQ(migrate_ticket(ticket, nullptr, {}).error(), "ticket `AS-101`: no workflow to migrate to");
}

TEST(MigrationTest, NewFieldsGetTheirDefaultsAndNewMetricsStartAtTheMove) {
  auto extended = after_sales_variant([](std::string text) {
    text = replaced(text, "field suggestion", "field source: text = \"legacy\"\nfield suggestion");
    return replaced(text, "  first_response 1h\n", "  first_response 1h\n  acknowledge 30m\n");
  });
  ASSERT_NE(extended, nullptr);
  Ticket ticket = in_state(kAfterSales, "after_sales/01_product_fault_p0.jsonl", "executing");
  Result<Ticket> moved = migrate_ticket(ticket, extended, {});
  ASSERT_TRUE(moved.ok()) << moved.error();
  EXPECT_EQ(moved->format("source"), "\"legacy\"");
  std::optional<MetricIndex> acknowledge = extended->find_metric("acknowledge");
  ASSERT_TRUE(acknowledge);
  const SlaClock& clock = moved->clocks[*acknowledge];
  EXPECT_EQ(clock.status, SlaClock::Status::kRunning);
  EXPECT_EQ(clock.running_since, ticket.updated_at);
  EXPECT_TRUE(clock.counted.empty());
  // P0 now limits it to 30 minutes: warned at 50%, due from the move.
  EXPECT_EQ(clock.next_mark, 0u);
  EXPECT_EQ(clock.due, ticket.updated_at + 15 * kMinute);
  // The clocks that existed keep their time and their marks.
  MetricIndex resolve = *ticket.workflow->find_metric("resolve");
  EXPECT_EQ(moved->clocks[*extended->find_metric("resolve")], ticket.clocks[resolve]);
  expect_round_trip(moved.value());
}

TEST(MigrationTest, ChangedLimitsCountTheMarksAlreadyReachedAsPassed) {
  // AS-101 is approved at 10:15 (Beijing), created 09:00: 1h15m of resolve measured.
  Ticket ticket = in_state(kAfterSales, "after_sales/01_product_fault_p0.jsonl", "executing");
  MetricIndex resolve = *ticket.workflow->find_metric("resolve");
  ASSERT_EQ(ticket.updated_at - ticket.created_at, 75 * kMinute);
  ASSERT_EQ(ticket.clocks[resolve].next_mark, 0u);  // 50% of 4h comes at 2h

  // resolve 2h: 50% (1h) has passed and does not fire again; 80% is next.
  auto two_hours = after_sales_variant([](std::string text) { return replaced(text, "resolve 4h", "resolve 2h"); });
  ASSERT_NE(two_hours, nullptr);
  Result<Ticket> moved = migrate_ticket(ticket, two_hours, {});
  ASSERT_TRUE(moved.ok()) << moved.error();
  const SlaClock& clock = moved->clocks[resolve];
  EXPECT_EQ(clock.next_mark, 1u);
  EXPECT_FALSE(clock.breached);
  EXPECT_EQ(clock.due, ticket.created_at + 96 * kMinute);

  // resolve 1h: every mark up to the breach has passed; the clock is breached.
  auto one_hour = after_sales_variant([](std::string text) { return replaced(text, "resolve 4h", "resolve 1h"); });
  ASSERT_NE(one_hour, nullptr);
  Result<Ticket> late = migrate_ticket(ticket, one_hour, {});
  ASSERT_TRUE(late.ok()) << late.error();
  EXPECT_TRUE(late->clocks[resolve].breached);
  EXPECT_EQ(late->clocks[resolve].due, kNever);
  EXPECT_EQ(late->clocks[resolve].status, SlaClock::Status::kRunning);
}

TEST(MigrationTest, ChangedTimersAreArmedFromEntryAndCatchUpOnce) {
  Replay replay(kAfterSales);
  replay.play_each("after_sales/01_product_fault_p0.jsonl", [&](const EventLine&, const Outcome* applied) {
    return applied != nullptr && replay.state("AS-101") == "executing";
  });
  const Ticket* found = replay.engine.find("AS-101");
  ASSERT_NE(found, nullptr);
  ASSERT_EQ(found->state_name(), "executing");
  // A day and a half in `executing`: the 24h progress update has fired once.
  replay.advance_to(found->entered_at + 36 * kHour);
  Ticket ticket = *replay.engine.find("AS-101");
  ASSERT_EQ(ticket.timers.size(), 1u);
  EXPECT_EQ(ticket.timers[0].due, ticket.entered_at + 48 * kHour);
  expect_identity_migration(ticket);

  auto twice_a_day = after_sales_variant([](std::string text) {
    return replaced(text, "state executing \"方案执行中\" {\n  every 24h",
                    "state executing \"方案执行中\" {\n  every 10h");
  });
  ASSERT_NE(twice_a_day, nullptr);
  Result<Ticket> moved = migrate_ticket(ticket, twice_a_day, {});
  ASSERT_TRUE(moved.ok()) << moved.error();
  ASSERT_EQ(moved->timers.size(), 1u);
  // The ticket last changed when the 24h update fired; the new timer's last
  // occurrence by then (at 20h) is due: it fires once, late, then every 10h.
  std::int64_t elapsed = ticket.updated_at - ticket.entered_at;
  ASSERT_EQ(elapsed, 24 * kHour);
  EXPECT_EQ(moved->timers[0].due, ticket.entered_at + elapsed / (10 * kHour) * (10 * kHour));
  EXPECT_LE(moved->timers[0].due, ticket.updated_at);
}

TEST(MigrationTest, ApprovalProgressMovesOnlyWithItsChainAndLevel) {
  Ticket ticket = half_approved_complaint();
  auto variant = [](const std::string& from, const std::string& to) {
    return compile_rules(replaced(read_source(kComplaints), from, to, /*all=*/true), "complaint_handling.docket");
  };
  auto chain_renamed = variant("key_account_signoff", "account_signoff");
  ASSERT_NE(chain_renamed, nullptr);
  EXPECT_THAT(migrate_ticket(ticket, chain_renamed, {}).error(),
              HasSubstr("ticket `CP-401`: approval chain `key_account_signoff` is not in workflow complaint_handling "
                        "version "));
  auto level_renamed = variant("level account:", "level kam:");
  ASSERT_NE(level_renamed, nullptr);
  EXPECT_THAT(migrate_ticket(ticket, level_renamed, {}).error(),
              HasSubstr("ticket `CP-401`: approval level `key_account_signoff.account` is not in workflow "
                        "complaint_handling version "));

  // A time limit added to the open level counts from when the level opened.
  auto limited =
      variant("level account: any of key_account_manager", "level account: any of key_account_manager within 4h");
  ASSERT_NE(limited, nullptr);
  Result<Ticket> moved = migrate_ticket(ticket, limited, {});
  ASSERT_TRUE(moved.ok()) << moved.error();
  ASSERT_TRUE(moved->approval.has_value());
  EXPECT_EQ(moved->approval->votes, ticket.approval->votes);
  EXPECT_EQ(moved->approval->level, 1u);
  EXPECT_EQ(moved->approval->deadline, ticket.approval->level_started_at + 4 * kHour);
}

// The proposal moves with the ticket, and an approval that the move starts
// is requested by its proposer, not by whoever created the ticket.
TEST(MigrationTest, TheProposalMovesAndProposesAnApprovalTheMoveStarts) {
  Harness h(shipped_rules("after_sales.docket"));
  Actor he = actor("he", {"complaints.specialist"});
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form()).accepted);
  ASSERT_TRUE(h.send(kMonday + 60, "T-1", "registered", intake(), {boolean("problem_confirmed", true)}).accepted);
  ASSERT_TRUE(h.send(kMonday + 120, "T-1", "classified", intake(),
                     {text("problem_type", "rights_claim"), text("impact", "minor"), text("urgency", "high")})
                  .accepted);
  ASSERT_TRUE(h.send(kMonday + 180, "T-1", "accepted", he).accepted);
  ASSERT_EQ(h.send(kMonday + 240, "T-1", "proposed", he, {text("remedy", "legal_settlement")}).state, "legal_review");
  const Ticket& ticket = h.ticket("T-1");
  ASSERT_TRUE(ticket.proposal.has_value());

  Result<Ticket> moved = migrate_ticket(ticket, ticket.workflow, {{"legal_review", "approving"}});
  ASSERT_TRUE(moved.ok()) << moved.error();
  EXPECT_EQ(moved->proposal, ticket.proposal);
  ASSERT_TRUE(moved->approval.has_value());
  EXPECT_EQ(moved->approval->requester, "he");
}

}  // namespace
}  // namespace docket::engine::testing
