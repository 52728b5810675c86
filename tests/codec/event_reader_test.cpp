#include "engine/codec/event_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "tests/support/engine_harness.h"
#include "tests/support/random_events.h"

namespace docket::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::int64_t kMonday = 1795392000;  // 2026-11-23T00:00:00Z

// Every event the reader yields from `text`, or the error it stops with
// (then `events` holds those before it).
struct ReadAll {
  std::vector<EventLine> events;
  std::string error;
};

ReadAll read_all(const std::string& text, EventReaderOptions options = {}) {
  std::istringstream in(text);
  EventReader reader(in, "events.jsonl", options);
  ReadAll result;
  while (true) {
    Result<std::optional<EventLine>> next = reader.next();
    if (!next) {
      result.error = next.error();
      // Sticky: asking again gives the same error.
      Result<std::optional<EventLine>> again = reader.next();
      EXPECT_FALSE(again.ok());
      EXPECT_EQ(again.error(), result.error);
      return result;
    }
    if (!next.value()) return result;
    result.events.push_back(*next.value());
  }
}

// The error for a file whose only line is `line`.
std::string error_of(const std::string& line) { return read_all(line + "\n").error; }

const std::string kMinimal = R"({"at":"2026-11-23T09:00:00Z","ticket":"T-1","event":"registered"})";

TEST(EventReaderTest, ReadsEveryKeyOfAFullEvent) {
  ReadAll all =
      read_all(R"({"at":"2026-11-23T09:00:00+08:00","ticket":"T-1001","event":"create",)"
               R"("actor":{"id":"alice","roles":["intake_specialist","dept_head"]},)"
               R"("data":{"customer":"C-1001","order_amount":1299.00,"problem_confirmed":true,"note":null,"score":4},)"
               R"("idempotency_key":"k-1","workflow":"after_sales"})"
               "\n");
  ASSERT_EQ(all.error, "");
  ASSERT_EQ(all.events.size(), 1u);
  const Event& event = all.events[0].event;
  EXPECT_EQ(all.events[0].line, 1u);
  EXPECT_EQ(event.at, kMonday + 3600);  // 09:00 in +08:00 is 01:00 UTC
  EXPECT_EQ(event.ticket, "T-1001");
  EXPECT_EQ(event.event, "create");
  EXPECT_EQ(event.actor, (Actor{"alice", {"intake_specialist", "dept_head"}}));
  EXPECT_THAT(event.data, ElementsAre(DataItem{"customer", FieldInput::text("C-1001")},
                                      DataItem{"order_amount", FieldInput::number(*Fixed::parse("1299"))},
                                      DataItem{"problem_confirmed", FieldInput::boolean(true)},
                                      DataItem{"note", FieldInput::null()}, DataItem{"score", FieldInput::integer(4)}));
  EXPECT_EQ(event.idempotency_key, "k-1");
  EXPECT_EQ(event.workflow, "after_sales");
}

TEST(EventReaderTest, OnlyAtTicketAndEventAreRequired) {
  ReadAll all = read_all(kMinimal);  // no newline at the end either
  ASSERT_EQ(all.error, "");
  ASSERT_EQ(all.events.size(), 1u);
  EXPECT_EQ(all.events[0].event.actor, Actor{});
  EXPECT_TRUE(all.events[0].event.data.empty());
  EXPECT_FALSE(all.events[0].event.idempotency_key.has_value());
}

