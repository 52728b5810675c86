// Text tables for reports: columns padded to their widest cell, by display
// width.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "engine/model/text.h"

namespace docket::designer {

// Columns padded to their widest cell; a column whose cells are all numbers
// (or n/a) is right-aligned. Widths are display widths
// (engine::display_width): a Chinese label takes two columns a character, so
// the columns after it still line up on a terminal.
class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

  std::string render(const std::string& indent) const {
    std::size_t columns = rows_.front().size();
    std::vector<std::size_t> widths(columns, 0);
    std::vector<bool> numeric(columns, true);
    for (std::size_t r = 0; r < rows_.size(); ++r) {
      for (std::size_t c = 0; c < columns; ++c) {
        widths[c] = std::max(widths[c], engine::display_width(rows_[r][c]));
        if (r > 0 && !is_number(rows_[r][c])) numeric[c] = false;
      }
    }
    std::string text;
    for (const std::vector<std::string>& row : rows_) {
      std::string line = indent;
      for (std::size_t c = 0; c < columns; ++c) {
        std::string pad(widths[c] - engine::display_width(row[c]), ' ');
        line += numeric[c] ? pad + row[c] : row[c] + (c + 1 < columns ? pad : std::string());
        if (c + 1 < columns) line += "  ";
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      text += line + "\n";
    }
    return text;
  }

 private:
  static bool is_number(const std::string& cell) {
    if (cell.empty() || cell == "n/a") return true;
    return cell.find_first_not_of("0123456789.%hms") == std::string::npos && cell.front() >= '0' && cell.front() <= '9';
  }

  std::vector<std::vector<std::string>> rows_;
};

}  // namespace docket::designer
