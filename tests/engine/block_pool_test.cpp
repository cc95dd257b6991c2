// BlockPool and KvBlockManager: reference counts, the LRU of cached free
// blocks, prefix hits verified by content, fork and copy-on-write.
#include <gtest/gtest.h>

#include <numeric>

#include "engine/block_pool.h"
#include "engine/kv_block_manager.h"

namespace servir {
namespace {

TEST(BlockPool, AllocatesLowIdsFirstAndRefusesWhenEmpty) {
  BlockPool pool(3);
  EXPECT_EQ(pool.allocate(), 0);
  EXPECT_EQ(pool.allocate(), 1);
  EXPECT_EQ(pool.allocate(), 2);
  EXPECT_EQ(pool.allocate(), std::nullopt);
  EXPECT_EQ(pool.n_free(), 0);
  pool.release(1);
  EXPECT_EQ(pool.n_free(), 1);
  EXPECT_EQ(pool.allocate(), 1);
  EXPECT_TRUE(pool.consistent());
}

TEST(BlockPool, CachedBlocksStayFindableUntilEvictedLeastRecentlyFreedFirst) {
  BlockPool pool(3);
  const BlockId a = *pool.allocate(), b = *pool.allocate(), c = *pool.allocate();
  ASSERT_TRUE(pool.register_hash(a, 100));
  ASSERT_TRUE(pool.register_hash(b, 200));
  EXPECT_FALSE(pool.register_hash(c, 100)) << "a hash lives in one block";
  pool.release(b);  // freed first: evicted first
  pool.release(a);
  pool.release(c);  // uncached: handed out before any cached block
  EXPECT_EQ(pool.n_free(), 3);
  EXPECT_EQ(pool.n_evictable(), 2);
  EXPECT_EQ(pool.lookup(100), a);
  EXPECT_EQ(pool.allocate(), c);
  EXPECT_EQ(pool.allocate(), b);  // LRU: b was freed before a
  EXPECT_EQ(pool.lookup(200), std::nullopt);
  EXPECT_EQ(pool.lookup(100), a);
  pool.ref(a);  // a prefix hit revives a free cached block
  EXPECT_EQ(pool.n_free(), 0);
  EXPECT_EQ(pool.ref_count(a), 1);
  EXPECT_TRUE(pool.consistent());
}

TEST(BlockPool, ClearCacheDropsEveryHash) {
  BlockPool pool(2);
  const BlockId a = *pool.allocate(), b = *pool.allocate();
  pool.register_hash(a, 1);
  pool.register_hash(b, 2);
  pool.release(a);
  pool.clear_cache();
  EXPECT_EQ(pool.lookup(1), std::nullopt);
  EXPECT_EQ(pool.lookup(2), std::nullopt);
  EXPECT_EQ(pool.n_evictable(), 0);
  EXPECT_TRUE(pool.consistent());
}

Sequence make_seq(std::uint64_t id, int n_tokens, int first_token = 0, std::uint64_t salt = 0) {
  Sequence s;
  s.id = id;
  s.arrival = id;
  s.tokens.resize(static_cast<std::size_t>(n_tokens));
  std::iota(s.tokens.begin(), s.tokens.end(), first_token);
  s.prompt_len = n_tokens;
  s.salt_hash = salt;
  return s;
}

TEST(KvBlockManager, PrefixHitsReuseFullBlocksAndKeepOneTokenToCompute) {
  KvBlockManager m(8, 4, /*prefix_caching=*/true);
  std::vector<BlockCopy> copies;
  Sequence a = make_seq(1, 10);
  ASSERT_EQ(m.find_cached_prefix(a), 0);
  ASSERT_TRUE(m.admit(a, 0, 10, copies));
  EXPECT_EQ(a.blocks.size(), 3u);
  a.num_computed = 10;
  m.on_computed(a);
  EXPECT_EQ(a.num_registered, 2);  // two full blocks of 4

  Sequence b = make_seq(2, 12);  // same first 10 tokens, then 10, 11
  EXPECT_EQ(m.find_cached_prefix(b), 2);
  EXPECT_EQ(m.admit_cost(b, 2, 4), 1);
  ASSERT_TRUE(m.admit(b, 2, 4, copies));
  EXPECT_EQ(b.num_computed, 8);
  EXPECT_EQ(b.blocks[0], a.blocks[0]);
  EXPECT_EQ(b.blocks[1], a.blocks[1]);
  EXPECT_EQ(m.pool().ref_count(a.blocks[0]), 2);

  // A prompt that is entirely cached still computes its last block.
  Sequence c = make_seq(3, 8);
  EXPECT_EQ(m.find_cached_prefix(c), 1);
  EXPECT_TRUE(copies.empty());
  m.release(a);
  m.release(b);
  EXPECT_EQ(m.pool().n_free(), 8);
  EXPECT_TRUE(m.consistent());
}

TEST(KvBlockManager, SaltsIsolateTenantsAndContentIsVerified) {
  KvBlockManager m(8, 4, true);
  std::vector<BlockCopy> copies;
  Sequence a = make_seq(1, 9, 0, /*salt=*/111);
  ASSERT_TRUE(m.admit(a, 0, 9, copies));
  a.num_computed = 9;
  m.on_computed(a);
  Sequence other_tenant = make_seq(2, 9, 0, /*salt=*/222);
  EXPECT_EQ(m.find_cached_prefix(other_tenant), 0);
  Sequence same_tenant = make_seq(3, 9, 0, 111);
  EXPECT_EQ(m.find_cached_prefix(same_tenant), 2);
  Sequence different_tokens = make_seq(4, 9, 1, 111);
  EXPECT_EQ(m.find_cached_prefix(different_tokens), 0);
  m.release(a);
}

TEST(KvBlockManager, WithoutPrefixCachingNothingHits) {
  KvBlockManager m(8, 4, false);
  std::vector<BlockCopy> copies;
  Sequence a = make_seq(1, 9);
  ASSERT_TRUE(m.admit(a, 0, 9, copies));
  a.num_computed = 9;
  m.on_computed(a);
  Sequence b = make_seq(2, 9);
  EXPECT_EQ(m.find_cached_prefix(b), 0);
  m.release(a);
  EXPECT_EQ(m.pool().n_evictable(), 0);
}

TEST(KvBlockManager, ForkSharesBlocksAndCopiesOnWriteIntoASharedPartialBlock) {
  KvBlockManager m(8, 4, true);
  std::vector<BlockCopy> copies;
  Sequence parent = make_seq(1, 6);
  ASSERT_TRUE(m.admit(parent, 0, 6, copies));
  parent.num_computed = 6;
  m.on_computed(parent);
  Sequence child = make_seq(2, 6);
  m.fork(parent, child);
  EXPECT_EQ(child.blocks, parent.blocks);
  EXPECT_EQ(m.pool().ref_count(parent.blocks[1]), 2);

  // Both append one token into the shared partial block 1.
  parent.tokens.push_back(50);
  child.tokens.push_back(60);
  EXPECT_EQ(m.append_cost(parent, 1), 1);  // a copy
  ASSERT_TRUE(m.append(parent, 1, copies));
  ASSERT_EQ(copies.size(), 1u);
  EXPECT_EQ(copies[0].src, child.blocks[1]);
  EXPECT_EQ(copies[0].dst, parent.blocks[1]);
  EXPECT_NE(parent.blocks[1], child.blocks[1]);
  EXPECT_EQ(parent.blocks[0], child.blocks[0]);  // the full block stays shared
  EXPECT_EQ(m.append_cost(child, 1), 0);         // now the only owner: writes in place
  ASSERT_TRUE(m.append(child, 1, copies));
  EXPECT_EQ(copies.size(), 1u);
  m.release(parent);
  m.release(child);
  EXPECT_EQ(m.pool().n_free(), 8);
  EXPECT_TRUE(m.consistent());
}

TEST(KvBlockManager, FailedAllocationChangesNothing) {
  KvBlockManager m(2, 4, true);
  std::vector<BlockCopy> copies;
  Sequence a = make_seq(1, 12);
  EXPECT_FALSE(m.admit(a, 0, 12, copies));
  EXPECT_TRUE(a.blocks.empty());
  EXPECT_EQ(a.num_computed, 0);
  EXPECT_EQ(m.pool().n_free(), 2);
  ASSERT_TRUE(m.admit(a, 0, 8, copies));
  a.num_computed = 8;
  EXPECT_FALSE(m.append(a, 1, copies));
  EXPECT_EQ(a.blocks.size(), 2u);
  EXPECT_TRUE(m.consistent());
  m.release(a);
}

}  // namespace
}  // namespace servir
