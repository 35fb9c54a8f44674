#include "harness/execution.h"

#include <fmt/format.h>

#include "harness/controlled/controlled_execution.h"
#include "harness/detail/split_mix.h"
#include "harness/stress/stress_execution.h"
#include "primitives/errors.h"

namespace ipcprop::harness {
ActorContext::ActorContext(ActorId id, std::uint64_t data_seed) noexcept
    : id_(id), generator_(detail::derive_seed(data_seed, id)) {}

std::uint64_t ActorContext::random() noexcept {
  return generator_.next();
}

std::string_view to_string(OutcomeKind kind) noexcept {
  switch (kind) {
    case OutcomeKind::Passed:
      return "passed";
    case OutcomeKind::Deadlock:
      return "deadlock";
    case OutcomeKind::Crash:
      return "crash";
    case OutcomeKind::Timeout:
      return "timeout";
    case OutcomeKind::Abandoned:
      return "abandoned";
    case OutcomeKind::Error:
      return "error";
  }
  return "?";
}

const std::vector<ActorProgram>& detail::actors_checked(const std::vector<ActorProgram>& programs) {
  if (programs.empty()) throw UsageError("run_execution: no actor programs");
  if (programs.size() > detail::kMaxActorsPerExecution) {
    throw UsageError(fmt::format("run_execution: {} actor programs, at most {}", programs.size(),
                                 detail::kMaxActorsPerExecution));
  }
  return programs;
}

Outcome run_execution(std::span<const ActorProgram> programs, Strategy& strategy,
                      const ExecutionOptions& options) {
  const std::vector<ActorProgram> copied(programs.begin(), programs.end());
  detail::actors_checked(copied);
  return run_execution([&] { return copied; }, strategy, options);
}

Outcome run_execution(const ActorFactory& make_actors, Strategy& strategy,
                      const ExecutionOptions& options) {
  if (!strategy.begin_execution()) {
    Outcome outcome;
    outcome.kind = OutcomeKind::Abandoned;
    outcome.message = "abandoned: " + strategy.describe() + " has no more executions to run";
    return outcome;
  }
  const std::uint64_t data_seed = strategy.next_random();
  Outcome outcome;
  try {
    outcome = options.mode == Mode::Controlled
                  ? detail::run_controlled(make_actors, strategy, options, data_seed)
                  : detail::run_stress(make_actors, options, data_seed);
  } catch (const SystemError& error) {
    outcome.kind = OutcomeKind::Error;
    outcome.message = std::string("harness error: ") + error.what();
  }
  strategy.end_execution(outcome.decisions);
  return outcome;
}

}  // namespace ipcprop::harness
