// A holiday notice amended after tickets were opened reaches them when they
// move onto the version with the new notice (`docket versions migrate`):
// the migration record lists every deadline it moved (Record::rebased),
// with the old and new due time and the notice that changed, and the
// journal audit replays each one on both versions.
//
// The calendar `office`: Asia/Shanghai (UTC+8), Mon-Fri 09:00-12:00 and
// 13:00-17:30 (7.5 h a working day). Notice cn_2026 as first published:
// holidays Fri 09-25..Sun 09-27 and Thu 10-01..Wed 10-07, make-up working
// day Sat 10-10. The amended notice also closes Wed 09-30.
//
// Ticket R-1, received Fri 09-25 (a holiday), entered Mon 09-28 10:00.
// Working days after 09-25, first notice:   Mon 09-28, Tue 09-29, Wed 09-30,
//   Thu 10-08, Fri 10-09, Sat 10-10, Mon 10-12, Tue 10-13 ...
// amended (09-30 closed):                   Mon 09-28, Tue 09-29, Thu 10-08,
//   Fri 10-09, Sat 10-10, Mon 10-12, Tue 10-13, Wed 10-14 ...
// - `decide 15 workdays` warns at 50% = 56.25 working hours = 7 working days
//   and 3.75 h: Tue 10-13 13:45 first, Wed 10-14 13:45 amended.
// - `after 3 workdays` from the entry on Mon 09-28: the close of the third
//   working day after 09-28: Thu 10-08 17:30 first, Fri 10-09 17:30 amended.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/audit/journal_audit.h"
#include "engine/codec/journal_json.h"
#include "engine/codec/journal_text.h"
#include "engine/runtime/migration.h"
#include "tests/scenarios/scenario.h"
#include "tests/support/engine_harness.h"

namespace docket::engine::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kFirstNotice = "holidays 2026-09-25..2026-09-27, 2026-10-01..2026-10-07";
constexpr const char* kAmendedNotice = "holidays 2026-09-25..2026-09-27, 2026-09-30..2026-10-07";

std::string rules(const std::string& notice) {
  return R"(workflow rebasing version "1"
holidays cn_2026 {
  )" + notice +
         R"(
  workdays 2026-10-10
  source "State Council notice on the 2026 holidays"
}
calendar office {
  zone "Asia/Shanghai"
  hours mon-fri 09:00-12:00, 13:00-17:30
  holidays cn_2026
}
department desk { roles clerk }
field received_at: timestamp
priority standard {
  decide 15 workdays in office from received_at
  warn at 50%
}
classify priority { standard otherwise }
initial state open {
  on enter do classify priority
  after 3 workdays in office do notify clerk "reminder"
  on decided -> closed
}
final state closed
)";
}

std::int64_t local(const std::string& when) {
  return at((when.substr(0, 10) + "T" + when.substr(11) + ":00+08:00").c_str());
}

struct Moved {
  std::shared_ptr<const Workflow> first;
  std::shared_ptr<const Workflow> amended;
  std::vector<Record> records;
  std::size_t migration = 0;  // index of R-1's migration record
};

// R-1 opened on the first notice, moved onto the amended one on Tue 09-29
// 12:00, then run to the end of October.
Moved moved_onto(const std::string& notice) {
  Moved out;
  out.first = compile_rules(rules(kFirstNotice));
  out.amended = compile_rules(rules(notice));
  if (!out.first || !out.amended) return out;
  // Its own engine: the harness's clock starts after these dates.
  VirtualClock clock(local("2026-09-28 00:00"));
  MemoryJournal journal;
  Engine engine(clock, journal, {});
  EXPECT_TRUE(engine.install(out.first).ok());
  Result<Outcome> created = engine.apply(Event{local("2026-09-28 10:00"),
                                               "R-1",
                                               "create",
                                               actor("li", {"clerk"}),
                                               {text("received_at", "2026-09-25T10:00:00+08:00")},
                                               std::nullopt,
                                               {}});
  EXPECT_TRUE(created.ok() && created.value().accepted);
  EXPECT_TRUE(engine.advance_to(local("2026-09-29 12:00")).ok());
  EXPECT_TRUE(engine.install(out.amended).ok());
  Result<Ticket> moved = migrate_ticket(*engine.find("R-1"), out.amended, {});
  EXPECT_TRUE(moved.ok()) << moved.error();
  if (!moved) return out;
  Result<Outcome> migrated = engine.migrate("R-1", std::move(moved).value(), actor("ops", {}));
  EXPECT_TRUE(migrated.ok()) << migrated.error();
  EXPECT_TRUE(engine.advance_to(local("2026-10-31 00:00")).ok());
  out.records = journal.records();
  for (std::size_t i = 0; i < out.records.size(); ++i) {
    if (out.records[i].kind == RecordKind::kMigration) out.migration = i;
  }
  return out;
}

