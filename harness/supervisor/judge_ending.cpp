#include "harness/supervisor/judge_ending.h"

#include <csignal>

#include <fmt/format.h>

namespace ipcprop::harness::detail {

std::optional<std::string> judge_ending(ActorSlot& slot, ActorId id,
                                        const std::optional<Ending>& ending) {
  const bool reported_exit = slot.state.load(std::memory_order_acquire) == ActorState::Exiting;
  if (slot.signalled && !reported_exit) {
    // Its parent terminated or killed it: an ordinary end, seen through join() and exitcode.
    slot.exit_code = ending ? ending->exit_code() : -SIGKILL;
    return std::nullopt;
  }
  if (!reported_exit || (ending && ending->killed_by_signal)) {
    if (ending) slot.exit_code = ending->exit_code();
    return fmt::format("actor {} {}", id,
                       ending ? ending->describe() : std::string("vanished without a trace"));
  }
  if (slot.parent == kSupervisor && slot.exit_code != 0) {
    return fmt::format("actor {}'s program ended with exit code {} (see its stderr)", id,
                       slot.exit_code);
  }
  return std::nullopt;
}

}  // namespace ipcprop::harness::detail
