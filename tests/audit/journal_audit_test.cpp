// JournalAudit: every journal the engine writes is legal, and a journal with
// one record forged, dropped, duplicated or moved is caught at that record,
// with a reason that names the problem.

#include "engine/audit/journal_audit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "engine/codec/journal_json.h"
#include "engine/codec/ticket_codec.h"
#include "engine/runtime/migration.h"
#include "tests/scenarios/scenario.h"
#include "tests/support/engine_harness.h"

namespace docket::engine::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

using Versions = std::vector<std::shared_ptr<const Workflow>>;

JournalAudit::VersionLookup lookup_in(Versions versions) {
  return [versions = std::move(versions)](std::string_view id) -> std::shared_ptr<const Workflow> {
    for (const std::shared_ptr<const Workflow>& workflow : versions) {
      if (workflow && workflow->version_id() == id) return workflow;
    }
    return nullptr;
  };
}

// The first problem the audit reports in `records`; "" when every record is legal.
std::string first_problem(const std::vector<Record>& records, const Versions& versions) {
  JournalAudit audit(lookup_in(versions));
  for (const Record& record : records) {
    if (std::optional<std::string> problem = audit.check(record)) return *problem;
  }
  return {};
}

// Gives the records the seq numbers 1, 2, 3, ... they have after an edit.
void renumber(std::vector<Record>& records) {
  for (std::size_t i = 0; i < records.size(); ++i) records[i].seq = i + 1;
}

// The index of the first record that `matches`; fails the test when none does.
std::size_t index_of(const std::vector<Record>& records, const std::function<bool(const Record&)>& matches) {
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (matches(records[i])) return i;
  }
  ADD_FAILURE() << "no such record";
  return 0;
}

std::function<bool(const Record&)> transition_on(const std::string& ticket, const std::string& event) {
  return [=](const Record& r) { return r.kind == RecordKind::kTransition && r.ticket == ticket && r.event == event; };
}

// The index of the next record of `ticket` after `index`.
std::size_t next_of_ticket(const std::vector<Record>& records, std::size_t index) {
  for (std::size_t i = index + 1; i < records.size(); ++i) {
    if (records[i].ticket == records[index].ticket) return i;
  }
  ADD_FAILURE() << "no later record of " << records[index].ticket;
  return index;
}

void expect_reported(const std::vector<Record>& records, const Versions& versions, std::uint64_t seq,
                     std::initializer_list<std::string> words) {
  std::string problem = first_problem(records, versions);
  EXPECT_THAT(problem, StartsWith("seq " + std::to_string(seq) + ", ticket `"));
  for (const std::string& word : words) EXPECT_THAT(problem, HasSubstr(word));
}

std::size_t count(const std::vector<Record>& records, const std::function<bool(const Record&)>& matches) {
  std::size_t n = 0;
  for (const Record& record : records) n += matches(record) ? 1 : 0;
  return n;
}

// ---------------------------------------------------------------- real journals

struct Example {
  std::string rules;
  std::string events;  // under examples/
};

std::vector<Example> shipped_examples() {
  std::vector<Example> found;
  for (const char* folder : {"after_sales", "complaint_handling"}) {
    std::string rules = std::string("rules/") + folder + ".docket";
    for (const auto& entry : std::filesystem::directory_iterator(source_path(std::string("examples/") + folder))) {
      if (entry.path().extension() == ".jsonl") {
        found.push_back({rules, std::string(folder) + "/" + entry.path().filename().string()});
      }
    }
  }
  found.push_back({"examples/after_sales/p2_office_hours.docket", "after_sales/08_national_day_p2.jsonl"});
  return found;
}

// The journal of `example`, run on until every timer and SLA limit it set has
// had time to fire.
std::vector<Record> example_journal(const Example& example, std::shared_ptr<const Workflow>* workflow) {
  Replay replay(example.rules);
  replay.play(example.events);
  replay.advance_to(replay.engine.now() + 30 * kDay);
  *workflow = replay.workflow;
  return replay.journal.records();
}

std::vector<Record> walkthrough(std::shared_ptr<const Workflow>* workflow) {
  return example_journal({"rules/after_sales.docket", "after_sales/walkthrough.jsonl"}, workflow);
}

TEST(JournalAuditTest, EveryShippedExampleIsLegal) {
  std::vector<Example> examples = shipped_examples();
  ASSERT_GE(examples.size(), 14u);
  std::vector<Record> all;
  for (const Example& example : examples) {
    SCOPED_TRACE(example.events + " with " + example.rules);
    std::shared_ptr<const Workflow> workflow;
    std::vector<Record> records = example_journal(example, &workflow);
    ASSERT_TRUE(workflow);
    JournalAudit audit(lookup_in({workflow}));
    for (const Record& record : records) {
      std::optional<std::string> problem = audit.check(record);
      ASSERT_FALSE(problem) << *problem;
    }
    EXPECT_GT(audit.tickets(), 0u);
    EXPECT_EQ(audit.records(), records.size());
    all.insert(all.end(), records.begin(), records.end());
  }
  EXPECT_GT(all.size(), 500u);
  for (RecordKind kind : {RecordKind::kTimer, RecordKind::kApproval, RecordKind::kWarning, RecordKind::kEscalation,
                          RecordKind::kBreach, RecordKind::kRejection}) {
    EXPECT_GT(count(all, [&](const Record& r) { return r.kind == kind; }), 0u) << to_string(kind);
  }
  for (Cause cause : {Cause::kAutomatic, Cause::kApproval}) {
    EXPECT_GT(count(all, [&](const Record& r) { return r.kind == RecordKind::kTransition && r.cause == cause; }), 0u)
        << to_string(cause);
  }
}

// Events drawn at random, mostly ones the ticket's state handles, by actors
// holding random roles (plain and department-scoped), with random data: many
// are refused, many go through, timers and SLA limits fire in between.
class RandomStream {
 public:
  RandomStream(std::shared_ptr<const Workflow> workflow, unsigned seed)
      : workflow_(std::move(workflow)), random_(seed), clock_(kMonday), engine_(clock_, journal_) {
    Status installed = engine_.install(workflow_);
    EXPECT_TRUE(installed.ok()) << installed.error();
    for (const Role& role : workflow_->roles()) {
      actors_.push_back(actor("p-" + role.name, {}));
      actors_.back().roles.push_back(role.name);
    }
    for (const Department& department : workflow_->departments()) {
      for (RoleIndex role : department.roles) {
        std::string scoped = department.name + "." + workflow_->roles()[role].name;
        actors_.push_back(Actor{"s-" + scoped, {scoped}});
      }
    }
    actors_.push_back(Actor{"nobody", {}});
    actors_.push_back(Actor{});
  }

