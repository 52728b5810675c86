// Rule sources and positions inside them.
//
// Every name, expression and declaration in the model remembers where it was
// written, so that diagnostics can say `file:line:col` and show the line.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace docket::dsl {

// A position in one of the files of a SourceSet. Lines and columns count from
// 1; columns count bytes, as most editors and compilers do. file == kNoFile
// marks a position that does not come from any file.
struct SourceLoc {
  static constexpr std::uint32_t kNoFile = UINT32_MAX;
  std::uint32_t file = kNoFile;
  std::uint32_t line = 0;
  std::uint32_t column = 0;

  bool known() const { return file != kNoFile; }
  friend bool operator==(const SourceLoc&, const SourceLoc&) = default;
};

// The files that took part in one compilation (a rule file and every file it
// extends), kept so that diagnostics can quote them.
class SourceSet {
 public:
  // Adds a file and returns its index. The text is kept as given.
  std::uint32_t add(std::string path, std::string text);

  std::size_t size() const { return files_.size(); }
  const std::string& path(std::uint32_t file) const { return files_.at(file).path; }
  const std::string& text(std::uint32_t file) const { return files_.at(file).text; }

  // The text of line `line` (1-based) without its line terminator, or an
  // empty view when the line does not exist.
  std::string_view line_text(std::uint32_t file, std::uint32_t line) const;

 private:
  struct File {
    std::string path;
    std::string text;
  };
  std::vector<File> files_;
};

}  // namespace docket::dsl
