// Paged attention for runs of prefill tokens (and single decode tokens) on
// AMX BF16 tiles (contract in kernels/attend.h, AttendRunItem).
//
// The f32 kernel spends ~10 vector operations per (query, key) score on
// dot products, the softmax and the weighted sum of V; at a 2,000-token
// prompt that was half of prefill. Here the products run on the tiles and
// the vector units only do the softmax, about 1.5 operations per score.
//
// Everything is transposed so that one lane is one query row (token, head)
// and every softmax reduction is a vertical max or add across registers:
//   S^T (32 keys x 16 queries) = K (A tile: keys x dims) . Q^T (B tile),
//   O^T (16 dims x 16 queries) += V^T (A tile: dims x keys) . P^T (B tile).
// Keys go in blocks of 32 positions aligned to multiples of 32, and each
// lane's online softmax depends only on its own scores, so a query's result
// does not depend on which other queries share its run or tile (batch
// invariance): a block a lane cannot see leaves its state unchanged
// exactly (its probabilities are zero and its rescale factor is 1).
//
// Scores are computed in split mode (as f16 weights in gemm_bf16.h): with
// x = hi(x) + lo(x), both bf16, S = Qhi.Khi + Qhi.Klo + Qlo.Khi, which
// carries Q and K to ~16 significant bits, because a score error is
// multiplied by the score's size before the exp (the f16 keys would lose 3
// bits to plain bf16). The probabilities and V are rounded to bf16, an
// error of at most ~2^-8 of the output's scale, like any bf16 matmul.
// Products are summed in f32. This kernel serves f16 KV caches; f32
// caches keep the f32 path.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/amx/amx_kernels.h"
#include "kernels/amx/tile_scope.h"
#include "kernels/attend.h"
#include "kernels/avx512/simd_avx512.h"

namespace servir::kernels::amx {
namespace {

using avx512::exp512;
using avx512::transpose_16x16;

constexpr int kKeyBlock = 32;         // key positions per step (two S^T tiles)
constexpr std::size_t kTileRow = 64;  // bytes per tile row
constexpr int kTileBf16 = 512;        // bf16 values per tile
constexpr int kTileF32 = 256;         // f32 values per tile

__m512i to_bf16(__m512 lo, __m512 hi) { return reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(hi, lo)); }

__m512 load_f16(const std::byte* p) { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }

// x - bf16(x), for 16 values (bf16 as the conversions round: nearest even).
__m512 bf16_lo(__m512 x) {
  const __m256i hi = reinterpret_cast<__m256i>(_mm512_cvtneps_pbh(x));
  return _mm512_sub_ps(x, _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(hi), 16)));
}

// Per-item scratch, carved out of AttendRunItem::work.
template <int HD>
struct RunWork {
  // k-steps of S^T: three segments of HD / 32 (split mode: Q segments
  // hi | hi | lo against K segments hi | lo | hi).
  static constexpr int kSteps = 3 * HD / 32;
  static constexpr int kDimTiles = HD / 16;

  std::uint16_t* qt;   // [tiles][kSteps] B tiles: VNNI pairs of dims x 16 query rows
  std::uint16_t* ka;   // [2][kSteps] A tiles: keys 16h..16h+15 x 32 dims
  std::uint16_t* vt;   // [kDimTiles] A tiles: 16 dims x 32 keys
  std::uint16_t* pt;   // one B tile: pairs of keys x 16 query rows
  float* s;            // 32 keys x 16 query rows
  float* ot;           // [tiles][kDimTiles] 16 dims x 16 query rows
  float* m;            // [tiles][16] running max
  float* l;            // [tiles][16] running sum
  std::int32_t* qpos;  // [tiles][16] position of the row's token (-1: padding)
  std::int32_t* first;
  float* qrows;  // 16 x HD scaled query rows of one tile
  float* qlo;    // and their lo halves

