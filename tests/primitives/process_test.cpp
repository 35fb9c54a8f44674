#include "primitives/process.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <set>
#include <stdexcept>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "primitives/detail/file_descriptor.h"
#include "primitives/errors.h"
#include "primitives/shared_memory.h"
#include "tests/support/handshake.h"

namespace ipcprop {
namespace {

using namespace std::chrono_literals;
using testing::Handshake;

// S1: `for i in range(n): fork()` gives 2^n processes. Each process here starts a child that
// goes on with the rest of the loop, exactly as both sides of a fork() would.
struct ForkTree {
  static constexpr int kSplits = 5;
  static constexpr int kProcesses = 1 << kSplits;
  std::atomic<int> members{0};
  std::atomic<int> reaped{0};
  std::atomic<int> failures{0};
  pid_t pids[kProcesses] = {};
};

int split_from(ForkTree& tree, int first_split) {
  tree.pids[tree.members.fetch_add(1)] = ::getpid();
  std::vector<Process> children;
  for (int split = first_split; split < ForkTree::kSplits; ++split) {
    children.emplace_back([&tree, split] { return split_from(tree, split + 1); });
    children.back().start();
  }
  for (Process& child : children) {
    child.join();
    if (child.exitcode() != 0) tree.failures.fetch_add(1);
    tree.reaped.fetch_add(1);
  }
  return 0;
}

TEST(ProcessScenario, ForkLoopGivesTwoToTheNProcessesEachReapedOnce) {
  SharedObject<ForkTree> tree;
  split_from(*tree, 0);
  EXPECT_EQ(tree->members.load(), ForkTree::kProcesses);
  EXPECT_EQ(tree->reaped.load(), ForkTree::kProcesses - 1) << "every process but the root, once";
  EXPECT_EQ(tree->failures.load(), 0);
  const std::set<pid_t> distinct(std::begin(tree->pids), std::end(tree->pids));
  EXPECT_EQ(distinct.size(), std::size_t{ForkTree::kProcesses});
  // None orphaned: the leak check after this test fails if any process is left.
}

// S2: a parent may finish before its child; join() makes it wait.
TEST(ProcessScenario, AfterJoinTheChildHasExitedAndAllItsWritesAreVisible) {
  constexpr int kWords = 1 << 16;
  SharedMapping memory(kWords * sizeof(int));
  auto* words = static_cast<int*>(memory.data());
  Handshake go;
  Process child([&] {
    go.wait();  // The parent is on its way to join() by now.
    for (int i = 0; i < kWords; ++i) words[i] = i * 7;  // Plain stores: join must publish them.
    return 7;
  });
  child.start();
  go.notify();
  child.join();
  EXPECT_FALSE(child.is_alive());
  EXPECT_EQ(child.exitcode(), 7);
  for (int i = 0; i < kWords; ++i) ASSERT_EQ(words[i], i * 7) << "word " << i;
}

TEST(Process, VoidTargetExitsWithZero) {
  Process child([] {});
  child.start();
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
}

TEST(Process, IntResultIsTheExitCode) {
  Process child([] { return 42; });
  child.start();
  child.join();
  EXPECT_EQ(child.exitcode(), 42);
}

TEST(Process, EscapingExceptionGivesExitCodeOneAndItsMessageOnStderr) {
  int ends[2];
  ASSERT_EQ(::pipe2(ends, O_CLOEXEC), 0);
  detail::FileDescriptor read_end(ends[0]);
  detail::FileDescriptor write_end(ends[1]);
  Process child(
      [&] {
        ::dup2(write_end.get(), STDERR_FILENO);
        throw std::runtime_error("the disk is on fire");
      },
      "Burner");
  child.start();
  write_end.close();
  child.join();
  EXPECT_EQ(child.exitcode(), 1);
  std::string output(256, '\0');
  const ssize_t got = ::read(read_end.get(), output.data(), output.size());
  ASSERT_GT(got, 0);
  output.resize(static_cast<std::size_t>(got));
  EXPECT_NE(output.find("Burner"), std::string::npos) << output;
  EXPECT_NE(output.find("the disk is on fire"), std::string::npos) << output;
}

TEST(Process, TerminateGivesMinusSigterm) {
  Handshake running;
  Process child([&] {
    running.notify();
    for (;;) ::pause();
  });
  child.start();
  running.wait();
  EXPECT_TRUE(child.is_alive());
  EXPECT_EQ(child.exitcode(), std::nullopt) << "no exit code while running";
  child.terminate();
  child.join();
  EXPECT_FALSE(child.is_alive());
  EXPECT_EQ(child.exitcode(), -SIGTERM);
}

TEST(Process, KillGivesMinusSigkill) {
  Process child([] {
    for (;;) ::pause();
  });
  child.start();
  child.kill();
  child.join();
  EXPECT_EQ(child.exitcode(), -SIGKILL);
}

TEST(Process, SignallingAReapedChildDoesNothing) {
  Process child([] {});
  child.start();
  child.join();
  EXPECT_NO_THROW(child.terminate());
  EXPECT_NO_THROW(child.kill());
  EXPECT_EQ(child.exitcode(), 0);
}

TEST(Process, JoinTimeoutGivesUpWhileTheChildRuns) {
  Handshake finish;
  Process child([&] { finish.wait(); });
  child.start();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(child.join(100ms));
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 100ms);
  EXPECT_LT(waited, 30s) << "a generous bound: only a hang fails it";
  EXPECT_TRUE(child.is_alive());
  finish.notify();
  EXPECT_TRUE(child.join(1h));
  EXPECT_EQ(child.exitcode(), 0);
}

TEST(Process, JoinWithZeroTimeoutOnlyChecks) {
  Handshake finish;
  Process child([&] { finish.wait(); });
  child.start();
  EXPECT_FALSE(child.join(0s));
  EXPECT_FALSE(child.join(-5s));
  finish.notify();
  child.join();
  EXPECT_TRUE(child.join(0s)) << "already reaped";
}

TEST(Process, PidAndNameAreKnown) {
  Process child([] {}, "worker");
  EXPECT_EQ(child.pid(), std::nullopt);
  EXPECT_EQ(child.name(), "worker");
  EXPECT_FALSE(child.is_alive()) << "not started is not alive";
  EXPECT_EQ(child.exitcode(), std::nullopt);
  child.start();
  ASSERT_TRUE(child.pid().has_value());
  EXPECT_GT(*child.pid(), 0);
  EXPECT_NE(*child.pid(), ::getpid());
  child.join();
}

TEST(Process, DefaultNamesCountUp) {
  Process first([] {});
  Process second([] {});
  EXPECT_TRUE(first.name().starts_with("Process-"));
  EXPECT_NE(first.name(), second.name());
}

TEST(Process, StartingTwiceIsAUsageError) {
  Process child([] {});
  child.start();
  EXPECT_THROW(child.start(), UsageError);
  child.join();
}

TEST(Process, JoinBeforeStartIsAUsageError) {
  Process child([] {});
  EXPECT_THROW(child.join(), UsageError);
  EXPECT_THROW(static_cast<void>(child.join(1s)), UsageError);
  EXPECT_THROW(child.terminate(), UsageError);
  EXPECT_THROW(child.kill(), UsageError);
}

TEST(Process, JoiningItselfIsAUsageError) {
  Process* self = nullptr;
  Process child([&] {
    try {
      self->join();
    } catch (const UsageError& error) {
      return std::string(error.what()).find("itself") != std::string::npos ? 0 : 2;
    }
    return 3;
  });
  self = &child;
  child.start();
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
}

TEST(Process, OnlyTheStarterMayJoin) {
  Handshake finish;
  Process target([&] { finish.wait(); });
  target.start();
  Process sibling([&] {
    try {
      target.join();
    } catch (const UsageError&) {
      return 0;
    }
    return 3;
  });
  sibling.start();
  sibling.join();
  EXPECT_EQ(sibling.exitcode(), 0);
  finish.notify();
  target.join();
}

TEST(Process, DestructorKillsAndReapsARunningChild) {
  pid_t pid = 0;
  {
    Process child([] {
      for (;;) ::pause();
    });
    child.start();
    pid = *child.pid();
  }
  // Reaped: the pid no longer names a process of ours (the leak check also looks for zombies).
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST(Process, DestructorReapsAFinishedChild) {
  Handshake done;
  pid_t pid = 0;
  {
    Process child([&] { done.notify(); });
    child.start();
    pid = *child.pid();
    done.wait();
  }
  EXPECT_EQ(::kill(pid, 0), -1);
}

TEST(Process, MovedProcessesKeepTheirChild) {
  std::vector<Process> children;
  for (int i = 0; i < 4; ++i) {
    children.emplace_back([i] { return 10 + i; });
    children.back().start();
  }
  Process moved = std::move(children[0]);
  children[0] = std::move(children[1]);
  moved.join();
  EXPECT_EQ(moved.exitcode(), 10);
  children[0].join();
  EXPECT_EQ(children[0].exitcode(), 11);
  for (std::size_t i = 2; i < children.size(); ++i) {
    children[i].join();
    EXPECT_EQ(children[i].exitcode(), static_cast<int>(10 + i));
  }
}

TEST(Process, BufferedOutputIsNotWrittenTwice) {
  int ends[2];
  ASSERT_EQ(::pipe2(ends, O_CLOEXEC), 0);
  detail::FileDescriptor read_end(ends[0]);
  detail::FileDescriptor write_end(ends[1]);
  FILE* stream = ::fdopen(::dup(write_end.get()), "w");
  ASSERT_NE(stream, nullptr);
  std::setvbuf(stream, nullptr, _IOFBF, 4096);
  std::fputs("before;", stream);  // Sits in the buffer at fork time.
  Process child([&] { std::fputs("child;", stream); });
  child.start();
  child.join();
  std::fclose(stream);
  write_end.close();
  std::string output(64, '\0');
  std::size_t total = 0;
  ssize_t got = 0;
  while ((got = ::read(read_end.get(), output.data() + total, output.size() - total)) > 0) {
    total += static_cast<std::size_t>(got);
  }
  output.resize(total);
  EXPECT_EQ(output, "before;child;");
}

}  // namespace
}  // namespace ipcprop
