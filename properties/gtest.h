// ipcprop — properties/gtest.h
//
// The GoogleTest glue, kept out of the suites so that they never depend on a test framework:
//
//   check_in_gtest<Property, Type>(name)   runs one property as the body of the current test
//   IPCPROP_LOCK_SUITE(Type)                one line registers the lock suite for Type
//   IPCPROP_RLOCK_SUITE(Type)               the lock suite plus reentrancy
//   IPCPROP_ROBUST_LOCK_SUITE(Type)         an actor killed anywhere never hangs the others
//   IPCPROP_QUEUE_SUITE(Type)               the queue suite for a queue of std::int64_t
//   IPCPROP_PIPE_SUITE(Factory)             the pipe suite for Factory::make(duplex)
//   IPCPROP_PROCESS_SUITE(Type)             the process suite (S1, S2, exit codes, signals)
//   IPCPROP_POOL_SUITE(Type)                the pool suite (exactly once, order, bound,
//                                           failure containment, terminate)
//
// A failing property fails its test with the report, which ends with "ipcprop replay <token>".
// With IPCPROP_REPLAY=<token> in the environment, the test named by the token replays that one
// execution and every other suite test is skipped.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "properties/lock_suite.h"
#include "properties/pipe_suite.h"
#include "properties/pool_suite.h"
#include "properties/process_suite.h"
#include "properties/queue_suite.h"
#include "properties/runner.h"

namespace ipcprop::properties {

/// Runs the property (or replays IPCPROP_REPLAY if it names this one; run_property() skips
/// the others) and fails the current test with the report.
template <typename Property, typename Primitive>
void check_in_gtest(std::string_view primitive_name, const SuiteOptions& options = {}) {
  PropertyResult result;
  try {
    result = run_property<Property, Primitive>(primitive_name, options);
  } catch (const TokenError& error) {
    FAIL() << "IPCPROP_REPLAY: " << error.what();
  }
  if (result.kind == PropertyResult::Kind::Skipped) GTEST_SKIP() << result.report;
  if (result.replayed && result.passed()) {
    std::printf("replayed %s for %.*s: the invariant held (history hash %016llx)\n",
                std::string(Property::name).c_str(), static_cast<int>(primitive_name.size()),
                primitive_name.data(),
                static_cast<unsigned long long>(result.outcome.history.hash()));
  }
  if (!result.passed()) FAIL() << result.report;
}

/// With IPCPROP_REPLAY set: a damaged token is one failure before any test runs (none runs),
/// and a token that no test of an unfiltered run replayed is one failure at the end.
class ReplayTokenCheck final : public ::testing::Environment {
 public:
  void SetUp() override {
    try {
      static_cast<void>(detail::environment_token());
    } catch (const TokenError& error) {
      GTEST_FAIL() << "IPCPROP_REPLAY: " << error.what();
    }
  }
  void TearDown() override {
    const char* text = std::getenv("IPCPROP_REPLAY");
    if (text == nullptr || *text == '\0' || environment_token_replayed()) return;
    // A filtered run (ctest runs each test alone) may leave the token's test out on purpose.
    if (::testing::GTEST_FLAG(filter) != "*") return;
    try {
      const auto& token = detail::environment_token();
      ADD_FAILURE() << "IPCPROP_REPLAY names " << token->property << " for " << token->primitive
                    << ", which no test of this binary registers: replay it with the binary "
                       "that printed it";
    } catch (const TokenError&) {  // Reported by SetUp.
    }
  }
};

namespace detail {
/// Registers ReplayTokenCheck once in every binary that includes this header.
inline const bool replay_token_check_registered =
    (::testing::AddGlobalTestEnvironment(new ReplayTokenCheck), true);
}  // namespace detail

}  // namespace ipcprop::properties

