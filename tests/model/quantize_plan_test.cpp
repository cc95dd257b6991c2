// Which type each tensor gets per quantization scheme: the expected lists are
// derived by hand from llama.cpp's llama_tensor_get_type rules (see
// quantize_plan.h) for the shapes below, not from running llama.cpp.
#include "model/quantize/quantize_plan.h"

#include <gtest/gtest.h>

#include <set>

#include "formats/tensor_names.h"

namespace servir {
namespace {

// The tensors of a Llama config, innermost-first shapes, in GGUF order.
std::vector<TensorToPlan> llama_tensors(const ModelConfig& c) {
  std::vector<TensorToPlan> out;
  for (const ExpectedTensor& t : expected_tensors(c)) {
    out.push_back({t.name, std::vector<std::uint64_t>(t.shape.rbegin(), t.shape.rend())});
  }
  return out;
}

ModelConfig tinyllama_config() {
  ModelConfig c;
  c.hidden_size = 2048;
  c.n_layers = 22;
  c.n_heads = 32;
  c.n_kv_heads = 4;
  c.head_dim = 64;
  c.rope_dim = 64;
  c.ffn_size = 5632;
  c.vocab_size = 32000;
  c.context_length = 2048;
  return c;
}

GgmlType type_of(const std::vector<PlannedTensor>& plan, std::string_view name) {
  for (const auto& p : plan) {
    if (p.name == name) return p.type;
  }
  ADD_FAILURE() << "no tensor " << name;
  return GgmlType::kF32;
}

TEST(QuantizePlan, TinyLlamaQ4KMMatchesLlamaCppTensorByTensor) {
  const ModelConfig c = tinyllama_config();
  const auto plan = plan_quantization(llama_tensors(c), {.scheme = QuantScheme::kQ4_K_M, .n_layers = 22});
  // use_more_bits(i, 22): i < 22/8 = 2, i >= 7*22/8 = 19, or (i - 2) % 3 == 2.
  const std::set<std::int64_t> more_bits = {0, 1, 4, 7, 10, 13, 16, 19, 20, 21};
  std::size_t checked = 0;
  for (const PlannedTensor& p : plan) {
    GgmlType want = GgmlType::kQ4_K;
    if (p.name == "output.weight") {
      want = GgmlType::kQ6_K;
    } else if (p.name.ends_with("norm.weight")) {
      want = GgmlType::kF32;
    } else if (p.name.ends_with(".attn_v.weight") || p.name.ends_with(".ffn_down.weight")) {
      const std::int64_t layer = std::stoll(p.name.substr(4));
      want = more_bits.contains(layer) ? GgmlType::kQ6_K : GgmlType::kQ4_K;
    }
    EXPECT_EQ(ggml_type_name(p.type), ggml_type_name(want)) << p.name;
    ++checked;
  }
  EXPECT_EQ(checked, 3u + 22u * 9u);
  EXPECT_EQ(type_of(plan, "token_embd.weight"), GgmlType::kQ4_K);
}

TEST(QuantizePlan, OtherSchemesOnTinyLlama) {
  const auto tensors = llama_tensors(tinyllama_config());
  auto plan = plan_quantization(tensors, {.scheme = QuantScheme::kQ8_0, .n_layers = 22});
  EXPECT_EQ(type_of(plan, "output.weight"), GgmlType::kQ8_0);
  EXPECT_EQ(type_of(plan, "blk.0.attn_v.weight"), GgmlType::kQ8_0);
  plan = plan_quantization(tensors, {.scheme = QuantScheme::kQ4_0, .n_layers = 22});
  EXPECT_EQ(type_of(plan, "output.weight"), GgmlType::kQ6_K);  // llama.cpp gives the output Q6_K for Q4_0 too
  EXPECT_EQ(type_of(plan, "blk.0.attn_v.weight"), GgmlType::kQ4_0);
  plan = plan_quantization(tensors, {.scheme = QuantScheme::kQ5_K_M, .n_layers = 22});
  EXPECT_EQ(type_of(plan, "blk.21.ffn_down.weight"), GgmlType::kQ6_K);
  EXPECT_EQ(type_of(plan, "blk.2.ffn_down.weight"), GgmlType::kQ5_K);
  plan = plan_quantization(tensors, {.scheme = QuantScheme::kQ4_K_S, .n_layers = 22});
  EXPECT_EQ(type_of(plan, "blk.3.attn_v.weight"), GgmlType::kQ5_K);
  EXPECT_EQ(type_of(plan, "blk.4.attn_v.weight"), GgmlType::kQ4_K);
  EXPECT_EQ(type_of(plan, "blk.1.ffn_down.weight"), GgmlType::kQ5_K);
  EXPECT_EQ(type_of(plan, "blk.2.ffn_down.weight"), GgmlType::kQ4_K);
  plan = plan_quantization(tensors, {.scheme = QuantScheme::kQ4_K_M, .n_layers = 22, .pure = true});
  EXPECT_EQ(type_of(plan, "output.weight"), GgmlType::kQ4_K);
  plan = plan_quantization(tensors, {.scheme = QuantScheme::kQ4_K_M,
                                     .n_layers = 22,
                                     .output_type = GgmlType::kQ8_0,
                                     .token_embedding_type = GgmlType::kQ8_0});
  EXPECT_EQ(type_of(plan, "output.weight"), GgmlType::kQ8_0);
  EXPECT_EQ(type_of(plan, "token_embd.weight"), GgmlType::kQ8_0);
  plan = plan_quantization(tensors, {.scheme = QuantScheme::kF16, .n_layers = 22});
  EXPECT_EQ(type_of(plan, "output.weight"), GgmlType::kF16);
  EXPECT_EQ(type_of(plan, "output_norm.weight"), GgmlType::kF32);
}

TEST(QuantizePlan, RowsThatAreNotWholeSuperBlocksFallBackAsLlamaCpp) {
  // stories260K's shape: rows of 64; tied embeddings (no output.weight), so
  // token_embd takes the output rule.
  ModelConfig c;
  c.hidden_size = 64;
  c.n_layers = 5;
  c.n_heads = 8;
  c.n_kv_heads = 4;
  c.head_dim = 8;
  c.rope_dim = 8;
  c.ffn_size = 172;
  c.vocab_size = 512;
  c.tied_embeddings = true;
  const auto tensors = llama_tensors(c);
  auto plan = plan_quantization(tensors, {.scheme = QuantScheme::kQ4_K_M, .n_layers = 5});
  EXPECT_EQ(type_of(plan, "token_embd.weight"), GgmlType::kQ8_0);     // output rule, rows % 256 != 0
  EXPECT_EQ(type_of(plan, "blk.1.attn_q.weight"), GgmlType::kQ5_0);   // Q4_K -> Q5_0
  EXPECT_EQ(type_of(plan, "blk.4.attn_v.weight"), GgmlType::kQ8_0);   // more bits: Q6_K -> Q8_0
  EXPECT_EQ(type_of(plan, "blk.0.attn_v.weight"), GgmlType::kQ5_0);   // 0 >= 5 * 7 / 8 = 4 is false
  EXPECT_EQ(type_of(plan, "blk.1.ffn_down.weight"), GgmlType::kF16);  // rows of 172: no 32-block fits
  plan = plan_quantization(tensors, {.scheme = QuantScheme::kQ5_K_S, .n_layers = 5});
  EXPECT_EQ(type_of(plan, "blk.1.attn_q.weight"), GgmlType::kQ5_1);  // Q5_K -> Q5_1
  plan = plan_quantization(tensors, {.scheme = QuantScheme::kQ8_0, .n_layers = 5});
  EXPECT_EQ(type_of(plan, "token_embd.weight"), GgmlType::kQ8_0);
  EXPECT_EQ(type_of(plan, "blk.0.ffn_gate.weight"), GgmlType::kQ8_0);
}

TEST(QuantizePlan, SchemeNamesAndFileTypes) {
  EXPECT_EQ(*quant_scheme_from_name("Q4_K_M"), QuantScheme::kQ4_K_M);
  EXPECT_EQ(quant_scheme_file_type(QuantScheme::kQ4_K_M), 15u);
  EXPECT_EQ(quant_scheme_file_type(QuantScheme::kQ5_K_M), 17u);
  EXPECT_EQ(quant_scheme_file_type(QuantScheme::kQ8_0), 7u);
  EXPECT_EQ(quant_scheme_file_type(QuantScheme::kQ6_K), 18u);
  EXPECT_EQ(quant_scheme_file_type(QuantScheme::kQ4_0), 2u);
  EXPECT_EQ(quant_scheme_base_type(QuantScheme::kQ5_K_S), GgmlType::kQ5_K);
  auto bad = quant_scheme_from_name("q3_k_xl");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("q4_k_m"), std::string::npos);
}

}  // namespace
}  // namespace servir
