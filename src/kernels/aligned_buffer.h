// A growable, 64-byte aligned buffer of trivially copyable T for scratch
// that kernels reuse across calls (per KernelContext or per pool thread):
// it grows to the largest request once and is never shrunk, so the hot path
// allocates nothing after warm-up. Growing does not keep the contents.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <memory>

#include "util/check.h"

namespace servir::kernels {

template <typename T>
class AlignedBuffer {
 public:
  // At least n elements (the size rounded up to whole 4 KiB pages).
  T* reserve(std::size_t n) {
    if (n > capacity_) {
      const std::size_t bytes = (n * sizeof(T) + 4095) / 4096 * 4096;
      data_.reset(static_cast<T*>(std::aligned_alloc(64, bytes)));
      CHECK(data_ != nullptr) << "out of memory for " << bytes << " bytes of kernel scratch";
      capacity_ = bytes / sizeof(T);
    }
    return data_.get();
  }
  T* data() const { return data_.get(); }

 private:
  struct Free {
    void operator()(T* p) const { std::free(p); }
  };
  std::unique_ptr<T, Free> data_;
  std::size_t capacity_ = 0;
};

}  // namespace servir::kernels
