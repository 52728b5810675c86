#include "engine/store/checkpoint.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <optional>
#include <system_error>

#include "engine/codec/json_text.h"
#include "engine/model/event.h"
#include "engine/model/value.h"
#include "engine/store/audit_chain.h"

namespace docket::engine {
namespace {

constexpr std::string_view kMessageVersion = "docket-checkpoint-v1";
// The members of the JSON form, in their canonical order.
constexpr std::string_view kMembers[] = {"seq", "hash", "at", "key_id", "signature"};

bool is_lowercase_hex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// "a string" -> "got a string"; a string's text is quoted so that a wrong
// form ("12", "2026-11-23") shows.
std::string got(const JsonNode& node) {
  if (node.kind() == JsonNode::Kind::kString) {
    std::string quoted;
    append_json_string(quoted, node.text());
    return "got " + quoted;
  }
  if (node.kind() == JsonNode::Kind::kNumber) return "got " + node.text();
  return std::string("got ") + node.describe();
}

// A JSON number written as a plain unsigned integer: digits only, no sign,
// fraction, exponent or leading zero, within 64 bits.
std::optional<std::uint64_t> whole_number(const JsonNode& node) {
  if (node.kind() != JsonNode::Kind::kNumber) return std::nullopt;
  const std::string& text = node.text();
  if (text.empty() || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The text of a string member whose value must be `length` lowercase hex
// digits.
Result<std::string> hex_member(const JsonNode& node, std::string_view name, std::size_t length) {
  if (node.kind() != JsonNode::Kind::kString || node.text().size() != length || !is_lowercase_hex(node.text())) {
    return Result<std::string>::failure("`" + std::string(name) + "` must be " + std::to_string(length) +
                                        " lowercase hex digits, " + got(node));
  }
  return Result<std::string>::success(node.text());
}

}  // namespace

std::string checkpoint_message(std::uint64_t seq, std::string_view hash) {
  std::string message(kMessageVersion);
  message += '\n';
  message += std::to_string(seq);
  message += '\n';
  message.append(hash);
  message += '\n';
  return message;
}

Checkpoint sign_checkpoint(const SigningKey& key, std::uint64_t seq, std::string_view hash, std::int64_t at) {
  Checkpoint checkpoint;
  checkpoint.seq = seq;
  checkpoint.hash = std::string(hash);
  checkpoint.at = at;
  checkpoint.key_id = key.key_id();
  checkpoint.signature = key.sign(checkpoint_message(seq, hash));
  return checkpoint;
}

Status verify_checkpoint(const Checkpoint& checkpoint, const KeyRing& keys) {
  std::string head = "checkpoint at seq " + std::to_string(checkpoint.seq) + ": ";
  const VerifyKey* key = keys.find(checkpoint.key_id);
  if (key == nullptr) return Status::failure(head + "signed by unknown key id " + checkpoint.key_id);
  if (!key->verify(checkpoint_message(checkpoint.seq, checkpoint.hash), checkpoint.signature)) {
    return Status::failure(head + "bad signature");
  }
  return Status::success();
}

std::string encode_checkpoint(const Checkpoint& checkpoint) {
  std::string out = "{\"seq\":" + std::to_string(checkpoint.seq) + ",\"hash\":";
  append_json_string(out, checkpoint.hash);
  out += ",\"at\":";
  append_json_string(out, format_timestamp(checkpoint.at));
  out += ",\"key_id\":";
  append_json_string(out, checkpoint.key_id);
  out += ",\"signature\":";
  append_json_string(out, checkpoint.signature);
  out += '}';
  return out;
}

Result<Checkpoint> decode_checkpoint(std::string_view text) {
  using R = Result<Checkpoint>;
  JsonParseResult parsed = parse_json(text);
  if (!parsed.value) {
    std::string message = "not JSON: " + parsed.error;
    if (parsed.error_offset != JsonParseResult::kUnknownOffset) {
      message += " (at byte " + std::to_string(parsed.error_offset) + ")";
    }
    return R::failure(message);
  }
  const JsonNode& object = *parsed.value;
  if (object.kind() != JsonNode::Kind::kObject) return R::failure("not a JSON object, " + got(object));
  for (const JsonNode::Member& member : object.members()) {
    if (std::find(std::begin(kMembers), std::end(kMembers), member.first) == std::end(kMembers)) {
      return R::failure("unknown member `" + member.first + "`");
    }
  }
  for (std::string_view name : kMembers) {
    if (object.find(name) == nullptr) return R::failure("missing `" + std::string(name) + "`");
  }

  Checkpoint checkpoint;
  const JsonNode& seq = *object.find("seq");
  std::optional<std::uint64_t> seq_value = whole_number(seq);
  if (!seq_value) return R::failure("`seq` must be a whole number, " + got(seq));
  checkpoint.seq = *seq_value;

  Result<std::string> hash = hex_member(*object.find("hash"), "hash", kHashLength);
  if (!hash) return R::failure(hash.error());
  checkpoint.hash = std::move(hash).value();

  const JsonNode& at = *object.find("at");
  std::optional<std::int64_t> at_value;
  if (at.kind() == JsonNode::Kind::kString) at_value = parse_timestamp(at.text());
  // Only the form encode_checkpoint writes: one text per instant.
  if (!at_value || format_timestamp(*at_value) != at.text()) {
    return R::failure("`at` must be a UTC time such as 2026-11-23T09:00:00Z, " + got(at));
  }
  checkpoint.at = *at_value;

  Result<std::string> key_id = hex_member(*object.find("key_id"), "key_id", kKeyIdLength);
  if (!key_id) return R::failure(key_id.error());
  checkpoint.key_id = std::move(key_id).value();

  Result<std::string> signature = hex_member(*object.find("signature"), "signature", kSignatureHexLength);
  if (!signature) return R::failure(signature.error());
  checkpoint.signature = std::move(signature).value();
  // One byte form per checkpoint, as for records: members in order, no
  // spaces. The line's own end (LF or CRLF, as a held file may have) is no
  // part of it.
  std::string_view line = text;
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (encode_checkpoint(checkpoint) != line) {
    return R::failure("not in the canonical form (members seq, hash, at, key_id, signature; docs/audit-log.md)");
  }
  return R::success(std::move(checkpoint));
}

Result<std::vector<Checkpoint>> decode_checkpoints(std::string_view text, std::string_view origin) {
  using R = Result<std::vector<Checkpoint>>;
  std::vector<Checkpoint> checkpoints;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    Result<Checkpoint> checkpoint = decode_checkpoint(line);
    if (!checkpoint) {
      return R::failure(std::string(origin) + ":" + std::to_string(line_number) + ": " + checkpoint.error());
    }
    checkpoints.push_back(std::move(checkpoint).value());
  }
  return R::success(std::move(checkpoints));
}

Result<std::vector<Checkpoint>> load_checkpoints(const std::filesystem::path& file) {
  using R = Result<std::vector<Checkpoint>>;
  std::string name = file.string();
  std::error_code error;
  std::filesystem::file_status status = std::filesystem::status(file, error);
  if (error) return R::failure(name + ": cannot read: " + error.message());
  if (!std::filesystem::is_regular_file(status)) return R::failure(name + ": not a regular file");
  std::ifstream in(file, std::ios::binary);
  if (!in) return R::failure(name + ": cannot read");
  std::string text(std::istreambuf_iterator<char>(in), {});
  if (in.bad()) return R::failure(name + ": cannot read");
  return decode_checkpoints(text, name);
}

}  // namespace docket::engine
