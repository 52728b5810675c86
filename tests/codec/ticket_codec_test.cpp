// Ticket snapshots (engine/codec/ticket_codec.h): the store rebuilds open tickets
// from them after a restart, so every ticket the shipped rules can produce
// must come back exactly; damaged snapshots must be refused with a message
// that says where.

#include "engine/codec/ticket_codec.h"
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

namespace docket::engine::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using Json = nlohmann::json;

// ---------------------------------------------------------------- helpers

void expect_round_trip(const Ticket& ticket) {
  std::string text = encode_ticket(ticket);
  Result<Ticket> decoded = decode_ticket(text, ticket.workflow);
  ASSERT_TRUE(decoded.ok()) << decoded.error() << "\n" << text;
  EXPECT_TRUE(decoded.value() == ticket) << ticket.id << " in " << ticket.state_name() << ":\n" << text;
  EXPECT_EQ(encode_ticket(decoded.value()), text);
}

void expect_identity_migration(const Ticket& ticket) {
  Result<Ticket> moved = migrate_ticket(ticket, ticket.workflow, {});
  ASSERT_TRUE(moved.ok()) << moved.error();
  EXPECT_EQ(encode_ticket(moved.value()), encode_ticket(ticket));
  EXPECT_TRUE(moved.value() == ticket);
}

// What the tickets seen so far went through: a round trip of all the
// shipped examples must have covered each.
struct Seen {
  bool unclassified = false;
  bool classified = false;
  bool timers = false;
  bool business_timers = false;
  bool votes = false;
  bool paused = false;
  bool breached = false;
  bool stopped = false;
  bool departments = false;
  bool final_state = false;

  void note(const Ticket& ticket) {
    const Workflow& workflow = *ticket.workflow;
    bool final_state_now = workflow.is_final(ticket.state);
    unclassified |= !ticket.priority() && !final_state_now;
    classified |= ticket.priority() && ticket.category() && !final_state_now;
    timers |= !ticket.timers.empty();
    for (const ArmedTimer& armed : ticket.timers)
      business_timers |= workflow.timers()[armed.timer].length.calendar != kNoIndex;
    votes |= ticket.approval && !ticket.approval->votes.empty();
    departments |= !ticket.departments.empty();
    final_state |= final_state_now;
    for (const SlaClock& clock : ticket.clocks) {
      paused |= clock.status == SlaClock::Status::kPaused;
      stopped |= clock.status == SlaClock::Status::kStopped;
      breached |= clock.breached && !final_state_now;
    }
  }
};

// Every ticket of `example`, after every event and then every six hours
// for four days: snapshot round trip and identity migration.
void check_every_moment(const std::string& rules, const std::string& example, Seen& seen) {
  SCOPED_TRACE(example);
  Replay replay(rules);
  auto check_all = [&] {
    for (std::size_t i = 0; i < replay.engine.ticket_count(); ++i) {
      const Ticket& ticket = replay.engine.ticket_at(i);
      expect_round_trip(ticket);
      expect_identity_migration(ticket);
      seen.note(ticket);
    }
    return false;
  };
  replay.play_each(example,
                   [&](const EventLine&, const Outcome* applied) { return applied != nullptr && check_all(); });
  std::int64_t start = replay.engine.now();
  for (std::int64_t t = start + 6 * kHour; t <= start + 4 * kDay; t += 6 * kHour) {
    replay.advance_to(t);
    check_all();
  }
}

// ---------------------------------------------------------------- round trips

