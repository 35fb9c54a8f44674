// ipcprop — harness/controlled/controlled_execution.h
//
// The controlled mode of run_execution(): the supervisor's loop and the actors' start.
#pragma once

#include <span>

#include "harness/execution.h"

namespace ipcprop::harness::detail {

Outcome run_controlled(const ActorFactory& make_actors, Strategy& strategy,
                       const ExecutionOptions& options, std::uint64_t data_seed);

}  // namespace ipcprop::harness::detail
