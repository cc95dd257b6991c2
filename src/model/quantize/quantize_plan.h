// QuantizePlan: which storage type each tensor of a model gets when it is
// quantized to a scheme ("q4_k_m", "q8_0", ...), following the rules users of
// llama.cpp's `llama-quantize` know (llama_tensor_get_type, for the
// Llama-family architectures servir runs):
//   - 1-D tensors (norms, biases, rope_freqs) are not quantized (kept F32);
//   - output.weight (or token_embd.weight when the embeddings are tied, as
//     the output projection) gets Q6_K for every scheme but q8_0, or Q8_0
//     when its rows are not a multiple of 256;
//   - the _M mixes give Q6_K to attn_v and ffn_down of the "use more bits"
//     layers: the first and last eighth and every third layer between;
//     q4_k_s gives Q5_K to the first 4 attn_v and the first eighth of the
//     ffn_down layers;
//   - a K-quant choice whose rows are not a multiple of 256 falls back as
//     llama.cpp's convert_incompatible_tensor does (Q4_K -> Q5_0,
//     Q5_K -> Q5_1, Q6_K -> Q8_0), and a type whose block does not divide the
//     row at all falls back to F16.
// Plain q4_k / q5_k are the base type everywhere (with the output rule);
// llama-quantize has no LLAMA_FTYPE of their own, so the file type written is
// the _S one's number.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/ggml_type.h"
#include "util/status.h"

namespace servir {

enum class QuantScheme : std::uint8_t {
  kQ8_0,
  kQ4_0,
  kQ4_1,
  kQ5_0,
  kQ5_1,
  kQ4_K,
  kQ5_K,
  kQ6_K,
  kQ4_K_S,
  kQ4_K_M,
  kQ5_K_S,
  kQ5_K_M,
  kF16,
  kBF16,
  kF32,
};

// Case-insensitive ("q4_k_m", "Q4_K_M"); the error lists the schemes.
Result<QuantScheme> quant_scheme_from_name(std::string_view name);
std::string_view quant_scheme_name(QuantScheme scheme);
// The scheme's default matrix type (Q4_K for q4_k_m).
GgmlType quant_scheme_base_type(QuantScheme scheme);
// llama.cpp's LLAMA_FTYPE number for general.file_type.
std::uint32_t quant_scheme_file_type(QuantScheme scheme);
// All scheme names, for help texts.
std::string quant_scheme_names();

struct PlannedTensor {
  std::string name;
  GgmlType type = GgmlType::kF32;
  // Why it differs from the base type ("output", "more bits", "fallback: row
  // of 64 is not a multiple of 256"); empty when it is the base type.
  std::string reason;
};

struct TensorToPlan {
  std::string name;               // GGUF name
  std::vector<std::uint64_t> ne;  // innermost first
};

struct QuantizePlanOptions {
  QuantScheme scheme = QuantScheme::kQ4_K_M;
  std::int64_t n_layers = 0;
  // Overrides as llama-quantize's --output-tensor-type / --token-embedding-type.
  std::optional<GgmlType> output_type;
  std::optional<GgmlType> token_embedding_type;
  // Every matrix the base type (llama-quantize --pure): no mix, no output rule.
  bool pure = false;
};

// The type of every tensor, in input order.
std::vector<PlannedTensor> plan_quantization(const std::vector<TensorToPlan>& tensors,
                                             const QuantizePlanOptions& options);

}  // namespace servir
