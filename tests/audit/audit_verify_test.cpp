// The tamper matrix: a store of more than 10,000 records, altered in every
// way an insider could, must be caught at the right seq every time, and the
// untouched store must pass.

#include "engine/audit/audit_verify.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "engine/audit/audit_bundle.h"
#include "engine/codec/journal_json.h"
#include "engine/store/checkpoint.h"
#include "engine/store/signing.h"
#include "engine/store/sqlite_store.h"
#include "tests/support/engine_harness.h"
#include "tests/support/signed_journal.h"
#include "tests/support/test_scale.h"

namespace docket::engine {
namespace {

using docket::testing::checkpoints_through;
using docket::testing::rebuilt;
using docket::testing::SignedJournal;

const std::uint64_t kCheckpointEvery = docket::testing::scaled(500, 100);

// One store for the whole suite: building it is the expensive part.
class AuditVerifyTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    journal_ = docket::testing::signed_journal({.copies = docket::testing::scaled(140, 14),
                                                .spacing_seconds = 90,
                                                .checkpoint_every = kCheckpointEvery,
                                                .run_on_seconds = 30 * testing::kDay,
                                                .bulk_load = true,  // building the fixture, not testing durability
                                                .compile_versions = true})
                   .release();
  }

  static void TearDownTestSuite() { delete journal_; }

  // Verifies `rows` (the chain only unless `rules`) with the suite's key.
  static AuditReport verify(const std::vector<JournalRow>& rows, const std::vector<Checkpoint>& checkpoints,
                            bool rules = false, std::vector<Checkpoint> held = {}, bool require_signature = false) {
    AuditInput input;
    input.require_signature = require_signature;
    input.rows = docket::testing::rows_reader(rows);
    input.checkpoints = checkpoints;
    input.held = std::move(held);
    EXPECT_TRUE(input.keys.add(journal_->key.verify_key()).ok());
    input.check_rules = rules;
    if (rules) input.versions = journal_->versions;
    return verify_journal(input);
  }

  static void expect_finding(const AuditReport& report, std::uint64_t seq, const std::string& problem,
                             const std::string& context) {
    ASSERT_TRUE(report.finding.has_value()) << context << ": not detected";
    EXPECT_EQ(report.finding->seq, seq) << context << ": " << report.finding->detail;
    EXPECT_EQ(report.finding->problem, problem) << context << ": " << report.finding->detail;
  }

  static inline SignedJournal* journal_ = nullptr;
};

TEST_F(AuditVerifyTest, TheUntouchedStorePassesEveryCheckIncludingTheRules) {
  ASSERT_GE(journal_->rows.size(), docket::testing::scaled(10000, 1000));
  AuditReport report = verify(journal_->rows, journal_->checkpoints, /*rules=*/true);
  EXPECT_TRUE(report.ok()) << (report.finding ? report.finding->detail : report.error);
  EXPECT_EQ(report.records, journal_->rows.size());
  EXPECT_EQ(report.last_seq, journal_->rows.size());
  EXPECT_EQ(report.checkpoints_verified, journal_->rows.size() / kCheckpointEvery);
  EXPECT_EQ(report.signed_through, journal_->rows.size() / kCheckpointEvery * kCheckpointEvery);
  EXPECT_EQ(report.tickets, docket::testing::scaled(560, 56));
  EXPECT_TRUE(verify(journal_->rows, journal_->checkpoints, /*rules=*/false, {}, /*require_signature=*/true).ok());
}

// The value of every top-level key of a body: where a byte is flipped.
std::vector<std::pair<std::string, std::size_t>> field_offsets(const std::string& body) {
  static const char* const kKeys[] = {"seq",     "at",      "ticket", "workflow", "version", "kind",
                                      "from",    "to",      "cause",  "event",    "actor",   "rule",
                                      "changes", "actions", "sla",    "rejected", "reason",  "idempotency_key"};
  std::vector<std::pair<std::string, std::size_t>> offsets;
  for (const char* key : kKeys) {
    std::string needle = std::string("\"") + key + "\":";
    std::size_t at = body.find(needle);
    if (at == std::string::npos) continue;
    offsets.emplace_back(key, at + needle.size() + 1);  // inside the value
  }
  return offsets;
}