TEST(EventReaderTest, MoneyIsExactFromItsText) {
  auto amount = [](const std::string& number) -> std::optional<Fixed> {
    ReadAll all = read_all(R"({"at":"2026-11-23T09:00:00Z","ticket":"T","event":"e","data":{"x":)" + number + "}}");
    if (!all.error.empty() || all.events.empty()) return std::nullopt;
    return all.events[0].event.data.at(0).value.as_number();
  };
  EXPECT_EQ(amount("0.1"), Fixed::from_raw(1000));
  EXPECT_EQ(amount("0.30"), Fixed::from_raw(3000));
  EXPECT_EQ(amount("1299.00"), Fixed::from_raw(12990000));
  EXPECT_EQ(amount("-0.0001"), Fixed::from_raw(-1));
  // 17 significant digits: a double would round this.
  EXPECT_EQ(amount("123456789012.3456"), Fixed::from_raw(1234567890123456));
  EXPECT_EQ(amount("922337203685477"), Fixed::parse("922337203685477"));
}

TEST(EventReaderTest, NumbersThatCannotBeExactAreErrors) {
  auto line = [](const std::string& number) {
    return R"({"at":"2026-11-23T09:00:00Z","ticket":"T","event":"e","data":{"order_amount":)" + number + "}}";
  };
  const std::string tail =
      " is not an exact decimal number (at most 4 decimal places, no exponent, at most "
      "922337203685477 in size)";
  EXPECT_EQ(error_of(line("0.12345")), "events.jsonl:1: error: `data.order_amount`: 0.12345" + tail);
  EXPECT_EQ(error_of(line("1e3")), "events.jsonl:1: error: `data.order_amount`: 1e3" + tail);
  EXPECT_EQ(error_of(line("1000000000000000")), "events.jsonl:1: error: `data.order_amount`: 1000000000000000" + tail);
  EXPECT_EQ(error_of(line("99999999999999999999")),
            "events.jsonl:1: error: `data.order_amount`: 99999999999999999999" + tail);
}

TEST(EventReaderTest, BlankLinesAndCommentsAreSkippedButCounted) {
  ReadAll all = read_all("# replay of Monday\n\n   \n" + kMinimal + "\n  # indented comment\n" + kMinimal + "\n");
  ASSERT_EQ(all.error, "");
  ASSERT_EQ(all.events.size(), 2u);
  EXPECT_EQ(all.events[0].line, 4u);
  EXPECT_EQ(all.events[1].line, 6u);
}

TEST(EventReaderTest, WindowsLineEndsAndAByteOrderMarkAreAccepted) {
  ReadAll all = read_all("\xEF\xBB\xBF" + kMinimal + "\r\n" + kMinimal + "\r\n");
  ASSERT_EQ(all.error, "");
  EXPECT_EQ(all.events.size(), 2u);
}

TEST(EventReaderTest, MalformedJsonNamesLineAndColumn) {
  EXPECT_EQ(error_of(R"({"at":"2026-11-23T09:00:00Z","ticket":"T","event":tru})"),
            "events.jsonl:1:54: error: invalid JSON: syntax error while parsing value - invalid literal; "
            "last read: '\"event\":tru}'");
  EXPECT_EQ(error_of(R"({"at":"2026-11-23T09:00:00Z","ticket":"T","event":"e")"),
            "events.jsonl:1:54: error: invalid JSON: syntax error while parsing object - unexpected end of input; "
            "expected '}'");
  EXPECT_EQ(error_of(kMinimal + " x"),
            "events.jsonl:1:67: error: invalid JSON: syntax error while parsing value - invalid literal; "
            "last read: '\"registered\"} x'; expected end of input");
  EXPECT_EQ(error_of("{\"at\":\"\xff\"}"),
            "events.jsonl:1:8: error: invalid JSON: syntax error while parsing value - invalid string: ill-formed "
            "UTF-8 byte; last read: '\"\\xff'");
  // The column is that of the line in the file: on line 3 here.
  EXPECT_THAT(read_all(kMinimal + "\n\n{]\n").error, HasSubstr("events.jsonl:3:2: error: invalid JSON"));
}

