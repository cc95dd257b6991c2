// LayerStep: what a shared layer (attention_layer.h, mlp_layer.h) reads and
// writes during one forward step: the batch, the KV cache, the model's
// shape and the activation scratch, all owned by TransformerModel.
#pragma once

#include <cstdint>

#include "formats/model_config.h"
#include "kernels/context.h"
#include "kernels/ops/rope.h"
#include "kernels/tensor_view.h"
#include "model/forward_batch.h"
#include "model/kv_cache.h"
#include "model/model_weights.h"

namespace servir {

// Activation scratch rows for the n tokens of a step (each [max_batch_tokens, width]).
struct Activations {
  float* x;     // residual stream [T, hidden]
  float* xn;    // normed input [T, hidden]
  float* q;     // [T, n_heads * head_dim]
  float* k;     // [T, n_kv_heads * head_dim]
  float* v;     // [T, n_kv_heads * head_dim]
  float* attn;  // [T, n_heads * head_dim]
  float* gate;  // [T, ffn]
  float* up;    // [T, ffn]
  float* proj;  // [T, hidden] output of wo / w_down
  // Outputs of the fused projections (LayerWeights::wqkv, w_gate_up); null
  // when the model has none.
  float* qkv;      // [T, q_dim + 2 kv_dim]
  float* gate_up;  // [T, 2 ffn]
  // Scratch of the GPTQ/AWQ LinearTerms (model_weights.h, sizes from
  // LinearTermsScratch); null when no matrix needs them.
  float* gathered = nullptr;    // [T, gathered_cols] inputs in act-order
  float* group_sums = nullptr;  // [T, groups]
};

struct LayerStep {
  kernels::KernelContext& ctx;
  const ModelConfig& config;
  const kernels::RopeTable& rope;
  const ForwardBatch& batch;
  KvCache& cache;
  const Activations& act;
  std::int64_t n;  // tokens in the batch
};

// out[M, N] = in[M, K] * w^T, with in/out dense F32 rows.
void linear(kernels::KernelContext& ctx, const float* in, std::int64_t m, const kernels::TensorView& w, float* out);

// The same for a matrix with GPTQ/AWQ terms: the input gathered in the
// matrix's input order, then the group offsets times the per-group sums of
// that input added to the product. Plain linear() when `terms` is empty.
void linear(const LayerStep& s, const float* in, const kernels::TensorView& w, const LinearTerms& terms, float* out);

// x[i] += y[i] for n floats, split across the pool.
void add_in_place(const kernels::KernelContext& ctx, float* x, const float* y, std::int64_t n);

}  // namespace servir
