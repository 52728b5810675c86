// Conformance checking of a log the size of a real export: conform::check_log
// (conform/conformance.h, what `docket conform` runs) of a generated
// ServiceNow incident audit log against
// examples/conformance/servicenow_incident.docket with
// examples/conformance/servicenow.map.toml, against conform::read_log of the
// same file alone (the mapping's columns wanted, nothing done with the rows):
// the cost of reading the CSV that any check pays.
//
// The log is written into a temporary folder before anything is measured: N
// rows (1,000,000; --quick 100,000) in the 36 columns of the UCI "Incident
// management process enriched event log" and its value styles (INC0000001,
// "Awaiting User Info", "2 - Medium", "Opened by  8", 29-02-2016 01:23, a
// sys_mod_count per incident), one incident after another as the export
// lists them, about 6.8 rows per incident. Paths follow the sample of that
// log: mostly what the rules allow (New -> Resolved -> Closed, New -> Active
// -> Resolved -> Closed, starts in Active or Resolved as a cut log has, waits
// for the user, reopenings), closings 5 days after the resolution, 8% of
// the rows in the same minute as the row before; and what breaks the rules
// in about 3% of the incidents: first-contact resolution of a priority
// 1 or 2 incident (guard), closed less than 5 days after the resolution
// (early), New -> Closed, Active -> New, Resolved -> New (move), a trace that
// begins in Closed (start). The instance's priority lookup gives "4 - Low"
// for impact 3 x urgency 3 where the rules give P5 (classification), as in
// the sample. A few incidents have two updates whose sys_mod_count runs
// against their times. Deterministic: a fixed seed, the same file every run.
//
// The generator keeps what the check must find; the run fails (exit 1) when
// the check errs or its figures differ: rows, traces, fitting traces, moves,
// deviations by kind, classifications, time ties, order disagreements.
//
// Figures: rows/s of the check against rows/s of the read alone; seconds per
// 10^6 rows (the same ratio) and against the goal (well under a minute);
// peak RSS and bytes per row held against the CSV's bytes per row.
//
//   bench_conform [--quick] [--rows N] [--dir DIR]    DIR: where the log goes

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "conform/conformance.h"
#include "conform/log_mapping.h"
#include "conform/log_reader.h"
#include "engine/model/text.h"

namespace docket::bench {
namespace {

using Clock = std::chrono::steady_clock;
using conform::DeviationKind;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// splitmix64: the same numbers on every machine and standard library.
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // lo .. hi, both included.
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(hi - lo + 1));
  }
  // Per mille.
  bool chance(int per_mille) { return next() % 1000 < static_cast<std::uint64_t>(per_mille); }
  // An index into `weights`, drawn by weight.
  std::size_t pick(std::initializer_list<int> weights) {
    int total = 0;
    for (int weight : weights) total += weight;
    auto draw = static_cast<int>(next() % static_cast<std::uint64_t>(total));
    std::size_t index = 0;
    for (int weight : weights) {
      if (draw < weight) return index;
      draw -= weight;
      ++index;
    }
    return index - 1;
  }

 private:
  std::uint64_t state_;
};

// The states as the instance logs them (the rules' labels).
enum State : std::uint8_t { kNew, kActive, kUserInfo, kProblem, kVendor, kEvidence, kResolved, kClosed };
constexpr std::array<const char*, 8> kStateLabels = {
    "New",      "Active", "Awaiting User Info", "Awaiting Problem", "Awaiting Vendor", "Awaiting Evidence",
    "Resolved", "Closed"};

bool awaiting(State state) { return state >= kUserInfo && state <= kEvidence; }

// What servicenow_incident.docket allows, as this benchmark expects the check
// to read it (the mapping's [start] states besides the initial one).
bool may_start(State state) { return state != kClosed; }
bool rules_move(State from, State to) {
  if (from == kNew) return to == kActive || to == kUserInfo || to == kProblem || to == kResolved;
  if (from == kActive) return awaiting(to) || to == kResolved;
  if (awaiting(from)) return to == kActive || to == kResolved || awaiting(to);
  if (from == kResolved) return to == kActive || to == kClosed;  // reopened; after 5d
  return false;
}
constexpr std::int64_t kCloseAfterMinutes = 5 * 24 * 60;

