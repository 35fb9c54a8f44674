// The queue suite must catch a queue with a check-then-act race, shrink it and replay it.
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "primitives/queue.h"
#include "properties/queue_suite.h"
#include "properties/runner.h"
#include "tests/properties/exact_replay.h"

namespace ipcprop::properties {
namespace {

/// put_nowait asks full() and then put()s: between the two another process may fill the
/// queue, and the "non-blocking" put then blocks.
class CheckThenPutQueue {
 public:
  explicit CheckThenPutQueue(std::size_t maxsize) : inner_(maxsize) {}
  void put(std::int64_t value) { inner_.put(value); }
  void put_nowait(std::int64_t value) {
    if (inner_.full()) throw Full("CheckThenPutQueue::put_nowait: full");
    inner_.put(value);
  }
  std::int64_t get() { return inner_.get(); }
  std::int64_t get_nowait() { return inner_.get_nowait(); }

 private:
  Queue<std::int64_t> inner_;
};

TEST(QueueMutants, CheckThenPutIsCaughtShrunkAndReplayed) {
  const PropertyResult result =
      run_property<queue_props::Linearizable, CheckThenPutQueue>("CheckThenPutQueue");
  IPCPROP_SKIP_IF_REPLAYING_ANOTHER(result);
  ASSERT_EQ(result.kind, PropertyResult::Kind::Failed);
  EXPECT_NE(result.report.find("Broken: "), std::string::npos) << result.report;
  expect_exact_replay<queue_props::Linearizable, CheckThenPutQueue>(result);
}

}  // namespace
}  // namespace ipcprop::properties
