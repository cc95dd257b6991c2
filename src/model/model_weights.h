// ModelWeights: the tensors of a Llama-family model bound for compute.
//
// Matrices are kernel TensorViews straight into the mmapped files (no copy,
// whatever their type), except where the kernel table runs a type quicker
// interleaved by 16 rows (kernels/weights_x16.h): those get an owned copy in
// that layout, made once here. Vectors (norm weights, biases) are small, so they are
// converted once to F32 and owned here: the per-row kernels take F32.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <vector>

#include "formats/model_description.h"
#include "kernels/kernel_table.h"
#include "kernels/tensor_view.h"
#include "model/layer_spec.h"

namespace servir {

// What a matrix re-packed from a GPTQ/AWQ checkpoint adds to its product
// (formats/gptq_awq_repack.h); empty for every other matrix. out = W' x'
// + offsets . sums, where x' is x gathered in input_order (act-order), W'
// the re-packed Q4_0/Q8_0 matrix, and sums the per-group sums of x'.
struct LinearTerms {
  const std::int32_t* input_order = nullptr;  // [K]: x'[i] = x[input_order[i]]; null: x' = x
  // F32 [n_groups, N] (transposed from the re-pack's [N, n_groups], so that
  // the product adds whole rows: out[t] += sums[t][g] * offsets[g]); data
  // null when every zero point is centred.
  kernels::TensorView group_offsets;
  std::int64_t group_length = 0;  // columns of x' per group

  bool empty() const { return input_order == nullptr && group_offsets.data == nullptr; }
};

struct LayerWeights {
  const float* attn_norm = nullptr;    // [hidden]
  kernels::TensorView wq, wk, wv, wo;  // [q_dim, hidden], [kv_dim, hidden] x2, [hidden, q_dim]
  const float* bq = nullptr;           // [q_dim], qkv bias (AttentionVariant::qkv_bias); null when absent
  const float* bk = nullptr;
  const float* bv = nullptr;
  const float* q_norm = nullptr;  // [head_dim] (AttentionVariant::qk_norm); null when absent
  const float* k_norm = nullptr;
  const float* ffn_norm = nullptr;           // [hidden]
  kernels::TensorView w_gate, w_up, w_down;  // [ffn, hidden] x2, [hidden, ffn]
  // Fused projections (data null when absent): [wq; wk; wv] and [w_gate;
  // w_up] as one interleaved matrix each, so the activations are quantized
  // or packed once and one parallel pass covers all the rows. Made where the
  // parts are interleaved by 16 rows (kernels/weights_x16.h) alike; wq, wk,
  // wv, w_gate and w_up then view their rows of it.
  kernels::TensorView wqkv;       // [q_dim + 2 kv_dim, hidden]
  kernels::TensorView w_gate_up;  // [2 ffn, hidden]
  // GPTQ/AWQ terms of each matrix (all empty for other checkpoints). A fused
  // matrix is made only where its parts share the input order and the
  // presence of offsets; its terms are then the parts' (offset rows stacked).
  LinearTerms wq_terms, wk_terms, wv_terms, wo_terms, w_gate_terms, w_up_terms, w_down_terms;
  LinearTerms wqkv_terms, w_gate_up_terms;
};

// Activation scratch the LinearTerms of a model need, per token (0: none).
struct LinearTermsScratch {
  std::int64_t gathered_cols = 0;  // widest K with an input order
  std::int64_t groups = 0;         // most groups of a matrix with offsets
};

struct WeightOptions {
  // On-the-fly quantization (vLLM's --quantization for unquantized
  // checkpoints): F32/F16/BF16 projection matrices are converted at load into
  // owned buffers of this type (e.g. Q8_0, Q4_0). The embedding table stays
  // as stored. Already-quantized matrices are left alone.
  std::optional<GgmlType> quantize_matrices;
  // Interleave matmul weights by 16 rows where the kernel table runs them
  // quicker that way (kernels/weights_x16.h; an owned copy made at load).
  bool interleave = true;
};

class ModelWeights {
 public:
  // Binds the tensors the layers of `spec` read. Fails when one is missing,
  // a tensor's type has no kernel in `table` (a clear message naming the
  // tensor and type) or a vector has a type we cannot convert.
  static Result<ModelWeights> bind(const ModelDescription& model, const LayerSpec& spec,
                                   const kernels::KernelTable& table, const WeightOptions& options = {});

  ModelWeights(ModelWeights&&) noexcept = default;
  ModelWeights& operator=(ModelWeights&&) noexcept = default;
  ModelWeights(const ModelWeights&) = delete;
  ModelWeights& operator=(const ModelWeights&) = delete;

  const kernels::TensorView& token_embd() const { return token_embd_; }  // [vocab, hidden]
  const kernels::TensorView& output() const { return output_; }          // [vocab, hidden]
  const float* output_norm() const { return output_norm_; }
  const LayerWeights& layer(std::int64_t i) const { return layers_[static_cast<std::size_t>(i)]; }
  std::int64_t n_layers() const { return static_cast<std::int64_t>(layers_.size()); }
  // Bytes of weights one decode step reads (all matrices, embedding row excluded).
  std::uint64_t bytes_per_token() const { return bytes_per_token_; }
  const LinearTermsScratch& linear_terms_scratch() const { return terms_scratch_; }

 private:
  ModelWeights() = default;
  // The parts (matrices of one type and width) interleaved by 16 rows
  // (kernels/weights_x16.h) into one owned buffer, back to back, where the
  // table asks for that layout and has its kernels: their views are
  // re-pointed into it and the view of all of them is returned (the fused
  // matrix, for several parts). Each source is released: an owned copy
  // (quantized at load) is freed, a file's pages are dropped from this
  // process (they stay in the page cache and come back on a fault, e.g. for
  // a tied embedding table), so resident memory does not double. An empty
  // view, and the parts untouched, where they do not qualify.
  kernels::TensorView interleave(std::initializer_list<kernels::TensorView*> parts, const kernels::KernelTable& table,
                                 bool enabled);
  // The terms of a fused matrix of `parts` (k input columns), or nullopt
  // when they differ so that one product cannot serve them all.
  std::optional<LinearTerms> fused_terms(std::initializer_list<const LinearTerms*> parts, std::int64_t k);
  void release(const void* data, std::size_t bytes);

  kernels::TensorView token_embd_;
  kernels::TensorView output_;
  const float* output_norm_ = nullptr;
  std::vector<LayerWeights> layers_;
  std::vector<std::vector<float>> owned_vectors_;        // F32 copies of non-F32 vectors
  std::vector<std::vector<std::byte>> owned_matrices_;   // matrices quantized at load
  std::vector<std::vector<std::int32_t>> owned_orders_;  // act-order input orders
  std::vector<std::vector<float>> owned_offsets_;        // GPTQ/AWQ group offsets
  LinearTermsScratch terms_scratch_;
  std::uint64_t bytes_per_token_ = 0;
};

}  // namespace servir