  std::vector<Record> run(int events) {
    std::int64_t now = kMonday;
    for (int i = 0; i < events; ++i) {
      static constexpr std::int64_t kSteps[] = {0, 30, 10 * kMinute, kHour, 5 * kHour, kDay};
      now += kSteps[pick(std::size(kSteps))];
      Event event = next(now);
      Result<Outcome> outcome = engine_.apply(event);
      EXPECT_TRUE(outcome.ok()) << outcome.error();
    }
    Result<std::size_t> advanced = engine_.advance_to(now + 4 * kDay);
    EXPECT_TRUE(advanced.ok()) << advanced.error();
    return journal_.records();
  }

 private:
  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(random_); }
  bool chance(int percent) { return static_cast<int>(pick(100)) < percent; }

  Event next(std::int64_t now) {
    Event event;
    event.at = chance(2) ? now - kHour : now;  // now and then out of order
    event.actor = actors_[pick(actors_.size())];
    if (tickets_.empty() || chance(5)) {
      event.event = std::string(kCreateEvent);
      event.ticket =
          chance(3) && !tickets_.empty() ? tickets_[pick(tickets_.size())] : "T-" + std::to_string(tickets_.size() + 1);
      if (event.ticket == "T-" + std::to_string(tickets_.size() + 1)) tickets_.push_back(event.ticket);
      for (FieldIndex f = 0; f < workflow_->fields().size(); ++f) {
        const Field& field = workflow_->fields()[f];
        if ((field.required && !chance(3)) || chance(50)) event.data.push_back({field.name, value_for(field)});
      }
      return event;
    }
    event.ticket = chance(2) ? std::string("T-unknown") : tickets_[pick(tickets_.size())];
    const Ticket* ticket = engine_.find(event.ticket);
    std::vector<const Transition*> handled;
    if (ticket != nullptr) {
      for (TransitionIndex index : workflow_->transitions_from(ticket->state)) {
        const Transition& transition = workflow_->transitions()[index];
        if (!transition.automatic() && !decision(workflow_->events()[transition.event])) {
          handled.push_back(&transition);
        }
      }
    }
    std::vector<FieldIndex> wanted;
    int roll = static_cast<int>(pick(100));
    if (!handled.empty() && roll < 60) {
      const Transition& transition = *handled[pick(handled.size())];
      event.event = workflow_->events()[transition.event];
      if (!transition.roles.empty() && chance(80)) {
        event.actor = holder_of(transition.roles[pick(transition.roles.size())]);
      }
      if (transition.guard) read_by(*transition.guard, wanted);
      for (const Action& action : transition.actions) read_by(action, wanted);
    } else if (roll < 80) {
      event.event = std::string(kApproveEvent);
    } else if (roll < 88) {
      event.event = std::string(kRejectEvent);
    } else {
      event.event = workflow_->events()[pick(workflow_->events().size())];
      if (decision(event.event)) event.event = std::string(kApproveEvent);
    }
    if ((event.event == kApproveEvent || event.event == kRejectEvent) && chance(70)) {
      event.actor = holder_of(static_cast<RoleIndex>(pick(workflow_->roles().size())));
    }
    for (FieldIndex field : wanted) {
      if (chance(70)) add(event, workflow_->fields()[field]);
    }
    if (chance(40)) add(event, workflow_->fields()[pick(workflow_->fields().size())]);
    return event;
  }

  void add(Event& event, const Field& field) {
    for (const DataItem& item : event.data) {
      if (item.field == field.name) return;
    }
    event.data.push_back({field.name, value_for(field)});
  }

  // Someone holding `role`: plainly, or as the role in one of its departments.
  Actor holder_of(RoleIndex role) {
    const Role& held = workflow_->roles()[role];
    std::string id = "h" + std::to_string(pick(4)) + "-" + held.name;
    if (held.departments.empty() || chance(50)) return Actor{id, {held.name}};
    const Department& department = workflow_->departments()[held.departments[pick(held.departments.size())]];
    return Actor{id, {department.name + "." + held.name}};
  }

  // The fields an expression or an action reads (a classification's inputs included).
  static void read_by(const CompiledExpr& expr, std::vector<FieldIndex>& fields) {
    for (const Instruction& instruction : expr.code()) {
      if (instruction.op == OpCode::kField) fields.push_back(instruction.arg);
    }
  }
  void read_by(const Action& action, std::vector<FieldIndex>& fields) const {
    if (action.value) read_by(*action.value, fields);
    if (action.kind != ActionKind::kClassify) return;
    const Classification& classification = workflow_->classifications()[action.target];
    for (const TableAxis* axis : {&classification.row, &classification.column}) {
      if (axis->index != kNoIndex && !axis->is_attribute) fields.push_back(axis->index);
    }
    for (const ClassifyRule& rule : classification.rules) {
      if (rule.condition) read_by(*rule.condition, fields);
    }
  }

  // `approved` / `rejected` are the engine's to fire when a chain decides.
  static bool decision(const std::string& event) { return event == "approved" || event == "rejected"; }

  FieldInput value_for(const Field& field) {
    if (chance(2)) return FieldInput::null();
    switch (field.type) {
      case FieldType::kText: {
        static constexpr const char* kTexts[] = {"x", "", "a longer text"};
        return FieldInput::text(kTexts[pick(std::size(kTexts))]);
      }
      case FieldType::kInt: {
        static constexpr std::int64_t kInts[] = {0, 1, 2, 3, 4, 5, 6, 150, 2000};
        return FieldInput::integer(kInts[pick(std::size(kInts))]);
      }
      case FieldType::kDecimal:
      case FieldType::kMoney: {
        static constexpr const char* kNumbers[] = {"0", "50", "120.5", "1000", "3000"};
        return FieldInput::number(*Fixed::parse(kNumbers[pick(std::size(kNumbers))]));
      }
      case FieldType::kBool:
        return FieldInput::boolean(chance(50));
      case FieldType::kEnum:
        if (chance(3)) return FieldInput::text("no_such_value");
        return FieldInput::text(field.enum_values[pick(field.enum_values.size())]);
      case FieldType::kDuration:
        return FieldInput::text("1h30m");
      case FieldType::kTimestamp:
        return FieldInput::text("2026-11-20T10:00:00Z");
    }
    return FieldInput::null();
  }

  std::shared_ptr<const Workflow> workflow_;
  std::mt19937 random_;
  VirtualClock clock_;
  MemoryJournal journal_;
  Engine engine_;
  std::vector<Actor> actors_;
  std::vector<std::string> tickets_;
};

