// Scale searches shared by the K-quant reference quantizers.
#include <algorithm>
#include <cmath>

#include "kernels/quant/quant_util.h"

namespace servir::kernels::ref {

float fit_scale_min(int n, int nmax, const float* x, const float* w, std::uint8_t* L, float* min_out) {
  float lo = x[0];
  float hi = x[0];
  for (int i = 1; i < n; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  lo = std::min(lo, 0.0f);
  if (hi <= lo) {
    std::fill(L, L + n, 0);
    *min_out = -lo;
    return 0.0f;
  }
  auto error_of = [&](float scale, float min) {
    float err = 0;
    for (int i = 0; i < n; ++i) {
      const float diff = scale * L[i] + min - x[i];
      err += w[i] * diff * diff;
    }
    return err;
  };
  float best_scale = (hi - lo) / nmax;
  float best_min = lo;
  for (int i = 0; i < n; ++i)
    L[i] = static_cast<std::uint8_t>(std::clamp(nearest_int((x[i] - lo) / best_scale), 0, nmax));
  float best_err = error_of(best_scale, best_min);

  std::uint8_t trial[256];
  for (int step = -10; step <= 10; ++step) {
    const float iscale = (nmax + 0.1f * step) / (hi - lo);
    float sw = 0, sl = 0, sl2 = 0, sx = 0, sxl = 0;
    for (int i = 0; i < n; ++i) {
      const int l = std::clamp(nearest_int(iscale * (x[i] - lo)), 0, nmax);
      trial[i] = static_cast<std::uint8_t>(l);
      sw += w[i];
      sl += w[i] * l;
      sl2 += w[i] * l * l;
      sx += w[i] * x[i];
      sxl += w[i] * x[i] * l;
    }
    const float det = sw * sl2 - sl * sl;
    if (det <= 0) continue;
    float scale = (sw * sxl - sx * sl) / det;
    float min = (sl2 * sx - sl * sxl) / det;
    if (min > 0) {
      min = 0;
      scale = sxl / sl2;
    }
    if (scale <= 0) continue;
    float err = 0;
    for (int i = 0; i < n; ++i) {
      const float diff = scale * trial[i] + min - x[i];
      err += w[i] * diff * diff;
    }
    if (err < best_err) {
      best_err = err;
      best_scale = scale;
      best_min = min;
      std::copy(trial, trial + n, L);
    }
  }
  *min_out = -best_min;
  return best_scale;
}

float fit_scale_symmetric(int n, int nmax, const float* x, const float* w, std::uint8_t* L) {
  float amax = 0;
  float max = 0;
  for (int i = 0; i < n; ++i) {
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      max = x[i];
    }
  }
  if (amax == 0) {
    std::fill(L, L + n, static_cast<std::uint8_t>(nmax));
    return 0.0f;
  }
  float best_scale = 0;
  float best_err = INFINITY;
  std::uint8_t trial[256];
  for (int step = -9; step <= 9; ++step) {
    // Map the extreme value to -nmax (the side with one more level).
    const float iscale = -(nmax + 0.1f * step) / max;
    float sxl = 0, sl2 = 0;
    for (int i = 0; i < n; ++i) {
      const int l = std::clamp(nearest_int(iscale * x[i]), -nmax, nmax - 1);
      trial[i] = static_cast<std::uint8_t>(l + nmax);
      sxl += w[i] * x[i] * l;
      sl2 += w[i] * l * l;
    }
    if (sl2 <= 0) continue;
    const float scale = sxl / sl2;
    float err = 0;
    for (int i = 0; i < n; ++i) {
      const float diff = scale * (trial[i] - nmax) - x[i];
      err += w[i] * diff * diff;
    }
    if (err < best_err) {
      best_err = err;
      best_scale = scale;
      std::copy(trial, trial + n, L);
    }
  }
  return best_scale;
}

}  // namespace servir::kernels::ref
