// Tokenizer::Impl: the compiled vocabulary shared by the encoders
// (bpe_encoder.cpp, spm_encoder.cpp) and tokenizer.cpp. Internal header.
#pragma once

#include <array>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/added_token_matcher.h"
#include "tokenizer/merge_table.h"
#include "tokenizer/tokenizer.h"
#include "util/string_hash.h"

namespace servir {

struct Tokenizer::Impl {
  TokenizerSpec spec;  // tokens/merges moved out; flags, steps and ids kept

  std::vector<std::string> texts;  // spelling in the vocabulary
  std::vector<std::string> bytes;  // what each token decodes to
  std::vector<TokenAttr> attrs;
  std::vector<float> scores;

  // Subword model lookups, keyed by what the model sees: raw bytes for
  // byte-level vocabularies, the spelling otherwise. Only tokens the model may
  // produce (normal, user-defined) are in it.
  StringMap<TokenId> pieces;
  StringMap<TokenId> by_text;               // every token by spelling
  std::array<TokenId, 256> byte_tokens{};   // <0xNN> byte-fallback tokens
  std::array<TokenId, 256> byte_symbols{};  // byte-level: the token of each single byte
  MergeTable merges;
  AddedTokenMatcher added;
  // SentencePiece-style vocabularies without pre-tokenizer: true when no
  // producible piece has a '▁' right after another character, so no merge can
  // cross the point before a '▁' that follows a non-'▁'. The text is then cut
  // there into words encoded (and cached) one by one, with the same result as
  // encoding it whole.
  bool split_before_metaspace = false;

  // Word -> ids cache of the BPE encoder (see Tokenizer's thread-safety note).
  mutable std::mutex cache_mutex;
  mutable StringMap<std::vector<TokenId>> cache;
  static constexpr std::size_t kCacheMaxEntries = 1 << 16;
  static constexpr std::size_t kCacheMaxWordBytes = 64;

  TokenId piece_id(std::string_view key) const {
    const auto it = pieces.find(key);
    return it == pieces.end() ? kNoToken : it->second;
  }

  // Encoders: append the ids of one normalized stretch of text.
  void encode_segment(std::string_view text, bool use_cache, std::vector<TokenId>& out) const;
  void encode_word_cached(std::string_view word, bool use_cache, std::vector<TokenId>& out) const;
  void encode_bpe_word(std::string_view word, std::vector<TokenId>& out) const;
  void encode_spm_segment(std::string_view text, std::vector<TokenId>& out) const;
  // Bytes with no token of their own: <0xNN> tokens, else <unk>.
  void append_bytes_fallback(std::string_view bytes, std::vector<TokenId>& out) const;
};

}  // namespace servir
