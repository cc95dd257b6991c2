// YaRN rope scaling read from a Hugging Face config.json and from the GGUF
// keys llama.cpp's converter writes: defaults as transformers fills them, the
// attention factor (stated, from mscales, or derived), and refusals of keys
// whose meaning servir would have to guess.
#include <cmath>
#include <cstring>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "formats/config_parsers.h"
#include "formats/gguf_writer.h"
#include "formats/tensor_names.h"

namespace servir {
namespace {

using ::testing::HasSubstr;

// Qwen2.5's model card recipe for 128K: factor 4 over the 32K it was trained on.
Result<ModelConfig> qwen2_with(const char* rope_scaling) {
  const std::string text = std::string(R"({"architectures": ["Qwen2ForCausalLM"], "hidden_size": 896,
    "intermediate_size": 4864, "num_attention_heads": 14, "num_hidden_layers": 24, "num_key_value_heads": 2,
    "vocab_size": 151936, "max_position_embeddings": 32768, "rope_theta": 1000000.0, "rope_scaling": )") +
                           rope_scaling + "}";
  return config_from_hf_json(nlohmann::json::parse(text), "config.json");
}

TEST(YarnConfig, HfQwenRecipe) {
  auto c = qwen2_with(R"({"type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768})");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  const RopeScaling& r = c->rope_scaling;
  EXPECT_EQ(r.type, RopeScalingType::kYarn);
  EXPECT_EQ(r.factor, 4.0);
  EXPECT_EQ(r.original_context_length, 32768);
  EXPECT_EQ(r.yarn_beta_fast, 32.0);
  EXPECT_EQ(r.yarn_beta_slow, 1.0);
  EXPECT_TRUE(r.yarn_truncate);
  EXPECT_FALSE(r.yarn_attention_factor.has_value());
  EXPECT_DOUBLE_EQ(yarn_attention_factor(r), 0.1 * std::log(4.0) + 1.0);
}

TEST(YarnConfig, HfDefaultsAndOptionalKeys) {
  // No original context: transformers uses max_position_embeddings.
  auto c = qwen2_with(R"({"rope_type": "yarn", "factor": 2.0, "beta_fast": 16, "beta_slow": 2,
                          "attention_factor": 0.9, "truncate": false})");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->rope_scaling.original_context_length, 32768);
  EXPECT_EQ(c->rope_scaling.yarn_beta_fast, 16.0);
  EXPECT_EQ(c->rope_scaling.yarn_beta_slow, 2.0);
  EXPECT_FALSE(c->rope_scaling.yarn_truncate);
  EXPECT_EQ(yarn_attention_factor(c->rope_scaling), 0.9);

  // No factor: the ratio of the two contexts.
  c = qwen2_with(R"({"rope_type": "yarn", "original_max_position_embeddings": 8192})");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->rope_scaling.factor, 4.0);

  // A factor of at most 1 leaves cos and sin unscaled.
  c = qwen2_with(R"({"rope_type": "yarn", "factor": 1.0})");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(yarn_attention_factor(c->rope_scaling), 1.0);
}

TEST(YarnConfig, HfMscaleRatio) {
  // DeepSeek-style: get_mscale(40, 0.707) / get_mscale(40, 1.0).
  auto c = qwen2_with(R"({"rope_type": "yarn", "factor": 40, "original_max_position_embeddings": 4096,
                          "mscale": 0.707, "mscale_all_dim": 1.0})");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  const double l = std::log(40.0);
  EXPECT_DOUBLE_EQ(yarn_attention_factor(c->rope_scaling), (0.1 * 0.707 * l + 1) / (0.1 * l + 1));
  // Equal mscales cancel; only one of them is ignored, as transformers does.
  c = qwen2_with(R"({"rope_type": "yarn", "factor": 40, "mscale": 0.707, "mscale_all_dim": 0.707})");
  ASSERT_TRUE(c.ok());
  EXPECT_DOUBLE_EQ(yarn_attention_factor(c->rope_scaling), 1.0);
  c = qwen2_with(R"({"rope_type": "yarn", "factor": 40, "mscale": 0.707})");
  ASSERT_TRUE(c.ok());
  EXPECT_DOUBLE_EQ(yarn_attention_factor(c->rope_scaling), 0.1 * l + 1);
}

TEST(YarnConfig, HfRefusesNonsense) {
  EXPECT_THAT(qwen2_with(R"({"rope_type": "yarn", "factor": 4, "attention_factor": -1})").status().message(),
              HasSubstr("yarn attention factor must be positive"));
  EXPECT_THAT(qwen2_with(R"({"rope_type": "yarn", "factor": 4, "beta_fast": -3})").status().message(),
              HasSubstr("beta_fast (-3)"));
  EXPECT_THAT(qwen2_with(R"({"rope_type": "yarn", "factor": 4, "truncate": 1})").status().message(),
              HasSubstr("'truncate' must be true or false"));
}

