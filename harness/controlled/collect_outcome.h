// ipcprop — harness/controlled/collect_outcome.h
//
// Turns the control block of a finished controlled execution into an Outcome, with a message
// that names actors by id and objects by their history names.
#pragma once

#include "harness/detail/control_block.h"

namespace ipcprop::harness::detail {

Outcome collect_outcome(const ControlBlock& control, const ExecutionOptions& options);

}  // namespace ipcprop::harness::detail
