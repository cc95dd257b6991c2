// Sampler: picks the next token from a row of logits, as a chain of small
// stages (llama.cpp's sampler chain). Each stage narrows or reshapes the
// candidate set; the last draws from what is left.
//
// Options and their defaults (OpenAI / vLLM semantics):
//   temperature 1.0  0 means greedy (argmax, ties to the lowest id)
//   top_k       0    keep the k most likely tokens; 0 = all
//   top_p       1.0  keep the smallest set whose probability reaches p
//   min_p       0.0  drop tokens below min_p x the top probability
//   seed        -    a seeded sampler gives the same tokens for the same
//                    logits, whatever else runs beside it
// Penalties, logit bias, typical_p, logprobs and beam search arrive with the
// engine (issue 5/6).
//
// Not thread-safe: one Sampler per sequence.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "util/status.h"

namespace servir {

struct SamplingParams {
  float temperature = 1.0f;
  int top_k = 0;
  float top_p = 1.0f;
  float min_p = 0.0f;
  std::optional<std::uint64_t> seed;

  // Refuses values outside their ranges, naming the parameter.
  Status validate() const;
};

class Sampler {
 public:
  explicit Sampler(const SamplingParams& params);

  std::int32_t sample(std::span<const float> logits);

 private:
  struct Candidate {
    std::int32_t id;
    float logit;
    float p;
  };
  double next_uniform();

  SamplingParams params_;
  std::uint64_t rng_state_;
  std::vector<Candidate> candidates_;  // reused across calls
};

// Index of the largest logit (the lowest index among equals).
std::int32_t argmax(std::span<const float> logits);

}  // namespace servir