TEST_F(AuditVerifyTest, AByteFlippedInAnyFieldOfAnyRecordIsCaughtAtThatSeq) {
  std::mt19937_64 random(20261125);
  std::size_t cases = 0;
  // Every record before a flipped one is decoded to check its form, so the
  // picks lie early in the journal (the chain is the same throughout); the
  // last record's links are flipped below.
  std::vector<std::size_t> picks = {0, 1};
  for (std::size_t i = 0; i < docket::testing::scaled(10, 4); ++i)
    picks.push_back(random() % (journal_->rows.size() / 10));
  picks.push_back(journal_->rows.size() - 1);
  for (std::size_t index : picks) {
    const bool links_only = index == journal_->rows.size() - 1;
    // Flipped in place and put back: copying 10,000 rows per case would cost
    // more than verifying them.
    JournalRow& row = journal_->rows[index];
    const JournalRow kept = row;
    for (const auto& [field, offset] : field_offsets(kept.body)) {
      if (links_only || offset >= kept.body.size()) continue;
      row.body[offset] ^= 0x01;
      AuditReport report = verify(journal_->rows, journal_->checkpoints);
      row = kept;
      std::string context = "seq " + std::to_string(kept.seq) + " field " + field;
      ASSERT_TRUE(report.finding.has_value()) << context << ": not detected";
      EXPECT_EQ(report.finding->seq, kept.seq) << context;
      // A seq that still reads as a number names another record's place.
      if (field == "seq" && report.finding->problem == "reordered") continue;
      EXPECT_EQ(report.finding->problem, "altered") << context << ": " << report.finding->detail;
      ++cases;
    }
    // The links themselves.
    row.hash[10] = row.hash[10] == 'a' ? 'b' : 'a';
    AuditReport report = verify(journal_->rows, journal_->checkpoints);
    row = kept;
    expect_finding(report, kept.seq, "altered", "hash of " + std::to_string(kept.seq));
    row.prev_hash[3] = row.prev_hash[3] == 'a' ? 'b' : 'a';
    report = verify(journal_->rows, journal_->checkpoints);
    row = kept;
    expect_finding(report, kept.seq, "altered", "prev_hash of " + std::to_string(kept.seq));
    cases += 2;
  }
  EXPECT_GT(cases, docket::testing::scaled(200, 80));
}

TEST_F(AuditVerifyTest, AForgedRecordWithAValidChainIsCaughtAsIllegalUnderItsRules) {
  // A transition that never could have happened, hashed in properly and
  // placed after the last checkpoint.
  std::vector<JournalRow> rows = journal_->rows;
  std::size_t index = rows.size() - 1;
  while (index > 0 && rows[index].body.find("\"kind\":\"transition\"") == std::string::npos) --index;
  ASSERT_GT(index, rows.size() - kCheckpointEvery);
  auto record = decode_record(rows[index].body);
  ASSERT_TRUE(record.ok());
  record->to = "received";
  rows = rebuilt(std::move(rows), index + 1, encode_record(record.value()));
  std::vector<Checkpoint> checkpoints(journal_->checkpoints.begin(), journal_->checkpoints.end());
  expect_finding(verify(rows, checkpoints, /*rules=*/true), index + 1, "illegal", "forged transition");
}

// Each case a function, all in one test: the fixture store is built once per
// process, and ctest runs every test in a process of its own.
struct Tampering : AuditVerifyTest {
  static void ADeletedRecordIsMissingAndSwappedRecordsAreReordered() {
    for (std::size_t index : {std::size_t{0}, journal_->rows.size() * 4 / 10, journal_->rows.size() - 2}) {
      std::vector<JournalRow> rows = journal_->rows;
      rows.erase(rows.begin() + static_cast<std::ptrdiff_t>(index));
      expect_finding(verify(rows, journal_->checkpoints), index + 1, "missing",
                     "deleted seq " + std::to_string(index + 1));

      // Lines swapped in a bundle.
      rows = journal_->rows;
      std::swap(rows[index], rows[index + 1]);
      expect_finding(verify(rows, journal_->checkpoints), index + 1, "reordered",
                     "swapped lines at " + std::to_string(index + 1));

      // Row contents swapped under their keys in a store.
      rows = journal_->rows;
      std::swap(rows[index].body, rows[index + 1].body);
      std::swap(rows[index].hash, rows[index + 1].hash);
      std::swap(rows[index].prev_hash, rows[index + 1].prev_hash);
      expect_finding(verify(rows, journal_->checkpoints), index + 1, "reordered",
                     "swapped rows at " + std::to_string(index + 1));
    }
  }

