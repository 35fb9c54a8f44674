// ipcprop — primitives/detail/pool_shared.h
//
// PoolShared: the words a Pool's owner and workers share besides the two queues.
//
//   WorkerSlot::running   which chunk the worker in that slot is running (chunk id + 1; 0 when
//                         idle). Written by the worker after it takes a chunk and before any task
//                         code runs, cleared after its reply is in the queue: what the owner reads
//                         when that worker dies.
//   WorkerSlot::stopped   the worker took a stop message: its exit is the end, not a death.
//   replies_posted        +1 after every reply; the owner spins on it before sleeping.
//   owner_sleeping        the owner is about to sleep in ppoll: a worker that posts a reply then
//                         writes to the owner's eventfd (Dekker-style, with seq_cst fences).
//   take_lock, taken      a worker takes a message and records it (WorkerSlot::running, and
//                         `taken`, the sequence of the next message expected) under take_lock, a
//                         robust mutex, as Python's Pool reads its task pipe under a lock. So the
//                         take and its record are one step for everybody else: a worker that
//                         dies between them dies holding the lock, and the next taker sees a gap
//                         in the message sequence numbers and reports the lost message (the owner
//                         puts a Probe message after such a death, so that there is a next one).
#pragma once

#include <atomic>
#include <cstdint>

#include "primitives/detail/robust_mutex.h"

namespace ipcprop::detail {

struct WorkerSlot {
  std::atomic<std::uint64_t> running{0};
  std::atomic<std::uint32_t> stopped{0};
};

struct PoolSharedHeader {
  std::atomic<std::uint32_t> replies_posted{0};
  std::atomic<std::uint32_t> owner_sleeping{0};
  int wake_fd = -1;  ///< The owner's eventfd, inherited by every worker.
  RobustMutex take_lock;
  std::uint64_t taken = 0;  ///< Under take_lock: the sequence of the next message to be taken.
};

}  // namespace ipcprop::detail
