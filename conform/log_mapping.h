// How another system's log maps onto a rule file: which column is what, and
// how its names become the rules' states, events and values.
//
// A mapping file is TOML (docs/conformance.md has the full reference):
//
//   [log]
//   case = "number"                  # the case (ticket) id          required
//   state = "incident_state"         # a log of states ...    exactly one of
//   activity = "activity"            # ... or of activities   state, activity
//   time = "sys_updated_at"          #                               required
//   time_format = "%d-%m-%Y %H:%M"   # default: ISO 8601 (2016-02-29T01:16:00Z; a fraction
//                                    # of a second is dropped; no offset: a naive time)
//   time_zone = "Europe/Lisbon"      # of times without an offset; default UTC
//   order = "sys_mod_count"          # breaks ties between equal times (a number)
//   actor = "sys_updated_by"         # who made the change
//   roles = "role"                   # the actor's roles, separated by spaces or commas
//   missing = ["?", ""]              # cells that mean "no value" (this is the default)
//   format = "csv"                   # default: by the file name's extension
//
//   [states]                          # logged name = rule state
//   "Awaiting User Info" = "awaiting_caller"
//   [activities]                      # logged name = rule event
//   "Close ticket" = "confirmed"
//   [start]
//   states = ["active", "resolved"]   # where a trace may begin besides the initial state ("*": anywhere)
//   [fields]                          # rule field = column; guards and classifications read them
//   impact = "impact"
//   [check]                           # a recorded classification: target = column
//   priority = "priority"
//
// A logged name without an entry in [states] / [activities] maps to the rule
// state or event of the same name, else the one whose label it is, else the
// one it names once lower-cased with every run of other characters made one
// `_` ("Awaiting User Info" -> awaiting_user_info). A cell for a field is
// read as the field's type; an enum value may be written as its name or its
// label ("2 - Medium" for `2 "2 - Medium"`). The [check] column is compared
// the same way with the classification's result (a priority's name or label).
//
// Command-line options override the file (cli/conform.cpp).

#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "conform/log_reader.h"
#include "engine/model/result.h"

namespace docket::conform {

struct LogMapping {
  std::optional<LogFormat> format;  // nullopt: by the log's file name
  std::string case_column;
  std::string state_column;     // a state log, or
  std::string activity_column;  // an activity log
  std::string time_column;
  std::string time_format;  // empty: ISO 8601 with or without an offset
  std::string time_zone = "UTC";
  std::string order_column;  // optional
  std::string actor_column;  // optional
  std::string roles_column;  // optional
  std::vector<std::string> missing = {"?", ""};
  std::map<std::string, std::string> states;                // logged -> rule state
  std::map<std::string, std::string> activities;            // logged -> rule event
  std::vector<std::string> start_states;                    // besides the initial state; "*" for any
  std::vector<std::pair<std::string, std::string>> fields;  // rule field, column
  std::vector<std::pair<std::string, std::string>> checks;  // classification target, column

  bool logs_states() const { return !state_column.empty(); }
  // Every column the mapping reads, each once, in a fixed order.
  std::vector<std::string> columns() const;
  // "" when the mapping is complete; otherwise what is missing, as a
  // sentence ("the mapping names no case column (`case` in [log] or --case)").
  std::string incomplete() const;
};

// Parses a mapping file's text; errors are "map.toml:3:1: ...". Unknown
// tables and keys are errors ("did you mean").
engine::Result<LogMapping> parse_mapping(std::string_view text, std::string_view name);
engine::Result<LogMapping> load_mapping(const std::string& path);

// Times as a log writes them.
class TimeReader {
 public:
  // Fails for a format with a conversion other than %Y %m %d %H %M %S %z %%,
  // or a zone that cannot be loaded.
  static engine::Result<TimeReader> make(const std::string& format, const std::string& zone);
  struct Read {
    std::int64_t at = 0;  // epoch seconds UTC
    bool naive = false;   // the text had no offset: read in the mapping's zone
  };
  // nullopt when the text does not fit the format (or is an impossible date).
  std::optional<Read> read(std::string_view text) const;
  const std::string& zone() const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace docket::conform
