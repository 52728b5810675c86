#include "cli/output.h"

#include <fstream>
#include <iostream>

#include <fstream>
#include <iostream>

namespace docket::cli {

void print_error(std::string_view message) { std::cerr << "docket: error: " << message << '\n'; }

int fail(std::string_view message, int exit_code) {
  print_error(message);
  return exit_code;
}

int write_output(const std::string& text, const std::string& path) {
  if (path.empty()) {
    std::cout << text;
    return kExitOk;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  return out ? kExitOk : fail("cannot write " + path);
}

}  // namespace docket::cli
