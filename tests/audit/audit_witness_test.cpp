// Witnesses against the key holder: a cosignature says "witness W saw
// checkpoint (seq, hash) signed by key K" in exactly one byte form, and an
// auditor who requires a quorum of named witnesses catches a journal the
// key holder rewrote and signed again after the witnesses saw it; a forged
// cosignature, a missing witness, a quorum not met are findings too. Then
// `docket audit witness` and `docket audit verify --witness` as run.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "engine/audit/audit_bundle.h"
#include "engine/audit/audit_verify.h"
#include "engine/audit/cosignature.h"
#include "engine/store/checkpoint.h"
#include "engine/store/signing.h"
#include "engine/store/sqlite_store.h"
#include "tests/cli/command_harness.h"
#include "tests/support/signed_journal.h"

namespace docket::engine {
namespace {

using docket::testing::checkpoints_through;
using docket::testing::finding;
using docket::testing::rebuilt;
using docket::testing::resigned;
using docket::testing::SignedJournal;
using ::testing::HasSubstr;

// The after-sales walkthrough in a store, a checkpoint every 10 records,
// and two witnesses that countersigned every checkpoint.
class AuditWitnessTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    journal_ = docket::testing::signed_journal({.checkpoint_every = 10}).release();
    w1_ = new SigningKey(SigningKey::generate().value());
    w2_ = new SigningKey(SigningKey::generate().value());
    ASSERT_GE(journal_->checkpoints.size(), 5u);
  }

  static void TearDownTestSuite() {
    delete w2_;
    delete w1_;
    delete journal_;
  }

  // `witness`'s cosignatures of the checkpoints up to `through`.
  static std::vector<Cosignature> countersigned(const SigningKey& witness, std::uint64_t through = UINT64_MAX) {
    std::vector<Cosignature> cosignatures;
    for (const Checkpoint& checkpoint : journal_->checkpoints) {
      if (checkpoint.seq <= through) cosignatures.push_back(countersign(witness, checkpoint));
    }
    return cosignatures;
  }

  static std::vector<Cosignature> both() {
    std::vector<Cosignature> all = countersigned(*w1_);
    std::vector<Cosignature> second = countersigned(*w2_);
    all.insert(all.end(), second.begin(), second.end());
    return all;
  }

  // The journal checked with the store's key, the witnesses named and the
  // quorum asked for; rules are not replayed (the chain is the point here).
  static AuditReport verify(const std::vector<JournalRow>& rows, const std::vector<Checkpoint>& checkpoints,
                            std::vector<Cosignature> cosignatures, const std::vector<const SigningKey*>& named,
                            std::size_t quorum) {
    AuditInput input;
    input.rows = docket::testing::rows_reader(rows);
    input.checkpoints = checkpoints;
    EXPECT_TRUE(input.keys.add(journal_->key.verify_key()).ok());
    input.check_rules = false;
    input.require_signature = true;
    input.cosignatures = std::move(cosignatures);
    for (const SigningKey* witness : named) EXPECT_TRUE(input.witnesses.add(witness->verify_key()).ok());
    input.witness_quorum = quorum;
    return verify_journal(input);
  }

  // The key holder's rewrite: the body of the first record from `from` that
  // names an actor edited, the chain rebuilt, every checkpoint signed again
  // with the store's key. Returns the seq edited.
  static std::uint64_t rewrite(std::uint64_t from, std::vector<JournalRow>& rows,
                               std::vector<Checkpoint>& checkpoints) {
    std::uint64_t seq = from;
    while (journal_->rows[seq - 1].body.find("\"actor\":{\"id\":\"") == std::string::npos) ++seq;
    std::string body = journal_->rows[seq - 1].body;
    body.insert(body.find("\"actor\":{\"id\":\"") + 15, "x");
    rows = rebuilt(journal_->rows, seq, std::move(body));
    checkpoints = resigned(journal_->key, journal_->checkpoints, rows);
    return seq;
  }

  static inline SignedJournal* journal_ = nullptr;
  static inline SigningKey* w1_ = nullptr;
  static inline SigningKey* w2_ = nullptr;
};

