#include "engine/block_pool.h"

#include <algorithm>

#include "util/check.h"

namespace servir {

BlockPool::BlockPool(std::int64_t n_blocks)
    : ref_(static_cast<std::size_t>(n_blocks), 0),
      has_hash_(static_cast<std::size_t>(n_blocks), 0),
      hash_(static_cast<std::size_t>(n_blocks), 0),
      prev_(static_cast<std::size_t>(n_blocks), -1),
      next_(static_cast<std::size_t>(n_blocks), -1) {
  CHECK(n_blocks > 0);
  free_uncached_.reserve(static_cast<std::size_t>(n_blocks));
  // Lowest ids first out, so small tests read naturally.
  for (std::int64_t b = n_blocks - 1; b >= 0; --b) free_uncached_.push_back(static_cast<BlockId>(b));
  n_free_uncached_ = n_blocks;
}

std::optional<BlockId> BlockPool::allocate() {
  BlockId block = -1;
  if (!free_uncached_.empty()) {
    block = free_uncached_.back();
    free_uncached_.pop_back();
    --n_free_uncached_;
  } else if (lru_head_ >= 0) {
    block = lru_head_;
    unlink_evictable(block);
    drop_hash(block);
  } else {
    return std::nullopt;
  }
  ref_[static_cast<std::size_t>(block)] = 1;
  return block;
}

void BlockPool::ref(BlockId block) {
  auto& r = ref_[static_cast<std::size_t>(block)];
  if (r == 0) {
    // Only cached blocks are reachable while free (through lookup()).
    CHECK(is_cached(block));
    unlink_evictable(block);
  }
  ++r;
}

void BlockPool::release(BlockId block) {
  auto& r = ref_[static_cast<std::size_t>(block)];
  CHECK(r > 0);
  if (--r > 0) return;
  if (is_cached(block)) {
    const auto i = static_cast<std::size_t>(block);
    prev_[i] = lru_tail_;
    next_[i] = -1;
    if (lru_tail_ >= 0) {
      next_[static_cast<std::size_t>(lru_tail_)] = block;
    } else {
      lru_head_ = block;
    }
    lru_tail_ = block;
    ++n_evictable_;
  } else {
    free_uncached_.push_back(block);
    ++n_free_uncached_;
  }
}

std::optional<BlockId> BlockPool::lookup(std::uint64_t hash) const {
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return std::nullopt;
  return it->second;
}

bool BlockPool::register_hash(BlockId block, std::uint64_t hash) {
  const auto i = static_cast<std::size_t>(block);
  CHECK(ref_[i] > 0);
  if (has_hash_[i] != 0 || by_hash_.contains(hash)) return false;
  by_hash_.emplace(hash, block);
  has_hash_[i] = 1;
  hash_[i] = hash;
  return true;
}

void BlockPool::clear_cache() {
  while (lru_head_ >= 0) {
    const BlockId block = lru_head_;
    unlink_evictable(block);
    drop_hash(block);
    free_uncached_.push_back(block);
    ++n_free_uncached_;
  }
  // Referenced blocks lose their hash too: nothing may hit the old content.
  for (std::size_t i = 0; i < ref_.size(); ++i) {
    if (has_hash_[i] != 0) drop_hash(static_cast<BlockId>(i));
  }
}

void BlockPool::unlink_evictable(BlockId block) {
  const auto i = static_cast<std::size_t>(block);
  const BlockId p = prev_[i], n = next_[i];
  if (p >= 0) {
    next_[static_cast<std::size_t>(p)] = n;
  } else {
    lru_head_ = n;
  }
  if (n >= 0) {
    prev_[static_cast<std::size_t>(n)] = p;
  } else {
    lru_tail_ = p;
  }
  prev_[i] = next_[i] = -1;
  --n_evictable_;
}

void BlockPool::drop_hash(BlockId block) {
  const auto i = static_cast<std::size_t>(block);
  if (has_hash_[i] == 0) return;
  by_hash_.erase(hash_[i]);
  has_hash_[i] = 0;
}

bool BlockPool::consistent() const {
  std::int64_t zero_ref = 0, cached_free = 0;
  for (std::size_t i = 0; i < ref_.size(); ++i) {
    if (ref_[i] < 0) return false;
    if (ref_[i] == 0) {
      ++zero_ref;
      if (has_hash_[i] != 0) ++cached_free;
    }
    if (has_hash_[i] != 0) {
      auto it = by_hash_.find(hash_[i]);
      if (it == by_hash_.end() || it->second != static_cast<BlockId>(i)) return false;
    }
  }
  if (static_cast<std::int64_t>(by_hash_.size()) !=
      static_cast<std::int64_t>(std::count(has_hash_.begin(), has_hash_.end(), std::uint8_t{1}))) {
    return false;
  }
  std::int64_t listed = 0;
  for (BlockId b = lru_head_; b >= 0; b = next_[static_cast<std::size_t>(b)]) {
    if (ref_[static_cast<std::size_t>(b)] != 0 || has_hash_[static_cast<std::size_t>(b)] == 0) return false;
    if (++listed > n_blocks()) return false;
  }
  for (BlockId b : free_uncached_) {
    if (ref_[static_cast<std::size_t>(b)] != 0 || has_hash_[static_cast<std::size_t>(b)] != 0) return false;
  }
  return listed == n_evictable_ && cached_free == n_evictable_ &&
         static_cast<std::int64_t>(free_uncached_.size()) == n_free_uncached_ &&
         zero_ref == n_free_uncached_ + n_evictable_;
}

}  // namespace servir
