// SplitRegex: the small regex engine behind pre-tokenizer splits.
//
// Goals: run the split patterns of Hugging Face tokenizer.json files and of
// llama.cpp's `tokenizer.ggml.pre` table exactly as Oniguruma would
// (leftmost-first alternation, greedy or lazy quantifiers, backtracking),
// over Unicode general categories. Supported syntax: literals (UTF-8),
// `.`, escapes \s \S \d \D \w \W \p{..} \P{..} (general categories and their
// one-letter groups) \r \n \t \f \v \xHH \x{H..} \uHHHH, classes [...] with
// ranges and negation, groups (...) (?:...) (?i:...), lookahead (?=...)
// (?!...), quantifiers ? * + {n} {n,} {n,m} with an optional lazy `?`.
// Non-goals: captures, backreferences, lookbehind, anchors, scripts such as
// \p{Han}; compile() refuses them with kUnsupported, so a tokenizer that needs
// them fails to load instead of tokenizing wrongly.
//
// Matching is over a CodePointText (one unit per code point or invalid byte).
// Repetitions of single-code-point items (the hot loops: \p{L}+, \s+,
// [^\s\p{L}\p{N}]+) run without recursion, so long runs of one class cost
// linear time and constant stack. Hostile patterns (exponential backtracking,
// deep recursion through repeated groups) hit a step budget linear in the
// text and a depth limit; matching then stops and the rest of the text stays
// one piece, so a bad tokenizer file degrades tokenization but never hangs or
// crashes the process. A compiled SplitRegex is immutable and safe to share
// between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/unicode.h"
#include "util/status.h"

namespace servir {

namespace regex_detail {
struct Node;
}

class SplitRegex {
 public:
  static Result<SplitRegex> compile(std::string_view pattern);

  SplitRegex(SplitRegex&&) noexcept;
  SplitRegex& operator=(SplitRegex&&) noexcept;
  ~SplitRegex();

  // Leftmost-first match starting exactly at `pos` within [0, end) of `text`
  // (lookahead sees no further than `end`). Returns the end of the match, or
  // SIZE_MAX when there is none.
  std::size_t match_at(const CodePointText& text, std::size_t pos, std::size_t end) const;

  // Splits [begin, end) into matches and the gaps between them, both kept
  // ("Isolated" behaviour), appending the piece boundaries (code point
  // indices, each piece's end) to `ends`.
  void split(const CodePointText& text, std::size_t begin, std::size_t end, std::vector<std::uint32_t>& ends) const;

  const std::string& pattern() const { return pattern_; }

 private:
  SplitRegex() = default;
  std::string pattern_;
  std::vector<std::unique_ptr<regex_detail::Node>> nodes_;  // owner of every node
  const regex_detail::Node* root_ = nullptr;
};

}  // namespace servir