// ------------------------------------------------------------ the cosignature

TEST_F(AuditWitnessTest, SignsExactlyTheDomainSeparatedMessage) {
  const Checkpoint& checkpoint = journal_->checkpoints.front();
  std::string message =
      "docket-witness-v1\n" + std::to_string(checkpoint.seq) + "\n" + checkpoint.hash + "\n" + checkpoint.key_id + "\n";
  EXPECT_EQ(cosignature_message(checkpoint.seq, checkpoint.hash, checkpoint.key_id), message);
  Cosignature cosignature = countersign(*w1_, checkpoint);
  EXPECT_EQ(cosignature.witness_id, w1_->key_id());
  EXPECT_TRUE(w1_->verify_key().verify(message, cosignature.signature));
  // Not the checkpoint's message: neither signature passes for the other.
  EXPECT_FALSE(w1_->verify_key().verify(checkpoint_message(checkpoint.seq, checkpoint.hash), cosignature.signature));
}

TEST_F(AuditWitnessTest, VerifiesWithTheWitnessKeyOnly) {
  Cosignature cosignature = countersign(*w1_, journal_->checkpoints.front());
  KeyRing ring;
  ASSERT_TRUE(ring.add(w1_->verify_key()).ok());
  EXPECT_TRUE(verify_cosignature(cosignature, ring).ok());
  Cosignature moved = cosignature;
  moved.key_id = w2_->key_id();  // the operator key id is signed
  EXPECT_THAT(verify_cosignature(moved, ring).error(), HasSubstr("bad signature"));
  KeyRing other;
  ASSERT_TRUE(other.add(w2_->verify_key()).ok());
  EXPECT_THAT(verify_cosignature(cosignature, other).error(), HasSubstr("unknown witness"));
}

TEST_F(AuditWitnessTest, ReadsOnlyTheCanonicalLine) {
  Cosignature cosignature = countersign(*w1_, journal_->checkpoints.front());
  std::string line = encode_cosignature(cosignature);
  EXPECT_EQ(line, "{\"seq\":" + std::to_string(cosignature.seq) + ",\"hash\":\"" + cosignature.hash +
                      "\",\"key_id\":\"" + cosignature.key_id + "\",\"witness_id\":\"" + cosignature.witness_id +
                      "\",\"signature\":\"" + cosignature.signature + "\"}");
  ASSERT_TRUE(decode_cosignature(line).ok());
  EXPECT_EQ(decode_cosignature(line).value(), cosignature);

  auto refused = [](std::string text) { return !decode_cosignature(text).ok(); };
  std::string spaced = line;
  spaced.insert(spaced.find(',') + 1, " ");
  EXPECT_TRUE(refused(spaced));
  std::string upper = line;
  upper.replace(upper.find(cosignature.signature), 2, "AB");
  EXPECT_TRUE(refused(upper));
  std::string zero = line;
  zero.replace(0, zero.find(','), "{\"seq\":0");
  EXPECT_TRUE(refused(zero));
  std::string extra = line;
  extra.insert(extra.size() - 1, ",\"at\":\"x\"");
  EXPECT_THAT(decode_cosignature(extra).error(), HasSubstr("unknown member `at`"));
  std::string reordered = "{\"hash\":\"" + cosignature.hash + "\"" + line.substr(line.find(",\"key_id\""));
  reordered.insert(reordered.size() - 1, ",\"seq\":" + std::to_string(cosignature.seq));
  EXPECT_THAT(decode_cosignature(reordered).error(), HasSubstr("canonical form"));
}

