// ipcprop — tests/harness/program_model.h
//
// Synthetic programs that drive a Strategy without processes, for the strategy tests.
//
//   canonical_candidates  the candidate list a controlled execution would build
//   StepProgram           `actors` actors of `steps` steps each; one decision before every step
//   AlwaysEnabled         `actors` actors that never block or exit, for exactly `decisions`
//   decisions SimulatedRun                   what one simulated execution did
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness/strategy.h"

namespace ipcprop::harness::testing {

/// The canonical order of strategy.h: `current` first if it is enabled, then the other enabled
/// actors by ascending id. `enabled[a]` says whether actor a may run.
inline std::vector<ActorId> canonical_candidates(const std::vector<bool>& enabled,
                                                 std::optional<ActorId> current) {
  std::vector<ActorId> candidates;
  const bool current_enabled = current && enabled[*current];
  if (current_enabled) candidates.push_back(*current);
  for (std::size_t a = 0; a < enabled.size(); ++a) {
    if (enabled[a] && !(current_enabled && a == *current)) {
      candidates.push_back(static_cast<ActorId>(a));
    }
  }
  return candidates;
}

/// One simulated execution: the decisions made, and whether the strategy abandoned it.
struct SimulatedRun {
  std::vector<Decision> decisions;
  bool abandoned = false;

  /// The actors in the order they ran, one character per step: "0011".
  std::string trace() const {
    std::string out;
    for (const Decision& d : decisions) out += static_cast<char>('0' + d.chosen);
    return out;
  }
  std::size_t preemptions() const {
    std::size_t count = 0;
    for (const Decision& d : decisions) count += d.preemption() ? 1 : 0;
    return count;
  }
};

/// Makes one decision: builds the context, asks the strategy, records the Decision. Returns
/// false if the strategy abandoned the execution.
inline bool decide(Strategy& strategy, const std::vector<bool>& enabled,
                   std::optional<ActorId> current, SimulatedRun& run) {
  const std::vector<ActorId> candidates = canonical_candidates(enabled, current);
  const bool current_enabled = current && enabled[*current];
  const PickContext ctx{candidates, current_enabled,
                        static_cast<std::uint32_t>(run.decisions.size())};
  const std::optional<std::size_t> choice = strategy.pick(ctx);
  if (!choice) {
    run.abandoned = true;
    return false;
  }
  run.decisions.push_back(Decision{static_cast<std::uint16_t>(*choice),
                                   static_cast<std::uint16_t>(candidates.size()),
                                   candidates.at(*choice), current_enabled});
  return true;
}

/// `actors` actors, each running `steps` atomic steps, with a decision before every step: the
/// chosen actor runs one step. An actor is a candidate while it has steps left; it exits after
/// its last one. The first decision has no running actor (current_enabled false). So a run makes
/// actors × steps decisions, and a schedule is an interleaving of the actors' steps.
struct StepProgram {
  std::size_t actors = 2;
  std::size_t steps = 2;

  /// Runs one execution between begin_execution() and end_execution() (the caller begins it).
  SimulatedRun run(Strategy& strategy) const {
    std::vector<std::size_t> left(actors, steps);
    std::optional<ActorId> current;
    SimulatedRun run;
    for (std::size_t step = 0; step < actors * steps; ++step) {
      std::vector<bool> enabled(actors);
      for (std::size_t a = 0; a < actors; ++a) enabled[a] = left[a] > 0;
      if (!decide(strategy, enabled, current, run)) break;
      current = run.decisions.back().chosen;
      --left[*current];
    }
    strategy.end_execution(run.decisions);
    return run;
  }

  /// Runs executions until begin_execution() is false (or `limit` of them), in order.
  std::vector<SimulatedRun> explore(Strategy& strategy, std::size_t limit = 100000) const {
    std::vector<SimulatedRun> runs;
    while (runs.size() < limit && strategy.begin_execution()) {
      strategy.next_random();
      runs.push_back(run(strategy));
    }
    return runs;
  }
};

/// `actors` actors that are always enabled; an execution is exactly `decisions` decisions.
struct AlwaysEnabled {
  std::size_t actors = 3;
  std::size_t decisions = 64;

  /// Runs one execution between begin_execution() and end_execution() (the caller begins it).
  SimulatedRun run(Strategy& strategy) const {
    const std::vector<bool> enabled(actors, true);
    std::optional<ActorId> current;
    SimulatedRun run;
    for (std::size_t i = 0; i < decisions; ++i) {
      if (!decide(strategy, enabled, current, run)) break;
      current = run.decisions.back().chosen;
    }
    strategy.end_execution(run.decisions);
    return run;
  }

  /// The number of times the running actor changed.
  static std::size_t switches(const SimulatedRun& run) {
    std::size_t count = 0;
    for (std::size_t i = 1; i < run.decisions.size(); ++i) {
      count += run.decisions[i].chosen != run.decisions[i - 1].chosen ? 1 : 0;
    }
    return count;
  }
};

/// The traces of `executions` successive executions of `strategy` on `program`.
template <typename Program>
std::vector<std::string> traces(Strategy& strategy, const Program& program, int executions) {
  std::vector<std::string> out;
  for (int i = 0; i < executions; ++i) {
    EXPECT_TRUE(strategy.begin_execution());
    out.push_back(program.run(strategy).trace());
  }
  return out;
}

}  // namespace ipcprop::harness::testing
