// The verifier holds journals to the form docs/audit-log.md specifies, with
// or without the rules, and reports the first record that cannot be
// trusted: a record in another byte form than the canonical one, a key
// holder who signed two different chains, an empty journal no checkpoint
// covers, and the files of a bundle read exactly as written.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/audit/audit_bundle.h"
#include "engine/audit/audit_verify.h"
#include "engine/codec/journal_json.h"
#include "engine/store/audit_chain.h"
#include "engine/store/checkpoint.h"
#include "engine/store/recovery.h"
#include "engine/store/signing.h"
#include "engine/store/sqlite_store.h"
#include "tests/support/engine_harness.h"
#include "tests/support/event_streams.h"
#include "tests/support/stored_rules.h"

namespace docket::engine {
namespace {

using docket::testing::TempDir;

constexpr std::uint64_t kCheckpointEvery = 10;

// The after-sales walkthrough in a store, a checkpoint every 10 records.
class AuditStrictnessTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    path_ = dir_->file("tickets.db");
    auto key = SigningKey::generate();
    ASSERT_TRUE(key.ok());
    key_ = new SigningKey(key.value());
    std::vector<Event> stream = docket::testing::parse_events(docket::testing::replicate_events(
        std::string(DOCKET_SOURCE_DIR) + "/examples/after_sales/walkthrough.jsonl", 1, 0));
    SqliteStoreOptions options;
    options.signing_key = *key_;
    options.checkpoint_every = kCheckpointEvery;
    auto store = SqliteStore::open(path_, options);
    ASSERT_TRUE(store.ok()) << store.error();
    VirtualClock clock;
    Engine engine(clock, *store.value());
    ASSERT_TRUE(engine.install(testing::shipped_rules("after_sales.docket")).ok());
    ASSERT_EQ(docket::testing::apply_events(engine, clock, stream), 0u);
    ASSERT_TRUE(store.value()->flush().ok());
    rows_ = new std::vector<JournalRow>();
    ASSERT_TRUE(store.value()
                    ->read_journal(1,
                                   [](const JournalRow& row) {
                                     rows_->push_back(row);
                                     return Status::success();
                                   })
                    .ok());
    checkpoints_ = new std::vector<Checkpoint>(store.value()->checkpoints().value());
    auto compiled = compile_versions(*store.value(), docket::testing::compile_stored_version);
    ASSERT_TRUE(compiled.ok()) << compiled.error();
    versions_ = new std::map<std::string, std::shared_ptr<const Workflow>, std::less<>>(std::move(compiled).value());
  }

  static void TearDownTestSuite() {
    delete versions_;
    delete checkpoints_;
    delete rows_;
    delete key_;
    delete dir_;
  }

  static AuditReport verify(const std::vector<JournalRow>& rows, const std::vector<Checkpoint>& checkpoints, bool rules,
                            std::vector<Checkpoint> held = {}, bool require_signature = false) {
    AuditInput input;
    input.rows = [&rows](const std::function<Status(const JournalRow&)>& each) {
      for (const JournalRow& row : rows) {
        if (Status s = each(row); !s) return s;
      }
      return Status::success();
    };
    input.checkpoints = checkpoints;
    input.held = std::move(held);
    EXPECT_TRUE(input.keys.add(key_->verify_key()).ok());
    input.check_rules = rules;
    if (rules) input.versions = *versions_;
    input.require_signature = require_signature;
    return verify_journal(input);
  }

  // `rows` with the body of seq `seq` replaced and the chain rebuilt from it.
  static std::vector<JournalRow> rebuilt(std::vector<JournalRow> rows, std::uint64_t seq, std::string body) {
    rows[seq - 1].body = std::move(body);
    for (std::size_t i = seq - 1; i < rows.size(); ++i) {
      if (i > 0) rows[i].prev_hash = rows[i - 1].hash;
      rows[i].hash = chain_hash(rows[i].prev_hash, rows[i].body);
    }
    return rows;
  }

  // The checkpoints up to and including `seq`.
  static std::vector<Checkpoint> checkpoints_through(std::uint64_t seq) {
    std::vector<Checkpoint> kept;
    for (const Checkpoint& checkpoint : *checkpoints_) {
      if (checkpoint.seq <= seq) kept.push_back(checkpoint);
    }
    return kept;
  }

