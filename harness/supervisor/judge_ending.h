// ipcprop — harness/supervisor/judge_ending.h
//
// Whether an actor's end is a crash, the same rule in both modes: killed by a signal its parent
// did not send, dying outside the hooks, or a root actor's program ending with a non-zero code.
// Records the actor's exit code in its slot either way.
#pragma once

#include <optional>
#include <string>

#include "harness/detail/control_block.h"
#include "harness/supervisor/actor_group.h"

namespace ipcprop::harness::detail {

/// nullopt: an ordinary end. Otherwise the crash, e.g. "actor 2 was killed by signal 11 (SIGSEGV)".
std::optional<std::string> judge_ending(ActorSlot& slot, ActorId id,
                                        const std::optional<Ending>& ending);

}  // namespace ipcprop::harness::detail
