#include "model/mlp_layer.h"

#include "kernels/ops/ops.h"

namespace servir {

void swiglu_mlp_layer(const LayerStep& s, const LayerWeights& w) {
  const Activations& a = s.act;
  const std::int64_t hidden = s.config.hidden_size;
  kernels::rms_norm_rows(s.ctx, a.x, w.ffn_norm, a.xn, s.n, hidden, static_cast<float>(s.config.rms_norm_eps));
  const std::int64_t ffn = s.config.ffn_size;
  const auto swiglu = s.ctx.kernels().swiglu;
  if (w.w_gate_up.data != nullptr && a.gate_up != nullptr) {
    // Fused: rows of [gate | up] from one matmul, SwiGLU row by row into gate.
    linear(s, a.xn, w.w_gate_up, w.w_gate_up_terms, a.gate_up);
    s.ctx.parallel_for(s.n, 1, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t t = begin; t < end; ++t) {
        const float* row = a.gate_up + t * 2 * ffn;
        swiglu(row, row + ffn, a.gate + t * ffn, ffn);
      }
    });
  } else {
    linear(s, a.xn, w.w_gate, w.w_gate_terms, a.gate);
    linear(s, a.xn, w.w_up, w.w_up_terms, a.up);
    constexpr std::int64_t kGrain = 4096;
    s.ctx.parallel_for(s.n * ffn, kGrain, [&](std::int64_t begin, std::int64_t end) {
      swiglu(a.gate + begin, a.up + begin, a.gate + begin, end - begin);
    });
  }
  linear(s, a.gate, w.w_down, w.w_down_terms, a.proj);
  add_in_place(s.ctx, a.x, a.proj, s.n * hidden);
}

}  // namespace servir
