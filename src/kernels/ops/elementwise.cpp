// Residual add (scalar reference).
#include "kernels/ops/ops_ref.h"

namespace servir::kernels::ref {

void add(const float* a, const float* b, float* out, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}

}  // namespace servir::kernels::ref
