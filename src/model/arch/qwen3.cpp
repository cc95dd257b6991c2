// Qwen3 (dense): the Llama layer with an RMSNorm over each head of q and k
// before RoPE, and no q/k/v biases unless the config has them.
#include "model/layer_spec.h"

namespace servir {

Result<LayerSpec> qwen3_layer_spec(const ModelConfig& config) {
  return LayerSpec{.attention = {.qkv_bias = config.attention_bias,
                                 .qk_norm = true,
                                 .sliding_window = config.sliding_window.value_or(0)}};
}

}  // namespace servir
