#include "model/layer_step.h"

#include "kernels/matmul.h"

namespace servir {

void linear(kernels::KernelContext& ctx, const float* in, std::int64_t m, const kernels::TensorView& w, float* out) {
  const auto a = kernels::TensorView::contiguous(in, GgmlType::kF32, w.cols(), m);
  const auto c = kernels::TensorView::contiguous(out, GgmlType::kF32, w.rows(), m);
  kernels::matmul(ctx, a, w, c);
}

void linear(const LayerStep& s, const float* in, const kernels::TensorView& w, const LinearTerms& terms, float* out) {
  if (terms.empty()) {
    linear(s.ctx, in, s.n, w, out);
    return;
  }
  const std::int64_t k = w.cols();
  const float* x = in;
  if (terms.input_order != nullptr) {
    float* gathered = s.act.gathered;
    const std::int32_t* order = terms.input_order;
    s.ctx.parallel_for(s.n, 1, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t t = begin; t < end; ++t) {
        const float* src = in + t * k;
        float* dst = gathered + t * k;
        for (std::int64_t i = 0; i < k; ++i) dst[i] = src[order[i]];
      }
    });
    x = gathered;
  }
  linear(s.ctx, x, s.n, w, out);
  if (terms.group_offsets.data == nullptr) return;
  // out += sums . offsets^T, sums[t][g] the sum of x's group g: exact f32
  // offsets, one small f32 matmul (K = groups) on the same kernels.
  const std::int64_t groups = terms.group_offsets.cols();
  const std::int64_t length = terms.group_length;
  float* sums = s.act.group_sums;
  s.ctx.parallel_for(s.n, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t t = begin; t < end; ++t) {
      for (std::int64_t g = 0; g < groups; ++g) {
        const float* v = x + t * k + g * length;
        float sum = 0.0f;
        for (std::int64_t i = 0; i < length; ++i) sum += v[i];
        sums[t * groups + g] = sum;
      }
    }
  });
  const std::int64_t n_out = w.rows();
  linear(s.ctx, sums, s.n, terms.group_offsets, s.act.offset_out);
  add_in_place(s.ctx, out, s.act.offset_out, s.n * n_out);
}

void add_in_place(const kernels::KernelContext& ctx, float* x, const float* y, std::int64_t n) {
  constexpr std::int64_t kGrain = 4096;
  const auto add = ctx.kernels().add;
  ctx.parallel_for(n, kGrain,
                   [&](std::int64_t begin, std::int64_t end) { add(x + begin, y + begin, x + begin, end - begin); });
}

}  // namespace servir
