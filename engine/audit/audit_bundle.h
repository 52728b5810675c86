// Audit bundles: a store's journal exported for auditors, verifiable offline
// with nothing but docket and the signer's public key.
//
// A bundle is a directory (docs/audit-log.md, "Bundles"):
//   journal.jsonl     one chained line per record (engine/store/audit_chain.h:
//                     the canonical body plus its prev_hash and hash), or
//   journal.csv       the same as CSV (RFC 4180) with the body in a column,
//                     for spreadsheets; either verifies
//   checkpoints.jsonl the signed checkpoints (engine/store/checkpoint.h)
//   versions.jsonl    every workflow version: id, name and source texts
//   keys/<key id>.pub the public keys that signed the checkpoints
//   witnesses/<witness id>.jsonl
//                     cosignatures of the checkpoints by witnesses
//                     (engine/audit/cosignature.h), added after export by
//                     `docket audit witness`; export writes none
// The journal is written in seq order; reading takes the lines as they are,
// so that an auditor sees exactly what was handed over.

#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "engine/audit/cosignature.h"
#include "engine/model/result.h"
#include "engine/store/checkpoint.h"
#include "engine/store/signing.h"
#include "engine/store/store.h"

namespace docket::engine {

enum class BundleFormat { kJsonl, kCsv };

struct BundleStats {
  std::uint64_t records = 0;
  std::size_t checkpoints = 0;
  std::size_t versions = 0;
  std::size_t keys = 0;
};

// Writes the bundle of `store` into `directory` (created; must not exist or
// be empty).
Result<BundleStats> write_bundle(Store& store, const std::filesystem::path& directory, BundleFormat format);

// A bundle opened for verification.
struct Bundle {
  std::filesystem::path directory;
  std::vector<Checkpoint> checkpoints;
  std::vector<StoredVersion> versions;
  std::vector<VerifyKey> keys;  // as shipped in keys/: trust them only knowingly
  // Every witness file's cosignatures, by witness id, then seq; unverified.
  std::vector<Cosignature> cosignatures;
  // Reads the journal's rows in file order; a line that cannot be read as a
  // chained record is passed on as a row with the body it has (so the
  // verifier reports it as altered at the seq it should have had).
  Status read_rows(const std::function<Status(const JournalRow&)>& each) const;
};

// Opens `directory`; fails when a part is missing or unreadable, or a
// witness file is not named <witness id>.jsonl or not in its canonical form.
Result<Bundle> open_bundle(const std::filesystem::path& directory);

// The cosignatures of the witness file `file` of witness `witness_id`
// (decode_witness_file); a file larger than kMaxWitnessFileBytes is refused
// unread. An absent file has none.
Result<std::vector<Cosignature>> load_witness_file(const std::filesystem::path& file, std::string_view witness_id);

}  // namespace docket::engine
