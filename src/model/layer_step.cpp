#include "model/layer_step.h"

#include <algorithm>

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
  // out[t] += sum_g sums[t][g] * offsets[g] (exact f32 offsets): row
  // updates over column chunks that keep a chunk of every group's offsets
  // in L1 while all the tokens pass over it.
  const std::int64_t groups = terms.group_offsets.rows();
  const std::int64_t length = terms.group_length;
  const std::int64_t n_out = w.rows();
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
  constexpr std::int64_t kChunk = 256;
  const auto* offsets = static_cast<const float*>(terms.group_offsets.data);
  s.ctx.parallel_for((n_out + kChunk - 1) / kChunk, 1, [&](std::int64_t begin, std::int64_t end) {
    const std::int64_t c0 = begin * kChunk;
    const std::int64_t c1 = std::min(n_out, end * kChunk);
    for (std::int64_t t = 0; t < s.n; ++t) {
      float* y = out + t * n_out;
      for (std::int64_t g = 0; g < groups; ++g) {
        const float a = sums[t * groups + g];
        const float* o = offsets + g * n_out;
        for (std::int64_t j = c0; j < c1; ++j) y[j] += a * o[j];
      }
    }
  });
}

void add_in_place(const kernels::KernelContext& ctx, float* x, const float* y, std::int64_t n) {
  constexpr std::int64_t kGrain = 4096;
  const auto add = ctx.kernels().add;
  ctx.parallel_for(n, kGrain,
                   [&](std::int64_t begin, std::int64_t end) { add(x + begin, y + begin, x + begin, end - begin); });
}

}  // namespace servir
