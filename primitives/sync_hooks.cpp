#include "primitives/sync_hooks.h"

#include <fmt/format.h>

namespace ipcprop::sync {

std::string describe(const SyncObject& object) {
  if (object.kind == "Process") return fmt::format("{}@{}", object.kind, object.id);
  return fmt::format("{}@{:#x}", object.kind, object.id);
}

Deadline Deadline::after(Timeout timeout) noexcept {
  const TimePoint start = now();
  if (timeout <= Timeout::zero()) return at(start);
  if (timeout > TimePoint::max() - start) return forever();
  return at(start + timeout);
}

void install(Hooks* hooks) noexcept {
  detail::installed_hooks.store(hooks, std::memory_order_relaxed);
}

}  // namespace ipcprop::sync
