#include "cli/table.h"

#include <utility>

#include "engine/model/text.h"

namespace docket::cli {

Table::Table(std::string indent, std::vector<Column> columns, std::string gap)
    : indent_(std::move(indent)), columns_(std::move(columns)), gap_(std::move(gap)) {}

std::string Table::row(const std::vector<std::string>& cells) const {
  std::string line = indent_;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) line += gap_;
    Column column = i < columns_.size() ? columns_[i] : Column{};
    std::size_t width = engine::display_width(cells[i]);
    std::string padding(column.width > width ? column.width - width : 0, ' ');
    line += column.align == Align::kLeft ? cells[i] + padding : padding + cells[i];
  }
  line += '\n';
  return line;
}

}  // namespace docket::cli
