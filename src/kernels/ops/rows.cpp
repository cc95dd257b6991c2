#include "kernels/ops/ops.h"

#include "util/check.h"

namespace servir::kernels {

void rms_norm_rows(const KernelContext& ctx, const float* x, const float* weight, float* y, std::int64_t n_rows,
                   std::int64_t n, float eps) {
  const auto fn = ctx.kernels().rms_norm;
  ctx.parallel_for(n_rows, 1, [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t r = r0; r < r1; ++r) fn(x + r * n, weight, y + r * n, n, eps);
  });
}

void embedding_rows(const KernelContext& ctx, const TensorView& table, const std::int32_t* ids, std::int64_t n_ids,
                    float* out) {
  const ToF32Fn to_f32 = ctx.kernels().dequantizer(table.type);
  CHECK(to_f32 != nullptr) << "embedding: no dequantizer for " << ggml_type_name(table.type);
  const std::int64_t cols = table.cols();
  for (std::int64_t i = 0; i < n_ids; ++i) {
    CHECK(ids[i] >= 0 && ids[i] < table.rows()) << "embedding: token id " << ids[i] << " outside the table";
    to_f32(table.row(ids[i]), out + i * cols, cols);
  }
}

}  // namespace servir::kernels