// A refund workflow for what the shipped rules do not use: approval time
// limits, a two-person level, overlapping guards, recurring and guarded
// timers, a department given by `assign`.
constexpr const char* kRefund = R"(workflow refund version "1"
department finance { roles clerk, controller, director }
department audit { roles director }
field amount: int = 0
field urgent: bool = false
chain refund_signoff {
  level controller: any of controller within 4h on timeout do escalate to director
  level directors: 2 of director, controller within 2h
}
approval when amount > 100: refund_signoff
approval otherwise: none
initial state open {
  on enter do assign finance
  every 4h when urgent do notify clerk "waiting"
  after 3h do notify clerk "late"
  on submit when amount > 1000 by director -> deciding
  on submit by clerk, director -> deciding
}
state deciding {
  await approval
  on approved -> paid
  on rejected -> open
}
final state paid
)";

TEST(JournalAuditTest, RandomEventStreamsAreLegalAlsoWhenReadBackFromJson) {
  std::vector<std::shared_ptr<const Workflow>> workflows = {
      shipped_rules("after_sales.docket"), shipped_rules("complaint_handling.docket"), compile_rules(kRefund)};
  std::size_t total = 0;
  std::map<RecordKind, std::size_t> kinds;
  std::map<std::string, std::size_t> decisions;
  for (const std::shared_ptr<const Workflow>& workflow : workflows) {
    ASSERT_TRUE(workflow);
    for (unsigned seed : {1u, 2u}) {
      SCOPED_TRACE(workflow->name() + " seed " + std::to_string(seed));
      std::vector<Record> records = RandomStream(workflow, seed).run(1500);
      EXPECT_EQ(first_problem(records, {workflow}), "");
      // As the store keeps them: JSON lines, decoded without the workflow.
      std::vector<Record> decoded;
      for (const Record& record : records) {
        Result<Record> back = decode_record(encode_record(record));
        ASSERT_TRUE(back.ok()) << back.error();
        decoded.push_back(std::move(back).value());
      }
      EXPECT_EQ(first_problem(decoded, {workflow}), "");
      total += records.size();
      for (const Record& record : records) {
        ++kinds[record.kind];
        if (record.cause == Cause::kApproval) ++decisions[record.event];
      }
    }
  }
  EXPECT_GT(total, 5000u);
  for (RecordKind kind :
       {RecordKind::kTransition, RecordKind::kTimer, RecordKind::kApproval, RecordKind::kApprovalTimeout,
        RecordKind::kWarning, RecordKind::kEscalation, RecordKind::kBreach, RecordKind::kRejection}) {
    EXPECT_GT(kinds[kind], 0u) << to_string(kind);
  }
  EXPECT_GT(decisions["approved"], 0u);
  EXPECT_GT(decisions["rejected"], 0u);
}

// Tickets keep the version they were created on when a new one is installed.
TEST(JournalAuditTest, TicketsOfTwoVersionsRunSideBySide) {
  std::shared_ptr<const Workflow> first = compile_rules(kRefund);
  std::shared_ptr<const Workflow> second = compile_rules(std::string(kRefund) + "# version two\n");
  ASSERT_TRUE(first && second);
  ASSERT_NE(first->version_id(), second->version_id());
  Harness h(first);
  Actor clerk = actor("c", {"clerk"});
  ASSERT_TRUE(h.create(kMonday, "OLD", clerk, {number("amount", 500)}).accepted);
  ASSERT_TRUE(h.engine.install(second).ok());
  ASSERT_TRUE(h.create(kMonday + 1, "NEW", clerk, {number("amount", 500)}).accepted);
  ASSERT_TRUE(h.send(kMonday + 2, "OLD", "submit", clerk).accepted);
  ASSERT_TRUE(h.send(kMonday + 3, "NEW", "submit", clerk).accepted);
  std::vector<Record> records = h.records();
  EXPECT_EQ(first_problem(records, {first, second}), "");

  // The second version unknown to the auditor.
  expect_reported(records, {first}, 2, {"version " + second->version_id().substr(0, 12) + " is unknown"});
  // A record of the old ticket naming the new version.
  std::size_t submit = index_of(records, transition_on("OLD", "submit"));
  records[submit].version = second->version_id();
  expect_reported(records, {first, second}, records[submit].seq, {"but the ticket runs on version"});
}

// A ticket moved onto a newer version (`docket migrate`) is followed there:
// its approval in progress, its timers, and a field new in that version.
TEST(JournalAuditTest, MigratedTicketsAreFollowedOnTheirNewVersion) {
  std::string newer = kRefund;
  newer.replace(newer.find("after 3h"), 8, "after 2h");
  newer.replace(newer.find("field urgent"), 0, "field reviewed: bool = true\n");
  std::shared_ptr<const Workflow> first = compile_rules(kRefund);
  std::shared_ptr<const Workflow> second = compile_rules(newer);
  ASSERT_TRUE(first && second);
  Harness h(first);
  Actor clerk = actor("c", {"clerk"});
  ASSERT_TRUE(h.create(kMonday, "OPEN", clerk, {number("amount", 500), boolean("urgent", true)}).accepted);
  ASSERT_TRUE(h.create(kMonday, "WAITING", clerk, {number("amount", 500)}).accepted);
  ASSERT_TRUE(h.send(kMonday + 10 * kMinute, "WAITING", "submit", clerk).accepted);
  ASSERT_TRUE(h.send(kMonday + 20 * kMinute, "WAITING", "approve", actor("k", {"controller"})).accepted);
  h.advance_to(kMonday + 90 * kMinute);
  ASSERT_TRUE(h.engine.install(second).ok());
  for (const char* id : {"OPEN", "WAITING"}) {
    Result<Ticket> moved = migrate_ticket(h.ticket(id), second, {});
    ASSERT_TRUE(moved.ok()) << moved.error();
    Result<Outcome> migrated = h.engine.migrate(id, std::move(moved).value(), actor("ops", {}));
    ASSERT_TRUE(migrated.ok()) << migrated.error();
  }
  ASSERT_TRUE(h.send(kMonday + 2 * kHour, "WAITING", "approve", actor("d2", {"director"})).accepted);
  EXPECT_EQ(h.send(kMonday + 3 * kHour, "WAITING", "approve", actor("d3", {"director"})).state, "paid");
  h.advance_to(kMonday + 6 * kHour);
  ASSERT_TRUE(h.send(kMonday + 6 * kHour, "OPEN", "submit", clerk).accepted);
  std::vector<Record> records = h.records();
  ASSERT_EQ(count(records, [](const Record& r) { return r.kind == RecordKind::kMigration; }), 2u);
  EXPECT_EQ(first_problem(records, {first, second}), "");

  std::size_t migration = index_of(records, [](const Record& r) { return r.kind == RecordKind::kMigration; });
  std::size_t after = next_of_ticket(records, migration);
  {
    std::vector<Record> changed = records;
    changed[migration].changes[0].before = Value::text(second->version_id());
    expect_reported(changed, {first, second}, changed[migration].seq, {"a migration must change only `version`"});
  }
  {
    std::vector<Record> changed = records;
    changed[migration].to = "nowhere";
    expect_reported(changed, {first, second}, changed[migration].seq, {"a migration into state `nowhere`"});
  }
  {
    std::vector<Record> changed = records;
    changed[after].version = first->version_id();
    expect_reported(changed, {first, second}, changed[after].seq, {"but the ticket runs on version"});
  }
}

