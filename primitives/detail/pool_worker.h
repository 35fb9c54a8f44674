// ipcprop — primitives/detail/pool_worker.h
//
// run_worker(): the program of one Pool worker process. It runs the initializer, then takes
// chunks from the task queue one at a time, runs them through their TaskRunner and puts one
// reply per chunk, until it takes a stop message or reaches maxtasksperchild chunks. A task that
// throws becomes a not-ok record (the worker goes on); the initializer throwing ends the worker
// after an InitializerFailed reply.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "primitives/detail/pool_shared.h"
#include "primitives/detail/queue_core.h"

namespace ipcprop::detail {

struct WorkerContext {
  QueueCore& tasks;
  QueueCore& replies;
  PoolSharedHeader& shared;
  WorkerSlot& slot;
  std::uint32_t index = 0;
  const std::function<void()>& initializer;
  std::size_t maxtasksperchild = 0;  ///< 0: no limit.
};

/// The worker's exit code: 0 after a stop or retirement, 1 if the initializer threw.
int run_worker(const WorkerContext& context);

/// Tells the owner that a reply was posted, waking it if it sleeps (see pool_shared.h).
void announce_reply(PoolSharedHeader& shared);

}  // namespace ipcprop::detail
