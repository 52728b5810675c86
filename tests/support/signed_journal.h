// The after-sales walkthrough in a store signed by a fresh key, a checkpoint
// every K records: what the audit tests tamper with. Built once per suite;
// a step that fails is a test failure and leaves the rest of it empty.
// Also: AuditInput::rows over a vector, and the tampering the tests share.

#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/audit/audit_verify.h"
#include "engine/model/result.h"
#include "engine/model/workflow.h"
#include "engine/store/checkpoint.h"
#include "engine/store/signing.h"
#include "engine/store/store.h"
#include "tests/support/event_streams.h"

namespace docket::testing {

struct SignedJournalSpec {
  std::size_t copies = 1;            // of examples/after_sales/walkthrough.jsonl (replicate_events)
  std::int64_t spacing_seconds = 0;  // between the copies
  std::uint64_t checkpoint_every = 10;
  std::int64_t run_on_seconds = 0;  // the clock moved on past the last event, timers firing
  bool bulk_load = false;           // 1000 units a transaction, normal durability
  bool compile_versions = false;    // fills `versions`, for the rules check
};

struct SignedJournal {
  explicit SignedJournal(engine::SigningKey signing_key);

  TempDir dir;
  std::string path;  // the store's file, dir/tickets.db, closed again
  engine::SigningKey key;
  std::vector<engine::JournalRow> rows;  // all of them, from seq 1
  std::vector<engine::Checkpoint> checkpoints;
  std::map<std::string, std::shared_ptr<const engine::Workflow>, std::less<>> versions;  // by version id
};

// Null only when no key could be generated.
std::unique_ptr<SignedJournal> signed_journal(const SignedJournalSpec& spec);

// AuditInput::rows reading `rows`, which must outlive it.
decltype(engine::AuditInput::rows) rows_reader(const std::vector<engine::JournalRow>& rows);

// `rows` with the body of seq `seq` replaced and the chain rebuilt from it.
std::vector<engine::JournalRow> rebuilt(std::vector<engine::JournalRow> rows, std::uint64_t seq, std::string body);

// The checkpoints up to and including `seq`.
std::vector<engine::Checkpoint> checkpoints_through(const std::vector<engine::Checkpoint>& checkpoints,
                                                    std::uint64_t seq);

// `checkpoints` signed again by `key` at the same seqs and times, over the
// hashes `rows` has there: the key holder covering a rebuilt chain.
std::vector<engine::Checkpoint> resigned(const engine::SigningKey& key,
                                         const std::vector<engine::Checkpoint>& checkpoints,
                                         const std::vector<engine::JournalRow>& rows);

// "ok", or the report's finding as "seq problem".
std::string finding(const engine::AuditReport& report);

}  // namespace docket::testing
