#include "primitives/pool.h"

#include <cstdint>
#include <limits>

#include <sched.h>

#include <fmt/format.h>

namespace ipcprop {
namespace detail {

std::size_t default_processes() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) {
    return std::max<std::size_t>(1, static_cast<std::size_t>(CPU_COUNT(&set)));
  }
  return 1;
}

}  // namespace detail

namespace {

// default_processes() counts CPUs in a cpu_set_t: it never exceeds the limit.
static_assert(CPU_SETSIZE <= kMaxPoolProcesses);
// Worker indices are 32-bit in the shared slots and messages.
static_assert(kMaxPoolProcesses <= std::numeric_limits<std::uint32_t>::max());

/// Throws UsageError unless every argument of Pool's constructor is in range. Compares the values
/// themselves, so nothing can wrap before the check.
void check_arguments(std::size_t processes, const PoolOptions& options) {
  if (processes > kMaxPoolProcesses) {
    throw UsageError(
        fmt::format("Pool: processes {} is out of range; allowed: 0 (one worker per CPU) or 1..{} "
                    "(kMaxPoolProcesses)",
                    processes, kMaxPoolProcesses));
  }
  if (options.maxtasksperchild > kMaxTasksPerChild) {
    throw UsageError(fmt::format(
        "Pool: PoolOptions::maxtasksperchild {} is out of range; allowed: 0 (never retire) or "
        "1..{} (kMaxTasksPerChild)",
        options.maxtasksperchild, kMaxTasksPerChild));
  }
}

}  // namespace

Pool::Pool(std::size_t processes, PoolOptions options) {
  // Before make_shared: nothing is allocated, mapped or forked for bad arguments.
  check_arguments(processes, options);
  core_ =
      std::make_shared<detail::PoolCore>(processes == 0 ? detail::default_processes() : processes,
                                         std::move(options.initializer), options.maxtasksperchild);
}

Pool::~Pool() {
  core_->terminate();
}

void Pool::close() {
  core_->close();
}

void Pool::terminate() {
  core_->require_owner("Pool::terminate");
  core_->terminate();
}

void Pool::join() {
  core_->join();
}

}  // namespace ipcprop
