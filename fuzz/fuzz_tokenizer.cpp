// Fuzzes the tokenizer layer with arbitrary bytes. The first byte picks:
//   0: encode with a small byte-level BPE built here; decode must give the
//      input bytes back, and the incremental detokenizer the same text;
//   1: encode with a small SentencePiece vocabulary (byte fallback); every id
//      must be valid and decoding must not fail;
//   2: compile the rest as a split regex and run it over a fixed text;
//   3: parse the rest as a tokenizer.json, and convert it to GGUF tokenizer
//      metadata (the converter `servir quantize` runs on HF folders).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tokenizer/byte_level.h"
#include "tokenizer/detokenizer.h"
#include "tokenizer/gguf_tokenizer_metadata.h"
#include "tokenizer/tokenizer_loader.h"

namespace {

using namespace servir;

const Tokenizer& byte_level_tokenizer() {
  static const Tokenizer tok = [] {
    TokenizerSpec spec;
    spec.byte_level = true;
    for (int b = 0; b < 256; ++b) spec.tokens.push_back(byte_level_encode(std::string(1, static_cast<char>(b))));
    for (const auto& [a, b] : {std::pair<std::string, std::string>{"a", "a"},
                               {"aa", "aa"},
                               {" ", "t"},
                               {"h", "e"},
                               {" t", "he"},
                               {"\xC3", "\xA9"}}) {
      spec.merges.emplace_back(byte_level_encode(a), byte_level_encode(b));
      spec.tokens.push_back(byte_level_encode(a + b));
    }
    spec.tokens.push_back("<|eot|>");
    spec.added_tokens.push_back({static_cast<TokenId>(spec.tokens.size() - 1), "<|eot|>", true});
    spec.pre_tokenizer = std::move(pre_tokenizer_preset("llama-bpe")->steps);
    spec.ignore_merges = true;
    return std::move(Tokenizer::create(std::move(spec)).value());
  }();
  return tok;
}

const Tokenizer& spm_tokenizer() {
  static const Tokenizer tok = [] {
    TokenizerSpec spec;
    spec.model = SubwordModel::kSpmScores;
    spec.tokens = {"<unk>", "<s>", "</s>"};
    spec.attrs = {TokenAttr::kUnknown, TokenAttr::kControl, TokenAttr::kControl};
    for (int b = 0; b < 256; ++b) {
      char name[8];
      std::snprintf(name, sizeof name, "<0x%02X>", b);
      spec.tokens.push_back(name);
      spec.attrs.push_back(TokenAttr::kByte);
    }
    for (const char* piece : {"\xE2\x96\x81", "a", "b",
                              "\xE2\x96\x81"
                              "a",
                              "ab",
                              "\xE2\x96\x81"
                              "ab",
                              "\xC3\xA9"}) {
      spec.tokens.push_back(piece);
      spec.attrs.push_back(TokenAttr::kNormal);
    }
    spec.scores.assign(spec.tokens.size(), 0.0f);
    for (std::size_t i = 259; i < spec.tokens.size(); ++i) spec.scores[i] = -static_cast<float>(i);
    spec.normalizer = {{NormalizerStep::Kind::kPrepend, "", " "},
                       {NormalizerStep::Kind::kReplace, " ", "\xE2\x96\x81"}};
    spec.byte_fallback = true;
    spec.decode_metaspace = true;
    spec.decode_strip_leading_spaces = 1;
    spec.unk_id = 0;
    spec.bos_id = 1;
    spec.added_tokens = {{1, "<s>", true}, {2, "</s>", true}};
    return std::move(Tokenizer::create(std::move(spec)).value());
  }();
  return tok;
}

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      const Tokenizer& tok = byte_level_tokenizer();
      const std::vector<TokenId> ids = tok.encode(input, {.add_special = false});
      check(tok.decode_bytes(ids) == input);
      IncrementalDetokenizer detok(tok);
      std::string streamed;
      for (const TokenId id : ids) streamed += detok.push(id);
      streamed += detok.finish();
      check(streamed == tok.decode(ids));
      tok.encode(input, {.parse_special = true});
      break;
    }
    case 1: {
      const Tokenizer& tok = spm_tokenizer();
      for (const bool special : {false, true}) {
        const std::vector<TokenId> ids = tok.encode(input, {.parse_special = special});
        for (const TokenId id : ids) check(tok.valid_id(id));
        check(utf8_is_valid(tok.decode(ids)));
      }
      break;
    }
    case 2: {
      Result<SplitRegex> regex = SplitRegex::compile(input);
      if (!regex.ok()) break;
      CodePointText text;
      text.assign("Hello, world! 123 \xC3\xA9t\xC3\xA9\n\n  x\xFF 'll  ");
      std::vector<std::uint32_t> ends;
      regex->split(text, 0, text.size(), ends);
      break;
    }
    case 3: {
      Result<TokenizerSpec> spec = tokenizer_spec_from_hf(input, "", "fuzz");
      if (spec.ok()) Result<Tokenizer> tok = Tokenizer::create(std::move(spec).value());
      Result<GgufKeyValues> kvs = gguf_tokenizer_metadata_from_hf(input, "", "fuzz", 64);
      break;
    }
  }
  return 0;
}
