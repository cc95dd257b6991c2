// Deterministic random-weight models with real shapes, written as GGUF or as
// a Hugging Face folder. Tests and benchmarks make the models they need with
// this (`servir testmodel`) instead of shipping large files.
//
// Weights ~ N(0, 0.02) and norms = 1, drawn from a generator seeded by
// (seed, tensor name), so a tensor's values do not depend on which other
// tensors exist or on the output format: the GGUF and HF versions of one
// spec hold the same numbers (up to the storage type).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "formats/ggml_type.h"
#include "formats/gguf_value.h"
#include "formats/model_config.h"
#include "util/status.h"

namespace servir {

// Encodes one row of n f32 values into a quantized type (n a whole number of
// blocks). formats/ knows block layouts but not quantizers, which live in
// kernels/; callers that want quantized models pass the kernels' reference
// quantizer.
using RowEncoder = std::function<void(const float* src, std::byte* dst, std::int64_t n)>;

struct SyntheticModelSpec {
  ModelConfig config;              // arch + sizes; validate()d before writing
  GgmlType type = GgmlType::kF32;  // matrices: F32, F16, BF16, or a quantized type (GGUF only)
  // Quantized `type` only: its encoder, and for a llama.cpp-style "_M" mix
  // the type (and encoder) of the tensors that get more bits: the output,
  // and attn_v / ffn_down of some layers.
  RowEncoder encode_row;
  std::optional<GgmlType> more_bits_type;
  RowEncoder encode_row_more_bits;
  std::uint64_t seed = 0;
  std::string out_path;                   // "*.gguf" -> GGUF file, anything else -> HF folder
  std::optional<std::string> vocab_from;  // a GGUF (vocab) file or a tokenizer.json to copy
  // A tokenizer.json `vocab_from` into a GGUF: its tokenizer.* metadata, as
  // the caller converted it (the converter lives in the tokenizer layer).
  std::vector<std::pair<std::string, GgufValue>> tokenizer_metadata;
  int shards = 1;  // HF only: >1 writes model-0000k-of-0000n + index
  // GGUF only: a rope_freqs tensor (RoPE frequency divisors, [rope_dim / 2]),
  // as Llama 3.1+ conversions store their scaling.
  std::vector<float> rope_freqs;
};

// Fills `config` defaults that follow from the others (head_dim, rope_dim,
// per-arch flags) and, with vocab_from, the vocabulary size.
Status complete_synthetic_spec(SyntheticModelSpec& spec);

Status write_synthetic_model(const SyntheticModelSpec& spec);

// config.json of the HF folder write_synthetic_model makes for `spec`.
nlohmann::json synthetic_hf_config_json(const SyntheticModelSpec& spec);
// The values of tensor `name` (internal) of a synthetic model, as f32
// (`out.size()` of them), before conversion to the storage type.
void synthetic_tensor_values(std::uint64_t seed, const std::string& name, std::span<float> out);

// The random stream used for a tensor: N(0, stddev) values, reproducible.
class NormalGenerator {
 public:
  NormalGenerator(std::uint64_t seed, std::string_view stream_name);
  float next(float stddev);

 private:
  std::uint64_t next_u64();
  std::uint64_t state_;
  bool has_spare_ = false;
  double spare_ = 0;
};

}  // namespace servir
