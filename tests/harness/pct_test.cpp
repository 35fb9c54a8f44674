// Unit tests of Pct, driven by the synthetic programs of program_model.h.
#include "harness/strategies/pct.h"

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

using testing::AlwaysEnabled;
using testing::SimulatedRun;
using testing::StepProgram;
using testing::traces;

TEST(Pct, DepthOneNeverPreempts) {
  Pct pct(3, 1);
  const StepProgram program{.actors = 3, .steps = 4};
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(pct.begin_execution());
    const SimulatedRun run = program.run(pct);
    EXPECT_EQ(run.preemptions(), 0U) << run.trace();
    EXPECT_EQ(pct.priority_changes(), 0U);
  }
  // With every actor present from the start, the highest-priority one runs throughout.
  ASSERT_TRUE(pct.begin_execution());
  EXPECT_EQ(AlwaysEnabled::switches(AlwaysEnabled{.actors = 3, .decisions = 100}.run(pct)), 0U);
}

TEST(Pct, DepthTwoMakesExactlyOnePriorityChange) {
  Pct pct(5, 2);
  const AlwaysEnabled program{.actors = 3, .decisions = Pct::kDefaultSteps};
  int one_switch = 0;
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(pct.begin_execution());
    EXPECT_EQ(pct.step_estimate(), Pct::kDefaultSteps);
    const SimulatedRun run = program.run(pct);
    EXPECT_EQ(pct.priority_changes(), 1U);
    // The change point is in [1, 64]: at step 1 it changes who starts, later it is one switch.
    EXPECT_LE(AlwaysEnabled::switches(run), 1U) << run.trace();
    one_switch += AlwaysEnabled::switches(run) == 1 ? 1 : 0;
  }
  EXPECT_GE(one_switch, 15) << "the change point falls on step 1 only 1 time in 64";
}

TEST(Pct, DepthThreeMakesTwoPriorityChanges) {
  Pct pct(5, 3);
  const AlwaysEnabled program{.actors = 3, .decisions = Pct::kDefaultSteps};
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(pct.begin_execution());
    const SimulatedRun run = program.run(pct);
    EXPECT_EQ(pct.priority_changes(), 2U);
    EXPECT_LE(AlwaysEnabled::switches(run), 2U) << run.trace();
  }
}

TEST(Pct, PrioritiesAreRandomPerExecution) {
  Pct pct(11, 1);
  std::set<ActorId> first_runners;
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(pct.begin_execution());
    first_runners.insert(AlwaysEnabled{.actors = 3, .decisions = 1}.run(pct).decisions[0].chosen);
  }
  EXPECT_EQ(first_runners.size(), 3U);
}

TEST(Pct, SameSeedSameExecutionsDifferentSeedDifferent) {
  Pct first(9, 3), second(9, 3), other(10, 3);
  const StepProgram program{.actors = 3, .steps = 5};
  const std::vector<std::string> runs = traces(first, program, 8);
  EXPECT_EQ(runs, traces(second, program, 8));
  EXPECT_NE(runs, traces(other, program, 8));
  EXPECT_GT(std::set<std::string>(runs.begin(), runs.end()).size(), 1U);
}

TEST(Pct, StepEstimateIsTheLongestEarlierExecution) {
  Pct pct(1, 2);
  ASSERT_TRUE(pct.begin_execution());
  EXPECT_EQ(pct.step_estimate(), Pct::kDefaultSteps);
  StepProgram{.actors = 2, .steps = 5}.run(pct);
  ASSERT_TRUE(pct.begin_execution());
  EXPECT_EQ(pct.step_estimate(), 10U);
  StepProgram{.actors = 2, .steps = 3}.run(pct);
  ASSERT_TRUE(pct.begin_execution());
  EXPECT_EQ(pct.step_estimate(), 10U);
}

TEST(Pct, RejectsBadDepthAndAbandonsOnTooLargeActorIds) {
  EXPECT_THROW(Pct(1, 0), UsageError);
  EXPECT_THROW(Pct(1, Pct::kMaxDepth + 1), UsageError);
  Pct pct(1, 2);
  ASSERT_TRUE(pct.begin_execution());
  const std::array<ActorId, 2> candidates = {0, 64};
  EXPECT_FALSE(pct.pick({candidates, false, 0}).has_value());
  EXPECT_EQ(pct.abandon_reason(), "pct supports actor ids below 64; found actor 64");
}

}  // namespace
}  // namespace ipcprop::harness
