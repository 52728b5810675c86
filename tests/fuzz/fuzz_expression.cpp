// libFuzzer target: any bytes as an expression, parsed, checked in a small
// fixed workflow, compiled and evaluated against fixed tickets
// (tests/fuzz/fuzz_entry.h). Built with -DDOCKET_FUZZ=ON; run it with
// scripts/fuzz.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string broken = docket::fuzz::run_expression(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!broken.empty()) {
    std::fprintf(stderr, "fuzz_expression: %s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