constexpr std::array<const char*, 3> kLevels = {"1 - High", "2 - Medium", "3 - Low"};
// The instance's priority lookup (impact rows, urgency columns). The rules
// give "5 - Planning" for 3 x 3; the sample's instance logs "4 - Low".
constexpr const char* kLoggedPriority[3][3] = {{"1 - Critical", "2 - High", "3 - Moderate"},
                                               {"2 - High", "3 - Moderate", "4 - Low"},
                                               {"3 - Moderate", "4 - Low", "4 - Low"}};
bool rules_agree(int impact, int urgency) { return !(impact == 2 && urgency == 2); }  // 0-based 3 x 3

// What the check must report, counted while the log is written.
struct Expected {
  std::size_t rows = 0;
  std::size_t traces = 0;
  std::size_t fitting = 0;
  std::size_t moves = 0;
  std::size_t allowed_moves = 0;
  std::array<std::size_t, conform::kDeviationKinds> by_kind{};
  std::size_t classified = 0;
  std::size_t agreeing = 0;
  std::size_t time_ties = 0;
  std::size_t order_disagreements = 0;
  std::uint64_t bytes = 0;
};

struct Update {
  State state;
  std::int64_t minute;  // since the epoch, UTC
  std::int64_t mod;     // sys_mod_count
};

// Writes the log: incidents one after another until `rows` rows.
class LogWriter {
 public:
  LogWriter(const std::string& path, std::size_t rows) : rows_(rows), random_(20160229) {
    file_ = std::fopen(path.c_str(), "wb");
    if (file_ == nullptr) die("cannot write " + path);
  }
  ~LogWriter() {
    if (file_ != nullptr) std::fclose(file_);
  }
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  Expected write() {
    buffer_ =
        "number,incident_state,active,reassignment_count,reopen_count,sys_mod_count,made_sla,caller_id,opened_by,"
        "opened_at,sys_created_by,sys_created_at,sys_updated_by,sys_updated_at,contact_type,location,category,"
        "subcategory,u_symptom,cmdb_ci,impact,urgency,priority,assignment_group,assigned_to,knowledge,"
        "u_priority_confirmation,notify,problem_id,rfc,vendor,caused_by,closed_code,resolved_by,resolved_at,"
        "closed_at\n";
    // 29-02-2016 00:00 UTC, the sample's first day.
    std::int64_t opened = std::chrono::duration_cast<std::chrono::minutes>(
                              std::chrono::sys_days{std::chrono::year{2016} / 2 / 29}.time_since_epoch())
                              .count();
    while (expected_.rows < rows_) {
      opened += random_.between(0, 6);
      incident(opened);
    }
    flush();
    if (std::fclose(file_) != 0) die("cannot write the log");
    file_ = nullptr;
    return expected_;
  }

 private:
  // The states an incident goes through, in the proportions of the sample,
  // with a deviation now and then.
  std::vector<State> path(bool& early_close) {
    early_close = false;
    int deviation = random_.between(0, 999);
    if (deviation < 3) return {kClosed};                                                      // start
    if (deviation < 6) return {kNew, kClosed};                                                // move
    if (deviation < 8) return {kNew, kActive, kResolved, kNew, kActive, kResolved, kClosed};  // move
    if (deviation < 10) return {kActive, kNew, kActive, kResolved, kClosed};                  // move
    std::vector<State> states;
    switch (random_.pick({250, 230, 130, 85, 85, 75, 33, 25, 87})) {
      case 0:
        states = {kNew, kResolved, kClosed};
        break;
      case 1:
        states = {kNew, kActive, kResolved, kClosed};
        break;
      case 2:
        states = {kActive, kResolved, kClosed};
        break;
      case 3:
        states = {kNew, kActive, kUserInfo, kResolved, kClosed};
        break;
      case 4:
        states = {kActive, kUserInfo, kResolved, kClosed};
        break;
      case 5:
        states = {kNew, kUserInfo, kResolved, kClosed};
        break;
      case 6:
        states = {kResolved, kClosed};
        break;
      case 7:
        states = {kNew, kActive, kUserInfo, kActive, kResolved, kClosed};
        break;
      default:
        states = walk();
        break;
    }
    early_close = deviation < 14;
    return states;
  }

