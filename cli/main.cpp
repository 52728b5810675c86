// docket: the command line of the workflow rules engine.

#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"docket: workflow rules for after-sales service and complaint handling"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("docket ") + DOCKET_VERSION);

  int exit_code = docket::cli::kExitOk;
  docket::cli::add_check_command(app, exit_code);
  docket::cli::add_graph_command(app, exit_code);
  docket::cli::add_diff_command(app, exit_code);
  docket::cli::add_run_command(app, exit_code);
  docket::cli::add_explain_command(app, exit_code);
  docket::cli::add_keys_command(app, exit_code);
  docket::cli::add_audit_command(app, exit_code);
  docket::cli::add_versions_command(app, exit_code);
  docket::cli::add_migrate_command(app, exit_code);
  docket::cli::add_simulate_command(app, exit_code);
  docket::cli::add_report_command(app, exit_code);
  docket::cli::add_conform_command(app, exit_code);
  docket::cli::add_test_command(app, exit_code);
  docket::cli::add_serve_command(app, exit_code);
  docket::cli::add_outbox_command(app, exit_code);
  docket::cli::add_store_command(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return docket::cli::kExitUsage;
  }
  return exit_code;
}
