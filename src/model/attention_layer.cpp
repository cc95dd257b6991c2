#include "model/attention_layer.h"

#include <algorithm>
#include <cmath>

#include "kernels/ops/ops.h"

namespace servir {
namespace {

void add_bias_rows(const kernels::KernelContext& ctx, float* x, const float* bias, std::int64_t rows,
                   std::int64_t width) {
  const auto add = ctx.kernels().add;
  ctx.parallel_for(rows, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) add(x + r * width, bias, x + r * width, width);
  });
}

}  // namespace

void attention_layer(const LayerStep& s, const LayerWeights& w, std::int64_t layer, const AttentionVariant& variant) {
  const ModelConfig& c = s.config;
  const Activations& a = s.act;
  const ForwardBatch& b = s.batch;
  const std::int64_t n = s.n;
  const std::int64_t head_dim = c.head_dim;
  const std::int64_t q_dim = c.n_heads * head_dim;
  const std::int64_t kv_dim = c.n_kv_heads * head_dim;
  const auto eps = static_cast<float>(c.rms_norm_eps);

  kernels::rms_norm_rows(s.ctx, a.x, w.attn_norm, a.xn, n, c.hidden_size, eps);
  // Fused: one matmul into rows of [q | k | v]; q is copied out (attention
  // takes dense q rows), k and v are stored into the cache from the row.
  const bool fused = w.wqkv.data != nullptr && a.qkv != nullptr;
  const std::int64_t qkv_dim = q_dim + 2 * kv_dim;
  if (fused) {
    linear(s, a.xn, w.wqkv, w.wqkv_terms, a.qkv);
  } else {
    linear(s, a.xn, w.wq, w.wq_terms, a.q);
    linear(s, a.xn, w.wk, w.wk_terms, a.k);
    linear(s, a.xn, w.wv, w.wv_terms, a.v);
  }
  if (variant.qkv_bias) {
    add_bias_rows(s.ctx, a.q, w.bq, n, q_dim);
    add_bias_rows(s.ctx, a.k, w.bk, n, kv_dim);
    add_bias_rows(s.ctx, a.v, w.bv, n, kv_dim);
  }
  if (variant.qk_norm) {
    kernels::rms_norm_rows(s.ctx, a.q, w.q_norm, a.q, n * c.n_heads, head_dim, eps);
    kernels::rms_norm_rows(s.ctx, a.k, w.k_norm, a.k, n * c.n_kv_heads, head_dim, eps);
  }
  const kernels::PagedKvView& kv = s.cache.layer(layer);
  s.ctx.parallel_for(n, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t t = begin; t < end; ++t) {
      const auto i = static_cast<std::size_t>(t);
      float* k;  // (the unused buffers are empty: no pointer math on them)
      const float* v;
      if (fused) {
        float* row = a.qkv + t * qkv_dim;
        std::copy_n(row, q_dim, a.q + t * q_dim);
        k = row + q_dim;
        v = k + kv_dim;
      } else {
        k = a.k + t * kv_dim;
        v = a.v + t * kv_dim;
      }
      kernels::rope(s.rope, a.q + t * q_dim, static_cast<int>(c.n_heads), b.positions[i]);
      kernels::rope(s.rope, k, static_cast<int>(c.n_kv_heads), b.positions[i]);
      // Distinct tokens write distinct slots (one position per sequence per
      // step), so stores run in parallel safely.
      const std::int32_t* table =
          b.block_tables.data() + static_cast<std::size_t>(b.token_seq[i]) * b.max_blocks_per_seq;
      kernels::paged_kv_store(kv, table, b.positions[i], k, v);
    }
  });
  kernels::AttentionBatch batch;
  batch.q = a.q;
  batch.out = a.attn;
  batch.n_tokens = n;
  batch.n_heads = static_cast<int>(c.n_heads);
  batch.token_seq = b.token_seq.data();
  batch.token_pos = b.positions.data();
  batch.block_tables = b.block_tables.data();
  batch.max_blocks_per_seq = b.max_blocks_per_seq;
  batch.scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  batch.sliding_window = variant.sliding_window;
  kernels::paged_attention(s.ctx, kv, batch);
  linear(s, a.attn, w.wo, w.wo_terms, a.proj);
  add_in_place(s.ctx, a.x, a.proj, n * c.hidden_size);
}

}  // namespace servir