// ---------------------------------------------------------------- single records changed

class JournalAuditMutationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    records_ = walkthrough(&workflow_);
    ASSERT_TRUE(workflow_);
    ASSERT_EQ(first_problem(records_, versions()), "");
  }
  Versions versions() const { return {workflow_}; }

  std::shared_ptr<const Workflow> workflow_;
  std::vector<Record> records_;
};

TEST_F(JournalAuditMutationTest, TargetChangedToAnotherState) {
  std::size_t i = index_of(records_, transition_on("T-1001", "registered"));
  records_[i].to = "closed";
  expect_reported(
      records_, versions(), records_[i].seq,
      {"transition `registering -> closed` on `registered` is not in version " + workflow_->version_id().substr(0, 12),
       "state `registering` has no transition on `registered` to `closed`"});
}

// A change of a field the event did not send, that no action sets: the
// record is forged, whatever the field.
TEST_F(JournalAuditMutationTest, ForgedChangeOfAFieldNeverSent) {
  std::size_t i = index_of(records_, transition_on("T-1001", "registered"));
  ASSERT_EQ(records_[i].sent, SentData::kRecorded);
  Change forged = records_[i].changes.front();
  forged.field = "suggestion";
  forged.before = Value();
  forged.after = Value::text("all fine");
  forged.before_text = "";
  forged.after_text = "\"all fine\"";
  records_[i].changes.push_back(forged);
  expect_reported(records_, versions(), records_[i].seq,
                  {"changes `suggestion`, which the event did not send and no action of the record sets"});
}

// The changes begin with what the data changed, in the order sent.
TEST_F(JournalAuditMutationTest, ChangesThatDoNotFollowFromTheData) {
  std::size_t i = index_of(records_, transition_on("T-1001", "registered"));
  ASSERT_EQ(records_[i].data.size(), 1u);
  records_[i].data[0].value = FieldInput::boolean(false);  // the value it had: no change follows
  expect_reported(records_, versions(), records_[i].seq, {"changes `problem_confirmed`"});
}

// Data the rules refuse makes the engine reject the event.
TEST_F(JournalAuditMutationTest, AcceptedDataTheRulesRefuse) {
  std::size_t i = index_of(records_, transition_on("T-1001", "registered"));
  records_[i].data.push_back({"no_such_field", FieldInput::text("x")});
  expect_reported(records_, versions(), records_[i].seq,
                  {"sends `no_such_field` = \"x\", not a field of workflow after_sales: the engine rejects"});
  records_[i].data.back() = {"mood", FieldInput::text("furious")};
  expect_reported(records_, versions(), records_[i].seq, {"sends `mood` = \"furious\", which the rules refuse"});
}

// Exactly the record of an event has data, and once records have it none
// may drop it; a journal from before it (no record has it) verifies.
TEST_F(JournalAuditMutationTest, DataWhereItBelongsAndNotDropped) {
  std::size_t i = index_of(records_, transition_on("T-1001", "registered"));
  {
    std::vector<Record> changed = records_;
    changed[i].sent = SentData::kUnrecorded;
    expect_reported(changed, versions(), changed[i].seq, {"has no `data`, but the records since seq 1 have"});
  }
  {
    std::vector<Record> changed = records_;
    changed[i].sent = SentData::kNone;
    expect_reported(changed, versions(), changed[i].seq, {"the record of an event without what the event sent"});
  }
  {
    std::vector<Record> changed = records_;
    std::size_t timer = index_of(changed, [](const Record& r) { return r.kind == RecordKind::kTimer; });
    changed[timer].sent = SentData::kRecorded;
    expect_reported(changed, versions(), changed[timer].seq, {"a record of cause `timer` with an event's `data`"});
  }
  std::vector<Record> older = records_;
  for (Record& record : older) {
    record.sent = SentData::kUnrecorded;
    record.data.clear();
  }
  EXPECT_EQ(first_problem(older, versions()), "");
}

TEST_F(JournalAuditMutationTest, EventChanged) {
  std::size_t i = index_of(records_, transition_on("T-1001", "registered"));
  records_[i].event = "classified";
  expect_reported(records_, versions(), records_[i].seq, {"state `registering` has no transition on `classified`"});
}

TEST_F(JournalAuditMutationTest, RulePositionOfAnotherTransition) {
  std::size_t i = index_of(records_, transition_on("T-1001", "registered"));
  std::size_t other = index_of(records_, transition_on("T-1001", "classified"));
  records_[i].rule = records_[other].rule;
  expect_reported(records_, versions(), records_[i].seq,
                  {"the rule it cites, " + records_[other].rule.where,
                   "is the transition `classifying -> dispatched` on `classified`"});
}

