// Executions per second of a 3-actor program with 20 sync points per actor, in controlled and
// stress mode, on one CPU and on every CPU (one execution per CPU at a time).
//
//   build/default/bench/harness_benchmark
#include <thread>
#include <vector>

#include <sched.h>

#include <benchmark/benchmark.h>

#include "harness/execution.h"
#include "harness/strategies/random.h"

namespace {

using namespace ipcprop::harness;

std::vector<ActorProgram> three_actors_twenty_points() {
  const ActorProgram actor = [](ActorContext& context) {
    const ipcprop::sync::SyncObject object{"Step", context.id()};
    for (int point = 0; point < 20; ++point) ipcprop::sync::invoke({"Bench::step", object});
  };
  return {actor, actor, actor};
}

/// Keeps each benchmark thread, and so the executions it starts, on a CPU of its own.
void pin_thread_to_cpu(int thread_index) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(thread_index % static_cast<int>(std::thread::hardware_concurrency()), &set);
  sched_setaffinity(0, sizeof set, &set);
}

void run_executions(benchmark::State& state, Mode mode) {
  pin_thread_to_cpu(state.thread_index());
  const auto programs = three_actors_twenty_points();
  auto strategy = make_strategy<RandomWalk>(state.thread_index() + 1);
  ExecutionOptions options;
  options.mode = mode;
  for (auto _ : state) {
    const Outcome outcome = run_execution(programs, *strategy, options);
    if (!outcome.passed()) state.SkipWithError(outcome.message.c_str());
  }
  state.counters["executions_per_second"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_Controlled(benchmark::State& state) {
  run_executions(state, Mode::Controlled);
}
void BM_Stress(benchmark::State& state) {
  run_executions(state, Mode::Stress);
}

BENCHMARK(BM_Controlled)->UseRealTime()->Threads(1)->Threads(2);
BENCHMARK(BM_Stress)->UseRealTime()->Threads(1)->Threads(2);

}  // namespace

BENCHMARK_MAIN();
