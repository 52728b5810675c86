// Text as docket quotes it: in JSON string literals and in messages.
//
// Every layer quotes text it did not write (ids, names, values from events
// and rule files) in JSON or in a one-line message, and the same text must
// come out the same way everywhere: the journal hashes it, and an auditor's
// tool reads it. So there is one escaper, here at the bottom of the layers
// where the dsl, the engine and the tools can all reach it.

#pragma once

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

}  // namespace docket::engine
