// BPE with ranked merges over one pre-token: a linked list of symbols and a
// binary heap of candidate merges ordered by (rank, position), so a word of n
// symbols costs O(n log n) however long it is.
#include <algorithm>
#include <vector>

#include "tokenizer/text_pipeline.h"
#include "tokenizer/tokenizer_impl.h"

namespace servir {
namespace {

struct Symbol {
  TokenId id;
  std::int32_t prev;
  std::int32_t next;
};

struct Candidate {
  std::uint32_t rank;
  std::int32_t left;
  TokenId left_id;
  TokenId right_id;
  TokenId merged;
};

struct CandidateAfter {
  bool operator()(const Candidate& a, const Candidate& b) const {
    return a.rank != b.rank ? a.rank > b.rank : a.left > b.left;
  }
};

}  // namespace

void Tokenizer::Impl::append_bytes_fallback(std::string_view text, std::vector<TokenId>& out) const {
  for (const char c : text) {
    const TokenId id = byte_tokens[static_cast<unsigned char>(c)];
    if (id != kNoToken) {
      out.push_back(id);
    } else if (spec.unk_id != kNoToken) {
      if (!(spec.fuse_unk && !out.empty() && out.back() == spec.unk_id)) out.push_back(spec.unk_id);
    }
  }
}

void Tokenizer::Impl::encode_bpe_word(std::string_view word, std::vector<TokenId>& out) const {
  if (spec.ignore_merges) {
    if (const TokenId id = piece_id(word); id != kNoToken) {
      out.push_back(id);
      return;
    }
  }
  std::vector<Symbol> symbols;
  symbols.reserve(word.size());
  auto push = [&](TokenId id) {
    const auto n = static_cast<std::int32_t>(symbols.size());
    symbols.push_back({id, n - 1, n + 1});
  };
  if (spec.byte_level) {
    for (const char c : word) {
      const TokenId id = byte_symbols[static_cast<unsigned char>(c)];
      if (id != kNoToken) {
        push(id);
      } else if (spec.unk_id != kNoToken) {
        push(spec.unk_id);
      }
    }
  } else {
    bool last_unknown = false;
    for (std::size_t pos = 0; pos < word.size();) {
      std::size_t length = 1;
      utf8_decode(word, pos, length);
      const std::string_view ch = word.substr(pos, length);
      pos += length;
      if (const TokenId id = piece_id(ch); id != kNoToken) {
        push(id);
        last_unknown = false;
        continue;
      }
      if (spec.byte_fallback) {
        bool all_bytes = true;
        for (const char c : ch) all_bytes = all_bytes && byte_tokens[static_cast<unsigned char>(c)] != kNoToken;
        if (all_bytes) {
          for (const char c : ch) push(byte_tokens[static_cast<unsigned char>(c)]);
          last_unknown = false;
          continue;
        }
      }
      if (spec.unk_id == kNoToken) continue;
      if (spec.fuse_unk && last_unknown) continue;
      push(spec.unk_id);
      last_unknown = true;
    }
  }
  if (symbols.empty()) return;
  symbols.back().next = -1;

  std::vector<Candidate> heap;
  heap.reserve(symbols.size());
  auto consider = [&](std::int32_t left) {
    if (left < 0) return;
    const std::int32_t right = symbols[left].next;
    if (right < 0) return;
    const MergeTable::Entry* entry = merges.find(symbols[left].id, symbols[right].id);
    if (entry == nullptr) return;
    heap.push_back({entry->rank, left, symbols[left].id, symbols[right].id, entry->merged});
    std::push_heap(heap.begin(), heap.end(), CandidateAfter{});
  };
  for (std::int32_t i = 0; i + 1 < static_cast<std::int32_t>(symbols.size()); ++i) consider(i);

  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), CandidateAfter{});
    const Candidate c = heap.back();
    heap.pop_back();
    Symbol& left = symbols[c.left];
    if (left.id != c.left_id || left.next < 0) continue;  // stale: the left symbol changed
    Symbol& right = symbols[left.next];
    if (right.id != c.right_id) continue;  // stale: the right symbol changed
    left.id = c.merged;
    right.id = kNoToken;
    left.next = right.next;
    if (left.next >= 0) symbols[left.next].prev = c.left;
    consider(left.prev);
    consider(c.left);
  }
  for (std::int32_t i = 0; i >= 0; i = symbols[i].next) out.push_back(symbols[i].id);
}

}  // namespace servir