TEST(TicketCodecTest, EveryTicketOfTheShippedExamplesComesBackExactlyAtEveryMoment) {
  Seen seen;
  for (const char* example :
       {"01_product_fault_p0", "02_service_error_compensation", "03_obstacle_progress_breach",
        "04_inquiry_p2_no_approval", "05_rights_claim_legal_review", "06_intake_channels_and_timers",
        "07_priority_table", "08_national_day_p2", "walkthrough"}) {
    check_every_moment(kAfterSales, std::string("after_sales/") + example + ".jsonl", seen);
  }
  for (const char* example :
       {"01_quality_batch_defect_recall", "02_logistics_urgent_escalation", "03_attitude_reopened",
        "04_pricing_important_customer", "05_issues_and_grades", "walkthrough"}) {
    check_every_moment(kComplaints, std::string("complaint_handling/") + example + ".jsonl", seen);
  }
  // The examples take tickets through every situation a snapshot must hold.
  EXPECT_TRUE(seen.unclassified);
  EXPECT_TRUE(seen.classified);
  EXPECT_TRUE(seen.timers);
  EXPECT_TRUE(seen.business_timers);
  EXPECT_TRUE(seen.votes);
  EXPECT_TRUE(seen.paused);
  EXPECT_TRUE(seen.breached);
  EXPECT_TRUE(seen.stopped);
  EXPECT_TRUE(seen.departments);
  EXPECT_TRUE(seen.final_state);
}

TEST(TicketCodecTest, ASnapshotNamesEverythingInAFixedOrder) {
  Ticket ticket = closed_product_fault();
  std::string text = encode_ticket(ticket);
  EXPECT_THAT(text, StartsWith("{\"snapshot\":1,\"ticket\":\"AS-101\",\"workflow\":\"after_sales\",\"version\":\"" +
                               ticket.workflow->version_id() + "\",\"state\":\"closed\","));
  EXPECT_EQ(text.find('\n'), std::string::npos);
  Json json = Json::parse(text);
  // nlohmann sorts keys: the order written is checked on the text.
  std::size_t last = 0;
  for (const char* key : {"\"snapshot\"", "\"ticket\"", "\"workflow\"", "\"version\"", "\"state\"", "\"created_at\"",
                          "\"entered_at\"", "\"updated_at\"", "\"fields\"", "\"attributes\"", "\"departments\"",
                          "\"assignee\"", "\"clocks\"", "\"timers\"", "\"approval\""}) {
    std::size_t at_key = text.find(std::string(key) + ":", last);
    ASSERT_NE(at_key, std::string::npos) << key;
    EXPECT_GT(at_key, last) << key << " out of order";
    last = at_key;
  }
  EXPECT_EQ(json["created_at"], "2026-11-23T01:00:00Z");
  EXPECT_EQ(json["fields"]["mood"], "angry");
  EXPECT_EQ(json["fields"]["channel"], "phone");
  EXPECT_EQ(json["fields"]["overall"], 5);
  EXPECT_EQ(json["fields"]["improvement_plan"], nullptr);
  EXPECT_EQ(json["attributes"]["priority"], "P0");
  EXPECT_EQ(json["attributes"]["category"], "product_fault");
  EXPECT_EQ(json["attributes"]["requester"], "zhang");
  EXPECT_EQ(json["departments"], Json::array({"tech"}));
  EXPECT_EQ(json["assignee"]["department"], "tech");
  EXPECT_EQ(json["assignee"]["role"], nullptr);
  EXPECT_EQ(json["clocks"]["first_response"]["status"], "stopped");
  EXPECT_EQ(json["clocks"]["first_response"]["counted"],
            Json::parse(R"([["2026-11-23T01:00:00Z","2026-11-23T01:40:00Z"]])"));
  EXPECT_EQ(json["clocks"]["resolve"]["due"], nullptr);
  EXPECT_EQ(json["timers"], Json::array());
  EXPECT_EQ(json["approval"], nullptr);
  // Money as the exact decimal, never through a double.
  EXPECT_THAT(text, HasSubstr("\"order_amount\":3999,"));
  EXPECT_THAT(text, HasSubstr("\"suggestion\":\"上门速度很快 (the engineer came quickly)\""));
}

