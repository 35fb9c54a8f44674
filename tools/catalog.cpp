#include "tools/catalog.h"

#include <cstdint>
#include <vector>

#include "primitives/lock.h"
#include "primitives/pool.h"
#include "primitives/process.h"
#include "primitives/queue.h"
#include "primitives/rlock.h"
#include "properties/lock_suite.h"
#include "properties/pipe_suite.h"
#include "properties/pool_suite.h"
#include "properties/process_suite.h"
#include "properties/queue_suite.h"

namespace ipcprop::tools {
namespace {

template <typename Primitive, typename... Properties>
void add(std::vector<CatalogEntry>& entries, std::string_view primitive) {
  (entries.push_back(catalog_entry<Properties, Primitive>(primitive)), ...);
}

std::vector<CatalogEntry> make_catalog() {
  namespace lock = properties::lock_props;
  namespace queue = properties::queue_props;
  namespace pipe = properties::pipe_props;
  namespace process = properties::process_props;
  namespace pool = properties::pool_props;
  std::vector<CatalogEntry> entries;
  add<Lock, lock::MutualExclusion, lock::ReleaseOnlyWhenHeld, lock::TimedAcquireFailsOnlyWhenHeld,
      lock::LockedLoopWritesBlocks, lock::LockedLinesStayWhole, lock::SurvivesAKilledActor>(entries,
                                                                                            "Lock");
  add<RLock, lock::MutualExclusion, lock::ReleaseOnlyWhenHeld, lock::TimedAcquireFailsOnlyWhenHeld,
      lock::LockedLoopWritesBlocks, lock::LockedLinesStayWhole, lock::ReentrantMutualExclusion,
      lock::SurvivesAKilledActor>(entries, "RLock");
  add<Queue<std::int64_t>, queue::Linearizable, queue::ExactlyOnceInOrder>(entries, "Queue");
  add<properties::IpcpropPipe, pipe::WholeInOrderThenEof, pipe::Duplex>(entries, "IpcpropPipe");
  add<Process, process::ForkTree, process::JoinOrdering, process::ExitCodesAndSignals>(entries,
                                                                                       "Process");
  add<Pool, pool::ExactlyOnceInOrder, pool::NeverMoreThanNBusy, pool::FailuresStayContained,
      pool::TerminateLeavesNothing>(entries, "Pool");
  return entries;
}

}  // namespace

std::span<const CatalogEntry> catalog() {
  static const std::vector<CatalogEntry> entries = make_catalog();
  return entries;
}

}  // namespace ipcprop::tools
