#include "tokenizer/added_token_matcher.h"

#include <algorithm>

namespace servir {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

}  // namespace

void AddedTokenMatcher::build(const std::vector<AddedTokenSpec>& tokens) {
  tokens_.clear();
  for (auto& list : by_first_byte_) list.clear();
  for (const AddedTokenSpec& token : tokens) {
    if (!token.content.empty() && token.id != kNoToken) tokens_.push_back(token);
  }
  std::stable_sort(tokens_.begin(), tokens_.end(), [](const AddedTokenSpec& a, const AddedTokenSpec& b) {
    return a.content.size() > b.content.size();
  });
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    by_first_byte_[static_cast<unsigned char>(tokens_[i].content[0])].push_back(static_cast<std::uint32_t>(i));
  }
}

void AddedTokenMatcher::split(std::string_view text, bool parse_special, std::vector<TextSegment>& out,
                              const std::vector<std::pair<std::size_t, std::size_t>>* literal_ranges) const {
  out.clear();
  std::size_t start = 0;  // of the pending plain stretch
  std::size_t pos = 0;
  std::size_t range = 0;  // the first literal range not wholly before pos
  while (pos < text.size()) {
    const auto& candidates = by_first_byte_[static_cast<unsigned char>(text[pos])];
    const AddedTokenSpec* hit = nullptr;
    bool literal = false;
    if (literal_ranges != nullptr && !candidates.empty()) {
      while (range < literal_ranges->size() && (*literal_ranges)[range].second <= pos) ++range;
      literal = range < literal_ranges->size() && (*literal_ranges)[range].first <= pos;
    }
    for (const std::uint32_t index : candidates) {
      const AddedTokenSpec& token = tokens_[index];
      if (token.special && (!parse_special || literal)) continue;
      if (text.substr(pos).starts_with(token.content)) {
        hit = &token;
        break;
      }
    }
    if (hit == nullptr) {
      ++pos;
      continue;
    }
    std::size_t plain_end = pos;
    if (hit->lstrip) {
      while (plain_end > start && is_space(text[plain_end - 1])) --plain_end;
    }
    if (plain_end > start) out.push_back({text.substr(start, plain_end - start), kNoToken});
    out.push_back({std::string_view(), hit->id});
    pos += hit->content.size();
    if (hit->rstrip) {
      while (pos < text.size() && is_space(text[pos])) ++pos;
    }
    start = pos;
  }
  if (start < text.size()) out.push_back({text.substr(start), kNoToken});
}

bool AddedTokenMatcher::contains_special(std::string_view text) const {
  for (std::size_t pos = 0; pos < text.size(); ++pos) {
    for (const std::uint32_t index : by_first_byte_[static_cast<unsigned char>(text[pos])]) {
      const AddedTokenSpec& token = tokens_[index];
      if (token.special && text.substr(pos).starts_with(token.content)) return true;
    }
  }
  return false;
}

}  // namespace servir
