// ipcprop — harness/strategies/choice_seq.h
//
// ChoiceSequence: runs one execution whose schedule is a given list of small integers, one per
// decision. This is the strategy RapidCheck drives: it generates the list and shrinks it towards
// shorter lists of smaller numbers, which mean fewer context switches.
//
// The mapping from choice c to a candidate index, with n candidates:
//
//   c < n                  candidate c (so 0 is always "no preemption")
//   c >= n, running actor  candidate 1 + (c - 1) % (n - 1); candidate 0 if n == 1
//     may continue         (a non-zero choice preempts whenever it can)
//   c >= n, otherwise      candidate c % n
//
// Every candidate is reachable, and a smaller choice is never a "bigger" schedule change. Once
// the list is used up every choice is 0: the rest of the run has no preemptions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "harness/strategy.h"

namespace ipcprop::harness {

/// Runs one execution following a list of choices (see the file comment). begin_execution() is
/// true once, then false; next_random() returns the data seed given here.
class ChoiceSequence final : public Strategy {
 public:
  /// The most choices one list may hold.
  static constexpr std::size_t kCapacity = 4096;

  /// Copies `choices`; throws UsageError if there are more than kCapacity.
  explicit ChoiceSequence(std::span<const std::uint16_t> choices, std::uint64_t data_seed = 0);

  /// The candidate index that choice `choice` selects (see the file comment).
  static std::size_t map_choice(std::uint16_t choice, std::size_t candidates,
                                bool current_enabled) noexcept;

  bool begin_execution() override;
  std::optional<std::size_t> pick(const PickContext& ctx) override;
  std::uint64_t next_random() override { return data_seed_; }
  std::string describe() const override;

 private:
  std::array<std::uint16_t, kCapacity> choices_{};
  std::size_t size_ = 0;
  std::uint64_t data_seed_ = 0;
  bool begun_ = false;
};

}  // namespace ipcprop::harness
