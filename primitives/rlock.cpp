#include "primitives/rlock.h"

#include <cstdint>

namespace ipcprop {

RLock::RLock() = default;

sync::SyncObject RLock::sync_object() const noexcept {
  return {"RLock", reinterpret_cast<std::uintptr_t>(state_.get())};
}

int RLock::depth_held_by_caller() const {
  return held_by_caller() ? state_->depth.load(std::memory_order_relaxed) : 0;
}

void RLock::acquire() {
  // A forever deadline always acquires or throws.
  static_cast<void>(acquire_until(sync::Deadline::forever(), sync::Timeout::max()));
}

bool RLock::acquire(sync::Timeout timeout) {
  return acquire_until(sync::Deadline::after(timeout), timeout);
}

bool RLock::acquire_until(sync::Deadline deadline, sync::Timeout timeout_argument) {
  const sync::SyncPoint point{"RLock::acquire", sync_object(), timeout_argument.count()};
  sync::invoke(point);
  if (state_->mutex.held_by_caller()) {
    state_->depth.fetch_add(1, std::memory_order_relaxed);
    sync::returned(point, 1);
    return true;
  }
  return finish_acquire(point, state_->mutex.acquire(point, deadline, point.object));
}

bool RLock::try_acquire() {
  const sync::SyncPoint point{"RLock::try_acquire", sync_object()};
  sync::invoke(point);
  if (state_->mutex.held_by_caller()) {
    state_->depth.fetch_add(1, std::memory_order_relaxed);
    sync::returned(point, 1);
    return true;
  }
  return finish_acquire(point, state_->mutex.try_acquire(point.object));
}

bool RLock::finish_acquire(const sync::SyncPoint& point, detail::AcquireResult result) {
  if (result.acquired()) state_->depth.store(1, std::memory_order_relaxed);
  return detail::report_acquire(point, result);
}

void RLock::release() {
  const sync::SyncPoint point{"RLock::release", sync_object()};
  sync::invoke(point);
  if (!state_->mutex.held_by_caller()) {
    state_->mutex.release("RLock::release", point.object);  // Throws NotOwner with the details.
  }
  if (state_->depth.fetch_sub(1, std::memory_order_relaxed) > 1) {
    sync::returned(point, 1);
    return;
  }
  state_->mutex.release("RLock::release", point.object);
  sync::returned(point, 1);
  sync::notify(point.object);
}

}  // namespace ipcprop
