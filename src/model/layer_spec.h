// LayerSpec: what one decoder layer of an architecture computes, in terms of
// the shared layers (attention_layer.h, mlp_layer.h). Each architecture is a
// small file in model/arch/ that turns a ModelConfig into its LayerSpec;
// architecture.cpp picks the file for ModelConfig::arch.
#pragma once

#include <cstdint>

#include "formats/model_config.h"
#include "util/status.h"

namespace servir {

struct AttentionVariant {
  bool qkv_bias = false;            // biases added after the q, k and v projections
  bool qk_norm = false;             // RMSNorm over each head of q and k before RoPE
  std::int64_t sliding_window = 0;  // attend to the last N positions only; 0: all of them
};

struct LayerSpec {
  AttentionVariant attention;
  // The MLP is SwiGLU (gate, up, down) in every architecture so far.
};

// The spec of each architecture file (model/arch/NAME.cpp). They refuse a
// config that asks for what their layers do not have (tensors the forward
// pass would silently ignore).
Result<LayerSpec> llama_layer_spec(const ModelConfig& config);
Result<LayerSpec> mistral_layer_spec(const ModelConfig& config);
Result<LayerSpec> qwen2_layer_spec(const ModelConfig& config);
Result<LayerSpec> qwen3_layer_spec(const ModelConfig& config);

// The spec for config.arch.
Result<LayerSpec> layer_spec(const ModelConfig& config);

}  // namespace servir