TEST(TicketCodecTest, TheSameTicketAlwaysGivesTheSameBytes) {
  // Two engines, two compilations of the same rules: the same snapshots.
  Replay first(kAfterSales);
  Replay second(kAfterSales);
  first.play("after_sales/walkthrough.jsonl");
  second.play("after_sales/walkthrough.jsonl");
  ASSERT_EQ(first.engine.ticket_count(), second.engine.ticket_count());
  ASSERT_GT(first.engine.ticket_count(), 1u);
  for (std::size_t i = 0; i < first.engine.ticket_count(); ++i) {
    std::string text = encode_ticket(first.engine.ticket_at(i));
    EXPECT_EQ(text, encode_ticket(first.engine.ticket_at(i)));
    EXPECT_EQ(text, encode_ticket(second.engine.ticket_at(i)));
    Result<Ticket> decoded = decode_ticket(text, second.workflow);
    ASSERT_TRUE(decoded.ok()) << decoded.error();
    EXPECT_TRUE(decoded.value() == second.engine.ticket_at(i));
  }
}

TEST(TicketCodecTest, AnApprovalInProgressKeepsItsVotesByName) {
  Ticket ticket = half_approved_complaint();
  ASSERT_TRUE(ticket.approval.has_value());
  Json json = Json::parse(encode_ticket(ticket));
  EXPECT_EQ(json["state"], "approving");
  EXPECT_EQ(json["approval"]["chain"], "key_account_signoff");
  EXPECT_EQ(json["approval"]["level"], "account");
  EXPECT_EQ(json["approval"]["requester"], "gao");
  ASSERT_EQ(json["approval"]["votes"].size(), 1u);
  EXPECT_EQ(json["approval"]["votes"][0]["level"], "leader");
  EXPECT_EQ(json["approval"]["votes"][0]["role"], "dept_head");
  EXPECT_EQ(json["approval"]["deadline"], nullptr);
  expect_round_trip(ticket);
}

// The proposal is kept by actor ids; a snapshot written before proposals
// existed has none, and still reads.
TEST(TicketCodecTest, AProposalIsKeptAndOlderSnapshotsWithoutOneStillRead) {
  Ticket ticket = closed_product_fault();
  ASSERT_TRUE(ticket.proposal.has_value());
  Json json = Json::parse(encode_ticket(ticket));
  EXPECT_EQ(json["proposal"]["proposer"], "liu");
  EXPECT_EQ(json["proposal"]["participants"][0], "liu");
  expect_round_trip(ticket);

  json.erase("proposal");
  Result<Ticket> older = decode_ticket(json.dump(), ticket.workflow);
  ASSERT_TRUE(older.ok()) << older.error();
  EXPECT_FALSE(older->proposal.has_value());
  EXPECT_EQ(encode_ticket(older.value()).find("\"proposal\""), std::string::npos);

  json["proposal"] = Json::parse(R"({"proposer":"liu","participants":["liu",5]})");
  Result<Ticket> broken = decode_ticket(json.dump(), ticket.workflow);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error(), "ticket `AS-101`: `proposal`.`participants`[1]: expected a string, got 5");
}

TEST(TicketCodecTest, ArmedTimersAreNamedByStateAndOrdinal) {
  Harness harness(shipped_rules("after_sales.docket"));
  harness.create(kMonday + 2 * kHour, "T-1", intake(), after_sales_form());
  const Ticket& ticket = harness.ticket("T-1");
  ASSERT_EQ(ticket.state_name(), "registering");
  Json json = Json::parse(encode_ticket(ticket));
  // after 1h30m in office, after 2h in office: from Mon 10:00 in Shanghai.
  EXPECT_EQ(json["timers"], Json::parse(R"([{"state":"registering","ordinal":0,"due":"2026-11-23T03:30:00Z"},
                                             {"state":"registering","ordinal":1,"due":"2026-11-23T04:00:00Z"}])"));
  EXPECT_EQ(json["clocks"]["resolve"]["status"], "running");
  EXPECT_EQ(json["attributes"]["priority"], nullptr);
  expect_round_trip(ticket);
}

