// ipcprop — harness/supervisor/root_actor.h
//
// The life of a root actor process after fork: run its program, report its exit through the
// hooks, flush, _exit. An escaping exception prints its message and gives exit code 1.
#pragma once

#include <cstdint>

#include "harness/execution.h"

namespace ipcprop::harness::detail {

[[noreturn]] void run_root_actor(ActorId id, const ActorProgram& program, std::uint64_t data_seed);

}  // namespace ipcprop::harness::detail
