// The hook API seen from a harness's side: a recording test double shows that every primitive
// reports its sync points, lets the harness take over its waits, and runs timeouts on the
// harness's clock.
#include "primitives/sync_hooks.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "primitives/lock.h"
#include "primitives/process.h"
#include "primitives/rlock.h"
#include "primitives/shared_memory.h"
#include "tests/support/handshake.h"

namespace ipcprop {
namespace {

using namespace std::chrono_literals;
using testing::Handshake;

/// A log in shared memory, so that events from forked children reach the test.
struct EventLog {
  static constexpr int kCapacity = 64;
  struct Event {
    char what[48];
    std::int64_t value;
    pid_t pid;
  };
  std::atomic<int> size{0};
  Event events[kCapacity];

  void add(std::string_view what, std::int64_t value) {
    const int index = size.fetch_add(1);
    if (index >= kCapacity) return;
    Event& event = events[index];
    const std::size_t length = std::min(what.size(), sizeof event.what - 1);
    std::memcpy(event.what, what.data(), length);
    event.what[length] = '\0';
    event.value = value;
    event.pid = ::getpid();
  }
  std::vector<std::string> names() const {
    std::vector<std::string> result;
    for (int i = 0; i < std::min(size.load(), kCapacity); ++i) result.emplace_back(events[i].what);
    return result;
  }
};

/// Records everything; answers waits with `wait_answer` (nullopt: "block in the kernel").
class RecordingHooks : public sync::Hooks {
 public:
  explicit RecordingHooks(EventLog& log) : log_(log) { sync::install(this); }
  RecordingHooks(const RecordingHooks&) = delete;
  RecordingHooks& operator=(const RecordingHooks&) = delete;
  RecordingHooks(RecordingHooks&&) = delete;
  RecordingHooks& operator=(RecordingHooks&&) = delete;
  ~RecordingHooks() override { sync::install(nullptr); }

  std::function<std::optional<sync::WaitResult>(const sync::SyncPoint&, sync::Deadline)>
      wait_answer = [](const sync::SyncPoint&, sync::Deadline) { return std::nullopt; };
  sync::TimePoint virtual_now{};
  sync::Deadline last_deadline = sync::Deadline::forever();
  sync::SyncObject last_notified{};

  void invoke(const sync::SyncPoint& point) override {
    log_.add(std::string("invoke ") + std::string(point.operation), point.argument);
  }
  void returned(const sync::SyncPoint& point, std::int64_t result) override {
    log_.add(std::string("returned ") + std::string(point.operation), result);
  }
  std::optional<sync::WaitResult> wait(const sync::SyncPoint& point,
                                       sync::Deadline deadline) override {
    log_.add(std::string("wait ") + std::string(point.operation), 0);
    last_deadline = deadline;
    return wait_answer(point, deadline);
  }
  void notify(const sync::SyncObject& object) override {
    log_.add(std::string("notify ") + std::string(object.kind), 0);
    last_notified = object;
  }
  sync::TimePoint now() override { return virtual_now; }
  void before_fork() override { log_.add("before_fork", 0); }
  void after_fork_in_child() override { log_.add("after_fork_in_child", 0); }
  void after_fork_in_parent(pid_t child) override { log_.add("after_fork_in_parent", child); }
  void before_exit(int exit_code) override { log_.add("before_exit", exit_code); }

