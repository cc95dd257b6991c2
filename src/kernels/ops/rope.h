// Rotary position embedding (RoPE).
//
// Pairs of dimensions of each head are rotated by pos * inv_freq[i]:
//   normal (Llama/GGUF "norm"): pairs (2i, 2i+1)
//   neox  (GPT-NeoX, Qwen, HF-ordered Llama): pairs (i, i + n_rot/2)
// Only the first n_rot dimensions of a head rotate (partial rotary); the
// rest pass through. inv_freq[i] = freq_base^(-2i/n_rot), then divided by
// linear_scale, and reshaped by the Llama 3 rule when llama3.factor > 0, by
// the YaRN blend when yarn.factor > 0, or divided by freq_factors[i] when a
// model gives them (GGUF's rope_freqs tensor, which Llama 3.1+ conversions
// store instead of the rule). cos and sin are multiplied by
// attention_factor, which YaRN uses to sharpen attention (both q and k are
// rotated, so scores grow by its square).
#pragma once

#include <cstdint>
#include <vector>

namespace servir::kernels {

enum class RopeLayout { kNormal, kNeox };

struct Llama3RopeScaling {
  float factor = 0;  // 0: off
  float low_freq_factor = 1;
  float high_freq_factor = 4;
  float original_context = 8192;
};

// YaRN as Hugging Face's _compute_yarn_parameters defines it: pairs that turn
// more than beta_fast times over the original context keep their frequency
// (extrapolation), pairs that turn fewer than beta_slow times are divided by
// factor (interpolation), and a linear ramp over the pair index blends the two
// in between. The ramp's ends are the fractional "correction dims", floored
// and ceiled when truncate, then the low end raised to >= 0 and the high end
// lowered to <= n_rot - 1.
struct YarnRopeScaling {
  float factor = 0;  // 0: off
  float original_context = 0;
  float beta_fast = 32;
  float beta_slow = 1;
  bool truncate = true;
};

struct RopeConfig {
  int head_dim = 0;
  int n_rot = 0;  // rotated dimensions, even, <= head_dim
  float freq_base = 10000.0f;
  float linear_scale = 1.0f;  // positions are divided by this (linear RoPE scaling)
  RopeLayout layout = RopeLayout::kNormal;
  Llama3RopeScaling llama3;
  YarnRopeScaling yarn;
  std::vector<float> freq_factors;  // [n_rot / 2] or empty
  float attention_factor = 1.0f;    // multiplies cos and sin
};

// The per-pair inverse frequencies of a config (computed once per model).
class RopeTable {
 public:
  explicit RopeTable(const RopeConfig& config);
  const RopeConfig& config() const { return config_; }
  const std::vector<float>& inv_freq() const { return inv_freq_; }  // [n_rot / 2]

 private:
  RopeConfig config_;
  std::vector<float> inv_freq_;
};

// Rotates x = [n_heads, head_dim] (heads back to back) for position pos.
void rope(const RopeTable& table, float* x, int n_heads, std::int64_t pos);

}  // namespace servir::kernels
