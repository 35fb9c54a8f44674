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
#include <unistd.h>

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

// The floor: the same work on bare kernel pipes with blocking read/write, no framing or locks.

void BM_KernelPipeRoundTrip(benchmark::State& state) {
  const PinnedToOneCpu pinned;
  int there[2];
  int back[2];
  if (::pipe(there) != 0 || ::pipe(back) != 0) state.SkipWithError("pipe failed");
  Process echo([&] {
    ::close(there[1]);
    ::close(back[0]);
    std::array<char, 256> message;
    ssize_t size = 0;
    while ((size = ::read(there[0], message.data(), message.size())) > 0) {
      if (::write(back[1], message.data(), static_cast<std::size_t>(size)) != size) return 1;
    }
    return 0;
  });
  echo.start();
  ::close(there[0]);
  ::close(back[1]);
  const std::array<char, 16> message{};
  std::array<char, 256> reply;
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    benchmark::DoNotOptimize(::write(there[1], message.data(), message.size()));
    benchmark::DoNotOptimize(::read(back[0], reply.data(), reply.size()));
  }
  report_round_trip(state, start);
  ::close(there[1]);
  ::close(back[0]);
  echo.join();
}
BENCHMARK(BM_KernelPipeRoundTrip)->UseRealTime();

void BM_KernelPipeThroughput64(benchmark::State& state) {
  int ends[2];
  if (::pipe(ends) != 0) state.SkipWithError("pipe failed");
  const auto count = static_cast<std::int64_t>(state.max_iterations);
  Process sender([&] {
    ::close(ends[0]);
    const std::array<char, 64> message{};
    for (std::int64_t i = 0; i < count; ++i) {
      if (::write(ends[1], message.data(), message.size()) != 64) return 1;
    }
    return 0;
  });
  sender.start();
  ::close(ends[1]);
  // Count whole 64-byte messages out of large reads, as a framing receiver would.
  std::array<char, 64 * 1024> buffer;
  std::int64_t bytes = 0;
  for (auto _ : state) {
    while (bytes < 64) {
      const ssize_t got = ::read(ends[0], buffer.data(), buffer.size());
      if (got <= 0) break;
      bytes += got;
    }
    bytes -= 64;
  }
  ::close(ends[0]);
  sender.join();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_KernelPipeThroughput64)->UseRealTime();

}  // namespace
}  // namespace ipcprop

BENCHMARK_MAIN();
