// Converts a Hugging Face tokenizer.json (+ tokenizer_config.json) into the
// GGUF tokenizer metadata llama.cpp's convert_hf_to_gguf.py writes, so a GGUF
// made by `servir quantize` (or `servir testmodel --vocab-from`) carries a
// tokenizer that llama.cpp and servir's GGUF loader read:
//
//   byte-level BPE (GPT-2, Llama 3, Qwen):
//     tokenizer.ggml.model = "gpt2", .pre = the llama.cpp pre-tokenizer name
//     recognized from the split regex ("gpt-2", "llama-bpe", "qwen2"),
//     .tokens, .token_type, .merges ("a b")
//   SentencePiece-style BPE with byte fallback (Llama 2, Mistral, TinyLlama
//   shipped as tokenizer.json only):
//     tokenizer.ggml.model = "llama", .tokens, .scores, .token_type,
//     .add_space_prefix. The scores are minus the rank of the merge that
//     makes each token (the lowest one), so llama.cpp's score-driven merging
//     takes the merges in the order of the BPE ranks; tokens no merge makes
//     score below every merge.
//   both: .bos/.eos/.unknown/.padding_token_id, .add_bos_token,
//     .add_eos_token, tokenizer.chat_template (and .chat_template.NAME for
//     named templates).
// Token types follow the GGUF numbering: 1 normal, 2 unknown, 3 control
// (special added tokens), 4 user-defined (other added tokens), 5 unused
// (holes in the id space, spelled "[PAD<id>]"), 6 byte (<0xNN>, SPM only).
// Ids between the tokenizer's last and `vocab_size` (a padded embedding) are
// filled with unused [PAD<id>] tokens, as the converter does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "formats/gguf_value.h"
#include "util/status.h"

namespace servir {

using GgufKeyValues = std::vector<std::pair<std::string, GgufValue>>;

// `config_json` may be empty (no tokenizer_config.json); `vocab_size` 0 means
// the tokenizer's own size. Unsupported pre-tokenizers are refused (kUnsupported)
// rather than written under a name whose splits differ.
Result<GgufKeyValues> gguf_tokenizer_metadata_from_hf(std::string_view tokenizer_json, std::string_view config_json,
                                                      const std::string& name, std::int64_t vocab_size = 0);

// Reads `path` (a tokenizer.json, or a folder holding one) and the
// tokenizer_config.json beside it.
Result<GgufKeyValues> gguf_tokenizer_metadata_from_hf_file(const std::string& path, std::int64_t vocab_size = 0);

}  // namespace servir
