#include "tests/support/waiter_death.h"

#include <cstdio>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>

#include <sched.h>
#include <sys/syscall.h>

#include "primitives/errors.h"
#include "primitives/process.h"
#include "primitives/sync_hooks.h"
#include "tests/support/handshake.h"
#include "tests/support/report_first_wait.h"

namespace ipcprop::testing {
namespace {

bool asleep_in_futex(pid_t pid) {
  std::ifstream syscall_file("/proc/" + std::to_string(pid) + "/syscall");
  long number = -1;
  syscall_file >> number;  // "running" while it runs: no number.
  if (!syscall_file || number != SYS_futex) return false;
  std::ifstream stat_file("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat_file, line);
  const auto after_name = line.rfind(") ");
  return after_name != std::string::npos && line.size() > after_name + 2 &&
         line[after_name + 2] == 'S';
}

/// Pins the calling process to the CPU it runs on until destroyed, then restores its mask.
class PinnedToOneCpu {
 public:
  PinnedToOneCpu() {
    check_call(sched_getaffinity(0, sizeof(saved_), &saved_), "sched_getaffinity");
    const int cpu = sched_getcpu();
    check_call(cpu, "sched_getcpu");
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    check_call(sched_setaffinity(0, sizeof(one), &one), "sched_setaffinity");
  }
  PinnedToOneCpu(const PinnedToOneCpu&) = delete;
  PinnedToOneCpu& operator=(const PinnedToOneCpu&) = delete;
  ~PinnedToOneCpu() { static_cast<void>(sched_setaffinity(0, sizeof(saved_), &saved_)); }

 private:
  cpu_set_t saved_;
};

Process start_waiter(const std::function<void()>& waiter_operation) {
  Handshake about_to_block;
  Process waiter([&waiter_operation, &about_to_block] {
    const sched_param idle{};
    check_call(sched_setscheduler(0, SCHED_IDLE, &idle), "sched_setscheduler");
    ReportFirstWait hooks(about_to_block);
    sync::install(&hooks);
    int exit_code = 0;
    try {
      waiter_operation();
    } catch (const std::exception& error) {
      std::fprintf(stderr, "waiter: %s\n", error.what());
      exit_code = 1;
    }
    sync::install(nullptr);  // The process's exit calls hooks too, after `hooks` is gone.
    return exit_code;
  });
  waiter.start();
  about_to_block.wait();
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!asleep_in_futex(*waiter.pid())) {
    if (std::chrono::steady_clock::now() > give_up) {
      throw std::runtime_error("a waiter never went to sleep in futex(2) on the held lock");
    }
    sched_yield();
  }
  return waiter;
}

}  // namespace

WaiterDeathResult run_waiter_death_shape(const LockHolder& holder,
                                         const std::function<void()>& waiter_operation,
                                         std::chrono::seconds patience) {
  const PinnedToOneCpu pinned;
  holder.acquire();
  Process first = start_waiter(waiter_operation);
  Process second = start_waiter(waiter_operation);
  WaiterDeathResult result;
  holder.release();
  result.retook = holder.try_acquire();
  first.kill();
  first.join();
  if (result.retook) holder.release();
  if (second.join(patience)) {
    result.survivor_exit_code = second.exitcode();
  } else {
    second.kill();
    second.join();
  }
  return result;
}

}  // namespace ipcprop::testing
