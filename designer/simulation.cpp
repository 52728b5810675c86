#include "designer/simulation.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <queue>
#include <span>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/model/expr.h"
#include "engine/runtime/clock.h"
#include "engine/runtime/engine.h"
#include "engine/runtime/ticket.h"

namespace docket::designer {

using engine::DepartmentIndex;
using engine::FieldIndex;
using engine::kNoIndex;
using engine::RoleIndex;
using engine::StateIndex;
using engine::Workflow;

namespace {

// ---------------------------------------------------------------- random streams

std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

std::uint64_t hash_text(std::string_view text) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001B3ULL;
  return h;
}

// What a stream is for; part of its seed so that no two streams share one.
enum class Purpose : std::uint64_t { kArrivals = 1, kTicket = 2, kStay = 3, kStayData = 4, kVote = 5 };

std::uint64_t stream_seed(std::uint64_t seed, Purpose purpose, std::uint64_t a, std::uint64_t b = 0,
                          std::uint64_t c = 0, std::uint64_t d = 0) {
  std::uint64_t h = mix(seed ^ mix(static_cast<std::uint64_t>(purpose)));
  for (std::uint64_t part : {a, b, c, d}) h = mix(h ^ part);
  return h;
}

// SplitMix64 (Steele, Lea, Flood 2014): a tiny, exactly specified generator
// that is cheap to seed, since the simulation opens a stream per stay. Its
// output is turned into doubles here (the std:: distributions are not
// portable across standard libraries).
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  // Uniform in [0, 1).
  double uniform() {
    state_ += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) * (1.0 / 9007199254740992.0);
  }
  std::size_t pick(const std::vector<double>& weights) {
    double total = 0;
    for (double w : weights) total += w;
    double x = uniform() * total;
    for (std::size_t i = 0; i < weights.size(); ++i) {
      if (x < weights[i]) return i;
      x -= weights[i];
    }
    for (std::size_t i = weights.size(); i > 0; --i) {
      if (weights[i - 1] > 0) return i - 1;
    }
    return 0;
  }

 private:
  std::uint64_t state_;
};

std::int64_t floor_mod(std::int64_t a, std::int64_t b) { return ((a % b) + b) % b; }
std::int64_t floor_div(std::int64_t a, std::int64_t b) { return (a - floor_mod(a, b)) / b; }

std::int64_t seconds_of(double value) {
  if (!(value > 0)) return 0;
  return value > 1e12 ? static_cast<std::int64_t>(1e12) : static_cast<std::int64_t>(std::llround(value));
}

// ---------------------------------------------------------------- the profile, resolved

struct Who {
  DepartmentIndex department = kNoIndex;  // kNoIndex: the ticket's
  RoleIndex role = kNoIndex;              // kNoIndex: from the rules
};

class Checker {
 public:
  Checker(const Profile& profile, const Workflow& workflow) : profile_(profile), w_(workflow) {}

  void error(const std::string& where, const std::string& message) { errors_.push_back(where + ": " + message); }

  std::optional<FieldIndex> field(const FieldSpec& spec) {
    std::optional<FieldIndex> index = w_.find_field(spec.field);
    if (!index) {
      error(spec.where, "`" + spec.field + "` is not a field of " + w_.name());
      return std::nullopt;
    }
    const engine::Field& f = w_.fields()[*index];
    auto check = [&](const engine::FieldInput& input) {
      engine::Result<engine::Value> value = engine::field_value(w_, *index, input);
      if (!value) error(spec.where, value.error());
    };
    switch (spec.value.kind) {
      case ValueSpec::Kind::kLiteral:
        check(spec.value.literal);
        break;
      case ValueSpec::Kind::kChoice:
        for (const engine::FieldInput& choice : spec.value.choices) check(choice);
        break;
      case ValueSpec::Kind::kDraw:
      case ValueSpec::Kind::kShareOf:
        if (f.type != engine::FieldType::kInt && f.type != engine::FieldType::kDecimal &&
            f.type != engine::FieldType::kMoney && f.type != engine::FieldType::kDuration) {
          error(spec.where, "`" + spec.field + "` is a " + engine::to_string(f.type) + " field: a drawn number " +
                                "fits int, decimal, money or duration fields");
        }
        if (spec.value.kind == ValueSpec::Kind::kShareOf && !w_.find_field(spec.value.share_of)) {
          error(spec.where, "share_of: `" + spec.value.share_of + "` is not a field of " + w_.name());
        }
        break;
      case ValueSpec::Kind::kOffset:
        if (f.type != engine::FieldType::kTimestamp) {
          error(spec.where,
                "`" + spec.field + "` is a " + engine::to_string(f.type) + " field: `offset` gives " + "timestamps");
        }
        break;
    }
    return index;
  }

  // "role" or "department.role".
  Who who(const NameAt& by) {
    Who result;
    if (by.name.empty()) return result;
    std::string role = by.name;
    if (std::size_t dot = by.name.find('.'); dot != std::string::npos) {
      std::string department = by.name.substr(0, dot);
      role = by.name.substr(dot + 1);
      std::optional<DepartmentIndex> d = w_.find_department(department);
      if (!d) {
        error(by.where, "`" + department + "` is not a department of " + w_.name());
        return result;
      }
      result.department = *d;
    }
    std::optional<RoleIndex> r = w_.find_role(role);
    if (!r) {
      error(by.where, "`" + role + "` is not a role of " + w_.name());
      return Who{};
    }
    result.role = *r;
    if (result.department != kNoIndex) {
      const std::vector<RoleIndex>& roles = w_.departments()[result.department].roles;
      if (std::find(roles.begin(), roles.end(), *r) == roles.end()) {
        error(by.where, "department `" + w_.departments()[result.department].name + "` has no role `" + role + "`");
        return Who{};
      }
    }
    return result;
  }