std::optional<std::string> audit(const Moved& moved, const std::vector<Record>& records) {
  JournalAudit audit([&](std::string_view id) -> std::shared_ptr<const Workflow> {
    if (moved.first->version_id() == id) return moved.first;
    if (moved.amended->version_id() == id) return moved.amended;
    return nullptr;
  });
  for (const Record& record : records) {
    if (std::optional<std::string> problem = audit.check(record)) return problem;
  }
  return std::nullopt;
}

TEST(RebasingTest, AnAmendedNoticeMovesTheClockAndTheTimerOfAnOpenTicketAndTheMigrationSaysSo) {
  Moved moved = moved_onto(kAmendedNotice);
  ASSERT_TRUE(moved.amended);
  const Record& migration = moved.records[moved.migration];
  ASSERT_EQ(migration.kind, RecordKind::kMigration);
  ASSERT_EQ(migration.rebased.size(), 2u);

  const Rebasing& clock = migration.rebased[0];
  EXPECT_EQ(clock.clock, "decide");
  EXPECT_EQ(clock.calendar, "office");
  EXPECT_EQ(clock.notices, std::vector<std::string>{"cn_2026"});
  EXPECT_EQ(clock.due_before, local("2026-10-13 13:45"));
  EXPECT_EQ(clock.due_after, local("2026-10-14 13:45"));
  EXPECT_EQ(clock.percent_before, 50);
  EXPECT_EQ(clock.percent_after, 50);
  EXPECT_TRUE(clock.ran.empty());
  EXPECT_EQ(clock.running_since, local("2026-09-25 10:00"));

  const Rebasing& timer = migration.rebased[1];
  EXPECT_EQ(timer.clock, "");
  EXPECT_EQ(timer.timer.line, 21u);
  EXPECT_EQ(timer.notices, std::vector<std::string>{"cn_2026"});
  EXPECT_EQ(timer.due_before, local("2026-10-08 17:30"));
  EXPECT_EQ(timer.due_after, local("2026-10-09 17:30"));

  EXPECT_THAT(format_record_line(migration),
              HasSubstr("; rebased decide 50% due 2026-10-13 05:45:00Z -> 2026-10-14 05:45:00Z (notice cn_2026); "
                        "rebased timer rules.docket:21 due 2026-10-08 09:30:00Z -> 2026-10-09 09:30:00Z (notice "
                        "cn_2026)"));
}

TEST(RebasingTest, TheTicketRunsOnTheAmendedNotice) {
  Moved moved = moved_onto(kAmendedNotice);
  ASSERT_TRUE(moved.amended);
  std::vector<std::int64_t> warnings;
  std::vector<std::int64_t> timers;
  for (const Record& record : moved.records) {
    if (record.kind == RecordKind::kWarning) warnings.push_back(record.at);
    if (record.kind == RecordKind::kTimer) timers.push_back(record.at);
  }
  EXPECT_EQ(warnings, std::vector<std::int64_t>{local("2026-10-14 13:45")});
  EXPECT_EQ(timers, std::vector<std::int64_t>{local("2026-10-09 17:30")});
}

