// Verifying a journal: complete, unaltered, in order, signed, and legal.
//
//   AuditInput input;
//   input.rows = [&](auto each) { return store.read_journal(1, each); };
//   input.checkpoints = store.checkpoints().value();
//   input.keys = trusted_keys;                      // engine/store/signing.h
//   input.versions = compiled_versions;             // engine/store/recovery.h
//   AuditReport report = verify_journal(input);
//   if (report.finding) print(report.finding->seq, report.finding->problem);
//
// Rows are checked in the order given, from seq 1:
// - missing: a seq number that never comes (a record deleted);
// - reordered: a record that comes after a later one, or a row whose body
//   holds another seq than the row's own (two records swapped);
// - altered: a body that is not a record in its canonical form (one byte
//   form per record, checked with or without the rules), a prev_hash that
//   does not link to the previous record's hash, a hash that does not match
//   chain_hash(prev_hash, body), or a chain that disagrees with a signed
//   checkpoint (someone rewrote the chain after editing a record: the edit
//   lies after the last checkpoint that still agrees; when a held checkpoint
//   and the journal's, both valid, disagree at one seq, the key signed two
//   chains and only held checkpoints vouch for anything);
// - truncated: the journal ends before a checkpoint (the store's own or one
//   the auditor held on to) says it went;
// - signature: a checkpoint whose signature does not verify, or whose key
//   is not among the trusted keys (unknown key id);
// - illegal: a record the rules of its pinned version could not have
//   produced (engine/audit/journal_audit.h);
// - unwitnessed: with a witness quorum, no checkpoint that enough of the
//   named witnesses countersigned covers the journal.
// Cosignatures of the named witnesses (engine/audit/cosignature.h) count
// as held checkpoints: one that does not verify is a "signature" finding at
// its seq, one whose hash the chain does not have at its seq makes the
// chain "altered" (the key holder rewrote what the witness saw), one past
// the end "truncated". Cosignatures of witnesses not named are ignored.
// The finding with the lowest seq is reported: the first record that cannot
// be trusted. A record found altered in form or illegal stops the replay but
// not the chain's check, which may still find an earlier seq. Without a signed checkpoint past it, a journal whose tail
// was cut off cleanly cannot be told from a shorter one: hold on to a recent checkpoint (`docket audit verify
// --checkpoint FILE`).

#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/audit/cosignature.h"
#include "engine/model/result.h"
#include "engine/model/workflow.h"
#include "engine/store/checkpoint.h"
#include "engine/store/signing.h"
#include "engine/store/store.h"

namespace docket::engine {

struct AuditFinding {
  std::uint64_t seq = 0;
  // "missing", "reordered", "altered", "truncated", "signature", "illegal",
  // "unsigned", "unwitnessed".
  std::string problem;
  std::string detail;  // one line: what exactly is wrong
};

struct AuditInput {
  // Calls `each` for every journal row, in order (a store's read_journal, or
  // a bundle's lines). An error it returns ends the audit as a finding-less
  // failure (the input could not be read).
  std::function<Status(const std::function<Status(const JournalRow&)>& each)> rows;
  std::vector<Checkpoint> checkpoints;  // the journal's own, signed when written
  std::vector<Checkpoint> held;         // checkpoints the auditor kept apart
  KeyRing keys;                         // the public keys trusted for both
  // Compiled versions by version id, for the legality check; empty: skipped.
  std::map<std::string, std::shared_ptr<const Workflow>, std::less<>> versions;
  bool check_rules = true;
  // The auditor named the keys to trust: a journal that no checkpoint signed
  // by one of them covers is an "unsigned" finding (a chain rebuilt whole,
  // its checkpoints deleted, verifies otherwise).
  bool require_signature = false;
  // Cosignatures (a bundle's witnesses/), checked only for the witnesses
  // whose public keys are in `witnesses`.
  std::vector<Cosignature> cosignatures;
  KeyRing witnesses;
  // 0: none required. N: a checkpoint countersigned by at least N distinct
  // witnesses of `witnesses`, agreeing with the chain, must cover the
  // journal, else an "unwitnessed" finding at seq 1.
  std::size_t witness_quorum = 0;
};

struct AuditReport {
  std::uint64_t records = 0;  // rows read
  std::uint64_t last_seq = 0;
  std::size_t tickets = 0;
  std::size_t checkpoints_verified = 0;
  // The last seq a verified signed checkpoint covers; 0: none. Records after
  // it are vouched for by the hash chain only.
  std::uint64_t signed_through = 0;
  // The last seq whose checkpoint the witness quorum countersigned; 0: none
  // (or no quorum asked for). Records after it are not witnessed.
  std::uint64_t witnessed_through = 0;
  std::size_t cosignatures_verified = 0;  // of named witnesses, matched against the chain
  std::optional<AuditFinding> finding;
  std::string error;  // the input could not be read
  bool ok() const { return !finding && error.empty(); }
};

AuditReport verify_journal(const AuditInput& input);

}  // namespace docket::engine
