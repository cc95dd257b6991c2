// BlockPool: the bookkeeping of the paged KV cache's blocks (mechanism only;
// who gets blocks and when is the scheduler's policy).
//
// Every block has a reference count. A block with references belongs to one
// or more sequences (more after a fork: n > 1 choices share their prompt).
// A block with no references is free; if it holds a full block of tokens
// whose prefix hash is registered, it stays in the prefix cache, and such
// blocks are evicted least-recently-freed first when a fresh block is needed.
// Blocks with no cached content are handed out before any cached one.
//
// Not thread-safe: the engine thread owns it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

namespace servir {

using BlockId = std::int32_t;

class BlockPool {
 public:
  explicit BlockPool(std::int64_t n_blocks);

  std::int64_t n_blocks() const { return static_cast<std::int64_t>(ref_.size()); }
  // Blocks allocate() can hand out now: free ones, cached or not.
  std::int64_t n_free() const { return n_free_uncached_ + n_evictable_; }
  // Free blocks that still hold a cached prefix.
  std::int64_t n_evictable() const { return n_evictable_; }
  // Blocks with at least one reference.
  std::int64_t n_used() const { return n_blocks() - n_free(); }
  // Blocks registered in the prefix cache, referenced or not.
  std::int64_t n_cached() const { return static_cast<std::int64_t>(by_hash_.size()); }

  // A free block with one reference, its cached content (if any) dropped.
  // nullopt when none is free.
  std::optional<BlockId> allocate();
  // One more reference; a cached free block leaves the eviction list.
  void ref(BlockId block);
  // One reference less; at zero the block becomes free (and evictable if cached).
  void release(BlockId block);
  int ref_count(BlockId block) const { return ref_[static_cast<std::size_t>(block)]; }

  // The cached block holding the tokens whose chained hash is `hash`, if any.
  std::optional<BlockId> lookup(std::uint64_t hash) const;
  // Registers a full, referenced block under its chained hash. False (and
  // nothing changes) when the hash is already cached in another block or the
  // block already has a hash.
  bool register_hash(BlockId block, std::uint64_t hash);
  bool is_cached(BlockId block) const { return has_hash_[static_cast<std::size_t>(block)] != 0; }
  // Drops every cached hash of free blocks (e.g. when prefix caching is reset).
  void clear_cache();

  // Checks every internal invariant (free counts, lists, map); tests call it.
  bool consistent() const;

 private:
  void unlink_evictable(BlockId block);
  void drop_hash(BlockId block);

  std::vector<int> ref_;
  std::vector<std::uint8_t> has_hash_;
  std::vector<std::uint64_t> hash_;
  std::vector<BlockId> free_uncached_;  // stack
  std::int64_t n_free_uncached_ = 0;
  // Evictable cached blocks: an intrusive doubly linked list, oldest first.
  std::vector<BlockId> prev_, next_;
  BlockId lru_head_ = -1, lru_tail_ = -1;
  std::int64_t n_evictable_ = 0;
  std::unordered_map<std::uint64_t, BlockId> by_hash_;
};

}  // namespace servir
