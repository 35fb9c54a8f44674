// ipcprop — primitives/detail/caller_identity.h
//
// Who is calling: process id, thread id and a random 64-bit token unique to this thread in this
// process. Lock ownership compares tokens, not ids, because a process that died holding a lock
// leaves its ids behind and a later process may be given the same pid and tid.
#pragma once

#include <cstdint>

#include <sys/types.h>

namespace ipcprop::detail {

struct CallerIdentity {
  pid_t pid = 0;
  pid_t tid = 0;
  std::uint64_t token = 0;  ///< Never 0.
};

/// The calling thread's identity, cached per thread and renewed in the child after fork(), so
/// the common case costs no system call.
const CallerIdentity& current_caller();

}  // namespace ipcprop::detail
