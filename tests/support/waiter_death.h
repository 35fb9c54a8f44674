// ipcprop — tests/support/waiter_death.h
//
// The waiter-death shape, for any lock inside a primitive: waiters A and B block in the kernel on
// a lock the test holds; the test releases it (the kernel wakes A, or hands A the lock), takes it
// back if it can before A runs, SIGKILLs and reaps A, and releases if it holds it. B must then get
// the lock: a waiter's death may never leave sleepers over a free lock.
//
// A must not run between the release and its death, or the window closes: the test and both
// waiters are pinned to one CPU and the waiters run under SCHED_IDLE, so the test's own steps
// always go first. Nothing sleeps: a hook tells when a waiter is about to block, and the test
// then yields until the kernel reports the waiter asleep in futex(2).
#pragma once

#include <chrono>
#include <functional>
#include <optional>

namespace ipcprop::testing {

/// How the test side takes and gives back the lock under test.
struct LockHolder {
  std::function<void()> acquire;
  std::function<bool()> try_acquire;
  std::function<void()> release;
};

/// How waiter B ended in the shape above.
struct WaiterDeathResult {
  /// B's exit code: 0 once its operation completed. Empty if B was still waiting after `patience`
  /// (it was then killed): the hang this shape exists to find.
  std::optional<int> survivor_exit_code;
  /// Whether the test took the lock back between its release and A's death (a plain futex lock
  /// lets it; a lock that hands itself to the woken waiter does not).
  bool retook = false;
};

/// Runs the shape with `waiter_operation` (which blocks on the held lock, then completes) in A
/// and B. B's exit code is 0 if the operation returned, 1 if it threw.
WaiterDeathResult run_waiter_death_shape(const LockHolder& holder,
                                         const std::function<void()>& waiter_operation,
                                         std::chrono::seconds patience = std::chrono::seconds(20));

}  // namespace ipcprop::testing
