#include "primitives/rlock.h"

#include <chrono>
#include <mutex>
#include <thread>

#include <unistd.h>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "primitives/errors.h"
#include "primitives/process.h"
#include "tests/support/handshake.h"

namespace ipcprop {
namespace {

using namespace std::chrono_literals;
using testing::Handshake;

/// True iff a fresh child process can take `lock` at once (and then lets it go).
bool free_for_another_process(RLock& lock) {
  Process probe([&] {
    if (!lock.try_acquire()) return 1;
    lock.release();
    return 0;
  });
  probe.start();
  probe.join();
  return probe.exitcode() == 0;
}

// S5: acquire depth n needs n releases, and only the last one frees the lock.
RC_GTEST_PROP(RLockProps, DepthNNeedsNReleases, ()) {
  const int depth = *rc::gen::inRange(1, 12);
  RLock lock;
  for (int level = 1; level <= depth; ++level) {
    if (level % 3 == 0) {
      RC_ASSERT(lock.try_acquire());
    } else if (level % 3 == 1) {
      lock.acquire();
    } else {
      RC_ASSERT(lock.acquire(0s));
    }
    RC_ASSERT(lock.depth_held_by_caller() == level);
  }
  for (int left = depth; left > 1; --left) {
    lock.release();
    RC_ASSERT(lock.depth_held_by_caller() == left - 1);
  }
  RC_ASSERT(!free_for_another_process(lock));
  lock.release();
  RC_ASSERT(!lock.held_by_caller());
  RC_ASSERT(free_for_another_process(lock));
  RC_ASSERT_THROWS_AS(lock.release(), NotOwner);
}

TEST(RLock, ReleaseOfAFreeLockThrowsNotOwner) {
  RLock lock;
  EXPECT_THROW(lock.release(), NotOwner);
  lock.acquire();
  lock.release();
  EXPECT_THROW(lock.release(), NotOwner) << "one release too many";
}

// S5: release by a process that does not own the lock is an error, never a silent unlock.
TEST(RLock, NonOwnerProcessReleaseThrowsNotOwnerAndChangesNothing) {
  RLock lock;
  lock.acquire();
  lock.acquire();
  Process intruder([&] {
    try {
      lock.release();
    } catch (const NotOwner& error) {
      return std::string(error.what()).find("not by the caller") != std::string::npos ? 0 : 2;
    }
    return 1;
  });
  intruder.start();
  intruder.join();
  EXPECT_EQ(intruder.exitcode(), 0);
  EXPECT_EQ(lock.depth_held_by_caller(), 2);
  lock.release();
  lock.release();
}

TEST(RLock, NonOwnerThreadReleaseThrowsNotOwner) {
  RLock lock;
  lock.acquire();
  bool threw = false;
  std::thread other([&] {
    try {
      lock.release();
    } catch (const NotOwner&) {
      threw = true;
    }
  });
  other.join();
  EXPECT_TRUE(threw);
  EXPECT_EQ(lock.depth_held_by_caller(), 1);
  lock.release();
}

TEST(RLock, AnotherProcessWaitsUntilTheLastRelease) {
  RLock lock;
  Handshake owned;
  Handshake release_now;
  Process owner([&] {
    lock.acquire();
    lock.acquire();
    owned.notify();
    release_now.wait();
    lock.release();
    lock.release();
  });
  owner.start();
  owned.wait();
  EXPECT_FALSE(lock.try_acquire());
  EXPECT_EQ(lock.depth_held_by_caller(), 0);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(lock.acquire(100ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
  release_now.notify();
  lock.acquire();  // Succeeds only after both of the owner's releases.
  EXPECT_EQ(lock.depth_held_by_caller(), 1);
  lock.release();
  owner.join();
  EXPECT_EQ(owner.exitcode(), 0);
}

TEST(RLock, NestedStandardGuards) {
  RLock lock;
  {
    std::lock_guard outer(lock);
    {
      std::lock_guard inner(lock);
      EXPECT_EQ(lock.depth_held_by_caller(), 2);
    }
    EXPECT_EQ(lock.depth_held_by_caller(), 1);
  }
  EXPECT_FALSE(lock.held_by_caller());
}

TEST(RLock, OwnerDeathAtAnyDepthHandsTheLockOnAtDepthOne) {
  RLock lock;
  Handshake owned;
  Process owner([&] {
    for (int i = 0; i < 3; ++i) lock.acquire();
    owned.notify();
    for (;;) ::pause();
  });
  owner.start();
  owned.wait();
  owner.kill();
  owner.join();
  try {
    lock.acquire();
    FAIL() << "took a dead owner's lock silently";
  } catch (const OwnerDied& error) {
    EXPECT_EQ(error.dead_owner_pid(), *owner.pid());
  }
  EXPECT_EQ(lock.depth_held_by_caller(), 1);
  lock.release();
  EXPECT_FALSE(lock.held_by_caller());
  EXPECT_TRUE(free_for_another_process(lock));
}

}  // namespace
}  // namespace ipcprop
