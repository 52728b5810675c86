#include "engine/codec/journal_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <set>

#include "engine/model/text.h"
#include "tests/support/engine_harness.h"

namespace docket::engine::testing {
namespace {

using ::testing::HasSubstr;

constexpr const char* kVersion = "fe203b2b550178b6c974d8f26a2486b24bc550aace0034af61790166ce006fd5";

RulePosition at_line(std::uint32_t line, std::uint32_t column) {
  return RulePosition{"rules/after_sales.docket:" + std::to_string(line), line, column};
}

Change change(std::string field, Value before, Value after, std::string before_text, std::string after_text) {
  return Change{std::move(field), std::move(before), std::move(after), std::move(before_text), std::move(after_text)};
}

Record base(std::uint64_t seq, RecordKind kind, Cause cause) {
  Record record;
  record.seq = seq;
  record.at = kMonday + 9 * kHour;  // 2026-11-23T09:00:00Z
  record.ticket = "T-1001";
  record.workflow = "after_sales";
  record.version = kVersion;
  record.kind = kind;
  record.cause = cause;
  return record;
}

Record transition() {
  Record record = base(12, RecordKind::kTransition, Cause::kEvent);
  record.from = "registering";
  record.to = "classifying";
  record.event = "registered";
  record.actor = actor("alice", {"intake_specialist"});
  record.rule = at_line(187, 3);
  record.changes.push_back(change("problem_confirmed", Value::boolean(false), Value::boolean(true), "false", "true"));
  record.effects.push_back(Effect{EffectKind::kNotify, "notify customer \"case_registered\"", "customer",
                                  "case_registered", at_line(188, 8), ""});
  record.idempotency_key = "k-1";
  return record;
}

const std::string kHead = R"({"seq":12,"at":"2026-11-23T09:00:00Z","ticket":"T-1001","workflow":"after_sales",)"
                          R"("version":"fe203b2b550178b6c974d8f26a2486b24bc550aace0034af61790166ce006fd5",)";

TEST(JournalJsonTest, TransitionLine) {
  EXPECT_EQ(encode_record(transition()),
            kHead + R"("kind":"transition","from":"registering","to":"classifying","cause":"event",)"
                    R"("event":"registered","actor":{"id":"alice","roles":["intake_specialist"]},)"
                    R"("rule":"rules/after_sales.docket:187:3",)"
                    R"("changes":[{"field":"problem_confirmed","type":"bool","before":false,"after":true}],)"
                    R"("actions":[{"kind":"notify","action":"notify customer \"case_registered\"","target":"customer",)"
                    R"("value":"case_registered","rule":"rules/after_sales.docket:188:8","detail":null}],)"
                    R"("sla":null,"rejected":false,"reason":null,"idempotency_key":"k-1"})");
}

TEST(JournalJsonTest, CreationHasNoFromState) {
  Record record = base(12, RecordKind::kTransition, Cause::kCreate);
  record.to = "received";
  record.event = "create";
  record.actor = actor("alice", {});
  record.changes.push_back(change("order_amount", Value(), Value::number(*Fixed::parse("1299.5")), "", "1299.5"));
  EXPECT_EQ(encode_record(record),
            kHead + R"("kind":"transition","from":null,"to":"received","cause":"create","event":"create",)"
                    R"("actor":{"id":"alice","roles":[]},"rule":null,)"
                    R"("changes":[{"field":"order_amount","type":"number","before":null,"after":1299.5}],)"
                    R"("actions":[],"sla":null,"rejected":false,"reason":null,"idempotency_key":null})");
}

TEST(JournalJsonTest, TimerLine) {
  Record record = base(12, RecordKind::kTimer, Cause::kTimer);
  record.from = record.to = "executing";
  record.rule = at_line(221, 3);
  record.effects.push_back(Effect{EffectKind::kNotify, "notify customer \"progress_update\"", "customer",
                                  "progress_update", at_line(221, 16), ""});
  EXPECT_EQ(encode_record(record),
            kHead + R"("kind":"timer","from":"executing","to":"executing","cause":"timer","event":null,)"
                    R"("actor":null,"rule":"rules/after_sales.docket:221:3","changes":[],)"
                    R"("actions":[{"kind":"notify","action":"notify customer \"progress_update\"",)"
                    R"("target":"customer","value":"progress_update","rule":"rules/after_sales.docket:221:16",)"
                    R"("detail":null}],"sla":null,"rejected":false,"reason":null,"idempotency_key":null})");
}

