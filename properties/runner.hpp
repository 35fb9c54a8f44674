// ipcprop — properties/runner.hpp: template bodies of runner.h.
#pragma once

#include <cstdlib>
#include <sstream>

#include <rapidcheck/Check.h>
#include <rapidcheck/detail/Configuration.h>
#include <rapidcheck/detail/TestListener.h>

#include "harness/strategies/choice_seq.h"
#include "harness/strategies/exhaustive.h"
#include "harness/strategies/replay.h"
#include "primitives/codec.h"
#include "properties/report.h"

namespace ipcprop::properties {
namespace detail {

/// Hears nothing: the report is ours.
class QuietListener : public rc::detail::TestListener {
 public:
  void onTestCaseFinished(const rc::detail::CaseDescription&) override {}
  void onShrinkTried(const rc::detail::CaseDescription&, bool) override {}
  void onTestFinished(const rc::detail::TestMetadata&, const rc::detail::TestResult&) override {}
};

/// Choices are mostly 0 (no preemption); shrinking removes them or makes them smaller.
rc::Gen<std::vector<std::uint16_t>> choice_sequence(std::uint16_t max_choice);
/// RapidCheck's parameters, with max_success from `options` unless RC_PARAMS sets it.
rc::detail::TestParams test_params(const SuiteOptions& options);
/// The report for a run that could not decide (the harness failed), naming what went wrong.
PropertyResult error_result(std::string_view property, std::string_view primitive,
                            std::string_view why);
/// The report for an execution the watchdog cut (`cuts` of them in the run), and its token.
PropertyResult cut_result(std::string_view property, std::string_view primitive,
                          std::string workload_text, std::vector<std::byte> workload,
                          std::string message, harness::Outcome outcome, int cuts,
                          std::uint64_t data_seed, std::uint64_t rapidcheck_seed);
/// The report for a failure, and its token.
PropertyResult failure_result(std::string_view property, std::string_view primitive,
                              std::string workload_text, std::vector<std::byte> workload,
                              std::string invariant, harness::Outcome outcome,
                              std::uint64_t data_seed, std::uint64_t rapidcheck_seed);

/// What one execution says about a property.
struct Verdict {
  enum class Kind { Holds, Broken, Cut, Error, Diverged };
  Kind kind = Kind::Holds;
  std::string message;  ///< What broke, or why the execution says nothing.
};

/// One execution of a property and its verdict. Only a finished execution (or a deadlock or a
/// crash, which the property judges) says something about the invariant.
template <typename Property, typename Primitive>
Verdict execute(const typename Property::Workload& workload, harness::Strategy& strategy,
                const SuiteOptions& options, harness::Outcome& outcome) {
  using Kind = Verdict::Kind;
  OperationLog log;
  harness::ExecutionOptions execution = options.execution;
  // A property whose workload names an actor to kill (fault injection) says so.
  if constexpr (requires { Property::kill(workload); }) execution.kill = Property::kill(workload);
  outcome = harness::run_execution(Property::template actors<Primitive>(workload, log), strategy,
                                   execution);
  switch (outcome.kind) {
    case harness::OutcomeKind::Error:
      return {Kind::Error, "the execution could not run (" + outcome.message + ")"};
    case harness::OutcomeKind::Abandoned:
      return {Kind::Diverged, outcome.message};
    case harness::OutcomeKind::Timeout:
      return {Kind::Cut, outcome.message};
    default:
      break;
  }
  if (log.overflowed()) return {Kind::Error, "the property's operation log overflowed"};
  if (auto broken = Property::check(workload, outcome, log)) return {Kind::Broken, *broken};
  return {};
}

/// Shrinking a choice sequence is a local search and can stop at a schedule with more
/// preemptions than the bug needs. For the shrunk workload, search every schedule with fewer
/// preemptions, fewest first (bounded exhaustive search, as CHESS does), within `budget`
/// executions; returns the first failing one.
template <typename Property, typename Primitive>
std::optional<std::pair<std::string, harness::Outcome>> fewer_preemptions(
    const typename Property::Workload& workload, std::size_t preemptions,
    const SuiteOptions& options) {
  int budget = options.minimization_budget;
  for (std::uint32_t bound = 0; bound < preemptions && budget > 0; ++bound) {
    auto search = harness::make_strategy<harness::Exhaustive>(bound, 1000);
    while (budget-- > 0) {
      const std::uint64_t started = search->executions_started();
      harness::Outcome outcome;
      const Verdict verdict = execute<Property, Primitive>(workload, *search, options, outcome);
      if (search->executions_started() == started) break;  // Every schedule tried.
      if (verdict.kind == Verdict::Kind::Broken) {
        return std::make_pair(verdict.message, std::move(outcome));
      }
    }
  }
  return std::nullopt;
}

}  // namespace detail

template <typename Property, typename Primitive>
PropertyResult run_property(std::string_view primitive_name, const SuiteOptions& options) {
  if (const auto& token = detail::environment_token()) {
    if (token->property != Property::name || token->primitive != primitive_name) {
      PropertyResult skipped;
      skipped.kind = PropertyResult::Kind::Skipped;
      skipped.report = "IPCPROP_REPLAY names " + token->property + " for " + token->primitive;
      return skipped;
    }
    detail::note_environment_token_replayed();
    PropertyResult replayed = replay_property<Property, Primitive>(*token, options);
    replayed.replayed = true;
    return replayed;
  }
  using Workload = typename Property::Workload;
  using Kind = detail::Verdict::Kind;
  struct Found {
    Workload workload;
    std::string message;
    harness::Outcome outcome;
  };
  std::optional<Found> last_failure;  // The last failing case RapidCheck tried: the shrunk one.
  std::optional<Found> first_cut;     // Reported only when nothing failed.
  std::optional<std::string> error;   // Ends the run: further cases would fail the same way.
  int executions = 0;
  int cuts = 0;
  bool budget_spent = false;
  int test_cases = 0;  // Run, not counting shrinking.
  const auto start = std::chrono::steady_clock::now();
  const auto property = [&] {
    // One tuple, not two draws: a tuple shrinks each part while keeping the other, where two
    // draws would regenerate the schedule whenever the workload shrinks.
    if (!last_failure && !error && std::chrono::steady_clock::now() - start > options.time_budget) {
      budget_spent = true;
    }
    if (!last_failure && (error || budget_spent)) {
      // Ends RapidCheck's loop at once: a failure before anything is generated leaves nothing
      // to shrink, and is told apart from a real one by last_failure being empty.
      RC_FAIL("stopped");
    }
    if (!last_failure) ++test_cases;  // After the first failure, RapidCheck is shrinking.
    const auto [workload, choices] =
        *rc::gen::tuple(Property::workload(), detail::choice_sequence(options.max_choice));
    auto strategy = harness::make_strategy<harness::ChoiceSequence>(choices);
    harness::Outcome outcome;
    ++executions;
    detail::Verdict verdict =
        detail::execute<Property, Primitive>(workload, *strategy, options, outcome);
    switch (verdict.kind) {
      case Kind::Holds:
        return;
      case Kind::Broken:
        last_failure = Found{workload, verdict.message, std::move(outcome)};
        RC_FAIL(verdict.message);
      case Kind::Cut:
        // Says nothing about the invariant, so it is no failure and is not shrunk.
        ++cuts;
        if (!first_cut) first_cut = Found{workload, std::move(verdict.message), std::move(outcome)};
        return;
      case Kind::Error:
      case Kind::Diverged:
        if (!last_failure) error = std::move(verdict.message);
        return;
    }
  };
  rc::detail::TestMetadata metadata;
  metadata.id = std::string(Property::name) + "/" + std::string(primitive_name);
  metadata.description = metadata.id;
  // A quiet listener: RapidCheck's default one prints its own "RC_PARAMS=reproduce=..." line at
  // exit, which would compete with the replay token in our report.
  detail::QuietListener listener;
  const rc::detail::TestResult result = rc::detail::checkProperty(
      rc::detail::toProperty(property), metadata, detail::test_params(options), listener,
      rc::detail::configuration().reproduce);
  const std::uint64_t seed = detail::test_params(options).seed;
  if (result.template is<rc::detail::SuccessResult>() ||
      (!last_failure && (error || budget_spent))) {
    if (error) {
      PropertyResult failed = detail::error_result(Property::name, primitive_name, *error);
      failed.executions = executions;
      return failed;
    }
    if (first_cut) {
      PropertyResult cut = detail::cut_result(
          Property::name, primitive_name, Property::describe(first_cut->workload),
          codec::encode(first_cut->workload), first_cut->message, std::move(first_cut->outcome),
          cuts, 0, seed);
      cut.executions = executions;
      cut.test_cases = test_cases;
      cut.budget_spent = budget_spent;
      return cut;
    }
    PropertyResult passed;
    passed.executions = executions;
    passed.test_cases = test_cases;
    passed.budget_spent = budget_spent;
    return passed;
  }
  if (!last_failure) {
    std::ostringstream message;
    rc::detail::printResultMessage(result, message);
    PropertyResult failed = detail::error_result(Property::name, primitive_name, message.str());
    failed.executions = executions;
    return failed;
  }
  if (auto simpler = detail::fewer_preemptions<Property, Primitive>(
          last_failure->workload, count_preemptions(last_failure->outcome.decisions), options)) {
    last_failure->message = std::move(simpler->first);
    last_failure->outcome = std::move(simpler->second);
  }
  PropertyResult failed = detail::failure_result(
      Property::name, primitive_name, Property::describe(last_failure->workload),
      codec::encode(last_failure->workload), last_failure->message,
      std::move(last_failure->outcome), 0, seed);
  failed.executions = executions;
  failed.test_cases = test_cases;
  return failed;
}

template <typename Property, typename Primitive>
PropertyResult replay_property(const ReplayToken& token, const SuiteOptions& options) {
  using Workload = typename Property::Workload;
  using Kind = detail::Verdict::Kind;
  const Workload workload = codec::decode<Workload>(token.workload);
  auto strategy = harness::make_strategy<harness::Replay>(token.decisions, token.data_seed);
  harness::Outcome outcome;
  detail::Verdict verdict =
      detail::execute<Property, Primitive>(workload, *strategy, options, outcome);
  PropertyResult result;
  switch (verdict.kind) {
    case Kind::Holds:
      result.outcome = std::move(outcome);
      break;
    case Kind::Broken:
      result = detail::failure_result(token.property, token.primitive, Property::describe(workload),
                                      token.workload, verdict.message, std::move(outcome),
                                      token.data_seed, detail::test_params(options).seed);
      break;
    case Kind::Cut:
      result = detail::cut_result(token.property, token.primitive, Property::describe(workload),
                                  token.workload, verdict.message, std::move(outcome), 1,
                                  token.data_seed, detail::test_params(options).seed);
      break;
    case Kind::Error:
      result = detail::error_result(token.property, token.primitive, verdict.message);
      break;
    case Kind::Diverged:
      result = detail::error_result(token.property, token.primitive,
                                    "the replay did not follow the token (" + verdict.message +
                                        "): the primitive, the property or the program changed "
                                        "since the token was printed");
      result.kind = PropertyResult::Kind::Diverged;
      break;
  }
  result.executions = 1;
  return result;
}

}  // namespace ipcprop::properties
