// S4 in full: three ways of writing lines from two processes, and the checker telling the
// three shapes apart across many schedules.
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "harness/strategies/random.h"
#include "primitives/lock.h"
#include "properties/lock_suite.h"

namespace ipcprop::properties {
namespace {

using lock_props::LineLocking;

/// The shapes seen over 40 random schedules of two actors writing three lines each.
std::set<LineShape> shapes_over_schedules(LineLocking locking) {
  const lock_props::Workload workload{{2, 1, 0}, {2, 1, 0}};
  std::set<LineShape> shapes;
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    OperationLog log;
    auto strategy = harness::make_strategy<harness::RandomWalk>(seed);
    const harness::Outcome outcome = harness::run_execution(
        lock_props::detail::line_writers<Lock>(workload, log, locking), *strategy);
    EXPECT_TRUE(outcome.passed()) << outcome.message;
    shapes.insert(classify_lines(log.records()));
  }
  return shapes;
}

TEST(S4Shapes, LockAcrossTheLoopAlwaysGivesOneBlockPerProcess) {
  EXPECT_EQ(shapes_over_schedules(LineLocking::WholeLoop), std::set<LineShape>{LineShape::Blocks});
}

TEST(S4Shapes, LockPerLineKeepsLinesWholeButLetsThemInterleave) {
  const auto shapes = shapes_over_schedules(LineLocking::PerLine);
  EXPECT_FALSE(shapes.contains(LineShape::Torn));
  EXPECT_TRUE(shapes.contains(LineShape::Interleaved));
}

TEST(S4Shapes, NoLockTearsLines) {
  EXPECT_TRUE(shapes_over_schedules(LineLocking::None).contains(LineShape::Torn));
}

TEST(S4Shapes, ClassifierTellsTheThreeApart) {
  const auto record = [](harness::ActorId actor, LineRecord kind, int line) {
    return LogRecord{0, actor, kind, line, 0};
  };
  EXPECT_EQ(classify_lines({record(0, LineHead, 0), record(0, LineTail, 0), record(1, LineHead, 0),
                            record(1, LineTail, 0)}),
            LineShape::Blocks);
  EXPECT_EQ(
      classify_lines({record(0, LineHead, 0), record(0, LineTail, 0), record(1, LineHead, 0),
                      record(1, LineTail, 0), record(0, LineHead, 1), record(0, LineTail, 1)}),
      LineShape::Interleaved);
  EXPECT_EQ(classify_lines({record(0, LineHead, 0), record(1, LineHead, 0), record(0, LineTail, 0),
                            record(1, LineTail, 0)}),
            LineShape::Torn);
}

}  // namespace
}  // namespace ipcprop::properties