  static std::string finding(const AuditReport& report) {
    if (!report.finding) return "ok";
    return std::to_string(report.finding->seq) + " " + report.finding->problem;
  }

  static TempDir* dir_;
  static std::string path_;
  static SigningKey* key_;
  static std::vector<JournalRow>* rows_;
  static std::vector<Checkpoint>* checkpoints_;
  static std::map<std::string, std::shared_ptr<const Workflow>, std::less<>>* versions_;
};

TempDir* AuditStrictnessTest::dir_ = nullptr;
std::string AuditStrictnessTest::path_;
SigningKey* AuditStrictnessTest::key_ = nullptr;
std::vector<JournalRow>* AuditStrictnessTest::rows_ = nullptr;
std::vector<Checkpoint>* AuditStrictnessTest::checkpoints_ = nullptr;
std::map<std::string, std::shared_ptr<const Workflow>, std::less<>>* AuditStrictnessTest::versions_ = nullptr;

TEST_F(AuditStrictnessTest, TheUntouchedJournalIsCanonicalWithAndWithoutTheRules) {
  ASSERT_GT(rows_->size(), 3 * kCheckpointEvery);
  EXPECT_EQ(finding(verify(*rows_, *checkpoints_, true)), "ok");
  EXPECT_EQ(finding(verify(*rows_, *checkpoints_, false)), "ok");
}

// Another byte form of the same record, hashed in properly after the last
// checkpoint, is not the record that was written: altered, rules or not.
TEST_F(AuditStrictnessTest, ARecordInAnotherByteFormIsAlteredEvenWithoutTheRules) {
  const std::uint64_t seq = rows_->size() - 1;
  const std::string body = (*rows_)[seq - 1].body;
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
    std::vector<JournalRow> rows = rebuilt(*rows_, seq, variant);
    std::vector<Checkpoint> signed_before = checkpoints_through(seq - 1);
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
  while ((*rows_)[seq - 1].body.find("\"kind\":\"transition\"") == std::string::npos) ++seq;
  ASSERT_LT(seq, 3 * kCheckpointEvery);
  auto record = decode_record((*rows_)[seq - 1].body);
  ASSERT_TRUE(record.ok());
  record->to = record->from == "closed" ? "received" : "closed";
  std::vector<JournalRow> rows = rebuilt(*rows_, seq, encode_record(record.value()));
  const std::string expected = std::to_string(2 * kCheckpointEvery + 1) + " altered";
  EXPECT_EQ(finding(verify(rows, *checkpoints_, false)), expected);
  EXPECT_EQ(finding(verify(rows, *checkpoints_, true)), expected);
}

// A key holder edits seq 3, rebuilds the chain and signs every checkpoint
// again. The auditor's own copy of an earlier checkpoint disagrees with the
// journal's at the same seq: one key signed two chains, and nothing the key
// signed vouches for any record before it.
TEST_F(AuditStrictnessTest, AKeyThatSignedTwoChainsIsReportedCitingBothCheckpoints) {
  auto record = decode_record((*rows_)[2].body);
  ASSERT_TRUE(record.ok());
  record->actor.id += "x";
  std::vector<JournalRow> rows = rebuilt(*rows_, 3, encode_record(record.value()));
  std::vector<Checkpoint> resigned;
  for (const Checkpoint& checkpoint : *checkpoints_) {
    resigned.push_back(sign_checkpoint(*key_, checkpoint.seq, rows[checkpoint.seq - 1].hash, checkpoint.at));
  }
  const Checkpoint& held = (*checkpoints_)[1];
  AuditReport report = verify(rows, resigned, false, {held});
  EXPECT_EQ(finding(report), "1 altered");
  ASSERT_TRUE(report.finding);
  EXPECT_NE(report.finding->detail.find("key " + key_->key_id() + " signed two different chains at seq " +
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
    auto store = SqliteStore::open(path_, read_only_options());
    EXPECT_TRUE(store.ok());
    std::filesystem::path directory = dir_->file(name);
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
    EXPECT_TRUE(input.keys.add(key_->verify_key()).ok());
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