  static void ACutTailIsCaughtByACheckpointHeldApartOrLeftInTheStore() {
    const std::size_t cut = journal_->rows.size() * 3 / 4 + 7;
    ASSERT_LT(cut, journal_->checkpoints.back().seq);
    std::vector<JournalRow> rows(journal_->rows.begin(), journal_->rows.begin() + static_cast<std::ptrdiff_t>(cut));
    // The store's own checkpoints past the cut are still there.
    expect_finding(verify(rows, journal_->checkpoints), cut + 1, "truncated", "tail cut, checkpoints kept");

    // A careful insider deletes those too; the auditor's copy of the last one
    // still tells.
    std::vector<Checkpoint> kept = checkpoints_through(journal_->checkpoints, cut);
    EXPECT_TRUE(verify(rows, kept).ok()) << "without a held checkpoint a clean cut is invisible";
    expect_finding(verify(rows, kept, false, {journal_->checkpoints.back()}), cut + 1, "truncated",
                   "tail cut, checkpoint held");
  }

  static void BadSignaturesAndUnknownKeysAreCaughtAtTheirCheckpoint() {
    std::vector<Checkpoint> checkpoints = journal_->checkpoints;
    checkpoints[3].signature[7] = checkpoints[3].signature[7] == '0' ? '1' : '0';
    expect_finding(verify(journal_->rows, checkpoints), checkpoints[3].seq, "signature", "corrupted signature");

    checkpoints = journal_->checkpoints;
    auto stranger = SigningKey::generate();
    ASSERT_TRUE(stranger.ok());
    checkpoints[5] = sign_checkpoint(stranger.value(), checkpoints[5].seq, checkpoints[5].hash, checkpoints[5].at);
    AuditReport report = verify(journal_->rows, checkpoints);
    expect_finding(report, checkpoints[5].seq, "signature", "unknown key");
    EXPECT_NE(report.finding->detail.find("unknown key id " + stranger->key_id()), std::string::npos)
        << report.finding->detail;
  }

  static void AnEditedRecordWithTheWholeChainRebuiltIsCaughtByTheNextCheckpoint() {
    std::vector<JournalRow> rows = journal_->rows;
    std::size_t index = rows.size() / 8 + 3;
    while (rows[index].body.find("\"actor\":{\"id\":\"") == std::string::npos) ++index;
    std::size_t at = rows[index].body.find("\"actor\":{\"id\":\"");
    // The edit lies between two checkpoints: the later one catches it.
    const std::uint64_t last_good = index / kCheckpointEvery * kCheckpointEvery;
    ASSERT_LT(last_good + kCheckpointEvery, rows.size());
    std::string body = rows[index].body;
    body.insert(at + 15, "x");
    rows = rebuilt(std::move(rows), index + 1, std::move(body));
    expect_finding(verify(rows, journal_->checkpoints), last_good + 1, "altered", "rebuilt chain");
  }

  // Whoever can rewrite the store can edit a record, rebuild the chain from
  // seq 1 and delete every checkpoint: the chain is intact then. An auditor
  // who names the keys to trust is told that nothing signed covers it.
  static void ARebuiltChainWithoutItsCheckpointsIsUnsignedForAnAuditorWithKeys() {
    std::string body = journal_->rows[2].body;
    std::size_t at = body.find("\"actor\":{\"id\":\"");
    ASSERT_NE(at, std::string::npos);
    body.insert(at + 15, "x");
    std::vector<JournalRow> rows = rebuilt(journal_->rows, 3, std::move(body));
    AuditReport trusting_the_source = verify(rows, {});
    EXPECT_TRUE(trusting_the_source.ok());  // reported as a note: no signed checkpoint
    EXPECT_EQ(trusting_the_source.signed_through, 0u);
    expect_finding(verify(rows, {}, /*rules=*/false, {}, /*require_signature=*/true), 1, "unsigned",
                   "rebuilt chain, checkpoints deleted");
  }

