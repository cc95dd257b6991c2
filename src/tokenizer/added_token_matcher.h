// AddedTokenMatcher: finds added and special tokens written in text and cuts
// the text into plain stretches and token ids (leftmost match, longest token
// first, as Hugging Face's added vocabulary does).
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/tokenizer_spec.h"

namespace servir {

struct TextSegment {
  std::string_view text;  // when token == kNoToken
  TokenId token = kNoToken;
};

class AddedTokenMatcher {
 public:
  void build(const std::vector<AddedTokenSpec>& tokens);
  bool empty() const { return tokens_.empty(); }
  // `parse_special` false: only non-special added tokens are recognized.
  // Special tokens never start inside `literal_ranges` (sorted, disjoint
  // [begin, end) byte ranges: text a user wrote, kept as text).
  void split(std::string_view text, bool parse_special, std::vector<TextSegment>& out,
             const std::vector<std::pair<std::size_t, std::size_t>>* literal_ranges = nullptr) const;
  // Whether `text` spells a special token anywhere.
  bool contains_special(std::string_view text) const;

 private:
  std::vector<AddedTokenSpec> tokens_;                           // longest content first
  std::array<std::vector<std::uint32_t>, 256> by_first_byte_{};  // indices into tokens_
};

}  // namespace servir
