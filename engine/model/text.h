// Text as docket quotes it: in JSON string literals and in messages; and
// how wide it shows on a terminal.
//
// Every layer quotes text it did not write (ids, names, values from events
// and rule files) in JSON or in a one-line message, and the same text must
// come out the same way everywhere: the journal hashes it, and an auditor's
// tool reads it. So there is one escaper, here at the bottom of the layers
// where the dsl, the engine and the tools can all reach it. For the same
// reason the one measure of display width (display_width(), through
// utf8proc) is here: the cli's tables and the designer's reports pad by it;
// and the one spellchecker (closest_match()), which the rules' diagnostics,
// the event reader and the report's options all suggest names by.

#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace docket::engine {

// Appends `text` as a JSON string literal (RFC 8259): quotes, backslashes
// and control characters escaped (\", \\, \b, \f, \n, \r, \t, \u001f, ...),
// everything else kept as it is, so UTF-8 stays readable. Bytes that are not
// well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
// above U+10FFFF) are replaced by U+FFFD, one per maximal ill-formed
// subpart as Unicode recommends, so that the output is always valid JSON.
// Well-formed text comes back unchanged from any JSON reader.
void append_json_string(std::string& out, std::string_view text);

// append_json_string() into a new string.
std::string json_string(std::string_view text);

// `text` made safe to quote in a message or a log line: control characters
// as \u00XX, a backslash doubled, bytes that are not well-formed UTF-8 as
// \xXX; well-formed UTF-8 kept as it is. The result is one line of valid
// UTF-8 whatever the input, and different inputs give different results.
std::string printable(std::string_view text);

// The items with `separator` between them: join({"a", "b"}, ", ") is "a, b".
std::string join(const std::vector<std::string>& items, std::string_view separator);

// Whether `text` is well-formed UTF-8 (RFC 3629).
bool is_utf8(std::string_view text);

// The number of terminal columns `text` takes, by Unicode's East Asian
// Width (through utf8proc): a Chinese character takes two, a Latin letter
// one, a combining accent none. Bytes that are not UTF-8 count one column
// each. std::setw and std::string::size count bytes, which leaves a column
// of Chinese names ragged: text tables pad by this instead.
std::size_t display_width(std::string_view text);

// Levenshtein distance where swapping two neighbouring letters (`tehc` for
// `tech`) counts as one edit, the commonest typo.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `name` by edit_distance, or "" when none is
// close enough to be a plausible typo (a few edits, relative to the length).
std::string closest_match(const std::string& name, const std::vector<std::string>& candidates);

// One UTF-8 sequence of a text, `length` bytes from where it starts: a
// character when well formed (RFC 3629, by table 3-7 of the Unicode
// standard), otherwise a maximal ill-formed subpart (its longest beginning
// that could start a character, at least one byte), which Unicode
// recommends replacing by one U+FFFD.
struct Utf8Sequence {
  bool well_formed = false;
  std::size_t length = 1;
};

// The sequence that starts at text[i]; i < text.size().
Utf8Sequence utf8_sequence_at(std::string_view text, std::size_t i);

// Calls emit(character) for each character of `text` in order, a
// std::string_view: a well-formed sequence as it is, U+FFFD for each
// maximal ill-formed subpart. What it emits is always valid UTF-8, and
// `text` itself when `text` is.
template <typename Emit>
void for_each_character(std::string_view text, Emit emit) {
  for (std::size_t i = 0; i < text.size();) {
    Utf8Sequence sequence = utf8_sequence_at(text, i);
    emit(sequence.well_formed ? text.substr(i, sequence.length) : std::string_view("\xEF\xBF\xBD"));
    i += sequence.length;
  }
}

}  // namespace docket::engine
