// Pool failures: a task that throws fails exactly that task; a worker that dies mid-task (it
// kills itself, deterministically, for one input) fails exactly that task, is replaced, and the
// rest complete; an initializer that throws breaks the pool instead of respawning for ever.
#include <csignal>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "primitives/pool.h"
#include "tests/primitives/pool_test_support.h"

namespace ipcprop {
namespace {

using namespace std::chrono_literals;

int fail_on_three(int x) {
  testing::count_run(x);
  if (x == 3) throw std::invalid_argument("bad input 3");
  return x * 10;
}

int throw_non_standard(int x) {
  if (x == 1) throw 42;
  return x;
}

int die_on_three(int x) {
  testing::count_run(x);
  if (x == 3) ::raise(SIGKILL);
  return x * 10;
}

int exit_on_two(int x) {
  if (x == 2) ::_exit(7);
  return x;
}

void failing_initializer() {
  throw std::runtime_error("no database");
}

std::vector<int> zero_to(int n) {
  std::vector<int> items(n);
  for (int i = 0; i < n; ++i) items[i] = i;
  return items;
}

TEST(Pool, TaskThatThrowsFailsOnlyThatTask) {
  const testing::SharedCounters shared;
  Pool pool(2);
  auto results = pool.imap(fail_on_three, zero_to(8));
  for (int x = 0; x < 8; ++x) {
    if (x == 3) {
      try {
        static_cast<void>(results.next());
        FAIL() << "task 3 did not fail";
      } catch (const TaskFailed& error) {
        EXPECT_STREQ(error.what(), "bad input 3");
        EXPECT_EQ(error.task(), 3u);
      }
    } else {
      EXPECT_EQ(results.next(), x * 10);
    }
  }
  EXPECT_FALSE(results.next().has_value());
  for (int x = 0; x < 8; ++x) EXPECT_EQ(shared->runs[x].load(), 1) << "task " << x;
  EXPECT_EQ(pool.apply(fail_on_three, 5), 50) << "the workers go on";
}

TEST(Pool, TaskThatThrowsInAChunkLeavesItsNeighboursAlone) {
  const testing::SharedCounters shared;
  Pool pool(2);
  auto result = pool.map_async(fail_on_three, zero_to(8), 4);
  result.wait();
  EXPECT_FALSE(result.successful());
  try {
    static_cast<void>(result.get());
    FAIL() << "map_async did not fail";
  } catch (const TaskFailed& error) {
    EXPECT_STREQ(error.what(), "bad input 3");
    EXPECT_EQ(error.task(), 3u);
  }
  auto each = pool.imap(fail_on_three, zero_to(8), 4);
  for (int x = 0; x < 8; ++x) {
    if (x == 3) {
      EXPECT_THROW(static_cast<void>(each.next()), TaskFailed);
    } else {
      EXPECT_EQ(each.next(), x * 10);
    }
  }
  EXPECT_THROW(static_cast<void>(pool.map(fail_on_three, zero_to(8))), TaskFailed);
  EXPECT_THROW(static_cast<void>(pool.apply(fail_on_three, 3)), TaskFailed);
}

TEST(Pool, TaskThrowingSomethingElseIsReportedToo) {
  Pool pool(1);
  try {
    static_cast<void>(pool.apply(throw_non_standard, 1));
    FAIL() << "no failure";
  } catch (const TaskFailed& error) {
    EXPECT_NE(std::string(error.what()).find("not derived from std::exception"), std::string::npos);
  }
}

TEST(Pool, WorkerKilledMidTaskFailsOnlyThatTaskAndIsReplaced) {
  const testing::SharedCounters shared;
  Pool pool(2);
  const std::vector<pid_t> before = pool.worker_pids();
  auto results = pool.imap(die_on_three, zero_to(10));
  for (int x = 0; x < 10; ++x) {
    if (x == 3) {
      try {
        static_cast<void>(results.next());
        FAIL() << "task 3 did not fail";
      } catch (const WorkerDied& error) {
        const pid_t dead = shared->runner_of[3].load();
        const std::string expected_end = "(pid " + std::to_string(dead) +
                                         ") was killed by signal 9 (SIGKILL) while running task 3";
        EXPECT_NE(std::string(error.what()).find(expected_end), std::string::npos) << error.what();
        EXPECT_EQ(std::string(error.what()).rfind("worker ", 0), 0u) << error.what();
        EXPECT_EQ(error.task(), 3u);
      }
    } else {
      EXPECT_EQ(results.next(), x * 10);
    }
  }
  for (int x = 0; x < 10; ++x) EXPECT_EQ(shared->runs[x].load(), 1) << "task " << x;
  const std::vector<pid_t> after = pool.worker_pids();
  ASSERT_EQ(after.size(), 2u) << "the dead worker was replaced";
  EXPECT_NE(std::set<pid_t>(before.begin(), before.end()),
            std::set<pid_t>(after.begin(), after.end()));
  EXPECT_EQ(pool.map(die_on_three, std::vector<int>{4, 5}), (std::vector<int>{40, 50}));
  pool.close();
  pool.join();
  EXPECT_TRUE(pool.worker_pids().empty());
}

TEST(Pool, WorkerDeathDuringMapFailsTheMapNotTheCaller) {
  const testing::SharedCounters shared;
  Pool pool(2);
  try {
    static_cast<void>(pool.map(die_on_three, zero_to(6), 1));
    FAIL() << "map did not fail";
  } catch (const WorkerDied& error) {
    EXPECT_EQ(error.task(), 3u);
  }
  for (int x = 0; x < 6; ++x) EXPECT_EQ(shared->runs[x].load(), 1) << "task " << x;
  // The apply-style call learns of it too, and the pool survives it after close.
  auto result = pool.apply_async(die_on_three, 3);
  EXPECT_THROW(static_cast<void>(result.get()), WorkerDied);
  EXPECT_FALSE(result.successful());
  auto late = pool.apply_async(die_on_three, 6);
  pool.close();
  pool.join();
  EXPECT_EQ(late.get(0ms), 60);
}

TEST(Pool, WorkerThatExitsMidTaskIsNamedWithItsExitCode) {
  Pool pool(1);
  try {
    static_cast<void>(pool.apply(exit_on_two, 2));
    FAIL() << "no failure";
  } catch (const WorkerDied& error) {
    EXPECT_NE(std::string(error.what()).find("exited with code 7 while running task 0"),
              std::string::npos)
        << error.what();
  }
  EXPECT_EQ(pool.apply(exit_on_two, 1), 1);
}

TEST(Pool, InitializerThatThrowsBreaksThePool) {
  PoolOptions options;
  options.initializer = failing_initializer;
  Pool pool(2, options);
  auto result = pool.apply_async(exit_on_two, 1);
  try {
    static_cast<void>(result.get());
    FAIL() << "no failure";
  } catch (const TaskFailed& error) {
    EXPECT_NE(std::string(error.what()).find("threw: no database"), std::string::npos)
        << error.what();
  }
  EXPECT_THROW(static_cast<void>(pool.apply(exit_on_two, 1)), UsageError);
  pool.close();
  pool.join();
}

}  // namespace
}  // namespace ipcprop
