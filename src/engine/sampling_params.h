// SamplingParams: everything a request says about how to pick tokens and
// when to stop, with OpenAI / vLLM names and defaults. Plain data; the
// Sampler (sampler.h) and the stop checker (stop_checker.h) act on it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/status.h"

namespace servir {

struct SamplingParams {
  // --- Picking a token (applied in this order: logit_bias, penalties,
  // min_tokens masking, temperature, top_k, top_p, min_p, typical_p).
  float temperature = 1.0f;  // 0: greedy (argmax, ties to the lowest id)
  int top_k = 0;             // keep the k most likely tokens; 0 (or -1) = all
  float top_p = 1.0f;        // nucleus: smallest set reaching probability p
  float min_p = 0.0f;        // drop tokens below min_p x the top probability
  float typical_p = 1.0f;    // locally typical sampling; 1 = off
  // HF/vLLM multiplicative penalty on tokens seen in the prompt or output
  // (logit / p if positive, logit * p if negative); 1 = off.
  float repetition_penalty = 1.0f;
  // OpenAI additive penalties on tokens already generated: presence once,
  // frequency per occurrence; [-2, 2].
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  std::vector<std::pair<std::int32_t, float>> logit_bias;  // token -> bias in [-100, 100]
  // A seeded request gives the same tokens whatever else is in the batch.
  std::optional<std::uint64_t> seed;

  // --- Stopping.
  int max_tokens = 16;
  int min_tokens = 0;  // EOS and stop tokens are masked until this many are out
  bool ignore_eos = false;
  std::vector<std::int32_t> stop_token_ids;  // in addition to the model's EOS ids
  std::vector<std::string> stop;             // stop strings, matched across token boundaries
  bool include_stop_str_in_output = false;
  bool skip_special_tokens = true;  // for the streamed text

  // --- Output.
  bool logprobs = false;  // logprob of each sampled token
  int top_logprobs = 0;   // and of the k most likely tokens, k <= 20

  // --- Choices.
  int n = 1;        // completions returned
  int best_of = 0;  // beam width with use_beam_search (0: n); must be >= n
  bool use_beam_search = false;
  float length_penalty = 1.0f;  // beam score = cumulative logprob / length^length_penalty

  static constexpr int kMaxTopLogprobs = 20;

  // Refuses values outside their ranges, naming the parameter as the OpenAI
  // API spells it. `vocab_size` bounds logit_bias and stop_token_ids.
  Status validate(std::int64_t vocab_size) const;
};

}  // namespace servir
