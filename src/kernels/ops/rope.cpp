#include "kernels/ops/rope.h"

#include <cmath>

#include "util/check.h"

namespace servir::kernels {

RopeTable::RopeTable(const RopeConfig& config) : config_(config) {
  CHECK(config.n_rot > 0 && config.n_rot % 2 == 0 && config.n_rot <= config.head_dim)
      << "rope: n_rot " << config.n_rot << " must be even and <= head_dim " << config.head_dim;
  const int half = config.n_rot / 2;
  inv_freq_.resize(static_cast<std::size_t>(half));
  CHECK(config.freq_factors.empty() || config.freq_factors.size() == static_cast<std::size_t>(half))
      << "rope: " << config.freq_factors.size() << " frequency factors for " << half << " pairs";
  const Llama3RopeScaling& l3 = config.llama3;
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
    cs[i] = static_cast<float>(std::cos(theta));
    sn[i] = static_cast<float>(std::sin(theta));
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
