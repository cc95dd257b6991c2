// The `general.*` and `<arch>.*` GGUF metadata of a model, as llama.cpp's
// converter writes them, from a ModelConfig: what a GGUF needs besides its
// tokenizer and tensors for llama.cpp (and servir) to rebuild the config.
#pragma once

#include <cstdint>
#include <string>

#include "formats/gguf_writer.h"
#include "formats/model_config.h"
#include "util/status.h"

namespace servir {

struct GgufGeneralInfo {
  std::string name;             // general.name (omitted when empty)
  std::uint32_t file_type = 0;  // general.file_type: llama.cpp's LLAMA_FTYPE number
  bool quantized = false;       // writes general.quantization_version = 2
};

// Sets general.architecture, general.name, general.file_type (and
// quantization_version), the <arch>.* hyper-parameters and the RoPE scaling
// keys. Llama 3 scaling has no metadata form (GGUF keeps it as the
// rope_freqs tensor) and HF-only YaRN fields none either: both are refused.
Status set_gguf_model_metadata(const ModelConfig& config, const GgufGeneralInfo& general, GgufWriter& writer);

}  // namespace servir
