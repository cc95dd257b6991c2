#include "kernels/attention.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

#include "kernels/aligned_buffer.h"
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

// Scratch of the generic loop, per parallel chunk.
struct GenericWork {
  GenericWork(int group, int head_dim)
      : acc(static_cast<std::size_t>(group * head_dim)),
        k_f32(static_cast<std::size_t>(head_dim)),
        v_f32(static_cast<std::size_t>(head_dim)),
        run_max(static_cast<std::size_t>(group)),
        run_sum(static_cast<std::size_t>(group)) {}
  std::vector<float> acc, k_f32, v_f32, run_max, run_sum;
};

// One item with the table's dot products and a scalar online softmax: the
// scalar twin of the `attend` kernels, and the path for shapes they do not
// take. Float K rows go straight into the type's dot with the f32 query
// rows; a Q8_0 row (whose dot partner is Q8_0, not f32) is dequantized one
// row at a time into scratch first, so the queries stay f32 as in the
// vector kernels and the only rounding is the cache's own.
void attend_generic(const KernelTable& kernels, const AttendItem& it, GenericWork& w) {
  const bool float_k = dtype_traits(it.kv.type)->vec_dot_type == GgmlType::kF32;
  const VecDotFn dot = kernels.dot(float_k ? it.kv.type : GgmlType::kF32);  // K row x f32 query rows
  const ToF32Fn to_f32 = kernels.dequantizer(it.kv.type);
  const int group = it.group, hd = it.head_dim;
  float scores[kMaxDotRows];
  std::fill(w.acc.begin(), w.acc.end(), 0.0f);
  std::fill(w.run_max.begin(), w.run_max.end(), -INFINITY);
  std::fill(w.run_sum.begin(), w.run_sum.end(), 0.0f);
  for (std::int64_t p = it.first_key; p < it.n_keys; ++p) {
    const void* k_row = it.kv.k_row(p);
    const std::byte* v_row = it.kv.v_row(p);
    if (!float_k) {
      to_f32(k_row, w.k_f32.data(), hd);
      k_row = w.k_f32.data();
    }
    to_f32(v_row, w.v_f32.data(), hd);
    for (int g0 = 0; g0 < group; g0 += kMaxDotRows) {
      const int rows = std::min(kMaxDotRows, group - g0);
      dot(hd, k_row, it.q + static_cast<std::int64_t>(g0) * hd, sizeof(float) * hd, rows, scores);
      for (int r = 0; r < rows; ++r) {
        const int g = g0 + r;
        const float s = scores[r] * it.scale;
        float* a = w.acc.data() + static_cast<std::size_t>(g * hd);
        // Online softmax: rescale what we have when the max grows.
        if (s > w.run_max[g]) {
          const float c = std::exp(w.run_max[g] - s);
          w.run_sum[g] *= c;
          for (int d = 0; d < hd; ++d) a[d] *= c;
          w.run_max[g] = s;
        }
        const float e = std::exp(s - w.run_max[g]);
        w.run_sum[g] += e;
        for (int d = 0; d < hd; ++d) a[d] += e * w.v_f32[d];
      }
    }
  }
  for (int g = 0; g < group; ++g) {
    float* o = it.out + static_cast<std::int64_t>(g) * hd;
    const float inv = 1.0f / w.run_sum[g];
    for (int d = 0; d < hd; ++d) o[d] = w.acc[static_cast<std::size_t>(g * hd + d)] * inv;
  }
}

// KV head `kvh` of the sequence with block table `table`.
PagedKvHead kv_head(const PagedKvView& kv, const std::int32_t* table, int kvh) {
  const std::size_t head_off = kv.head_bytes() * static_cast<std::size_t>(kvh);
  return {.k = static_cast<const std::byte*>(kv.k) + head_off,
          .v = static_cast<const std::byte*>(kv.v) + head_off,
          .slot_bytes = kv.slot_bytes(),
          .table = table,
          .block_size = kv.block_size,
          .type = kv.type};
}

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

// A run of batch tokens [t0, t0 + n): one sequence, consecutive positions.
struct TokenRun {
  std::int64_t t0;
  int n;
};

