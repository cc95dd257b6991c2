// ModelConfig from HF config.json text and GGUF metadata: defaults, rope
// scaling variants, per-architecture flags, and refusals.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "formats/config_parsers.h"
#include "formats/gguf_writer.h"

namespace servir {
namespace {

using ::testing::HasSubstr;

Result<ModelConfig> from_json(const char* text) {
  return config_from_hf_json(nlohmann::json::parse(text), "config.json");
}

constexpr const char* kLlama31 = R"({
  "architectures": ["LlamaForCausalLM"], "hidden_size": 4096, "intermediate_size": 14336,
  "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8, "vocab_size": 128256,
  "max_position_embeddings": 131072, "rms_norm_eps": 1e-05, "rope_theta": 500000.0,
  "rope_scaling": {"factor": 8.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                   "original_max_position_embeddings": 8192, "rope_type": "llama3"},
  "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "tie_word_embeddings": false})";

TEST(HfConfig, Llama31WithLlama3RopeScaling) {
  auto c = from_json(kLlama31);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->arch, Architecture::kLlama);
  EXPECT_EQ(c->head_dim, 128);
  EXPECT_EQ(c->n_kv_heads, 8);
  EXPECT_EQ(c->rope_theta, 500000.0);
  EXPECT_EQ(c->rope_scaling.type, RopeScalingType::kLlama3);
  EXPECT_EQ(c->rope_scaling.factor, 8.0);
  EXPECT_EQ(c->rope_scaling.original_context_length, 8192);
  EXPECT_EQ(c->rope_scaling.high_freq_factor, 4.0);
  EXPECT_EQ(c->bos_token_id, 128000);
  EXPECT_THAT(c->eos_token_ids, ::testing::ElementsAre(128001, 128008, 128009));
  EXPECT_EQ(c->rope_layout, RopeLayout::kNeox);
}

TEST(HfConfig, Qwen2HasBiasesAndTiedEmbeddings) {
  auto c = from_json(R"({"architectures": ["Qwen2ForCausalLM"], "hidden_size": 896, "intermediate_size": 4864,
    "num_attention_heads": 14, "num_hidden_layers": 24, "num_key_value_heads": 2, "vocab_size": 151936,
    "max_position_embeddings": 32768, "rope_theta": 1000000.0, "rms_norm_eps": 1e-06,
    "tie_word_embeddings": true, "use_sliding_window": false, "sliding_window": 32768})");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->arch, Architecture::kQwen2);
  EXPECT_TRUE(c->attention_bias);
  EXPECT_TRUE(c->tied_embeddings);
  EXPECT_EQ(c->head_dim, 64);
  EXPECT_FALSE(c->sliding_window.has_value()) << "use_sliding_window is false";
}

TEST(HfConfig, Qwen3HasQkNormAndExplicitHeadDim) {
  auto c = from_json(R"({"architectures": ["Qwen3ForCausalLM"], "hidden_size": 1024, "intermediate_size": 3072,
    "num_attention_heads": 16, "num_hidden_layers": 28, "num_key_value_heads": 8, "head_dim": 128,
    "vocab_size": 151936, "attention_bias": false})");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_TRUE(c->qk_norm);
  EXPECT_FALSE(c->attention_bias);
  EXPECT_EQ(c->head_dim, 128) << "head_dim need not be hidden / heads";
}

TEST(HfConfig, MistralSlidingWindowAndModelTypeFallback) {
  auto c = from_json(R"({"model_type": "mistral", "hidden_size": 4096, "intermediate_size": 14336,
    "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8, "vocab_size": 32000,
    "sliding_window": 4096})");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->arch, Architecture::kMistral);
  EXPECT_EQ(c->sliding_window, 4096);
  EXPECT_EQ(c->context_length, 2048) << "transformers' default when absent";
}

TEST(HfConfig, PartialRotaryAndLinearScaling) {
  auto c = from_json(R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 256, "intermediate_size": 512,
    "num_attention_heads": 4, "num_hidden_layers": 1, "vocab_size": 10, "partial_rotary_factor": 0.5,
    "rope_scaling": {"type": "linear", "factor": 2.0}})");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->rope_dim, 32);
  EXPECT_EQ(c->rope_scaling.type, RopeScalingType::kLinear);
}

TEST(HfConfig, Refusals) {
  EXPECT_THAT(from_json(R"({"architectures": ["LlamaForCausalLM"]})").status().message(),
              HasSubstr("missing required key 'hidden_size'"));
  EXPECT_THAT(from_json(R"({"hidden_size": 8})").status().message(), HasSubstr("missing required key 'architectures'"));
  EXPECT_THAT(from_json(R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 8,
    "num_attention_heads": 4, "num_hidden_layers": 1, "vocab_size": 10, "num_key_value_heads": 3})")
                  .status()
                  .message(),
              HasSubstr("4 attention heads are not a multiple of 3 kv heads"));
  EXPECT_THAT(from_json(R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 8,
    "num_attention_heads": 4, "num_hidden_layers": 1, "vocab_size": 10, "rope_scaling": {"rope_type": "dynamic"}})")
                  .status()
                  .message(),
              HasSubstr("rope scaling type 'dynamic' is not supported"));
  EXPECT_THAT(from_json(R"({"architectures": ["LlamaForCausalLM"], "hidden_size": -64, "intermediate_size": 8,
    "num_attention_heads": 4, "num_hidden_layers": 1, "vocab_size": 10})")
                  .status()
                  .message(),
              HasSubstr("hidden_size must be positive"));
  EXPECT_THAT(from_json(R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 8,
    "num_attention_heads": 4, "num_hidden_layers": 1, "vocab_size": 10, "eos_token_id": "x"})")
                  .status()
                  .message(),
              HasSubstr("'eos_token_id' must be an integer or a list of integers"));
}

