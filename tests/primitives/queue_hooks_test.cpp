// Queue's sync points: each operation is announced and reported, waits go through the harness,
// and changes notify, so that a controlled harness can schedule queues and see S7 hang.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "primitives/queue.h"

namespace ipcprop {
namespace {

using namespace std::chrono_literals;

/// A harness stand-in: records every hook call and answers every wait with TimedOut.
class RecordingHooks : public sync::Hooks {
 public:
  struct Event {
    std::string what;  // "invoke", "returned", "wait", "notify"
    std::string operation;
    sync::SyncObject object;
    std::int64_t value = 0;
    bool forever = false;
  };

  RecordingHooks() { sync::install(this); }
  RecordingHooks(const RecordingHooks&) = delete;
  RecordingHooks& operator=(const RecordingHooks&) = delete;
  RecordingHooks(RecordingHooks&&) = delete;
  RecordingHooks& operator=(RecordingHooks&&) = delete;
  ~RecordingHooks() override { sync::install(nullptr); }

  void invoke(const sync::SyncPoint& point) override {
    events.push_back({"invoke", std::string(point.operation), point.object, point.argument});
  }
  void returned(const sync::SyncPoint& point, std::int64_t result) override {
    events.push_back({"returned", std::string(point.operation), point.object, result});
  }
  std::optional<sync::WaitResult> wait(const sync::SyncPoint& point,
                                       sync::Deadline deadline) override {
    events.push_back(
        {"wait", std::string(point.operation), point.object, 0, deadline.is_forever()});
    return sync::WaitResult::TimedOut;
  }
  void notify(const sync::SyncObject& object) override { events.push_back({"notify", "", object}); }
  sync::TimePoint now() override { return sync::Clock::now(); }

  /// "invoke Queue::put, returned Queue::put=1, notify" and so on.
  std::vector<std::string> summary() const {
    std::vector<std::string> lines;
    for (const Event& event : events) {
      std::string line = event.what;
      if (!event.operation.empty()) line += " " + event.operation;
      if (event.what == "returned") line += "=" + std::to_string(event.value);
      if (event.what == "wait" && event.forever) line += " forever";
      lines.push_back(line);
    }
    return lines;
  }

  std::vector<Event> events;
};

using Lines = std::vector<std::string>;

TEST(QueueHooks, EveryOperationIsOneSyncPointOnTheQueue) {
  Queue<int> queue(1);
  RecordingHooks hooks;
  queue.put(1);
  EXPECT_EQ(queue.qsize(), 1u);
  EXPECT_FALSE(queue.empty());
  EXPECT_TRUE(queue.full());
  EXPECT_EQ(queue.get(), 1);
  queue.close();
  EXPECT_EQ(hooks.summary(),
            (Lines{"invoke Queue::put", "returned Queue::put=1", "notify", "invoke Queue::qsize",
                   "returned Queue::qsize=1", "invoke Queue::empty", "returned Queue::empty=0",
                   "invoke Queue::full", "returned Queue::full=1", "invoke Queue::get",
                   "returned Queue::get=1", "notify", "invoke Queue::close",
                   "returned Queue::close=1", "notify"}));
  for (const auto& event : hooks.events) {
    EXPECT_EQ(event.object, queue.sync_object());
    EXPECT_EQ(event.object.kind, "Queue");
  }
}

TEST(QueueHooks, NowaitCallsFailWithoutWaiting) {
  Queue<int> queue(1);
  queue.put(1);
  RecordingHooks hooks;
  EXPECT_THROW(queue.put_nowait(2), Full);
  EXPECT_EQ(queue.get(), 1);
  hooks.events.clear();
  EXPECT_THROW(queue.get_nowait(), Empty);
  EXPECT_EQ(hooks.summary(), (Lines{"invoke Queue::get", "returned Queue::get=0"}));
}

// S7: the fourth get() waits on the queue through the harness with no deadline, which is what
// lets a controlled harness see that no actor can ever make it proceed.
TEST(QueueHooks, GetOnEmptyQueueWaitsThroughTheHarness) {
  Queue<int> queue;
  for (int i = 0; i < 3; ++i) queue.put(i);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(queue.get(), i);
  RecordingHooks hooks;
  // This harness answers every wait with TimedOut, so the blocking get gives up with Empty.
  EXPECT_THROW(queue.get(), Empty);
  EXPECT_EQ(hooks.summary(),
            (Lines{"invoke Queue::get", "wait Queue::get forever", "returned Queue::get=0"}));
  EXPECT_EQ(hooks.events[1].object, queue.sync_object());
}

TEST(QueueHooks, PutOnFullQueueWaitsThroughTheHarness) {
  Queue<int> queue(1);
  queue.put(0);
  RecordingHooks hooks;
  EXPECT_THROW(queue.put(1, 1h), Full);
  EXPECT_EQ(hooks.summary(),
            (Lines{"invoke Queue::put", "wait Queue::put", "returned Queue::put=0"}));
}

TEST(QueueHooks, JoinableQueueTaskDoneAndJoinAreSyncPoints) {
  JoinableQueue<int> queue;
  queue.put(1);
  RecordingHooks hooks;
  queue.join();  // This harness times the wait out, so join gives up and reports 0.
  EXPECT_EQ(hooks.summary(),
            (Lines{"invoke JoinableQueue::join", "wait JoinableQueue::join forever",
                   "returned JoinableQueue::join=0"}));
  hooks.events.clear();
  queue.task_done();
  queue.join();
  EXPECT_THROW(queue.task_done(), UsageError);
  EXPECT_EQ(hooks.summary(),
            (Lines{"invoke JoinableQueue::task_done", "returned JoinableQueue::task_done=1",
                   "notify", "invoke JoinableQueue::join", "returned JoinableQueue::join=1",
                   "invoke JoinableQueue::task_done", "returned JoinableQueue::task_done=0"}));
}

}  // namespace
}  // namespace ipcprop
