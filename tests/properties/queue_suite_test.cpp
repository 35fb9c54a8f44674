// The queue suite against the project's Queue: every property holds.
#include "primitives/queue.h"
#include "properties/gtest.h"

namespace {

using Queue = ipcprop::Queue<std::int64_t>;

IPCPROP_QUEUE_SUITE(Queue);

}  // namespace
