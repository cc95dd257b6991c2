#include "engine/prefix_hash.h"
#include "util/splitmix.h"

namespace servir {
namespace {

std::uint64_t mix(std::uint64_t z) { return splitmix64_mix(z); }

}  // namespace

std::uint64_t prefix_root_hash(std::uint64_t seed, std::string_view cache_salt) {
  std::uint64_t h = mix(seed ^ 0x736572766972ull);  // "servir"
  h = mix(h ^ cache_salt.size());
  for (unsigned char c : cache_salt) h = mix(h + 0x9e3779b97f4a7c15ull + c);
  return h;
}

std::uint64_t chain_block_hash(std::uint64_t parent, std::span<const std::int32_t> tokens) {
  std::uint64_t h = mix(parent + 0x9e3779b97f4a7c15ull * (tokens.size() + 1));
  for (std::int32_t t : tokens)
    h = mix(h ^ (static_cast<std::uint64_t>(static_cast<std::uint32_t>(t)) + 0x632be59bd9b4e019ull));
  return h;
}

}  // namespace servir
