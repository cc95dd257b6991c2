// KvBlockManager: maps sequences to KV blocks of a BlockPool: block tables,
// prefix-cache hits on admission, growth as tokens are computed, forks that
// share blocks, copy-on-write when a shared block is written, and release.
//
// Every mutation is plan-then-commit: the `*_cost` functions say how many
// free blocks an operation needs, and the operation itself either succeeds
// entirely or changes nothing. Not thread-safe (the engine thread's).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "engine/block_pool.h"
#include "engine/sequence.h"

namespace servir {

struct BlockCopy {
  BlockId src = 0;
  BlockId dst = 0;
};

class KvBlockManager {
 public:
  KvBlockManager(std::int64_t n_blocks, int block_size, bool prefix_caching);

  int block_size() const { return block_size_; }
  bool prefix_caching() const { return prefix_caching_; }
  const BlockPool& pool() const { return pool_; }
  std::int64_t blocks_for_tokens(std::int64_t tokens) const { return (tokens + block_size_ - 1) / block_size_; }

  // Leading full blocks of `seq` found in the prefix cache, always leaving at
  // least one token to compute (its logits are needed). Changes nothing.
  std::int64_t find_cached_prefix(Sequence& seq);
  // Free blocks admitting `seq` with `hit_blocks` cached blocks and then
  // `n_new` tokens needs (cached hits sitting free count: referencing them
  // takes them off the free list).
  std::int64_t admit_cost(const Sequence& seq, std::int64_t hit_blocks, std::int64_t n_new) const;
  // Takes the hits (num_computed jumps past them) and the blocks for n_new
  // tokens. False, with nothing changed, when the pool lacks room.
  bool admit(Sequence& seq, std::int64_t hit_blocks, std::int64_t n_new, std::vector<BlockCopy>& copies);

  // Free blocks appending `n_new` tokens after num_computed needs (incl. a
  // copy-on-write of a shared partial block).
  std::int64_t append_cost(const Sequence& seq, std::int64_t n_new) const;
  bool append(Sequence& seq, std::int64_t n_new, std::vector<BlockCopy>& copies);

  // After a step computed tokens up to seq.num_computed: registers the
  // sequence's newly full blocks in the prefix cache.
  void on_computed(Sequence& seq);

  // `child` shares every block of `parent` (references +1) and its progress.
  void fork(const Sequence& parent, Sequence& child);
  // Releases every block (tail first, so a prefix's head is evicted last)
  // and resets the sequence's progress to zero.
  void release(Sequence& seq);

  // Leaves the pool consistent and, when no sequence holds blocks, full.
  bool consistent() const { return pool_.consistent(); }

 private:
  std::uint64_t block_hash(Sequence& seq, std::int64_t index);
  bool holds_tokens(BlockId block, std::uint64_t parent, const std::int32_t* tokens) const;

  BlockPool pool_;
  int block_size_;
  bool prefix_caching_;
  std::uint64_t seed_;
  // What each cached block holds, to verify hits: its tokens and parent hash.
  std::vector<std::int32_t> block_tokens_;
  std::vector<std::uint64_t> block_parent_;
};

}  // namespace servir
