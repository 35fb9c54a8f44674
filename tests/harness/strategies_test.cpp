// Unit tests of RandomWalk, ChoiceSequence and Replay, driven by the synthetic programs of
// program_model.h: no processes, except to check that a strategy in shared memory is one object
// across fork.
#include <algorithm>
#include <array>
#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness/strategies/choice_seq.h"
#include "harness/strategies/exhaustive.h"
#include "harness/strategies/random.h"
#include "harness/strategies/replay.h"
#include "harness/strategy.h"
#include "primitives/errors.h"
#include "primitives/process.h"
#include "tests/harness/program_model.h"

namespace ipcprop::harness {
namespace {

using testing::AlwaysEnabled;
using testing::SimulatedRun;
using testing::StepProgram;
using testing::traces;

// ---------------------------------------------------------------------------------------------
// RandomWalk

TEST(RandomWalk, SameSeedReplaysTheSameExecutions) {
  RandomWalk first(42), second(42);
  const AlwaysEnabled program{.actors = 4, .decisions = 50};
  EXPECT_EQ(traces(first, program, 5), traces(second, program, 5));
  EXPECT_EQ(first.next_random(), second.next_random());
  EXPECT_EQ(first.describe(), "random(seed=42)");
}

TEST(RandomWalk, DifferentSeedsAndSuccessiveExecutionsDiffer) {
  RandomWalk first(1), second(2);
  const AlwaysEnabled program{.actors = 4, .decisions = 50};
  const std::vector<std::string> runs = traces(first, program, 5);
  EXPECT_NE(runs, traces(second, program, 5));
  EXPECT_EQ(std::set<std::string>(runs.begin(), runs.end()).size(), runs.size());
  std::set<std::uint64_t> data_seeds;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(first.begin_execution());
    data_seeds.insert(first.next_random());
  }
  EXPECT_EQ(data_seeds.size(), 5U) << "each execution gets its own data seed";
}

TEST(RandomWalk, PicksEveryCandidateRoughlyUniformly) {
  RandomWalk walk(7);
  ASSERT_TRUE(walk.begin_execution());
  const std::array<ActorId, 4> candidates = {3, 0, 1, 2};
  std::array<int, 4> counts = {};
  for (std::uint32_t step = 0; step < 40000; ++step) {
    const auto choice = walk.pick({candidates, true, step});
    ASSERT_TRUE(choice.has_value());
    ASSERT_LT(*choice, candidates.size());
    ++counts[*choice];
  }
  // Expected 10000 each with a standard deviation near 87: ±1000 is over 11 deviations, and
  // the seed is fixed, so this cannot flake.
  for (const int count : counts) EXPECT_NEAR(count, 10000, 1000);
}

// ---------------------------------------------------------------------------------------------
// ChoiceSequence

TEST(ChoiceSequence, ChoiceBelowCandidateCountIsTheIndexLargerOnesWrap) {
  // Running actor may continue: wrap over candidates 1..n-1, so a non-zero choice preempts.
  const std::vector<std::size_t> running = {0, 1, 2, 1, 2, 1};
  for (std::size_t c = 0; c < running.size(); ++c) {
    EXPECT_EQ(ChoiceSequence::map_choice(static_cast<std::uint16_t>(c), 3, true), running[c]) << c;
  }
  // Otherwise wrap over all candidates.
  const std::vector<std::size_t> free = {0, 1, 2, 0, 1, 2};
  for (std::size_t c = 0; c < free.size(); ++c) {
    EXPECT_EQ(ChoiceSequence::map_choice(static_cast<std::uint16_t>(c), 3, false), free[c]) << c;
  }
  EXPECT_EQ(ChoiceSequence::map_choice(5, 1, true), 0U);
  EXPECT_EQ(ChoiceSequence::map_choice(5, 1, false), 0U);
}

TEST(ChoiceSequence, FollowsTheListThenNeverPreempts) {
  const std::vector<std::uint16_t> choices = {2, 1};
  ChoiceSequence sequence(choices, 77);
  ASSERT_TRUE(sequence.begin_execution());
  EXPECT_EQ(sequence.next_random(), 77U);
  // Step 0: [0, 1, 2], choice 2 -> actor 2. Step 1: [2, 0, 1], choice 1 -> actor 0. Then 0s.
  EXPECT_EQ((AlwaysEnabled{.actors = 3, .decisions = 6}.run(sequence).trace()), "200000");
  EXPECT_FALSE(sequence.begin_execution());
  EXPECT_EQ(sequence.describe(), "choices([2, 1], data_seed=77)");
}

TEST(ChoiceSequence, RejectsMoreChoicesThanItsCapacity) {
  const std::vector<std::uint16_t> choices(ChoiceSequence::kCapacity + 1, 0);
  EXPECT_THROW(ChoiceSequence{choices}, UsageError);
}

// ---------------------------------------------------------------------------------------------
// Replay

TEST(Replay, ReplaysARecordedExecutionExactly) {
  RandomWalk walk(123);
  const StepProgram program{.actors = 3, .steps = 3};
  ASSERT_TRUE(walk.begin_execution());
  const std::uint64_t data_seed = walk.next_random();
  const SimulatedRun recorded = program.run(walk);

  Replay replay(recorded.decisions, data_seed);
  ASSERT_TRUE(replay.begin_execution());
  EXPECT_EQ(replay.next_random(), data_seed);
  const SimulatedRun replayed = program.run(replay);
  EXPECT_FALSE(replayed.abandoned);
  EXPECT_EQ(replayed.decisions, recorded.decisions);
  EXPECT_TRUE(replay.matched());
  EXPECT_FALSE(replay.begin_execution());
}

TEST(Replay, ReportsWhereTheProgramDiverged) {
  std::vector<Decision> recorded(12, Decision{0, 1, 0, true});
  recorded.push_back(Decision{2, 3, 2, true});
  Replay replay(recorded, 0);
  ASSERT_TRUE(replay.begin_execution());
  const std::array<ActorId, 1> alone = {0};
  for (std::uint32_t step = 0; step < 12; ++step) {
    ASSERT_EQ(replay.pick({alone, true, step}), 0U);
  }
  const std::array<ActorId, 2> two = {0, 1};
  EXPECT_FALSE(replay.pick({two, true, 12}).has_value());
  EXPECT_EQ(replay.abandon_reason(),
            "replay diverged at step 12: recorded 3 candidates with actor 2 chosen, "
            "found 2 candidates [0, 1]");
  EXPECT_FALSE(replay.matched());
}

TEST(Replay, ReportsARunningActorThatCouldNotContinueAndRunningPastTheEnd) {
  const std::vector<Decision> recorded = {Decision{1, 2, 1, true}};
  Replay replay(recorded, 0);
  ASSERT_TRUE(replay.begin_execution());
  const std::array<ActorId, 2> candidates = {0, 1};
  EXPECT_FALSE(replay.pick({candidates, false, 0}).has_value());
  EXPECT_EQ(replay.abandon_reason(),
            "replay diverged at step 0: recorded 2 candidates (the running actor may continue) "
            "with actor 1 chosen, found 2 candidates [0, 1] (the running actor may not)");
  EXPECT_EQ(replay.pick({candidates, true, 0}), 1U);
  EXPECT_FALSE(replay.pick({candidates, true, 1}).has_value());
  EXPECT_EQ(replay.abandon_reason(),
            "replay diverged at step 1: the recording ends after 1 decisions, "
            "found 2 candidates [0, 1]");
}

// ---------------------------------------------------------------------------------------------
// make_strategy: one object seen by every process

TEST(SharedStrategy, ChildsExecutionIsSeenByTheParent) {
  const std::vector<std::uint16_t> choices = {1};
  auto shared = make_strategy<ChoiceSequence>(std::span<const std::uint16_t>(choices), 5);
  Process child([&shared] { return shared->begin_execution() ? 0 : 1; });
  child.start();
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
  EXPECT_FALSE(shared->begin_execution()) << "the child already ran the one execution";
}

TEST(SharedStrategy, PicksContinueAcrossProcesses) {
  auto shared = make_strategy<RandomWalk>(std::uint64_t{99});
  RandomWalk reference(99);
  ASSERT_TRUE(shared->begin_execution());
  ASSERT_TRUE(reference.begin_execution());
  const std::array<ActorId, 5> candidates = {0, 1, 2, 3, 4};
  for (std::uint32_t step = 0; step < 10; ++step) reference.pick({candidates, true, step});
  Process child([&shared, &candidates] {
    for (std::uint32_t step = 0; step < 10; ++step) shared->pick({candidates, true, step});
  });
  child.start();
  child.join();
  ASSERT_EQ(child.exitcode(), 0);
  // The parent's next picks continue the stream where the child left it.
  for (std::uint32_t step = 10; step < 20; ++step) {
    EXPECT_EQ(shared->pick({candidates, true, step}), reference.pick({candidates, true, step}));
  }
}

TEST(SharedStrategy, AnExhaustiveSearchCanBeDrivenFromSeveralProcesses) {
  auto shared = make_strategy<Exhaustive>(std::uint32_t{100}, std::uint32_t{100});
  const StepProgram program{.actors = 2, .steps = 2};
  Process child([&shared, &program] { return program.explore(*shared, 3).size() == 3 ? 0 : 1; });
  child.start();
  child.join();
  ASSERT_EQ(child.exitcode(), 0);
  EXPECT_EQ(shared->executions_started(), 3U);
  EXPECT_EQ(program.explore(*shared).size(), 3U) << "6 schedules in all";
}

}  // namespace
}  // namespace ipcprop::harness
