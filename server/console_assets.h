// The console's files as compiled into the binary: generated at build time
// from server/console/ by cmake/embed_console.cmake.
#pragma once

#include <span>
#include <string_view>

namespace docket::server {

struct ConsoleAsset {
  std::string_view path;  // relative to server/console/, '/' separated
  std::string_view bytes;
};

std::span<const ConsoleAsset> console_assets();

}  // namespace docket::server
