// Text tables for the terminal, padded by display width.
//
// std::setw counts bytes, but a terminal shows a Chinese character two
// columns wide in three bytes, and a combining accent in none: padding by
// bytes leaves a column of Chinese names ragged. A Table counts the columns
// each character takes on the screen (engine::display_width, in
// engine/model/text.h), so names in any script line up.

#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace docket::cli {

enum class Align { kLeft, kRight };

struct Column {
  // In display columns. A wider cell is printed whole and pushes the rest of
  // its row to the right; 0 never pads (for the last column: no trailing blanks).
  std::size_t width = 0;
  Align align = Align::kLeft;
};

// A layout of fixed-width columns; rows are formatted one at a time, so they
// can be interleaved with other lines.
class Table {
 public:
  // Every row starts with `indent`; `gap` separates its cells.
  Table(std::string indent, std::vector<Column> columns, std::string gap = " ");

  // One line, newline included: cell i padded to column i. Cells past the
  // last column are not padded.
  std::string row(const std::vector<std::string>& cells) const;

 private:
  std::string indent_;
  std::vector<Column> columns_;
  std::string gap_;
};

}  // namespace docket::cli