  // The same through the real file: SQL edits of the store, and the exported
  // bundle verified with nothing but the public key.
  static void EditsOfTheStoreFileAndOfAnExportedBundleAreCaught() {
    std::string copy = journal_->dir.file("copy.db");
    std::filesystem::copy_file(journal_->path, copy, std::filesystem::copy_options::overwrite_existing);
    auto verify_store = [&](const std::string& sql) {
      sqlite3* db = nullptr;
      EXPECT_EQ(sqlite3_open(copy.c_str(), &db), SQLITE_OK);
      EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
      sqlite3_close(db);
      auto store = SqliteStore::open(copy, read_only_options());
      EXPECT_TRUE(store.ok()) << store.error();
      AuditInput input;
      input.rows = [&store](const std::function<Status(const JournalRow&)>& each) {
        return store.value()->read_journal(1, each);
      };
      input.checkpoints = store.value()->checkpoints().value();
      EXPECT_TRUE(input.keys.add(journal_->key.verify_key()).ok());
      input.check_rules = false;
      return verify_journal(input);
    };
    std::uint64_t first_closed = 0;
    for (const JournalRow& row : journal_->rows) {
      if (row.body.find("\"to\":\"closed\"") != std::string::npos) {
        first_closed = row.seq;
        break;
      }
    }
    ASSERT_GT(first_closed, 0u);
    expect_finding(verify_store("UPDATE journal SET body = replace(body, '\"to\":\"closed\"', '\"to\":\"closing\"') "
                                "WHERE seq = " +
                                std::to_string(first_closed)),
                   first_closed, "altered", "SQL edit");
    std::filesystem::copy_file(journal_->path, copy, std::filesystem::copy_options::overwrite_existing);
    const std::uint64_t half = journal_->rows.size() / 2;
    expect_finding(verify_store("DELETE FROM journal WHERE seq = " + std::to_string(half)), half, "missing",
                   "SQL delete");
    std::filesystem::copy_file(journal_->path, copy, std::filesystem::copy_options::overwrite_existing);
    const std::uint64_t tail = journal_->rows.size() * 9 / 10;
    expect_finding(verify_store("DELETE FROM journal WHERE seq > " + std::to_string(tail)), tail + 1, "truncated",
                   "SQL truncate");

    // Bundle: exported, one line edited.
    auto store = SqliteStore::open(journal_->path, read_only_options());
    ASSERT_TRUE(store.ok());
    std::filesystem::path bundle_dir = journal_->dir.file("bundle");
    auto written = write_bundle(*store.value(), bundle_dir, BundleFormat::kJsonl);
    ASSERT_TRUE(written.ok()) << written.error();
    EXPECT_EQ(written->records, journal_->rows.size());
    auto bundle = open_bundle(bundle_dir);
    ASSERT_TRUE(bundle.ok()) << bundle.error();
    AuditInput input;
    input.rows = [&bundle](const std::function<Status(const JournalRow&)>& each) { return bundle->read_rows(each); };
    input.checkpoints = bundle->checkpoints;
    ASSERT_TRUE(input.keys.add(journal_->key.verify_key()).ok());
    input.check_rules = false;
    EXPECT_TRUE(verify_journal(input).ok());
  }
};

TEST_F(AuditVerifyTest, DeletionsSwapsCutsBadSignaturesRebuiltChainsAndFileEditsAreCaught) {
  {
    SCOPED_TRACE("ADeletedRecordIsMissingAndSwappedRecordsAreReordered");
    Tampering::ADeletedRecordIsMissingAndSwappedRecordsAreReordered();
  }
  {
    SCOPED_TRACE("ACutTailIsCaughtByACheckpointHeldApartOrLeftInTheStore");
    Tampering::ACutTailIsCaughtByACheckpointHeldApartOrLeftInTheStore();
  }
  {
    SCOPED_TRACE("BadSignaturesAndUnknownKeysAreCaughtAtTheirCheckpoint");
    Tampering::BadSignaturesAndUnknownKeysAreCaughtAtTheirCheckpoint();
  }
  {
    SCOPED_TRACE("AnEditedRecordWithTheWholeChainRebuiltIsCaughtByTheNextCheckpoint");
    Tampering::AnEditedRecordWithTheWholeChainRebuiltIsCaughtByTheNextCheckpoint();
  }
  {
    SCOPED_TRACE("ARebuiltChainWithoutItsCheckpointsIsUnsignedForAnAuditorWithKeys");
    Tampering::ARebuiltChainWithoutItsCheckpointsIsUnsignedForAnAuditorWithKeys();
  }
  {
    SCOPED_TRACE("EditsOfTheStoreFileAndOfAnExportedBundleAreCaught");
    Tampering::EditsOfTheStoreFileAndOfAnExportedBundleAreCaught();
  }
}

}  // namespace
}  // namespace docket::engine
