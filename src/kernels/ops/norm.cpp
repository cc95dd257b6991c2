// RMSNorm (scalar reference). Accumulates in double so the reference stays
// the more accurate side of every comparison.
#include <cmath>

#include "kernels/ops/ops_ref.h"

namespace servir::kernels::ref {

void rms_norm(const float* x, const float* weight, float* y, std::int64_t n, float eps) {
  double sum = 0;
  for (std::int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]) * x[i];
  const float scale = static_cast<float>(1.0 / std::sqrt(sum / static_cast<double>(n) + eps));
  for (std::int64_t i = 0; i < n; ++i) y[i] = x[i] * scale * weight[i];
}

}  // namespace servir::kernels::ref
