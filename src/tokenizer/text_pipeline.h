// The text stages before the subword model: normalizer steps and
// pre-tokenizer steps, applied to each stretch of text between added tokens.
//
// Both are plain lists of small steps so that the Hugging Face tokenizer.json
// "Sequence" forms and llama.cpp's `tokenizer.ggml.pre` presets map onto them
// directly. Steps are immutable after loading and shared between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/split_regex.h"
#include "tokenizer/unicode.h"
#include "util/status.h"

namespace servir {

struct NormalizerStep {
  enum class Kind : std::uint8_t {
    kNfc,
    kPrepend,           // prepend `text` to a non-empty segment
    kPrependIfMissing,  // prepend `text` unless the segment starts with it (ByteLevel add_prefix_space)
    kReplace,           // replace every `from` with `text`
    kLowercaseAscii,
  };
  Kind kind = Kind::kNfc;
  std::string from;
  std::string text;
};

std::string apply_normalizer(const std::vector<NormalizerStep>& steps, std::string_view segment);

struct PreTokenizerStep {
  enum class Kind : std::uint8_t {
    kRegex,        // matches and the gaps between them become pieces
    kDigits,       // runs of \p{Nd} (or single digits) become pieces
    kSplitBefore,  // a new piece starts at every `code_point` (Metaspace split)
  };
  Kind kind = Kind::kRegex;
  std::shared_ptr<const SplitRegex> regex;
  bool individual_digits = false;
  std::uint32_t code_point = 0;
};

// Splits `text` (already decoded) into pieces; writes piece ends as code point
// indices (ascending, the last one text.size()). Empty text yields no pieces.
void apply_pre_tokenizer(const std::vector<PreTokenizerStep>& steps, const CodePointText& text,
                         std::vector<std::uint32_t>& ends, std::vector<std::uint32_t>& scratch);

// The split patterns llama.cpp applies for a `tokenizer.ggml.pre` name, and
// whether whole pre-tokens found in the vocabulary skip the merges. One more
// variant is one more row in pre_tokenizer_presets.cpp.
struct PreTokenizerPreset {
  std::vector<PreTokenizerStep> steps;
  bool ignore_merges = false;
};
Result<PreTokenizerPreset> pre_tokenizer_preset(std::string_view name);

// The GPT-2 pattern (Hugging Face ByteLevel with use_regex = true).
extern const char kGpt2SplitPattern[];

}  // namespace servir
