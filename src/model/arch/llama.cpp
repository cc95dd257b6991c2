// Llama 1/2/3.x, TinyLlama, SmolLM: pre-norm attention (GQA, RoPE with the
// config's scaling) and a SwiGLU MLP. Some Llama-architecture fine-tunes
// carry q/k/v biases (config attention_bias); they are honored, as is a
// sliding window when the config sets one.
#include "model/layer_spec.h"

namespace servir {

Result<LayerSpec> llama_layer_spec(const ModelConfig& config) {
  if (config.qk_norm) {
    return make_error(ErrorCode::kUnsupported, "{} layers have no q/k norm, but the model has q/k norm weights",
                      architecture_name(config.arch));
  }
  return LayerSpec{
      .attention = {.qkv_bias = config.attention_bias, .sliding_window = config.sliding_window.value_or(0)}};
}

}  // namespace servir
