// Tokenizer behaviour on small vocabularies built in code: special tokens,
// BOS/EOS flags, decoding options, the incremental detokenizer, arbitrary
// bytes, long runs, and malformed tokenizer files.
#include <gtest/gtest.h>

#include <random>

#include "testing/test_paths.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/detokenizer.h"
#include "tokenizer/tokenizer_loader.h"

namespace servir {
namespace {

// Byte-level BPE: the 256 byte tokens, a few merges, <|bos|> and <|eot|>
// (control) and <tool> (user-defined).
Tokenizer make_byte_level() {
  TokenizerSpec spec;
  spec.name = "test-byte-level";
  spec.byte_level = true;
  for (int b = 0; b < 256; ++b) spec.tokens.push_back(byte_level_encode(std::string(1, static_cast<char>(b))));
  auto merge = [&](std::string a, std::string b) {
    spec.merges.emplace_back(byte_level_encode(a), byte_level_encode(b));
    spec.tokens.push_back(byte_level_encode(a + b));
  };
  merge("a", "a");                   // 256
  merge("aa", "aa");                 // 257
  merge("h", "e");                   // 258
  merge(" ", "he");                  // 259
  merge("l", "l");                   // 260
  merge("he", "ll");                 // 261
  spec.tokens.push_back("<|bos|>");  // 262
  spec.tokens.push_back("<|eot|>");  // 263
  spec.tokens.push_back("<tool>");   // 264
  spec.added_tokens = {{262, "<|bos|>", true}, {263, "<|eot|>", true}, {264, "<tool>", false}};
  Result<PreTokenizerPreset> preset = pre_tokenizer_preset("gpt2");
  EXPECT_TRUE(preset.ok());
  spec.pre_tokenizer = std::move(preset->steps);
  spec.bos_id = 262;
  spec.eos_id = 263;
  spec.add_bos = true;
  Result<Tokenizer> tok = Tokenizer::create(std::move(spec));
  EXPECT_TRUE(tok.ok()) << tok.status().to_string();
  return std::move(tok).value();
}

TEST(TokenizerBehavior, MergesAndBosFlags) {
  const Tokenizer tok = make_byte_level();
  EXPECT_EQ(tok.encode("hell he"), (std::vector<TokenId>{262, 261, 259}));
  EXPECT_EQ(tok.encode("hell he", {.add_special = false}), (std::vector<TokenId>{261, 259}));
  EXPECT_EQ(tok.encode("he", {.add_bos = false}), (std::vector<TokenId>{258}));
  EXPECT_EQ(tok.encode("he", {.add_eos = true}), (std::vector<TokenId>{262, 258, 263}));
  EXPECT_EQ(tok.encode(""), (std::vector<TokenId>{262}));
}

TEST(TokenizerBehavior, SpecialTokensOnlyWhenAsked) {
  const Tokenizer tok = make_byte_level();
  const std::vector<TokenId> plain = tok.encode("he<|eot|>", {.add_special = false});
  EXPECT_EQ(plain.size(), 8u);  // 'he' + 7 single bytes
  EXPECT_EQ(tok.decode(plain), "he<|eot|>");
  EXPECT_EQ(tok.encode("he<|eot|>", {.add_special = false, .parse_special = true}), (std::vector<TokenId>{258, 263}));
  // User-defined tokens are always recognized.
  EXPECT_EQ(tok.encode("<tool>he", {.add_special = false}), (std::vector<TokenId>{264, 258}));
}

TEST(TokenizerBehavior, DecodeSkipsSpecialTokensOnRequest) {
  const Tokenizer tok = make_byte_level();
  const std::vector<TokenId> ids{262, 261, 263, 264};
  EXPECT_EQ(tok.decode(ids), "<|bos|>hell<|eot|><tool>");
  EXPECT_EQ(tok.decode(ids, {.skip_special_tokens = true}), "hell<tool>");
  EXPECT_EQ(tok.decode(std::vector<TokenId>{-1, 100000, 258}), "he");  // bad ids skipped
}

TEST(TokenizerBehavior, ArbitraryBytesRoundTrip) {
  const Tokenizer tok = make_byte_level();
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::string text(rng() % 64, '\0');
    for (char& c : text) c = static_cast<char>(round % 2 ? rng() % 256 : "ah e\xC3\xA9\xFF\n"[rng() % 8]);
    const std::vector<TokenId> ids = tok.encode(text, {.add_special = false});
    ASSERT_EQ(tok.decode_bytes(ids), text);
    ASSERT_EQ(tok.decode(ids), utf8_lossy(text));
  }
}

TEST(TokenizerBehavior, OneMegabyteRunOfOneCharacter) {
  const Tokenizer tok = make_byte_level();
  const std::string text(1 << 20, 'a');
  const std::vector<TokenId> ids = tok.encode(text, {.add_special = false});
  EXPECT_EQ(ids.size(), text.size() / 4);
  EXPECT_EQ(tok.decode(ids), text);
}

TEST(TokenizerBehavior, OneMegabyteRunsWithRealVocabularies) {
  for (const char* model : {"testdata/tokenizers/llama3", "testdata/vocab/ggml-vocab-llama-spm.gguf"}) {
    const auto path = testing::shared_path(model);
    SKIP_WITHOUT_SHARED(path);
    Result<Tokenizer> tok = load_tokenizer(path.string());
    ASSERT_TRUE(tok.ok()) << tok.status().to_string();
    for (const std::string unit : {"a", " ", "3", "\xE4\xB8\xAD"}) {
      std::string text;
      while (text.size() < (1u << 20)) text += unit;
      const std::vector<TokenId> ids = tok->encode(text, {.add_special = false});
      EXPECT_EQ(tok->decode(ids), text) << model << " unit '" << unit << "'";
    }
  }
}

TEST(TokenizerBehavior, IncrementalDetokenizerHoldsPartialCharacters) {
  const Tokenizer tok = make_byte_level();
  IncrementalDetokenizer detok(tok);
  EXPECT_EQ(detok.push(0xF0), "");
  EXPECT_EQ(detok.push(0x9F), "");
  EXPECT_EQ(detok.push(0x98), "");
  EXPECT_EQ(detok.push(0x80), "\xF0\x9F\x98\x80");
  EXPECT_EQ(detok.push(258), "he");
  EXPECT_EQ(detok.push(0xC3), "");
  EXPECT_EQ(detok.finish(), "\uFFFD");
  IncrementalDetokenizer skipping(tok, {.skip_special_tokens = true});
  EXPECT_EQ(skipping.push(263), "");
  EXPECT_EQ(skipping.push(258), "he");
}

TEST(TokenizerBehavior, IncrementalDetokenizerMatchesDecodeOnRandomIds) {
  const Tokenizer tok = make_byte_level();
  std::mt19937 rng(11);
  for (int round = 0; round < 300; ++round) {
    std::vector<TokenId> ids(rng() % 40);
    for (TokenId& id : ids) id = static_cast<TokenId>(rng() % tok.n_tokens());
    for (const bool skip : {false, true}) {
      IncrementalDetokenizer detok(tok, {.skip_special_tokens = skip});
      std::string streamed;
      for (const TokenId id : ids) {
        const std::string piece = detok.push(id);
        ASSERT_TRUE(utf8_is_valid(piece));
        streamed += piece;
      }
      streamed += detok.finish();
      ASSERT_EQ(streamed, tok.decode(ids, {.skip_special_tokens = skip}));
    }
  }
}

TEST(TokenizerBehavior, SentencePieceDummyPrefixAndStrip) {
  const auto path = testing::shared_path("testdata/vocab/ggml-vocab-llama-spm.gguf");
  SKIP_WITHOUT_SHARED(path);
  Result<Tokenizer> tok = load_tokenizer(path.string());
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  const std::vector<TokenId> ids = tok->encode("Hello world");
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids.front(), tok->bos_id());
  EXPECT_EQ(tok->token_text(ids[1]), "\xE2\x96\x81Hello");
  EXPECT_EQ(tok->decode(ids, {.skip_special_tokens = true}), "Hello world");
  EXPECT_EQ(tok->encode("<s>", {.add_special = false, .parse_special = true}), (std::vector<TokenId>{1}));
  EXPECT_NE(tok->encode("<s>", {.add_special = false}), (std::vector<TokenId>{1}));
  // Characters outside the vocabulary fall back to bytes.
  const std::vector<TokenId> emoji = tok->encode("\xF0\x9F\xA6\x99", {.add_special = false});
  EXPECT_EQ(tok->decode(emoji), "\xF0\x9F\xA6\x99");
}

