// ipcprop — harness/supervisor/supervisor_process.h
//
// Runs a function in a fresh supervisor process: a child subreaper (orphaned actors come back
// to it), pinned to the caller's CPU when asked, that ends with _exit. The caller waits for it.
#pragma once

#include <functional>
#include <string>

#include "harness/execution.h"

namespace ipcprop::harness::detail {

struct SupervisorResult {
  bool ok = false;
  std::string message;  ///< Why not, when !ok.
};

SupervisorResult run_in_supervisor_process(const ExecutionOptions& options,
                                           const std::function<void()>& body);

}  // namespace ipcprop::harness::detail
