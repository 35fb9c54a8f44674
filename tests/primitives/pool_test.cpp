// Pool: every call of S6 and its contract, S3 (Pool(2).map(f, {1, 2, 3})), initializer,
// maxtasksperchild, close/terminate/join and their misuse, and destruction. Failures (tasks
// that throw, workers that die) are in pool_failure_test.cpp; S3 under the controlled harness
// in pool_harness_test.cpp. No test sleeps to wait for another process: blocked tasks wait on
// a Handshake that the test notifies.
#include "primitives/pool.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/primitives/pool_test_support.h"
#include "tests/support/handshake.h"

namespace ipcprop {
namespace {

using namespace std::chrono_literals;

int square(int x) {
  testing::count_run(x);
  return x * x;
}

std::string describe(int number, const std::string& word) {
  return std::to_string(number) + " " + word;
}

int add(int a, int b) {
  return a + b;
}

testing::Handshake* release = nullptr;  ///< Blocked tasks wait on it.
testing::Handshake* started = nullptr;  ///< Blocked tasks notify it first.

/// The two handshakes of a test with blocked tasks; `release` and `started` point at them.
struct Gates {
  testing::Handshake release_it;
  testing::Handshake started_it;
  Gates() {
    release = &release_it;
    started = &started_it;
  }
};

/// Task 0 blocks until the test releases it; the others return at once.
int square_but_zero_waits(int x) {
  if (x == 0) {
    started->notify();
    release->wait();
  }
  return x * x;
}

int wait_for_release(int x) {
  started->notify();
  release->wait();
  return x;
}

bool alive(pid_t pid) {
  return ::kill(pid, 0) == 0 || errno != ESRCH;
}

TEST(Pool, MapOfTwoWorkersReturnsResultsInInputOrderRunningEachTaskOnce) {
  const testing::SharedCounters shared;
  // S3, run repeatedly without a harness; the distributions are counted in pool_harness_test.
  for (int run = 0; run < 20; ++run) {
    for (auto& runs : shared->runs) runs = 0;
    std::vector<int> results = Pool(2).map(square, {1, 2, 3});
    EXPECT_EQ(results, (std::vector<int>{1, 4, 9}));
    for (int x = 1; x <= 3; ++x) EXPECT_EQ(shared->runs[x].load(), 1) << "task " << x;
  }
  EXPECT_LE(shared->max_running.load(), 2);
  EXPECT_GE(shared->max_running.load(), 1);
}

TEST(Pool, MapRunsEveryTaskOnceWithAnyChunksize) {
  const testing::SharedCounters shared;
  std::vector<int> items(100);
  for (int i = 0; i < 100; ++i) items[i] = i;
  std::vector<int> expected;
  expected.reserve(items.size());
  for (int x : items) expected.push_back(x * x);
  Pool pool(3);
  for (std::size_t chunksize : {0, 1, 7, 100, 1000}) {
    for (auto& runs : shared->runs) runs = 0;
    EXPECT_EQ(pool.map(square, items, chunksize), expected) << "chunksize " << chunksize;
    for (int x : items) EXPECT_EQ(shared->runs[x].load(), 1) << "task " << x;
  }
  EXPECT_LE(shared->max_running.load(), 3);
  pool.close();
  pool.join();
}

TEST(Pool, MapOfNothingIsEmpty) {
  const testing::SharedCounters shared;
  Pool pool(1);
  EXPECT_TRUE(pool.map(square, std::vector<int>{}).empty());
}

TEST(Pool, MapCarriesValuesThroughTheCodec) {
  const testing::SharedCounters shared;
  Pool pool(2);
  const std::vector<std::string> words{"a", "bb", "", std::string(10000, 'x')};
  const auto lengths = pool.map([](const std::string& word) { return word.size(); }, words);
  EXPECT_EQ(lengths, (std::vector<std::size_t>{1, 2, 0, 10000}));
  const auto wrapped =
      pool.map([](const std::string& word) { return std::vector<std::string>{word}; }, words, 3);
  ASSERT_EQ(wrapped.size(), 4u);
  EXPECT_EQ(wrapped[3], std::vector<std::string>{words[3]});
}

TEST(Pool, ApplyRunsOneTaskWithItsArguments) {
  const testing::SharedCounters shared;
  Pool pool(2);
  EXPECT_EQ(pool.apply(add, 2, 3), 5);
  EXPECT_EQ(pool.apply(describe, 7, std::string("dwarfs")), "7 dwarfs");
  EXPECT_EQ(pool.apply([] { return 42; }), 42);
}

TEST(Pool, ApplyAsyncResultWaitsAndReports) {
  const testing::SharedCounters shared;
  Gates gates;
  Pool pool(2);
  AsyncResult<int> result = pool.apply_async(wait_for_release, 5);
  gates.started_it.wait();
  EXPECT_FALSE(result.ready());
  EXPECT_THROW(static_cast<void>(result.successful()), UsageError);
  EXPECT_FALSE(result.wait(0ms));
  EXPECT_FALSE(result.wait(-1s));
  EXPECT_THROW(static_cast<void>(result.get(0ms)), TimeoutError);
  EXPECT_THROW(static_cast<void>(result.get(5ms)), TimeoutError);
  gates.release_it.notify();
  result.wait();
  EXPECT_TRUE(result.ready());
  EXPECT_TRUE(result.successful());
  EXPECT_EQ(result.get(), 5);
  EXPECT_EQ(result.get(0ms), 5) << "a ready result is returned again";
  AsyncResult<int> copy = result;
  EXPECT_EQ(copy.get(), 5);
}

TEST(Pool, MapAsyncGivesTheListLater) {
  const testing::SharedCounters shared;
  Pool pool(2);
  auto result = pool.map_async(square, std::vector<int>{4, 5, 6}, 2);
  EXPECT_EQ(result.get(), (std::vector<int>{16, 25, 36}));
  EXPECT_TRUE(result.ready());
  EXPECT_TRUE(result.successful());
}

TEST(Pool, StarmapUnpacksTuples) {
  const testing::SharedCounters shared;
  Pool pool(2);
  const std::vector<std::tuple<int, int>> pairs{{1, 2}, {3, 4}, {5, 6}};
  EXPECT_EQ(pool.starmap(add, pairs), (std::vector<int>{3, 7, 11}));
  const std::vector<std::pair<int, std::string>> named{{1, "ring"}, {3, "wishes"}};
  EXPECT_EQ(pool.starmap(describe, named, 1), (std::vector<std::string>{"1 ring", "3 wishes"}));
}

TEST(Pool, ImapYieldsResultsInInputOrderAsTheyBecomeReady) {
  const testing::SharedCounters shared;
  Gates gates;
  Pool pool(2);
  auto results = pool.imap(square_but_zero_waits, std::vector<int>{0, 1, 2, 3});
  gates.started_it.wait();
  // Task 0 is still running, so nothing can be handed out yet, whatever else finished.
  EXPECT_THROW(static_cast<void>(results.next(0ms)), TimeoutError);
  EXPECT_THROW(static_cast<void>(results.next(5ms)), TimeoutError);
  gates.release_it.notify();
  std::vector<int> seen;
  while (auto value = results.next()) seen.push_back(*value);
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 4, 9}));
  EXPECT_FALSE(results.next().has_value()) << "exhausted stays exhausted";
}

