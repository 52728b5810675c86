// The PEGTL grammar of rule files. Private to dsl/parser.cpp (and the test
// that analyses it): include it nowhere else, it is slow to compile.
//
// Conventions: every token rule swallows the white space and comments after
// it, so rules compose without thinking about spacing. A keyword commits the
// parse (`if_must`): what follows it must be there, and the named rule that
// fails carries the message the designer sees (dsl/grammar_errors.h). Rules
// with a message are used only in such committed places, never inside a
// `sor<>` where failing is ordinary.
//
// The syntax is described for users in docs/language.md.

#pragma once

#include <tao/pegtl.hpp>

namespace docket::dsl::grammar {

namespace pegtl = tao::pegtl;
using pegtl::alpha;
using pegtl::digit;
using pegtl::eolf;
using pegtl::if_must;
using pegtl::list;
using pegtl::must;
using pegtl::not_at;
using pegtl::not_one;
using pegtl::one;
using pegtl::opt;
using pegtl::plus;
using pegtl::ranges;
using pegtl::rep;
using pegtl::seq;
using pegtl::sor;
using pegtl::space;
using pegtl::star;
using pegtl::string;
using pegtl::until;

// ------------------------------------------------------------------ lexical

struct comment : seq<one<'#'>, until<eolf>> {};
struct sp : star<sor<space, comment>> {};
// Between declarations and block items `;` may separate, as on one line.
struct sep : star<sor<space, comment, one<';'>>> {};

template <typename Rule>
struct tok : seq<Rule, sp> {};

struct ident_first : ranges<'a', 'z', 'A', 'Z', '_'> {};
struct ident_rest : ranges<'a', 'z', 'A', 'Z', '0', '9', '_'> {};

#define DOCKET_KEYWORD(name, text) \
  struct kw_##name : TAO_PEGTL_KEYWORD(text) {}

DOCKET_KEYWORD(after, "after");
DOCKET_KEYWORD(all, "all");
DOCKET_KEYWORD(and, "and");
DOCKET_KEYWORD(any, "any");
DOCKET_KEYWORD(approval, "approval");
DOCKET_KEYWORD(as, "as");
DOCKET_KEYWORD(assign, "assign");
DOCKET_KEYWORD(at, "at");
DOCKET_KEYWORD(auto, "auto");
DOCKET_KEYWORD(await, "await");
DOCKET_KEYWORD(breach, "breach");
DOCKET_KEYWORD(by, "by");
DOCKET_KEYWORD(calendar, "calendar");
DOCKET_KEYWORD(category, "category");
DOCKET_KEYWORD(chain, "chain");
DOCKET_KEYWORD(classify, "classify");
DOCKET_KEYWORD(columns, "columns");
DOCKET_KEYWORD(department, "department");
DOCKET_KEYWORD(do, "do");
DOCKET_KEYWORD(emit, "emit");
DOCKET_KEYWORD(enter, "enter");
DOCKET_KEYWORD(enum, "enum");
DOCKET_KEYWORD(escalate, "escalate");
DOCKET_KEYWORD(extend, "extend");
DOCKET_KEYWORD(every, "every");
DOCKET_KEYWORD(exit, "exit");
DOCKET_KEYWORD(extends, "extends");
DOCKET_KEYWORD(false, "false");
DOCKET_KEYWORD(field, "field");
DOCKET_KEYWORD(final, "final");
DOCKET_KEYWORD(first, "first");
DOCKET_KEYWORD(from, "from");
DOCKET_KEYWORD(group, "group");
DOCKET_KEYWORD(holidays, "holidays");
DOCKET_KEYWORD(hours, "hours");
DOCKET_KEYWORD(in, "in");
DOCKET_KEYWORD(initial, "initial");
DOCKET_KEYWORD(is, "is");
DOCKET_KEYWORD(level, "level");
DOCKET_KEYWORD(not, "not");
DOCKET_KEYWORD(notify, "notify");
DOCKET_KEYWORD(now, "now");
DOCKET_KEYWORD(of, "of");
DOCKET_KEYWORD(on, "on");
DOCKET_KEYWORD(or, "or");
DOCKET_KEYWORD(otherwise, "otherwise");
DOCKET_KEYWORD(override, "override");
DOCKET_KEYWORD(owner, "owner");
DOCKET_KEYWORD(pause, "pause");
DOCKET_KEYWORD(priority, "priority");
DOCKET_KEYWORD(proposer, "proposer");
DOCKET_KEYWORD(raise, "raise");
DOCKET_KEYWORD(range, "range");
DOCKET_KEYWORD(require, "require");
DOCKET_KEYWORD(required, "required");
DOCKET_KEYWORD(resume, "resume");
DOCKET_KEYWORD(roles, "roles");
DOCKET_KEYWORD(route, "route");
DOCKET_KEYWORD(most, "most");
DOCKET_KEYWORD(set, "set");
DOCKET_KEYWORD(source, "source");
DOCKET_KEYWORD(start, "start");
DOCKET_KEYWORD(state, "state");
DOCKET_KEYWORD(stop, "stop");
DOCKET_KEYWORD(time, "time");
DOCKET_KEYWORD(times, "times");
DOCKET_KEYWORD(timeout, "timeout");
DOCKET_KEYWORD(to, "to");
DOCKET_KEYWORD(true, "true");
DOCKET_KEYWORD(up, "up");
DOCKET_KEYWORD(version, "version");
DOCKET_KEYWORD(warn, "warn");
DOCKET_KEYWORD(when, "when");
DOCKET_KEYWORD(within, "within");
DOCKET_KEYWORD(workday, "workday");
DOCKET_KEYWORD(workdays, "workdays");
DOCKET_KEYWORD(workflow, "workflow");
DOCKET_KEYWORD(x, "x");
DOCKET_KEYWORD(zone, "zone");

DOCKET_KEYWORD(acceptance, "acceptance");
DOCKET_KEYWORD(clock, "clock");
DOCKET_KEYWORD(declined, "declined");
DOCKET_KEYWORD(event, "event");
DOCKET_KEYWORD(report, "report");
DOCKET_KEYWORD(resolution, "resolution");
DOCKET_KEYWORD(survey, "survey");
DOCKET_KEYWORD(types, "types");

#undef DOCKET_KEYWORD

// Words that cannot name anything inside an expression.
struct reserved : sor<kw_and, kw_or, kw_not, kw_in, kw_true, kw_false, kw_now> {};

// The one node type for every name; the parent rule says what it names.
struct identifier : seq<not_at<reserved>, ident_first, star<ident_rest>> {};
struct ident : tok<identifier> {};

// Strings stay on one line so that a missing quote is reported where it is.
struct escape_char : one<'"', '\\', 'n', 't'> {};
struct escape : if_must<one<'\\'>, escape_char> {};
struct string_char : sor<escape, not_one<'"', '\\', '\n', '\r'>> {};
struct string_close : one<'"'> {};
struct string_lit : if_must<one<'"'>, star<string_char>, string_close> {};
struct str : tok<string_lit> {};

struct digits : plus<digit> {};
struct number_raw : seq<digits, opt<one<'.'>, digits>> {};
struct number_lit : seq<number_raw, not_at<ident_rest>> {};
struct percent_lit : seq<number_raw, one<'%'>> {};
struct duration_unit : one<'w', 'd', 'h', 'm', 's'> {};
struct duration_lit : seq<plus<digits, duration_unit>, not_at<ident_rest>> {};
// `15 workdays`: whole working days of a calendar (two tokens).
struct workday_count : seq<digits, not_at<ident_rest>> {};
struct date_lit : seq<rep<4, digit>, one<'-'>, rep<2, digit>, one<'-'>, rep<2, digit>> {};
struct time_lit : seq<rep<2, digit>, one<':'>, rep<2, digit>> {};

struct comma : tok<one<','>> {};
struct colon : tok<one<':'>> {};
struct arrow : tok<string<'-', '>'>> {};
struct equals : tok<one<'='>> {};
struct open_brace : tok<one<'{'>> {};
struct open_paren : tok<one<'('>> {};
struct brace_required : open_brace {};  // `{` where nothing else may follow
struct close_paren : tok<one<')'>> {};

// ------------------------------------------------------------------ expressions

struct expr;
struct expr_required : seq<expr> {};  // an expression must follow here

struct bool_lit : sor<kw_true, kw_false> {};
struct now_lit : kw_now {};
struct nested_expr : seq<expr> {};  // inside parentheses: one level deeper
struct paren_expr : if_must<open_paren, nested_expr, close_paren> {};
struct primary
    : sor<tok<percent_lit>, tok<duration_lit>, tok<number_lit>, str, tok<bool_lit>, tok<now_lit>, ident, paren_expr> {};

struct operand;
struct operand_required : seq<operand> {};
struct minus_sign : seq<one<'-'>, not_at<one<'>'>>> {};
struct negated_operand : seq<operand> {};
struct negation : if_must<tok<minus_sign>, negated_operand> {};
struct operand : sor<negation, primary> {};

struct op_mul : one<'*', '/'> {};
struct product : seq<operand, star<tok<op_mul>, must<operand_required>>> {};
struct op_add : sor<one<'+'>, minus_sign> {};
struct product_required : seq<product> {};
struct sum : seq<product, star<tok<op_add>, must<product_required>>> {};

struct op_compare : sor<string<'=', '='>, string<'!', '='>, string<'<', '='>, string<'>', '='>, one<'<'>, one<'>'>> {};
struct in_list : if_must<open_paren, expr_required, star<comma, must<expr_required>>, close_paren> {};
struct op_in : sor<seq<kw_not, sp, kw_in>, kw_in> {};
struct sum_required : sum {};
// `resolution_code is set`, `resolution_code is not set`.
struct is_negation : tok<kw_not> {};
struct set_word : sor<tok<kw_set>, pegtl::failure> {};  // fails where it starts, as whole_token (below)
struct is_set_test : if_must<tok<kw_is>, opt<is_negation>, set_word> {};
struct comparison
    : seq<sum, opt<sor<seq<tok<op_compare>, must<sum_required>>, seq<tok<op_in>, must<in_list>>, is_set_test>>> {};

struct logical_not;
struct not_operand : seq<logical_not> {};
struct op_not : kw_not {};
struct not_expr : if_must<seq<tok<op_not>, not_at<kw_in>>, not_operand> {};
struct logical_not : sor<not_expr, comparison> {};
struct op_and : kw_and {};
struct conjunction_operand : logical_not {};
struct conjunction : seq<logical_not, star<tok<op_and>, must<conjunction_operand>>> {};
struct op_or : kw_or {};
struct disjunction_operand : conjunction {};
struct disjunction : seq<conjunction, star<tok<op_or>, must<disjunction_operand>>> {};
struct expr : disjunction {};

// A lone expression, as parse_expression() takes it.
struct expression_end : pegtl::eof {};
struct expression_file : seq<sp, expr_required, must<expression_end>> {};

// ------------------------------------------------------------------ actions

struct workday_unit : sor<kw_workdays, kw_workday> {};
struct workday_length : seq<tok<workday_count>, tok<workday_unit>> {};
// A length of time: `4h`, `1h30m`, `15 workdays`. Fails where it starts, so
// that the error points at the whole token (`48` in `after 48`).
struct duration_required : sor<workday_length, tok<duration_lit>, pegtl::failure> {};
struct calendar_ref : ident {};
struct in_calendar : if_must<tok<kw_in>, calendar_ref> {};

struct set_field : ident {};
struct set_equals : equals {};
struct set_action : if_must<tok<kw_set>, set_field, set_equals, expr_required> {};
struct assign_role : ident {};
struct assign_target : seq<identifier, opt<one<'.'>, must<assign_role>>, sp> {};
struct assign_action : if_must<tok<kw_assign>, assign_target> {};
struct notify_recipient : ident {};
struct notify_template : str {};
struct notify_action : if_must<tok<kw_notify>, notify_recipient, notify_template> {};
struct escalate_role : ident {};
struct escalate_to : tok<kw_to> {};
struct escalate_action : if_must<tok<kw_escalate>, escalate_to, escalate_role> {};
struct raise_what : tok<kw_priority> {};
struct raise_action : if_must<tok<kw_raise>, raise_what> {};
struct emit_event : ident {};
struct emit_action : if_must<tok<kw_emit>, emit_event> {};
struct route_action : tok<kw_route> {};
struct classify_what : ident {};
struct classify_action : if_must<tok<kw_classify>, classify_what> {};
struct clock_verb : sor<kw_start, kw_stop, kw_pause, kw_resume> {};
struct clock_metric : ident {};
struct start_field : ident {};
struct start_from : if_must<tok<kw_from>, start_field> {};
struct clock_action : if_must<tok<clock_verb>, clock_metric, opt<start_from>> {};
struct extend_metric : ident {};
struct extend_by : tok<kw_by> {};
struct extend_reason : str {};
struct extend_action
    : if_must<tok<kw_extend>, extend_metric, extend_by, duration_required, opt<in_calendar>, extend_reason> {};

struct action : sor<set_action, assign_action, notify_action, escalate_action, raise_action, emit_action, route_action,
                    classify_action, clock_action, extend_action> {};
struct action_required : action {};
struct action_list : seq<must<action_required>, star<comma, must<action_required>>> {};
struct do_keyword : tok<kw_do> {};
struct do_clause : if_must<tok<kw_do>, action_list> {};
struct do_required : do_clause {};

// ------------------------------------------------------------------ shared clauses

struct label : str {};
struct when_clause : if_must<tok<kw_when>, expr_required> {};
// A token required here fails where it starts, so that the error points at
// the whole token (`48` in `after 48`), not at the character that broke it.
template <typename Token>
struct whole_token : sor<tok<Token>, pegtl::failure> {};

struct percent_required : whole_token<percent_lit> {};
struct target_state : ident {};
struct arrow_target : if_must<arrow, target_state> {};

// ------------------------------------------------------------------ declarations

struct extends_path : str {};
struct extends_decl : if_must<tok<kw_extends>, extends_path> {};

struct workflow_name : ident {};
struct version_number : seq<digits, star<one<'.'>, digits>> {};
struct version_value : sor<str, tok<version_number>> {};
struct version_clause : if_must<tok<kw_version>, version_value> {};
struct workflow_decl : if_must<tok<kw_workflow>, workflow_name, opt<label>, opt<version_clause>> {};

// Fields.
struct field_name : ident {};
// A value is a name or a whole number (`enum(1 "高", 2 "中", 3 "低")`), with
// an optional label.
struct enum_value : sor<ident, tok<number_lit>> {};
struct enum_label : str {};
struct enum_close : close_paren {};
struct enum_open : open_paren {};
struct enum_type : if_must<tok<kw_enum>, enum_open, enum_value, opt<enum_label>,
                           star<comma, must<enum_value>, opt<enum_label>>, enum_close> {};
struct simple_type
    : sor<TAO_PEGTL_KEYWORD("text"), TAO_PEGTL_KEYWORD("int"), TAO_PEGTL_KEYWORD("decimal"), TAO_PEGTL_KEYWORD("money"),
          TAO_PEGTL_KEYWORD("bool"), TAO_PEGTL_KEYWORD("duration"), TAO_PEGTL_KEYWORD("timestamp")> {};
struct field_type : sor<enum_type, tok<simple_type>> {};
struct field_default : if_must<equals, expr_required> {};
struct field_required : tok<kw_required> {};
struct range_dots : tok<string<'.', '.'>> {};
struct range_low : sum {};
struct range_high : sum {};
struct field_range : if_must<tok<kw_range>, range_low, range_dots, range_high> {};
struct field_decl : if_must<tok<kw_field>, field_name, opt<label>, colon, field_type,
                            star<sor<field_default, field_required, field_range>>> {};

// Calendars.
struct day_name
    : sor<TAO_PEGTL_KEYWORD("mon"), TAO_PEGTL_KEYWORD("tue"), TAO_PEGTL_KEYWORD("wed"), TAO_PEGTL_KEYWORD("thu"),
          TAO_PEGTL_KEYWORD("fri"), TAO_PEGTL_KEYWORD("sat"), TAO_PEGTL_KEYWORD("sun")> {};
struct day_range_end : whole_token<day_name> {};
struct day_range : seq<tok<day_name>, opt<tok<one<'-'>>, must<day_range_end>>> {};
struct day_required : day_range {};
struct time_required : whole_token<time_lit> {};
struct span_dash : tok<one<'-'>> {};
struct time_span : seq<tok<time_lit>, must<span_dash>, must<time_required>> {};
struct span_required : time_span {};
struct date_required : whole_token<date_lit> {};
struct date_dots : tok<pegtl::string<'.', '.'>> {};
struct date_range : seq<date_required, opt<date_dots, must<date_required>>> {};
struct date_list : seq<must<date_range>, star<comma, must<date_range>>> {};
struct hours_days : seq<day_required, star<comma, day_range>> {};
struct hours_dates : seq<pegtl::at<date_lit>, date_list> {};
struct hours_when : sor<hours_dates, hours_days> {};
struct hours_item : if_must<tok<kw_hours>, hours_when, span_required, star<comma, must<span_required>>> {};
struct notice_ref : ident {};
struct notice_list : seq<notice_ref, star<comma, must<notice_ref>>> {};
struct holidays_what : sor<notice_list, date_list> {};
struct holidays_item : if_must<tok<kw_holidays>, holidays_what> {};
struct workdays_item : if_must<tok<kw_workdays>, date_list> {};
struct zone_name : str {};
struct zone_item : if_must<tok<kw_zone>, zone_name> {};
struct calendar_item : sor<zone_item, hours_item, holidays_item, workdays_item> {};
struct calendar_close : tok<one<'}'>> {};
struct calendar_name : ident {};
struct calendar_decl : if_must<tok<kw_calendar>, calendar_name, opt<label>, brace_required, sep,
                               star<calendar_item, sep>, calendar_close> {};

// Holiday notices.
struct notice_source : str {};
struct source_item : if_must<tok<kw_source>, notice_source> {};
struct notice_item : sor<source_item, holidays_item, workdays_item> {};
struct notice_close : tok<one<'}'>> {};
struct notice_name : ident {};
struct notice_decl
    : if_must<tok<kw_holidays>, notice_name, opt<label>, brace_required, sep, star<notice_item, sep>, notice_close> {};

// Departments.
struct department_name : ident {};
struct role_name : ident {};
struct roles_clause : if_must<tok<kw_roles>, role_name, star<comma, must<role_name>>> {};
struct department_close : tok<one<'}'>> {};
struct department_block : if_must<open_brace, sep, opt<roles_clause>, sep, department_close> {};
struct department_decl : if_must<tok<kw_department>, department_name, opt<label>, opt<department_block>> {};

// Categories.
struct category_name : ident {};
struct route_department : ident {};
struct route_item : if_must<tok<kw_route>, route_department, opt<when_clause>> {};
struct short_route : seq<route_department> {};
// `owner engineer`: the role that takes the category's cases (`by owner`).
struct owner_role : ident {};
struct owner_clause : if_must<tok<kw_owner>, owner_role> {};
struct route_list : if_must<arrow, short_route, star<comma, must<short_route>>, opt<owner_clause>> {};
struct route_close : tok<one<'}'>> {};
struct route_block : if_must<open_brace, sep, star<sor<route_item, owner_clause>, sep>, route_close> {};
struct category_decl : if_must<tok<kw_category>, category_name, opt<label>, opt<sor<route_list, route_block>>> {};

// Priorities.
struct metric_name : ident {};
struct warn_at : tok<kw_at> {};
struct warn_item
    : if_must<tok<kw_warn>, warn_at, percent_required, star<comma, must<percent_required>>, opt<when_clause>> {};
struct of_keyword : tok<kw_of> {};
struct ladder_item : if_must<tok<kw_at>, percent_required, of_keyword, metric_name, opt<when_clause>, do_required> {};
struct breach_item : if_must<seq<tok<kw_on>, tok<kw_breach>>, of_keyword, metric_name, opt<when_clause>, do_required> {
};
struct limit_metric : ident {};
struct from_field : ident {};
struct from_clause : if_must<tok<kw_from>, from_field> {};
struct limit_item : seq<limit_metric, must<duration_required>, opt<in_calendar>, opt<from_clause>> {};
// `extend decide at most 2 times, up to 60 workdays in office`; `1 time` too
// (and `1 times`, as before).
struct extension_number : digits {};
struct extension_count : tok<extension_number> {};
struct times_word : tok<sor<kw_times, kw_time>> {};
struct most_word : tok<kw_most> {};
struct extension_times : if_must<tok<kw_at>, most_word, extension_count, times_word> {};
struct to_word : tok<kw_to> {};
struct extension_total : if_must<tok<kw_up>, to_word, duration_required, opt<in_calendar>> {};
struct extension_caps : sor<seq<extension_times, opt<comma, must<extension_total>>>, extension_total> {};
struct extension_caps_required : extension_caps {};
struct extend_item : if_must<tok<kw_extend>, metric_name, extension_caps_required> {};
struct priority_item : sor<warn_item, ladder_item, breach_item, extend_item, limit_item> {};
struct priority_close : tok<one<'}'>> {};
struct priority_name : ident {};
struct priority_decl : if_must<tok<kw_priority>, priority_name, opt<label>, brace_required, sep,
                               star<priority_item, sep>, priority_close> {};

// Classification.
struct classify_target : ident {};
struct row_field : ident {};
struct column_field : ident {};
struct times_sign : tok<kw_x> {};
// Rows and columns are labelled by enum values (names or numbers), `true` /
// `false`, or whole numbers; cells are results (names or numbers).
struct table_key : sor<ident, tok<number_lit>, tok<bool_lit>> {};
struct column_value : table_key {};
struct columns_clause : if_must<tok<kw_columns>, column_value, star<comma, must<column_value>>> {};
struct row_value : table_key {};
struct cell : seq<not_at<sor<identifier, number_raw>, sp, one<':'>>, sor<ident, tok<number_lit>>> {};
struct cell_required : cell {};
struct table_row : seq<row_value, must<colon>, must<cell_required>, star<cell>> {};
struct table_close : tok<one<'}'>> {};
struct decision_table : if_must<tok<kw_by>, row_field, times_sign, column_field, brace_required, sep,
                                opt<columns_clause, sep>, star<table_row, sep>, table_close> {};
struct rule_result : sor<ident, tok<number_lit>> {};
struct otherwise_clause : tok<kw_otherwise> {};
struct rule_condition : sor<when_clause, otherwise_clause> {};
struct classify_rule : seq<rule_result, must<rule_condition>> {};
struct rules_close : tok<one<'}'>> {};
struct classify_rules : if_must<open_brace, sep, star<classify_rule, sep>, rules_close> {};
struct classify_body : sor<decision_table, classify_rules> {};
struct classify_decl : if_must<tok<kw_classify>, classify_target, classify_body> {};

// Approval chains and how one is chosen.
struct level_name : ident {};
struct approver_role : ident {};
struct quorum_count : digits {};
struct quorum_any : seq<tok<kw_any>, opt<tok<kw_of>>> {};
struct quorum_all : seq<tok<kw_all>, opt<tok<kw_of>>> {};
struct quorum_n : seq<tok<quorum_count>, must<of_keyword>> {};
struct quorum : sor<quorum_any, quorum_all, quorum_n> {};
struct within_clause : if_must<tok<kw_within>, duration_required, opt<in_calendar>> {};
struct timeout_clause : if_must<seq<tok<kw_on>, tok<kw_timeout>>, do_required> {};
// `not proposer, participants, assignee`: `not` can name no role, so it ends the list of roles.
struct excluded_voter : ident {};
struct level_exclusions : if_must<tok<kw_not>, excluded_voter, star<comma, must<excluded_voter>>> {};
struct level_item : if_must<tok<kw_level>, level_name, colon, quorum, approver_role, star<comma, must<approver_role>>,
                            opt<level_exclusions>, opt<within_clause>, opt<timeout_clause>> {};
struct chain_close : tok<one<'}'>> {};
struct chain_name : ident {};
struct chain_decl
    : if_must<tok<kw_chain>, chain_name, opt<label>, brace_required, sep, star<level_item, sep>, chain_close> {};

struct chain_ref : ident {};
struct approval_priority : ident {};
struct approval_row : seq<approval_priority, must<colon>, must<chain_ref>> {};
struct approval_close : tok<one<'}'>> {};
struct approval_priority_word : tok<kw_priority> {};
struct approval_by_priority
    : if_must<tok<kw_by>, approval_priority_word, brace_required, sep, star<approval_row, sep>, approval_close> {};
struct approval_when : if_must<tok<kw_when>, expr_required, colon, chain_ref> {};
struct approval_otherwise : if_must<tok<kw_otherwise>, colon, chain_ref> {};
struct approval_body : sor<approval_by_priority, approval_when, approval_otherwise> {};
// `approval first ...`: in a file that extends another, before the base's rules.
struct approval_first : tok<kw_first> {};
struct approval_decl : if_must<tok<kw_approval>, opt<approval_first>, approval_body> {};

// Constraints.
struct require_message : str {};
struct require_decl : if_must<tok<kw_require>, expr_required, opt<when_clause>, require_message> {};

// States.
struct state_name : ident {};
struct event_name : ident {};
struct by_roles : if_must<tok<kw_by>, role_name, star<comma, must<role_name>>> {};
struct await_what : tok<kw_approval> {};
struct await_item : if_must<tok<kw_await>, await_what> {};
struct paused_metric : ident {};
struct pause_item : if_must<tok<kw_pause>, paused_metric, star<comma, must<paused_metric>>> {};
struct enter_item : if_must<seq<tok<kw_on>, tok<kw_enter>>, do_required> {};
struct exit_item : if_must<seq<tok<kw_on>, tok<kw_exit>>, do_required> {};
struct proposer_word : tok<kw_proposer> {};
struct proposer_clause : if_must<tok<kw_as>, proposer_word> {};
struct transition_arrow : arrow_target {};
// An `on` without `-> TARGET` stays in the state: it ends with its actions,
// or where the next item or the block's end begins.
struct stay_end : pegtl::at<sor<one<'}'>, one<';'>, kw_on, kw_auto, kw_after, kw_every, kw_pause, kw_await>> {};
struct transition_rest : sor<seq<arrow_target, opt<do_clause>>, do_clause, stay_end> {};
struct transition_item
    : if_must<tok<kw_on>, event_name, opt<when_clause>, opt<by_roles>, opt<proposer_clause>, transition_rest> {};
struct auto_item : if_must<tok<kw_auto>, opt<when_clause>, transition_arrow, opt<do_clause>> {};
struct after_item
    : if_must<tok<kw_after>, duration_required, opt<in_calendar>, opt<when_clause>, opt<arrow_target>, opt<do_clause>> {
};
struct every_item : if_must<tok<kw_every>, duration_required, opt<in_calendar>, opt<when_clause>, do_required> {};
struct state_item
    : sor<await_item, pause_item, enter_item, exit_item, transition_item, auto_item, after_item, every_item> {};
struct state_close : tok<one<'}'>> {};
struct state_block : if_must<open_brace, sep, star<state_item, sep>, state_close> {};
struct state_kind : sor<kw_initial, kw_final> {};
struct state_keyword : tok<kw_state> {};
struct state_rest : seq<state_name, opt<label>, opt<state_block>> {};
struct state_keyword_required : state_keyword {};
struct state_decl
    : sor<if_must<tok<state_kind>, state_keyword_required, state_rest>, if_must<state_keyword, state_rest>> {};
// `extend state dispatched [first] { ... }`: items added to a base's state.
struct extend_what : state_keyword {};
struct extension_first : tok<kw_first> {};
struct extend_decl : if_must<tok<kw_extend>, extend_what, state_name, opt<extension_first>, brace_required, sep,
                             star<state_item, sep>, state_close> {};

// Groups: what several states share, written once.
struct group_name : ident {};
struct group_state : ident {};
struct every_state : tok<one<'*'>> {};
struct group_open : open_paren {};
struct group_states : sor<every_state, seq<group_state, star<comma, must<group_state>>>> {};
struct group_states_close : close_paren {};
struct group_item : sor<pause_item, enter_item, exit_item, transition_item, auto_item, after_item, every_item> {};
struct group_close : tok<one<'}'>> {};
struct group_decl : if_must<tok<kw_group>, group_name, opt<label>, group_open, group_states, group_states_close,
                            brace_required, sep, star<group_item, sep>, group_close> {};

// What `docket report` counts (docs/reports.md): which clock accepts a case,
// what resolves it, where the survey answer goes, which event declines one,
// and what the complaint types are.
struct report_metric : ident {};
struct report_clock : if_must<tok<kw_clock>, report_metric> {};
struct report_state : ident {};
struct report_states : if_must<tok<kw_state>, report_state, star<comma, must<report_state>>> {};
struct acceptance_how : report_clock {};
struct acceptance_item : if_must<tok<kw_acceptance>, acceptance_how> {};
struct resolution_how : sor<report_clock, report_states> {};
struct resolution_item : if_must<tok<kw_resolution>, resolution_how> {};
struct survey_word : tok<kw_field> {};
struct survey_field : ident {};
struct survey_item : if_must<tok<kw_survey>, survey_word, survey_field> {};
struct declined_word : tok<kw_event> {};
struct declined_event : ident {};
struct declined_item : if_must<tok<kw_declined>, declined_word, declined_event> {};
struct types_word : tok<kw_by> {};
struct types_field : ident {};
struct types_item : if_must<tok<kw_types>, types_word, types_field> {};
struct report_item : sor<acceptance_item, resolution_item, survey_item, declined_item, types_item> {};
struct report_close : tok<one<'}'>> {};
struct report_decl : if_must<tok<kw_report>, brace_required, sep, star<report_item, sep>, report_close> {};

// ------------------------------------------------------------------ file

struct overridable : sor<field_decl, notice_decl, calendar_decl, department_decl, category_decl, priority_decl,
                         classify_decl, chain_decl, approval_decl, state_decl, group_decl, report_decl> {};
struct override_marker : kw_override {};
struct override_decl : if_must<tok<override_marker>, overridable> {};
struct declaration : sor<extends_decl, workflow_decl, override_decl, extend_decl, field_decl, notice_decl,
                         calendar_decl, department_decl, category_decl, priority_decl, classify_decl, chain_decl,
                         approval_decl, require_decl, state_decl, group_decl, report_decl> {};
struct end_of_file : pegtl::eof {};
struct byte_order_mark : pegtl::utf8::one<0xFEFF> {};  // written by some editors
struct file : seq<opt<byte_order_mark>, sep, star<declaration, sep>, must<end_of_file>> {};

}  // namespace docket::dsl::grammar
