// The verifier holds journals to the form docs/audit-log.md specifies, with
// or without the rules, and reports the first record that cannot be
// trusted: a record in another byte form than the canonical one, a key
// holder who signed two different chains, an empty journal no checkpoint
// covers, and the files of a bundle read exactly as written.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "engine/audit/audit_bundle.h"
#include "engine/audit/audit_verify.h"
#include "engine/codec/journal_json.h"
#include "engine/store/checkpoint.h"
#include "engine/store/signing.h"
#include "engine/store/sqlite_store.h"
#include "tests/support/signed_journal.h"

namespace docket::engine {
namespace {

using docket::testing::checkpoints_through;
using docket::testing::finding;
using docket::testing::rebuilt;
using docket::testing::SignedJournal;

constexpr std::uint64_t kCheckpointEvery = 10;

// The after-sales walkthrough in a store, a checkpoint every 10 records.
class AuditStrictnessTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    journal_ =
        docket::testing::signed_journal({.checkpoint_every = kCheckpointEvery, .compile_versions = true}).release();
  }

  static void TearDownTestSuite() { delete journal_; }

  static AuditReport verify(const std::vector<JournalRow>& rows, const std::vector<Checkpoint>& checkpoints, bool rules,
                            std::vector<Checkpoint> held = {}, bool require_signature = false) {
    AuditInput input;
    input.rows = docket::testing::rows_reader(rows);
    input.checkpoints = checkpoints;
    input.held = std::move(held);
    EXPECT_TRUE(input.keys.add(journal_->key.verify_key()).ok());
    input.check_rules = rules;
    if (rules) input.versions = journal_->versions;
    input.require_signature = require_signature;
    return verify_journal(input);
  }

  static inline SignedJournal* journal_ = nullptr;
};

TEST_F(AuditStrictnessTest, TheUntouchedJournalIsCanonicalWithAndWithoutTheRules) {
  ASSERT_GT(journal_->rows.size(), 3 * kCheckpointEvery);
  EXPECT_EQ(finding(verify(journal_->rows, journal_->checkpoints, true)), "ok");
  EXPECT_EQ(finding(verify(journal_->rows, journal_->checkpoints, false)), "ok");
}

// Another byte form of the same record, hashed in properly after the last
// checkpoint, is not the record that was written: altered, rules or not.
TEST_F(AuditStrictnessTest, ARecordInAnotherByteFormIsAlteredEvenWithoutTheRules) {
  const std::uint64_t seq = journal_->rows.size() - 1;
  const std::string body = journal_->rows[seq - 1].body;
  ASSERT_NE(body.find("\"reason\":null"), std::string::npos);
  ASSERT_NE(body.find("\"at\":\""), std::string::npos);
  std::map<std::string, std::string> variants = {
      {"a space after a colon", std::string(body).insert(body.find(':') + 1, " ")},
      {"a blank null", std::string(body).replace(body.find("\"reason\":null"), 13, "\"reason\":\"\"")},
      {"an unknown key", std::string(body).insert(body.size() - 1, ",\"note\":null")},
      {"a key twice", std::string(body).insert(body.size() - 1, ",\"reason\":null")},
      {"a time with an offset", std::string(body).replace(body.find("Z\",\"ticket\""), 1, "+00:00")},
  };
  for (const auto& [name, variant] : variants) {
    ASSERT_NE(variant, body) << name;
    std::vector<JournalRow> rows = rebuilt(journal_->rows, seq, variant);
    std::vector<Checkpoint> signed_before = checkpoints_through(journal_->checkpoints, seq - 1);
    EXPECT_EQ(finding(verify(rows, signed_before, false)), std::to_string(seq) + " altered") << name;
    EXPECT_EQ(finding(verify(rows, signed_before, true)), std::to_string(seq) + " altered") << name;
  }
}

// The first record that cannot be trusted is reported, whatever found it: a
// record changed and the chain rebuilt is caught by the next checkpoint at
// the record after the last one that agreed, though the replay finds the
// change's consequence later, at the next record.
TEST_F(AuditStrictnessTest, TheLowestBadSeqIsReportedWhicheverCheckFindsItFirst) {
  std::uint64_t seq = 2 * kCheckpointEvery + 3;
  while (journal_->rows[seq - 1].body.find("\"kind\":\"transition\"") == std::string::npos) ++seq;
  ASSERT_LT(seq, 3 * kCheckpointEvery);
  auto record = decode_record(journal_->rows[seq - 1].body);
  ASSERT_TRUE(record.ok());
  record->to = record->from == "closed" ? "received" : "closed";
  std::vector<JournalRow> rows = rebuilt(journal_->rows, seq, encode_record(record.value()));
  const std::string expected = std::to_string(2 * kCheckpointEvery + 1) + " altered";
  EXPECT_EQ(finding(verify(rows, journal_->checkpoints, false)), expected);
  EXPECT_EQ(finding(verify(rows, journal_->checkpoints, true)), expected);
}

