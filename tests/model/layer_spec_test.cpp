// Each architecture's file (model/arch/) turns a config into the variant of
// the shared layers it runs, and refuses a config its layers cannot honor.
#include "model/layer_spec.h"

#include <gtest/gtest.h>

namespace servir {
namespace {

ModelConfig config_of(Architecture arch) {
  ModelConfig c;
  c.arch = arch;
  return c;
}

TEST(LayerSpec, EachArchitecturePicksItsVariant) {
  auto llama = layer_spec(config_of(Architecture::kLlama));
  ASSERT_TRUE(llama.ok()) << llama.status().to_string();
  EXPECT_FALSE(llama->attention.qkv_bias);
  EXPECT_FALSE(llama->attention.qk_norm);
  EXPECT_EQ(llama->attention.sliding_window, 0);

  ModelConfig mistral_config = config_of(Architecture::kMistral);
  mistral_config.sliding_window = 4096;
  auto mistral = layer_spec(mistral_config);
  ASSERT_TRUE(mistral.ok()) << mistral.status().to_string();
  EXPECT_EQ(mistral->attention.sliding_window, 4096);

  auto qwen2 = layer_spec(config_of(Architecture::kQwen2));
  ASSERT_TRUE(qwen2.ok()) << qwen2.status().to_string();
  EXPECT_TRUE(qwen2->attention.qkv_bias);  // always, whatever the config says
  EXPECT_FALSE(qwen2->attention.qk_norm);

  auto qwen3 = layer_spec(config_of(Architecture::kQwen3));
  ASSERT_TRUE(qwen3.ok()) << qwen3.status().to_string();
  EXPECT_TRUE(qwen3->attention.qk_norm);
  EXPECT_FALSE(qwen3->attention.qkv_bias);

  // A Llama-architecture fine-tune with q/k/v biases keeps them.
  ModelConfig biased = config_of(Architecture::kLlama);
  biased.attention_bias = true;
  EXPECT_TRUE(layer_spec(biased)->attention.qkv_bias);
}

TEST(LayerSpec, RefusesWeightsTheLayersWouldIgnore) {
  for (Architecture arch : {Architecture::kLlama, Architecture::kMistral, Architecture::kQwen2}) {
    ModelConfig c = config_of(arch);
    c.qk_norm = true;
    const auto spec = layer_spec(c);
    ASSERT_FALSE(spec.ok()) << architecture_name(arch);
    EXPECT_EQ(spec.status().code(), ErrorCode::kUnsupported);
    EXPECT_NE(spec.status().message().find("q/k norm"), std::string::npos) << spec.status().to_string();
    EXPECT_NE(spec.status().message().find(architecture_name(arch)), std::string::npos) << spec.status().to_string();
  }
}

}  // namespace
}  // namespace servir
