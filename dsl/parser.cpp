// Rule text to syntax tree: PEGTL builds a parse tree of the selected rules
// (grammar.h), which is copied at once into the value types of ast.h; the
// parse tree points into the input and does not outlive this file.

#include "dsl/parser.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

#include <tao/pegtl.hpp>
#include <tao/pegtl/contrib/parse_tree.hpp>

#include "dsl/grammar.h"
#include "dsl/grammar_errors.h"

namespace docket::dsl {
namespace {

namespace pegtl = tao::pegtl;
namespace pt = tao::pegtl::parse_tree;
using namespace grammar;  // NOLINT(google-build-using-namespace): the rule names read as the grammar
using Node = pt::node;

// ------------------------------------------------------------------ tree shape

template <typename Rule>
struct selector
    : pt::selector<
          Rule,
          pt::store_content::on<identifier, string_lit, number_lit, percent_lit, duration_lit, workday_count,
                                extension_number, date_lit, time_lit, day_name, simple_type, bool_lit, now_lit, op_mul,
                                op_add, op_compare, op_in, op_and, op_or, quorum_count, version_number, clock_verb,
                                state_kind, override_marker, field_required, route_action, raise_action,
                                otherwise_clause, quorum_any, quorum_all, approval_first, extension_first>,
          pt::remove_content::on<
              extends_decl, workflow_decl, version_clause, field_decl, enum_type, field_default, field_range,
              calendar_decl, hours_item, day_range, day_required, time_span, span_required, holidays_item,
              workdays_item, date_range, zone_item, department_decl, roles_clause, category_decl, route_item,
              short_route, priority_decl, warn_item, ladder_item, breach_item, limit_item, classify_decl,
              decision_table, columns_clause, table_row, classify_rules, classify_rule, chain_decl, level_item,
              level_exclusions, within_clause, timeout_clause, approval_decl, approval_by_priority, approval_row,
              approval_when, approval_otherwise, require_decl, state_decl, await_item, pause_item, enter_item,
              exit_item, transition_item, auto_item, after_item, every_item, when_clause, by_roles, proposer_clause,
              do_clause, do_required, target_state, in_calendar, label, set_action, assign_action, notify_action,
              escalate_action, emit_action, classify_action, clock_action, not_expr, negation, in_list, override_decl,
              assign_role, start_from, extend_action, from_clause, extend_item, extension_times, extension_total,
              notice_decl, source_item, group_decl, every_state, is_set_test, is_negation, enum_label, owner_clause,
              extend_decl, report_decl, acceptance_item, resolution_item, report_clock, report_states, survey_item,
              declined_item, types_item>,
          pt::fold_one::on<expr, expr_required, disjunction, disjunction_operand, conjunction, conjunction_operand,
                           comparison, sum, sum_required, range_low, range_high, product, product_required, operand,
                           nested_expr, negated_operand, operand_required, logical_not, not_operand>> {};

// ------------------------------------------------------------------ nesting limit

// The parse-time budget of one expression: how deeply it nests, and how many
// operands it has (counted as they are parsed, so that a megabyte of
// `a or a or ...` stops early instead of building a huge tree first).
inline constexpr std::size_t kMaxExpressionParts = 1000;

struct Nesting {
  std::size_t depth = 0;
  std::size_t max = 64;
  std::size_t operands = 0;
};

// Counts how deeply expressions nest (parentheses, `not`, unary minus, `in`
// lists) and stops the parse before the recursion can exhaust the stack. The
// error points at the opener one level too deep; rules that are merely tried
// at a position without their opener do not count.
template <typename Opener>
struct limit_nesting : pegtl::maybe_nothing {
  template <typename Rule, pegtl::apply_mode A, pegtl::rewind_mode M, template <typename...> class Action,
            template <typename...> class Control, typename ParseInput, typename... States>
  static bool match(ParseInput& in, Nesting& nesting, States&&... st) {
    if (nesting.depth >= nesting.max && opens_here(in)) {
      throw pegtl::parse_error("E004:expressions nest too deeply (limit " + std::to_string(nesting.max) + " levels)",
                               in);
    }
    ++nesting.depth;
    struct Leave {
      Nesting& n;
      ~Leave() { --n.depth; }
    } leave{nesting};
    return pegtl::match<Rule, A, M, Action, Control>(in, nesting, st...);
  }

