#include "engine/audit/audit_verify.h"

#include <algorithm>
#include <deque>
#include <set>
#include <utility>

#include "engine/audit/journal_audit.h"
#include "engine/codec/journal_json.h"
#include "engine/store/audit_chain.h"

namespace docket::engine {
namespace {

std::string short_hash(const std::string& hash) { return hash.substr(0, 12); }

class Verifier {
 public:
  explicit Verifier(const AuditInput& input)
      : input_(input), audit_([&input](std::string_view id) -> std::shared_ptr<const Workflow> {
          auto it = input.versions.find(id);
          return it != input.versions.end() ? it->second : nullptr;
        }) {
    for (const Checkpoint& checkpoint : input.checkpoints) expected_hashes_[checkpoint.seq].push_back(&checkpoint);
    for (const Checkpoint& checkpoint : input.held) {
      expected_hashes_[checkpoint.seq].push_back(&checkpoint);
      held_.insert(&checkpoint);
    }
  }

  AuditReport run() {
    check_signatures(input_.checkpoints, "the journal's checkpoint");
    check_signatures(input_.held, "the held checkpoint");
    check_cosignatures();
    Status read = input_.rows([this](const JournalRow& row) { return feed(row); });
    if (!read) report_.error = read.error();
    finish();
    if (!findings_.empty()) {
      report_.finding = *std::min_element(findings_.begin(), findings_.end(),
                                          [](const AuditFinding& a, const AuditFinding& b) { return a.seq < b.seq; });
    }
    report_.tickets = audit_.tickets();
    report_.signed_through = last_good_checkpoint_;
    return report_;
  }

 private:
  void find(std::uint64_t seq, std::string problem, std::string detail) {
    findings_.push_back({seq, std::move(problem), std::move(detail)});
  }

  void check_signatures(const std::vector<Checkpoint>& checkpoints, const char* whose) {
    for (const Checkpoint& checkpoint : checkpoints) {
      Status verified = verify_checkpoint(checkpoint, input_.keys);
      if (!verified) {
        find(checkpoint.seq, "signature", std::string(whose) + ": " + verified.error());
        bad_checkpoints_.insert(&checkpoint);
      }
    }
  }

  // Each named witness's cosignature that verifies becomes a held
  // checkpoint of its own: the chain must agree with what the witness saw.
  void check_cosignatures() {
    for (const Cosignature& cosignature : input_.cosignatures) {
      if (input_.witnesses.find(cosignature.witness_id) == nullptr) continue;
      if (Status verified = verify_cosignature(cosignature, input_.witnesses); !verified) {
        find(cosignature.seq, "signature", verified.error());
        continue;
      }
      const Checkpoint& seen = witnessed_.emplace_back(
          Checkpoint{cosignature.seq, cosignature.hash, 0, cosignature.key_id, cosignature.signature});
      expected_hashes_[seen.seq].push_back(&seen);
      held_.insert(&seen);
      witness_of_[&seen] = cosignature.witness_id;
    }
  }

  // How a checkpoint is named in a finding.
  std::string whose(const Checkpoint& checkpoint) const {
    auto witness = witness_of_.find(&checkpoint);
    if (witness != witness_of_.end()) return "witness " + witness->second + "'s cosignature";
    return held_.contains(&checkpoint) ? "the held checkpoint" : "the journal's checkpoint";
  }

