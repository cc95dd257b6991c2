// TokenizerSpec from a SentencePiece model file (tokenizer.model).
#include "tokenizer/tokenizer_loader.h"

namespace servir {

Result<TokenizerSpec> tokenizer_spec_from_sentencepiece(std::span<const std::byte> model, std::string name) {
  (void)model;
  return make_error(ErrorCode::kUnsupported, "{}: SentencePiece model files are not supported yet", name);
}

}  // namespace servir