  // Carved as attend.h's AttendRunWorkLayout says (which sized the buffer).
  RunWork(float* work, int rows) {
    const AttendRunWorkLayout layout(rows, HD);
    auto* base = reinterpret_cast<std::byte*>(work);
    qt = reinterpret_cast<std::uint16_t*>(base + layout.qt);
    ka = reinterpret_cast<std::uint16_t*>(base + layout.ka);
    vt = reinterpret_cast<std::uint16_t*>(base + layout.vt);
    pt = reinterpret_cast<std::uint16_t*>(base + layout.pt);
    s = reinterpret_cast<float*>(base + layout.s);
    ot = reinterpret_cast<float*>(base + layout.ot);
    m = reinterpret_cast<float*>(base + layout.m);
    l = reinterpret_cast<float*>(base + layout.l);
    qpos = reinterpret_cast<std::int32_t*>(base + layout.qpos);
    first = reinterpret_cast<std::int32_t*>(base + layout.first);
    qrows = reinterpret_cast<float*>(base + layout.qrows);
    qlo = reinterpret_cast<float*>(base + layout.qlo);
  }
};

const float* q_row(const AttendRunItem& it, int r) {
  return it.q + static_cast<std::size_t>(r / it.group) * it.q_token_stride +
         static_cast<std::size_t>(r % it.group) * it.head_dim;
}

// K rows of positions kb..kb+31 (those in [lo, hi)) as A tiles, zeros
// elsewhere; V rows likewise, transposed into dims x keys A tiles.
template <int HD>
void load_kv_block(const AttendRunItem& it, std::int64_t kb, std::int64_t lo, std::int64_t hi, const RunWork<HD>& w) {
  constexpr int kSteps = RunWork<HD>::kSteps;
  const std::byte* k_rows[kKeyBlock];
  const std::byte* v_rows[kKeyBlock];
  for (int i = 0; i < kKeyBlock; ++i) {
    const std::int64_t p = kb + i;
    const bool in = p >= lo && p < hi;
    k_rows[i] = in ? it.kv.k_row(p) : nullptr;
    v_rows[i] = in ? it.kv.v_row(p) : nullptr;
  }
  constexpr int kSeg = HD / 32;  // k-steps per segment
  for (int i = 0; i < kKeyBlock; ++i) {
    std::uint16_t* dst = w.ka + ((i / 16) * kSteps) * kTileBf16 + (i % 16) * 32;
    for (int s = 0; s < kSeg; ++s) {
      __m512i hi = _mm512_setzero_si512(), lo = _mm512_setzero_si512();
      if (k_rows[i] != nullptr) {
        const __m512 x0 = load_f16(k_rows[i] + 64 * s), x1 = load_f16(k_rows[i] + 64 * s + 32);
        hi = to_bf16(x0, x1);
        lo = to_bf16(bf16_lo(x0), bf16_lo(x1));
      }
      _mm512_store_si512(dst + s * kTileBf16, hi);
      _mm512_store_si512(dst + (kSeg + s) * kTileBf16, lo);
      _mm512_store_si512(dst + (2 * kSeg + s) * kTileBf16, hi);
    }
  }
  for (int c = 0; c < HD / 16; ++c) {
    __m512 lo_keys[16], hi_keys[16];
    for (int i = 0; i < 16; ++i) {
      lo_keys[i] = v_rows[i] != nullptr ? load_f16(v_rows[i] + 32 * c) : _mm512_setzero_ps();
      hi_keys[i] = v_rows[16 + i] != nullptr ? load_f16(v_rows[16 + i] + 32 * c) : _mm512_setzero_ps();
    }
    transpose_16x16(lo_keys);  // lo_keys[d] = dim 16c + d of keys 0..15
    transpose_16x16(hi_keys);
    for (int d = 0; d < 16; ++d) _mm512_store_si512(w.vt + c * kTileBf16 + d * 32, to_bf16(lo_keys[d], hi_keys[d]));
  }
}