  template <typename ParseInput>
  static bool opens_here(ParseInput& in) {
    auto rewind_afterwards = in.template mark<pegtl::rewind_mode::required>();
    bool opens =
        pegtl::match<Opener, pegtl::apply_mode::nothing, pegtl::rewind_mode::required, pegtl::nothing, pegtl::normal>(
            in);
    (void)rewind_afterwards(false);
    return opens;
  }
};

template <typename Rule>
struct nesting_action : pegtl::nothing<Rule> {};
template <>
struct nesting_action<paren_expr> : limit_nesting<one<'('>> {};
template <>
struct nesting_action<in_list> : limit_nesting<one<'('>> {};
template <>
struct nesting_action<negation> : limit_nesting<minus_sign> {};
template <>
struct nesting_action<not_expr> : limit_nesting<seq<op_not, sp, not_at<kw_in>>> {};

// Each operand counts against the expression's budget.
template <>
struct nesting_action<operand> {
  template <typename ActionInput, typename... States>
  static void apply(const ActionInput& in, Nesting& nesting, States&&... /*unused*/) {
    if (++nesting.operands > kMaxExpressionParts) {
      throw pegtl::parse_error("E004:expression is too long (limit " + std::to_string(kMaxExpressionParts) + " parts)",
                               in.position());
    }
  }
};

// A new expression at the top level starts with a fresh budget.
struct start_expression : pegtl::maybe_nothing {
  template <typename Rule, pegtl::apply_mode A, pegtl::rewind_mode M, template <typename...> class Action,
            template <typename...> class Control, typename ParseInput, typename... States>
  static bool match(ParseInput& in, Nesting& nesting, States&&... st) {
    if (nesting.depth == 0) nesting.operands = 0;
    return pegtl::match<Rule, A, M, Action, Control>(in, nesting, st...);
  }
};
template <>
struct nesting_action<expr_required> : start_expression {};
template <>
struct nesting_action<range_low> : start_expression {};
template <>
struct nesting_action<range_high> : start_expression {};

template <typename Rule>
using control = pegtl::must_if<errors, pegtl::normal, false>::control<Rule>;

// ------------------------------------------------------------------ input checks

// Reports the first byte that is not valid UTF-8 or is a control character
// other than tab, newline and carriage return (E002).
bool check_encoding(std::uint32_t file, std::string_view text, Diagnostics& diagnostics) {
  std::uint32_t line = 1;
  std::uint32_t column = 1;
  std::size_t i = 0;
  while (i < text.size()) {
    auto byte = static_cast<unsigned char>(text[i]);
    std::size_t length = 1;
    bool valid = true;
    if (byte < 0x80) {
      valid = byte >= 0x20 || byte == '\t' || byte == '\n' || byte == '\r';
      if (byte == 0x7F) valid = false;
    } else {
      length = (byte >> 5) == 0x6 ? 2 : (byte >> 4) == 0xE ? 3 : (byte >> 3) == 0x1E ? 4 : 0;
      valid = length != 0 && i + length <= text.size();
      for (std::size_t k = 1; valid && k < length; ++k) {
        valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
      }
      if (valid) {
        char32_t cp = byte & (0x7F >> length);
        for (std::size_t k = 1; k < length; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
        bool overlong = (length == 2 && cp < 0x80) || (length == 3 && cp < 0x800) || (length == 4 && cp < 0x10000);
        valid = !overlong && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
      }
    }
    if (!valid) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", byte);
      diagnostics.error("E002", {file, line, column},
                        byte < 0x80 ? std::string("control character ") + hex + " is not allowed in a rule file"
                                    : std::string("invalid UTF-8 byte ") + hex,
                        "rule files are UTF-8 text; save the file as UTF-8");
      return false;
    }
    if (byte == '\n') {
      ++line;
      column = 1;
    } else {
      column += static_cast<std::uint32_t>(length);
    }
    i += length;
  }
  return true;
}

// What the parser found where it stopped, for "expected X, got Y".
std::string describe_input_at(std::string_view text, std::size_t byte) {
  if (byte >= text.size()) return "end of file";
  char c = text[byte];
  if (c == '\n' || c == '\r') return "end of line";
  auto is_word = [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
  };
  std::size_t end = byte;
  auto is_number_part = [&](std::size_t i) {
    char ch = text[i];
    if (is_word(ch) || ch == '%' || ch == ':' || ch == '-')
      return ch != '-' || (i + 1 < text.size() && text[i + 1] != '>');
    return ch == '.' && i + 1 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '9';
  };
  if (c >= '0' && c <= '9') {
    // Numbers, durations, dates and times as one token: `2026-10-1`, `48`, `80`.
    while (end < text.size() && is_number_part(end) && end - byte < 40) ++end;
  } else if (is_word(c)) {
    while (end < text.size() && is_word(text[end]) && end - byte < 40) ++end;
  } else if (static_cast<unsigned char>(c) >= 0x80) {
    // A run of non-ASCII text, such as a Chinese name: `处理中`.
    end = byte + 1;
    while (end < text.size() && end - byte < 60 &&
           ((static_cast<unsigned char>(text[end]) & 0x80) != 0 || is_word(text[end]))) {
      ++end;
    }
    while (end > byte && (static_cast<unsigned char>(text[end - 1]) & 0xC0) == 0x80 &&
           (static_cast<unsigned char>(text[end - 1]) & 0x80) != 0 && end < text.size() &&
           (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
      --end;
    }
  } else {
    end = byte + 1;
    if (end < text.size() && std::string_view("-=<>!.").find(c) != std::string_view::npos &&
        std::string_view(">=.").find(text[end]) != std::string_view::npos) {
      ++end;
    }
  }
  return "`" + std::string(text.substr(byte, end - byte)) + "`";
}

// The keywords an error message offers: words in backticks and the list
// after its colon ("expected an action: set, assign, notify, ...").
std::vector<std::string> expected_words(std::string_view message) {
  std::vector<std::string> words;
  bool in_backticks = false;
  bool after_colon = false;
  std::string word;
  auto flush = [&] {
    if (!word.empty() && (in_backticks || after_colon)) words.push_back(word);
    word.clear();
  };
  for (char c : message) {
    if ((c >= 'a' && c <= 'z') || c == '_') {
      word += c;
      continue;
    }
    flush();
    if (c == '`') in_backticks = !in_backticks;
    if (c == ':') after_colon = true;
  }
  flush();
  return words;
}

// A hint for the common slips: `=` for `==`, a misspelt keyword.
std::string help_for(std::string_view message, const std::string& got) {
  if (got == "=") return "did you mean `==`?";
  if (got == "=>") return "did you mean `->`?";
  std::vector<std::string> candidates = expected_words(message);
  if (message.find("weekday") != std::string_view::npos) {
    candidates.insert(candidates.end(), {"mon", "tue", "wed", "thu", "fri", "sat", "sun"});
  }
  std::string suggestion = closest_match(got, candidates);
  return suggestion.empty() ? std::string() : "did you mean `" + suggestion + "`?";
}

// The ASCII punctuation a full-width character typed by a Chinese input
// method stands for, or "" when `got` does not start with one.
std::string_view ascii_for_full_width(std::string_view got) {
  static constexpr std::pair<std::string_view, std::string_view> kPunctuation[] = {
      {"\uFF1A", ":"}, {"\uFF0C", ","}, {"\uFF08", "("}, {"\uFF09", ")"},  {"\uFF1B", ";"},
      {"\uFF1D", "="}, {"\uFF1E", ">"}, {"\uFF1C", "<"}, {"\u201C", "\""}, {"\u201D", "\""},
      {"\uFF5B", "{"}, {"\uFF5D", "}"}, {"\u3001", ","}, {"\uFF05", "%"},  {"\uFF0E", "."},
  };
  for (const auto& [full_width, ascii] : kPunctuation) {
    if (got.substr(0, full_width.size()) == full_width) return ascii;
  }
  return {};
}

// The word just before `byte`, skipping white space: the keyword that
// introduced a name (`state` in `initial state 已接收`).
std::string_view word_before(std::string_view text, std::size_t byte) {
  std::size_t end = std::min(byte, text.size());
  while (end > 0 && (text[end - 1] == ' ' || text[end - 1] == '\t')) --end;
  std::size_t begin = end;
  while (begin > 0 && ((text[begin - 1] >= 'a' && text[begin - 1] <= 'z') || text[begin - 1] == '_')) --begin;
  return text.substr(begin, end - begin);
}

bool declares_a_name(std::string_view keyword) {
  static constexpr std::string_view kDeclarations[] = {"workflow", "field",    "holidays", "calendar", "department",
                                                       "category", "priority", "chain",    "state",    "level"};
  return std::find(std::begin(kDeclarations), std::end(kDeclarations), keyword) != std::end(kDeclarations);
}

// How to write `got`, found after `keyword`, as an ASCII name.
std::string ascii_name_help(std::string_view keyword, const std::string& got) {
  if (keyword == "on" || keyword == "emit") {
    return "an event is named as the systems that send it write it: in ASCII, such as `submitted`";
  }
  if (declares_a_name(keyword)) {
    return "write an ASCII name with the text as its label: `" + std::string(keyword) + " NAME \"" + got + "\"`";
  }
  return "declare it under an ASCII name with the text as its label (`NAME \"" + got + "\"`) and write the name here";
}

// Non-ASCII text where the grammar stopped (E058): a name written in
// Chinese, or a full-width punctuation mark (E001). Names stay ASCII because
// other systems type and compare them byte for byte (event files, URLs, SQL,
// CSV); people read the labels.
void report_non_ascii(std::string_view text, std::size_t byte, const std::string& expected, const std::string& got,
                      SourceLoc where, Diagnostics& diagnostics) {
  std::string_view ascii = ascii_for_full_width(got);
  if (!ascii.empty()) {
    // Every full-width mark in the table is three bytes of UTF-8.
    diagnostics.error("E001", where, expected + ", got full-width `" + got.substr(0, 3) + "`",
                      "did you mean `" + std::string(ascii) + "`?");
    return;
  }
  std::string help = ascii_name_help(word_before(text, byte), got);
  diagnostics.error("E058", where, "names are ASCII letters, digits and `_`, got `" + got + "`", help);
}

void report_parse_error(const pegtl::parse_error& error, std::uint32_t file, std::string_view text,
                        Diagnostics& diagnostics) {
  std::string_view message = error.message();
  std::string code = "E001";
  if (message.size() > 5 && message[0] == 'E' && message[4] == ':') {
    code = std::string(message.substr(0, 4));
    message.remove_prefix(5);
  }
  const auto& position = error.positions().front();
  std::string text_message(message);
  if (text_message.rfind("parse error matching", 0) == 0) text_message = "unexpected input";
  std::string help;
  SourceLoc where{file, static_cast<std::uint32_t>(position.line), static_cast<std::uint32_t>(position.column)};
  if (code == "E001" && position.byte < text.size() && static_cast<unsigned char>(text[position.byte]) >= 0x80) {
    std::string got = describe_input_at(text, position.byte);
    report_non_ascii(text, position.byte, text_message, got.substr(1, got.size() - 2), where, diagnostics);
    return;
  }
  if (code == "E001") {
    std::string got = describe_input_at(text, position.byte);
    text_message += ", got " + got;
    help = help_for(message, got.substr(1, got.size() > 2 ? got.size() - 2 : 0));
  }
  diagnostics.error(code, where, text_message, help);
}

// ------------------------------------------------------------------ tree to ast

class Builder {
 public:
  Builder(std::uint32_t file, Diagnostics& diagnostics, const ParseLimits& limits)
      : file_(file), diagnostics_(diagnostics), limits_(limits) {}

  bool ok() const { return errors_ == 0; }

  RuleFile build_file(const Node& root) {
    RuleFile out;
    for (const auto& child : root.children) declaration(*child, out, false);
    return out;
  }

  ExprPtr build_expression(const Node& root) {
    if (root.children.empty()) return nullptr;
    expression_nodes_ = 0;
    return expression(*root.children.front());
  }

 private:
  SourceLoc loc(const Node& node) const {
    return {file_, static_cast<std::uint32_t>(node.m_begin.line), static_cast<std::uint32_t>(node.m_begin.column)};
  }

  void error(std::string code, SourceLoc where, std::string message) {
    diagnostics_.error(std::move(code), where, std::move(message));
    ++errors_;
  }

  template <typename Rule>
  static const Node* find(const Node& node) {
    for (const auto& child : node.children) {
      if (child->is_type<Rule>()) return child.get();
    }
    return nullptr;
  }

  template <typename Rule>
  static std::vector<const Node*> all(const Node& node) {
    std::vector<const Node*> out;
    for (const auto& child : node.children) {
      if (child->is_type<Rule>()) out.push_back(child.get());
    }
    return out;
  }

  Name name(const Node& node) {
    const Node* id = node.is_type<identifier>() ? &node : find<identifier>(node);
    if (id == nullptr) return {"", loc(node)};
    Name out{id->string(), loc(*id)};
    if (out.text.size() > limits_.max_name_bytes) {
      error("E005", out.loc,
            "name is " + std::to_string(out.text.size()) + " bytes long (limit " +
                std::to_string(limits_.max_name_bytes) + ")");
    }
    return out;
  }

  // Names that are direct identifier children, in order.
  std::vector<Name> names(const Node& node) {
    std::vector<Name> out;
    for (const Node* id : all<identifier>(node)) out.push_back(name(*id));
    return out;
  }

  static bool is_key(const Node& node) {
    return node.is_type<identifier>() || node.is_type<number_lit>() || node.is_type<bool_lit>();
  }

  // A value as written where a name, a number or `true` / `false` may stand
  // (enum values, table rows and columns, results): its text tells which.
  Name key(const Node& node) {
    if (node.is_type<identifier>()) return name(node);
    return {node.string(), loc(node)};
  }

  // The keys that are direct children, in order.
  std::vector<Name> keys(const Node& node) {
    std::vector<Name> out;
    for (const auto& child : node.children) {
      if (is_key(*child)) out.push_back(key(*child));
    }
    return out;
  }

  // The first key among the children; empty when there is none.
  Name first_key(const Node& node) {
    for (const auto& child : node.children) {
      if (is_key(*child)) return key(*child);
    }
    return {"", loc(node)};
  }

  static std::string decode_string(const Node& node) {
    std::string_view raw = node.string_view();
    raw.remove_prefix(1);
    raw.remove_suffix(1);
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 1 < raw.size()) {
        char c = raw[++i];
        out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
      } else {
        out += raw[i];
      }
    }
    return out;
  }

