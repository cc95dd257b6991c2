// SentencePiece BPE (llama.cpp's and sentencepiece's algorithm): start from
// the characters of the whole normalized text, repeatedly merge the adjacent
// pair whose concatenation is the vocabulary piece with the highest score
// (leftmost on ties), then spell leftover unknown characters as <0xNN> bytes.
#include <algorithm>
#include <vector>

#include "tokenizer/tokenizer_impl.h"

namespace servir {
namespace {

struct Symbol {
  std::uint32_t start;
  std::uint32_t size;  // bytes; 0 once merged into its left neighbour
  TokenId id;          // kNoToken: a character outside the vocabulary
  std::int32_t prev;
  std::int32_t next;
};

struct Bigram {
  float score;
  std::int32_t left;
  std::int32_t right;
  std::uint32_t size;
  TokenId id;
};

struct BigramBefore {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

}  // namespace

void Tokenizer::Impl::encode_spm_segment(std::string_view text, std::vector<TokenId>& out) const {
  std::vector<Symbol> symbols;
  symbols.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t length = 1;
    utf8_decode(text, pos, length);
    const auto n = static_cast<std::int32_t>(symbols.size());
    symbols.push_back({static_cast<std::uint32_t>(pos), static_cast<std::uint32_t>(length),
                       piece_id(text.substr(pos, length)), n - 1, n + 1});
    pos += length;
  }
  if (symbols.empty()) return;
  symbols.back().next = -1;

  std::vector<Bigram> heap;
  heap.reserve(symbols.size());
  auto consider = [&](std::int32_t left, std::int32_t right) {
    if (left < 0 || right < 0) return;
    const std::uint32_t size = symbols[left].size + symbols[right].size;
    const TokenId id = piece_id(text.substr(symbols[left].start, size));
    if (id == kNoToken) return;
    heap.push_back({scores[static_cast<std::size_t>(id)], left, right, size, id});
    std::push_heap(heap.begin(), heap.end(), BigramBefore{});
  };
  for (std::int32_t i = 1; i < static_cast<std::int32_t>(symbols.size()); ++i) consider(i - 1, i);

  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), BigramBefore{});
    const Bigram b = heap.back();
    heap.pop_back();
    Symbol& left = symbols[b.left];
    Symbol& right = symbols[b.right];
    if (left.size == 0 || right.size == 0 || left.size + right.size != b.size) continue;
    left.size += right.size;
    left.id = b.id;
    right.size = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = b.left;
    consider(left.prev, b.left);
    consider(b.left, left.next);
  }
  for (std::int32_t i = 0; i >= 0; i = symbols[i].next) {
    if (symbols[i].id != kNoToken) {
      out.push_back(symbols[i].id);
    } else {
      append_bytes_fallback(text.substr(symbols[i].start, symbols[i].size), out);
    }
  }
}

}  // namespace servir
