// servir's internal tensor names (the GGUF names: "token_embd.weight",
// "blk.3.attn_q.weight", ...) and their Hugging Face equivalents, plus the
// list of tensors and shapes that a ModelConfig implies.
//
// Shapes here are outermost-first ([rows, cols]): a projection weight is
// [n_out, n_in], as in PyTorch and in the kernels' [N x K] weight matrices.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/model_config.h"

namespace servir {

inline constexpr std::string_view kTokenEmbd = "token_embd.weight";
inline constexpr std::string_view kOutputNorm = "output_norm.weight";
inline constexpr std::string_view kOutput = "output.weight";
inline constexpr std::string_view kRopeFreqs = "rope_freqs.weight";

std::string layer_tensor_name(std::int64_t layer, std::string_view suffix);  // ("attn_q.weight") -> blk.N.attn_q.weight

struct ExpectedTensor {
  std::string name;
  std::vector<std::int64_t> shape;  // outermost first
  bool is_vector = false;           // norms and biases: kept in F32 by GGUF writers
};

// Every tensor the architecture needs. Includes output.weight only when the
// embeddings are not tied.
std::vector<ExpectedTensor> expected_tensors(const ModelConfig& config);

// "model.layers.3.self_attn.q_proj.weight" -> "blk.3.attn_q.weight";
// nullopt for names servir does not know.
std::optional<std::string> hf_to_internal_name(std::string_view hf_name);
// The inverse, used when writing HF folders.
std::optional<std::string> internal_to_hf_name(std::string_view internal_name);

// Tensors some checkpoints carry that are derived state, not weights.
bool is_ignorable_hf_tensor(std::string_view hf_name);

}  // namespace servir
