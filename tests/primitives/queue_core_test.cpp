// detail::QueueCore: a process killed while holding the queue's internal lock.
#include "primitives/detail/queue_core.h"

#include <chrono>
#include <cstddef>
#include <fstream>
#include <string>
#include <vector>

#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "primitives/process.h"
#include "tests/support/handshake.h"

namespace ipcprop::detail {
namespace {

using namespace std::chrono_literals;

QueueCore::Bytes bytes(std::initializer_list<int> values) {
  QueueCore::Bytes out;
  for (int value : values) out.push_back(static_cast<std::byte>(value));
  return out;
}

bool put(QueueCore& core, const QueueCore::Bytes& message) {
  return core.put("test::put", message, sync::Deadline::forever(), sync::Timeout::max());
}

QueueCore::Bytes get(QueueCore& core) {
  QueueCore::Bytes out;
  EXPECT_TRUE(core.get("test::get", out, sync::Deadline::forever(), sync::Timeout::max()));
  return out;
}

/// Waits, without sleeping, until process `pid` is asleep in the kernel (state S).
void wait_until_asleep(pid_t pid) {
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  for (;;) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    const std::string text((std::istreambuf_iterator<char>(stat)),
                           std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');
    if (close != std::string::npos && close + 2 < text.size() && text[close + 2] == 'S') return;
    ASSERT_LT(std::chrono::steady_clock::now(), give_up) << "process " << pid << " never slept";
    ::sched_yield();
  }
}

/// Starts a child that takes the core's lock, says so, and never lets go.
Process start_lock_holder(QueueCore& core) {
  testing::Handshake holding;
  Process holder([&core, &holding] {
    core.hold_lock_for_testing([&] {
      holding.notify();
      for (;;) ::pause();
    });
  });
  holder.start();
  holding.wait();
  return holder;
}

TEST(QueueCore, ProcessKilledHoldingTheLockLeavesQueueUsable) {
  QueueCore core(0, 4096);
  ASSERT_TRUE(put(core, bytes({1, 2, 3})));
  Process holder = start_lock_holder(core);
  holder.kill();
  holder.join();
  EXPECT_EQ(holder.exitcode(), -SIGKILL);
  EXPECT_EQ(core.qsize("test::qsize"), 1u);
  EXPECT_EQ(get(core), bytes({1, 2, 3}));
  ASSERT_TRUE(put(core, bytes({4})));
  EXPECT_EQ(get(core), bytes({4}));
}

TEST(QueueCore, WaiterBlockedOnTheLockOfAKilledHolderCarriesOn) {
  QueueCore core(0, 4096);
  Process holder = start_lock_holder(core);
  // The getter blocks on the held lock, then, once the holder dies, on the empty queue.
  Process getter([&] { return get(core) == bytes({9}) ? 0 : 1; });
  getter.start();
  wait_until_asleep(*getter.pid());
  holder.kill();
  holder.join();
  ASSERT_TRUE(put(core, bytes({9})));
  getter.join();
  EXPECT_EQ(getter.exitcode(), 0);
  EXPECT_TRUE(core.empty("test::empty"));
}

// A timed call keeps its deadline while another process holds the internal lock forever (here a
// stopped process would do the same): it gives up, and the queue is untouched.
TEST(QueueCore, TimedCallsGiveUpWhileAnotherProcessHoldsTheLock) {
  QueueCore core(0, 4096);
  ASSERT_TRUE(put(core, bytes({1})));
  Process holder = start_lock_holder(core);
  QueueCore::Bytes out;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(core.get("test::get", out, sync::Deadline::after(100ms), 100ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
  EXPECT_FALSE(core.put("test::put", bytes({2}), sync::Deadline::after(100ms), 100ms));
  // Try-once calls wait a little for the lock too, then give up instead of hanging.
  EXPECT_FALSE(core.get("test::get", out, sync::Deadline::after(0s), 0s));
  EXPECT_FALSE(core.put("test::put", bytes({2}), sync::Deadline::after(0s), 0s));
  holder.kill();
  holder.join();
  EXPECT_EQ(core.qsize("test::qsize"), 1u);
  EXPECT_EQ(get(core), bytes({1}));
}

}  // namespace
}  // namespace ipcprop::detail
