// Paged attention against a naive dense implementation, for random block
// tables, GQA, f16, bf16, q8_0 and f32 KV, and a batch mixing prefill chunks
// and decode tokens of sequences of different lengths. Every ISA level runs
// the same shapes, so each vector kernel is checked against the scalar twin's
// reference (the dense loop over what the cache stores).
#include "kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include <gtest/gtest.h>

#include "isa_param.h"
#include "kernels/dtype_traits.h"

namespace servir::kernels {
namespace {

using testing::IsaTest;
using testing::random_values;

struct Shape {
  int n_heads, n_kv_heads, head_dim, block_size;
  GgmlType kv_type;
  int window = 0;  // sliding window; 0 = none
};

class PagedAttention : public ::testing::TestWithParam<std::tuple<Isa, Shape>> {};

// What the cache holds for these rows (one slot of `width` values per row):
// the scalar reference quantizer's round trip.
std::vector<float> stored_values(const std::vector<float>& rows, int width, GgmlType type) {
  const DTypeTraits* t = dtype_traits(type);
  std::vector<std::byte> slot(row_bytes(*t, width));
  std::vector<float> out(rows.size());
  for (std::size_t r = 0; r < rows.size() / static_cast<std::size_t>(width); ++r) {
    t->from_f32(rows.data() + r * static_cast<std::size_t>(width), slot.data(), width);
    t->to_f32(slot.data(), out.data() + r * static_cast<std::size_t>(width), width);
  }
  return out;
}

TEST_P(PagedAttention, MatchesDenseReference) {
  const auto [isa, s] = GetParam();
  if (!isa_supported(isa)) GTEST_SKIP() << "CPU lacks " << isa_name(isa);
  std::mt19937 rng(42);
  const std::vector<int> seq_len = {1, 5, 37, 16, 70};
  const int n_seqs = static_cast<int>(seq_len.size());
  const int max_len = *std::max_element(seq_len.begin(), seq_len.end());
  const int max_blocks = (max_len + s.block_size - 1) / s.block_size + 1;
  const int n_blocks = n_seqs * max_blocks;
  // Random, disjoint block assignment from a shuffled pool.
  std::vector<std::int32_t> pool_ids(static_cast<std::size_t>(n_blocks));
  std::iota(pool_ids.begin(), pool_ids.end(), 0);
  std::shuffle(pool_ids.begin(), pool_ids.end(), rng);
  std::vector<std::int32_t> tables(static_cast<std::size_t>(n_seqs * max_blocks), -1);
  std::size_t next = 0;
  for (int q = 0; q < n_seqs; ++q) {
    const int used = (seq_len[static_cast<std::size_t>(q)] + s.block_size - 1) / s.block_size;
    ASSERT_LE(used, max_blocks);
    for (int b = 0; b < used; ++b) tables[static_cast<std::size_t>(q * max_blocks + b)] = pool_ids[next++];
  }

  PagedKvView kv;
  kv.type = s.kv_type;
  kv.n_blocks = n_blocks;
  kv.block_size = s.block_size;
  kv.n_kv_heads = s.n_kv_heads;
  kv.head_dim = s.head_dim;
  std::vector<std::byte> k_pool(kv.slot_bytes() * static_cast<std::size_t>(n_blocks * s.block_size));
  std::vector<std::byte> v_pool(k_pool.size());
  kv.k = k_pool.data();
  kv.v = v_pool.data();

  const int kv_width = s.n_kv_heads * s.head_dim;
  const int q_width = s.n_heads * s.head_dim;
  std::vector<std::vector<float>> dense_k(static_cast<std::size_t>(n_seqs)), dense_v(static_cast<std::size_t>(n_seqs));
  std::vector<std::vector<float>> stored_k(static_cast<std::size_t>(n_seqs)),
      stored_v(static_cast<std::size_t>(n_seqs));
  for (int q = 0; q < n_seqs; ++q) {
    const int len = seq_len[static_cast<std::size_t>(q)];
    dense_k[static_cast<std::size_t>(q)] = random_values(static_cast<std::size_t>(len * kv_width), 10 + q);
    dense_v[static_cast<std::size_t>(q)] = random_values(static_cast<std::size_t>(len * kv_width), 50 + q);
    for (int p = 0; p < len; ++p) {
      paged_kv_store(kv, tables.data() + q * max_blocks, p, dense_k[static_cast<std::size_t>(q)].data() + p * kv_width,
                     dense_v[static_cast<std::size_t>(q)].data() + p * kv_width);
    }
    stored_k[static_cast<std::size_t>(q)] = stored_values(dense_k[static_cast<std::size_t>(q)], kv_width, s.kv_type);
    stored_v[static_cast<std::size_t>(q)] = stored_values(dense_v[static_cast<std::size_t>(q)], kv_width, s.kv_type);
  }
  // The batch: the last 20 positions of each sequence (a prefill chunk where
  // long enough, longer than one attention item takes, so runs split; a
  // single decode token for the length-1 sequence).
  std::vector<std::int32_t> token_seq, token_pos;
  for (int q = 0; q < n_seqs; ++q) {
    const int len = seq_len[static_cast<std::size_t>(q)];
    for (int p = std::max(0, len - 20); p < len; ++p) {
      token_seq.push_back(q);
      token_pos.push_back(p);
    }
  }
  const auto n_tokens = static_cast<std::int64_t>(token_seq.size());
  const auto qv = random_values(static_cast<std::size_t>(n_tokens * q_width), 99);
  std::vector<float> out(qv.size(), NAN);
  AttentionBatch batch{.q = qv.data(),
                       .out = out.data(),
                       .n_tokens = n_tokens,
                       .n_heads = s.n_heads,
                       .token_seq = token_seq.data(),
                       .token_pos = token_pos.data(),
                       .block_tables = tables.data(),
                       .max_blocks_per_seq = max_blocks,
                       .scale = 1.0f / std::sqrt(static_cast<float>(s.head_dim)),
                       .sliding_window = s.window};
  ThreadPool threads(2);
  KernelContext ctx(kernel_table(isa), &threads);
  paged_attention(ctx, kv, batch);

  // f16 caches at the amx level take the bf16 tile kernel for head dims it
  // has: scores in split mode (~16 bits), V and the probabilities rounded
  // to bf16, each off by at most 2^-9 relative, so the output by at most
  // 2^-8 of the largest |V| (the test's values include 6-sigma outliers).
  const bool bf16_tiles = isa == Isa::kAmx && s.kv_type == GgmlType::kF16 && s.head_dim % 32 == 0;
  double v_max = 0;
  for (const auto& v : dense_v) {
    for (float x : v) v_max = std::max(v_max, static_cast<double>(std::fabs(x)));
  }
  const double tolerance = bf16_tiles ? v_max / 256 : 2e-4;
  const int group = s.n_heads / s.n_kv_heads;
  for (std::int64_t t = 0; t < n_tokens; ++t) {
    const auto q = static_cast<std::size_t>(token_seq[static_cast<std::size_t>(t)]);
    const int pos = token_pos[static_cast<std::size_t>(t)];
    for (int h = 0; h < s.n_heads; ++h) {
      const int kvh = h / group;
      const float* qh = qv.data() + t * q_width + h * s.head_dim;
      const int first = s.window > 0 ? std::max(0, pos + 1 - s.window) : 0;
      std::vector<double> w(static_cast<std::size_t>(pos + 1), -INFINITY);
      double max = -INFINITY;
      for (int p = first; p <= pos; ++p) {
        double dot = 0;
        for (int d = 0; d < s.head_dim; ++d) {
          dot += qh[d] * stored_k[q][static_cast<std::size_t>(p * kv_width + kvh * s.head_dim + d)];
        }
        w[static_cast<std::size_t>(p)] = dot * batch.scale;
        max = std::max(max, w[static_cast<std::size_t>(p)]);
      }
      double sum = 0;
      for (auto& x : w) sum += (x = std::exp(x - max));  // exp(-inf) = 0 outside the window
      for (int d = 0; d < s.head_dim; ++d) {
        double want = 0;
        for (int p = 0; p <= pos; ++p) {
          want += w[static_cast<std::size_t>(p)] / sum *
                  stored_v[q][static_cast<std::size_t>(p * kv_width + kvh * s.head_dim + d)];
        }
        ASSERT_NEAR(out[static_cast<std::size_t>(t * q_width + h * s.head_dim + d)], want, tolerance)
            << "token " << t << " head " << h << " dim " << d;
      }
    }
  }
}

// A token's output does not depend on the batch around it: the last 40
// positions of a sequence as one prefill chunk (runs of many tokens at the
// amx level) and each of them alone (a decode step) give the same bits.
class AttentionBatchInvariance : public IsaTest {};

TEST_P(AttentionBatchInvariance, ChunkAndSingleTokensAgreeBitForBit) {
  constexpr int kHeads = 8, kKvHeads = 2, kHeadDim = 64, kBlock = 16, kLen = 75;
  PagedKvView kv{
      .type = GgmlType::kF16, .n_blocks = 8, .block_size = kBlock, .n_kv_heads = kKvHeads, .head_dim = kHeadDim};
  std::vector<std::byte> k_pool(kv.slot_bytes() * 8 * kBlock), v_pool(k_pool.size());
  kv.k = k_pool.data();
  kv.v = v_pool.data();
  const std::vector<std::int32_t> blocks = {3, 0, 6, 1, 7};
  const auto k_rows = random_values(kLen * kKvHeads * kHeadDim, 1), v_rows = random_values(k_rows.size(), 2);
  for (int p = 0; p < kLen; ++p) {
    paged_kv_store(kv, blocks.data(), p, k_rows.data() + p * kKvHeads * kHeadDim,
                   v_rows.data() + p * kKvHeads * kHeadDim);
  }
  constexpr int kChunk = 40;
  const auto q = random_values(kChunk * kHeads * kHeadDim, 3);
  std::vector<std::int32_t> seq(kChunk, 0), pos(kChunk);
  for (int t = 0; t < kChunk; ++t) pos[static_cast<std::size_t>(t)] = kLen - kChunk + t;
  ThreadPool threads(2);
  KernelContext ctx(table(), &threads);
  auto run = [&](int t0, int n) {
    std::vector<float> out(static_cast<std::size_t>(n * kHeads * kHeadDim), NAN);
    paged_attention(ctx, kv,
                    {.q = q.data() + t0 * kHeads * kHeadDim,
                     .out = out.data(),
                     .n_tokens = n,
                     .n_heads = kHeads,
                     .token_seq = seq.data() + t0,
                     .token_pos = pos.data() + t0,
                     .block_tables = blocks.data(),
                     .max_blocks_per_seq = static_cast<int>(blocks.size()),
                     .scale = 0.125f});
    return out;
  };
  const auto chunk = run(0, kChunk);
  for (int t = 0; t < kChunk; ++t) {
    const auto alone = run(t, 1);
    for (int i = 0; i < kHeads * kHeadDim; ++i) {
      ASSERT_EQ(alone[static_cast<std::size_t>(i)], chunk[static_cast<std::size_t>(t * kHeads * kHeadDim + i)])
          << "token " << t << " value " << i;
    }
  }
}

SERVIR_INSTANTIATE_ISA_TESTS(AttentionBatchInvariance);

std::string attention_name(const ::testing::TestParamInfo<std::tuple<Isa, Shape>>& info) {
  const auto& [isa, s] = info.param;
  return std::string(isa_name(isa)) + "_h" + std::to_string(s.n_heads) + "_kv" + std::to_string(s.n_kv_heads) + "_d" +
         std::to_string(s.head_dim) + "_b" + std::to_string(s.block_size) + "_" +
         std::string(ggml_type_name(s.kv_type)) + (s.window > 0 ? "_w" + std::to_string(s.window) : "");
}

INSTANTIATE_TEST_SUITE_P(
    Isa, PagedAttention,
    ::testing::Combine(::testing::ValuesIn(kAllIsas),
                       ::testing::Values(Shape{4, 4, 32, 16, GgmlType::kF32}, Shape{8, 2, 64, 16, GgmlType::kF16},
                                         Shape{6, 1, 20, 5, GgmlType::kF16}, Shape{32, 4, 64, 32, GgmlType::kF32},
                                         Shape{16, 2, 128, 16, GgmlType::kF16}, Shape{5, 1, 80, 7, GgmlType::kF16},
                                         Shape{4, 2, 256, 16, GgmlType::kF32}, Shape{32, 1, 64, 16, GgmlType::kF16},
                                         Shape{8, 2, 64, 16, GgmlType::kF16, 20}, Shape{6, 1, 20, 5, GgmlType::kF16, 7},
                                         Shape{6, 2, 96, 16, GgmlType::kF16}, Shape{12, 4, 128, 8, GgmlType::kF16, 33},
                                         Shape{4, 4, 32, 16, GgmlType::kF16}, Shape{8, 2, 64, 16, GgmlType::kQ8_0},
                                         Shape{16, 2, 128, 16, GgmlType::kQ8_0}, Shape{6, 2, 96, 5, GgmlType::kQ8_0},
                                         Shape{4, 4, 32, 16, GgmlType::kQ8_0, 20},
                                         Shape{4, 2, 160, 16, GgmlType::kQ8_0}, Shape{32, 4, 64, 16, GgmlType::kQ8_0},
                                         Shape{8, 2, 64, 16, GgmlType::kBF16}, Shape{5, 1, 80, 7, GgmlType::kBF16},
                                         Shape{6, 1, 20, 5, GgmlType::kBF16},
                                         Shape{12, 4, 128, 8, GgmlType::kBF16, 33})),
    attention_name);

}  // namespace
}  // namespace servir::kernels
