// Dispatch: how much the engine's hot path costs next to a hand-written
// state machine of the same after-sales graph.
//
// - core lookup: Workflow::candidates(state, event) and the first
//   candidate's target, against a `switch` on the same (state, event) pairs;
// - full step: Engine::apply of `stage_changed` on a ticket in `executing`
//   (a transition back into the state: exit, actions, entry, timers
//   re-armed, one journal record kept in a reused buffer), against the same
//   switch storing the new state;
// - allocations per event on that steady path, counted by the replaced
//   global operator new below (this binary only);
// - growth: lookup and step on generated rule files of 25 and 1,000 states.

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "engine/runtime/clock.h"
#include "engine/runtime/engine.h"

// Every allocation of the process is counted; only differences around a
// measured loop are reported.
namespace {
std::atomic<std::uint64_t> allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace docket::bench {
namespace {

using engine::EventId;
using engine::StateIndex;

// ---------------------------------------------------------------- the switch

// rules/after_sales.docket written by hand: states and events in the order
// the rule file declares them; guards and roles left out (the first
// candidate's target, as the lookup benchmark also takes).
enum class S : std::uint8_t {
  received,
  registering,
  classifying,
  dispatched,
  proposing,
  legal_review,
  approving,
  executing,
  obstacle,
  awaiting_confirmation,
  follow_up,
  supervisor_review,
  closed,
  none
};
enum class E : std::uint8_t {
  registered,
  classified,
  accepted,
  proposed,
  compliant,
  revise,
  approved,
  rejected,
  stage_changed,
  obstacle_found,
  resolved,
  alternative_chosen,
  parts_arrived,
  confirmed,
  not_solved,
  survey,
  survey_declined,
  improvement_planned,
  none
};

const char* const kStateNames[] = {
    "received",  "registering", "classifying",           "dispatched", "proposing",         "legal_review", "approving",
    "executing", "obstacle",    "awaiting_confirmation", "follow_up",  "supervisor_review", "closed"};
const char* const kEventNames[] = {
    "registered",    "classified", "accepted",      "proposed",       "compliant",       "revise",
    "approved",      "rejected",   "stage_changed", "obstacle_found", "resolved",        "alternative_chosen",
    "parts_arrived", "confirmed",  "not_solved",    "survey",         "survey_declined", "improvement_planned"};

S switch_next(S state, E event) {
  switch (state) {
    case S::registering:
      return event == E::registered ? S::classifying : S::none;
    case S::classifying:
      return event == E::classified ? S::dispatched : S::none;
    case S::dispatched:
      return event == E::accepted ? S::proposing : S::none;
    case S::proposing:
      return event == E::proposed ? S::approving : S::none;
    case S::legal_review:
      switch (event) {
        case E::compliant:
          return S::approving;
        case E::revise:
          return S::proposing;
        default:
          return S::none;
      }
    case S::approving:
      switch (event) {
        case E::approved:
          return S::executing;
        case E::rejected:
          return S::proposing;
        default:
          return S::none;
      }
    case S::executing:
      switch (event) {
        case E::stage_changed:
          return S::executing;
        case E::obstacle_found:
          return S::obstacle;
        case E::resolved:
          return S::awaiting_confirmation;
        default:
          return S::none;
      }
    case S::obstacle:
      switch (event) {
        case E::alternative_chosen:
        case E::parts_arrived:
          return S::executing;
        default:
          return S::none;
      }
    case S::awaiting_confirmation:
      switch (event) {
        case E::confirmed:
          return S::follow_up;
        case E::not_solved:
          return S::executing;
        default:
          return S::none;
      }
    case S::follow_up:
      switch (event) {
        case E::survey:
          return S::closed;
        case E::survey_declined:
          return S::closed;
        default:
          return S::none;
      }
    case S::supervisor_review:
      return event == E::improvement_planned ? S::closed : S::none;
    default:
      return S::none;
  }
}

// ---------------------------------------------------------------- fixtures

struct Pair {
  StateIndex state;
  EventId event;
};

// 4,096 (state, event) pairs drawn from the transitions of `workflow`, in a
// fixed pseudo-random order (the same for every run).
std::vector<Pair> stream_of(const engine::Workflow& workflow) {
  std::vector<Pair> handled;
  for (const engine::Transition& transition : workflow.transitions()) {
    if (!transition.automatic()) handled.push_back({transition.from, transition.event});
  }
  std::mt19937 random(42);
  std::vector<Pair> stream(4096);
  for (Pair& pair : stream) pair = handled[random() % handled.size()];
  return stream;
}

struct AfterSales {
  std::shared_ptr<const engine::Workflow> workflow = compile_file(source_dir() + "/rules/after_sales.docket");
  std::vector<Pair> stream = stream_of(*workflow);
  std::vector<std::pair<S, E>> switch_stream;

  AfterSales() {
    for (const Pair& pair : stream) {
      const std::string& state = workflow->states()[pair.state].name;
      const std::string& event = workflow->events()[pair.event];
      S s = S::none;
      E e = E::none;
      for (std::size_t i = 0; i < std::size(kStateNames); ++i)
        if (state == kStateNames[i]) s = static_cast<S>(i);
      for (std::size_t i = 0; i < std::size(kEventNames); ++i)
        if (event == kEventNames[i]) e = static_cast<E>(i);
      if (s == S::none || e == E::none) die("the switch lacks " + state + " / " + event);
      switch_stream.emplace_back(s, e);
    }
  }
};

AfterSales& after_sales() {
  static AfterSales fixture;
  return fixture;
}

StateIndex lookup_target(const engine::Workflow& workflow, const Pair& pair) {
  std::span<const engine::TransitionIndex> candidates = workflow.candidates(pair.state, pair.event);
  return candidates.empty() ? engine::kNoIndex : workflow.transitions()[candidates.front()].to;
}

// An engine with one ticket resting in `state`, ready for `event` forever.
struct SteadyStep {
  engine::VirtualClock clock{0};
  ReusedBufferJournal journal;
  engine::Engine engine;
  engine::Event event;

  SteadyStep(std::shared_ptr<const engine::Workflow> workflow, const std::vector<engine::Event>& setup,
             engine::Event steady)
      : engine(clock, journal, engine::EngineOptions{.max_events_per_ticket = UINT64_MAX}), event(std::move(steady)) {
    if (!engine.install(std::move(workflow))) die("install failed");
    for (const engine::Event& e : setup) {
      (void)clock.set(*e.at);
      engine::Result<engine::Outcome> outcome = engine.apply(e);
      if (!outcome || !outcome->accepted) die("setup event " + e.event + " refused: " + outcome->reason);
    }
    event.at.reset();  // the clock's time: it stands still, so no timer comes due
  }

  void step() {
    engine::Result<engine::Outcome> outcome = engine.apply(event);
    if (!outcome || !outcome->accepted) die("steady event refused: " + (outcome ? outcome->reason : outcome.error()));
  }
};

SteadyStep& after_sales_step() {
  static SteadyStep fixture = [] {
    std::vector<engine::Event> events = read_events(source_dir() + "/examples/after_sales/01_product_fault_p0.jsonl");
    std::vector<engine::Event> setup;
    for (engine::Event& e : events) {
      setup.push_back(e);
      if (e.event == "approve") break;  // now in `executing`
    }
    engine::Event steady = setup.back();
    steady.event = "stage_changed";
    steady.data.clear();
    steady.actor = {"liu", {"engineer"}};
    return SteadyStep(after_sales().workflow, setup, steady);
  }();
  return fixture;
}

// ---------------------------------------------------------------- benchmarks

void BM_switch_lookup(benchmark::State& state) {
  const auto& stream = after_sales().switch_stream;
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& [s, e] = stream[i++ & 4095];
    benchmark::DoNotOptimize(switch_next(s, e));
  }
}

void BM_core_lookup(benchmark::State& state) {
  const engine::Workflow& workflow = *after_sales().workflow;
  const auto& stream = after_sales().stream;
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(lookup_target(workflow, stream[i++ & 4095]));
}

void BM_switch_step(benchmark::State& state) {
  // The switch's version of the steady step: look up, then keep the new state.
  S current = S::executing;
  for (auto _ : state) {
    benchmark::DoNotOptimize(current);
    S next = switch_next(current, E::stage_changed);
    if (next != S::none) current = next;
    benchmark::ClobberMemory();
  }
}

void BM_full_step(benchmark::State& state) {
  SteadyStep& steady = after_sales_step();
  for (auto _ : state) steady.step();
}

struct Generated {
  std::shared_ptr<const engine::Workflow> workflow;
  std::vector<Pair> stream;
  std::unique_ptr<SteadyStep> steady;
};

Generated& generated(std::size_t states) {
  static std::map<std::size_t, Generated> cache;
  auto found = cache.find(states);
  if (found != cache.end()) return found->second;
  Generated& g = cache[states];
  g.workflow = compile_text("generated_" + std::to_string(states) + ".docket", generated_rules(states));
  g.stream = stream_of(*g.workflow);
  engine::Event create{.at = 0, .ticket = "G-1", .event = "create", .actor = {"a", {"agent"}}};
  // `back` from s0 returns to s0: a steady step that re-enters the state.
  engine::Event steady{.ticket = "G-1", .event = "next", .actor = {"a", {"agent", "lead"}}};
  g.steady = std::make_unique<SteadyStep>(g.workflow, std::vector<engine::Event>{create}, steady);
  return g;
}

void BM_lookup_generated(benchmark::State& state) {
  Generated& g = generated(static_cast<std::size_t>(state.range(0)));
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(lookup_target(*g.workflow, g.stream[i++ & 4095]));
}

void BM_step_generated(benchmark::State& state) {
  Generated& g = generated(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) g.steady->step();  // walks the ring: every state in turn
}

// Collects the fastest repetition of each benchmark (the least disturbed by
// the other work on the machine), and prints Google Benchmark's table to stderr.
class Collector : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, double> best_ns;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
      std::string name = run.run_name.function_name;
      if (!run.run_name.args.empty()) name += "/" + run.run_name.args;
      double ns = run.GetAdjustedRealTime();
      auto [it, inserted] = best_ns.emplace(name, ns);
      if (!inserted && ns < it->second) it->second = ns;
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

double allocations_per_event(SteadyStep& steady, int events) {
  for (int i = 0; i < 1000; ++i) steady.step();  // warm: buffers at their steady size
  std::uint64_t before = allocations.load();
  for (int i = 0; i < events; ++i) steady.step();
  return static_cast<double>(allocations.load() - before) / events;
}

}  // namespace
}  // namespace docket::bench

