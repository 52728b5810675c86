#include "engine/runtime/ticket.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/engine_harness.h"

namespace docket::engine::testing {
namespace {

using ::testing::HasSubstr;

std::vector<DataItem> without(std::vector<DataItem> data, const std::string& field) {
  std::erase_if(data, [&](const DataItem& item) { return item.field == field; });
  return data;
}

std::vector<DataItem> with(std::vector<DataItem> data, DataItem item) {
  std::erase_if(data, [&](const DataItem& other) { return other.field == item.field; });
  data.push_back(std::move(item));
  return data;
}

// ---------------------------------------------------------------- creation

TEST(TicketTest, CreationWithoutARequiredFieldIsRejectedNamingIt) {
  Harness h(shipped_rules("after_sales.docket"));
  Outcome outcome = h.create(kMonday, "T-1", intake(), without(after_sales_form(), "contact"));
  EXPECT_FALSE(outcome.accepted);
  EXPECT_EQ(outcome.reason, "missing required field `contact`");
  EXPECT_EQ(outcome.code, RejectionCode::kMissingField);
  EXPECT_EQ(h.engine.find("T-1"), nullptr);
  ASSERT_EQ(h.records().size(), 1u);
  EXPECT_EQ(h.records()[0].kind, RecordKind::kRejection);
  EXPECT_EQ(h.records()[0].workflow, "after_sales");

  Outcome two = h.create(kMonday, "T-1", intake(), without(without(after_sales_form(), "contact"), "problem"));
  EXPECT_EQ(two.reason, "missing required fields `contact`, `problem`");
}

TEST(TicketTest, RequiredFieldWithADefaultNeedsNoValue) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), without(after_sales_form(), "mood")).accepted);
  const Ticket& ticket = h.ticket("T-1");
  EXPECT_EQ(ticket.format("mood"), "calm");
  EXPECT_EQ(ticket.format("stage"), "inspecting");
  EXPECT_EQ(ticket.format("compensation"), "0");
  EXPECT_EQ(ticket.format("overall"), "");
  EXPECT_EQ(ticket.created_at, kMonday);
  EXPECT_EQ(ticket.state_name(), "registering");
}

TEST(TicketTest, UnknownFieldIsRejectedNamingIt) {
  Harness h(shipped_rules("after_sales.docket"));
  Outcome outcome = h.create(kMonday, "T-1", intake(), with(after_sales_form(), text("colour", "red")));
  EXPECT_FALSE(outcome.accepted);
  EXPECT_EQ(outcome.reason, "unknown field `colour` in workflow after_sales");
}

TEST(TicketTest, WrongTypesAreRejectedNamingTheField) {
  Harness h(shipped_rules("after_sales.docket"));
  struct Case {
    DataItem item;
    const char* reason;
  } cases[] = {
      {text("mood", "furious"), "`mood` expects one of calm, unhappy, angry, got \"furious\""},
      {number("channel", 5), "`channel` expects one of phone, web_chat, app_chat, wechat, email, social, got 5"},
      {text("purchase_date", "yesterday"),
       "`purchase_date` expects a timestamp such as 2026-11-23T09:00:00Z, got \"yesterday\""},
      {number("customer", 1001), "`customer` expects text, got 1001"},
      {text("problem_confirmed", "yes"), "`problem_confirmed` expects bool, got \"yes\""},
      {money("order_amount", "12.345"), "`order_amount` expects money with at most two decimal places, got 12.345"},
      {DataItem{"contact", FieldInput::null()}, "`contact` is required and cannot be cleared"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.item.field);
    Outcome outcome = h.create(kMonday, "T-1", intake(), with(after_sales_form(), c.item));
    EXPECT_FALSE(outcome.accepted);
    EXPECT_EQ(outcome.reason, c.reason);
    EXPECT_EQ(outcome.code, RejectionCode::kInvalidData);
  }
  EXPECT_EQ(h.engine.ticket_count(), 0u);
}

TEST(TicketTest, FieldGivenTwiceIsRejected) {
  Harness h(shipped_rules("after_sales.docket"));
  std::vector<DataItem> form = after_sales_form();
  form.push_back(text("mood", "angry"));
  EXPECT_EQ(h.create(kMonday, "T-1", intake(), form).reason, "field `mood` is given twice");
}

TEST(TicketTest, TicketIdsAreUnique) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form()).accepted);
  Outcome again = h.create(kMonday + 1, "T-1", intake(), after_sales_form());
  EXPECT_FALSE(again.accepted);
  EXPECT_EQ(again.reason, "ticket `T-1` already exists");
  EXPECT_EQ(again.code, RejectionCode::kTicketExists);
  EXPECT_EQ(h.create(kMonday, "", intake(), after_sales_form()).reason, "a new ticket needs an id");
}

