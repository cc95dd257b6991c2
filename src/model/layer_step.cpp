#include "model/layer_step.h"

#include "kernels/matmul.h"

namespace servir {

void linear(kernels::KernelContext& ctx, const float* in, std::int64_t m, const kernels::TensorView& w, float* out) {
  const auto a = kernels::TensorView::contiguous(in, GgmlType::kF32, w.cols(), m);
  const auto c = kernels::TensorView::contiguous(out, GgmlType::kF32, w.rows(), m);
  kernels::matmul(ctx, a, w, c);
}

void add_in_place(const kernels::KernelContext& ctx, float* x, const float* y, std::int64_t n) {
  constexpr std::int64_t kGrain = 4096;
  const auto add = ctx.kernels().add;
  ctx.parallel_for(n, kGrain,
                   [&](std::int64_t begin, std::int64_t end) { add(x + begin, y + begin, x + begin, end - begin); });
}

}  // namespace servir
