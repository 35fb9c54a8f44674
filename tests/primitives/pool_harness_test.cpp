// Pool under the controlled harness: S3 (Pool(2).map(f, {1, 2, 3})) in many random schedules,
// each task exactly once, results in order, and both distributions of the three tasks over
// the two workers seen; retiring workers and terminate never look like a deadlock; a worker
// that dies mid-task is reported as a crash, never as a hang.
#include <csignal>
#include <cstdio>
#include <set>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "harness/execution.h"
#include "harness/strategies/random.h"
#include "primitives/pool.h"
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
