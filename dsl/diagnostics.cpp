#include "dsl/diagnostics.h"

#include <algorithm>
#include <cstdio>
#include <string_view>

#include "engine/model/text.h"

namespace docket::dsl {

using engine::append_json_string;

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

const char* severity_name(Severity severity) { return severity == Severity::kError ? "error" : "warning"; }

// Decodes one UTF-8 sequence at `i` and advances past it. An invalid or
// truncated sequence yields one byte decoded as U+FFFD, so broken input still
// renders and carets still line up.
constexpr char32_t kReplacement = 0xFFFD;

char32_t next_code_point(std::string_view s, std::size_t& i) {
  auto byte = static_cast<unsigned char>(s[i]);
  std::size_t length = byte < 0x80 ? 1 : (byte >> 5) == 0x6 ? 2 : (byte >> 4) == 0xE ? 3 : (byte >> 3) == 0x1E ? 4 : 0;
  if (length == 1) {
    ++i;
    return byte;
  }
  if (length == 0 || i + length > s.size()) {
    ++i;
    return kReplacement;
  }
  char32_t cp = byte & (0x7F >> length);
  for (std::size_t k = 1; k < length; ++k) {
    auto next = static_cast<unsigned char>(s[i + k]);
    if ((next & 0xC0) != 0x80) {
      ++i;
      return kReplacement;
    }
    cp = (cp << 6) | (next & 0x3F);
  }
  bool overlong = (length == 2 && cp < 0x80) || (length == 3 && cp < 0x800) || (length == 4 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return kReplacement;
  }
  i += length;
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The quoted source line as it is safe to print: bytes that are not valid
// UTF-8, and control characters other than tab, become U+FFFD.
std::string printable_line(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  std::size_t i = 0;
  while (i < line.size()) {
    char32_t cp = next_code_point(line, i);
    if ((cp < 0x20 && cp != '\t') || cp == 0x7F) cp = kReplacement;
    append_utf8(out, cp);
  }
  return out;
}

// The terminal cells the character `cp` takes as printable_line() prints it
// (a control character as U+FFFD): East Asian wide characters take two, so
// the caret lines up under labels such as "产品故障".
std::size_t display_width(char32_t cp) {
  if ((cp < 0x20 && cp != '\t') || cp == 0x7F) cp = kReplacement;
  std::string character;
  append_utf8(character, cp);
  return engine::display_width(character);
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
    out.append(display_width(next_code_point(line, i)), ' ');
  }
  out += '^';
  if (target < line.size() && is_word_byte(line[target])) {
    for (std::size_t k = target + 1; k < line.size() && is_word_byte(line[k]); ++k) out += '~';
  }
  return out;
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
      out += ' ' + number + " | " + printable_line(sources.line_text(d.loc.file, d.loc.line)) + '\n';
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

}  // namespace docket::dsl
