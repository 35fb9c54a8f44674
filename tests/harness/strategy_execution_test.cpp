// Strategies driving real multi-process executions: determinism, finding bugs, replay and
// exhaustive enumeration.
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness/execution.h"
#include "harness/strategies/choice_seq.h"
#include "harness/strategies/exhaustive.h"
#include "harness/strategies/pct.h"
#include "harness/strategies/random.h"
#include "harness/strategies/replay.h"
#include "primitives/lock.h"
#include "primitives/queue.h"
#include "primitives/shared_memory.h"

namespace ipcprop::harness {
namespace {

/// Three actors taking one lock in turns and passing values through a bounded queue: the
/// determinism workload.
std::vector<ActorProgram> three_lock_users(Lock& lock, SharedObject<long>& counter) {
  const ActorProgram worker = [&](ActorContext& context) {
    for (int i = 0; i < 3; ++i) {
      lock.acquire();
      *counter += static_cast<long>(context.random() % 7);
      lock.release();
    }
  };
  return {worker, worker, worker};
}

const ActorFactory lock_and_queue_users = [] {
  auto lock = std::make_shared<Lock>();
  auto queue = std::make_shared<Queue<int>>(2);
  const ActorProgram worker = [=](ActorContext& context) {
    for (int i = 0; i < 3; ++i) {
      std::lock_guard guard(*lock);
      queue->put(static_cast<int>(context.random() % 100));
    }
    for (int i = 0; i < 3; ++i) static_cast<void>(queue->get());
  };
  return std::vector<ActorProgram>{worker, worker, worker};
};

TEST(HarnessDeterminism, TwoHundredRunsOfALockAndQueueProgramGiveOneHistory) {
  std::set<std::uint64_t> hashes;
  for (int run = 0; run < 200; ++run) {
    auto strategy = make_strategy<RandomWalk>(77);
    const Outcome outcome = run_execution(lock_and_queue_users, *strategy);
    ASSERT_NE(outcome.kind, OutcomeKind::Error) << outcome.message;
    hashes.insert(outcome.history.hash());
  }
  EXPECT_EQ(hashes.size(), 1u);
  std::set<std::uint64_t> seeds;
  for (std::uint64_t seed = 0; seed < 30; ++seed) {
    auto strategy = make_strategy<RandomWalk>(seed);
    seeds.insert(run_execution(lock_and_queue_users, *strategy).history.hash());
  }
  EXPECT_GE(seeds.size(), 20u) << "different seeds, different interleavings";
}

TEST(HarnessDeterminism, TwoHundredRunsWithOneSeedGiveOneHistory) {
  Lock lock;
  SharedObject<long> counter(0);
  const auto programs = three_lock_users(lock, counter);
  std::set<std::uint64_t> hashes;
  std::set<std::vector<Decision>> schedules;
  for (int run = 0; run < 200; ++run) {
    auto strategy = make_strategy<RandomWalk>(1234);
    const Outcome outcome = run_execution(programs, *strategy);
    ASSERT_TRUE(outcome.passed()) << outcome.message;
    hashes.insert(outcome.history.hash());
    schedules.insert(outcome.decisions);
  }
  EXPECT_EQ(hashes.size(), 1u);
  EXPECT_EQ(schedules.size(), 1u);
}

TEST(HarnessDeterminism, DifferentSeedsGiveDifferentInterleavings) {
  Lock lock;
  SharedObject<long> counter(0);
  const auto programs = three_lock_users(lock, counter);
  std::set<std::uint64_t> hashes;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    auto strategy = make_strategy<RandomWalk>(seed);
    hashes.insert(run_execution(programs, *strategy).history.hash());
  }
  // Measured: 50 seeds give 50 distinct interleavings of this program; ask for well over half.
  EXPECT_GE(hashes.size(), 30u);
}

/// Actor 0 takes A then B, actor 1 takes B then A: deadlocks only when each gets its first lock.
std::vector<ActorProgram> lock_order_inversion(Lock& a, Lock& b) {
  return {[&](ActorContext&) {
            a.acquire();
            b.acquire();
            b.release();
            a.release();
          },
          [&](ActorContext&) {
            b.acquire();
            a.acquire();
            a.release();
            b.release();
          }};
}

/// Runs until the first non-passing outcome; returns it and how many executions it took.
std::pair<Outcome, int> search(const std::vector<ActorProgram>& programs, Strategy& strategy,
                               int budget) {
  for (int execution = 1; execution <= budget; ++execution) {
    Outcome outcome = run_execution(programs, strategy);
    if (!outcome.passed()) return {std::move(outcome), execution};
  }
  return {Outcome{}, budget + 1};
}

TEST(HarnessSearch, RandomWalkFindsALockOrderInversionWithinTwentyExecutions) {
  Lock a;
  Lock b;
  auto strategy = make_strategy<RandomWalk>(7);
  const auto [outcome, executions] = search(lock_order_inversion(a, b), *strategy, 20);
  ASSERT_EQ(outcome.kind, OutcomeKind::Deadlock) << "not found in 20 executions";
  EXPECT_NE(outcome.message.find("actor 0 waits forever in Lock::acquire on Lock#2"),
            std::string::npos)
      << outcome.message;
  EXPECT_NE(outcome.message.find("actor 1 waits forever in Lock::acquire on Lock#1"),
            std::string::npos)
      << outcome.message;
  RecordProperty("executions", executions);
}

TEST(HarnessSearch, PctDepthTwoFindsTheInversionToo) {
  Lock a;
  Lock b;
  auto strategy = make_strategy<Pct>(7, 2);
  const auto [outcome, executions] = search(lock_order_inversion(a, b), *strategy, 50);
  EXPECT_EQ(outcome.kind, OutcomeKind::Deadlock) << "not found in 50 executions";
}

TEST(HarnessSearch, NoPreemptionNeverDeadlocksTheInversion) {
  Lock a;
  Lock b;
  const std::vector<std::uint16_t> no_choices;
  auto strategy = make_strategy<ChoiceSequence>(no_choices);
  const Outcome outcome = run_execution(lock_order_inversion(a, b), *strategy);
  EXPECT_TRUE(outcome.passed()) << outcome.message;
}

TEST(HarnessReplay, RecordedDecisionsReplayToTheSameHistoryEveryTime) {
  Lock lock;
  SharedObject<long> counter(0);
  const auto programs = three_lock_users(lock, counter);
  auto random = make_strategy<RandomWalk>(99);
  const Outcome original = run_execution(programs, *random);
  ASSERT_TRUE(original.passed()) << original.message;
  for (int run = 0; run < 20; ++run) {
    auto replay = make_strategy<Replay>(original.decisions, original.data_seed);
    const Outcome again = run_execution(programs, *replay);
    ASSERT_TRUE(again.passed()) << again.message;
    EXPECT_EQ(again.history.hash(), original.history.hash());
    EXPECT_TRUE(replay->matched());
  }
}

TEST(HarnessReplay, ADivergingProgramIsAbandonedWithTheStep) {
  Lock lock;
  SharedObject<long> counter(0);
  const auto programs = three_lock_users(lock, counter);
  auto random = make_strategy<RandomWalk>(5);
  const Outcome original = run_execution(programs, *random);
  const std::vector<ActorProgram> fewer(programs.begin(), programs.begin() + 2);
  auto replay = make_strategy<Replay>(original.decisions, original.data_seed);
  const Outcome diverged = run_execution(fewer, *replay);
  ASSERT_EQ(diverged.kind, OutcomeKind::Abandoned) << diverged.message;
  EXPECT_NE(diverged.message.find("replay diverged at step"), std::string::npos)
      << diverged.message;
}

/// Two actors with two sync points each. Each actor's life is three segments (start to the
/// first point, between the points, second point to exit), and a decision comes before each
/// segment, so schedules are the interleavings of 3 + 3 segments: C(6, 3) = 20. Preemptions
/// are switches at a sync point (a switch at an exit is free): with a schedule of b blocks,
/// b - 2 preemptions, so bound 0 → 2 schedules (one actor, then the other) and bound 1 → 6.
std::vector<ActorProgram> two_by_two() {
  const ActorProgram actor = [](ActorContext& context) {
    const sync::SyncObject object{"Step", context.id()};
    sync::invoke({"Test::first", object});
    sync::invoke({"Test::second", object});
  };
  return {actor, actor};
}

int count_schedules(std::uint32_t max_preemptions) {
  auto strategy = make_strategy<Exhaustive>(max_preemptions, 100);
  const auto programs = two_by_two();
  std::set<std::vector<Decision>> seen;
  int executions = 0;
  for (;;) {
    const Outcome outcome = run_execution(programs, *strategy);
    if (outcome.kind == OutcomeKind::Abandoned && outcome.decisions.empty()) break;  // Done.
    EXPECT_TRUE(outcome.passed()) << outcome.message;
    EXPECT_TRUE(seen.insert(outcome.decisions).second) << "a schedule ran twice";
    ++executions;
  }
  return executions;
}

TEST(HarnessExhaustive, CountsEverySchedulesOfTwoActorsWithTwoSyncPoints) {
  EXPECT_EQ(count_schedules(10), 20);
}

TEST(HarnessExhaustive, PreemptionBoundsCutTheCount) {
  EXPECT_EQ(count_schedules(0), 2);
  EXPECT_EQ(count_schedules(1), 6);
}

}  // namespace
}  // namespace ipcprop::harness
