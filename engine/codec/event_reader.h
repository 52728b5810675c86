// Reading events from a JSON-lines file, one event per line:
//
//   {"at":"2026-11-23T09:00:00+08:00","ticket":"T-1001","event":"create",
//    "actor":{"id":"alice","roles":["intake_specialist"]},
//    "data":{"customer":"C-1001","order_amount":1299.00},
//    "idempotency_key":"k-1","workflow":"after_sales"}
//
// Keys: `at` (required, a timestamp with a zone, see parse_timestamp; an
// `at` that cannot be read is refused saying why: read_timestamp),
// `ticket` (required, a string), `event` (required, a non-empty string),
// `actor` (an object with `id`, a string, and `roles`, an array of strings;
// absent: nobody), `data` (an object of field -> string, number, true/false
// or null), `idempotency_key` and `workflow` (strings). Blank lines and lines
// whose first non-blank character is `#` are skipped.
//
// Numbers in `data` are taken from their text, never through a double, so
// 1299.00 is exactly 1299 and 0.1 exactly one tenth: at most four decimal
// places, no exponent (engine/model/value.h: Fixed).
//
// Events must come in time order (equal times are fine): a replay runs on a
// virtual clock that cannot go back.
//
// Every problem stops the reader at its line; nothing is skipped silently.
// Errors read like a compiler's, with the line, and the column (in bytes)
// where the JSON itself is malformed:
//   events.jsonl:3:17: error: invalid JSON: syntax error while parsing value - invalid literal; last read: 'tru,'
//   events.jsonl:4: error: missing `event`
//   events.jsonl:5: error: unknown key `evnt` (did you mean `event`?)
//   events.jsonl:6: error: `at` must be a timestamp such as "2026-11-23T09:00:00+08:00", got "yesterday"
//   events.jsonl:7: error: `at` needs a UTC offset or Z, such as "2026-10-01T08:00+08:00", got "2026-10-01T08:00"
//   events.jsonl:8: error: `at` has day 31, but days in April 2026 run from 01 to 30, got "2026-04-31"
//   events.jsonl:9: error: out of order: 2026-11-23T08:00:00Z is earlier than 2026-11-23T09:00:00Z on line 8
// Lines longer than EventReaderOptions::max_line_bytes and nesting deeper
// than max_depth are refused before the JSON is parsed.
//
// encode_event writes an event in this form, so that events a program sends
// (`docket simulate --events-out`) can be replayed and explained:
// parse_event_line(encode_event(e)) == e.

#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>

#include "engine/model/event.h"
#include "engine/model/result.h"

namespace docket::engine {

struct EventReaderOptions {
  // Longest line accepted, newline excluded. Default 1 MiB.
  std::size_t max_line_bytes = std::size_t{1} << 20;
  // Deepest nesting of arrays and objects in a line. Default 64.
  std::size_t max_depth = 64;
};

struct EventLine {
  Event event;  // `at` is always set
  std::size_t line = 0;
};

class EventReader {
 public:
  // `name` is the file name used in messages. `in` must outlive the reader.
  EventReader(std::istream& in, std::string name, EventReaderOptions options = {});

  // The next event; nullopt at the end of the input. After an error, every
  // further call returns the same error.
  Result<std::optional<EventLine>> next();

  // Events returned so far.
  std::size_t events_read() const { return events_read_; }
  // The line last read (the line of the last event or of the error).
  std::size_t line() const { return line_; }

 private:
  // Reads one line into line_text_; false at the end of the input.
  bool read_line(bool& too_long);
  Result<std::optional<EventLine>> error(const std::string& message, std::size_t column = 0);

  std::istream& in_;
  std::string name_;
  EventReaderOptions options_;
  std::string line_text_;
  std::size_t line_ = 0;
  std::size_t events_read_ = 0;
  std::optional<std::int64_t> previous_at_;
  std::size_t previous_line_ = 0;
  std::string error_;  // sticky
};

// Parses one event line (without the newline). The error has no file or
// line; `column` is set (1-based, bytes) when the problem has a position.
Result<Event> parse_event_line(std::string_view text, std::size_t* column = nullptr,
                               const EventReaderOptions& options = {});

class JsonWriter;

// A value of `data` as the reader reads it back: text as a JSON string, a
// number as its exact decimal text ("1299.5", never through a double),
// true/false, null. The journal writes what an event sent the same way.
void write_field_input(JsonWriter& json, const FieldInput& value);

// The event as one line of the events file, without the newline: `at` in
// UTC ("2026-11-23T01:00:00Z"), `ticket`, `event`, then `actor` when there is
// one, `data` when the event sends any, `idempotency_key` and `workflow` when
// set. An event without `at`, or sending a field twice, is written as it is,
// and the reader refuses that line.
std::string encode_event(const Event& event);

}  // namespace docket::engine
