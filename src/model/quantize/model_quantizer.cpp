#include "model/quantize/model_quantizer.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "formats/gguf_model_metadata.h"
#include "formats/gguf_writer.h"
#include "formats/tensor_names.h"
#include "kernels/dtype_traits.h"
#include "kernels/thread_pool.h"

namespace servir {
namespace {

namespace fs = std::filesystem;

// Input rows converted per slice: large enough to keep every thread busy,
// small enough that the f32 scratch and the input pages in flight stay a few
// MiB.
constexpr std::uint64_t kSliceInputBytes = std::uint64_t{8} << 20;

struct SourceTensor {
  std::string name;
  std::vector<std::uint64_t> ne;  // innermost first
  GgmlType type = GgmlType::kF32;
  const std::byte* data = nullptr;
  std::uint64_t n_bytes = 0;
  std::int64_t permute_head_dim = 0;  // > 0: rows go from HF to interleaved RoPE order
  bool in_map = true;                 // data is in a file map (its pages may be released)
};

bool is_float_type(GgmlType t) { return t == GgmlType::kF32 || t == GgmlType::kF16 || t == GgmlType::kBF16; }

// Drops the whole pages of [data, data + bytes) from this process; the file
// stays in the page cache, so a later touch reads it back.
void release_input_pages(const std::byte* data, std::uint64_t bytes) {
  static const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto begin = (reinterpret_cast<std::uintptr_t>(data) + page - 1) / page * page;
  const auto end = (reinterpret_cast<std::uintptr_t>(data) + bytes) / page * page;
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

// `rope_freqs` holds the computed Llama 3 factors an HF folder needs as a
// tensor; it must outlive the returned sources.
Result<std::vector<SourceTensor>> collect_sources(const ModelDescription& model, std::vector<float>& rope_freqs) {
  std::vector<SourceTensor> out;
  if (const GgufFile* gguf = model.gguf()) {
    for (const GgufTensorInfo& info : gguf->tensors()) {
      out.push_back({info.name, info.ne, info.type, info.data, info.n_bytes, 0, true});
    }
    return out;
  }
  const ModelConfig& c = model.config();
  const bool permute = c.arch == Architecture::kLlama || c.arch == Architecture::kMistral;
  if (permute && c.rope_dim != c.head_dim) {
    return make_error(ErrorCode::kUnsupported,
                      "{}: partial rotary ({} of {} dims) on {}: llama.cpp's Q/K permutation covers whole heads",
                      model.path(), c.rope_dim, c.head_dim, architecture_name(c.arch));
  }
  // llama.cpp's order (token_embd, the blocks, output_norm, output); tied
  // embeddings are one tensor, token_embd, whichever name the checkpoint used.
  for (const ExpectedTensor& expected : expected_tensors(c)) {
    if (c.tied_embeddings && expected.name == kOutput) continue;
    const TensorEntry* found = model.find(expected.name);
    if (found == nullptr) return make_error(ErrorCode::kNotFound, "{}: no tensor {}", model.path(), expected.name);
    const TensorEntry& t = *found;
    SourceTensor s{t.name, std::vector<std::uint64_t>(t.shape.rbegin(), t.shape.rend()), t.type, t.data, t.n_bytes, 0,
                   true};
    if (permute) {
      for (const char* suffix : {".attn_q.weight", ".attn_k.weight", ".attn_q.bias", ".attn_k.bias"}) {
        if (t.name.ends_with(suffix)) s.permute_head_dim = c.head_dim;
      }
    }
    out.push_back(std::move(s));
  }
  if (c.rope_scaling.type == RopeScalingType::kLlama3) {
    rope_freqs = llama3_rope_freq_factors(c);
    out.push_back({std::string(kRopeFreqs),
                   {rope_freqs.size()},
                   GgmlType::kF32,
                   reinterpret_cast<const std::byte*>(rope_freqs.data()),
                   rope_freqs.size() * sizeof(float),
                   0,
                   /*in_map=*/false});
  }
  return out;
}

Result<QuantizeResult> plan_sources(const ModelDescription& model, const std::vector<SourceTensor>& sources,
                                    const QuantizeOptions& options) {
  QuantizePlanOptions plan_options = options.plan;
  plan_options.n_layers = model.config().n_layers;
  std::vector<TensorToPlan> to_plan;
  to_plan.reserve(sources.size());
  for (const SourceTensor& s : sources) to_plan.push_back({s.name, s.ne});
  std::vector<PlannedTensor> plan = plan_quantization(to_plan, plan_options);

  QuantizeResult result;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const SourceTensor& s = sources[i];
    if (!is_float_type(s.type) && !options.allow_requantize) {
      return make_error(ErrorCode::kInvalidArgument,
                        "{}: tensor '{}' is already {}: requantizing loses more than quantizing once from the float "
                        "model; pass --allow-requantize to do it anyway",
                        model.path(), s.name, ggml_type_name(s.type));
    }
    const kernels::DTypeTraits* in = kernels::dtype_traits(s.type);
    const kernels::DTypeTraits* out = kernels::dtype_traits(plan[i].type);
    if (in == nullptr || in->to_f32 == nullptr) {
      return make_error(ErrorCode::kUnsupported, "tensor '{}': input type {} cannot be read", s.name,
                        ggml_type_name(s.type));
    }
    if (out == nullptr || out->from_f32 == nullptr) {
      return make_error(ErrorCode::kUnsupported, "tensor '{}': no quantizer for {}", s.name,
                        ggml_type_name(plan[i].type));
    }
    QuantizedTensorInfo info;
    info.plan = plan[i];
    info.input_type = s.type;
    info.ne = s.ne;
    info.input_bytes = s.n_bytes;
    std::uint64_t n = 1;
    for (const std::uint64_t d : s.ne) n *= d;
    const std::optional<std::uint64_t> out_bytes = ggml_row_bytes(plan[i].type, n);
    if (!out_bytes) return make_error(ErrorCode::kInvalidArgument, "tensor '{}': bad shape", s.name);
    info.output_bytes = *out_bytes;
    result.input_bytes += s.n_bytes;
    result.output_bytes += *out_bytes;
    result.n_elements += n;
    result.tensors.push_back(std::move(info));
  }
  return result;
}

// Converts one tensor into `out`, slice by slice, on the pool.
class TensorConverter {
 public:
  TensorConverter(kernels::ThreadPool& pool, const QuantizeOptions& options, std::uint64_t input_bytes_total)
      : pool_(pool), options_(options), input_bytes_total_(input_bytes_total) {}