TEST(HfConfig, GenerationConfigOverridesEosAndCarriesSamplingDefaults) {
  auto c = from_json(kLlama31);
  ASSERT_TRUE(c.ok());
  auto d = apply_hf_generation_config(nlohmann::json::parse(R"({"eos_token_id": 7, "temperature": 0.6, "top_p": 0.9})"),
                                      "generation_config.json", *c);
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  EXPECT_THAT(c->eos_token_ids, ::testing::ElementsAre(7));
  EXPECT_EQ(d->temperature, 0.6);
  EXPECT_EQ(d->top_p, 0.9);
  EXPECT_FALSE(d->top_k.has_value());
}

Result<ModelConfig> from_gguf(GgufWriter& writer, std::vector<std::byte>& storage) {
  storage = writer.write_to_memory();
  auto file = GgufFile::parse(storage, "m.gguf");
  if (!file) return std::move(file).status();
  return config_from_gguf(*file);
}

GgufWriter llama_metadata() {
  GgufWriter w;
  w.set("general.architecture", GgufValue("llama"));
  w.set("llama.context_length", GgufValue(std::uint32_t{4096}));
  w.set("llama.embedding_length", GgufValue(std::uint32_t{256}));
  w.set("llama.block_count", GgufValue(std::uint32_t{2}));
  w.set("llama.feed_forward_length", GgufValue(std::uint32_t{512}));
  w.set("llama.attention.head_count", GgufValue(std::uint32_t{8}));
  w.set("llama.attention.head_count_kv", GgufValue(std::uint32_t{2}));
  w.set("llama.vocab_size", GgufValue(std::uint32_t{1000}));
  return w;
}

TEST(GgufConfig, DefaultsAndRopeScaling) {
  GgufWriter w = llama_metadata();
  w.set("llama.rope.scaling.type", GgufValue("linear"));
  w.set("llama.rope.scaling.factor", GgufValue(4.0f));
  w.set("llama.rope.freq_base", GgufValue(500000.0f));
  std::vector<std::byte> bytes;
  auto c = from_gguf(w, bytes);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->head_dim, 32);
  EXPECT_EQ(c->rope_dim, 32);
  EXPECT_EQ(c->rms_norm_eps, 1e-5);
  EXPECT_EQ(c->rope_theta, 500000.0);
  EXPECT_EQ(c->rope_scaling.type, RopeScalingType::kLinear);
  EXPECT_EQ(c->rope_scaling.factor, 4.0);
  EXPECT_EQ(c->rope_layout, RopeLayout::kInterleaved);
  EXPECT_TRUE(c->tied_embeddings) << "no output.weight tensor";
}

TEST(GgufConfig, Refusals) {
  std::vector<std::byte> bytes;
  GgufWriter missing = llama_metadata();
  missing.set("general.architecture", GgufValue("falcon"));
  EXPECT_THAT(from_gguf(missing, bytes).status().message(), HasSubstr("architecture 'falcon' is not supported"));

  GgufWriter wrong_type = llama_metadata();
  wrong_type.set("llama.block_count", GgufValue("two"));
  EXPECT_THAT(from_gguf(wrong_type, bytes).status().message(),
              HasSubstr("'llama.block_count' must be a non-negative integer"));

  GgufWriter per_layer = llama_metadata();
  per_layer.set("llama.feed_forward_length",
                GgufValue::array(GgufValueType::kUint32, {GgufValue(std::uint32_t{1}), GgufValue(std::uint32_t{2})}));
  EXPECT_THAT(from_gguf(per_layer, bytes).status().message(), HasSubstr("varies per layer"));

  GgufWriter no_arch;
  EXPECT_THAT(from_gguf(no_arch, bytes).status().message(), HasSubstr("missing metadata key 'general.architecture'"));

  GgufWriter no_heads = llama_metadata();
  no_heads.set("llama.attention.head_count", GgufValue(std::uint32_t{0}));
  EXPECT_THAT(from_gguf(no_heads, bytes).status().message(), HasSubstr("n_heads must be positive"));
}

TEST(GgufReaderVersions, Version2ReadsLikeVersion3) {
  GgufWriter w = llama_metadata();
  auto bytes = w.write_to_memory();
  bytes[4] = std::byte{2};  // the version field
  auto file = GgufFile::parse(bytes, "v2.gguf");
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  EXPECT_EQ(file->version(), 2u);
  EXPECT_TRUE(config_from_gguf(*file).ok());
}

}  // namespace
}  // namespace servir
