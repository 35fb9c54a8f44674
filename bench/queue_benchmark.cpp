// Queue throughput: one producer process puts, this process gets, messages of 64 B and 4 KiB.
// Reports items_per_second (messages/s). bench/queue_python.py does the same work with Python's
// multiprocessing.Queue for comparison.
//
//   cmake --build --preset default && build/default/bench/queue_benchmark
//
// Two payload kinds: a std::array (the codec's byte-copy path) and a std::string (cereal's path,
// closest to Python sending bytes). Timing is wall-clock (UseRealTime): the consumer may wait.
#include <array>
#include <cstddef>
#include <string>

#include <benchmark/benchmark.h>

#include "primitives/process.h"
#include "primitives/queue.h"

namespace ipcprop {
namespace {

template <typename Message>
Message make_message(std::size_t size) {
  if constexpr (std::is_same_v<Message, std::string>) {
    return std::string(size, 'x');
  } else {
    Message message;
    message.fill(std::byte{'x'});
    return message;
  }
}

template <typename Message>
void transfer(benchmark::State& state, std::size_t size) {
  Queue<Message> queue;
  const auto messages = static_cast<std::int64_t>(state.max_iterations);
  Queue<int> go;  // Starts the producer when the clock starts.
  Process producer([&] {
    const Message message = make_message<Message>(size);
    static_cast<void>(go.get());
    for (std::int64_t i = 0; i < messages; ++i) queue.put(message);
  });
  producer.start();
  go.put(1);
  std::size_t received = 0;
  for (auto _ : state) {
    received += queue.get().size();
  }
  producer.join();
  benchmark::DoNotOptimize(received);
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
}

void QueueArray64(benchmark::State& state) {
  transfer<std::array<std::byte, 64>>(state, 64);
}
void QueueArray4K(benchmark::State& state) {
  transfer<std::array<std::byte, 4096>>(state, 4096);
}
void QueueString64(benchmark::State& state) {
  transfer<std::string>(state, 64);
}
void QueueString4K(benchmark::State& state) {
  transfer<std::string>(state, 4096);
}

/// The cost of a queue with the default 64 MiB ring: the mapping is reserved, never touched.
void QueueCreate(benchmark::State& state) {
  for (auto _ : state) {
    Queue<int> queue;
    benchmark::DoNotOptimize(queue.sync_object());
  }
}

/// 16 MiB messages (std::string, through cereal) from one process to another.
void QueueString16M(benchmark::State& state) {
  transfer<std::string>(state, std::size_t{16} << 20);
}

BENCHMARK(QueueArray64)->UseRealTime();
BENCHMARK(QueueArray4K)->UseRealTime();
BENCHMARK(QueueString64)->UseRealTime();
BENCHMARK(QueueString4K)->UseRealTime();
BENCHMARK(QueueString16M)->UseRealTime();
BENCHMARK(QueueCreate);

}  // namespace
}  // namespace ipcprop

BENCHMARK_MAIN();
