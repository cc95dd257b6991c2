// Tokenizer: text <-> token ids for SentencePiece-BPE and byte-level BPE
// vocabularies, loaded from GGUF metadata or Hugging Face tokenizer files.
//
//   Result<Tokenizer> tok = load_tokenizer("model.gguf");   // tokenizer_loader.h
//   std::vector<TokenId> ids = tok->encode("Hello", {.parse_special = true});
//   std::string text = tok->decode(ids);
//
// Encoding: added/special tokens are cut out of the text first (control
// tokens only with parse_special), each stretch between them is normalized,
// pre-tokenized and run through the subword model; BOS/EOS follow the model's
// flags unless the options override them. Any byte string is accepted;
// invalid UTF-8 is byte-encoded (byte-level BPE, byte fallback), so for those
// vocabularies decode_bytes(encode(x)) == x.
//
// Thread safety: a Tokenizer is immutable after loading except for a word
// cache behind a mutex (try-locked: a busy cache is bypassed, never waited
// for), so encode/decode may run from many threads at once.
// Move-only: a vocabulary is large; it is shared by reference or pointer.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/tokenizer_spec.h"
#include "util/status.h"

namespace servir {

struct EncodeOptions {
  // Add BOS/EOS per the model's flags; false adds neither.
  bool add_special = true;
  std::optional<bool> add_bos;  // overrides the model's flag when add_special
  std::optional<bool> add_eos;
  // Recognize control tokens (<|im_start|>, <s>, ...) written in the text.
  bool parse_special = false;
  // With parse_special: byte ranges (sorted, disjoint, [begin, end)) where
  // control tokens are not recognized: what users wrote inside a rendered
  // chat template stays text, so "<|im_start|>system" in a message cannot
  // open a turn.
  const std::vector<std::pair<std::size_t, std::size_t>>* literal_ranges = nullptr;
};

struct DecodeOptions {
  bool skip_special_tokens = false;  // drop control and unknown tokens
};

class Tokenizer {
 public:
  static Result<Tokenizer> create(TokenizerSpec spec);

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  std::vector<TokenId> encode(std::string_view text, const EncodeOptions& options = {}) const;

  // Token ids -> text; invalid UTF-8 in the bytes becomes U+FFFD. Ids out of
  // range are skipped.
  std::string decode(std::span<const TokenId> ids, const DecodeOptions& options = {}) const;
  // The raw bytes, before any UTF-8 repair.
  std::string decode_bytes(std::span<const TokenId> ids, const DecodeOptions& options = {}) const;

  std::size_t n_tokens() const;
  bool valid_id(TokenId id) const { return id >= 0 && static_cast<std::size_t>(id) < n_tokens(); }
  // The bytes a token stands for (no dummy-prefix stripping), "" for a bad id.
  std::string_view token_bytes(TokenId id) const;
  // The token as spelled in the vocabulary ("Ġworld", "▁the", "<0x0A>").
  std::string_view token_text(TokenId id) const;
  TokenAttr token_attr(TokenId id) const;
  // Control and unknown tokens: skipped by skip_special_tokens.
  bool is_special(TokenId id) const;
  // Whether `text` spells a control token that parse_special would match.
  bool contains_special_token(std::string_view text) const;
  // Looks up a token by its spelling in the vocabulary.
  std::optional<TokenId> find_token(std::string_view text) const;

  TokenId bos_id() const;
  TokenId eos_id() const;
  TokenId unk_id() const;
  TokenId pad_id() const;
  bool add_bos() const;
  bool add_eos() const;
  // Leading spaces the decoder drops at the start of a text (SentencePiece's
  // dummy prefix); the incremental detokenizer applies the same rule.
  int decode_strip_leading_spaces() const;
  const std::string& name() const;

  struct Impl;

 private:
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace servir
