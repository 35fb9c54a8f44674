// ipcprop — harness/detail/split_mix.h
//
// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA
// 2014; the constants are Vigna's): a 64-bit generator whose whole state is one word, so it can
// live inside a strategy in shared memory. Good enough to drive schedules, not for cryptography.
#pragma once

#include <cstdint>

namespace ipcprop::harness::detail {

/// The SplitMix64 output function: a bijective mix of 64 bits.
constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// A seed for stream `stream` of `seed`, e.g. the k-th execution of a strategy: distinct
/// (seed, stream) pairs give unrelated streams.
constexpr std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream) noexcept {
  return mix64(mix64(seed) ^ mix64(stream + 0x9e3779b97f4a7c15ULL));
}

/// A SplitMix64 generator: trivially copyable, 8 bytes, same sequence on every platform.
class SplitMix64 {
 public:
  constexpr explicit SplitMix64(std::uint64_t seed = 0) noexcept : state_(seed) {}

  constexpr std::uint64_t next() noexcept {
    state_ += 0x9e3779b97f4a7c15ULL;
    return mix64(state_);
  }

  /// A uniform value in [0, bound), without modulo bias; bound must be at least 1.
  constexpr std::uint64_t below(std::uint64_t bound) noexcept {
    // Values under `threshold` would make the low residues more likely: reject them.
    const std::uint64_t threshold = (0 - bound) % bound;
    for (;;) {
      const std::uint64_t value = next();
      if (value >= threshold) return value % bound;
    }
  }

 private:
  std::uint64_t state_;
};

}  // namespace ipcprop::harness::detail
