// matmul per ISA against a double-precision product of the dequantized
// weights and the f32 activations, for every type, M = 1..17, N = 1 and odd
// sizes, strided (misaligned) activation rows, 1 and 2 threads.
#include <cmath>

#include <gtest/gtest.h>

#include "isa_param.h"
#include "kernels/dtype_traits.h"
#include "kernels/matmul.h"
#include "kernels/weights_x16.h"

namespace servir::kernels {
namespace {

using testing::IsaTest;
using testing::random_values;

// Tolerance relative to sum |w||a| (the scale of the rounding error): the
// activations are quantized to 8 bits for the integer types, and rounded to
// bf16 (8 significant bits) where the amx level takes bf16 or f16 weights
// (f16 in split mode from 32 rows).
double tolerance(GgmlType type, Isa isa) {
  if (isa == Isa::kAmx && (type == GgmlType::kBF16 || type == GgmlType::kF16)) return 8e-3;
  switch (type) {
    case GgmlType::kF32:
      return 1e-5;
    case GgmlType::kF16:
    case GgmlType::kBF16:
      return 1e-5;
    default:
      return 1.5e-2;
  }
}

class Matmul : public IsaTest {};

// `x16`: the weights interleaved by 16 rows (weights_x16.h), as the model
// binder lays them out for levels that run them quicker so.
void check_matmul(const KernelTable& table, ThreadPool* pool, GgmlType type, std::int64_t M, std::int64_t N,
                  std::int64_t K, bool x16 = false) {
  const DTypeTraits& t = *dtype_traits(type);
  const auto w_f32 = random_values(static_cast<std::size_t>(N * K), static_cast<std::uint32_t>(N + K));
  std::vector<std::byte> w(row_bytes(t, K) * static_cast<std::size_t>(N));
  for (std::int64_t n = 0; n < N; ++n) t.from_f32(w_f32.data() + n * K, w.data() + n * row_bytes(t, K), K);
  std::vector<float> w_deq(static_cast<std::size_t>(N * K));
  for (std::int64_t n = 0; n < N; ++n) t.to_f32(w.data() + n * row_bytes(t, K), w_deq.data() + n * K, K);

  const std::int64_t lda = K + 3;  // strided rows, starting 4 bytes past alignment
  auto a = random_values(static_cast<std::size_t>(M * lda + 1), static_cast<std::uint32_t>(M * 7 + 1));
  const float* a0 = a.data() + 1;
  std::vector<float> c(static_cast<std::size_t>(M * N), NAN);

  KernelContext ctx(table, pool);
  auto w_view = TensorView::contiguous(w.data(), type, K, N);
  std::vector<std::byte> groups;
  if (x16) {
    groups.resize(w.size());
    interleave_x16(type, w.data(), row_bytes(t, K), N, K, groups.data());
    w_view.data = groups.data();
    w_view.layout = WeightLayout::kX16;
  }
  matmul(ctx, TensorView::matrix(const_cast<float*>(a0), GgmlType::kF32, K, M, lda * sizeof(float)), w_view,
         TensorView::contiguous(c.data(), GgmlType::kF32, N, M));
  for (std::int64_t m = 0; m < M; ++m) {
    for (std::int64_t n = 0; n < N; ++n) {
      double want = 0, mag = 0;
      for (std::int64_t k = 0; k < K; ++k) {
        want += static_cast<double>(a0[m * lda + k]) * w_deq[n * K + k];
        mag += std::fabs(static_cast<double>(a0[m * lda + k]) * w_deq[n * K + k]);
      }
      ASSERT_NEAR(c[m * N + n], want, tolerance(type, table.isa) * mag + 1e-5)
          << ggml_type_name(type) << (x16 ? " interleaved" : "") << " M=" << M << " N=" << N << " K=" << K << " at "
          << m << "," << n;
    }
  }
}

TEST_P(Matmul, EveryTypeOddShapes) {
  ThreadPool pool(2);
  for (const DTypeTraits& t : all_dtype_traits()) {
    const std::int64_t K = t.block_size == 1 ? 100 : (dtype_traits(t.vec_dot_type)->block_size == 256 ? 512 : 96);
    for (std::int64_t M : {1, 2, 3, 5, 17}) {
      for (std::int64_t N : {1, 7, 40}) check_matmul(table(), &pool, t.type, M, N, K);
    }
  }
}

TEST_P(Matmul, EveryMUpTo17) {
  for (GgmlType type : {GgmlType::kQ8_0, GgmlType::kQ4_0, GgmlType::kQ5_0, GgmlType::kQ4_1, GgmlType::kQ5_1,
                        GgmlType::kQ4_K, GgmlType::kQ5_K, GgmlType::kQ6_K, GgmlType::kF16}) {
    for (std::int64_t M = 1; M <= 17; ++M) check_matmul(table(), nullptr, type, M, 9, 256);
  }
}

TEST_P(Matmul, LargerThreaded) {
  ThreadPool pool(2);
  for (GgmlType type : {GgmlType::kQ8_0, GgmlType::kQ4_0, GgmlType::kQ5_0, GgmlType::kQ4_1, GgmlType::kQ5_1,
                        GgmlType::kQ4_K, GgmlType::kQ5_K, GgmlType::kQ6_K, GgmlType::kF16}) {
    check_matmul(table(), &pool, type, 6, 300, 1024);
  }
}

// Batched decode: every M up to 64 (the int8 tiles take 8 activation rows at
// a time), N not a multiple of the 16-row tile, K not a multiple of the
// 512-value chunk of K, 1 and 2 threads.
TEST_P(Matmul, BatchedDecodeEveryMUpTo64) {
  ThreadPool pool(2);
  for (GgmlType type : {GgmlType::kQ8_0, GgmlType::kQ4_0, GgmlType::kQ4_K}) {
    const std::int64_t K = type == GgmlType::kQ4_K ? 768 : 608;
    for (std::int64_t M = 2; M <= 64; ++M) check_matmul(table(), M % 2 == 0 ? &pool : nullptr, type, M, 37, K);
  }
}

// Prefill-sized batches of every type: at the amx level these take the bf16
// tiles (through to_f32 for types without their own strip packer; f16 in
// split mode, within the bf16 tolerance), with M and N not multiples of the
// 16-row groups and 32-row strips.
TEST_P(Matmul, EveryTypePrefillRows) {
  ThreadPool pool(2);
  for (const DTypeTraits& t : all_dtype_traits()) {
    if (t.type == GgmlType::kF32) continue;  // f32 keeps the f32 path
    const std::int64_t K = t.block_size == 1 ? 96 : (dtype_traits(t.vec_dot_type)->block_size == 256 ? 512 : 96);
    for (std::int64_t M : {33, 70}) check_matmul(table(), M == 70 ? &pool : nullptr, t.type, M, 45, K);
  }
}

// Interleaved weights on every level: GEMV (M = 1), the int8 tiles past one
// pass of 8 rows, and the bf16 strips (M >= 48 on amx) from one group and
// from two, threaded and not.
TEST_P(Matmul, InterleavedWeights) {
  ThreadPool pool(2);
  for (GgmlType type : {GgmlType::kQ4_0, GgmlType::kQ8_0}) {
    for (std::int64_t M : {1, 2, 8, 9, 17, 48, 70}) {
      for (std::int64_t N : {16, 48, 64}) check_matmul(table(), N == 48 ? &pool : nullptr, type, M, N, 256, true);
    }
    check_matmul(table(), &pool, type, 3, 320, 1024, true);  // several chunks of K
  }
}

SERVIR_INSTANTIATE_ISA_TESTS(Matmul);

}  // namespace
}  // namespace servir::kernels
