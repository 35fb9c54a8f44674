#include "primitives/detail/pi_timed_lock.h"

#include <algorithm>
#include <cerrno>
#include <ctime>

#include "primitives/detail/kernel_time.h"

namespace ipcprop::detail {
namespace {

/// Sets `until` to CLOCK_REALTIME + `duration`; false (errno set) if the clock cannot be read.
bool realtime_after(std::chrono::nanoseconds duration, timespec& until) noexcept {
  timespec now{};
  if (clock_gettime(CLOCK_REALTIME, &now) == -1) return false;
  const auto total =
      std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec) + duration;
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(total);
  until = timespec{.tv_sec = static_cast<time_t>(seconds.count()),
                   .tv_nsec = static_cast<long>((total - seconds).count())};
  return true;
}

}  // namespace

int timed_lock_pi(pthread_mutex_t& mutex, sync::Deadline deadline) noexcept {
  const timespec until = absolute_monotonic(deadline);
  const int result = pthread_mutex_clocklock(&mutex, CLOCK_MONOTONIC, &until);
  // EINVAL: glibc could not use FUTEX_LOCK_PI2 (the arguments are otherwise valid).
  if (result == EINVAL || result == ENOTSUP || result == ENOSYS) {
    return timed_lock_pi_in_realtime_slices(mutex, deadline);
  }
  return result;
}

int timed_lock_pi_in_realtime_slices(pthread_mutex_t& mutex, sync::Deadline deadline) noexcept {
  for (;;) {
    const auto left = deadline.time() - sync::Clock::now();
    if (left <= sync::Clock::duration::zero()) {
      const int result = pthread_mutex_trylock(&mutex);
      return result == EBUSY ? ETIMEDOUT : result;
    }
    timespec until{};
    if (!realtime_after(std::min<std::chrono::nanoseconds>(left, kRealtimeSlice), until)) {
      return errno;
    }
    const int result = pthread_mutex_timedlock(&mutex, &until);
    if (result != ETIMEDOUT) return result;
  }
}

}  // namespace ipcprop::detail
