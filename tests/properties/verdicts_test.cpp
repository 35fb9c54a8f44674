// The runner's verdicts apart from pass and fail: a watchdog cut, a harness error and a replay
// that diverged each say that the property was not decided. None is shrunk or reported as a
// broken invariant.
#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "properties/lock_suite.h"
#include "properties/runner.h"
#include "properties/token.h"
#include "tests/properties/exact_replay.h"
#include "tests/properties/mutant_locks.h"
#include "tests/properties/undecidable_locks.h"

namespace ipcprop::properties {
namespace {

using namespace std::chrono_literals;
using Kind = PropertyResult::Kind;

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

SuiteOptions quick(int test_cases) {
  SuiteOptions options;
  options.test_cases = test_cases;
  options.execution.watchdog_limit = 100ms;
  return options;
}

TEST(Verdicts, AWatchdogCutIsItsOwnVerdictAndIsNotShrunk) {
  const SuiteOptions options = quick(3);
  const PropertyResult result =
      run_property<lock_props::MutualExclusion, mutants::SpinningLock>("SpinningLock", options);
  IPCPROP_SKIP_IF_REPLAYING_ANOTHER(result);
  ASSERT_EQ(result.kind, Kind::Cut) << result.report;
  EXPECT_EQ(result.executions, 3) << "every case ran once: nothing was shrunk";
  EXPECT_TRUE(contains(result.report,
                       "was not decided for SpinningLock: the watchdog cut 3 "
                       "executions"))
      << result.report;
  EXPECT_TRUE(contains(result.report, "no invariant broke")) << result.report;
  EXPECT_FALSE(contains(result.report, "Broken:")) << result.report;
  EXPECT_TRUE(contains(result.report, "SpinningLock::acquire")) << result.report;
  ASSERT_FALSE(result.token.empty());

  const PropertyResult again = replay_property<lock_props::MutualExclusion, mutants::SpinningLock>(
      decode_token(result.token), options);
  EXPECT_EQ(again.kind, Kind::Cut) << again.report;
}

TEST(Verdicts, AnActorOutOfResourcesIsAHarnessErrorThatEndsTheRun) {
  const PropertyResult result =
      run_property<lock_props::MutualExclusion, mutants::OutOfDescriptorsLock>(
          "OutOfDescriptorsLock", quick(30));
  IPCPROP_SKIP_IF_REPLAYING_ANOTHER(result);
  ASSERT_EQ(result.kind, Kind::Error) << result.report;
  EXPECT_EQ(result.executions, 1) << "the other cases would fail the same way";
  EXPECT_TRUE(contains(result.report, "could not be decided for OutOfDescriptorsLock"))
      << result.report;
  EXPECT_TRUE(contains(result.report, "ran out of a system resource")) << result.report;
  EXPECT_TRUE(contains(result.report, "EMFILE")) << result.report;
  EXPECT_TRUE(result.token.empty()) << "nothing to replay";
}

TEST(Verdicts, AReplayThatDoesNotFollowItsTokenDiverged) {
  const PropertyResult failure =
      run_property<lock_props::MutualExclusion, mutants::AdmitsTwoLock>("AdmitsTwoLock");
  IPCPROP_SKIP_IF_REPLAYING_ANOTHER(failure);
  ASSERT_EQ(failure.kind, Kind::Failed) << failure.report;
  ReplayToken token = decode_token(failure.token);
  ASSERT_GE(token.decisions.size(), 2u);
  token.decisions.resize(1);  // As if the primitive now took a path with more sync points.
  const PropertyResult replayed =
      replay_property<lock_props::MutualExclusion, mutants::AdmitsTwoLock>(token);
  ASSERT_EQ(replayed.kind, Kind::Diverged) << replayed.report;
  EXPECT_TRUE(contains(replayed.report, "did not follow the token")) << replayed.report;
  EXPECT_FALSE(contains(replayed.report, "Broken:")) << replayed.report;
}

}  // namespace
}  // namespace ipcprop::properties