  engine::Status run() {
    std::vector<std::string> trait_names;
    for (const ArrivalStream& stream : profile_.arrivals) {
      for (const FieldSpec& spec : stream.fields) field(spec);
      for (const FieldSpec& spec : stream.traits) {
        field(spec);
        trait_names.push_back(spec.field);
      }
      if (!stream.created_by.name.empty()) who(stream.created_by);
    }
    for (const StateSpec& state : profile_.states) {
      std::optional<StateIndex> s = w_.find_state(state.state.name);
      if (!s) {
        error(state.state.where, "`" + state.state.name + "` is not a state of " + w_.name());
        continue;
      }
      if (w_.is_final(*s)) error(state.state.where, "`" + state.state.name + "` is a final state: nothing leaves it");
      if (w_.states()[*s].awaits_approval) {
        error(state.state.where, "`" + state.state.name + "` awaits approval: the approvers' delays are set in " +
                                     "[approval], not in [states]");
      }
      who(state.by);
      for (const OutcomeSpec& outcome : state.outcomes) {
        std::optional<engine::EventId> event = w_.find_event(outcome.event.name);
        if (!event || w_.candidates(*s, *event).empty()) {
          std::string handled;
          for (engine::TransitionIndex t : w_.transitions_from(*s)) {
            const engine::Transition& transition = w_.transitions()[t];
            if (transition.automatic()) continue;
            const std::string& name = w_.events()[transition.event];
            if (handled.find("`" + name + "`") == std::string::npos) {
              handled += (handled.empty() ? "" : ", ") + ("`" + name + "`");
            }
          }
          error(outcome.event.where, "state `" + state.state.name + "` has no transition on `" + outcome.event.name +
                                         "`" + (handled.empty() ? "" : " (it handles " + handled + ")"));
        }
        for (const FieldSpec& spec : outcome.data) field(spec);
        for (const NameAt& trait : outcome.traits) {
          if (std::find(trait_names.begin(), trait_names.end(), trait.name) == trait_names.end()) {
            error(trait.where, "no arrival stream has a trait `" + trait.name + "`");
          }
        }
        for (const NameAt& stream : outcome.streams) {
          bool known = false;
          for (const ArrivalStream& arrival : profile_.arrivals) known = known || arrival.category == stream.name;
          if (!known) error(stream.where, "no arrival stream has the category `" + stream.name + "`");
        }
        who(outcome.by);
      }
    }
    for (const StaffSpec& staff : profile_.staff)
      who(NameAt{staff.department.name + "." + staff.role.name, staff.role.where});
    for (const ApprovalSpec& approval : profile_.approvals) {
      if (!approval.chain.name.empty() && !w_.find_chain(approval.chain.name)) {
        error(approval.chain.where, "`" + approval.chain.name + "` is not an approval chain of " + w_.name());
      }
    }
    for (const NameAt& state : profile_.branch_states) {
      if (!w_.find_state(state.name)) error(state.where, "`" + state.name + "` is not a state of " + w_.name());
    }
    if (errors_.empty()) return engine::Status::success();
    std::string joined;
    for (const std::string& line : errors_) joined += (joined.empty() ? "" : "\n") + line;
    return engine::Status::failure(joined);
  }

 private:
  const Profile& profile_;
  const Workflow& w_;
  std::vector<std::string> errors_;
};

// ---------------------------------------------------------------- the run

// Forwards units to the caller's sink, then records to the report, and notes
// which tickets moved to another state, or re-entered one. Whole units pass
// on, so that a store behind the tap keeps the tickets with their records; a
// unit the caller's sink refuses reaches nothing else, as the engine drops it.
class Tap final : public engine::JournalSink {
 public:
  Tap(ReportBuilder& report, engine::JournalSink* also) : report_(report), also_(also) {}

  engine::Status write(std::span<const engine::Record> records) override {
    return commit(engine::Unit{records, nullptr});
  }

  engine::Status commit(const engine::Unit& unit) override {
    if (also_ != nullptr) {
      if (engine::Status status = also_->commit(unit); !status) return status;
    }
    for (const engine::Record& r : unit.records) {
      if (r.kind == engine::RecordKind::kTransition || r.kind == engine::RecordKind::kMigration ||
          (r.kind == engine::RecordKind::kTimer && r.to != r.from)) {
        moved.push_back(r.ticket);
      }
    }
    return report_.write(unit.records);
  }

  std::vector<std::string> moved;

 private:
  ReportBuilder& report_;
  engine::JournalSink* also_;
};

struct Arrival {
  std::int64_t at = 0;
  std::uint32_t stream = 0;
  std::uint64_t sequence = 0;
};

struct Waiting {
  std::uint32_t ticket = 0;
  std::uint64_t token = 0;
  std::int64_t since = 0;
  std::int64_t duration = 0;
};

