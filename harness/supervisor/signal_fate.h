// ipcprop — harness/supervisor/signal_fate.h
//
// Whether a signal just sent to a process will end it: what the harness needs to know when an
// actor terminates or kills another (sync::after_signal). A signal the target catches, ignores
// or blocks does not end it: the target stays an actor like any other, its handler having run
// while it was parked (so before its next step), and its later death would be a crash.
#pragma once

#include <sys/types.h>

namespace ipcprop::harness::detail {

/// True if `signal_number`, sent to `pid`, ends it: SIGKILL always; otherwise a signal whose
/// default action terminates the process and that the target neither catches, ignores nor
/// blocks (from /proc/<pid>/status). When that cannot be read (the target is already gone, or
/// no /proc), true: the old assumption that a signal sent by a parent ends the child.
bool signal_ends_process(pid_t pid, int signal_number);

}  // namespace ipcprop::harness::detail