// Every field type, with values at the edges of what the engine holds.
const char* const kEveryType = R"(
workflow sample version "1"
field title: text
field count: int range -10..10
field ratio: decimal
field price: money
field done: bool = false
field level: enum(low, high)
field wait: duration
field due_at: timestamp
department desk { roles agent }
category general -> desk
priority P1 { resolve 1h }
initial state open {
  on finish -> closed
}
final state closed
)";

TEST(TicketCodecTest, NumbersDurationsAndInstantsAreExact) {
  Harness harness(compile_rules(kEveryType));
  harness.create(kMonday, "T-1", actor("ann", {}),
                 {text("title", "a \"quoted\"\nline \\ with \x01 control"),
                  number("count", -10),
                  {"ratio", FieldInput::number(*Fixed::parse("-0.0001"))},
                  money("price", "922337203685477.58"),
                  boolean("done", true),
                  text("level", "high"),
                  text("wait", "1w2d3h4m5s"),
                  text("due_at", "2026-11-23T09:00:00+08:00")});
  const Ticket& ticket = harness.ticket("T-1");
  ASSERT_EQ(ticket.state_name(), "open");
  std::string text = encode_ticket(ticket);
  EXPECT_THAT(text, HasSubstr("\"count\":-10,\"ratio\":-0.0001,\"price\":922337203685477.58,\"done\":true,"
                              "\"level\":\"high\",\"wait\":\"1w2d3h4m5s\",\"due_at\":\"2026-11-23T01:00:00Z\""));
  EXPECT_THAT(text, HasSubstr(R"("title":"a \"quoted\"\nline \\ with \u0001 control")"));
  expect_round_trip(ticket);

  // Values the text forms cannot say are written as numbers, still exactly.
  Ticket edge = ticket;
  const Workflow& workflow = *edge.workflow;
  edge.fields[*workflow.find_field("wait")] = Value::duration(INT64_MIN);
  edge.fields[*workflow.find_field("due_at")] = Value::timestamp(-70'000'000'000);
  edge.fields[*workflow.find_field("ratio")] = Value::number(Fixed::from_raw(INT64_MIN));
  edge.fields[*workflow.find_field("title")] = Value::text("");
  edge.clocks[0].due = kNever - 1;
  edge.updated_at = INT64_MIN;
  std::string edge_text = encode_ticket(edge);
  EXPECT_THAT(edge_text, HasSubstr("\"wait\":-9223372036854775808,"));
  EXPECT_THAT(edge_text, HasSubstr("\"due_at\":-70000000000}"));
  EXPECT_THAT(edge_text, HasSubstr("\"ratio\":-922337203685477.5808,"));
  EXPECT_THAT(edge_text, HasSubstr("\"title\":\"\","));
  expect_round_trip(edge);
}

// ---------------------------------------------------------------- decode errors

class TicketCodecDecodeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    closed_ = new Ticket(closed_product_fault());
    approving_ = new Ticket(half_approved_complaint());
  }
  static void TearDownTestSuite() {
    delete closed_;
    delete approving_;
  }

  // The error of decoding `ticket`'s snapshot after `edit`.
  static std::string error_after(const Ticket& ticket, const std::function<void(Json&)>& edit) {
    Json json = Json::parse(encode_ticket(ticket));
    edit(json);
    return error_of(json.dump(), ticket.workflow);
  }

  static std::string error_of(std::string_view text, std::shared_ptr<const Workflow> workflow) {
    Result<Ticket> decoded = decode_ticket(text, std::move(workflow));
    EXPECT_FALSE(decoded.ok()) << "decoded: " << text;
    EXPECT_EQ(decoded.error().find('\n'), std::string::npos) << decoded.error();
    return decoded.error();
  }

  static const Ticket& closed() { return *closed_; }
  static const Ticket& approving() { return *approving_; }

 private:
  static inline Ticket* closed_ = nullptr;
  static inline Ticket* approving_ = nullptr;
};

