#include "kernels/context.h"

#include <cstdlib>

#include "util/check.h"

namespace servir::kernels {

void KernelContext::FreeAligned::operator()(std::byte* p) const { std::free(p); }

std::byte* KernelContext::scratch(std::size_t bytes) {
  if (bytes > scratch_bytes_) {
    const std::size_t rounded = (bytes + 4095) / 4096 * 4096;
    auto* p = static_cast<std::byte*>(std::aligned_alloc(64, rounded));
    CHECK(p != nullptr) << "out of memory for " << rounded << " bytes of kernel scratch";
    scratch_.reset(p);
    scratch_bytes_ = rounded;
  }
  return scratch_.get();
}

}  // namespace servir::kernels
