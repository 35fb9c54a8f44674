// A waiter killed after the kernel woke it (or handed it the lock), before it took the lock,
// must not leave the other waiters asleep over a free lock: the shape of
// tests/support/waiter_death.h for every lock a primitive uses.
#include "tests/support/waiter_death.h"

#include <chrono>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "primitives/detail/file_descriptor.h"
#include "primitives/detail/pipe_channel.h"
#include "primitives/detail/queue_core.h"
#include "primitives/errors.h"
#include "primitives/lock.h"
#include "primitives/rlock.h"

namespace ipcprop {
namespace {

using testing::LockHolder;
using testing::run_waiter_death_shape;

template <typename AnyLock>
LockHolder holder_of(AnyLock& lock) {
  return {[&lock] { lock.acquire(); }, [&lock] { return lock.try_acquire(); },
          [&lock] { lock.release(); }};
}

/// The test side of a lock inside a primitive.
LockHolder holder_of(detail::RobustMutex& mutex, const sync::SyncObject& object) {
  return {[&mutex, object] {
            const sync::SyncPoint hold{"test::hold", object};
            ASSERT_TRUE(mutex.acquire(hold, sync::Deadline::forever(), object).acquired());
          },
          [&mutex, object] { return mutex.try_acquire(object).acquired(); },
          [&mutex, object] { mutex.release("test::release", object); }};
}

/// Use under ASSERT_NO_FATAL_FAILURE: the checks after it would block on a hung survivor's work.
void expect_survivor_completes(const testing::WaiterDeathResult& result) {
  ASSERT_TRUE(result.survivor_exit_code.has_value())
      << "the surviving waiter slept on over a free lock";
  EXPECT_EQ(*result.survivor_exit_code, 0) << "the surviving waiter's operation threw";
}

TEST(WaiterDeath, LockPassesOnWithoutOwnerDied) {
  Lock lock;
  // The lock passes to the survivor as an ordinary acquisition: a dead waiter never touched
  // what the lock guards, so OwnerDied (exit code 1 here) would be a false alarm.
  ASSERT_NO_FATAL_FAILURE(
      expect_survivor_completes(run_waiter_death_shape(holder_of(lock), [&lock] {
        lock.acquire();
        lock.release();
      })));
  // And it is free and whole afterwards.
  EXPECT_TRUE(lock.try_acquire());
  lock.release();
}

TEST(WaiterDeath, TimedLockAcquirePassesOn) {
  Lock lock;
  ASSERT_NO_FATAL_FAILURE(
      expect_survivor_completes(run_waiter_death_shape(holder_of(lock), [&lock] {
        if (!lock.acquire(std::chrono::hours(1))) throw std::runtime_error("timed out");
        lock.release();
      })));
}

TEST(WaiterDeath, RLockPassesOnWithoutOwnerDied) {
  RLock lock;
  ASSERT_NO_FATAL_FAILURE(
      expect_survivor_completes(run_waiter_death_shape(holder_of(lock), [&lock] {
        lock.acquire();
        lock.acquire();
        lock.release();
        lock.release();
      })));
  EXPECT_TRUE(lock.try_acquire());
  lock.release();
}

TEST(WaiterDeath, QueueInternalLockPassesOn) {
  detail::QueueCore core(0, 1 << 16);
  const std::vector<std::byte> message(100, std::byte{7});
  // put takes the internal lock first; the survivor's message must get in, exactly once.
  ASSERT_NO_FATAL_FAILURE(expect_survivor_completes(run_waiter_death_shape(
      holder_of(core.mutex_for_testing(), core.sync_object()), [&core, &message] {
        if (!core.put("test::put", message, sync::Deadline::forever(), sync::Timeout::max())) {
          throw std::runtime_error("put gave up");
        }
      })));
  EXPECT_EQ(core.qsize("test::qsize"), 1U);
}

TEST(WaiterDeath, QueueTimedGetPassesOn) {
  detail::QueueCore core(0, 1 << 16);
  const std::vector<std::byte> message(10, std::byte{7});
  ASSERT_TRUE(core.put("test::put", message, sync::Deadline::forever(), sync::Timeout::max()));
  ASSERT_NO_FATAL_FAILURE(expect_survivor_completes(
      run_waiter_death_shape(holder_of(core.mutex_for_testing(), core.sync_object()), [&core] {
        detail::QueueCore::Bytes out;
        const auto timeout = std::chrono::hours(1);
        if (!core.get("test::get", out, sync::Deadline::after(timeout), timeout)) {
          throw std::runtime_error("get gave up");
        }
      })));
  EXPECT_TRUE(core.empty("test::empty"));
}

/// One direction of a Pipe, driven through the functions Connection uses.
struct Channel {
  Channel() {
    int ends[2];
    check_call(::pipe2(ends, O_CLOEXEC | O_NONBLOCK), "pipe2");
    read_end = detail::FileDescriptor(ends[0]);
    write_end = detail::FileDescriptor(ends[1]);
  }
  sync::SyncObject object() const {
    return {"Pipe", reinterpret_cast<std::uintptr_t>(&shared.state())};
  }
  void send(std::span<const std::byte> payload) {
    detail::send_frame(shared.state(), write_end.get(), payload, {"test::send", object()});
  }
  std::size_t receive() {
    struct Sink final : detail::PayloadSink {
      std::vector<std::byte> bytes;
      std::span<std::byte> prepare(std::size_t size) override {
        bytes.resize(size);
        return bytes;
      }
    } sink;
    bool expect_wait = false;
    return detail::receive_frame(shared.state(), read_end.get(), sink, {"test::recv", object()},
                                 expect_wait);
  }

  detail::SharedChannel shared;
  detail::FileDescriptor read_end;
  detail::FileDescriptor write_end;
};

TEST(WaiterDeath, PipeSendLockPassesOn) {
  Channel channel;
  const std::vector<std::byte> payload(1000, std::byte{1});
  ASSERT_NO_FATAL_FAILURE(expect_survivor_completes(
      run_waiter_death_shape(holder_of(channel.shared.state().send_lock, channel.object()),
                             [&channel, &payload] { channel.send(payload); })));
  // Exactly the survivor's message is in the pipe, whole.
  EXPECT_EQ(channel.receive(), payload.size());
}

TEST(WaiterDeath, PipeReceiveLockPassesOn) {
  Channel channel;
  const std::vector<std::byte> payload(1000, std::byte{1});
  channel.send(payload);
  ASSERT_NO_FATAL_FAILURE(expect_survivor_completes(run_waiter_death_shape(
      holder_of(channel.shared.state().recv_lock, channel.object()), [&channel, &payload] {
        if (channel.receive() != payload.size()) throw std::runtime_error("wrong size");
      })));
  // The next message is whole too.
  channel.send(payload);
  EXPECT_EQ(channel.receive(), payload.size());
}

}  // namespace
}  // namespace ipcprop
