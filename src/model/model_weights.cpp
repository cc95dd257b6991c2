#include "model/model_weights.h"

#include "formats/tensor_names.h"
#include "kernels/dtype_traits.h"

namespace servir {
namespace {

class Binder {
 public:
  Binder(const ModelDescription& model, const kernels::KernelTable& table, const WeightOptions& options,
         std::vector<std::vector<float>>& owned, std::vector<std::vector<std::byte>>& owned_matrices)
      : model_(model), table_(table), options_(options), owned_(owned), owned_matrices_(owned_matrices) {}

  Result<kernels::TensorView> matrix(const std::string& name, bool needs_dot = true) {
    const TensorEntry* t = model_.find(name);
    if (t == nullptr) return make_error(ErrorCode::kCorruptData, "{}: missing tensor '{}'", model_.path(), name);
    if (t->shape.size() != 2) {
      return make_error(ErrorCode::kCorruptData, "{}: tensor '{}' is not a matrix", model_.path(), name);
    }
    if (needs_dot && table_.dot(t->type) == nullptr) {
      return make_error(ErrorCode::kUnsupported, "{}: tensor '{}' has type {}, which has no matmul kernel yet",
                        model_.path(), name, ggml_type_name(t->type));
    }
    if (!needs_dot && table_.dequantizer(t->type) == nullptr) {
      return make_error(ErrorCode::kUnsupported, "{}: tensor '{}' has type {}, which cannot be dequantized yet",
                        model_.path(), name, ggml_type_name(t->type));
    }
    if (needs_dot && options_.quantize_matrices && !ggml_type_info(t->type).quantized) return quantized(*t);
    if (needs_dot) bytes_ += t->n_bytes;  // a tied output matrix is read every step too
    return kernels::TensorView::contiguous(t->data, t->type, t->shape[1], t->shape[0]);
  }

  // A float matrix converted row by row into options_.quantize_matrices.
  Result<kernels::TensorView> quantized(const TensorEntry& t) {
    const GgmlType type = *options_.quantize_matrices;
    const kernels::DTypeTraits* traits = kernels::dtype_traits(type);
    const auto to_f32 = table_.dequantizer(t.type);
    if (traits == nullptr || traits->from_f32 == nullptr || table_.dot(type) == nullptr || to_f32 == nullptr) {
      return make_error(ErrorCode::kUnsupported, "cannot quantize weights to {} at load", ggml_type_name(type));
    }
    const std::int64_t rows = t.shape[0];
    const std::int64_t cols = t.shape[1];
    if (cols % traits->block_size != 0) {
      return make_error(ErrorCode::kUnsupported, "{}: tensor '{}' rows of {} are not a whole number of {} blocks",
                        model_.path(), t.name, cols, ggml_type_name(type));
    }
    const std::size_t row_bytes = kernels::row_bytes(*traits, cols);
    const std::size_t src_row_bytes = t.n_bytes / static_cast<std::size_t>(rows);
    auto& bytes = owned_matrices_.emplace_back(row_bytes * static_cast<std::size_t>(rows));
    std::vector<float> row(static_cast<std::size_t>(cols));
    for (std::int64_t r = 0; r < rows; ++r) {
      to_f32(t.data + static_cast<std::size_t>(r) * src_row_bytes, row.data(), cols);
      traits->from_f32(row.data(), bytes.data() + static_cast<std::size_t>(r) * row_bytes, cols);
    }
    bytes_ += bytes.size();
    return kernels::TensorView::contiguous(bytes.data(), type, cols, rows);
  }

