#include "engine/model/text.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdio>

namespace docket::engine {
namespace {

void append_escaped_byte(std::string& out, unsigned char byte) {
  switch (byte) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      const char escaped[] = {'\\', 'u', '0', '0', kHex[byte >> 4], kHex[byte & 0xF]};
      out.append(escaped, sizeof escaped);
    }
  }
}

}  // namespace

Utf8Sequence utf8_sequence_at(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  unsigned char lead = byte(0);
  if (lead < 0x80) return {true, 1};
  std::size_t length = 0;
  unsigned char low = 0x80;  // the second byte's range; later ones are 80..BF
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // no overlong forms
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // no overlong forms
    if (lead == 0xF4) high = 0x8F;  // nothing above U+10FFFF
  } else {
    return {false, 1};
  }
  for (std::size_t k = 1; k < length; ++k) {
    if (i + k >= text.size()) return {false, k};
    unsigned char next = byte(k);
    if (next < (k == 1 ? low : 0x80) || next > (k == 1 ? high : 0xBF)) return {false, k};
  }
  return {true, length};
}

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  std::size_t plain = 0;  // start of the run of bytes written as they are
  for (std::size_t i = 0; i < text.size();) {
    auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte < 0x80 && byte != '"' && byte != '\\') {
      ++i;
      continue;
    }
    if (byte >= 0x80) {
      Utf8Sequence sequence = utf8_sequence_at(text, i);
      if (sequence.well_formed) {
        i += sequence.length;
        continue;
      }
      out.append(text, plain, i - plain);
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      i += sequence.length;
      plain = i;
      continue;
    }
    out.append(text, plain, i - plain);
    append_escaped_byte(out, byte);
    plain = ++i;
  }
  out.append(text, plain);
  out += '"';
}

std::string json_string(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  append_json_string(out, text);
  return out;
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    auto byte = static_cast<unsigned char>(text[i]);
    char buffer[8];
    if (byte < 0x20 || byte == 0x7f) {
      std::snprintf(buffer, sizeof buffer, "\\u%04x", byte);
      out += buffer;
      ++i;
    } else if (byte == '\\') {
      out += "\\\\";
      ++i;
    } else if (Utf8Sequence sequence = utf8_sequence_at(text, i); !sequence.well_formed) {
      std::snprintf(buffer, sizeof buffer, "\\x%02x", byte);
      out += buffer;
      ++i;
    } else {
      out.append(text, i, sequence.length);
      i += sequence.length;
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string text;
  for (const std::string& item : items) {
    if (!text.empty()) text += separator;
    text += item;
  }
  return text;
}

bool is_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    Utf8Sequence sequence = utf8_sequence_at(text, i);
    if (!sequence.well_formed) return false;
    i += sequence.length;
  }
  return true;
}

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  std::size_t offset = 0;
  while (offset < text.size()) {
    utf8proc_int32_t codepoint = 0;
    utf8proc_ssize_t length =
        utf8proc_iterate(bytes + offset, static_cast<utf8proc_ssize_t>(text.size() - offset), &codepoint);
    if (length <= 0) {
      ++width;
      ++offset;
      continue;
    }
    width += static_cast<std::size_t>(utf8proc_charwidth(codepoint));
    offset += static_cast<std::size_t>(length);
  }
  return width;
}

// Levenshtein distance where swapping two neighbouring letters (`tehc` for
// `tech`) counts as one edit, the commonest typo.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::string closest_match(const std::string& name, const std::vector<std::string>& candidates) {
  // Like ninja's spellchecker: a typo is a few edits, relative to the length.
  std::size_t allowed = std::max<std::size_t>(1, std::min<std::size_t>(3, name.size() / 3));
  std::string best;
  std::size_t best_distance = allowed + 1;
  for (const std::string& candidate : candidates) {
    if (candidate == name) continue;
    std::size_t distance = edit_distance(name, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

}  // namespace docket::engine