TEST_F(JournalAuditMutationTest, ActorWithoutTheRole) {
  std::size_t i = index_of(records_, transition_on("T-1001", "registered"));
  records_[i].actor.roles = {"engineer"};
  expect_reported(
      records_, versions(), records_[i].seq,
      {"holds none of the roles of `registering -> classifying` on `registered`", "needs one of intake_specialist"});
}

// `tech.engineer` counts on a ticket routed to tech, `ops.engineer` does not.
TEST_F(JournalAuditMutationTest, DepartmentRoleOfAnotherDepartment) {
  std::size_t i = index_of(records_, [](const Record& r) {
    return r.kind == RecordKind::kTransition && r.event == "accepted" && r.actor.roles.size() == 1 &&
           r.actor.roles[0] == "tech.engineer";
  });
  records_[i].actor.roles = {"ops.engineer"};
  expect_reported(records_, versions(), records_[i].seq, {"holds none of the roles", "(roles: ops.engineer)"});
}

// `on accepted by owner`: a supervisor of tech owns no product fault, whatever
// other category a supervisor owns.
TEST_F(JournalAuditMutationTest, AcceptedByTheOwnerOfAnotherCategory) {
  std::size_t i = index_of(records_, [](const Record& r) {
    return r.kind == RecordKind::kTransition && r.event == "accepted" && r.actor.roles.size() == 1 &&
           r.actor.roles[0] == "tech.engineer";
  });
  records_[i].actor.roles = {"tech.supervisor"};
  expect_reported(records_, versions(), records_[i].seq,
                  {"holds none of the roles of `dispatched -> proposing` on `accepted`", "needs one of engineer"});
}

TEST_F(JournalAuditMutationTest, UnknownVersion) {
  records_[2].version = std::string(64, 'f');
  expect_reported(records_, versions(), 3, {"version ffffffffffff is unknown"});
}

TEST_F(JournalAuditMutationTest, WorkflowNameThatIsNotTheVersions) {
  records_[2].workflow = "complaint_handling";
  expect_reported(records_, versions(), 3, {"is workflow `after_sales`, but the record says `complaint_handling`"});
}

// A record dropped (and the seq numbers closed up, as a forger would): the
// ticket's next record starts from a state the ticket never reached.
TEST_F(JournalAuditMutationTest, RecordDeletedBeforeIt) {
  std::size_t i = index_of(records_, transition_on("T-1001", "registered"));
  std::size_t next = next_of_ticket(records_, i);
  records_.erase(records_.begin() + static_cast<std::ptrdiff_t>(i));
  renumber(records_);
  expect_reported(records_, versions(), records_[next - 1].seq, {"but the ticket is in `registering`"});
}

TEST_F(JournalAuditMutationTest, GapInSeqNumbers) {
  records_.erase(records_.begin() + 5);
  expect_reported(records_, versions(), 7, {"follows seq 5: records are missing or out of seq order"});
}

TEST_F(JournalAuditMutationTest, SecondCreate) {
  std::size_t create = index_of(records_, [](const Record& r) { return r.cause == Cause::kCreate; });
  std::size_t later = next_of_ticket(records_, next_of_ticket(records_, create));
  Record again = records_[create];
  again.at = records_[later].at;
  records_.insert(records_.begin() + static_cast<std::ptrdiff_t>(later) + 1, again);
  renumber(records_);
  expect_reported(records_, versions(), later + 2,
                  {"a second create: the ticket was created at seq " + std::to_string(records_[create].seq)});
}

TEST_F(JournalAuditMutationTest, TimeGoingBackwards) {
  std::size_t create = index_of(records_, [](const Record& r) { return r.ticket == "T-1001"; });
  std::size_t i = index_of(records_, transition_on("T-1001", "registered"));
  records_[i].at = records_[create].at - kHour;
  expect_reported(records_, versions(), records_[i].seq, {"time runs backwards"});
}

// A timer record written again after the ticket has left the timer's state.
TEST_F(JournalAuditMutationTest, TimerInTheWrongState) {
  std::size_t timer = records_.size();
  std::size_t left = records_.size();
  for (std::size_t i = 0; i < records_.size() && left == records_.size(); ++i) {
    if (records_[i].kind != RecordKind::kTimer) continue;
    for (std::size_t j = i + 1; j < records_.size(); ++j) {
      const Record& r = records_[j];
      if (r.ticket == records_[i].ticket && r.kind == RecordKind::kTransition && r.from == records_[i].from &&
          r.to != r.from) {
        timer = i;
        left = j;
        break;
      }
    }
  }
  ASSERT_LT(left, records_.size());
  Record moved = records_[timer];
  std::string state = moved.from;
  moved.from = moved.to = records_[left].to;
  moved.at = records_[left].at;
  records_.erase(records_.begin() + static_cast<std::ptrdiff_t>(timer));
  records_.insert(records_.begin() + static_cast<std::ptrdiff_t>(left), moved);
  renumber(records_);
  expect_reported(records_, versions(), left + 1,
                  {"timer `" + moved.from + "` is not in version", "is a timer of state `" + state + "`",
                   "not a timer of state `" + moved.from + "`"});
}

TEST_F(JournalAuditMutationTest, TimerBeforeItWasDue) {
  std::size_t timer = index_of(records_, [](const Record& r) { return r.kind == RecordKind::kTimer; });
  std::size_t entered = 0;
  for (std::size_t i = 0; i < timer; ++i) {
    if (records_[i].ticket == records_[timer].ticket && records_[i].to == records_[timer].from &&
        records_[i].kind == RecordKind::kTransition) {
      entered = i;
    }
  }
  records_[timer].at = records_[entered].at + 60;
  expect_reported(records_, versions(), records_[timer].seq, {"before it was due"});
}

// The create record says the customer was calm; the empathy script of
// `auto when mood == angry` could not have run.
TEST_F(JournalAuditMutationTest, GuardThatWasFalse) {
  std::size_t angry = index_of(records_, [](const Record& r) {
    return r.cause == Cause::kAutomatic && r.from == "received" && !r.effects.empty() &&
           r.effects[0].value == "empathy_script";
  });
  std::size_t create = index_of(
      records_, [&](const Record& r) { return r.ticket == records_[angry].ticket && r.cause == Cause::kCreate; });
  bool changed = false;
  for (Change& change : records_[create].changes) {
    if (change.field != "mood") continue;
    change.after = Value::enumerator(*workflow_->find_field("mood"), 0);
    change.after_text = "calm";
    changed = true;
  }
  ASSERT_TRUE(changed);
  for (DataItem& item : records_[create].data) {  // forged as sent too
    if (item.field == "mood") item.value = FieldInput::text("calm");
  }
  expect_reported(records_, versions(), records_[angry].seq, {"the guard `mood == angry`", "is false"});
}

