#include "engine/sampling_params.h"

#include <cmath>

namespace servir {
namespace {

constexpr std::size_t kMaxStopStrings = 16;  // OpenAI allows 4, vLLM any number
constexpr std::size_t kMaxStopStringBytes = 256;
constexpr int kMaxChoices = 128;

bool in_closed(float v, float lo, float hi) { return std::isfinite(v) && v >= lo && v <= hi; }

}  // namespace

Status SamplingParams::validate(std::int64_t vocab_size) const {
  const auto invalid = [](std::string message) { return Status(ErrorCode::kInvalidArgument, std::move(message)); };
  if (!in_closed(temperature, 0.0f, 100.0f)) {
    return invalid(fmt::format("temperature must be in [0, 100], got {}", temperature));
  }
  if (top_k < -1) return invalid(fmt::format("top_k must be -1, 0 (both: off) or positive, got {}", top_k));
  if (!(std::isfinite(top_p) && top_p > 0.0f && top_p <= 1.0f)) {
    return invalid(fmt::format("top_p must be in (0, 1], got {}", top_p));
  }
  if (!in_closed(min_p, 0.0f, 1.0f)) return invalid(fmt::format("min_p must be in [0, 1], got {}", min_p));
  if (!(std::isfinite(typical_p) && typical_p > 0.0f && typical_p <= 1.0f)) {
    return invalid(fmt::format("typical_p must be in (0, 1], got {}", typical_p));
  }
  if (!(std::isfinite(repetition_penalty) && repetition_penalty > 0.0f)) {
    return invalid(fmt::format("repetition_penalty must be a finite number > 0, got {}", repetition_penalty));
  }
  if (!in_closed(presence_penalty, -2.0f, 2.0f)) {
    return invalid(fmt::format("presence_penalty must be in [-2, 2], got {}", presence_penalty));
  }
  if (!in_closed(frequency_penalty, -2.0f, 2.0f)) {
    return invalid(fmt::format("frequency_penalty must be in [-2, 2], got {}", frequency_penalty));
  }
  for (const auto& [token, bias] : logit_bias) {
    if (token < 0 || token >= vocab_size) {
      return invalid(fmt::format("logit_bias: token id {} is outside the vocabulary [0, {})", token, vocab_size));
    }
    if (!in_closed(bias, -100.0f, 100.0f)) {
      return invalid(fmt::format("logit_bias: the bias of token {} must be in [-100, 100], got {}", token, bias));
    }
  }
  if (max_tokens < 1) return invalid(fmt::format("max_tokens must be >= 1, got {}", max_tokens));
  if (min_tokens < 0 || min_tokens > max_tokens) {
    return invalid(fmt::format("min_tokens must be in [0, max_tokens = {}], got {}", max_tokens, min_tokens));
  }
  for (const std::int32_t token : stop_token_ids) {
    if (token < 0 || token >= vocab_size) {
      return invalid(fmt::format("stop_token_ids: token id {} is outside the vocabulary [0, {})", token, vocab_size));
    }
  }
  if (stop.size() > kMaxStopStrings) {
    return invalid(fmt::format("stop: at most {} stop strings, got {}", kMaxStopStrings, stop.size()));
  }
  for (const std::string& s : stop) {
    if (s.empty()) return invalid("stop: stop strings must not be empty");
    if (s.size() > kMaxStopStringBytes) {
      return invalid(fmt::format("stop: a stop string is {} bytes, the limit is {}", s.size(), kMaxStopStringBytes));
    }
  }
  if (top_logprobs < 0 || top_logprobs > kMaxTopLogprobs) {
    return invalid(fmt::format("top_logprobs must be in [0, {}], got {}", kMaxTopLogprobs, top_logprobs));
  }
  if (top_logprobs > 0 && !logprobs) return invalid("top_logprobs requires logprobs to be true");
  if (n < 1 || n > kMaxChoices) return invalid(fmt::format("n must be in [1, {}], got {}", kMaxChoices, n));
  if (best_of != 0 && (best_of < n || best_of > kMaxChoices)) {
    return invalid(fmt::format("best_of must be 0 (= n) or in [n = {}, {}], got {}", n, kMaxChoices, best_of));
  }
  if (!std::isfinite(length_penalty)) {
    return invalid(fmt::format("length_penalty must be a finite number, got {}", length_penalty));
  }
  return {};
}

}  // namespace servir
