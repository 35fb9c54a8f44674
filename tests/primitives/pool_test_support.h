// Shared by the Pool tests: counters in shared memory that tasks (plain functions, run in
// forked workers) update, reached through a global pointer set before the pool is created.
#pragma once

#include <atomic>
#include <cstdint>

#include <sys/types.h>

#include "primitives/shared_memory.h"

namespace ipcprop::testing {

inline constexpr int kMaxTasks = 256;

struct PoolCounters {
  std::atomic<int> runs[kMaxTasks];         ///< How many times task x ran.
  std::atomic<pid_t> runner_of[kMaxTasks];  ///< The pid of the worker that ran task x.
  std::atomic<int> running_now;
  std::atomic<int> max_running;
  std::atomic<int> initializer_runs;
  std::atomic<pid_t> initialized[kMaxTasks];  ///< Pids whose initializer ran, in order.
  std::atomic<int> takes;                     ///< Messages taken by workers (pool_take_test.cpp).
  std::atomic<int> kill_at;     ///< The take whose taker is killed at once (1-based; 0: none).
  std::atomic<pid_t> killed;    ///< The worker killed at take kill_at.
  std::atomic<pid_t> reporter;  ///< The worker of take kill_at + 1, which reports the loss.
  std::atomic<int> stage;       ///< Handshake of pool_take_test.cpp's ordering test.
};

/// Where tasks count; each test points it at a fresh SharedObject before creating its pool.
inline PoolCounters* counters = nullptr;

/// Counts a run of task `x` (its runs, its worker, how many run at once).
inline void count_run(int x) {
  const int now = counters->running_now.fetch_add(1) + 1;
  int max = counters->max_running.load();
  while (now > max && !counters->max_running.compare_exchange_weak(max, now)) {
  }
  counters->runs[x].fetch_add(1);
  counters->runner_of[x].store(::getpid());
  counters->running_now.fetch_sub(1);
}

/// Fresh counters for one test, and `counters` pointing at them while it lives.
class SharedCounters {
 public:
  SharedCounters() { counters = object_.get(); }
  SharedCounters(const SharedCounters&) = delete;
  SharedCounters& operator=(const SharedCounters&) = delete;
  SharedCounters(SharedCounters&&) = delete;
  SharedCounters& operator=(SharedCounters&&) = delete;
  ~SharedCounters() { counters = nullptr; }
  PoolCounters* operator->() const noexcept { return object_.get(); }

 private:
  SharedObject<PoolCounters> object_;
};

inline void count_initializer() {
  const int index = counters->initializer_runs.fetch_add(1);
  counters->initialized[index].store(::getpid());
}

}  // namespace ipcprop::testing
