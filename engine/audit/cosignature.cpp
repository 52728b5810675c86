#include "engine/audit/cosignature.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <optional>
#include <system_error>

#include "engine/codec/json_text.h"
#include "engine/store/audit_chain.h"

namespace docket::engine {
namespace {

constexpr std::string_view kMessageVersion = "docket-witness-v1";
// The members of the JSON form, in their canonical order.
constexpr std::string_view kMembers[] = {"seq", "hash", "key_id", "witness_id", "signature"};

bool is_lowercase_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// A plain unsigned decimal within 64 bits: no sign, fraction, exponent or
// leading zero.
std::optional<std::uint64_t> whole_number(const JsonNode& node) {
  const std::string& text = node.text();
  if (node.kind() != JsonNode::Kind::kNumber || text.empty() || (text.size() > 1 && text[0] == '0')) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Result<std::string> hex_member(const JsonNode& object, std::string_view name, std::size_t length) {
  const JsonNode& node = *object.find(name);
  if (node.kind() != JsonNode::Kind::kString || node.text().size() != length || !is_lowercase_hex(node.text())) {
    return Result<std::string>::failure("`" + std::string(name) + "` must be " + std::to_string(length) +
                                        " lowercase hex digits");
  }
  return Result<std::string>::success(node.text());
}

// The object's members, exactly kMembers, each present once.
Status check_members(const JsonNode& object) {
  if (object.kind() != JsonNode::Kind::kObject) return Status::failure("not a JSON object");
  for (const JsonNode::Member& member : object.members()) {
    if (std::find(std::begin(kMembers), std::end(kMembers), member.first) == std::end(kMembers)) {
      return Status::failure("unknown member `" + member.first + "`");
    }
  }
  for (std::string_view name : kMembers) {
    if (object.find(name) == nullptr) return Status::failure("missing `" + std::string(name) + "`");
  }
  return Status::success();
}

}  // namespace

std::string cosignature_message(std::uint64_t seq, std::string_view hash, std::string_view key_id) {
  std::string message(kMessageVersion);
  message += '\n';
  message += std::to_string(seq);
  message += '\n';
  message.append(hash);
  message += '\n';
  message.append(key_id);
  message += '\n';
  return message;
}

Cosignature countersign(const SigningKey& witness, const Checkpoint& checkpoint) {
  Cosignature cosignature;
  cosignature.seq = checkpoint.seq;
  cosignature.hash = checkpoint.hash;
  cosignature.key_id = checkpoint.key_id;
  cosignature.witness_id = witness.key_id();
  cosignature.signature = witness.sign(cosignature_message(checkpoint.seq, checkpoint.hash, checkpoint.key_id));
  return cosignature;
}

Status verify_cosignature(const Cosignature& cosignature, const KeyRing& witnesses) {
  std::string head =
      "cosignature of witness " + cosignature.witness_id + " at seq " + std::to_string(cosignature.seq) + ": ";
  const VerifyKey* key = witnesses.find(cosignature.witness_id);
  if (key == nullptr) return Status::failure(head + "unknown witness");
  if (!key->verify(cosignature_message(cosignature.seq, cosignature.hash, cosignature.key_id), cosignature.signature)) {
    return Status::failure(head + "bad signature");
  }
  return Status::success();
}

std::string encode_cosignature(const Cosignature& cosignature) {
  // Every member but seq is lowercase hex once decoded: nothing to escape.
  return "{\"seq\":" + std::to_string(cosignature.seq) + ",\"hash\":\"" + cosignature.hash + "\",\"key_id\":\"" +
         cosignature.key_id + "\",\"witness_id\":\"" + cosignature.witness_id + "\",\"signature\":\"" +
         cosignature.signature + "\"}";
}

Result<Cosignature> decode_cosignature(std::string_view line) {
  using R = Result<Cosignature>;
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  JsonParseResult parsed = parse_json(line, 2);
  if (!parsed.value) return R::failure("not JSON: " + parsed.error);
  const JsonNode& object = *parsed.value;
  if (Status members = check_members(object); !members) return R::failure(members.error());

  Cosignature cosignature;
  std::optional<std::uint64_t> seq = whole_number(*object.find("seq"));
  if (!seq || *seq == 0) return R::failure("`seq` must be a whole number from 1");
  cosignature.seq = *seq;
  struct HexMember {
    std::string_view name;
    std::size_t length;
    std::string* into;
  };
  for (const HexMember& member :
       {HexMember{"hash", kHashLength, &cosignature.hash}, HexMember{"key_id", kKeyIdLength, &cosignature.key_id},
        HexMember{"witness_id", kKeyIdLength, &cosignature.witness_id},
        HexMember{"signature", kSignatureHexLength, &cosignature.signature}}) {
    Result<std::string> value = hex_member(object, member.name, member.length);
    if (!value) return R::failure(value.error());
    *member.into = std::move(value).value();
  }
  // One byte form per cosignature: members in order, no white space.
  if (encode_cosignature(cosignature) != line) {
    return R::failure(
        "not in the canonical form (members seq, hash, key_id, witness_id, signature; docs/audit-log.md)");
  }
  return R::success(std::move(cosignature));
}

Result<std::vector<Cosignature>> decode_witness_file(std::string_view text, std::string_view witness_id,
                                                     std::string_view origin) {
  using R = Result<std::vector<Cosignature>>;
  std::vector<Cosignature> cosignatures;
  std::size_t line_number = 0;
  while (!text.empty()) {
    std::string where = std::string(origin) + ":" + std::to_string(++line_number) + ": ";
    if (line_number > kMaxCosignatures) return R::failure(where + "more than the allowed cosignatures");
    std::size_t end = text.find('\n');
    if (end == std::string_view::npos) return R::failure(where + "the last line has no line end");
    Result<Cosignature> cosignature = decode_cosignature(text.substr(0, end));
    text.remove_prefix(end + 1);
    if (!cosignature) return R::failure(where + cosignature.error());
    if (cosignature->witness_id != witness_id) {
      return R::failure(where + "a cosignature of witness " + cosignature->witness_id + " in the file of " +
                        std::string(witness_id));
    }
    if (!cosignatures.empty() && cosignature->seq <= cosignatures.back().seq) {
      return R::failure(where + "seq " + std::to_string(cosignature->seq) + " does not come after seq " +
                        std::to_string(cosignatures.back().seq));
    }
    cosignatures.push_back(std::move(cosignature).value());
  }
  return R::success(std::move(cosignatures));
}

std::string encode_witness_file(const std::vector<Cosignature>& cosignatures) {
  std::string text;
  for (const Cosignature& cosignature : cosignatures) text += encode_cosignature(cosignature) + "\n";
  return text;
}

}  // namespace docket::engine