int main(int argc, char** argv) {
  using namespace docket::bench;
  bool quick = take_quick_flag(argc, argv);
  int repetitions = quick ? 2 : 5;
  double min_time = quick ? 0.05 : 0.2;

  after_sales();
  after_sales_step();
  for (std::size_t n : {25, 100, 1000}) generated(n);

  auto add = [&](const char* name, auto fn) {
    return benchmark::RegisterBenchmark(name, fn)
        ->Repetitions(repetitions)
        ->MinTime(min_time)
        ->Unit(benchmark::kNanosecond);
  };
  add("switch_lookup", BM_switch_lookup);
  add("core_lookup", BM_core_lookup);
  add("switch_step", BM_switch_step);
  add("full_step", BM_full_step);
  add("lookup_generated", BM_lookup_generated)->Arg(25)->Arg(100)->Arg(1000);
  add("step_generated", BM_step_generated)->Arg(25)->Arg(100)->Arg(1000);

  benchmark::Initialize(&argc, argv);
  Collector collector;
  collector.SetOutputStream(&std::cerr);
  collector.SetErrorStream(&std::cerr);
  benchmark::RunSpecifiedBenchmarks(&collector);
  benchmark::Shutdown();

  auto ns = [&](const std::string& name) {
    auto found = collector.best_ns.find(name);
    if (found == collector.best_ns.end()) die("no result for " + name);
    return found->second;
  };
  Figure lookup{"core lookup (after_sales)", ns("core_lookup"), "ns", "switch", ns("switch_lookup"), "ns", "<= 3x"};
  lookup.met = lookup.value <= 3 * lookup.baseline_value;
  print_figure(lookup);
  Figure step{"full step Engine::apply", ns("full_step"), "ns", "switch step", ns("switch_step"), "ns", "<= 15x"};
  step.met = step.value <= 15 * step.baseline_value;
  print_figure(step);

  double per_event = allocations_per_event(after_sales_step(), quick ? 20'000 : 100'000);
  Figure allocs{"allocations per steady event", per_event, "", "switch", 0, "", "0"};
  allocs.met = per_event == 0;
  print_figure(allocs);

  Figure lookup_growth{
      "core lookup, 1,000 states", ns("lookup_generated/1000"), "ns", "25 states", ns("lookup_generated/25"), "ns", ""};
  print_figure(lookup_growth);
  Figure step_growth{
      "full step, 1,000 states", ns("step_generated/1000"), "ns", "25 states", ns("step_generated/25"), "ns", ""};
  print_figure(step_growth);
  return 0;
}