TEST(JournalJsonTest, ApprovalVoteLine) {
  Record record = base(12, RecordKind::kApproval, Cause::kEvent);
  record.from = record.to = "approving";
  record.event = "approve";
  record.actor = actor("wang", {"dept_head"});
  record.rule = at_line(133, 3);
  record.effects.push_back(
      Effect{EffectKind::kApprovalVote, "approve as dept_head", "head_signoff.head", "1 of 1", at_line(133, 3), ""});
  EXPECT_EQ(encode_record(record),
            kHead + R"("kind":"approval","from":"approving","to":"approving","cause":"event","event":"approve",)"
                    R"("actor":{"id":"wang","roles":["dept_head"]},"rule":"rules/after_sales.docket:133:3",)"
                    R"("changes":[],"actions":[{"kind":"approval_vote","action":"approve as dept_head",)"
                    R"("target":"head_signoff.head","value":"1 of 1","rule":"rules/after_sales.docket:133:3",)"
                    R"("detail":null}],"sla":null,"rejected":false,"reason":null,"idempotency_key":null})");
}

Record sla_record(RecordKind kind, double percent) {
  Record record = base(12, kind, Cause::kSla);
  record.from = record.to = "dispatched";
  record.rule = at_line(112, 3);
  record.sla = SlaMark{"first_response", "P1", percent, 4 * kHour, "", kMonday + 9 * kHour, ""};
  return record;
}

TEST(JournalJsonTest, WarningLine) {
  EXPECT_EQ(encode_record(sla_record(RecordKind::kWarning, 50)),
            kHead + R"("kind":"warning","from":"dispatched","to":"dispatched","cause":"sla","event":null,)"
                    R"("actor":null,"rule":"rules/after_sales.docket:112:3","changes":[],"actions":[],)"
                    R"("sla":{"metric":"first_response","priority":"P1","percent":50,"limit":"4h",)"
                    R"("calendar":null,"due":"2026-11-23T09:00:00Z"},)"
                    R"("rejected":false,"reason":null,"idempotency_key":null})");
}

TEST(JournalJsonTest, BreachLineWithABusinessCalendarAndAFractionalPercent) {
  Record record = sla_record(RecordKind::kBreach, 100);
  record.sla->limit_seconds = 72 * kHour;
  record.sla->calendar = "office";
  EXPECT_THAT(encode_record(record),
              HasSubstr(R"("kind":"breach",)"
                        R"("from":"dispatched","to":"dispatched","cause":"sla","event":null,"actor":null,)"));
  EXPECT_THAT(encode_record(record), HasSubstr(R"("sla":{"metric":"first_response","priority":"P1","percent":100,)"
                                               R"("limit":"72h","calendar":"office","due":"2026-11-23T09:00:00Z"})"));
  Record escalation = sla_record(RecordKind::kEscalation, 87.5);
  EXPECT_THAT(encode_record(escalation), HasSubstr(R"("kind":"escalation")"));
  EXPECT_THAT(encode_record(escalation), HasSubstr(R"("percent":87.5,)"));
}

TEST(JournalJsonTest, RejectionLine) {
  Record record = base(12, RecordKind::kRejection, Cause::kEvent);
  record.from = "registering";
  record.event = "registered";
  record.actor = actor("bob", {"engineer"});
  record.rule = at_line(174, 3);
  record.changes.push_back(change("problem_confirmed", Value::boolean(false), Value::boolean(true), "false", "true"));
  record.rejected = true;
  record.reason = "`bob` lacks the role for `registered` in `registering`: needs one of intake_specialist";
  record.reason_code = RejectionCode::kRole;
  EXPECT_EQ(encode_record(record),
            kHead + R"("kind":"rejection","from":"registering","to":null,"cause":"event","event":"registered",)"
                    R"("actor":{"id":"bob","roles":["engineer"]},"rule":"rules/after_sales.docket:174:3",)"
                    R"("changes":[{"field":"problem_confirmed","type":"bool","before":false,"after":true}],)"
                    R"("actions":[],"sla":null,"rejected":true,)"
                    R"("reason":"`bob` lacks the role for `registered` in `registering`: needs one of )"
                    R"(intake_specialist","reason_code":"role","idempotency_key":null})");
}

