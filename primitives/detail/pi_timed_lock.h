// ipcprop — primitives/detail/pi_timed_lock.h
//
// A timed lock of a priority-inheritance pthread mutex against a CLOCK_MONOTONIC deadline.
// glibc does that with FUTEX_LOCK_PI2 (Linux 5.14 and later); on an older kernel it refuses
// CLOCK_MONOTONIC, and the lock waits in slices of CLOCK_REALTIME instead, each at most
// kRealtimeSlice long, so that a jump of the wall clock can move the deadline by one slice at most.
#pragma once

#include <chrono>

#include <pthread.h>

#include "primitives/sync_hooks.h"

namespace ipcprop::detail {

inline constexpr std::chrono::milliseconds kRealtimeSlice{10};

/// pthread_mutex_clocklock(CLOCK_MONOTONIC) with the fallback above. Returns its result: 0,
/// ETIMEDOUT, EOWNERDEAD or another error number (also clock_gettime's, in the fallback).
/// Precondition: !deadline.is_forever().
int timed_lock_pi(pthread_mutex_t& mutex, sync::Deadline deadline) noexcept;

/// The fallback alone, for its tests.
int timed_lock_pi_in_realtime_slices(pthread_mutex_t& mutex, sync::Deadline deadline) noexcept;

}  // namespace ipcprop::detail
