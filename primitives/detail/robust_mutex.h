// ipcprop — primitives/detail/robust_mutex.h
//
// RobustMutex: the process-shared mutex under Lock and RLock, with owner tracking.
//
// Why a robust process-shared pthread mutex and not a bare futex: when the owner dies, the kernel
// (through glibc's per-thread robust list) marks the mutex and wakes one waiter, which then gets
// EOWNERDEAD. A bare futex cannot learn of its owner's death without polling, and glibc owns the
// thread's only robust-list slot. Waiting stays hookable: the harness path only ever calls
// pthread_mutex_trylock and waits through sync::wait(); only the no-harness path blocks inside
// pthread_mutex_clocklock.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include <pthread.h>
#include <sys/types.h>

#include "primitives/sync_hooks.h"

namespace ipcprop::detail {

/// Who holds a mutex: a process and one of its threads (kernel thread id).
struct Owner {
  pid_t pid = 0;
  pid_t tid = 0;
};

struct AcquireResult {
  enum class Status : unsigned char { NotAcquired, Acquired, AcquiredFromDeadOwner };
  Status status = Status::NotAcquired;
  /// The process that died holding the mutex, for AcquiredFromDeadOwner.
  pid_t dead_owner_pid = 0;

  bool acquired() const noexcept { return status != Status::NotAcquired; }
};

/// Lives in shared memory (SharedObject<RobustMutex>). Errors name `object`, the primitive built
/// on it.
class RobustMutex {
 public:
  RobustMutex();

  /// One attempt; never blocks and is not a sync point.
  AcquireResult try_acquire(const sync::SyncObject& object);
  /// Follows the sync-hook wait protocol on `point` until acquired or `deadline` passes.
  AcquireResult acquire(const sync::SyncPoint& point, sync::Deadline deadline,
                        const sync::SyncObject& object);
  /// Throws NotOwner (naming `operation`) unless the calling thread holds the mutex.
  void release(std::string_view operation, const sync::SyncObject& object);

  bool held_by_caller() const;
  /// The current owner; pid 0 when free. A snapshot: it may change at once.
  Owner owner() const noexcept;

 private:
  AcquireResult acquire_in_kernel(sync::Deadline deadline, const sync::SyncObject& object);
  AcquireResult took_ownership(int pthread_result, std::string_view call,
                               const sync::SyncObject& object);

  pthread_mutex_t mutex_;
  void record_owner() noexcept;

  // Written only by the thread holding mutex_, read by anyone: atomics so that readers race
  // with nothing. The token decides ownership; pid and tid are for messages.
  std::atomic<std::uint64_t> owner_token_{0};
  std::atomic<pid_t> owner_pid_{0};
  std::atomic<pid_t> owner_tid_{0};
};

/// Ends an acquire operation: records its result in the history (sync::returned) and throws
/// OwnerDied if the mutex came from a dead owner. Returns result.acquired().
bool report_acquire(const sync::SyncPoint& point, AcquireResult result);

}  // namespace ipcprop::detail
