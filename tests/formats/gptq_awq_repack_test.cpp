// GPTQ/AWQ packing against hand-computed words (so a wrong interleave order
// cannot pass both the writer and the reader), the exactness of the re-pack
// into Q4_0/Q8_0 + group offsets, and quantization_config parsing.
#include <cstring>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "formats/gptq_awq_repack.h"
#include "formats/gptq_awq_writer.h"
#include "formats/quantization_config.h"
#include "util/half.h"

namespace servir {
namespace {

QuantizationConfig gptq4(std::int64_t group, bool sym = true, bool act_order = false) {
  QuantizationConfig q;
  q.method = QuantMethod::kGptq;
  q.bits = 4;
  q.group_size = group;
  q.symmetric = sym;
  q.act_order = act_order;
  q.zeros_minus_one = true;
  return q;
}

QuantizationConfig awq4(std::int64_t group) {
  QuantizationConfig q;
  q.method = QuantMethod::kAwq;
  q.group_size = group;
  q.symmetric = false;
  q.zeros_minus_one = false;
  return q;
}

// An 8 x 32 matrix whose level at (n, k) is (n + k) % 16, one group.
UnpackedLinear tiny(std::uint16_t zero) {
  UnpackedLinear u;
  u.out = 8;
  u.in = 32;
  u.n_groups = 1;
  for (int n = 0; n < 8; ++n) {
    for (int k = 0; k < 32; ++k) u.levels.push_back(static_cast<std::uint8_t>((n + k) % 16));
  }
  u.zeros.assign(8, zero);
  for (int n = 0; n < 8; ++n) u.scales.push_back(f32_to_f16(0.5f + 0.25f * static_cast<float>(n)));
  u.group_of.assign(32, 0);
  return u;
}

PackedLinearParts parts_of(const PackedLinearBytes& p) {
  return {reinterpret_cast<const std::byte*>(p.qweight.data()), reinterpret_cast<const std::byte*>(p.qzeros.data()),
          reinterpret_cast<const std::byte*>(p.scales.data()),
          p.g_idx.empty() ? nullptr : reinterpret_cast<const std::byte*>(p.g_idx.data())};
}

TEST(GptqPacking, WordsMatchHandComputedValues) {
  const auto q = gptq4(32);
  const PackedLinearBytes p = pack_linear(q, tiny(8));
  ASSERT_EQ(p.qweight.size(), 4u * 8u);  // [32 / 8, 8]
  // Word (i, n): input columns 8i .. 8i+7 of output n, column 8i + j at bits 4j.
  EXPECT_EQ(static_cast<std::uint32_t>(p.qweight[0 * 8 + 0]), 0x76543210u);  // n 0, k 0..7
  EXPECT_EQ(static_cast<std::uint32_t>(p.qweight[0 * 8 + 1]), 0x87654321u);  // n 1, k 0..7
  EXPECT_EQ(static_cast<std::uint32_t>(p.qweight[1 * 8 + 0]), 0xFEDCBA98u);  // n 0, k 8..15
  EXPECT_EQ(static_cast<std::uint32_t>(p.qweight[1 * 8 + 7]), 0x6543210Fu);  // n 7, k 8..15: 15, 0, 1, ...
  // Zero 8 stored minus one (checkpoint_format gptq), outputs 0..7 in one word.
  ASSERT_EQ(p.qzeros.size(), 1u);
  EXPECT_EQ(static_cast<std::uint32_t>(p.qzeros[0]), 0x77777777u);
  EXPECT_EQ(p.scales[3], f32_to_f16(1.25f));
  EXPECT_EQ(p.g_idx, std::vector<std::int32_t>(32, 0));

  auto v2 = q;
  v2.zeros_minus_one = false;
  EXPECT_EQ(static_cast<std::uint32_t>(pack_linear(v2, tiny(8)).qzeros[0]), 0x88888888u);
}

TEST(AwqPacking, WordsFollowTheInterleaveOrder) {
  const auto q = awq4(32);
  UnpackedLinear u = tiny(0);
  for (int n = 0; n < 8; ++n) u.zeros[static_cast<std::size_t>(n)] = static_cast<std::uint16_t>(n + 1);
  const PackedLinearBytes p = pack_linear(q, u);
  ASSERT_EQ(p.qweight.size(), 32u);  // [32, 8 / 8]
  // Word (k, 0): nibble j holds output kAwqOrder[j] = 0 2 4 6 1 3 5 7; at
  // k = 0 the level of output n is n.
  EXPECT_EQ(static_cast<std::uint32_t>(p.qweight[0]), 0x75316420u);
  EXPECT_EQ(static_cast<std::uint32_t>(p.qweight[1]), 0x86427531u);  // k = 1: levels n + 1
  // Zeros n + 1 in the same order, stored as they are.
  EXPECT_EQ(static_cast<std::uint32_t>(p.qzeros[0]), 0x86427531u);
  EXPECT_TRUE(p.g_idx.empty());
}

TEST(GptqAwqPacking, UnpackInvertsPack) {
  for (const auto& q : {gptq4(32), gptq4(32, false), awq4(32)}) {
    UnpackedLinear u = tiny(q.symmetric ? 8 : 3);
    if (q.zeros_minus_one == false && q.method == QuantMethod::kAwq) u.zeros[5] = 0;
    const PackedLinearBytes p = pack_linear(q, u);
    auto back = unpack_linear(q, parts_of(p), 8, 32);
    ASSERT_TRUE(back.ok()) << back.status().to_string();
    EXPECT_EQ(back->levels, u.levels);
    EXPECT_EQ(back->zeros, u.zeros);
    EXPECT_EQ(back->scales, u.scales);
    EXPECT_EQ(back->group_of, u.group_of);
  }
}

// The matrix a RepackedLinear stands for, original column order.
std::vector<float> expand(const RepackedLinear& r, std::int64_t out, std::int64_t in) {
  std::vector<float> w(static_cast<std::size_t>(out * in));
  const std::size_t block_bytes = r.type == GgmlType::kQ4_0 ? 18 : 34;
  for (std::int64_t n = 0; n < out; ++n) {
    for (std::int64_t i = 0; i < in; ++i) {
      const std::byte* block = r.blocks.data() + static_cast<std::size_t>(n * (in / 32) + i / 32) * block_bytes;
      std::uint16_t d;
      std::memcpy(&d, block, 2);
      const int j = static_cast<int>(i % 32);
      int level;
      if (r.type == GgmlType::kQ4_0) {
        const auto byte = static_cast<unsigned>(block[2 + (j % 16)]);
        level = static_cast<int>(j < 16 ? (byte & 0xF) : (byte >> 4)) - 8;
      } else {
        level = static_cast<std::int8_t>(block[2 + j]);
      }
      float v = f16_to_f32(d) * static_cast<float>(level);
      if (!r.group_offsets.empty()) v += r.group_offsets[static_cast<std::size_t>(n * r.n_groups + i / r.group_length)];
      const std::int64_t k = r.input_order.empty() ? i : r.input_order[static_cast<std::size_t>(i)];
      w[static_cast<std::size_t>(n * in + k)] = v;
    }
  }
  return w;
}

TEST(GptqAwqRepack, IsExactForEveryVariant) {
  const std::int64_t out = 16, in = 128;
  std::vector<float> w(static_cast<std::size_t>(out * in));
  for (std::size_t i = 0; i < w.size(); ++i)
    w[i] = 0.03f + 0.01f * static_cast<float>(static_cast<int>((i * 37) % 29) - 14);
  std::vector<std::int32_t> shuffled(static_cast<std::size_t>(in));
  for (std::int64_t k = 0; k < in; ++k) shuffled[static_cast<std::size_t>(k)] = static_cast<std::int32_t>((k * 7) % 4);
  struct Case {
    QuantizationConfig q;
    bool act_order;
    bool offsets;
  };
  auto gptq8 = gptq4(64);
  gptq8.bits = 8;
  const Case cases[] = {{gptq4(32), false, false},       {gptq4(128), false, false}, {gptq4(-1), false, false},
                        {gptq4(32, false), false, true}, {gptq4(32), true, false},   {gptq4(32, false), true, true},
                        {awq4(64), false, true},         {gptq8, false, false}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.q.describe());
    std::span<const std::int32_t> groups;
    if (c.act_order) groups = shuffled;
    const UnpackedLinear u = quantize_linear_rtn(c.q, w, out, in, groups);
    auto r = repack_linear(c.q, u, "test");
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    EXPECT_EQ(r->type, c.q.bits == 4 ? GgmlType::kQ4_0 : GgmlType::kQ8_0);
    EXPECT_EQ(r->input_order.empty(), !c.act_order);
    EXPECT_EQ(r->group_offsets.empty(), !c.offsets);
    // Bit-exact: d (q - 8) + d (8 - z) and d (q - z) are both exact in f32.
    EXPECT_EQ(expand(*r, out, in), dequantize_linear(u));
  }
}

TEST(GptqAwqRepack, RefusesUnevenActOrderGroups) {
  UnpackedLinear u = tiny(8);
  u.out = 8;
  u.in = 64;
  u.n_groups = 2;
  u.levels.resize(8 * 64);
  u.zeros.assign(16, 8);
  u.scales.assign(16, f32_to_f16(1.0f));
  u.group_of.assign(64, 0);
  u.group_of[0] = 1;  // group 0 gets 63 columns, group 1 one
  auto r = repack_linear(gptq4(32), u, "layer");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("uneven"), std::string::npos) << r.status().message();
}

