#include "cli/table.h"

#include <utf8proc.h>

#include <utility>

namespace docket::cli {

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  std::size_t offset = 0;
  while (offset < text.size()) {
    utf8proc_int32_t codepoint = 0;
    utf8proc_ssize_t length =
        utf8proc_iterate(bytes + offset, static_cast<utf8proc_ssize_t>(text.size() - offset), &codepoint);
    if (length <= 0) {
      ++width;
      ++offset;
      continue;
    }
    width += static_cast<std::size_t>(utf8proc_charwidth(codepoint));
    offset += static_cast<std::size_t>(length);
  }
  return width;
}

Table::Table(std::string indent, std::vector<Column> columns, std::string gap)
    : indent_(std::move(indent)), columns_(std::move(columns)), gap_(std::move(gap)) {}

std::string Table::row(const std::vector<std::string>& cells) const {
  std::string line = indent_;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) line += gap_;
    Column column = i < columns_.size() ? columns_[i] : Column{};
    std::size_t width = display_width(cells[i]);
    std::string padding(column.width > width ? column.width - width : 0, ' ');
    line += column.align == Align::kLeft ? cells[i] + padding : padding + cells[i];
  }
  line += '\n';
  return line;
}

}  // namespace docket::cli