TEST_F(AuditWitnessTest, AWitnessFileIsOneWitnessBySeq) {
  std::vector<Cosignature> mine = countersigned(*w1_);
  std::string text = encode_witness_file(mine);
  ASSERT_TRUE(decode_witness_file(text, w1_->key_id(), "w.jsonl").ok());
  EXPECT_EQ(decode_witness_file(text, w1_->key_id(), "w.jsonl").value(), mine);
  EXPECT_THAT(decode_witness_file(text, w2_->key_id(), "w.jsonl").error(), HasSubstr("w.jsonl:1: a cosignature of"));
  std::vector<Cosignature> backwards = {mine[1], mine[0]};
  EXPECT_THAT(decode_witness_file(encode_witness_file(backwards), w1_->key_id(), "w.jsonl").error(),
              HasSubstr("w.jsonl:2: seq"));
  text.pop_back();
  EXPECT_THAT(decode_witness_file(text, w1_->key_id(), "w.jsonl").error(), HasSubstr("no line end"));
  EXPECT_FALSE(decode_witness_file("\n", w1_->key_id(), "w.jsonl").ok());
}

// ------------------------------------------------------------ the quorum

TEST_F(AuditWitnessTest, AWitnessedJournalVerifiesWithTheQuorum) {
  AuditReport report = verify(journal_->rows, journal_->checkpoints, both(), {w1_, w2_}, 2);
  EXPECT_EQ(finding(report), "ok") << report.finding->detail;
  EXPECT_EQ(report.witnessed_through, journal_->checkpoints.back().seq);
  EXPECT_EQ(report.cosignatures_verified, 2 * journal_->checkpoints.size());
  // Cosignatures are no signed checkpoints.
  EXPECT_EQ(report.checkpoints_verified, journal_->checkpoints.size());
}

TEST_F(AuditWitnessTest, AKeyHoldersRewriteIsCaughtByTheWitnesses) {
  std::vector<JournalRow> rows;
  std::vector<Checkpoint> checkpoints;
  ASSERT_EQ(rewrite(3, rows, checkpoints), 3u);
  // The key alone vouches for the rewritten journal.
  EXPECT_EQ(finding(verify(rows, checkpoints, both(), {}, 0)), "ok");
  AuditReport report = verify(rows, checkpoints, both(), {w1_, w2_}, 2);
  EXPECT_EQ(finding(report), "1 altered");
  EXPECT_THAT(report.finding->detail, HasSubstr("cosignature"));
  // With the journal's checkpoints deleted too.
  EXPECT_EQ(finding(verify(rows, {}, both(), {w1_, w2_}, 2)), "1 altered");
}

TEST_F(AuditWitnessTest, ARewriteAfterTheWitnessesVisitIsOutOfTheirReach) {
  std::uint64_t seen = journal_->checkpoints[2].seq;
  std::vector<Cosignature> early = countersigned(*w1_, seen);
  std::vector<JournalRow> rows;
  std::vector<Checkpoint> checkpoints;
  ASSERT_GT(rewrite(seen + 1, rows, checkpoints), seen);
  AuditReport report = verify(rows, checkpoints, early, {w1_}, 1);
  EXPECT_EQ(finding(report), "ok");
  EXPECT_EQ(report.witnessed_through, seen);  // the rest is reported as not witnessed
  // Before it: the chain disagrees with the cosignature at `seen`, and only
  // the one before vouches for anything.
  ASSERT_LE(rewrite(journal_->checkpoints[1].seq + 1, rows, checkpoints), seen);
  EXPECT_EQ(finding(verify(rows, checkpoints, early, {w1_}, 1)),
            std::to_string(journal_->checkpoints[1].seq + 1) + " altered");
}

TEST_F(AuditWitnessTest, AQuorumNotMetIsUnwitnessed) {
  AuditReport report = verify(journal_->rows, journal_->checkpoints, countersigned(*w1_), {w1_, w2_}, 2);
  EXPECT_EQ(finding(report), "1 unwitnessed");
  EXPECT_EQ(finding(verify(journal_->rows, journal_->checkpoints, countersigned(*w1_), {w1_, w2_}, 1)), "ok");
  EXPECT_EQ(finding(verify(journal_->rows, journal_->checkpoints, {}, {w1_}, 1)), "1 unwitnessed");
  // Two cosignatures of one witness are one witness.
  std::vector<Cosignature> twice = countersigned(*w1_);
  std::vector<Cosignature> again = countersigned(*w1_);
  twice.insert(twice.end(), again.begin(), again.end());
  EXPECT_EQ(finding(verify(journal_->rows, journal_->checkpoints, twice, {w1_, w2_}, 2)), "1 unwitnessed");
}