TEST(RebasingTest, TheAuditReplaysTheRebasingsAndTheJsonLineKeepsThem) {
  Moved moved = moved_onto(kAmendedNotice);
  ASSERT_TRUE(moved.amended);
  std::optional<std::string> problem = audit(moved, moved.records);
  EXPECT_FALSE(problem) << *problem;

  const Record& migration = moved.records[moved.migration];
  std::string line = encode_record(migration);
  EXPECT_THAT(line, HasSubstr(R"("rebased":[{"clock":"decide","calendar":"office","notices":["cn_2026"],)"
                              R"("due_before":"2026-10-13T05:45:00Z","due_after":"2026-10-14T05:45:00Z",)"
                              R"("percent_before":50,"percent_after":50,"ran":[],)"
                              R"("running_since":"2026-09-25T02:00:00Z","extended_workdays":0,"extended_seconds":0},)"
                              R"({"timer":"rules.docket:21:3","calendar":"office","notices":["cn_2026"],)"
                              R"("due_before":"2026-10-08T09:30:00Z","due_after":"2026-10-09T09:30:00Z"}])"));
  Result<Record> decoded = decode_record(line, moved.amended.get());
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  EXPECT_EQ(decoded.value(), migration);
}

TEST(RebasingTest, AMoveThatChangesNoDeadlineWritesNoRebasing) {
  Moved moved = moved_onto(std::string(kFirstNotice) + "\n  holidays 2026-12-31");
  ASSERT_TRUE(moved.amended);
  const Record& migration = moved.records[moved.migration];
  EXPECT_TRUE(migration.rebased.empty());
  EXPECT_THAT(encode_record(migration), Not(HasSubstr("rebased")));
  EXPECT_FALSE(audit(moved, moved.records));
}

// Each way of forging a re-basing, and what the audit says of it.
TEST(RebasingTest, TheAuditCatchesATamperedRebasing) {
  Moved moved = moved_onto(kAmendedNotice);
  ASSERT_TRUE(moved.amended);
  std::string seq = "seq " + std::to_string(moved.records[moved.migration].seq) +
                    ", ticket `R-1`: the migration moves a deadline it cannot have moved: ";
  auto forged = [&](auto&& change) {
    std::vector<Record> records = moved.records;
    change(records[moved.migration].rebased);
    std::optional<std::string> problem = audit(moved, records);
    return problem.value_or("(accepted)");
  };

  EXPECT_EQ(forged([](std::vector<Rebasing>& r) { r[0].due_after += 3600; }),
            seq +
                "clock `decide` is rebased from 2026-10-13T05:45:00Z to 2026-10-14T06:45:00Z, but as it ran it was "
                "due 2026-10-13T05:45:00Z and is due 2026-10-14T05:45:00Z");
  EXPECT_EQ(forged([](std::vector<Rebasing>& r) { r[0].due_before -= 86400; }),
            seq +
                "clock `decide` is rebased from 2026-10-12T05:45:00Z to 2026-10-14T05:45:00Z, but as it ran it was "
                "due 2026-10-13T05:45:00Z and is due 2026-10-14T05:45:00Z");
  EXPECT_EQ(forged([](std::vector<Rebasing>& r) { r[0].running_since = local("2026-09-29 13:00"); }),
            seq +
                "clock `decide` runs since 2026-09-29T05:00:00Z, which is not between its last stretch and the "
                "migration");
  // Counted from the entry instead of the receipt: due a working day later.
  EXPECT_EQ(forged([](std::vector<Rebasing>& r) { r[0].running_since = local("2026-09-28 10:00"); }),
            seq +
                "clock `decide` is rebased from 2026-10-13T05:45:00Z to 2026-10-14T05:45:00Z, but as it ran it was "
                "due 2026-10-14T01:30:00Z and is due 2026-10-15T01:30:00Z");
  EXPECT_EQ(forged([](std::vector<Rebasing>& r) { r[0].percent_after = 80; }),
            seq + "clock `decide` names a mark at 80%, which its limit does not have");
  EXPECT_EQ(forged([](std::vector<Rebasing>& r) { r[0].notices = {"cn_2027"}; }),
            seq + "clock `decide` is rebased by notices [cn_2027], but calendar `office` changed by [cn_2026]");
  EXPECT_EQ(forged([](std::vector<Rebasing>& r) { r[0].calendar = "nowhere"; }),
            seq + "clock `decide` is rebased by notices [cn_2026], but calendar `nowhere` changed by []");
  EXPECT_EQ(forged([](std::vector<Rebasing>& r) { r[0].due_after = r[0].due_before; }),
            seq + "clock `decide` is rebased without moving");
  EXPECT_EQ(forged([](std::vector<Rebasing>& r) { r[0].clock = "resolve"; }),
            seq + "clock `resolve` is not a metric of both versions");
  EXPECT_EQ(forged([](std::vector<Rebasing>& r) { r[1].due_after += 86400; }),
            seq +
                "timer `rules.docket:21` is rebased from 2026-10-08T09:30:00Z to 2026-10-10T09:30:00Z, but "
                "counted from the entry at 2026-09-28T02:00:00Z it was due 2026-10-08T09:30:00Z and is due "
                "2026-10-09T09:30:00Z");
  EXPECT_EQ(forged([](std::vector<Rebasing>& r) { r[1].timer.where = "rules.docket:22"; }),
            seq + "timer `rules.docket:22` is no timer of state `open` that the move kept");
}

