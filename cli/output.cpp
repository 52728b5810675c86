#include "cli/output.h"

#include <iostream>

namespace docket::cli {

void print_error(std::string_view message) { std::cerr << "docket: error: " << message << '\n'; }

int fail(std::string_view message, int exit_code) {
  print_error(message);
  return exit_code;
}

}  // namespace docket::cli
