// ipcprop — primitives/detail/robust_mutex.h
//
// RobustMutex: the process-shared mutex under Lock, RLock, the Pipe's send and receive locks,
// the Queue's internal lock and the Pool's take lock, with owner tracking.
//
// Death, at any instant, never leaves sleepers over a free mutex:
//   - the owner dies holding it: the next acquirer gets it as AcquiredFromDeadOwner;
//   - a waiter dies, even one the kernel was handing the mutex to: the mutex passes on to the
//     next waiter as an ordinary acquisition (Acquired), since the dead one never touched what
//     the mutex guards.
// Why a robust *priority-inheritance* pthread mutex: with PI the kernel keeps the waiters and
// hands the mutex to one of them on unlock, so a waiter killed after its wake-up is the owner
// and its death is seen like an owner's. A plain robust futex mutex loses that wake-up when the
// woken waiter dies after another thread retook the mutex (doc/robust-mutex.md). Waiting stays
// hookable: under a harness only pthread_mutex_trylock is called, and waits go through
// sync::wait().
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
