// IncrementalDetokenizer: turns a stream of token ids into text pieces for
// streaming. A piece never ends inside a UTF-8 sequence (bytes of a character
// split across tokens are held until it is complete), and the concatenation
// of all pieces plus finish() equals Tokenizer::decode of the whole sequence.
// One per stream; not thread-safe; the Tokenizer must outlive it.
#pragma once

#include <string>

#include "tokenizer/tokenizer.h"

namespace servir {

class IncrementalDetokenizer {
 public:
  // `continues_text`: the stream follows text already shown (a completion
  // after its prompt), so a SentencePiece leading space is kept, not stripped.
  explicit IncrementalDetokenizer(const Tokenizer& tokenizer, DecodeOptions options = {}, bool continues_text = false);

  // The text completed by this token; often empty while a character is held.
  std::string push(TokenId id);
  // End of stream: what is still held (an unfinished sequence becomes U+FFFD).
  std::string finish();

 private:
  const Tokenizer* tokenizer_;
  DecodeOptions options_;
  std::string pending_;  // bytes not yet emitted
  int strip_remaining_;  // leading spaces still to drop (SentencePiece dummy prefix)
};

}  // namespace servir