  // A longer way through the rules: waits of every kind, reopenings.
  std::vector<State> walk() {
    std::vector<State> states = {random_.chance(700) ? kNew : kActive};
    while (states.size() < 10) {
      State at = states.back();
      State next = kResolved;
      if (at == kNew) {
        next = std::array{kActive, kUserInfo, kProblem, kResolved}[random_.pick({50, 25, 10, 15})];
      } else if (at == kActive) {
        next = std::array{kUserInfo, kProblem, kVendor, kResolved}[random_.pick({45, 15, 5, 35})];
      } else if (awaiting(at)) {
        next =
            std::array{kActive, kResolved, kUserInfo, kProblem, kVendor, kEvidence}[random_.pick({45, 35, 8, 6, 4, 2})];
        if (next == at) next = kActive;
      } else if (at == kResolved) {
        if (!random_.chance(150)) break;
        next = kActive;
      }
      states.push_back(next);
    }
    if (states.back() != kResolved) states.push_back(kResolved);
    states.push_back(kClosed);
    return states;
  }

  std::int64_t gap_within_state() {
    switch (random_.pick({16, 28, 56})) {
      case 0:
        return 0;
      case 1:
        return random_.between(1, 30);
      default:
        return random_.between(30, 600);
    }
  }

  std::int64_t gap_between_states() {
    switch (random_.pick({5, 25, 35, 35})) {
      case 0:
        return 0;
      case 1:
        return random_.between(1, 30);
      case 2:
        return random_.between(30, 600);
      default:
        return random_.between(600, 10000);
    }
  }

  void incident(std::int64_t opened) {
    // Impact and urgency, in the sample's proportions.
    std::size_t level = random_.pick({840, 67, 24, 22, 17, 15, 14, 1});
    constexpr int kImpact[] = {1, 2, 0, 0, 1, 1, 2, 2};
    constexpr int kUrgency[] = {1, 2, 0, 1, 0, 2, 1, 0};
    impact_ = kImpact[level];
    urgency_ = kUrgency[level];
    bool early_close = false;
    std::vector<State> states = path(early_close);
    std::vector<Update> updates;
    std::int64_t minute = opened + random_.between(0, 30);
    std::int64_t mod = random_.chance(10) ? random_.between(1, 7) : 0;
    std::int64_t resolved_at = -1;
    for (std::size_t i = 0; i < states.size(); ++i) {
      State state = states[i];
      if (i > 0) {
        if (states[i - 1] == kResolved && state == kClosed) {
          minute = early_close ? resolved_at + random_.between(2 * 1440, 4 * 1440 + 720)
                               : resolved_at + kCloseAfterMinutes +
                                     (random_.chance(800) ? random_.between(0, 60) : random_.between(60, 14400));
        } else {
          minute += gap_between_states();
        }
      }
      if (state == kResolved) resolved_at = minute;
      // Rows per stay as in the sample: one for Closed, one or two for
      // Resolved (within 10 hours, well before any closing), 2.6 on average
      // for the others.
      int count = 1;
      if (state == kResolved) {
        count += static_cast<int>(random_.pick({97, 3}));
      } else if (state != kClosed) {
        count += static_cast<int>(random_.pick({35, 27, 15, 8, 6, 3, 2, 4}));
      }
      for (int k = 0; k < count; ++k) {
        if (k > 0) minute += gap_within_state();
        updates.push_back({state, minute, mod++});
      }
    }
    // An incident still open when the export was taken fills the last rows.
    std::size_t left = rows_ - expected_.rows;
    if (updates.size() > left) {
      updates.resize(left);
      for (Update& update : updates) update.state = kNew;
      resolved_at = -1;
    }
    // Two updates whose counter runs against their times, inside one state
    // and after its first row: the path and the times states were entered
    // stay the same whichever order the check takes.
    if (random_.chance(5)) {
      for (std::size_t i = 1; i + 1 < updates.size(); ++i) {
        if (updates[i - 1].state == updates[i].state && updates[i].state == updates[i + 1].state &&
            updates[i].minute < updates[i + 1].minute) {
          std::swap(updates[i].mod, updates[i + 1].mod);
          ++expected_.order_disagreements;
          break;
        }
      }
    }
    expect(updates);
    write_rows(updates, opened, resolved_at);
  }

