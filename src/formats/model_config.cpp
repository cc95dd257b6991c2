#include "formats/model_config.h"

#include <array>
#include <cmath>

namespace servir {
namespace {

struct ArchName {
  std::string_view name;
  Architecture arch;
};
constexpr std::array kArchNames = {
    ArchName{"llama", Architecture::kLlama},     ArchName{"LlamaForCausalLM", Architecture::kLlama},
    ArchName{"mistral", Architecture::kMistral}, ArchName{"MistralForCausalLM", Architecture::kMistral},
    ArchName{"qwen2", Architecture::kQwen2},     ArchName{"Qwen2ForCausalLM", Architecture::kQwen2},
    ArchName{"qwen3", Architecture::kQwen3},     ArchName{"Qwen3ForCausalLM", Architecture::kQwen3},
};

}  // namespace

std::string_view architecture_name(Architecture arch) {
  switch (arch) {
    case Architecture::kLlama:
      return "llama";
    case Architecture::kMistral:
      return "mistral";
    case Architecture::kQwen2:
      return "qwen2";
    case Architecture::kQwen3:
      return "qwen3";
  }
  return "?";
}

Result<Architecture> architecture_from_name(std::string_view name) {
  for (const auto& row : kArchNames) {
    if (row.name == name) return row.arch;
  }
  return make_error(ErrorCode::kUnsupported,
                    "architecture '{}' is not supported (supported: llama, mistral, qwen2, qwen3)", name);
}

std::string_view rope_scaling_name(RopeScalingType type) {
  switch (type) {
    case RopeScalingType::kNone:
      return "none";
    case RopeScalingType::kLinear:
      return "linear";
    case RopeScalingType::kLlama3:
      return "llama3";
    case RopeScalingType::kYarn:
      return "yarn";
  }
  return "?";
}

double yarn_attention_factor(const RopeScaling& scaling) {
  if (scaling.yarn_attention_factor) return *scaling.yarn_attention_factor;
  auto get_mscale = [](double s, double m) { return s <= 1 ? 1.0 : 0.1 * m * std::log(s) + 1.0; };
  const double s = scaling.factor;
  if (scaling.yarn_mscale != 0 && scaling.yarn_mscale_all_dim != 0) {
    return get_mscale(s, scaling.yarn_mscale) / get_mscale(s, scaling.yarn_mscale_all_dim);
  }
  return get_mscale(s, 1.0);
}

Status ModelConfig::validate() const {
  auto positive = [](std::string_view what, std::int64_t v) -> Status {
    if (v <= 0) return make_error(ErrorCode::kCorruptData, "{} must be positive, got {}", what, v);
    return {};
  };
  for (const auto& [what, v] : {std::pair<std::string_view, std::int64_t>{"hidden_size", hidden_size},
                                {"n_layers", n_layers},
                                {"n_heads", n_heads},
                                {"n_kv_heads", n_kv_heads},
                                {"head_dim", head_dim},
                                {"ffn_size", ffn_size},
                                {"vocab_size", vocab_size},
                                {"context_length", context_length}}) {
    if (Status st = positive(what, v); !st.ok()) return st;
  }
  // Bounds far above any real model; they keep products below int64 overflow.
  constexpr std::int64_t kMaxDim = 1 << 20;
  constexpr std::int64_t kMaxVocab = 1 << 24;
  if (hidden_size > kMaxDim || ffn_size > kMaxDim * 4 || n_layers > 4096 || n_heads > 4096 || head_dim > 4096 ||
      vocab_size > kMaxVocab || context_length > (std::int64_t{1} << 32)) {
    return make_error(ErrorCode::kCorruptData,
                      "hyper-parameters out of range (hidden {}, ffn {}, layers {}, heads {}, "
                      "head_dim {}, vocab {}, context {})",
                      hidden_size, ffn_size, n_layers, n_heads, head_dim, vocab_size, context_length);
  }
  if (n_heads % n_kv_heads != 0) {
    return make_error(ErrorCode::kCorruptData, "{} attention heads are not a multiple of {} kv heads", n_heads,
                      n_kv_heads);
  }
  if (rope_dim <= 0 || rope_dim > head_dim || rope_dim % 2 != 0) {
    return make_error(ErrorCode::kCorruptData, "rope dimension {} must be even and within head_dim {}", rope_dim,
                      head_dim);
  }
  if (!(rope_theta > 0)) return make_error(ErrorCode::kCorruptData, "rope_theta must be positive, got {}", rope_theta);
  if (!(rms_norm_eps > 0) || rms_norm_eps > 1) {
    return make_error(ErrorCode::kCorruptData, "rms_norm_eps {} is out of range (0, 1]", rms_norm_eps);
  }
  if (rope_scaling.type != RopeScalingType::kNone && !(rope_scaling.factor > 0)) {
    return make_error(ErrorCode::kCorruptData, "rope scaling factor must be positive, got {}", rope_scaling.factor);
  }
  if (rope_scaling.type == RopeScalingType::kYarn) {
    const RopeScaling& r = rope_scaling;
    if (r.original_context_length <= 0 || !(r.yarn_beta_fast > 0) || !(r.yarn_beta_slow > 0)) {
      return make_error(ErrorCode::kCorruptData,
                        "yarn needs a positive original context ({}), beta_fast ({}) and beta_slow ({})",
                        r.original_context_length, r.yarn_beta_fast, r.yarn_beta_slow);
    }
    const double attention = yarn_attention_factor(r);
    if (!(attention > 0) || !std::isfinite(attention)) {
      return make_error(ErrorCode::kCorruptData, "yarn attention factor must be positive, got {}", attention);
    }
  }
  return {};
}

}  // namespace servir