std::string refusal(const nlohmann::json& q) {
  auto r = quantization_from_hf_json({{"quantization_config", q}}, "config.json");
  return r.ok() ? std::string() : r.status().message();
}

TEST(QuantizationConfig, ParsesGptqAndAwq) {
  auto g = quantization_from_hf_json(
      {{"quantization_config",
        {{"quant_method", "gptq"}, {"bits", 4}, {"group_size", 128}, {"desc_act", true}, {"sym", false}}}},
      "c");
  ASSERT_TRUE(g.ok() && g->has_value()) << g.status().to_string();
  EXPECT_EQ((*g)->method, QuantMethod::kGptq);
  EXPECT_TRUE((*g)->act_order);
  EXPECT_FALSE((*g)->symmetric);
  EXPECT_TRUE((*g)->zeros_minus_one);
  auto a = quantization_from_hf_json(
      {{"quantization_config", {{"quant_method", "awq"}, {"bits", 4}, {"group_size", 64}, {"version", "GEMM"}}}}, "c");
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->method, QuantMethod::kAwq);
  EXPECT_EQ((*a)->group_size, 64);
  EXPECT_FALSE((*a)->zeros_minus_one);
  auto none = quantization_from_hf_json({{"hidden_size", 8}}, "c");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  // Round trip of what the writer puts in config.json.
  auto w = quantization_from_hf_json({{"quantization_config", quantization_config_json(gptq4(32, false))}}, "c");
  ASSERT_TRUE(w.ok() && w->has_value());
  EXPECT_EQ((*w)->group_size, 32);
  EXPECT_FALSE((*w)->symmetric);
}

