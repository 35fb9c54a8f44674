// ipcprop — primitives/lock.h
//
// Lock: a mutual-exclusion lock shared by processes, modelled on multiprocessing.Lock.
//
// Create it before fork(); every process forked afterwards shares it. It satisfies the standard
// Lockable requirements (lock/unlock/try_lock), so std::lock_guard and std::unique_lock work.
//
// Ownership: the lock is held by the *thread* that acquired it. Unlike Python's Lock, only that
// thread may release it; this is what lets a dead owner be detected.
//
//   state \ call     acquire()             try_acquire()   release()
//   free             held by caller        true, held      throws NotOwner
//   held by caller   throws UsageError     false           free
//   held by other    blocks until free     false           throws NotOwner
//   owner died       held by caller,       throws          throws NotOwner
//                    throws OwnerDied      OwnerDied
//
// Owner death: if the holding thread or its process dies, the next acquirer gets the lock and an
// OwnerDied exception (robust-mutex semantics): it holds the lock, repairs the guarded data, and
// releases as usual. Python's Lock hangs forever here.
//
// Waiter death: a process killed while it waits in acquire(), at any instant (even after the
// lock was handed to it, before acquire() returned), never leaves the lock stuck or the other
// waiters asleep: the lock passes to the next waiter as an ordinary acquisition, with no
// OwnerDied, since the dead waiter never touched what the lock guards.
//
// Every call is a sync point (sync_hooks.h); a blocked acquire waits through sync::wait(), so a
// controlled harness can schedule and time it.
#pragma once

#include "primitives/detail/robust_mutex.h"
#include "primitives/shared_memory.h"
#include "primitives/sync_hooks.h"

namespace ipcprop {

class Lock {
 public:
  /// Creates a free lock in fresh shared memory. Throws SystemError if mmap fails.
  Lock();

  // Lock::acquire()
  //
  // Blocks the calling thread, if necessary, until it holds the lock. Throws OwnerDied (holding
  // the lock) if the previous owner died holding it, and UsageError if the calling thread
  // already holds it, since that wait could never end (use RLock to re-acquire).
  void acquire();

  // Lock::acquire(timeout)
  //
  // Like acquire(), but gives up once `timeout` has passed on the sync clock; a zero or negative
  // timeout tries once. Returns true iff the caller now holds the lock.
  [[nodiscard]] bool acquire(sync::Timeout timeout);

  // Lock::try_acquire()
  //
  // Takes the lock if it is free, without blocking. Returns true iff the caller now holds it
  // (false also when the caller already held it). Throws OwnerDied like acquire().
  [[nodiscard]] bool try_acquire();

  // Lock::release()
  //
  // Frees the lock and wakes a waiter. Does not block. Throws NotOwner if the calling thread does
  // not hold it (nobody does, or another thread or process does); the lock is then unchanged.
  void release();

  /// True iff the calling thread holds the lock. Not a sync point.
  bool held_by_caller() const { return state_->held_by_caller(); }

  // Lockable names, for std::lock_guard and std::unique_lock.
  void lock() { acquire(); }
  void unlock() { release(); }
  [[nodiscard]] bool try_lock() { return try_acquire(); }

  /// This lock's identity in histories and messages.
  sync::SyncObject sync_object() const noexcept;

 private:
  bool acquire_until(sync::Deadline deadline, sync::Timeout timeout_argument);

  SharedObject<detail::RobustMutex> state_;
};

}  // namespace ipcprop
