// The watchdog on a busy machine: CPU hogs share the one CPU a controlled execution is pinned
// to, so its actors get a fraction of that CPU. The watchdog counts only time the actors ran or
// slept (stall_meter.h): a correct execution is slowed, never cut, and a spinning actor is still
// cut.
#include <atomic>
#include <chrono>
#include <csignal>
#include <ctime>
#include <stdexcept>
#include <vector>

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "harness/execution.h"
#include "harness/strategies/random.h"
#include "primitives/lock.h"
#include "primitives/shared_memory.h"

namespace ipcprop::harness {
namespace {

using namespace std::chrono_literals;

std::chrono::nanoseconds thread_cpu_time() {
  timespec now{};
  if (::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now) != 0)
    throw std::runtime_error("clock_gettime");
  return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
}

/// Work that takes `amount` of CPU time however busy the machine is.
void burn_cpu(std::chrono::nanoseconds amount) {
  const auto start = thread_cpu_time();
  while (thread_cpu_time() - start < amount) {
  }
}

/// Pins this process to the CPU it runs on and starts `count` processes that spin there until
/// destroyed; restores the affinity at the end.
class BusyCpu {
 public:
  explicit BusyCpu(int count) {
    if (::sched_getaffinity(0, sizeof saved_, &saved_) != 0) throw std::runtime_error("affinity");
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(::sched_getcpu(), &one);
    if (::sched_setaffinity(0, sizeof one, &one) != 0) throw std::runtime_error("affinity");
    for (int i = 0; i < count; ++i) {
      const pid_t pid = ::fork();
      if (pid == -1) throw std::runtime_error("fork");
      if (pid == 0) {
        while (stop_->load(std::memory_order_relaxed) == 0) {
        }
        ::_exit(0);
      }
      hogs_.push_back(pid);
    }
  }
  BusyCpu(const BusyCpu&) = delete;
  BusyCpu& operator=(const BusyCpu&) = delete;
  BusyCpu(BusyCpu&&) = delete;
  BusyCpu& operator=(BusyCpu&&) = delete;
  ~BusyCpu() {
    stop_->store(1);
    for (const pid_t pid : hogs_) {
      int status = 0;
      while (::waitpid(pid, &status, 0) == -1 && errno == EINTR) {
      }
    }
    ::sched_setaffinity(0, sizeof saved_, &saved_);
  }

 private:
  cpu_set_t saved_{};
  SharedObject<std::atomic<int>> stop_{0};
  std::vector<pid_t> hogs_;
};

Outcome run(const std::vector<ActorProgram>& programs, std::chrono::milliseconds limit) {
  auto strategy = make_strategy<RandomWalk>(7);
  ExecutionOptions options;
  options.watchdog_limit = limit;
  return run_execution(programs, *strategy, options);
}

TEST(WatchdogUnderLoad, BusyMachineSlowsACorrectExecutionWithoutCuttingIt) {
  // Each step needs 15 ms of CPU; with four hogs on the CPU it takes about 75 ms of wall-clock
  // time, more than the 40 ms limit: a wall-clock watchdog would cut it.
  Lock lock;
  const auto worker = [&](ActorContext&) {
    for (int round = 0; round < 3; ++round) {
      lock.acquire();
      burn_cpu(15ms);
      lock.release();
    }
  };
  const BusyCpu busy(4);
  const auto started = std::chrono::steady_clock::now();
  const Outcome outcome = run({worker, worker}, 40ms);
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(outcome.passed()) << outcome.message;
  // Six steps of 15 ms of CPU need 90 ms anyway; more than 6 x 40 ms shows that the steps took
  // longer than the limit in wall-clock time, as the hogs make them (about 5 x 90 ms).
  EXPECT_GT(took, 240ms) << "the hogs did not slow the execution past the watchdog's limit";
}

TEST(WatchdogUnderLoad, BusyMachineStillCutsASpinningActor) {
  Lock lock;
  const auto spinner = [&](ActorContext&) {
    lock.acquire();
    lock.release();
    std::atomic<unsigned> spins{0};
    for (;;) spins.fetch_add(1, std::memory_order_relaxed);
  };
  const BusyCpu busy(4);
  const Outcome outcome = run({spinner}, 40ms);
  ASSERT_EQ(outcome.kind, OutcomeKind::Timeout) << outcome.message;
  EXPECT_NE(outcome.message.find("actor 0 holds the baton"), std::string::npos) << outcome.message;
}

}  // namespace
}  // namespace ipcprop::harness