// Journals written before rejections carried a code still read, as
// rejections without one; a code must be one the engine writes, and only a
// rejection has one.
TEST(JournalJsonTest, TheRejectionCodeIsReadBackAndOptionalInOlderJournals) {
  Record record = base(12, RecordKind::kRejection, Cause::kEvent);
  record.rejected = true;
  record.reason = "`wang` requested this approval and may not approve it (four-eyes rule)";
  record.reason_code = RejectionCode::kFourEyes;
  std::string line = encode_record(record);
  Result<Record> decoded = decode_record(line);
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  EXPECT_EQ(decoded->reason_code, RejectionCode::kFourEyes);

  std::string older = line;
  older.erase(older.find(",\"reason_code\":\"four_eyes\""), std::string(",\"reason_code\":\"four_eyes\"").size());
  Result<Record> old = decode_record(older);
  ASSERT_TRUE(old.ok()) << old.error();
  EXPECT_EQ(old->reason_code, RejectionCode::kNone);
  EXPECT_EQ(old->reason, record.reason);

  std::string unknown = line;
  unknown.replace(unknown.find("four_eyes"), 9, "four_ears");
  EXPECT_EQ(decode_record(unknown).error(),
            "`reason_code`: expected a rejection code such as \"four_eyes\", got \"four_ears\"");
  Record accepted = base(12, RecordKind::kTransition, Cause::kEvent);
  std::string on_transition = encode_record(accepted);
  on_transition.replace(on_transition.find(",\"idempotency_key\""), 0, ",\"reason_code\":\"role\"");
  EXPECT_EQ(decode_record(on_transition).error(), "`reason_code`: only a rejection has one");
}

// A clock effect's change is typed on the way back in, so that reports
// count outcomes without reading the text.
TEST(JournalJsonTest, ClockEffectsComeBackWithTheirTypedChange) {
  struct Case {
    const char* value;
    ClockChange change;
  };
  for (const Case& c : {Case{"started", ClockChange::kStarted}, Case{"paused", ClockChange::kPaused},
                        Case{"resumed", ClockChange::kResumed}, Case{"stopped", ClockChange::kStopped},
                        Case{"stopped: met, 45m of 1h", ClockChange::kStoppedMet},
                        Case{"stopped: breached, 1h5m of 1h", ClockChange::kStoppedBreached},
                        Case{"unchanged: not running", ClockChange::kUnchanged}}) {
    Record record = base(3, RecordKind::kTransition, Cause::kEvent);
    record.effects.push_back(Effect{EffectKind::kClock, "stop resolve", "resolve", c.value, {}, {}, c.change});
    Result<Record> decoded = decode_record(encode_record(record));
    ASSERT_TRUE(decoded.ok()) << decoded.error();
    EXPECT_EQ(decoded->effects.front().clock, c.change) << c.value;
  }
  Record odd = base(3, RecordKind::kTransition, Cause::kEvent);
  odd.effects.push_back(Effect{EffectKind::kClock, "stop resolve", "resolve", "stopped early", {}, {}, {}});
  EXPECT_FALSE(decode_record(encode_record(odd)).ok());
}