TEST_F(TicketCodecDecodeTest, KeyOrderDoesNotMatter) {
  // nlohmann writes keys sorted: still the same ticket.
  Result<Ticket> decoded = decode_ticket(Json::parse(encode_ticket(approving())).dump(), approving().workflow);
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  EXPECT_TRUE(decoded.value() == approving());
}

TEST_F(TicketCodecDecodeTest, AFieldOfTheWrongTypeIsNamed) {
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["fields"]["overall"] = "x"; }),
            "ticket `AS-101`: field `overall`: expected int, got \"x\"");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["fields"]["overall"] = Json::parse("4.5"); }),
            "ticket `AS-101`: field `overall`: expected int, got 4.5");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["fields"]["order_amount"] = Json::parse("1.234"); }),
            "ticket `AS-101`: field `order_amount`: expected money (at most 2 decimal places), got 1.234");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["fields"]["problem_confirmed"] = "yes"; }),
            "ticket `AS-101`: field `problem_confirmed`: expected bool, got \"yes\"");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["fields"]["customer"] = 7; }),
            "ticket `AS-101`: field `customer`: expected text, got 7");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["fields"]["mood"] = "furious"; }),
            "ticket `AS-101`: field `mood`: expected one of calm, unhappy, angry, got \"furious\"");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["fields"]["purchase_date"] = "yesterday"; }),
            "ticket `AS-101`: field `purchase_date`: expected a UTC timestamp such as \"2026-11-23T09:00:00Z\", got "
            "\"yesterday\"");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["fields"]["overall"] = 7; }),
            "ticket `AS-101`: field `overall` = 7 is out of range 1..5");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["fields"]["customer"] = nullptr; }),
            "ticket `AS-101`: field `customer`: is required but has no value");
}

TEST_F(TicketCodecDecodeTest, HugeAndOddNumbersAreRefusedNotMisread) {
  auto with_number = [](const char* field, const char* number) {
    return [=](Json& j) { j["fields"][field] = "@" + std::string(number); };
  };
  // nlohmann cannot hold these as numbers: splice them into the text.
  auto spliced = [&](const char* field, const char* number) {
    Json json = Json::parse(encode_ticket(closed()));
    with_number(field, number)(json);
    std::string text = json.dump();
    std::string quoted = "\"@" + std::string(number) + "\"";
    text.replace(text.find(quoted), quoted.size(), number);
    return error_of(text, closed().workflow);
  };
  EXPECT_EQ(spliced("order_amount", "99999999999999999999999999"),
            "ticket `AS-101`: field `order_amount`: expected money (at most 2 decimal places), got "
            "99999999999999999999999999");
  EXPECT_EQ(spliced("overall", "-0.5"), "ticket `AS-101`: field `overall`: expected int, got -0.5");
  EXPECT_EQ(spliced("overall", "12345678901234567890"),
            "ticket `AS-101`: field `overall`: expected int, got 12345678901234567890");
  // Numbers past any floating-point range are refused by the JSON reader
  // itself; the message stays short whatever the input.
  EXPECT_THAT(spliced("overall", "1e400"), StartsWith("ticket snapshot: byte "));
  std::string long_number(5000, '7');
  std::string refused = spliced("overall", long_number.c_str());
  EXPECT_THAT(refused, StartsWith("ticket snapshot: byte "));
  EXPECT_LE(refused.size(), 300u);
}

TEST_F(TicketCodecDecodeTest, NamesFromTheSnapshotStayOnOneLine) {
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["state"] = "a\nb"; }),
            "ticket `AS-101`: state `a\\nb` is not in workflow after_sales");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["fields"]["x\ny"] = 1; }),
            "ticket `AS-101`: field `x\\ny` is not in workflow after_sales");
}

