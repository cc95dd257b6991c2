// The int8 GEMM tile kernels of each ISA against their scalar twins
// (gemm_int8_ref.cpp): repacked tiles byte for byte, the tile product within
// float rounding, for every weight type with a tile repack, full and partial
// tiles, chunks of K that start past 0, 1..8 activation rows, unaligned
// activation values and accumulation into the output.
#include <algorithm>
#include <cmath>
#include <cstring>

#include <gtest/gtest.h>

#include "isa_param.h"
#include "kernels/dtype_traits.h"
#include "kernels/gemm_int8.h"

namespace servir::kernels {
namespace {

using testing::IsaTest;
using testing::random_values;

class GemmInt8 : public IsaTest {};

RepackInt8TileFn ref_repack(GgmlType type) {
  switch (type) {
    case GgmlType::kQ8_0:
      return ref::repack_q8_0_tile;
    case GgmlType::kQ4_0:
      return ref::repack_q4_0_tile;
    case GgmlType::kQ4_K:
      return ref::repack_q4_K_tile;
    default:
      return nullptr;
  }
}

// Weights of `rows` rows and k values, one spare row so partial tiles read
// real data past n_rows only if the kernel is wrong.
std::vector<std::byte> make_weights(GgmlType type, int rows, std::int64_t k) {
  const DTypeTraits& t = *dtype_traits(type);
  const auto values = random_values(static_cast<std::size_t>(rows * k), static_cast<std::uint32_t>(rows + k));
  std::vector<std::byte> w(row_bytes(t, k) * static_cast<std::size_t>(rows));
  for (int r = 0; r < rows; ++r) t.from_f32(values.data() + r * k, w.data() + r * row_bytes(t, k), k);
  return w;
}

TEST_P(GemmInt8, RepackMatchesScalarTwin) {
  const KernelTable& tab = table();
  for (GgmlType type : {GgmlType::kQ8_0, GgmlType::kQ4_0, GgmlType::kQ4_K}) {
    const RepackInt8TileFn repack = tab.repack_int8_tile[static_cast<std::uint32_t>(type)];
    if (repack == nullptr) continue;
    const std::int64_t k = 1024;
    const std::size_t stride = row_bytes(*dtype_traits(type), k);
    const auto w = make_weights(type, 17, k);
    for (int n_rows : {16, 13, 1}) {
      for (auto [b0, b1] : {std::pair<std::int64_t, std::int64_t>{0, 32}, {8, 24}, {16, 32}}) {
        const std::size_t bytes = static_cast<std::size_t>(b1 - b0) * kInt8TileBlockBytes;
        std::vector<std::byte> got(bytes, std::byte{0x5a}), want(bytes, std::byte{0xa5});
        repack(w.data() + stride, stride, n_rows, b0, b1, got.data());
        ref_repack(type)(w.data() + stride, stride, n_rows, b0, b1, want.data());
        ASSERT_EQ(std::memcmp(got.data(), want.data(), bytes), 0)
            << ggml_type_name(type) << " rows=" << n_rows << " blocks [" << b0 << ", " << b1 << ")";
      }
    }
  }
}

// s[r][b] = d[r][b] * the sum of block b of row r, as Int8Act requires.
std::vector<float> scaled_sums(const std::int8_t* q, std::size_t q_stride, const std::vector<float>& d,
                               std::int64_t nb) {
  std::vector<float> s(d.size());
  for (std::size_t r = 0; r < d.size() / static_cast<std::size_t>(nb); ++r) {
    for (std::int64_t b = 0; b < nb; ++b) {
      int sum = 0;
      for (int i = 0; i < 32; ++i) sum += q[r * q_stride + 32 * b + i];
      s[r * nb + b] = d[r * nb + b] * static_cast<float>(sum);
    }
  }
  return s;
}

void check_tile_product(const KernelTable& tab, GgmlType type);

TEST_P(GemmInt8, TileProductMatchesScalarTwin) {
  const KernelTable& tab = table();
  for (GgmlType type : {GgmlType::kQ8_0, GgmlType::kQ4_0, GgmlType::kQ4_K}) {
    if (tab.gemm_int8_tile[static_cast<std::uint32_t>(type)] != nullptr) check_tile_product(tab, type);
  }
}

void check_tile_product(const KernelTable& tab, GgmlType type) {
  const GemmInt8TileFn gemm = tab.gemm_int8_tile[static_cast<std::uint32_t>(type)];
  const std::int64_t k = 512, nb = k / 32;
  const auto w = make_weights(type, 16, k);
  const std::size_t stride = row_bytes(*dtype_traits(type), k);
  std::vector<std::byte> tile(static_cast<std::size_t>(nb) * kInt8TileBlockBytes);
  ref_repack(type)(w.data(), stride, 16, 0, nb, tile.data());

  // Activations: 8 rows of k signed values starting one byte past alignment.
  const std::size_t q_stride = k + 5;
  std::vector<std::int8_t> q_buf(8 * q_stride + 1);
  const auto values = random_values(q_buf.size(), 7, 40.0f);
  for (std::size_t i = 0; i < q_buf.size(); ++i)
    q_buf[i] = static_cast<std::int8_t>(std::clamp(values[i], -127.f, 127.f));
  const auto d = random_values(static_cast<std::size_t>(8 * nb), 8, 0.01f);
  const auto s = scaled_sums(q_buf.data() + 1, q_stride, d, nb);
  const Int8Act act{
      .q = q_buf.data() + 1, .q_stride = q_stride, .d = d.data(), .s = s.data(), .d_stride = std::size_t(nb)};

  for (int n_act = 1; n_act <= kInt8TileMaxAct; ++n_act) {
    for (int n_cols : {16, 11}) {
      for (bool accumulate : {false, true}) {
        const std::size_t ldc = 19;
        auto got = random_values(8 * ldc, 10), want = got;
        // The prefetch hint points at the weights: it must not change results.
        const Int8Prefetch pf{.rows = w.data(), .stride = stride, .n_rows = 16, .bytes = stride};
        gemm(nb, tile.data(), act, n_act, got.data(), ldc, n_cols, accumulate, pf);
        ref::gemm_int8_tile(nb, tile.data(), act, n_act, want.data(), ldc, n_cols, accumulate, {});
        float mag = 1;
        for (float v : want) mag = std::max(mag, std::fabs(v));
        for (std::size_t i = 0; i < got.size(); ++i) {
          ASSERT_NEAR(got[i], want[i], 1e-5 * mag) << ggml_type_name(type) << " n_act=" << n_act << " n_cols=" << n_cols
                                                   << " accumulate=" << accumulate << " at " << i;
        }
      }
    }
  }
}

RepackGemmInt8TileFn ref_repack_gemm(GgmlType type) {
  switch (type) {
    case GgmlType::kQ8_0:
      return ref::repack_gemm_q8_0_tile;
    case GgmlType::kQ4_0:
      return ref::repack_gemm_q4_0_tile;
    case GgmlType::kQ4_K:
      return ref::repack_gemm_q4_K_tile;
    default:
      return nullptr;
  }
}

// The fused repack + product: the same tile, and the product within float
// rounding, for full and partial tiles, chunks past the start of K, 1..8
// rows and accumulation.
TEST_P(GemmInt8, FusedRepackProductMatchesScalarTwin) {
  const KernelTable& tab = table();
  const std::int64_t k = 1024;
  const std::size_t q_stride = k + 3;
  std::vector<std::int8_t> q_buf(8 * q_stride + 1);
  const auto values = random_values(q_buf.size(), 11, 40.0f);
  for (std::size_t i = 0; i < q_buf.size(); ++i) {
    q_buf[i] = static_cast<std::int8_t>(std::clamp(values[i], -127.f, 127.f));
  }
  const auto d = random_values(8 * (k / 32), 12, 0.01f);
  const auto s = scaled_sums(q_buf.data() + 1, q_stride, d, k / 32);
  for (GgmlType type : {GgmlType::kQ8_0, GgmlType::kQ4_0, GgmlType::kQ4_K}) {
    const RepackGemmInt8TileFn fused = tab.repack_gemm_int8_tile[static_cast<std::uint32_t>(type)];
    if (fused == nullptr) continue;
    const std::size_t stride = row_bytes(*dtype_traits(type), k);
    const auto w = make_weights(type, 17, k);
    for (int n_rows : {16, 9}) {
      for (auto [b0, b1] : {std::pair<std::int64_t, std::int64_t>{0, 32}, {8, 24}, {16, 32}}) {
        const Int8Weights weights{.w = w.data() + stride, .stride = stride, .n_rows = n_rows, .b0 = b0, .b1 = b1};
        const Int8Act act{.q = q_buf.data() + 1 + 32 * b0,
                          .q_stride = q_stride,
                          .d = d.data() + b0,
                          .s = s.data() + b0,
                          .d_stride = std::size_t(k / 32)};
        for (int n_act : {1, 3, 8}) {
          for (bool accumulate : {false, true}) {
            const std::size_t bytes = static_cast<std::size_t>(b1 - b0) * kInt8TileBlockBytes;
            std::vector<std::byte> got_tile(bytes), want_tile(bytes);
            const std::size_t ldc = 21;
            auto got = random_values(8 * ldc, 14), want = got;
            const Int8Prefetch pf{.rows = w.data(), .stride = stride, .n_rows = 16, .bytes = stride};
            fused(weights, got_tile.data(), act, n_act, {.c = got.data(), .ldc = ldc, .accumulate = accumulate}, pf);
            ref_repack_gemm(type)(weights, want_tile.data(), act, n_act,
                                  {.c = want.data(), .ldc = ldc, .accumulate = accumulate}, {});
            ASSERT_EQ(std::memcmp(got_tile.data(), want_tile.data(), bytes), 0) << ggml_type_name(type);
            float mag = 1;
            for (float v : want) mag = std::max(mag, std::fabs(v));
            for (std::size_t i = 0; i < got.size(); ++i) {
              ASSERT_NEAR(got[i], want[i], 1e-5 * mag)
                  << ggml_type_name(type) << " rows=" << n_rows << " blocks [" << b0 << ", " << b1
                  << ") n_act=" << n_act << " accumulate=" << accumulate << " at " << i;
            }
          }
        }
      }
    }
  }
}

SERVIR_INSTANTIATE_ISA_TESTS(GemmInt8);

}  // namespace
}  // namespace servir::kernels