  void expect(const std::vector<Update>& updates) {
    ++expected_.traces;
    expected_.rows += updates.size();
    bool fits = true;
    auto deviate = [&](DeviationKind kind) {
      ++expected_.by_kind[static_cast<std::size_t>(kind)];
      fits = false;
    };
    if (!may_start(updates.front().state)) deviate(DeviationKind::kStart);
    std::int64_t entered = updates.front().minute;
    for (std::size_t i = 1; i < updates.size(); ++i) {
      const Update& before = updates[i - 1];
      const Update& now = updates[i];
      if (now.minute == before.minute) ++expected_.time_ties;
      if (now.state == before.state) continue;
      ++expected_.moves;
      if (!rules_move(before.state, now.state)) {
        deviate(DeviationKind::kMove);
      } else if (before.state == kNew && now.state == kResolved && (impact_ == 0 || urgency_ == 0)) {
        deviate(DeviationKind::kGuard);
      } else if (before.state == kResolved && now.state == kClosed && now.minute - entered < kCloseAfterMinutes) {
        deviate(DeviationKind::kEarly);
      } else {
        ++expected_.allowed_moves;
      }
      entered = now.minute;
    }
    if (fits) ++expected_.fitting;
    expected_.classified += updates.size();
    if (rules_agree(impact_, urgency_)) {
      expected_.agreeing += updates.size();
    } else {
      ++expected_.by_kind[static_cast<std::size_t>(DeviationKind::kClassification)];
    }
  }

  // ------------------------------------------------------------ rows

  void write_rows(const std::vector<Update>& updates, std::int64_t opened, std::int64_t resolved_at) {
    // What stays the same over an incident's rows (the export repeats the
    // incident's record on every update).
    std::string number = "INC" + padded(++incidents_, 7);
    std::string caller = "Caller " + std::to_string(random_.between(1, 5500));
    std::string opened_by = random_.chance(110) ? "?" : "Opened by  " + std::to_string(random_.between(1, 200));
    bool created_known = !random_.chance(270);
    std::string created_by = created_known ? "Created by " + std::to_string(random_.between(1, 180)) : "?";
    std::string created_at = created_known ? time_text(opened + random_.between(0, 10)) : "?";
    std::string location = "Location " + std::to_string(random_.between(1, 230));
    std::string category = "Category " + std::to_string(random_.between(1, 60));
    std::string subcategory = "Subcategory " + std::to_string(random_.between(1, 280));
    std::string symptom = random_.chance(280) ? "?" : "Symptom " + std::to_string(random_.between(1, 600));
    std::string ci = random_.chance(990) ? "?" : "cmdb_ci " + std::to_string(random_.between(1, 40));
    std::string group = random_.chance(20) ? "?" : "Group " + std::to_string(random_.between(1, 80));
    std::string resolver = "Resolver " + std::to_string(random_.between(1, 250));
    std::string problem = random_.chance(950) ? "?" : "Problem ID  " + std::to_string(random_.between(1, 30));
    std::string rfc =
        random_.chance(970) ? "?" : "CHG" + padded(static_cast<std::uint64_t>(random_.between(1, 5000)), 7);
    std::string caused_by =
        random_.chance(997) ? "?" : "CHG" + padded(static_cast<std::uint64_t>(random_.between(1, 500)), 7);
    std::string closed_code = "code " + std::to_string(random_.between(1, 17));
    std::string resolved_by = "Resolved by " + std::to_string(random_.between(1, 250));
    std::string resolved = resolved_at >= 0 ? time_text(resolved_at) : "?";
    std::string closed = updates.back().state == kClosed ? time_text(updates.back().minute) : "?";
    const char* made_sla = random_.chance(930) ? "TRUE" : "FALSE";
    const char* knowledge = random_.chance(990) ? "TRUE" : "FALSE";
    const char* confirmed = random_.chance(920) ? "FALSE" : "TRUE";
    const char* impact = kLevels[impact_];
    const char* urgency = kLevels[urgency_];
    const char* priority = kLoggedPriority[impact_][urgency_];

    int reassignments = 0;
    int reopenings = 0;
    for (std::size_t i = 0; i < updates.size(); ++i) {
      const Update& update = updates[i];
      if (i > 0 && updates[i - 1].state == kResolved && update.state == kActive) ++reopenings;
      if (i > 0 && random_.chance(150)) ++reassignments;
      bool closing = update.state == kClosed;
      std::string& row = buffer_;
      std::size_t start = row.size();
      row += number;
      field(kStateLabels[update.state]);
      field(closing ? "FALSE" : "TRUE");
      field(std::to_string(reassignments));
      field(std::to_string(reopenings));
      field(std::to_string(update.mod));
      field(made_sla);
      field(caller);
      field(opened_by);
      field(time_text(opened));
      field(created_by);
      field(created_at);
      field(closing ? std::string("Updated by 908") : "Updated by " + std::to_string(random_.between(1, 1000)));
      field(time_text(update.minute));
      field("Phone");
      field(location);
      field(category);
      field(subcategory);
      field(symptom);
      field(ci);
      field(impact);
      field(urgency);
      field(priority);
      field(group);
      field(update.state == kNew && random_.chance(600) ? std::string("?") : resolver);
      field(knowledge);
      field(confirmed);
      field("Do Not Notify");
      field(problem);
      field(rfc);
      field("?");
      field(caused_by);
      field(closed_code);
      field(resolved_by);
      field(resolved);
      field(closed);
      row += '\n';
      expected_.bytes += row.size() - start;
      if (buffer_.size() > (1u << 20)) flush();
    }
  }

