#include "model/layer_spec.h"

namespace servir {

Result<LayerSpec> layer_spec(const ModelConfig& config) {
  switch (config.arch) {
    case Architecture::kLlama:
      return llama_layer_spec(config);
    case Architecture::kMistral:
      return mistral_layer_spec(config);
    case Architecture::kQwen2:
      return qwen2_layer_spec(config);
    case Architecture::kQwen3:
      return qwen3_layer_spec(config);
  }
  return make_error(ErrorCode::kUnsupported, "no forward pass for architecture {}", static_cast<int>(config.arch));
}

}  // namespace servir
