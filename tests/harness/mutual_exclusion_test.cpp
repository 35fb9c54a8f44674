// Tests of find_overlap: the first overlap names both actors and their entry times.
#include "harness/checkers/mutual_exclusion.h"

#include <vector>

#include <gtest/gtest.h>

namespace ipcprop::harness {
namespace {

using K = CriticalEvent::Kind;

TEST(MutualExclusion, TakingTurnsHasNoOverlap) {
  std::vector<CriticalEvent> e = {{0, K::Enter, 1}, {0, K::Exit, 2},  {1, K::Enter, 3},
                                  {1, K::Exit, 4},  {0, K::Enter, 5}, {0, K::Exit, 6}};
  EXPECT_FALSE(find_overlap(e).has_value());
}

TEST(MutualExclusion, ExitAndEnterAtTheSameTimeDoNotOverlap) {
  std::vector<CriticalEvent> e = {{1, K::Enter, 4}, {0, K::Enter, 1}, {0, K::Exit, 4}};
  EXPECT_FALSE(find_overlap(e).has_value());
}

TEST(MutualExclusion, FirstOverlapNamesBothActors) {
  std::vector<CriticalEvent> e = {{0, K::Enter, 4}, {1, K::Enter, 9},  {0, K::Exit, 12},
                                  {1, K::Exit, 13}, {2, K::Enter, 14}, {3, K::Enter, 15}};
  auto o = find_overlap(e);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->inside, 0);
  EXPECT_EQ(o->inside_since, 4U);
  EXPECT_EQ(o->intruder, 1);
  EXPECT_EQ(o->intruder_at, 9U);
  EXPECT_EQ(o->text, "actor 1 entered at 9 while actor 0 was inside (since 4)");
}

TEST(MutualExclusion, ActorThatNeverExitsStaysInside) {
  std::vector<CriticalEvent> e = {{2, K::Enter, 1}, {0, K::Enter, 100}};
  auto o = find_overlap(e);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->inside, 2);
  EXPECT_EQ(o->intruder, 0);
}

TEST(MutualExclusion, ReentryByTheHolderNests) {
  std::vector<CriticalEvent> e = {
      {0, K::Enter, 1}, {0, K::Enter, 2}, {0, K::Exit, 3}, {1, K::Enter, 4}};
  auto o = find_overlap(e);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->intruder_at, 4U);
}

TEST(MutualExclusion, ExitByAnActorNotInsideIsBadInput) {
  std::vector<CriticalEvent> e = {{0, K::Enter, 1}, {1, K::Exit, 2}};
  EXPECT_THROW((void)find_overlap(e), std::invalid_argument);
}

}  // namespace
}  // namespace ipcprop::harness