TEST_F(JournalAuditMutationTest, ApprovedWithoutTheVote) {
  std::size_t vote = index_of(records_, [](const Record& r) { return r.kind == RecordKind::kApproval; });
  std::size_t decision = next_of_ticket(records_, vote);
  ASSERT_EQ(records_[decision].cause, Cause::kApproval);
  records_.erase(records_.begin() + static_cast<std::ptrdiff_t>(vote));
  renumber(records_);
  expect_reported(records_, versions(), decision, {"`approved` fired while approval", "has 0 of 1 votes"});
}

TEST_F(JournalAuditMutationTest, ApprovedSentAsAnEventInsteadOfVoting) {
  std::size_t vote = index_of(records_, [](const Record& r) { return r.kind == RecordKind::kApproval; });
  std::size_t decision = next_of_ticket(records_, vote);
  records_.erase(records_.begin() + static_cast<std::ptrdiff_t>(vote));
  renumber(records_);
  --decision;
  records_[decision].cause = Cause::kEvent;
  records_[decision].sent = SentData::kRecorded;  // as an event's record has
  expect_reported(records_, versions(), records_[decision].seq,
                  {"`approved` sent as an event in `approving`", "only the approval chain decides"});
}

TEST_F(JournalAuditMutationTest, VoteByTheRequester) {
  std::size_t vote = index_of(records_, [](const Record& r) { return r.kind == RecordKind::kApproval; });
  std::size_t proposed = 0;
  for (std::size_t i = 0; i < vote; ++i) {
    const Record& r = records_[i];
    if (r.ticket == records_[vote].ticket && r.kind == RecordKind::kTransition && r.to == records_[vote].from) {
      proposed = i;
    }
  }
  records_[vote].actor.id = records_[proposed].actor.id;
  expect_reported(records_, versions(), records_[vote].seq, {"proposed what awaits approval and may not approve it"});
}

TEST_F(JournalAuditMutationTest, RejectionThatChangesTheState) {
  std::size_t i = index_of(records_, [](const Record& r) { return r.rejected && !r.from.empty(); });
  records_[i].to = "closed";
  expect_reported(records_, versions(), records_[i].seq, {"a rejection changes no state"});
}

TEST_F(JournalAuditMutationTest, BreachOfAnUnknownMetric) {
  std::size_t i = index_of(records_, [](const Record& r) { return r.kind == RecordKind::kBreach; });
  records_[i].sla->metric = "lunch_break";
  expect_reported(records_, versions(), records_[i].seq, {"`lunch_break`, which is not a metric"});
}

TEST_F(JournalAuditMutationTest, RecordOfATicketNeverCreated) {
  std::size_t i = index_of(records_, transition_on("T-1001", "registered"));
  records_[i].ticket = "T-9999";
  expect_reported(records_, versions(), records_[i].seq, {"the ticket was never created"});
}

// ---------------------------------------------------------------- approvals and timers of the refund rules

// The `every 4h when urgent` reminders of `ticket`.
std::function<bool(const Record&)> reminder(const std::string& ticket) {
  return [=](const Record& r) {
    return r.kind == RecordKind::kTimer && r.ticket == ticket && r.effects.size() == 1 &&
           r.effects[0].value == "waiting";
  };
}

class JournalAuditRefundTest : public ::testing::Test {
 protected:
  void SetUp() override {
    workflow_ = compile_rules(kRefund);
    ASSERT_TRUE(workflow_);
    Harness h(workflow_);
    Actor clerk = actor("c", {"clerk"});
    Actor director = actor("d1", {"finance.director"});
    // Small: approved at once.
    ASSERT_TRUE(h.create(kMonday, "SMALL", clerk, {number("amount", 50)}).accepted);
    EXPECT_EQ(h.send(kMonday + kHour, "SMALL", "submit", clerk).state, "paid");
    // Urgent: reminders, both levels time out, then two directors sign.
    ASSERT_TRUE(h.create(kMonday, "URGENT", clerk, {number("amount", 500), boolean("urgent", true)}).accepted);
    std::int64_t submitted = kMonday + 9 * kHour + 30 * kMinute;
    EXPECT_EQ(h.send(submitted, "URGENT", "submit", director).state, "deciding");
    h.advance_to(submitted + 4 * kHour);
    EXPECT_TRUE(h.send(submitted + 5 * kHour, "URGENT", "approve", actor("k", {"controller"})).accepted);
    h.advance_to(submitted + 8 * kHour);
    EXPECT_FALSE(h.send(submitted + 8 * kHour, "URGENT", "approve", actor("d9", {"audit.director"})).accepted);
    EXPECT_TRUE(h.send(submitted + 8 * kHour, "URGENT", "approve", actor("d2", {"director"})).accepted);
    EXPECT_EQ(h.send(submitted + 9 * kHour, "URGENT", "approve", actor("d3", {"finance.director"})).state, "paid");
    // Large: a director's submit takes the first transition; rejected once.
    ASSERT_TRUE(h.create(kMonday + kDay, "LARGE", clerk, {number("amount", 2000)}).accepted);
    EXPECT_EQ(h.send(kMonday + kDay + kMinute, "LARGE", "submit", director).state, "deciding");
    EXPECT_EQ(h.send(kMonday + kDay + 2 * kMinute, "LARGE", "reject", actor("k", {"controller"})).state, "open");
    h.advance_to(kMonday + 3 * kDay);
    records_ = h.records();
  }
  Versions versions() const { return {workflow_}; }

  std::shared_ptr<const Workflow> workflow_;
  std::vector<Record> records_;
};

TEST_F(JournalAuditRefundTest, EveryRecordIsLegal) {
  EXPECT_EQ(first_problem(records_, versions()), "");
  EXPECT_EQ(count(records_, [](const Record& r) { return r.kind == RecordKind::kApprovalTimeout; }), 2u);
  EXPECT_EQ(count(records_, [](const Record& r) { return r.kind == RecordKind::kApproval; }), 3u);
  EXPECT_GE(count(records_, [](const Record& r) { return r.kind == RecordKind::kTimer; }), 4u);
  JournalAudit audit(lookup_in(versions()));
  for (const Record& record : records_) EXPECT_FALSE(audit.check(record));
  EXPECT_EQ(audit.tickets(), 3u);
}