TEST(Pool, ImapUnorderedYieldsAPermutationInCompletionOrder) {
  const testing::SharedCounters shared;
  Gates gates;
  Pool pool(2);
  auto results = pool.imap_unordered(square_but_zero_waits, std::vector<int>{0, 1, 2, 3, 4});
  gates.started_it.wait();
  // Task 0 blocks one worker; the other finishes 1..4 before 0 can.
  std::vector<int> seen;
  seen.reserve(4);
  for (int i = 0; i < 4; ++i) seen.push_back(results.next().value());
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<int>{1, 4, 9, 16}));
  gates.release_it.notify();
  EXPECT_EQ(results.next(), 0);
  EXPECT_FALSE(results.next().has_value());
}

TEST(Pool, ImapUnorderedWithChunksReturnsEveryResultOnce) {
  const testing::SharedCounters shared;
  Pool pool(3);
  std::vector<int> items(50);
  for (int i = 0; i < 50; ++i) items[i] = i;
  auto results = pool.imap_unordered(square, items, 4);
  std::multiset<int> seen;
  while (auto value = results.next()) seen.insert(*value);
  std::multiset<int> expected;
  for (int x : items) expected.insert(x * x);
  EXPECT_EQ(seen, expected);
}

TEST(Pool, InitializerRunsOncePerWorker) {
  const testing::SharedCounters shared;
  PoolOptions options;
  options.initializer = testing::count_initializer;
  Pool pool(3, options);
  std::vector<int> items(30);
  for (int i = 0; i < 30; ++i) items[i] = i;
  static_cast<void>(pool.map(square, items, 1));
  const std::vector<pid_t> workers = pool.worker_pids();
  pool.close();
  pool.join();
  ASSERT_EQ(shared->initializer_runs.load(), 3);
  std::set<pid_t> initialized;
  for (int i = 0; i < 3; ++i) initialized.insert(shared->initialized[i].load());
  EXPECT_EQ(initialized, std::set<pid_t>(workers.begin(), workers.end()));
}

