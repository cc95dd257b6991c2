// The `general.*` and `<arch>.*` GGUF metadata of a model, as llama.cpp's
// converter writes them, from a ModelConfig: what a GGUF needs besides its
// tokenizer and tensors for llama.cpp (and servir) to rebuild the config.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "formats/gguf_writer.h"
#include "formats/model_config.h"
#include "util/status.h"

namespace servir {

struct GgufGeneralInfo {
  std::string name;             // general.name (omitted when empty)
  std::uint32_t file_type = 0;  // general.file_type: llama.cpp's LLAMA_FTYPE number
  bool quantized = false;       // writes general.quantization_version = 2
  // The caller writes Llama 3 scaling as the rope_freqs tensor (see
  // llama3_rope_freq_factors), so it needs no metadata.
  bool rope_freqs_tensor = false;
};

// Sets general.architecture, general.name, general.file_type (and
// quantization_version), the <arch>.* hyper-parameters and the RoPE scaling
// keys. Llama 3 scaling has no metadata form (GGUF keeps it as the
// rope_freqs tensor) and HF-only YaRN fields none either: both are refused.
Status set_gguf_model_metadata(const ModelConfig& config, const GgufGeneralInfo& general, GgufWriter& writer);

// Llama 3 RoPE scaling the way llama.cpp's converter stores it: the divisor
// of each rotated pair's frequency ([rope_dim / 2], the rope_freqs.weight
// tensor): 1 for short wavelengths, `factor` for long ones, and between
// them 1 / ((1 - s) / factor + s) with s the smooth ramp of Hugging Face's
// _compute_llama3_parameters.
std::vector<float> llama3_rope_freq_factors(const ModelConfig& config);

}  // namespace servir
