// Witness cosignatures: a third party's signature over a checkpoint it saw.
//
// Whoever holds the store's key can edit a record, rebuild the chain and
// sign every checkpoint again; the key alone cannot tell. A witness (an
// auditor, a regulator) that verified a bundle countersigns its checkpoints
// with a key of its own (`docket audit witness`): "witness W saw checkpoint
// (seq, hash) signed by key K". A later rewrite of any record at or before
// that seq then disagrees with the cosignature, unless W signs it too.
//
// The signed message is exactly
//
//   "docket-witness-v1\n<seq in decimal>\n<hash>\n<operator key id>\n"
//
// the operator key id being the `key_id` of the checkpoint countersigned.
// Another prefix than the checkpoint's, so that neither signature can be
// passed off as the other.
//
// The JSON form, one line, the members always in this order:
//   {"seq":120,"hash":"<64 hex>","key_id":"<16 hex>",
//    "witness_id":"<16 hex>","signature":"<128 hex>"}
// A bundle keeps each witness's cosignatures in witnesses/<witness id>.jsonl,
// one line per countersigned checkpoint, by seq (engine/audit/audit_bundle.h).
// Decoding is strict: exactly these members, each in its canonical form.

#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/result.h"
#include "engine/store/checkpoint.h"
#include "engine/store/signing.h"

namespace docket::engine {

struct Cosignature {
  std::uint64_t seq = 0;   // the checkpoint's seq
  std::string hash;        // the checkpoint's chain hash, 64 lowercase hex
  std::string key_id;      // the operator key that signed the checkpoint, 16 lowercase hex
  std::string witness_id;  // the witness's key id, 16 lowercase hex
  std::string signature;   // Ed25519 over cosignature_message(...), 128 lowercase hex

  friend bool operator==(const Cosignature&, const Cosignature&) = default;
};

// The most lines a witness file may hold, and the most witness files a
// bundle may carry: a bound on what a hostile bundle can make us read.
inline constexpr std::size_t kMaxCosignatures = 100'000;
inline constexpr std::size_t kMaxWitnessFiles = 64;
// A file larger than kMaxCosignatures lines of the longest form is refused
// before it is read.
inline constexpr std::uintmax_t kMaxWitnessFileBytes = kMaxCosignatures * 400;

// "docket-witness-v1\n<seq>\n<hash>\n<key id>\n": what a cosignature signs.
std::string cosignature_message(std::uint64_t seq, std::string_view hash, std::string_view key_id);

// The witness's cosignature of `checkpoint`. The caller has verified the
// checkpoint against the chain first: countersigning vouches for it.
Cosignature countersign(const SigningKey& witness, const Checkpoint& checkpoint);

// Checks the signature with the ring's key of the witness id. Errors:
//   "cosignature of witness 0123456789abcdef at seq 120: unknown witness"
//   "cosignature of witness 0123456789abcdef at seq 120: bad signature"
Status verify_cosignature(const Cosignature& cosignature, const KeyRing& witnesses);

// The canonical JSON line, no newline.
std::string encode_cosignature(const Cosignature& cosignature);

// One cosignature from its JSON line (no surrounding white space; a final
// LF is allowed). Errors name the problem like decode_checkpoint's.
Result<Cosignature> decode_cosignature(std::string_view line);

// A witness file's cosignatures, checked to be in its one canonical form:
// each line ended by LF, no blank lines, seqs strictly increasing, every
// line by `witness_id`, at most kMaxCosignatures lines. `origin` names the
// text in errors: "witnesses/0123456789abcdef.jsonl:3: missing `hash`".
Result<std::vector<Cosignature>> decode_witness_file(std::string_view text, std::string_view witness_id,
                                                     std::string_view origin);

// The file's text: the cosignatures by seq, one line each.
std::string encode_witness_file(const std::vector<Cosignature>& cosignatures);

}  // namespace docket::engine
