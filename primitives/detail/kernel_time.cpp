#include "primitives/detail/kernel_time.h"

#include <algorithm>
#include <chrono>

namespace ipcprop::detail {
namespace {

timespec to_timespec(std::chrono::nanoseconds duration) noexcept {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(duration);
  return timespec{.tv_sec = static_cast<time_t>(seconds.count()),
                  .tv_nsec = static_cast<long>((duration - seconds).count())};
}

}  // namespace

timespec absolute_monotonic(sync::Deadline deadline) noexcept {
  static_assert(sync::Clock::is_steady);
  return to_timespec(deadline.time().time_since_epoch());
}

bool time_left(sync::Deadline deadline, timespec& left) noexcept {
  if (deadline.is_forever()) return false;
  const auto remaining = deadline.time() - sync::Clock::now();
  left = to_timespec(std::max(remaining, sync::Clock::duration::zero()));
  return true;
}

}  // namespace ipcprop::detail
