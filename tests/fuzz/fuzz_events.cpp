// libFuzzer target: any bytes as an events file, read by the event reader
// and applied to an engine running a small workflow with a field of every
// kind (tests/fuzz/fuzz_entry.h). Built with -DDOCKET_FUZZ=ON; run it with
// scripts/fuzz.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string broken = docket::fuzz::run_events(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!broken.empty()) {
    std::fprintf(stderr, "fuzz_events: %s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
