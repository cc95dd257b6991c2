// Logits processors: the sampler's first stages, which edit a few logits of a
// full row in place before anything is truncated or drawn (logit_bias,
// penalties, min_tokens masking). Each touches only the tokens it names, so a
// row of 150k logits costs as much as the lists, not the vocabulary.
// Token ids outside the row are ignored (SamplingParams::validate() refuses
// them for requests).
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <utility>

namespace servir {

// How many times each token has been generated so far.
using TokenCounts = std::unordered_map<std::int32_t, int>;

// OpenAI logit_bias: adds each bias to its token's logit.
void apply_logit_bias(std::span<float> logits, std::span<const std::pair<std::int32_t, float>> bias);

// HF / vLLM repetition penalty on each token of `tokens` (each listed once):
// a positive logit is divided by `penalty`, a negative one multiplied, so
// penalty > 1 always makes the token less likely.
void apply_repetition_penalty(std::span<float> logits, std::span<const std::int32_t> tokens, float penalty);

// OpenAI presence / frequency penalties on generated tokens:
// logit -= count * frequency + (count > 0) * presence.
void apply_presence_frequency_penalties(std::span<float> logits, const TokenCounts& counts, float presence,
                                        float frequency);

// Sets the logits of `tokens` to -inf so they cannot be drawn (min_tokens).
void mask_tokens(std::span<float> logits, std::span<const std::int32_t> tokens);

}  // namespace servir
