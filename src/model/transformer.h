// TransformerModel: the forward pass of the Llama family over a flat batch
// of tokens from many sequences, against a paged KV cache. Each layer is the
// shared attention and MLP blocks (attention_layer.h, mlp_layer.h) in the
// variant its architecture's file in model/arch/ picks (layer_spec.h):
// llama, mistral (sliding window), qwen2 (q/k/v biases), qwen3 (per-head
// q/k RMSNorm).
//
// forward() appends each token's K/V to its sequence's blocks and returns
// logits only for the rows the caller asks for; it is the interface the
// continuous-batching engine drives. All activation memory is allocated at
// create() for `max_batch_tokens`; forward() allocates nothing.
//
// Thread-safety: one forward() at a time (the engine thread); the kernels
// fan out on the KernelContext's thread pool.
#pragma once

#include <cstdint>
#include <vector>

#include "formats/model_description.h"
#include "kernels/context.h"
#include "kernels/ops/rope.h"
#include "model/forward_batch.h"
#include "model/kv_cache.h"
#include "model/layer_spec.h"
#include "model/model_weights.h"

namespace servir {

struct TransformerOptions {
  std::int64_t max_batch_tokens = 512;  // --max-num-batched-tokens
  std::int64_t max_logit_rows = 64;     // rows of logits one step may return
  WeightOptions weights;                // e.g. quantize F16 matrices to Q8_0 at load
};

class TransformerModel {
 public:
  static Result<TransformerModel> create(const ModelDescription& model, const kernels::KernelTable& table,
                                         const TransformerOptions& options = {});

  TransformerModel(TransformerModel&&) noexcept = default;
  TransformerModel& operator=(TransformerModel&&) noexcept = default;
  TransformerModel(const TransformerModel&) = delete;
  TransformerModel& operator=(const TransformerModel&) = delete;

  const ModelConfig& config() const { return config_; }
  const ModelWeights& weights() const { return weights_; }
  const TransformerOptions& options() const { return options_; }
  // Bytes of activation scratch allocated at create().
  std::uint64_t scratch_bytes() const;

  // Runs one step. `logits` receives [batch.logit_rows.size(), vocab] floats.
  // Bad ids, positions or block ids are refused with kInvalidArgument before
  // anything is written.
  Status forward(kernels::KernelContext& ctx, const ForwardBatch& batch, KvCache& cache, float* logits);

 private:
  TransformerModel(ModelConfig config, LayerSpec spec, ModelWeights weights, kernels::RopeTable rope,
                   TransformerOptions options);
  Status validate(const ForwardBatch& batch, const KvCache& cache) const;

  ModelConfig config_;
  LayerSpec spec_;
  ModelWeights weights_;
  kernels::RopeTable rope_;
  TransformerOptions options_;
  // Activation scratch, each [max_batch_tokens, width].
  std::vector<float> x_;                      // residual stream [T, hidden]
  std::vector<float> xn_;                     // normed input [T, hidden]
  std::vector<float> q_;                      // [T, n_heads * head_dim]
  std::vector<float> k_;                      // [T, n_kv_heads * head_dim]
  std::vector<float> v_;                      // [T, n_kv_heads * head_dim]
  std::vector<float> attn_;                   // [T, n_heads * head_dim]
  std::vector<float> gate_;                   // [T, ffn]
  std::vector<float> up_;                     // [T, ffn]
  std::vector<float> proj_;                   // [T, hidden] output of wo / w_down
  std::vector<float> last_;                   // [max_logit_rows, hidden] rows that need logits
  std::vector<float> qkv_;                    // [T, q_dim + 2 kv_dim] when the layers have wqkv
  std::vector<float> gate_up_;                // [T, 2 ffn] when the layers have w_gate_up
  std::vector<float> gathered_, group_sums_;  // GPTQ/AWQ LinearTerms scratch
};

}  // namespace servir
