// A simulation profile: the synthetic load `docket simulate` drives through
// the rules (docs/simulation.md has every key with an example).
//
// A profile says when tickets arrive (per arrival stream: a rate for each
// hour of the day, multipliers per weekday), what they carry (the `create`
// data and the ticket's traits, values the later events send), how long each
// state takes and which event ends the stay there (weighted outcomes with
// their data), how many people of each department and role do the work, how
// long approvers take and how often they say no.
//
// The profile is plain data, independent of the rules: names of states,
// events, fields, departments and roles are checked against a workflow by
// the simulation (designer/simulation.h), which cites the profile position
// kept with each (`where`: "profile.toml:12:3").
//
// parse_profile() reads TOML (toml++ stays inside profile.cpp). Every error
// is "profile.toml:LINE:COL: message": syntax errors, unknown keys, values of
// the wrong type or out of range, each naming the key.

#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/event.h"
#include "engine/model/result.h"

namespace docket::designer {

// A random quantity: a duration in seconds (handling times, delays) or a
// plain number (a field value such as an order amount).
struct Distribution {
  enum class Kind : std::uint8_t { kFixed, kExponential, kLognormal, kUniform };
  Kind kind = Kind::kFixed;
  double first = 0;   // fixed: the value; exponential: the mean; lognormal: the median; uniform: min
  double second = 0;  // lognormal: sigma (of the underlying normal); uniform: max
};

// Draws from `distribution` by inverse-CDF with `u` uniform in [0, 1): the
// same result on every platform and standard library.
double sample(const Distribution& distribution, double u);

// How one field's value is chosen.
struct ValueSpec {
  enum class Kind : std::uint8_t {
    kLiteral,  // `literal`; text may contain `{ticket}` (replaced by the ticket id)
    kChoice,   // one of `choices`, by `weights`
    kDraw,     // a number from `draw`, rounded as the field's type needs
    kOffset,   // a timestamp `offset_seconds` from the simulated time (negative: before)
    kShareOf,  // a number: the value of field `share_of` times a share uniform in [share_min, share_max]
  };
  Kind kind = Kind::kLiteral;
  engine::FieldInput literal;
  std::vector<engine::FieldInput> choices;
  std::vector<double> weights;  // one per choice, > 0 in total
  Distribution draw;
  std::int64_t offset_seconds = 0;
  std::string share_of;
  double share_min = 0;
  double share_max = 0;
};

// One field and how its value is chosen; `where` is the key's position.
struct FieldSpec {
  std::string field;
  ValueSpec value;
  std::string where;
};

// A name the profile uses, with the position of where it was written.
struct NameAt {
  std::string name;
  std::string where;
};

// One stream of arriving tickets (`[[arrivals]]`).
struct ArrivalStream {
  std::string category;                                // a label for the stream (the report and docs use it)
  std::string where;                                   // position of the `[[arrivals]]` table
  std::array<double, 24> per_hour{};                   // tickets per hour at each local hour of the day
  std::array<double, 7> weekday{1, 1, 1, 1, 1, 1, 1};  // multipliers, Monday first
  NameAt created_by;                                   // the role of the `create` actor; empty name: no role
  std::vector<FieldSpec> fields;                       // the `create` data (`channel` included when given)
  std::vector<FieldSpec> traits;                       // drawn at arrival, sent by outcomes that name them
};

// One way a stay in a state ends (`[[states.NAME.outcomes]]`).
struct OutcomeSpec {
  NameAt event;
  double weight = 1;
  std::vector<FieldSpec> data;  // drawn when the event is sent
  std::vector<NameAt> traits;   // the ticket's traits sent with it
  NameAt by;                    // "role" or "department.role"; empty: chosen from the rules
  // The arrival streams (their `category`) whose tickets may draw this
  // outcome; empty: every stream. For events that fit one kind of ticket
  // only (a parcel trace for logistics cases), so that the others are not
  // sent an event the rules refuse.
  std::vector<NameAt> streams;
  // True: a ticket sends this outcome's event at most once (the buyer ships
  // the goods back once); after it was accepted the outcome is not drawn again.
  bool once = false;
  std::string where;
};

// What happens to a ticket resting in one state (`[states.NAME]`).
struct StateSpec {
  NameAt state;
  // True: the stay is the customer's response delay (no staff queue);
  // false: a member of the handling pool works on it for `time`.
  bool customer = false;
  Distribution time;
  NameAt by;  // the default for the outcomes' `by`
  std::vector<OutcomeSpec> outcomes;
};

// N people of one department and role (`[staff.DEPARTMENT] ROLE = N`).
struct StaffSpec {
  NameAt department;
  NameAt role;
  int people = 0;
};

// How approvers behave (`[approval]`, `[approval.chains.NAME]`).
struct ApprovalSpec {
  NameAt chain;  // empty name: the default for every chain
  Distribution delay{Distribution::Kind::kFixed, 3600, 0};
  double reject_share = 0;  // of votes, 0..1
};

struct Profile {
  std::string path;                     // as named in messages
  std::int64_t start = 0;               // epoch seconds
  std::int64_t utc_offset_seconds = 0;  // of `start`: local hours of the day follow it
  int days = 0;                         // arrivals during [start, start + days)
  std::int64_t drain_seconds = 0;       // run on after the last arrival, no new tickets
  std::uint64_t seed = 1;
  std::string ticket_prefix = "S-";
  int max_attempts = 3;  // tries of a rejected outcome before the ticket is left alone
  std::vector<ArrivalStream> arrivals;
  std::vector<StateSpec> states;
  std::vector<StaffSpec> staff;
  std::vector<ApprovalSpec> approvals;  // the default first, then per chain
  std::vector<NameAt> branch_states;    // `[report] branches`; empty: every branching state
};

// Parses a profile; `path` names it in messages. Errors are one or more
// lines "path:LINE:COL: message".
engine::Result<Profile> parse_profile(std::string_view text, const std::string& path);

// Reads and parses the file at `path`.
engine::Result<Profile> load_profile(const std::string& path);

}  // namespace docket::designer