struct Pool {
  DepartmentIndex department = kNoIndex;
  RoleIndex role = kNoIndex;
  std::string name;  // "tech.engineer"
  int people = 0;    // 0: no limit
  std::vector<std::uint8_t> busy;
  std::deque<Waiting> queue;
  std::int64_t busy_seconds = 0;
  std::vector<std::int64_t> waits;
  std::size_t longest_queue = 0;
};

struct SimTicket {
  std::string id;
  std::uint32_t stream = 0;
  std::uint64_t number = 0;
  std::uint64_t token = 0;  // changes with every stay
  StateIndex state = kNoIndex;
  std::vector<std::uint16_t> visits;  // by state
  int attempts = 0;
  std::size_t outcome = 0;
  std::uint64_t votes = 0;
  std::vector<std::pair<std::string, engine::FieldInput>> traits;
  std::vector<std::pair<std::string, engine::FieldInput>> pending;  // the outcome's data, drawn for this attempt
  bool moved = false;                                               // listed for handle_moved()
  bool no_outcome = false;                    // rests in a described state with no outcome for its stream
  std::vector<const OutcomeSpec*> sent_once;  // `once` outcomes whose event was accepted
};

struct Item {
  enum class Kind : std::uint8_t { kWorkDone, kCustomerDone, kVote };
  std::int64_t at = 0;
  std::uint64_t order = 0;
  Kind kind = Kind::kWorkDone;
  std::uint32_t ticket = 0;
  std::uint64_t token = 0;
  int pool = -1;
  int member = -1;
};

struct Later {
  bool operator()(const Item& a, const Item& b) const { return a.at != b.at ? a.at > b.at : a.order > b.order; }
};

class Simulation {
 public:
  Simulation(std::shared_ptr<const Workflow> workflow, const Profile& profile, const SimulationOptions& options)
      : workflow_(std::move(workflow)),
        w_(*workflow_),
        profile_(profile),
        options_(options),
        seed_(options.seed.value_or(profile.seed)),
        days_(options.days.value_or(profile.days)),
        start_(profile.start),
        arrivals_end_(profile.start + static_cast<std::int64_t>(days_) * 86400),
        end_(arrivals_end_ + profile.drain_seconds),
        clock_(profile.start),
        builder_(workflow_, branch_names(profile)),
        tap_(builder_, options.journal),
        engine_(clock_, tap_) {
    state_specs_.assign(w_.states().size(), nullptr);
    for (const StateSpec& spec : profile_.states) {
      if (std::optional<StateIndex> s = w_.find_state(spec.state.name)) state_specs_[*s] = &spec;
    }
    for (const StaffSpec& staff : profile_.staff) {
      int index = pool_index(*w_.find_department(staff.department.name), *w_.find_role(staff.role.name));
      pools_[static_cast<std::size_t>(index)].people = staff.people;
      pools_[static_cast<std::size_t>(index)].busy.assign(static_cast<std::size_t>(staff.people), 0);
      staffed_.push_back(index);
    }
  }

  engine::Result<SimulationReport> run() {
    if (engine::Status installed = engine_.install(workflow_); !installed) {
      return engine::Result<SimulationReport>::failure(installed.error());
    }
    generate_arrivals();
    std::size_t next_arrival = 0;
    std::int64_t next_sample = start_ + 86400;
    int last_percent = -1;
    while (error_.empty()) {
      std::int64_t t = engine::kNever;
      if (next_arrival < arrivals_.size()) t = std::min(t, arrivals_[next_arrival].at);
      if (!items_.empty()) t = std::min(t, items_.top().at);
      std::int64_t due = engine_.next_due();
      t = std::min({t, due, next_sample});
      if (t > end_) break;
      if (t > clock_.now() && !clock_.set(t)) break;
      report_progress(t, last_percent);
      if (t == next_sample) {
        builder_.sample_backlog();
        next_sample += 86400;
      } else if (due <= t) {
        engine::Result<std::size_t> fired = engine_.advance_to(t);
        if (!fired) {
          error_ = fired.error();
        } else if (fired.value() == 0 && engine_.next_due() <= t) {
          error_ = "the engine reported an item due at " + engine::format_timestamp(t) + " that did not fire";
        }
        handle_moved();
      } else if (next_arrival < arrivals_.size() && arrivals_[next_arrival].at == t) {
        create(arrivals_[next_arrival++]);
      } else {
        Item item = items_.top();
        items_.pop();
        handle(item);
      }
    }
    if (!error_.empty()) return engine::Result<SimulationReport>::failure(error_);
    if (clock_.now() < end_ && !clock_.set(end_)) return engine::Result<SimulationReport>::failure("clock");
    if (engine::Result<std::size_t> fired = engine_.advance_to(end_); !fired) {
      return engine::Result<SimulationReport>::failure(fired.error());
    }
    if (options_.progress) options_.progress(1.0);

    SimulationReport report = builder_.finish(start_, end_);
    report.seed = seed_;
    report.days = days_;
    report.events_sent = events_sent_;
    report.left_alone = left_alone_;
    report.undriven = undriven(report.open_by_state);
    for (int index : staffed_) {
      const Pool& pool = pools_[static_cast<std::size_t>(index)];
      double capacity = static_cast<double>(pool.people) * static_cast<double>(end_ - start_);
      double utilisation = capacity > 0 ? 100.0 * static_cast<double>(pool.busy_seconds) / capacity : 0;
      report.pools.push_back(PoolFigure{pool.name, pool.people, std::min(utilisation, 100.0), percentiles(pool.waits),
                                        pool.longest_queue});
    }
    return engine::Result<SimulationReport>::success(std::move(report));
  }