  // A vector as F32: the mapped bytes when already F32, else a converted copy.
  Result<const float*> vector(const std::string& name, bool optional = false) {
    const TensorEntry* t = model_.find(name);
    if (t == nullptr) {
      if (optional) return static_cast<const float*>(nullptr);
      return make_error(ErrorCode::kCorruptData, "{}: missing tensor '{}'", model_.path(), name);
    }
    if (t->type == GgmlType::kF32) return reinterpret_cast<const float*>(t->data);
    const auto to_f32 = table_.dequantizer(t->type);
    if (to_f32 == nullptr) {
      return make_error(ErrorCode::kUnsupported, "{}: vector '{}' has type {}, which cannot be converted to f32",
                        model_.path(), name, ggml_type_name(t->type));
    }
    auto& copy = owned_.emplace_back(static_cast<std::size_t>(t->n_elements));
    to_f32(t->data, copy.data(), static_cast<std::int64_t>(t->n_elements));
    return static_cast<const float*>(copy.data());
  }

  std::uint64_t bytes() const { return bytes_; }

 private:
  const ModelDescription& model_;
  const kernels::KernelTable& table_;
  const WeightOptions& options_;
  std::vector<std::vector<float>>& owned_;
  std::vector<std::vector<std::byte>>& owned_matrices_;
  std::uint64_t bytes_ = 0;
};

}  // namespace

Result<ModelWeights> ModelWeights::bind(const ModelDescription& model, const LayerSpec& spec,
                                        const kernels::KernelTable& table, const WeightOptions& options) {
  const ModelConfig& c = model.config();
  ModelWeights w;
  Binder b(model, table, options, w.owned_vectors_, w.owned_matrices_);
  // Every lookup below goes through one of these; the first failure wins.
  Status status;
  auto take_matrix = [&](const std::string& name, kernels::TensorView& out, bool needs_dot = true) {
    if (!status.ok()) return;
    auto r = b.matrix(name, needs_dot);
    if (r.ok()) {
      out = *r;
    } else {
      status = r.status();
    }
  };
  auto take_vector = [&](const std::string& name, const float*& out, bool optional = false) {
    if (!status.ok()) return;
    auto r = b.vector(name, optional);
    if (r.ok()) {
      out = *r;
    } else {
      status = r.status();
    }
  };
  take_matrix(std::string(kTokenEmbd), w.token_embd_, /*needs_dot=*/false);
  take_matrix(std::string(kOutput), w.output_);
  take_vector(std::string(kOutputNorm), w.output_norm_);
  w.layers_.resize(static_cast<std::size_t>(c.n_layers));
  for (std::int64_t i = 0; i < c.n_layers; ++i) {
    LayerWeights& l = w.layers_[static_cast<std::size_t>(i)];
    take_vector(layer_tensor_name(i, "attn_norm.weight"), l.attn_norm);
    take_matrix(layer_tensor_name(i, "attn_q.weight"), l.wq);
    take_matrix(layer_tensor_name(i, "attn_k.weight"), l.wk);
    take_matrix(layer_tensor_name(i, "attn_v.weight"), l.wv);
    take_matrix(layer_tensor_name(i, "attn_output.weight"), l.wo);
    if (spec.attention.qkv_bias) {
      take_vector(layer_tensor_name(i, "attn_q.bias"), l.bq);
      take_vector(layer_tensor_name(i, "attn_k.bias"), l.bk);
      take_vector(layer_tensor_name(i, "attn_v.bias"), l.bv);
    }
    if (spec.attention.qk_norm) {
      take_vector(layer_tensor_name(i, "attn_q_norm.weight"), l.q_norm);
      take_vector(layer_tensor_name(i, "attn_k_norm.weight"), l.k_norm);
    }
    take_vector(layer_tensor_name(i, "ffn_norm.weight"), l.ffn_norm);
    take_matrix(layer_tensor_name(i, "ffn_gate.weight"), l.w_gate);
    take_matrix(layer_tensor_name(i, "ffn_up.weight"), l.w_up);
    take_matrix(layer_tensor_name(i, "ffn_down.weight"), l.w_down);
  }
  if (!status.ok()) return status;
  w.bytes_per_token_ = b.bytes();
  return w;
}

}  // namespace servir