  std::string label_of(const Node& node) {
    const Node* l = find<grammar::label>(node);
    if (l == nullptr || l->children.empty()) return {};
    return decode_string(*l->children.front());
  }

  std::int64_t duration_seconds(const Node& node) {
    std::string_view text = node.string_view();
    std::int64_t total = 0;
    std::int64_t amount = 0;
    bool overflow = false;
    for (char c : text) {
      if (c >= '0' && c <= '9') {
        overflow |= amount > (INT64_MAX - 9) / 10;
        if (!overflow) amount = amount * 10 + (c - '0');
        continue;
      }
      std::int64_t unit = c == 'w' ? 604800 : c == 'd' ? 86400 : c == 'h' ? 3600 : c == 'm' ? 60 : 1;
      overflow |= amount > kMaxDurationSeconds / unit;
      if (!overflow) total += amount * unit;
      overflow |= total > kMaxDurationSeconds;
      amount = 0;
    }
    if (overflow) {
      error("E009", loc(node), "duration `" + std::string(text) + "` is too long (limit 100 years)");
      return 0;
    }
    return total;
  }

  static constexpr std::int64_t kMaxWorkdays = 10000;

  // The length a `duration_required` left among `parent`'s children, with
  // the `in CALENDAR` that follows it.
  Length length_of(const Node& parent) {
    Length out;
    if (const Node* d = find<duration_lit>(parent)) {
      out.seconds = duration_seconds(*d);
      out.written = d->string();
      out.loc = loc(*d);
    } else if (const Node* w = find<workday_count>(parent)) {
      out.loc = loc(*w);
      std::string digits = w->string();
      if (digits.size() > 5 || std::stoll(digits) > kMaxWorkdays) {
        error("E009", out.loc,
              "`" + digits + " workdays` is too long (limit " + std::to_string(kMaxWorkdays) + " working days)");
      } else {
        out.workdays = std::stoll(digits);
      }
      out.written = std::to_string(out.workdays) + (out.workdays == 1 ? " workday" : " workdays");
    }
    if (const Node* cal = find<in_calendar>(parent)) out.calendar = name(*cal);
    return out;
  }

