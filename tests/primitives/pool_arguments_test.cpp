// Pool's constructor refuses out-of-range arguments with UsageError, before it maps or forks
// anything (pool.h, "Limits"). Before the checks, Pool(size_t(-1)) crashed with SIGSEGV: the
// size of its shared mapping wrapped around to a few bytes.
#include <cstddef>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "primitives/pool.h"
#include "tests/primitives/pool_test_support.h"
#include "tests/support/expect_usage_error.h"

namespace ipcprop {
namespace {

using testing::expect_usage_error;

constexpr std::size_t kMinusOne = static_cast<std::size_t>(-1);

int square(int x) {
  testing::count_run(x);
  return x * x;
}

TEST(PoolArguments, ProcessesAboveTheLimitAreRefused) {
  for (const std::size_t processes : {kMaxPoolProcesses + 1, kMinusOne}) {
    SCOPED_TRACE(processes);
    expect_usage_error([&] { Pool pool(processes); },
                       {"Pool", "processes", std::to_string(processes),
                        std::to_string(kMaxPoolProcesses), "kMaxPoolProcesses"});
  }
}

TEST(PoolArguments, ZeroProcessesIsOnePerCpuAndOneIsAccepted) {
  const testing::SharedCounters shared;
  for (const std::size_t processes : {std::size_t{0}, std::size_t{1}}) {
    Pool pool(processes);
    EXPECT_GE(pool.processes(), 1u);
    EXPECT_EQ(pool.map(square, {3}), std::vector<int>{9});
    pool.close();
    pool.join();
  }
}

TEST(PoolArguments, MaxtasksperchildAboveTheLimitIsRefused) {
  for (const std::size_t maxtasksperchild : {kMaxTasksPerChild + 1, kMinusOne}) {
    SCOPED_TRACE(maxtasksperchild);
    PoolOptions options;
    options.maxtasksperchild = maxtasksperchild;
    expect_usage_error([&] { Pool pool(1, options); },
                       {"Pool", "maxtasksperchild", std::to_string(maxtasksperchild),
                        std::to_string(kMaxTasksPerChild), "kMaxTasksPerChild"});
  }
}

TEST(PoolArguments, MaxtasksperchildZeroAndAtTheLimitAreAccepted) {
  const testing::SharedCounters shared;
  for (const std::size_t maxtasksperchild : {std::size_t{0}, std::size_t{1}, kMaxTasksPerChild}) {
    SCOPED_TRACE(maxtasksperchild);
    PoolOptions options;
    options.maxtasksperchild = maxtasksperchild;
    Pool pool(1, options);
    EXPECT_EQ(pool.map(square, {1, 2, 3}, 1), (std::vector<int>{1, 4, 9}));
    pool.close();
    pool.join();
  }
}

}  // namespace
}  // namespace ipcprop
