// The process suite must catch a join that returns before the child has exited.
#include <functional>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "primitives/process.h"
#include "properties/process_suite.h"
#include "properties/runner.h"
#include "tests/properties/exact_replay.h"

namespace ipcprop::properties {
namespace {

/// join() only checks once whether the child is done (a poll mistaken for a wait).
class EarlyJoinProcess {
 public:
  explicit EarlyJoinProcess(std::function<int()> target) : inner_(std::move(target)) {}
  void start() { inner_.start(); }
  void join() { static_cast<void>(inner_.join(std::chrono::nanoseconds(0))); }
  std::optional<int> exitcode() { return inner_.exitcode(); }
  void terminate() { inner_.terminate(); }
  void kill() { inner_.kill(); }

 private:
  Process inner_;
};

TEST(ProcessMutants, JoinReturningBeforeExitIsCaughtShrunkAndReplayed) {
  const PropertyResult result =
      run_property<process_props::JoinOrdering, EarlyJoinProcess>("EarlyJoinProcess");
  IPCPROP_SKIP_IF_REPLAYING_ANOTHER(result);
  ASSERT_EQ(result.kind, PropertyResult::Kind::Failed);
  EXPECT_TRUE(result.report.find("join ordering") != std::string::npos ||
              result.report.find("exit code") != std::string::npos)
      << result.report;
  expect_exact_replay<process_props::JoinOrdering, EarlyJoinProcess>(result);
}

/// exitcode() reports a death by a signal as exit code 0.
class SignalAsZeroProcess {
 public:
  explicit SignalAsZeroProcess(std::function<int()> target) : inner_(std::move(target)) {}
  void start() { inner_.start(); }
  void join() { inner_.join(); }
  std::optional<int> exitcode() {
    const std::optional<int> code = inner_.exitcode();
    return code && *code < 0 ? std::optional<int>(0) : code;
  }
  void terminate() { inner_.terminate(); }
  void kill() { inner_.kill(); }

 private:
  Process inner_;
};

TEST(ProcessMutants, ExitCodeHidingASignalIsCaughtAndItsTerminateReplaysExactly) {
  // The execution terminates a child: the child's death must come at the same step in every
  // replay, not whenever the kernel finished it (the join that follows once found it sometimes
  // dead, sometimes alive).
  const PropertyResult result =
      run_property<process_props::ExitCodesAndSignals, SignalAsZeroProcess>("SignalAsZeroProcess");
  IPCPROP_SKIP_IF_REPLAYING_ANOTHER(result);
  ASSERT_EQ(result.kind, PropertyResult::Kind::Failed);
  EXPECT_NE(result.report.find("sends signal"), std::string::npos) << result.report;
  expect_exact_replay<process_props::ExitCodesAndSignals, SignalAsZeroProcess>(result);
}

}  // namespace
}  // namespace ipcprop::properties
