#include "formats/gguf_model_metadata.h"

#include <cmath>
#include <numbers>

namespace servir {
namespace {

// RoPE scaling as llama.cpp's converter writes it. Llama 3 scaling is a
// rope_freqs tensor in GGUF (SyntheticModelSpec::rope_freqs), and HF-only
// YaRN keys have no GGUF key, so both are refused rather than dropped.
Status set_gguf_rope_scaling(const RopeScaling& r, const std::string& arch, GgufWriter& writer) {
  if (r.type == RopeScalingType::kNone) return {};
  if (r.type == RopeScalingType::kLlama3 || r.yarn_mscale != 0 || r.yarn_mscale_all_dim != 0 || !r.yarn_truncate) {
    return make_error(ErrorCode::kInvalidArgument, "this rope scaling has no GGUF metadata form");
  }
  const std::string key = arch + ".rope.scaling.";
  writer.set(key + "type", GgufValue(std::string(rope_scaling_name(r.type))));
  writer.set(key + "factor", GgufValue(static_cast<float>(r.factor)));
  if (r.original_context_length > 0) {
    writer.set(key + "original_context_length", GgufValue(static_cast<std::uint32_t>(r.original_context_length)));
  }
  if (r.type == RopeScalingType::kYarn) {
    writer.set(key + "yarn_beta_fast", GgufValue(static_cast<float>(r.yarn_beta_fast)));
    writer.set(key + "yarn_beta_slow", GgufValue(static_cast<float>(r.yarn_beta_slow)));
    if (r.yarn_attention_factor) {
      writer.set(key + "yarn_attn_factor", GgufValue(static_cast<float>(*r.yarn_attention_factor)));
    }
  }
  return {};
}

}  // namespace

Status set_gguf_model_metadata(const ModelConfig& c, const GgufGeneralInfo& general, GgufWriter& writer) {
  const std::string arch(architecture_name(c.arch));
  writer.set("general.architecture", GgufValue(arch));
  if (!general.name.empty()) writer.set("general.name", GgufValue(general.name));
  writer.set("general.file_type", GgufValue(general.file_type));
  if (general.quantized) writer.set("general.quantization_version", GgufValue(std::uint32_t{2}));
  auto u32 = [](std::int64_t v) { return GgufValue(static_cast<std::uint32_t>(v)); };
  writer.set(arch + ".context_length", u32(c.context_length));
  writer.set(arch + ".embedding_length", u32(c.hidden_size));
  writer.set(arch + ".block_count", u32(c.n_layers));
  writer.set(arch + ".feed_forward_length", u32(c.ffn_size));
  writer.set(arch + ".attention.head_count", u32(c.n_heads));
  writer.set(arch + ".attention.head_count_kv", u32(c.n_kv_heads));
  writer.set(arch + ".attention.key_length", u32(c.head_dim));
  writer.set(arch + ".attention.value_length", u32(c.head_dim));
  writer.set(arch + ".rope.dimension_count", u32(c.rope_dim));
  writer.set(arch + ".rope.freq_base", GgufValue(static_cast<float>(c.rope_theta)));
  const bool llama3_as_tensor = general.rope_freqs_tensor && c.rope_scaling.type == RopeScalingType::kLlama3;
  if (!llama3_as_tensor) {
    if (Status st = set_gguf_rope_scaling(c.rope_scaling, arch, writer); !st.ok()) return st;
  }
  writer.set(arch + ".attention.layer_norm_rms_epsilon", GgufValue(static_cast<float>(c.rms_norm_eps)));
  if (c.sliding_window) writer.set(arch + ".attention.sliding_window", u32(*c.sliding_window));
  writer.set(arch + ".vocab_size", u32(c.vocab_size));
  return {};
}

std::vector<float> llama3_rope_freq_factors(const ModelConfig& c) {
  const RopeScaling& r = c.rope_scaling;
  const double context = static_cast<double>(r.original_context_length);
  const double low_wavelen = context / r.low_freq_factor;
  const double high_wavelen = context / r.high_freq_factor;
  std::vector<float> factors;
  for (std::int64_t i = 0; i < c.rope_dim / 2; ++i) {
    const double freq = std::pow(c.rope_theta, -2.0 * static_cast<double>(i) / static_cast<double>(c.rope_dim));
    const double wavelen = 2 * std::numbers::pi / freq;
    double factor = 1;
    if (wavelen > low_wavelen) {
      factor = r.factor;
    } else if (wavelen >= high_wavelen) {
      const double smooth = (context / wavelen - r.low_freq_factor) / (r.high_freq_factor - r.low_freq_factor);
      factor = 1 / ((1 - smooth) / r.factor + smooth);
    }
    factors.push_back(static_cast<float>(factor));
  }
  return factors;
}

}  // namespace servir