 private:
  static std::vector<std::string> branch_names(const Profile& profile) {
    std::vector<std::string> names;
    for (const NameAt& state : profile.branch_states) names.push_back(state.name);
    return names;
  }

  // The states of `open` (open tickets by state) that the profile leaves
  // undriven: not final, not awaiting approval (the votes drive those), and
  // without a [states.NAME].
  // without a [states.NAME]; then, in a described state, the tickets of
  // streams none of its outcomes is for.
  std::vector<UndrivenState> undriven(const std::vector<Count>& open) const {
    std::vector<UndrivenState> out;
    std::map<std::pair<StateIndex, std::uint32_t>, std::size_t> no_outcome;  // (state, stream)
    for (const SimTicket& st : tickets_) {
      const engine::Ticket* ticket = engine_.find(st.id);
      if (st.no_outcome && ticket != nullptr && ticket->state == st.state) ++no_outcome[{st.state, st.stream}];
    }
    for (const Count& c : open) {
      std::optional<StateIndex> s = w_.find_state(c.key);
      if (!s || w_.is_final(*s) || w_.states()[*s].awaits_approval) continue;
      if (state_specs_[*s] == nullptr) {
        bool has_events = false;
        for (engine::TransitionIndex t : w_.transitions_from(*s)) {
          has_events = has_events || !w_.transitions()[t].automatic();
        }
        out.push_back(UndrivenState{c.key, c.count, has_events, ""});
      }
      for (const auto& [key, count] : no_outcome) {
        if (key.first == *s) out.push_back(UndrivenState{c.key, count, true, profile_.arrivals[key.second].category});
      }
    }
    return out;
  }

  void report_progress(std::int64_t t, int& last_percent) {
    if (!options_.progress || end_ <= start_) return;
    int percent = static_cast<int>(100 * (t - start_) / (end_ - start_));
    if (percent == last_percent) return;
    last_percent = percent;
    options_.progress(static_cast<double>(percent) / 100.0);
  }

  // ---------------------------------------------------------------- arrivals

  void generate_arrivals() {
    for (std::uint32_t s = 0; s < profile_.arrivals.size(); ++s) {
      const ArrivalStream& stream = profile_.arrivals[s];
      Random random(stream_seed(seed_, Purpose::kArrivals, s));
      double t = static_cast<double>(start_);
      std::uint64_t sequence = 0;
      while (t < static_cast<double>(arrivals_end_)) {
        std::int64_t whole = static_cast<std::int64_t>(std::floor(t));
        std::int64_t local = whole + profile_.utc_offset_seconds;
        std::int64_t hour = floor_mod(local, 86400) / 3600;
        std::int64_t weekday = floor_mod(floor_div(local, 86400) + 3, 7);  // 1970-01-01 was a Thursday
        double rate =
            stream.per_hour[static_cast<std::size_t>(hour)] * stream.weekday[static_cast<std::size_t>(weekday)];
        double boundary = static_cast<double>(whole - floor_mod(local, 3600) + 3600);
        if (rate <= 0) {
          t = boundary;
          continue;
        }
        double gap = -std::log1p(-random.uniform()) * 3600.0 / rate;
        if (t + gap >= boundary) {
          t = boundary;  // memoryless: start afresh at the next hour's rate
          continue;
        }
        t += gap;
        if (t < static_cast<double>(arrivals_end_)) {
          arrivals_.push_back(Arrival{static_cast<std::int64_t>(std::floor(t)), s, sequence++});
        }
      }
    }
    std::sort(arrivals_.begin(), arrivals_.end(), [](const Arrival& a, const Arrival& b) {
      if (a.at != b.at) return a.at < b.at;
      if (a.stream != b.stream) return a.stream < b.stream;
      return a.sequence < b.sequence;
    });
  }

  std::string ticket_id(std::uint64_t number) const {
    std::string digits = std::to_string(number);
    if (digits.size() < 6) digits.insert(0, 6 - digits.size(), '0');
    return profile_.ticket_prefix + digits;
  }

  // ---------------------------------------------------------------- values

  std::optional<double> number_of(const engine::FieldInput& input) const {
    if (input.kind() == engine::FieldInput::Kind::kNumber) return input.as_number().to_double();
    return std::nullopt;
  }

