#include "dsl/diagnostics.h"

#include <algorithm>
#include <cstdio>
#include <string_view>

namespace docket::dsl {

void Diagnostics::error(std::string code, SourceLoc loc, std::string message, std::string help) {
  items_.push_back({Severity::kError, std::move(code), std::move(message), loc, std::move(help)});
  ++errors_;
}

void Diagnostics::warning(std::string code, SourceLoc loc, std::string message, std::string help) {
  items_.push_back({Severity::kWarning, std::move(code), std::move(message), loc, std::move(help)});
}

void Diagnostics::sort() {
  std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.loc.file != b.loc.file) return a.loc.file < b.loc.file;
    if (a.loc.line != b.loc.line) return a.loc.line < b.loc.line;
    return a.loc.column < b.loc.column;
  });
}

namespace {

const char* severity_name(Severity severity) {
  return severity == Severity::kError ? "error" : "warning";
}

// Decodes one UTF-8 sequence at `i`, advancing it; invalid bytes count as one
// character each so that broken input still renders.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  auto byte = static_cast<unsigned char>(s[i]);
  int length = byte < 0x80 ? 1 : (byte >> 5) == 0x6 ? 2 : (byte >> 4) == 0xE ? 3 : (byte >> 3) == 0x1E ? 4 : 1;
  if (i + length > s.size()) length = 1;
  char32_t cp = length == 1 ? byte : byte & (0x7F >> length);
  for (int k = 1; k < length; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += length;
  return cp;
}

// East Asian wide characters take two terminal cells; the caret must line up
// under labels such as "产品故障".
int display_width(char32_t cp) {
  bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
              (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
              (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
              (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
              (cp >= 0x20000 && cp <= 0x3FFFD);
  return wide ? 2 : 1;
}

bool is_word_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The padding that puts a caret under byte `column` (1-based) of `line`, and
// the marker: `^` followed by `~` under the rest of a word that starts there.
std::string caret_line(std::string_view line, std::uint32_t column) {
  std::string out;
  std::size_t target = column == 0 ? 0 : column - 1;
  std::size_t i = 0;
  while (i < line.size() && i < target) {
    if (line[i] == '\t') {
      out += '\t';
      ++i;
      continue;
    }
    out.append(static_cast<std::size_t>(display_width(next_code_point(line, i))), ' ');
  }
  out += '^';
  if (target < line.size() && is_word_byte(line[target])) {
    for (std::size_t k = target + 1; k < line.size() && is_word_byte(line[k]); ++k) out += '~';
  }
  return out;
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
          out += buffer;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

}  // namespace

std::string render_text(const Diagnostics& diagnostics, const SourceSet& sources) {
  std::string out;
  for (const Diagnostic& d : diagnostics.items()) {
    bool has_file = d.loc.known() && d.loc.file < sources.size();
    if (has_file) {
      out += sources.path(d.loc.file);
      if (d.loc.line > 0) out += ':' + std::to_string(d.loc.line) + ':' + std::to_string(d.loc.column);
      out += ": ";
    } else {
      out += "docket: ";
    }
    out += severity_name(d.severity);
    out += '[' + d.code + "]: " + d.message + '\n';
    if (has_file && d.loc.line > 0) {
      std::string number = std::to_string(d.loc.line);
      std::string gutter(number.size(), ' ');
      out += ' ' + number + " | " + std::string(sources.line_text(d.loc.file, d.loc.line)) + '\n';
      out += ' ' + gutter + " | " + caret_line(sources.line_text(d.loc.file, d.loc.line), d.loc.column) + '\n';
    }
    if (!d.help.empty()) out += "help: " + d.help + '\n';
  }
  return out;
}

std::string render_json(const Diagnostics& diagnostics, const SourceSet& sources) {
  std::string out = "{\"diagnostics\":[";
  bool first = true;
  for (const Diagnostic& d : diagnostics.items()) {
    if (!first) out += ',';
    first = false;
    out += "{\"file\":";
    append_json_string(out, d.loc.known() && d.loc.file < sources.size() ? sources.path(d.loc.file) : "");
    out += ",\"line\":" + std::to_string(d.loc.line) + ",\"column\":" + std::to_string(d.loc.column);
    out += ",\"severity\":\"";
    out += severity_name(d.severity);
    out += "\",\"code\":";
    append_json_string(out, d.code);
    out += ",\"message\":";
    append_json_string(out, d.message);
    out += ",\"help\":";
    append_json_string(out, d.help);
    out += '}';
  }
  out += "],\"errors\":" + std::to_string(diagnostics.error_count());
  out += ",\"warnings\":" + std::to_string(diagnostics.warning_count()) + "}\n";
  return out;
}

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

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

}  // namespace docket::dsl
