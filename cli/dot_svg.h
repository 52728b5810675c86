// Graphviz's `dot -Tsvg` run on DOT text (`docket graph --format svg`,
// `docket conform --format html`). The engine and the designer never start
// processes; the command line does.
#pragma once

#include <string>

#include "engine/model/result.h"

namespace docket::cli {

using Svg = engine::Result<std::string>;

// The SVG, or why there is none: `dot` missing from PATH ("cannot run `dot`
// (Graphviz); install the graphviz package, ..."), or its exit status and
// messages.
Svg render_svg(const std::string& dot_text);

}  // namespace docket::cli
