// TokenizerSpec: everything a loader (GGUF metadata, tokenizer.json,
// SentencePiece model) extracts, in one format-neutral description that
// Tokenizer::create validates and compiles.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/text_pipeline.h"

namespace servir {

using TokenId = std::int32_t;

// U+2581 LOWER ONE EIGHTH BLOCK: SentencePiece's stand-in for a space.
inline constexpr char kMetaspace[] = "\xE2\x96\x81";
inline constexpr TokenId kNoToken = -1;

// GGUF token types (tokenizer.ggml.token_type) use these numbers + 1.
enum class TokenAttr : std::uint8_t {
  kNormal,
  kUnknown,
  kControl,      // special: BOS, EOS, <|im_start|> ...; matched in text only with parse_special
  kUserDefined,  // added as plain text: always matched in text, never skipped
  kUnused,
  kByte,  // <0xNN> byte-fallback token
};

enum class SubwordModel : std::uint8_t {
  // SentencePiece BPE: merges chosen by the score of the merged piece over the
  // whole normalized text; byte fallback for pieces not in the vocabulary.
  kSpmScores,
  // BPE with ranked merges, applied to each pre-token (GPT-2, Llama-3, Qwen,
  // and tokenizer.json's "BPE" model in general).
  kBpeRanks,
};

struct AddedTokenSpec {
  TokenId id = kNoToken;
  std::string content;
  bool special = true;
  bool lstrip = false;  // the match swallows white space before it
  bool rstrip = false;  // ... and after it
};

struct TokenizerSpec {
  std::string name;  // for messages
  SubwordModel model = SubwordModel::kBpeRanks;
  bool byte_level = false;     // vocabulary spelled in GPT-2's byte alphabet
  bool byte_fallback = false;  // characters missing from the vocabulary become <0xNN> tokens
  bool fuse_unk = false;       // consecutive unknown characters become one <unk>
  bool ignore_merges = false;  // a pre-token found whole in the vocabulary is one token

  std::vector<std::string> tokens;                          // as spelled in the file
  std::vector<float> scores;                                // empty or one per token
  std::vector<TokenAttr> attrs;                             // empty (all normal) or one per token
  std::vector<std::pair<std::string, std::string>> merges;  // in rank order
  std::vector<AddedTokenSpec> added_tokens;                 // matched in text before the model runs

  std::vector<NormalizerStep> normalizer;
  std::vector<PreTokenizerStep> pre_tokenizer;

  // Decoding: '▁' back to ' ', <0xNN> back to bytes, and how many leading
  // spaces of the decoded text to drop (the dummy prefix of SentencePiece).
  bool decode_metaspace = false;
  bool decode_byte_tokens = false;
  int decode_strip_leading_spaces = 0;

  TokenId bos_id = kNoToken;
  TokenId eos_id = kNoToken;
  TokenId unk_id = kNoToken;
  TokenId pad_id = kNoToken;
  bool add_bos = false;
  bool add_eos = false;
};

// The attribute of a SentencePiece piece type (1 normal, 2 unknown,
// 3 control, 4 user-defined, 5 unused, 6 byte), the numbering GGUF's
// tokenizer.ggml.token_type shares.
TokenAttr token_attr_from_sentencepiece_type(std::int64_t type);

// The text rules of a SentencePiece vocabulary: an optional dummy-prefix
// space, spaces as U+2581 (metaspace), <0xNN> byte tokens on decode.
void use_sentencepiece_text_rules(TokenizerSpec& spec, bool add_dummy_prefix);

}  // namespace servir