TEST_F(TicketCodecDecodeTest, LongValuesAreCutInMessages) {
  std::string long_text(500, 'y');
  EXPECT_EQ(error_after(closed(), [&](Json& j) { j["fields"]["overall"] = long_text; }),
            "ticket `AS-101`: field `overall`: expected int, got \"" + std::string(59, 'y') + "...");
}

TEST_F(TicketCodecDecodeTest, NamesMustExistInTheWorkflow) {
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["state"] = "foo"; }),
            "ticket `AS-101`: state `foo` is not in workflow after_sales");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["fields"]["colour"] = "red"; }),
            "ticket `AS-101`: field `colour` is not in workflow after_sales");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["fields"].erase("mood"); }),
            "ticket `AS-101`: `fields`: field `mood` is missing");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["attributes"]["priority"] = "P9"; }),
            "ticket `AS-101`: priority `P9` is not in workflow after_sales");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["attributes"]["category"] = "gadgets"; }),
            "ticket `AS-101`: category `gadgets` is not in workflow after_sales");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["attributes"]["requester"] = 12; }),
            "ticket `AS-101`: attribute `requester`: expected a string, got 12");
  EXPECT_EQ(error_after(closed(),
                        [](Json& j) {
                          j["departments"] = Json::array({"tech", "marketing"});
                        }),
            "ticket `AS-101`: department `marketing` is not in workflow after_sales");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["departments"] = Json::array({nullptr}); }),
            "ticket `AS-101`: `departments`: expected a department name, got null");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["assignee"]["role"] = "janitor"; }),
            "ticket `AS-101`: role `janitor` is not in workflow after_sales");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["assignee"] = "tech"; }),
            "ticket `AS-101`: `assignee`: expected an object, got \"tech\"");
}

TEST_F(TicketCodecDecodeTest, TheSnapshotMustBeOfThisWorkflowVersion) {
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["workflow"] = "complaint_handling"; }),
            "ticket `AS-101`: the snapshot is of workflow complaint_handling, not after_sales");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["version"] = "0123abc"; }),
            "ticket `AS-101`: the snapshot is of workflow after_sales version 0123abc, not " +
                closed().workflow->version_id());
  // Another version of the rules (one comment changed) has another id.
  auto changed = after_sales_variant([](std::string text) { return "# changed\n" + text; });
  ASSERT_NE(changed, nullptr);
  EXPECT_EQ(error_of(encode_ticket(closed()), changed),
            "ticket `AS-101`: the snapshot is of workflow after_sales version " + closed().workflow->version_id() +
                ", not " + changed->version_id());
  EXPECT_EQ(error_of(encode_ticket(closed()), approving().workflow),
            "ticket `AS-101`: the snapshot is of workflow after_sales, not complaint_handling");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["snapshot"] = 2; }),
            "ticket `AS-101`: `snapshot`: format 2 is not supported (this version reads 1)");
  Result<Ticket> none = decode_ticket(encode_ticket(closed()), nullptr);
  EXPECT_EQ(none.error(), "ticket snapshot: no workflow to decode it against");
}

TEST_F(TicketCodecDecodeTest, EveryKeyMustBeThereAndNoOther) {
  EXPECT_EQ(error_after(closed(), [](Json& j) { j.erase("timers"); }), "ticket `AS-101`: missing key `timers`");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["colour"] = "red"; }), "ticket `AS-101`: unknown key `colour`");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j.erase("ticket"); }), "ticket snapshot: missing key `ticket`");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["ticket"] = 101; }),
            "ticket snapshot: `ticket`: expected a string, got 101");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["attributes"].erase("state"); }),
            "ticket `AS-101`: `attributes`: missing key `state`");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["created_at"] = "2026-11-23T09:00:00"; }),
            "ticket `AS-101`: `created_at`: expected a UTC timestamp such as \"2026-11-23T09:00:00Z\", got "
            "\"2026-11-23T09:00:00\"");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["updated_at"] = nullptr; }),
            "ticket `AS-101`: `updated_at`: expected a UTC timestamp such as \"2026-11-23T09:00:00Z\", got null");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["fields"] = Json::array(); }),
            "ticket `AS-101`: `fields`: expected an object, got an array");
  EXPECT_EQ(error_of("[1,2]", closed().workflow), "ticket snapshot: expected an object, got an array");
}

