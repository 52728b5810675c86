// The console's files (server/console/): the web page `docket serve`
// answers at `/` and under `/console/` (docs/console.md).
//
//   ConsoleFiles files = ConsoleFiles::built_in();        // compiled into the binary
//   ConsoleFiles files = ConsoleFiles::from_folder(dir);  // --console-dir: edit and reload
//   std::optional<ConsoleFile> file = files.find("pages/ticket.js");
//
// A path names a file by its place under the folder. Only plain names are
// served: letters, digits, `-`, `_`, `.` and `/` between names, no name
// starting with a dot (so no `..`), a known extension, at most 200 bytes.
// Anything else is "no such file", whatever is on disk. The folder form
// reads the file at each request (at most kMaxConsoleFileBytes), so a
// change shows on the next reload of the page.

#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace docket::server {

inline constexpr std::size_t kMaxConsoleFileBytes = std::size_t{4} << 20;

struct ConsoleFile {
  std::string content_type;
  std::string bytes;
};

// The content type of a console file by its extension; nullopt for a
// path that is not served (see above).
std::optional<std::string> console_content_type(std::string_view path);

class ConsoleFiles {
 public:
  static ConsoleFiles built_in();
  static ConsoleFiles from_folder(std::string folder);

  std::optional<ConsoleFile> find(std::string_view path) const;
  // Where the files come from, for the log: "built in" or the folder.
  std::string origin() const;

 private:
  explicit ConsoleFiles(std::string folder) : folder_(std::move(folder)) {}
  std::string folder_;  // empty: built in
};

}  // namespace docket::server