// Online softmax over the 32 scores of key block kb for the 16 lanes of
// tile t: updates the running max and sum, rescales O^T when the max grew,
// and writes the probabilities as the P^T B tile.
template <int HD>
void softmax_block(std::int64_t kb, int t, const RunWork<HD>& w) {
  const __m512i qpos = _mm512_load_si512(w.qpos + 16 * t);
  const __m512i first = _mm512_load_si512(w.first + 16 * t);
  const __m512 neg_inf = _mm512_set1_ps(-INFINITY);
  __mmask16 visible[kKeyBlock];
  __m512 s[kKeyBlock];
  __m512 block_max = neg_inf;
  for (int i = 0; i < kKeyBlock; ++i) {
    const __m512i p = _mm512_set1_epi32(static_cast<std::int32_t>(kb + i));
    visible[i] = _mm512_cmple_epi32_mask(p, qpos) & _mm512_cmpge_epi32_mask(p, first);
    s[i] = _mm512_mask_mov_ps(neg_inf, visible[i], _mm512_load_ps(w.s + 16 * i));
    block_max = _mm512_max_ps(block_max, s[i]);
  }
  const __m512 m_old = _mm512_load_ps(w.m + 16 * t);
  const __m512 m_new = _mm512_max_ps(m_old, block_max);
  // A lane that has seen no key yet keeps max -inf; subtract 0 there, so
  // no -inf - -inf appears (its probabilities are masked to 0 anyway).
  const __m512 m_sub = _mm512_mask_mov_ps(m_new, _mm512_cmp_ps_mask(m_new, neg_inf, _CMP_EQ_OQ), _mm512_setzero_ps());
  const __mmask16 grew = _mm512_cmp_ps_mask(m_new, m_old, _CMP_GT_OQ);
  // exp(m_old - m_new): exactly 1 where the max did not grow, 0 on a lane's
  // first visible block (m_old = -inf).
  const __m512 rescale = _mm512_mask_mov_ps(_mm512_set1_ps(1.0f), grew, exp512(_mm512_sub_ps(m_old, m_sub)));
  __m512 sum = _mm512_setzero_ps();
  for (int i = 0; i < kKeyBlock; ++i) {
    s[i] = _mm512_maskz_mov_ps(visible[i], exp512(_mm512_sub_ps(s[i], m_sub)));
    sum = _mm512_add_ps(sum, s[i]);
  }
  _mm512_store_ps(w.l + 16 * t, _mm512_fmadd_ps(_mm512_load_ps(w.l + 16 * t), rescale, sum));
  _mm512_store_ps(w.m + 16 * t, m_new);
  if (grew != 0) {
    float* o = w.ot + static_cast<std::size_t>(t) * RunWork<HD>::kDimTiles * kTileF32;
    for (int r = 0; r < RunWork<HD>::kDimTiles * 16; ++r) {
      _mm512_store_ps(o + 16 * r, _mm512_mul_ps(_mm512_load_ps(o + 16 * r), rescale));
    }
  }
  // P^T as a B tile: row j = (p[2j][q], p[2j + 1][q]) for q = 0..15.
  const __m512i interleave = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22,
                                              6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  for (int j = 0; j < kKeyBlock / 2; ++j) {
    _mm512_store_si512(w.pt + 32 * j, _mm512_permutexvar_epi16(interleave, to_bf16(s[2 * j], s[2 * j + 1])));
  }
}

