#include "harness/supervisor/supervisor_process.h"

#include <cerrno>
#include <cstdio>
#include <exception>

#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "harness/supervisor/actor_group.h"
#include "primitives/errors.h"

namespace ipcprop::harness::detail {
namespace {

void pin_to_current_cpu() {
  const int cpu = check_call(::sched_getcpu(), "sched_getcpu");
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  check_call(::sched_setaffinity(0, sizeof set, &set), "sched_setaffinity");
}

}  // namespace

SupervisorResult run_in_supervisor_process(const ExecutionOptions& options,
                                           const std::function<void()>& body) {
  std::fflush(nullptr);  // Or buffered output would be written by the supervisor too.
  const pid_t supervisor = ::fork();
  if (supervisor == -1) {
    return {false, SystemError("fork", errno, "supervisor").what()};
  }
  if (supervisor == 0) {
    int exit_code = 0;
    try {
      check_call(::prctl(PR_SET_CHILD_SUBREAPER, 1), "prctl(PR_SET_CHILD_SUBREAPER)");
      // Stress mode wants real parallelism: only controlled executions are pinned.
      if (options.pin_to_one_cpu && options.mode == Mode::Controlled) pin_to_current_cpu();
      body();
    } catch (const std::exception& error) {
      std::fprintf(stderr, "ipcprop supervisor: %s\n", error.what());
      exit_code = 3;
    }
    std::fflush(nullptr);
    ::_exit(exit_code);
  }
  int status = 0;
  while (::waitpid(supervisor, &status, 0) == -1) {
    if (errno != EINTR) return {false, SystemError("waitpid", errno, "supervisor").what()};
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {true, {}};
  const Ending ending =
      WIFSIGNALED(status) ? Ending{true, WTERMSIG(status)} : Ending{false, WEXITSTATUS(status)};
  return {false, fmt::format("the supervisor process {}", ending.describe())};
}

}  // namespace ipcprop::harness::detail
