#include "server/console_files.h"

#include <fstream>
#include <iterator>

#include "server/console_assets.h"

namespace docket::server {
namespace {

bool plain_name(std::string_view name) {
  if (name.empty() || name.front() == '.') return false;
  for (char c : name) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool plain_path(std::string_view path) {
  if (path.empty() || path.size() > 200) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = path.find('/', start);
    if (!plain_name(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start)))
      return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

}  // namespace

std::optional<std::string> console_content_type(std::string_view path) {
  if (!plain_path(path)) return std::nullopt;
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
  };
  for (const auto& [extension, type] : kTypes) {
    if (path.ends_with(extension)) return std::string(type);
  }
  return std::nullopt;
}

ConsoleFiles ConsoleFiles::built_in() { return ConsoleFiles(""); }

ConsoleFiles ConsoleFiles::from_folder(std::string folder) { return ConsoleFiles(std::move(folder)); }

std::string ConsoleFiles::origin() const { return folder_.empty() ? "built in" : folder_; }

std::optional<ConsoleFile> ConsoleFiles::find(std::string_view path) const {
  std::optional<std::string> type = console_content_type(path);
  if (!type) return std::nullopt;
  if (folder_.empty()) {
    for (const ConsoleAsset& asset : console_assets()) {
      if (asset.path == path) return ConsoleFile{*type, std::string(asset.bytes)};
    }
    return std::nullopt;
  }
  std::ifstream in(folder_ + "/" + std::string(path), std::ios::binary);
  if (!in) return std::nullopt;
  std::string bytes;
  char buffer[8192];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    bytes.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (bytes.size() > kMaxConsoleFileBytes) return std::nullopt;
  }
  return ConsoleFile{*type, std::move(bytes)};
}

}  // namespace docket::server
