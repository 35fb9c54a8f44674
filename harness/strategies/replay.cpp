#include "harness/strategies/replay.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "primitives/errors.h"

namespace ipcprop::harness {
namespace {

// Said only when the recording and the run differ on it, to keep the usual message short.
const char* running_note(bool current_enabled, bool differs) {
  if (!differs) return "";
  return current_enabled ? " (the running actor may continue)" : " (the running actor may not)";
}

}  // namespace

Replay::Replay(std::span<const Decision> decisions, std::uint64_t data_seed)
    : size_(decisions.size()), data_seed_(data_seed) {
  if (decisions.size() > kCapacity) {
    throw UsageError(
        fmt::format("Replay holds at most {} decisions; got {}", kCapacity, decisions.size()));
  }
  std::copy(decisions.begin(), decisions.end(), recorded_.begin());
}

bool Replay::begin_execution() {
  if (begun_) return false;
  begun_ = true;
  return true;
}

std::optional<std::size_t> Replay::pick(const PickContext& ctx) {
  if (ctx.step >= size_) {
    note_divergence(ctx);
    return std::nullopt;
  }
  const Decision& record = recorded_[ctx.step];
  if (ctx.candidates.size() != record.candidates || ctx.current_enabled != record.current_enabled ||
      record.choice >= ctx.candidates.size() || ctx.candidates[record.choice] != record.chosen) {
    note_divergence(ctx);
    return std::nullopt;
  }
  return record.choice;
}

void Replay::end_execution(std::span<const Decision> decisions) {
  matched_ = !diverged_ && std::equal(decisions.begin(), decisions.end(), recorded_.begin(),
                                      recorded_.begin() + size_);
}

void Replay::note_divergence(const PickContext& ctx) {
  diverged_ = true;
  divergence_step_ = ctx.step;
  found_current_enabled_ = ctx.current_enabled;
  found_count_ = ctx.candidates.size();
  std::copy_n(ctx.candidates.begin(), std::min(found_count_, kMaxShown), found_.begin());
}

std::string Replay::abandon_reason() const {
  if (!diverged_) return "replay did not diverge";
  const bool past_end = divergence_step_ >= size_;
  const bool enabled_differs =
      !past_end && recorded_[divergence_step_].current_enabled != found_current_enabled_;
  const std::size_t shown = std::min(found_count_, kMaxShown);
  const std::string found = fmt::format("found {} candidates [{}{}]{}", found_count_,
                                        fmt::join(found_.begin(), found_.begin() + shown, ", "),
                                        found_count_ > shown ? ", ..." : "",
                                        running_note(found_current_enabled_, enabled_differs));
  if (past_end) {
    return fmt::format("replay diverged at step {}: the recording ends after {} decisions, {}",
                       divergence_step_, size_, found);
  }
  const Decision& record = recorded_[divergence_step_];
  return fmt::format(
      "replay diverged at step {}: recorded {} candidates{} with actor {} chosen, {}",
      divergence_step_, record.candidates, running_note(record.current_enabled, enabled_differs),
      record.chosen, found);
}

std::string Replay::describe() const {
  return fmt::format("replay({} decisions, data_seed={})", size_, data_seed_);
}

}  // namespace ipcprop::harness
