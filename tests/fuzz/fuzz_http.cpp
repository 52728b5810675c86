// libFuzzer target: any bytes as what a client sends on one connection to
// `docket serve`, read by the HTTP transport (tests/fuzz/fuzz_http_entry.h).
// Built with -DDOCKET_FUZZ=ON; run it with scripts/fuzz.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_http_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string broken = docket::fuzz::run_http(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!broken.empty()) {
    std::fprintf(stderr, "fuzz_http: %s\n", broken.c_str());
    std::abort();
  }
  return 0;
}