TEST(EventReaderTest, StructuralProblemsNameTheKey) {
  auto with = [](const std::string& members) { return error_of("{" + members + "}"); };
  const std::string at = R"("at":"2026-11-23T09:00:00Z",)";
  EXPECT_EQ(error_of("[1]"), "events.jsonl:1: error: expected a JSON object, got an array");
  EXPECT_EQ(with(R"("ticket":"T","event":"e")"), "events.jsonl:1: error: missing `at` (when the event happened)");
  EXPECT_EQ(with(at + R"("event":"e")"), "events.jsonl:1: error: missing `ticket`");
  EXPECT_EQ(with(at + R"("ticket":"T")"), "events.jsonl:1: error: missing `event`");
  EXPECT_EQ(with(at + R"("ticket":"T","event":"")"), "events.jsonl:1: error: `event` is empty");
  EXPECT_EQ(with(at + R"("ticket":"T","evnt":"e")"),
            "events.jsonl:1: error: unknown key `evnt` (did you mean `event`?)");
  EXPECT_EQ(with(at + R"("ticket":"T","event":"e","color":"red")"),
            "events.jsonl:1: error: unknown key `color` (expected one of `at`, `ticket`, `event`, `actor`, `data`, "
            "`idempotency_key`, `workflow`)");
  EXPECT_EQ(with(at + R"("ticket":"T","event":"e","event":"f")"), "events.jsonl:1: error: duplicate key `event`");
}

TEST(EventReaderTest, WrongTypesSayWhatWasExpectedAndWhatCame) {
  auto with = [](const std::string& members) {
    return error_of(R"({"at":"2026-11-23T09:00:00Z","ticket":"T","event":"e",)" + members + "}");
  };
  EXPECT_EQ(error_of(R"({"at":"yesterday","ticket":"T","event":"e"})"),
            "events.jsonl:1: error: `at` must be a timestamp such as \"2026-11-23T09:00:00+08:00\", got \"yesterday\"");
  EXPECT_EQ(error_of(R"({"at":1795392000,"ticket":"T","event":"e"})"),
            "events.jsonl:1: error: `at` must be a timestamp such as \"2026-11-23T09:00:00+08:00\", got 1795392000");
  EXPECT_EQ(error_of(R"({"at":"2026-11-23T09:00:00Z","ticket":12,"event":"e"})"),
            "events.jsonl:1: error: `ticket` must be a string, got 12");
  EXPECT_EQ(with(R"("actor":"alice")"),
            "events.jsonl:1: error: `actor` must be an object such as {\"id\":\"alice\",\"roles\":[\"engineer\"]}, "
            "got \"alice\"");
  EXPECT_EQ(with(R"("actor":{"id":"a","role":"x"})"),
            "events.jsonl:1: error: unknown key `role` in `actor` (did you mean `roles`?)");
  EXPECT_EQ(with(R"("actor":{"id":"a","roles":"engineer"})"),
            "events.jsonl:1: error: `actor.roles` must be an array of strings, got \"engineer\"");
  EXPECT_EQ(with(R"("actor":{"id":"a","roles":[1]})"),
            "events.jsonl:1: error: `actor.roles` must be an array of strings, got 1 in it");
  EXPECT_EQ(with(R"("data":[1])"), "events.jsonl:1: error: `data` must be an object of field values, got an array");
  EXPECT_EQ(with(R"("data":{"x":{"y":1}})"),
            "events.jsonl:1: error: `data.x` must be a string, number, true/false or null, got an object");
  EXPECT_EQ(with(R"("idempotency_key":7)"), "events.jsonl:1: error: `idempotency_key` must be a string, got 7");
  EXPECT_EQ(with(R"("workflow":false)"), "events.jsonl:1: error: `workflow` must be a string, got false");
}

