#include "harness/strategies/choice_seq.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "primitives/errors.h"

namespace ipcprop::harness {

ChoiceSequence::ChoiceSequence(std::span<const std::uint16_t> choices, std::uint64_t data_seed)
    : size_(choices.size()), data_seed_(data_seed) {
  if (choices.size() > kCapacity) {
    throw UsageError(
        fmt::format("ChoiceSequence holds at most {} choices; got {}", kCapacity, choices.size()));
  }
  std::copy(choices.begin(), choices.end(), choices_.begin());
}

std::size_t ChoiceSequence::map_choice(std::uint16_t choice, std::size_t candidates,
                                       bool current_enabled) noexcept {
  if (choice < candidates) return choice;
  if (!current_enabled) return choice % candidates;
  if (candidates == 1) return 0;
  return 1 + (choice - 1) % (candidates - 1);
}

bool ChoiceSequence::begin_execution() {
  if (begun_) return false;
  begun_ = true;
  return true;
}

std::optional<std::size_t> ChoiceSequence::pick(const PickContext& ctx) {
  const std::uint16_t choice = ctx.step < size_ ? choices_[ctx.step] : 0;
  return map_choice(choice, ctx.candidates.size(), ctx.current_enabled);
}

std::string ChoiceSequence::describe() const {
  constexpr std::size_t kShown = 32;  // Keeps the description to one readable line.
  const std::size_t shown = std::min(size_, kShown);
  return fmt::format("choices([{}{}], data_seed={})",
                     fmt::join(choices_.begin(), choices_.begin() + shown, ", "),
                     size_ > shown ? fmt::format(", ... ({} in all)", size_) : "", data_seed_);
}

}  // namespace ipcprop::harness
