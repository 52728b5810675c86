// What every command reports the same way.

#pragma once

#include <string>
#include <string_view>

#include "cli/commands.h"

namespace docket::cli {

// Prints `message` to stderr on a line of its own, prefixed as every error
// of docket is.
void print_error(std::string_view message);

// Prints the error and returns `exit_code`, so that a failing step of a
// command reads `return fail(...)`.
int fail(std::string_view message, int exit_code = kExitFailure);

// Writes a command's output to `path`, or to stdout when `path` is empty;
// kExitOk, or the error printed ("cannot write out.html") and kExitFailure.
int write_output(const std::string& text, const std::string& path);

}  // namespace docket::cli
