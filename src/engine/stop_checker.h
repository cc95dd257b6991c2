// StopChecker: decides, token by token, when a sequence stops on EOS, a stop
// token or a stop string, and which text is safe to stream (vLLM semantics).
//
// Per generated token the engine calls push(token, piece), where `piece` is
// what the incremental detokenizer produced for that token, and streams
// Result::emit. Rules:
//   - Nothing stops before min_tokens tokens have been generated (the pushed
//     one included).
//   - EOS (unless ignore_eos) and stop_token_ids stop with stop_token set.
//     The stop token's text is not emitted (EOS never; a stop_token_ids
//     token's only with include_stop_str_in_output).
//   - Stop strings are matched on the text across token boundaries. On a
//     match the text is cut right before the stop string (right after it with
//     include_stop_str_in_output) and the rest is dropped; when several match,
//     the one starting earliest wins (then the one listed first).
//   - Text that could be the start of a stop string is held back until the
//     next pieces settle it; flush() releases it when generation ends for
//     another reason (max_tokens, context length, abort).
//   - A stop string wholly inside text pushed before min_tokens was reached
//     has been streamed already and no longer stops anything (as in vLLM,
//     which only searches the new text).
// max_tokens is the engine's business, not the checker's.
//
// Not thread-safe: one StopChecker per sequence.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/sampling_params.h"

namespace servir {

class StopChecker {
 public:
  struct Result {
    std::string emit;  // text safe to stream now (may be empty)
    bool stopped = false;
    std::optional<std::string> stop_string;  // set when a stop string matched
    std::optional<std::int32_t> stop_token;  // set when EOS or a stop_token_ids token stopped it
  };

  // `eos_ids`: the model's end-of-sequence tokens (ignored with ignore_eos).
  StopChecker(const SamplingParams& params, std::span<const std::int32_t> eos_ids);

  // One generated token and its text. Must not be called once stopped.
  Result push(std::int32_t token, std::string_view text_piece);

  // The held-back text, when generation ends for a reason other than a stop
  // (empty after a stop).
  std::string flush();

  bool stopped() const { return stopped_; }
  int generated() const { return generated_; }

 private:
  // Length of the longest suffix of pending_ that is a proper prefix of a
  // stop string.
  std::size_t partial_match_length() const;

  std::vector<std::string> stop_strings_;
  std::vector<std::int32_t> stop_token_ids_;
  std::vector<std::int32_t> eos_ids_;  // empty with ignore_eos
  int min_tokens_ = 0;
  bool include_stop_ = false;
  int generated_ = 0;
  bool stopped_ = false;
  std::string pending_;  // held back: could still begin a stop string
};

}  // namespace servir
