// Events: what happens to a ticket from outside the engine.
//
// An event names its ticket, what happened (an event name the rules handle,
// or one of the engine's own: `create`, `approve`, `reject`), who did it and
// when, and carries field values (`data`) that the ticket takes on if, and
// only if, the event fires a transition. Data arrives untyped, as a JSON
// document or a form would give it (FieldInput); the engine checks each value
// against the field's declared type and range and rejects the whole event,
// naming the field, when one does not fit.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/model/result.h"
#include "engine/model/value.h"

namespace docket::engine {

// Event names the engine handles itself.
inline constexpr std::string_view kCreateEvent = "create";    // opens a ticket
inline constexpr std::string_view kApproveEvent = "approve";  // a vote in an `await approval` state
inline constexpr std::string_view kRejectEvent = "reject";    // turns an approval down
// What the approval chain fires in an `await approval` state; not sent by actors there.
inline constexpr std::string_view kApprovedEvent = "approved";
inline constexpr std::string_view kRejectedEvent = "rejected";

// Who caused an event. Roles are the role names of the workflow the actor
// holds. A plain role (`dept_head`) holds on every ticket; a role written
// `department.role` (`tech.dept_head`) holds only on tickets routed or
// assigned to that department, so that "the department head signs off"
// means the head of the department handling the ticket. Names the workflow
// does not know are ignored. An empty id is allowed for systems but cannot
// take part in approvals.
struct Actor {
  std::string id{};
  std::vector<std::string> roles{};

  // Whether the actor holds `role` as a plain role.
  bool holds(std::string_view role) const;

  // The actor as seen on a ticket handled by `departments`: its plain roles,
  // plus `role` for each `department.role` whose department is listed.
  Actor scoped_to(const std::vector<std::string_view>& departments) const;
  friend bool operator==(const Actor&, const Actor&) = default;
};

// One untyped value for a field, as received. Which kinds fit which field
// types:
//   text       <- text
//   int        <- number without fraction
//   decimal    <- number (at most four decimal places: Fixed)
//   money      <- number with at most two decimal places
//   bool       <- boolean
//   enum       <- text naming one of the field's values
//   duration   <- text such as "1h30m" (see parse_duration), or a whole number of seconds
//   timestamp  <- text such as "2026-11-23T09:00:00Z" (see parse_timestamp), or epoch seconds
//   any type   <- null: clears the field (refused for required fields)
class FieldInput {
 public:
  enum class Kind : std::uint8_t { kNull, kText, kNumber, kBool };

  FieldInput() = default;  // null
  static FieldInput null() { return FieldInput(); }
  static FieldInput text(std::string text);
  static FieldInput number(Fixed number);
  // REQUIRES: |value| fits a Fixed (about 9.2e14); larger values become null.
  static FieldInput integer(std::int64_t value);
  static FieldInput boolean(bool value);

  Kind kind() const { return kind_; }
  const std::string& as_text() const { return text_; }
  Fixed as_number() const { return number_; }
  bool as_bool() const { return bool_; }

  // "null", "\"text\"", "12.5", "true": for messages.
  std::string describe() const;

  friend bool operator==(const FieldInput&, const FieldInput&) = default;

 private:
  Kind kind_ = Kind::kNull;
  std::string text_;
  Fixed number_;
  bool bool_ = false;
};

struct DataItem {
  std::string field{};  // a field name of the ticket's workflow
  FieldInput value{};

  friend bool operator==(const DataItem&, const DataItem&) = default;
};

struct Event {
  // When it happened, epoch seconds UTC. Absent: the engine's clock now().
  // (Every member has an initializer so that designated initializers may
  // leave any of them out without -Wmissing-field-initializers.)
  std::optional<std::int64_t> at{};
  std::string ticket{};  // the ticket id; for `create`, the id the new ticket gets
  std::string event{};   // `create`, `approve`, `reject`, or an event of the rules
  Actor actor{};
  std::vector<DataItem> data{};  // each field at most once
  // Set by senders that may deliver an event twice: a second event with the
  // same key for the same ticket is not applied again; the engine answers
  // with the first one's outcome.
  std::optional<std::string> idempotency_key{};
  // `create` only: the name of an installed workflow. Empty: the engine's
  // default workflow (the first one installed).
  std::string workflow{};
};

// "2026-11-23T09:00:00Z", "2026-11-23T17:00:00+08:00", "2026-11-23T09:00Z",
// "2026-11-23 09:00:00Z" or a plain date "2026-11-23" (midnight UTC), to
// epoch seconds. nullopt for anything else, including impossible dates,
// times without a UTC offset or Z, and fractions of a second. Offsets run
// from -23:59 to +23:59 (+08:00 or +0800); years have four digits.
std::optional<std::int64_t> parse_timestamp(std::string_view text);

// parse_timestamp, saying what is wrong when it refuses the text. Both are
// one reader, so they accept exactly the same texts. The error is a phrase
// to follow the name of what was read, without the text itself: a caller
// writes `at` + " " + error + ", got ...". One phrase per problem:
//   needs a UTC offset or Z, such as "2026-10-01T08:00:00+08:00"
//   has fractional seconds, which are refused: write whole seconds, such as "..."
//   has month 13, but months run from 01 to 12
//     (and so for the day, hour, minute, second, UTC offset and year)
//   must write its date as YYYY-MM-DD, such as 2026-11-23
//     (and so for the time, the T between them and the UTC offset)
//   must end after its UTC offset, such as "2026-11-23T09:00:00+08:00"
//   must be a timestamp such as "2026-11-23T09:00:00+08:00" (anything else)
Result<std::int64_t> read_timestamp(std::string_view text);

// "90s", "30m", "4h", "2d", "1w" and combinations ("1h30m"), as the rules
// write durations, to seconds. nullopt for anything else or on overflow.
std::optional<std::int64_t> parse_duration(std::string_view text);

}  // namespace docket::engine
