// tokenizer.json -> GGUF tokenizer metadata: a vocab-only GGUF written from
// the converted metadata must encode the Hugging Face goldens exactly as the
// tokenizer.json it came from (and as the goldens say).
#include "tokenizer/gguf_tokenizer_metadata.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <sstream>

#include "formats/gguf_writer.h"
#include "testing/test_paths.h"
#include "tokenizer/tokenizer_loader.h"

namespace servir {
namespace {

using testing::read_file;
using testing::shared_path;

const GgufValue* find(const GgufKeyValues& kvs, std::string_view key) {
  for (const auto& [k, v] : kvs) {
    if (k == key) return &v;
  }
  return nullptr;
}

class GgufTokenizerConversion : public ::testing::TestWithParam<std::string> {};

TEST_P(GgufTokenizerConversion, VocabOnlyGgufEncodesTheGoldensLikeTheJson) {
  const auto dir = shared_path("testdata/tokenizers/" + GetParam());
  SKIP_WITHOUT_SHARED(dir / "goldens.jsonl");
  Result<GgufKeyValues> kvs = gguf_tokenizer_metadata_from_hf_file((dir / "tokenizer.json").string());
  ASSERT_TRUE(kvs.ok()) << kvs.status().to_string();
  GgufWriter writer;
  writer.set("general.architecture", GgufValue("llama"));
  for (const auto& [key, value] : *kvs) writer.set(key, value);
  testing::TempDir tmp;
  const std::string gguf_path = (tmp / "vocab.gguf").string();
  ASSERT_TRUE(writer.write(gguf_path).ok());

  Result<Tokenizer> from_json = load_tokenizer(dir.string());
  ASSERT_TRUE(from_json.ok()) << from_json.status().to_string();
  Result<Tokenizer> from_gguf = load_tokenizer(gguf_path);
  ASSERT_TRUE(from_gguf.ok()) << from_gguf.status().to_string();
  EXPECT_EQ(from_gguf->n_tokens(), from_json->n_tokens());
  EXPECT_EQ(from_gguf->bos_id(), from_json->bos_id());
  EXPECT_EQ(from_gguf->eos_id(), from_json->eos_id());

  std::istringstream in(read_file(dir / "goldens.jsonl"));
  std::string line;
  int total = 0, same = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto golden = nlohmann::json::parse(line);
    const std::string text = golden["text"].get<std::string>();
    const std::vector<TokenId> want = golden["ids"].get<std::vector<TokenId>>();
    const EncodeOptions options{.add_special = false, .parse_special = true};
    const std::vector<TokenId> got = from_gguf->encode(text, options);
    EXPECT_EQ(got, from_json->encode(text, options)) << "text #" << total << ": '" << text << "'";
    EXPECT_EQ(got, want) << "text #" << total << ": '" << text << "'";
    same += got == want ? 1 : 0;
    ++total;
    // With specials, BOS/EOS as the JSON's post-processor and config add them.
    EXPECT_EQ(from_gguf->encode(text), from_json->encode(text)) << "text #" << total;
  }
  EXPECT_GT(total, 0);
  std::printf("%s: %d/%d goldens identical through GGUF\n", GetParam().c_str(), same, total);
}

INSTANTIATE_TEST_SUITE_P(Tokenizers, GgufTokenizerConversion,
                         ::testing::Values("gpt2-hf", "llama3", "qwen3", "mistral"));

TEST(GgufTokenizerConversion, LayoutOfTheKeys) {
  const auto dir = shared_path("testdata/tokenizers/llama3");
  SKIP_WITHOUT_SHARED(dir / "tokenizer.json");
  Result<GgufKeyValues> kvs = gguf_tokenizer_metadata_from_hf_file(dir.string(), 128256 + 8);
  ASSERT_TRUE(kvs.ok()) << kvs.status().to_string();
  EXPECT_EQ(*find(*kvs, "tokenizer.ggml.model")->as_string(), "gpt2");
  EXPECT_EQ(*find(*kvs, "tokenizer.ggml.pre")->as_string(), "llama-bpe");
  const GgufArray* tokens = find(*kvs, "tokenizer.ggml.tokens")->as_array();
  ASSERT_NE(tokens, nullptr);
  ASSERT_EQ(tokens->values.size(), 128256u + 8);  // padded to the model's vocab_size
  EXPECT_EQ(*tokens->values.back().as_string(), "[PAD128263]");
  const GgufArray* types = find(*kvs, "tokenizer.ggml.token_type")->as_array();
  EXPECT_EQ(types->element_type, GgufValueType::kInt32);
  EXPECT_EQ(types->values[9906].as_int(), 1);    // "Hello": normal
  EXPECT_EQ(types->values[128009].as_int(), 3);  // <|eot_id|>: control
  EXPECT_EQ(types->values.back().as_int(), 5);   // padding: unused
  EXPECT_NE(find(*kvs, "tokenizer.ggml.merges"), nullptr);
  EXPECT_EQ(find(*kvs, "tokenizer.ggml.scores"), nullptr);
  EXPECT_EQ(find(*kvs, "tokenizer.ggml.bos_token_id")->as_uint(), 128000u);
  EXPECT_NE(find(*kvs, "tokenizer.chat_template"), nullptr);

  const auto spm_dir = shared_path("testdata/tokenizers/mistral");
  Result<GgufKeyValues> spm = gguf_tokenizer_metadata_from_hf_file(spm_dir.string());
  ASSERT_TRUE(spm.ok()) << spm.status().to_string();
  EXPECT_EQ(*find(*spm, "tokenizer.ggml.model")->as_string(), "llama");
  EXPECT_EQ(find(*spm, "tokenizer.ggml.merges"), nullptr);
  const GgufArray* scores = find(*spm, "tokenizer.ggml.scores")->as_array();
  ASSERT_NE(scores, nullptr);
  EXPECT_EQ(scores->element_type, GgufValueType::kFloat32);
  const GgufArray* spm_types = find(*spm, "tokenizer.ggml.token_type")->as_array();
  EXPECT_EQ(spm_types->values[0].as_int(), 2);  // <unk>: unknown
  EXPECT_EQ(spm_types->values[3].as_int(), 6);  // <0x00>: byte
  EXPECT_EQ(find(*spm, "tokenizer.ggml.add_space_prefix")->as_bool(), true);
  EXPECT_EQ(find(*spm, "tokenizer.ggml.add_bos_token")->as_bool(), true);
}

TEST(GgufTokenizerConversion, RefusesWhatItCannotName) {
  // A byte-level tokenizer with a split regex llama.cpp has no name for.
  const std::string json = R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]},
    "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
      {"type": "Split", "pattern": {"Regex": "[a-z]+"}, "behavior": "Isolated"},
      {"type": "ByteLevel", "use_regex": false}]}, "decoder": {"type": "ByteLevel"}})";
  Result<GgufKeyValues> kvs = gguf_tokenizer_metadata_from_hf(json, "", "custom.json");
  ASSERT_FALSE(kvs.ok());
  EXPECT_EQ(kvs.status().code(), ErrorCode::kUnsupported);
  EXPECT_NE(kvs.status().message().find("llama-bpe"), std::string::npos) << kvs.status().to_string();
}

}  // namespace
}  // namespace servir
