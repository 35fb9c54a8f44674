// Pool costs: map over 10,000 trivial tasks with 2 workers (chunksize 1 and the default), and
// Pool(2) construction + close + join. bench/pool_python.py does the same with Python's
// multiprocessing.Pool(2) for comparison.
//
//   cmake --build --preset default && build/default/bench/pool_benchmark
//
// One iteration is one whole map (or one pool's life); the pool for map is created once per
// benchmark run, outside the timing, as a Python program would keep its pool. Wall-clock time
// (UseRealTime): the owner waits for the workers.
#include <cstdint>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include "primitives/pool.h"

namespace ipcprop {
namespace {

constexpr int kTasks = 10'000;

int twice(int x) {
  return 2 * x;
}

void map_tasks(benchmark::State& state, std::size_t chunksize) {
  std::vector<int> items(kTasks);
  for (int i = 0; i < kTasks; ++i) items[i] = i;
  Pool pool(2);
  std::int64_t sum = 0;
  for (auto _ : state) {
    const std::vector<int> results = pool.map(twice, items, chunksize);
    sum += results.back();
  }
  pool.close();
  pool.join();
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations() * kTasks);
}

void PoolMap10000Chunksize1(benchmark::State& state) {
  map_tasks(state, 1);
}
void PoolMap10000DefaultChunksize(benchmark::State& state) {
  map_tasks(state, 0);
}

void PoolCreateCloseJoin(benchmark::State& state) {
  for (auto _ : state) {
    Pool pool(2);
    pool.close();
    pool.join();
  }
}

/// The floor under PoolCreateCloseJoin on this machine: two bare fork() + _exit() + waitpid().
void BareForkTwiceExitWait(benchmark::State& state) {
  for (auto _ : state) {
    const pid_t first = ::fork();
    if (first == 0) ::_exit(0);
    const pid_t second = ::fork();
    if (second == 0) ::_exit(0);
    ::waitpid(first, nullptr, 0);
    ::waitpid(second, nullptr, 0);
  }
}

BENCHMARK(PoolMap10000Chunksize1)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(PoolMap10000DefaultChunksize)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(PoolCreateCloseJoin)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BareForkTwiceExitWait)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace ipcprop

BENCHMARK_MAIN();
