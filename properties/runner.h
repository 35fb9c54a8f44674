// ipcprop — properties/runner.h
//
// Runs one property of a suite against one primitive type, as a RapidCheck property whose input
// is (workload, schedule): RapidCheck generates both and, on failure, shrinks both — fewer and
// smaller operations, fewer and smaller scheduling choices (choice 0 = no preemption).
//
//   SuiteOptions          budgets: test cases, wall-clock time, execution options
//   PropertyResult        passed / failed (with the report and token) / skipped
//   run_property<P, T>()  one property against primitive type T
//   replay_property<P, T>(token)  the exact execution a token names, checked again
//
// A property P is a type with:
//   static constexpr std::string_view name;            e.g. "LockProps.MutualExclusion"
//   using Workload = ...;                              codec-encodable, printable by describe()
//   static rc::Gen<Workload> workload();
//   template <class T> static harness::ActorFactory actors(const Workload&, OperationLog&);
//   static std::optional<std::string> check(const Workload&, const harness::Outcome&,
//                                           const OperationLog&);   nullopt = holds
//   static std::string describe(const Workload&);
//
// RapidCheck's own parameters apply (RC_PARAMS: seed, max_success, max_size, reproduce);
// max_success defaults to SuiteOptions::test_cases and seed to SuiteOptions::seed when RC_PARAMS
// does not set them. When the
// environment variable IPCPROP_REPLAY holds a token for this property and primitive, the run
// is that one replay instead; for any other property it is skipped.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidcheck.h>

#include "harness/execution.h"
#include "properties/operation_log.h"
#include "properties/token.h"

namespace ipcprop::properties {

struct SuiteOptions {
  /// RapidCheck test cases (executions before shrinking) unless RC_PARAMS sets max_success.
  int test_cases = 30;
  /// After this much wall-clock time no further test case runs (PropertyResult::budget_spent
  /// says so): a budget for ctest. Shrinking a failure found in time is never cut short.
  std::chrono::milliseconds time_budget{20'000};
  /// RapidCheck's seed unless RC_PARAMS sets one: fixed, so that ctest runs are repeatable.
  std::uint64_t seed = 20261125;
  /// After shrinking, executions spent looking for a schedule with fewer preemptions.
  int minimization_budget = 300;
  /// The largest scheduling choice generated (ChoiceSequence; 0 = no preemption).
  std::uint16_t max_choice = 3;
  /// Executions get a short watchdog: a property's actors are small, and a hang that is not a
  /// deadlock (an actor blocked outside the hooks) should cost seconds, not minutes, to shrink.
  harness::ExecutionOptions execution{.watchdog_limit = std::chrono::milliseconds(2000)};
};

/// Only Failed says that an invariant broke. Error, Cut and Diverged say that the property could
/// not be decided: they are never shrunk, and `ipcprop` exits with status 3 for them.
struct PropertyResult {
  enum class Kind {
    Passed,
    Failed,    ///< An invariant broke: the report shows the shrunk counterexample.
    Skipped,   ///< IPCPROP_REPLAY names another property (the report says which).
    Error,     ///< The harness could not run an execution (fork, shared memory, a capacity).
    Cut,       ///< The watchdog stopped an execution: an actor spun or blocked outside the hooks.
    Diverged,  ///< A replay did not follow its token (the primitive or the program changed).
  };
  Kind kind = Kind::Passed;
  /// For every kind but Passed: the whole report (Skipped: why). Failed and Cut end with
  /// "ipcprop replay <token>".
  std::string report;
  std::string token;
  /// For Failed: the shrunk counterexample's execution; for Cut, the execution cut.
  harness::Outcome outcome;
  std::vector<std::byte> workload;  ///< Encoded with codec.h.
  int executions = 0;               ///< Executions run, shrinking included.
  int test_cases = 0;               ///< Test cases run (RapidCheck's cases, not shrinks).
  /// SuiteOptions::time_budget ran out before every test case ran: the rest passed unrun.
  bool budget_spent = false;
  /// This run was the replay of IPCPROP_REPLAY's token.
  bool replayed = false;

  bool passed() const noexcept { return kind == Kind::Passed; }
};

/// The token in IPCPROP_REPLAY, if any. Throws TokenError if it is malformed.
std::optional<ReplayToken> replay_token_from_environment();

/// Whether some run_property() call of this process replayed IPCPROP_REPLAY's token: a test
/// binary that never did was given a token of another binary, or a filter that left it out.
bool environment_token_replayed() noexcept;

namespace detail {
/// IPCPROP_REPLAY, decoded once per process. Throws TokenError (every call) if malformed.
const std::optional<ReplayToken>& environment_token();
void note_environment_token_replayed() noexcept;
}  // namespace detail

template <typename Property, typename Primitive>
PropertyResult run_property(std::string_view primitive_name, const SuiteOptions& options = {});

template <typename Property, typename Primitive>
PropertyResult replay_property(const ReplayToken& token, const SuiteOptions& options = {});

}  // namespace ipcprop::properties

#include "properties/runner.hpp"
