// The `docket` subcommands. Each registers its options on the CLI11 app and
// runs when chosen; main() only dispatches. Exit codes are shared by all:
// 0 success, 1 the input has errors (or a check failed), 2 usage errors.

#pragma once

namespace CLI {
class App;
}

namespace docket::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// Each function adds one subcommand to `app`: CLI11 fills the command's
// options struct, and the callback stores the exit code of the command's
// run function (`int run_x(const XOptions&)`) in `exit_code`.
void add_check_command(CLI::App& app, int& exit_code);
void add_graph_command(CLI::App& app, int& exit_code);
void add_diff_command(CLI::App& app, int& exit_code);
void add_run_command(CLI::App& app, int& exit_code);
void add_explain_command(CLI::App& app, int& exit_code);
void add_keys_command(CLI::App& app, int& exit_code);
void add_audit_command(CLI::App& app, int& exit_code);
void add_versions_command(CLI::App& app, int& exit_code);
void add_migrate_command(CLI::App& app, int& exit_code);
void add_simulate_command(CLI::App& app, int& exit_code);
void add_report_command(CLI::App& app, int& exit_code);
void add_test_command(CLI::App& app, int& exit_code);
void add_serve_command(CLI::App& app, int& exit_code);
void add_outbox_command(CLI::App& app, int& exit_code);
void add_store_command(CLI::App& app, int& exit_code);
void add_conform_command(CLI::App& app, int& exit_code);

}  // namespace docket::cli