  void field(std::string_view text) {
    buffer_ += ',';
    buffer_ += text;
  }

  static std::string padded(std::uint64_t number, std::size_t width) {
    std::string digits = std::to_string(number);
    return std::string(width > digits.size() ? width - digits.size() : 0, '0') + digits;
  }

  // 29-02-2016 01:23
  static std::string time_text(std::int64_t minute) {
    using namespace std::chrono;
    std::int64_t day = minute >= 0 ? minute / 1440 : (minute - 1439) / 1440;
    std::int64_t of_day = minute - day * 1440;
    year_month_day date{sys_days{days{day}}};
    char text[24];
    std::snprintf(text, sizeof text, "%02u-%02u-%04d %02d:%02d", static_cast<unsigned>(date.day()),
                  static_cast<unsigned>(date.month()), static_cast<int>(date.year()), static_cast<int>(of_day / 60),
                  static_cast<int>(of_day % 60));
    return text;
  }

  void flush() {
    if (!buffer_.empty() && std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
      die("cannot write the log: " + error_text(errno));
    }
    buffer_.clear();
  }

  std::size_t rows_;
  Random random_;
  std::FILE* file_ = nullptr;
  std::string buffer_;
  Expected expected_;
  std::uint64_t incidents_ = 0;
  int impact_ = 1;  // of the incident being written, 0-based: 1 is "2 - Medium"
  int urgency_ = 1;
};

// Fails the run when the check's figures are not those of the log written.
void verify(const conform::ConformanceResult& result, const Expected& expected) {
  std::vector<std::string> wrong;
  auto same = [&](const std::string& what, std::size_t got, std::size_t want) {
    if (got != want) wrong.push_back(what + ": " + std::to_string(got) + ", expected " + std::to_string(want));
  };
  same("rows", result.quality.rows, expected.rows);
  same("skipped rows", result.quality.skipped_rows, 0);
  same("traces", result.traces, expected.traces);
  same("traces listed", result.traces_checked.size(), expected.traces);
  same("fitting traces", result.fitting_traces, expected.fitting);
  same("moves", result.moves, expected.moves);
  same("allowed moves", result.allowed_moves, expected.allowed_moves);
  for (std::size_t kind = 0; kind < conform::kDeviationKinds; ++kind) {
    same(std::string("deviations `") + conform::to_string(static_cast<DeviationKind>(kind)) + "`",
         result.deviations_by_kind[kind], expected.by_kind[kind]);
  }
  if (result.classifications.size() != 1) {
    wrong.push_back("classifications: " + std::to_string(result.classifications.size()) + ", expected 1");
  } else {
    same("priorities checked", result.classifications[0].checked, expected.classified);
    same("priorities agreeing", result.classifications[0].agreeing, expected.agreeing);
  }
  same("time ties", result.quality.time_ties, expected.time_ties);
  same("order disagreements", result.quality.order_disagreements, expected.order_disagreements);
  same("duplicate order keys", result.quality.duplicate_order_keys, 0);
  same("order-sensitive traces", result.quality.order_sensitive_traces, 0);
  same("naive times", result.quality.naive_times, expected.rows);
  same("unknown states", result.quality.unknown_states.size(), 0);
  if (!wrong.empty()) die("check_log's figures differ from the log written:\n  " + engine::join(wrong, "\n  "));
}

}  // namespace
}  // namespace docket::bench