/// Registers the lock suite for `Type` (an unqualified name: alias a qualified one first) as
/// GoogleTests named <Type>LockProps.<Property>, discovered by ctest like any test.
#define IPCPROP_LOCK_SUITE(Type)                                                                   \
  TEST(Type##LockProps, MutualExclusion) {                                                         \
    ::ipcprop::properties::check_in_gtest<::ipcprop::properties::lock_props::MutualExclusion,      \
                                          Type>(#Type);                                            \
  }                                                                                                \
  TEST(Type##LockProps, ReleaseOnlyWhenHeld) {                                                     \
    ::ipcprop::properties::check_in_gtest<::ipcprop::properties::lock_props::ReleaseOnlyWhenHeld,  \
                                          Type>(#Type);                                            \
  }                                                                                                \
  TEST(Type##LockProps, TimedAcquireFailsOnlyWhenHeld) {                                           \
    ::ipcprop::properties::check_in_gtest<                                                         \
        ::ipcprop::properties::lock_props::TimedAcquireFailsOnlyWhenHeld, Type>(#Type);            \
  }                                                                                                \
  TEST(Type##LockProps, LockedLoopWritesBlocks) {                                                  \
    ::ipcprop::properties::check_in_gtest<                                                         \
        ::ipcprop::properties::lock_props::LockedLoopWritesBlocks, Type>(#Type);                   \
  }                                                                                                \
  TEST(Type##LockProps, LockedLinesStayWhole) {                                                    \
    ::ipcprop::properties::check_in_gtest<::ipcprop::properties::lock_props::LockedLinesStayWhole, \
                                          Type>(#Type);                                            \
  }                                                                                                \
  static_assert(::ipcprop::properties::LockLike<Type>, #Type " is not LockLike")

/// Registers the lock suite and the reentrancy property for `Type`.
#define IPCPROP_RLOCK_SUITE(Type)                                                  \
  IPCPROP_LOCK_SUITE(Type);                                                        \
  TEST(Type##LockProps, ReentrantMutualExclusion) {                                \
    ::ipcprop::properties::check_in_gtest<                                         \
        ::ipcprop::properties::lock_props::ReentrantMutualExclusion, Type>(#Type); \
  }                                                                                \
  static_assert(::ipcprop::properties::RLockLike<Type>, #Type " is not RLockLike")

/// Registers, for a lock that promises to survive the death of any process using it (as
/// ipcprop's Lock and RLock do, acquiring with OwnerDied), the property that an actor killed
/// anywhere never hangs the others: <Type>LockProps.SurvivesAKilledActor. Not part of the lock
/// suite: a lock that makes no such promise fails it.
#define IPCPROP_ROBUST_LOCK_SUITE(Type)                                                            \
  TEST(Type##LockProps, SurvivesAKilledActor) {                                                    \
    ::ipcprop::properties::check_in_gtest<::ipcprop::properties::lock_props::SurvivesAKilledActor, \
                                          Type>(#Type);                                            \
  }                                                                                                \
  static_assert(::ipcprop::properties::LockLike<Type>, #Type " is not LockLike")

/// Registers the queue suite for `Type`, a QueueLike queue of std::int64_t (an unqualified
/// name): tests <Type>QueueProps.Linearizable and .ExactlyOnceInOrder.
#define IPCPROP_QUEUE_SUITE(Type)                                                                  \
  TEST(Type##QueueProps, Linearizable) {                                                           \
    ::ipcprop::properties::check_in_gtest<::ipcprop::properties::queue_props::Linearizable, Type>( \
        #Type);                                                                                    \
  }                                                                                                \
  TEST(Type##QueueProps, ExactlyOnceInOrder) {                                                     \
    ::ipcprop::properties::check_in_gtest<::ipcprop::properties::queue_props::ExactlyOnceInOrder,  \
                                          Type>(#Type);                                            \
  }                                                                                                \
  static_assert(::ipcprop::properties::QueueLike<Type>, #Type " is not QueueLike")

/// Registers the pipe suite for `Factory` (an unqualified name; Factory::make(duplex) returns two
/// connected ConnectionLike ends): tests <Factory>PipeProps.WholeInOrderThenEof and .Duplex.
#define IPCPROP_PIPE_SUITE(Factory)                                                               \
  TEST(Factory##PipeProps, WholeInOrderThenEof) {                                                 \
    ::ipcprop::properties::check_in_gtest<::ipcprop::properties::pipe_props::WholeInOrderThenEof, \
                                          Factory>(#Factory);                                     \
  }                                                                                               \
  TEST(Factory##PipeProps, Duplex) {                                                              \
    ::ipcprop::properties::check_in_gtest<::ipcprop::properties::pipe_props::Duplex, Factory>(    \
        #Factory);                                                                                \
  }                                                                                               \
  static_assert(::ipcprop::properties::PipeFactory<Factory>, #Factory " is not a PipeFactory")

/// Registers the process suite for `Type` (an unqualified name): tests
/// <Type>ProcessProps.ForkTree, .JoinOrdering and .ExitCodesAndSignals.
#define IPCPROP_PROCESS_SUITE(Type)                                                              \
  TEST(Type##ProcessProps, ForkTree) {                                                           \
    ::ipcprop::properties::check_in_gtest<::ipcprop::properties::process_props::ForkTree, Type>( \
        #Type);                                                                                  \
  }                                                                                              \
  TEST(Type##ProcessProps, JoinOrdering) {                                                       \
    ::ipcprop::properties::check_in_gtest<::ipcprop::properties::process_props::JoinOrdering,    \
                                          Type>(#Type);                                          \
  }                                                                                              \
  TEST(Type##ProcessProps, ExitCodesAndSignals) {                                                \
    ::ipcprop::properties::check_in_gtest<                                                       \
        ::ipcprop::properties::process_props::ExitCodesAndSignals, Type>(#Type);                 \
  }                                                                                              \
  static_assert(::ipcprop::properties::ProcessLike<Type>, #Type " is not ProcessLike")

/// Registers the pool suite for `Type` (an unqualified name): tests
/// <Type>PoolProps.ExactlyOnceInOrder, .NeverMoreThanNBusy, .FailuresStayContained and
/// .TerminateLeavesNothing.
#define IPCPROP_POOL_SUITE(Type)                                                                 \
  TEST(Type##PoolProps, ExactlyOnceInOrder) {                                                    \
    ::ipcprop::properties::check_in_gtest<::ipcprop::properties::pool_props::ExactlyOnceInOrder, \
                                          Type>(#Type);                                          \
  }                                                                                              \
  TEST(Type##PoolProps, NeverMoreThanNBusy) {                                                    \
    ::ipcprop::properties::check_in_gtest<::ipcprop::properties::pool_props::NeverMoreThanNBusy, \
                                          Type>(#Type);                                          \
  }                                                                                              \
  TEST(Type##PoolProps, FailuresStayContained) {                                                 \
    ::ipcprop::properties::check_in_gtest<                                                       \
        ::ipcprop::properties::pool_props::FailuresStayContained, Type>(#Type);                  \
  }                                                                                              \
  TEST(Type##PoolProps, TerminateLeavesNothing) {                                                \
    ::ipcprop::properties::check_in_gtest<                                                       \
        ::ipcprop::properties::pool_props::TerminateLeavesNothing, Type>(#Type);                 \
  }                                                                                              \
  static_assert(::ipcprop::properties::PoolLike<Type>, #Type " is not PoolLike")
