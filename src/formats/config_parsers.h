// Building a ModelConfig from the two sources servir reads: GGUF metadata
// (plus the tensor table, which tells biases, q/k norms and tied
// embeddings) and a Hugging Face config.json (+ generation_config.json).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "formats/gguf_reader.h"
#include "formats/model_config.h"

namespace servir {

// Sampling defaults a model's authors ship (generation_config.json). Absent
// fields stay unset; the server's own defaults apply to them.
struct GenerationDefaults {
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<std::int64_t> top_k;
  std::optional<double> repetition_penalty;
};

Result<ModelConfig> config_from_gguf(const GgufFile& file);

// `source` names the file in messages ("…/config.json").
Result<ModelConfig> config_from_hf_json(const nlohmann::json& config, const std::string& source);

// Merges generation_config.json: its bos/eos ids win over config.json's.
Result<GenerationDefaults> apply_hf_generation_config(const nlohmann::json& generation, const std::string& source,
                                                      ModelConfig& config);

}  // namespace servir
