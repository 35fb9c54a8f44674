// ipcprop — tests/properties/mutant_locks.h
//
// Locks with known, realistic bugs: the measure of the lock suites' power. Each follows the
// sync-hook wait protocol so that the controlled harness schedules it like a real primitive.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include <sched.h>

#include "primitives/detail/caller_identity.h"
#include "primitives/errors.h"
#include "primitives/shared_memory.h"
#include "primitives/sync_hooks.h"

namespace ipcprop::mutants {

/// A spin-and-wait lock on one shared word, with owner checks. The knobs add one bug each.
struct Bugs {
  bool split_test_and_set = false;  ///< A sync point between seeing the lock free and taking it.
  bool anyone_may_release = false;  ///< release() does not check the owner.
  bool shallow_reentry = false;     ///< Reentrant, but the first release frees it.
  bool timed_acquire_gives_up = false;  ///< acquire(timeout) fails at once, held or not.
  bool reentrant = false;
  bool admits_two = false;  ///< A semaphore that starts at 2: two holders at once.
};

template <Bugs bugs>
class MutantLock {
 public:
  void acquire() { static_cast<void>(acquire_until(sync::Deadline::forever())); }
  bool acquire(std::chrono::nanoseconds timeout) {
    if (bugs.timed_acquire_gives_up) {
      sync::invoke({"MutantLock::acquire", object()});
      return false;
    }
    return acquire_until(sync::Deadline::after(timeout));
  }
  bool try_acquire() { return acquire_until(sync::Deadline::after(std::chrono::nanoseconds(0))); }

  void release() {
    const sync::SyncPoint point{"MutantLock::release", object()};
    sync::invoke(point);
    const std::uint64_t me = detail::current_caller().token;
    if (bugs.admits_two && state_->second.load() == me) {
      state_->second.store(0);
      sync::notify(point.object);
      return;
    }
    if (!bugs.anyone_may_release && state_->owner.load() != me) {
      throw NotOwner("MutantLock::release: not held by the caller");
    }
    if (bugs.reentrant && !bugs.shallow_reentry && --state_->depth > 0) return;
    state_->depth = 0;
    state_->owner.store(0);
    sync::notify(point.object);
  }

 private:
  struct State {
    std::atomic<std::uint64_t> owner{0};
    std::atomic<std::uint64_t> second{0};
    int depth = 0;
  };

  sync::SyncObject object() const {
    return {"MutantLock", reinterpret_cast<std::uintptr_t>(state_.get())};
  }

  bool acquire_until(sync::Deadline deadline) {
    const sync::SyncPoint point{"MutantLock::acquire", object()};
    sync::invoke(point);
    const std::uint64_t me = detail::current_caller().token;
    for (;;) {
      if (bugs.reentrant && state_->owner.load() == me) {
        ++state_->depth;
        return true;
      }
      if (bugs.admits_two && state_->second.load() == 0 && state_->owner.load() != 0) {
        state_->second.store(me);  // The bug: a second holder is let in.
        return true;
      }
      if (bugs.split_test_and_set) {
        if (state_->owner.load() == 0) {
          sync::invoke({"MutantLock::take", object()});  // The bug: another may take it here.
          state_->owner.store(me);
          state_->depth = 1;
          return true;
        }
      } else {
        std::uint64_t expected = 0;
        if (state_->owner.compare_exchange_strong(expected, me)) {
          state_->depth = 1;
          return true;
        }
      }
      if (const auto waited = sync::wait(point, deadline)) {
        if (*waited == sync::WaitResult::TimedOut) return false;
        continue;
      }
      if (!deadline.is_forever() && sync::now() >= deadline.time()) return false;
      ::sched_yield();  // No harness: spin politely.
    }
  }

  SharedObject<State> state_;
};

using SplitTestAndSetLock = MutantLock<Bugs{.split_test_and_set = true}>;
using AnyoneMayReleaseLock = MutantLock<Bugs{.anyone_may_release = true}>;
using GiveUpAtOnceLock = MutantLock<Bugs{.timed_acquire_gives_up = true}>;
using ShallowRLock = MutantLock<Bugs{.shallow_reentry = true, .reentrant = true}>;
using AdmitsTwoLock = MutantLock<Bugs{.admits_two = true}>;
using CorrectMutantBaseLock = MutantLock<Bugs{}>;

}  // namespace ipcprop::mutants
