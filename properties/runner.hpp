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
/// The report for a failure, and its token.
PropertyResult failure_result(std::string_view property, std::string_view primitive,
                              std::string workload_text, std::vector<std::byte> workload,
                              std::string invariant, harness::Outcome outcome,
                              std::uint64_t data_seed, std::uint64_t rapidcheck_seed);

/// One execution of a property and its verdict: nullopt when the invariant holds.
template <typename Property, typename Primitive>
std::optional<std::string> execute(const typename Property::Workload& workload,
                                   harness::Strategy& strategy, const SuiteOptions& options,
                                   harness::Outcome& outcome) {
  OperationLog log;
  outcome = harness::run_execution(Property::template actors<Primitive>(workload, log), strategy,
                                   options.execution);
  if (outcome.kind == harness::OutcomeKind::Error ||
      outcome.kind == harness::OutcomeKind::Abandoned) {
    return "the harness could not run the execution: " + outcome.message;
  }
  if (log.overflowed()) return std::string("the property's operation log overflowed");
  return Property::check(workload, outcome, log);
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
      const auto broken = execute<Property, Primitive>(workload, *search, options, outcome);
      if (search->executions_started() == started) break;  // Every schedule tried.
      if (broken && outcome.kind != harness::OutcomeKind::Abandoned) {
        return std::make_pair(*broken, std::move(outcome));
      }
    }
  }
  return std::nullopt;
}

}  // namespace detail

template <typename Property, typename Primitive>
PropertyResult run_property(std::string_view primitive_name, const SuiteOptions& options) {
  using Workload = typename Property::Workload;
  struct Failure {
    Workload workload;
    std::string invariant;
    harness::Outcome outcome;
  };
  std::optional<Failure> last_failure;  // The last failing case RapidCheck tried: the shrunk one.
  int executions = 0;
  const auto start = std::chrono::steady_clock::now();
  const auto property = [&] {
    // One tuple, not two draws: a tuple shrinks each part while keeping the other, where two
    // draws would regenerate the schedule whenever the workload shrinks.
    const auto [workload, choices] =
        *rc::gen::tuple(Property::workload(), detail::choice_sequence(options.max_choice));
    if (!last_failure && std::chrono::steady_clock::now() - start > options.time_budget) {
      RC_SUCCEED("time budget spent");
    }
    auto strategy = harness::make_strategy<harness::ChoiceSequence>(choices);
    harness::Outcome outcome;
    ++executions;
    if (auto broken = detail::execute<Property, Primitive>(workload, *strategy, options, outcome)) {
      last_failure = Failure{workload, *broken, std::move(outcome)};
      RC_FAIL(*broken);
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
  if (result.template is<rc::detail::SuccessResult>()) {
    PropertyResult passed;
    passed.executions = executions;
    return passed;
  }
  if (!last_failure) {
    std::ostringstream message;
    rc::detail::printResultMessage(result, message);
    PropertyResult failed;
    failed.kind = PropertyResult::Kind::Failed;
    failed.report = message.str();
    return failed;
  }
  if (auto simpler = detail::fewer_preemptions<Property, Primitive>(
          last_failure->workload, count_preemptions(last_failure->outcome.decisions), options)) {
    last_failure->invariant = std::move(simpler->first);
    last_failure->outcome = std::move(simpler->second);
  }
  PropertyResult failed = detail::failure_result(
      Property::name, primitive_name, Property::describe(last_failure->workload),
      codec::encode(last_failure->workload), last_failure->invariant,
      std::move(last_failure->outcome), 0, detail::test_params(options).seed);
  failed.executions = executions;
  return failed;
}

template <typename Property, typename Primitive>
PropertyResult replay_property(const ReplayToken& token, const SuiteOptions& options) {
  using Workload = typename Property::Workload;
  const Workload workload = codec::decode<Workload>(token.workload);
  auto strategy = harness::make_strategy<harness::Replay>(token.decisions, token.data_seed);
  harness::Outcome outcome;
  const auto broken = detail::execute<Property, Primitive>(workload, *strategy, options, outcome);
  if (!broken) {
    PropertyResult passed;
    passed.outcome = std::move(outcome);
    passed.executions = 1;
    return passed;
  }
  PropertyResult failed = detail::failure_result(
      token.property, token.primitive, Property::describe(workload), token.workload, *broken,
      std::move(outcome), token.data_seed, detail::test_params(options).seed);
  failed.executions = 1;
  return failed;
}

}  // namespace ipcprop::properties
