#include "model/model_weights.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "formats/gptq_awq_repack.h"
#include "formats/tensor_names.h"
#include "kernels/dtype_traits.h"
#include "kernels/weights_x16.h"

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace servir {
namespace {

// Drops the whole pages of a read-only file mapping from this process
// (TensorEntry::data always points into one: MAP_SHARED, PROT_READ).
void release_pages(const void* data, std::size_t bytes) {
#if defined(__linux__)
  const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto begin = (reinterpret_cast<std::uintptr_t>(data) + page - 1) / page * page;
  const auto end = (reinterpret_cast<std::uintptr_t>(data) + bytes) / page * page;
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
#else
  (void)data;
  (void)bytes;
#endif
}

class Binder {
 public:
  Binder(const ModelDescription& model, const kernels::KernelTable& table, const WeightOptions& options,
         std::vector<std::vector<float>>& owned, std::vector<std::vector<std::byte>>& owned_matrices,
         std::vector<std::vector<std::int32_t>>& owned_orders, std::vector<std::vector<float>>& owned_offsets)
      : model_(model),
        table_(table),
        options_(options),
        owned_(owned),
        owned_matrices_(owned_matrices),
        owned_orders_(owned_orders),
        owned_offsets_(owned_offsets) {}

  // `terms` receives what a GPTQ/AWQ matrix adds to its product; matrices
  // bound without it (embeddings, the output) must not be packed.
  Result<kernels::TensorView> matrix(const std::string& name, bool needs_dot = true, LinearTerms* terms = nullptr) {
    const TensorEntry* t = model_.find(name);
    if (t == nullptr) return make_error(ErrorCode::kCorruptData, "{}: missing tensor '{}'", model_.path(), name);
    if (t->shape.size() != 2) {
      return make_error(ErrorCode::kCorruptData, "{}: tensor '{}' is not a matrix", model_.path(), name);
    }
    if (t->packed) {
      if (terms == nullptr || !model_.quantization()) {
        return make_error(ErrorCode::kUnsupported,
                          "{}: '{}' is stored packed ({}), which servir reads only for the "
                          "layers' projections",
                          model_.path(), t->source_name,
                          model_.quantization() ? model_.quantization()->describe() : "no quantization_config");
      }
      return repacked(*t, *terms);
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

  // A GPTQ/AWQ matrix re-packed (exactly) into ggml blocks, its input order
  // and group offsets kept beside it (formats/gptq_awq_repack.h).
  Result<kernels::TensorView> repacked(const TensorEntry& t, LinearTerms& terms) {
    const QuantizationConfig& q = *model_.quantization();
    auto unpacked = unpack_linear(q, *t.packed, t.shape[0], t.shape[1]);
    if (!unpacked) return std::move(unpacked).status().with_prefix(model_.path() + ": " + t.source_name);
    auto r = repack_linear(q, *unpacked, t.source_name);
    if (!r) return std::move(r).status().with_prefix(model_.path());
    if (table_.dot(r->type) == nullptr) {
      return make_error(ErrorCode::kUnsupported, "{}: no matmul kernel for {}", model_.path(), ggml_type_name(r->type));
    }
    auto& bytes = owned_matrices_.emplace_back(std::move(r->blocks));
    bytes_ += bytes.size();
    terms = {};
    if (!r->input_order.empty()) terms.input_order = owned_orders_.emplace_back(std::move(r->input_order)).data();
    if (!r->group_offsets.empty()) {
      const std::int64_t rows = t.shape[0];
      auto& offsets = owned_offsets_.emplace_back(r->group_offsets.size());
      for (std::int64_t n = 0; n < rows; ++n) {
        for (std::int64_t g = 0; g < r->n_groups; ++g) {
          offsets[static_cast<std::size_t>(g * rows + n)] =
              r->group_offsets[static_cast<std::size_t>(n * r->n_groups + g)];
        }
      }
      bytes_ += offsets.size() * sizeof(float);
      terms.group_offsets = kernels::TensorView::contiguous(offsets.data(), GgmlType::kF32, rows, r->n_groups);
    }
    terms.group_length = r->group_length;
    return kernels::TensorView::contiguous(bytes.data(), r->type, t.shape[1], t.shape[0]);
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
  std::vector<std::vector<std::int32_t>>& owned_orders_;
  std::vector<std::vector<float>>& owned_offsets_;
  std::uint64_t bytes_ = 0;
};

}  // namespace

Result<ModelWeights> ModelWeights::bind(const ModelDescription& model, const LayerSpec& spec,
                                        const kernels::KernelTable& table, const WeightOptions& options) {
  const ModelConfig& c = model.config();
  ModelWeights w;
  Binder b(model, table, options, w.owned_vectors_, w.owned_matrices_, w.owned_orders_, w.owned_offsets_);
  // Every lookup below goes through one of these; the first failure wins.
  Status status;
  auto take_matrix = [&](const std::string& name, kernels::TensorView& out, bool needs_dot = true,
                         LinearTerms* terms = nullptr) {
    if (!status.ok()) return;
    auto r = b.matrix(name, needs_dot, terms);
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
    take_matrix(layer_tensor_name(i, "attn_q.weight"), l.wq, true, &l.wq_terms);
    take_matrix(layer_tensor_name(i, "attn_k.weight"), l.wk, true, &l.wk_terms);
    take_matrix(layer_tensor_name(i, "attn_v.weight"), l.wv, true, &l.wv_terms);
    take_matrix(layer_tensor_name(i, "attn_output.weight"), l.wo, true, &l.wo_terms);
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
    take_matrix(layer_tensor_name(i, "ffn_gate.weight"), l.w_gate, true, &l.w_gate_terms);
    take_matrix(layer_tensor_name(i, "ffn_up.weight"), l.w_up, true, &l.w_up_terms);
    take_matrix(layer_tensor_name(i, "ffn_down.weight"), l.w_down, true, &l.w_down_terms);
  }
  if (!status.ok()) return status;
  // Matmul weights in the layout the table runs quickest (see interleave());
  // q/k/v (without bias or q/k norms, which apply per part) and gate/up
  // fused where their parts interleave alike, else each part on its own.
  auto interleave = [&](std::initializer_list<kernels::TensorView*> parts) {
    return w.interleave(parts, table, options.interleave);
  };
  auto fused = [&](std::initializer_list<kernels::TensorView*> parts,
                   std::initializer_list<const LinearTerms*> part_terms, LinearTerms& terms) {
    kernels::TensorView v;
    const std::optional<LinearTerms> shared = w.fused_terms(part_terms, (*parts.begin())->cols());
    if (shared) v = interleave(parts);
    if (v.data == nullptr) {
      for (kernels::TensorView* p : parts) interleave({p});
    } else {
      terms = *shared;
    }
    return v;
  };
  for (LayerWeights& l : w.layers_) {
    if (!spec.attention.qkv_bias && !spec.attention.qk_norm) {
      l.wqkv = fused({&l.wq, &l.wk, &l.wv}, {&l.wq_terms, &l.wk_terms, &l.wv_terms}, l.wqkv_terms);
    } else {
      for (kernels::TensorView* p : {&l.wq, &l.wk, &l.wv}) interleave({p});
    }
    l.w_gate_up = fused({&l.w_gate, &l.w_up}, {&l.w_gate_terms, &l.w_up_terms}, l.w_gate_up_terms);
    interleave({&l.wo});
    interleave({&l.w_down});
  }
  interleave({&w.output_});
  w.bytes_per_token_ = b.bytes();
  for (const LayerWeights& l : w.layers_) {
    const std::pair<const LinearTerms*, const kernels::TensorView*> all[] = {
        {&l.wq_terms, &l.wq},         {&l.wk_terms, &l.wk},         {&l.wv_terms, &l.wv},
        {&l.wo_terms, &l.wo},         {&l.w_gate_terms, &l.w_gate}, {&l.w_up_terms, &l.w_up},
        {&l.w_down_terms, &l.w_down}, {&l.wqkv_terms, &l.wqkv},     {&l.w_gate_up_terms, &l.w_gate_up}};
    LinearTermsScratch& s = w.terms_scratch_;
    for (const auto& [terms, view] : all) {
      if (terms->input_order != nullptr) s.gathered_cols = std::max(s.gathered_cols, view->cols());
      if (terms->group_offsets.data != nullptr) s.groups = std::max(s.groups, terms->group_offsets.rows());
    }
  }
  return w;
}

std::optional<LinearTerms> ModelWeights::fused_terms(std::initializer_list<const LinearTerms*> parts, std::int64_t k) {
  const LinearTerms& first = **parts.begin();
  const bool offsets = first.group_offsets.data != nullptr;
  for (const LinearTerms* p : parts) {
    const bool same_order = (p->input_order == nullptr && first.input_order == nullptr) ||
                            (p->input_order != nullptr && first.input_order != nullptr &&
                             std::equal(p->input_order, p->input_order + k, first.input_order));
    if (!same_order || (p->group_offsets.data != nullptr) != offsets) return std::nullopt;
    if (offsets && (p->group_offsets.rows() != first.group_offsets.rows() || p->group_length != first.group_length)) {
      return std::nullopt;
    }
  }
  LinearTerms fused = first;
  if (offsets) {
    // The fused matrix's rows are the parts' rows in order: each group's row
    // of offsets is the parts' rows side by side.
    const std::int64_t groups = first.group_offsets.rows();
    std::vector<float> joined;
    std::int64_t cols = 0;
    for (std::int64_t g = 0; g < groups; ++g) {
      for (const LinearTerms* p : parts) {
        const float* row = p->group_offsets.row_f32(g);
        joined.insert(joined.end(), row, row + p->group_offsets.cols());
        if (g == 0) cols += p->group_offsets.cols();
      }
    }
    auto& owned = owned_offsets_.emplace_back(std::move(joined));
    fused.group_offsets = kernels::TensorView::contiguous(owned.data(), GgmlType::kF32, cols, groups);
  }
  return fused;
}

kernels::TensorView ModelWeights::interleave(std::initializer_list<kernels::TensorView*> parts,
                                             const kernels::KernelTable& table, bool enabled) {
  const kernels::TensorView& first = **parts.begin();
  if (!enabled || !table.interleave_x16 || table.repack_gemm_x16[static_cast<std::uint32_t>(first.type)] == nullptr) {
    return {};
  }
  std::size_t bytes = 0;
  std::int64_t rows = 0;
  for (const kernels::TensorView* p : parts) {
    if (p->type != first.type || p->cols() != first.cols() || !kernels::x16_supported(p->type, p->rows(), p->cols())) {
      return {};
    }
    bytes += p->row_stride() * static_cast<std::size_t>(p->rows());
    rows += p->rows();
  }
  // A matrix interleaved by 16 rows is its groups back to back, so the parts
  // interleaved one after another are the interleaved concatenation.
  std::vector<std::byte> groups(bytes);
  std::size_t offset = 0;
  for (kernels::TensorView* p : parts) {
    const std::size_t n = p->row_stride() * static_cast<std::size_t>(p->rows());
    kernels::interleave_x16(p->type, p->data, p->row_stride(), p->rows(), p->cols(), groups.data() + offset);
    release(p->data, n);
    p->data = groups.data() + offset;
    p->layout = kernels::WeightLayout::kX16;
    offset += n;
  }
  kernels::TensorView v = kernels::TensorView::contiguous(groups.data(), first.type, first.cols(), rows);
  v.layout = kernels::WeightLayout::kX16;
  owned_matrices_.push_back(std::move(groups));
  return v;
}

void ModelWeights::release(const void* data, std::size_t bytes) {
  for (auto& owned : owned_matrices_) {
    if (owned.data() == data) {
      std::vector<std::byte>().swap(owned);
      return;
    }
  }
  release_pages(data, bytes);
}

}  // namespace servir
