// Reference vectors: llama.cpp's vocab test files (.gguf.inp/.out) and
// Hugging Face goldens (tokenizers/*/goldens.jsonl), plus round trips of
// war-and-peace.txt through encode/decode and the incremental detokenizer.
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <sstream>

#include "testing/test_paths.h"
#include "tokenizer/detokenizer.h"
#include "tokenizer/tokenizer_loader.h"

namespace servir {
namespace {

using testing::read_file;
using testing::shared_path;

std::vector<std::string> split_inputs(const std::string& text) {
  static const std::string kSeparator = "\n__ggml_vocab_test__\n";
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t hit = text.find(kSeparator, pos);
    if (hit == std::string::npos) {
      out.push_back(text.substr(pos));
      break;
    }
    out.push_back(text.substr(pos, hit - pos));
    pos = hit + kSeparator.size();
  }
  if (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

std::vector<TokenId> parse_ids(const std::string& line) {
  std::vector<TokenId> ids;
  std::istringstream in(line);
  TokenId id = 0;
  while (in >> id) ids.push_back(id);
  return ids;
}

std::string ids_string(const std::vector<TokenId>& ids) {
  std::string out;
  for (const TokenId id : ids) out += std::to_string(id) + " ";
  return out;
}

class TokenizerVocabVectors : public ::testing::TestWithParam<std::string> {};

TEST_P(TokenizerVocabVectors, ReproduceLlamaCppOutputs) {
  const auto gguf = shared_path("testdata/vocab/ggml-vocab-" + GetParam() + ".gguf");
  SKIP_WITHOUT_SHARED(gguf);
  Result<Tokenizer> tok = load_tokenizer(gguf.string());
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  const std::vector<std::string> inputs = split_inputs(read_file(gguf.string() + ".inp"));
  std::vector<std::string> lines;
  {
    std::istringstream out(read_file(gguf.string() + ".out"));
    std::string line;
    while (std::getline(out, line)) lines.push_back(line);
  }
  ASSERT_EQ(inputs.size(), lines.size());
  int passed = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::vector<TokenId> got = tok->encode(inputs[i], {.add_special = false, .parse_special = false});
    const std::vector<TokenId> want = parse_ids(lines[i]);
    EXPECT_EQ(ids_string(got), ids_string(want)) << "input #" << i << ": '" << inputs[i] << "'";
    passed += got == want ? 1 : 0;
  }
  std::printf("[ vectors  ] %s: %d/%zu passed\n", GetParam().c_str(), passed, inputs.size());
}

INSTANTIATE_TEST_SUITE_P(Vocab, TokenizerVocabVectors,
                         ::testing::Values("gpt-2", "llama-spm", "phi-3", "deepseek-coder", "falcon"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

// The Llama-2 SentencePiece model file holds the same vocabulary as the
// llama-spm GGUF, so it must reproduce the same vectors.
TEST(TokenizerSentencePiece, Llama2ModelFileReproducesLlamaSpmVectors) {
  const auto model = shared_path("testdata/tokenizers/llama2-spm/tokenizer.model");
  const auto gguf = shared_path("testdata/vocab/ggml-vocab-llama-spm.gguf");
  SKIP_WITHOUT_SHARED(model);
  SKIP_WITHOUT_SHARED(gguf);
  Result<Tokenizer> tok = load_tokenizer(model.string());
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  EXPECT_EQ(tok->n_tokens(), 32000u);
  EXPECT_EQ(tok->bos_id(), 1);
  EXPECT_EQ(tok->eos_id(), 2);
  const std::vector<std::string> inputs = split_inputs(read_file(gguf.string() + ".inp"));
  std::istringstream out(read_file(gguf.string() + ".out"));
  int passed = 0;
  for (const std::string& input : inputs) {
    std::string line;
    std::getline(out, line);
    const std::vector<TokenId> got = tok->encode(input, {.add_special = false});
    EXPECT_EQ(ids_string(got), ids_string(parse_ids(line))) << "'" << input << "'";
    passed += got == parse_ids(line) ? 1 : 0;
  }
  std::printf("[ vectors  ] llama2-spm/tokenizer.model: %d/%zu passed\n", passed, inputs.size());
}

class TokenizerHfGoldens : public ::testing::TestWithParam<std::string> {};

TEST_P(TokenizerHfGoldens, ReproduceHuggingFaceIds) {
  const auto dir = shared_path("testdata/tokenizers/" + GetParam());
  SKIP_WITHOUT_SHARED(dir / "goldens.jsonl");
  Result<Tokenizer> tok = load_tokenizer(dir.string());
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  std::istringstream in(read_file(dir / "goldens.jsonl"));
  std::string line;
  int passed = 0, total = 0, detok_passed = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto golden = nlohmann::json::parse(line);
    const std::string text = golden["text"].get<std::string>();
    const std::vector<TokenId> want = golden["ids"].get<std::vector<TokenId>>();
    // Hugging Face always recognizes added tokens in text.
    const std::vector<TokenId> got = tok->encode(text, {.add_special = false, .parse_special = true});
    EXPECT_EQ(ids_string(got), ids_string(want)) << "text #" << total << ": '" << text << "'";
    passed += got == want ? 1 : 0;
    IncrementalDetokenizer detok(*tok);
    std::string streamed;
    for (const TokenId id : want) streamed += detok.push(id);
    streamed += detok.finish();
    EXPECT_EQ(streamed, tok->decode(want)) << "text #" << total;
    detok_passed += streamed == tok->decode(want) ? 1 : 0;
    ++total;
  }
  std::printf("[ goldens  ] %s: %d/%d ids, %d/%d incremental == full decode\n", GetParam().c_str(), passed, total,
              detok_passed, total);
}

INSTANTIATE_TEST_SUITE_P(Hf, TokenizerHfGoldens, ::testing::Values("gpt2-hf", "llama3", "mistral", "qwen3"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

class TokenizerRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(TokenizerRoundTrip, WarAndPeace) {
  const auto text_path = shared_path("testdata/text/war-and-peace.txt");
  const auto model = shared_path("testdata/" + GetParam());
  SKIP_WITHOUT_SHARED(text_path);
  SKIP_WITHOUT_SHARED(model);
  Result<Tokenizer> tok = load_tokenizer(model.string());
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  const std::string text = read_file(text_path);
  const std::vector<TokenId> ids = tok->encode(text, {.add_special = false});
  const std::string decoded = tok->decode(ids);
  EXPECT_TRUE(decoded == text) << "decode(encode(text)) differs; sizes " << decoded.size() << " vs " << text.size();
  IncrementalDetokenizer detok(*tok);
  std::string streamed;
  streamed.reserve(text.size());
  for (const TokenId id : ids) streamed += detok.push(id);
  streamed += detok.finish();
  EXPECT_TRUE(streamed == decoded) << "incremental detokenizer differs from decode";
  std::printf("[ roundtrip] %s: %zu bytes -> %zu tokens, round trip %s, incremental %s\n", GetParam().c_str(),
              text.size(), ids.size(), decoded == text ? "exact" : "DIFFERS",
              streamed == decoded ? "exact" : "DIFFERS");
}

INSTANTIATE_TEST_SUITE_P(Models, TokenizerRoundTrip,
                         ::testing::Values("tokenizers/gpt2-hf", "tokenizers/llama3", "tokenizers/mistral",
                                           "tokenizers/qwen3", "vocab/ggml-vocab-gpt-2.gguf",
                                           "vocab/ggml-vocab-llama-spm.gguf", "vocab/ggml-vocab-phi-3.gguf",
                                           "vocab/ggml-vocab-deepseek-coder.gguf", "vocab/ggml-vocab-falcon.gguf",
                                           "tokenizers/llama2-spm/tokenizer.model"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

}  // namespace
}  // namespace servir
