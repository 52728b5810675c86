// The canonical JSON-lines encoding of journal records (docs/audit-log.md
// documents every field for auditors).
//
// One record is one line of JSON, without a newline, with a fixed set of
// keys in a fixed order, so that the same records always give the same bytes:
//
//   {"seq":12,"at":"2026-11-23T09:00:00Z","ticket":"T-1001","workflow":"after_sales",
//    "version":"3f5a...","kind":"transition","from":"registering","to":"classifying",
//    "cause":"event","event":"registered","actor":{"id":"alice","roles":["intake_specialist"]},
//    "data":[{"field":"problem_confirmed","value":true}],"rule":"rules/after_sales.docket:187:3","changes":[{"field":"problem_confirmed",
//    "type":"bool","before":false,"after":true}],"actions":[],"sla":null,
//    "rejected":false,"reason":null,"idempotency_key":"k-1"}
//
// (shown wrapped). Texts that are empty are written as null; instants as UTC
// "2026-11-23T09:00:00Z"; numbers as the exact decimals the engine holds
// ("1299.5", never through a double); durations as the engine writes them
// ("1h30m"). Nothing depends on the locale. Text is UTF-8 as it is, with
// control characters escaped.
//
// `data` is what the event sent, untyped as received: an array of
// {"field","value"} in the order sent (a field sent twice, refused, stays
// twice), null on records no event made; a line without the key predates
// it and reads as SentData::kUnrecorded, and is written back without it.
//
// A rule position is written "path:line:column" (the compiler's `where` is
// "path:line"; the column follows) and read back the same way.
//
// Decoding is strict (every key present, no unknown key, every value of its
// type), because the audit tools read logs that must not have been altered.
// A field value of an enumeration (an enum field, `priority`, `category`)
// is written by name; Values hold ordinals, so decoding turns names back into
// ordinals with the record's workflow when one is given. Without it such a
// Value keeps its type with kNoIndex as ordinal (and field), and the name is
// in before_text / after_text, which are exact either way; encoding the
// decoded record gives the same line again.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/model/result.h"
#include "engine/model/workflow.h"
#include "engine/runtime/journal.h"

namespace docket::engine {

class JsonWriter;

// The record as one line of JSON, without the newline.
std::string encode_record(const Record& record);

// Reads a line written by encode_record back into a Record. `workflow`, when
// given, is the workflow version the record names (same version id): it
// resolves enumeration values to their ordinals (a name it does not know is
// an error); decode_record(encode_record(r), w) == r. The error says where: "column 17: ...", "`changes`[2].`after`:
// ...".
Result<Record> decode_record(std::string_view line, const Workflow* workflow = nullptr);

// A rule position as records write it: "rules/after_sales.docket:42:5"; "" when empty.
std::string rule_position_text(const RulePosition& rule);
// A value as records write it: a decimal's exact digits, text, a boolean,
// a duration or timestamp as text, an enumeration's name (`text`, which is
// Workflow::format_value(value)); null when unset.
void write_value(JsonWriter& json, const Value& value, const std::string& text);

// The seq an encoded record begins with (`{"seq":12,...`), read without
// decoding the rest; nullopt when the line does not begin that way.
std::optional<std::uint64_t> encoded_seq(std::string_view line);

// The keys an encoded record begins with, `seq` to `kind`, read without
// decoding the rest: for filters that look at many lines. Each text is a
// view of the line as written, a JSON string with its quotes (what
// json_string() gives for the text; compare with that) or `null`.
struct EncodedHead {
  std::uint64_t seq = 0;
  std::string_view ticket;
  std::string_view workflow;
  std::string_view kind;
};
// nullopt when the line does not begin as encode_record writes it.
std::optional<EncodedHead> encoded_head(std::string_view line);

}  // namespace docket::engine