  void convert(std::size_t index, std::size_t n_tensors, const SourceTensor& s, const PlannedTensor& plan,
               std::span<std::byte> out) {
    const std::int64_t row = static_cast<std::int64_t>(s.ne[0]);
    const std::uint64_t rows = s.n_bytes / *ggml_row_bytes(s.type, s.ne[0]);
    const std::uint64_t in_row_bytes = *ggml_row_bytes(s.type, s.ne[0]);
    const std::uint64_t out_row_bytes = *ggml_row_bytes(plan.type, s.ne[0]);
    const auto to_f32 = kernels::dtype_traits(s.type)->to_f32;
    const auto from_f32 = kernels::dtype_traits(plan.type)->from_f32;
    const bool copy = plan.type == s.type && s.permute_head_dim == 0;
    const std::uint64_t slice_rows =
        std::max<std::uint64_t>(1, kSliceInputBytes / std::max<std::uint64_t>(1, in_row_bytes));
    QuantizeProgress progress{index, n_tensors, &plan, 0, rows, input_bytes_done_, input_bytes_total_, false};
    for (std::uint64_t begin = 0; begin < rows; begin += slice_rows) {
      const std::uint64_t end = std::min(rows, begin + slice_rows);
      if (copy) {
        std::memcpy(out.data() + begin * out_row_bytes, s.data + begin * in_row_bytes, (end - begin) * in_row_bytes);
      } else {
        pool_.parallel_for(static_cast<std::int64_t>(end - begin), 1, [&](std::int64_t b, std::int64_t e) {
          thread_local std::vector<float> scratch;
          scratch.resize(static_cast<std::size_t>(row));
          for (std::int64_t r = b; r < e; ++r) {
            const std::uint64_t dst_row = begin + static_cast<std::uint64_t>(r);
            const std::uint64_t src_row =
                s.permute_head_dim > 0 ? interleaved_source_row(dst_row, s.permute_head_dim) : dst_row;
            to_f32(s.data + src_row * in_row_bytes, scratch.data(), row);
            from_f32(scratch.data(), out.data() + dst_row * out_row_bytes, row);
          }
        });
      }
      // A permuted slice read rows of its heads only, but release per head
      // boundary is not worth the bookkeeping: those go at the end.
      if (s.permute_head_dim == 0 && s.in_map)
        release_input_pages(s.data + begin * in_row_bytes, (end - begin) * in_row_bytes);
      progress.tensor_rows_done = end;
      progress.input_bytes_done = input_bytes_done_ + end * in_row_bytes;
      if (options_.on_progress && end < rows) options_.on_progress(progress);
    }
    if (s.permute_head_dim > 0 && s.in_map) release_input_pages(s.data, s.n_bytes);
    input_bytes_done_ += s.n_bytes;
    progress.input_bytes_done = input_bytes_done_;
    progress.tensor_finished = true;
    if (options_.on_progress) options_.on_progress(progress);
  }

