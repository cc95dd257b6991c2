// Sampler: picks the next token of one sequence from a row of logits, as a
// chain of small stages (llama.cpp's sampler chain), in this order:
//
//   1. logit_bias          add the request's biases
//   2. repetition_penalty  prompt and generated tokens (HF rule: positive
//                          logits divided, negative multiplied)
//   3. presence/frequency  generated tokens only (OpenAI rule:
//                          logit -= count * frequency + (count > 0) * presence)
//   4. min_tokens          EOS and stop_token_ids masked to -inf while fewer
//                          than min_tokens tokens have been accepted
//   then temperature == 0: argmax (ties to the lowest id); otherwise
//   5. temperature, 6. top_k, 7. top_p, 8. min_p, 9. typical_p (truncation.h),
//   10. a seeded draw from what is left.
//
// Every option, its default and its range are in sampling_params.h. The
// logprobs of a SampledToken are the log-softmax of the RAW logits (before
// any stage; vLLM's default), so they do not depend on the sampling options.
//
// Reproducibility: the same seed and the same sequence of logits give the
// same tokens on every platform (splitmix64, one uniform per draw, and a draw
// order defined by the values alone).
//
// Cost per call: a copy of the row only when a processor is active, one pass
// to build the candidates, and partial sorts bounded by top_k / top_p; member
// buffers are reused, so sample() allocates nothing after the first call
// (except SampledToken::top when top_logprobs are asked for).
//
// Not thread-safe: one Sampler per sequence (per choice of a request).
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "engine/logits_processors.h"
#include "engine/logprobs.h"
#include "engine/sampling_params.h"
#include "engine/truncation.h"

namespace servir {

struct SampledToken {
  std::int32_t token = 0;
  // Log-softmax of the raw logits at `token`; filled when params.logprobs,
  // else 0.
  float logprob = 0.0f;
  // params.top_logprobs most likely tokens of the raw logits, best first, ties
  // to the lower id; empty unless params.logprobs.
  std::vector<std::pair<std::int32_t, float>> top;
};

class Sampler {
 public:
  // `params` must have passed validate(). `prompt` feeds the repetition
  // penalty (copied as needed). `eos_ids` are the model's end-of-sequence
  // tokens: masked with params.stop_token_ids until min_tokens are out
  // (unless ignore_eos, which makes EOS an ordinary token). `seed` starts the
  // random stream: the engine passes params.seed, or a random value when the
  // request has none.
  Sampler(const SamplingParams& params, std::span<const std::int32_t> prompt, std::span<const std::int32_t> eos_ids,
          std::uint64_t seed);

  // Picks a token from `logits` (one row, vocabulary-sized). Does not record
  // it: call accept() with the token the sequence actually continues with.
  SampledToken sample(std::span<const float> logits);

  // Records a generated token: penalty counts and the min_tokens count.
  void accept(std::int32_t token);

  int generated() const { return generated_; }
  const SamplingParams& params() const { return params_; }

 private:
  // Stages 1-4 on a copy of the row; returns `logits` itself when none applies.
  std::span<const float> process(std::span<const float> logits);
  double next_uniform();

  SamplingParams params_;
  std::uint64_t rng_state_;
  int generated_ = 0;
  std::vector<std::int32_t> masked_until_min_tokens_;  // EOS (unless ignore_eos) + stop_token_ids
  // Tokens under the repetition penalty, each once: the prompt's (sorted, in
  // [0, prompt_penalized_)) then generated ones not in the prompt.
  std::vector<std::int32_t> penalized_;
  std::size_t prompt_penalized_ = 0;
  TokenCounts counts_;                 // generated tokens
  std::vector<float> work_;            // processed row, reused
  sampling::CandidateSet candidates_;  // reused
};

// Index of the largest logit (the lowest index among equals).
std::int32_t argmax(std::span<const float> logits);

}  // namespace servir