  Status feed(const JournalRow& row) {
    ++report_.records;
    if (disordered_) {
      // After a gap only the seq numbers matter: does the missing one come?
      seen_after_gap_.insert(row.seq);
      return Status::success();
    }
    if (stopped_) return Status::success();
    if (row.seq != expected_) {
      if (row.seq < expected_) {
        find(row.seq, "reordered",
             "seq " + std::to_string(row.seq) + " comes after seq " + std::to_string(expected_ - 1));
        stopped_ = true;
        return Status::success();
      }
      disordered_ = true;
      gap_from_ = expected_;
      gap_to_ = row.seq - 1;
      seen_after_gap_.insert(row.seq);
      return Status::success();
    }

    if (!row.problem.empty()) {
      find(row.seq, "altered", row.problem);
      stopped_ = true;
      return Status::success();
    }
    // The seq the body claims; the hash below covers the rest of it.
    std::optional<std::uint64_t> claimed = encoded_seq(row.body);
    if (claimed && *claimed != row.seq) {
      find(row.seq, "reordered",
           "the row at seq " + std::to_string(row.seq) + " holds the record of seq " + std::to_string(*claimed));
      stopped_ = true;
      return Status::success();
    }
    if (row.prev_hash != prev_hash_) {
      find(row.seq, "altered",
           "prev_hash " + short_hash(row.prev_hash) + " does not link to the hash of seq " +
               std::to_string(row.seq - 1) + " (" + short_hash(prev_hash_) + ")");
      stopped_ = true;
      return Status::success();
    }
    std::string hash = chain_hash(row.prev_hash, row.body);
    if (hash != row.hash) {
      find(row.seq, "altered", "the record's content does not match its hash");
      stopped_ = true;
      return Status::success();
    }
    if (!check_checkpoints(row.seq, hash)) {
      stopped_ = true;
      return Status::success();
    }
    if (!replay_stopped_) check_record(row);
    prev_hash_ = std::move(hash);
    report_.last_seq = row.seq;
    ++expected_;
    return Status::success();
  }

  // The signed checkpoints at `seq` against the chain's `hash`; false when
  // one disagrees (reported), after which nothing later can be vouched for.
  bool check_checkpoints(std::uint64_t seq, const std::string& hash) {
    auto expected = expected_hashes_.find(seq);
    if (expected == expected_hashes_.end()) return true;
    const Checkpoint* agreeing = nullptr;
    const Checkpoint* disagreeing = nullptr;
    for (const Checkpoint* checkpoint : expected->second) {
      if (bad_checkpoints_.contains(checkpoint)) continue;
      (checkpoint->hash == hash ? agreeing : disagreeing) = checkpoint;
    }
    if (disagreeing != nullptr && agreeing != nullptr &&
        (witness_of_.contains(disagreeing) || witness_of_.contains(agreeing))) {
      // A witness saw another chain at this seq than the one here: a record
      // was changed after its visit, the chain rebuilt and signed again.
      find(last_good_held_ + 1, "altered",
           whose(*disagreeing) + " says the chain at seq " + std::to_string(seq) + " was " +
               short_hash(disagreeing->hash) + ", " + whose(*agreeing) + " says " + short_hash(agreeing->hash) +
               "; a record at or before seq " + std::to_string(seq) +
               " was changed, the chain rebuilt and signed again");
      return false;
    }
    if (disagreeing != nullptr && agreeing != nullptr) {
      // Both verify: whoever holds the key signed the chain as it is now and
      // the one the auditor kept. The key vouches for nothing before seq
      // then; only the auditor's own checkpoints do.
      const Checkpoint& held = held_.contains(disagreeing) ? *disagreeing : *agreeing;
      const Checkpoint& journal = &held == disagreeing ? *agreeing : *disagreeing;
      find(last_good_held_ + 1, "altered",
           "key " + held.key_id + " signed two different chains at seq " + std::to_string(seq) +
               ": the journal's checkpoint says " + short_hash(journal.hash) + ", the held one " +
               short_hash(held.hash) + "; a record at or before seq " + std::to_string(seq) +
               " was changed, the chain rebuilt and signed again");
      return false;
    }
    if (disagreeing != nullptr) {
      // The chain was rebuilt after an edit somewhere since the last
      // checkpoint that agreed.
      std::string what = witness_of_.contains(disagreeing) ? whose(*disagreeing) : std::string("the signed checkpoint");
      find(last_good_checkpoint_ + 1, "altered",
           "the chain at seq " + std::to_string(seq) + " (" + short_hash(hash) + ") disagrees with " + what + " (" +
               short_hash(disagreeing->hash) + "): a record after seq " + std::to_string(last_good_checkpoint_) +
               " was changed and the chain rebuilt");
      return false;
    }
    std::set<std::string_view> witnesses;
    for (const Checkpoint* checkpoint : expected->second) {
      if (bad_checkpoints_.contains(checkpoint)) continue;
      if (held_.contains(checkpoint)) last_good_held_ = seq;
      auto witness = witness_of_.find(checkpoint);
      if (witness != witness_of_.end()) {
        // A cosignature vouches that a witness saw the chain, not that the
        // key signed it: it does not count as a signed checkpoint.
        witnesses.insert(witness->second);
        ++report_.cosignatures_verified;
        continue;
      }
      ++report_.checkpoints_verified;
      last_good_checkpoint_ = seq;
    }
    if (input_.witness_quorum > 0 && witnesses.size() >= input_.witness_quorum) report_.witnessed_through = seq;
    return true;
  }

