// libFuzzer target: any bytes as a CSV or JSON-lines event log, a mapping
// file or times, as `docket conform` reads them; the first byte chooses
// which (tests/fuzz/fuzz_log_entry.h). Built with -DDOCKET_FUZZ=ON; run it
// with scripts/fuzz.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_log_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string broken = docket::fuzz::run_log(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!broken.empty()) {
    std::fprintf(stderr, "fuzz_log: %s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