TEST_F(TicketCodecDecodeTest, ClocksAreCheckedByMetric) {
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["clocks"]["reopen"] = j["clocks"]["resolve"]; }),
            "ticket `AS-101`: metric `reopen` is not in workflow after_sales");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["clocks"].erase("resolve"); }),
            "ticket `AS-101`: `clocks`: metric `resolve` is missing");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["clocks"]["resolve"]["status"] = "ticking"; }),
            "ticket `AS-101`: clock `resolve`: `status`: expected idle, running, paused or stopped, got \"ticking\"");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["clocks"]["resolve"]["counted"][0] = Json::array({"x"}); }),
            "ticket `AS-101`: clock `resolve`: `counted`[0]: expected [from, to], got an array");
  EXPECT_EQ(error_after(
                closed(),
                [](Json& j) {
                  j["clocks"]["resolve"]["counted"][0] = Json::array({"2026-11-23T02:00:00Z", "2026-11-23T01:00:00Z"});
                }),
            "ticket `AS-101`: clock `resolve`: `counted`[0]: the stretch ends before it starts");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["clocks"]["resolve"]["next_mark"] = -1; }),
            "ticket `AS-101`: clock `resolve`: `next_mark`: expected a whole number >= 0, got -1");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["clocks"]["resolve"]["next_mark"] = 4294967296; }),
            "ticket `AS-101`: clock `resolve`: `next_mark`: expected a whole number >= 0, got 4294967296");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["clocks"]["resolve"]["breached"] = "no"; }),
            "ticket `AS-101`: clock `resolve`: `breached`: expected true or false, got \"no\"");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["clocks"]["resolve"]["due"] = "soon"; }),
            "ticket `AS-101`: clock `resolve`: `due`: expected a UTC timestamp such as \"2026-11-23T09:00:00Z\", "
            "got \"soon\"");
  EXPECT_EQ(error_after(closed(), [](Json& j) { j["clocks"]["resolve"].erase("changed_at"); }),
            "ticket `AS-101`: clock `resolve`: missing key `changed_at`");
}

TEST_F(TicketCodecDecodeTest, TimersMustBeTimersOfTheTicketsState) {
  Harness harness(shipped_rules("after_sales.docket"));
  harness.create(kMonday, "T-1", intake(), after_sales_form());
  const Ticket& ticket = harness.ticket("T-1");
  ASSERT_EQ(ticket.timers.size(), 2u);
  EXPECT_EQ(error_after(ticket, [](Json& j) { j["timers"][0]["ordinal"] = 2; }),
            "ticket `T-1`: timer #2 of state `registering` is not in workflow after_sales (the state has 2)");
  EXPECT_EQ(error_after(ticket, [](Json& j) { j["timers"][0]["state"] = "classifying"; }),
            "ticket `T-1`: timer #0 of state `classifying` is armed, but the ticket is in state `registering`");
  EXPECT_EQ(error_after(ticket, [](Json& j) { j["timers"][1]["ordinal"] = 0; }),
            "ticket `T-1`: timer #0 of state `registering` is armed twice");
  EXPECT_EQ(error_after(ticket, [](Json& j) { j["timers"][0]["state"] = "limbo"; }),
            "ticket `T-1`: state `limbo` is not in workflow after_sales");
  EXPECT_EQ(error_after(ticket, [](Json& j) { j["timers"][0]["ordinal"] = "first"; }),
            "ticket `T-1`: `timers`[0]: `ordinal`: expected a whole number >= 0, got \"first\"");
  EXPECT_EQ(error_after(ticket, [](Json& j) { j["timers"][0]["kind"] = "after"; }),
            "ticket `T-1`: `timers`[0]: unknown key `kind`");
}

