// Pipe speed between two processes (goals: round trip <= 5 us pinned to one CPU; 64-byte one-way
// throughput >= 1.5 M msgs/s). bench/pipe_python.py does the same work with Python's
// multiprocessing.Pipe for comparison.
//
//   build/default/bench/pipe_benchmark
#include <array>
#include <chrono>
#include <cstdint>
#include <vector>

#include <sched.h>

#include <benchmark/benchmark.h>

#include "primitives/pipe.h"
#include "primitives/process.h"

namespace ipcprop {
namespace {

/// Pins the calling process (and children forked meanwhile) to CPU 0; restores on destruction.
class PinnedToOneCpu {
 public:
  PinnedToOneCpu() {
    sched_getaffinity(0, sizeof(saved_), &saved_);
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    sched_setaffinity(0, sizeof(one), &one);
  }
  ~PinnedToOneCpu() { sched_setaffinity(0, sizeof(saved_), &saved_); }

 private:
  cpu_set_t saved_{};
};

/// Adds the mean round trip in microseconds since `start` as a plain number.
void report_round_trip(benchmark::State& state, std::chrono::steady_clock::time_point start) {
  const std::chrono::duration<double, std::micro> elapsed =
      std::chrono::steady_clock::now() - start;
  state.counters["us_per_round_trip"] = elapsed.count() / static_cast<double>(state.iterations());
}

/// Starts a child that sends back every message it receives until EOF.
Process start_echo(Connection& parent_end, Connection& child_end) {
  Process echo([&] {
    parent_end.close();
    std::array<std::byte, 256> message;
    try {
      for (;;) {
        const std::size_t size = child_end.recv_bytes_into(message);
        child_end.send_bytes(std::span(message).first(size));
      }
    } catch (const EOFError&) {
    }
  });
  echo.start();
  child_end.close();
  return echo;
}

void BM_PipeRoundTripBytes(benchmark::State& state) {
  const PinnedToOneCpu pinned;
  auto [parent_end, child_end] = Pipe();
  Process echo = start_echo(parent_end, child_end);
  std::array<std::byte, 16> message{};
  std::array<std::byte, 256> reply;
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    parent_end.send_bytes(message);
    benchmark::DoNotOptimize(parent_end.recv_bytes_into(reply));
  }
  parent_end.close();
  echo.join();
  report_round_trip(state, start);
}
BENCHMARK(BM_PipeRoundTripBytes)->UseRealTime();

void BM_PipeRoundTripValue(benchmark::State& state) {
  const PinnedToOneCpu pinned;
  auto [parent_end, child_end] = Pipe();
  Process echo = start_echo(parent_end, child_end);
  std::int64_t value = 0;
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    parent_end.send(value);
    value = parent_end.recv<std::int64_t>() + 1;
  }
  parent_end.close();
  echo.join();
  report_round_trip(state, start);
}
BENCHMARK(BM_PipeRoundTripValue)->UseRealTime();

/// One-way: a child sends as many 64-byte messages as this run has iterations; the parent
/// receives them. Not pinned: sender and receiver run on their own CPUs.
void BM_PipeThroughput64(benchmark::State& state) {
  auto [reader, writer] = Pipe(false);
  const auto count = static_cast<std::int64_t>(state.max_iterations);
  Process sender([&] {
    reader.close();
    const std::array<std::byte, 64> message{};
    for (std::int64_t i = 0; i < count; ++i) writer.send_bytes(message);
  });
  sender.start();
  writer.close();
  std::array<std::byte, 64> message;
  for (auto _ : state) benchmark::DoNotOptimize(reader.recv_bytes_into(message));
  sender.join();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PipeThroughput64)->UseRealTime();

}  // namespace
}  // namespace ipcprop

BENCHMARK_MAIN();