TEST(Pool, MaxtasksperchildReplacesWorkersAndRunsEachTaskOnce) {
  const testing::SharedCounters shared;
  PoolOptions options;
  options.initializer = testing::count_initializer;
  options.maxtasksperchild = 2;
  Pool pool(2, options);
  const std::vector<pid_t> first_workers = pool.worker_pids();
  std::vector<int> items(20);
  for (int i = 0; i < 20; ++i) items[i] = i;
  std::vector<int> expected;
  expected.reserve(items.size());
  for (int x : items) expected.push_back(x * x);
  EXPECT_EQ(pool.map(square, items, 1), expected);
  std::set<pid_t> runners;
  for (int x : items) {
    EXPECT_EQ(shared->runs[x].load(), 1) << "task " << x;
    runners.insert(shared->runner_of[x].load());
  }
  // Each worker runs at most two tasks, so twenty tasks need at least ten workers.
  EXPECT_GE(runners.size(), 10u);
  pool.close();
  pool.join();
  EXPECT_GE(shared->initializer_runs.load(), 10);
  for (const pid_t pid : first_workers) EXPECT_FALSE(alive(pid));
}

TEST(Pool, CloseLetsSubmittedTasksFinish) {
  const testing::SharedCounters shared;
  Pool pool(2);
  std::vector<AsyncResult<int>> results;
  results.reserve(10);
  for (int i = 0; i < 10; ++i) results.push_back(pool.apply_async(square, i));
  pool.close();
  pool.join();
  for (int i = 0; i < 10; ++i) EXPECT_EQ(results[i].get(0ms), i * i);
  EXPECT_TRUE(pool.worker_pids().empty());
}

TEST(Pool, SubmittingAfterCloseOrTerminateThrows) {
  const testing::SharedCounters shared;
  Pool closed(1);
  closed.close();
  EXPECT_THROW(static_cast<void>(closed.apply(add, 1, 2)), UsageError);
  EXPECT_THROW(static_cast<void>(closed.map(square, {1})), UsageError);
  closed.close();  // Idempotent.
  closed.join();
  Pool terminated(1);
  terminated.terminate();
  EXPECT_THROW(static_cast<void>(terminated.apply_async(add, 1, 2)), UsageError);
  EXPECT_THROW(static_cast<void>(terminated.imap(square, std::vector<int>{1})), UsageError);
  terminated.join();
}

TEST(Pool, JoinBeforeCloseIsAnError) {
  const testing::SharedCounters shared;
  Pool pool(1);
  try {
    pool.join();
    FAIL() << "join() on a running pool returned";
  } catch (const UsageError& error) {
    EXPECT_NE(std::string(error.what()).find("still running"), std::string::npos) << error.what();
  }
  EXPECT_EQ(pool.apply(add, 1, 1), 2) << "the pool is unchanged";
}

TEST(Pool, TerminateDuringMapFailsTheTasksAndLeavesNoProcess) {
  const testing::SharedCounters shared;
  Gates gates;  // release is never notified: the tasks would wait for ever.
  Pool pool(2);
  const std::vector<pid_t> workers = pool.worker_pids();
  auto result = pool.map_async(wait_for_release, std::vector<int>{1, 2, 3, 4}, 1);
  gates.started_it.wait();
  gates.started_it.wait();
  pool.terminate();
  EXPECT_THROW(static_cast<void>(result.get()), TaskFailed);
  for (const pid_t pid : workers) EXPECT_FALSE(alive(pid));
  pool.join();
}

TEST(Pool, DestructionWithoutCloseOrJoinLeavesNothingBehind) {
  const testing::SharedCounters shared;
  Gates gates;
  std::vector<pid_t> workers;
  std::optional<AsyncResult<int>> result;
  {
    Pool pool(2);
    workers = pool.worker_pids();
    result = pool.apply_async(wait_for_release, 1);
    gates.started_it.wait();
  }
  for (const pid_t pid : workers) EXPECT_FALSE(alive(pid));
  EXPECT_THROW(static_cast<void>(result->get()), TaskFailed);
  // The leak check after the test verifies that no process, fd or shm entry is left.
}

TEST(Pool, DefaultSizeIsTheNumberOfCpus) {
  const testing::SharedCounters shared;
  Pool pool;
  EXPECT_GE(pool.processes(), 1u);
  EXPECT_EQ(pool.worker_pids().size(), pool.processes());
}

TEST(Pool, UseFromAForkedChildIsAnError) {
  const testing::SharedCounters shared;
  Pool pool(1);
  Process child([&] {
    try {
      static_cast<void>(pool.apply(add, 1, 2));
    } catch (const UsageError&) {
      return 0;
    }
    return 1;
  });
  child.start();
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
}

}  // namespace
}  // namespace ipcprop
