// Guards: the engine's expression evaluator (engine/model/expr.h) on the guards
// and constraints of rules/after_sales.docket, against the same conditions
// written as native C++ lambdas over the same exact numbers.
//
//   compensation <= order_amount * 30%   (the `require` of service errors)
//   overall >= 4                         (the `survey` guard of follow_up)

#include <benchmark/benchmark.h>

#include <cstdint>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "engine/model/expr.h"
#include "engine/model/value.h"

namespace docket::bench {
namespace {

struct Guards {
  std::shared_ptr<const engine::Workflow> workflow = compile_file(source_dir() + "/rules/after_sales.docket");
  const engine::CompiledExpr* cap = nullptr;      // compensation <= order_amount * 30%
  const engine::CompiledExpr* overall = nullptr;  // overall >= 4
  // Tickets with varied values, so that neither side can hoist the result.
  std::vector<std::vector<engine::Value>> fields;
  std::array<engine::Value, engine::kAttributeCount> attributes{};
  // The native side's copy: money as the same fixed-point integers.
  struct Native {
    std::int64_t compensation;
    std::int64_t order_amount;
    std::int64_t overall;
  };
  std::vector<Native> native;

  Guards() {
    for (const engine::Constraint& constraint : workflow->constraints()) {
      if (constraint.condition.text() == "compensation <= order_amount * 30%") cap = &constraint.condition;
    }
    for (const engine::Transition& transition : workflow->transitions()) {
      if (transition.guard && transition.guard->text() == "overall >= 4") overall = &*transition.guard;
    }
    if (cap == nullptr || overall == nullptr) die("after_sales.docket lacks the benchmarked guards");
    std::size_t compensation = *workflow->find_field("compensation");
    std::size_t order_amount = *workflow->find_field("order_amount");
    std::size_t score = *workflow->find_field("overall");
    for (std::int64_t i = 0; i < 1024; ++i) {
      std::vector<engine::Value> values(workflow->fields().size());
      Native n{(i * 3700) % 200'000 * engine::Fixed::kScale / 100, (100'000 + i * 911) * engine::Fixed::kScale / 100,
               1 + i % 5};
      values[compensation] = engine::Value::number(engine::Fixed::from_raw(n.compensation));
      values[order_amount] = engine::Value::number(engine::Fixed::from_raw(n.order_amount));
      values[score] = engine::Value::number(*engine::Fixed::from_integer(n.overall));
      fields.push_back(std::move(values));
      native.push_back(n);
    }
  }
};

Guards& guards() {
  static Guards fixture;
  return fixture;
}

void BM_native_cap(benchmark::State& state) {
  const auto& native = guards().native;
  auto cap = [](const Guards::Native& n) { return n.compensation * 100 <= n.order_amount * 30; };
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(cap(native[i++ & 1023]));
}

void BM_engine_cap(benchmark::State& state) {
  Guards& g = guards();
  std::size_t i = 0;
  for (auto _ : state) {
    engine::TicketView view{g.fields[i++ & 1023], g.attributes};
    benchmark::DoNotOptimize(engine::evaluate_condition(*g.cap, view, 0));
  }
}

void BM_native_overall(benchmark::State& state) {
  const auto& native = guards().native;
  auto overall = [](const Guards::Native& n) { return n.overall >= 4; };
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(overall(native[i++ & 1023]));
}

void BM_engine_overall(benchmark::State& state) {
  Guards& g = guards();
  std::size_t i = 0;
  for (auto _ : state) {
    engine::TicketView view{g.fields[i++ & 1023], g.attributes};
    benchmark::DoNotOptimize(engine::evaluate_condition(*g.overall, view, 0));
  }
}

class Collector : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, double> best_ns;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
      std::string name = run.run_name.function_name;
      auto [it, inserted] = best_ns.emplace(name, run.GetAdjustedRealTime());
      if (!inserted) it->second = std::min(it->second, run.GetAdjustedRealTime());
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

}  // namespace
}  // namespace docket::bench

int main(int argc, char** argv) {
  using namespace docket::bench;
  bool quick = take_quick_flag(argc, argv);
  guards();
  using Function = void (*)(benchmark::State&);
  const std::pair<const char*, Function> benchmarks[] = {{"native_cap", BM_native_cap},
                                                         {"engine_cap", BM_engine_cap},
                                                         {"native_overall", BM_native_overall},
                                                         {"engine_overall", BM_engine_overall}};
  for (const auto& [name, fn] : benchmarks) {
    benchmark::RegisterBenchmark(name, fn)
        ->Repetitions(quick ? 2 : 5)
        ->MinTime(quick ? 0.05 : 0.2)
        ->Unit(benchmark::kNanosecond);
  }
  benchmark::Initialize(&argc, argv);
  Collector collector;
  collector.SetOutputStream(&std::cerr);
  collector.SetErrorStream(&std::cerr);
  benchmark::RunSpecifiedBenchmarks(&collector);
  benchmark::Shutdown();

  Figure cap{"guard compensation <= order_amount * 30%",
             collector.best_ns["engine_cap"],
             "ns",
             "native lambda",
             collector.best_ns["native_cap"],
             "ns",
             "<= 5x"};
  cap.met = cap.value <= 5 * cap.baseline_value;
  print_figure(cap);
  Figure overall{"guard overall >= 4",
                 collector.best_ns["engine_overall"],
                 "ns",
                 "native lambda",
                 collector.best_ns["native_overall"],
                 "ns",
                 "<= 5x"};
  overall.met = overall.value <= 5 * overall.baseline_value;
  print_figure(overall);
  return 0;
}
