// Synthetic prompts for `servir loadtest`.
//
// A prompt is words drawn from a fixed list of common English words, each a
// single token in the usual 32k-150k vocabularies (Llama, Mistral, GPT-2,
// Qwen), so W words are roughly W tokens there; small vocabularies split
// them further, and chat templates add their own tokens. The requested
// length is therefore approximate; the load test reports the prompt length
// the server counted (usage.prompt_tokens).
//
// The first shared_prefix_words of every prompt are the same (drawn from
// the run's seed); the rest are drawn per request from (seed, index), so
// two requests share nothing beyond the prefix (a prefix cache hits exactly
// the intended part) and a rerun with another seed shares nothing with the
// previous run. Deterministic for a given seed on every platform
// (splitmix64, no std distributions). Header-only for the unit tests.
#pragma once

#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

#include "util/splitmix.h"

namespace servir::app {

inline constexpr std::string_view kPromptWords[] = {
    "the",    "of",      "and",    "to",     "in",    "is",    "was",  "that",  "for",    "on",    "are",   "with",
    "as",     "at",      "be",     "this",   "have",  "from",  "or",   "one",   "had",    "by",    "word",  "but",
    "not",    "what",    "all",    "were",   "we",    "when",  "your", "can",   "said",   "there", "use",   "an",
    "each",   "which",   "she",    "do",     "how",   "their", "if",   "will",  "up",     "other", "about", "out",
    "many",   "then",    "them",   "these",  "so",    "some",  "her",  "would", "make",   "like",  "him",   "into",
    "time",   "has",     "look",   "two",    "more",  "write", "go",   "see",   "number", "no",    "way",   "could",
    "people", "my",      "than",   "first",  "water", "been",  "call", "who",   "oil",    "its",   "now",   "find",
    "long",   "down",    "day",    "did",    "get",   "come",  "made", "may",   "part",   "over",  "new",   "sound",
    "take",   "only",    "little", "work",   "know",  "place", "year", "live",  "me",     "back",  "give",  "most",
    "very",   "after",   "thing",  "our",    "just",  "name",  "good", "man",   "think",  "say",   "great", "where",
    "help",   "through", "much",   "before", "line",  "right", "too",  "mean",  "old",
};

// One step of splitmix64: a well-mixed 64-bit value from a counter.
inline std::uint64_t splitmix64(std::uint64_t& state) { return splitmix64_next(state); }

struct PromptSpec {
  int words = 128;              // total words per prompt (~ tokens)
  int shared_prefix_words = 0;  // leading words identical across requests (<= words)
  std::uint64_t seed = 0;       // per run
};

inline void append_words(std::string& out, int n, std::uint64_t state) {
  for (int i = 0; i < n; ++i) {
    if (!out.empty()) out.push_back(' ');
    out.append(kPromptWords[splitmix64(state) % std::size(kPromptWords)]);
  }
}

// The prompt of request `index` (0-based).
inline std::string synthetic_prompt(const PromptSpec& spec, std::uint64_t index) {
  const int shared = spec.shared_prefix_words < spec.words ? spec.shared_prefix_words : spec.words;
  std::string out;
  out.reserve(static_cast<std::size_t>(spec.words) * 6);
  append_words(out, shared, spec.seed);
  std::uint64_t state = spec.seed ^ 0x5bd1e995u;
  state ^= splitmix64(state) + index * 0x9e3779b97f4a7c15ull;
  append_words(out, spec.words - shared, splitmix64(state));
  return out;
}

}  // namespace servir::app