TEST(JournalJsonTest, ValuesOfEveryTypeAreWrittenAsTheEngineFormatsThem) {
  Record record = base(1, RecordKind::kTransition, Cause::kEvent);
  record.changes = {
      change("note", Value(), Value::text(""), "", "\"\""),
      change("amount", Value::number(*Fixed::parse("123456789012.3456")), Value::number(*Fixed::parse("-0.0001")),
             "123456789012.3456", "-0.0001"),
      change("mood", Value::enumerator(7, 0), Value::enumerator(7, 2), "calm", "angry"),
      change("priority", Value(), Value::priority(1), "", "P1"),
      change("wait", Value::duration(5400), Value::duration(-60), "1h30m", "-1m"),
      change("due", Value::timestamp(kMonday), Value(), "2026-11-23T00:00:00Z", ""),
  };
  std::string line = encode_record(record);
  EXPECT_THAT(line, HasSubstr(R"({"field":"note","type":"text","before":null,"after":""})"));
  EXPECT_THAT(line, HasSubstr(R"({"field":"amount","type":"number","before":123456789012.3456,"after":-0.0001})"));
  EXPECT_THAT(line, HasSubstr(R"({"field":"mood","type":"enum","before":"calm","after":"angry"})"));
  EXPECT_THAT(line, HasSubstr(R"({"field":"priority","type":"priority","before":null,"after":"P1"})"));
  EXPECT_THAT(line, HasSubstr(R"({"field":"wait","type":"duration","before":"1h30m","after":"-1m"})"));
  EXPECT_THAT(line, HasSubstr(R"({"field":"due","type":"timestamp","before":"2026-11-23T00:00:00Z","after":null})"));
}

TEST(JournalJsonTest, TextIsUtf8WithControlCharactersEscaped) {
  Record record = transition();
  record.reason = "投诉 \"urgent\"\nline\ttab\x01 back\\slash";
  record.actor.id = "张三";
  std::string line = encode_record(record);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_THAT(line, HasSubstr(R"("reason":"投诉 \"urgent\"\nline\ttab\u0001 back\\slash")"));
  EXPECT_THAT(line, HasSubstr(R"("actor":{"id":"张三",)"));
  // Bytes that are not UTF-8 become U+FFFD, so the line stays valid JSON.
  record.reason = "bad \xff byte";
  line = encode_record(record);
  EXPECT_THAT(line, HasSubstr("\"reason\":\"bad \xEF\xBF\xBD byte\""));
  EXPECT_TRUE(nlohmann::json::accept(line));
}

TEST(JournalJsonTest, KeysComeInOneFixedOrder) {
  Record record = sla_record(RecordKind::kBreach, 100);
  record.sent = SentData::kNone;
  nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(encode_record(record));
  std::vector<std::string> keys;
  for (const auto& item : parsed.items()) keys.push_back(item.key());
  EXPECT_THAT(keys, ::testing::ElementsAre("seq", "at", "ticket", "workflow", "version", "kind", "from", "to", "cause",
                                           "event", "actor", "data", "rule", "changes", "actions", "sla", "rejected",
                                           "reason", "idempotency_key"));
}

// What an event sent comes right after who sent it, untyped and in the
// order sent; a record that no event made has null.
TEST(JournalJsonTest, TheEventsDataFollowsTheActorAsSent) {
  Record record = transition();
  record.sent = SentData::kRecorded;
  record.data = {{"problem_confirmed", FieldInput::boolean(true)},
                 {"compensation", FieldInput::number(*Fixed::parse("389.70"))},
                 {"mood", FieldInput::text("angry")},
                 {"note", FieldInput::null()}};
  EXPECT_THAT(encode_record(record),
              HasSubstr(R"("actor":{"id":"alice","roles":["intake_specialist"]},)"
                        R"("data":[{"field":"problem_confirmed","value":true},{"field":"compensation","value":389.7},)"
                        R"({"field":"mood","value":"angry"},{"field":"note","value":null}],)"
                        R"("rule":"rules/after_sales.docket:187:3",)"));
  Record timer = sla_record(RecordKind::kBreach, 100);
  timer.sent = SentData::kNone;
  EXPECT_THAT(encode_record(timer), HasSubstr(R"("actor":null,"data":null,"rule":)"));
  Record nothing = transition();
  nothing.sent = SentData::kRecorded;
  EXPECT_THAT(encode_record(nothing), HasSubstr(R"("data":[],)"));
  for (const Record& one : {record, timer, nothing}) {
    Result<Record> decoded = decode_record(encode_record(one));
    ASSERT_TRUE(decoded.ok()) << decoded.error();
    EXPECT_EQ(decoded.value(), one) << encode_record(one);
  }
}

// A refused event's data is kept as received: a field the workflow does not
// have, one sent twice, a value of the wrong kind, text that needs escaping.
TEST(JournalJsonTest, ARefusedEventsDataIsKeptAsSent) {
  Record record = base(4, RecordKind::kRejection, Cause::kEvent);
  record.event = "registered";
  record.rejected = true;
  record.reason = "field `x` is given twice";
  record.reason_code = RejectionCode::kInvalidData;
  record.sent = SentData::kRecorded;
  record.data = {{"x", FieldInput::text("a\"b\n")},
                 {"x", FieldInput::number(*Fixed::parse("-0.0001"))},
                 {"", FieldInput::text("")},
                 {"problem_confirmed", FieldInput::text("yes")}};
  std::string line = encode_record(record);
  EXPECT_THAT(line, HasSubstr(R"("data":[{"field":"x","value":"a\"b\n"},{"field":"x","value":-0.0001},)"
                              R"({"field":"","value":""},{"field":"problem_confirmed","value":"yes"}],)"));
  Result<Record> decoded = decode_record(line);
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  EXPECT_EQ(decoded.value(), record);
}

