// KvCache per element type (--kv-cache-dtype): bytes per token, capacity in
// a fixed memory budget, the refusal of q8_0 for head dims that are not
// whole blocks of 32, and copy-on-write block copies for every type.
#include "model/kv_cache.h"

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kernels/attention.h"
#include "kernels/context.h"
#include "kernels/kernel_table.h"
#include "kernels/thread_pool.h"

namespace servir {
namespace {

ModelConfig shape(std::int64_t head_dim) {
  ModelConfig c;
  c.n_layers = 2;
  c.n_heads = 8;
  c.n_kv_heads = 4;
  c.head_dim = head_dim;
  return c;
}

TEST(KvCache, BytesPerTokenFollowTheType) {
  const ModelConfig c = shape(64);
  const struct {
    GgmlType type;
    std::uint64_t bytes_per_token;  // 2 layers x K,V x 4 heads x one head's row
  } cases[] = {{GgmlType::kF16, 2 * 2 * 4 * 128},
               {GgmlType::kBF16, 2 * 2 * 4 * 128},
               {GgmlType::kQ8_0, 2 * 2 * 4 * 68},
               {GgmlType::kF32, 2 * 2 * 4 * 256}};
  for (const auto& want : cases) {
    auto cache = KvCache::create(c, {.block_size = 16, .n_blocks = 3, .type = want.type});
    ASSERT_TRUE(cache.ok()) << cache.status().to_string();
    EXPECT_EQ(cache->type(), want.type);
    EXPECT_EQ(cache->bytes_per_token(), want.bytes_per_token) << ggml_type_name(want.type);
    EXPECT_EQ(cache->bytes(), 3 * 16 * want.bytes_per_token);
  }
}

TEST(KvCache, Q8_0HoldsAbout1_9TimesTheTokensOfF16InTheSameMemory) {
  const ModelConfig c = shape(64);
  constexpr std::uint64_t kMemory = 4 << 20;
  auto f16 = KvCache::create(c, {.block_size = 16, .memory_bytes = kMemory, .type = GgmlType::kF16});
  auto q8 = KvCache::create(c, {.block_size = 16, .memory_bytes = kMemory, .type = GgmlType::kQ8_0});
  ASSERT_TRUE(f16.ok() && q8.ok());
  EXPECT_LE(q8->bytes(), kMemory);
  const double ratio = static_cast<double>(q8->n_token_slots()) / static_cast<double>(f16->n_token_slots());
  EXPECT_NEAR(ratio, 128.0 / 68.0, 0.02);
}

TEST(KvCache, Q8_0RefusesAHeadDimThatIsNotWholeBlocks) {
  auto cache = KvCache::create(shape(80), {.block_size = 16, .n_blocks = 2, .type = GgmlType::kQ8_0});
  ASSERT_FALSE(cache.ok());
  EXPECT_NE(cache.status().message().find("multiple of 32"), std::string::npos) << cache.status().to_string();
  EXPECT_TRUE(KvCache::create(shape(80), {.block_size = 16, .n_blocks = 2, .type = GgmlType::kBF16}).ok());
  EXPECT_FALSE(KvCache::create(shape(64), {.block_size = 16, .n_blocks = 2, .type = GgmlType::kQ4_0}).ok());
}

// A sequence whose last block was copied (copy-on-write) attends to the copy
// exactly as to the original, in every layer and for every type.
TEST(KvCache, CopiedBlockAttendsLikeTheOriginal) {
  const ModelConfig c = shape(64);
  constexpr int kBlock = 8, kLen = 13;  // a full block and a partial one
  kernels::ThreadPool threads(1);
  kernels::KernelContext ctx(kernels::kernel_table(kernels::Isa::kScalar), &threads);
  for (GgmlType type : {GgmlType::kF16, GgmlType::kBF16, GgmlType::kQ8_0, GgmlType::kF32}) {
    auto cache = KvCache::create(c, {.block_size = kBlock, .n_blocks = 4, .type = type});
    ASSERT_TRUE(cache.ok());
    const int width = static_cast<int>(c.n_kv_heads * c.head_dim);
    std::mt19937 rng(7);
    std::normal_distribution<float> normal;
    const std::vector<std::int32_t> original = {0, 2}, copy = {0, 3};
    for (std::int64_t l = 0; l < c.n_layers; ++l) {
      for (int p = 0; p < kLen; ++p) {
        std::vector<float> k(static_cast<std::size_t>(width)), v(k.size());
        for (auto& x : k) x = normal(rng);
        for (auto& x : v) x = normal(rng);
        kernels::paged_kv_store(cache->layer(l), original.data(), p, k.data(), v.data());
      }
    }
    cache->copy_block(2, 3);
    std::vector<float> q(static_cast<std::size_t>(c.n_heads * c.head_dim));
    for (auto& x : q) x = normal(rng);
    const std::int32_t seq = 0, pos = kLen - 1;
    for (std::int64_t l = 0; l < c.n_layers; ++l) {
      auto attend = [&](const std::vector<std::int32_t>& table) {
        std::vector<float> out(q.size(), NAN);
        kernels::paged_attention(ctx, cache->layer(l),
                                 {.q = q.data(),
                                  .out = out.data(),
                                  .n_tokens = 1,
                                  .n_heads = static_cast<int>(c.n_heads),
                                  .token_seq = &seq,
                                  .token_pos = &pos,
                                  .block_tables = table.data(),
                                  .max_blocks_per_seq = 2,
                                  .scale = 0.125f});
        return out;
      };
      const auto from_original = attend(original), from_copy = attend(copy);
      ASSERT_FALSE(std::isnan(from_original[0]));
      EXPECT_EQ(from_original, from_copy) << ggml_type_name(type) << " layer " << l;
    }
  }
}

}  // namespace
}  // namespace servir
