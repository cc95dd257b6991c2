// KernelContext: what every kernel call needs besides its tensors: the
// dispatched KernelTable, the thread pool and a scratch buffer (for the
// quantized activations of matmul). Owned by the engine thread; not
// thread-safe (one forward pass at a time), move-less.
#pragma once

#include <cstddef>

#include "kernels/aligned_buffer.h"
#include "kernels/kernel_table.h"
#include "kernels/thread_pool.h"

namespace servir::kernels {

class KernelContext {
 public:
  // `pool` may be null (everything runs on the calling thread).
  KernelContext(const KernelTable& table, ThreadPool* pool) : table_(&table), pool_(pool) {}
  KernelContext(const KernelContext&) = delete;
  KernelContext& operator=(const KernelContext&) = delete;

  const KernelTable& kernels() const { return *table_; }
  ThreadPool* pool() const { return pool_; }
  int n_threads() const { return pool_ != nullptr ? pool_->size() : 1; }

  // fn(begin, end) over chunks of [0, n) on the pool (or inline).
  template <typename Fn>
  void parallel_for(std::int64_t n, std::int64_t grain, Fn&& fn) const {
    if (pool_ != nullptr) {
      pool_->parallel_for(n, grain, fn);
    } else if (n > 0) {
      fn(std::int64_t{0}, n);
    }
  }

  // At least `bytes` of 64-byte aligned scratch, valid until the next call.
  std::byte* scratch(std::size_t bytes);

 private:
  const KernelTable* table_;
  ThreadPool* pool_;
  AlignedBuffer<std::byte> scratch_;
};

}  // namespace servir::kernels
