#include "engine/store/audit_chain.h"

#include <array>
#include <cassert>

#include "engine/model/digest.h"

namespace docket::engine {
namespace {

constexpr std::string_view kPrevHashField = R"(,"prev_hash":")";
constexpr std::string_view kHashField = R"(","hash":")";
constexpr std::string_view kSuffixEnd = R"("})";

}  // namespace

bool is_hash(std::string_view text) { return text.size() == kHashLength && is_lowercase_hex(text); }

std::string chain_hash(std::string_view prev_hash, std::string_view body) {
  const std::array<std::string_view, 2> pieces = {prev_hash, body};
  return sha256_hex(pieces);
}

std::string chained_line(std::string_view body, std::string_view prev_hash, std::string_view hash) {
  assert(!body.empty() && body.back() == '}');
  assert(is_hash(prev_hash) && is_hash(hash));
  std::string line;
  line.reserve(body.size() + kPrevHashField.size() + prev_hash.size() + kHashField.size() + hash.size() +
               kSuffixEnd.size() - 1);
  line.append(body.substr(0, body.empty() ? 0 : body.size() - 1));
  line.append(kPrevHashField);
  line.append(prev_hash);
  line.append(kHashField);
  line.append(hash);
  line.append(kSuffixEnd);
  return line;
}

Result<ChainedLine> split_chained_line(std::string_view line) {
  using R = Result<ChainedLine>;
  if (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    return R::failure("line ends with a line break");
  }
  std::size_t field = line.rfind(kPrevHashField);
  if (field == std::string_view::npos) return R::failure("no hash suffix");

  std::string_view rest = line.substr(field + kPrevHashField.size());
  std::string_view prev_hash = rest.substr(0, rest.find('"'));
  if (!is_hash(prev_hash)) return R::failure("prev_hash is not 64 lowercase hex digits");
  rest.remove_prefix(prev_hash.size());
  if (!rest.starts_with(kHashField)) return R::failure("no hash field after prev_hash");
  rest.remove_prefix(kHashField.size());
  std::string_view hash = rest.substr(0, rest.find('"'));
  if (!is_hash(hash)) return R::failure("hash is not 64 lowercase hex digits");
  rest.remove_prefix(hash.size());
  if (rest != kSuffixEnd) return R::failure("hash not followed by `\"}` at the end of the line");

  std::string_view body_without_brace = line.substr(0, field);
  if (!body_without_brace.starts_with('{')) return R::failure("no record before the hash suffix");
  ChainedLine split;
  split.body.reserve(body_without_brace.size() + 1);
  split.body.append(body_without_brace);
  split.body += '}';
  split.prev_hash = std::string(prev_hash);
  split.hash = std::string(hash);
  return R::success(std::move(split));
}

}  // namespace docket::engine