int main(int argc, char** argv) {
  using namespace docket::bench;
  namespace conform = docket::conform;
  namespace engine = docket::engine;
  bool quick = take_quick_flag(argc, argv);
  std::size_t rows = quick ? 100'000 : 1'000'000;
  std::string dir = std::filesystem::temp_directory_path().string();
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string_view(argv[i]) == "--rows") rows = std::stoull(argv[i + 1]);
    if (std::string_view(argv[i]) == "--dir") dir = argv[i + 1];
  }
  if (rows == 0) die("--rows must be at least 1");
  int repeat = quick ? 2 : 5;

  std::string examples = source_dir() + "/examples/conformance/";
  std::shared_ptr<const engine::Workflow> workflow = compile_file(examples + "servicenow_incident.docket");
  engine::Result<conform::LogMapping> mapping = conform::load_mapping(examples + "servicenow.map.toml");
  if (!mapping) die(mapping.error());

  ScratchDir scratch(dir);
  std::string path = scratch.path() + "/servicenow-incidents.csv";
  Clock::time_point start = Clock::now();
  Expected expected = LogWriter(path, rows).write();
  std::fprintf(stderr,
               "bench_conform: %zu rows, %zu incidents, %.1f MB written in %.1f s; expected: %zu fitting, %zu moves "
               "(%zu allowed), %zu time ties, %zu order disagreements\n",
               expected.rows, expected.traces, static_cast<double>(expected.bytes) / 1e6, seconds_since(start),
               expected.fitting, expected.moves, expected.allowed_moves, expected.time_ties,
               expected.order_disagreements);

  // The baseline: the same file read alone, the mapping's columns wanted.
  std::vector<std::string> columns = mapping->columns();
  double read_seconds = 1e300;
  std::string read_rounds;
  for (int round = 0; round < repeat; ++round) {
    std::uint64_t read_rows = 0;
    std::uint64_t cell_bytes = 0;
    start = Clock::now();
    engine::Status read = conform::read_log(path, conform::LogFormat::kCsv, columns, [&](const conform::LogRow& row) {
      ++read_rows;
      for (const std::optional<std::string_view>& cell : row.cells) cell_bytes += cell ? cell->size() : 0;
      return true;
    });
    double seconds = seconds_since(start);
    read_seconds = std::min(read_seconds, seconds);
    read_rounds.append(1, ' ').append(format_number(seconds));
    if (!read) die(read.error());
    if (read_rows != expected.rows || cell_bytes == 0) {
      die("read_log gave " + std::to_string(read_rows) + " rows of " + std::to_string(expected.rows));
    }
  }
  double read_peak = peak_rss_bytes() / 1e6;

  // The check, as `docket conform` runs it.
  std::uint64_t rss_before = current_rss_bytes();
  std::uint64_t check_peak = 0;
  double check_seconds = 1e300;
  std::string check_rounds;
  for (int round = 0; round < repeat; ++round) {
    start = Clock::now();
    engine::Result<conform::ConformanceResult> result = conform::check_log(*workflow, mapping.value(), path);
    double seconds = seconds_since(start);
    if (!result) die("check_log: " + result.error());
    check_seconds = std::min(check_seconds, seconds);
    check_rounds.append(1, ' ').append(format_number(seconds));
    check_peak = std::max(check_peak, peak_rss_bytes());
    verify(result.value(), expected);
    if (round == 0) {
      std::fprintf(stderr,
                   "bench_conform: %zu traces, log fitness %.4f, move fitness %.4f, %zu variants, %zu traces "
                   "kept with their rows\n",
                   result->traces, result->log_fitness(), result->move_fitness(), result->variants.size(),
                   result->traces_kept);
    }
  }
  // The first check is what a `docket conform` process pays: its heap is new.
  std::fprintf(stderr, "bench_conform: seconds per run: read alone%s, check%s (the figures take the fastest)\n",
               read_rounds.c_str(), check_rounds.c_str());

  double n = static_cast<double>(expected.rows);
  Figure check{
      "conform: check_log, " + std::to_string(expected.rows) + " rows, " + std::to_string(expected.traces) + " traces",
      n / check_seconds,
      "rows/s",
      "read_log alone, same CSV",
      n / read_seconds,
      "rows/s",
      ""};
  print_figure(check);
  Figure million{
      "  seconds per 10^6 rows", check_seconds * 1e6 / n, "s", "read_log alone", read_seconds * 1e6 / n, "s", ""};
  print_figure(million);
  Figure goal{
      "  10^6 rows against the goal", check_seconds * 1e6 / n, "s", "the goal: under a minute", 60, "s", "<= 0.5x"};
  goal.met = goal.value <= 0.5 * goal.baseline_value;
  print_figure(goal);
  Figure peak{"  peak RSS", static_cast<double>(check_peak) / 1e6, "MB", "peak reading alone", read_peak, "MB", ""};
  print_figure(peak);
  double held = check_peak > rss_before ? static_cast<double>(check_peak - rss_before) / n : 0;
  Figure per_row{
      "  bytes held per row", held, "B", "CSV bytes per row", static_cast<double>(expected.bytes) / n, "B", ""};
  print_figure(per_row);
  return 0;
}
