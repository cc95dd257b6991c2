// Loading a Tokenizer from the files models ship with.
//
//   load_tokenizer(path) accepts
//     - a GGUF file (a vocab-only GGUF is enough): tokenizer.ggml.* metadata;
//     - a Hugging Face tokenizer.json (tokenizer_config.json beside it is read
//       when present) or a folder holding them;
//     - a SentencePiece tokenizer.model (protobuf).
// Every failure is a Status naming the file and what is wrong or unsupported.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "formats/gguf_reader.h"
#include "tokenizer/tokenizer.h"
#include "util/status.h"

namespace servir {

Result<Tokenizer> load_tokenizer(const std::string& path);

Result<TokenizerSpec> tokenizer_spec_from_gguf(const GgufFile& file);
// `config_json` may be empty (no tokenizer_config.json).
Result<TokenizerSpec> tokenizer_spec_from_hf(std::string_view tokenizer_json, std::string_view config_json,
                                             std::string name);
Result<TokenizerSpec> tokenizer_spec_from_sentencepiece(std::span<const std::byte> model, std::string name);

}  // namespace servir
