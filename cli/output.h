// What every command reports the same way.

#pragma once

#include <string_view>

#include "cli/commands.h"

namespace docket::cli {

// Prints `message` to stderr on a line of its own, prefixed as every error
// of docket is.
void print_error(std::string_view message);

// Prints the error and returns `exit_code`, so that a failing step of a
// command reads `return fail(...)`.
int fail(std::string_view message, int exit_code = kExitFailure);

}  // namespace docket::cli
