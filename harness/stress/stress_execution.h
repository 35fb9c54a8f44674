// ipcprop — harness/stress/stress_execution.h
//
// The stress mode of run_execution().
#pragma once

#include <span>

#include "harness/execution.h"

namespace ipcprop::harness::detail {

Outcome run_stress(const ActorFactory& make_actors, const ExecutionOptions& options,
                   std::uint64_t data_seed);

}  // namespace ipcprop::harness::detail
