// ipcprop — bench/kill_campaign/rng.h
//
// The campaign's randomness: splitmix64, so a trial is a function of (seed, primitive, trial)
// and `--trial T` repeats its workload, victim and delay exactly.
#pragma once

#include <cstdint>

namespace ipcprop::campaign {

/// The splitmix64 finalizer: every bit of the result depends on every bit of `x`.
inline std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

/// A splitmix64 generator: one word of state, so each participant can cheaply own one.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(mix(seed)) {}
  std::uint64_t next() { return mix(state_ += 0x9E3779B97F4A7C15ULL); }
  /// Uniform in [0, bound).
  std::uint64_t below(std::uint64_t bound) { return bound == 0 ? 0 : next() % bound; }
  /// Uniform in [low, high].
  std::int64_t range(std::int64_t low, std::int64_t high) {
    return low + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(high - low) + 1));
  }

 private:
  std::uint64_t state_;
};

}  // namespace ipcprop::campaign
