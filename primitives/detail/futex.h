// ipcprop — primitives/detail/futex.h
//
// Thin, checked wrappers over futex(2) on a 32-bit word in MAP_SHARED memory, for processes that
// wait on one another. They are never private futexes: the word may be mapped by many processes.
//
//   futex_wait          sleeps while the word holds an expected value, until woken or a deadline.
//   futex_wake          wakes sleepers on a word.
//   futex_add_and_wake  adds to a word and wakes its sleepers in one system call (FUTEX_WAKE_OP),
//                       so that a process killed at any moment either did both or neither.
//
// Every failure other than the documented outcomes throws SystemError naming the call
// ("futex_wait", "futex_wake", "futex_wake_op"), errno and `object`.
#pragma once

#include <atomic>
#include <cstdint>

#include "primitives/sync_hooks.h"

namespace ipcprop::detail {

static_assert(std::atomic<std::uint32_t>::is_always_lock_free);
static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));

enum class FutexWaitResult : std::uint8_t {
  Woken,          ///< Woken by a futex_wake, or the word no longer held `expected`, or a signal.
  DeadlinePassed  ///< `deadline` passed first.
};

/// Blocks while `word` holds `expected`, until woken or `deadline` (sync clock, which on the kernel
/// path is CLOCK_MONOTONIC) passes. May return Woken spuriously: callers look again.
FutexWaitResult futex_wait(const std::atomic<std::uint32_t>& word, std::uint32_t expected,
                           sync::Deadline deadline, const sync::SyncObject& object);

/// Wakes up to `count` sleepers on `word`; returns how many were woken.
int futex_wake(const std::atomic<std::uint32_t>& word, int count, const sync::SyncObject& object);

/// Atomically adds `addend` (0..2047) to `word` and wakes every sleeper on it, in one system call.
void futex_add_and_wake(std::atomic<std::uint32_t>& word, std::uint32_t addend,
                        const sync::SyncObject& object);

}  // namespace ipcprop::detail
