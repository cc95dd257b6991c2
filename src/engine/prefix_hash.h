// Chained block hashes for automatic prefix caching: a full block of tokens
// is identified by the hash of its tokens chained with its parent block's
// hash; the chain starts from a root derived from the request's cache_salt,
// so tenants with different salts never share blocks. The hash is keyed with
// a per-process random seed (nobody can precompute collisions) and the
// block manager also compares tokens and parent on every hit, so a
// collision can only cost a miss, never serve another prefix's K/V.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace servir {

std::uint64_t prefix_root_hash(std::uint64_t seed, std::string_view cache_salt);
std::uint64_t chain_block_hash(std::uint64_t parent, std::span<const std::int32_t> tokens);

}  // namespace servir
