// The SwiGLU MLP block every architecture shares:
//   x += w_down * (silu(h * w_gate) . (h * w_up)) with h = rms_norm(x).
#pragma once

#include "model/layer_step.h"
#include "model/model_weights.h"

namespace servir {

void swiglu_mlp_layer(const LayerStep& s, const LayerWeights& w);

}  // namespace servir
