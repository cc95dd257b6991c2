// From one normalized stretch of text to the words the subword model encodes:
// pre-tokenizer pieces, or for SentencePiece-style vocabularies the cuts
// before U+2581 (see Impl::split_before_metaspace), each through the word cache.
#include <string_view>
#include <vector>

#include "tokenizer/text_pipeline.h"
#include "tokenizer/tokenizer_impl.h"

namespace servir {

void Tokenizer::Impl::encode_word_cached(std::string_view word, bool use_cache, std::vector<TokenId>& out) const {
  auto encode = [&] {
    if (spec.model == SubwordModel::kSpmScores) {
      encode_spm_segment(word, out);
    } else {
      encode_bpe_word(word, out);
    }
  };
  if (!use_cache || word.size() > kCacheMaxWordBytes) {
    encode();
    return;
  }
  if (const auto it = cache.find(word); it != cache.end()) {
    out.insert(out.end(), it->second.begin(), it->second.end());
    return;
  }
  const std::size_t first = out.size();
  encode();
  if (cache.size() >= kCacheMaxEntries) cache.clear();
  cache.emplace(std::string(word), std::vector<TokenId>(out.begin() + static_cast<std::ptrdiff_t>(first), out.end()));
}

void Tokenizer::Impl::encode_segment(std::string_view text, bool use_cache, std::vector<TokenId>& out) const {
  if (!spec.pre_tokenizer.empty()) {
    CodePointText cps;
    cps.assign(text);
    std::vector<std::uint32_t> ends, scratch;
    apply_pre_tokenizer(spec.pre_tokenizer, cps, ends, scratch);
    std::uint32_t begin = 0;
    for (const std::uint32_t end : ends) {
      encode_word_cached(text.substr(cps.offsets[begin], cps.offsets[end] - cps.offsets[begin]), use_cache, out);
      begin = end;
    }
    return;
  }
  if (!split_before_metaspace) {
    encode_word_cached(text, use_cache, out);
    return;
  }
  std::size_t start = 0;
  std::size_t pos = text.find(kMetaspace, 1);
  while (pos != std::string_view::npos) {
    const bool after_metaspace = pos >= 3 && text.substr(pos - 3, 3) == kMetaspace;
    if (!after_metaspace) {
      encode_word_cached(text.substr(start, pos - start), use_cache, out);
      start = pos;
    }
    pos = text.find(kMetaspace, pos + std::string_view(kMetaspace).size());
  }
  encode_word_cached(text.substr(start), use_cache, out);
}

}  // namespace servir
