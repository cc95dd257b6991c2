// The 16-row interleaved weight layout (weights_x16.h): the conversion is
// lossless, its scalar repack gives the tile the GGUF-row repack gives, and
// each ISA's fused repack + product and bf16 strip packer match their scalar
// twins, for Q4_0 and Q8_0. Whole matmuls over interleaved weights are in
// matmul_test.cpp.
#include <algorithm>
#include <cmath>
#include <cstring>

#include <gtest/gtest.h>

#include "isa_param.h"
#include "kernels/dtype_traits.h"
#include "kernels/gemm_bf16.h"
#include "kernels/gemm_int8.h"
#include "kernels/weights_x16.h"

namespace servir::kernels {
namespace {

using testing::IsaTest;
using testing::random_values;

constexpr GgmlType kTypes[] = {GgmlType::kQ4_0, GgmlType::kQ8_0};

std::vector<std::byte> make_rows(GgmlType type, std::int64_t rows, std::int64_t k) {
  const DTypeTraits& t = *dtype_traits(type);
  const auto values = random_values(static_cast<std::size_t>(rows * k), static_cast<std::uint32_t>(rows * 3 + k));
  std::vector<std::byte> w(row_bytes(t, k) * static_cast<std::size_t>(rows));
  for (std::int64_t r = 0; r < rows; ++r) t.from_f32(values.data() + r * k, w.data() + r * row_bytes(t, k), k);
  return w;
}

std::vector<std::byte> interleaved(GgmlType type, const std::vector<std::byte>& w, std::int64_t rows, std::int64_t k) {
  std::vector<std::byte> x(x16_group_bytes(type, k) * static_cast<std::size_t>(rows / kX16Rows));
  interleave_x16(type, w.data(), row_bytes(*dtype_traits(type), k), rows, k, x.data());
  return x;
}

TEST(WeightsX16, SameBytesAndRoundTrips) {
  for (GgmlType type : kTypes) {
    for (std::int64_t k : {32, 96, 1024}) {
      const auto w = make_rows(type, 48, k);
      const auto x = interleaved(type, w, 48, k);
      ASSERT_EQ(x.size(), w.size()) << ggml_type_name(type);  // rearranged, not grown
      std::vector<std::byte> back(w.size());
      deinterleave_x16(type, x.data(), 48, k, back.data(), row_bytes(*dtype_traits(type), k));
      EXPECT_EQ(std::memcmp(back.data(), w.data(), w.size()), 0) << ggml_type_name(type) << " k=" << k;
    }
  }
}

TEST(WeightsX16, OnlyWholeGroupsOfKnownTypes) {
  EXPECT_TRUE(x16_supported(GgmlType::kQ4_0, 32, 64));
  EXPECT_FALSE(x16_supported(GgmlType::kQ4_0, 40, 64));  // not whole groups of 16
  EXPECT_FALSE(x16_supported(GgmlType::kQ4_K, 32, 256));
  EXPECT_FALSE(x16_supported(GgmlType::kF16, 32, 64));
}

TEST(WeightsX16, RepackGivesTheRowRepacksTile) {
  const std::int64_t k = 1024, nb = k / 32;
  for (GgmlType type : kTypes) {
    const std::size_t stride = row_bytes(*dtype_traits(type), k);
    const auto w = make_rows(type, 32, k);
    const auto x = interleaved(type, w, 32, k);
    const auto row_repack = type == GgmlType::kQ4_0 ? ref::repack_q4_0_tile : ref::repack_q8_0_tile;
    for (int g = 0; g < 2; ++g) {
      for (auto [b0, b1] : {std::pair<std::int64_t, std::int64_t>{0, 16}, {16, 32}, {3, 11}}) {
        const std::size_t bytes = static_cast<std::size_t>(b1 - b0) * kInt8TileBlockBytes;
        std::vector<std::byte> want(bytes), got(bytes);
        row_repack(w.data() + 16 * g * stride, stride, 16, b0, b1, want.data());
        ref::repack_x16_tile(type, x.data() + g * nb * x16_block_bytes(type), b0, b1, got.data());
        ASSERT_EQ(std::memcmp(got.data(), want.data(), bytes), 0)
            << ggml_type_name(type) << " group " << g << " blocks " << b0 << ".." << b1;
      }
    }
  }
}

class WeightsX16Isa : public IsaTest {};

RepackGemmX16Fn ref_repack_gemm(GgmlType type) {
  return type == GgmlType::kQ4_0 ? ref::repack_gemm_q4_0_x16 : ref::repack_gemm_q8_0_x16;
}

// The fused repack + product: the same tile byte for byte, the product
// within float rounding, for chunks past the start of K, 1..8 rows, with
// and without accumulation.
TEST_P(WeightsX16Isa, FusedRepackProductMatchesScalarTwin) {
  const std::int64_t k = 1024, nb = k / 32;
  const std::size_t q_stride = k + 3;  // unaligned activation rows
  std::vector<std::int8_t> q_buf(8 * q_stride + 1);
  const auto values = random_values(q_buf.size(), 11, 40.0f);
  for (std::size_t i = 0; i < q_buf.size(); ++i) {
    q_buf[i] = static_cast<std::int8_t>(std::clamp(values[i], -127.f, 127.f));
  }
  const auto d = random_values(static_cast<std::size_t>(8 * nb), 12, 0.01f);
  std::vector<float> s(d.size());
  for (std::size_t r = 0; r < 8; ++r) {
    for (std::int64_t b = 0; b < nb; ++b) {
      int sum = 0;
      for (int i = 0; i < 32; ++i) sum += q_buf[1 + r * q_stride + 32 * b + i];
      s[r * nb + b] = d[r * nb + b] * static_cast<float>(sum);
    }
  }
  for (GgmlType type : kTypes) {
    const RepackGemmX16Fn fused = table().repack_gemm_x16[static_cast<std::uint32_t>(type)];
    ASSERT_NE(fused, nullptr) << "every level runs interleaved " << ggml_type_name(type);
    const auto x = interleaved(type, make_rows(type, 16, k), 16, k);
    for (auto [b0, b1] : {std::pair<std::int64_t, std::int64_t>{0, 16}, {16, 32}, {5, 13}}) {
      const Int8Act act{.q = q_buf.data() + 1 + 32 * b0,
                        .q_stride = q_stride,
                        .d = d.data() + b0,
                        .s = s.data() + b0,
                        .d_stride = static_cast<std::size_t>(nb)};
      for (int n_act : {1, 2, 5, 8}) {
        for (bool accumulate : {false, true}) {
          const std::size_t bytes = static_cast<std::size_t>(b1 - b0) * kInt8TileBlockBytes, ldc = 21;
          std::vector<std::byte> got_tile(bytes), want_tile(bytes);
          auto got = random_values(8 * ldc, 14), want = got;
          fused(x.data(), b0, b1, got_tile.data(), act, n_act, {.c = got.data(), .ldc = ldc, .accumulate = accumulate});
          ref_repack_gemm(type)(x.data(), b0, b1, want_tile.data(), act, n_act,
                                {.c = want.data(), .ldc = ldc, .accumulate = accumulate});
          ASSERT_EQ(std::memcmp(got_tile.data(), want_tile.data(), bytes), 0) << ggml_type_name(type);
          float mag = 1;
          for (float v : want) mag = std::max(mag, std::fabs(v));
          for (std::size_t i = 0; i < got.size(); ++i) {
            ASSERT_NEAR(got[i], want[i], 1e-5 * mag) << ggml_type_name(type) << " blocks [" << b0 << ", " << b1
                                                     << ") n_act=" << n_act << " accumulate=" << accumulate;
          }
        }
      }
    }
  }
}

// The bf16 strip from one or two groups: bit for bit the scalar twin's
// (which goes through the row-major dequantizer), zero rows past the groups.
TEST_P(WeightsX16Isa, Bf16StripMatchesScalarTwin) {
  for (GgmlType type : kTypes) {
    const PackBf16StripX16Fn pack = table().pack_bf16_strip_x16[static_cast<std::uint32_t>(type)];
    if (pack == nullptr) continue;  // levels without bf16 tiles
    const std::int64_t k = 256;
    const auto x = interleaved(type, make_rows(type, 32, k), 32, k);
    for (int n_groups : {1, 2}) {
      const std::size_t elems = static_cast<std::size_t>(k) * kBf16StripRows;
      std::vector<std::uint16_t> got(elems + 32, 0x5a5a), want(elems + 32, 0xa5a5);
      auto* g = reinterpret_cast<std::uint16_t*>((reinterpret_cast<std::uintptr_t>(got.data()) + 63) / 64 * 64);
      auto* w = reinterpret_cast<std::uint16_t*>((reinterpret_cast<std::uintptr_t>(want.data()) + 63) / 64 * 64);
      pack(x.data(), n_groups, k, g);
      (type == GgmlType::kQ4_0 ? ref::pack_bf16_strip_x16_q4_0 : ref::pack_bf16_strip_x16_q8_0)(x.data(), n_groups, k,
                                                                                                w);
      EXPECT_EQ(std::memcmp(g, w, elems * sizeof(std::uint16_t)), 0) << ggml_type_name(type) << " groups=" << n_groups;
    }
  }
}

// The AMX-INT8 product over all of K: bit for bit its scalar twin (exact
// int32 block dots, then the same FMA per block in the same order), for 1
// to 40 activation rows (partial and several 16-row passes), odd and even
// block counts, unaligned activation rows.
TEST_P(WeightsX16Isa, AmxInt8ProductMatchesScalarTwin) {
  for (GgmlType type : kTypes) {
    const GemmX16Fn gemm = table().gemm_x16[static_cast<std::uint32_t>(type)];
    if (gemm == nullptr) continue;  // levels without AMX-INT8
    for (std::int64_t k : {32 * 7, 1024}) {
      const std::int64_t nb = k / 32;
      const auto x = interleaved(type, make_rows(type, 16, k), 16, k);
      const std::size_t q_stride = k + 3;
      std::vector<std::int8_t> q_buf(40 * q_stride + 1);
      const auto values = random_values(q_buf.size(), 21, 40.0f);
      for (std::size_t i = 0; i < q_buf.size(); ++i) {
        q_buf[i] = static_cast<std::int8_t>(std::clamp(values[i], -127.f, 127.f));
      }
      const auto d = random_values(static_cast<std::size_t>(40 * nb), 22, 0.01f);
      const Int8Act act{.q = q_buf.data() + 1,
                        .q_stride = q_stride,
                        .d = d.data(),
                        .s = nullptr,
                        .d_stride = static_cast<std::size_t>(nb)};
      for (int n_act : {1, 7, 16, 17, 40}) {
        const std::size_t ldc = 19;
        std::vector<float> got(40 * ldc, -1.0f), want(40 * ldc, -1.0f);
        gemm(x.data(), nb, act, n_act, got.data(), ldc);
        (type == GgmlType::kQ4_0 ? ref::gemm_x16_q4_0 : ref::gemm_x16_q8_0)(x.data(), nb, act, n_act, want.data(), ldc);
        ASSERT_EQ(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)), 0)
            << ggml_type_name(type) << " k=" << k << " n_act=" << n_act;
      }
    }
  }
}

SERVIR_INSTANTIATE_ISA_TESTS(WeightsX16Isa);

}  // namespace
}  // namespace servir::kernels
