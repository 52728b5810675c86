// Signed checkpoints of the journal's hash chain.
//
// A checkpoint says: "the record at `seq` has chain hash `hash`", signed with
// the store's Ed25519 key. Because each hash covers every record before it
// (engine/store/audit_chain.h), one good checkpoint vouches for the whole journal up
// to its seq; records after the last checkpoint are chained but not vouched
// for. The signed message is exactly
//
//   "docket-checkpoint-v1\n<seq in decimal>\n<hash>\n"
//
// `at` (when the store made the checkpoint) and `key_id` are not signed:
// `at` is for people reading the trail, and a wrong key_id only makes the
// checkpoint fail as signed by an unknown key or with a bad signature.
//
// The JSON form, one line, the members always in this order:
//   {"seq":120,"hash":"<64 hex>","at":"2026-11-23T09:00:00Z",
//    "key_id":"<16 hex>","signature":"<128 hex>"}
// It is what an auditor keeps outside the store (`--checkpoint FILE`), so
// decoding is strict: exactly these members, each in its canonical form.

#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/result.h"
#include "engine/store/signing.h"

namespace docket::engine {

struct Checkpoint {
  std::uint64_t seq = 0;  // the journal record the checkpoint is over
  std::string hash;       // that record's chain hash, 64 lowercase hex
  std::int64_t at = 0;    // the time of record `seq` (epoch seconds, UTC); not signed
  std::string key_id;     // the signing key's id, 16 lowercase hex
  std::string signature;  // Ed25519 over checkpoint_message(seq, hash), 128 lowercase hex

  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

// "docket-checkpoint-v1\n<seq>\n<hash>\n": what a checkpoint signs.
std::string checkpoint_message(std::uint64_t seq, std::string_view hash);

// The checkpoint of the record at `seq`, whose chain hash is `hash`, signed
// with `key` at time `at`.
Checkpoint sign_checkpoint(const SigningKey& key, std::uint64_t seq, std::string_view hash, std::int64_t at);

// Checks the signature with the ring's key of the checkpoint's key id. That
// `hash` is the journal's hash at `seq` is the caller's to check. Errors:
//   "checkpoint at seq 120: signed by unknown key id 0123456789abcdef"
//   "checkpoint at seq 120: bad signature"
Status verify_checkpoint(const Checkpoint& checkpoint, const KeyRing& keys);

// The canonical JSON line, no newline.
std::string encode_checkpoint(const Checkpoint& checkpoint);

// One checkpoint from its JSON text (surrounding whitespace allowed). Errors
// name the problem: "not JSON: ...", "not a JSON object", "missing `hash`",
// "unknown member `sig`", "`seq` must be a whole number, got \"12\"",
// "`hash` must be 64 lowercase hex digits", "`at` must be a UTC time such as
// 2026-11-23T09:00:00Z, got \"...\"", "`key_id` must be 16 lowercase hex
// digits", "`signature` must be 128 lowercase hex digits".
Result<Checkpoint> decode_checkpoint(std::string_view text);

// Every checkpoint of a JSON-lines text, one per line, blank lines skipped.
// `origin` names the text in errors: "audit/checkpoints.jsonl:3: missing `hash`".
Result<std::vector<Checkpoint>> decode_checkpoints(std::string_view text, std::string_view origin);

// decode_checkpoints of a file's contents; errors name the file.
Result<std::vector<Checkpoint>> load_checkpoints(const std::filesystem::path& file);

}  // namespace docket::engine
