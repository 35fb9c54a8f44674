#include "harness/strategies/pct.h"

#include <algorithm>

#include <fmt/format.h>

#include "primitives/errors.h"

namespace ipcprop::harness {

Pct::Pct(std::uint64_t seed, std::size_t depth) : seed_(seed), depth_(depth) {
  if (depth < 1 || depth > kMaxDepth) {
    throw UsageError(fmt::format("Pct depth must be between 1 and {}; got {}", kMaxDepth, depth));
  }
  rank_of_.fill(kMaxActors);  // No actor seen yet, even if pick() comes before begin_execution().
}

bool Pct::begin_execution() {
  ++executions_;
  detail::SplitMix64 stream(detail::derive_seed(seed_, executions_));
  data_seed_ = stream.next();
  const std::uint32_t changes = static_cast<std::uint32_t>(depth_ - 1);
  step_estimate_ = std::max({max_steps_seen_ > 0 ? max_steps_seen_ : kDefaultSteps, changes, 1U});
  for (std::uint32_t i = 0; i < changes; ++i) {
    std::uint32_t point = 0;
    do {  // Redraw duplicates: step_estimate_ ≥ d − 1 guarantees enough distinct values.
      point = 1 + static_cast<std::uint32_t>(stream.below(step_estimate_));
    } while (std::find(change_points_.begin(), change_points_.begin() + i, point) !=
             change_points_.begin() + i);
    change_points_[i] = point;
  }
  rng_ = stream;
  ranked_ = 0;
  rank_of_.fill(kMaxActors);
  lowered_to_.fill(0);
  priority_changes_ = 0;
  return true;
}

std::optional<std::size_t> Pct::pick(const PickContext& ctx) {
  for (const ActorId actor : ctx.candidates) {
    if (actor >= kMaxActors) {
      bad_actor_ = actor;
      return std::nullopt;
    }
    if (rank_of_[actor] == kMaxActors) rank_new_actor(actor);
  }
  std::size_t best = best_candidate(ctx);
  const std::uint32_t step = ctx.step + 1;  // The paper counts steps from 1.
  for (std::size_t i = 1; i < depth_; ++i) {
    if (change_points_[i - 1] != step) continue;
    lowered_to_[ctx.candidates[best]] = static_cast<std::uint8_t>(i);
    ++priority_changes_;
    best = best_candidate(ctx);
  }
  return best;
}

void Pct::end_execution(std::span<const Decision> decisions) {
  max_steps_seen_ = std::max(max_steps_seen_, static_cast<std::uint32_t>(decisions.size()));
}

std::string Pct::abandon_reason() const {
  return fmt::format("pct supports actor ids below {}; found actor {}", kMaxActors, bad_actor_);
}

std::string Pct::describe() const {
  return fmt::format("pct(seed={}, depth={})", seed_, depth_);
}

void Pct::rank_new_actor(ActorId actor) {
  const std::size_t rank = rng_.below(ranked_ + 1);
  for (std::size_t i = ranked_; i > rank; --i) {
    ranking_[i] = ranking_[i - 1];
    rank_of_[ranking_[i]] = static_cast<std::uint8_t>(i);
  }
  ranking_[rank] = actor;
  rank_of_[actor] = static_cast<std::uint8_t>(rank);
  ++ranked_;
}

std::size_t Pct::priority(ActorId actor) const noexcept {
  if (lowered_to_[actor] != 0) return lowered_to_[actor];
  return depth_ + kMaxActors - rank_of_[actor];
}

std::size_t Pct::best_candidate(const PickContext& ctx) const noexcept {
  std::size_t best = 0;
  for (std::size_t i = 1; i < ctx.candidates.size(); ++i) {
    if (priority(ctx.candidates[i]) > priority(ctx.candidates[best])) best = i;
  }
  return best;
}

}  // namespace ipcprop::harness