// ---------------------------------------------------------------- updates

TEST(TicketTest, OutOfRangeUpdateIsRejectedAndTheTicketUnchanged) {
  Harness h(compile_rules(R"(workflow survey version "1"
field overall: int range 1..5
field note: text
department desk { roles agent }
initial state open { on rated -> open  on done -> closed }
final state closed
)"));
  ASSERT_TRUE(h.create(kMonday, "S", actor("a", {}), {}).accepted);
  Outcome high = h.send(kMonday + 1, "S", "rated", actor("a", {}), {number("overall", 7), text("note", "great")});
  EXPECT_FALSE(high.accepted);
  EXPECT_EQ(high.reason, "`overall` = 7 is out of range 1..5");
  Outcome fraction = h.send(kMonday + 1, "S", "rated", actor("a", {}), {money("overall", "4.5")});
  EXPECT_EQ(fraction.reason, "`overall` expects a whole number, got 4.5");
  EXPECT_EQ(h.ticket("S").format("overall"), "");
  EXPECT_EQ(h.ticket("S").format("note"), "");

  ASSERT_TRUE(
      h.send(kMonday + 2, "S", "rated", actor("a", {}), {number("overall", 5), text("note", "great")}).accepted);
  EXPECT_EQ(h.ticket("S").format("overall"), "5");
  // Null clears a field that is not required.
  ASSERT_TRUE(h.send(kMonday + 3, "S", "rated", actor("a", {}), {{"note", FieldInput::null()}}).accepted);
  EXPECT_FALSE(h.ticket("S").field("note")->is_set());
}

TEST(TicketTest, SetActionsAreCheckedAgainstTheRangeToo) {
  Harness h(compile_rules(R"(workflow counter version "1"
field n: int = 0 range 0..2
department desk { roles agent }
initial state open { on bump -> open do set n = n + 1  on done -> closed }
final state closed
)"));
  ASSERT_TRUE(h.create(kMonday, "C", actor("a", {}), {}).accepted);
  EXPECT_TRUE(h.send(kMonday + 1, "C", "bump", actor("a", {})).accepted);
  EXPECT_TRUE(h.send(kMonday + 2, "C", "bump", actor("a", {})).accepted);
  Outcome third = h.send(kMonday + 3, "C", "bump", actor("a", {}));
  EXPECT_FALSE(third.accepted);
  EXPECT_EQ(third.reason, "set n = n + 1: `n` = 3 is out of range 0..2");
  EXPECT_EQ(h.records().back().rule.where, "rules.docket:4");
  EXPECT_EQ(h.ticket("C").format("n"), "2");
}

// ---------------------------------------------------------------- conversions

constexpr const char* kTypes = R"(workflow types version "1"
field t: text
field i: int
field d: decimal
field m: money
field b: bool
field e: enum(low, high)
field span: duration
field moment: timestamp
department desk { roles agent }
initial state open { on done -> closed }
final state closed
)";

TEST(TicketTest, FieldValueConvertsEachType) {
  std::shared_ptr<const Workflow> workflow = compile_rules(kTypes);
  ASSERT_NE(workflow, nullptr);
  auto convert = [&](const char* field, FieldInput input) {
    return field_value(*workflow, *workflow->find_field(field), input);
  };
  EXPECT_EQ(convert("t", FieldInput::text("hi")).value(), Value::text("hi"));
  EXPECT_EQ(convert("i", FieldInput::integer(42)).value(), Value::number(*Fixed::from_integer(42)));
  EXPECT_EQ(convert("d", FieldInput::number(*Fixed::parse("0.1234"))).value(), Value::number(*Fixed::parse("0.1234")));
  EXPECT_EQ(convert("m", FieldInput::number(*Fixed::parse("12.5"))).value(), Value::number(*Fixed::parse("12.50")));
  EXPECT_EQ(convert("b", FieldInput::boolean(true)).value(), Value::boolean(true));
  EXPECT_EQ(convert("e", FieldInput::text("high")).value(), Value::enumerator(*workflow->find_field("e"), 1));
  EXPECT_EQ(convert("span", FieldInput::text("1h30m")).value(), Value::duration(5400));
  EXPECT_EQ(convert("span", FieldInput::integer(90)).value(), Value::duration(90));
  EXPECT_EQ(convert("moment", FieldInput::text("2026-11-23T17:00:00+08:00")).value(),
            Value::timestamp(kMonday + 9 * kHour));
  EXPECT_EQ(convert("moment", FieldInput::integer(kMonday)).value(), Value::timestamp(kMonday));
  EXPECT_EQ(convert("span", FieldInput::text("soon")).error(), "`span` expects a duration such as 1h30m, got \"soon\"");
  EXPECT_EQ(convert("e", FieldInput::text("HIGH")).error(), "`e` expects one of low, high, got \"HIGH\"");
  EXPECT_FALSE(convert("t", FieldInput::null()).value().is_set());
}

TEST(TicketTest, ParsesTimestamps) {
  EXPECT_EQ(parse_timestamp("2026-11-23T00:00:00Z"), kMonday);
  EXPECT_EQ(parse_timestamp("2026-11-23T09:30Z"), kMonday + 9 * kHour + 30 * kMinute);
  EXPECT_EQ(parse_timestamp("2026-11-23 08:00:00+08:00"), kMonday);
  EXPECT_EQ(parse_timestamp("2026-11-22T19:00:00-05:00"), kMonday);
  EXPECT_EQ(parse_timestamp("2026-11-23"), kMonday);
  EXPECT_EQ(parse_timestamp("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_timestamp("2024-02-29T00:00:00Z"), 1709164800);
  EXPECT_FALSE(parse_timestamp("2026-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_timestamp("2026-11-23T09:00:00"));  // no zone
  EXPECT_FALSE(parse_timestamp("2026-11-23T24:00:00Z"));
  EXPECT_FALSE(parse_timestamp("2026-13-01"));
  EXPECT_FALSE(parse_timestamp("2026-11-23T09:00:00Zjunk"));
  EXPECT_FALSE(parse_timestamp(""));
  EXPECT_FALSE(parse_timestamp("2026-11-23T09:00:00.5Z"));  // whole seconds only
  EXPECT_FALSE(parse_timestamp("2026-11-23T09:00:00+24:00"));
  EXPECT_EQ(parse_timestamp("2026-11-23T09:00:00+23:59"), kMonday + 9 * kHour - 23 * kHour - 59 * kMinute);
}

// read_timestamp is parse_timestamp with the reason: the same texts pass, and
// each refusal says what is wrong, as a phrase to follow a name.
TEST(TicketTest, ReadTimestampAcceptsWhatParseTimestampAcceptsAndSaysWhyNot) {
  for (const char* text : {"2026-11-23T00:00:00Z", "2026-11-23t09:30z", "2026-11-23 08:00:00+0800", "2026-11-23",
                           "2026-02-29T00:00:00Z", "2026-11-23T09:00:00", "2026-11-23T09:00:00.5Z", "2026-11-23T24:00Z",
                           "2026-11-23T09:00:00-24:00", "12026-11-23", "2026/11/23", "yesterday", ""}) {
    Result<std::int64_t> read = read_timestamp(text);
    std::optional<std::int64_t> parsed = parse_timestamp(text);
    EXPECT_EQ(read.ok(), parsed.has_value()) << text;
    if (read.ok() && parsed) {
      EXPECT_EQ(read.value(), *parsed) << text;
    }
    EXPECT_EQ(read.ok(), read.error().empty()) << text;
  }
  EXPECT_EQ(read_timestamp("2026-11-23T09:00:00").error(),
            "needs a UTC offset or Z, such as \"2026-11-23T09:00:00+08:00\"");
  EXPECT_EQ(read_timestamp("2026-11-23T09:00:00.5Z").error(),
            "has fractional seconds, which are refused: write whole seconds, such as \"2026-11-23T09:00:00Z\"");
  EXPECT_EQ(read_timestamp("2026-11-23T09:00:00-24:00").error(),
            "has UTC offset -24:00, but offsets run from -23:59 to +23:59");
}

TEST(TicketTest, ParsesDurations) {
  EXPECT_EQ(parse_duration("90s"), 90);
  EXPECT_EQ(parse_duration("1h30m"), 5400);
  EXPECT_EQ(parse_duration("2d"), 2 * kDay);
  EXPECT_EQ(parse_duration("1w1d"), 8 * kDay);
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("10"));
  EXPECT_FALSE(parse_duration("h"));
  EXPECT_FALSE(parse_duration("5y"));
  EXPECT_FALSE(parse_duration("99999999999999999999s"));
}

TEST(TicketTest, AccessorsReadByName) {
  Harness h(shipped_rules("after_sales.docket"));
  ASSERT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form("unhappy")).accepted);
  const Ticket& ticket = h.ticket("T-1");
  EXPECT_EQ(ticket.format("mood"), "unhappy");
  EXPECT_EQ(ticket.format("customer"), "\"C-1001\"");
  EXPECT_EQ(ticket.field("nope"), nullptr);
  EXPECT_FALSE(ticket.priority().has_value());
  EXPECT_FALSE(ticket.category().has_value());
  EXPECT_EQ(assignment_text(h.workflow(), ticket.assignee), "customer_service.intake_specialist");
  EXPECT_EQ(ticket.view().fields.size(), h.workflow().fields().size());
}

}  // namespace
}  // namespace docket::engine::testing
