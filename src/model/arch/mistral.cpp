// Mistral: the Llama layer, whose attention is limited to a sliding window
// of the last `sliding_window` positions (Mistral 7B v0.1: 4096) when the
// config sets one (the Llama spec takes the window from the config).
#include "model/layer_spec.h"

namespace servir {

Result<LayerSpec> mistral_layer_spec(const ModelConfig& config) { return llama_layer_spec(config); }

}  // namespace servir
