#include "engine/kv_block_manager.h"

#include <algorithm>
#include <random>

#include "engine/prefix_hash.h"
#include "util/check.h"

namespace servir {

KvBlockManager::KvBlockManager(std::int64_t n_blocks, int block_size, bool prefix_caching)
    : pool_(n_blocks),
      block_size_(block_size),
      prefix_caching_(prefix_caching),
      seed_((static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}()),
      block_tokens_(prefix_caching ? static_cast<std::size_t>(n_blocks) * static_cast<std::size_t>(block_size) : 0),
      block_parent_(prefix_caching ? static_cast<std::size_t>(n_blocks) : 0) {
  CHECK(block_size > 0);
}

std::uint64_t KvBlockManager::block_hash(Sequence& seq, std::int64_t index) {
  // Hashes of full blocks never change (tokens only append), so they are
  // computed once per sequence and kept across preemptions.
  while (static_cast<std::int64_t>(seq.block_hashes.size()) <= index) {
    const auto i = static_cast<std::int64_t>(seq.block_hashes.size());
    const std::uint64_t parent = i == 0 ? seq.salt_hash : seq.block_hashes.back();
    const auto* first = seq.tokens.data() + i * block_size_;
    seq.block_hashes.push_back(chain_block_hash(parent, {first, static_cast<std::size_t>(block_size_)}));
  }
  return seq.block_hashes[static_cast<std::size_t>(index)];
}

bool KvBlockManager::holds_tokens(BlockId block, std::uint64_t parent, const std::int32_t* tokens) const {
  const auto b = static_cast<std::size_t>(block);
  return block_parent_[b] == parent &&
         std::equal(tokens, tokens + block_size_, block_tokens_.begin() + static_cast<std::ptrdiff_t>(b * block_size_));
}

std::int64_t KvBlockManager::find_cached_prefix(Sequence& seq) {
  if (!prefix_caching_ || seq.num_computed != 0) return 0;
  // Keep one token to compute: a prompt that is all cached still needs the
  // logits of its last token, and its block must not be written while shared.
  const std::int64_t max_blocks = (seq.num_tokens() - 1) / block_size_;
  std::int64_t hits = 0;
  for (; hits < max_blocks; ++hits) {
    const std::uint64_t h = block_hash(seq, hits);
    auto block = pool_.lookup(h);
    const std::uint64_t parent = hits == 0 ? seq.salt_hash : seq.block_hashes[static_cast<std::size_t>(hits - 1)];
    if (!block || !holds_tokens(*block, parent, seq.tokens.data() + hits * block_size_)) break;
  }
  return hits;
}

std::int64_t KvBlockManager::admit_cost(const Sequence& seq, std::int64_t hit_blocks, std::int64_t n_new) const {
  std::int64_t cost = blocks_for_tokens(hit_blocks * block_size_ + n_new) - hit_blocks;
  for (std::int64_t i = 0; i < hit_blocks; ++i) {
    auto block = pool_.lookup(seq.block_hashes[static_cast<std::size_t>(i)]);
    if (block && pool_.ref_count(*block) == 0) ++cost;
  }
  return cost;
}

bool KvBlockManager::admit(Sequence& seq, std::int64_t hit_blocks, std::int64_t n_new, std::vector<BlockCopy>& copies) {
  CHECK(seq.num_computed == 0 && seq.blocks.empty());
  if (admit_cost(seq, hit_blocks, n_new) > pool_.n_free()) return false;
  for (std::int64_t i = 0; i < hit_blocks; ++i) {
    auto block = pool_.lookup(seq.block_hashes[static_cast<std::size_t>(i)]);
    CHECK(block.has_value());
    pool_.ref(*block);
    seq.blocks.push_back(*block);
  }
  seq.num_computed = hit_blocks * block_size_;
  seq.num_registered = hit_blocks;
  const bool ok = append(seq, n_new, copies);
  CHECK(ok);  // admit_cost counted every block append takes
  return true;
}

std::int64_t KvBlockManager::append_cost(const Sequence& seq, std::int64_t n_new) const {
  const std::int64_t have = static_cast<std::int64_t>(seq.blocks.size());
  std::int64_t cost = std::max<std::int64_t>(0, blocks_for_tokens(seq.num_computed + n_new) - have);
  // Writing into a partial block that another sequence shares copies it first.
  const std::int64_t first = seq.num_computed / block_size_;
  if (n_new > 0 && first < have && pool_.ref_count(seq.blocks[static_cast<std::size_t>(first)]) > 1) ++cost;
  return cost;
}

bool KvBlockManager::append(Sequence& seq, std::int64_t n_new, std::vector<BlockCopy>& copies) {
  if (append_cost(seq, n_new) > pool_.n_free()) return false;
  const std::int64_t first = seq.num_computed / block_size_;
  if (n_new > 0 && first < static_cast<std::int64_t>(seq.blocks.size())) {
    BlockId& shared = seq.blocks[static_cast<std::size_t>(first)];
    if (pool_.ref_count(shared) > 1) {
      const BlockId copy = *pool_.allocate();
      copies.push_back({shared, copy});
      pool_.release(shared);
      shared = copy;
    }
  }
  const std::int64_t need = blocks_for_tokens(seq.num_computed + n_new);
  while (static_cast<std::int64_t>(seq.blocks.size()) < need) seq.blocks.push_back(*pool_.allocate());
  return true;
}

void KvBlockManager::on_computed(Sequence& seq) {
  const std::int64_t full =
      std::min<std::int64_t>(seq.num_computed / block_size_, static_cast<std::int64_t>(seq.blocks.size()));
  if (!prefix_caching_) {
    seq.num_registered = full;
    return;
  }
  for (std::int64_t i = seq.num_registered; i < full; ++i) {
    const BlockId block = seq.blocks[static_cast<std::size_t>(i)];
    const std::uint64_t h = block_hash(seq, i);
    if (pool_.is_cached(block) || !pool_.register_hash(block, h)) continue;  // shared, or a twin is cached
    const auto b = static_cast<std::size_t>(block);
    block_parent_[b] = i == 0 ? seq.salt_hash : seq.block_hashes[static_cast<std::size_t>(i - 1)];
    std::copy_n(seq.tokens.begin() + static_cast<std::ptrdiff_t>(i * block_size_), block_size_,
                block_tokens_.begin() + static_cast<std::ptrdiff_t>(b * block_size_));
  }
  seq.num_registered = full;
}

void KvBlockManager::fork(const Sequence& parent, Sequence& child) {
  CHECK(child.blocks.empty());
  for (BlockId b : parent.blocks) pool_.ref(b);
  child.blocks = parent.blocks;
  child.num_computed = parent.num_computed;
  child.num_registered = parent.num_registered;
  child.block_hashes = parent.block_hashes;
}

void KvBlockManager::release(Sequence& seq) {
  for (auto it = seq.blocks.rbegin(); it != seq.blocks.rend(); ++it) pool_.release(*it);
  seq.blocks.clear();
  seq.num_computed = 0;
  seq.num_registered = 0;
}

}  // namespace servir
