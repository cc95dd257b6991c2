// Log-probabilities of a row of logits: the log-softmax that logprobs
// outputs and beam search rank by. Always over the model's raw logits (vLLM's
// default `raw_logprobs`), not over what the sampling stages reshaped.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace servir {

// log(sum_i exp(logits[i])), shifted by the maximum and accumulated in double,
// so logits[t] - log_sum_exp(logits) is token t's log-probability. -inf when
// every logit is -inf (or the row is empty).
double log_sum_exp(std::span<const float> logits);

// The k most likely tokens (fewer when the row is shorter) with their
// log-probabilities, best first, ties to the lower id. Reuses `out`'s storage;
// one pass over the row, so it suits k much smaller than the vocabulary.
void top_logprobs(std::span<const float> logits, int k, std::vector<std::pair<std::int32_t, float>>& out);

// The same, with log_sum_exp(logits) already known.
void top_logprobs(std::span<const float> logits, int k, double log_normalizer,
                  std::vector<std::pair<std::int32_t, float>>& out);

}  // namespace servir
