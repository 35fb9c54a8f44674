// Unit tests of Exhaustive on StepProgram (program_model.h): a actors of s steps each, one
// decision before every step, so a schedule is an interleaving of the steps, written as a trace
// like "0110". A switch away from an actor with steps left is a preemption; one away from an
// actor that has just finished is free, and so is the very first decision.
//
// Hand count for 2 actors. A trace is b alternating blocks. A switch after block j is free only
// if block j is its actor's last, which leaves only the other actor's last block: so a trace of
// b blocks has b − 2 preemptions. With m = ⌈b/2⌉ blocks for the first actor and ⌊b/2⌋ for the
// second, the number of traces is 2 (who starts) · C(s−1, m−1) · C(s−1, ⌊b/2⌋−1) (ways to cut
// each actor's s steps into its blocks).
//   s = 2: b = 2, 3, 4 → 2, 2, 2 traces (0, 1, 2 preemptions): bounds 0, 1, 2 give 2, 4, 6;
//          6 = C(4, 2), every interleaving.
//   s = 3: b = 2..6 → 2, 4, 8, 4, 2 traces (0..4 preemptions): bounds 0..4 give 2, 6, 14, 18, 20;
//          20 = C(6, 3).
// 3 actors: with bound 0 each actor runs to its end, and the free decisions pick an order: 3! =
// 6 traces whatever s is. With 1 step each no preemption is possible at all: 6 for any bound.
// 3 actors × 2 steps unbounded: 6! / (2! 2! 2!) = 90 interleavings.
#include "harness/strategies/exhaustive.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "primitives/errors.h"
#include "tests/harness/program_model.h"

namespace ipcprop::harness {
namespace {

using testing::SimulatedRun;
using testing::StepProgram;

/// The preemptions of a StepProgram trace: switches away from an actor that runs again later.
std::size_t preemptions(const std::string& trace) {
  std::size_t count = 0;
  for (std::size_t i = 1; i < trace.size(); ++i) {
    const bool continues = trace.find(trace[i - 1], i) != std::string::npos;
    count += trace[i] != trace[i - 1] && continues ? 1 : 0;
  }
  return count;
}

/// Every interleaving of `program` with at most `bound` preemptions, by brute force.
std::set<std::string> oracle(const StepProgram& program, std::size_t bound) {
  std::string trace;
  for (std::size_t a = 0; a < program.actors; ++a)
    trace += std::string(program.steps, static_cast<char>('0' + a));
  std::set<std::string> out;
  do {
    if (preemptions(trace) <= bound) out.insert(trace);
  } while (std::next_permutation(trace.begin(), trace.end()));
  return out;
}

/// Runs the whole search and checks it against the oracle; returns the number of executions.
std::size_t explore(const StepProgram& program, std::uint32_t bound) {
  Exhaustive search(bound, 100);
  const std::vector<SimulatedRun> runs = program.explore(search);
  std::set<std::string> seen;
  for (const SimulatedRun& run : runs) {
    EXPECT_FALSE(run.abandoned);
    EXPECT_LE(run.preemptions(), bound) << run.trace();
    EXPECT_EQ(run.preemptions(), preemptions(run.trace()));
    EXPECT_TRUE(seen.insert(run.trace()).second) << "ran twice: " << run.trace();
  }
  EXPECT_EQ(seen, oracle(program, bound));
  EXPECT_EQ(search.executions_started(), runs.size());
  EXPECT_FALSE(search.begin_execution()) << "stays finished";
  return runs.size();
}

TEST(Exhaustive, TwoActorsTwoStepsCountsMatchTheHandCount) {
  const StepProgram program{.actors = 2, .steps = 2};
  EXPECT_EQ(explore(program, 0), 2U);
  EXPECT_EQ(explore(program, 1), 4U);
  EXPECT_EQ(explore(program, 2), 6U);
  EXPECT_EQ(explore(program, 100), 6U);
}

TEST(Exhaustive, TwoActorsThreeStepsCountsMatchTheHandCount) {
  const StepProgram program{.actors = 2, .steps = 3};
  const std::vector<std::size_t> expected = {2, 6, 14, 18, 20, 20};
  for (std::uint32_t bound = 0; bound < expected.size(); ++bound) {
    EXPECT_EQ(explore(program, bound), expected[bound]) << "bound " << bound;
  }
}

TEST(Exhaustive, ThreeActorsCountsMatchTheHandCount) {
  EXPECT_EQ(explore(StepProgram{.actors = 3, .steps = 1}, 0), 6U);
  EXPECT_EQ(explore(StepProgram{.actors = 3, .steps = 1}, 5), 6U);
  EXPECT_EQ(explore(StepProgram{.actors = 3, .steps = 2}, 0), 6U);
  EXPECT_EQ(explore(StepProgram{.actors = 3, .steps = 2}, 100), 90U);
}

TEST(Exhaustive, FirstExecutionNeverPreempts) {
  Exhaustive search(2, 100);
  ASSERT_TRUE(search.begin_execution());
  EXPECT_EQ((StepProgram{.actors = 3, .steps = 2}.run(search).trace()), "001122");
}

TEST(Exhaustive, AbandonsAnExecutionLongerThanMaxSteps) {
  Exhaustive search(0, 4);
  ASSERT_TRUE(search.begin_execution());
  const SimulatedRun run = StepProgram{.actors = 2, .steps = 3}.run(search);
  EXPECT_TRUE(run.abandoned);
  EXPECT_EQ(run.decisions.size(), 4U);
  EXPECT_EQ(search.abandon_reason(),
            "exhaustive search: the execution went past max_steps=4 decisions");
  // The search goes on over the truncated schedules, and ends.
  EXPECT_EQ((StepProgram{.actors = 2, .steps = 3}.explore(search).size()), 1U);
}

TEST(Exhaustive, AbandonsWhenTheProgramIsNotDeterministic) {
  Exhaustive search(1, 100);
  ASSERT_TRUE(search.begin_execution());
  StepProgram{.actors = 2, .steps = 2}.run(search);  // "0011"; next: preempt at step 1.
  ASSERT_TRUE(search.begin_execution());
  const std::array<ActorId, 2> both = {0, 1};
  ASSERT_EQ(search.pick({both, false, 0}), 0U);
  const std::array<ActorId, 1> alone = {0};
  EXPECT_FALSE(search.pick({alone, true, 1}).has_value());
  EXPECT_EQ(search.abandon_reason(),
            "exhaustive search: at step 1 the schedule prefix takes choice 1 but only 1 "
            "candidates are enabled; the program is not deterministic given its schedule");
}

TEST(Exhaustive, RequiresEndExecutionAndABoundedStepCount) {
  EXPECT_THROW(Exhaustive(0, 0), UsageError);
  EXPECT_THROW(Exhaustive(0, Exhaustive::kCapacity + 1), UsageError);
  Exhaustive search(0, 10);
  ASSERT_TRUE(search.begin_execution());
  EXPECT_THROW(search.begin_execution(), UsageError);
}

}  // namespace
}  // namespace ipcprop::harness