TEST_F(JournalAuditRefundTest, LaterTransitionWhileAnEarlierOneWasEnabled) {
  std::size_t first = index_of(records_, transition_on("LARGE", "submit"));
  std::size_t urgent = index_of(records_, transition_on("URGENT", "submit"));
  records_[first].rule = records_[urgent].rule;  // `on submit by clerk, director`
  expect_reported(records_, versions(), records_[first].seq,
                  {"is written before it and was enabled: the engine fires the first"});
}

TEST_F(JournalAuditRefundTest, ApprovalTimeLimitTwice) {
  std::size_t timeout = index_of(records_, [](const Record& r) { return r.kind == RecordKind::kApprovalTimeout; });
  records_.insert(records_.begin() + static_cast<std::ptrdiff_t>(timeout) + 1, records_[timeout]);
  renumber(records_);
  expect_reported(records_, versions(), timeout + 2, {"the time limit of approval level", "ran out twice"});
}

TEST_F(JournalAuditRefundTest, ApprovalTimeLimitBeforeItsTime) {
  std::size_t timeout = index_of(records_, [](const Record& r) { return r.kind == RecordKind::kApprovalTimeout; });
  records_[timeout].at -= kHour;
  expect_reported(records_, versions(), records_[timeout].seq, {"before `within 4h` had passed"});
}

TEST_F(JournalAuditRefundTest, VoteOfAnotherDepartmentsDirector) {
  std::size_t vote =
      index_of(records_, [](const Record& r) { return r.kind == RecordKind::kApproval && r.actor.id == "d3"; });
  records_[vote].actor.roles = {"audit.director"};
  expect_reported(records_, versions(), records_[vote].seq,
                  {"an approval vote that does not count", "holds none of the roles of approval level"});
}

TEST_F(JournalAuditRefundTest, OneShotTimerTwice) {
  std::size_t late = index_of(records_, [](const Record& r) {
    return r.kind == RecordKind::kTimer && r.ticket == "URGENT" && r.effects.size() == 1 &&
           r.effects[0].value == "late";
  });
  records_.insert(records_.begin() + static_cast<std::ptrdiff_t>(late) + 1, records_[late]);
  renumber(records_);
  expect_reported(records_, versions(), late + 2, {"(`after`) fired again without the ticket re-entering `open`"});
}

TEST_F(JournalAuditRefundTest, RecurringTimerTooEarly) {
  std::size_t first = index_of(records_, reminder("URGENT"));
  std::size_t second = next_of_ticket(records_, first);
  while (second < records_.size() && !reminder("URGENT")(records_[second])) ++second;
  ASSERT_LT(second, records_.size());
  records_[second].at = records_[first].at;
  expect_reported(records_, versions(), records_[second].seq, {"before it was due", "(firing 2)"});
}

// The create record says the ticket was not urgent: `every 1h when urgent` could not have fired.
TEST_F(JournalAuditRefundTest, TimerWhoseGuardWasFalse) {
  std::size_t create = index_of(records_, [](const Record& r) { return r.ticket == "URGENT"; });
  for (Change& change : records_[create].changes) {
    if (change.field == "urgent") {
      change.after = Value::boolean(false);
      change.after_text = "false";
    }
  }
  for (DataItem& item : records_[create].data) {  // forged as sent too
    if (item.field == "urgent") item.value = FieldInput::boolean(false);
  }
  std::size_t timer = index_of(records_, reminder("URGENT"));
  expect_reported(records_, versions(), records_[timer].seq,
                  {"the guard `urgent`", "is false: a timer whose guard is false does nothing"});
}

TEST_F(JournalAuditRefundTest, ChainTheRulesDoNotChoose) {
  std::size_t submit = index_of(records_, transition_on("SMALL", "submit"));
  bool changed = false;
  for (Effect& effect : records_[submit].effects) {
    if (effect.kind == EffectKind::kApprovalChain) {
      effect.target = "refund_signoff";
      changed = true;
    }
  }
  ASSERT_TRUE(changed);
  expect_reported(records_, versions(), records_[submit].seq,
                  {"with approval chain `refund_signoff`, but the rules choose `none`"});
}

// ---------------------------------------------------------------- stays and groups

// A group whose withdrawal and re-assessment (a stay) hold in two states; a
// final state that records a late note (a stay); a timer that counts from
// the entry into `investigating`, which a stay is not.
constexpr const char* kStays = R"(workflow stays
field impact: enum(low, high) = low
field note: text
department desk { roles handler }
category general -> desk
priority normal { resolve 24h }
group open (investigating, extended) {
  on reassessed by handler do set impact = high
  on withdrawn -> withdrawn
}
initial state investigating {
  after 2h do notify handler "two_hours"
  on extend -> extended
  on decided -> closed
}
state extended { on decided -> closed }
final state closed { on noted by handler do set note = "late" }
final state withdrawn
)";

class JournalAuditStayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    workflow_ = compile_rules(kStays, "stays.docket");
    ASSERT_TRUE(workflow_);
    Harness h(workflow_);
    Actor handler = actor("wu", {"handler"});
    ASSERT_TRUE(h.create(kMonday, "A", handler, {}).accepted);
    ASSERT_TRUE(h.send(kMonday + kHour, "A", "reassessed", handler).accepted);
    // The timer fires 2h after the entry: had the audit taken the stay for a
    // new entry, it would find the timer an hour early.
    h.advance_to(kMonday + 2 * kHour);
    ASSERT_EQ(h.send(kMonday + 3 * kHour, "A", "decided", handler).state, "closed");
    ASSERT_EQ(h.send(kMonday + 4 * kHour, "A", "noted", handler).state, "closed");
    ASSERT_TRUE(h.create(kMonday, "B", handler, {}).accepted);
    ASSERT_EQ(h.send(kMonday + kHour, "B", "extend", handler).state, "extended");
    ASSERT_EQ(h.send(kMonday + 2 * kHour, "B", "withdrawn", handler).state, "withdrawn");
    records_ = h.records();
  }
  Versions versions() const { return {workflow_}; }

  std::shared_ptr<const Workflow> workflow_;
  std::vector<Record> records_;
};

// ---------------------------------------------------------------- proposals and exclusions