// Each way an `at` can be wrong has its own message, naming the problem; the
// text itself follows `got`.
TEST(EventReaderTest, EventTimesSayWhatIsWrongWithThem) {
  auto at = [](const std::string& text) { return error_of(R"({"at":")" + text + R"(","ticket":"T","event":"e"})"); };
  // No UTC offset: the example is the time given, with one.
  EXPECT_EQ(at("2026-10-01T08:00:00"),
            "events.jsonl:1: error: `at` needs a UTC offset or Z, such as \"2026-10-01T08:00:00+08:00\", got "
            "\"2026-10-01T08:00:00\"");
  EXPECT_EQ(at("2026-10-01 08:00"),
            "events.jsonl:1: error: `at` needs a UTC offset or Z, such as \"2026-10-01 08:00+08:00\", got "
            "\"2026-10-01 08:00\"");
  EXPECT_EQ(at("2026-10-01T08:00:00 CST"),
            "events.jsonl:1: error: `at` needs a UTC offset or Z, such as \"2026-10-01T08:00:00+08:00\", got "
            "\"2026-10-01T08:00:00 CST\"");
  // Fractional seconds are refused, with or without an offset.
  EXPECT_EQ(at("2026-10-01T08:00:00.5+08:00"),
            "events.jsonl:1: error: `at` has fractional seconds, which are refused: write whole seconds, such as "
            "\"2026-10-01T08:00:00+08:00\", got \"2026-10-01T08:00:00.5+08:00\"");
  EXPECT_EQ(at("2026-10-01T00:00:00.000Z"),
            "events.jsonl:1: error: `at` has fractional seconds, which are refused: write whole seconds, such as "
            "\"2026-10-01T00:00:00Z\", got \"2026-10-01T00:00:00.000Z\"");
  EXPECT_EQ(at("2026-10-01T08:00:00,250"),
            "events.jsonl:1: error: `at` has fractional seconds, which are refused: write whole seconds, such as "
            "\"2026-10-01T08:00:00+08:00\", got \"2026-10-01T08:00:00,250\"");
  // Fields out of range.
  EXPECT_EQ(at("2026-13-01T08:00:00Z"),
            "events.jsonl:1: error: `at` has month 13, but months run from 01 to 12, got \"2026-13-01T08:00:00Z\"");
  EXPECT_EQ(at("2026-00-10"),
            "events.jsonl:1: error: `at` has month 00, but months run from 01 to 12, got \"2026-00-10\"");
  EXPECT_EQ(at("2026-04-31T08:00:00+08:00"),
            "events.jsonl:1: error: `at` has day 31, but days in April 2026 run from 01 to 30, got "
            "\"2026-04-31T08:00:00+08:00\"");
  EXPECT_EQ(at("2026-02-29"),
            "events.jsonl:1: error: `at` has day 29, but days in February 2026 run from 01 to 28, got "
            "\"2026-02-29\"");
  EXPECT_EQ(at("2026-10-00T08:00Z"),
            "events.jsonl:1: error: `at` has day 00, but days in October 2026 run from 01 to 31, got "
            "\"2026-10-00T08:00Z\"");
  EXPECT_EQ(at("2026-10-01T24:00:00+08:00"),
            "events.jsonl:1: error: `at` has hour 24, but hours run from 00 to 23 (midnight is 00:00 of the next "
            "day), got \"2026-10-01T24:00:00+08:00\"");
  EXPECT_EQ(at("2026-10-01T25:00Z"),
            "events.jsonl:1: error: `at` has hour 25, but hours run from 00 to 23, got \"2026-10-01T25:00Z\"");
  EXPECT_EQ(at("2026-10-01T08:60:00Z"),
            "events.jsonl:1: error: `at` has minute 60, but minutes run from 00 to 59, got "
            "\"2026-10-01T08:60:00Z\"");
  EXPECT_EQ(at("2026-10-01T08:00:61Z"),
            "events.jsonl:1: error: `at` has second 61, but seconds run from 00 to 59, got "
            "\"2026-10-01T08:00:61Z\"");
  EXPECT_EQ(at("2026-10-01T08:00:00+24:00"),
            "events.jsonl:1: error: `at` has UTC offset +24:00, but offsets run from -23:59 to +23:59, got "
            "\"2026-10-01T08:00:00+24:00\"");
  EXPECT_EQ(at("2026-10-01T08:00:00-0860"),
            "events.jsonl:1: error: `at` has UTC offset -0860, but offsets run from -23:59 to +23:59, got "
            "\"2026-10-01T08:00:00-0860\"");
  EXPECT_EQ(at("12026-10-01T08:00:00Z"),
            "events.jsonl:1: error: `at` has year 12026, but years run from 0000 to 9999, got "
            "\"12026-10-01T08:00:00Z\"");
  // Wrong separators and shapes.
  EXPECT_EQ(at("2026/10/01T08:00:00Z"),
            "events.jsonl:1: error: `at` must write its date as YYYY-MM-DD, such as 2026-11-23, got "
            "\"2026/10/01T08:00:00Z\"");
  EXPECT_EQ(at("20261001T080000Z"),
            "events.jsonl:1: error: `at` must write its date as YYYY-MM-DD, such as 2026-11-23, got "
            "\"20261001T080000Z\"");
  EXPECT_EQ(at("2026-10-01_08:00:00Z"),
            "events.jsonl:1: error: `at` must separate its date and time with T, such as "
            "\"2026-11-23T09:00:00+08:00\", got \"2026-10-01_08:00:00Z\"");
  EXPECT_EQ(at("2026-10-01T8:00Z"),
            "events.jsonl:1: error: `at` must write its time as hh:mm or hh:mm:ss, such as 09:00 or 09:00:00, got "
            "\"2026-10-01T8:00Z\"");
  EXPECT_EQ(at("2026-10-01T08.00.00Z"),
            "events.jsonl:1: error: `at` must write its time as hh:mm or hh:mm:ss, such as 09:00 or 09:00:00, got "
            "\"2026-10-01T08.00.00Z\"");
  EXPECT_EQ(at("2026-10-01T08:00:00+8"),
            "events.jsonl:1: error: `at` must write its UTC offset as +hh:mm or -hh:mm, such as +08:00, got "
            "\"2026-10-01T08:00:00+8\"");
  EXPECT_EQ(at("2026-10-01T08:00:00+08:00[Asia/Shanghai]"),
            "events.jsonl:1: error: `at` must end after its UTC offset, such as \"2026-11-23T09:00:00+08:00\", got "
            "\"2026-10-01T08:00:00+08:00[Asia/Shanghai]\"");
  EXPECT_EQ(at("2026-10-01T08:00:00Zjunk"),
            "events.jsonl:1: error: `at` must end after its UTC offset, such as \"2026-11-23T09:00:00+08:00\", got "
            "\"2026-10-01T08:00:00Zjunk\"");
  // Not a timestamp at all.
  EXPECT_EQ(at("1795392000"),
            "events.jsonl:1: error: `at` must be a timestamp such as \"2026-11-23T09:00:00+08:00\", got "
            "\"1795392000\"");
  EXPECT_EQ(at(""), "events.jsonl:1: error: `at` must be a timestamp such as \"2026-11-23T09:00:00+08:00\", got \"\"");
}