// Journals written before records kept what events sent have no `data`:
// they read, saying so, and write back the same bytes. A line that has the
// key has it in the one form the engine writes.
TEST(JournalJsonTest, LinesWithoutDataPredateItAndStillRead) {
  Record record = transition();
  record.sent = SentData::kRecorded;
  record.data = {{"problem_confirmed", FieldInput::boolean(true)}};
  std::string line = encode_record(record);
  std::string older = line;
  const std::string data = R"("data":[{"field":"problem_confirmed","value":true}],)";
  older.erase(older.find(data), data.size());
  Result<Record> old = decode_record(older);
  ASSERT_TRUE(old.ok()) << old.error();
  EXPECT_EQ(old->sent, SentData::kUnrecorded);
  EXPECT_TRUE(old->data.empty());
  EXPECT_EQ(encode_record(old.value()), older);

  auto error_of = [&line, &data](const std::string& to) {
    std::string copy = line;
    copy.replace(copy.find(data), data.size(), to);
    Result<Record> decoded = decode_record(copy);
    return decoded.ok() ? std::string("accepted") : decoded.error();
  };
  EXPECT_EQ(error_of(R"("data":null,)"), "`data`: expected an array: the record of an event has one");
  EXPECT_EQ(error_of(R"("data":{"problem_confirmed":true},)"), "`data`: expected an array, got an object");
  EXPECT_EQ(error_of(R"("data":[{"field":"order_amount","value":1299.00}],)"),
            "`data`[0].`value`: expected a string, an exact decimal such as 1299.5, true, false or null, got 1299.00");
  EXPECT_EQ(error_of(R"("data":[{"field":"f","value":[1]}],)"),
            "`data`[0].`value`: expected a string, an exact decimal such as 1299.5, true, false or null, got an array");
  EXPECT_EQ(error_of(R"("data":[{"field":"f"}],)"), "`data`[0]: missing key `value`");
  Record timer = sla_record(RecordKind::kWarning, 50);
  timer.sent = SentData::kRecorded;
  EXPECT_EQ(decode_record(encode_record(timer)).error(), "`data`: expected null: only the record of an event has data");
}

// ---------------------------------------------------------------- decoding

TEST(JournalJsonTest, HandWrittenRecordsRoundTrip) {
  std::vector<Record> records = {transition(), sla_record(RecordKind::kWarning, 50),
                                 sla_record(RecordKind::kEscalation, 87.5)};
  Record rejection = base(3, RecordKind::kRejection, Cause::kCreate);
  rejection.ticket.clear();
  rejection.workflow.clear();
  rejection.version.clear();
  rejection.rejected = true;
  rejection.reason = "a new ticket needs an id";
  rejection.idempotency_key = "";
  records.push_back(rejection);
  for (const Record& record : records) {
    Result<Record> decoded = decode_record(encode_record(record));
    ASSERT_TRUE(decoded.ok()) << decoded.error();
    EXPECT_EQ(decoded.value(), record) << encode_record(record);
  }
}

