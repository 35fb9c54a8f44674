// ipcprop — bench/kill_campaign/primitive_table.h
//
// The primitives the campaign knows, in the table's order: each one's name (for --primitive),
// its kill window and its trial function (trials.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>

#include "bench/kill_campaign/trials.h"
#include "primitives/lock.h"
#include "primitives/rlock.h"

namespace ipcprop::campaign {

/// One primitive: the kill lands uniformly in [0, window_ns) after the start gate opens, about
/// the time its producing side needs.
struct PrimitiveEntry {
  const char* name;
  std::int64_t window_ns;
  void (*run)(Context&);
};

/// Every primitive, in the order the campaign runs them and the table lists them.
inline constexpr PrimitiveEntry kPrimitives[] = {
    {"Lock", 7'000'000, lock_trial<Lock>},
    {"RLock", 7'000'000, lock_trial<RLock>},
    {"Queue", 7'000'000, queue_trial<QueueKind::Plain>},
    {"JoinableQueue", 8'000'000, queue_trial<QueueKind::Joinable>},
    {"SimpleQueue", 7'000'000, queue_trial<QueueKind::Simple>},
    {"Pipe", 8'000'000, pipe_trial},
    {"Pool", 8'000'000, pool_trial},
};
inline constexpr std::size_t kPrimitiveCount = std::size(kPrimitives);

}  // namespace ipcprop::campaign
