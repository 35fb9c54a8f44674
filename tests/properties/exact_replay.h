// ipcprop — tests/properties/exact_replay.h
//
// The mutant tests' common last step: a failure's token must replay to the identical history,
// 20 times out of 20.
#pragma once

#include <gtest/gtest.h>

#include "properties/gtest.h"
#include "properties/runner.h"

/// Skips the test (and ends the current function) when IPCPROP_REPLAY names another property
/// than the one that gave `result`: the mutant tests replay a token like the suites do.
#define IPCPROP_SKIP_IF_REPLAYING_ANOTHER(result)                            \
  if ((result).kind == ::ipcprop::properties::PropertyResult::Kind::Skipped) \
  GTEST_SKIP() << (result).report

namespace ipcprop::properties {

template <typename Property, typename Primitive>
void expect_exact_replay(const PropertyResult& failure) {
  const ReplayToken token = decode_token(failure.token);
  for (int run = 0; run < 20; ++run) {
    const PropertyResult again = replay_property<Property, Primitive>(token);
    ASSERT_FALSE(again.passed()) << "the replay did not fail again";
    ASSERT_EQ(again.outcome.history.hash(), failure.outcome.history.hash())
        << "run " << run << "\n"
        << failure.report << "\nfirst:\n"
        << failure.outcome.history.to_text() << "\nreplay:\n"
        << again.outcome.history.to_text();
  }
}

}  // namespace ipcprop::properties