  // Numbers are stored exactly in ten-thousandths (money to the cent and
  // beyond); a percentage is a factor, so it may have two decimals.
  void check_decimals(const Node& node, std::string_view text, std::size_t max_decimals, const char* what) {
    std::size_t dot = text.find('.');
    if (dot == std::string_view::npos || text.size() - dot - 1 <= max_decimals) return;
    error("E009", loc(node),
          std::string(what) + " `" + std::string(node.string_view()) + "` has more than " +
              std::to_string(max_decimals) + " decimal places");
  }

  double number_value(const Node& node, std::string_view text) {
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) || value >= 1e14) {
      error("E009", loc(node), "number `" + std::string(text) + "` is out of range (limit 10^14)");
      return 0;
    }
    return value;
  }

  std::optional<Date> date(const Node& node) {
    std::string_view t = node.string_view();
    Date d;
    d.year = std::stoi(std::string(t.substr(0, 4)));
    d.month = std::stoi(std::string(t.substr(5, 2)));
    d.day = std::stoi(std::string(t.substr(8, 2)));
    d.loc = loc(node);
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (d.year % 4 == 0 && d.year % 100 != 0) || d.year % 400 == 0;
    int days_in_month = d.month >= 1 && d.month <= 12 ? kDays[d.month - 1] + (d.month == 2 && leap ? 1 : 0) : 0;
    if (d.year < 1970 || d.month < 1 || d.month > 12 || d.day < 1 || d.day > days_in_month) {
      error("E009", d.loc, "`" + std::string(t) + "` is not a valid date");
      return std::nullopt;
    }
    return d;
  }

  int minute_of_day(const Node& node) {
    std::string_view t = node.string_view();
    int hours = (t[0] - '0') * 10 + (t[1] - '0');
    int minutes = (t[3] - '0') * 10 + (t[4] - '0');
    if (hours > 24 || minutes > 59 || (hours == 24 && minutes != 0)) {
      error("E009", loc(node), "`" + std::string(t) + "` is not a valid time of day");
      return 0;
    }
    return hours * 60 + minutes;
  }

  // ---------------------------------------------------------------- expressions

  static constexpr std::int64_t kMaxDurationSeconds = 100LL * 366 * 86400;
  // A safety net only: the parse already stops at kMaxExpressionParts operands,
  // and a tree has at most about two nodes per operand plus 64 levels of `not`/`-`.
  static constexpr int kMaxExpressionNodes = static_cast<int>(4 * kMaxExpressionParts + 64);

  std::shared_ptr<Expr> node_expr(Expr::Kind kind, const Node& node) {
    auto e = std::make_shared<Expr>();
    e->kind = kind;
    e->loc = loc(node);
    return e;
  }

  ExprPtr expression(const Node& node) {
    if (++expression_nodes_ == kMaxExpressionNodes + 1) {
      error("E004", loc(node), "expression is too long (limit " + std::to_string(kMaxExpressionParts) + " parts)");
    }
    if (expression_nodes_ > kMaxExpressionNodes) return nullptr;

    if (node.is_type<number_lit>()) {
      auto e = node_expr(Expr::Kind::kNumber, node);
      e->text = node.string();
      e->number = number_value(node, e->text);
      check_decimals(node, e->text, 4, "number");
      return e;
    }
    if (node.is_type<percent_lit>()) {
      auto e = node_expr(Expr::Kind::kPercent, node);
      std::string_view t = node.string_view();
      e->text = std::string(t);
      e->number = number_value(node, t.substr(0, t.size() - 1));
      check_decimals(node, t.substr(0, t.size() - 1), 2, "percentage");
      return e;
    }
    if (node.is_type<duration_lit>()) {
      auto e = node_expr(Expr::Kind::kDuration, node);
      e->text = node.string();
      e->seconds = duration_seconds(node);
      return e;
    }
    if (node.is_type<string_lit>()) {
      auto e = node_expr(Expr::Kind::kString, node);
      e->text = decode_string(node);
      return e;
    }
    if (node.is_type<bool_lit>()) {
      auto e = node_expr(Expr::Kind::kBool, node);
      e->boolean = node.string_view() == "true";
      return e;
    }
    if (node.is_type<now_lit>()) return node_expr(Expr::Kind::kNow, node);
    if (node.is_type<identifier>()) {
      auto e = node_expr(Expr::Kind::kName, node);
      e->text = name(node).text;
      return e;
    }
    if (node.is_type<not_expr>() || node.is_type<negation>()) {
      auto e = node_expr(Expr::Kind::kUnary, node);
      e->unary = node.is_type<not_expr>() ? UnaryOp::kNot : UnaryOp::kNegate;
      if (node.children.empty()) return nullptr;
      e->operands.push_back(expression(*node.children.back()));
      return e->operands.back() ? e : nullptr;
    }
    if (node.children.size() == 1) return expression(*node.children.front());
    if (node.children.size() == 2 && node.children[1]->is_type<is_set_test>()) return is_set(node);
    if (node.children.size() >= 3 && node.children[1]->is_type<op_in>()) {
      auto e = node_expr(Expr::Kind::kIn, node);
      e->operands.push_back(expression(*node.children[0]));
      for (const auto& member : node.children[2]->children) e->operands.push_back(expression(*member));
      for (const auto& operand : e->operands) {
        if (!operand) return nullptr;
      }
      if (node.children[1]->string_view().substr(0, 3) != "not") return e;
      auto negated = node_expr(Expr::Kind::kUnary, node);
      negated->unary = UnaryOp::kNot;
      negated->operands.push_back(e);
      return negated;
    }
    // A chain `a op b op c ...`, left-associative.
    if (node.children.size() < 3 || node.children.size() % 2 == 0) return nullptr;
    ExprPtr left = expression(*node.children[0]);
    for (std::size_t i = 1; i + 1 < node.children.size(); i += 2) {
      const Node& op = *node.children[i];
      ExprPtr right = expression(*node.children[i + 1]);
      if (!left || !right) return nullptr;
      auto e = node_expr(Expr::Kind::kBinary, op);
      e->loc = left->loc;
      e->binary = binary_op(op.string_view());
      e->operands = {left, right};
      left = e;
    }
    return left;
  }

  // `a is set`; `a is not set` is `not (a is set)`, as `not in` is.
  ExprPtr is_set(const Node& node) {
    auto e = node_expr(Expr::Kind::kIsSet, node);
    e->operands.push_back(expression(*node.children[0]));
    if (!e->operands.back()) return nullptr;
    if (find<is_negation>(*node.children[1]) == nullptr) return e;
    auto negated = node_expr(Expr::Kind::kUnary, node);
    negated->unary = UnaryOp::kNot;
    negated->operands.push_back(e);
    return negated;
  }

  static BinaryOp binary_op(std::string_view op) {
    if (op == "or") return BinaryOp::kOr;
    if (op == "and") return BinaryOp::kAnd;
    if (op == "==") return BinaryOp::kEq;
    if (op == "!=") return BinaryOp::kNe;
    if (op == "<=") return BinaryOp::kLe;
    if (op == ">=") return BinaryOp::kGe;
    if (op == "<") return BinaryOp::kLt;
    if (op == ">") return BinaryOp::kGt;
    if (op == "+") return BinaryOp::kAdd;
    if (op == "-") return BinaryOp::kSub;
    if (op == "*") return BinaryOp::kMul;
    return BinaryOp::kDiv;
  }

  // The expression held by a clause node (`when X`, `= X`).
  ExprPtr clause_expression(const Node* clause) {
    if (clause == nullptr || clause->children.empty()) return nullptr;
    expression_nodes_ = 0;
    return expression(*clause->children.back());
  }

  ExprPtr top_expression(const Node& node) {
    expression_nodes_ = 0;
    return expression(node);
  }

  // ---------------------------------------------------------------- actions

  std::vector<Action> actions(const Node* clause) {
    std::vector<Action> out;
    if (clause == nullptr) return out;
    for (const auto& child : clause->children) out.push_back(action(*child));
    return out;
  }

  Action action(const Node& node) {
    Action a;
    a.loc = loc(node);
    if (node.is_type<set_action>()) {
      a.kind = ActionKind::kSet;
      a.target = name(*node.children.front());
      if (node.children.size() > 1) a.value = top_expression(*node.children.back());
    } else if (node.is_type<assign_action>()) {
      a.kind = ActionKind::kAssign;
      a.target = name(node);
      if (const Node* role = find<assign_role>(node)) a.role = name(*role);
    } else if (node.is_type<notify_action>()) {
      a.kind = ActionKind::kNotify;
      a.target = name(node);
      if (const Node* s = find<string_lit>(node)) a.text = decode_string(*s);
    } else if (node.is_type<escalate_action>()) {
      a.kind = ActionKind::kEscalate;
      a.target = name(node);
    } else if (node.is_type<raise_action>()) {
      a.kind = ActionKind::kRaisePriority;
    } else if (node.is_type<emit_action>()) {
      a.kind = ActionKind::kEmit;
      a.target = name(node);
    } else if (node.is_type<route_action>()) {
      a.kind = ActionKind::kRoute;
    } else if (node.is_type<classify_action>()) {
      a.kind = ActionKind::kClassify;
      a.target = name(node);
    } else if (node.is_type<clock_action>()) {
      std::string_view verb = find<clock_verb>(node)->string_view();
      a.kind = verb == "start"   ? ActionKind::kStartClock
               : verb == "stop"  ? ActionKind::kStopClock
               : verb == "pause" ? ActionKind::kPauseClock
                                 : ActionKind::kResumeClock;
      a.target = name(node);
      if (const Node* from = find<start_from>(node)) a.from_field = name(*from);
    } else if (node.is_type<extend_action>()) {
      a.kind = ActionKind::kExtendClock;
      a.target = name(node);
      a.length = length_of(node);
      if (const Node* s = find<string_lit>(node)) a.text = decode_string(*s);
    }
    return a;
  }

  // ---------------------------------------------------------------- declarations

  void declaration(const Node& node, RuleFile& out, bool is_override) {
    if (node.is_type<override_decl>()) {
      if (node.children.size() >= 2) declaration(*node.children.back(), out, true);
      return;
    }
    if (node.is_type<extends_decl>()) {
      if (!out.extends_path.empty()) {
        error("E001", loc(node), "only one `extends` is allowed in a file");
      }
      out.extends_path = decode_string(*node.children.front());
      out.extends_loc = loc(node);
    } else if (node.is_type<workflow_decl>()) {
      if (out.workflow) twice(loc(node), "workflow declared twice", out.workflow->loc);
      WorkflowDecl w;
      w.name = name(node);
      w.label = label_of(node);
      if (const Node* v = find<version_clause>(node)) {
        const Node& value = *v->children.front();
        w.version = value.is_type<string_lit>() ? decode_string(value) : value.string();
      }
      w.loc = loc(node);
      out.workflow = w;
    } else if (node.is_type<field_decl>()) {
      out.fields.push_back(field(node, is_override));
    } else if (node.is_type<notice_decl>()) {
      out.notices.push_back(notice(node, is_override));
    } else if (node.is_type<calendar_decl>()) {
      out.calendars.push_back(calendar(node, is_override));
    } else if (node.is_type<department_decl>()) {
      DepartmentDecl d;
      d.name = name(node);
      d.label = label_of(node);
      if (const Node* roles = find<roles_clause>(node)) d.roles = names(*roles);
      d.is_override = is_override;
      d.loc = loc(node);
      out.departments.push_back(std::move(d));
    } else if (node.is_type<category_decl>()) {
      out.categories.push_back(category(node, is_override));
    } else if (node.is_type<priority_decl>()) {
      out.priorities.push_back(priority(node, is_override));
    } else if (node.is_type<classify_decl>()) {
      out.classifications.push_back(classification(node, is_override));
    } else if (node.is_type<chain_decl>()) {
      out.chains.push_back(chain(node, is_override));
    } else if (node.is_type<approval_decl>()) {
      if (is_override) out.approvals_override = true;
      approval(node, out);
    } else if (node.is_type<require_decl>()) {
      Constraint c;
      c.loc = loc(node);
      c.condition = top_expression(*node.children.front());
      c.when = clause_expression(find<when_clause>(node));
      c.message = decode_string(*node.children.back());
      out.constraints.push_back(std::move(c));
    } else if (node.is_type<state_decl>()) {
      out.states.push_back(state(node, is_override));
    } else if (node.is_type<group_decl>()) {
      out.groups.push_back(group(node, is_override));
    } else if (node.is_type<report_decl>()) {
      report(node, is_override, out);
    } else if (node.is_type<extend_decl>()) {
      StateDecl extension = state(node, false);
      extension.is_extension = true;
      extension.extension_first = find<extension_first>(node) != nullptr;
      out.states.push_back(std::move(extension));
    }
  }

  FieldDecl field(const Node& node, bool is_override) {
    FieldDecl f;
    f.name = name(node);
    f.label = label_of(node);
    f.is_override = is_override;
    f.loc = loc(node);
    if (const Node* simple = find<simple_type>(node)) {
      std::string_view t = simple->string_view();
      f.type = t == "text"       ? FieldType::kText
               : t == "int"      ? FieldType::kInt
               : t == "decimal"  ? FieldType::kDecimal
               : t == "money"    ? FieldType::kMoney
               : t == "bool"     ? FieldType::kBool
               : t == "duration" ? FieldType::kDuration
                                 : FieldType::kTimestamp;
      f.type_loc = loc(*simple);
    } else if (const Node* e = find<enum_type>(node)) {
      f.type = FieldType::kEnum;
      f.type_loc = loc(*e);
      for (const auto& child : e->children) {
        if (is_key(*child)) {
          f.enum_values.push_back(key(*child));
          f.enum_labels.emplace_back();
        } else if (child->is_type<enum_label>() && !f.enum_labels.empty() && !child->children.empty()) {
          f.enum_labels.back() = decode_string(*child->children.front());
        }
      }
    }
    for (const auto& child : node.children) {
      if (child->is_type<field_default>()) f.default_value = clause_expression(child.get());
      if (child->is_type<field_required>()) f.required = true;
      if (child->is_type<field_range>() && child->children.size() == 2) {
        f.range_min = top_expression(*child->children[0]);
        f.range_max = top_expression(*child->children[1]);
      }
    }
    return f;
  }

  std::vector<DateRange> dates(const Node& item) {
    std::vector<DateRange> out;
    for (const Node* range : all<date_range>(item)) {
      auto first = date(*range->children.front());
      auto last = range->children.size() > 1 ? date(*range->children.back()) : first;
      if (first && last) out.push_back({*first, *last});
    }
    return out;
  }

  CalendarDecl calendar(const Node& node, bool is_override) {
    CalendarDecl c;
    c.name = name(node);
    c.label = label_of(node);
    c.is_override = is_override;
    c.loc = loc(node);
    for (const auto& child : node.children) {
      if (child->is_type<zone_item>()) {
        const Node& s = *child->children.front();
        c.zone = decode_string(s);
        c.zone_loc = loc(s);
      } else if (child->is_type<hours_item>() && find<date_range>(*child) != nullptr) {
        c.dated_hours.push_back(dated_hours(*child));
      } else if (child->is_type<hours_item>()) {
        c.hours.push_back(working_hours(*child));
      } else if (child->is_type<holidays_item>()) {
        auto d = dates(*child);
        c.holidays.insert(c.holidays.end(), d.begin(), d.end());
        for (const Node* n : all<identifier>(*child)) c.notices.push_back(name(*n));
      } else if (child->is_type<workdays_item>()) {
        auto d = dates(*child);
        c.workdays.insert(c.workdays.end(), d.begin(), d.end());
      }
    }
    return c;
  }

  NoticeDecl notice(const Node& node, bool is_override) {
    NoticeDecl n;
    n.name = name(node);
    n.label = label_of(node);
    n.is_override = is_override;
    n.loc = loc(node);
    for (const auto& child : node.children) {
      if (child->is_type<source_item>()) {
        n.source = decode_string(*child->children.front());
      } else if (child->is_type<holidays_item>()) {
        auto d = dates(*child);
        n.holidays.insert(n.holidays.end(), d.begin(), d.end());
        for (const Node* ref : all<identifier>(*child)) n.nested.push_back(name(*ref));
      } else if (child->is_type<workdays_item>()) {
        auto d = dates(*child);
        n.workdays.insert(n.workdays.end(), d.begin(), d.end());
      }
    }
    return n;
  }

  DatedHours dated_hours(const Node& node) {
    DatedHours h;
    h.loc = loc(node);
    h.dates = dates(node);
    h.spans = working_hours(node).spans;
    return h;
  }

  static int weekday_index(std::string_view day) {
    static constexpr std::string_view kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    for (int i = 0; i < 7; ++i) {
      if (kDays[i] == day) return i;
    }
    return 0;
  }

  WorkingHours working_hours(const Node& node) {
    WorkingHours h;
    h.loc = loc(node);
    for (const auto& child : node.children) {
      if (child->is_type<day_range>() || child->is_type<day_required>()) {
        int first = weekday_index(child->children.front()->string_view());
        int last = weekday_index(child->children.back()->string_view());
        if (last < first) {
          error("E014", loc(*child), "weekday range ends before it starts; write it as `mon-fri` or list the days");
        }
        for (int d = first; d <= last; ++d) h.weekdays[static_cast<std::size_t>(d)] = true;
      } else if (child->is_type<time_span>() || child->is_type<span_required>()) {
        TimeSpan span;
        span.loc = loc(*child);
        span.start_minute = minute_of_day(*child->children.front());
        span.end_minute = minute_of_day(*child->children.back());
        h.spans.push_back(span);
      }
    }
    return h;
  }

  CategoryDecl category(const Node& node, bool is_override) {
    CategoryDecl c;
    c.name = name(node);
    c.label = label_of(node);
    c.is_override = is_override;
    c.loc = loc(node);
    // Routes sit under the unselected list/block rules, so search one level deeper too.
    auto add_route = [&](const Node& r) {
      Route route;
      route.department = name(r);
      route.condition = clause_expression(find<when_clause>(r));
      route.loc = loc(r);
      c.routes.push_back(std::move(route));
    };
    for (const auto& child : node.children) {
      if (child->is_type<short_route>() || child->is_type<route_item>()) add_route(*child);
      if (child->is_type<owner_clause>()) category_owner(*child, c);
    }
    return c;
  }

  void category_owner(const Node& clause, CategoryDecl& category) {
    Name owner = name(clause);
    if (!category.owner.empty()) {
      const SourceLoc& first = category.owner.loc;
      diagnostics_.error("E011", owner.loc, "category `" + category.name.text + "` has two owners",
                         "the first, `" + category.owner.text + "`, is at " + std::to_string(first.line) + ":" +
                             std::to_string(first.column) + "; a category has one owner");
      ++errors_;
      return;
    }
    category.owner = std::move(owner);
  }

  PriorityDecl priority(const Node& node, bool is_override) {
    PriorityDecl p;
    p.name = name(node);
    p.label = label_of(node);
    p.is_override = is_override;
    p.loc = loc(node);
    for (const auto& child : node.children) {
      const Node& item = *child;
      if (item.is_type<limit_item>()) {
        TimeLimit limit;
        limit.metric = name(item);
        limit.loc = loc(item);
        limit.length = length_of(item);
        if (const Node* from = find<from_clause>(item)) limit.from_field = name(*from);
        p.limits.push_back(std::move(limit));
      } else if (item.is_type<warn_item>()) {
        ExprPtr condition = clause_expression(find<when_clause>(item));
        for (const Node* percent : all<percent_lit>(item)) {
          std::string_view t = percent->string_view();
          p.warnings.push_back({number_value(*percent, t.substr(0, t.size() - 1)), condition, loc(*percent)});
        }
      } else if (item.is_type<extend_item>()) {
        ExtensionRule rule;
        rule.metric = name(item);
        rule.loc = loc(item);
        if (const Node* times = find<extension_times>(item)) {
          const Node* count = find<extension_number>(*times);
          std::string digits = count->string();
          if (digits.size() > 4 || std::stoi(digits) > 1000) {
            error("E009", loc(*count), "`at most " + digits + " times` is too many (limit 1000)");
          } else {
            rule.max_times = std::stoi(digits);
          }
        }
        if (const Node* total = find<extension_total>(item)) rule.up_to = length_of(*total);
        p.extension_rules.push_back(std::move(rule));
      } else if (item.is_type<ladder_item>() || item.is_type<breach_item>()) {
        Escalation e;
        e.loc = loc(item);
        if (const Node* percent = find<percent_lit>(item)) {
          std::string_view t = percent->string_view();
          e.percent = number_value(*percent, t.substr(0, t.size() - 1));
        }
        e.metric = name(item);
        e.condition = clause_expression(find<when_clause>(item));
        e.actions = actions(find<do_required>(item));
        p.escalations.push_back(std::move(e));
      }
    }
    return p;
  }

  ClassifyDecl classification(const Node& node, bool is_override) {
    ClassifyDecl c;
    c.target = name(node);
    c.is_override = is_override;
    c.loc = loc(node);
    if (const Node* table = find<decision_table>(node)) {
      std::vector<Name> fields = names(*table);
      if (fields.size() == 2) {
        c.row_field = fields[0];
        c.column_field = fields[1];
      }
      if (const Node* columns = find<columns_clause>(*table)) c.columns = keys(*columns);
      for (const Node* row : all<table_row>(*table)) {
        DecisionRow r;
        r.loc = loc(*row);
        std::vector<Name> row_names = keys(*row);
        if (row_names.empty()) continue;
        r.row_value = row_names.front();
        r.cells.assign(row_names.begin() + 1, row_names.end());
        c.rows.push_back(std::move(r));
      }
    } else if (const Node* rules = find<classify_rules>(node)) {
      for (const Node* rule : all<classify_rule>(*rules)) {
        ClassifyRule r;
        r.loc = loc(*rule);
        r.result = first_key(*rule);
        r.condition = clause_expression(find<when_clause>(*rule));
        c.rules.push_back(std::move(r));
      }
    }
    return c;
  }

  ChainDecl chain(const Node& node, bool is_override) {
    ChainDecl c;
    c.name = name(node);
    c.label = label_of(node);
    c.is_override = is_override;
    c.loc = loc(node);
    for (const Node* item : all<level_item>(node)) {
      ApprovalLevel level;
      level.loc = loc(*item);
      std::vector<Name> level_names = names(*item);
      if (level_names.empty()) continue;
      level.name = level_names.front();
      level.roles.assign(level_names.begin() + 1, level_names.end());
      if (find<quorum_all>(*item)) {
        level.quorum = Quorum::kAll;
      } else if (const Node* count = find<quorum_count>(*item)) {
        level.quorum = Quorum::kCount;
        level.count_loc = loc(*count);
        level.count = static_cast<int>(std::min(number_value(*count, count->string_view()), 1e6));
      }
      if (const Node* excluded = find<level_exclusions>(*item)) level.excluded = names(*excluded);
      if (const Node* within = find<within_clause>(*item)) {
        level.within = length_of(*within);
      }
      if (const Node* timeout = find<timeout_clause>(*item)) level.on_timeout = actions(find<do_required>(*timeout));
      c.levels.push_back(std::move(level));
    }
    return c;
  }

  void approval(const Node& node, RuleFile& out) {
    const Node& body = *node.children.back();
    const Node* first = find<approval_first>(node);
    auto mark_first = [&](ApprovalChoice& choice) {
      choice.first = first != nullptr;
      if (first != nullptr) choice.first_loc = loc(*first);
    };
    if (body.is_type<approval_by_priority>()) {
      for (const Node* row : all<approval_row>(body)) {
        std::vector<Name> row_names = names(*row);
        if (row_names.size() != 2) continue;
        ApprovalChoice choice{row_names[0], nullptr, row_names[1], false, {}, loc(*row)};
        mark_first(choice);
        out.approvals.push_back(std::move(choice));
      }
    } else if (body.is_type<approval_when>()) {
      ApprovalChoice choice;
      choice.loc = loc(body);
      choice.condition = top_expression(*body.children.front());
      choice.chain = name(*body.children.back());
      mark_first(choice);
      out.approvals.push_back(std::move(choice));
    } else if (body.is_type<approval_otherwise>()) {
      ApprovalChoice choice;
      choice.loc = loc(body);
      choice.chain = name(body);
      mark_first(choice);
      out.approvals.push_back(std::move(choice));
    }
  }

  // `by engineer, owner`: `owner` stands for the owner of the ticket's
  // category, decided when the event comes; the others are roles.
  void by(const Node& roles, Transition& t) {
    for (Name& role : names(roles)) {
      if (role.text != "owner") {
        t.roles.push_back(std::move(role));
      } else if (!t.by_owner) {
        t.by_owner = true;
        t.by_owner_loc = role.loc;
      }
    }
  }

  void report(const Node& node, bool is_override, RuleFile& out) {
    if (out.report) {
      twice(loc(node), "`report` declared twice", out.report->loc);
      return;
    }
    ReportDecl r;
    r.is_override = is_override;
    r.loc = loc(node);
    for (const auto& child : node.children) report_item(*child, r);
    out.report = std::move(r);
  }

  void report_item(const Node& item, ReportDecl& r) {
    auto once = [&](const char* what, bool given, const SourceLoc& first) {
      if (given) twice(loc(item), std::string("`") + what + "` given twice in `report`", first);
      return !given;
    };
    if (item.is_type<acceptance_item>()) {
      if (once("acceptance", !r.acceptance_metric.empty(), r.acceptance_metric.loc)) r.acceptance_metric = name(item);
    } else if (item.is_type<resolution_item>()) {
      bool given = !r.resolution_metric.empty() || !r.resolution_states.empty();
      SourceLoc first = r.resolution_states.empty() ? r.resolution_metric.loc : r.resolution_states.front().loc;
      if (!once("resolution", given, first)) return;
      if (const Node* clock = find<report_clock>(item)) {
        r.resolution_metric = name(*clock);
      } else if (const Node* states = find<report_states>(item)) {
        r.resolution_states = names(*states);
      }
    } else if (item.is_type<survey_item>()) {
      if (once("survey", !r.survey_field.empty(), r.survey_field.loc)) r.survey_field = name(item);
    } else if (item.is_type<declined_item>()) {
      if (once("declined", !r.declined_event.empty(), r.declined_event.loc)) r.declined_event = name(item);
    } else if (item.is_type<types_item>()) {
      if (once("types", !r.type_field.empty(), r.type_field.loc)) r.type_field = name(item);
    }
  }

  // E011 for what may be written once, written again at `where`.
  void twice(const SourceLoc& where, const std::string& message, const SourceLoc& first) {
    diagnostics_.error("E011", where, message + " (first at line " + std::to_string(first.line) + ")",
                       "first defined at " + std::to_string(first.line) + ":" + std::to_string(first.column));
    ++errors_;
  }

  StateDecl state(const Node& node, bool is_override) {
    StateDecl s;
    s.is_override = is_override;
    s.loc = loc(node);
    if (const Node* kind = find<state_kind>(node)) {
      s.initial = kind->string_view() == "initial";
      s.final = kind->string_view() == "final";
    }
    s.name = name(node);
    s.label = label_of(node);
    state_items(node, s);
    return s;
  }

  GroupDecl group(const Node& node, bool is_override) {
    GroupDecl g;
    g.is_override = is_override;
    g.loc = loc(node);
    std::vector<Name> identifiers = names(node);  // the group's name, then its states
    g.name = identifiers.empty() ? Name{"", loc(node)} : identifiers.front();
    if (!identifiers.empty()) g.states.assign(identifiers.begin() + 1, identifiers.end());
    g.every_state = find<every_state>(node) != nullptr;
    g.label = label_of(node);
    StateDecl items;
    state_items(node, items);
    g.paused_clocks = std::move(items.paused_clocks);
    g.on_enter = std::move(items.on_enter);
    g.on_exit = std::move(items.on_exit);
    g.transitions = std::move(items.transitions);
    g.timers = std::move(items.timers);
    return g;
  }

  // The items of a state's or a group's block, into `s`.
  void state_items(const Node& node, StateDecl& s) {
    for (const auto& child : node.children) {
      const Node& item = *child;
      if (item.is_type<await_item>()) {
        s.awaits_approval = true;
        s.await_loc = loc(item);
      } else if (item.is_type<pause_item>()) {
        for (Name& metric : names(item)) s.paused_clocks.push_back(std::move(metric));
      } else if (item.is_type<enter_item>()) {
        for (Action& a : actions(find<do_required>(item))) s.on_enter.push_back(std::move(a));
      } else if (item.is_type<exit_item>()) {
        for (Action& a : actions(find<do_required>(item))) s.on_exit.push_back(std::move(a));
      } else if (item.is_type<transition_item>() || item.is_type<auto_item>()) {
        Transition t;
        t.loc = loc(item);
        t.automatic = item.is_type<auto_item>();
        if (!t.automatic) t.event = name(item);
        t.guard = clause_expression(find<when_clause>(item));
        if (const Node* roles = find<by_roles>(item)) by(*roles, t);
        if (const Node* proposer = find<proposer_clause>(item)) t.proposer_loc = loc(*proposer);
        if (const Node* target = find<target_state>(item)) t.target = name(*target);
        t.actions = actions(find<do_clause>(item));
        s.transitions.push_back(std::move(t));
      } else if (item.is_type<after_item>() || item.is_type<every_item>()) {
        Timer timer;
        timer.loc = loc(item);
        timer.recurring = item.is_type<every_item>();
        timer.length = length_of(item);
        timer.guard = clause_expression(find<when_clause>(item));
        if (const Node* target = find<target_state>(item)) timer.target = name(*target);
        const Node* clause = find<do_clause>(item);
        timer.actions = actions(clause != nullptr ? clause : find<do_required>(item));
        s.timers.push_back(std::move(timer));
      }
    }
  }

  std::uint32_t file_;
  Diagnostics& diagnostics_;
  const ParseLimits& limits_;
  int errors_ = 0;
  int expression_nodes_ = 0;
};