// Every token through `attend_run`, as runs of consecutive tokens of one
// sequence x KV heads (a decode token is a run of one); false when the
// kernel does not take the shape (the caller then writes every output).
bool attend_runs(const KernelContext& ctx, const PagedKvView& kv, const AttentionBatch& batch, AttendRunFn attend_run) {
  const int group = batch.n_heads / kv.n_kv_heads;
  const int hd = kv.head_dim;
  const int max_tokens = std::max(1, kAttendRunMaxRows / group);
  // Reused per calling thread: no allocation per step once grown.
  // (A reference: inside the pool's lambdas the name of a thread_local
  // would mean each worker's own, empty vector.)
  thread_local std::vector<TokenRun> runs_of_this_thread;
  std::vector<TokenRun>& runs = runs_of_this_thread;
  runs.clear();
  for (std::int64_t t = 0; t < batch.n_tokens;) {
    int n = 1;
    while (t + n < batch.n_tokens && n < max_tokens && batch.token_seq[t + n] == batch.token_seq[t] &&
           batch.token_pos[t + n] == batch.token_pos[t] + n) {
      ++n;
    }
    runs.push_back({t, n});
    t += n;
  }
  const auto run_item = [&](std::int64_t item) {
    const TokenRun run = runs[static_cast<std::size_t>(item / kv.n_kv_heads)];
    const int kvh = static_cast<int>(item % kv.n_kv_heads);
    const std::int32_t* table =
        batch.block_tables + static_cast<std::int64_t>(batch.token_seq[run.t0]) * batch.max_blocks_per_seq;
    check_table(kv, batch, table, batch.token_pos[run.t0] + run.n - 1);
    const std::int64_t q_off = (run.t0 * batch.n_heads + static_cast<std::int64_t>(kvh) * group) * hd;
    return AttendRunItem{.q = batch.q + q_off,
                         .out = batch.out + q_off,
                         .q_token_stride = static_cast<std::size_t>(batch.n_heads) * static_cast<std::size_t>(hd),
                         .n_tokens = run.n,
                         .group = group,
                         .head_dim = hd,
                         .scale = batch.scale,
                         .pos0 = batch.token_pos[run.t0],
                         .sliding_window = batch.sliding_window,
                         .kv = kv_head(kv, table, kvh)};
  };
  // The kernel takes a shape for every item or for none.
  const std::int64_t n_items = static_cast<std::int64_t>(runs.size()) * kv.n_kv_heads;
  std::atomic<bool> all_taken{true};
  ctx.parallel_for(n_items, 1, [&](std::int64_t i0, std::int64_t i1) {
    thread_local AlignedBuffer<float> work;
    float* const work_floats = work.reserve(attend_run_work_floats(std::max(kAttendRunMaxRows, group), hd));
    for (std::int64_t item = i0; item < i1; ++item) {
      AttendRunItem it = run_item(item);
      it.work = work_floats;
      if (!attend_run(it)) {
        all_taken.store(false, std::memory_order_relaxed);
        return;
      }
    }
  });
  return all_taken.load();
}

}  // namespace

bool kv_type_supported(GgmlType type) {
  return type == GgmlType::kF16 || type == GgmlType::kBF16 || type == GgmlType::kQ8_0 || type == GgmlType::kF32;
}

std::size_t kv_row_bytes(GgmlType type, std::int64_t n) {
  const DTypeTraits* t = dtype_traits(type);
  CHECK(t != nullptr && n % t->block_size == 0) << "KV row of " << n << " elements of " << ggml_type_name(type);
  return row_bytes(*t, n);
}

void paged_kv_store(const PagedKvView& kv, const std::int32_t* table, std::int64_t pos, const float* k_row,
                    const float* v_row) {
  // Quantized per slot, so a Q8_0 block never spans two tokens (or, with
  // head_dim a multiple of 32, two heads).
  const DTypeTraits* t = dtype_traits(kv.type);
  const std::int64_t n = static_cast<std::int64_t>(kv.n_kv_heads) * kv.head_dim;
  t->from_f32(k_row, slot_ptr(kv, kv.k, table, pos), n);
  t->from_f32(v_row, slot_ptr(kv, kv.v, table, pos), n);
}

void paged_attention(const KernelContext& ctx, const PagedKvView& kv, const AttentionBatch& batch) {
  CHECK(kv_type_supported(kv.type)) << "attention: KV must be f16, bf16, q8_0 or f32, not " << ggml_type_name(kv.type);
  CHECK(kv.n_kv_heads > 0 && batch.n_heads % kv.n_kv_heads == 0)
      << "attention: " << batch.n_heads << " heads do not group over " << kv.n_kv_heads << " KV heads";
  const int group = batch.n_heads / kv.n_kv_heads;
  const int hd = kv.head_dim;

  // One work item = one token x one KV head (all the query heads of its group,
  // so each K/V row is read once for the group).
  const std::int64_t n_items = batch.n_tokens * kv.n_kv_heads;
  auto item_at = [&](std::int64_t item) {
    const std::int64_t t = item / kv.n_kv_heads;
    const int kvh = static_cast<int>(item % kv.n_kv_heads);
    const std::int32_t* table =
        batch.block_tables + static_cast<std::int64_t>(batch.token_seq[t]) * batch.max_blocks_per_seq;
    const std::int64_t pos = batch.token_pos[t];
    check_table(kv, batch, table, pos);
    const std::int64_t q_off = (t * batch.n_heads + static_cast<std::int64_t>(kvh) * group) * hd;
    return AttendItem{.q = batch.q + q_off,
                      .out = batch.out + q_off,
                      .group = group,
                      .head_dim = hd,
                      .scale = batch.scale,
                      .first_key = first_key(batch, pos),
                      .n_keys = pos + 1,
                      .kv = kv_head(kv, table, kvh)};
  };
  if (const AttendRunFn attend_run = ctx.kernels().attend_run; attend_run != nullptr) {
    if (attend_runs(ctx, kv, batch, attend_run)) return;
  }
  if (const AttendFn attend = ctx.kernels().attend; attend != nullptr) {
    std::atomic<bool> all_taken{true};
    ctx.parallel_for(n_items, 1, [&](std::int64_t i0, std::int64_t i1) {
      // Per pool thread, grown once to the largest shape.
      thread_local AlignedBuffer<float> work;
      float* const work_floats = work.reserve(attend_work_floats(group, hd));
      for (std::int64_t item = i0; item < i1; ++item) {
        AttendItem it = item_at(item);
        it.work = work_floats;
        if (!attend(it)) {
          all_taken.store(false, std::memory_order_relaxed);  // a shape the kernel does not take: same for every item
          return;
        }
      }
    });
    if (all_taken.load()) return;
  }
  ctx.parallel_for(n_items, 1, [&](std::int64_t i0, std::int64_t i1) {
    GenericWork work(group, hd);
    for (std::int64_t item = i0; item < i1; ++item) attend_generic(ctx.kernels(), item_at(item), work);
  });
}

}  // namespace servir::kernels
