// Quantize -> dequantize round trips of every type, the traits table against
// the GGUF storage table, and hand-built blocks decoded to known values.
#include <cmath>
#include <cstring>

#include <gtest/gtest.h>

#include "isa_param.h"
#include "kernels/dtype_traits.h"
#include "kernels/quant/block_types.h"
#include "util/half.h"

namespace servir::kernels {
namespace {

using testing::random_values;

TEST(DTypeTraits, MatchesGgufBlockSizes) {
  for (const DTypeTraits& t : all_dtype_traits()) {
    const GgmlTypeInfo& info = ggml_type_info(t.type);
    EXPECT_EQ(t.block_size, info.block_size) << info.name;
    EXPECT_EQ(t.type_size, info.type_size) << info.name;
    EXPECT_NE(dtype_traits(t.vec_dot_type), nullptr) << info.name;
  }
  EXPECT_EQ(dtype_traits(GgmlType::kIQ2_XXS), nullptr);
}

// Relative RMS error bound of a round trip of Gaussian data, per type.
struct RoundTripCase {
  GgmlType type;
  double max_rel_rms;
};

class QuantRoundTrip : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(QuantRoundTrip, ErrorWithinBound) {
  const DTypeTraits& t = *dtype_traits(GetParam().type);
  const std::int64_t n = 4 * 256;
  const auto x = random_values(static_cast<std::size_t>(n), 7);
  std::vector<std::byte> q(row_bytes(t, n));
  std::vector<float> y(static_cast<std::size_t>(n));
  t.from_f32(x.data(), q.data(), n);
  t.to_f32(q.data(), y.data(), n);
  double err = 0, ref = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    err += (x[i] - y[i]) * (x[i] - y[i]);
    ref += x[i] * x[i];
  }
  const double rel = std::sqrt(err / ref);
  EXPECT_LE(rel, GetParam().max_rel_rms) << ggml_type_name(t.type);
  // Quantizing the dequantized values again must not drift much further.
  std::vector<std::byte> q2(q.size());
  t.from_f32(y.data(), q2.data(), n);
  std::vector<float> y2(y.size());
  t.to_f32(q2.data(), y2.data(), n);
  double drift = 0;
  for (std::int64_t i = 0; i < n; ++i) drift += (y[i] - y2[i]) * (y[i] - y2[i]);
  EXPECT_LE(std::sqrt(drift / ref), GetParam().max_rel_rms) << ggml_type_name(t.type);
}

TEST_P(QuantRoundTrip, ZerosStayZero) {
  const DTypeTraits& t = *dtype_traits(GetParam().type);
  const std::int64_t n = 256;
  std::vector<float> x(static_cast<std::size_t>(n), 0.0f), y(static_cast<std::size_t>(n), 1.0f);
  std::vector<std::byte> q(row_bytes(t, n));
  t.from_f32(x.data(), q.data(), n);
  t.to_f32(q.data(), y.data(), n);
  for (float v : y) ASSERT_EQ(v, 0.0f) << ggml_type_name(t.type);
}

// Bounds: ~1.5x the errors these quantizers reach on N(0,1) data.
INSTANTIATE_TEST_SUITE_P(AllTypes, QuantRoundTrip,
                         ::testing::Values(RoundTripCase{GgmlType::kF32, 0.0}, RoundTripCase{GgmlType::kF16, 5e-4},
                                           RoundTripCase{GgmlType::kBF16, 4e-3}, RoundTripCase{GgmlType::kQ8_0, 0.012},
                                           RoundTripCase{GgmlType::kQ4_0, 0.16}, RoundTripCase{GgmlType::kQ4_1, 0.14},
                                           RoundTripCase{GgmlType::kQ5_0, 0.08}, RoundTripCase{GgmlType::kQ5_1, 0.07},
                                           RoundTripCase{GgmlType::kQ4_K, 0.12}, RoundTripCase{GgmlType::kQ5_K, 0.06},
                                           RoundTripCase{GgmlType::kQ6_K, 0.03}, RoundTripCase{GgmlType::kQ8_K, 0.008}),
                         [](const auto& info) { return std::string(ggml_type_name(info.param.type)); });

// Hand-built blocks pin the byte layouts to GGUF's.
TEST(BlockLayout, Q4_0NibbleOrder) {
  BlockQ4_0 b{};
  b.d = f32_to_f16(0.5f);
  for (int i = 0; i < 16; ++i) b.qs[i] = static_cast<std::uint8_t>(i | (15 - i) << 4);
  float y[32];
  dtype_traits(GgmlType::kQ4_0)->to_f32(&b, y, 32);
  for (int i = 0; i < 16; ++i) {
    EXPECT_EQ(y[i], 0.5f * (i - 8));
    EXPECT_EQ(y[i + 16], 0.5f * (15 - i - 8));
  }
}

TEST(BlockLayout, Q5_0HighBits) {
  BlockQ5_0 b{};
  b.d = f32_to_f16(1.0f);
  const std::uint32_t qh = 0x80000001u;  // element 0 and 31 get bit 4
  std::memcpy(b.qh, &qh, 4);
  float y[32];
  dtype_traits(GgmlType::kQ5_0)->to_f32(&b, y, 32);
  EXPECT_EQ(y[0], 0.0f);    // 16 - 16
  EXPECT_EQ(y[1], -16.0f);  // 0 - 16
  EXPECT_EQ(y[31], 0.0f);
}

TEST(BlockLayout, Q4_KScalesAndMins) {
  BlockQ4_K b{};
  b.d = f32_to_f16(1.0f);
  b.dmin = f32_to_f16(1.0f);
  // Sub-block 0: scale 3, min 2. Sub-block 5: scale 0x25 (high bits in byte 1), min 0x31.
  b.scales[0] = 3;
  b.scales[4] = 2;
  b.scales[9] = 0x5 | (0x1 << 4);  // low nibbles of scale 5 / min 5
  b.scales[1] |= (0x25 >> 4) << 6;
  b.scales[5] |= (0x31 >> 4) << 6;
  for (int l = 0; l < 32; ++l) b.qs[l] = 0x1;        // sub-block 0 level 1, sub-block 1 level 0
  for (int l = 0; l < 32; ++l) b.qs[64 + l] = 0x20;  // sub-block 4 level 0, sub-block 5 level 2
  float y[256];
  dtype_traits(GgmlType::kQ4_K)->to_f32(&b, y, 256);
  EXPECT_EQ(y[0], 3.0f * 1 - 2.0f);
  EXPECT_EQ(y[5 * 32 + 7], 37.0f * 2 - 49.0f);
}

TEST(BlockLayout, Q6_KLevels) {
  BlockQ6_K b{};
  b.d = f32_to_f16(1.0f);
  for (auto& s : b.scales) s = 1;
  b.ql[0] = 0x21;            // element 0 low nibble 1, element 64 low nibble 2
  b.qh[0] = 0x1 | 0x2 << 4;  // element 0 high bits 1, element 64 high bits 2
  b.ql[32] = 0x03;           // element 32 low nibble 3
  float y[256];
  dtype_traits(GgmlType::kQ6_K)->to_f32(&b, y, 256);
  EXPECT_EQ(y[0], (1 | 1 << 4) - 32.0f);
  EXPECT_EQ(y[64], (2 | 2 << 4) - 32.0f);
  EXPECT_EQ(y[32], 3 - 32.0f);
  EXPECT_EQ(y[1], -32.0f);
}

}  // namespace
}  // namespace servir::kernels