TEST(TokenizerBehavior, MalformedFilesAreErrors) {
  EXPECT_FALSE(tokenizer_spec_from_hf("not json", "", "x").ok());
  EXPECT_FALSE(tokenizer_spec_from_hf("[]", "", "x").ok());
  EXPECT_FALSE(tokenizer_spec_from_hf(R"({"model": {"type": "WordPiece", "vocab": {}}})", "", "x").ok());
  EXPECT_FALSE(tokenizer_spec_from_hf(R"({"model": {"type": "BPE", "vocab": {"a": "zero"}}})", "", "x").ok());
  EXPECT_FALSE(tokenizer_spec_from_hf(R"({"model": {"type": "BPE", "vocab": {"a": -4}}})", "", "x").ok());
  EXPECT_FALSE(tokenizer_spec_from_hf(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [7]}})", "", "x").ok());
  EXPECT_FALSE(
      tokenizer_spec_from_hf(
          R"j({"model": {"vocab": {"a": 0}}, "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(?<=x)"}}})j", "",
          "x")
          .ok());
  std::string nested = R"({"model": {"vocab": {"a": 0}}, "normalizer": )";
  for (int i = 0; i < 10000; ++i) nested += R"({"type": "Sequence", "normalizers": [)";
  for (int i = 0; i < 10000; ++i) nested += "]}";
  nested += "}";
  EXPECT_FALSE(tokenizer_spec_from_hf(nested, "", "x").ok());
  Result<TokenizerSpec> empty = tokenizer_spec_from_hf(R"({"model": {"vocab": {}}})", "", "x");
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(Tokenizer::create(std::move(empty).value()).ok());
  TokenizerSpec bad_bos;
  bad_bos.tokens = {"a"};
  bad_bos.bos_id = 5;
  EXPECT_FALSE(Tokenizer::create(std::move(bad_bos)).ok());
  EXPECT_FALSE(load_tokenizer("/nonexistent/tokenizer.json").ok());
  // SentencePiece protobufs: truncated, wrong wire types, no pieces.
  for (const std::string& bytes : {std::string("\x0A\x05\x0A\x01"), std::string("\x0A\xFF\xFF\xFF\xFF\x0F"),
                                   std::string("\x0F"), std::string(""), std::string("\x12\x00")}) {
    const auto* data = reinterpret_cast<const std::byte*>(bytes.data());
    EXPECT_FALSE(tokenizer_spec_from_sentencepiece({data, bytes.size()}, "x").ok());
  }
}

}  // namespace
}  // namespace servir
