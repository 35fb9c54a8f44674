// ipcprop — harness/stress/stress_execution.h
//
// The stress mode of run_execution().
#pragma once

#include <span>

#include "harness/execution.h"

namespace ipcprop::harness::detail {

Outcome run_stress(std::span<const ActorProgram> programs, const ExecutionOptions& options,
                   std::uint64_t data_seed);

}  // namespace ipcprop::harness::detail
