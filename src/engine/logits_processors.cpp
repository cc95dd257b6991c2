#include "engine/logits_processors.h"

#include <limits>

namespace servir {
namespace {

bool in_row(std::span<float> logits, std::int32_t token) {
  return token >= 0 && static_cast<std::size_t>(token) < logits.size();
}

}  // namespace

void apply_logit_bias(std::span<float> logits, std::span<const std::pair<std::int32_t, float>> bias) {
  for (const auto& [token, value] : bias) {
    if (in_row(logits, token)) logits[static_cast<std::size_t>(token)] += value;
  }
}

void apply_repetition_penalty(std::span<float> logits, std::span<const std::int32_t> tokens, float penalty) {
  for (const std::int32_t token : tokens) {
    if (!in_row(logits, token)) continue;
    float& l = logits[static_cast<std::size_t>(token)];
    l = l > 0.0f ? l / penalty : l * penalty;
  }
}

void apply_presence_frequency_penalties(std::span<float> logits, const TokenCounts& counts, float presence,
                                        float frequency) {
  for (const auto& [token, count] : counts) {
    if (!in_row(logits, token) || count <= 0) continue;
    logits[static_cast<std::size_t>(token)] -= static_cast<float>(count) * frequency + presence;
  }
}

void mask_tokens(std::span<float> logits, std::span<const std::int32_t> tokens) {
  for (const std::int32_t token : tokens) {
    if (in_row(logits, token)) logits[static_cast<std::size_t>(token)] = -std::numeric_limits<float>::infinity();
  }
}

}  // namespace servir
