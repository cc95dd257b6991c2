// Mistral: the Llama layer, with attention limited to a sliding window of
// the last `sliding_window` positions (Mistral 7B v0.1: 4096) when the
// config sets one.
#include "model/layer_spec.h"

namespace servir {

Result<LayerSpec> mistral_layer_spec(const ModelConfig& config) {
  if (config.qk_norm) {
    return make_error(ErrorCode::kUnsupported, "mistral layers have no q/k norm, but the model has q/k norm weights");
  }
  return LayerSpec{
      .attention = {.qkv_bias = config.attention_bias, .sliding_window = config.sliding_window.value_or(0)}};
}

}  // namespace servir
