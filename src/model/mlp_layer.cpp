#include "model/mlp_layer.h"

#include "kernels/ops/ops.h"

namespace servir {

void swiglu_mlp_layer(const LayerStep& s, const LayerWeights& w) {
  const Activations& a = s.act;
  const std::int64_t hidden = s.config.hidden_size;
  kernels::rms_norm_rows(s.ctx, a.x, w.ffn_norm, a.xn, s.n, hidden, static_cast<float>(s.config.rms_norm_eps));
  linear(s.ctx, a.xn, s.n, w.w_gate, a.gate);
  linear(s.ctx, a.xn, s.n, w.w_up, a.up);
  constexpr std::int64_t kGrain = 4096;
  const auto swiglu = s.ctx.kernels().swiglu;
  s.ctx.parallel_for(s.n * s.config.ffn_size, kGrain, [&](std::int64_t begin, std::int64_t end) {
    swiglu(a.gate + begin, a.up + begin, a.gate + begin, end - begin);
  });
  linear(s.ctx, a.gate, s.n, w.w_down, a.proj);
  add_in_place(s.ctx, a.x, a.proj, s.n * hidden);
}

}  // namespace servir
