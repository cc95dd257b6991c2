// Qwen2 and Qwen2.5: the Llama layer with biases on the q, k and v
// projections (always; the configs do not say so).
#include "model/layer_spec.h"

namespace servir {

Result<LayerSpec> qwen2_layer_spec(const ModelConfig& config) {
  if (config.qk_norm) {
    return make_error(ErrorCode::kUnsupported, "qwen2 layers have no q/k norm, but the model has q/k norm weights");
  }
  return LayerSpec{.attention = {.qkv_bias = true, .sliding_window = config.sliding_window.value_or(0)}};
}

}  // namespace servir
