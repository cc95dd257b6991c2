#include "tokenizer/tokenizer_spec.h"

namespace servir {

TokenAttr token_attr_from_sentencepiece_type(std::int64_t type) {
  switch (type) {
    case 2:
      return TokenAttr::kUnknown;
    case 3:
      return TokenAttr::kControl;
    case 4:
      return TokenAttr::kUserDefined;
    case 5:
      return TokenAttr::kUnused;
    case 6:
      return TokenAttr::kByte;
    default:
      return TokenAttr::kNormal;
  }
}

void use_sentencepiece_text_rules(TokenizerSpec& spec, bool add_dummy_prefix) {
  if (add_dummy_prefix) spec.normalizer.push_back({NormalizerStep::Kind::kPrepend, "", " "});
  spec.normalizer.push_back({NormalizerStep::Kind::kReplace, " ", kMetaspace});
  spec.decode_metaspace = true;
  spec.decode_byte_tokens = true;
  spec.decode_strip_leading_spaces = add_dummy_prefix ? 1 : 0;
}

}  // namespace servir
