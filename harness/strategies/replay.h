// ipcprop — harness/strategies/replay.h
//
// Replay: re-runs one recorded execution decision by decision, and checks at every step that
// the program is where the recording says it was (Shuttle's ReplayScheduler). Any difference —
// another number of candidates, another running actor, more decisions than recorded — abandons
// the execution with a message naming the step, instead of silently exploring a new schedule.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "harness/strategy.h"

namespace ipcprop::harness {

/// Replays recorded decisions exactly, once: begin_execution() is true once, then false, and
/// next_random() returns the recorded data seed. Assumes the program is deterministic given its
/// schedule and data; a divergence means it is not (or the recording is from another program).
class Replay final : public Strategy {
 public:
  /// The most decisions one recording may hold.
  static constexpr std::size_t kCapacity = 8192;

  /// Copies `decisions`; throws UsageError if there are more than kCapacity.
  Replay(std::span<const Decision> decisions, std::uint64_t data_seed);

  bool begin_execution() override;
  /// Returns the recorded choice at ctx.step, or nullopt if the context does not match the
  /// record (then abandon_reason() describes the divergence).
  std::optional<std::size_t> pick(const PickContext& ctx) override;
  std::uint64_t next_random() override { return data_seed_; }
  /// Notes whether the execution made exactly the recorded decisions (see matched()).
  void end_execution(std::span<const Decision> decisions) override;
  std::string abandon_reason() const override;
  std::string describe() const override;

  /// True iff the finished execution made exactly the recorded decisions, no more, no fewer.
  bool matched() const noexcept { return matched_; }

 private:
  /// Remembers what pick() found at a divergence, for abandon_reason().
  void note_divergence(const PickContext& ctx);

  std::array<Decision, kCapacity> recorded_{};
  std::size_t size_ = 0;
  std::uint64_t data_seed_ = 0;
  bool begun_ = false;
  bool matched_ = false;

  // The divergence, if any: the step and the candidates found there (the first kMaxShown).
  static constexpr std::size_t kMaxShown = 64;
  bool diverged_ = false;
  std::uint32_t divergence_step_ = 0;
  bool found_current_enabled_ = false;
  std::size_t found_count_ = 0;
  std::array<ActorId, kMaxShown> found_{};
};

}  // namespace ipcprop::harness
