#include "kernels/ops/rope.h"

#include <algorithm>
#include <cmath>

#include "util/check.h"

namespace servir::kernels {
namespace {

// The (fractional) pair index whose frequency base^(-2i/n_rot) turns n_turns
// times over the original context.
double yarn_correction_dim(double n_turns, int n_rot, double base, double original_context) {
  return n_rot * std::log(original_context / (n_turns * 2 * M_PI)) / (2 * std::log(base));
}

// Per pair, the weight of the interpolated (divided by factor) frequency:
// 0 below the beta_fast dim, 1 above the beta_slow dim, linear in between.
std::vector<double> yarn_ramp(const YarnRopeScaling& y, int n_rot, double base) {
  double low = yarn_correction_dim(y.beta_fast, n_rot, base, y.original_context);
  double high = yarn_correction_dim(y.beta_slow, n_rot, base, y.original_context);
  if (y.truncate) {
    low = std::floor(low);
    high = std::ceil(high);
  }
  // As Hugging Face clamps them: low from below only, high from above and to
  // the rotary width rather than the pair count.
  low = std::max(low, 0.0);
  high = std::min(high, n_rot - 1.0);
  if (low == high) high += 0.001;  // HF's guard against a zero-width ramp
  std::vector<double> ramp(static_cast<std::size_t>(n_rot / 2));
  for (std::size_t i = 0; i < ramp.size(); ++i) {
    ramp[i] = std::clamp((static_cast<double>(i) - low) / (high - low), 0.0, 1.0);
  }
  return ramp;
}

}  // namespace

RopeTable::RopeTable(const RopeConfig& config) : config_(config) {
  CHECK(config.n_rot > 0 && config.n_rot % 2 == 0 && config.n_rot <= config.head_dim)
      << "rope: n_rot " << config.n_rot << " must be even and <= head_dim " << config.head_dim;
  const int half = config.n_rot / 2;
  inv_freq_.resize(static_cast<std::size_t>(half));
  CHECK(config.freq_factors.empty() || config.freq_factors.size() == static_cast<std::size_t>(half))
      << "rope: " << config.freq_factors.size() << " frequency factors for " << half << " pairs";
  const Llama3RopeScaling& l3 = config.llama3;
  const YarnRopeScaling& yarn = config.yarn;
  CHECK(yarn.factor == 0 || (yarn.factor > 0 && yarn.original_context > 0 && yarn.beta_fast > 0 && yarn.beta_slow > 0))
      << "rope: yarn factor " << yarn.factor << ", original context " << yarn.original_context << ", betas "
      << yarn.beta_fast << "/" << yarn.beta_slow << " must be positive";
  const std::vector<double> ramp =
      yarn.factor > 0 ? yarn_ramp(yarn, config.n_rot, config.freq_base) : std::vector<double>();
  for (int i = 0; i < half; ++i) {
    double f = std::pow(static_cast<double>(config.freq_base), -2.0 * i / config.n_rot) / config.linear_scale;
    if (!config.freq_factors.empty()) {
      f /= config.freq_factors[static_cast<std::size_t>(i)];
    } else if (l3.factor > 0) {
      const double wavelen = 2 * M_PI / f;
      const double low_wavelen = l3.original_context / l3.low_freq_factor;
      const double high_wavelen = l3.original_context / l3.high_freq_factor;
      if (wavelen > low_wavelen) {
        f /= l3.factor;
      } else if (wavelen >= high_wavelen) {
        const double smooth =
            (l3.original_context / wavelen - l3.low_freq_factor) / (l3.high_freq_factor - l3.low_freq_factor);
        f = (1 - smooth) * f / l3.factor + smooth * f;
      }
    } else if (yarn.factor > 0) {
      const double r = ramp[static_cast<std::size_t>(i)];
      f = r * (f / yarn.factor) + (1 - r) * f;
    }
    inv_freq_[static_cast<std::size_t>(i)] = static_cast<float>(f);
  }
}

void rope(const RopeTable& table, float* x, int n_heads, std::int64_t pos) {
  const RopeConfig& cfg = table.config();
  const int half = cfg.n_rot / 2;
  // cos/sin once per position, shared by all heads.
  float cs[512], sn[512];
  CHECK(half <= 512) << "rope: n_rot " << cfg.n_rot << " too large";
  for (int i = 0; i < half; ++i) {
    const double theta = static_cast<double>(pos) * table.inv_freq()[static_cast<std::size_t>(i)];
    cs[i] = static_cast<float>(std::cos(theta) * cfg.attention_factor);
    sn[i] = static_cast<float>(std::sin(theta) * cfg.attention_factor);
  }
  for (int h = 0; h < n_heads; ++h) {
    float* v = x + static_cast<std::int64_t>(h) * cfg.head_dim;
    for (int i = 0; i < half; ++i) {
      const int i0 = cfg.layout == RopeLayout::kNormal ? 2 * i : i;
      const int i1 = cfg.layout == RopeLayout::kNormal ? 2 * i + 1 : i + half;
      const float a = v[i0], b = v[i1];
      v[i0] = a * cs[i] - b * sn[i];
      v[i1] = a * sn[i] + b * cs[i];
    }
  }
}

}  // namespace servir::kernels