// What is accepted has not changed: the forms parse_timestamp takes.
TEST(EventReaderTest, EventTimesAcceptTheFormsTheyAlwaysDid) {
  auto at = [](const std::string& text) -> std::optional<std::int64_t> {
    Result<Event> event = parse_event_line(R"({"at":")" + text + R"(","ticket":"T","event":"e"})");
    EXPECT_TRUE(event.ok()) << text << ": " << event.error();
    return event ? event->at : std::nullopt;
  };
  EXPECT_EQ(at("2026-11-23T09:00:00Z"), kMonday + 9 * 3600);
  EXPECT_EQ(at("2026-11-23t09:00z"), kMonday + 9 * 3600);
  EXPECT_EQ(at("2026-11-23 17:00:00+08:00"), kMonday + 9 * 3600);
  EXPECT_EQ(at("2026-11-23T17:00+0800"), kMonday + 9 * 3600);
  EXPECT_EQ(at("2026-11-23T09:00:00+23:59"), kMonday + 9 * 3600 - (23 * 3600 + 59 * 60));
  EXPECT_EQ(at("2026-11-23T09:00:00-23:59"), kMonday + 9 * 3600 + (23 * 3600 + 59 * 60));
  EXPECT_EQ(at("2026-11-23"), kMonday);
  EXPECT_EQ(at("2024-02-29T23:59:59Z"), 1709251199);
}

