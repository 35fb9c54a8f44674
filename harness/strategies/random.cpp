#include "harness/strategies/random.h"

#include <fmt/format.h>

namespace ipcprop::harness {

bool RandomWalk::begin_execution() {
  ++executions_;
  detail::SplitMix64 stream(detail::derive_seed(seed_, executions_));
  data_seed_ = stream.next();
  rng_ = detail::SplitMix64(stream.next());
  return true;
}

std::optional<std::size_t> RandomWalk::pick(const PickContext& ctx) {
  return static_cast<std::size_t>(rng_.below(ctx.candidates.size()));
}

std::string RandomWalk::describe() const {
  return fmt::format("random(seed={})", seed_);
}

}  // namespace ipcprop::harness
