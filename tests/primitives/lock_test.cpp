#include "primitives/lock.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "primitives/errors.h"
#include "primitives/process.h"
#include "primitives/shared_memory.h"
#include "tests/support/handshake.h"
#include "tests/support/temp_file.h"

namespace ipcprop {
namespace {

using namespace std::chrono_literals;
using testing::Handshake;

/// Runs `body` in a child process and returns its exit code.
template <typename Body>
int exit_code_of_child(Body body) {
  Process child(std::move(body));
  child.start();
  child.join();
  return child.exitcode().value_or(-1000);
}

TEST(Lock, AcquireAndReleaseInOneProcess) {
  Lock lock;
  EXPECT_FALSE(lock.held_by_caller());
  lock.acquire();
  EXPECT_TRUE(lock.held_by_caller());
  lock.release();
  EXPECT_FALSE(lock.held_by_caller());
  EXPECT_TRUE(lock.try_acquire());
  lock.release();
  EXPECT_TRUE(lock.acquire(0s));
  lock.release();
}

TEST(Lock, WorksWithStandardGuards) {
  Lock lock;
  {
    std::lock_guard guard(lock);
    EXPECT_TRUE(lock.held_by_caller());
  }
  EXPECT_FALSE(lock.held_by_caller());
  std::unique_lock guard(lock, std::try_to_lock);
  EXPECT_TRUE(guard.owns_lock());
}

TEST(Lock, ReleaseWhenNotHeldThrowsNotOwner) {
  Lock lock;
  try {
    lock.release();
    FAIL() << "released a free lock";
  } catch (const NotOwner& error) {
    EXPECT_NE(std::string(error.what()).find("not held by anyone"), std::string::npos)
        << error.what();
  }
}

TEST(Lock, ReleaseByAnotherProcessThrowsNotOwnerAndKeepsTheLockHeld) {
  Lock lock;
  lock.acquire();
  EXPECT_EQ(exit_code_of_child([&] {
              try {
                lock.release();
              } catch (const NotOwner&) {
                return 0;
              }
              return 1;
            }),
            0);
  EXPECT_TRUE(lock.held_by_caller());
  EXPECT_EQ(exit_code_of_child([&] { return lock.try_acquire() ? 1 : 0; }), 0);
  lock.release();
}

TEST(Lock, ReleaseByAnotherThreadThrowsNotOwner) {
  Lock lock;
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
  lock.release();
}

TEST(Lock, ReacquireByTheHolderIsAUsageErrorNotAHang) {
  Lock lock;
  lock.acquire();
  EXPECT_THROW(lock.acquire(), UsageError);
  EXPECT_THROW(static_cast<void>(lock.acquire(1h)), UsageError);
  EXPECT_FALSE(lock.try_acquire()) << "try_acquire by the holder answers false, like Python";
  EXPECT_TRUE(lock.held_by_caller());
  lock.release();
}

TEST(Lock, TryAcquireFailsWhileAnotherProcessHolds) {
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
  EXPECT_FALSE(lock.try_acquire());
  EXPECT_FALSE(lock.acquire(0s));
  finish.notify();
  holder.join();
  EXPECT_EQ(holder.exitcode(), 0);
  EXPECT_TRUE(lock.try_acquire());
  lock.release();
}

TEST(Lock, AcquireTimeoutFailsNoSoonerThanTheTimeout) {
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
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(lock.acquire(150ms));
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 150ms);
  EXPECT_LT(waited, 30s) << "a generous bound: only a hang fails it";
  EXPECT_FALSE(lock.held_by_caller());
  finish.notify();
  holder.join();
}

TEST(Lock, BlockedAcquireProceedsOnceTheHolderReleases) {
  Lock lock;
  SharedObject<std::atomic<int>> released_by_holder(0);
  Handshake held;
  Handshake go;
  Process holder([&] {
    lock.acquire();
    held.notify();
    go.wait();
    released_by_holder->store(1);
    lock.release();
  });
  holder.start();
  held.wait();
  go.notify();
  lock.acquire();  // Blocks unless the holder got there first; either way it must get the lock.
  EXPECT_EQ(released_by_holder->load(), 1) << "acquired while another process held the lock";
  lock.release();
  holder.join();
  EXPECT_EQ(holder.exitcode(), 0);
}

struct Tally {
  std::atomic<int> inside{0};
  std::atomic<int> overlaps{0};
  long counter = 0;  // Plain on purpose: only the lock protects it.
};

TEST(Lock, MutualExclusionAcrossProcessesAndThreads) {
  constexpr int kProcesses = 3;
  constexpr int kThreads = 2;
  constexpr int kRounds = 3000;
  Lock lock;
  SharedObject<Tally> tally;
  auto work = [&] {
    for (int round = 0; round < kRounds; ++round) {
      std::lock_guard guard(lock);
      if (tally->inside.fetch_add(1) != 0) tally->overlaps.fetch_add(1);
      const long seen = tally->counter;
      if (round % 64 == 0) std::this_thread::yield();  // Invite a preemption inside.
      tally->counter = seen + 1;
      tally->inside.fetch_sub(1);
    }
  };
  std::vector<Process> workers;
  for (int i = 0; i < kProcesses; ++i) {
    workers.emplace_back([&] {
      std::vector<std::thread> threads;
      threads.reserve(kThreads);
      for (int t = 0; t < kThreads; ++t) threads.emplace_back(work);
      for (auto& thread : threads) thread.join();
    });
    workers.back().start();
  }
  for (Process& worker : workers) {
    worker.join();
    EXPECT_EQ(worker.exitcode(), 0);
  }
  EXPECT_EQ(tally->overlaps.load(), 0);
  EXPECT_EQ(tally->counter, long{kProcesses} * kThreads * kRounds);
}

TEST(Lock, OwnerDeathGivesTheNextAcquirerTheLockWithOwnerDied) {
  Lock lock;
  Handshake held;
  Process owner([&] {
    lock.acquire();
    held.notify();
    for (;;) ::pause();
  });
  owner.start();
  held.wait();
  owner.kill();
  owner.join();
  try {
    lock.acquire();
    FAIL() << "acquired a dead owner's lock silently";
  } catch (const OwnerDied& error) {
    EXPECT_EQ(error.dead_owner_pid(), *owner.pid());
  }
  EXPECT_TRUE(lock.held_by_caller()) << "OwnerDied comes with the lock";
  lock.release();
  EXPECT_TRUE(lock.acquire(0s)) << "fully usable again";
  lock.release();
}

TEST(Lock, OwnerDeathWakesABlockedWaiter) {
  Lock lock;
  Handshake held;
  Process owner([&] {
    lock.acquire();
    held.notify();
    for (;;) ::pause();
  });
  owner.start();
  held.wait();
  Process waiter([&] {
    try {
      lock.acquire();  // Blocks, or finds the owner already dead.
    } catch (const OwnerDied&) {
      if (!lock.held_by_caller()) return 2;
      lock.release();
      return 0;
    }
    return 1;
  });
  waiter.start();
  owner.kill();
  owner.join();
  waiter.join();
  EXPECT_EQ(waiter.exitcode(), 0);
}

TEST(Lock, TryAcquireAlsoReportsOwnerDeath) {
  Lock lock;
  EXPECT_EQ(exit_code_of_child([&] {
              lock.acquire();
              return 0;  // Exits holding it.
            }),
            0);
  EXPECT_THROW(static_cast<void>(lock.try_acquire()), OwnerDied);
  EXPECT_TRUE(lock.held_by_caller());
  lock.release();
}

// S4, plain form: two processes append lines to one file; with the lock held for the whole
// loop, each process's lines form one block.
TEST(LockScenario, LockHeldForTheWholeLoopGivesOneBlockPerProcess) {
  constexpr int kLines = 200;
  testing::TempFile file("lock-s4");
  Lock lock;
  Handshake ready;
  Handshake go;
  auto writer = [&](char id) {
    return [&, id] {
      const int fd = check_call(::open(file.path().c_str(), O_WRONLY | O_APPEND), "open");
      ready.notify();
      go.wait();
      std::lock_guard guard(lock);
      for (int i = 0; i < kLines; ++i) {
        // Two writes per line, so an unlocked writer could split one.
        const std::string head = fmt::format("{} line ", id);
        const std::string tail = fmt::format("{}\n", i);
        check_call(::write(fd, head.data(), head.size()), "write");
        check_call(::write(fd, tail.data(), tail.size()), "write");
      }
      ::close(fd);
    };
  };
  Process first(writer('A'));
  Process second(writer('B'));
  first.start();
  second.start();
  ready.wait();
  ready.wait();
  go.notify();
  go.notify();
  first.join();
  second.join();
  ASSERT_EQ(first.exitcode(), 0);
  ASSERT_EQ(second.exitcode(), 0);

  std::ifstream lines(file.path());
  std::string line;
  std::string writers;  // One letter per line.
  int next_index[2] = {0, 0};
  while (std::getline(lines, line)) {
    const char id = line.at(0);
    ASSERT_TRUE(id == 'A' || id == 'B') << line;
    ASSERT_EQ(line, fmt::format("{} line {}", id, next_index[id - 'A']++)) << "whole and in order";
    writers += id;
  }
  ASSERT_EQ(writers.size(), std::size_t{2} * kLines);
  int blocks = 1;
  for (std::size_t i = 1; i < writers.size(); ++i) blocks += writers[i] != writers[i - 1];
  EXPECT_EQ(blocks, 2) << "each process's lines form one block: " << writers;
}

}  // namespace
}  // namespace ipcprop
