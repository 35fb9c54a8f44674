// ipcprop — harness/strategies/random.h
//
// RandomWalk: at every decision, a uniformly random enabled actor (Shuttle's RandomScheduler).
// Cheap and surprisingly good at shallow bugs; PCT (pct.h) does better on bugs that need a few
// well-placed preemptions in a long run.
#pragma once

#include <cstdint>
#include <string>

#include "harness/detail/split_mix.h"
#include "harness/strategy.h"

namespace ipcprop::harness {

/// Picks uniformly among the candidates at every decision, for ever (begin_execution() is always
/// true: the caller bounds the number of runs). The k-th execution of one object draws from a
/// stream derived from (seed, k), so one seed replays the same sequence of executions and
/// successive executions differ. Its state is a few words; construct it with make_strategy.
class RandomWalk final : public Strategy {
 public:
  explicit RandomWalk(std::uint64_t seed) noexcept : seed_(seed) {}

  bool begin_execution() override;
  std::optional<std::size_t> pick(const PickContext& ctx) override;
  std::uint64_t next_random() override { return data_seed_; }
  std::string describe() const override;

  /// How many executions have begun.
  std::uint64_t executions_started() const noexcept { return executions_; }

 private:
  std::uint64_t seed_;
  std::uint64_t executions_ = 0;
  std::uint64_t data_seed_ = 0;  ///< The current execution's data seed.
  detail::SplitMix64 rng_;       ///< The current execution's schedule stream.
};

}  // namespace ipcprop::harness
