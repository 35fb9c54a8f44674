#include "primitives/queue.h"

#include <fmt/format.h>

namespace ipcprop::detail {

void throw_full(std::string_view operation, const sync::SyncObject& object) {
  throw Full(fmt::format("{}: {} is full", operation, describe(object)));
}

void throw_empty(std::string_view operation, const sync::SyncObject& object) {
  throw Empty(fmt::format("{}: {} is empty", operation, describe(object)));
}

void throw_task_done_too_many(const sync::SyncObject& object) {
  throw UsageError(fmt::format(
      "JoinableQueue::task_done: task_done() called too many times: {} has no unfinished task",
      describe(object)));
}

}  // namespace ipcprop::detail