TEST(EventReaderTest, EventsOutOfTimeOrderStopTheReader) {
  ReadAll all = read_all(R"({"at":"2026-11-23T09:00:00Z","ticket":"T","event":"a"})"
                         "\n"
                         R"({"at":"2026-11-23T17:00:00+08:00","ticket":"T","event":"b"})"
                         "\n"
                         R"({"at":"2026-11-23T08:59:59Z","ticket":"T","event":"c"})"
                         "\n"
                         R"({"at":"2026-11-23T10:00:00Z","ticket":"T","event":"d"})"
                         "\n");
  // 17:00 in +08:00 is 09:00 UTC: the same instant is in order.
  ASSERT_EQ(all.events.size(), 2u);
  EXPECT_EQ(all.error,
            "events.jsonl:3: error: out of order: 2026-11-23T08:59:59Z is earlier than 2026-11-23T09:00:00Z on "
            "line 2; events must come in time order");
}

TEST(EventReaderTest, NothingAfterABadLineIsRead) {
  ReadAll all = read_all(kMinimal + "\n{oops\n" + kMinimal + "\n");
  EXPECT_EQ(all.events.size(), 1u);
  EXPECT_THAT(all.error, HasSubstr("events.jsonl:2:2: error: invalid JSON"));
}

TEST(EventReaderTest, OverlongLinesAreRefusedWithoutKeepingThem) {
  EventReaderOptions options;
  options.max_line_bytes = 100;
  std::string padded = R"({"at":"2026-11-23T09:00:00Z","ticket":")" + std::string(60, 'x') + R"(","event":"e"})";
  ASSERT_GT(padded.size(), 100u);
  ReadAll all = read_all(kMinimal + "\n" + padded + "\n" + kMinimal + "\n", options);
  EXPECT_EQ(all.events.size(), 1u);
  EXPECT_EQ(all.error, "events.jsonl:2: error: line is longer than 100 bytes");
  // Exactly at the limit is fine, with or without a carriage return.
  options.max_line_bytes = kMinimal.size();
  EXPECT_EQ(read_all(kMinimal + "\n", options).error, "");
  EXPECT_EQ(read_all(kMinimal + "\r\n", options).error, "");
  // The default limit is 1 MiB.
  EXPECT_EQ(EventReaderOptions{}.max_line_bytes, 1048576u);
  EXPECT_EQ(read_all(std::string(1048577, ' ') + "\n").error,
            "events.jsonl:1: error: line is longer than 1048576 bytes");
}

TEST(EventReaderTest, DeepNestingIsRefusedBeforeParsing) {
  std::string deep = R"({"at":"2026-11-23T09:00:00Z","ticket":"T","event":"e","data":{"x":)" + std::string(70, '[') +
                     std::string(70, ']') + "}}";
  EXPECT_EQ(error_of(deep), "events.jsonl:1:129: error: nesting deeper than 64 levels");
  // Brackets inside strings do not count.
  std::string quoted = R"({"at":"2026-11-23T09:00:00Z","ticket":")" + std::string(100, '[') + R"(","event":"e"})";
  EXPECT_EQ(error_of(quoted), "");
  // A million levels costs nothing either.
  EXPECT_THAT(error_of(std::string(1000000, '[')), HasSubstr("events.jsonl:1:65: error: nesting deeper than 64"));
}