  // A value for `field` drawn from `spec` at `now`; `lookup` finds the
  // current value of another field (for share_of).
  template <typename Lookup>
  std::optional<engine::FieldInput> draw(const FieldSpec& spec, Random& random, const std::string& ticket,
                                         Lookup&& lookup) const {
    std::optional<FieldIndex> field = w_.find_field(spec.field);
    if (!field) return std::nullopt;
    engine::FieldType type = w_.fields()[*field].type;
    auto numeric = [&](double value) -> engine::FieldInput {
      if (type == engine::FieldType::kInt || type == engine::FieldType::kDuration) {
        return engine::FieldInput::integer(std::llround(std::clamp(value, -9e14, 9e14)));
      }
      std::optional<engine::Fixed> fixed = engine::Fixed::from_double(std::clamp(value, -9e14, 9e14));
      if (!fixed) return engine::FieldInput::null();
      std::optional<engine::Fixed> rounded = fixed->rounded(type == engine::FieldType::kMoney ? 2 : 4);
      return engine::FieldInput::number(rounded.value_or(*fixed));
    };
    const ValueSpec& value = spec.value;
    switch (value.kind) {
      case ValueSpec::Kind::kLiteral:
        if (value.literal.kind() == engine::FieldInput::Kind::kText) {
          std::string text = value.literal.as_text();
          for (std::size_t at = text.find("{ticket}"); at != std::string::npos; at = text.find("{ticket}", at)) {
            text.replace(at, 8, ticket);
            at += ticket.size();
          }
          return engine::FieldInput::text(std::move(text));
        }
        return value.literal;
      case ValueSpec::Kind::kChoice:
        return value.choices[random.pick(value.weights)];
      case ValueSpec::Kind::kDraw:
        return numeric(sample(value.draw, random.uniform()));
      case ValueSpec::Kind::kOffset:
        return engine::FieldInput::text(engine::format_timestamp(clock_.now() + value.offset_seconds));
      case ValueSpec::Kind::kShareOf: {
        double u = random.uniform();
        std::optional<double> base = lookup(value.share_of);
        if (!base) return std::nullopt;
        return numeric(*base * (value.share_min + (value.share_max - value.share_min) * u));
      }
    }
    return std::nullopt;
  }

  // Draws `specs` into `out`: plain values first, then shares of them.
  void draw_all(const std::vector<FieldSpec>& specs, Random& random, const std::string& ticket,
                std::vector<std::pair<std::string, engine::FieldInput>>& out, const engine::Ticket* current) {
    auto lookup = [&](const std::string& name) -> std::optional<double> {
      for (const auto& [field, input] : out) {
        if (field == name) return number_of(input);
      }
      if (current != nullptr) {
        if (const engine::Value* value = current->field(name);
            value != nullptr && value->type() == engine::ValueType::kNumber) {
          return value->as_number().to_double();
        }
      }
      return std::nullopt;
    };
    for (int pass = 0; pass < 2; ++pass) {
      for (const FieldSpec& spec : specs) {
        if ((spec.value.kind == ValueSpec::Kind::kShareOf) != (pass == 1)) continue;
        if (std::optional<engine::FieldInput> input = draw(spec, random, ticket, lookup)) {
          out.emplace_back(spec.field, std::move(*input));
        }
      }
    }
  }

  // ---------------------------------------------------------------- staff

  int pool_index(DepartmentIndex department, RoleIndex role) {
    auto [it, inserted] = pool_by_key_.try_emplace({department, role}, static_cast<int>(pools_.size()));
    if (inserted) {
      Pool pool;
      pool.department = department;
      pool.role = role;
      pool.name =
          (department == kNoIndex ? std::string() : w_.departments()[department].name + ".") + w_.roles()[role].name;
      pools_.push_back(std::move(pool));
    }
    return it->second;
  }

  bool has_role(DepartmentIndex department, RoleIndex role) const {
    const std::vector<RoleIndex>& roles = w_.departments()[department].roles;
    return std::find(roles.begin(), roles.end(), role) != roles.end();
  }

  Who who_of(const NameAt& by) const {
    Who result;
    if (by.name.empty()) return result;
    std::string role = by.name;
    if (std::size_t dot = by.name.find('.'); dot != std::string::npos) {
      result.department = w_.find_department(by.name.substr(0, dot)).value_or(kNoIndex);
      role = by.name.substr(dot + 1);
    }
    result.role = w_.find_role(role).value_or(kNoIndex);
    return result;
  }

  // The pool that does `event` on `ticket` in `state` (see simulation.h); -1: nobody in particular.
  int pool_for(const engine::Ticket& ticket, StateIndex state, const std::string& event, const NameAt& by,
               const std::vector<std::pair<std::string, engine::FieldInput>>& data) {
    Who who = who_of(by);
    if (who.department != kNoIndex) return pool_index(who.department, who.role);
    std::vector<RoleIndex> roles;
    if (who.role != kNoIndex) {
      roles.push_back(who.role);
    } else if (std::optional<engine::EventId> id = w_.find_event(event)) {
      roles = roles_for(ticket, state, *id, data);
    }
    std::vector<DepartmentIndex> departments = ticket.departments;
    if (ticket.assignee.department != kNoIndex) departments.push_back(ticket.assignee.department);
    if (!roles.empty()) {
      for (DepartmentIndex d : departments) {
        for (RoleIndex r : roles) {
          if (has_role(d, r)) return pool_index(d, r);
        }
      }
      RoleIndex r = roles.front();
      const std::vector<DepartmentIndex>& holders = w_.roles()[r].departments;
      return pool_index(holders.empty() ? kNoIndex : holders.front(), r);
    }
    if (ticket.assignee.department != kNoIndex) {
      RoleIndex r = ticket.assignee.role;
      const std::vector<RoleIndex>& dept_roles = w_.departments()[ticket.assignee.department].roles;
      if (r == kNoIndex && !dept_roles.empty()) r = dept_roles.front();
      if (r != kNoIndex) return pool_index(ticket.assignee.department, r);
    }
    if (ticket.assignee.role != kNoIndex) {
      const std::vector<DepartmentIndex>& holders = w_.roles()[ticket.assignee.role].departments;
      return pool_index(holders.empty() ? kNoIndex : holders.front(), ticket.assignee.role);
    }
    return -1;
  }