TEST(QuantizationConfig, RefusalsNameTheFieldAndValue) {
  EXPECT_NE(refusal({{"quant_method", "gptq"}, {"bits", 3}}).find("bits = 3"), std::string::npos);
  EXPECT_NE(refusal({{"quant_method", "gptq"}, {"bits", 2}}).find("bits = 2"), std::string::npos);
  EXPECT_NE(refusal({{"quant_method", "gptq"}, {"bits", 8}, {"sym", false}}).find("sym = false"), std::string::npos);
  EXPECT_NE(refusal({{"quant_method", "gptq"}, {"checkpoint_format", "marlin"}}).find("checkpoint_format = \"marlin\""),
            std::string::npos);
  EXPECT_NE(refusal({{"quant_method", "gptq"}, {"group_size", 100}}).find("group_size = 100"), std::string::npos);
  EXPECT_NE(refusal({{"quant_method", "awq"}, {"version", "gemv"}}).find("version = \"gemv\""), std::string::npos);
  EXPECT_NE(refusal({{"quant_method", "awq"}, {"bits", 8}}).find("bits = 8"), std::string::npos);
  EXPECT_NE(refusal({{"quant_method", "bitsandbytes"}}).find("quant_method = \"bitsandbytes\""), std::string::npos);
}

}  // namespace
}  // namespace servir
