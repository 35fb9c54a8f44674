// ipcprop — harness/supervisor/root_actor.h
//
// The life of a root actor process after fork: run its program, report its exit through the
// hooks, flush, _exit. An escaping exception prints its message and gives exit code 1, except
// when the machine ran out of something (a SystemError with EMFILE, ENFILE, ENOMEM, EAGAIN,
// ENOSPC or ENOBUFS, or std::bad_alloc): that says nothing about the program, so the actor
// reports it through `out_of_resources`, which ends the execution as a harness error.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "harness/execution.h"

namespace ipcprop::harness::detail {

using OutOfResources = std::function<void(std::string_view why)>;

[[noreturn]] void run_root_actor(ActorId id, const ActorProgram& program, std::uint64_t data_seed,
                                 const OutOfResources& out_of_resources);

}  // namespace ipcprop::harness::detail
