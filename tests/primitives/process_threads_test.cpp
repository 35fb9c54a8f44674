// One Process used by several threads of the process that started it (process.h, "Threads").
// Before the rule existed, a join() in one thread and an is_alive() in another raced to reap
// the child, and the loser threw SystemError "waitpid ... (ECHILD)" in about 2-10 of 1,000
// rounds.
#include <atomic>
#include <cerrno>
#include <chrono>
#include <exception>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "primitives/process.h"
#include "tests/support/handshake.h"

namespace ipcprop {
namespace {

using namespace std::chrono_literals;
using testing::Handshake;

/// Runs `body` and returns the message of the exception it threw, or "" if none.
template <typename Body>
std::string error_of(Body&& body) {
  try {
    body();
  } catch (const std::exception& error) {
    return error.what();
  } catch (...) {
    return "an exception of unknown type";
  }
  return {};
}

/// The exit code of round `round`'s child: 1..200, so that a mixed-up round shows.
int exit_code_of(int round) {
  return round % 200 + 1;
}

TEST(ProcessThreads, JoinInOneThreadWhileAnotherPollsIsAliveAndExitcode) {
  constexpr int kRounds = 1000;
  for (int round = 0; round < kRounds; ++round) {
    Process child([round] { return exit_code_of(round); });
    child.start();
    std::string join_error;
    std::string poll_error;
    std::optional<int> polled;
    bool consistent = true;
    std::thread joiner([&] {
      join_error = error_of([&] {
        // join() and join(timeout) take the same path to the reap; use both.
        if (round % 2 == 0) {
          child.join();
        } else if (!child.join(1h)) {
          throw std::runtime_error("join(1h) returned false");
        }
      });
    });
    std::thread poller([&] {
      poll_error = error_of([&] {
        for (;;) {
          const bool alive = child.is_alive();
          const std::optional<int> code = child.exitcode();
          // Dead means reaped: the exit code is known from then on.
          if (!alive && !code.has_value()) consistent = false;
          if (code.has_value()) {
            polled = code;
            return;
          }
        }
      });
    });
    joiner.join();
    poller.join();
    ASSERT_EQ(join_error, "") << "round " << round;
    ASSERT_EQ(poll_error, "") << "round " << round;
    ASSERT_TRUE(consistent) << "round " << round << ": is_alive() false with no exit code";
    ASSERT_EQ(polled, exit_code_of(round)) << "round " << round;
    ASSERT_FALSE(child.is_alive()) << "round " << round;
    ASSERT_EQ(child.exitcode(), exit_code_of(round)) << "round " << round;
  }
}

TEST(ProcessThreads, TwoThreadsJoiningAtOnceBothReturnOnceTheChildExited) {
  constexpr int kRounds = 200;
  for (int round = 0; round < kRounds; ++round) {
    Process child([round] { return exit_code_of(round); });
    child.start();
    std::string errors[2];
    std::optional<int> codes[2];
    std::thread joiners[2];
    for (int i = 0; i < 2; ++i) {
      joiners[i] = std::thread([&, i] {
        errors[i] = error_of([&] {
          child.join();
          codes[i] = child.exitcode();
        });
      });
    }
    for (std::thread& joiner : joiners) joiner.join();
    for (int i = 0; i < 2; ++i) {
      ASSERT_EQ(errors[i], "") << "round " << round << ", joiner " << i;
      ASSERT_EQ(codes[i], exit_code_of(round)) << "round " << round << ", joiner " << i;
    }
  }
}

/// The system call thread `tid` of this process is in, or -1 if it is running or unknown
/// (/proc/<pid>/task/<tid>/syscall: "<number> <arguments...>", or "running").
long current_syscall(pid_t tid) {
  std::ifstream file("/proc/self/task/" + std::to_string(tid) + "/syscall");
  long number = -1;
  if (!(file >> number)) return -1;
  return number;
}

bool syscall_file_readable() {
  std::ifstream file("/proc/self/task/" + std::to_string(::gettid()) + "/syscall");
  std::string first;
  return static_cast<bool>(file >> first);
}

TEST(ProcessThreads, IsAliveAndExitcodeAnswerWhileAnotherThreadIsBlockedInJoin) {
  if (!syscall_file_readable()) GTEST_SKIP() << "/proc/self/task/<tid>/syscall is not readable";
  Handshake finish;
  Process child([&] {
    finish.wait();
    return 9;
  });
  child.start();
  std::atomic<pid_t> joiner_tid{0};
  std::string join_error;
  std::thread joiner([&] {
    joiner_tid.store(::gettid());
    join_error = error_of([&] { child.join(); });
  });
  // Wait (without sleeping) until the joiner is blocked in join()'s ppoll on the child's pidfd:
  // the child cannot exit before finish.notify(), so join() has nothing else to block in.
  while (joiner_tid.load() == 0) std::this_thread::yield();
  while (current_syscall(joiner_tid.load()) != SYS_ppoll) std::this_thread::yield();
  // A join() that held the Process's lock while blocked would hang these calls, and the test.
  EXPECT_TRUE(child.is_alive());
  EXPECT_EQ(child.exitcode(), std::nullopt);
  finish.notify();
  // This thread reaps the child (or sees the joiner's reap) while the joiner may still be
  // blocked on the pidfd: the joiner must still wake up and return.
  while (child.is_alive()) {
  }
  EXPECT_EQ(child.exitcode(), 9);
  joiner.join();
  EXPECT_EQ(join_error, "");
  EXPECT_EQ(child.exitcode(), 9);
}

}  // namespace
}  // namespace ipcprop