template <typename Grammar>
std::unique_ptr<Node> parse_tree(std::uint32_t file, std::string_view text, Diagnostics& diagnostics,
                                 const ParseLimits& limits) {
  if (text.size() > limits.max_file_bytes) {
    diagnostics.error(
        "E003", {file, 1, 1},
        "rule file is " + std::to_string(text.size()) + " bytes (limit " + std::to_string(limits.max_file_bytes) + ")");
    return nullptr;
  }
  if (!check_encoding(file, text, diagnostics)) return nullptr;
  pegtl::memory_input<> in(text.data(), text.size(), "");
  Nesting nesting{0, limits.max_nesting};
  try {
    auto root = pt::parse<Grammar, Node, selector, nesting_action, control>(in, nesting);
    if (!root) diagnostics.error("E001", {file, 1, 1}, "could not parse the file");
    return root;
  } catch (const pegtl::parse_error& error) {
    report_parse_error(error, file, text, diagnostics);
    return nullptr;
  }
}

}  // namespace

std::optional<RuleFile> parse(std::uint32_t file, std::string_view text, Diagnostics& diagnostics,
                              const ParseLimits& limits) {
  auto root = parse_tree<grammar::file>(file, text, diagnostics, limits);
  if (!root) return std::nullopt;
  Builder builder(file, diagnostics, limits);
  RuleFile out = builder.build_file(*root);
  if (!builder.ok()) return std::nullopt;
  return out;
}

ExprPtr parse_expression(std::uint32_t file, std::string_view text, Diagnostics& diagnostics,
                         const ParseLimits& limits) {
  auto root = parse_tree<grammar::expression_file>(file, text, diagnostics, limits);
  if (!root) return nullptr;
  Builder builder(file, diagnostics, limits);
  ExprPtr out = builder.build_expression(*root);
  if (!builder.ok()) return nullptr;
  return out;
}

}  // namespace docket::dsl
