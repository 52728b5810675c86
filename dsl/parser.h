// The parser: rule text to a syntax tree.
//
// Only syntax is checked here (E001-E009, E058); names, types and the shape of the
// workflow are the checker's job. The parser stops at the first syntax error,
// as a line and column past it are rarely worth reporting.

#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "dsl/ast.h"
#include "dsl/diagnostics.h"

namespace docket::dsl {

struct ParseLimits {
  std::size_t max_file_bytes = 4 * 1024 * 1024;  // E003
  std::size_t max_nesting = 64;                  // E004: parentheses and blocks
  std::size_t max_name_bytes = 64;               // E005
};

// Parses `text`, the contents of file `file` of a SourceSet. Returns the tree,
// or nullopt after reporting at least one error to `diagnostics`.
std::optional<RuleFile> parse(std::uint32_t file, std::string_view text, Diagnostics& diagnostics,
                              const ParseLimits& limits = {});

// Parses a lone expression, as `docket` tools take them on the command line
// and tests use them. Positions refer to `file`.
ExprPtr parse_expression(std::uint32_t file, std::string_view text, Diagnostics& diagnostics,
                         const ParseLimits& limits = {});

}  // namespace docket::dsl