TEST_F(AuditWitnessTest, AForgedCosignatureIsASignatureFinding) {
  std::vector<Cosignature> cosignatures = both();
  Cosignature& forged = cosignatures[2];
  forged.signature[0] = forged.signature[0] == '0' ? '1' : '0';
  AuditReport report = verify(journal_->rows, journal_->checkpoints, cosignatures, {w1_, w2_}, 2);
  EXPECT_EQ(finding(report), std::to_string(forged.seq) + " signature");
  EXPECT_THAT(report.finding->detail, HasSubstr("cosignature of witness " + w1_->key_id()));
  // A witness the auditor did not name is not looked at.
  EXPECT_EQ(finding(verify(journal_->rows, journal_->checkpoints, cosignatures, {w2_}, 1)), "ok");
}

TEST_F(AuditWitnessTest, ACosignaturePastTheEndIsATruncation) {
  std::vector<JournalRow> rows(journal_->rows.begin(), journal_->rows.begin() + 25);
  std::vector<Checkpoint> checkpoints = checkpoints_through(journal_->checkpoints, 25);
  EXPECT_EQ(finding(verify(rows, checkpoints, countersigned(*w1_), {w1_}, 1)), "26 truncated");
}

// ------------------------------------------------------------ the bundle

TEST_F(AuditWitnessTest, ABundleReadsOnlyWitnessFiles) {
  std::filesystem::path bundle = journal_->dir.file("bundle");
  auto store = SqliteStore::open(journal_->path, {});
  ASSERT_TRUE(store.ok()) << store.error();
  ASSERT_TRUE(write_bundle(*store.value(), bundle, BundleFormat::kJsonl).ok());
  std::filesystem::create_directories(bundle / "witnesses");
  std::ofstream(bundle / "witnesses" / (w1_->key_id() + ".jsonl"), std::ios::binary)
      << encode_witness_file(countersigned(*w1_));
  auto opened = open_bundle(bundle);
  ASSERT_TRUE(opened.ok()) << opened.error();
  EXPECT_EQ(opened->cosignatures, countersigned(*w1_));
  std::ofstream(bundle / "witnesses" / "notes.txt") << "x\n";
  EXPECT_THAT(open_bundle(bundle).error(), HasSubstr("not a witness file"));
  std::filesystem::remove(bundle / "witnesses" / "notes.txt");
  std::filesystem::rename(bundle / "witnesses" / (w1_->key_id() + ".jsonl"),
                          bundle / "witnesses" / (w2_->key_id() + ".jsonl"));
  EXPECT_THAT(open_bundle(bundle).error(), HasSubstr("a cosignature of witness " + w1_->key_id()));
}

}  // namespace
}  // namespace docket::engine

// ------------------------------------------------------------ the commands

