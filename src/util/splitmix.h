// splitmix64: the small, well-mixed 64-bit generator used wherever servir
// needs a random stream that is identical on every platform (seeded
// sampling, synthetic weights, test prompts) or a bijective bit mixer
// (prefix-cache hashes, per-choice seeds).
#pragma once

#include <cstdint>
#include <string_view>

namespace servir {

inline constexpr std::uint64_t kSplitmixGamma = 0x9e3779b97f4a7c15ull;

// The finalizer: bijective, full avalanche.
inline std::uint64_t splitmix64_mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// One step of the generator: advances `state` and returns the next value.
inline std::uint64_t splitmix64_next(std::uint64_t& state) { return splitmix64_mix(state += kSplitmixGamma); }

// FNV-1a of a name: the streams of synthetic weights and test checkpoints
// start from seed ^ fnv1a64(name), so a tensor's values depend only on the
// seed and its name. Part of what those files contain: never change it.
inline std::uint64_t fnv1a64(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace servir