  // The roles of the first transition on `event` whose guard holds with
  // `data` applied (as the engine applies it before guards); all candidates'
  // roles when none holds.
  std::vector<RoleIndex> roles_for(const engine::Ticket& ticket, StateIndex state, engine::EventId event,
                                   const std::vector<std::pair<std::string, engine::FieldInput>>& data) const {
    std::span<const engine::TransitionIndex> candidates = w_.candidates(state, event);
    auto allowed = [&](engine::TransitionIndex t) { return w_.roles_allowed(w_.transitions()[t], ticket.category()); };
    bool same_roles = true;
    for (engine::TransitionIndex t : candidates) same_roles = same_roles && allowed(t) == allowed(candidates.front());
    if (candidates.empty()) return {};
    if (same_roles) return allowed(candidates.front());
    std::vector<engine::Value> fields = ticket.fields;
    for (const auto& [name, input] : data) {
      std::optional<FieldIndex> field = w_.find_field(name);
      if (!field) continue;
      engine::Result<engine::Value> value = engine::field_value(w_, *field, input);
      if (value) fields[*field] = value.value();
    }
    engine::TicketView view{fields, ticket.attributes};
    std::vector<RoleIndex> all;
    for (engine::TransitionIndex t : candidates) {
      const engine::Transition& transition = w_.transitions()[t];
      if (!transition.guard || engine::evaluate_condition(*transition.guard, view, clock_.now()).value_or(false)) {
        return allowed(t);
      }
      for (RoleIndex role : allowed(t)) {
        if (std::find(all.begin(), all.end(), role) == all.end()) all.push_back(role);
      }
    }
    return all;
  }

  engine::Actor actor_of(int pool, int member) const {
    if (pool < 0) return engine::Actor{"customer", {}};
    const Pool& p = pools_[static_cast<std::size_t>(pool)];
    std::string id = member >= 0 ? p.name + "#" + std::to_string(member + 1) : p.name;
    return engine::Actor{std::move(id), {w_.roles()[p.role].name}};
  }

  void push(Item item) {
    item.order = next_order_++;
    items_.push(item);
  }

  void dispatch(int index) {
    Pool& pool = pools_[static_cast<std::size_t>(index)];
    while (!pool.queue.empty()) {
      Waiting waiting = pool.queue.front();
      if (tickets_[waiting.ticket].token != waiting.token) {
        pool.queue.pop_front();  // the ticket moved on while it waited
        continue;
      }
      int member = -1;
      if (pool.people > 0) {
        auto free = std::find(pool.busy.begin(), pool.busy.end(), 0);
        if (free == pool.busy.end()) return;
        *free = 1;
        member = static_cast<int>(free - pool.busy.begin());
        pool.waits.push_back(clock_.now() - waiting.since);
        pool.busy_seconds += waiting.duration;
      }
      pool.queue.pop_front();
      push(Item{clock_.now() + waiting.duration, 0, Item::Kind::kWorkDone, waiting.ticket, waiting.token, index,
                member});
    }
  }

  // ---------------------------------------------------------------- tickets

  void create(const Arrival& arrival) {
    const ArrivalStream& stream = profile_.arrivals[arrival.stream];
    SimTicket ticket;
    ticket.number = tickets_.size() + 1;
    ticket.id = ticket_id(ticket.number);
    ticket.stream = arrival.stream;
    ticket.visits.assign(w_.states().size(), 0);
    Random random(stream_seed(seed_, Purpose::kTicket, ticket.number));
    std::vector<std::pair<std::string, engine::FieldInput>> data;
    draw_all(stream.fields, random, ticket.id, data, nullptr);
    std::vector<std::pair<std::string, engine::FieldInput>> traits = data;  // shares may refer to create data
    draw_all(stream.traits, random, ticket.id, traits, nullptr);
    ticket.traits.assign(traits.begin() + static_cast<std::ptrdiff_t>(data.size()), traits.end());

    engine::Event event;
    event.at = clock_.now();
    event.ticket = ticket.id;
    event.event = std::string(engine::kCreateEvent);
    if (!stream.created_by.name.empty()) {
      Who who = who_of(stream.created_by);
      DepartmentIndex department = who.department;
      if (department == kNoIndex && !w_.roles()[who.role].departments.empty()) {
        department = w_.roles()[who.role].departments.front();
      }
      event.actor = actor_of(pool_index(department, who.role), -1);
    } else {
      event.actor = engine::Actor{"customer", {}};
    }
    for (auto& [field, input] : data) event.data.push_back(engine::DataItem{field, std::move(input)});
    by_id_.emplace(ticket.id, static_cast<std::uint32_t>(tickets_.size()));
    tickets_.push_back(std::move(ticket));
    apply(event);
  }

  // Applies `event`, then starts the next stay of every ticket that moved.
  bool apply(const engine::Event& event) {
    ++events_sent_;
    if (options_.on_event) options_.on_event(event);
    engine::Result<engine::Outcome> outcome = engine_.apply(event);
    if (!outcome) {
      error_ = outcome.error();
      return false;
    }
    handle_moved();
    return outcome->accepted;
  }

