#include "harness/strategies/exhaustive.h"

#include <algorithm>

#include <fmt/format.h>

#include "primitives/errors.h"

namespace ipcprop::harness {

Exhaustive::Exhaustive(std::uint32_t max_preemptions, std::uint32_t max_steps)
    : max_preemptions_(max_preemptions), max_steps_(max_steps) {
  if (max_steps < 1 || max_steps > kCapacity) {
    throw UsageError(
        fmt::format("Exhaustive max_steps must be between 1 and {}; got {}", kCapacity, max_steps));
  }
}

bool Exhaustive::begin_execution() {
  if (!ended_) {
    throw UsageError(fmt::format("Exhaustive: execution {} was not ended with end_execution()",
                                 executions_started_));
  }
  if (done_) return false;
  abandon_ = Abandon::kNone;
  if (executions_started_ == 0) {
    prefix_size_ = 0;
  } else {
    // Walk back from the deepest decision, last_[i - 1]; `preemptions` ends up counting the
    // preemptions before it.
    std::uint32_t preemptions =
        static_cast<std::uint32_t>(std::count_if(last_.begin(), last_.begin() + last_size_,
                                                 [](const Decision& d) { return d.preemption(); }));
    std::size_t i = last_size_;
    for (; i > 0; --i) {
      const Decision& d = last_[i - 1];
      if (d.preemption()) --preemptions;
      const bool fits = preemptions + (d.current_enabled ? 1 : 0) <= max_preemptions_;
      if (d.choice + 1 < d.candidates && fits) break;
    }
    if (i == 0) {
      done_ = true;
      return false;
    }
    for (std::size_t j = 0; j + 1 < i; ++j) prefix_[j] = last_[j].choice;
    prefix_[i - 1] = static_cast<std::uint16_t>(last_[i - 1].choice + 1);
    prefix_size_ = i;
  }
  ++executions_started_;
  ended_ = false;
  return true;
}

std::optional<std::size_t> Exhaustive::pick(const PickContext& ctx) {
  if (ctx.step >= max_steps_) {
    abandon_ = Abandon::kTooLong;
    abandon_step_ = ctx.step;
    return std::nullopt;
  }
  if (ctx.step >= prefix_size_) return 0;
  const std::uint16_t choice = prefix_[ctx.step];
  if (choice >= ctx.candidates.size()) {
    abandon_ = Abandon::kNondeterministic;
    abandon_step_ = ctx.step;
    abandon_candidates_ = ctx.candidates.size();
    return std::nullopt;
  }
  return choice;
}

void Exhaustive::end_execution(std::span<const Decision> decisions) {
  last_size_ = std::min<std::size_t>(decisions.size(), max_steps_);
  std::copy_n(decisions.begin(), last_size_, last_.begin());
  ended_ = true;
}

std::string Exhaustive::abandon_reason() const {
  switch (abandon_) {
    case Abandon::kTooLong:
      return fmt::format("exhaustive search: the execution went past max_steps={} decisions",
                         max_steps_);
    case Abandon::kNondeterministic:
      return fmt::format(
          "exhaustive search: at step {} the schedule prefix takes choice {} but only {} "
          "candidates are enabled; the program is not deterministic given its schedule",
          abandon_step_, prefix_[abandon_step_], abandon_candidates_);
    case Abandon::kNone:
      break;
  }
  return "exhaustive search did not abandon the execution";
}

std::string Exhaustive::describe() const {
  return fmt::format("exhaustive(max_preemptions={}, max_steps={})", max_preemptions_, max_steps_);
}

}  // namespace ipcprop::harness
