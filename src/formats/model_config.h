// ModelConfig: the hyper-parameters of a model, whatever file they came from
// (GGUF metadata or a Hugging Face config.json). The forward pass reads only
// this, never the source format.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace servir {

enum class Architecture : std::uint8_t {
  kLlama,    // Llama 1/2/3.x, TinyLlama, SmolLM
  kMistral,  // Llama layout + optional sliding window
  kQwen2,    // Llama layout + q/k/v biases
  kQwen3,    // Llama layout + RMSNorm on q and k per head
};

std::string_view architecture_name(Architecture arch);
// Accepts GGUF names ("llama", "qwen2") and HF model_type / class names
// ("LlamaForCausalLM"). The error names the architecture and lists ours.
Result<Architecture> architecture_from_name(std::string_view name);

// Which pairs of a head's dimensions RoPE rotates together.
enum class RopeLayout : std::uint8_t {
  kInterleaved,  // (2i, 2i+1): GGUF llama/mistral, whose converter permuted Q/K rows for it
  kNeox,         // (i, i + rot_dim/2): Hugging Face checkpoints, GGUF qwen2/qwen3
};

enum class RopeScalingType : std::uint8_t { kNone, kLinear, kLlama3, kYarn };
std::string_view rope_scaling_name(RopeScalingType type);

struct RopeScaling {
  RopeScalingType type = RopeScalingType::kNone;
  double factor = 1.0;
  double low_freq_factor = 1.0;   // llama3
  double high_freq_factor = 4.0;  // llama3
  // llama3: required; yarn: the model's context_length when a file omits it.
  std::int64_t original_context_length = 0;
  double yarn_beta_fast = 32.0;
  double yarn_beta_slow = 1.0;
  // YaRN's cos/sin multiplier when a file states it (HF attention_factor);
  // otherwise yarn_attention_factor() derives it from factor and mscales.
  std::optional<double> yarn_attention_factor;
  double yarn_mscale = 0;          // HF mscale, 0: absent
  double yarn_mscale_all_dim = 0;  // HF mscale_all_dim, 0: absent
  bool yarn_truncate = true;       // floor/ceil the correction dims (HF truncate)
  // GGUF conversions of llama3-scaled models carry the per-dimension factors
  // as the tensor `rope_freqs.weight` instead of metadata.
  bool freq_factors_tensor = false;
};

// The factor YaRN multiplies cos and sin by, as Hugging Face's
// _compute_yarn_parameters resolves it: the stated attention_factor, else
// get_mscale(factor, mscale) / get_mscale(factor, mscale_all_dim) when both
// mscales are given, else get_mscale(factor), where get_mscale(s, m) =
// 0.1 * m * ln(s) + 1 for s > 1 and 1 otherwise.
double yarn_attention_factor(const RopeScaling& scaling);

struct ModelConfig {
  Architecture arch = Architecture::kLlama;
  std::int64_t hidden_size = 0;
  std::int64_t n_layers = 0;
  std::int64_t n_heads = 0;
  std::int64_t n_kv_heads = 0;
  std::int64_t head_dim = 0;
  std::int64_t ffn_size = 0;
  std::int64_t vocab_size = 0;
  std::int64_t context_length = 0;
  double rope_theta = 10000.0;
  std::int64_t rope_dim = 0;  // rotated dimensions per head (< head_dim: partial rotary)
  RopeLayout rope_layout = RopeLayout::kNeox;
  RopeScaling rope_scaling;
  double rms_norm_eps = 1e-6;
  bool attention_bias = false;   // q/k/v projections have biases (qwen2)
  bool qk_norm = false;          // per-head RMSNorm on q and k (qwen3)
  bool tied_embeddings = false;  // the output projection is the embedding matrix
  std::optional<std::int64_t> sliding_window;
  std::optional<std::int64_t> bos_token_id;
  std::vector<std::int64_t> eos_token_ids;

  // Checks internal consistency (positive sizes, heads divide evenly, ...).
  Status validate() const;
};

}  // namespace servir
