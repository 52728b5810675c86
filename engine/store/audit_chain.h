// The hash chain that makes the journal tamper-evident.
//
// Every journal record is linked to the one before it: its hash is the
// SHA-256 of the previous record's hash followed by its own body, so changing,
// dropping, inserting or reordering any record changes every hash after it.
// The first record links to kGenesisHash. With a signed checkpoint over the
// hash at some seq (engine/store/checkpoint.h), an auditor who trusts the signing
// key can verify every record up to that seq without trusting the store.
//
//   hash(seq) = hex(SHA-256(prev_hash bytes, then body bytes))
//
// where prev_hash is the previous record's hash as 64 lowercase hex
// characters (the text, not the 32 bytes it encodes), and body is the
// record's canonical JSON line (engine/codec/journal_json.h encode_record) without
// its newline, byte for byte.
//
// In an exported bundle each record is one line: its body with the final `}`
// replaced by `,"prev_hash":"<64 hex>","hash":"<64 hex>"}`. That suffix has a
// fixed length, so a verifier recovers the body exactly by cutting it off,
// without parsing or re-encoding the JSON (which could change a byte and
// break the hash).

#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "engine/model/result.h"

namespace docket::engine {

// What the first record's prev_hash is: 64 '0' characters.
inline constexpr std::string_view kGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

// The length of every hash in the chain: 64 lowercase hex characters.
inline constexpr std::size_t kHashLength = 64;

// True for exactly 64 characters from [0-9a-f]. Uppercase hex is not a hash
// here: the chain hashes the text, so "AB" and "ab" would be different links.
bool is_hash(std::string_view text);

// Lowercase hex SHA-256 over the bytes of `prev_hash` followed by the bytes of
// `body`. Computes whatever it is given; callers check is_hash(prev_hash)
// where it matters. Empty only if OpenSSL fails (out of memory).
std::string chain_hash(std::string_view prev_hash, std::string_view body);

// The bundle line of a record: `body` without its final `}`, then
// `,"prev_hash":"<prev_hash>","hash":"<hash>"}`. No newline.
// REQUIRES: body ends with '}'; is_hash(prev_hash) and is_hash(hash).
// The line is JSON when body is a JSON object with at least one member and
// no member named "prev_hash" or "hash" (true of every journal record).
std::string chained_line(std::string_view body, std::string_view prev_hash, std::string_view hash);

struct ChainedLine {
  std::string body;  // byte for byte what was hashed, ending in '}'
  std::string prev_hash;
  std::string hash;

  friend bool operator==(const ChainedLine&, const ChainedLine&) = default;
};

// Takes a bundle line (without its newline) apart. Checks the suffix's form
// only, not that the hashes are right: chain_hash(prev_hash, body) == hash
// and prev_hash == the previous line's hash are the verifier's to check.
// Errors, for a message such as "bundle/journal.jsonl:12: no hash suffix":
//   "line ends with a line break" (a newline or CR was left on the line),
//   "no hash suffix" (no `,"prev_hash":"` field at the end of the line),
//   "prev_hash is not 64 lowercase hex digits",
//   "hash is not 64 lowercase hex digits",
//   "no hash field after prev_hash",
//   "hash not followed by `"}` at the end of the line",
//   "no record before the hash suffix" (the body is not `{...`).
Result<ChainedLine> split_chained_line(std::string_view line);

}  // namespace docket::engine