constexpr const char* kPlan = R"(workflow plan version "1"
field amount: money required
department ops { roles clerk, reviewer, supervisor }
chain checked "checked" { level sign: any of supervisor not participants, assignee }
approval when amount >= 100: checked
approval otherwise: none
initial state drafting {
  on enter do assign ops.clerk
  on drafted by clerk as proposer -> reviewing
}
state reviewing {
  on checked by reviewer -> approving
}
state approving {
  await approval
  on approved -> done
  on rejected -> drafting
}
final state done
)";

// BIG: drafted by ann, checked by bob, approved by cy. SMALL: needs no approval.
class JournalAuditProposalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    workflow_ = compile_rules(kPlan);
    ASSERT_TRUE(workflow_);
    Harness h(workflow_);
    Actor ann = actor("ann", {"clerk"});
    Actor bob = actor("bob", {"reviewer"});
    for (const auto& [id, amount] : {std::pair{"BIG", "500"}, std::pair{"SMALL", "5"}}) {
      ASSERT_TRUE(h.create(kMonday, id, ann, {money("amount", amount)}).accepted);
      ASSERT_TRUE(h.send(kMonday + kMinute, id, "drafted", ann).accepted);
      ASSERT_TRUE(h.send(kMonday + 2 * kMinute, id, "checked", bob).accepted);
    }
    ASSERT_EQ(h.send(kMonday + kHour, "BIG", "approve", actor("cy", {"supervisor"})).state, "done");
    ASSERT_EQ(h.state("SMALL"), "done");
    records_ = h.records();
  }
  Versions versions() const { return {workflow_}; }
  std::size_t vote() const {
    return index_of(records_, [](const Record& r) { return r.kind == RecordKind::kApproval; });
  }
  std::size_t unrequired() const { return index_of(records_, transition_on("SMALL", "approved")); }

  std::shared_ptr<const Workflow> workflow_;
  std::vector<Record> records_;
};

TEST_F(JournalAuditStayTest, StaysAndGroupTransitionsAreLegal) {
  EXPECT_EQ(first_problem(records_, versions()), "");
  EXPECT_EQ(count(records_, [](const Record& r) { return r.kind == RecordKind::kTimer; }), 1u);
  // Read back from their JSON lines too.
  std::vector<Record> decoded;
  for (const Record& record : records_) {
    Result<Record> back = decode_record(encode_record(record));
    ASSERT_TRUE(back.ok()) << back.error();
    decoded.push_back(back.value());
  }
  EXPECT_EQ(first_problem(decoded, versions()), "");
}

TEST_F(JournalAuditStayTest, AStayThatMovesTheTicket) {
  std::size_t stay = index_of(records_, transition_on("A", "reassessed"));
  records_[stay].to = "extended";
  expect_reported(records_, versions(), records_[stay].seq,
                  {"has no transition on `reassessed` to `extended`", "stays in `investigating`"});
}

TEST_F(JournalAuditStayTest, AStayInAFinalStateThatHasNone) {
  std::size_t noted = index_of(records_, transition_on("A", "noted"));
  records_[noted].event = "withdrawn";
  expect_reported(records_, versions(), records_[noted].seq, {"state `closed` has no transition on `withdrawn`"});
}

TEST_F(JournalAuditStayTest, AGroupTransitionCitesTheGroup) {
  std::size_t withdrawn = index_of(records_, transition_on("B", "withdrawn"));
  EXPECT_EQ(records_[withdrawn].rule.where, "stays.docket:9");
  records_[withdrawn].rule = records_[index_of(records_, transition_on("B", "extend"))].rule;
  expect_reported(records_, versions(), records_[withdrawn].seq, {"the rule it cites"});
}

TEST_F(JournalAuditProposalTest, EveryRecordIsLegal) { EXPECT_EQ(first_problem(records_, versions()), ""); }

// bob moved the plan into `approving`; ann, who proposed it, is the one four-eyes keeps out.
TEST_F(JournalAuditProposalTest, VoteByTheProposerWhoDidNotEnterTheApprovalState) {
  records_[vote()].actor = actor("ann", {"clerk", "supervisor"});
  expect_reported(records_, versions(), records_[vote()].seq,
                  {"an approval vote that does not count", "`ann` proposed what awaits approval"});
}

TEST_F(JournalAuditProposalTest, VoteByAParticipant) {
  records_[vote()].actor = actor("bob", {"reviewer", "supervisor"});
  expect_reported(records_, versions(), records_[vote()].seq, {"`bob` already acted on the plan"});
}

TEST_F(JournalAuditProposalTest, VoteByTheAssignee) {
  records_[vote()].actor = actor("cy", {"ops.clerk", "supervisor"});
  expect_reported(records_, versions(), records_[vote()].seq, {"the role the ticket is assigned to"});
}

TEST_F(JournalAuditProposalTest, NoApprovalRequiredButAnApproverNamed) {
  ASSERT_EQ(records_[unrequired()].actor, Actor{});
  records_[unrequired()].actor = actor("ann", {"clerk"});
  expect_reported(records_, versions(), records_[unrequired()].seq,
                  {"needed no approval names an approver (`ann`): nobody approved"});
}

TEST_F(JournalAuditProposalTest, NoApprovalRequiredSaidOfAChainThatNeededVotes) {
  std::size_t decision = next_of_ticket(records_, vote());
  records_[decision].effects.insert(records_[decision].effects.begin(), records_[unrequired()].effects.front());
  records_[decision].actor = Actor{};
  expect_reported(records_, versions(), records_[decision].seq,
                  {"says no approval was required, but chain `checked` was approved by votes"});
}

// Journals written before `approved` of a `none` chain named nobody: the
// actor of the event that entered the state, and `approved at once`.
TEST_F(JournalAuditProposalTest, TheOlderFormOfNoApprovalStillVerifies) {
  std::size_t decision = unrequired();
  std::size_t entry = decision - 1;
  ASSERT_EQ(records_[entry].to, "approving");
  Effect& chosen = records_[entry].effects.back();
  ASSERT_EQ(chosen.kind, EffectKind::kApprovalChain);
  chosen.value = "approved at once";
  chosen.detail.clear();
  records_[decision].actor = records_[entry].actor;
  records_[decision].effects.erase(records_[decision].effects.begin());
  EXPECT_EQ(first_problem(records_, versions()), "");
}

}  // namespace
}  // namespace docket::engine::testing