TEST_F(TicketCodecDecodeTest, AnApprovalMustFitItsChain) {
  EXPECT_EQ(error_after(approving(), [](Json& j) { j["approval"]["chain"] = "board_signoff"; }),
            "ticket `CP-401`: approval chain `board_signoff` is not in workflow complaint_handling");
  EXPECT_EQ(error_after(approving(), [](Json& j) { j["approval"]["level"] = "ceo"; }),
            "ticket `CP-401`: approval level `key_account_signoff.ceo` is not in workflow complaint_handling");
  EXPECT_EQ(error_after(approving(), [](Json& j) { j["approval"]["votes"][0]["role"] = "janitor"; }),
            "ticket `CP-401`: role `janitor` is not in workflow complaint_handling");
  EXPECT_EQ(error_after(approving(),
                        [](Json& j) {
                          j["approval"]["level"] = "leader";
                          j["approval"]["votes"][0]["level"] = "account";
                        }),
            "ticket `CP-401`: `approval`.`votes`[0]: a vote for level `account`, after the current level `leader`");
  EXPECT_EQ(error_after(approving(), [](Json& j) { j["approval"]["choice"] = 9; }),
            "ticket `CP-401`: `approval`.`choice`: expected the index of one of the workflow's 2 `approval` rules "
            "or null, got 9");
  EXPECT_EQ(error_after(approving(), [](Json& j) { j["state"] = "negotiating"; }),
            "ticket `CP-401`: `approval`: an approval is in progress, but state `negotiating` does not await one");
  EXPECT_EQ(error_after(approving(), [](Json& j) { j["approval"]["deadline"] = false; }),
            "ticket `CP-401`: `approval`.`deadline`: expected a UTC timestamp such as \"2026-11-23T09:00:00Z\", got "
            "false");
}

TEST_F(TicketCodecDecodeTest, BrokenTextIsRefusedWithItsPosition) {
  std::string text = encode_ticket(closed());
  EXPECT_THAT(error_of(text.substr(0, 40), closed().workflow), StartsWith("ticket snapshot: byte 40: "));
  EXPECT_THAT(error_of("", closed().workflow), StartsWith("ticket snapshot: byte 0: "));
  EXPECT_THAT(error_of(R"({"ticket":"a","ticket":"b"})", closed().workflow),
              StartsWith("ticket snapshot: duplicate key `ticket`"));
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(error_of(deep, closed().workflow), "ticket snapshot: byte 16: nesting deeper than 16 levels");
  EXPECT_THAT(error_of("{\"ticket\":\"\xff\"}", closed().workflow), StartsWith("ticket snapshot: byte "));
}

TEST_F(TicketCodecDecodeTest, NoInputCrashesTheDecoder) {
  for (const Ticket* ticket : {&closed(), &approving()}) {
    std::string text = encode_ticket(*ticket);
    // Every truncation is refused.
    for (std::size_t length = 0; length < text.size(); ++length) {
      EXPECT_FALSE(decode_ticket(std::string_view(text).substr(0, length), ticket->workflow).ok()) << length;
    }
    // A single-byte change (at every third byte, to keep the test quick)
    // gives a ticket or an error; a ticket it gives survives its own round
    // trip.
    for (std::size_t at_byte = 0; at_byte < text.size(); at_byte += 3) {
      for (char replacement : {'"', '}', '7', 'x', ','}) {
        std::string damaged = text;
        damaged[at_byte] = replacement;
        Result<Ticket> decoded = decode_ticket(damaged, ticket->workflow);
        if (decoded.ok()) {
          Result<Ticket> again = decode_ticket(encode_ticket(decoded.value()), ticket->workflow);
          ASSERT_TRUE(again.ok()) << again.error();
          EXPECT_TRUE(again.value() == decoded.value());
        }
      }
    }
  }
}

}  // namespace
}  // namespace docket::engine::testing
