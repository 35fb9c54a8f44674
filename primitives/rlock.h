// ipcprop — primitives/rlock.h
//
// RLock: a reentrant lock shared by processes, modelled on multiprocessing.RLock (S5).
//
// Create it before fork(). The owner — one thread of one process — may acquire it again; each
// acquire adds one level of depth and each release removes one, and the lock is free when the
// depth is back to 0. Only the owner may release. Satisfies Lockable (lock/unlock/try_lock).
//
//   state \ call        acquire()            try_acquire()    release()
//   free                owned, depth 1       true, depth 1    throws NotOwner
//   owned by caller     depth + 1            true, depth + 1  depth - 1; free at 0
//   owned by other      blocks until free    false            throws NotOwner
//   owner died          owned, depth 1,      owned, depth 1,  throws NotOwner
//                       throws OwnerDied     throws OwnerDied
//
// Owner death: as for Lock, the next acquirer gets the lock at depth 1 together with OwnerDied,
// whatever depth the dead owner had reached. A waiter's death, at any instant, is invisible to the
// others, as for Lock.
//
// Every call is a sync point (sync_hooks.h); a blocked acquire waits through sync::wait().
#pragma once

#include <atomic>

#include "primitives/detail/robust_mutex.h"
#include "primitives/shared_memory.h"
#include "primitives/sync_hooks.h"

namespace ipcprop {

class RLock {
 public:
  /// Creates a free lock in fresh shared memory. Throws SystemError if mmap fails.
  RLock();

  // RLock::acquire()
  //
  // If the calling thread owns the lock, adds one level at once. Otherwise blocks until the lock
  // is free and takes it at depth 1. Throws OwnerDied (owning it at depth 1) if the previous owner
  // died holding it.
  void acquire();

  // RLock::acquire(timeout)
  //
  // Like acquire(), but gives up once `timeout` has passed on the sync clock; a zero or negative
  // timeout tries once. Returns true iff the caller now owns the lock (one level deeper).
  [[nodiscard]] bool acquire(sync::Timeout timeout);

  // RLock::try_acquire()
  //
  // Takes or deepens the lock if that needs no waiting. Returns true iff it did.
  [[nodiscard]] bool try_acquire();

  // RLock::release()
  //
  // Drops one level of ownership; the lock is free when the depth reaches 0, and then a waiter is
  // woken. Does not block. Throws NotOwner if the calling thread does not own the lock (nobody
  // does, or another thread or process does); the lock is then unchanged.
  void release();

  /// True iff the calling thread owns the lock. Not a sync point.
  bool held_by_caller() const { return state_->mutex.held_by_caller(); }
  /// How many releases the caller owes: the depth if it owns the lock, else 0. Not a sync point.
  int depth_held_by_caller() const;

  void lock() { acquire(); }
  void unlock() { release(); }
  [[nodiscard]] bool try_lock() { return try_acquire(); }

  /// This lock's identity in histories and messages.
  sync::SyncObject sync_object() const noexcept;

 private:
  struct State {
    detail::RobustMutex mutex;
    std::atomic<int> depth{0};  ///< Written only by the owner.
  };

  bool acquire_until(sync::Deadline deadline, sync::Timeout timeout_argument);
  bool finish_acquire(const sync::SyncPoint& point, detail::AcquireResult result);

  SharedObject<State> state_;
};

}  // namespace ipcprop
