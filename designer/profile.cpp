#include "designer/profile.h"

#include <toml++/toml.h>

#include <cmath>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <sstream>

namespace docket::designer {
namespace {

// Acklam's rational approximation of the standard normal quantile (relative
// error below 1.2e-9): plain arithmetic, so every platform draws the same.
double normal_quantile(double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  const double low = 0.02425;
  if (p <= 0) p = 1e-300;
  if (p >= 1) p = 1 - 1e-16;
  if (p < low) {
    double q = std::sqrt(-2 * std::log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) {
    double q = std::sqrt(-2 * std::log(1 - p));
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  double q = p - 0.5;
  double r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// The UTC offset written at the end of a timestamp text ("+08:00", "Z", none).
std::optional<std::int64_t> offset_suffix(std::string_view text) {
  if (text.empty() || text.back() == 'Z' || text.back() == 'z') return 0;
  if (text.size() < 6) return 0;
  std::string_view tail = text.substr(text.size() - 6);
  if ((tail[0] != '+' && tail[0] != '-') || tail[3] != ':') {
    return text.size() <= 10 ? std::optional<std::int64_t>(0) : std::nullopt;
  }
  auto digit = [](char c) { return c >= '0' && c <= '9' ? c - '0' : -1; };
  int h1 = digit(tail[1]), h2 = digit(tail[2]), m1 = digit(tail[4]), m2 = digit(tail[5]);
  if (h1 < 0 || h2 < 0 || m1 < 0 || m2 < 0) return std::nullopt;
  std::int64_t seconds = (h1 * 10 + h2) * 3600 + (m1 * 10 + m2) * 60;
  return tail[0] == '-' ? -seconds : seconds;
}

class Parser {
 public:
  explicit Parser(std::string path) : path_(std::move(path)) {}

  std::string at(const toml::source_region& region) const {
    return path_ + ":" + std::to_string(region.begin.line) + ":" + std::to_string(region.begin.column);
  }

  void error(const toml::source_region& region, const std::string& message) {
    errors_.push_back(at(region) + ": " + message);
  }

  // Reports every key of `table` not in `allowed`; `context` names the table.
  void only_keys(const toml::table& table, std::initializer_list<std::string_view> allowed,
                 const std::string& context) {
    for (auto&& [key, node] : table) {
      bool known = false;
      for (std::string_view name : allowed) known = known || key.str() == name;
      if (known) continue;
      std::string list;
      for (std::string_view name : allowed) list += (list.empty() ? "" : ", ") + std::string(name);
      error(key.source(),
            "unknown key `" + std::string(key.str()) + "` in " + context + " (expected one of: " + list + ")");
    }
  }

  const toml::table* table_of(const toml::node& node, const std::string& what) {
    if (const toml::table* table = node.as_table()) return table;
    error(node.source(), what + " must be a table");
    return nullptr;
  }

  std::optional<double> number(const toml::node& node, const std::string& what, double min, double max) {
    std::optional<double> value;
    if (node.is_integer()) value = static_cast<double>(*node.value<std::int64_t>());
    if (node.is_floating_point()) value = *node.value<double>();
    if (!value || !std::isfinite(*value)) {
      error(node.source(), what + " must be a number");
      return std::nullopt;
    }
    if (*value < min || *value > max) {
      std::ostringstream range;
      range << min << ".." << max;
      error(node.source(), what + " = " + format(*value) + " is out of range " + range.str());
      return std::nullopt;
    }
    return value;
  }

  std::optional<std::int64_t> integer(const toml::node& node, const std::string& what, std::int64_t min,
                                      std::int64_t max) {
    if (!node.is_integer()) {
      error(node.source(), what + " must be a whole number");
      return std::nullopt;
    }
    std::int64_t value = *node.value<std::int64_t>();
    if (value < min || value > max) {
      error(node.source(), what + " = " + std::to_string(value) + " is out of range " + std::to_string(min) + ".." +
                               std::to_string(max));
      return std::nullopt;
    }
    return value;
  }

  std::optional<std::string> text(const toml::node& node, const std::string& what) {
    if (!node.is_string()) {
      error(node.source(), what + " must be a string");
      return std::nullopt;
    }
    return *node.value<std::string>();
  }

  NameAt name(const toml::node& node, const std::string& what) {
    std::optional<std::string> value = text(node, what);
    if (value && value->empty()) error(node.source(), what + " must not be empty");
    return NameAt{value.value_or(""), at(node.source())};
  }

  // "2h", "-10d": seconds. Negative only when `signed_ok`.
  std::optional<std::int64_t> duration(const toml::node& node, const std::string& what, bool signed_ok = false) {
    std::optional<std::string> value = text(node, what);
    if (!value) return std::nullopt;
    std::string_view body = *value;
    bool negative = false;
    if (signed_ok && !body.empty() && (body[0] == '-' || body[0] == '+')) {
      negative = body[0] == '-';
      body.remove_prefix(1);
    }
    std::optional<std::int64_t> seconds = engine::parse_duration(body);
    if (!seconds) {
      error(node.source(), what + " = \"" + *value + "\" is not a duration (expected e.g. \"90s\", \"30m\", \"2h\", " +
                               "\"1h30m\", \"2d\")");
      return std::nullopt;
    }
    return negative ? -*seconds : *seconds;
  }

  // A parameter of a distribution: a duration text or a number.
  std::optional<double> parameter(const toml::node& node, const std::string& what, bool durations) {
    if (durations) {
      std::optional<std::int64_t> seconds = duration(node, what);
      return seconds ? std::optional<double>(static_cast<double>(*seconds)) : std::nullopt;
    }
    return number(node, what, -1e15, 1e15);
  }

  // "2h" (fixed), or { distribution = "...", ... }.
  std::optional<Distribution> distribution(const toml::node& node, const std::string& what, bool durations) {
    if (durations && node.is_string()) {
      std::optional<std::int64_t> seconds = duration(node, what);
      if (!seconds) return std::nullopt;
      return Distribution{Distribution::Kind::kFixed, static_cast<double>(*seconds), 0};
    }
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      error(node.source(), what +
                               std::string(durations ? " must be a duration (\"2h\") or a table" : " must be a table") +
                               " { distribution = \"fixed\" | \"exponential\" | \"lognormal\" | \"uniform\", ... }");
      return std::nullopt;
    }
    const toml::node* kind_node = table->get("distribution");
    if (kind_node == nullptr) {
      error(node.source(), what + " needs `distribution` (fixed, exponential, lognormal or uniform)");
      return std::nullopt;
    }
    std::optional<std::string> kind = text(*kind_node, what + ".distribution");
    if (!kind) return std::nullopt;
    Distribution result;
    auto need = [&](const char* key) -> std::optional<double> {
      const toml::node* param = table->get(key);
      if (param == nullptr) {
        error(node.source(), what + " (" + *kind + ") needs `" + key + "`");
        return std::nullopt;
      }
      return parameter(*param, what + "." + key, durations);
    };
    std::string context = what + " (" + *kind + ")";
    if (*kind == "fixed") {
      only_keys(*table, {"distribution", "value"}, context);
      std::optional<double> value = need("value");
      if (!value) return std::nullopt;
      result = {Distribution::Kind::kFixed, *value, 0};
    } else if (*kind == "exponential") {
      only_keys(*table, {"distribution", "mean"}, context);
      std::optional<double> mean = need("mean");
      if (!mean) return std::nullopt;
      if (*mean <= 0) return bad(*table->get("mean"), what + ".mean must be greater than zero");
      result = {Distribution::Kind::kExponential, *mean, 0};
    } else if (*kind == "lognormal") {
      only_keys(*table, {"distribution", "median", "sigma"}, context);
      std::optional<double> median = need("median");
      const toml::node* sigma_node = table->get("sigma");
      if (sigma_node == nullptr) {
        error(node.source(), context + " needs `sigma`");
        return std::nullopt;
      }
      std::optional<double> sigma = number(*sigma_node, what + ".sigma", 0, 10);
      if (!median || !sigma) return std::nullopt;
      if (*median <= 0) return bad(*table->get("median"), what + ".median must be greater than zero");
      result = {Distribution::Kind::kLognormal, *median, *sigma};
    } else if (*kind == "uniform") {
      only_keys(*table, {"distribution", "min", "max"}, context);
      std::optional<double> min = need("min");
      std::optional<double> max = need("max");
      if (!min || !max) return std::nullopt;
      if (*max < *min) return bad(*table->get("max"), what + ".max is less than its min");
      result = {Distribution::Kind::kUniform, *min, *max};
    } else {
      error(kind_node->source(),
            what + ".distribution = \"" + *kind + "\" is not one of fixed, exponential, lognormal, uniform");
      return std::nullopt;
    }
    if (durations && result.first < 0) return bad(node, what + " must not be negative");
    return result;
  }

  std::optional<Distribution> bad(const toml::node& node, const std::string& message) {
    error(node.source(), message);
    return std::nullopt;
  }

  std::optional<engine::FieldInput> literal(const toml::node& node, const std::string& what) {
    if (node.is_string()) return engine::FieldInput::text(*node.value<std::string>());
    if (node.is_boolean()) return engine::FieldInput::boolean(*node.value<bool>());
    if (node.is_integer()) {
      std::int64_t value = *node.value<std::int64_t>();
      if (value > 900'000'000'000'000LL || value < -900'000'000'000'000LL) {
        error(node.source(), what + " = " + std::to_string(value) + " is too large");
        return std::nullopt;
      }
      return engine::FieldInput::integer(value);
    }
    if (node.is_floating_point()) {
      std::optional<engine::Fixed> fixed = engine::Fixed::from_double(*node.value<double>());
      if (!fixed) {
        error(node.source(), what + " is not a representable number");
        return std::nullopt;
      }
      return engine::FieldInput::number(*fixed);
    }
    error(node.source(), what + " must be a string, number or boolean");
    return std::nullopt;
  }

  // A literal, or { values, weights }, { distribution, ... }, { offset }, { share_of, min, max }.
  std::optional<ValueSpec> value_spec(const toml::node& node, const std::string& what) {
    ValueSpec spec;
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      std::optional<engine::FieldInput> value = literal(node, what);
      if (!value) return std::nullopt;
      spec.literal = *value;
      return spec;
    }
    if (table->contains("values")) {
      only_keys(*table, {"values", "weights"}, what + " (a weighted choice)");
      const toml::array* values = table->get("values")->as_array();
      if (values == nullptr || values->empty()) {
        error(table->get("values")->source(), what + ".values must be a non-empty array");
        return std::nullopt;
      }
      spec.kind = ValueSpec::Kind::kChoice;
      for (const toml::node& item : *values) {
        std::optional<engine::FieldInput> value = literal(item, what + ".values");
        if (!value) return std::nullopt;
        spec.choices.push_back(*value);
      }
      if (const toml::node* weights_node = table->get("weights")) {
        const toml::array* weights = weights_node->as_array();
        if (weights == nullptr || weights->size() != values->size()) {
          error(weights_node->source(),
                what + ".weights must be an array of " + std::to_string(values->size()) + " numbers, one per value");
          return std::nullopt;
        }
        double total = 0;
        for (const toml::node& item : *weights) {
          std::optional<double> weight = number(item, what + ".weights", 0, 1e12);
          if (!weight) return std::nullopt;
          spec.weights.push_back(*weight);
          total += *weight;
        }
        if (total <= 0) {
          error(weights_node->source(), what + ".weights must not all be zero");
          return std::nullopt;
        }
      } else {
        spec.weights.assign(spec.choices.size(), 1.0);
      }
      return spec;
    }
    if (table->contains("distribution")) {
      std::optional<Distribution> draw = distribution(node, what, false);
      if (!draw) return std::nullopt;
      spec.kind = ValueSpec::Kind::kDraw;
      spec.draw = *draw;
      return spec;
    }
    if (table->contains("offset")) {
      only_keys(*table, {"offset"}, what + " (a timestamp offset)");
      std::optional<std::int64_t> offset = duration(*table->get("offset"), what + ".offset", true);
      if (!offset) return std::nullopt;
      spec.kind = ValueSpec::Kind::kOffset;
      spec.offset_seconds = *offset;
      return spec;
    }
    if (table->contains("share_of")) {
      only_keys(*table, {"share_of", "min", "max"}, what + " (a share of another field)");
      std::optional<std::string> field = text(*table->get("share_of"), what + ".share_of");
      const toml::node* min_node = table->get("min");
      const toml::node* max_node = table->get("max");
      if (min_node == nullptr || max_node == nullptr) {
        error(node.source(), what + " (share_of) needs `min` and `max` (shares, e.g. 0.05 and 0.3)");
        return std::nullopt;
      }
      std::optional<double> min = number(*min_node, what + ".min", 0, 1000);
      std::optional<double> max = number(*max_node, what + ".max", 0, 1000);
      if (!field || !min || !max) return std::nullopt;
      if (*max < *min) {
        error(max_node->source(), what + ".max is less than its min");
        return std::nullopt;
      }
      spec.kind = ValueSpec::Kind::kShareOf;
      spec.share_of = *field;
      spec.share_min = *min;
      spec.share_max = *max;
      return spec;
    }
    error(node.source(), what +
                             " must be a value, or a table with `values` (a weighted choice), `distribution` (a "
                             "number drawn), `offset` (a timestamp relative to now) or `share_of`");
    return std::nullopt;
  }

  std::vector<FieldSpec> field_specs(const toml::node& node, const std::string& what) {
    std::vector<FieldSpec> specs;
    const toml::table* table = table_of(node, what);
    if (table == nullptr) return specs;
    for (auto&& [key, value] : *table) {
      std::string field(key.str());
      if (std::optional<ValueSpec> spec = value_spec(value, what + "." + field)) {
        specs.push_back(FieldSpec{field, std::move(*spec), at(key.source())});
      }
    }
    return specs;
  }

  template <std::size_t N>
  std::optional<std::array<double, N>> numbers(const toml::node& node, const std::string& what) {
    const toml::array* array = node.as_array();
    if (array == nullptr || array->size() != N) {
      error(node.source(), what + " must be an array of " + std::to_string(N) + " numbers");
      return std::nullopt;
    }
    std::array<double, N> out{};
    for (std::size_t i = 0; i < N; ++i) {
      std::optional<double> value = number(*array->get(i), what + "[" + std::to_string(i) + "]", 0, 1e6);
      if (!value) return std::nullopt;
      out[i] = *value;
    }
    return out;
  }

  void simulation(const toml::table& table, Profile& profile) {
    only_keys(table, {"start", "days", "drain", "seed", "ticket_prefix", "max_attempts"}, "[simulation]");
    if (const toml::node* start = table.get("start")) {
      if (const auto* native = start->as_date_time()) {
        const toml::date_time& dt = native->get();
        std::int64_t offset = dt.offset ? dt.offset->minutes * 60 : 0;
        profile.start = days_from_civil(dt.date.year, dt.date.month, dt.date.day) * 86400 + dt.time.hour * 3600 +
                        dt.time.minute * 60 + dt.time.second - offset;
        profile.utc_offset_seconds = offset;
      } else if (const auto* native_date = start->as_date()) {
        const toml::date& date = native_date->get();
        profile.start = days_from_civil(date.year, date.month, date.day) * 86400;
      } else if (std::optional<std::string> value = text(*start, "simulation.start")) {
        std::optional<std::int64_t> instant = engine::parse_timestamp(*value);
        std::optional<std::int64_t> offset = offset_suffix(*value);
        if (!instant || !offset) {
          error(start->source(),
                "simulation.start = \"" + *value + "\" is not a timestamp (expected e.g. 2026-11-02T00:00:00+08:00)");
        } else {
          profile.start = *instant;
          profile.utc_offset_seconds = *offset;
        }
      }
    } else {
      error(table.source(), "[simulation] needs `start` (e.g. start = 2026-11-02T00:00:00+08:00)");
    }
    if (const toml::node* days = table.get("days")) {
      if (auto value = integer(*days, "simulation.days", 1, 3660)) profile.days = static_cast<int>(*value);
    } else {
      error(table.source(), "[simulation] needs `days` (how many days tickets arrive)");
    }
    if (const toml::node* drain = table.get("drain")) {
      if (auto value = duration(*drain, "simulation.drain")) {
        if (*value > 3660LL * 86400) {
          error(drain->source(), "simulation.drain is longer than ten years");
        } else {
          profile.drain_seconds = *value;
        }
      }
    }
    if (const toml::node* seed = table.get("seed")) {
      if (auto value = integer(*seed, "simulation.seed", 0, INT64_MAX))
        profile.seed = static_cast<std::uint64_t>(*value);
    }
    if (const toml::node* prefix = table.get("ticket_prefix")) {
      if (auto value = text(*prefix, "simulation.ticket_prefix")) profile.ticket_prefix = *value;
    }
    if (const toml::node* attempts = table.get("max_attempts")) {
      if (auto value = integer(*attempts, "simulation.max_attempts", 1, 100)) {
        profile.max_attempts = static_cast<int>(*value);
      }
    }
  }

  void arrival(const toml::table& table, Profile& profile) {
    ArrivalStream stream;
    stream.where = at(table.source());
    only_keys(table,
              {"category", "channel", "per_hour", "rate", "hour_multipliers", "weekday_multipliers", "created_by",
               "fields", "traits"},
              "[[arrivals]]");
    if (const toml::node* category = table.get("category")) {
      stream.category = name(*category, "arrivals.category").name;
    } else {
      error(table.source(), "[[arrivals]] needs `category` (a name for the stream, e.g. \"product_fault\")");
    }
    std::string what = "arrivals[" + (stream.category.empty() ? "?" : stream.category) + "]";
    const toml::node* per_hour = table.get("per_hour");
    const toml::node* rate = table.get("rate");
    if ((per_hour != nullptr) == (rate != nullptr)) {
      error(table.source(), what + " needs either `per_hour` (24 rates) or `rate` (tickets per hour, with optional " +
                                "`hour_multipliers`)");
    } else if (per_hour != nullptr) {
      if (table.get("hour_multipliers") != nullptr) {
        error(table.get("hour_multipliers")->source(), what + ": `hour_multipliers` goes with `rate`, not `per_hour`");
      }
      if (auto rates = numbers<24>(*per_hour, what + ".per_hour")) stream.per_hour = *rates;
    } else {
      std::optional<double> base = number(*rate, what + ".rate", 0, 1e6);
      std::array<double, 24> multipliers;
      multipliers.fill(1.0);
      if (const toml::node* hours = table.get("hour_multipliers")) {
        if (auto values = numbers<24>(*hours, what + ".hour_multipliers")) multipliers = *values;
      }
      for (std::size_t h = 0; h < 24; ++h) stream.per_hour[h] = base.value_or(0) * multipliers[h];
    }
    if (const toml::node* weekday = table.get("weekday_multipliers")) {
      if (auto values = numbers<7>(*weekday, what + ".weekday_multipliers")) stream.weekday = *values;
    }
    if (const toml::node* creator = table.get("created_by")) stream.created_by = name(*creator, what + ".created_by");
    if (const toml::node* channel = table.get("channel")) {
      if (std::optional<ValueSpec> spec = value_spec(*channel, what + ".channel")) {
        stream.fields.push_back(FieldSpec{"channel", std::move(*spec), at(channel->source())});
      }
    }
    if (const toml::node* fields = table.get("fields")) {
      for (FieldSpec& spec : field_specs(*fields, what + ".fields")) {
        if (spec.field == "channel" && table.get("channel") != nullptr) {
          errors_.push_back(spec.where + ": " + what + ": `channel` is given twice (as `channel` and in `fields`)");
        }
        stream.fields.push_back(std::move(spec));
      }
    }
    if (const toml::node* traits = table.get("traits")) stream.traits = field_specs(*traits, what + ".traits");
    profile.arrivals.push_back(std::move(stream));
  }

  void outcome(const toml::node& node, const std::string& what, StateSpec& state) {
    const toml::table* table = table_of(node, what);
    if (table == nullptr) return;
    only_keys(*table, {"event", "weight", "data", "traits", "by", "streams", "once"}, what);
    OutcomeSpec spec;
    spec.where = at(table->source());
    if (const toml::node* event = table->get("event")) {
      spec.event = name(*event, what + ".event");
    } else {
      error(table->source(), what + " needs `event` (the event that ends the stay)");
    }
    if (const toml::node* weight = table->get("weight"))
      spec.weight = number(*weight, what + ".weight", 0, 1e12).value_or(1);
    if (const toml::node* data = table->get("data")) spec.data = field_specs(*data, what + ".data");
    if (const toml::node* traits = table->get("traits")) {
      if (const toml::array* array = traits->as_array()) {
        for (const toml::node& item : *array) spec.traits.push_back(name(item, what + ".traits"));
      } else {
        error(traits->source(), what + ".traits must be an array of trait names");
      }
    }
    if (const toml::node* by = table->get("by")) spec.by = name(*by, what + ".by");
    if (const toml::node* streams = table->get("streams")) {
      const toml::array* array = streams->as_array();
      if (array != nullptr && !array->empty()) {
        for (const toml::node& item : *array) spec.streams.push_back(name(item, what + ".streams"));
      } else {
        error(streams->source(), what + ".streams must be a non-empty array of arrival categories");
      }
    }
    if (const toml::node* once = table->get("once")) {
      if (std::optional<bool> value = once->value<bool>(); value && once->is_boolean()) {
        spec.once = *value;
      } else {
        error(once->source(), what + ".once must be true or false");
      }
    }
    state.outcomes.push_back(std::move(spec));
  }

  void state(const toml::key& key, const toml::node& node, Profile& profile) {
    std::string what = "states." + std::string(key.str());
    const toml::table* table = table_of(node, "[" + what + "]");
    if (table == nullptr) return;
    only_keys(*table, {"handling", "customer_response", "by", "outcomes"}, "[" + what + "]");
    StateSpec spec;
    spec.state = NameAt{std::string(key.str()), at(key.source())};
    const toml::node* handling = table->get("handling");
    const toml::node* response = table->get("customer_response");
    if ((handling != nullptr) == (response != nullptr)) {
      error(table->source(), "[" + what + "] needs either `handling` (staff work on it) or `customer_response` " +
                                 "(the customer answers)");
    } else {
      spec.customer = response != nullptr;
      std::string time_key = spec.customer ? "customer_response" : "handling";
      if (auto time = distribution(spec.customer ? *response : *handling, what + "." + time_key, true)) {
        spec.time = *time;
      }
    }
    if (const toml::node* by = table->get("by")) spec.by = name(*by, what + ".by");
    const toml::node* outcomes = table->get("outcomes");
    const toml::array* array = outcomes != nullptr ? outcomes->as_array() : nullptr;
    if (array == nullptr || array->empty()) {
      error(outcomes != nullptr ? outcomes->source() : table->source(),
            "[" + what + "] needs `outcomes`: [[" + what + ".outcomes]] tables with the event that ends the stay");
    } else {
      for (std::size_t i = 0; i < array->size(); ++i) {
        outcome(*array->get(i), what + ".outcomes[" + std::to_string(i) + "]", spec);
      }
      double total = 0;
      for (const OutcomeSpec& o : spec.outcomes) total += o.weight;
      if (!spec.outcomes.empty() && total <= 0)
        error(outcomes->source(), what + ": the outcomes' weights are all zero");
    }
    profile.states.push_back(std::move(spec));
  }

  void staff(const toml::table& table, Profile& profile) {
    for (auto&& [department, roles_node] : table) {
      const toml::table* roles = table_of(roles_node, "staff." + std::string(department.str()));
      if (roles == nullptr) continue;
      for (auto&& [role, people] : *roles) {
        std::string what = "staff." + std::string(department.str()) + "." + std::string(role.str());
        std::optional<std::int64_t> count = integer(people, what, 1, 100000);
        if (!count) continue;
        profile.staff.push_back(StaffSpec{NameAt{std::string(department.str()), at(department.source())},
                                          NameAt{std::string(role.str()), at(role.source())},
                                          static_cast<int>(*count)});
      }
    }
  }

  void approval_settings(const toml::table& table, const std::string& what, ApprovalSpec& spec) {
    if (const toml::node* delay = table.get("delay")) {
      if (auto value = distribution(*delay, what + ".delay", true)) spec.delay = *value;
    }
    if (const toml::node* share = table.get("reject_share")) {
      spec.reject_share = number(*share, what + ".reject_share", 0, 1).value_or(0);
    }
  }

  void approval(const toml::table& table, Profile& profile) {
    only_keys(table, {"delay", "reject_share", "chains"}, "[approval]");
    approval_settings(table, "approval", profile.approvals.front());
    if (const toml::node* chains_node = table.get("chains")) {
      const toml::table* chains = table_of(*chains_node, "approval.chains");
      if (chains == nullptr) return;
      for (auto&& [chain, settings] : *chains) {
        std::string what = "approval.chains." + std::string(chain.str());
        const toml::table* chain_table = table_of(settings, what);
        if (chain_table == nullptr) continue;
        only_keys(*chain_table, {"delay", "reject_share"}, "[" + what + "]");
        ApprovalSpec spec = profile.approvals.front();
        spec.chain = NameAt{std::string(chain.str()), at(chain.source())};
        approval_settings(*chain_table, what, spec);
        profile.approvals.push_back(std::move(spec));
      }
    }
  }

  void report(const toml::table& table, Profile& profile) {
    only_keys(table, {"branches"}, "[report]");
    if (const toml::node* branches = table.get("branches")) {
      if (const toml::array* array = branches->as_array()) {
        for (const toml::node& item : *array) profile.branch_states.push_back(name(item, "report.branches"));
      } else {
        error(branches->source(), "report.branches must be an array of state names");
      }
    }
  }

  engine::Result<Profile> parse(std::string_view text) {
    toml::table root;
    try {
      root = toml::parse(text, path_);
    } catch (const toml::parse_error& e) {
      return engine::Result<Profile>::failure(at(e.source()) + ": " + std::string(e.description()));
    }
    Profile profile;
    profile.path = path_;
    profile.approvals.push_back(ApprovalSpec{});
    only_keys(root, {"simulation", "arrivals", "states", "staff", "approval", "report"}, "the profile");
    if (const toml::node* node = root.get("simulation")) {
      if (const toml::table* table = table_of(*node, "[simulation]")) simulation(*table, profile);
    } else {
      errors_.push_back(path_ + ":1:1: the profile needs a [simulation] table (start, days, seed)");
    }
    if (const toml::node* node = root.get("arrivals")) {
      const toml::array* array = node->as_array();
      if (array == nullptr) {
        error(node->source(), "`arrivals` must be an array of tables: [[arrivals]]");
      } else {
        for (const toml::node& item : *array) {
          if (const toml::table* table = table_of(item, "[[arrivals]]")) arrival(*table, profile);
        }
      }
    } else {
      errors_.push_back(path_ + ":1:1: the profile needs at least one [[arrivals]] stream");
    }
    if (const toml::node* node = root.get("states")) {
      if (const toml::table* table = table_of(*node, "[states]")) {
        for (auto&& [key, value] : *table) state(key, value, profile);
      }
    }
    if (const toml::node* node = root.get("staff")) {
      if (const toml::table* table = table_of(*node, "[staff]")) staff(*table, profile);
    }
    if (const toml::node* node = root.get("approval")) {
      if (const toml::table* table = table_of(*node, "[approval]")) approval(*table, profile);
    }
    if (const toml::node* node = root.get("report")) {
      if (const toml::table* table = table_of(*node, "[report]")) report(*table, profile);
    }
    if (!errors_.empty()) {
      std::string joined;
      for (const std::string& line : errors_) joined += (joined.empty() ? "" : "\n") + line;
      return engine::Result<Profile>::failure(joined);
    }
    return engine::Result<Profile>::success(std::move(profile));
  }

 private:
  static std::string format(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
  }

  std::string path_;
  std::vector<std::string> errors_;
};

}  // namespace

double sample(const Distribution& distribution, double u) {
  switch (distribution.kind) {
    case Distribution::Kind::kFixed:
      return distribution.first;
    case Distribution::Kind::kExponential:
      return -distribution.first * std::log1p(-u);
    case Distribution::Kind::kLognormal:
      return distribution.first * std::exp(distribution.second * normal_quantile(u));
    case Distribution::Kind::kUniform:
      return distribution.first + (distribution.second - distribution.first) * u;
  }
  return distribution.first;
}

engine::Result<Profile> parse_profile(std::string_view text, const std::string& path) {
  return Parser(path).parse(text);
}

engine::Result<Profile> load_profile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return engine::Result<Profile>::failure(path + ": error: cannot open the profile");
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > 4 * 1024 * 1024) {
    return engine::Result<Profile>::failure(path + ": error: the profile is larger than 4 MiB");
  }
  return parse_profile(text.str(), path);
}

}  // namespace docket::designer