// Extensions as large as a journal line can say: reported, not overflowed.
TEST(RebasingTest, AnExtensionTooLargeForAnyCalendarIsReportedNotOverflowed) {
  Moved moved = moved_onto(kAmendedNotice);
  ASSERT_TRUE(moved.amended);
  std::vector<Record> records = moved.records;
  std::string line = encode_record(records[moved.migration]);
  std::string huge = std::to_string(std::numeric_limits<std::int64_t>::max());
  line.replace(line.find(R"("extended_workdays":0)"), 21, R"("extended_workdays":)" + huge);
  Result<Record> decoded = decode_record(line, moved.amended.get());
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  EXPECT_EQ(decoded.value().rebased[0].extended_workdays, std::numeric_limits<std::int64_t>::max());
  records[moved.migration] = decoded.value();
  std::optional<std::string> problem = audit(moved, records);
  ASSERT_TRUE(problem);
  EXPECT_THAT(*problem, HasSubstr("clock `decide` is rebased from 2026-10-13T05:45:00Z to 2026-10-14T05:45:00Z, but as "
                                  "it ran it was due "));
}

TEST(RebasingTest, TheJsonDecoderRefusesMalformedRebasings) {
  Moved moved = moved_onto(kAmendedNotice);
  ASSERT_TRUE(moved.amended);
  std::string line = encode_record(moved.records[moved.migration]);
  auto decoded_error = [&](const std::string& from, const std::string& to) {
    std::string changed = line;
    std::size_t found = changed.find(from);
    EXPECT_NE(found, std::string::npos) << from;
    if (found != std::string::npos) changed.replace(found, from.size(), to);
    Result<Record> decoded = decode_record(changed, moved.amended.get());
    return decoded.ok() ? std::string("(decoded)") : decoded.error();
  };
  EXPECT_THAT(decoded_error(R"("ran":[])", R"("ran":[["2026-09-26T00:00:00Z","2026-09-25T00:00:00Z"]])"),
              HasSubstr("`rebased`[0].`ran`[0]: the stretch ends before it begins"));
  EXPECT_THAT(decoded_error(R"("extended_seconds":0},)", R"("extended_seconds":0,"why":1},)"),
              HasSubstr("`rebased`[0]: unknown key `why` for a clock"));
  EXPECT_THAT(decoded_error(R"(,"percent_after":50)", ""), HasSubstr("`rebased`[0]: missing key `percent_after`"));
  EXPECT_THAT(
      decoded_error(R"("notices":["cn_2026"],"due_before":"2026-10-08)", R"("notices":[1],"due_before":"2026-10-08)"),
      HasSubstr("`rebased`[1].`notices`: expected an array of names, got 1"));
  EXPECT_THAT(decoded_error(R"("kind":"migration")", R"("kind":"transition")"),
              HasSubstr("`rebased`: only a migration moves deadlines"));
}

}  // namespace
}  // namespace docket::engine::testing