GgufWriter qwen2_yarn_metadata() {
  GgufWriter w;
  w.set("general.architecture", GgufValue("qwen2"));
  w.set("qwen2.context_length", GgufValue(std::uint32_t{131072}));
  w.set("qwen2.embedding_length", GgufValue(std::uint32_t{256}));
  w.set("qwen2.block_count", GgufValue(std::uint32_t{2}));
  w.set("qwen2.feed_forward_length", GgufValue(std::uint32_t{512}));
  w.set("qwen2.attention.head_count", GgufValue(std::uint32_t{8}));
  w.set("qwen2.vocab_size", GgufValue(std::uint32_t{1000}));
  w.set("qwen2.rope.scaling.type", GgufValue("yarn"));
  w.set("qwen2.rope.scaling.factor", GgufValue(4.0f));
  w.set("qwen2.rope.scaling.original_context_length", GgufValue(std::uint32_t{32768}));
  return w;
}

Result<ModelConfig> from_gguf(GgufWriter& writer, std::vector<std::byte>& storage) {
  storage = writer.write_to_memory();
  auto file = GgufFile::parse(storage, "m.gguf");
  if (!file) return std::move(file).status();
  return config_from_gguf(*file);
}

TEST(YarnConfig, GgufConverterKeys) {
  std::vector<std::byte> bytes;
  GgufWriter w = qwen2_yarn_metadata();
  auto c = from_gguf(w, bytes);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->rope_scaling.type, RopeScalingType::kYarn);
  EXPECT_EQ(c->rope_scaling.factor, 4.0);
  EXPECT_EQ(c->rope_scaling.original_context_length, 32768);
  EXPECT_DOUBLE_EQ(yarn_attention_factor(c->rope_scaling), 0.1 * std::log(4.0) + 1.0);

  w.set("qwen2.rope.scaling.yarn_beta_fast", GgufValue(24.0f));
  w.set("qwen2.rope.scaling.yarn_beta_slow", GgufValue(2.0f));
  w.set("qwen2.rope.scaling.yarn_attn_factor", GgufValue(0.75f));
  w.set("qwen2.rope.scaling.attn_factor", GgufValue(1.0f));  // neutral: accepted
  c = from_gguf(w, bytes);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->rope_scaling.yarn_beta_fast, 24.0);
  EXPECT_EQ(c->rope_scaling.yarn_beta_slow, 2.0);
  EXPECT_EQ(yarn_attention_factor(c->rope_scaling), 0.75);

  // Without the original context, llama.cpp uses the training context.
  GgufWriter no_original = qwen2_yarn_metadata();
  no_original.set("qwen2.rope.scaling.original_context_length", GgufValue(std::uint32_t{0}));
  c = from_gguf(no_original, bytes);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->rope_scaling.original_context_length, 131072);
}

TEST(YarnConfig, GgufRefusesKeysItCannotHonour) {
  std::vector<std::byte> bytes;
  for (const auto& [key, value, message] :
       {std::tuple{"qwen2.rope.scaling.yarn_log_multiplier", 0.1f, "yarn_log_multiplier"},
        std::tuple{"qwen2.rope.scaling.attn_factor", 1.2f, "rope.scaling.attn_factor = 1.2 is not supported"},
        std::tuple{"qwen2.rope.scaling.yarn_ext_factor", 0.5f, "yarn_ext_factor = 0.5"}}) {
    GgufWriter w = qwen2_yarn_metadata();
    w.set(key, GgufValue(value));
    auto c = from_gguf(w, bytes);
    EXPECT_EQ(c.status().code(), ErrorCode::kUnsupported) << key;
    EXPECT_THAT(c.status().message(), HasSubstr(message));
  }
}

// A rope_freqs tensor carries Llama 3 factors; next to a yarn scaling it
// would silently replace it.
TEST(YarnConfig, GgufRefusesRopeFreqsBesideYarn) {
  std::vector<std::byte> bytes;
  GgufWriter w = qwen2_yarn_metadata();
  std::vector<std::byte> factors(16 * sizeof(float));
  const float one = 1.0f;
  for (std::size_t i = 0; i < 16; ++i) std::memcpy(factors.data() + i * sizeof(float), &one, sizeof(float));
  ASSERT_TRUE(w.add_tensor(std::string(kRopeFreqs), GgmlType::kF32, {16}, factors).ok());
  auto c = from_gguf(w, bytes);
  EXPECT_EQ(c.status().code(), ErrorCode::kUnsupported);
  EXPECT_THAT(c.status().message(), HasSubstr("together with rope scaling 'yarn'"));
}

}  // namespace
}  // namespace servir