// Runs the shipped after-sales rules and an approval with time limits far
// enough to produce every kind of record.
std::vector<Record> every_kind_of_record(Harness& after_sales, Harness& refund) {
  Harness& h = after_sales;
  EXPECT_TRUE(h.create(kMonday, "T-1", intake(), after_sales_form("angry")).accepted);
  EXPECT_TRUE(
      h.send(kMonday + 5 * kMinute, "T-1", "registered", intake(), {boolean("problem_confirmed", true)}).accepted);
  EXPECT_TRUE(h.send(kMonday + 10 * kMinute, "T-1", "classified", intake(),
                     {text("problem_type", "service_error"), text("impact", "function"), text("urgency", "medium")})
                  .accepted);
  Actor supervisor = actor("zhou", {"supervisor"});
  EXPECT_TRUE(h.send(kMonday + kHour, "T-1", "accepted", supervisor).accepted);
  EXPECT_FALSE(h.send(kMonday + 2 * kHour, "T-1", "proposed", supervisor,
                      {text("remedy", "compensation"), money("order_amount", "1299.00"), money("compensation", "400")})
                   .accepted);
  EXPECT_TRUE(
      h.send(kMonday + 2 * kHour, "T-1", "proposed", supervisor,
             {text("remedy", "compensation"), money("order_amount", "1299.00"), money("compensation", "389.70")})
          .accepted);
  EXPECT_TRUE(h.send(kMonday + 3 * kHour, "T-1", "approve", actor("boss", {"supervisor"})).accepted);
  h.advance_to(kMonday + 3 * kDay);

  Actor clerk = actor("c", {"clerk"});
  EXPECT_TRUE(refund.create(kMonday, "R", clerk, {}).accepted);
  EXPECT_TRUE(refund.send(kMonday + 10 * kHour, "R", "submit", clerk).accepted);
  refund.advance_to(kMonday + kDay);

  std::vector<Record> records = after_sales.records();
  records.insert(records.end(), refund.records().begin(), refund.records().end());
  return records;
}

constexpr const char* kRefund = R"(workflow refund version "1"
department finance { roles clerk, controller }
chain refund_signoff {
  level controller: any of controller within 4h on timeout do notify controller "refund_waiting"
}
approval otherwise: refund_signoff
initial state open { on submit by clerk -> deciding }
state deciding {
  await approval
  on approved -> paid
  on rejected -> open
}
final state paid
)";

TEST(JournalJsonTest, EveryRecordOfARunRoundTripsExactlyWithItsWorkflow) {
  Harness after_sales(shipped_rules("after_sales.docket"));
  Harness refund(compile_rules(kRefund));
  std::vector<Record> records = every_kind_of_record(after_sales, refund);
  std::set<RecordKind> kinds;
  for (const Record& record : records) {
    kinds.insert(record.kind);
    const Workflow& workflow = record.workflow == "refund" ? refund.workflow() : after_sales.workflow();
    std::string line = encode_record(record);
    Result<Record> decoded = decode_record(line, &workflow);
    ASSERT_TRUE(decoded.ok()) << decoded.error() << "\n" << line;
    EXPECT_EQ(decoded.value(), record) << line;
    // Without the workflow, enumerations lose their ordinals but the line is the same.
    Result<Record> untyped = decode_record(line);
    ASSERT_TRUE(untyped.ok()) << untyped.error();
    EXPECT_EQ(encode_record(untyped.value()), line);
  }
  EXPECT_EQ(kinds.size(), 8u) << "the scenario should produce every kind of record";
}

TEST(JournalJsonTest, WithoutTheWorkflowEnumerationsKeepTheirTypeAndName) {
  Record record = base(1, RecordKind::kTransition, Cause::kEvent);
  record.changes.push_back(change("mood", Value::enumerator(7, 0), Value::enumerator(7, 2), "calm", "angry"));
  record.changes.push_back(change("priority", Value(), Value::priority(1), "", "P1"));
  Result<Record> decoded = decode_record(encode_record(record));
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  const Change& mood = decoded->changes.at(0);
  EXPECT_EQ(mood.after, Value::enumerator(kNoIndex, kNoIndex));
  EXPECT_EQ(mood.before_text, "calm");
  EXPECT_EQ(mood.after_text, "angry");
  EXPECT_EQ(decoded->changes.at(1).after, Value::priority(kNoIndex));
  EXPECT_EQ(decoded->changes.at(1).after_text, "P1");
}