 private:
  EventLog& log_;
};

TEST(SyncHooks, WithoutAHarnessWaitsBlockInTheKernelOnTheSteadyClock) {
  ASSERT_EQ(sync::installed(), nullptr);
  const sync::SyncPoint point{"Test::op", {"Test", 1}};
  EXPECT_EQ(sync::wait(point, sync::Deadline::after(1s)), std::nullopt);
  const auto before = sync::Clock::now();
  const auto now = sync::now();
  EXPECT_GE(now, before);
  EXPECT_LE(now, sync::Clock::now());
}

TEST(SyncHooks, DeadlineAfterSaturatesAndTreatsNonPositiveAsNow) {
  EventLog log;
  RecordingHooks hooks(log);
  hooks.virtual_now = sync::TimePoint(1000s);
  EXPECT_EQ(sync::Deadline::after(0s).time(), sync::TimePoint(1000s));
  EXPECT_EQ(sync::Deadline::after(-3s).time(), sync::TimePoint(1000s));
  EXPECT_EQ(sync::Deadline::after(5s).time(), sync::TimePoint(1005s));
  EXPECT_TRUE(sync::Deadline::after(sync::Timeout::max()).is_forever());
  EXPECT_FALSE(sync::Deadline::after(1h).is_forever());
}

TEST(SyncHooks, LockReportsEachOperationAndNotifiesOnRelease) {
  SharedObject<EventLog> log;
  RecordingHooks hooks(*log);
  Lock lock;
  lock.acquire();
  lock.release();
  EXPECT_EQ(log->names(), (std::vector<std::string>{
                              "invoke Lock::acquire", "returned Lock::acquire",
                              "invoke Lock::release", "returned Lock::release", "notify Lock"}));
  EXPECT_EQ(hooks.last_notified, lock.sync_object());
}

TEST(SyncHooks, HarnessClockRunsTimeoutsWithoutWaiting) {
  Lock lock;
  Handshake held;
  Handshake finish;
  Process holder([&] {
    lock.acquire();
    held.notify();
    finish.wait();
    lock.release();
  });
  holder.start();
  held.wait();
  {
    SharedObject<EventLog> log;
    RecordingHooks hooks(*log);
    hooks.virtual_now = sync::TimePoint(50s);
    hooks.wait_answer = [](const sync::SyncPoint&, sync::Deadline) {
      return sync::WaitResult::TimedOut;  // The harness jumped its clock to the deadline.
    };
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(lock.acquire(1h));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 30s) << "never waited an hour";
    EXPECT_EQ(hooks.last_deadline.time(), sync::TimePoint(50s) + 1h);
    EXPECT_EQ(log->names(), (std::vector<std::string>{"invoke Lock::acquire", "wait Lock::acquire",
                                                      "returned Lock::acquire"}));
    EXPECT_EQ(log->events[0].value, std::chrono::nanoseconds(1h).count());
  }
  finish.notify();
  holder.join();
}

TEST(SyncHooks, NotifiedWaiterLooksAgainAndAcquires) {
  RLock lock;
  Handshake held;
  Handshake release_now;
  Handshake released;
  Process holder([&] {
    lock.acquire();
    held.notify();
    release_now.wait();
    lock.release();
    released.notify();
  });
  holder.start();
  held.wait();
  {
    SharedObject<EventLog> log;
    RecordingHooks hooks(*log);
    // Like a controlled harness: the waiter is disabled, the holder runs and releases, and the
    // release notifies the waiter, which then looks again.
    hooks.wait_answer = [&](const sync::SyncPoint& point, sync::Deadline) {
      EXPECT_EQ(point.object, lock.sync_object());
      release_now.notify();
      released.wait();
      return sync::WaitResult::Notified;
    };
    lock.acquire();
    EXPECT_TRUE(lock.held_by_caller());
    lock.release();
  }
  holder.join();
  EXPECT_EQ(holder.exitcode(), 0);
}

TEST(SyncHooks, ProcessLifecycleReachesTheHarnessInBothProcesses) {
  SharedObject<EventLog> log;
  RecordingHooks hooks(*log);
  Process child([] { return 5; });
  child.start();
  child.join();
  const std::vector<std::string> names = log->names();
  auto count = [&](const std::string& name) {
    return std::count(names.begin(), names.end(), name);
  };
  EXPECT_EQ(count("invoke Process::start"), 1);
  EXPECT_EQ(count("before_fork"), 1);
  EXPECT_EQ(count("after_fork_in_parent"), 1);
  EXPECT_EQ(count("after_fork_in_child"), 1);
  EXPECT_EQ(count("before_exit"), 1);
  EXPECT_EQ(count("invoke Process::join"), 1);
  EXPECT_EQ(count("returned Process::join"), 1);
  for (int i = 0; i < log->size.load(); ++i) {
    const auto& event = log->events[i];
    const std::string what = event.what;
    if (what == "after_fork_in_parent") {
      EXPECT_EQ(event.value, *child.pid());
    } else if (what == "after_fork_in_child") {
      EXPECT_EQ(event.pid, *child.pid());
    } else if (what == "before_exit") {
      EXPECT_EQ(event.value, 5);
    }
  }
}

TEST(SyncHooks, JoinWaitsOnTheProcessObjectThroughTheHarness) {
  Handshake finish;
  Process child([&] { finish.wait(); });
  child.start();
  {
    SharedObject<EventLog> log;
    RecordingHooks hooks(*log);
    hooks.wait_answer = [&](const sync::SyncPoint& point, sync::Deadline) {
      EXPECT_EQ(point.object, child.sync_object());
      return sync::WaitResult::TimedOut;
    };
    EXPECT_FALSE(child.join(1h));
  }
  finish.notify();
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
}

}  // namespace
}  // namespace ipcprop
