// Each lock property must catch a lock with a known bug, shrink the failure, and print a token
// that replays the identical execution.
#include <string>

#include <gtest/gtest.h>

#include "primitives/codec.h"
#include "properties/lock_suite.h"
#include "properties/report.h"
#include "properties/runner.h"
#include "tests/properties/exact_replay.h"
#include "tests/properties/mutant_locks.h"

namespace ipcprop::properties {
namespace {

using lock_props::Workload;

/// Runs the mutual-exclusion property on `Lock` and checks the shrunk counterexample: two actors
/// with one critical section each, and `preemptions` preemptions.
template <typename Lock>
PropertyResult expect_minimal_overlap(std::string_view name, std::size_t preemptions) {
  PropertyResult result = run_property<lock_props::MutualExclusion, Lock>(name);
  if (result.kind == PropertyResult::Kind::Skipped) return result;
  EXPECT_EQ(result.kind, PropertyResult::Kind::Failed);
  if (result.passed()) return result;
  const Workload shrunk = codec::decode<Workload>(result.workload);
  EXPECT_EQ(shrunk.size(), 2u) << result.report;
  for (const lock_props::ActorPlan& plan : shrunk) EXPECT_EQ(plan.sections, 1) << result.report;
  EXPECT_EQ(count_preemptions(result.outcome.decisions), preemptions) << result.report;
  return result;
}

TEST(LockMutants, LockAdmittingTwoHoldersShrinksToTwoActorsAndOnePreemption) {
  // The lost update needs one preemption: inside the first holder's critical section.
  const PropertyResult result = expect_minimal_overlap<mutants::AdmitsTwoLock>("AdmitsTwoLock", 1);
  IPCPROP_SKIP_IF_REPLAYING_ANOTHER(result);
  ASSERT_FALSE(result.passed());
  EXPECT_NE(result.report.find("Schedule (shrunk): "), std::string::npos) << result.report;
  EXPECT_NE(result.report.find(", 1 preemption\n"), std::string::npos) << result.report;
  expect_exact_replay<lock_props::MutualExclusion, mutants::AdmitsTwoLock>(result);
}

TEST(LockMutants, SplitTestAndSetShrinksToTwoActorsAndTwoPreemptions) {
  // This bug needs two: between the test and the set, then inside the other's section.
  const PropertyResult result =
      expect_minimal_overlap<mutants::SplitTestAndSetLock>("SplitTestAndSetLock", 2);
  IPCPROP_SKIP_IF_REPLAYING_ANOTHER(result);
  ASSERT_FALSE(result.passed());
  // Either symptom shows the bug: both inside, or the overwritten owner's release refused.
  EXPECT_TRUE(result.report.find("mutual exclusion: actor") != std::string::npos ||
              result.report.find("the exception: actor") != std::string::npos)
      << result.report;
  EXPECT_NE(result.report.find("ipcprop replay " + result.token), std::string::npos);
  expect_exact_replay<lock_props::MutualExclusion, mutants::SplitTestAndSetLock>(result);
}

TEST(LockMutants, ReleaseByAnyoneIsCaught) {
  const PropertyResult result =
      run_property<lock_props::ReleaseOnlyWhenHeld, mutants::AnyoneMayReleaseLock>(
          "AnyoneMayReleaseLock");
  IPCPROP_SKIP_IF_REPLAYING_ANOTHER(result);
  ASSERT_EQ(result.kind, PropertyResult::Kind::Failed);
  EXPECT_NE(result.report.find("release only when held"), std::string::npos) << result.report;
  expect_exact_replay<lock_props::ReleaseOnlyWhenHeld, mutants::AnyoneMayReleaseLock>(result);
}

TEST(LockMutants, TimedAcquireThatGivesUpWhileFreeIsCaught) {
  const PropertyResult result =
      run_property<lock_props::TimedAcquireFailsOnlyWhenHeld, mutants::GiveUpAtOnceLock>(
          "GiveUpAtOnceLock");
  IPCPROP_SKIP_IF_REPLAYING_ANOTHER(result);
  ASSERT_EQ(result.kind, PropertyResult::Kind::Failed);
  EXPECT_NE(result.report.find("timed acquire"), std::string::npos) << result.report;
  expect_exact_replay<lock_props::TimedAcquireFailsOnlyWhenHeld, mutants::GiveUpAtOnceLock>(result);
}

TEST(LockMutants, ReentrantLockFreedByItsFirstReleaseIsCaught) {
  const PropertyResult result =
      run_property<lock_props::ReentrantMutualExclusion, mutants::ShallowRLock>("ShallowRLock");
  IPCPROP_SKIP_IF_REPLAYING_ANOTHER(result);
  ASSERT_EQ(result.kind, PropertyResult::Kind::Failed);
  // Shrinking finds the simplest symptom: the owner's last release finds the lock already free.
  EXPECT_NE(result.report.find("Broken: "), std::string::npos) << result.report;
  expect_exact_replay<lock_props::ReentrantMutualExclusion, mutants::ShallowRLock>(result);
}

TEST(LockMutants, LockAdmittingTwoHoldersTearsLinesInS4) {
  const PropertyResult whole_loop =
      run_property<lock_props::LockedLoopWritesBlocks, mutants::AdmitsTwoLock>("AdmitsTwoLock");
  IPCPROP_SKIP_IF_REPLAYING_ANOTHER(whole_loop);
  ASSERT_EQ(whole_loop.kind, PropertyResult::Kind::Failed);
  EXPECT_NE(whole_loop.report.find("S4, lock held for the whole loop"), std::string::npos)
      << whole_loop.report;
  const PropertyResult per_line =
      run_property<lock_props::LockedLinesStayWhole, mutants::AdmitsTwoLock>("AdmitsTwoLock");
  IPCPROP_SKIP_IF_REPLAYING_ANOTHER(per_line);
  ASSERT_EQ(per_line.kind, PropertyResult::Kind::Failed);
  EXPECT_NE(per_line.report.find("a line was torn"), std::string::npos) << per_line.report;
  expect_exact_replay<lock_props::LockedLinesStayWhole, mutants::AdmitsTwoLock>(per_line);
}

TEST(LockMutants, LockThatDiesWithItsOwnerIsCaughtByTheKillProperty) {
  // A correct lock in every other way, but an owner that dies leaves it taken for good.
  const PropertyResult result =
      run_property<lock_props::SurvivesAKilledActor, mutants::CorrectMutantBaseLock>(
          "CorrectMutantBaseLock");
  IPCPROP_SKIP_IF_REPLAYING_ANOTHER(result);
  ASSERT_EQ(result.kind, PropertyResult::Kind::Failed);
  EXPECT_NE(result.report.find("killed before scheduling decision"), std::string::npos)
      << result.report;
  EXPECT_NE(result.report.find("the others did not all finish"), std::string::npos)
      << result.report;
  expect_exact_replay<lock_props::SurvivesAKilledActor, mutants::CorrectMutantBaseLock>(result);
}

TEST(ReplayToken, RoundTripsAndToleratesWhitespace) {
  const ReplayToken token{"LockProps.MutualExclusion",
                          "Lock",
                          codec::encode(Workload{{1, 1, 0}, {2, 1, 1}}),
                          42,
                          {{0, 2, 1, false}, {1, 2, 0, true}}};
  const std::string text = encode_token(token);
  EXPECT_EQ(decode_token(text), token);
  std::string wrapped = text;
  wrapped.insert(wrapped.size() / 2, "\n  ");
  EXPECT_EQ(decode_token(wrapped), token);
}

TEST(ReplayToken, MalformedOrForeignTokensAreClearErrors) {
  const std::string text = encode_token(ReplayToken{"P", "T", {}, 1, {}});
  EXPECT_THROW(decode_token(""), TokenError);
  EXPECT_THROW(decode_token("not a token!"), TokenError);
  try {
    decode_token("nottoken");
    FAIL() << "a random word decoded";
  } catch (const TokenError& error) {
    EXPECT_NE(std::string(error.what()).find("malformed"), std::string::npos) << error.what();
  }
  std::string damaged = text;
  damaged[damaged.size() / 2] = damaged[damaged.size() / 2] == 'A' ? 'B' : 'A';
  try {
    decode_token(damaged);
    FAIL() << "a damaged token decoded";
  } catch (const TokenError& error) {
    EXPECT_NE(std::string(error.what()).find("checksum"), std::string::npos) << error.what();
  }
  const std::string other_version =
      detail::encode_token_as_version(ReplayToken{"P", "T", {}, 1, {}}, kTokenVersion + 1);
  try {
    decode_token(other_version);
    FAIL() << "a token of another version decoded";
  } catch (const TokenError& error) {
    EXPECT_NE(std::string(error.what()).find("version"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace ipcprop::properties
