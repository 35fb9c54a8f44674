#include "primitives/lock.h"

#include <cstdint>

#include <fmt/format.h>

#include "primitives/errors.h"

namespace ipcprop {

Lock::Lock() = default;

sync::SyncObject Lock::sync_object() const noexcept {
  return {"Lock", reinterpret_cast<std::uintptr_t>(state_.get())};
}

void Lock::acquire() {
  // A forever deadline always acquires or throws.
  static_cast<void>(acquire_until(sync::Deadline::forever(), sync::Timeout::max()));
}

bool Lock::acquire(sync::Timeout timeout) {
  return acquire_until(sync::Deadline::after(timeout), timeout);
}

bool Lock::acquire_until(sync::Deadline deadline, sync::Timeout timeout_argument) {
  const sync::SyncPoint point{"Lock::acquire", sync_object(), timeout_argument.count()};
  sync::invoke(point);
  if (state_->held_by_caller()) {
    throw UsageError(
        fmt::format("Lock::acquire: the calling thread already holds {}; waiting "
                    "for it would never end (an RLock may be re-acquired)",
                    describe(point.object)));
  }
  return detail::report_acquire(point, state_->acquire(point, deadline, point.object));
}

bool Lock::try_acquire() {
  const sync::SyncPoint point{"Lock::try_acquire", sync_object()};
  sync::invoke(point);
  if (state_->held_by_caller()) {
    sync::returned(point, 0);
    return false;
  }
  return detail::report_acquire(point, state_->try_acquire(point.object));
}

void Lock::release() {
  const sync::SyncPoint point{"Lock::release", sync_object()};
  sync::invoke(point);
  state_->release("Lock::release", point.object);
  sync::returned(point, 1);
  sync::notify(point.object);
}

}  // namespace ipcprop
