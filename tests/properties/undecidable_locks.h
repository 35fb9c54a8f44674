// ipcprop — tests/properties/undecidable_locks.h
//
// Locks whose executions say nothing about the lock properties: one spins outside the hooks
// (the watchdog cuts it), one finds the machine out of file descriptors (a harness error).
// runner.h reports both as their own verdicts, never as a failure.
#pragma once

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>

#include "primitives/errors.h"
#include "primitives/sync_hooks.h"

namespace ipcprop::mutants {

/// Every acquire reaches one sync point and then spins forever without another.
class SpinningLock {
 public:
  void acquire() { spin(); }
  bool acquire(std::chrono::nanoseconds) { spin(); }
  bool try_acquire() { spin(); }
  void release() {}

 private:
  [[noreturn]] void spin() {
    sync::invoke(
        {"SpinningLock::acquire", {"SpinningLock", reinterpret_cast<std::uintptr_t>(this)}});
    std::atomic<std::uint64_t> spins{0};
    for (;;) spins.fetch_add(1, std::memory_order_relaxed);
  }
};

/// Every acquire fails the way a process at its file-descriptor limit does.
class OutOfDescriptorsLock {
 public:
  void acquire() { fail(); }
  bool acquire(std::chrono::nanoseconds) { fail(); }
  bool try_acquire() { fail(); }
  void release() {}

 private:
  [[noreturn]] static void fail() { throw SystemError("eventfd", EMFILE, "OutOfDescriptorsLock"); }
};

}  // namespace ipcprop::mutants