  void handle_moved() {
    std::vector<std::string> moved;
    moved.swap(tap_.moved);
    std::vector<std::uint32_t> order;
    for (const std::string& id : moved) {
      auto it = by_id_.find(id);
      if (it == by_id_.end() || tickets_[it->second].moved) continue;
      tickets_[it->second].moved = true;
      order.push_back(it->second);
    }
    for (std::uint32_t index : order) {
      tickets_[index].moved = false;
      begin_stay(index);
    }
  }

  void begin_stay(std::uint32_t index) {
    SimTicket& st = tickets_[index];
    const engine::Ticket* ticket = engine_.find(st.id);
    if (ticket == nullptr) return;
    ++st.token;
    st.state = ticket->state;
    st.attempts = 0;
    st.no_outcome = false;
    if (w_.is_final(st.state)) return;
    if (st.visits[st.state] < UINT16_MAX) ++st.visits[st.state];
    if (w_.states()[st.state].awaits_approval) {
      if (ticket->approval && ticket->approval->chain != kNoIndex) schedule_vote(index);
      return;
    }
    if (state_specs_[st.state] != nullptr) begin_attempt(index);
  }

  void begin_attempt(std::uint32_t index) {
    SimTicket& st = tickets_[index];
    const StateSpec& spec = *state_specs_[st.state];
    Random random(stream_seed(seed_, Purpose::kStay, st.number, hash_text(w_.states()[st.state].name),
                              st.visits[st.state], static_cast<std::uint64_t>(st.attempts)));
    std::vector<double> weights;
    double total = 0;
    for (const OutcomeSpec& outcome : spec.outcomes) {
      weights.push_back(drawable(outcome, st) ? outcome.weight : 0.0);
      total += weights.back();
    }
    if (total <= 0) {
      st.no_outcome = true;  // nothing in the profile moves it; reported at the end
      return;
    }
    st.outcome = random.pick(weights);
    std::int64_t duration = seconds_of(sample(spec.time, random.uniform()));
    const OutcomeSpec& outcome = spec.outcomes[st.outcome];
    const engine::Ticket* ticket = engine_.find(st.id);
    draw_outcome_data(st, outcome, *ticket);
    int pool =
        pool_for(*ticket, st.state, outcome.event.name, outcome.by.name.empty() ? spec.by : outcome.by, st.pending);
    if (spec.customer || pool < 0) {
      push(Item{clock_.now() + duration, 0, Item::Kind::kCustomerDone, index, st.token, pool, -1});
      return;
    }
    Pool& p = pools_[static_cast<std::size_t>(pool)];
    p.queue.push_back(Waiting{index, st.token, clock_.now(), duration});
    dispatch(pool);
    p.longest_queue = std::max(p.longest_queue, p.queue.size());
  }

  // Whether `st` may draw `outcome`: its stream is one the outcome is for,
  // and a `once` outcome was not sent yet.
  bool drawable(const OutcomeSpec& outcome, const SimTicket& st) const {
    if (outcome.once && std::find(st.sent_once.begin(), st.sent_once.end(), &outcome) != st.sent_once.end()) {
      return false;
    }
    if (outcome.streams.empty()) return true;
    const std::string& category = profile_.arrivals[st.stream].category;
    for (const NameAt& name : outcome.streams) {
      if (name.name == category) return true;
    }
    return false;
  }

  // The outcome's data and the traits it names, drawn when the attempt begins.
  void draw_outcome_data(SimTicket& st, const OutcomeSpec& outcome, const engine::Ticket& ticket) {
    Random random(stream_seed(seed_, Purpose::kStayData, st.number, hash_text(w_.states()[st.state].name),
                              st.visits[st.state], static_cast<std::uint64_t>(st.attempts)));
    st.pending.clear();
    draw_all(outcome.data, random, st.id, st.pending, &ticket);
    for (const NameAt& trait : outcome.traits) {
      bool given = false;
      for (const auto& item : st.pending) given = given || item.first == trait.name;
      if (given) continue;
      for (const auto& [field, input] : st.traits) {
        if (field == trait.name) st.pending.emplace_back(field, input);
      }
    }
  }

  void schedule_vote(std::uint32_t index) {
    SimTicket& st = tickets_[index];
    const engine::Ticket* ticket = engine_.find(st.id);
    const ApprovalSpec* spec = &profile_.approvals.front();
    const std::string& chain = w_.chains()[ticket->approval->chain].name;
    for (const ApprovalSpec& candidate : profile_.approvals) {
      if (candidate.chain.name == chain) spec = &candidate;
    }
    Random random(stream_seed(seed_, Purpose::kVote, st.number, st.votes));
    std::int64_t delay = seconds_of(sample(spec->delay, random.uniform()));
    push(Item{clock_.now() + delay, 0, Item::Kind::kVote, index, st.token, -1, -1});
  }

  void handle(const Item& item) {
    SimTicket& st = tickets_[item.ticket];
    if (item.kind == Item::Kind::kWorkDone && item.member >= 0) {
      pools_[static_cast<std::size_t>(item.pool)].busy[static_cast<std::size_t>(item.member)] = 0;
    }
    if (st.token == item.token) {
      if (item.kind == Item::Kind::kVote) {
        vote(item.ticket);
      } else {
        send(item.ticket, item.pool, item.member);
      }
    }
    if (item.kind == Item::Kind::kWorkDone && item.pool >= 0) dispatch(item.pool);
  }