 private:
  kernels::ThreadPool& pool_;
  const QuantizeOptions& options_;
  std::uint64_t input_bytes_total_;
  std::uint64_t input_bytes_done_ = 0;
};

std::string model_name(const ModelDescription& model) {
  fs::path p(model.path());
  if (p.filename().empty()) p = p.parent_path();
  return p.stem().string();
}

}  // namespace

std::uint64_t interleaved_source_row(std::uint64_t row, std::int64_t head_dim) {
  const auto d = static_cast<std::uint64_t>(head_dim);
  const std::uint64_t head = row / d, within = row % d;
  return head * d + (within % 2) * (d / 2) + within / 2;
}

Result<QuantizeResult> plan_model_quantization(const ModelDescription& model, const QuantizeOptions& options) {
  std::vector<float> rope_freqs;
  Result<std::vector<SourceTensor>> sources = collect_sources(model, rope_freqs);
  if (!sources.ok()) return sources.status();
  return plan_sources(model, *sources, options);
}

Result<QuantizeResult> quantize_model(const ModelDescription& model, const std::string& out_path,
                                      const QuantizeOptions& options) {
  std::vector<float> rope_freqs;
  Result<std::vector<SourceTensor>> sources = collect_sources(model, rope_freqs);
  if (!sources.ok()) return sources.status();
  Result<QuantizeResult> result = plan_sources(model, *sources, options);
  if (!result.ok()) return result.status();

  const QuantScheme scheme = options.plan.scheme;
  GgufWriter writer;
  if (const GgufFile* gguf = model.gguf()) {
    for (const auto& [key, value] : gguf->metadata()) {
      if (key == "general.file_type" || key == "general.quantization_version" || key == "general.alignment") continue;
      writer.set(key, value);
    }
    writer.set("general.file_type", GgufValue(quant_scheme_file_type(scheme)));
    if (ggml_type_info(quant_scheme_base_type(scheme)).quantized) {
      writer.set("general.quantization_version", GgufValue(std::uint32_t{2}));
    }
  } else {
    const GgufGeneralInfo general{model_name(model), quant_scheme_file_type(scheme),
                                  ggml_type_info(quant_scheme_base_type(scheme)).quantized,
                                  /*rope_freqs_tensor=*/true};
    if (Status st = set_gguf_model_metadata(model.config(), general, writer); !st.ok()) {
      return st.with_prefix(model.path());
    }
    if (options.tokenizer_metadata.empty()) {
      return make_error(ErrorCode::kInvalidArgument, "{}: no tokenizer metadata for the GGUF", model.path());
    }
    for (const auto& [key, value] : options.tokenizer_metadata) writer.set(key, value);
  }

  kernels::ThreadPool pool(options.n_threads);
  TensorConverter converter(pool, options, result->input_bytes);
  const std::size_t n = sources->size();
  for (std::size_t i = 0; i < n; ++i) {
    const SourceTensor* s = &(*sources)[i];
    const PlannedTensor* plan = &result->tensors[i].plan;
    Status st = writer.add_tensor(s->name, plan->type, s->ne, [&converter, i, n, s, plan](std::span<std::byte> out) {
      converter.convert(i, n, *s, *plan, out);
    });
    if (!st.ok()) return st;
  }
  if (Status st = writer.write(out_path); !st.ok()) return st;
  std::error_code ec;
  result->output_file_bytes = fs::file_size(out_path, ec);
  return result;
}

}  // namespace servir
