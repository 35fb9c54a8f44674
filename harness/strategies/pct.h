// ipcprop — harness/strategies/pct.h
//
// Pct: probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi and Nagarakatte, "A
// Randomized Scheduler with Probabilistic Guarantees of Finding Bugs", ASPLOS 2010). Each actor
// gets a random priority; the highest-priority candidate always runs; at d−1 random steps the
// actor about to run is demoted below everyone. A bug that needs d ordering constraints is found
// in one execution with probability at least 1/(n·k^(d−1)), n actors and k steps.
//
// Where this differs from the paper:
//   * A step is a decision at a sync point, not an instruction.
//   * Actors appear during the run: an actor gets its priority when first seen as a candidate,
//     at a uniformly random rank among the actors seen so far. Inserting at a uniform rank
//     builds a uniform random permutation, so the initial order is distributed as in the paper.
//   * k is not known in advance. The estimate is the largest number of decisions made by an
//     earlier execution of this object, or kDefaultSteps before any has ended; it is raised to
//     d−1 if smaller, so that the d−1 change points, drawn uniformly from [1, k], are distinct.
//   * Ids must be below kMaxActors (the harness runs at most 64 actors); a larger id abandons
//     the execution.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "harness/detail/split_mix.h"
#include "harness/strategy.h"

namespace ipcprop::harness {

/// PCT with depth d (see the file comment). begin_execution() is always true; the k-th execution
/// of one object draws priorities and change points from a stream derived from (seed, k).
class Pct final : public Strategy {
 public:
  static constexpr std::size_t kMaxActors = 64;
  static constexpr std::size_t kMaxDepth = 64;
  /// The step estimate k before any execution has ended.
  static constexpr std::uint32_t kDefaultSteps = 64;

  /// depth d ≥ 1: d − 1 priority changes per execution (d = 1: plain priority scheduling).
  /// Throws UsageError unless 1 ≤ depth ≤ kMaxDepth.
  Pct(std::uint64_t seed, std::size_t depth);

  bool begin_execution() override;
  std::optional<std::size_t> pick(const PickContext& ctx) override;
  std::uint64_t next_random() override { return data_seed_; }
  /// Raises the step estimate to the number of decisions this execution made, if larger.
  void end_execution(std::span<const Decision> decisions) override;
  std::string abandon_reason() const override;
  std::string describe() const override;

  /// The k used for the current execution's change points.
  std::uint32_t step_estimate() const noexcept { return step_estimate_; }
  /// How many priority changes the current execution has made so far (at most d − 1).
  std::uint32_t priority_changes() const noexcept { return priority_changes_; }

 private:
  /// Gives `actor` a random rank among the actors seen so far.
  void rank_new_actor(ActorId actor);
  /// Larger is more urgent: lowered actors have their change point's index (1..d−1), the rest
  /// rank above every lowered actor.
  std::size_t priority(ActorId actor) const noexcept;
  std::size_t best_candidate(const PickContext& ctx) const noexcept;

  std::uint64_t seed_;
  std::size_t depth_;
  std::uint64_t executions_ = 0;
  std::uint32_t max_steps_seen_ = 0;  ///< 0 until an execution has ended.
  std::uint32_t step_estimate_ = kDefaultSteps;
  std::uint64_t data_seed_ = 0;
  detail::SplitMix64 rng_;  ///< The current execution's stream, for ranking new actors.

  /// change_points_[i − 1] is k_i: at the decision numbered k_i (from 1), demote to priority i.
  /// Distinct, in [1, step_estimate_].
  std::array<std::uint32_t, kMaxDepth - 1> change_points_{};
  /// ranking_[0..ranked_) are the actors seen this execution, highest initial priority first.
  std::array<ActorId, kMaxActors> ranking_{};
  std::size_t ranked_ = 0;
  /// Per actor id: its index in ranking_, or kMaxActors if not seen yet this execution.
  std::array<std::uint8_t, kMaxActors> rank_of_{};
  /// Per actor id: the change point index i it was demoted to, or 0 if never demoted.
  std::array<std::uint8_t, kMaxActors> lowered_to_{};
  std::uint32_t priority_changes_ = 0;
  ActorId bad_actor_ = 0;  ///< The out-of-range id that abandoned the execution.
};

}  // namespace ipcprop::harness