  // The outcome's event, by member `member` of `pool` (-1: a customer state or a pool without limit).
  void send(std::uint32_t index, int pool, int member) {
    SimTicket& st = tickets_[index];
    const OutcomeSpec& outcome = state_specs_[st.state]->outcomes[st.outcome];
    engine::Event event;
    event.at = clock_.now();
    event.ticket = st.id;
    event.event = outcome.event.name;
    event.actor = actor_of(pool, member);
    for (const auto& [field, input] : st.pending) event.data.push_back(engine::DataItem{field, input});
    std::uint64_t token = st.token;
    // Noted before the event is applied: the next stay starts inside apply().
    if (outcome.once) st.sent_once.push_back(&outcome);
    bool accepted = apply(event);
    if (!accepted && outcome.once) tickets_[index].sent_once.pop_back();
    if (!accepted && error_.empty() && tickets_[index].token == token) retry(index);
  }

  void retry(std::uint32_t index) {
    SimTicket& st = tickets_[index];
    if (++st.attempts >= profile_.max_attempts) {
      ++left_alone_;
      return;
    }
    if (w_.states()[st.state].awaits_approval) {
      schedule_vote(index);
    } else {
      begin_attempt(index);
    }
  }

  void vote(std::uint32_t index) {
    SimTicket& st = tickets_[index];
    const engine::Ticket* ticket = engine_.find(st.id);
    if (ticket == nullptr || !ticket->approval || ticket->approval->chain == kNoIndex) return;
    const engine::ApprovalProgress& progress = *ticket->approval;
    const engine::Chain& chain = w_.chains()[progress.chain];
    if (progress.level >= chain.levels.size()) return;
    const engine::ApprovalLevel& level = chain.levels[progress.level];
    if (level.roles.empty()) return;
    std::size_t in_level = 0;
    for (const engine::ApprovalVote& v : progress.votes) in_level += v.level == progress.level;
    RoleIndex role = level.roles[in_level % level.roles.size()];
    if (level.quorum == engine::Quorum::kAll) {
      for (RoleIndex candidate : level.roles) {
        bool voted = false;
        for (const engine::ApprovalVote& v : progress.votes) {
          voted = voted || (v.level == progress.level && v.role == candidate);
        }
        if (!voted) {
          role = candidate;
          break;
        }
      }
    }
    const ApprovalSpec* spec = &profile_.approvals.front();
    for (const ApprovalSpec& candidate : profile_.approvals) {
      if (candidate.chain.name == chain.name) spec = &candidate;
    }
    Random random(stream_seed(seed_, Purpose::kVote, st.number, st.votes, 1));
    bool reject = random.uniform() < spec->reject_share;
    ++st.votes;
    engine::Event event;
    event.at = clock_.now();
    event.ticket = st.id;
    event.event = std::string(reject ? engine::kRejectEvent : engine::kApproveEvent);
    event.actor =
        engine::Actor{"approver." + w_.roles()[role].name + "." + std::to_string(st.votes), {w_.roles()[role].name}};
    std::uint64_t token = st.token;
    bool accepted = apply(event);
    if (!error_.empty() || tickets_[index].token != token) return;
    if (accepted) {
      schedule_vote(index);  // the chain goes on: the next vote, or the next level's
    } else {
      retry(index);
    }
  }

  std::shared_ptr<const Workflow> workflow_;
  const Workflow& w_;
  const Profile& profile_;
  const SimulationOptions& options_;
  std::uint64_t seed_;
  int days_;
  std::int64_t start_;
  std::int64_t arrivals_end_;
  std::int64_t end_;
  engine::VirtualClock clock_;
  ReportBuilder builder_;
  Tap tap_;
  engine::Engine engine_;

  std::vector<const StateSpec*> state_specs_;  // by state
  std::vector<Arrival> arrivals_;
  std::vector<SimTicket> tickets_;
  std::unordered_map<std::string, std::uint32_t> by_id_;
  std::vector<Pool> pools_;
  std::map<std::pair<DepartmentIndex, RoleIndex>, int> pool_by_key_;
  std::vector<int> staffed_;  // pools the profile gives people, in its order
  std::priority_queue<Item, std::vector<Item>, Later> items_;
  std::uint64_t next_order_ = 0;
  std::size_t events_sent_ = 0;
  std::size_t left_alone_ = 0;
  std::string error_;
};

}  // namespace

engine::Status check_profile(const Profile& profile, const Workflow& workflow) {
  return Checker(profile, workflow).run();
}

engine::Result<SimulationReport> simulate(std::shared_ptr<const Workflow> workflow, const Profile& profile,
                                          const SimulationOptions& options) {
  if (workflow == nullptr) return engine::Result<SimulationReport>::failure("no workflow");
  if (engine::Status checked = check_profile(profile, *workflow); !checked) {
    return engine::Result<SimulationReport>::failure(checked.error());
  }
  if (options.days && (*options.days < 1 || *options.days > 3660)) {
    return engine::Result<SimulationReport>::failure("days must be between 1 and 3660");
  }
  Simulation simulation(std::move(workflow), profile, options);
  return simulation.run();
}

}  // namespace docket::designer
