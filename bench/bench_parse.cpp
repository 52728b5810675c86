// Parse + check + compile of generated rule files (bench_common.h:
// generated_rules) of 10, 100, 1,000 and 10,000 states, in MB/s and µs per
// transition, against PEGTL's own JSON grammar (tao/pegtl/contrib/json.hpp)
// parsing a JSON document of the same size in the same binary: the speed of
// the parsing library itself on input of that size.
//
// 10,000 states is over the workflow limit (dsl/limits.h: 1,000 states), so
// the checker refuses it at once with E034; for that size only the parse
// (dsl::load_text) is measured.

#include <tao/pegtl.hpp>
#include <tao/pegtl/contrib/json.hpp>

#include <chrono>
#include <string>

#include "bench/bench_common.h"

namespace docket::bench {
namespace {

namespace pegtl = tao::pegtl;
using Clock = std::chrono::steady_clock;

// A JSON document of at least `bytes` bytes: an array of objects shaped like
// journal records.
std::string json_of_size(std::size_t bytes) {
  std::string text = "[\n";
  for (std::size_t i = 0; text.size() < bytes; ++i) {
    if (i != 0) text += ",\n";
    text += R"({"seq":)" + std::to_string(i) +
            R"(,"ticket":"T-1001","kind":"transition","from":"executing","to":"obstacle","event":"obstacle_found",)"
            R"("actor":{"id":"liu","roles":["tech.engineer"]},"changes":[{"field":"stage","before":"inspecting",)"
            R"("after":"procuring_parts"}],"amount":1299.50,"rejected":false,"reason":null})";
  }
  text += "\n]\n";
  return text;
}

// Fastest of `repeat` runs of `work`, seconds.
template <typename Work>
double best_seconds(int repeat, Work work) {
  double best = 1e300;
  for (int i = 0; i < repeat; ++i) {
    Clock::time_point start = Clock::now();
    work();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return best;
}

double json_seconds(const std::string& json, int repeat) {
  return best_seconds(repeat, [&] {
    pegtl::memory_input input(json, "bench.json");
    if (!pegtl::parse<pegtl::must<pegtl::json::text, pegtl::eof>>(input)) die("JSON did not parse");
  });
}

}  // namespace
}  // namespace docket::bench

int main(int argc, char** argv) {
  using namespace docket::bench;
  namespace dsl = docket::dsl;
  bool quick = take_quick_flag(argc, argv);
  for (std::size_t states : {10, 100, 1000, 10000}) {
    std::string text = generated_rules(states);
    std::string name = "generated_" + std::to_string(states) + ".docket";
    int repeat = quick ? (states >= 1000 ? 1 : 3) : (states >= 1000 ? 3 : 20);
    double mb = static_cast<double>(text.size()) / 1e6;
    double json = json_seconds(json_of_size(text.size()), repeat);

    if (states <= 1000) {
      std::size_t transitions = 0;
      double seconds = best_seconds(repeat, [&] { transitions = compile_text(name, text)->transitions().size(); });
      Figure figure{"parse+check+compile " + std::to_string(states) + " states (" + format_number(mb * 1000) + " kB)",
                    mb / seconds,
                    "MB/s",
                    "PEGTL JSON, same size",
                    mb / json,
                    "MB/s",
                    ""};
      print_figure(figure);
      Figure per{"  per transition, " + std::to_string(states) + " states",
                 seconds * 1e6 / transitions,
                 "µs",
                 "PEGTL JSON, same bytes",
                 json * 1e6 / transitions,
                 "µs",
                 ""};
      print_figure(per);
    } else {
      double seconds = best_seconds(repeat, [&] {
        dsl::SourceSet sources;
        dsl::Diagnostics diagnostics;
        if (!dsl::load_text(name, text, sources, diagnostics)) die(name + " did not parse");
      });
      Figure figure{"parse only " + std::to_string(states) + " states (" + format_number(mb * 1000) + " kB)",
                    mb / seconds,
                    "MB/s",
                    "PEGTL JSON, same size",
                    mb / json,
                    "MB/s",
                    ""};
      print_figure(figure);
    }
  }
  return 0;
}
