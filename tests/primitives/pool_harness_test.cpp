// Pool under the harness: S3 (Pool(2).map(f, {1, 2, 3})) in many random controlled schedules -
// each task exactly once, results in order, both distributions of the three tasks over the two
// workers seen - and in stress mode; retiring workers and terminate never look like a deadlock,
// while a task that can never finish is reported as one at once; get(timeout) runs on virtual
// time; a worker that dies mid-task is reported as a crash, never as a hang.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <set>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "harness/execution.h"
#include "harness/strategies/random.h"
#include "primitives/pool.h"
#include "primitives/queue.h"
#include "tests/primitives/pool_test_support.h"

namespace ipcprop {
namespace {

using harness::ActorContext;
using harness::ActorProgram;
using harness::Outcome;
using harness::OutcomeKind;

int square(int x) {
  testing::count_run(x);
  return x * x;
}

int die_on_two(int x) {
  if (x == 2) ::raise(SIGKILL);
  return x;
}

Queue<int>* never_filled = nullptr;  ///< Tasks that must not finish wait on it (hooked).

int wait_for_ever(int x) {
  return x + never_filled->get();
}

Outcome run_one(const ActorProgram& program, std::uint64_t seed) {
  const harness::ActorFactory actors = [program] { return std::vector<ActorProgram>{program}; };
  auto strategy = harness::make_strategy<harness::RandomWalk>(seed);
  return harness::run_execution(actors, *strategy);
}

void require(bool condition, const char* what) {
  if (!condition) throw std::logic_error(what);
}

TEST(PoolHarness, MapOfThreeTasksOnTwoWorkersInManySchedules) {
  const testing::SharedCounters shared;
  int one_worker_ran_two = 0;
  int one_worker_ran_all = 0;
  constexpr int kSeeds = 60;
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    for (auto& runs : shared->runs) runs = 0;
    const Outcome outcome = run_one(
        [](ActorContext&) {
          Pool pool(2);
          require(pool.map(square, {1, 2, 3}) == std::vector<int>{1, 4, 9}, "results in order");
          pool.close();
          pool.join();
        },
        seed);
    ASSERT_TRUE(outcome.passed()) << "seed " << seed << ": " << outcome.message;
    std::set<pid_t> runners;
    for (int x = 1; x <= 3; ++x) {
      EXPECT_EQ(shared->runs[x].load(), 1) << "seed " << seed << ", task " << x;
      runners.insert(shared->runner_of[x].load());
    }
    if (runners.size() == 2) ++one_worker_ran_two;
    if (runners.size() == 1) ++one_worker_ran_all;
  }
  EXPECT_LE(shared->max_running.load(), 2);
  std::printf(
      "S3 over %d schedules: one worker ran two tasks (2+1) in %d, one ran all three in %d\n",
      kSeeds, one_worker_ran_two, one_worker_ran_all);
  ::testing::Test::RecordProperty("split_2_1", one_worker_ran_two);
  ::testing::Test::RecordProperty("split_3_0", one_worker_ran_all);
  EXPECT_GT(one_worker_ran_two, 0);
  EXPECT_GT(one_worker_ran_all, 0);
  EXPECT_EQ(one_worker_ran_two + one_worker_ran_all, kSeeds);
}

TEST(PoolHarness, RetiringWorkersAndEveryCallPassInRandomSchedules) {
  const testing::SharedCounters shared;
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    const Outcome outcome = run_one(
        [](ActorContext&) {
          PoolOptions options;
          options.maxtasksperchild = 1;
          Pool pool(2, options);
          require(pool.map(square, {1, 2, 3, 4}, 1) == std::vector<int>{1, 4, 9, 16}, "map");
          require(pool.apply(square, 5) == 25, "apply");
          auto async = pool.apply_async(square, 6);
          auto unordered = pool.imap_unordered(square, std::vector<int>{7, 8});
          int sum = 0;
          while (auto value = unordered.next()) sum += *value;
          require(sum == 49 + 64, "imap_unordered");
          require(async.get() == 36, "apply_async");
          pool.close();
          pool.join();
        },
        seed);
    ASSERT_TRUE(outcome.passed()) << "seed " << seed << ": " << outcome.message;
  }
}

TEST(PoolHarness, TerminateWithTasksQueuedPasses) {
  const testing::SharedCounters shared;
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    const Outcome outcome = run_one(
        [](ActorContext&) {
          Pool pool(2);
          auto result = pool.map_async(square, std::vector<int>{1, 2, 3, 4, 5}, 1);
          pool.terminate();
          pool.join();
          require(result.ready(), "terminate finishes every result");
        },
        seed);
    ASSERT_TRUE(outcome.passed()) << "seed " << seed << ": " << outcome.message;
  }
}

TEST(PoolHarness, TimedGetRunsOnVirtualTime) {
  const auto start = std::chrono::steady_clock::now();
  const Outcome outcome = run_one(
      [](ActorContext&) {
        Queue<int> queue;
        never_filled = &queue;
        Pool pool(1);
        auto result = pool.apply_async(wait_for_ever, 1);
        try {
          static_cast<void>(result.get(std::chrono::hours(1)));
        } catch (const TimeoutError&) {
          pool.terminate();
          pool.join();
          return;
        }
        throw std::logic_error("get(1h) did not time out");
      },
      3);
  ASSERT_TRUE(outcome.passed()) << outcome.message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(PoolHarness, TaskThatCanNeverFinishIsReportedAsDeadlock) {
  const Outcome outcome = run_one(
      [](ActorContext&) {
        Queue<int> queue;
        never_filled = &queue;
        Pool pool(1);
        static_cast<void>(pool.apply(wait_for_ever, 1));
      },
      4);
  ASSERT_EQ(outcome.kind, OutcomeKind::Deadlock) << outcome.message;
  EXPECT_NE(outcome.message.find("in Pool::wait"), std::string::npos) << outcome.message;
  EXPECT_NE(outcome.message.find("in Queue::get"), std::string::npos) << outcome.message;
}

TEST(PoolHarness, MapOfThreeTasksPassesInStressMode) {
  const testing::SharedCounters shared;
  harness::ExecutionOptions options;
  options.mode = harness::Mode::Stress;
  for (std::uint64_t seed = 0; seed < 5; ++seed) {
    for (auto& runs : shared->runs) runs = 0;
    const harness::ActorFactory actors = [] {
      return std::vector<ActorProgram>{[](ActorContext&) {
        Pool pool(2);
        require(pool.map(square, {1, 2, 3}) == std::vector<int>{1, 4, 9}, "results in order");
        pool.close();
        pool.join();
      }};
    };
    auto strategy = harness::make_strategy<harness::RandomWalk>(seed);
    const Outcome outcome = harness::run_execution(actors, *strategy, options);
    ASSERT_TRUE(outcome.passed()) << "seed " << seed << ": " << outcome.message;
    for (int x = 1; x <= 3; ++x) EXPECT_EQ(shared->runs[x].load(), 1) << "task " << x;
  }
  EXPECT_LE(shared->max_running.load(), 2);
}

TEST(PoolHarness, WorkerDyingMidTaskIsACrashNotAHang) {
  const Outcome outcome = run_one(
      [](ActorContext&) {
        Pool pool(2);
        static_cast<void>(pool.map(die_on_two, {1, 2, 3}));
      },
      1);
  EXPECT_EQ(outcome.kind, OutcomeKind::Crash) << outcome.message;
  EXPECT_NE(outcome.message.find("SIGKILL"), std::string::npos) << outcome.message;
}

}  // namespace
}  // namespace ipcprop