  // The record itself, once its hash links: its canonical form (one byte
  // form per record, docs/audit-log.md), and, with rules, its legality. A
  // finding here stops these checks but not the chain's: a checkpoint
  // further on may show that an earlier record was already changed.
  void check_record(const JournalRow& row) {
    Result<Record> record = decode_record(row.body);
    if (!record) {
      find(row.seq, "altered", "the record does not decode: " + record.error());
      replay_stopped_ = true;
      return;
    }
    std::string canonical = encode_record(record.value());
    if (canonical != row.body) {
      std::size_t at = 0;
      while (at < canonical.size() && at < row.body.size() && canonical[at] == row.body[at]) ++at;
      find(row.seq, "altered",
           "the record is not in its canonical form: it differs from it at byte " + std::to_string(at));
      replay_stopped_ = true;
      return;
    }
    if (!input_.check_rules || input_.versions.empty()) return;
    if (std::optional<std::string> illegal = audit_.check(record.value())) {
      find(row.seq, "illegal", *illegal);
      replay_stopped_ = true;
    }
  }

  void finish() {
    if (disordered_) {
      for (std::uint64_t seq = gap_from_; seq <= gap_to_; ++seq) {
        if (seen_after_gap_.contains(seq)) {
          find(gap_from_, "reordered",
               "seq " + std::to_string(seq) + " comes after seq " + std::to_string(gap_to_ + 1));
          return;
        }
      }
      find(gap_from_, "missing",
           gap_from_ == gap_to_
               ? "seq " + std::to_string(gap_from_) + " is not in the journal"
               : "seqs " + std::to_string(gap_from_) + "-" + std::to_string(gap_to_) + " are not in the journal");
      return;
    }
    if (stopped_) return;
    // Checkpoints past the end: the journal lost its tail.
    for (const auto& [seq, checkpoints] : expected_hashes_) {
      if (seq <= report_.last_seq) continue;
      for (const Checkpoint* checkpoint : checkpoints) {
        if (bad_checkpoints_.contains(checkpoint)) continue;
        find(report_.last_seq + 1, "truncated",
             "the journal ends at seq " + std::to_string(report_.last_seq) + ", but a signed checkpoint covers seq " +
                 std::to_string(seq));
        return;
      }
    }
    // Last, and only when nothing else was found: a bad signature or a cut
    // says more than "unsigned".
    if (input_.require_signature && findings_.empty() && last_good_checkpoint_ == 0) {
      find(1, "unsigned",
           "no checkpoint signed by a trusted key covers the journal: a chain rebuilt whole, its checkpoints "
           "deleted, would look the same");
    }
    if (input_.witness_quorum > 0 && findings_.empty() && report_.witnessed_through == 0) {
      find(1, "unwitnessed",
           "no checkpoint countersigned by " + std::to_string(input_.witness_quorum) +
               " of the named witnesses covers the journal: the key holder could have rewritten all of it");
    }
  }

  const AuditInput& input_;
  JournalAudit audit_;
  AuditReport report_;
  std::vector<AuditFinding> findings_;
  std::map<std::uint64_t, std::vector<const Checkpoint*>> expected_hashes_;
  std::set<const Checkpoint*> bad_checkpoints_;
  std::uint64_t expected_ = 1;
  std::string prev_hash_{kGenesisHash};
  std::uint64_t last_good_checkpoint_ = 0;
  std::set<const Checkpoint*> held_;
  std::uint64_t last_good_held_ = 0;  // the last seq a held checkpoint (or a witness) vouched for
  std::deque<Checkpoint> witnessed_;  // the checkpoints the witnesses' cosignatures name
  std::map<const Checkpoint*, std::string> witness_of_;
  bool stopped_ = false;         // the chain cannot be followed any further
  bool replay_stopped_ = false;  // records are no longer decoded or replayed
  bool disordered_ = false;
  std::uint64_t gap_from_ = 0;
  std::uint64_t gap_to_ = 0;
  std::set<std::uint64_t> seen_after_gap_;
};

}  // namespace

AuditReport verify_journal(const AuditInput& input) { return Verifier(input).run(); }

}  // namespace docket::engine
