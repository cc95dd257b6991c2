// Scale searches shared by the K-quant reference quantizers.
#include <algorithm>
#include <cmath>

#include "kernels/quant/quant_util.h"

namespace servir::kernels::ref {

float fit_scale_min(int n, int nmax, const float* x, const float* w, std::uint8_t* L, float* min_out, float rmin,
                    float rdelta, int nstep) {
  float lo = x[0];
  float hi = x[0];
  float sw = w[0];
  float sx = w[0] * x[0];
  for (int i = 1; i < n; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
    sw += w[i];
    sx += w[i] * x[i];
  }
  lo = std::min(lo, 0.0f);
  if (hi <= lo) {
    std::fill(L, L + n, 0);
    *min_out = -lo;
    return 0.0f;
  }
  // Start from the plain min-max fit, then try the grid.
  float iscale = nmax / (hi - lo);
  float best_scale = 1 / iscale;
  float best_min = lo;
  float best_err = 0;
  for (int i = 0; i < n; ++i) {
    L[i] = static_cast<std::uint8_t>(std::clamp(nearest_int(iscale * (x[i] - lo)), 0, nmax));
    const float diff = best_scale * L[i] + best_min - x[i];
    best_err += w[i] * diff * diff;
  }
  // As in llama.cpp, each trial grids from the best minimum so far (not
  // the data's): a better fit moves the origin of the later trials.
  std::uint8_t trial[256];
  for (int step = 0; step <= nstep; ++step) {
    iscale = (rmin + rdelta * step + nmax) / (hi - best_min);
    float sl = 0, sl2 = 0, sxl = 0;
    for (int i = 0; i < n; ++i) {
      const int l = std::clamp(nearest_int(iscale * (x[i] - best_min)), 0, nmax);
      trial[i] = static_cast<std::uint8_t>(l);
      sl += w[i] * l;
      sl2 += w[i] * l * l;
      sxl += w[i] * l * x[i];
    }
    const float det = sw * sl2 - sl * sl;
    if (det <= 0) continue;
    float scale = (sw * sxl - sx * sl) / det;
    float min = (sl2 * sx - sl * sxl) / det;
    if (min > 0) {
      min = 0;
      scale = sxl / sl2;
    }
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
  if (amax < 1e-15f) {
    std::fill(L, L + n, static_cast<std::uint8_t>(nmax));
    return 0.0f;
  }
  // llama.cpp's make_qx_quants: map the extreme value to -nmax (the side
  // with one more level), then try 18 nearby scales, keeping the one that
  // maximizes sxl^2 / sl2 (the least-squares error reduction).
  float sxl = 0, sl2 = 0;
  auto trial = [&](float iscale) {
    sxl = sl2 = 0;
    for (int i = 0; i < n; ++i) {
      const int l = std::clamp(nearest_int(iscale * x[i]), -nmax, nmax - 1);
      sxl += w[i] * x[i] * l;
      sl2 += w[i] * l * l;
    }
  };
  auto keep = [&](float iscale) {
    for (int i = 0; i < n; ++i) {
      L[i] = static_cast<std::uint8_t>(std::clamp(nearest_int(iscale * x[i]), -nmax, nmax - 1) + nmax);
    }
  };
  float iscale = -nmax / max;
  trial(iscale);
  keep(iscale);
  float scale = sl2 > 0 ? sxl / sl2 : 0.0f;
  float best = scale * sxl;
  for (int step = -9; step <= 9; ++step) {
    if (step == 0) continue;
    iscale = -(nmax + 0.1f * step) / max;
    trial(iscale);
    if (sl2 > 0 && sxl * sxl > best * sl2) {
      keep(iscale);
      scale = sxl / sl2;
      best = scale * sxl;
    }
  }
  return scale;
}

}  // namespace servir::kernels::ref
