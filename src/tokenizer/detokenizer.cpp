#include "tokenizer/detokenizer.h"

#include "tokenizer/unicode.h"

namespace servir {

IncrementalDetokenizer::IncrementalDetokenizer(const Tokenizer& tokenizer, DecodeOptions options, bool continues_text)
    : tokenizer_(&tokenizer),
      options_(options),
      strip_remaining_(continues_text ? 0 : tokenizer.decode_strip_leading_spaces()) {}

std::string IncrementalDetokenizer::push(TokenId id) {
  if (!tokenizer_->valid_id(id)) return {};
  if (options_.skip_special_tokens && tokenizer_->is_special(id)) return {};
  std::string_view bytes = tokenizer_->token_bytes(id);
  if (strip_remaining_ > 0 && !bytes.empty()) {
    std::size_t cut = 0;
    while (strip_remaining_ > 0 && cut < bytes.size() && bytes[cut] == ' ') ++cut, --strip_remaining_;
    if (cut < bytes.size()) strip_remaining_ = 0;
    bytes.remove_prefix(cut);
  }
  pending_.append(bytes);
  const std::size_t hold = utf8_incomplete_suffix(pending_);
  const std::size_t ready = pending_.size() - hold;
  if (ready == 0) return {};
  std::string out = utf8_lossy(std::string_view(pending_).substr(0, ready));
  pending_.erase(0, ready);
  return out;
}

std::string IncrementalDetokenizer::finish() {
  std::string out = utf8_lossy(pending_);
  pending_.clear();
  return out;
}

}  // namespace servir
