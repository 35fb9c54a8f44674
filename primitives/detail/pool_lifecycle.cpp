#include "primitives/detail/pool_core.h"

// PoolCore's worker lifecycle: starting workers, noticing their ends, failing the chunk a dead
// worker was running and replacing it, and shutting the pool down (close, terminate, join).
// Submission, replies and waiting are in pool_core.cpp.

#include <algorithm>
#include <csignal>
#include <string>

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>

#include "primitives/detail/pool_worker.h"
#include "primitives/errors.h"

namespace ipcprop::detail {
namespace {

std::string describe_exit(int exit_code) {
  if (exit_code >= 0) return fmt::format("exited with code {}", exit_code);
  const char* name = sigabbrev_np(-exit_code);
  return fmt::format("was killed by signal {} (SIG{})", -exit_code, name ? name : "?");
}

std::string describe_tasks(const ChunkState& chunk) {
  if (chunk.count == 1) return fmt::format("task {}", chunk.first);
  return fmt::format("tasks {}..{}", chunk.first, chunk.first + chunk.count - 1);
}

}  // namespace

void PoolCore::start_worker(std::uint32_t index) {
  WorkerSlot& worker_slot = slot(index);
  worker_slot.running.store(0, std::memory_order_relaxed);
  worker_slot.stopped.store(0, std::memory_order_relaxed);
  Worker& worker = workers_[index];
  worker.retiring = false;
  worker.process.emplace(
      [this, index] {
        return run_worker(WorkerContext{tasks_, replies_, *shared_, slot(index), index,
                                        initializer_, maxtasksperchild_});
      },
      fmt::format("PoolWorker-{}", index + 1));
  worker.process->start();
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, *worker.process->pid(), 0));
  worker.pidfd = FileDescriptor(check_call(pidfd, "pidfd_open", worker.process->name()));
}

bool PoolCore::check_workers() {
  bool any = false;
  for (std::uint32_t index = 0; index < workers_.size(); ++index) {
    Worker& worker = workers_[index];
    if (!worker.pidfd) continue;
    pollfd entry{worker.pidfd.get(), POLLIN, 0};
    if (::poll(&entry, 1, 0) != 1) continue;
    // Its last replies may still be queued: take them before judging the death. One of them
    // (a LostInTake naming it) may judge it and start its successor: that one is alive.
    const auto dead = worker.process->pid();
    drain_replies();
    if (worker.process && worker.process->pid() == dead) worker_ended(index);
    any = true;
  }
  return any;
}

void PoolCore::worker_ended(std::uint32_t index) {
  Worker& worker = workers_[index];
  if (!worker.process) return;
  worker.process->join();
  const int exit_code = worker.process->exitcode().value_or(0);
  const pid_t pid = worker.process->pid().value_or(0);
  worker.pidfd.close();
  worker.process.reset();
  WorkerSlot& worker_slot = slot(index);
  if (worker_slot.stopped.load(std::memory_order_acquire) != 0) return;  // Its end: no successor.
  const std::uint64_t running = worker_slot.running.load(std::memory_order_acquire);
  deaths_[pid] = fmt::format("worker {} (pid {}) {}", index + 1, pid, describe_exit(exit_code));
  if (running != 0) {
    if (const auto found = pending_.find(running - 1); found != pending_.end()) {
      fail(*found->second,
           fmt::format("worker {} (pid {}) {} while running {}", index + 1, pid,
                       describe_exit(exit_code), describe_tasks(*found->second)),
           true);
      pending_.erase(found);
    }
  }
  if (broken_ || state_ == State::Terminated || state_ == State::Joined) return;
  const bool retired = worker.retiring;
  start_worker(index);
  // Dying idle, it may have died between taking a message and recording it: whoever takes the
  // next message sees the gap (pool_shared.h), so make sure there is a next message.
  if (running == 0 && !retired) put_control("Pool::probe", TaskKind::Probe);
}

bool PoolCore::all_workers_gone() const {
  return std::none_of(workers_.begin(), workers_.end(),
                      [](const Worker& worker) { return worker.process.has_value(); });
}

void PoolCore::close() {
  require_owner("Pool::close");
  if (state_ != State::Running) return;
  state_ = State::Closed;
  for (std::size_t i = 0; i < workers_.size(); ++i) put_control("Pool::close", TaskKind::Stop);
}

void PoolCore::terminate() noexcept {
  if (::getpid() != owner_pid_ || state_ == State::Terminated || state_ == State::Joined) return;
  state_ = State::Terminated;
  for (Worker& worker : workers_) {
    if (!worker.process) continue;
    try {
      worker.process->kill();
      worker.process->join();
    } catch (...) {  // ~Process kills and reaps regardless.
    }
    worker.process.reset();
    worker.pidfd = FileDescriptor();
  }
  fail_all_pending("Pool::terminate: the pool was terminated before the task finished");
  wake_fd_ = FileDescriptor();
}

void PoolCore::join() {
  require_owner("Pool::join");
  if (state_ == State::Running) {
    throw UsageError("Pool::join: the pool is still running; call close() or terminate() first");
  }
  if (state_ == State::Closed && broken_) terminate();
  if (state_ == State::Terminated || state_ == State::Joined) {
    state_ = State::Joined;
    return;
  }
  static_cast<void>(wait_until([this] { return all_workers_gone(); }, sync::Deadline::forever(),
                               sync::Timeout::max()));
  state_ = State::Joined;
  wake_fd_ = FileDescriptor();
}

std::vector<pid_t> PoolCore::worker_pids() const {
  std::vector<pid_t> pids;
  for (const Worker& worker : workers_) {
    if (worker.process) pids.push_back(*worker.process->pid());
  }
  return pids;
}

}  // namespace ipcprop::detail
