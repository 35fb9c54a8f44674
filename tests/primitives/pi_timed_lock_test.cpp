// detail::timed_lock_pi: the CLOCK_MONOTONIC timed lock of a PI mutex, and its fallback for
// kernels without FUTEX_LOCK_PI2 (run here directly, whatever this kernel has).
#include "primitives/detail/pi_timed_lock.h"

#include <cerrno>
#include <chrono>

#include <pthread.h>

#include <gtest/gtest.h>

#include "primitives/process.h"
#include "primitives/shared_memory.h"
#include "tests/support/handshake.h"

namespace ipcprop::detail {
namespace {

using namespace std::chrono_literals;

/// A robust PI mutex in shared memory, as RobustMutex makes it.
struct PiMutex {
  PiMutex() {
    pthread_mutexattr_t attributes;
    pthread_mutexattr_init(&attributes);
    pthread_mutexattr_setpshared(&attributes, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attributes, PTHREAD_MUTEX_ROBUST);
    pthread_mutexattr_setprotocol(&attributes, PTHREAD_PRIO_INHERIT);
    EXPECT_EQ(pthread_mutex_init(mutex.get(), &attributes), 0);
    pthread_mutexattr_destroy(&attributes);
  }
  SharedObject<pthread_mutex_t> mutex;
};

using TimedLock = int (*)(pthread_mutex_t&, sync::Deadline) noexcept;

class PiTimedLock : public ::testing::TestWithParam<TimedLock> {};

TEST_P(PiTimedLock, TakesAFreeMutex) {
  PiMutex pi;
  EXPECT_EQ(GetParam()(*pi.mutex, sync::Deadline::after(1s)), 0);
  EXPECT_EQ(pthread_mutex_unlock(pi.mutex.get()), 0);
}

TEST_P(PiTimedLock, TimesOutNoSoonerThanTheDeadlineWhileAnotherProcessHolds) {
  PiMutex pi;
  testing::Handshake holding;
  testing::Handshake done;
  Process holder([&] {
    EXPECT_EQ(pthread_mutex_lock(pi.mutex.get()), 0);
    holding.notify();
    done.wait();
    pthread_mutex_unlock(pi.mutex.get());
  });
  holder.start();
  holding.wait();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(GetParam()(*pi.mutex, sync::Deadline::after(30ms)), ETIMEDOUT);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 30ms);
  // A deadline already passed tries once.
  EXPECT_EQ(GetParam()(*pi.mutex, sync::Deadline::after(0s)), ETIMEDOUT);
  done.notify();
  holder.join();
  EXPECT_EQ(holder.exitcode(), 0);
}

TEST_P(PiTimedLock, ReportsAnOwnerThatDied) {
  PiMutex pi;
  Process owner([&] { pthread_mutex_lock(pi.mutex.get()); });  // Exits holding it.
  owner.start();
  owner.join();
  EXPECT_EQ(GetParam()(*pi.mutex, sync::Deadline::after(1s)), EOWNERDEAD);
  EXPECT_EQ(pthread_mutex_consistent(pi.mutex.get()), 0);
  EXPECT_EQ(pthread_mutex_unlock(pi.mutex.get()), 0);
}

INSTANTIATE_TEST_SUITE_P(KernelAndFallback, PiTimedLock,
                         ::testing::Values(&timed_lock_pi, &timed_lock_pi_in_realtime_slices));

}  // namespace
}  // namespace ipcprop::detail
