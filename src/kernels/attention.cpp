#include "kernels/attention.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <vector>

#include "kernels/dtype_traits.h"
#include "util/check.h"

namespace servir::kernels {
namespace {

std::byte* slot_ptr(const PagedKvView& kv, void* pool, const std::int32_t* table, std::int64_t pos) {
  const std::int32_t block = table[pos / kv.block_size];
  CHECK(block >= 0 && block < kv.n_blocks) << "attention: block id " << block << " outside the pool of " << kv.n_blocks;
  const std::int64_t slot = static_cast<std::int64_t>(block) * kv.block_size + pos % kv.block_size;
  return static_cast<std::byte*>(pool) + static_cast<std::size_t>(slot) * kv.slot_bytes();
}

// 64-byte aligned work memory per pool thread, grown once to the largest
// shape (the pool threads live as long as the process).
struct AttendWork {
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float, Free> data;
  std::size_t floats = 0;

  void reserve(std::size_t want) {
    if (want <= floats) return;
    data.reset(static_cast<float*>(std::aligned_alloc(64, (want * sizeof(float) + 63) / 64 * 64)));
    CHECK(data != nullptr) << "out of memory for attention work";
    floats = want;
  }
};

// The first position a token at `pos` attends to.
std::int64_t first_key(const AttentionBatch& batch, std::int64_t pos) {
  return batch.sliding_window > 0 ? std::max<std::int64_t>(0, pos + 1 - batch.sliding_window) : 0;
}

// Every block the token's positions 0..pos use must be in the pool.
void check_table(const PagedKvView& kv, const AttentionBatch& batch, const std::int32_t* table, std::int64_t pos) {
  CHECK(pos >= 0 && pos / kv.block_size < batch.max_blocks_per_seq)
      << "attention: position " << pos << " beyond the block table";
  for (std::int64_t b = 0; b <= pos / kv.block_size; ++b) {
    CHECK(table[b] >= 0 && table[b] < kv.n_blocks)
        << "attention: block id " << table[b] << " outside the pool of " << kv.n_blocks;
  }
}

}  // namespace

void paged_kv_store(const PagedKvView& kv, const std::int32_t* table, std::int64_t pos, const float* k_row,
                    const float* v_row) {
  const DTypeTraits* t = dtype_traits(kv.type);
  const std::int64_t n = static_cast<std::int64_t>(kv.n_kv_heads) * kv.head_dim;
  t->from_f32(k_row, slot_ptr(kv, kv.k, table, pos), n);
  t->from_f32(v_row, slot_ptr(kv, kv.v, table, pos), n);
}

void paged_attention(const KernelContext& ctx, const PagedKvView& kv, const AttentionBatch& batch) {
  CHECK(kv.type == GgmlType::kF16 || kv.type == GgmlType::kF32) << "attention: KV must be f16 or f32";
  CHECK(kv.n_kv_heads > 0 && batch.n_heads % kv.n_kv_heads == 0)
      << "attention: " << batch.n_heads << " heads do not group over " << kv.n_kv_heads << " KV heads";
  const int group = batch.n_heads / kv.n_kv_heads;
  const int hd = kv.head_dim;
  const VecDotFn dot = ctx.kernels().dot(kv.type);  // K row x f32 query rows
  const ToF32Fn to_f32 = ctx.kernels().dequantizer(kv.type);
  const std::size_t kv_head_bytes = kv.element_bytes() * static_cast<std::size_t>(hd);

  // One work item = one token x one KV head (all the query heads of its group,
  // so each K/V row is read once for the group).
  const std::int64_t n_items = batch.n_tokens * kv.n_kv_heads;
  if (const AttendFn attend = ctx.kernels().attend; attend != nullptr) {
    std::atomic<bool> all_taken{true};
    ctx.parallel_for(n_items, 1, [&](std::int64_t i0, std::int64_t i1) {
      thread_local AttendWork work;
      work.reserve(attend_work_floats(group, hd));
      for (std::int64_t item = i0; item < i1; ++item) {
        const std::int64_t t = item / kv.n_kv_heads;
        const int kvh = static_cast<int>(item % kv.n_kv_heads);
        const std::int32_t* table =
            batch.block_tables + static_cast<std::int64_t>(batch.token_seq[t]) * batch.max_blocks_per_seq;
        const std::int64_t pos = batch.token_pos[t];
        check_table(kv, batch, table, pos);
        const std::size_t head_off = static_cast<std::size_t>(kvh) * kv_head_bytes;
        const std::int64_t q_off = (t * batch.n_heads + static_cast<std::int64_t>(kvh) * group) * hd;
        const AttendItem it{.q = batch.q + q_off,
                            .out = batch.out + q_off,
                            .group = group,
                            .head_dim = hd,
                            .scale = batch.scale,
                            .first_key = first_key(batch, pos),
                            .n_keys = pos + 1,
                            .k = static_cast<const std::byte*>(kv.k) + head_off,
                            .v = static_cast<const std::byte*>(kv.v) + head_off,
                            .slot_bytes = kv.slot_bytes(),
                            .table = table,
                            .block_size = kv.block_size,
                            .kv_type = kv.type,
                            .work = work.data.get()};
        if (!attend(it)) {
          all_taken.store(false, std::memory_order_relaxed);  // a shape the kernel does not take: same for every item
          return;
        }
      }
    });
    if (all_taken.load()) return;
  }
  ctx.parallel_for(n_items, 1, [&](std::int64_t i0, std::int64_t i1) {
    std::vector<float> acc(static_cast<std::size_t>(group * hd));
    std::vector<float> v_f32(static_cast<std::size_t>(hd));
    std::vector<float> run_max(static_cast<std::size_t>(group)), run_sum(static_cast<std::size_t>(group));
    float scores[kMaxDotRows];
    for (std::int64_t item = i0; item < i1; ++item) {
      const std::int64_t t = item / kv.n_kv_heads;
      const int kvh = static_cast<int>(item % kv.n_kv_heads);
      const std::int32_t* table =
          batch.block_tables + static_cast<std::int64_t>(batch.token_seq[t]) * batch.max_blocks_per_seq;
      const std::int64_t pos = batch.token_pos[t];
      CHECK(pos >= 0 && pos / kv.block_size < batch.max_blocks_per_seq)
          << "attention: position " << pos << " beyond the block table";
      const float* q = batch.q + (t * batch.n_heads + static_cast<std::int64_t>(kvh) * group) * hd;
      std::fill(acc.begin(), acc.end(), 0.0f);
      std::fill(run_max.begin(), run_max.end(), -INFINITY);
      std::fill(run_sum.begin(), run_sum.end(), 0.0f);
      for (std::int64_t p = first_key(batch, pos); p <= pos; ++p) {
        const std::size_t head_off = static_cast<std::size_t>(kvh) * kv_head_bytes;
        const std::byte* k_row = slot_ptr(kv, kv.k, table, p) + head_off;
        const std::byte* v_row = slot_ptr(kv, kv.v, table, p) + head_off;
        to_f32(v_row, v_f32.data(), hd);
        for (int g0 = 0; g0 < group; g0 += kMaxDotRows) {
          const int rows = std::min(kMaxDotRows, group - g0);
          dot(hd, k_row, q + static_cast<std::int64_t>(g0) * hd, sizeof(float) * hd, rows, scores);
          for (int r = 0; r < rows; ++r) {
            const int g = g0 + r;
            const float s = scores[r] * batch.scale;
            float* a = acc.data() + static_cast<std::size_t>(g * hd);
            // Online softmax: rescale what we have when the max grows.
            if (s > run_max[g]) {
              const float c = std::exp(run_max[g] - s);
              run_sum[g] *= c;
              for (int d = 0; d < hd; ++d) a[d] *= c;
              run_max[g] = s;
            }
            const float w = std::exp(s - run_max[g]);
            run_sum[g] += w;
            for (int d = 0; d < hd; ++d) a[d] += w * v_f32[d];
          }
        }
      }
      for (int g = 0; g < group; ++g) {
        float* o = batch.out + (t * batch.n_heads + static_cast<std::int64_t>(kvh) * group + g) * hd;
        const float inv = 1.0f / run_sum[g];
        for (int d = 0; d < hd; ++d) o[d] = acc[static_cast<std::size_t>(g * hd + d)] * inv;
      }
    }
  });
}

}  // namespace servir::kernels