namespace docket::cli {
namespace {

using docket::cli::testing::CommandRun;
using docket::cli::testing::run_docket;
using ::testing::HasSubstr;

// A store run with a key, exported, and two witness key pairs.
class AuditWitnessCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::path(::testing::TempDir()) /
        ("witness_" + std::to_string(getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    for (const char* name : {"audit", "w1", "w2"}) {
      ASSERT_EQ(run_docket("keys new --out " + path(name)).exit_code, 0);
    }
    CommandRun ran =
        run_docket("run rules/after_sales.docket --events examples/after_sales/walkthrough.jsonl --store " +
                   path("t.db") + " --key " + path("audit.key") + " --checkpoint-every 10 -q");
    ASSERT_EQ(ran.exit_code, 0) << ran.err;
    ASSERT_EQ(run_docket("audit export " + path("t.db") + " --out " + path("bundle")).exit_code, 0);
  }

  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  CommandRun witness(const std::string& who, const std::string& options = "") const {
    return run_docket("audit witness " + path("bundle") + " --key " + path(who + ".key") + " --trust " +
                      path("audit.pub") + " " + options);
  }

  nlohmann::json verify_json(const std::string& options) const {
    CommandRun r =
        run_docket("audit verify " + path("bundle") + " --key " + path("audit.pub") + " --format json " + options);
    nlohmann::json report = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_TRUE(report.is_object()) << r.out << r.err;
    return report;
  }

  std::filesystem::path dir_;
};

TEST_F(AuditWitnessCommandTest, WitnessesCountersignAndTheAuditorRequiresTheQuorum) {
  CommandRun first = witness("w1");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("countersigned 8 checkpoints"));
  CommandRun key_id = run_docket("keys id " + path("w1.pub"));
  std::string w1 = key_id.out.substr(0, 16);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "bundle" / "witnesses" / (w1 + ".jsonl")));
  std::string both = "--witness " + path("w1.pub") + " --witness " + path("w2.pub");

  nlohmann::json short_of = verify_json(both + " --witness-quorum 2");
  EXPECT_EQ(short_of["finding"]["problem"], "unwitnessed");
  EXPECT_EQ(short_of["finding"]["seq"], 1);

  ASSERT_EQ(witness("w2").exit_code, 0);
  nlohmann::json report = verify_json(both + " --witness-quorum 2");
  EXPECT_EQ(report["ok"], true) << report.dump();
  EXPECT_EQ(report["witnessed_through"], report["last_seq"]);
  EXPECT_EQ(report["cosignatures_verified"], 16);

  CommandRun text = run_docket("audit verify " + path("bundle") + " --key " + path("audit.pub") + " " + both);
  EXPECT_EQ(text.exit_code, 0) << text.out << text.err;
  EXPECT_THAT(text.out, HasSubstr("witnesses    16 cosignatures verified; a quorum of 2 of 2"));

  // A second visit adds nothing new and keeps what was there.
  CommandRun again = witness("w1");
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("countersigned 0 checkpoints"));
}

TEST_F(AuditWitnessCommandTest, AWitnessRefusesABundleThatDoesNotVerify) {
  std::filesystem::path journal = dir_ / "bundle" / "journal.jsonl";
  std::string text = docket::cli::testing::read_text(journal.string());
  std::size_t at = text.find("zhang");
  ASSERT_NE(at, std::string::npos);
  text[at + 4] = '9';
  std::ofstream(journal, std::ios::binary) << text;
  CommandRun refused = witness("w1");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("not countersigned: seq"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "bundle" / "witnesses"));
  // Without the operator's key there is nothing to verify against.
  EXPECT_EQ(run_docket("audit witness " + path("bundle") + " --key " + path("w1.key")).exit_code, 2);
}

TEST_F(AuditWitnessCommandTest, AWitnessRefusesAChainThatDisagreesWithWhatItSawBefore) {
  ASSERT_EQ(witness("w1", "--out " + path("mine.jsonl")).exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "bundle" / "witnesses"));
  // The key holder's rewrite: a bundle of another journal, signed by the
  // same key; the witness's earlier cosignatures do not fit it.
  CommandRun ran = run_docket(
      "run rules/after_sales.docket --events examples/after_sales/02_service_error_compensation.jsonl --store " +
      path("other.db") + " --key " + path("audit.key") + " --checkpoint-every 10 -q");
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  std::filesystem::remove_all(dir_ / "bundle");
  ASSERT_EQ(run_docket("audit export " + path("other.db") + " --out " + path("bundle")).exit_code, 0);
  CommandRun refused = witness("w1", "--out " + path("mine.jsonl"));
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_THAT(refused.err, HasSubstr("not countersigned"));
}

TEST_F(AuditWitnessCommandTest, AQuorumLargerThanTheWitnessesNamedIsAUsageError) {
  CommandRun r = run_docket("audit verify " + path("bundle") + " --key " + path("audit.pub") + " --witness " +
                            path("w1.pub") + " --witness-quorum 2");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--witness-quorum 2: only 1 distinct witness keys named"));
  CommandRun alone = run_docket("audit verify " + path("bundle") + " --witness-quorum 1");
  EXPECT_EQ(alone.exit_code, 2);
}

}  // namespace
}  // namespace docket::cli