// A key holder edits seq 3, rebuilds the chain and signs every checkpoint
// again. The auditor's own copy of an earlier checkpoint disagrees with the
// journal's at the same seq: one key signed two chains, and nothing the key
// signed vouches for any record before it.
TEST_F(AuditStrictnessTest, AKeyThatSignedTwoChainsIsReportedCitingBothCheckpoints) {
  auto record = decode_record(journal_->rows[2].body);
  ASSERT_TRUE(record.ok());
  record->actor.id += "x";
  std::vector<JournalRow> rows = rebuilt(journal_->rows, 3, encode_record(record.value()));
  std::vector<Checkpoint> resigned = docket::testing::resigned(journal_->key, journal_->checkpoints, rows);
  const Checkpoint& held = journal_->checkpoints[1];
  AuditReport report = verify(rows, resigned, false, {held});
  EXPECT_EQ(finding(report), "1 altered");
  ASSERT_TRUE(report.finding);
  EXPECT_NE(report.finding->detail.find("key " + journal_->key.key_id() + " signed two different chains at seq " +
                                        std::to_string(held.seq)),
            std::string::npos)
      << report.finding->detail;
  EXPECT_NE(report.finding->detail.find(held.hash.substr(0, 12)), std::string::npos) << report.finding->detail;
  EXPECT_NE(report.finding->detail.find(resigned[1].hash.substr(0, 12)), std::string::npos) << report.finding->detail;
}

TEST_F(AuditStrictnessTest, AnEmptyJournalNoCheckpointCoversIsUnsignedForAnAuditorWithKeys) {
  EXPECT_EQ(finding(verify({}, {}, false, {}, /*require_signature=*/true)), "1 unsigned");
  EXPECT_EQ(finding(verify({}, {}, false)), "ok");
}

// ---------------------------------------------------------------- bundles

class BundleStrictnessTest : public AuditStrictnessTest {
 protected:
  // A fresh bundle of the suite's store, in `format`.
  std::filesystem::path export_bundle(BundleFormat format, const std::string& name) {
    auto store = SqliteStore::open(journal_->path, read_only_options());
    EXPECT_TRUE(store.ok());
    std::filesystem::path directory = journal_->dir.file(name);
    auto written = write_bundle(*store.value(), directory, format);
    EXPECT_TRUE(written.ok()) << written.error();
    return directory;
  }

  static std::string read(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  static void write(const std::filesystem::path& file, const std::string& text) {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
  }

  // "ok", "seq problem", or "cannot open: ..." for a bundle refused whole.
  std::string verify_bundle(const std::filesystem::path& directory) {
    auto bundle = open_bundle(directory);
    if (!bundle) return "cannot open: " + bundle.error();
    AuditInput input;
    input.rows = [&bundle](const std::function<Status(const JournalRow&)>& each) { return bundle->read_rows(each); };
    input.checkpoints = bundle->checkpoints;
    EXPECT_TRUE(input.keys.add(journal_->key.verify_key()).ok());
    input.check_rules = false;
    AuditReport report = verify_journal(input);
    if (!report.error.empty()) return "error: " + report.error;
    return finding(report);
  }
};

// RFC 4180 ends CSV lines with CRLF, which a spreadsheet may write back.
TEST_F(BundleStrictnessTest, ACsvJournalWithCrlfLineEndsVerifies) {
  std::filesystem::path directory = export_bundle(BundleFormat::kCsv, "crlf");
  std::string text = read(directory / "journal.csv");
  std::string crlf;
  for (char c : text) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  write(directory / "journal.csv", crlf);
  EXPECT_EQ(verify_bundle(directory), "ok");
}

TEST_F(BundleStrictnessTest, ABlankLineInAJsonlJournalIsAltered) {
  std::filesystem::path directory = export_bundle(BundleFormat::kJsonl, "blank");
  std::string text = read(directory / "journal.jsonl");
  std::size_t fifth = 0;
  for (int i = 0; i < 4; ++i) fifth = text.find('\n', fifth) + 1;
  write(directory / "journal.jsonl", text.insert(fifth, "\n"));
  EXPECT_EQ(verify_bundle(directory), "5 altered");
}

TEST_F(BundleStrictnessTest, CheckpointsAndVersionsAreReadOnlyInTheirCanonicalForm) {
  std::filesystem::path directory = export_bundle(BundleFormat::kJsonl, "members");
  ASSERT_EQ(verify_bundle(directory), "ok");
  const std::string checkpoints = read(directory / "checkpoints.jsonl");
  std::string first = checkpoints.substr(0, checkpoints.find('\n'));
  // {"seq":N,"hash":... -> {"hash":...,"seq":N,...: the same members, reordered.
  std::size_t comma = first.find(',');
  std::size_t after_hash = first.find(',', comma + 1);
  std::string reordered = "{" + first.substr(comma + 1, after_hash - comma - 1) + "," + first.substr(1, comma - 1) +
                          first.substr(after_hash);
  write(directory / "checkpoints.jsonl", reordered + checkpoints.substr(checkpoints.find('\n')));
  EXPECT_EQ(verify_bundle(directory).rfind("cannot open: ", 0), 0u);
  EXPECT_NE(verify_bundle(directory).find("checkpoints.jsonl:1: not in the canonical form"), std::string::npos)
      << verify_bundle(directory);

  write(directory / "checkpoints.jsonl", checkpoints);
  const std::string versions = read(directory / "versions.jsonl");
  write(directory / "versions.jsonl", versions.substr(0, versions.size() - 2) + ",\"note\":\"x\"}\n");
  EXPECT_NE(verify_bundle(directory).find("versions.jsonl:1: "), std::string::npos) << verify_bundle(directory);
  write(directory / "versions.jsonl", versions);
  EXPECT_EQ(verify_bundle(directory), "ok");
}

}  // namespace
}  // namespace docket::engine