template <int HD>
void run_impl(const AttendRunItem& it) {
  constexpr int kSteps = RunWork<HD>::kSteps, kDimTiles = RunWork<HD>::kDimTiles;
  const int rows = it.n_tokens * it.group;
  const int tiles = (rows + 15) / 16;
  const RunWork<HD> w(it.work, rows);
  auto first_key = [&](std::int64_t pos) {
    return it.sliding_window > 0 ? std::max<std::int64_t>(0, pos + 1 - it.sliding_window) : std::int64_t{0};
  };

  // Per-lane state, and Q^T (scaled, so scores need no multiply) per tile.
  for (int t = 0; t < tiles; ++t) {
    const int n = std::min(16, rows - 16 * t);
    for (int j = 0; j < 16; ++j) {
      const std::int64_t pos = it.pos0 + (16 * t + j) / it.group;
      w.qpos[16 * t + j] = j < n ? static_cast<std::int32_t>(pos) : -1;
      w.first[16 * t + j] = j < n ? static_cast<std::int32_t>(first_key(pos)) : 0;
      w.m[16 * t + j] = -INFINITY;
      w.l[16 * t + j] = 0;
    }
    const __m512 scale = _mm512_set1_ps(it.scale);
    for (int j = 0; j < n; ++j) {
      const float* q = q_row(it, 16 * t + j);
      for (int d = 0; d < HD; d += 16) {
        const __m512 x = _mm512_mul_ps(_mm512_loadu_ps(q + d), scale);
        _mm512_store_ps(w.qrows + j * HD + d, x);
        _mm512_store_ps(w.qlo + j * HD + d, bf16_lo(x));
      }
    }
    constexpr std::size_t kSegValues = HD / 32 * kTileBf16;
    std::uint16_t* qt = w.qt + static_cast<std::size_t>(t) * kSteps * kTileBf16;
    pack_bf16_act(w.qrows, HD, n, HD, qt);  // hi | hi | lo
    std::memcpy(qt + kSegValues, qt, kSegValues * sizeof(std::uint16_t));
    pack_bf16_act(w.qlo, HD, n, HD, qt + 2 * kSegValues);
  }
  std::memset(w.ot, 0, static_cast<std::size_t>(tiles) * kDimTiles * kTileF32 * sizeof(float));

  const std::int64_t lo = first_key(it.pos0);     // the first token sees the earliest key
  const std::int64_t hi = it.pos0 + it.n_tokens;  // the last token sees up to here
  TileScope tile_scope;
  for (std::int64_t kb = lo / kKeyBlock * kKeyBlock; kb < hi; kb += kKeyBlock) {
    load_kv_block<HD>(it, kb, lo, hi, w);
    for (int t = 0; t < tiles; ++t) {
      // Skip a tile none of whose rows sees this block (exactly what
      // processing it would do: nothing).
      const int n = std::min(16, rows - 16 * t);
      const std::int64_t last_pos = w.qpos[16 * t + n - 1], first_seen = w.first[16 * t];
      if (kb > last_pos || kb + kKeyBlock <= first_seen) continue;
      _tile_zero(0);
      _tile_zero(1);
      for (int s = 0; s < kSteps; ++s) {
        _tile_loadd(7, w.qt + (static_cast<std::size_t>(t) * kSteps + s) * kTileBf16, kTileRow);
        _tile_loadd(4, w.ka + s * kTileBf16, kTileRow);
        _tile_loadd(5, w.ka + (kSteps + s) * kTileBf16, kTileRow);
        _tile_dpbf16ps(0, 4, 7);
        _tile_dpbf16ps(1, 5, 7);
      }
      _tile_stored(0, w.s, kTileRow);
      _tile_stored(1, w.s + kTileF32, kTileRow);
      softmax_block<HD>(kb, t, w);
      _tile_loadd(7, w.pt, kTileRow);
      for (int c = 0; c < kDimTiles; ++c) {
        float* o = w.ot + (static_cast<std::size_t>(t) * kDimTiles + c) * kTileF32;
        _tile_loadd(2, o, kTileRow);
        _tile_loadd(4, w.vt + c * kTileBf16, kTileRow);
        _tile_dpbf16ps(2, 4, 7);
        _tile_stored(2, o, kTileRow);
      }
    }
  }

  // O^T / l back to query rows.
  for (int t = 0; t < tiles; ++t) {
    const int n = std::min(16, rows - 16 * t);
    alignas(64) float inv[16];
    for (int j = 0; j < 16; ++j) inv[j] = w.l[16 * t + j] > 0 ? 1.0f / w.l[16 * t + j] : 0.0f;
    for (int c = 0; c < kDimTiles; ++c) {
      __m512 r[16];
      const float* o = w.ot + (static_cast<std::size_t>(t) * kDimTiles + c) * kTileF32;
      for (int d = 0; d < 16; ++d) r[d] = _mm512_load_ps(o + 16 * d);
      transpose_16x16(r);  // r[j] = dims 16c..16c+15 of query row j
      for (int j = 0; j < n; ++j) {
        float* out = it.out + static_cast<std::size_t>((16 * t + j) / it.group) * it.q_token_stride +
                     static_cast<std::size_t>((16 * t + j) % it.group) * HD + 16 * c;
        _mm512_storeu_ps(out, _mm512_mul_ps(r[j], _mm512_set1_ps(inv[j])));
      }
    }
  }
}

}  // namespace

bool attend_run(const AttendRunItem& it) {
  if (it.kv.type != GgmlType::kF16 || it.n_tokens < 1 || it.group < 1 ||
      it.n_tokens * it.group > std::max(kAttendRunMaxRows, it.group)) {
    return false;
  }
  switch (it.head_dim) {
    case 32:
      run_impl<32>(it);
      return true;
    case 64:
      run_impl<64>(it);
      return true;
    case 128:
      run_impl<128>(it);
      return true;
    case 96:
      run_impl<96>(it);
      return true;
    case 256:
      run_impl<256>(it);
      return true;
    default:
      return false;
  }
}

}  // namespace servir::kernels::amx