TEST(JournalJsonTest, SameRecordsGiveTheSameBytes) {
  Harness first(shipped_rules("after_sales.docket"));
  Harness first_refund(compile_rules(kRefund));
  Harness second(shipped_rules("after_sales.docket"));
  Harness second_refund(compile_rules(kRefund));
  std::vector<Record> a = every_kind_of_record(first, first_refund);
  std::vector<Record> b = every_kind_of_record(second, second_refund);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(encode_record(a[i]), encode_record(b[i]));
}

TEST(JournalJsonTest, TheHeadOfALineIsReadAsWrittenWithoutDecodingIt) {
  Record record = transition();
  record.ticket = "T-\"1\\\",\"workflow\":\"x";  // quotes, a backslash and a key inside the id
  std::string line = encode_record(record);
  std::optional<EncodedHead> head = encoded_head(line);
  ASSERT_TRUE(head) << line;
  EXPECT_EQ(head->seq, 12u);
  EXPECT_EQ(head->ticket, json_string(record.ticket));
  EXPECT_EQ(head->workflow, "\"after_sales\"");
  EXPECT_EQ(head->kind, "\"transition\"");
  record.workflow.clear();
  EXPECT_EQ(encoded_head(encode_record(record))->workflow, "null");

  // Lines that do not begin as encode_record writes them.
  EXPECT_FALSE(encoded_head(line.substr(0, line.find(",\"kind\""))));
  EXPECT_FALSE(encoded_head(R"({"seq":1,"ticket":"T","at":"x","workflow":"w","version":"v","kind":"k","from":null})"));
  EXPECT_FALSE(encoded_head(R"({"seq":1,"at":"x","ticket":"T\"})"));
  EXPECT_FALSE(encoded_head(R"({"at":"x","seq":1})"));
}

TEST(JournalJsonTest, DecodingIsStrictAndSaysWhere) {
  std::string line = encode_record(transition());
  auto replaced = [&line](const std::string& from, const std::string& to) {
    std::string copy = line;
    copy.replace(copy.find(from), from.size(), to);
    return copy;
  };
  auto error_of = [](const std::string& text) {
    Result<Record> decoded = decode_record(text);
    EXPECT_FALSE(decoded.ok()) << text;
    return decoded.ok() ? std::string() : decoded.error();
  };
  std::string cut = line.substr(0, line.find(",\"ticket\""));
  EXPECT_EQ(error_of(cut), "column " + std::to_string(cut.size() + 1) +
                               ": invalid JSON: syntax error while parsing object - unexpected end of input; "
                               "expected '}'");
  EXPECT_EQ(error_of(replaced(R"("seq":12)", R"("seq":-1)")), "`seq`: expected a whole number >= 0, got -1");
  EXPECT_EQ(error_of(replaced(R"("seq":12,)", "")), "the record: missing key `seq`");
  EXPECT_EQ(error_of(replaced(R"("seq":12)", R"("seq":12,"extra":1)")), "the record: unknown key `extra`");
  EXPECT_EQ(error_of(replaced(R"("kind":"transition")", R"("kind":"transit")")), "`kind`: unknown value \"transit\"");
  EXPECT_EQ(error_of(replaced("2026-11-23T09:00:00Z", "Monday")),
            "`at`: expected a UTC timestamp such as \"2026-11-23T09:00:00Z\", got \"Monday\"");
  EXPECT_EQ(error_of(replaced(R"("after":true)", R"("after":1)")),
            "`changes`[0].`after`: expected true or false, got 1");
  EXPECT_EQ(error_of(replaced(R"("target":"customer")", R"("target":7)")),
            "`actions`[0].`target`: expected a string or null, got 7");
  EXPECT_EQ(error_of(replaced(R"("seq":12)", R"("seq":12,"seq":13)")), "invalid JSON: duplicate key `seq`");

  Record record = transition();
  record.changes = {change("mood", Value(), Value::enumerator(7, 0), "", "furious")};
  std::shared_ptr<const Workflow> workflow = shipped_rules("after_sales.docket");
  Result<Record> unknown = decode_record(encode_record(record), workflow.get());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error(), "`changes`[0].`after`: workflow after_sales has no enum value `furious`");
}

}  // namespace
}  // namespace docket::engine::testing
