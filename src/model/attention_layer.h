// The self-attention block every architecture shares, in the variant its
// LayerSpec picks (biases, q/k norm, sliding window):
//   x += wo * attention(rope(q), rope(k), v) with q, k, v = rms_norm(x) * wq, wk, wv,
// appending each token's K/V to its sequence's cache blocks first.
#pragma once

#include <cstdint>

#include "model/layer_spec.h"
#include "model/layer_step.h"
#include "model/model_weights.h"

namespace servir {

void attention_layer(const LayerStep& s, const LayerWeights& w, std::int64_t layer, const AttentionVariant& variant);

}  // namespace servir
