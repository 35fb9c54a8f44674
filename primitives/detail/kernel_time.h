// ipcprop — primitives/detail/kernel_time.h
//
// Converts sync::Deadline to what the kernel's blocking calls take. Only for the kernel path:
// there the sync clock is CLOCK_MONOTONIC (std::chrono::steady_clock on Linux).
#pragma once

#include <ctime>

#include "primitives/sync_hooks.h"

namespace ipcprop::detail {

/// The deadline as an absolute CLOCK_MONOTONIC time (for pthread_*_clocklock, futex with
/// FUTEX_CLOCK_MONOTONIC). Precondition: !deadline.is_forever().
timespec absolute_monotonic(sync::Deadline deadline) noexcept;

/// Fills `left` with the time left until the deadline, never negative (for ppoll), and returns
/// true; returns false, leaving `left` alone, for a deadline that never passes.
bool time_left(sync::Deadline deadline, timespec& left) noexcept;

}  // namespace ipcprop::detail