TEST(EventReaderTest, CountsWhatItRead) {
  std::istringstream in(kMinimal + "\n\n" + kMinimal + "\n");
  EventReader reader(in, "e.jsonl");
  ASSERT_TRUE(reader.next().ok());
  ASSERT_TRUE(reader.next().ok());
  EXPECT_EQ(reader.events_read(), 2u);
  EXPECT_EQ(reader.line(), 3u);
  Result<std::optional<EventLine>> end = reader.next();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end.value().has_value());
}

TEST(EventReaderTest, ParseEventLineGivesTheColumnSeparately) {
  std::size_t column = 99;
  Result<Event> event = parse_event_line(kMinimal, &column);
  ASSERT_TRUE(event.ok()) << event.error();
  EXPECT_EQ(column, 0u);
  Result<Event> broken = parse_event_line("{\"at\" 1}", &column);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(column, 7u);
  EXPECT_THAT(broken.error(), HasSubstr("invalid JSON: syntax error while parsing object separator"));
}

// ------------------------------------------------------------ encode_event

// Whether `back` is `sent` again, member by member (Event has no ==).
::testing::AssertionResult same_event(const Event& sent, const Event& back) {
  auto differ = [&](const char* member) {
    return ::testing::AssertionFailure() << "`" << member << "` differs after reading back " << encode_event(sent);
  };
  if (back.at != sent.at) return differ("at");
  if (back.ticket != sent.ticket) return differ("ticket");
  if (back.event != sent.event) return differ("event");
  if (!(back.actor == sent.actor)) return differ("actor");
  if (back.data != sent.data) return differ("data");
  if (back.idempotency_key != sent.idempotency_key) return differ("idempotency_key");
  if (back.workflow != sent.workflow) return differ("workflow");
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult reads_back(const Event& sent) {
  Result<Event> back = parse_event_line(encode_event(sent));
  if (!back) return ::testing::AssertionFailure() << back.error() << " in " << encode_event(sent);
  return same_event(sent, back.value());
}

FieldInput decimal(const char* text) { return FieldInput::number(*Fixed::parse(text)); }

TEST(EventReaderTest, EncodeEventWritesEveryKeyInTheReadersForm) {
  Event event{.at = kMonday + 3600,
              .ticket = "T-1001",
              .event = "create",
              .actor = {"alice", {"intake_specialist", "tech.dept_head"}},
              .data = {{"customer", FieldInput::text("C-1001")},
                       {"order_amount", decimal("1299.50")},
                       {"share", decimal("0.0001")},
                       {"refund", decimal("-12.5")},
                       {"problem_confirmed", FieldInput::boolean(true)},
                       {"note", FieldInput::null()}},
              .idempotency_key = "k-1",
              .workflow = "after_sales"};
  EXPECT_EQ(encode_event(event),
            R"({"at":"2026-11-23T01:00:00Z","ticket":"T-1001","event":"create",)"
            R"("actor":{"id":"alice","roles":["intake_specialist","tech.dept_head"]},)"
            R"("data":{"customer":"C-1001","order_amount":1299.5,"share":0.0001,"refund":-12.5,)"
            R"("problem_confirmed":true,"note":null},"idempotency_key":"k-1","workflow":"after_sales"})");
  // Only what the event has: no actor, no data, no key, the default workflow.
  EXPECT_EQ(encode_event(Event{.at = kMonday, .ticket = "T-1", .event = "registered"}),
            R"({"at":"2026-11-23T00:00:00Z","ticket":"T-1","event":"registered"})");
  // A system without an id but with roles keeps its roles.
  EXPECT_EQ(encode_event(Event{.at = kMonday, .ticket = "T-1", .event = "e", .actor = {"", {"system"}}}),
            R"({"at":"2026-11-23T00:00:00Z","ticket":"T-1","event":"e","actor":{"id":"","roles":["system"]}})");
}

TEST(EventReaderTest, EncodedEventsReadBackTheSame) {
  std::vector<Event> events = {
      Event{.at = kMonday,
            .ticket = "工单-1",
            .event = "create",
            .actor = {"张伟", {"客服"}},
            .data = {{"description", FieldInput::text("屏幕碎了，\"急\"")},
                     {"path", FieldInput::text(R"(C:\tickets\"new"\)")},
                     {"control", FieldInput::text(std::string("tab\tline\nnul") + '\0' + "end")},
                     {"order_amount", decimal("1299.50")},
                     {"share", decimal("0.0001")},
                     {"negative", decimal("-0.0001")},
                     {"large", decimal("922337203685477")},
                     {"zero", decimal("0")},
                     {"flag", FieldInput::boolean(false)},
                     {"cleared", FieldInput::null()}},
            .idempotency_key = "key \"quoted\" \\ 键"},
      Event{.at = kMonday + 1, .ticket = "T-2", .event = "approve", .actor = {"approver.dept_head.1", {"dept_head"}}},
      Event{.at = kMonday + 1, .ticket = "T-2", .event = "reject", .actor = {"", {}}, .workflow = "after_sales"},
  };
  std::string file;
  for (const Event& event : events) {
    EXPECT_TRUE(reads_back(event));
    file += encode_event(event) + "\n";
  }
  // As a file, through the reader `docket run` uses.
  ReadAll all = read_all(file);
  ASSERT_EQ(all.error, "");
  ASSERT_EQ(all.events.size(), events.size());
  for (std::size_t i = 0; i < events.size(); ++i) EXPECT_TRUE(same_event(events[i], all.events[i].event));
  // Decimals are their exact text, never through a double.
  EXPECT_THAT(file, HasSubstr(R"("order_amount":1299.5,"share":0.0001,"negative":-0.0001,"large":922337203685477,)"));
}

// Why the reader refuses the line of `event`, which an events file cannot
// say: a field sent twice, or no event name; "" when it can.
std::string unwritable(const Event& event) {
  if (event.event.empty()) return "`event` is empty";
  for (std::size_t i = 0; i < event.data.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (event.data[i].field == event.data[j].field) return "duplicate key `" + event.data[i].field + "`";
    }
  }
  return {};
}

// Property: whatever the random streams send (plausible events, votes, bad
// data, unknown names, repeated keys) reads back from its line as it was;
// what an events file cannot say is refused, never read as something else.
TEST(EventReaderTest, RandomEventStreamsReadBackTheSame) {
  std::size_t same = 0;
  std::size_t with_data = 0;
  std::size_t refused = 0;
  for (const char* rules : {"after_sales.docket", "complaint_handling.docket"}) {
    for (std::uint64_t seed : {3u, 4u}) {
      SCOPED_TRACE(std::string(rules) + " seed " + std::to_string(seed));
      testing::Harness h(testing::shipped_rules(rules));
      docket::testing::RandomEventStream stream(h.engine.workflow(), {.seed = seed, .start = kMonday});
      for (int i = 0; i < 1500; ++i) {
        docket::testing::RandomEvent next = stream.next(h.engine);
        std::string intent = docket::testing::to_string(next.intent);
        if (std::string why = unwritable(next.event); !why.empty()) {
          Result<Event> back = parse_event_line(encode_event(next.event));
          ASSERT_FALSE(back.ok()) << "event " << i << " (" << intent << ")";
          EXPECT_THAT(back.error(), HasSubstr(why));
          ++refused;
        } else {
          ASSERT_TRUE(reads_back(next.event)) << "event " << i << " (" << intent << ")";
          ++same;
          with_data += !next.event.data.empty();
        }
        h.apply(next.event);
      }
    }
  }
  EXPECT_EQ(same + refused, 6000u);
  EXPECT_GT(same, 5500u);
  EXPECT_GT(with_data, 1000u);
}

}  // namespace
}  // namespace docket::engine
